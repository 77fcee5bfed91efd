/*
 * Prometheus text exposition over a tiny HTTP/1.0 responder. The listener and its
 * clients are non-blocking and join the caller's poll loop; nothing here blocks, and
 * a slow or silent client is dropped after a timeout. The exposition builder and the
 * request parser are separate from the I/O so unit tests feed them directly.
 */
#ifndef ARPKIT_METRICS_H
#define ARPKIT_METRICS_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exposition text, grown as needed; `failed` once memory ran out. */
struct metrics_text {
	char *data;
	size_t len, cap;
	bool failed;
};

void metrics_text_init(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);
/* "# HELP name help" and "# TYPE name type" (type: counter, gauge). */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
			 const char *help);
/* One sample; label may be NULL for none. Label values are escaped (\\, \", \n). */
void metrics_text_uint(struct metrics_text *t, const char *name, const char *label,
		       const char *label_value, uint64_t value);
void metrics_text_double(struct metrics_text *t, const char *name, const char *label,
			 const char *label_value, double value);

/*
 * "ADDR:PORT", IPv4, port 1-65535. The wildcard 0.0.0.0 is refused (-EADDRNOTAVAIL):
 * metrics go on one address the host has, chosen on purpose. 0 or -EINVAL; *out is
 * written only on success.
 */
int metrics_parse_listen(const char *text, struct sockaddr_in *out);

enum metrics_request {
	METRICS_REQ_INCOMPLETE, /* no blank line yet */
	METRICS_REQ_GET,        /* GET /metrics (or /) */
	METRICS_REQ_HEAD,       /* HEAD of the same */
	METRICS_REQ_NOT_FOUND,  /* another path */
	METRICS_REQ_BAD_METHOD, /* another method */
	METRICS_REQ_BAD,        /* not HTTP */
};

/* Classifies the request in buf[0..len) (not NUL-terminated). */
enum metrics_request metrics_parse_request(const char *buf, size_t len);

#define METRICS_MAX_CLIENTS 8
#define METRICS_REQUEST_MAX 2048

struct metrics_client {
	int fd;                       /* -1: free */
	uint64_t deadline_ns;
	char in[METRICS_REQUEST_MAX];
	size_t in_len;
	char *out;                    /* response being written */
	size_t out_len, out_off;
};

struct metrics_server {
	int listen_fd;                /* -1: closed */
	struct sockaddr_in addr;
	struct metrics_client clients[METRICS_MAX_CLIENTS];
	uint64_t served;              /* responses completed */
};

/* Body of a GET: fill t (t->failed turns into a 500). */
typedef void (*metrics_render_fn)(struct metrics_text *t, void *ctx);

void metrics_server_init(struct metrics_server *s);
/* Binds and listens on addr: 0, or -errno (-EADDRNOTAVAIL: not an address of this host,
 * -EADDRINUSE, -EACCES for a privileged port). */
int metrics_server_open(struct metrics_server *s, const struct sockaddr_in *addr);
void metrics_server_close(struct metrics_server *s);
bool metrics_server_is_open(const struct metrics_server *s);

/* Fills up to max pollfds (listener while a client slot is free, then clients);
 * returns how many. */
unsigned metrics_server_pollfds(const struct metrics_server *s, struct pollfd *fds, unsigned max);
/* After poll, with the same pollfds: accepts, reads, answers, times out. */
void metrics_server_handle(struct metrics_server *s, const struct pollfd *fds, unsigned count,
			   uint64_t now, metrics_render_fn render, void *ctx);
/* Earliest client deadline (UINT64_MAX: none). */
uint64_t metrics_server_next_deadline(const struct metrics_server *s);

#endif
