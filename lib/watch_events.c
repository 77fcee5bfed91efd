#include "watch_events.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "frame.h"

#define NS_PER_SECOND 1000000000ull
#define INITIAL_SLOTS 1024
#define INITIAL_MAC_SLOTS 1024
#define STALE_WAYS 4
#define STALE_SETS (WATCH_STALE_TRACKED / STALE_WAYS)

enum station_flags {
	STATION_USED = 1 << 0,
	STATION_HAS_PREV = 1 << 1,
	STATION_DIRTY = 1 << 2,
	STATION_LAST_GARP = 1 << 3,   /* the holder's last claim was gratuitous */
	STATION_ASKER = 1 << 4,       /* the holder's last claim answered `asker` */
	STATION_WEAK_HOLD = 1 << 5,   /* the holder took it by requests alone */
	STATION_STALE_SEEN = 1 << 6,  /* a stale cache was reported for it */
	STATION_QUEUED = 1 << 7,      /* in its interface's deadline queue */
	STATION_PENDING_FLIP = 1 << 8,  /* the provisional move is a flip-flop */
	STATION_PENDING_REPLY = 1 << 9, /* ... and came in an ARP reply */
	STATION_HOLDER_HEARD = 1 << 10, /* SUSPECT: the holder sent a frame in the window
					 * before the suspect's request */
	STATION_LEAKER = 1 << 11,     /* SETTLED: other_mac leaked it, last reported at aux_ns */
	STATION_STATE_SHIFT = 12,     /* two bits: enum station_state */
};

enum station_state {
	STATE_SETTLED = 0,
	STATE_MOVING = 1,   /* mac took over from prev_mac; verdict provisional */
	STATE_SUSPECT = 2,  /* other_mac used the address in a request; verdict provisional */
	STATE_CONFLICT = 3, /* mac and other_mac both claim it */
};

/*
 * 64 bytes; the table runs at most 80% full. aux_ns holds what the state needs:
 * MOVING: how long prev_mac had held it; SUSPECT: the suspect's request;
 * CONFLICT: the rival's last claim.
 */
struct station {
	uint64_t claim_ns;      /* last claim by mac */
	uint64_t aux_ns;
	uint64_t mac_since_ns;  /* when mac took over */
	uint32_t ip;            /* network order */
	uint32_t first_seen;    /* unix seconds */
	uint32_t last_seen;
	uint32_t asker;         /* ASKER: the IP mac's last answer went to */
	uint16_t vlan_key;      /* 0 untagged, else VID + 1 */
	uint16_t flags;
	uint8_t iface;
	uint8_t mac[MAC_LEN];
	uint8_t prev_mac[MAC_LEN];
	uint8_t other_mac[MAC_LEN]; /* SUSPECT: the suspect; CONFLICT: the rival */
};

/* A MAC holding at least one station: an address to name it by, and its pulse. */
struct mac_entry {
	uint8_t mac[MAC_LEN];
	uint16_t vlan_key;
	uint8_t iface;
	uint8_t used;           /* MAC_USED, MAC_HEARD */
	uint32_t ip;            /* an address it claimed (checked against the table) */
	uint32_t refs;          /* stations it holds */
	uint32_t heard;         /* its last frame, in PULSE_UNIT_SHIFT units (wraps) */
};

enum mac_entry_flags {
	MAC_USED = 1 << 0,
	MAC_HEARD = 1 << 1,     /* heard is meaningful */
};

#define PULSE_UNIT_SHIFT 20 /* about a millisecond; 32 bits of them last 52 days */

struct stale_report {
	uint64_t first_ns;      /* first report, 0 when the way is free */
	uint64_t last_ns;       /* last report */
	uint32_t ip;
	uint16_t vlan_key;
	uint8_t iface;
	uint8_t sender[MAC_LEN];
	uint8_t stale_mac[MAC_LEN];
};

/* A provisional verdict to close; the station is looked up again (slots move). */
struct deadline {
	uint64_t due_ns;
	uint32_t ip;
	uint16_t vlan_key;
};

struct deadline_queue {
	struct deadline *items;
	size_t cap, head, count;  /* ring buffer, cap a power of two */
};

struct iface_info {
	char name[IF_NAMESIZE];
	bool check_bogon;
	struct watch_subnet *nets;
	size_t net_count;
	struct deadline_queue queue;
};

struct watch {
	struct watch_config cfg;
	watch_event_fn emit_fn;
	void *emit_ctx;
	uint64_t key;            /* hash key: an attacker cannot aim at one chain */
	struct station *slots;
	size_t slot_count;       /* power of two */
	size_t used;
	size_t dirty;
	struct mac_entry *macs;
	size_t mac_slot_count;
	size_t macs_used;
	struct stale_report *stale;
	size_t emitted;          /* events given since the current call began */
	struct iface_info ifaces[WATCH_MAX_IFACES];
	unsigned iface_count;
	struct watch_counters counters;
};

static const char *const event_names[WATCH_EVENT_KINDS] = {
	[WATCH_NEW_STATION] = "new-station",
	[WATCH_CHANGED_MAC] = "changed-mac",
	[WATCH_FLIP_FLOP] = "flip-flop",
	[WATCH_CONFLICT] = "conflict",
	[WATCH_GRATUITOUS] = "gratuitous",
	[WATCH_BOGON] = "bogon",
	[WATCH_ETHER_MISMATCH] = "ether-mismatch",
	[WATCH_STALE_CACHE] = "stale-cache",
	[WATCH_ARP_LEAK] = "arp-leak",
	[WATCH_STALE_CLEARED] = "stale-cache-cleared",
};

const char *watch_event_name(enum watch_event_kind kind)
{
	return (unsigned)kind < WATCH_EVENT_KINDS ? event_names[kind] : "unknown";
}

void watch_config_default(struct watch_config *cfg)
{
	cfg->flip_flop_window_ns = 600 * NS_PER_SECOND;
	cfg->conflict_window_ns = 2 * NS_PER_SECOND;
	cfg->max_stations = 1u << 20;
	cfg->hash_key = 0;
}

