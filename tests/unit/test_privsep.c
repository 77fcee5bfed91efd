/*
 * The daemon's privilege separation: both message checks fed hostile sizes and
 * fields; the helper's loop (in a child, on a socketpair) refusing malformed
 * requests and unknown or unusable interfaces; the worker's side facing a helper
 * that lies, sends extra descriptors, goes silent or goes away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child.h"
#include "privsep.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALLOWED PRIVSEP_FILTER(LINK_FILTER_ARP_ICMP)

static struct privsep_request good_request(void)
{
	struct privsep_request req = {
		.type = PRIVSEP_OPEN_LINK, .serial = 1, .ifindex = 7, .filter = LINK_FILTER_ARP_ICMP,
	};

	return req;
}

static struct privsep_reply good_reply(const struct privsep_request *req)
{
	struct privsep_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.type = PRIVSEP_LINK_OPENED;
	rep.serial = req->serial;
	rep.ifindex = req->ifindex;
	rep.mtu = 1500;
	memcpy(rep.mac, "\x02\x00\x00\x00\x00\x01", MAC_LEN);
	strcpy(rep.name, "eth0");
	return rep;
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_request_check(void **state)
{
	struct privsep_request req = good_request(), out;
	uint8_t big[4096];

	(void)state;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), 0);
	assert_int_equal(out.ifindex, 7);
	/* Sizes: nothing, one byte short, one byte long, and a long message cut to our
	 * buffer (recvmsg reports MSG_TRUNC and the real length). */
	assert_int_equal(privsep_request_check(&req, 0, 0, ALLOWED, &out), -EBADMSG);
	assert_int_equal(privsep_request_check(&req, sizeof(req) - 1, 0, ALLOWED, &out), -EBADMSG);
	memset(big, 0, sizeof(big));
	memcpy(big, &req, sizeof(req));
	assert_int_equal(privsep_request_check(big, sizeof(req) + 1, 0, ALLOWED, &out), -EBADMSG);
	assert_int_equal(privsep_request_check(big, sizeof(req), MSG_TRUNC, ALLOWED, &out), -EBADMSG);
	assert_int_equal(privsep_request_check(big, SIZE_MAX, 0, ALLOWED, &out), -EBADMSG);
	/* Ancillary data (a descriptor pushed at the helper). */
	assert_int_equal(privsep_request_check(&req, sizeof(req), MSG_CTRUNC, ALLOWED, &out), -EBADMSG);
	/* Fields. */
	req.type = PRIVSEP_LINK_OPENED;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), -EBADMSG);
	req = good_request();
	req.ifindex = 0;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), -EBADMSG);
	req.ifindex = INT32_MIN;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), -EBADMSG);
	req = good_request();
	req.filter = LINK_FILTER_ARP_IPV4; /* a real filter, not one the daemon uses */
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), -EBADMSG);
	req.filter = 31;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ALLOWED, &out), -EBADMSG);
	req.filter = 32; /* would shift out of the mask */
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ~0u, &out), -EBADMSG);
	req.filter = UINT32_MAX;
	assert_int_equal(privsep_request_check(&req, sizeof(req), 0, ~0u, &out), -EBADMSG);
}

static void test_reply_check(void **state)
{
	struct privsep_request req = good_request();
	struct privsep_reply rep = good_reply(&req), out;

	(void)state;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), 0);
	assert_string_equal(out.name, "eth0");
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep) - 1, 0, 1, &req, &out), -EBADMSG);
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep) + 1, 0, 1, &req, &out), -EBADMSG);
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), MSG_TRUNC, 1, &req, &out), -EBADMSG);
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), MSG_CTRUNC, 1, &req, &out), -EBADMSG);
	/* A socket must come with success, and only one; none with an error. */
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 0, &req, &out), -EBADMSG);
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 2, &req, &out), -EBADMSG);
	rep.error = -ENODEV;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 0, &req, &out), 0);
	assert_int_equal(out.error, -ENODEV);
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
	rep.error = 5;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 0, &req, &out), -EBADMSG);
	rep.error = -100000;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 0, &req, &out), -EBADMSG);
	/* Someone else's answer. */
	rep = good_reply(&req);
	rep.serial = 2;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
	rep = good_reply(&req);
	rep.ifindex = 8;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
	rep = good_reply(&req);
	rep.type = PRIVSEP_OPEN_LINK;
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
	/* A name without its NUL, and no name. */
	rep = good_reply(&req);
	memset(rep.name, 'A', sizeof(rep.name));
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
	rep.name[0] = '\0';
	assert_int_equal(privsep_reply_check(&rep, sizeof(rep), 0, 1, &req, &out), -EBADMSG);
}

