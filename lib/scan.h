/*
 * The scan engine, one for both families: who holds each target address, asked over
 * ARP (an IPv4 target: a broadcast request) or Neighbor Discovery (an IPv6 target: a
 * Neighbor Solicitation to its solicited-node group, from our address with our MAC
 * in the source link-layer option), paced, in sendmmsg batches or through a TX ring;
 * the replies matched to their target in O(1) (targets_index_of) and kept with their
 * round-trip time; silent targets asked again.
 *
 * Rounds: round 0 asks every target, in index order. Each later round asks the
 * targets still silent again, each at most retries + 1 times in all, and each only
 * once its own previous request is `timeout` old (per-target timers, as arp-scan
 * has): a round's wait does not add to the time its requests took to send. The scan
 * ends as soon as every target answered, or `timeout` after the last request of the
 * last round. So a silent target is listened to for (retries + 1) * timeout after its
 * first request: with timeout 400 ms and 2 retries, requests at 0, 400 and 800 ms,
 * given up at 1200 ms. Replies are accepted at any time, also to an earlier request.
 *
 * A reply counts when it is on the scan's VLAN (or untagged), sent to this
 * interface's MAC, and names a target: an ARP reply (Ethernet or ARP target our MAC)
 * from a target address, or a Neighbor Advertisement for a target (its MAC: the
 * target link-layer option, else the Ethernet source). The same MAC again for an
 * address is a duplicate; another MAC is a conflict, and every reply for that
 * address is marked.
 *
 * Discovery (IPv6, --localnet: echo_count > 0): an ICMPv6 echo request to all-nodes
 * (ff02::1) from each echo source, repeated like a silent target's request; the
 * source address of every echo reply to us, the source of every Neighbor Solicitation
 * heard (the target of a DAD probe) and the target of every Neighbor Advertisement
 * heard that is not a reply to us join the targets (targets_add_found, up to
 * TARGETS_FOUND_MAX) and are asked by NS like the others: a host is listed only when
 * it answers for the address itself. The scan goes on until the last echo request's
 * timeout is over and every address found has had its requests. Frames from our own
 * MAC (the kernel's own Neighbor Discovery, our requests seen on a receive ring) are
 * never taken.
 *
 * The engine prints nothing: hooks hand the caller every frame (for pcap), every
 * new reply (for streaming output) and a periodic progress snapshot.
 */
#ifndef ARPKIT_SCAN_H
#define ARPKIT_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "link.h"
#include "loop.h"
#include "targets.h"

#define SCAN_NONE UINT32_MAX
#define SCAN_ECHO_SOURCES_MAX 8

struct scan_config {
	uint64_t rate;          /* frames per second; 0: as fast as the link takes, with at
				 * most 384 requests in flight (a request leaves the window
				 * when replies catch up or after 4 smoothed RTTs, >= 1 ms) */
	unsigned retries;       /* extra rounds for silent targets */
	uint64_t timeout_ns;    /* per target: from each request to the next, and to giving up */
	int vlan;               /* VLAN_NONE, or the 802.1Q VID to tag with and expect */
	struct in_addr source;  /* ARP sender address; 0.0.0.0 is allowed (RFC 5227 probe form) */
	struct in6_addr source6;    /* NS source for IPv6 targets that are not link-local: an
				     * address of ours the neighbour can answer (never ::) */
	struct in6_addr source6_ll; /* NS source for link-local targets: our link-local */
	/* Discovery (see above): echo requests to ff02::1 from each of echo_source. */
	unsigned echo_count;
	struct in6_addr echo_source[SCAN_ECHO_SOURCES_MAX];
	uint16_t echo_ident;    /* the echo requests' identifier, to know their replies */
};

struct scan_reply {
	struct ipaddr ip;
	struct mac mac;
	uint32_t target;        /* index in the target list */
	uint32_t next;          /* next reply (another MAC) for the same target, or SCAN_NONE */
	uint64_t rtt_ns;        /* since the last request to this target before the reply */
	uint64_t at_ns;         /* since the scan started */
	bool conflict;          /* another MAC answered for the same address */
};

