/*
 * Seccomp allow-lists: each profile is applied in a forked child, which then makes
 * one call; the parent asserts how the child ended. An allowed call lets it exit 0;
 * a forbidden one must kill it with SIGSYS (not fail with an errno the code could
 * ignore). The probes the integration tests use die under every profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum outcome { SURVIVES, KILLED, ABORTS };

typedef void (*child_fn)(const struct sandbox_spec *spec, void *arg);

/*
 * Runs fn in a child under spec and returns how the child ended: SURVIVES (it
 * returned from fn and exited 0), KILLED (SIGSYS), ABORTS (SIGABRT). Anything else
 * fails the test with the status.
 */
static enum outcome run_sandboxed(const struct sandbox_spec *spec, child_fn fn, void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sandbox_apply(spec) != 0)
			_exit(3);
		fn(spec, arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return SURVIVES;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return KILLED;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
		return ABORTS;
	fail_msg("child ended with status 0x%x (exit %d, signal %d)", status,
		 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		 WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	return SURVIVES;
}

/* Child bodies. A failed allowed call exits non-zero so the parent sees it. */

static void must(bool ok)
{
	if (!ok)
		_exit(4);
}

static void do_nothing(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	(void)arg;
}

static void do_probe(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	sandbox_probe_run(*(enum sandbox_probe *)arg);
	_exit(5); /* returned: the call went through */
}

/* What every parsing process does all day: time, memory, stdio, its own pid. */
static void do_parser_day(const struct sandbox_spec *spec, void *arg)
{
	struct timespec ts;
	struct stat st;
	char buf[16];
	void *p, *big;
	int fd;

	(void)spec;
	(void)arg;
	must(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	p = malloc(100);
	big = malloc(4 << 20); /* mmap */
	must(p && big);
	free(big);
	free(p);
	must(getpid() > 0);
	must(fstat(STDERR_FILENO, &st) == 0);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	must(fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	close(fd);
	must(write(STDOUT_FILENO, "", 0) == 0);
	isatty(STDOUT_FILENO); /* TCGETS */
}

static void do_exec_mapping(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	(void)arg;
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void do_make_executable(const struct sandbox_spec *spec, void *arg)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)spec;
	(void)arg;
	must(p != MAP_FAILED);
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

static void do_open_create(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	open((const char *)arg, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
}

static void do_open_truncate(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	open((const char *)arg, O_RDONLY | O_TRUNC | O_CLOEXEC);
}

static void do_stat_path(const struct sandbox_spec *spec, void *arg)
{
	struct stat st;

	(void)spec;
	(void)arg;
	stat("/", &st);
}

static void do_unlink(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	must(unlink((const char *)arg) == 0);
}

static void do_tiocsti(const struct sandbox_spec *spec, void *arg)
{
	char c = 'x';

	(void)spec;
	(void)arg;
	ioctl(STDIN_FILENO, TIOCSTI, &c);
}

static void do_write_fd(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	must(write(*(int *)arg, "", 0) == 0);
}

static void do_send_fd(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	must(send(*(int *)arg, "x", 1, MSG_NOSIGNAL) == 1);
}

static void do_sendmsg_fd(const struct sandbox_spec *spec, void *arg)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	(void)spec;
	must(sendmsg(*(int *)arg, &msg, MSG_NOSIGNAL) == 1);
}

static void do_socket(const struct sandbox_spec *spec, void *arg)
{
	const int *domain_type = arg;
	int fd;

	(void)spec;
	fd = socket(domain_type[0], domain_type[1] | SOCK_CLOEXEC, 0);
	/* Reaching the kernel is what is tested; without privilege it may say EPERM. */
	must(fd >= 0 || errno == EPERM || errno == EACCES);
	if (fd >= 0)
		close(fd);
}

static void do_socket_refused(const struct sandbox_spec *spec, void *arg)
{
	const int *domain_type = arg;

	(void)spec;
	must(socket(domain_type[0], domain_type[1] | SOCK_CLOEXEC, 0) < 0 && errno == EACCES);
}

static void do_abort(const struct sandbox_spec *spec, void *arg)
{
	(void)spec;
	(void)arg;
	abort();
}

/* A child of the sandboxed child: forked before the filter goes on, so it is ours
 * to reap. */
static pid_t short_lived_child(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	return pid;
}

/* Tests. */

static void test_spec_validation(void **state)
{
	struct sandbox_spec spec;

	(void)state;
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	for (int i = 0; i < SANDBOX_MAX_FDS; i++)
		assert_int_equal(sandbox_allow_send(&spec, 10 + i), 0);
	assert_int_equal(sandbox_allow_send(&spec, 99), -E2BIG);
	assert_int_equal(spec.send_fd_count, SANDBOX_MAX_FDS);
	assert_int_equal(sandbox_allow_send(&spec, -1), -EBADF);

	sandbox_spec_init(&spec, SANDBOX_WATCH);
	spec.profile = (enum sandbox_profile)7;
	assert_int_equal(sandbox_rule_count(&spec), -EINVAL);
	assert_int_equal(sandbox_apply(&spec), -EINVAL);
	sandbox_spec_init(&spec, SANDBOX_DAEMON);
	spec.needs = SANDBOX_NEED_DB; /* only watch has a database */
	assert_int_equal(sandbox_rule_count(&spec), -EINVAL);
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	spec.needs = 1u << 9;
	assert_int_equal(sandbox_rule_count(&spec), -EINVAL);
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	spec.send_fd_count = SANDBOX_MAX_FDS + 1;
	assert_int_equal(sandbox_rule_count(&spec), -EINVAL);
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	spec.send_fds[0] = -5;
	spec.send_fd_count = 1;
	assert_int_equal(sandbox_rule_count(&spec), -EINVAL);
}

/* The optional parts add rules, and only to the profile they belong to. */
static void test_rule_counts(void **state)
{
	struct sandbox_spec spec;
	int watch, with_db, with_syslog, daemon, privsep, with_fd;

	(void)state;
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	watch = sandbox_rule_count(&spec);
	spec.needs = SANDBOX_NEED_DB;
	with_db = sandbox_rule_count(&spec);
	spec.needs = SANDBOX_NEED_SYSLOG;
	with_syslog = sandbox_rule_count(&spec);
	spec.needs = 0;
	sandbox_allow_send(&spec, 3);
	with_fd = sandbox_rule_count(&spec);
	sandbox_spec_init(&spec, SANDBOX_DAEMON);
	daemon = sandbox_rule_count(&spec);
	sandbox_spec_init(&spec, SANDBOX_PRIVSEP);
	privsep = sandbox_rule_count(&spec);

	assert_true(watch > 20);
	assert_true(with_db > watch);
	assert_true(with_syslog > watch);
	assert_int_equal(with_fd, watch + 1);
	assert_true(daemon > watch);
	assert_true(privsep > 20);
}

static void test_probes_parse(void **state)
{
	enum sandbox_probe p;

	(void)state;
	assert_int_equal(sandbox_probe_parse("execve", &p), 0);
	assert_int_equal(p, SANDBOX_PROBE_EXECVE);
	assert_int_equal(sandbox_probe_parse("packet-socket", &p), 0);
	assert_int_equal(p, SANDBOX_PROBE_PACKET_SOCKET);
	assert_int_equal(sandbox_probe_parse("open-write", &p), 0);
	assert_int_equal(p, SANDBOX_PROBE_OPEN_WRITE);
	assert_int_equal(sandbox_probe_parse("ptrace", &p), 0);
	assert_int_equal(p, SANDBOX_PROBE_PTRACE);
	assert_int_equal(sandbox_probe_parse("", &p), -EINVAL);
	assert_int_equal(sandbox_probe_parse("execve ", &p), -EINVAL);
}

/* Without a filter a probe reaches the kernel and works: the probes are real calls. */
static void test_probes_run_unsandboxed(void **state)
{
	long fd = sandbox_probe_run(SANDBOX_PROBE_OPEN_WRITE);

	(void)state;
	assert_true(fd >= 0);
	close((int)fd);
}

static void test_every_profile_kills_the_probes(void **state)
{
	static const enum sandbox_profile profiles[] = { SANDBOX_WATCH, SANDBOX_DAEMON,
							  SANDBOX_PRIVSEP };
	static const enum sandbox_probe probes[] = { SANDBOX_PROBE_EXECVE, SANDBOX_PROBE_OPEN_WRITE,
						     SANDBOX_PROBE_PTRACE };
	struct sandbox_spec spec;

	(void)state;
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		sandbox_spec_init(&spec, profiles[i]);
		assert_int_equal(run_sandboxed(&spec, do_nothing, NULL), SURVIVES);
		for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
			enum sandbox_probe probe = probes[k];

			if (run_sandboxed(&spec, do_probe, &probe) != KILLED)
				fail_msg("profile %zu let probe %d through", i, (int)probe);
		}
	}
	/* The parsing processes never open a packet socket; the helper does. */
	for (size_t i = 0; i < 2; i++) {
		enum sandbox_probe probe = SANDBOX_PROBE_PACKET_SOCKET;

		sandbox_spec_init(&spec, profiles[i]);
		assert_int_equal(run_sandboxed(&spec, do_probe, &probe), KILLED);
	}
}

/* A file of our own to delete or reopen, named in path. */
static void temp_file(char path[])
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
}

