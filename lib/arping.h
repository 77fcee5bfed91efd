/*
 * The ping engine, for ARP (IPv4) and Neighbor Discovery (IPv6): who answers for an
 * address (every MAC, each reply with its round-trip time), is it free (duplicate
 * address detection: RFC 5227 for IPv4, RFC 4862 with RFC 7527's nonce for IPv6),
 * and the unsolicited frames iputils arping scripts send.
 *
 * Its parts are pure and tested one by one: which received frames count as replies
 * or as duplicate-address conflicts (arping_classify for ARP, arping_classify_ndp for
 * NDP), the bookkeeping of every responder (arping_tally), the DAD probe schedule
 * (arping_dad_plan), and the clock that says when to send and when to stop
 * (arping_clock). The run at the end puts them together as a state machine over one
 * borrowed link, for one address (ping) or several at once (audit asks for each
 * VIP): arping_run_step() sends what is due and says when it next wants to run,
 * arping_run_on_frame() takes what arrived, and arping_run_wait() does both in
 * lib/loop's wait.
 *
 * The addresses are family-tagged (struct ipaddr): only the frames built
 * (arping_run_frame says which) and the classification of what arrives depend on the
 * family; tally, plan, clock and run do not.
 */
#ifndef ARPKIT_ARPING_H
#define ARPKIT_ARPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "frame.h"
#include "link.h"
#include "loop.h"

/* RFC 5227 section 1.1 constants, in nanoseconds. */
#define ARPING_PROBE_WAIT_NS 1000000000ull    /* random delay before the first probe */
#define ARPING_PROBE_NUM 3
#define ARPING_PROBE_MIN_NS 1000000000ull     /* spacing between probes, at least */
#define ARPING_PROBE_MAX_NS 2000000000ull     /* and at most */
#define ARPING_ANNOUNCE_WAIT_NS 2000000000ull /* listen after the last probe */

/* RFC 4862 section 5.1 and RFC 4861 section 10 defaults for IPv6 DAD: one probe
 * (DupAddrDetectTransmits), and RetransTimer between probes and after the last. */
#define ARPING_NDP_DAD_TRANSMITS 1
#define ARPING_NDP_RETRANS_TIMER_NS 1000000000ull

#define ARPING_DAD_MAX_PROBES 100
#define ARPING_MAX_RESPONDERS 64

/* What this run is listening for. */
struct arping_match {
	struct ipaddr target;   /* the address asked about */
	struct ipaddr source;   /* our sender address in the requests (0.0.0.0 allowed) */
	struct mac self;        /* our interface's MAC */
	bool dad;               /* duplicate address detection rules */
	uint8_t nonce[NDP_NONCE_LEN]; /* DAD over NDP: the nonce our probes carry */
};

enum arping_verdict {
	ARPING_IGNORE,          /* not about this run */
	ARPING_REPLY,           /* a genuine reply: ARP reply or solicited NA, from TARGET,
				 * addressed to us */
	ARPING_CLAIM,           /* DAD: another MAC uses TARGET (ARP from it, an NA for it) */
	ARPING_RIVAL_PROBE,     /* DAD: another node probes for TARGET at the same time */
};

/*
 * Classify a decoded ARP frame. Ping: a reply whose sender IP is TARGET, whose
 * target IP and MAC are ours, sent to our MAC or broadcast. DAD (RFC 5227 2.1.1):
 * any request or reply whose sender IP is TARGET, or a probe (sender IP 0.0.0.0)
 * for TARGET, from a MAC that is not ours. Frames from our own MAC never count.
 */
enum arping_verdict arping_classify(const struct arping_match *m, const struct arp_frame *f);

/*
 * Classify a decoded Neighbor Discovery message (ndp_decode has checked it: hop limit
 * 255, checksum, RFC 4861's validity rules). Tagged frames never count.
 * Ping: a Neighbor Advertisement for TARGET with the Solicited flag, sent to our
 * source address at our MAC, not from our MAC (every holder answers our solicitation
 * so; an unsolicited NA answers nothing).
 * DAD (RFC 4862 5.4.3, 5.4.4, RFC 7527): any NA for TARGET is a claim; so is a
 * solicitation from TARGET (someone uses it, as RFC 5227 counts ARP from it); a
 * solicitation for TARGET from :: is a rival probe unless it carries our nonce (then
 * it is our own probe looped back: a switch or a second port reflecting it). The
 * nonce decides, not the MAC: a clone with our MAC probing for TARGET is a rival.
 * A solicitation for TARGET from a unicast address is someone resolving it: not a
 * conflict (RFC 4862 5.4.3).
 */
enum arping_verdict arping_classify_ndp(const struct arping_match *m, const struct ndp_msg *f);
/* The MAC a Neighbor Discovery message speaks for, as a neighbour would learn it: its
 * link-layer option (target for an NA, source for the others), else the Ethernet
 * source. */
