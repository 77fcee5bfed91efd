/*
 * Seccomp allow-lists (libseccomp) for the processes that read untrusted bytes for
 * months: watch, the daemon's worker and the daemon's privileged helper. A command
 * opens its sockets and files, drops its capabilities, then calls sandbox_apply():
 * from then on any system call not on its list kills the whole process with SIGSYS
 * (SCMP_ACT_KILL_PROCESS), so a forbidden call is loud in the logs and in the exit
 * status, never a silent failure a bug or an exploit could step around. The lists,
 * one per profile, and why each call is on them, are in sandbox.c.
 *
 * Sanitizer builds (ASan, LSan, UBSan) add the calls their runtime makes when it
 * reports (LeakSanitizer's tracer at exit: clone, ptrace, wait4, ...), so the tests
 * can run the sanitized binary sandboxed; a release build never contains them. See
 * SANDBOX_SANITIZER_EXTRAS in sandbox.c.
 */
#ifndef ARPKIT_SANDBOX_H
#define ARPKIT_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

enum sandbox_profile {
	SANDBOX_WATCH,   /* watch: frames, capture files, its database */
	SANDBOX_DAEMON,  /* the daemon's worker: frames, netlink, metrics requests */
	SANDBOX_PRIVSEP, /* the daemon's helper: opens packet sockets, nothing else */
};

/* Parts of a profile a run may or may not need (watch). */
enum sandbox_need {
	SANDBOX_NEED_DB = 1 << 0,     /* the SQLite station database */
	SANDBOX_NEED_SYSLOG = 1 << 1, /* syslog(3): datagrams to /dev/log, reconnecting */
};

#define SANDBOX_MAX_FDS 8

struct sandbox_spec {
	enum sandbox_profile profile;
	unsigned needs;                    /* enum sandbox_need */
	/* Descriptors the process may send on (watch: its netlink request socket and
	 * the hook launcher's; privsep helper: its socket to the worker; daemon: its
	 * socket to the helper). watch sends on no other (it is passive: its packet
	 * sockets never transmit) unless it needs syslog, whose socket comes and goes. */
	int send_fds[SANDBOX_MAX_FDS];
	unsigned send_fd_count;
	pid_t child;                       /* a child it may reap (wait4), 0 for none */
};

/* A spec for profile with nothing else allowed. */
void sandbox_spec_init(struct sandbox_spec *spec, enum sandbox_profile profile);
/* Adds a descriptor to spec->send_fds: 0, or -E2BIG when full, -EBADF if fd < 0. */
int sandbox_allow_send(struct sandbox_spec *spec, int fd);

/*
 * Sets PR_SET_NO_NEW_PRIVS and loads the profile's filter for this process and
 * every child it starts from now on. 0, or -errno: -EINVAL for a bad spec, -ENOSYS
 * when the kernel lacks seccomp filters or SECCOMP_RET_KILL_PROCESS, another -errno
 * from prctl or the load. On failure nothing is loaded and the caller must stop (fail
 * closed). Call it once, single-threaded.
 */
int sandbox_apply(const struct sandbox_spec *spec);

/*
 * How many rules the profile's filter holds once built (without loading it), or
 * -errno: for the unit tests and for showing a filter is not empty.
 */
int sandbox_rule_count(const struct sandbox_spec *spec);

/* True when this build carries the sanitizer runtime's extra calls. */
bool sandbox_has_sanitizer_extras(void);

/*
 * Forbidden calls, for the tests that prove a sandboxed process is killed (SIGSYS)
 * rather than refused: each is something an attacker who took over the process
 * would want. Every profile forbids them all, except that the daemon's helper opens
 * packet sockets.
 */
enum sandbox_probe {
	SANDBOX_PROBE_EXECVE,        /* run another program (/bin/true) */
	SANDBOX_PROBE_PACKET_SOCKET, /* a new packet socket */
	SANDBOX_PROBE_OPEN_WRITE,    /* open a file for writing (/dev/null) */
	SANDBOX_PROBE_PTRACE,        /* trace another process (init) */
};

/* "execve", "packet-socket", "open-write", "ptrace": 0, or -EINVAL. */
int sandbox_probe_parse(const char *name, enum sandbox_probe *out);
/*
 * Makes the forbidden call. In a sandboxed process it does not return (SIGSYS);
 * returning at all means the call went through to the kernel: the result (or
 * -errno) is returned, and the caller must treat that as a defect.
 */
long sandbox_probe_run(enum sandbox_probe probe);

#endif
