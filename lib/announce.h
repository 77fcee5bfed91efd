/*
 * The announce engine: probe for another holder, announce each address, ask each peer
 * directly (which even devices deaf to unsolicited announcements learn from), then
 * prove it: an echo from the address to the peer whose reply must come back to our MAC.
 *
 * It is a state machine over borrowed links, so the one-shot command and the daemon
 * drive the same code from their own poll loops: announce_run_step() sends what is
 * due and says when it next wants to run, announce_run_on_frame() takes what arrived.
 *
 * A round is a sequence of roles, not of frames: the gratuitous forms, then per peer
 * "ask" and "prove". Each family fills the roles with its own frames, and one run
 * may hold addresses of both on one link:
 *
 *   role        IPv4 (ARP, RFC 5227)                  IPv6 (NDP, RFC 4861/4862)
 *   probe       who-has ADDR tell 0.0.0.0             NS for ADDR from :: to its
 *                                                     solicited-node group (DAD form)
 *   gratuitous  who-has ADDR tell ADDR (request,      unsolicited NA for ADDR to ff02::1,
 *               target hardware zero/broadcast);      target link-layer option, Override
 *               ADDR is-at MAC (reply)                (not for an optimistic address),
 *                                                     Router when the link forwards
 *   ask         who-has PEER tell ADDR                NS for PEER from ADDR with the
 *                                                     source link-layer option
 *   prove       ICMP echo ADDR -> PEER                ICMPv6 echo ADDR -> PEER
 *
 * A conflict is another MAC that answers the probe or speaks from the address: an
 * ARP frame from it, or an NA for it, an NS from it, or a DAD probe for it while we
 * probe. An IPv6 address the kernel is still running DAD for (tentative) is waited
 * for and never announced meanwhile; one whose DAD failed is a conflict and is only
 * probed (to name the other holder), never announced.
 */
#ifndef ARPKIT_ANNOUNCE_H
#define ARPKIT_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "link.h"
#include "loop.h"
#include "netlink.h"

/* The gratuitous forms. IPv6 has one, the unsolicited NA, sent with
 * ANNOUNCE_FORM_REPLY (an advertisement, like ARP's is-at); ANNOUNCE_FORM_REQUEST
 * alone sends no NA, so peers learn the address from the "ask" solicitation only.
 * The Solicited flag is never set: on an NA to ff02::1 it is invalid (RFC 4861
 * 7.1.2, receivers drop it), and on one sent to a peer unasked it would make the
 * peer take an entry for confirmed reachable (7.2.5) that nothing confirmed. */
enum announce_form {
	ANNOUNCE_FORM_REQUEST = 1 << 0,
	ANNOUNCE_FORM_REPLY = 1 << 1,
	ANNOUNCE_FORM_BOTH = ANNOUNCE_FORM_REQUEST | ANNOUNCE_FORM_REPLY,
};

/* Target hardware address of the gratuitous request (bits). RFC 5227 (2.1.1, 2.3)
 * sets zeros; keepalived, Pacemaker's send_arp and arping -U set the broadcast
 * address, and some devices update their cache only for one of the two. ARP only:
 * an NA's target link-layer option always carries the link's MAC. */
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
	ANNOUNCE_TENTATIVE,   /* IPv6: DAD still running when the wait ended; not announced */
	ANNOUNCE_DAD_FAILED,  /* IPv6: the kernel's DAD found another holder; not announced
			       * (a conflict, with the holder's MAC if it answered the probe) */
};
#define ANNOUNCE_RESULT_COUNT (ANNOUNCE_DAD_FAILED + 1)

/* What an address is good for when added, from the kernel's flags
 * (announce_addr_state_of). IPv4 addresses are always ANNOUNCE_ADDR_READY. */
enum announce_addr_state {
	ANNOUNCE_ADDR_READY,      /* usable: announced (an NA with the Override flag) */
	ANNOUNCE_ADDR_OPTIMISTIC, /* RFC 4429: usable while DAD runs; NA without Override */
	ANNOUNCE_ADDR_TENTATIVE,  /* DAD running: waited for (cfg.dad_wait_ns), not announced */
	ANNOUNCE_ADDR_DADFAILED,  /* DAD failed: a conflict, probed but never announced */
};

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
	uint64_t dad_wait_ns;     /* how long tentative addresses are waited for, from start;
				   * nothing is probed or announced until none is left */
};

/* Defaults for the command line and the daemon. */
void announce_config_default(struct announce_config *cfg);

/* The link's filter passes what its addresses need: LINK_FILTER_ARP_ICMP for IPv4,
 * LINK_FILTER_NDP_ECHO for IPv6, LINK_FILTER_ARP_NDP_ECHO for both. */
struct announce_iface {
	struct link *link;        /* borrowed, open */
	const struct in_addr *peers;     /* the IPv4 addresses' peers */
	unsigned peer_count;
	int vlan;                 /* VLAN_NONE normally */
	const struct in6_addr *peers6;   /* the IPv6 addresses' peers (link-local ones mean
					  * this link); zero-filled: none */
	unsigned peer6_count;
	bool ipv6_router;         /* the link forwards IPv6: NAs carry the Router flag */
};