/* The helper's loop in a child on one end of a socketpair; the test holds the other.
 * The child exits 0 when the loop ended because we closed, 7 after a malformed
 * request, 9 otherwise. */
static pid_t start_helper(int *sock)
{
	pid_t pid = child_fork(sock);

	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = privsep_serve(*sock, ALLOWED);

		_exit(rc == 0 ? 0 : rc == -EBADMSG ? 7 : 9);
	}
	return pid;
}

static int helper_exit(pid_t pid)
{
	int status = child_reap(pid, 10000);

	assert_true(status >= 0 && WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A raw request, then the helper's answer to it. */
static int raw_exchange(int sock, const void *msg, size_t len, struct privsep_reply *rep)
{
	assert_int_equal(send(sock, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	return (int)recv(sock, rep, sizeof(*rep), 0);
}

static void test_helper_refuses_interfaces(void **state)
{
	struct privsep_client c;
	struct link l;
	int sock;
	pid_t pid = start_helper(&sock);
	unsigned lo = if_nametoindex("lo");

	(void)state;
	privsep_client_init(&c, sock, pid);
	/* No such interface: refused, and the helper goes on serving. */
	assert_int_equal(privsep_open_link(&c, INT32_MAX, LINK_FILTER_ARP_ICMP, 5000, &l), -ENODEV);
	assert_false(privsep_is_fatal(-ENODEV));
	/* Loopback does not use ARP. */
	assert_true(lo > 0);
	assert_int_equal(privsep_open_link(&c, (int)lo, LINK_FILTER_ARP_ICMP, 5000, &l),
			 -EAFNOSUPPORT);
	assert_int_equal(privsep_open_link(&c, INT32_MAX - 1, LINK_FILTER_ARP_ICMP, 5000, &l),
			 -ENODEV);
	/* Closing our end ends the helper; it is reaped. */
	privsep_client_close(&c, 5000);
	assert_int_equal(c.fd, -1);
	assert_int_equal(c.helper, 0);
}

static void test_helper_refuses_malformed(void **state)
{
	struct privsep_request req = good_request();
	struct privsep_reply rep;
	uint8_t longer[sizeof(req) + 8];
	struct privsep_client c;
	struct link l;
	int sock;
	pid_t pid;

	(void)state;
	/* Too short: answered -EBADMSG, then the helper stops. */
	pid = start_helper(&sock);
	assert_int_equal(raw_exchange(sock, "abc", 3, &rep), (int)sizeof(rep));
	assert_int_equal(rep.type, PRIVSEP_LINK_OPENED);
	assert_int_equal(rep.error, -EBADMSG);
	assert_int_equal(recv(sock, &rep, sizeof(rep), 0), 0); /* closed */
	close(sock);
	assert_int_equal(helper_exit(pid), 7);

	/* Too long, the right header at its start. */
	pid = start_helper(&sock);
	memset(longer, 0, sizeof(longer));
	memcpy(longer, &req, sizeof(req));
	assert_int_equal(raw_exchange(sock, longer, sizeof(longer), &rep), (int)sizeof(rep));
	assert_int_equal(rep.error, -EBADMSG);
	assert_int_equal(rep.serial, req.serial);
	close(sock);
	assert_int_equal(helper_exit(pid), 7);

	/* A filter the daemon does not use: the worker is not behaving. */
	pid = start_helper(&sock);
	privsep_client_init(&c, sock, 0);
	assert_int_equal(privsep_open_link(&c, 1, LINK_FILTER_ARP_IPV4, 5000, &l), -EBADMSG);
	assert_true(privsep_is_fatal(-EBADMSG));
	assert_int_equal(privsep_open_link(&c, 1, LINK_FILTER_ARP_ICMP, 5000, &l), -EPIPE);
	close(sock);
	assert_int_equal(helper_exit(pid), 7);

	/* A request that carries a descriptor. */
	pid = start_helper(&sock);
	{
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
		};
		struct cmsghdr *cm;
		int passed = STDIN_FILENO;

		memset(&control, 0, sizeof(control));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passed, sizeof(int));
		assert_int_equal(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)sizeof(req));
		assert_int_equal(recv(sock, &rep, sizeof(rep), 0), (int)sizeof(rep));
		assert_int_equal(rep.error, -EBADMSG);
	}
	close(sock);
	assert_int_equal(helper_exit(pid), 7);
}

/* The worker facing a helper whose answer is already queued (the test writes it
 * before asking: a socketpair keeps it). */
static int ask_with_queued_reply(const struct privsep_reply *rep, size_t len, const int *fds,
				 unsigned fd_count, struct link *l)
{
	int pair[2], rc;
	struct privsep_client c;
	struct privsep_request seen;
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)rep, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	if (fd_count) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, fd_count * sizeof(int));
	}
	assert_int_equal(sendmsg(pair[1], &msg, MSG_NOSIGNAL), (ssize_t)len);
	privsep_client_init(&c, pair[0], 0);
	rc = privsep_open_link(&c, 7, LINK_FILTER_ARP_ICMP, 200, l);
	/* What the worker asked, as the helper would see it. */
	assert_int_equal(recv(pair[1], &seen, sizeof(seen), 0), (int)sizeof(seen));
	assert_int_equal(privsep_request_check(&seen, sizeof(seen), 0, ALLOWED, &seen), 0);
	assert_int_equal(seen.ifindex, 7);
	close(pair[0]);
	close(pair[1]);
	return rc;
}

