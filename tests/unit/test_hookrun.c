/*
 * watch's hook launcher: the messages fed hostile sizes and fields; the launcher
 * (in a child, on a socketpair) running real hooks with the event's variables,
 * keeping its own limits, refusing a malformed request; watch's end counting
 * starts, drops and failures exactly, and surviving a launcher that goes away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hookrun.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"

static char scratch[] = "/tmp/arpkit-hookrun-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_request_check(void **state)
{
	struct hookrun_request req, out;
	char big[400];
	uint8_t longer[sizeof(req) + 1];

	(void)state;
	hookrun_request_init(&req);
	hookrun_request_set(&req, HOOKRUN_EVENT, "changed-mac");
	assert_int_equal(hookrun_request_check(&req, sizeof(req), 0, &out), 0);
	assert_string_equal(out.value[HOOKRUN_EVENT], "changed-mac");
	assert_string_equal(out.value[HOOKRUN_DETAIL], "");
	/* A long value is cut, never overflows into the next field. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hookrun_request_set(&req, HOOKRUN_DETAIL, big);
	assert_int_equal(strlen(req.value[HOOKRUN_DETAIL]), HOOKRUN_VALUE_MAX - 1);
	assert_string_equal(req.value[HOOKRUN_SENDER_MAC], "");
	hookrun_request_set(&req, HOOKRUN_VARS, "ignored"); /* out of range: nothing */
	assert_int_equal(hookrun_request_check(&req, sizeof(req), 0, &out), 0);
	/* Sizes and flags. */
	assert_int_equal(hookrun_request_check(&req, 0, 0, &out), -EBADMSG);
	assert_int_equal(hookrun_request_check(&req, sizeof(req) - 1, 0, &out), -EBADMSG);
	memcpy(longer, &req, sizeof(req));
	assert_int_equal(hookrun_request_check(longer, sizeof(longer), 0, &out), -EBADMSG);
	assert_int_equal(hookrun_request_check(&req, sizeof(req), MSG_TRUNC, &out), -EBADMSG);
	assert_int_equal(hookrun_request_check(&req, sizeof(req), MSG_CTRUNC, &out), -EBADMSG);
	/* A field that is not a string (no NUL in its bytes), and another type. */
	memset(req.value[HOOKRUN_IP], 'A', HOOKRUN_VALUE_MAX);
	assert_int_equal(hookrun_request_check(&req, sizeof(req), 0, &out), -EBADMSG);
	hookrun_request_init(&req);
	req.type = HOOKRUN_READY;
	assert_int_equal(hookrun_request_check(&req, sizeof(req), 0, &out), -EBADMSG);
	assert_string_equal(hookrun_var_name(HOOKRUN_SENDER_IP), "ARPKIT_SENDER_IP");
	assert_string_equal(hookrun_var_name(HOOKRUN_VARS), "");
}

static void test_report_check(void **state)
{
	struct hookrun_report rep = { .type = HOOKRUN_EXITED, .status = 3 << 8 }, out;

	(void)state;
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), 0, &out), 0);
	assert_int_equal(out.status, 3 << 8);
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep) - 1, 0, &out), -EBADMSG);
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), MSG_TRUNC, &out), -EBADMSG);
	rep.type = HOOKRUN_STARTED;
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), 0, &out), -EBADMSG);
	rep.status = 0;
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), 0, &out), 0);
	rep.type = HOOKRUN_RUN;
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), 0, &out), -EBADMSG);
	rep.type = 0;
	assert_int_equal(hookrun_report_check(&rep, sizeof(rep), 0, &out), -EBADMSG);
}

/* A launcher in a child; exits 0 when watch's end closed, 7 after a malformed
 * request, 9 otherwise. */
static pid_t start_launcher(const char *command, unsigned max_running, uint64_t rate, int *sock)
{
	pid_t pid = child_fork(sock);

	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		/* What the launcher inherits: one of ours, stale, and one of the user's;
		 * and child_fork ignores SIGINT in it, which its hooks must not inherit. */
		setenv("ARPKIT_IP", "stale", 1);
		setenv("ARPKIT_TEST_KEEP", "kept", 1);
		rc = hookrun_serve(*sock, command, max_running, rate);
		_exit(rc == 0 ? 0 : rc == -EBADMSG ? 7 : 9);
	}
	return pid;
}