static uint64_t random_key(void)
{
	uint64_t key = 0;
	struct timespec ts;

	if (getrandom(&key, sizeof(key), GRND_NONBLOCK) == (ssize_t)sizeof(key) && key)
		return key;
	/* No entropy yet (early boot): the clock still keeps the key unknown ahead. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uintptr_t)&key) | 1;
}

int watch_create(struct watch **out, const struct watch_config *cfg, watch_event_fn fn,
		 void *ctx)
{
	struct watch *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->emit_fn = fn;
	w->emit_ctx = ctx;
	w->key = cfg->hash_key ? cfg->hash_key : random_key();
	w->slot_count = INITIAL_SLOTS;
	w->slots = calloc(w->slot_count, sizeof(*w->slots));
	w->mac_slot_count = INITIAL_MAC_SLOTS;
	w->macs = calloc(w->mac_slot_count, sizeof(*w->macs));
	w->stale = calloc(WATCH_STALE_TRACKED, sizeof(*w->stale));
	if (!w->slots || !w->macs || !w->stale) {
		watch_free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->iface_count; i++) {
		free(w->ifaces[i].nets);
		free(w->ifaces[i].queue.items);
	}
	free(w->slots);
	free(w->macs);
	free(w->stale);
	free(w);
}

int watch_iface_find(const struct watch *w, const char *name)
{
	for (unsigned i = 0; i < w->iface_count; i++)
		if (!strcmp(w->ifaces[i].name, name))
			return (int)i;
	return -ENOENT;
}

int watch_iface(struct watch *w, const char *name)
{
	int found;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	found = watch_iface_find(w, name);
	if (found >= 0)
		return found;
	if (w->iface_count == WATCH_MAX_IFACES)
		return -ENOSPC;
	strcpy(w->ifaces[w->iface_count].name, name);
	return (int)w->iface_count++;
}

const char *watch_iface_name(const struct watch *w, unsigned iface)
{
	return iface < w->iface_count ? w->ifaces[iface].name : "?";
}

int watch_set_subnets(struct watch *w, unsigned iface, const struct watch_subnet *nets,
		      size_t count)
{
	struct watch_subnet *copy = NULL;

	if (iface >= w->iface_count)
		return -EINVAL;
	if (count) {
		copy = calloc(count, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, nets, count * sizeof(*copy));
	}
	free(w->ifaces[iface].nets);
	w->ifaces[iface].nets = copy;
	w->ifaces[iface].net_count = count;
	w->ifaces[iface].check_bogon = true;
	return 0;
}

void watch_clear_subnets(struct watch *w, unsigned iface)
{
	if (iface >= w->iface_count)
		return;
	free(w->ifaces[iface].nets);
	w->ifaces[iface].nets = NULL;
	w->ifaces[iface].net_count = 0;
	w->ifaces[iface].check_bogon = false;
}

static uint16_t vlan_key(int vlan)
{
	return vlan < 0 ? 0 : (uint16_t)(vlan + 1);
}

static int vlan_of_key(uint16_t key)
{
	return key == 0 ? VLAN_NONE : (int)key - 1;
}

static uint64_t elapsed(uint64_t later, uint64_t earlier)
{
	return later > earlier ? later - earlier : 0;
}

/* A keyed mix (murmur3's finaliser over key ^ secret): without the secret, chosen
 * addresses cannot be aimed at one probe chain. */
static uint64_t keyed_hash(uint64_t key, uint64_t secret)
{
	key ^= secret;
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return key;
}

static uint64_t mac_bits(const uint8_t *mac)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < MAC_LEN; i++)
		v = v << 8 | mac[i];
	return v;
}

static size_t slot_hash(const struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface,
			size_t slot_count)
{
	uint64_t key = (uint64_t)ip | (uint64_t)vkey << 32 | (uint64_t)iface << 48;

	return (size_t)keyed_hash(key, w->key) & (slot_count - 1);
}

/* The slot holding the key, or the empty slot where it would go. */
static struct station *find_slot(const struct watch *w, struct station *slots,
				 size_t slot_count, uint32_t ip, uint16_t vkey, uint8_t iface)
{
	size_t i = slot_hash(w, ip, vkey, iface, slot_count);

	for (;;) {
		struct station *s = &slots[i];

		if (!(s->flags & STATION_USED))
			return s;
		if (s->ip == ip && s->vlan_key == vkey && s->iface == iface)
			return s;
		i = (i + 1) & (slot_count - 1);
	}
}

static int grow(struct watch *w)
{
	size_t count = w->slot_count * 2;
	struct station *slots = calloc(count, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < w->slot_count; i++) {
		const struct station *s = &w->slots[i];

		if (s->flags & STATION_USED)
			*find_slot(w, slots, count, s->ip, s->vlan_key, s->iface) = *s;
	}
	free(w->slots);
	w->slots = slots;
	w->slot_count = count;
	return 0;
}

static struct station *lookup(const struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface)
{
	struct station *s = find_slot(w, w->slots, w->slot_count, ip, vkey, iface);

	return s->flags & STATION_USED ? s : NULL;
}

/* The MAC index: (MAC, VLAN, interface) of every holder. */

static size_t mac_hash(const struct watch *w, const uint8_t *mac, uint16_t vkey, uint8_t iface,
		       size_t slot_count)
{
	uint64_t key = mac_bits(mac) ^ (uint64_t)vkey << 48 ^ (uint64_t)iface << 60;

	return (size_t)keyed_hash(key ^ 0x5bd1e9955bd1e995ull, w->key) & (slot_count - 1);
}

static struct mac_entry *mac_slot(const struct watch *w, struct mac_entry *slots, size_t count,
				  const uint8_t *mac, uint16_t vkey, uint8_t iface)
{
	size_t i = mac_hash(w, mac, vkey, iface, count);

	for (;;) {
		struct mac_entry *m = &slots[i];

		if (!m->used || (m->vlan_key == vkey && m->iface == iface &&
				 !memcmp(m->mac, mac, MAC_LEN)))
			return m;
		i = (i + 1) & (count - 1);
	}
}

static struct mac_entry *mac_find(const struct watch *w, const uint8_t *mac, uint16_t vkey,
				  uint8_t iface)
{
	struct mac_entry *m = mac_slot(w, w->macs, w->mac_slot_count, mac, vkey, iface);

	return m->used ? m : NULL;
}

