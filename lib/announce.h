/*
 * The announce engine: probe for another holder (RFC 5227), announce each address
 * (gratuitous request and/or reply), ask each peer directly ("who-has PEER tell
 * ADDRESS", which even gratuitous-ARP-deaf devices learn from), then prove it: an
 * ICMP echo from the address to the peer whose reply must come back to our MAC.
 *
 * It is a state machine over borrowed links, so the one-shot command and the daemon
 * drive the same code from their own poll loops: announce_run_step() sends what is
 * due and says when it next wants to run, announce_run_on_frame() takes what arrived.
 *
 * A round is a sequence of roles, not of ARP frames: the gratuitous forms, then per
 * peer "ask" and "prove". Only the frame makers are ARP's, so Neighbor Discovery
 * (unsolicited NA, directed NS, ICMPv6 echo) can take the same rounds.
 */
#ifndef ARPKIT_ANNOUNCE_H
#define ARPKIT_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "link.h"
#include "loop.h"

enum announce_form {
	ANNOUNCE_FORM_REQUEST = 1 << 0,
	ANNOUNCE_FORM_REPLY = 1 << 1,
	ANNOUNCE_FORM_BOTH = ANNOUNCE_FORM_REQUEST | ANNOUNCE_FORM_REPLY,
};

/* Target hardware address of the gratuitous request (bits). RFC 5227 (2.1.1, 2.3)
 * sets zeros; keepalived, Pacemaker's send_arp and arping -U set the broadcast
 * address, and some devices update their cache only for one of the two. */
enum announce_tha {
	ANNOUNCE_THA_ZERO = 1 << 0,
	ANNOUNCE_THA_BROADCAST = 1 << 1,
	ANNOUNCE_THA_BOTH = ANNOUNCE_THA_ZERO | ANNOUNCE_THA_BROADCAST,
};

/* What became of one address. Names (announce_result_name) are shared by the
 * command, the daemon and their JSON; new results are added at the end. */
enum announce_result {
	ANNOUNCE_PENDING,
	ANNOUNCE_CONFIRMED,   /* every peer's echo reply came back to us */
	ANNOUNCE_UNCONFIRMED, /* a peer answered ARP, but its echo reply never reached us */
	ANNOUNCE_PEER_SILENT, /* a peer never answered ARP at all */
	ANNOUNCE_SENT,        /* announced with verification turned off (cfg.verify false) */
	ANNOUNCE_UNVERIFIED,  /* verification asked for, but no peer to verify through */
};
#define ANNOUNCE_RESULT_COUNT (ANNOUNCE_UNVERIFIED + 1)

#define ANNOUNCE_MAX_CONFLICTS 4

struct announce_config {
	unsigned form;            /* enum announce_form bits */
	unsigned rounds;          /* >= 1 */
	uint64_t interval_ns;     /* between rounds */
	bool doubling;            /* interval doubles after each round */
	uint64_t rate;            /* frames per second over all links, 0 = unlimited */
	bool probe;               /* RFC 5227 probe before announcing */
	uint64_t probe_wait_ns;   /* how long to listen after the last probe */
	bool verify;              /* echo through each peer */
	uint64_t final_wait_ns;   /* after the last round, for late replies */
	uint16_t echo_ident;      /* ICMP identifier of this run */
	unsigned request_tha;     /* enum announce_tha bits; 0 counts as ANNOUNCE_THA_ZERO */
	bool every_round;         /* send all rounds even to confirmed addresses (proof still
				   * ends their echoes); else an address stops once confirmed */
};

/* Defaults for the command line and the daemon. */
void announce_config_default(struct announce_config *cfg);

struct announce_iface {
	struct link *link;        /* borrowed, open, filter LINK_FILTER_ARP_ICMP */
	const struct in_addr *peers;
	unsigned peer_count;
	int vlan;                 /* VLAN_NONE normally */
};

struct announce_peer {
	struct in_addr peer;
	struct mac peer_mac;
	bool arp_answered;
	bool confirmed;
	uint64_t echo_sent_ns;
	uint64_t rtt_ns;
	unsigned echoes_sent;     /* echo requests sent to this peer for this address */
};

/* What one peer did for one address, from the fields above. */
enum announce_peer_state {
	ANNOUNCE_PEER_NO_ANSWER,     /* never answered ARP */
	ANNOUNCE_PEER_ANSWERED,      /* answered ARP; no echo was sent (verification off) */
	ANNOUNCE_PEER_NO_ECHO_REPLY, /* answered ARP; echoes went out, no reply came back */
	ANNOUNCE_PEER_CONFIRMED,     /* its echo reply came back to our MAC */
};

enum announce_peer_state announce_peer_state(const struct announce_peer *peer);
/* "silent", "answered", "no-echo-reply", "confirmed". */
const char *announce_peer_state_name(enum announce_peer_state state);

struct announce_target {
	struct in_addr addr;
	unsigned iface;
	enum announce_result result;
	uint64_t elapsed_ns;      /* start of the run until confirmed or final */
	unsigned conflict_count;
	struct mac conflict_macs[ANNOUNCE_MAX_CONFLICTS];
	unsigned peer_count;
	struct announce_peer *peers;
};

struct announce_counters {
	uint64_t frames_sent;
	uint64_t probes, announcements, directed_requests, echoes;
};

/* The results of a run counted by kind. */
struct announce_tally {
	size_t total;
	size_t by_result[ANNOUNCE_RESULT_COUNT];
	size_t in_conflict;       /* addresses another MAC claimed (any result) */
};

struct announce_run;

int announce_run_create(struct announce_run **run, const struct announce_config *cfg,
			const struct announce_iface *ifaces, unsigned iface_count);
/* Add before start; the same (iface, addr) twice counts once (repeats are dropped
 * at start). 0, -EINVAL (no such iface) or -ENOMEM. */
int announce_run_add(struct announce_run *run, unsigned iface, struct in_addr addr);
/* 0, or -ENOMEM: without memory no reply could be matched, so the run does not
 * start (it is done, with every target still pending); free it. */
int announce_run_start(struct announce_run *run, uint64_t now);
/* Send what is due by `now`; *next is when to call again. 0 or -errno (send failed). */
int announce_run_step(struct announce_run *run, uint64_t now, uint64_t *next);
void announce_run_on_frame(struct announce_run *run, unsigned iface,
			   const struct link_rx_frame *frame);
bool announce_run_done(const struct announce_run *run);
/* Blocking convenience: step and read the links in loop_wait until done, or until
 * stop is raised (at once, also when the signal lands just before the wait); stop
 * may be NULL. 0 or -errno. */
int announce_run_wait(struct announce_run *run, const struct loop_stop *stop);

const struct announce_target *announce_run_targets(const struct announce_run *run, size_t *count);
const struct announce_counters *announce_run_counters(const struct announce_run *run);
void announce_run_free(struct announce_run *run);

void announce_run_tally(const struct announce_run *run, struct announce_tally *tally);

/* "confirmed", "unconfirmed", "peer-silent", "sent", "unverified" ("pending"). */
const char *announce_result_name(enum announce_result result);
/* A negative answer: the address is not proven although proof was asked for
 * (unconfirmed, peer-silent, unverified, or still pending). confirmed and sent
 * (verification off) are not. A conflict is negative whatever the result. */
bool announce_result_is_negative(enum announce_result result);
/* Negative results plus addresses in conflict: the command's exit status 1. */
bool announce_tally_is_negative(const struct announce_tally *tally);

#endif
