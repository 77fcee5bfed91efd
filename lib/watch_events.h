/*
 * The watcher's brain: a station table (IPv4 address + VLAN + interface -> MAC) kept in
 * memory, and the rules that turn each decoded frame into events. No I/O and no
 * allocation per frame (amortised), so live capture, offline files and unit tests drive
 * the same code with the same results: feed frames with their timestamps, and events
 * come back through the callback given at creation.
 *
 * Every per-frame path costs O(1) amortised whatever the frames say: the tables are
 * hashed with a secret per-process key, the stale-cache rate limit lives in a table of
 * fixed size whose live entries are never evicted, and the sender of a stale frame is
 * found through an index of MACs, not by a scan.
 *
 * When each event fires (the man page repeats these rules for administrators). W is the
 * conflict window, the holder H is the MAC the table gives for (IP, VLAN, interface):
 *  - A claim is an ARP request or reply whose sender IP is not 0.0.0.0. A *strong*
 *    claim answers for the address (a reply, or an announcement: sender IP = target
 *    IP); a *weak* claim is an ordinary request, which only uses the address as its
 *    source. Probes (sender 0.0.0.0) claim nothing.
 *  - new-station: a claim for an address the table does not hold.
 *  - Strong claim by M != H:
 *     - conflict at once when M's reply answers the same asker (target IP) as H's own
 *       reply no longer than W before: two MACs answered one question.
 *     - else, when H claimed no longer than W before, M becomes the holder at once but
 *       the verdict is provisional for W: if H claims again before M's claim + W, both
 *       keep claiming and it is a conflict (naming both); otherwise, when the window
 *       closes, a changed-mac or flip-flop dated at M's claim.
 *     - else at once: flip-flop when M is the MAC the address had just before H and H
 *       took over no longer than flip_flop_window before; otherwise changed-mac.
 *  - Weak claim by X != H (X is suspected of leaking): provisional for W, H stays the
 *    holder. arp-leak (naming X and H) as soon as H claims the address again, or when
 *    the window closes if any frame from H was seen no longer than W before X's
 *    request or since (H is alive); the move (changed-mac/flip-flop dated at X's
 *    request) as soon as X answers for or announces the address, or when the window
 *    closes with H silent from W before the request to W after it (H is gone). A
 *    MAC that took an address by requests alone has not shown it answers for it:
 *    until it does, an answer or announcement from the MAC it took it from is an
 *    arp-leak and gives the address back, not a flip-flop. After an arp-leak, further
 *    requests from the same leaker are leaks at once (reported once a minute).
 *  - A conflict lasts while both MACs claim within W of each other; it is reported
 *    once per W (repeats counted); the table does not change during it. When one of
 *    the two stays silent for W, it is over (a claim from the other after that is an
 *    ordinary claim).
 *  - A third MAC claiming while a verdict is provisional closes that verdict at once
 *    with what is known, then its own claim is judged.
 *  - gratuitous: a claim with sender IP = target IP, or a reply sent to broadcast.
 *    Repeats from the same MAC less than WATCH_GARP_REPEAT_NS after its previous claim
 *    are counted, not reported.
 *  - bogon: a new-station or move whose IP lies outside every subnet set for the
 *    interface (only when subnets were set for it).
 *  - ether-mismatch: Ethernet source differs from the ARP sender MAC (the claim still
 *    counts, with the ARP sender MAC).
 *  - stale-cache: an IPv4 frame to IP X sent to the unicast MAC that held X just before
 *    the current holder, by a sender other than the holder, while no verdict on X is
 *    provisional and X is not in conflict. Once per (X, sender MAC) per
 *    WATCH_STALE_REPEAT_NS while the rate-limit table has room for the pair.
 *  - stale-cache-cleared: an IPv4 frame to X sent to the holder's MAC by a sender that
 *    was reported stale for X and is still remembered: the story closes.
 */
#ifndef ARPKIT_WATCH_EVENTS_H
#define ARPKIT_WATCH_EVENTS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum watch_event_kind {
	WATCH_NEW_STATION,
	WATCH_CHANGED_MAC,
	WATCH_FLIP_FLOP,
	WATCH_CONFLICT,
	WATCH_GRATUITOUS,
	WATCH_BOGON,
	WATCH_ETHER_MISMATCH,
	WATCH_STALE_CACHE,
	WATCH_ARP_LEAK,
	WATCH_STALE_CLEARED,
	WATCH_EVENT_KINDS,
};

/* Events one frame can give of its own (provisional verdicts closed by it come on top). */
#define WATCH_MAX_EVENTS_PER_FRAME 8
#define WATCH_MAX_IFACES 255
#define WATCH_GARP_REPEAT_NS (2ull * 1000000000ull)
#define WATCH_STALE_REPEAT_NS (60ull * 1000000000ull) /* also for a known leaker */
#define WATCH_STALE_TRACKED 16384 /* (address, sender) pairs the stale-cache limit remembers */

struct watch_config {
	uint64_t flip_flop_window_ns; /* default 10 min */
	uint64_t conflict_window_ns;  /* default 2 s */
	size_t max_stations;          /* claims for new addresses beyond this are counted */
	uint64_t hash_key;            /* 0: a random key per engine */
};