static int mac_grow(struct watch *w)
{
	size_t count = w->mac_slot_count * 2;
	struct mac_entry *slots = calloc(count, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < w->mac_slot_count; i++) {
		const struct mac_entry *m = &w->macs[i];

		if (m->used)
			*mac_slot(w, slots, count, m->mac, m->vlan_key, m->iface) = *m;
	}
	free(w->macs);
	w->macs = slots;
	w->mac_slot_count = count;
	return 0;
}

/* mac now holds one more station, ip. Without memory the index just misses it. */
static void mac_hold(struct watch *w, const uint8_t *mac, uint16_t vkey, uint8_t iface,
		     uint32_t ip)
{
	struct mac_entry *m = mac_find(w, mac, vkey, iface);

	if (!m) {
		if ((w->macs_used + 1) * 5 > w->mac_slot_count * 4 && mac_grow(w) < 0)
			return;
		m = mac_slot(w, w->macs, w->mac_slot_count, mac, vkey, iface);
		memset(m, 0, sizeof(*m));
		memcpy(m->mac, mac, MAC_LEN);
		m->vlan_key = vkey;
		m->iface = iface;
		m->used = MAC_USED;
		w->macs_used++;
	}
	m->refs++;
	m->ip = ip;
}

/* Linear probing: close the gap by moving later entries of the chain back. */
static void mac_remove(struct watch *w, struct mac_entry *gap)
{
	size_t mask = w->mac_slot_count - 1;
	size_t i = (size_t)(gap - w->macs), j = i;

	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!w->macs[j].used)
			break;
		home = mac_hash(w, w->macs[j].mac, w->macs[j].vlan_key, w->macs[j].iface,
				w->mac_slot_count);
		/* Entry j may move to i only if its home is not in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		w->macs[i] = w->macs[j];
		i = j;
	}
	memset(&w->macs[i], 0, sizeof(w->macs[i]));
	w->macs_used--;
}

static void mac_release(struct watch *w, const uint8_t *mac, uint16_t vkey, uint8_t iface)
{
	struct mac_entry *m = mac_find(w, mac, vkey, iface);

	if (m && --m->refs == 0)
		mac_remove(w, m);
}

/* A frame from mac: a holder's pulse, which tells a leak from a move. */
static void mac_pulse(struct watch *w, const struct mac *mac, uint16_t vkey, uint8_t iface,
		      uint64_t time_ns)
{
	struct mac_entry *m = mac_find(w, mac->octet, vkey, iface);

	if (m) {
		m->heard = (uint32_t)(time_ns >> PULSE_UNIT_SHIFT);
		m->used |= MAC_HEARD;
	}
}

/* Whether mac sent a frame no longer than `window` before time_ns (a frame in the same
 * unit as time_ns counts, before or after it). */
static bool mac_heard_within(const struct watch *w, const uint8_t *mac, uint16_t vkey,
			     uint8_t iface, uint64_t time_ns, uint64_t window)
{
	const struct mac_entry *m = mac_find(w, mac, vkey, iface);
	uint32_t now = (uint32_t)(time_ns >> PULSE_UNIT_SHIFT);

	return m && (m->used & MAC_HEARD) &&
	       now - m->heard <= (uint32_t)(window >> PULSE_UNIT_SHIFT) + 1;
}

/* Whether mac sent a frame at or after time_ns (to the unit). Verdicts close before
 * the frames after their window are counted, so this looks no further than it. */
static bool mac_heard_since(const struct watch *w, const uint8_t *mac, uint16_t vkey,
			    uint8_t iface, uint64_t time_ns)
{
	const struct mac_entry *m = mac_find(w, mac, vkey, iface);
	uint32_t since = (uint32_t)(time_ns >> PULSE_UNIT_SHIFT);

	return m && (m->used & MAC_HEARD) && (int32_t)(m->heard - since) >= 0;
}

/* A new station's slot, growing the table first when it would pass 80% full. */
static struct station *insert_slot(struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface)
{
	struct station *s;

	if (w->used >= w->cfg.max_stations)
		return NULL;
	if ((w->used + 1) * 5 > w->slot_count * 4 && grow(w) < 0)
		return NULL;
	s = find_slot(w, w->slots, w->slot_count, ip, vkey, iface);
	memset(s, 0, sizeof(*s));
	s->ip = ip;
	s->vlan_key = vkey;
	s->iface = iface;
	s->flags = STATION_USED;
	w->used++;
	return s;
}

static enum station_state state_of(const struct station *s)
{
	return (enum station_state)(s->flags >> STATION_STATE_SHIFT & 3);
}

static void set_state(struct watch *w, struct station *s, enum station_state state)
{
	(void)w;
	if (state != STATE_SETTLED)
		s->flags &= (uint16_t)~STATION_LEAKER; /* other_mac and aux_ns change meaning */
	s->flags = (uint16_t)((s->flags & ~(3u << STATION_STATE_SHIFT)) |
			      (unsigned)state << STATION_STATE_SHIFT);
}

static void mark_dirty(struct watch *w, struct station *s)
{
	if (!(s->flags & STATION_DIRTY)) {
		s->flags |= STATION_DIRTY;
		w->dirty++;
	}
}

static bool is_bogon(const struct iface_info *info, struct in_addr ip)
{
	if (!info->check_bogon)
		return false;
	for (size_t i = 0; i < info->net_count; i++)
		if (ipv4_in_subnet(ip, info->nets[i].net, info->nets[i].prefixlen))
			return false;
	return true;
}

/* Deadline queues: one per interface, in the order verdicts were opened, which is the
 * order of their deadlines (the window is the same for all). */

static int queue_push(struct deadline_queue *q, const struct deadline *d)
{
	if (q->count == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct deadline *items = calloc(cap, sizeof(*items));

		if (!items)
			return -ENOMEM;
		for (size_t i = 0; i < q->count; i++)
			items[i] = q->items[(q->head + i) & (q->cap - 1)];
		free(q->items);
		q->items = items;
		q->cap = cap;
		q->head = 0;
	}
	q->items[(q->head + q->count) & (q->cap - 1)] = *d;
	q->count++;
	return 0;
}

static uint64_t deadline_of(const struct watch *w, const struct station *s)
{
	uint64_t opened = state_of(s) == STATE_SUSPECT ? s->aux_ns : s->mac_since_ns;

	return opened + w->cfg.conflict_window_ns;
}

