/*
 * What the daemon holds: interfaces and their IPv4 addresses as rtnetlink reports
 * them, which addresses are due for an announcement and why. Additions are batched
 * into bursts (a failover adds hundreds of addresses within milliseconds; they go
 * out as one paced run), and re-announcements after a conflict are rate-limited per
 * address so two daemons that both believe they hold an address never fight.
 *
 * Pure bookkeeping, no I/O: the daemon feeds it parsed netlink messages and ARP
 * frames, asks when it next has work, and collects what is due.
 */
#ifndef ARPKIT_ADDRWATCH_H
#define ARPKIT_ADDRWATCH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "frame.h"
#include "netlink.h"

#define AW_MAX_WATCH 64

enum aw_reason {
	AW_REASON_NONE,
	AW_REASON_ADDED,      /* appeared (event or re-dump) */
	AW_REASON_LINK_UP,    /* its interface came up or regained carrier */
	AW_REASON_MAC_CHANGE, /* its interface changed MAC */
	AW_REASON_REFRESH,    /* --refresh */
	AW_REASON_CONFLICT,   /* another MAC claimed it */
};

struct aw_timing {
	uint64_t quiet_ns;             /* a burst ends this long after its last addition */
	uint64_t burst_max_ns;         /* ... or this long after its first, whichever is first */
	uint64_t conflict_holdoff_ns;  /* wait before answering a conflict (the other side
					* may be giving the address up right now) */
	uint64_t conflict_interval_ns; /* at most one conflict re-announcement per address */
	uint64_t refresh_ns;           /* re-announce everything this often; 0 = never */
};

void aw_timing_default(struct aw_timing *t);

struct aw_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	struct mac mac;
	bool has_mac;
	bool arp_capable;
	bool operational;  /* IFF_UP, IFF_RUNNING and carrier: frames can go out */
	bool watched;      /* ARP-capable and chosen (every one when no names are given) */
	unsigned held;     /* addresses held on it */
	uint64_t seen_gen;
};

struct aw_addr {
	int ifindex;               /* 0: free slot */
	struct in_addr addr;
	unsigned prefixlen;
	enum aw_reason reason;     /* why it is due; NONE when nothing is due */
	bool in_burst;             /* due when the current burst closes */
	uint64_t due_ns;           /* when not in a burst: earliest time to announce */
	uint64_t noticed_ns;       /* when the reason arose */
	uint64_t last_conflict_announce_ns;
	uint64_t last_conflict_report_ns;
	uint64_t conflicts;        /* frames from other MACs claiming it */
	uint64_t seen_gen;
};

/* What a link update changed (bits). */
enum aw_link_change {
	AW_LINK_NEW = 1 << 0,
	AW_LINK_UP = 1 << 1,         /* became operational */
	AW_LINK_DOWN = 1 << 2,       /* stopped being operational */
	AW_LINK_MAC = 1 << 3,        /* MAC changed */
	AW_LINK_WATCHED = 1 << 4,    /* now watched (new, renamed, or the list changed) */
	AW_LINK_UNWATCHED = 1 << 5,  /* no longer watched */
};

enum aw_conflict {
	AW_CONFLICT_NONE,    /* not an address of ours, or the frame came from us */
	AW_CONFLICT_NEW,     /* a conflict to report; the re-announcement is due at *when */
	AW_CONFLICT_REPEAT,  /* the same again within conflict_interval: already reported */
};

struct addrwatch {
	struct aw_timing timing;
	char watch[AW_MAX_WATCH][IF_NAMESIZE];
	unsigned watch_count;

	struct aw_iface *ifaces;
	size_t iface_count, iface_cap;

	struct aw_addr *slots;     /* open addressing on (ifindex, addr), linear probing */
	size_t slot_mask;          /* size - 1; size is a power of two */
	size_t addr_count;

	bool burst_open;
	uint64_t burst_first_ns, burst_last_ns;
	uint64_t next_refresh_ns;
	uint64_t gen;
};

/* An (interface, address) the daemon should announce now. */
struct aw_due {
	int ifindex;
	struct in_addr addr;
	enum aw_reason reason;
	uint64_t noticed_ns;
};

