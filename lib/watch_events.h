/*
 * The watcher's brain: a station table (IPv4 address + VLAN + interface -> MAC) kept in
 * memory, and the rules that turn each decoded frame into events. No I/O and no
 * allocation per frame, so live capture, offline files and unit tests drive the same
 * code with the same results: feed a frame and its timestamp, get its events back.
 *
 * When each event fires (the man page repeats these rules for administrators):
 *  - A "claim" is any ARP request or reply whose sender IP is not 0.0.0.0: the sender
 *    says "SPA is at SHA". Probes (sender 0.0.0.0) claim nothing.
 *  - new-station: a claim for an (IP, VLAN, interface) the table does not hold.
 *  - conflict: a claim from a MAC other than the holder while the holder itself
 *    claimed the address no longer than conflict_window ago. The table keeps the
 *    holder. Reported once per conflict_window per address (repeats are counted).
 *  - flip-flop: a claim from the MAC the address had just before the holder, when the
 *    holder took over no longer than flip_flop_window ago (and no conflict applies).
 *    The two MACs swap places.
 *  - changed-mac: any other claim from a MAC other than the holder. The holder becomes
 *    the previous MAC, the claimant the holder.
 *  - gratuitous: a claim with sender IP = target IP, or a reply sent to broadcast.
 *    Repeats from the same MAC less than WATCH_GARP_REPEAT_NS after its previous
 *    claim are counted, not reported.
 *  - bogon: a new-station or changed-mac/flip-flop whose IP lies outside every subnet
 *    set for the interface (only when subnets were set for it).
 *  - ether-mismatch: Ethernet source differs from the ARP sender MAC (the claim still
 *    counts, with the ARP sender MAC).
 *  - stale-cache: an IPv4 frame to IP X sent to the unicast MAC that held X just before
 *    the current holder. Once per (X, sender MAC) per WATCH_STALE_REPEAT_NS.
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
	WATCH_EVENT_KINDS,
};

#define WATCH_MAX_EVENTS_PER_FRAME 4
#define WATCH_MAX_IFACES 255
#define WATCH_GARP_REPEAT_NS (2ull * 1000000000ull)
#define WATCH_STALE_REPEAT_NS (60ull * 1000000000ull)

struct watch_config {
	uint64_t flip_flop_window_ns; /* default 10 min */
	uint64_t conflict_window_ns;  /* default 2 s */
	size_t max_stations;          /* claims for new addresses beyond this are counted */
};

struct watch_event {
	enum watch_event_kind kind;
	uint64_t time_ns;        /* frame time, ns since the epoch */
	struct in_addr ip;       /* the address concerned */
	struct mac mac;          /* the claimant (stale-cache: the current holder) */
	struct mac old_mac;      /* changed-mac/flip-flop/conflict/stale-cache: see kinds */
	bool has_old_mac;
	unsigned iface;
	int vlan;                /* VLAN_NONE or the VID */
	uint64_t age_ns;         /* changed-mac: how long old_mac held the address;
				  * flip-flop: how long mac's rival held it;
				  * conflict: time since old_mac's last claim */
	uint16_t arp_op;         /* the frame's ARP operation (0 for stale-cache) */
	struct mac sender_mac;   /* stale-cache: the neighbour with the stale entry;
				  * ether-mismatch: the Ethernet source */
	struct in_addr sender_ip;
	bool has_sender_ip;      /* stale-cache: the sender's IP is known from the table */
};

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
int watch_create(struct watch **out, const struct watch_config *cfg);
void watch_free(struct watch *w);

/* The index of interface `name`, added when new: >= 0, or -ENOSPC / -EINVAL. */
int watch_iface(struct watch *w, const char *name);
const char *watch_iface_name(const struct watch *w, unsigned iface);
/* Enables the bogon check for iface with these subnets (count 0: every sender is a
 * bogon); copies them. watch_clear_subnets disables it. 0 or -errno. */
int watch_set_subnets(struct watch *w, unsigned iface, const struct watch_subnet *nets,
		      size_t count);
void watch_clear_subnets(struct watch *w, unsigned iface);

/*
 * Feed one frame as seen on the wire (802.1Q tag in line). Events go to out (room for
 * WATCH_MAX_EVENTS_PER_FRAME); returns how many. Malformed and foreign frames are
 * counted and give 0.
 */
size_t watch_frame(struct watch *w, unsigned iface, uint64_t time_ns, const uint8_t *frame,
		   size_t len, struct watch_event *out);

const struct watch_counters *watch_counters(const struct watch *w);
size_t watch_station_count(const struct watch *w);
/* Bytes held by the table (for the memory report). */
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