static bool is_provisional(const struct station *s)
{
	return state_of(s) == STATE_MOVING || state_of(s) == STATE_SUSPECT;
}

/* Queue the station's deadline once; without memory the verdict closes when the
 * station is next touched or at the end. */
static void enqueue(struct watch *w, struct station *s)
{
	struct deadline d = {deadline_of(w, s), s->ip, s->vlan_key};

	if (s->flags & STATION_QUEUED)
		return;
	if (queue_push(&w->ifaces[s->iface].queue, &d) == 0)
		s->flags |= STATION_QUEUED;
}

/* Events. */

static struct watch_event *new_event(struct watch_event *e, enum watch_event_kind kind,
				     uint64_t time_ns, const struct station *s, const uint8_t *mac)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->time_ns = time_ns;
	e->iface = s->iface;
	e->vlan = vlan_of_key(s->vlan_key);
	e->ip.s_addr = s->ip;
	memcpy(e->mac.octet, mac, MAC_LEN);
	return e;
}

static void set_old(struct watch_event *e, const uint8_t *old)
{
	memcpy(e->old_mac.octet, old, MAC_LEN);
	e->has_old_mac = true;
}

static void emit(struct watch *w, const struct watch_event *e)
{
	w->counters.events[e->kind]++;
	w->emitted++;
	if (w->emit_fn)
		w->emit_fn(w->emit_ctx, e);
}

static void emit_simple(struct watch *w, enum watch_event_kind kind, uint64_t time_ns,
			const struct station *s, const uint8_t *mac, uint16_t op)
{
	struct watch_event e;

	new_event(&e, kind, time_ns, s, mac)->arp_op = op;
	emit(w, &e);
}

static void emit_bogon(struct watch *w, const struct station *s, uint64_t time_ns,
		       const uint8_t *mac, const uint8_t *old, uint16_t op)
{
	struct watch_event e;
	struct in_addr ip = {s->ip};

	if (!is_bogon(&w->ifaces[s->iface], ip))
		return;
	new_event(&e, WATCH_BOGON, time_ns, s, mac)->arp_op = op;
	if (old)
		set_old(&e, old);
	emit(w, &e);
}

/* changed-mac or flip-flop for mac taking over from prev_mac (already in the station). */
static void emit_move(struct watch *w, const struct station *s, bool flip, uint64_t time_ns,
		      uint64_t age_ns, uint16_t op)
{
	struct watch_event e;

	new_event(&e, flip ? WATCH_FLIP_FLOP : WATCH_CHANGED_MAC, time_ns, s, s->mac);
	set_old(&e, s->prev_mac);
	e.age_ns = age_ns;
	e.arp_op = op;
	emit(w, &e);
	emit_bogon(w, s, time_ns, s->mac, s->prev_mac, op);
}

static void emit_conflict(struct watch *w, struct station *s, const uint8_t *claimant,
			  const uint8_t *other, uint64_t time_ns, uint64_t age_ns, uint16_t op)
{
	struct watch_event e;

	new_event(&e, WATCH_CONFLICT, time_ns, s, claimant);
	set_old(&e, other);
	e.age_ns = age_ns;
	e.arp_op = op;
	emit(w, &e);
	s->aux_ns = time_ns;
}

/* Also remembers the leaker: its next requests are leaks at once, not new suspicions. */
static void emit_leak(struct watch *w, struct station *s, const uint8_t *leaker,
		      uint64_t time_ns, uint64_t age_ns)
{
	struct watch_event e;

	new_event(&e, WATCH_ARP_LEAK, time_ns, s, leaker);
	set_old(&e, s->mac);
	e.age_ns = age_ns;
	e.arp_op = ARP_OP_REQUEST;
	emit(w, &e);
	memcpy(s->other_mac, leaker, MAC_LEN);
	s->aux_ns = time_ns;
	s->flags |= STATION_LEAKER;
}

/* Holder changes. */

static bool is_flip(const struct watch *w, const struct station *s, const uint8_t *mac,
		    uint64_t time_ns)
{
	return (s->flags & STATION_HAS_PREV) && !memcmp(s->prev_mac, mac, MAC_LEN) &&
	       elapsed(time_ns, s->mac_since_ns) <= w->cfg.flip_flop_window_ns;
}

static void take_over(struct watch *w, struct station *s, const uint8_t *mac, uint64_t time_ns)
{
	mac_release(w, s->mac, s->vlan_key, s->iface);
	mac_hold(w, mac, s->vlan_key, s->iface, s->ip);
	memcpy(s->prev_mac, s->mac, MAC_LEN);
	memcpy(s->mac, mac, MAC_LEN);
	s->flags |= STATION_HAS_PREV;
	s->flags &= (uint16_t)~(STATION_WEAK_HOLD | STATION_ASKER | STATION_LAST_GARP |
				STATION_LEAKER);
	s->mac_since_ns = time_ns;
	s->claim_ns = time_ns;
	mark_dirty(w, s);
}

/* Close a provisional verdict with what is known now. */
static void settle(struct watch *w, struct station *s)
{
	switch (state_of(s)) {
	case STATE_MOVING:
		set_state(w, s, STATE_SETTLED);
		emit_move(w, s, s->flags & STATION_PENDING_FLIP, s->mac_since_ns, s->aux_ns,
			  s->flags & STATION_PENDING_REPLY ? ARP_OP_REPLY : ARP_OP_REQUEST);
		break;
	case STATE_SUSPECT: {
		uint64_t asked = s->aux_ns;
		bool alive = (s->flags & STATION_HOLDER_HEARD) ||
			     mac_heard_since(w, s->mac, s->vlan_key, s->iface, asked);
		uint8_t suspect[MAC_LEN];

		set_state(w, s, STATE_SETTLED);
		memcpy(suspect, s->other_mac, MAC_LEN);
		if (alive) {
			emit_leak(w, s, suspect, asked, elapsed(asked, s->claim_ns));
		} else {
			bool flip = is_flip(w, s, suspect, asked);
			uint64_t age = elapsed(asked, s->mac_since_ns);

			take_over(w, s, suspect, asked);
			s->flags |= STATION_WEAK_HOLD;
			emit_move(w, s, flip, asked, age, ARP_OP_REQUEST);
		}
		break;
	}
	default:
		break;
	}
}