struct watch_event {
	enum watch_event_kind kind;
	uint64_t time_ns;        /* the frame the event is about, ns since the epoch */
	struct in_addr ip;       /* the address concerned */
	struct mac mac;          /* the claimant; stale-cache(-cleared): the holder;
				  * arp-leak: the leaking MAC */
	struct mac old_mac;      /* changed-mac/flip-flop: the previous holder;
				  * conflict: the other MAC claiming it;
				  * arp-leak: the MAC that answers for the address;
				  * stale-cache(-cleared): the MAC the sender used */
	bool has_old_mac;
	unsigned iface;
	int vlan;                /* VLAN_NONE or the VID */
	uint64_t age_ns;         /* changed-mac: how long old_mac held the address;
				  * flip-flop: how long mac's rival held it;
				  * conflict: time since old_mac's last claim;
				  * arp-leak: time since old_mac last claimed it;
				  * stale-cache-cleared: time since the first stale report */
	uint16_t arp_op;         /* the frame's ARP operation (0 for stale-cache) */
	struct mac sender_mac;   /* stale-cache(-cleared): the neighbour;
				  * ether-mismatch: the Ethernet source */
	struct in_addr sender_ip;
	bool has_sender_ip;      /* stale-cache(-cleared): the sender's IP is known */
};

typedef void (*watch_event_fn)(void *ctx, const struct watch_event *e);

struct watch_counters {
	uint64_t frames;         /* every frame fed */
	uint64_t arp;            /* decoded ARP frames */
	uint64_t ipv4;           /* IPv4 frames examined for stale caches */
	uint64_t malformed;      /* truncated or inconsistent ARP/IPv4 frames */
	uint64_t other;          /* neither ARP nor IPv4 (or ARP for other protocols) */
	uint64_t probes;         /* ARP probes (sender 0.0.0.0): claim nothing */
	uint64_t table_full;     /* claims for new addresses dropped at max_stations */
	uint64_t events[WATCH_EVENT_KINDS];
	uint64_t repeats[WATCH_EVENT_KINDS]; /* detected but not reported again (rate limits) */
};

struct watch_subnet {
	struct in_addr net;
	unsigned prefixlen;
};

/* A station as persisted: what the database stores and restores. */
struct watch_station_record {
	struct in_addr ip;
	int vlan;
	unsigned iface;
	struct mac mac;
	struct mac prev_mac;
	bool has_prev;
	uint32_t first_seen;     /* unix seconds */
	uint32_t last_seen;
	uint64_t mac_since_ns;   /* when mac took over */
};

struct watch;

void watch_config_default(struct watch_config *cfg);
/* fn gets every event, in order; it must not call back into the engine. */
int watch_create(struct watch **out, const struct watch_config *cfg, watch_event_fn fn,
		 void *ctx);
void watch_free(struct watch *w);

/* The index of interface `name`, added when new: >= 0, or -ENOSPC / -EINVAL. */
int watch_iface(struct watch *w, const char *name);
/* The index of `name` if known, else -ENOENT (never adds one). */
int watch_iface_find(const struct watch *w, const char *name);
const char *watch_iface_name(const struct watch *w, unsigned iface);
/* Enables the bogon check for iface with these subnets (count 0: every sender is a
 * bogon); copies them. watch_clear_subnets disables it. 0 or -errno. */
int watch_set_subnets(struct watch *w, unsigned iface, const struct watch_subnet *nets,
		      size_t count);
void watch_clear_subnets(struct watch *w, unsigned iface);

/*
 * Feed one frame as seen on the wire (802.1Q tag in line). Frames of one interface
 * must come in time order. Provisional verdicts of that interface whose window closed
 * before time_ns are given first. Returns the number of events given. Malformed and
 * foreign frames are counted and give none of their own.
 */
size_t watch_frame(struct watch *w, unsigned iface, uint64_t time_ns, const uint8_t *frame,
		   size_t len);
/* Give the verdicts whose window closed before until_ns, on every interface (live: call
 * it with the clock less the capture's delivery delay). Returns events given. */
size_t watch_expire(struct watch *w, uint64_t until_ns);
/* Give every provisional verdict now, with what is known (end of input). */
size_t watch_finish(struct watch *w);

const struct watch_counters *watch_counters(const struct watch *w);
size_t watch_station_count(const struct watch *w);
/* Bytes held by the tables (for the memory report). */
size_t watch_memory(const struct watch *w);

/* Look up a station: true and *out filled when held. */
bool watch_lookup(const struct watch *w, struct in_addr ip, int vlan, unsigned iface,
		  struct watch_station_record *out);
/* Put a known station back (from the database): no event, not dirty. 0, -ENOSPC, -EINVAL. */
int watch_restore(struct watch *w, const struct watch_station_record *rec);

/* Stations changed or seen since they were last taken. */
size_t watch_dirty_count(const struct watch *w);
/* Next dirty station from *cursor (start at 0), marking it clean; false at the end. */
bool watch_take_dirty(struct watch *w, size_t *cursor, struct watch_station_record *out);

const char *watch_event_name(enum watch_event_kind kind);

#endif
