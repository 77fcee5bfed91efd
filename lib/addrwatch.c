#include "addrwatch.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "vec.h"

#define AW_MIN_SLOTS 64

void aw_timing_default(struct aw_timing *t)
{
	t->quiet_ns = 20 * NS_PER_MS;
	t->burst_max_ns = 200 * NS_PER_MS;
	t->conflict_holdoff_ns = 200 * NS_PER_MS;
	t->conflict_interval_ns = 5 * NS_PER_SEC;
	t->refresh_ns = 0;
}

const char *aw_reason_name(enum aw_reason reason)
{
	switch (reason) {
	case AW_REASON_ADDED: return "added";
	case AW_REASON_LINK_UP: return "link-up";
	case AW_REASON_MAC_CHANGE: return "mac-change";
	case AW_REASON_REFRESH: return "refresh";
	case AW_REASON_CONFLICT: return "conflict";
	case AW_REASON_NONE: break;
	}
	return "none";
}

int aw_init(struct addrwatch *w, const struct aw_timing *timing, uint64_t now)
{
	memset(w, 0, sizeof(*w));
	w->slots = calloc(AW_MIN_SLOTS, sizeof(*w->slots));
	if (!w->slots)
		return -ENOMEM;
	w->slot_mask = AW_MIN_SLOTS - 1;
	aw_set_timing(w, timing, now);
	return 0;
}

void aw_free(struct addrwatch *w)
{
	free(w->slots);
	free(w->ifaces);
	memset(w, 0, sizeof(*w));
}

void aw_set_timing(struct addrwatch *w, const struct aw_timing *timing, uint64_t now)
{
	bool refresh_changed = timing->refresh_ns != w->timing.refresh_ns;

	w->timing = *timing;
	if (refresh_changed)
		w->next_refresh_ns = timing->refresh_ns ? now + timing->refresh_ns : 0;
}

/* ---- the address table ---- */

static size_t addr_hash(int ifindex, struct in_addr addr)
{
	uint64_t key = ((uint64_t)(uint32_t)ifindex << 32 | addr.s_addr) * 0x9e3779b97f4a7c15ull;

	return (size_t)(key ^ (key >> 31));
}

static struct aw_addr *slot_of(const struct addrwatch *w, int ifindex, struct in_addr addr)
{
	for (size_t i = addr_hash(ifindex, addr) & w->slot_mask;; i = (i + 1) & w->slot_mask) {
		struct aw_addr *a = &w->slots[i];

		if (a->ifindex == 0 || (a->ifindex == ifindex && a->addr.s_addr == addr.s_addr))
			return a;
	}
}

static int grow_slots(struct addrwatch *w)
{
	size_t old_size = w->slot_mask + 1, size = old_size * 2;
	struct aw_addr *old = w->slots, *fresh = calloc(size, sizeof(*fresh));

	if (!fresh)
		return -ENOMEM;
	w->slots = fresh;
	w->slot_mask = size - 1;
	for (size_t i = 0; i < old_size; i++)
		if (old[i].ifindex)
			*slot_of(w, old[i].ifindex, old[i].addr) = old[i];
	free(old);
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
static void remove_slot(struct addrwatch *w, struct aw_addr *a)
{
	size_t hole = (size_t)(a - w->slots);

	for (size_t j = (hole + 1) & w->slot_mask; w->slots[j].ifindex; j = (j + 1) & w->slot_mask) {
		size_t home = addr_hash(w->slots[j].ifindex, w->slots[j].addr) & w->slot_mask;
		/* Entry j may move into the hole unless its home lies cyclically in (hole, j]. */
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);

		if (!stays) {
			w->slots[hole] = w->slots[j];
			hole = j;
		}
	}
	memset(&w->slots[hole], 0, sizeof(w->slots[hole]));
	w->addr_count--;
}

const struct aw_addr *aw_addr_find(const struct addrwatch *w, int ifindex, struct in_addr addr)
{
	const struct aw_addr *a = slot_of(w, ifindex, addr);

	return a->ifindex ? a : NULL;
}

/* ---- interfaces ---- */

static struct aw_iface *iface_of(const struct addrwatch *w, int ifindex)
{
	for (size_t i = 0; i < w->iface_count; i++)
		if (w->ifaces[i].ifindex == ifindex)
			return &w->ifaces[i];
	return NULL;
}

const struct aw_iface *aw_iface_find(const struct addrwatch *w, int ifindex)
{
	return iface_of(w, ifindex);
}

/* Our own frames are no conflict. */
static bool aw_mac_is_ours(const struct addrwatch *w, const struct mac *mac)
{
	for (size_t i = 0; i < w->iface_count; i++)
		if (w->ifaces[i].has_mac && mac_equal(&w->ifaces[i].mac, mac))
			return true;
	return false;
}