static int launcher_exit(pid_t pid)
{
	int status = child_reap(pid, 10000);

	assert_true(status >= 0 && WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void event(struct hookrun_request *req, const char *ip)
{
	hookrun_request_init(req);
	hookrun_request_set(req, HOOKRUN_EVENT, "changed-mac");
	hookrun_request_set(req, HOOKRUN_IP, ip);
	hookrun_request_set(req, HOOKRUN_DETAIL, "moved from 02:00:00:00:00:0a after 1.0 s");
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_hooks_run_with_the_event(void **state)
{
	struct hookrun h;
	struct hookrun_request req;
	char command[512], out[128];
	int sock;
	pid_t pid;
	const char *text, *ignored;

	(void)state;
	snprintf(out, sizeof(out), "%s/env", scratch);
	/* The variables, the user's own, stdin, and the signals as a program gets them. */
	snprintf(command, sizeof(command),
		 "{ echo \"$ARPKIT_EVENT|$ARPKIT_IP|$ARPKIT_DETAIL|$ARPKIT_TEST_KEEP\"; "
		 "readlink /proc/self/fd/0; grep -E '^Sig(Blk|Ign)' /proc/self/status; } > '%s'",
		 out);
	pid = start_launcher(command, 4, 100, &sock);
	assert_int_equal(hookrun_start(&h, sock, pid, 4, 100, now_ns(), 5000), 0);
	event(&req, "192.0.2.50");
	hookrun_request(&h, &req, now_ns());
	hookrun_drain(&h, 5000);
	assert_int_equal(h.started, 1);
	assert_int_equal(h.running, 0);
	assert_int_equal(h.failed, 0);
	assert_int_equal(h.dropped, 0);
	text = slurp(out);
	assert_non_null(text);
	assert_non_null(strstr(text, "changed-mac|192.0.2.50|moved from 02:00:00:00:00:0a after 1.0 s|kept\n"));
	assert_non_null(strstr(text, "/dev/null\n"));
	assert_non_null(strstr(text, "SigBlk:\t0000000000000000\n"));
	/* Nothing ignored among the standard signals (glibc's posix_spawn leaves its
	 * own two real-time signals, 32 and 33, ignored; no program uses them). */
	ignored = strstr(text, "SigIgn:\t");
	assert_non_null(ignored);
	assert_int_equal(strtoull(ignored + 8, NULL, 16) & 0x7fffffffull, 0);
	hookrun_close(&h, 2000);
	assert_int_equal(h.launcher, 0); /* it ended when we closed, and was reaped */
}

static void test_failures_and_drops_are_counted(void **state)
{
	struct hookrun h;
	struct hookrun_request req;
	int sock;
	pid_t pid;

	(void)state;
	/* One at a time, one per second: exit 3 is a failure; a second request while
	 * the first runs is dropped (watch's own count), and so is a third before the
	 * second has passed. */
	pid = start_launcher("sleep 0.1; exit 3", 1, 1, &sock);
	assert_int_equal(hookrun_start(&h, sock, pid, 1, 1, now_ns(), 5000), 0);
	event(&req, "192.0.2.1");
	hookrun_request(&h, &req, now_ns());
	hookrun_request(&h, &req, now_ns());
	assert_int_equal(h.dropped, 1);
	hookrun_drain(&h, 5000);
	assert_int_equal(h.started, 1);
	assert_int_equal(h.failed, 1);
	assert_int_equal(h.running, 0);
	hookrun_request(&h, &req, now_ns());
	assert_int_equal(h.dropped, 2);
	assert_int_equal(h.started, 1);
	hookrun_close(&h, 2000);
	assert_int_equal(h.launcher, 0);
}

/* A watch that ignores the limits (raw requests) still gets no more than the
 * launcher allows. */
static void test_launcher_keeps_its_own_limit(void **state)
{
	struct hookrun_request req;
	struct hookrun_report rep;
	int sock, started = 0, refused = 0;
	pid_t pid = start_launcher("sleep 2", 2, 1000, &sock);

	(void)state;
	assert_int_equal(recv(sock, &rep, sizeof(rep), 0), (int)sizeof(rep));
	assert_int_equal(rep.type, HOOKRUN_READY);
	event(&req, "192.0.2.2");
	for (int i = 0; i < 5; i++)
		assert_int_equal(send(sock, &req, sizeof(req), MSG_NOSIGNAL), (ssize_t)sizeof(req));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(recv(sock, &rep, sizeof(rep), 0), (int)sizeof(rep));
		started += rep.type == HOOKRUN_STARTED;
		refused += rep.type == HOOKRUN_REFUSED;
	}
	assert_int_equal(started, 2);
	assert_int_equal(refused, 3);
	close(sock);
	assert_int_equal(launcher_exit(pid), 0);
}

static void test_malformed_request_stops_the_launcher(void **state)
{
	struct hookrun h;
	struct hookrun_request req;
	struct hookrun_report rep;
	int sock;
	pid_t pid;

	(void)state;
	pid = start_launcher("true", 4, 100, &sock);
	assert_int_equal(recv(sock, &rep, sizeof(rep), 0), (int)sizeof(rep));
	hookrun_request_init(&req);
	memset(req.value[HOOKRUN_MAC], 'A', HOOKRUN_VALUE_MAX); /* not a string */
	assert_int_equal(send(sock, &req, sizeof(req), MSG_NOSIGNAL), (ssize_t)sizeof(req));
	assert_int_equal(recv(sock, &rep, sizeof(rep), 0), 0); /* it hung up */
	close(sock);
	assert_int_equal(launcher_exit(pid), 7);

	/* Seen from watch: the launcher gone; hooks are dropped, nothing blocks. */
	pid = start_launcher("true", 4, 100, &sock);
	assert_int_equal(hookrun_start(&h, sock, pid, 4, 100, now_ns(), 5000), 0);
	assert_int_equal(send(sock, "x", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(launcher_exit(pid), 7);
	event(&req, "192.0.2.3");
	hookrun_request(&h, &req, now_ns());
	hookrun_request(&h, &req, now_ns());
	assert_int_equal(h.fd, -1);
	assert_int_equal(h.started, 0);
	assert_int_equal(h.dropped, 2);
	h.launcher = 0; /* already reaped above */
	hookrun_close(&h, 100);
}

static void test_launcher_that_never_starts(void **state)
{
	struct hookrun h;
	int pair[2];

	(void)state;
	/* Silent, then gone before saying it is ready. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	assert_int_equal(hookrun_start(&h, pair[0], 0, 4, 10, now_ns(), 50), -ETIMEDOUT);
	assert_int_equal(h.fd, -1);
	close(pair[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	close(pair[1]);
	assert_int_equal(hookrun_start(&h, pair[0], 0, 4, 10, now_ns(), 50), -EPIPE);
	assert_int_equal(h.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_check),
		cmocka_unit_test(test_report_check),
		cmocka_unit_test(test_hooks_run_with_the_event),
		cmocka_unit_test(test_failures_and_drops_are_counted),
		cmocka_unit_test(test_launcher_keeps_its_own_limit),
		cmocka_unit_test(test_malformed_request_stops_the_launcher),
		cmocka_unit_test(test_launcher_that_never_starts),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
