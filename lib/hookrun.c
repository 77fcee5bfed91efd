#include "hookrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"

extern char **environ;

static const char *const var_names[HOOKRUN_VARS] = {
	[HOOKRUN_EVENT] = "ARPKIT_EVENT",
	[HOOKRUN_TIME] = "ARPKIT_TIME",
	[HOOKRUN_IP] = "ARPKIT_IP",
	[HOOKRUN_MAC] = "ARPKIT_MAC",
	[HOOKRUN_OLD_MAC] = "ARPKIT_OLD_MAC",
	[HOOKRUN_INTERFACE] = "ARPKIT_INTERFACE",
	[HOOKRUN_VLAN] = "ARPKIT_VLAN",
	[HOOKRUN_DETAIL] = "ARPKIT_DETAIL",
	[HOOKRUN_SENDER_MAC] = "ARPKIT_SENDER_MAC",
	[HOOKRUN_SENDER_IP] = "ARPKIT_SENDER_IP",
};

#define NAME_MAX_LEN 17 /* "ARPKIT_SENDER_MAC" */

const char *hookrun_var_name(enum hookrun_var var)
{
	return (unsigned)var < HOOKRUN_VARS ? var_names[var] : "";
}

void hookrun_request_init(struct hookrun_request *req)
{
	memset(req, 0, sizeof(*req));
	req->type = HOOKRUN_RUN;
}

void hookrun_request_set(struct hookrun_request *req, enum hookrun_var var, const char *value)
{
	size_t len = strlen(value);

	if ((unsigned)var >= HOOKRUN_VARS)
		return;
	if (len >= HOOKRUN_VALUE_MAX)
		len = HOOKRUN_VALUE_MAX - 1;
	memcpy(req->value[var], value, len);
	memset(req->value[var] + len, 0, HOOKRUN_VALUE_MAX - len);
}

int hookrun_request_check(const void *buf, size_t len, int msg_flags,
			  struct hookrun_request *out)
{
	const struct hookrun_request *req = buf;