static bool aw_name_watched(const struct addrwatch *w, const char *name)
{
	if (w->watch_count == 0)
		return true;
	for (unsigned i = 0; i < w->watch_count; i++)
		if (!strcmp(w->watch[i], name))
			return true;
	return false;
}

int aw_set_watch(struct addrwatch *w, const char *const *names, unsigned count)
{
	if (count > AW_MAX_WATCH)
		return -E2BIG;
	for (unsigned i = 0; i < count; i++)
		if (strlen(names[i]) >= IF_NAMESIZE || !names[i][0])
			return -EINVAL;
	for (unsigned i = 0; i < count; i++)
		strcpy(w->watch[i], names[i]);
	w->watch_count = count;
	return 0;
}

/* ---- what is due ---- */

static bool is_due(const struct aw_addr *a)
{
	return a->reason != AW_REASON_NONE;
}

static void clear_due(struct aw_addr *a)
{
	a->reason = AW_REASON_NONE;
	a->in_burst = false;
	a->due_ns = 0;
}

static void queue_in_burst(struct addrwatch *w, struct aw_addr *a, enum aw_reason reason,
			   uint64_t now)
{
	if (!w->burst_open) {
		w->burst_open = true;
		w->burst_first_ns = now;
	}
	w->burst_last_ns = now;
	if (is_due(a) && (a->in_burst || a->due_ns <= now + w->timing.quiet_ns))
		return; /* already going out at least as soon */
	if (!is_due(a))
		a->noticed_ns = now;
	a->reason = reason;
	a->in_burst = true;
	a->due_ns = 0;
}

static void queue_at(struct aw_addr *a, enum aw_reason reason, uint64_t now, uint64_t due)
{
	if (is_due(a) && !a->in_burst && a->due_ns <= due)
		return;
	if (!is_due(a))
		a->noticed_ns = now;
	a->reason = reason;
	a->in_burst = false;
	a->due_ns = due;
}

static uint64_t burst_deadline(const struct addrwatch *w)
{
	uint64_t quiet_end = w->burst_last_ns + w->timing.quiet_ns;
	uint64_t hard_end = w->burst_first_ns + w->timing.burst_max_ns;

	return quiet_end < hard_end ? quiet_end : hard_end;
}

/* Queues one interface's addresses for `due`; count queued. */
static size_t aw_queue_iface(struct addrwatch *w, int ifindex, enum aw_reason reason,
			     uint64_t now, uint64_t due)
{
	size_t queued = 0;

	for (size_t i = 0; i <= w->slot_mask; i++) {
		struct aw_addr *a = &w->slots[i];

		if (a->ifindex != ifindex)
			continue;
		queue_at(a, reason, now, due);
		queued++;
	}
	return queued;
}

int aw_queue_addr(struct addrwatch *w, int ifindex, struct in_addr addr, enum aw_reason reason,
		  uint64_t noticed_ns, uint64_t now, uint64_t due)
{
	struct aw_addr *a = slot_of(w, ifindex, addr);

	if (!a->ifindex)
		return 0;
	if (due)
		queue_at(a, reason, now, due);
	else
		queue_in_burst(w, a, reason, now);
	if (noticed_ns && noticed_ns < a->noticed_ns)
		a->noticed_ns = noticed_ns;
	return 1;
}

bool aw_on_link(const struct addrwatch *w, int ifindex, struct in_addr addr)
{
	for (size_t i = 0; i <= w->slot_mask; i++) {
		const struct aw_addr *a = &w->slots[i];

		if (a->ifindex == ifindex && ipv4_in_subnet(addr, a->addr, a->prefixlen))
			return true;
	}
	return false;
}

static void queue_iface_in_burst(struct addrwatch *w, int ifindex, uint64_t now)
{
	for (size_t i = 0; i <= w->slot_mask; i++)
		if (w->slots[i].ifindex == ifindex)
			queue_in_burst(w, &w->slots[i], AW_REASON_ADDED, now);
}

static void unqueue_iface(struct addrwatch *w, int ifindex)
{
	for (size_t i = 0; i <= w->slot_mask; i++)
		if (w->slots[i].ifindex == ifindex)
			clear_due(&w->slots[i]);
}

static unsigned count_held(const struct addrwatch *w, int ifindex)
{
	unsigned held = 0;

	for (size_t i = 0; i <= w->slot_mask; i++)
		held += w->slots[i].ifindex == ifindex;
	return held;
}

/* ---- netlink input ---- */

