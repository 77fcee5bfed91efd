#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "number.h"

#define CLIENT_TIMEOUT_NS (5 * NS_PER_SEC)
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ---- exposition text ---- */

void metrics_text_init(struct metrics_text *t)
{
	memset(t, 0, sizeof(*t));
}

void metrics_text_free(struct metrics_text *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

static bool reserve(struct metrics_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 1024;
	char *grown;

	if (t->failed)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	while (cap < t->len + more + 1)
		cap *= 2;
	grown = realloc(t->data, cap);
	if (!grown) {
		t->failed = true;
		return false;
	}
	t->data = grown;
	t->cap = cap;
	return true;
}

__attribute__((format(printf, 2, 3)))
static void append(struct metrics_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
			 const char *help)
{
	append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void append_labels(struct metrics_text *t, const char *label, const char *value)
{
	if (!label)
		return;
	append(t, "{%s=\"", label);
	for (const char *c = value ? value : ""; *c; c++) {
		switch (*c) {
		case '\\': append(t, "\\\\"); break;
		case '"': append(t, "\\\""); break;
		case '\n': append(t, "\\n"); break;
		default: append(t, "%c", *c); break;
		}
	}
	append(t, "\"}");
}

void metrics_text_uint(struct metrics_text *t, const char *name, const char *label,
		       const char *label_value, uint64_t value)
{
	append(t, "%s", name);
	append_labels(t, label, label_value);
	append(t, " %llu\n", (unsigned long long)value);
}

void metrics_text_double(struct metrics_text *t, const char *name, const char *label,
			 const char *label_value, double value)
{
	append(t, "%s", name);
	append_labels(t, label, label_value);
	append(t, " %.6f\n", value);
}

/* ---- parsing ---- */

int metrics_parse_listen(const char *text, struct sockaddr_in *out)
{
	const char *colon = strrchr(text, ':');
	char host[IPV4_STRLEN];
	struct sockaddr_in addr;
	unsigned long port;

	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	if (ipv4_parse(host, &addr.sin_addr) < 0)
		return -EINVAL;
	if (parse_ulong(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	if (addr.sin_addr.s_addr == htonl(INADDR_ANY))
		return -EADDRNOTAVAIL;
	addr.sin_port = htons((uint16_t)port);
	*out = addr; /* only a valid address is written */
	return 0;
}

static bool starts_with(const char *buf, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(buf, prefix, n);
}

enum metrics_request metrics_parse_request(const char *buf, size_t len)
{
	const char *line_end = memchr(buf, '\n', len);
	const char *path, *space;
	bool head;
	size_t path_len;

	/* The request is complete at the blank line; a bare "\n\n" is tolerated. */
	bool complete = false;
	for (size_t i = 0; i + 1 < len && !complete; i++)
		complete = (buf[i] == '\n' && buf[i + 1] == '\n') ||
			   (i + 3 < len && !memcmp(buf + i, "\r\n\r\n", 4));
	if (!line_end)
		return len >= METRICS_REQUEST_MAX ? METRICS_REQ_BAD : METRICS_REQ_INCOMPLETE;
	if (!complete)
		return len >= METRICS_REQUEST_MAX ? METRICS_REQ_BAD : METRICS_REQ_INCOMPLETE;
	if (starts_with(buf, len, "GET "))
		head = false;
	else if (starts_with(buf, len, "HEAD "))
		head = true;
	else
		return memchr(buf, ' ', (size_t)(line_end - buf)) ? METRICS_REQ_BAD_METHOD
								  : METRICS_REQ_BAD;
	path = buf + (head ? 5 : 4);
	space = memchr(path, ' ', (size_t)(line_end - path));
	if (!space || !starts_with(space + 1, (size_t)(line_end - space - 1), "HTTP/"))
		return METRICS_REQ_BAD;
	path_len = (size_t)(space - path);
	if ((path_len == 8 && !memcmp(path, "/metrics", 8)) || (path_len == 1 && path[0] == '/'))
		return head ? METRICS_REQ_HEAD : METRICS_REQ_GET;
	return METRICS_REQ_NOT_FOUND;
}

/* ---- server ---- */

void metrics_server_init(struct metrics_server *s)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	for (unsigned i = 0; i < METRICS_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
}

bool metrics_server_is_open(const struct metrics_server *s)
{
	return s->listen_fd >= 0;
}

int metrics_server_open(struct metrics_server *s, const struct sockaddr_in *addr)
{
	int one = 1, fd, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0 || listen(fd, 16) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	metrics_server_close(s);
	s->listen_fd = fd;
	s->addr = *addr;
	return 0;
}

static void drop_client(struct metrics_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->in_len = c->out_len = c->out_off = 0;
}

void metrics_server_close(struct metrics_server *s)
{
	for (unsigned i = 0; i < METRICS_MAX_CLIENTS; i++)
		drop_client(&s->clients[i]);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
}

static struct metrics_client *free_slot(struct metrics_server *s)
{
	for (unsigned i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (s->clients[i].fd < 0)
			return &s->clients[i];
	return NULL;
}

unsigned metrics_server_pollfds(const struct metrics_server *s, struct pollfd *fds, unsigned max)
{
	unsigned n = 0;
	bool room = false;

	for (unsigned i = 0; i < METRICS_MAX_CLIENTS; i++)
		room = room || s->clients[i].fd < 0;
	if (s->listen_fd >= 0 && room && n < max) {
		fds[n].fd = s->listen_fd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	for (unsigned i = 0; i < METRICS_MAX_CLIENTS && n < max; i++) {
		const struct metrics_client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		fds[n].fd = c->fd;
		fds[n].events = c->out ? POLLOUT : POLLIN;
		fds[n++].revents = 0;
	}
	return n;
}

static void respond(struct metrics_client *c, enum metrics_request req, metrics_render_fn render,
		    void *ctx)
{
	struct metrics_text body, whole;
	const char *status = "200 OK";

	metrics_text_init(&body);
	metrics_text_init(&whole);
	switch (req) {
	case METRICS_REQ_GET:
	case METRICS_REQ_HEAD:
		render(&body, ctx);
		if (body.failed) {
			status = "500 Internal Server Error";
			metrics_text_free(&body);
			append(&body, "out of memory\n");
		}
		break;
	case METRICS_REQ_NOT_FOUND:
		status = "404 Not Found";
		append(&body, "try /metrics\n");
		break;
	case METRICS_REQ_BAD_METHOD:
		status = "405 Method Not Allowed";
		append(&body, "GET or HEAD only\n");
		break;
	default:
		status = "400 Bad Request";
		append(&body, "bad request\n");
		break;
	}
	append(&whole, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n", status, CONTENT_TYPE, body.len);
	if (req != METRICS_REQ_HEAD && body.len && reserve(&whole, body.len)) {
		memcpy(whole.data + whole.len, body.data, body.len);
		whole.len += body.len;
	}
	metrics_text_free(&body);
	if (whole.failed) {
		metrics_text_free(&whole);
		drop_client(c);
		return;
	}
	c->out = whole.data;
	c->out_len = whole.len;
	c->out_off = 0;
}

static void client_read(struct metrics_client *c, metrics_render_fn render, void *ctx)
{
	enum metrics_request req;
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(c);
		return;
	}
	c->in_len += (size_t)n;
	req = metrics_parse_request(c->in, c->in_len);
	if (req != METRICS_REQ_INCOMPLETE)
		respond(c, req, render, ctx);
}

/* Returns true when the whole response is out. */
static bool client_write(struct metrics_client *c)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (n < 0)
		return errno != EAGAIN && errno != EINTR;
	c->out_off += (size_t)n;
	return c->out_off == c->out_len;
}

static void accept_clients(struct metrics_server *s, uint64_t now)
{
	/* Bounded by the number of free slots. */
	for (struct metrics_client *c = free_slot(s); c; c = free_slot(s)) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		c->fd = fd;
		c->deadline_ns = now + CLIENT_TIMEOUT_NS;
		c->in_len = 0;
	}
}

void metrics_server_handle(struct metrics_server *s, const struct pollfd *fds, unsigned count,
			   uint64_t now, metrics_render_fn render, void *ctx)
{
	for (unsigned i = 0; i < count; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == s->listen_fd) {
			accept_clients(s, now);
			continue;
		}
		for (unsigned k = 0; k < METRICS_MAX_CLIENTS; k++) {
			struct metrics_client *c = &s->clients[k];

			if (c->fd != fds[i].fd)
				continue;
			if (!c->out && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				client_read(c, render, ctx);
			if (c->fd >= 0 && c->out && client_write(c)) {
				s->served += c->out_off == c->out_len;
				drop_client(c);
			}
			break;
		}
	}
	for (unsigned k = 0; k < METRICS_MAX_CLIENTS; k++)
		if (s->clients[k].fd >= 0 && now >= s->clients[k].deadline_ns)
			drop_client(&s->clients[k]);
}

uint64_t metrics_server_next_deadline(const struct metrics_server *s)
{
	uint64_t next = UINT64_MAX;

	for (unsigned k = 0; k < METRICS_MAX_CLIENTS; k++)
		if (s->clients[k].fd >= 0 && s->clients[k].deadline_ns < next)
			next = s->clients[k].deadline_ns;
	return next;
}