	if (len != sizeof(*req) || (msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EBADMSG;
	if (req->type != HOOKRUN_RUN)
		return -EBADMSG;
	for (unsigned i = 0; i < HOOKRUN_VARS; i++)
		if (!memchr(req->value[i], '\0', HOOKRUN_VALUE_MAX))
			return -EBADMSG;
	*out = *req;
	return 0;
}

int hookrun_report_check(const void *buf, size_t len, int msg_flags, struct hookrun_report *out)
{
	struct hookrun_report rep;

	if (len != sizeof(rep) || (msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EBADMSG;
	memcpy(&rep, buf, sizeof(rep));
	switch (rep.type) {
	case HOOKRUN_READY:
	case HOOKRUN_STARTED:
	case HOOKRUN_REFUSED:
		if (rep.status != 0)
			return -EBADMSG;
		break;
	case HOOKRUN_EXITED:
		break;
	default:
		return -EBADMSG;
	}
	*out = rep;
	return 0;
}

/* ---- the launcher ---- */

struct launcher {
	int sock;
	const char *command;
	unsigned running, max_running;
	struct pacer pacer;
};

static int send_report(int sock, uint32_t type, int32_t status)
{
	struct hookrun_report rep = { .type = type, .status = status };

	while (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static bool is_ours(const char *entry)
{
	for (unsigned i = 0; i < HOOKRUN_VARS; i++) {
		size_t n = strlen(var_names[i]);

		if (!strncmp(entry, var_names[i], n) && entry[n] == '=')
			return true;
	}
	return false;
}

/* The hook's environment: the launcher's, with our variables set from req. */
static char **hook_environment(const struct hookrun_request *req,
			       char text[HOOKRUN_VARS][NAME_MAX_LEN + 1 + HOOKRUN_VALUE_MAX])
{
	size_t count = 0, n = 0;
	char **envp;

	while (environ && environ[count])
		count++;
	envp = calloc(count + HOOKRUN_VARS + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (unsigned i = 0; i < HOOKRUN_VARS; i++) {
		size_t name_len = strlen(var_names[i]);

		memcpy(text[i], var_names[i], name_len);
		text[i][name_len] = '=';
		strcpy(text[i] + name_len + 1, req->value[i]); /* checked: NUL within */
		envp[n++] = text[i];
	}
	for (size_t i = 0; i < count; i++)
		if (!is_ours(environ[i]))
			envp[n++] = environ[i];
	envp[n] = NULL;
	return envp;
}

/* /bin/sh -c command: 0 or -errno. */
static int spawn_hook(const struct launcher *l, const struct hookrun_request *req)
{
	char text[HOOKRUN_VARS][NAME_MAX_LEN + 1 + HOOKRUN_VALUE_MAX];
	char *argv[] = { "sh", "-c", (char *)l->command, NULL };
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **envp = hook_environment(req, text);
	pid_t pid;
	int err;

	if (!envp)
		return -ENOMEM;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attr);
	/* The launcher blocks SIGCHLD and ignores what its parent's terminal sends;
	 * a hook starts like any program: nothing blocked, nothing ignored. */
	err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!err)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	free(envp);
	return -err;
}

/* One request: 1 to go on, 0 when watch closed its end, -errno to stop. */
static int serve_request(struct launcher *l)
{
	struct hookrun_request raw, req;
	/* No control buffer: a descriptor watch tries to pass is never installed here,
	 * and MSG_CTRUNC marks the request malformed. */
	struct iovec iov = { .iov_base = &raw, .iov_len = sizeof(raw) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int err;

	n = recvmsg(l->sock, &msg, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : errno == ECONNRESET ? 0 : -errno;
	if (n == 0)
		return 0;
	err = hookrun_request_check(&raw, (size_t)n, msg.msg_flags, &req);
	if (err)
		return err;
	if (l->running >= l->max_running || pacer_take(&l->pacer, now_ns(), 1) == 0 ||
	    spawn_hook(l, &req) != 0)
		err = send_report(l->sock, HOOKRUN_REFUSED, 0);
	else {
		l->running++;
		err = send_report(l->sock, HOOKRUN_STARTED, 0);
	}
	return err ? err : 1;
}

/* Reaps every hook that ended and reports it. 0 or -errno. */
static int reap_hooks(struct launcher *l, int sigfd)
{
	struct signalfd_siginfo info;
	int status, err = 0;
	pid_t pid;

	while (read(sigfd, &info, sizeof(info)) == (ssize_t)sizeof(info))
		;
	while (!err && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (l->running)
			l->running--;
		err = send_report(l->sock, HOOKRUN_EXITED, status);
	}
	return err;
}

int hookrun_serve(int sock, const char *command, unsigned max_running, uint64_t rate)
{
	struct launcher l = { .sock = sock, .command = command, .max_running = max_running };
	sigset_t chld;
	int sigfd, rc;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return -errno;
	sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return -errno;
	pacer_init(&l.pacer, rate, rate, now_ns());
	rc = send_report(sock, HOOKRUN_READY, 0);
	if (rc == 0)
		rc = 1;
	while (rc > 0) {
		struct pollfd fds[2] = { { .fd = sock, .events = POLLIN },
					 { .fd = sigfd, .events = POLLIN } };

		if (poll(fds, 2, -1) < 0) {
			rc = errno == EINTR ? 1 : -errno;
			continue;
		}
		if (fds[1].revents)
			rc = reap_hooks(&l, sigfd) ? -EPIPE : 1;
		if (rc > 0 && fds[0].revents)
			rc = serve_request(&l);
	}
	close(sigfd);
	return rc;
}

/* ---- watch's end ---- */

/* One report, if there is one: 1 read, 0 none waiting, -EPIPE gone, -EBADMSG. */
static int read_report(int fd, struct hookrun_report *rep, int timeout_ms)
{
	struct hookrun_report raw;
	struct iovec iov = { .iov_base = &raw, .iov_len = sizeof(raw) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	if (timeout_ms > 0) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0)
			return errno == EINTR ? 0 : -errno;
		if (rc == 0)
			return 0;
	}
	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
	if (n == 0)
		return -EPIPE;
	rc = hookrun_report_check(&raw, (size_t)n, msg.msg_flags, rep);
	return rc ? rc : 1;
}

/* The launcher is gone or broken: no more hooks; what ran is of unknown outcome. */
static void lose_launcher(struct hookrun *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->failed += h->running;
	h->running = 0;
}

static void apply_report(struct hookrun *h, const struct hookrun_report *rep)
{
	switch (rep->type) {
	case HOOKRUN_STARTED:
		h->started++;
		break;
	case HOOKRUN_REFUSED:
		h->dropped++;
		if (h->running)
			h->running--;
		break;
	case HOOKRUN_EXITED:
		if (h->running)
			h->running--;
		if (!WIFEXITED(rep->status) || WEXITSTATUS(rep->status) != 0)
			h->failed++;
		break;
	default:
		break;
	}
}

void hookrun_collect(struct hookrun *h)
{
	struct hookrun_report rep;
	int rc;

	while (h->fd >= 0 && (rc = read_report(h->fd, &rep, 0)) != 0) {
		if (rc < 0) {
			lose_launcher(h);
			return;
		}
		apply_report(h, &rep);
	}
}

void hookrun_init(struct hookrun *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

int hookrun_start(struct hookrun *h, int fd, pid_t launcher, unsigned max_running, uint64_t rate,
		  uint64_t now, int timeout_ms)
{
	struct hookrun_report rep;
	int rc;

	hookrun_init(h);
	h->fd = fd;
	h->launcher = launcher;
	h->max_running = max_running;
	pacer_init(&h->pacer, rate, rate, now);
	rc = read_report(fd, &rep, timeout_ms);
	if (rc == 1 && rep.type == HOOKRUN_READY)
		return 0;
	lose_launcher(h);
	return rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : -EBADMSG;
}

void hookrun_request(struct hookrun *h, const struct hookrun_request *req, uint64_t now)
{
	hookrun_collect(h);
	if (h->fd < 0 || h->running >= h->max_running || pacer_take(&h->pacer, now, 1) == 0) {
		h->dropped++;
		return;
	}
	/* Never wait for the launcher: a full queue is a dropped hook, not a stall. */
	if (send(h->fd, req, sizeof(*req), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		h->dropped++;
		if (errno != EAGAIN && errno != EINTR)
			lose_launcher(h);
		return;
	}
	h->running++;
}

void hookrun_drain(struct hookrun *h, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	hookrun_collect(h);
	while (h->fd >= 0 && h->running) {
		uint64_t now = now_ns();
		struct hookrun_report rep;
		int rc;

		if (now >= deadline)
			break;
		rc = read_report(h->fd, &rep, (int)((deadline - now) / NS_PER_MS) + 1);
		if (rc < 0)
			lose_launcher(h);
		else if (rc > 0)
			apply_report(h, &rep);
	}
}

void hookrun_close(struct hookrun *h, int timeout_ms)
{
	child_end(&h->fd, &h->launcher, timeout_ms);
}