static void test_worker_refuses_bad_replies(void **state)
{
	struct privsep_request req = good_request();
	struct privsep_reply rep = good_reply(&req);
	struct link l;
	int pipe_fds[2], two[2];
	unsigned before;

	(void)state;
	assert_int_equal(pipe(pipe_fds), 0);
	before = open_fds();
	/* Success without a descriptor. */
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), NULL, 0, &l), -EBADMSG);
	/* A descriptor that is not a packet socket: refused and closed. */
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), &pipe_fds[0], 1, &l), -EBADMSG);
	/* Two descriptors: refused, both closed. */
	two[0] = pipe_fds[0];
	two[1] = pipe_fds[1];
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), two, 2, &l), -EBADMSG);
	/* An error that comes with a descriptor. */
	rep.error = -ENODEV;
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), &pipe_fds[0], 1, &l), -EBADMSG);
	/* Short, and somebody else's serial. */
	rep = good_reply(&req);
	rep.error = -ENODEV;
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep) - 2, NULL, 0, &l), -EBADMSG);
	rep.serial = 99;
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), NULL, 0, &l), -EBADMSG);
	/* A plain refusal passes through. */
	rep.serial = 1;
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), NULL, 0, &l), -ENODEV);
	assert_int_equal(open_fds(), before); /* every received descriptor was closed */
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

static void test_worker_gets_a_packet_socket(void **state)
{
	struct privsep_request req = good_request();
	struct privsep_reply rep = good_reply(&req);
	struct link l;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	(void)state;
	if (fd < 0)
		skip(); /* needs CAP_NET_RAW (the tests run as root) */
	assert_int_equal(ask_with_queued_reply(&rep, sizeof(rep), &fd, 1, &l), 0);
	assert_true(l.fd >= 0 && l.fd != fd);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "eth0");
	assert_int_equal(l.mtu, 1500);
	assert_memory_equal(l.mac.octet, "\x02\x00\x00\x00\x00\x01", MAC_LEN);
	link_close(&l);
	close(fd);
}

static void test_worker_helper_gone_or_silent(void **state)
{
	struct privsep_client c;
	struct link l;
	int pair[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	privsep_client_init(&c, pair[0], 0);
	assert_int_equal(privsep_open_link(&c, 7, LINK_FILTER_ARP_ICMP, 50, &l), -ETIMEDOUT);
	close(pair[1]);
	assert_int_equal(privsep_open_link(&c, 7, LINK_FILTER_ARP_ICMP, 50, &l), -EPIPE);
	assert_true(privsep_is_fatal(-EPIPE) && privsep_is_fatal(-ETIMEDOUT));
	close(pair[0]);
	privsep_client_init(&c, -1, 0);
	assert_int_equal(privsep_open_link(&c, 7, LINK_FILTER_ARP_ICMP, 50, &l), -EPIPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_check),
		cmocka_unit_test(test_reply_check),
		cmocka_unit_test(test_helper_refuses_interfaces),
		cmocka_unit_test(test_helper_refuses_malformed),
		cmocka_unit_test(test_worker_refuses_bad_replies),
		cmocka_unit_test(test_worker_gets_a_packet_socket),
		cmocka_unit_test(test_worker_helper_gone_or_silent),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
