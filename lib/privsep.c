#include "privsep.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"

/* A reply's control buffer: room for exactly one descriptor. A second one does not
 * fit, the kernel sets MSG_CTRUNC, and the reply is refused. */
union one_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int privsep_request_check(const void *buf, size_t len, int msg_flags, unsigned allowed_filters,
			  struct privsep_request *out)
{
	struct privsep_request req;

	if (len != sizeof(req) || (msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EBADMSG;
	memcpy(&req, buf, sizeof(req));
	if (req.type != PRIVSEP_OPEN_LINK || req.ifindex <= 0 || req.filter >= 32 ||
	    !(allowed_filters & PRIVSEP_FILTER(req.filter)))
		return -EBADMSG;
	*out = req;
	return 0;
}

int privsep_reply_check(const void *buf, size_t len, int msg_flags, unsigned fd_count,
			const struct privsep_request *req, struct privsep_reply *out)
{
	struct privsep_reply rep;

	if (len != sizeof(rep) || (msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EBADMSG;
	memcpy(&rep, buf, sizeof(rep));
	if (rep.type != PRIVSEP_LINK_OPENED || rep.serial != req->serial ||
	    rep.ifindex != req->ifindex || rep.error > 0 || rep.error < -4095)
		return -EBADMSG;
	if (fd_count != (rep.error == 0 ? 1u : 0u))
		return -EBADMSG;
	if (rep.error == 0 && (!memchr(rep.name, '\0', sizeof(rep.name)) || !rep.name[0]))
		return -EBADMSG;
	*out = rep;
	return 0;
}

/* ---- the helper ---- */

/* The interface's name now, by index, asked on an unprivileged socket. */
static int name_of_index(int ifindex, char name[IF_NAMESIZE])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = ifindex;
	if (ioctl(fd, SIOCGIFNAME, &ifr) < 0)
		err = errno == ENODEV || errno == ENXIO ? -ENODEV : -errno;
	else
		memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	close(fd);
	return err;
}

/* Opens what req asks for: 0 with *l open, or -errno. The interface is looked up by
 * index and opened by name; if the name moved to another interface in between, the
 * opened one is not the one asked for: -ENODEV, as if it were gone. */
static int open_requested(const struct privsep_request *req, struct link *l)
{
	char name[IF_NAMESIZE];
	int err = name_of_index(req->ifindex, name);

	if (err)
		return err;
	err = link_open(l, name, (enum link_filter)req->filter);
	if (err)
		return err;
	if (l->ifindex != req->ifindex) {
		link_close(l);
		return -ENODEV;
	}
	return 0;
}

static int send_reply(int sock, const struct privsep_reply *rep, int fd)
{
	struct iovec iov = { .iov_base = (void *)rep, .iov_len = sizeof(*rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union one_fd control;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Answers one request: 1 to go on, 0 when the worker closed, -errno to stop. */
static int serve_one(int sock, unsigned allowed_filters)
{
	struct privsep_request raw, req;
	struct privsep_reply rep;
	struct iovec iov = { .iov_base = &raw, .iov_len = sizeof(raw) };
	/* No control buffer: a descriptor the worker tries to pass is never installed
	 * here, and MSG_CTRUNC marks the request malformed. */
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct link l;
	ssize_t n;
	int err;

	/* MSG_TRUNC: the real length of a longer message, which is then refused. */
	do
		n = recvmsg(sock, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;
	if (n == 0)
		return 0;
	memset(&rep, 0, sizeof(rep));
	rep.type = PRIVSEP_LINK_OPENED;
	err = privsep_request_check(&raw, (size_t)n, msg.msg_flags, allowed_filters, &req);
	if (err) {
		/* Echo what can be echoed, so the worker can tell it was its request. */
		if ((size_t)n >= sizeof(raw)) {
			rep.serial = raw.serial;
			rep.ifindex = raw.ifindex;
		}
		rep.error = err;
		send_reply(sock, &rep, -1);
		return err;
	}
	rep.serial = req.serial;
	rep.ifindex = req.ifindex;
	link_init(&l);
	rep.error = open_requested(&req, &l);
	if (rep.error == 0) {
		rep.mtu = l.mtu;
		memcpy(rep.mac, l.mac.octet, MAC_LEN);
		memcpy(rep.name, l.name, IF_NAMESIZE);
		rep.name[IF_NAMESIZE - 1] = '\0';
	}
	err = send_reply(sock, &rep, rep.error == 0 ? l.fd : -1);
	link_close(&l); /* the worker has its own copy now */
	return err ? err : 1;
}

int privsep_serve(int sock, unsigned allowed_filters)
{
	int rc;

	while ((rc = serve_one(sock, allowed_filters)) > 0)
		;
	return rc;
}

/* ---- the worker ---- */

void privsep_client_init(struct privsep_client *c, int fd, pid_t helper)
{
	c->fd = fd;
	c->helper = helper;
	c->serial = 0;
}

void privsep_client_close(struct privsep_client *c, int timeout_ms)
{
	child_end(&c->fd, &c->helper, timeout_ms);
}

bool privsep_is_fatal(int err)
{
	return err == -EPIPE || err == -ETIMEDOUT || err == -EBADMSG;
}

static int send_request(int sock, const struct privsep_request *req)
{
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET || errno == ENOTCONN ? -EPIPE : -errno;
	return 0;
}

/* Closes every descriptor a control message carried. */
static unsigned take_fds(struct msghdr *msg, int *fd)
{
	unsigned count = 0;

	*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t bytes;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		bytes = c->cmsg_len - CMSG_LEN(0);
		for (size_t off = 0; off + sizeof(int) <= bytes; off += sizeof(int)) {
			int got;

			memcpy(&got, CMSG_DATA(c) + off, sizeof(int));
			if (count++ == 0)
				*fd = got;
			else
				close(got);
		}
	}
	return count;
}

/* A descriptor that claims to be our packet socket must be one. */
static bool is_packet_socket(int fd)
{
	int domain, type;
	socklen_t len = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_PACKET)
		return false;
	len = sizeof(type);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_RAW;
}

static int receive_reply(int sock, const struct privsep_request *req, int timeout_ms,
			 struct privsep_reply *rep, int *fd)
{
	struct privsep_reply raw;
	struct iovec iov = { .iov_base = &raw, .iov_len = sizeof(raw) };
	union one_fd control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	unsigned fd_count;
	ssize_t n;
	int rc;

	*fd = -1;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	memset(&control, 0, sizeof(control));
	n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == ECONNRESET ? -EPIPE : -errno;
	if (n == 0)
		return -EPIPE;
	fd_count = take_fds(&msg, fd);
	rc = privsep_reply_check(&raw, (size_t)n, msg.msg_flags, fd_count, req, rep);
	if (rc == 0 && *fd >= 0 && !is_packet_socket(*fd))
		rc = -EBADMSG;
	if (rc && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

int privsep_open_link(struct privsep_client *c, int ifindex, enum link_filter filter,
		      int timeout_ms, struct link *out)
{
	struct privsep_request req = {
		.type = PRIVSEP_OPEN_LINK,
		.serial = ++c->serial,
		.ifindex = ifindex,
		.filter = (uint32_t)filter,
	};
	struct privsep_reply rep;
	struct mac mac;
	int fd, err;

	if (c->fd < 0)
		return -EPIPE;
	err = send_request(c->fd, &req);
	if (!err)
		err = receive_reply(c->fd, &req, timeout_ms, &rep, &fd);
	if (err)
		return err;
	if (rep.error)
		return rep.error;
	memcpy(mac.octet, rep.mac, MAC_LEN);
	link_adopt(out, fd, rep.ifindex, rep.name, &mac, rep.mtu);
	return 0;
}