static void open_pairs(int pair[2], int other[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, other), 0);
}

static void close_pairs(int pair[2], int other[2])
{
	close(pair[0]);
	close(pair[1]);
	close(other[0]);
	close(other[1]);
}

static void test_parsing_processes(void **state)
{
	struct sandbox_spec spec;
	char path[] = "/tmp/arpkit-sandbox-XXXXXX";

	(void)state;
	temp_file(path);
	for (int profile = SANDBOX_WATCH; profile <= SANDBOX_DAEMON; profile++) {
		sandbox_spec_init(&spec, (enum sandbox_profile)profile);
		assert_int_equal(run_sandboxed(&spec, do_parser_day, NULL), SURVIVES);
		assert_int_equal(run_sandboxed(&spec, do_exec_mapping, NULL), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_make_executable, NULL), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_open_create, path), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_open_truncate, path), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_tiocsti, NULL), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_unlink, path), KILLED);
		/* abort() stays an abort, not a SIGSYS: its tgkill at itself is allowed. */
		assert_int_equal(run_sandboxed(&spec, do_abort, NULL), ABORTS);
	}
	unlink(path);
}

static void test_watch_sends_only_where_told(void **state)
{
	struct sandbox_spec spec;
	int pair[2], other[2];

	(void)state;
	open_pairs(pair, other);
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	assert_int_equal(sandbox_allow_send(&spec, pair[0]), 0);
	assert_int_equal(run_sandboxed(&spec, do_send_fd, &pair[0]), SURVIVES);
	/* Another socket (a packet socket, in real life) may not be sent on, nor
	 * written to. */
	assert_int_equal(run_sandboxed(&spec, do_send_fd, &other[0]), KILLED);
	assert_int_equal(run_sandboxed(&spec, do_write_fd, &other[0]), KILLED);
	/* With syslog, whose socket comes and goes, sending goes anywhere; a datagram
	 * Unix socket may be made, a stream one (a service's control socket) not: glibc
	 * asks for one when /dev/log is a stream socket, and is refused (EACCES). */
	spec.needs = SANDBOX_NEED_SYSLOG;
	assert_int_equal(run_sandboxed(&spec, do_send_fd, &other[0]), SURVIVES);
	{
		int dgram[2] = { AF_UNIX, SOCK_DGRAM }, stream[2] = { AF_UNIX, SOCK_STREAM };
		int inet[2] = { AF_INET, SOCK_DGRAM };

		assert_int_equal(run_sandboxed(&spec, do_socket, dgram), SURVIVES);
		assert_int_equal(run_sandboxed(&spec, do_socket_refused, stream), SURVIVES);
		assert_int_equal(run_sandboxed(&spec, do_socket, inet), KILLED);
	}
	close_pairs(pair, other);
}

