#include "watch_events.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define NS_PER_SECOND 1000000000ull
#define INITIAL_SLOTS 1024
#define STALE_SLOTS 4096 /* direct-mapped: a collision only means an early repeat */

enum station_flags {
	STATION_USED = 1 << 0,
	STATION_HAS_PREV = 1 << 1,
	STATION_DIRTY = 1 << 2,
	STATION_LAST_GARP = 1 << 3, /* the holder's last claim was gratuitous */
	STATION_CONTENDED = 1 << 4, /* contender_ns is meaningful */
};

/* 56 bytes; the table runs at most 80% full, so about 70 bytes per station. */
struct station {
	uint64_t claim_ns;      /* last claim by mac */
	uint64_t contender_ns;  /* last conflict reported */
	uint64_t mac_since_ns;  /* when mac took over */
	uint32_t ip;            /* network order */
	uint32_t first_seen;    /* unix seconds */
	uint32_t last_seen;
	uint16_t vlan_key;      /* 0 untagged, else VID + 1 */
	uint8_t iface;
	uint8_t flags;
	uint8_t mac[MAC_LEN];
	uint8_t prev_mac[MAC_LEN];
};

struct stale_report {
	uint64_t last_ns;
	uint32_t ip;
	uint16_t vlan_key;
	uint8_t iface;
	uint8_t used;
	uint8_t sender[MAC_LEN];
};

struct iface_info {
	char name[IF_NAMESIZE];
	bool check_bogon;
	struct watch_subnet *nets;
	size_t net_count;
};

struct watch {
	struct watch_config cfg;
	struct station *slots;
	size_t slot_count;       /* power of two */
	size_t used;
	size_t dirty;
	struct stale_report *stale;
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
}

