#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/*
 * The lists were measured, not guessed: `strace -f` over the integration tests of
 * each command (watch live and -r, with --db, --exec and --syslog; the daemon with
 * metrics, netlink events, SIGHUP reloads, conflicts and --json) shows what each
 * process calls after the point where it installs its filter
 * (scripts/syscall-census re-runs that census). A call is on a list only when a
 * path of the command needs it: the census shows most of them, and each of the
 * others (abort's tgkill, realloc's mremap, a terminal on stdout) says which path.
 * Where its arguments tell a harmless use from a harmful one, only the harmless
 * one is allowed.
 */

/* One rule: a call and up to two conditions on its arguments (all must hold;
 * several rules for one call are alternatives). It allows the call, unless it names
 * an errno to fail it with instead (refused, not killed: see watch_syslog_rules). */
struct rule {
	int nr;
	unsigned argc;
	struct scmp_arg_cmp arg[2];
	int refuse_errno;
};

#define ARG(n, cmp, a, b) { .arg = (n), .op = (cmp), .datum_a = (a), .datum_b = (b) }
#define ANY(name) { .nr = SCMP_SYS(name) }
#define IF(name, a) { .nr = SCMP_SYS(name), .argc = 1, .arg = { a } }
#define IF2(name, a, b) { .nr = SCMP_SYS(name), .argc = 2, .arg = { a, b } }
#define REFUSE2(name, err, a, b) { .nr = SCMP_SYS(name), .argc = 2, .arg = { a, b }, \
				   .refuse_errno = (err) }
/* arg n, masked with mask, equals value */
#define MASKED(n, mask, value) ARG(n, SCMP_CMP_MASKED_EQ, (mask), (value))
#define EQ(n, value) ARG(n, SCMP_CMP_EQ, (value), 0)
#define SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
/* The type of socket(2) without its flags. */
#define SOCK_TYPE(type) MASKED(1, ~(scmp_datum_t)SOCK_FLAGS, (type))
/* openat(2) that can neither create, truncate nor write. */
#define READ_ONLY_FLAGS MASKED(2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)

/* Every sandboxed process. */
static const struct rule every_process[] = {
	/* malloc, free and stdio buffers (brk, mmap, munmap, mremap, madvise); mmap and
	 * mprotect never make memory executable: nothing is loaded once the filter is
	 * on, so injected code cannot be mapped to run either. */
	ANY(brk),
	ANY(munmap),
	ANY(mremap),
	ANY(madvise),
	IF(mmap, MASKED(2, PROT_EXEC, 0)),
	IF(mprotect, MASKED(2, PROT_EXEC, 0)),
	/* The monotonic and real-time clocks when the vDSO cannot answer (some clock
	 * sources), and the short sleeps of the send retry and the final drain. */
	ANY(clock_gettime),
	ANY(clock_nanosleep),
	ANY(nanosleep),
	/* Signal handlers return through rt_sigreturn; a call they interrupted may be
	 * restarted; the daemon and ppoll set the signal mask. */
	ANY(rt_sigreturn),
	ANY(restart_syscall),
	ANY(rt_sigprocmask),
	/* Reading what is already open, and closing it. */
	ANY(read),
	ANY(close),
	/* The end. */
	ANY(exit_group),
	ANY(exit),
	/* Diagnostics go to stderr, and only there (one line from the helper, a
	 * heap-corruption report from glibc through writev). */
	IF(write, EQ(0, STDERR_FILENO)),
	IF(writev, EQ(0, STDERR_FILENO)),
	/* fstat of an open descriptor: stdio sizes its buffers with it. Not stat of a
	 * path (that needs AT_EMPTY_PATH unset). */
	IF(newfstatat, MASKED(3, AT_EMPTY_PATH, AT_EMPTY_PATH)),
	/* Our own pid: SQLite's fork check, the daemon's echo identifier, and abort()
	 * (an assertion, glibc's heap checks), which raises SIGABRT at itself with
	 * tgkill (allowed at load time for this pid only, see add_runtime_rules). */
	ANY(getpid),
	ANY(gettid),
};

/* watch and the daemon's worker: the parts they share. */
static const struct rule parsing_process[] = {
	/* Events and counters on stdout, besides stderr. */
	IF(write, EQ(0, STDOUT_FILENO)),
	/* isatty(): stdio line-buffers a terminal, and asks (TCGETS) at the first write
	 * to it. No other ioctl: none can reach a terminal's input queue (TIOCSTI). */
	IF(ioctl, EQ(1, TCGETS)),
	/* Opening files for reading only: /etc/localtime (strftime and syslog load the
	 * time zone once, lazily), the daemon's config on SIGHUP, SQLite's directory
	 * sync and /dev/urandom. Never writing, creating or truncating one. */
	IF(openat, READ_ONLY_FLAGS),
	ANY(lseek),
	/* Netlink replies (watch's SIGHUP subnet reload, the daemon's dumps and events),
	 * the hook launcher's reports and the daemon's helper's replies. */
	ANY(recvmsg),
	/* Kernel drop counters (PACKET_STATISTICS), and the daemon's SO_ERROR. */
	ANY(getsockopt),
	/* The sleep of each loop. */
	ANY(poll),
	ANY(ppoll),
};