struct claim {
	uint64_t time_ns;
	unsigned iface;
	int vlan;
	struct in_addr ip;
	struct mac mac;
	struct in_addr asker;   /* the target IP of a reply */
	uint16_t op;
	bool gratuitous;
};

static bool is_strong(const struct claim *c)
{
	return c->op == ARP_OP_REPLY || c->gratuitous;
}

static bool answers(const struct claim *c)
{
	return c->op == ARP_OP_REPLY && !c->gratuitous;
}

/* The holder's own claim refreshes it. */
static void refresh_holder(struct station *s, const struct claim *c)
{
	s->claim_ns = c->time_ns;
	if (answers(c)) {
		s->asker = c->asker.s_addr;
		s->flags |= STATION_ASKER;
	} else {
		s->flags &= (uint16_t)~STATION_ASKER;
	}
	if (is_strong(c))
		s->flags &= (uint16_t)~STATION_WEAK_HOLD;
}

/* A strong claim by a MAC other than the holder, nothing provisional open. */
static void strong_contest(struct watch *w, struct station *s, const struct claim *c)
{
	uint64_t since_holder = elapsed(c->time_ns, s->claim_ns);
	uint64_t held = elapsed(c->time_ns, s->mac_since_ns);
	bool recent = s->claim_ns && since_holder <= w->cfg.conflict_window_ns;
	bool flip = is_flip(w, s, c->mac.octet, c->time_ns);

	if (recent && answers(c) && (s->flags & STATION_ASKER) && s->asker == c->asker.s_addr) {
		/* Two answers to one question: both hold it now. */
		memcpy(s->other_mac, c->mac.octet, MAC_LEN);
		set_state(w, s, STATE_CONFLICT);
		emit_conflict(w, s, c->mac.octet, s->mac, c->time_ns, since_holder, c->op);
		return;
	}
	take_over(w, s, c->mac.octet, c->time_ns);
	refresh_holder(s, c);
	if (recent) {
		set_state(w, s, STATE_MOVING);
		s->aux_ns = held;
		s->flags = (uint16_t)((s->flags & ~(STATION_PENDING_FLIP | STATION_PENDING_REPLY)) |
				      (flip ? STATION_PENDING_FLIP : 0) |
				      (c->op == ARP_OP_REPLY ? STATION_PENDING_REPLY : 0));
		enqueue(w, s);
		return;
	}
	emit_move(w, s, flip, c->time_ns, held, c->op);
}

static void open_suspicion(struct watch *w, struct station *s, const struct claim *c)
{
	set_state(w, s, STATE_SUSPECT);
	memcpy(s->other_mac, c->mac.octet, MAC_LEN);
	s->aux_ns = c->time_ns;
	s->flags &= (uint16_t)~(STATION_ASKER | STATION_HOLDER_HEARD);
	if (mac_heard_within(w, s->mac, s->vlan_key, s->iface, c->time_ns,
			     w->cfg.conflict_window_ns))
		s->flags |= STATION_HOLDER_HEARD;
	enqueue(w, s);
}

static void contest(struct watch *w, struct station *s, const struct claim *c);

/* A claim from the holder or its rival while the two are in conflict: aux_ns is the
 * rival's last claim, claim_ns the holder's. */
static void conflict_claim(struct watch *w, struct station *s, const struct claim *c)
{
	bool from_rival = !memcmp(s->other_mac, c->mac.octet, MAC_LEN);
	uint64_t since_other = elapsed(c->time_ns, from_rival ? s->claim_ns : s->aux_ns);

	if (since_other > w->cfg.conflict_window_ns) {
		/* The other one stayed silent for the window: the conflict is over. */
		set_state(w, s, STATE_SETTLED);
		if (from_rival)
			contest(w, s, c);
		else
			refresh_holder(s, c);
		return;
	}
	if (!from_rival) {
		refresh_holder(s, c);
		return;
	}
	s->aux_ns = c->time_ns;
	w->counters.repeats[WATCH_CONFLICT]++;
}

static bool conflict_over(const struct watch *w, const struct station *s, uint64_t time_ns)
{
	return elapsed(time_ns, s->claim_ns) > w->cfg.conflict_window_ns ||
	       elapsed(time_ns, s->aux_ns) > w->cfg.conflict_window_ns;
}

/* A claim by a MAC other than the holder. */
static void contest(struct watch *w, struct station *s, const struct claim *c)
{
	enum station_state state = state_of(s);

	if (state == STATE_CONFLICT && !memcmp(s->other_mac, c->mac.octet, MAC_LEN)) {
		conflict_claim(w, s, c);
		return;
	}
	if (state == STATE_CONFLICT && conflict_over(w, s, c->time_ns)) {
		set_state(w, s, STATE_SETTLED);
		state = STATE_SETTLED;
	}
	if (state == STATE_CONFLICT) {
		if (is_strong(c)) {
			/* A third MAC answers too: it becomes the rival. */
			memcpy(s->other_mac, c->mac.octet, MAC_LEN);
			emit_conflict(w, s, c->mac.octet, s->mac, c->time_ns,
				      elapsed(c->time_ns, s->claim_ns), c->op);
		}
		return;
	}
	if (state == STATE_MOVING && !memcmp(s->prev_mac, c->mac.octet, MAC_LEN)) {
		/* The MAC it moved from claims it again within the window: both claim it. */
		uint64_t since = elapsed(c->time_ns, s->claim_ns);

		memcpy(s->other_mac, s->prev_mac, MAC_LEN);
		set_state(w, s, STATE_CONFLICT);
		emit_conflict(w, s, c->mac.octet, s->mac, c->time_ns, since, c->op);
		return;
	}
	if (state == STATE_SUSPECT && !memcmp(s->other_mac, c->mac.octet, MAC_LEN)) {
		if (!is_strong(c))
			return; /* the same suspect asking again */
		/* The suspect answers for it: not a leak, judge it as any answer. */
		set_state(w, s, STATE_SETTLED);
		strong_contest(w, s, c);
		return;
	}
	if (is_provisional(s))
		settle(w, s); /* a third MAC: close what was open, then judge its claim */
	if ((s->flags & STATION_WEAK_HOLD) && is_strong(c) &&
	    !memcmp(s->prev_mac, c->mac.octet, MAC_LEN)) {
		/* The holder only ever asked from the address; its owner answers again. */
		uint8_t leaker[MAC_LEN];

		memcpy(leaker, s->mac, MAC_LEN);
		take_over(w, s, c->mac.octet, c->time_ns);
		refresh_holder(s, c);
		emit_leak(w, s, leaker, c->time_ns, 0);
		return;
	}
	if (is_strong(c)) {
		strong_contest(w, s, c);
	} else if ((s->flags & STATION_LEAKER) && !memcmp(s->other_mac, c->mac.octet, MAC_LEN)) {
		/* A known leaker asks again: a leak at once, reported once a minute. */
		if (elapsed(c->time_ns, s->aux_ns) < WATCH_STALE_REPEAT_NS)
			w->counters.repeats[WATCH_ARP_LEAK]++;
		else
			emit_leak(w, s, c->mac.octet, c->time_ns, elapsed(c->time_ns, s->claim_ns));
	} else {
		open_suspicion(w, s, c);
	}
}