struct mac arping_ndp_sender(const struct ndp_msg *f);

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
 * When to send and when to stop. The run sends when told ARPING_SEND, then calls
 * arping_clock_sent with the next send time it wants (ping: last + interval; DAD:
 * the plan's next offset); arping_clock_answered when the latest frame is answered.
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

/* ---- The run: the parts above over one borrowed link ---- */

enum arping_mode {
	ARPING_MODE_PING,                /* ask "who has TARGET" from SOURCE; count replies */
	ARPING_MODE_DAD,                 /* probes from the unspecified address */
	ARPING_MODE_UNSOLICITED_REQUEST, /* iputils -U: the request form (see arping_frame) */
	ARPING_MODE_UNSOLICITED_REPLY,   /* iputils -A: the reply form */
};

/* The frame a run sends for an address, by mode and family. */
enum arping_frame {
	ARPING_FRAME_ARP_REQUEST,    /* ping, -U: "who-has TARGET tell SOURCE", broadcast */
	ARPING_FRAME_ARP_PROBE,      /* DAD: "who-has TARGET tell 0.0.0.0" (RFC 5227) */
	ARPING_FRAME_ARP_REPLY,      /* -A: "SOURCE is-at our MAC", target IP TARGET, target
				      * MAC ours (RFC 5944), broadcast */
	ARPING_FRAME_NS,             /* ping; -U with SOURCE != TARGET: NS for TARGET from
				      * SOURCE with our MAC in the source link-layer option,
				      * to TARGET's solicited-node group */
	ARPING_FRAME_DAD_NS,         /* DAD: NS for TARGET from ::, to its solicited-node
				      * group, no link-layer option, our nonce (RFC 7527) */
	ARPING_FRAME_UNSOLICITED_NA, /* -A; -U with SOURCE == TARGET (IPv6 has one
				      * gratuitous form): NA for SOURCE to ff02::1 with our
				      * MAC in the target link-layer option, cfg.na_flags */
};

#define ARPING_MIN_LINGER_NS 1000000000ull /* the last frame gets at least this long */
#define ARPING_SETTLE_NS 100000000ull      /* after an answer, time for a second responder */
#define ARPING_MAX_TARGETS 256

struct arping_config {
	enum arping_mode mode;
	unsigned count;         /* frames to send (DAD: probes, default ARPING_PROBE_NUM for
				 * ARP, ARPING_NDP_DAD_TRANSMITS for NDP); 0: until the
				 * deadline or a stop */
	uint64_t interval_ns;   /* between frames; DAD: 0 for the family's RFC schedule (ARP:
				 * RFC 5227's random spacing; NDP: RetransTimer) */
	uint64_t deadline_ns;   /* from the start; 0: none (DAD: compresses the plan) */
	/* After the last frame, listen this long at most; 0: the mode's default (one
	 * interval, at least ARPING_MIN_LINGER_NS; DAD: the plan's listening). Once
	 * every address answered the last frame, the run stops ARPING_SETTLE_NS later
	 * (or one interval, if shorter), unless full_linger: then it listens to the end
	 * (DAD always does). */
	uint64_t linger_ns;
	bool full_linger;
	bool stop_on_reply;     /* -f: the first reply ends the run */
	uint32_t draws[ARPING_DAD_MAX_PROBES]; /* ARP DAD with interval 0: uniform random values */
	uint8_t nonce[NDP_NONCE_LEN]; /* NDP DAD: random bytes every probe carries (RFC 7527) */
	uint8_t na_flags;       /* unsolicited NA: NDP_NA_OVERRIDE (the default; clear it for
				 * an optimistic address, RFC 4429), NDP_NA_ROUTER when the
				 * interface forwards (a router's NA without it makes
				 * neighbours drop it as a router, RFC 4861 7.2.5) */
	/* The time after a frame left the send call, which RTTs start from; NULL:
	 * now_ns. Tests pass their own clock. */
	uint64_t (*clock)(void);
};

/* Every field zero except mode, an interval of one second and na_flags Override. */
void arping_config_default(struct arping_config *cfg, enum arping_mode mode);

/* What the run learnt about one address: every responder, and for DAD the first
 * frame that showed the address in use. */
struct arping_dad_outcome {
	bool conflict;
	enum arping_verdict kind;   /* ARPING_CLAIM or ARPING_RIVAL_PROBE */
	struct mac mac;
	unsigned seq;               /* the probe it came after (0: before the first) */
};

struct arping_target {
	struct ipaddr addr;         /* asked about */
	struct ipaddr source;       /* our sender address in its frames (DAD: unspecified) */
	struct arping_tally tally;  /* tally.sent: frames sent for it */
	struct arping_dad_outcome dad;
	unsigned answered_seq;      /* the latest frame it answered; 0: none yet */
};

/* One frame that counted, as it arrives (for output as it happens). */
struct arping_event {
	unsigned target;            /* index into arping_run_targets */
	enum arping_verdict verdict; /* ARPING_REPLY, or for DAD ARPING_CLAIM / RIVAL_PROBE */
	struct mac mac;             /* who sent it */
	unsigned seq;               /* frames sent when it came: the one it answers */
	uint64_t rtt_ns;            /* since that frame left; 0 before the first */
	bool conflict;              /* DAD: always; else from a MAC other than the first
				     * responder's */
	struct mac first;           /* the first responder's MAC (conflict: who answered first) */
};

typedef void arping_observer(void *ctx, const struct arping_event *event);

/* How one address came out, for the exit status and the verdict line. */
enum arping_outcome {
	ARPING_ANSWERED, /* ping: a reply came */
	ARPING_SILENT,   /* ping: no reply */
	ARPING_FREE,     /* DAD: the whole schedule passed in silence */
	ARPING_IN_USE,   /* DAD: another MAC answered, claimed or probed for it */
	ARPING_UNKNOWN,  /* DAD: stopped before the end with nothing seen: not known free */
	ARPING_SENT,     /* -U/-A: the frames went out (replies are extra) */
};

struct arping_summary {
	unsigned sent;           /* frames per address */
	uint64_t elapsed_ns;     /* start to finish */
	bool interrupted;        /* stopped by a signal before the run was done */
};

struct arping_run;

/* A run over link (borrowed, open with LINK_FILTER_ARP for IPv4 addresses,
 * LINK_FILTER_NDP for IPv6 ones; its MAC is ours). 0, -EINVAL (a config no run can
 * follow: DAD with more than ARPING_DAD_MAX_PROBES probes, a zero interval where
 * one is needed) or -ENOMEM. */
int arping_run_create(struct arping_run **run, const struct arping_config *cfg,
		      struct link *link);
/* An address to ask about, and the source to ask from (DAD: ignored, always the
 * unspecified address). Before the start; the same address twice counts once. A run
 * speaks the family of its first address (IPv4: ARP, IPv6: Neighbor Discovery). 0,
 * -EAFNOSUPPORT (neither family), -EINVAL (source and address of different
 * families, or an address of another family than the run's), -ENOSPC
 * (ARPING_MAX_TARGETS) or -ENOMEM. */
int arping_run_add(struct arping_run *run, const struct ipaddr *addr,
		   const struct ipaddr *source);
/*
 * Joins, on the link, the multicast groups the run must hear (link_join_multicast):
 * for IPv6 DAD the all-nodes group (where answers to a probe from :: go) and each
 * address's solicited-node group (where a rival's probes go), which a NIC would
 * otherwise filter out unless this host's stack happens to listen there. ARP and the
 * other modes need none. After the addresses are added; 0 or -errno.
 */
int arping_run_join(struct arping_run *run);
/* Called for every frame that counts, from arping_run_on_frame. */
void arping_run_observe(struct arping_run *run, arping_observer *observer, void *ctx);
/* Plans the frames (DAD: the RFC 5227 schedule from cfg.draws for ARP; for NDP the
 * probes RetransTimer, or the interval, apart). 0, -EINVAL (no address) or -ENOMEM. */
int arping_run_start(struct arping_run *run, uint64_t now);
/* Sends what is due by now; *wake is when to call again. 0 or -errno (a send failed). */
int arping_run_step(struct arping_run *run, uint64_t now, uint64_t *wake);
void arping_run_on_frame(struct arping_run *run, const struct link_rx_frame *frame);
/* The schedule ran out, -f saw its reply, or DAD found every address in use. */
bool arping_run_done(const struct arping_run *run);
/* Records the end (elapsed time, and whether a stop cut the run short). */
void arping_run_finish(struct arping_run *run, uint64_t now, bool interrupted);
/* Blocking convenience: step and read the link in loop_wait until done or until
 * stop is raised (at once, also when the signal lands just before the wait); then
 * arping_run_finish. stop may be NULL. 0 or -errno. */
int arping_run_wait(struct arping_run *run, const struct loop_stop *stop);

const struct arping_target *arping_run_targets(const struct arping_run *run, size_t *count);
/* The frame the run sends for target. */
enum arping_frame arping_run_frame(const struct arping_run *run,
				   const struct arping_target *target);
const struct arping_summary *arping_run_summary(const struct arping_run *run);
/* The DAD schedule the run follows (probes, offsets, end); zero outside DAD. */
const struct arping_dad_plan *arping_run_plan(const struct arping_run *run);
enum arping_outcome arping_run_outcome(const struct arping_run *run,
				       const struct arping_target *target);
/* More than one MAC for this address (DAD: anyone at all). */
bool arping_target_conflict(const struct arping_run *run, const struct arping_target *target);
void arping_run_free(struct arping_run *run);

#endif