/* watch --db: SQLite on files it opened before the filter went on. */
static const struct rule watch_db_rules[] = {
	/* POSIX advisory locks (fcntl F_SETLK, F_GETLK), page reads and writes, and
	 * durability (fdatasync, fsync) on the database, its -wal and -shm. */
	ANY(fcntl),
	ANY(pread64),
	ANY(pwrite64),
	ANY(fdatasync),
	ANY(fsync),
	/* The -wal file cut back at close, and SQLite's check that the database it holds
	 * is still the file at its path (stat). */
	ANY(ftruncate),
	ANY(newfstatat),
	/* The last connection to close deletes the -wal and -shm files. SQLite needs
	 * it; it is the one call here that changes a path. */
	ANY(unlink),
};

/* watch --syslog: glibc's syslog(3) connects a datagram socket to /dev/log at
 * openlog (LOG_NDELAY, before the filter) and again whenever the log daemon went
 * away. */
static const struct rule watch_syslog_rules[] = {
	IF2(socket, EQ(0, AF_UNIX), SOCK_TYPE(SOCK_DGRAM)),
	/* glibc tries a stream socket when /dev/log is one (a rare syslog daemon
	 * setup). Never a stream Unix socket: one could reach a service's control
	 * socket (systemd's, D-Bus) as root. It fails with EACCES, and so does that
	 * message, rather than killing watch over its log. */
	REFUSE2(socket, EACCES, EQ(0, AF_UNIX), SOCK_TYPE(SOCK_STREAM)),
	ANY(connect),
	/* Its socket is not known in advance: sending is allowed on any descriptor. */
	ANY(sendto),
};

/* The daemon's worker: it sends frames, serves metrics and asks its helper for
 * packet sockets. */
static const struct rule daemon_rules[] = {
	/* Announcements and echo requests out, replies in, in batches. */
	ANY(sendmmsg),
	ANY(recvmmsg),
	/* Netlink dumps (reconcile, peers from the routes) and metrics responses. */
	ANY(sendto),
	/* Metrics clients, and a metrics listener moved by SIGHUP to another address:
	 * an IPv4 TCP socket, bound and listening (no privileged port: no capability). */
	ANY(accept4),
	IF2(socket, EQ(0, AF_INET), SOCK_TYPE(SOCK_STREAM)),
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_REUSEADDR)),
	ANY(bind),
	ANY(listen),
	/* glibc's qsort asks for the memory size (sysinfo) before sorting due addresses. */
	ANY(sysinfo),
};

/* The daemon's privileged helper: it opens, filters, sizes and binds packet sockets
 * and describes their interface (link_open), then passes them on. */
static const struct rule privsep_rules[] = {
	/* The packet socket, and a datagram socket for the interface ioctls. */
	IF2(socket, EQ(0, AF_PACKET), SOCK_TYPE(SOCK_RAW)),
	IF2(socket, EQ(0, AF_INET), SOCK_TYPE(SOCK_DGRAM)),
	/* Name of an index, index, flags, MAC and MTU of the interface: reading only. */
	IF(ioctl, EQ(1, SIOCGIFNAME)),
	IF(ioctl, EQ(1, SIOCGIFINDEX)),
	IF(ioctl, EQ(1, SIOCGIFFLAGS)),
	IF(ioctl, EQ(1, SIOCGIFHWADDR)),
	IF(ioctl, EQ(1, SIOCGIFMTU)),
	/* The kernel filter, buffer sizes (the FORCE variants as root, the plain ones
	 * as fallback), VLAN metadata and ignoring our own frames. */
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_ATTACH_FILTER)),
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_RCVBUFFORCE)),
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_SNDBUFFORCE)),
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_RCVBUF)),
	IF2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_SNDBUF)),
	IF2(setsockopt, EQ(1, SOL_PACKET), EQ(2, PACKET_AUXDATA)),
	IF2(setsockopt, EQ(1, SOL_PACKET), EQ(2, PACKET_IGNORE_OUTGOING)),
	ANY(bind),
	/* Requests in (their sender is checked by the socket: it is a socketpair). */
	ANY(recvmsg),
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANDBOX_SANITIZER_EXTRAS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANDBOX_SANITIZER_EXTRAS 1
#endif
#endif