static void holder_claim(struct watch *w, struct station *s, const struct claim *c)
{
	switch (state_of(s)) {
	case STATE_SUSPECT: {
		/* The holder still claims it: the suspect leaked. */
		uint64_t asked = s->aux_ns;

		uint8_t suspect[MAC_LEN];

		memcpy(suspect, s->other_mac, MAC_LEN);
		set_state(w, s, STATE_SETTLED);
		emit_leak(w, s, suspect, asked, elapsed(asked, s->claim_ns));
		break;
	}
	case STATE_CONFLICT:
		conflict_claim(w, s, c);
		return;
	default:
		break;
	}
	refresh_holder(s, c);
}

static void handle_claim(struct watch *w, const struct claim *c)
{
	uint32_t seconds = (uint32_t)(c->time_ns / NS_PER_SECOND);
	uint16_t vkey = vlan_key(c->vlan);
	struct station *s = lookup(w, c->ip.s_addr, vkey, (uint8_t)c->iface);

	if (!s) {
		s = insert_slot(w, c->ip.s_addr, vkey, (uint8_t)c->iface);
		if (!s) {
			w->counters.table_full++;
			return;
		}
		memcpy(s->mac, c->mac.octet, MAC_LEN);
		mac_hold(w, s->mac, vkey, s->iface, s->ip);
		s->first_seen = seconds;
		s->mac_since_ns = c->time_ns;
		refresh_holder(s, c);
		if (c->gratuitous)
			emit_simple(w, WATCH_GRATUITOUS, c->time_ns, s, s->mac, c->op);
		emit_simple(w, WATCH_NEW_STATION, c->time_ns, s, s->mac, c->op);
		emit_bogon(w, s, c->time_ns, s->mac, NULL, c->op);
		s->flags |= c->gratuitous ? STATION_LAST_GARP : 0;
		s->last_seen = seconds;
		mark_dirty(w, s);
		return;
	}
	if (is_provisional(s) && elapsed(c->time_ns, deadline_of(w, s)) > 0)
		settle(w, s); /* its window closed before this frame */
	if (!memcmp(s->mac, c->mac.octet, MAC_LEN)) {
		bool repeat = (s->flags & STATION_LAST_GARP) &&
			      elapsed(c->time_ns, s->claim_ns) < WATCH_GARP_REPEAT_NS;

		if (c->gratuitous && repeat)
			w->counters.repeats[WATCH_GRATUITOUS]++;
		else if (c->gratuitous)
			emit_simple(w, WATCH_GRATUITOUS, c->time_ns, s, s->mac, c->op);
		holder_claim(w, s, c);
	} else {
		if (c->gratuitous)
			emit_simple(w, WATCH_GRATUITOUS, c->time_ns, s, c->mac.octet, c->op);
		contest(w, s, c);
	}
	if (!memcmp(s->mac, c->mac.octet, MAC_LEN))
		s->flags = (uint16_t)((s->flags & ~STATION_LAST_GARP) |
				      (c->gratuitous ? STATION_LAST_GARP : 0));
	if (s->last_seen != seconds)
		mark_dirty(w, s);
	s->last_seen = seconds;
}

static void handle_arp(struct watch *w, unsigned iface, uint64_t time_ns,
		       const struct arp_frame *f)
{
	uint16_t vkey = vlan_key(f->eth.vlan);
	struct claim c;

	w->counters.arp++;
	mac_pulse(w, &f->eth.src, vkey, (uint8_t)iface, time_ns);
	if (!mac_equal(&f->eth.src, &f->sha)) {
		struct watch_event e;

		memset(&e, 0, sizeof(e));
		e.kind = WATCH_ETHER_MISMATCH;
		e.time_ns = time_ns;
		e.iface = iface;
		e.vlan = f->eth.vlan;
		e.ip = f->spa;
		e.mac = f->sha;
		e.sender_mac = f->eth.src;
		e.arp_op = f->op;
		emit(w, &e);
		mac_pulse(w, &f->sha, vkey, (uint8_t)iface, time_ns);
	}
	if (arp_is_probe(f)) {
		w->counters.probes++;
		return;
	}
	c.time_ns = time_ns;
	c.iface = iface;
	c.vlan = f->eth.vlan;
	c.ip = f->spa;
	c.mac = f->sha;
	c.asker = f->tpa;
	c.op = f->op;
	c.gratuitous = arp_is_gratuitous(f);
	handle_claim(w, &c);
}

/*
 * Only the IPv4 header is needed, and captures are often cut short (snap length),
 * so the header is checked on its own rather than against the captured length.
 */
static int peek_ipv4(const uint8_t *buf, size_t len, struct in_addr *src, struct in_addr *dst)
{
	size_t header_len;

	if (len < 20)
		return FRAME_TRUNCATED;
	if (buf[0] >> 4 != 4)
		return FRAME_INCONSISTENT;
	header_len = (size_t)(buf[0] & 0x0f) * 4;
	if (header_len < 20)
		return FRAME_INCONSISTENT;
	if (len < header_len)
		return FRAME_TRUNCATED;
	/* The total length may exceed what was captured, never the header's own length. */
	if ((size_t)(buf[2] << 8 | buf[3]) < header_len)
		return FRAME_INCONSISTENT;
	if (inet_checksum(buf, header_len) != 0)
		return FRAME_INCONSISTENT;
	memcpy(&src->s_addr, buf + 12, 4);
	memcpy(&dst->s_addr, buf + 16, 4);
	return 0;
}