static void test_watch_database(void **state)
{
	struct sandbox_spec spec;
	char path[] = "/tmp/arpkit-sandbox-XXXXXX";

	(void)state;
	temp_file(path);
	sandbox_spec_init(&spec, SANDBOX_WATCH);
	/* (A sanitizer's report stats paths, so its build allows that everywhere.) */
	if (!sandbox_has_sanitizer_extras())
		assert_int_equal(run_sandboxed(&spec, do_stat_path, NULL), KILLED);
	assert_int_equal(run_sandboxed(&spec, do_unlink, path), KILLED);
	spec.needs = SANDBOX_NEED_DB;
	assert_int_equal(run_sandboxed(&spec, do_stat_path, NULL), SURVIVES);
	assert_int_equal(run_sandboxed(&spec, do_unlink, path), SURVIVES);
	assert_int_equal(access(path, F_OK), -1);
	/* Still never a new file. */
	assert_int_equal(run_sandboxed(&spec, do_open_create, path), KILLED);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_daemon(void **state)
{
	struct sandbox_spec spec;
	int pair[2], other[2];
	int tcp[2] = { AF_INET, SOCK_STREAM }, udp[2] = { AF_INET, SOCK_DGRAM };
	int unix_dgram[2] = { AF_UNIX, SOCK_DGRAM };

	(void)state;
	open_pairs(pair, other);
	sandbox_spec_init(&spec, SANDBOX_DAEMON);
	assert_int_equal(sandbox_allow_send(&spec, pair[0]), 0);
	/* Metrics: a TCP listener may move on SIGHUP. Nothing else is created. */
	assert_int_equal(run_sandboxed(&spec, do_socket, tcp), SURVIVES);
	assert_int_equal(run_sandboxed(&spec, do_socket, udp), KILLED);
	assert_int_equal(run_sandboxed(&spec, do_socket, unix_dgram), KILLED);
	/* Requests to the helper go only to the helper. */
	assert_int_equal(run_sandboxed(&spec, do_sendmsg_fd, &pair[0]), SURVIVES);
	assert_int_equal(run_sandboxed(&spec, do_sendmsg_fd, &other[0]), KILLED);
	close_pairs(pair, other);
}

static void test_privsep_helper(void **state)
{
	struct sandbox_spec spec;
	int pair[2];
	int packet[2] = { AF_PACKET, SOCK_RAW }, inet[2] = { AF_INET, SOCK_DGRAM };
	int tcp[2] = { AF_INET, SOCK_STREAM };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	sandbox_spec_init(&spec, SANDBOX_PRIVSEP);
	assert_int_equal(sandbox_allow_send(&spec, pair[0]), 0);
	assert_int_equal(run_sandboxed(&spec, do_socket, packet), SURVIVES);
	assert_int_equal(run_sandboxed(&spec, do_socket, inet), SURVIVES);
	assert_int_equal(run_sandboxed(&spec, do_socket, tcp), KILLED);
	assert_int_equal(run_sandboxed(&spec, do_sendmsg_fd, &pair[0]), SURVIVES);
	/* It opens no file at all and writes only to stderr. */
	assert_int_equal(run_sandboxed(&spec, do_parser_day, NULL), KILLED);
	{
		int out = STDOUT_FILENO, err = STDERR_FILENO;

		assert_int_equal(run_sandboxed(&spec, do_write_fd, &out), KILLED);
		assert_int_equal(run_sandboxed(&spec, do_write_fd, &err), SURVIVES);
	}
	close(pair[0]);
	close(pair[1]);
}

/* In a child that forked its own child first (as watch forks its hook launcher and
 * the daemon its helper) and then sandboxed itself: 0 when it reaped `which` (the
 * child's pid, or -1 for any), or its wait status. */
static int reap_after_sandboxing(bool any)
{
	struct sandbox_spec spec;
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t child;

		sandbox_spec_init(&spec, SANDBOX_DAEMON);
		spec.child = child = short_lived_child();
		if (sandbox_apply(&spec) != 0)
			_exit(3);
		if (waitpid(any ? -1 : child, &status, 0) != child)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_child_reaping(void **state)
{
	int status;

	(void)state;
	assert_int_equal(reap_after_sandboxing(false), 0);
	/* Waiting for any child is the sanitizer runtime's need, not ours. */
	status = reap_after_sandboxing(true);
	if (sandbox_has_sanitizer_extras())
		assert_int_equal(status, 0);
	else
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_validation),
		cmocka_unit_test(test_rule_counts),
		cmocka_unit_test(test_probes_parse),
		cmocka_unit_test(test_probes_run_unsandboxed),
		cmocka_unit_test(test_every_profile_kills_the_probes),
		cmocka_unit_test(test_parsing_processes),
		cmocka_unit_test(test_watch_sends_only_where_told),
		cmocka_unit_test(test_watch_database),
		cmocka_unit_test(test_daemon),
		cmocka_unit_test(test_privsep_helper),
		cmocka_unit_test(test_child_reaping),
	};

	fprintf(stderr, "sandbox: sanitizer extras %s\n",
		sandbox_has_sanitizer_extras() ? "compiled in" : "not in this build");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