int aw_init(struct addrwatch *w, const struct aw_timing *timing, uint64_t now);
void aw_free(struct addrwatch *w);
void aw_set_timing(struct addrwatch *w, const struct aw_timing *timing, uint64_t now);

/*
 * Which interfaces to watch, by name (none: every ARP-capable one). Takes effect for
 * known interfaces at the next aw_rewatch. -E2BIG for more than AW_MAX_WATCH names,
 * -EINVAL for an empty name or one too long.
 */
int aw_set_watch(struct addrwatch *w, const char *const *names, unsigned count);
/* Re-evaluates every interface after aw_set_watch; fn gets each one whose watched
 * state changed, with AW_LINK_WATCHED or AW_LINK_UNWATCHED. Newly watched
 * interfaces have their addresses queued (reason ADDED). */
void aw_rewatch(struct addrwatch *w, uint64_t now,
		void (*fn)(const struct aw_iface *iface, unsigned change, void *ctx), void *ctx);

/* RTM_NEWLINK (event or dump): returns enum aw_link_change bits, or -ENOMEM.
 * Coming up or changing MAC queues every address of a watched interface. */
int aw_link_update(struct addrwatch *w, const struct nl_link *link, uint64_t now);
/* RTM_DELLINK: the interface and its addresses are forgotten. */
void aw_link_remove(struct addrwatch *w, int ifindex);

/* RTM_NEWADDR (event or dump): 1 when the address is new (queued in the burst), 0 when
 * already held or not of interest (host scope, not IPv4), -ENOMEM. */
int aw_addr_update(struct addrwatch *w, const struct nl_addr *addr, uint64_t now);
/* RTM_DELADDR: 1 when it was held, 0 if not. */
int aw_addr_remove(struct addrwatch *w, int ifindex, struct in_addr addr);

/*
 * Reconciliation after lost events: begin, feed the re-dumped links and addresses
 * through aw_link_update / aw_addr_update, end. What the dump did not show is
 * forgotten; gone(ifindex) is called for every interface that disappeared.
 */
void aw_reconcile_begin(struct addrwatch *w);
void aw_reconcile_end(struct addrwatch *w, void (*gone)(int ifindex, void *ctx), void *ctx);

/*
 * An ARP frame received on ifindex. A sender claiming an address held on that
 * interface from a MAC that is none of ours is a conflict: its re-announcement is
 * scheduled after the hold-off, and no sooner than conflict_interval after the
 * previous one; it is NEW (worth a log line) at most once per conflict_interval.
 * *held gets the address entry when not NONE, *when the re-announcement time.
 */
enum aw_conflict aw_on_arp(struct addrwatch *w, int ifindex, const struct arp_frame *frame,
			   uint64_t now, uint64_t *when, const struct aw_addr **held);

/* When there is next something due (UINT64_MAX: nothing). */
uint64_t aw_next_due(const struct addrwatch *w);
/*
 * Hands over everything due by now on operational, watched interfaces (up to max
 * entries; call again while it returns max) and clears it. Due addresses on an
 * interface that is down are dropped: coming up re-announces them anyway.
 */
size_t aw_collect_due(struct addrwatch *w, uint64_t now, struct aw_due *out, size_t max);

/* Queues one held address again, keeping when it was first noticed: at `due`, or in
 * the current burst when due is 0. 1 when queued, 0 when it is no longer held. */
int aw_queue_addr(struct addrwatch *w, int ifindex, struct in_addr addr, enum aw_reason reason,
		  uint64_t noticed_ns, uint64_t now, uint64_t due);
/* Is addr inside a subnet of an address held on ifindex? (On-link peers.) */
bool aw_on_link(const struct addrwatch *w, int ifindex, struct in_addr addr);

const struct aw_iface *aw_iface_find(const struct addrwatch *w, int ifindex);
const struct aw_addr *aw_addr_find(const struct addrwatch *w, int ifindex, struct in_addr addr);

const char *aw_reason_name(enum aw_reason reason);

#endif