struct announce_peer {
	struct in_addr peer;      /* IPv4 peers; zero for an IPv6 one */
	struct mac peer_mac;
	bool arp_answered;        /* it answered the ask: an ARP reply, or for IPv6 an NA */
	bool confirmed;
	uint64_t echo_sent_ns;
	uint64_t rtt_ns;
	unsigned echoes_sent;     /* echo requests sent to this peer for this address */
	struct ipaddr ip;         /* the peer, either family */
};

/* What one peer did for one address, from the fields above. */
enum announce_peer_state {
	ANNOUNCE_PEER_NO_ANSWER,     /* never answered the ask (ARP, or NS) */
	ANNOUNCE_PEER_ANSWERED,      /* answered; no echo was sent (verification off) */
	ANNOUNCE_PEER_NO_ECHO_REPLY, /* answered; echoes went out, no reply came back */
	ANNOUNCE_PEER_CONFIRMED,     /* its echo reply came back to our MAC */
};

enum announce_peer_state announce_peer_state(const struct announce_peer *peer);
/* "silent", "answered", "no-echo-reply", "confirmed". */
const char *announce_peer_state_name(enum announce_peer_state state);

struct announce_target {
	struct in_addr addr;      /* IPv4 addresses (ip.v4); zero for an IPv6 one */
	unsigned iface;
	enum announce_result result;
	uint64_t elapsed_ns;      /* start of the run until confirmed or final */
	unsigned conflict_count;
	struct mac conflict_macs[ANNOUNCE_MAX_CONFLICTS];
	unsigned peer_count;
	struct announce_peer *peers;
	struct ipaddr ip;         /* the address, either family */
	enum announce_addr_state state; /* as added, then as the kernel changed it */
	uint64_t dad_wait_ns;     /* how long it was waited for (tentative when added), else 0 */
};

struct announce_counters {
	uint64_t frames_sent;
	uint64_t probes, announcements, directed_requests, echoes;
};

/* The results of a run counted by kind. */
struct announce_tally {
	size_t total;
	size_t by_result[ANNOUNCE_RESULT_COUNT];
	size_t in_conflict;       /* addresses another MAC claimed (any result), and those
				   * whose DAD failed */
};

struct announce_run;

int announce_run_create(struct announce_run **run, const struct announce_config *cfg,
			const struct announce_iface *ifaces, unsigned iface_count);
/* Add before start; the same (iface, addr) twice counts once (repeats are dropped
 * at start). 0, -EINVAL (no such iface) or -ENOMEM. An IPv4 address, ready. */
int announce_run_add(struct announce_run *run, unsigned iface, struct in_addr addr);
/* The same for an address of either family in the state the kernel gives it;
 * -EINVAL also for an address of neither family. It takes the iface's peers of its
 * family (peers or peers6). */
int announce_run_add_ip(struct announce_run *run, unsigned iface, const struct ipaddr *addr,
			enum announce_addr_state state);
/*
 * After start: the kernel says an address changed state (a NEWADDR event: DAD
 * completed, READY or OPTIMISTIC; or failed, DADFAILED). Taken while the run waits
 * for tentative addresses; later changes are ignored (0). 0, or -ENOENT when
 * (iface, addr) is not a target.
 */
int announce_run_addr_state(struct announce_run *run, unsigned iface, const struct ipaddr *addr,
			    enum announce_addr_state state, uint64_t now);
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

/* A descriptor the blocking wait serves beside the links: the caller's netlink
 * event socket, say, whose address events it turns into announce_run_addr_state. */
struct announce_watch {
	int fd;
	void (*on_readable)(void *ctx, struct announce_run *run, uint64_t now);
	void *ctx;
};
/* announce_run_wait, also calling watch->on_readable when watch->fd is readable
 * (watch NULL: announce_run_wait). */
int announce_run_wait_watch(struct announce_run *run, const struct loop_stop *stop,
			    const struct announce_watch *watch);

const struct announce_target *announce_run_targets(const struct announce_run *run, size_t *count);
const struct announce_counters *announce_run_counters(const struct announce_run *run);
void announce_run_free(struct announce_run *run);

void announce_run_tally(const struct announce_run *run, struct announce_tally *tally);

/* "confirmed", "unconfirmed", "peer-silent", "sent", "unverified", "tentative",
 * "dad-failed" ("pending"). */
const char *announce_result_name(enum announce_result result);
/* A negative answer: the address is not proven although proof was asked for
 * (unconfirmed, peer-silent, unverified, tentative, dad-failed, or still pending).
 * confirmed and sent (verification off) are not. A conflict is negative whatever
 * the result. */
bool announce_result_is_negative(enum announce_result result);
/* Negative results plus addresses in conflict: the command's exit status 1. */
bool announce_tally_is_negative(const struct announce_tally *tally);

/* The engine's state for an address record: nl_addr_state's DADFAILED and TENTATIVE,
 * OPTIMISTIC when the kernel flags the address so (also when deprecated), else READY. */
enum announce_addr_state announce_addr_state_of(const struct nl_addr *addr);

#endif
