/*
 * ARP ping logic without I/O: which received frames count as replies or as
 * duplicate-address conflicts, the bookkeeping of every responder, the RFC 5227
 * probe schedule, and the clock that says when to send and when to stop. The
 * command owns the socket and the poll loop; everything it decides comes from here,
 * so unit tests can drive it with crafted frames and times.
 */
#ifndef ARPKIT_ARPING_H
#define ARPKIT_ARPING_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "frame.h"

/* RFC 5227 section 1.1 constants, in nanoseconds. */
#define ARPING_PROBE_WAIT_NS 1000000000ull    /* random delay before the first probe */
#define ARPING_PROBE_NUM 3
#define ARPING_PROBE_MIN_NS 1000000000ull     /* spacing between probes, at least */
#define ARPING_PROBE_MAX_NS 2000000000ull     /* and at most */
#define ARPING_ANNOUNCE_WAIT_NS 2000000000ull /* listen after the last probe */

#define ARPING_DAD_MAX_PROBES 100
#define ARPING_MAX_RESPONDERS 64

/* What this run is listening for. */
struct arping_match {
	struct in_addr target;  /* the address asked about */
	struct in_addr source;  /* our sender IP in the requests (0.0.0.0 allowed) */
	struct mac self;        /* our interface's MAC */
	bool dad;               /* duplicate address detection rules */
};

enum arping_verdict {
	ARPING_IGNORE,          /* not about this run */
	ARPING_REPLY,           /* a genuine reply: op reply, from TARGET, addressed to us */
	ARPING_CLAIM,           /* DAD: another MAC sends ARP with sender IP == TARGET */
	ARPING_RIVAL_PROBE,     /* DAD: another MAC probes for TARGET at the same time */
};

/*
 * Classify a decoded ARP frame. Ping: a reply whose sender IP is TARGET, whose
 * target IP and MAC are ours, sent to our MAC or broadcast. DAD (RFC 5227 2.1.1):
 * any request or reply whose sender IP is TARGET, or a probe (sender IP 0.0.0.0)
 * for TARGET, from a MAC that is not ours. Frames from our own MAC never count.
 */
enum arping_verdict arping_classify(const struct arping_match *m, const struct arp_frame *f);

struct arping_responder {
	struct mac mac;
	unsigned count;          /* replies (or conflicting frames) from this MAC */
	unsigned first_seq;      /* sequence of the request it first answered */
	uint64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
};

struct arping_tally {
	unsigned sent;
	unsigned received;       /* every counted reply, duplicates included */
	unsigned dropped_responders; /* MACs beyond ARPING_MAX_RESPONDERS (counted, not listed) */
	uint64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
	unsigned responder_count;
	struct arping_responder responders[ARPING_MAX_RESPONDERS];
};

struct arping_seen {
	bool conflict;           /* from a MAC other than the first responder */
	bool new_responder;      /* first frame from this MAC */
	int index;               /* into responders, -1 when the table was full */
};

void arping_tally_init(struct arping_tally *t);
/* Record one reply from mac, answering request seq after rtt_ns. */
struct arping_seen arping_tally_add(struct arping_tally *t, const struct mac *mac, unsigned seq,
				    uint64_t rtt_ns);
/* True when more than one MAC answered. */
bool arping_tally_conflict(const struct arping_tally *t);
/* Average RTT over every counted reply (0 when none). */
uint64_t arping_tally_rtt_avg_ns(const struct arping_tally *t);

/*
 * DAD probe times relative to the start, and how long to listen after the last one.
 * probes: 1..ARPING_DAD_MAX_PROBES. interval_ns 0 means the RFC 5227 spacing: a
 * random wait in [0, PROBE_WAIT] before the first probe, random gaps in
 * [PROBE_MIN, PROBE_MAX], then ANNOUNCE_WAIT; draws[] supplies probes uniform
 * 32-bit values for those draws. A non-zero interval_ns gives probes at 0,
 * interval, 2*interval... and listens one interval after the last. A non-zero
 * deadline_ns shorter than the whole plan compresses it proportionally so that
 * the listening ends at the deadline.
 */
struct arping_dad_plan {
	unsigned probes;
	uint64_t offset_ns[ARPING_DAD_MAX_PROBES];
	uint64_t end_ns;         /* listening ends here, relative to the start */
};

int arping_dad_plan(struct arping_dad_plan *plan, unsigned probes, uint64_t interval_ns,
		    uint64_t deadline_ns, const uint32_t *draws);

/*
 * When to send and when to stop. The command sends when told ARPING_SEND, then
 * calls arping_clock_sent with the next send time it wants (ping: last + interval;
 * DAD: the plan's next offset); arping_clock_answered when a reply counts.
 */
struct arping_clock {
	uint64_t start_ns;
	uint64_t deadline_ns;    /* relative to start; 0: none */
	unsigned count;          /* requests to send; 0: until the deadline or a signal */
	uint64_t linger_ns;      /* after the last request, wait this long for replies */
	uint64_t settle_ns;      /* once the last request is answered, wait this much more
				  * for a second responder; UINT64_MAX: never stop early */
	bool stop_on_reply;      /* -f */

	unsigned sent;
	uint64_t next_send_ns;   /* absolute */
	uint64_t last_send_ns;
	uint64_t last_answered_ns; /* first answer to the latest request; 0: none yet */
	bool any_reply;
};

enum arping_step {
	ARPING_SEND,
	ARPING_WAIT,             /* until *wake_ns */
	ARPING_DONE,
};

void arping_clock_start(struct arping_clock *c, uint64_t now_ns, uint64_t first_send_ns);
enum arping_step arping_clock_step(const struct arping_clock *c, uint64_t now_ns,
				   uint64_t *wake_ns);
void arping_clock_sent(struct arping_clock *c, uint64_t now_ns, uint64_t next_send_ns);
void arping_clock_answered(struct arping_clock *c, uint64_t now_ns);

#endif