struct scan_counters {
	uint64_t frames_sent;
	uint64_t frames_received;  /* ARP frames the filter passed */
	uint64_t duplicates;       /* the same MAC again for an address */
	uint64_t ignored;          /* frames that are not a reply to this scan */
	uint64_t echo_replies;     /* discovery: echo replies to us */
	uint32_t found;            /* discovery: addresses that joined the targets */
	uint32_t found_dropped;    /* discovery: addresses heard past TARGETS_FOUND_MAX */
	uint32_t answered;         /* targets with at least one reply */
	uint32_t conflicts;        /* targets answered by more than one MAC */
	unsigned rounds;           /* rounds in which a request went */
	unsigned send_stalls;      /* batches cut short by a queue that stayed full */
	unsigned kernel_drops;     /* PACKET_STATISTICS, when the receive queue overflowed */
};

struct scan_progress {
	unsigned round, rounds;
	uint32_t answered, total;
	uint64_t frames_sent;
	uint64_t elapsed_ns;
};

struct scan_hooks {
	/* Every frame sent (outgoing true) and received; time is CLOCK_MONOTONIC. */
	void (*on_frame)(void *ctx, bool outgoing, const uint8_t *frame, size_t len,
			 size_t wire_len, uint64_t time_ns);
	/* A new (address, MAC) pair; the pointer is valid only during the call. */
	void (*on_reply)(void *ctx, const struct scan_reply *reply);
	/* Every tick_ns while the scan runs. */
	void (*on_tick)(void *ctx, const struct scan_progress *progress);
	uint64_t tick_ns;
	void *ctx;
};

struct scan_run;

/* targets must be finished and outlive the run (discovery adds to it); link may be
 * NULL for tests that only feed scan_run_receive. 0, -EINVAL (no target, and no
 * discovery), -ENOMEM. */
int scan_run_create(struct scan_run **out, const struct scan_config *cfg,
		    struct targets *targets, struct link *link, const struct mac *own_mac,
		    const struct scan_hooks *hooks);
void scan_run_free(struct scan_run *run);

struct txring;
struct rxring;
/* Optional, before scan_run_start: send requests through a PACKET_MMAP TX ring (one
 * system call per batch) and/or take replies from a TPACKET_V3 ring on the link's
 * socket, instead of sendmmsg/recvmmsg on it. Either may be NULL; both outlive the run. */
void scan_run_use_rings(struct scan_run *run, struct txring *tx, struct rxring *rx);

void scan_run_start(struct scan_run *run, uint64_t now);
/* Sends what is due at now. 0 with *wake_at the next instant to call again, 1 when
 * the scan is over, or -errno from the socket. */
int scan_run_step(struct scan_run *run, uint64_t now, uint64_t *wake_at);
/* One received frame: 1 a new reply, 0 anything else. Never fails. */
int scan_run_receive(struct scan_run *run, const uint8_t *frame, size_t len, size_t wire_len,
		     uint64_t time_ns);
bool scan_run_finished(const struct scan_run *run);

/* The whole loop over the link: step, drain replies, sleep in loop_wait. Returns 0
 * when the scan is over or stop was raised (at once, also when the signal lands just
 * before the wait; stop may be NULL), -errno on a socket error. */
int scan_run_wait(struct scan_run *run, const struct loop_stop *stop);

const struct scan_reply *scan_run_replies(const struct scan_run *run, size_t *count);
/* The first reply for target index, SCAN_NONE if silent; follow scan_reply.next. */
uint32_t scan_run_first_reply(const struct scan_run *run, uint32_t target);
const struct scan_counters *scan_run_counters(const struct scan_run *run);

/* The request the engine sends to target: an ARP request, or an NS (tests and tools).
 * The frame length, 0 if cap is too small. */
size_t scan_build_request(const struct scan_config *cfg, const struct mac *own_mac,
			  const struct ipaddr *target, uint8_t *buf, size_t cap);

#endif
