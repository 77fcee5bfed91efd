/*
 * Privilege separation for the daemon, after OpenBSD's privsep daemons: the process
 * that parses frames, netlink and metrics requests (the worker) holds no capability
 * at all; a small helper process holds CAP_NET_RAW and does one thing, on request:
 * open a packet socket on an interface, with one of the filters it was told to
 * allow, and pass the descriptor back (SCM_RIGHTS).
 *
 * They talk over a SOCK_SEQPACKET socketpair in fixed-size, typed messages: one
 * request, one reply, in turn. Each side checks every message it receives (size,
 * type, every field, descriptors only where one belongs) before using it. The
 * helper answers a request it cannot fulfil (no such interface, not ARP-capable)
 * with the error and goes on; a malformed request means the worker is not behaving,
 * so it answers -EBADMSG and stops. The worker treats a missing, late or malformed
 * reply the same way: the conversation is over.
 *
 * Starting the two processes, dropping capabilities and the sandboxes belong to the
 * command (src/daemon.c); this module is the protocol and both loops.
 */
#ifndef ARPKIT_PRIVSEP_H
#define ARPKIT_PRIVSEP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "link.h"

enum privsep_type {
	PRIVSEP_OPEN_LINK = 0x4f50454e,   /* "OPEN": worker -> helper */
	PRIVSEP_LINK_OPENED = 0x4c494e4b, /* "LINK": helper -> worker */
};

struct privsep_request {
	uint32_t type;    /* PRIVSEP_OPEN_LINK */
	uint32_t serial;  /* echoed in the reply */
	int32_t ifindex;  /* > 0 */
	uint32_t filter;  /* enum link_filter, one the helper allows */
};

struct privsep_reply {
	uint32_t type;    /* PRIVSEP_LINK_OPENED */
	uint32_t serial;  /* the request's */
	int32_t error;    /* 0: exactly one descriptor rides along; else -errno, none does */
	int32_t ifindex;  /* the request's */
	uint32_t mtu;
	uint8_t mac[MAC_LEN];
	char name[IF_NAMESIZE]; /* NUL-terminated */
};

/* A set of enum link_filter values, as a mask. */
#define PRIVSEP_FILTER(f) (1u << (f))

/*
 * Checks a request as received: len bytes in buf, msg_flags from recvmsg (MSG_TRUNC:
 * it was longer; MSG_CTRUNC: it carried ancillary data, which a request never does).
 * 0 with *out filled, or -EBADMSG.
 */
int privsep_request_check(const void *buf, size_t len, int msg_flags, unsigned allowed_filters,
			  struct privsep_request *out);

/*
 * Checks a reply to the request req: len bytes, msg_flags, and how many descriptors
 * came with it. 0 with *out filled, or -EBADMSG.
 */
int privsep_reply_check(const void *buf, size_t len, int msg_flags, unsigned fd_count,
			const struct privsep_request *req, struct privsep_reply *out);

/*
 * The helper's loop on sock: answers requests until the worker closes its end (0),
 * a request is malformed (-EBADMSG, after answering it), or the socket fails
 * (-errno). Opens only filters in allowed_filters (PRIVSEP_FILTER masks).
 */
int privsep_serve(int sock, unsigned allowed_filters);

/* The worker's end. */
struct privsep_client {
	int fd;          /* the socket to the helper, -1 when none */
	pid_t helper;    /* its pid, 0 when unknown or reaped */
	uint32_t serial;
};

/* Talks to the helper pid over fd (-1 and 0: none yet). */
void privsep_client_init(struct privsep_client *c, int fd, pid_t helper);
/* Closes the worker's end, which ends the helper, and reaps it (at most timeout_ms). */
void privsep_client_close(struct privsep_client *c, int timeout_ms);

/*
 * Asks the helper for a packet socket on ifindex with filter and waits at most
 * timeout_ms for it. 0 with *out open (link_adopt); or the helper's answer for that
 * interface (-ENODEV, -EAFNOSUPPORT, another -errno), after which it can be asked
 * again; or, when the conversation is over and nothing more can be opened:
 * -EPIPE (the helper is gone), -ETIMEDOUT (it did not answer), -EBADMSG (its
 * answer was malformed, or it called our request malformed).
 */
int privsep_open_link(struct privsep_client *c, int ifindex, enum link_filter filter,
		      int timeout_ms, struct link *out);

/* True for the errors of privsep_open_link after which the helper is of no use. */
bool privsep_is_fatal(int err);

#endif