int aw_link_update(struct addrwatch *w, const struct nl_link *link, uint64_t now)
{
	struct aw_iface *ifc = iface_of(w, link->ifindex);
	/* IFF_RUNNING, not the carrier bit: it is set once the kernel has activated the
	 * queue, and frames sent before that fail with ENETDOWN. */
	bool operational = (link->flags & IFF_UP) && (link->flags & IFF_RUNNING) && link->carrier;
	bool arp_capable = nl_link_is_arp_capable(link);
	bool watched = arp_capable && aw_name_watched(w, link->name);
	unsigned change = 0;

	if (!ifc) {
		if (vec_reserve_fields(w->ifaces, w->iface_cap, w->iface_count + 1) < 0)
			return -ENOMEM;
		ifc = &w->ifaces[w->iface_count++];
		memset(ifc, 0, sizeof(*ifc));
		ifc->ifindex = link->ifindex;
		ifc->held = count_held(w, link->ifindex);
		change |= AW_LINK_NEW;
		if (watched)
			change |= AW_LINK_WATCHED;
		if (operational)
			change |= AW_LINK_UP;
	} else {
		if (watched && !ifc->watched)
			change |= AW_LINK_WATCHED;
		if (!watched && ifc->watched)
			change |= AW_LINK_UNWATCHED;
		if (operational && !ifc->operational)
			change |= AW_LINK_UP;
		if (!operational && ifc->operational)
			change |= AW_LINK_DOWN;
		if (link->has_mac && ifc->has_mac && !mac_equal(&link->mac, &ifc->mac))
			change |= AW_LINK_MAC;
	}
	memcpy(ifc->name, link->name, sizeof(ifc->name));
	ifc->mac = link->mac;
	ifc->has_mac = link->has_mac;
	ifc->arp_capable = arp_capable;
	ifc->operational = operational;
	ifc->watched = watched;
	ifc->seen_gen = w->gen;

	if (change & AW_LINK_UNWATCHED)
		unqueue_iface(w, ifc->ifindex);
	if (watched && operational) {
		if (change & AW_LINK_NEW)
			queue_iface_in_burst(w, ifc->ifindex, now);
		else if (change & AW_LINK_UP)
			aw_queue_iface(w, ifc->ifindex, AW_REASON_LINK_UP, now, now);
		else if (change & AW_LINK_MAC)
			aw_queue_iface(w, ifc->ifindex, AW_REASON_MAC_CHANGE, now, now);
		else if (change & AW_LINK_WATCHED)
			queue_iface_in_burst(w, ifc->ifindex, now);
	}
	return (int)change;
}

static void remove_iface_addrs(struct addrwatch *w, int ifindex)
{
	/* Deleting while scanning a linear-probing table would skip shifted entries:
	 * restart the scan at the hole until nothing of this interface is left. */
	for (size_t i = 0; i <= w->slot_mask;) {
		if (w->slots[i].ifindex == ifindex)
			remove_slot(w, &w->slots[i]);
		else
			i++;
	}
}

void aw_link_remove(struct addrwatch *w, int ifindex)
{
	struct aw_iface *ifc = iface_of(w, ifindex);

	remove_iface_addrs(w, ifindex);
	if (!ifc)
		return;
	*ifc = w->ifaces[--w->iface_count];
}

int aw_addr_update(struct addrwatch *w, const struct nl_addr *addr, uint64_t now)
{
	struct aw_iface *ifc;
	struct aw_addr *a;

	if (addr->addr.family != AF_INET || addr->scope == RT_SCOPE_HOST || addr->ifindex <= 0 ||
	    addr->addr.v4.s_addr == 0)
		return 0;
	a = slot_of(w, addr->ifindex, addr->addr.v4);
	if (a->ifindex) {
		a->seen_gen = w->gen;
		return 0;
	}
	if ((w->addr_count + 1) * 2 > w->slot_mask + 1) {
		if (grow_slots(w) < 0)
			return -ENOMEM;
		a = slot_of(w, addr->ifindex, addr->addr.v4);
	}
	memset(a, 0, sizeof(*a));
	a->ifindex = addr->ifindex;
	a->addr = addr->addr.v4;
	a->prefixlen = addr->prefixlen;
	a->seen_gen = w->gen;
	w->addr_count++;
	ifc = iface_of(w, addr->ifindex);
	if (ifc) {
		ifc->held++;
		if (ifc->watched)
			queue_in_burst(w, a, AW_REASON_ADDED, now);
	}
	return 1;
}

int aw_addr_remove(struct addrwatch *w, int ifindex, struct in_addr addr)
{
	struct aw_addr *a = slot_of(w, ifindex, addr);
	struct aw_iface *ifc;

	if (!a->ifindex)
		return 0;
	remove_slot(w, a);
	ifc = iface_of(w, ifindex);
	if (ifc && ifc->held)
		ifc->held--;
	return 1;
}