#ifdef SANDBOX_SANITIZER_EXTRAS
/*
 * Only in sanitizer builds (the tests' build-asan, never a release build): what
 * the runtime calls when it reports. Measured on a sanitized program that leaks,
 * uses freed memory and shifts out of range under a filter that kills: without
 * these, LeakSanitizer's tracer (a clone of the process that ptraces it at exit)
 * is killed and the process spins forever waiting for it, and a report is cut
 * short. Each is as narrow as the runtime allows, so the calls the probes make
 * (execve, a packet socket, opening for writing, tracing another process) die in
 * the sanitized build too and the tests prove the same thing in both builds.
 */
static const struct rule sanitizer_extras[] = {
	/* LeakSanitizer's tracer: a thread-like clone sharing our memory (never a fork),
	 * that attaches to our one thread (tid = pid, checked at load time) and waits for
	 * it; the runtime marks itself dumpable and traceable by the tracer, which dies
	 * with it; spin-waits and futexes between the two. */
	IF(clone, MASKED(0, CLONE_VM, CLONE_VM)),
	ANY(wait4),
	IF(prctl, EQ(0, PR_GET_DUMPABLE)),
	IF(prctl, EQ(0, PR_SET_DUMPABLE)),
	IF(prctl, EQ(0, PR_SET_PTRACER)),
	IF(prctl, EQ(0, PR_SET_PDEATHSIG)),
	ANY(getppid),
	ANY(sched_yield),
	ANY(futex),
	/* Signal handling in the tracer and while reporting. */
	ANY(sigaltstack),
	ANY(rt_sigaction),
	/* Symbolizing a report: /proc/self/maps, /proc/self/task and the binary, read
	 * with the old open(2) (read-only, like openat above), readlink of
	 * /proc/self/exe, stat and directory listings; and the terminal check on stderr. */
	IF(open, MASKED(1, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)),
	IF(openat, READ_ONLY_FLAGS),
	ANY(readlink),
	ANY(lseek),
	ANY(newfstatat),
	ANY(fcntl),
	ANY(getdents),
	ANY(getdents64),
	IF(ioctl, EQ(1, TCGETS)),
};
#endif

bool sandbox_has_sanitizer_extras(void)
{
#ifdef SANDBOX_SANITIZER_EXTRAS
	return true;
#else
	return false;
#endif
}

void sandbox_spec_init(struct sandbox_spec *spec, enum sandbox_profile profile)
{
	memset(spec, 0, sizeof(*spec));
	spec->profile = profile;
}

int sandbox_allow_send(struct sandbox_spec *spec, int fd)
{
	if (fd < 0)
		return -EBADF;
	if (spec->send_fd_count == SANDBOX_MAX_FDS)
		return -E2BIG;
	spec->send_fds[spec->send_fd_count++] = fd;
	return 0;
}

/* libseccomp returns -errno itself. */
static int add_rules(scmp_filter_ctx ctx, const struct rule *rules, size_t count,
		     unsigned *added)
{
	for (size_t i = 0; i < count; i++) {
		uint32_t action = rules[i].refuse_errno ? SCMP_ACT_ERRNO((uint32_t)rules[i].refuse_errno)
							: SCMP_ACT_ALLOW;
		int err = seccomp_rule_add_array(ctx, action, rules[i].nr, rules[i].argc,
						 rules[i].arg);

		if (err)
			return err;
		(*added)++;
	}
	return 0;
}

#define ADD(ctx, table, added) add_rules(ctx, table, sizeof(table) / sizeof(table[0]), added)

static int add_one(scmp_filter_ctx ctx, int nr, unsigned argc, const struct scmp_arg_cmp *arg,
		   unsigned *added)
{
	int err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc, arg);

	if (!err)
		(*added)++;
	return err;
}

/* Calls whose allowed arguments are only known now: our own pid (abort's tgkill),
 * the descriptors we send on, the child we reap. */
static int add_runtime_rules(scmp_filter_ctx ctx, const struct sandbox_spec *spec,
			     unsigned *added)
{
	struct scmp_arg_cmp self[] = { SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()) };
	int send_call = spec->profile == SANDBOX_WATCH ? SCMP_SYS(sendto) : SCMP_SYS(sendmsg);
	int err = add_one(ctx, SCMP_SYS(tgkill), 1, self, added);

	/* watch sends with send(2) (netlink requests, hook requests); the daemon's two
	 * processes talk with sendmsg(2), which carries descriptors. */
	for (unsigned i = 0; i < spec->send_fd_count && !err; i++) {
		struct scmp_arg_cmp fd[] = { SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)spec->send_fds[i]) };

		err = add_one(ctx, send_call, 1, fd, added);
	}
#ifdef SANDBOX_SANITIZER_EXTRAS
	if (!err) {
		struct scmp_arg_cmp own_thread[] = {
			SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)getpid()),
		};

		err = add_one(ctx, SCMP_SYS(ptrace), 1, own_thread, added);
	}