/* The sender's own IP: the packet's source when the table agrees (a host on the
 * link), else the address the MAC index gives it (a router forwarding). */
static bool sender_ip(const struct watch *w, const struct mac *sender, struct in_addr src,
		      uint16_t vkey, uint8_t iface, struct in_addr *out)
{
	const struct station *s = lookup(w, src.s_addr, vkey, iface);
	const struct mac_entry *m;

	if (s && !memcmp(s->mac, sender->octet, MAC_LEN)) {
		*out = src;
		return true;
	}
	m = mac_find(w, sender->octet, vkey, iface);
	if (!m)
		return false;
	s = lookup(w, m->ip, vkey, iface);
	if (!s || memcmp(s->mac, sender->octet, MAC_LEN))
		return false;
	out->s_addr = m->ip;
	return true;
}

/* The rate limit's memory for (station, sender): 4-way sets chosen by a keyed hash. */
static struct stale_report *stale_set(const struct watch *w, uint32_t ip, uint16_t vkey,
				      uint8_t iface, const struct mac *sender)
{
	uint64_t key = mac_bits(sender->octet) ^ (uint64_t)ip << 16 ^ (uint64_t)vkey << 48 ^
		       (uint64_t)iface << 56;
	uint64_t h = keyed_hash(key ^ (uint64_t)ip * 0x9e3779b97f4a7c15ull, w->key);

	return &w->stale[(h % STALE_SETS) * STALE_WAYS];
}

static bool stale_matches(const struct stale_report *r, uint32_t ip, uint16_t vkey,
			  uint8_t iface, const struct mac *sender)
{
	return r->first_ns && r->ip == ip && r->vlan_key == vkey && r->iface == iface &&
	       !memcmp(r->sender, sender->octet, MAC_LEN);
}

/*
 * True when this stale frame must not be reported (a repeat within the interval).
 * A pair is remembered in a free way, or in place of the oldest one whose last report
 * is older than the interval; live pairs are never evicted, so a flood of new senders
 * cannot make a known one be reported again. A pair that finds no room is reported.
 */
static bool stale_is_repeat(struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface,
			    const struct mac *sender, const uint8_t *stale_mac, uint64_t time_ns)
{
	struct stale_report *set = stale_set(w, ip, vkey, iface, sender), *room;
	struct stale_report *free_way = NULL, *expired = NULL;

	for (unsigned i = 0; i < STALE_WAYS; i++) {
		struct stale_report *r = &set[i];

		if (stale_matches(r, ip, vkey, iface, sender)) {
			if (elapsed(time_ns, r->last_ns) < WATCH_STALE_REPEAT_NS)
				return true;
			r->last_ns = time_ns;
			memcpy(r->stale_mac, stale_mac, MAC_LEN);
			return false;
		}
		if (!r->first_ns) {
			if (!free_way)
				free_way = r;
		} else if (elapsed(time_ns, r->last_ns) >= WATCH_STALE_REPEAT_NS &&
			   (!expired || r->last_ns < expired->last_ns)) {
			expired = r;
		}
	}
	room = free_way ? free_way : expired;
	if (room) {
		room->first_ns = time_ns ? time_ns : 1;
		room->last_ns = time_ns;
		room->ip = ip;
		room->vlan_key = vkey;
		room->iface = iface;
		memcpy(room->sender, sender->octet, MAC_LEN);
		memcpy(room->stale_mac, stale_mac, MAC_LEN);
	}
	return false;
}

static void stale_event(struct watch *w, struct watch_event *e, enum watch_event_kind kind,
			uint64_t time_ns, const struct station *s, const struct eth_header *eth,
			struct in_addr src, const uint8_t *used_mac)
{
	new_event(e, kind, time_ns, s, s->mac);
	set_old(e, used_mac);
	e->sender_mac = eth->src;
	e->has_sender_ip = sender_ip(w, &eth->src, src, s->vlan_key, s->iface, &e->sender_ip);
}

/* A frame to the holder from a sender once reported stale: the story closes. */
static void stale_cleared(struct watch *w, const struct station *s, const struct eth_header *eth,
			  struct in_addr src, uint64_t time_ns)
{
	struct stale_report *set = stale_set(w, s->ip, s->vlan_key, s->iface, &eth->src);

	for (unsigned i = 0; i < STALE_WAYS; i++) {
		struct stale_report *r = &set[i];
		struct watch_event e;

		if (!stale_matches(r, s->ip, s->vlan_key, s->iface, &eth->src))
			continue;
		stale_event(w, &e, WATCH_STALE_CLEARED, time_ns, s, eth, src, r->stale_mac);
		e.age_ns = elapsed(time_ns, r->first_ns);
		memset(r, 0, sizeof(*r));
		emit(w, &e);
		return;
	}
}

static void handle_ipv4(struct watch *w, unsigned iface, uint64_t time_ns,
			const struct eth_header *eth, const uint8_t *payload, size_t len)
{
	struct in_addr src, dst;
	struct station *s;
	struct watch_event e;
	uint16_t vkey = vlan_key(eth->vlan);

	if (peek_ipv4(payload, len, &src, &dst) < 0) {
		w->counters.malformed++;
		return;
	}
	w->counters.ipv4++;
	mac_pulse(w, &eth->src, vkey, (uint8_t)iface, time_ns);
	if (mac_is_multicast(&eth->dst))
		return;
	s = lookup(w, dst.s_addr, vkey, (uint8_t)iface);
	if (!s || !(s->flags & STATION_HAS_PREV))
		return;
	if (state_of(s) == STATE_CONFLICT && conflict_over(w, s, time_ns))
		set_state(w, s, STATE_SETTLED);
	if (state_of(s) != STATE_SETTLED)
		return;
	if (!memcmp(s->mac, eth->dst.octet, MAC_LEN)) {
		if (s->flags & STATION_STALE_SEEN)
			stale_cleared(w, s, eth, src, time_ns);
		return;
	}
	/* The holder itself forwarding to the old MAC is not a stale cache (LVS-DR). */
	if (memcmp(s->prev_mac, eth->dst.octet, MAC_LEN) || !memcmp(s->mac, eth->src.octet, MAC_LEN))
		return;
	if (stale_is_repeat(w, s->ip, vkey, (uint8_t)iface, &eth->src, eth->dst.octet, time_ns)) {
		w->counters.repeats[WATCH_STALE_CACHE]++;
		return;
	}
	s->flags |= STATION_STALE_SEEN;
	stale_event(w, &e, WATCH_STALE_CACHE, time_ns, s, eth, src, eth->dst.octet);
	emit(w, &e);
}