void aw_rewatch(struct addrwatch *w, uint64_t now,
		void (*fn)(const struct aw_iface *iface, unsigned change, void *ctx), void *ctx)
{
	for (size_t i = 0; i < w->iface_count; i++) {
		struct aw_iface *ifc = &w->ifaces[i];
		bool watched = ifc->arp_capable && aw_name_watched(w, ifc->name);

		if (watched == ifc->watched)
			continue;
		ifc->watched = watched;
		if (watched && ifc->operational)
			queue_iface_in_burst(w, ifc->ifindex, now);
		if (!watched)
			unqueue_iface(w, ifc->ifindex);
		if (fn)
			fn(ifc, watched ? AW_LINK_WATCHED : AW_LINK_UNWATCHED, ctx);
	}
}

void aw_reconcile_begin(struct addrwatch *w)
{
	w->gen++;
}

void aw_reconcile_end(struct addrwatch *w, void (*gone)(int ifindex, void *ctx), void *ctx)
{
	for (size_t i = 0; i <= w->slot_mask;) {
		if (w->slots[i].ifindex && w->slots[i].seen_gen != w->gen)
			remove_slot(w, &w->slots[i]);
		else
			i++;
	}
	for (size_t i = 0; i < w->iface_count;) {
		if (w->ifaces[i].seen_gen == w->gen) {
			w->ifaces[i].held = count_held(w, w->ifaces[i].ifindex);
			i++;
			continue;
		}
		int ifindex = w->ifaces[i].ifindex;

		remove_iface_addrs(w, ifindex);
		w->ifaces[i] = w->ifaces[--w->iface_count];
		if (gone)
			gone(ifindex, ctx);
	}
}

/* ---- conflicts ---- */

enum aw_conflict aw_on_arp(struct addrwatch *w, int ifindex, const struct arp_frame *frame,
			   uint64_t now, uint64_t *when, const struct aw_addr **held)
{
	struct aw_addr *a;
	uint64_t due;

	if (frame->spa.s_addr == 0)
		return AW_CONFLICT_NONE;
	a = slot_of(w, ifindex, frame->spa);
	if (!a->ifindex || aw_mac_is_ours(w, &frame->sha))
		return AW_CONFLICT_NONE;
	a->conflicts++;
	due = now + w->timing.conflict_holdoff_ns;
	if (a->last_conflict_announce_ns &&
	    a->last_conflict_announce_ns + w->timing.conflict_interval_ns > due)
		due = a->last_conflict_announce_ns + w->timing.conflict_interval_ns;
	queue_at(a, AW_REASON_CONFLICT, now, due);
	*when = a->in_burst ? burst_deadline(w) : a->due_ns;
	*held = a;
	if (a->last_conflict_report_ns &&
	    now < a->last_conflict_report_ns + w->timing.conflict_interval_ns)
		return AW_CONFLICT_REPEAT;
	a->last_conflict_report_ns = now;
	return AW_CONFLICT_NEW;
}

/* ---- collecting ---- */

uint64_t aw_next_due(const struct addrwatch *w)
{
	uint64_t next = UINT64_MAX;

	if (w->burst_open)
		next = burst_deadline(w);
	if (w->timing.refresh_ns && w->addr_count && w->next_refresh_ns < next)
		next = w->next_refresh_ns;
	for (size_t i = 0; i <= w->slot_mask; i++) {
		const struct aw_addr *a = &w->slots[i];

		if (a->ifindex && is_due(a) && !a->in_burst && a->due_ns < next)
			next = a->due_ns;
	}
	return next;
}

size_t aw_collect_due(struct addrwatch *w, uint64_t now, struct aw_due *out, size_t max)
{
	bool burst_closed = w->burst_open && now >= burst_deadline(w);
	size_t n = 0, i;

	if (w->timing.refresh_ns && now >= w->next_refresh_ns) {
		for (i = 0; i <= w->slot_mask; i++)
			if (w->slots[i].ifindex)
				queue_at(&w->slots[i], AW_REASON_REFRESH, now, now);
		w->next_refresh_ns = now + w->timing.refresh_ns;
	}
	for (i = 0; i <= w->slot_mask && n < max; i++) {
		struct aw_addr *a = &w->slots[i];
		const struct aw_iface *ifc;

		if (!a->ifindex || !is_due(a))
			continue;
		if (a->in_burst ? !burst_closed : a->due_ns > now)
			continue;
		ifc = iface_of(w, a->ifindex);
		if (ifc && ifc->watched && ifc->operational) {
			out[n].ifindex = a->ifindex;
			out[n].addr = a->addr;
			out[n].reason = a->reason;
			out[n].noticed_ns = a->noticed_ns;
			n++;
			if (a->reason == AW_REASON_CONFLICT)
				a->last_conflict_announce_ns = now;
		}
		clear_due(a);
	}
	if (i > w->slot_mask && burst_closed)
		w->burst_open = false;
	return n;
}