#endif
	if (!err && spec->child > 0) {
		struct scmp_arg_cmp child[] = { SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)spec->child) };

		err = add_one(ctx, SCMP_SYS(wait4), 1, child, added);
	}
	return err;
}

static int add_profile(scmp_filter_ctx ctx, const struct sandbox_spec *spec, unsigned *added)
{
	int err = ADD(ctx, every_process, added);

	if (!err)
		err = add_runtime_rules(ctx, spec, added);
	switch (spec->profile) {
	case SANDBOX_WATCH:
		if (!err)
			err = ADD(ctx, parsing_process, added);
		if (!err && (spec->needs & SANDBOX_NEED_DB))
			err = ADD(ctx, watch_db_rules, added);
		if (!err && (spec->needs & SANDBOX_NEED_SYSLOG))
			err = ADD(ctx, watch_syslog_rules, added);
		break;
	case SANDBOX_DAEMON:
		if (!err)
			err = ADD(ctx, parsing_process, added);
		if (!err)
			err = ADD(ctx, daemon_rules, added);
		break;
	case SANDBOX_PRIVSEP:
		if (!err)
			err = ADD(ctx, privsep_rules, added);
		break;
	}
#ifdef SANDBOX_SANITIZER_EXTRAS
	if (!err)
		err = ADD(ctx, sanitizer_extras, added);
#endif
	return err;
}

static bool spec_valid(const struct sandbox_spec *spec)
{
	if (spec->profile != SANDBOX_WATCH && spec->profile != SANDBOX_DAEMON &&
	    spec->profile != SANDBOX_PRIVSEP)
		return false;
	if (spec->needs & ~(unsigned)(SANDBOX_NEED_DB | SANDBOX_NEED_SYSLOG))
		return false;
	if (spec->needs && spec->profile != SANDBOX_WATCH)
		return false;
	if (spec->send_fd_count > SANDBOX_MAX_FDS || spec->child < 0)
		return false;
	for (unsigned i = 0; i < spec->send_fd_count; i++)
		if (spec->send_fds[i] < 0)
			return false;
	return true;
}

/* The filter for spec, not loaded; NULL with *err set on failure. */
static scmp_filter_ctx build(const struct sandbox_spec *spec, unsigned *added, int *err)
{
	scmp_filter_ctx ctx;

	*added = 0;
	if (!spec_valid(spec)) {
		*err = -EINVAL;
		return NULL;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Another architecture's calling convention (int 0x80, x32) dies too. */
	*err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!*err)
		*err = add_profile(ctx, spec, added);
	if (*err) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int sandbox_rule_count(const struct sandbox_spec *spec)
{
	unsigned added;
	int err;
	scmp_filter_ctx ctx = build(spec, &added, &err);

	if (!ctx)
		return err;
	seccomp_release(ctx);
	return (int)added;
}

int sandbox_apply(const struct sandbox_spec *spec)
{
	unsigned added;
	int err;
	scmp_filter_ctx ctx;

	/* API level 3: the kernel and libseccomp both know SECCOMP_RET_KILL_PROCESS.
	 * Below it libseccomp would quietly kill only the calling thread. */
	if (seccomp_api_get() < 3)
		return -ENOSYS;
	ctx = build(spec, &added, &err);
	if (!ctx)
		return err;
	/* No execve from here on can gain privileges (setuid, file capabilities); the
	 * kernel requires it of an unprivileged process that loads a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = -errno;
		seccomp_release(ctx);
		return err;
	}
	err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}

int sandbox_probe_parse(const char *name, enum sandbox_probe *out)
{
	static const char *const names[] = {
		[SANDBOX_PROBE_EXECVE] = "execve",
		[SANDBOX_PROBE_PACKET_SOCKET] = "packet-socket",
		[SANDBOX_PROBE_OPEN_WRITE] = "open-write",
		[SANDBOX_PROBE_PTRACE] = "ptrace",
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*out = (enum sandbox_probe)i;
			return 0;
		}
	return -EINVAL;
}

static long result(long rc)
{
	return rc < 0 ? -errno : rc;
}

long sandbox_probe_run(enum sandbox_probe probe)
{
	static char *const argv[] = { "true", NULL };
	static char *const envp[] = { NULL };

	switch (probe) {
	case SANDBOX_PROBE_EXECVE:
		return result(execve("/bin/true", argv, envp));
	case SANDBOX_PROBE_PACKET_SOCKET:
		return result(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
	case SANDBOX_PROBE_OPEN_WRITE:
		return result(open("/dev/null", O_WRONLY | O_CLOEXEC));
	case SANDBOX_PROBE_PTRACE:
		/* Seizing does not stop the tracee, and ends with us: harmless should the
		 * call ever get through. */
		return result(ptrace(PTRACE_SEIZE, 1, NULL, NULL));
	}
	return -EINVAL;
}