/* Close the verdicts of one interface whose window ended before until_ns. */
static void expire_iface(struct watch *w, unsigned iface, uint64_t until_ns)
{
	struct deadline_queue *q = &w->ifaces[iface].queue;

	while (q->count) {
		struct deadline d = q->items[q->head];
		struct station *s;

		if (d.due_ns >= until_ns)
			break;
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
		s = lookup(w, d.ip, d.vlan_key, (uint8_t)iface);
		if (!s)
			continue;
		s->flags &= (uint16_t)~STATION_QUEUED;
		if (!is_provisional(s))
			continue;
		if (deadline_of(w, s) < until_ns)
			settle(w, s);
		else
			enqueue(w, s); /* reopened since: wait for its own deadline */
	}
}

size_t watch_frame(struct watch *w, unsigned iface, uint64_t time_ns, const uint8_t *frame,
		   size_t len)
{
	struct eth_header eth;
	struct arp_frame arp;
	int err;

	w->emitted = 0;
	w->counters.frames++;
	if (iface >= w->iface_count) {
		w->counters.other++;
		return 0;
	}
	expire_iface(w, iface, time_ns);
	err = eth_decode(frame, len, &eth);
	if (err == 0 && eth.ethertype == ETHERTYPE_IPV4) {
		handle_ipv4(w, iface, time_ns, &eth, frame + eth.header_len, len - eth.header_len);
		return w->emitted;
	}
	if (err == 0 && eth.ethertype == ETHERTYPE_ARP)
		err = arp_decode(frame, len, &arp);
	else if (err == 0)
		err = FRAME_NOT_MINE;
	if (err == 0)
		handle_arp(w, iface, time_ns, &arp);
	else if (err == FRAME_NOT_MINE)
		w->counters.other++;
	else
		w->counters.malformed++;
	return w->emitted;
}

size_t watch_expire(struct watch *w, uint64_t until_ns)
{
	w->emitted = 0;
	for (unsigned i = 0; i < w->iface_count; i++)
		expire_iface(w, i, until_ns);
	return w->emitted;
}

size_t watch_finish(struct watch *w)
{
	return watch_expire(w, UINT64_MAX);
}

const struct watch_counters *watch_counters(const struct watch *w)
{
	return &w->counters;
}

size_t watch_station_count(const struct watch *w)
{
	return w->used;
}

size_t watch_memory(const struct watch *w)
{
	size_t queues = 0;

	for (unsigned i = 0; i < w->iface_count; i++)
		queues += w->ifaces[i].queue.cap * sizeof(struct deadline);
	return sizeof(*w) + w->slot_count * sizeof(struct station) +
	       w->mac_slot_count * sizeof(struct mac_entry) +
	       WATCH_STALE_TRACKED * sizeof(struct stale_report) + queues;
}

static void to_record(const struct station *s, struct watch_station_record *out)
{
	memset(out, 0, sizeof(*out));
	out->ip.s_addr = s->ip;
	out->vlan = vlan_of_key(s->vlan_key);
	out->iface = s->iface;
	memcpy(out->mac.octet, s->mac, MAC_LEN);
	memcpy(out->prev_mac.octet, s->prev_mac, MAC_LEN);
	out->has_prev = s->flags & STATION_HAS_PREV;
	out->first_seen = s->first_seen;
	out->last_seen = s->last_seen;
	out->mac_since_ns = s->mac_since_ns;
}

bool watch_lookup(const struct watch *w, struct in_addr ip, int vlan, unsigned iface,
		  struct watch_station_record *out)
{
	const struct station *s;

	if (iface >= w->iface_count)
		return false;
	s = lookup(w, ip.s_addr, vlan_key(vlan), (uint8_t)iface);
	if (!s)
		return false;
	to_record(s, out);
	return true;
}

int watch_restore(struct watch *w, const struct watch_station_record *rec)
{
	uint16_t vkey = vlan_key(rec->vlan);
	struct station *s;

	if (rec->iface >= w->iface_count || rec->vlan > 4095)
		return -EINVAL;
	s = lookup(w, rec->ip.s_addr, vkey, (uint8_t)rec->iface);
	if (!s) {
		s = insert_slot(w, rec->ip.s_addr, vkey, (uint8_t)rec->iface);
		if (!s)
			return -ENOSPC;
	} else {
		if (s->flags & STATION_DIRTY)
			w->dirty--;
		set_state(w, s, STATE_SETTLED);
		mac_release(w, s->mac, vkey, s->iface);
	}
	memcpy(s->mac, rec->mac.octet, MAC_LEN);
	memcpy(s->prev_mac, rec->prev_mac.octet, MAC_LEN);
	/* A queued deadline finds the station settled and is dropped. */
	s->flags = (uint16_t)(STATION_USED | (rec->has_prev ? STATION_HAS_PREV : 0) |
			      (s->flags & STATION_QUEUED));
	s->first_seen = rec->first_seen;
	s->last_seen = rec->last_seen;
	s->mac_since_ns = rec->mac_since_ns;
	/* The holder's last claim is long past: a restart opens no conflict window. */
	s->claim_ns = 0;
	mac_hold(w, s->mac, vkey, s->iface, s->ip);
	return 0;
}

size_t watch_dirty_count(const struct watch *w)
{
	return w->dirty;
}

bool watch_take_dirty(struct watch *w, size_t *cursor, struct watch_station_record *out)
{
	if (w->dirty == 0)
		return false;
	for (size_t i = *cursor; i < w->slot_count; i++) {
		struct station *s = &w->slots[i];

		if (!(s->flags & STATION_DIRTY))
			continue;
		s->flags &= (uint16_t)~STATION_DIRTY;
		w->dirty--;
		to_record(s, out);
		*cursor = i + 1;
		return true;
	}
	*cursor = w->slot_count;
	return false;
}