int watch_create(struct watch **out, const struct watch_config *cfg)
{
	struct watch *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->slot_count = INITIAL_SLOTS;
	w->slots = calloc(w->slot_count, sizeof(*w->slots));
	w->stale = calloc(STALE_SLOTS, sizeof(*w->stale));
	if (!w->slots || !w->stale) {
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
	for (unsigned i = 0; i < w->iface_count; i++)
		free(w->ifaces[i].nets);
	free(w->slots);
	free(w->stale);
	free(w);
}

int watch_iface(struct watch *w, const char *name)
{
	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	for (unsigned i = 0; i < w->iface_count; i++)
		if (!strcmp(w->ifaces[i].name, name))
			return (int)i;
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

static size_t slot_hash(uint32_t ip, uint16_t vkey, uint8_t iface, size_t slot_count)
{
	uint64_t key = (uint64_t)ip | (uint64_t)vkey << 32 | (uint64_t)iface << 48;

	key *= 0x9e3779b97f4a7c15ull;
	key ^= key >> 29;
	return (size_t)key & (slot_count - 1);
}

/* The slot holding the key, or the empty slot where it would go. */
static struct station *find_slot(struct station *slots, size_t slot_count, uint32_t ip,
				 uint16_t vkey, uint8_t iface)
{
	size_t i = slot_hash(ip, vkey, iface, slot_count);

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
			*find_slot(slots, count, s->ip, s->vlan_key, s->iface) = *s;
	}
	free(w->slots);
	w->slots = slots;
	w->slot_count = count;
	return 0;
}

/* A new station's slot, growing the table first when it would pass 80% full. */
static struct station *insert_slot(struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface)
{
	struct station *s;

	if (w->used >= w->cfg.max_stations)
		return NULL;
	if ((w->used + 1) * 5 > w->slot_count * 4 && grow(w) < 0)
		return NULL;
	s = find_slot(w->slots, w->slot_count, ip, vkey, iface);
	memset(s, 0, sizeof(*s));
	s->ip = ip;
	s->vlan_key = vkey;
	s->iface = iface;
	s->flags = STATION_USED;
	w->used++;
	return s;
}

static const struct station *lookup(const struct watch *w, uint32_t ip, uint16_t vkey,
				    uint8_t iface)
{
	const struct station *s = find_slot(w->slots, w->slot_count, ip, vkey, iface);

	return s->flags & STATION_USED ? s : NULL;
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

static uint64_t elapsed(uint64_t later, uint64_t earlier)
{
	return later > earlier ? later - earlier : 0;
}

/* Fills the fields every event of this frame shares. */
static struct watch_event *add_event(struct watch *w, struct watch_event *out, size_t *n,
				     enum watch_event_kind kind, uint64_t time_ns, unsigned iface,
				     int vlan, struct in_addr ip, const struct mac *mac)
{
	struct watch_event *e = &out[(*n)++];

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->time_ns = time_ns;
	e->iface = iface;
	e->vlan = vlan;
	e->ip = ip;
	e->mac = *mac;
	w->counters.events[kind]++;
	return e;
}

static void set_old(struct watch_event *e, const uint8_t *old)
{
	memcpy(e->old_mac.octet, old, MAC_LEN);
	e->has_old_mac = true;
}

struct claim {
	uint64_t time_ns;
	unsigned iface;
	int vlan;
	struct in_addr ip;
	struct mac mac;
	uint16_t op;
	bool gratuitous;
};

/* A claim by someone other than the holder: conflict, flip-flop or changed-mac.
 * Returns the kind that applied. */
static enum watch_event_kind contest(struct watch *w, struct station *s, const struct claim *c,
				     struct watch_event *e)
{
	uint64_t since_holder = elapsed(c->time_ns, s->claim_ns);
	uint64_t held = elapsed(c->time_ns, s->mac_since_ns);

	set_old(e, s->mac);
	if (since_holder <= w->cfg.conflict_window_ns) {
		e->kind = WATCH_CONFLICT;
		e->age_ns = since_holder;
		return WATCH_CONFLICT;
	}
	if ((s->flags & STATION_HAS_PREV) && !memcmp(s->prev_mac, c->mac.octet, MAC_LEN) &&
	    held <= w->cfg.flip_flop_window_ns) {
		e->kind = WATCH_FLIP_FLOP;
		e->age_ns = held;
	} else {
		e->kind = WATCH_CHANGED_MAC;
		e->age_ns = held;
	}
	memcpy(s->prev_mac, s->mac, MAC_LEN);
	memcpy(s->mac, c->mac.octet, MAC_LEN);
	s->flags |= STATION_HAS_PREV;
	s->flags &= (uint8_t)~STATION_CONTENDED;
	s->mac_since_ns = c->time_ns;
	return e->kind;
}

static void handle_claim(struct watch *w, const struct claim *c, struct watch_event *out,
			 size_t *n)
{
	uint32_t seconds = (uint32_t)(c->time_ns / NS_PER_SECOND);
	uint16_t vkey = vlan_key(c->vlan);
	struct station *s = find_slot(w->slots, w->slot_count, c->ip.s_addr, vkey, (uint8_t)c->iface);
	bool bogon = is_bogon(&w->ifaces[c->iface], c->ip);
	bool garp_repeat = false;
	struct watch_event *e;

	if (!(s->flags & STATION_USED)) {
		s = insert_slot(w, c->ip.s_addr, vkey, (uint8_t)c->iface);
		if (!s) {
			w->counters.table_full++;
			return;
		}
		memcpy(s->mac, c->mac.octet, MAC_LEN);
		s->first_seen = seconds;
		s->mac_since_ns = c->time_ns;
		if (c->gratuitous)
			add_event(w, out, n, WATCH_GRATUITOUS, c->time_ns, c->iface, c->vlan, c->ip,
				  &c->mac)->arp_op = c->op;
		add_event(w, out, n, WATCH_NEW_STATION, c->time_ns, c->iface, c->vlan, c->ip,
			  &c->mac)->arp_op = c->op;
		if (bogon)
			add_event(w, out, n, WATCH_BOGON, c->time_ns, c->iface, c->vlan, c->ip,
				  &c->mac)->arp_op = c->op;
	} else if (!memcmp(s->mac, c->mac.octet, MAC_LEN)) {
		garp_repeat = (s->flags & STATION_LAST_GARP) &&
			      elapsed(c->time_ns, s->claim_ns) < WATCH_GARP_REPEAT_NS;
		if (c->gratuitous && garp_repeat)
			w->counters.repeats[WATCH_GRATUITOUS]++;
		else if (c->gratuitous)
			add_event(w, out, n, WATCH_GRATUITOUS, c->time_ns, c->iface, c->vlan, c->ip,
				  &c->mac)->arp_op = c->op;
	} else {
		struct watch_event contested;
		enum watch_event_kind kind;

		memset(&contested, 0, sizeof(contested));
		kind = contest(w, s, c, &contested);
		if (kind == WATCH_CONFLICT) {
			if ((s->flags & STATION_CONTENDED) &&
			    elapsed(c->time_ns, s->contender_ns) <= w->cfg.conflict_window_ns) {
				w->counters.repeats[WATCH_CONFLICT]++;
				return;
			}
			s->flags |= STATION_CONTENDED;
			s->contender_ns = c->time_ns;
		}
		if (c->gratuitous)
			add_event(w, out, n, WATCH_GRATUITOUS, c->time_ns, c->iface, c->vlan, c->ip,
				  &c->mac)->arp_op = c->op;
		e = add_event(w, out, n, kind, c->time_ns, c->iface, c->vlan, c->ip, &c->mac);
		e->old_mac = contested.old_mac;
		e->has_old_mac = true;
		e->age_ns = contested.age_ns;
		e->arp_op = c->op;
		if (kind == WATCH_CONFLICT) {
			/* The holder keeps the address; the contender's claim changes nothing. */
			return;
		}
		if (bogon) {
			e = add_event(w, out, n, WATCH_BOGON, c->time_ns, c->iface, c->vlan, c->ip,
				      &c->mac);
			e->old_mac = contested.old_mac;
			e->has_old_mac = true;
			e->arp_op = c->op;
		}
	}
	s->claim_ns = c->time_ns;
	if (c->gratuitous)
		s->flags |= STATION_LAST_GARP;
	else
		s->flags &= (uint8_t)~STATION_LAST_GARP;
	if (s->last_seen != seconds || *n > 0)
		mark_dirty(w, s);
	s->last_seen = seconds;
}

static void handle_arp(struct watch *w, unsigned iface, uint64_t time_ns,
		       const struct arp_frame *f, struct watch_event *out, size_t *n)
{
	struct claim c;

	w->counters.arp++;
	if (!mac_equal(&f->eth.src, &f->sha)) {
		struct watch_event *e = add_event(w, out, n, WATCH_ETHER_MISMATCH, time_ns, iface,
						  f->eth.vlan, f->spa, &f->sha);

		e->sender_mac = f->eth.src;
		e->arp_op = f->op;
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
	c.op = f->op;
	c.gratuitous = arp_is_gratuitous(f);
	handle_claim(w, &c, out, n);
}

/*
 * Only the IPv4 header is needed, and captures are often cut short (snap length),
 * so the header is checked on its own rather than against the total length.
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
	if (inet_checksum(buf, header_len) != 0)
		return FRAME_INCONSISTENT;
	memcpy(&src->s_addr, buf + 12, 4);
	memcpy(&dst->s_addr, buf + 16, 4);
	return 0;
}

/* The sender's own IP: the packet's source when the table agrees (a host on the
 * link), else any address the table gives that MAC (a router forwarding). */
static bool sender_ip(const struct watch *w, const struct mac *sender, struct in_addr src,
		      uint16_t vkey, uint8_t iface, struct in_addr *out)
{
	const struct station *s = lookup(w, src.s_addr, vkey, iface);

	if (s && !memcmp(s->mac, sender->octet, MAC_LEN)) {
		*out = src;
		return true;
	}
	/* Rare (rate-limited per sender), so a scan is cheaper than a second index. */
	for (size_t i = 0; i < w->slot_count; i++) {
		s = &w->slots[i];
		if ((s->flags & STATION_USED) && s->vlan_key == vkey && s->iface == iface &&
		    !memcmp(s->mac, sender->octet, MAC_LEN)) {
			out->s_addr = s->ip;
			return true;
		}
	}
	return false;
}

static bool stale_is_repeat(struct watch *w, uint32_t ip, uint16_t vkey, uint8_t iface,
			    const struct mac *sender, uint64_t time_ns)
{
	uint32_t h = ip * 2654435761u ^ (uint32_t)vkey << 16 ^ iface;
	struct stale_report *r;

	for (unsigned i = 0; i < MAC_LEN; i++)
		h = (h ^ sender->octet[i]) * 16777619u;
	r = &w->stale[h % STALE_SLOTS];
	if (r->used && r->ip == ip && r->vlan_key == vkey && r->iface == iface &&
	    !memcmp(r->sender, sender->octet, MAC_LEN) &&
	    elapsed(time_ns, r->last_ns) < WATCH_STALE_REPEAT_NS)
		return true;
	r->used = 1;
	r->ip = ip;
	r->vlan_key = vkey;
	r->iface = iface;
	memcpy(r->sender, sender->octet, MAC_LEN);
	r->last_ns = time_ns;
	return false;
}

static void handle_ipv4(struct watch *w, unsigned iface, uint64_t time_ns,
			const struct eth_header *eth, const uint8_t *payload, size_t len,
			struct watch_event *out, size_t *n)
{
	struct in_addr src, dst;
	const struct station *s;
	struct watch_event *e;
	uint16_t vkey = vlan_key(eth->vlan);

	if (peek_ipv4(payload, len, &src, &dst) < 0) {
		w->counters.malformed++;
		return;
	}
	w->counters.ipv4++;
	if (mac_is_multicast(&eth->dst))
		return;
	s = lookup(w, dst.s_addr, vkey, (uint8_t)iface);
	if (!s || !(s->flags & STATION_HAS_PREV) || memcmp(s->prev_mac, eth->dst.octet, MAC_LEN) ||
	    !memcmp(s->mac, eth->dst.octet, MAC_LEN))
		return;
	if (stale_is_repeat(w, dst.s_addr, vkey, (uint8_t)iface, &eth->src, time_ns)) {
		w->counters.repeats[WATCH_STALE_CACHE]++;
		return;
	}
	e = add_event(w, out, n, WATCH_STALE_CACHE, time_ns, iface, eth->vlan, dst,
		      &(struct mac){{0}});
	memcpy(e->mac.octet, s->mac, MAC_LEN);
	e->old_mac = eth->dst;
	e->has_old_mac = true;
	e->sender_mac = eth->src;
	e->has_sender_ip = sender_ip(w, &eth->src, src, vkey, (uint8_t)iface, &e->sender_ip);
}

size_t watch_frame(struct watch *w, unsigned iface, uint64_t time_ns, const uint8_t *frame,
		   size_t len, struct watch_event *out)
{
	struct eth_header eth;
	struct arp_frame arp;
	size_t n = 0;
	int err;

	w->counters.frames++;
	if (iface >= w->iface_count) {
		w->counters.other++;
		return 0;
	}
	err = eth_decode(frame, len, &eth);
	if (err == 0 && eth.ethertype == ETHERTYPE_IPV4) {
		handle_ipv4(w, iface, time_ns, &eth, frame + eth.header_len, len - eth.header_len,
			    out, &n);
		return n;
	}
	if (err == 0 && eth.ethertype == ETHERTYPE_ARP)
		err = arp_decode(frame, len, &arp);
	else if (err == 0)
		err = FRAME_NOT_MINE;
	if (err == 0)
		handle_arp(w, iface, time_ns, &arp, out, &n);
	else if (err == FRAME_NOT_MINE)
		w->counters.other++;
	else
		w->counters.malformed++;
	return n;
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
	return sizeof(*w) + w->slot_count * sizeof(struct station) +
	       STALE_SLOTS * sizeof(struct stale_report);
}

static void to_record(const struct watch *w, const struct station *s,
		      struct watch_station_record *out)
{
	(void)w;
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
	to_record(w, s, out);
	return true;
}

int watch_restore(struct watch *w, const struct watch_station_record *rec)
{
	uint16_t vkey = vlan_key(rec->vlan);
	struct station *s;

	if (rec->iface >= w->iface_count || rec->vlan > 4095)
		return -EINVAL;
	s = find_slot(w->slots, w->slot_count, rec->ip.s_addr, vkey, (uint8_t)rec->iface);
	if (!(s->flags & STATION_USED)) {
		s = insert_slot(w, rec->ip.s_addr, vkey, (uint8_t)rec->iface);
		if (!s)
			return -ENOSPC;
	} else if (s->flags & STATION_DIRTY) {
		s->flags &= (uint8_t)~STATION_DIRTY;
		w->dirty--;
	}
	memcpy(s->mac, rec->mac.octet, MAC_LEN);
	memcpy(s->prev_mac, rec->prev_mac.octet, MAC_LEN);
	s->flags = STATION_USED | (rec->has_prev ? STATION_HAS_PREV : 0);
	s->first_seen = rec->first_seen;
	s->last_seen = rec->last_seen;
	s->mac_since_ns = rec->mac_since_ns;
	/* The holder's last claim is long past: a restart opens no conflict window. */
	s->claim_ns = 0;
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
		s->flags &= (uint8_t)~STATION_DIRTY;
		w->dirty--;
		to_record(w, s, out);
		*cursor = i + 1;
		return true;
	}
	*cursor = w->slot_count;
	return false;
}
