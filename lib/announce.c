#include "announce.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "frame.h"
#include "pace.h"
#include "vec.h"

#define ECHO_PAYLOAD 56
#define PACER_BURST LINK_BATCH

enum phase {
	PHASE_IDLE,
	PHASE_DAD_WAIT,    /* the kernel runs DAD for tentative addresses: nothing is sent */
	PHASE_PROBE,       /* sending probes */
	PHASE_ROUND,       /* sending a round */
	PHASE_BETWEEN,     /* waiting for the next round */
	PHASE_FINAL_WAIT,  /* last round sent, waiting for late replies */
	PHASE_DONE,
};

struct echo_ref {
	uint32_t target;
	uint32_t peer;
};

struct announce_run {
	struct announce_config cfg;
	struct announce_iface *ifaces;
	unsigned iface_count;
	struct link_tx *tx;          /* one batch per interface */
	struct link_rx *rx;

	struct announce_target *targets;
	size_t count, cap;
	size_t unresolved;
	size_t tentative;            /* targets still waiting for DAD */
	size_t announcing;           /* targets that take part in rounds (not tentative, DAD
				      * not failed), once the DAD wait is over */

	/* (iface, address) -> target index + 1, open addressing; rebuilt at start. */
	uint32_t *slots;
	size_t slot_mask;

	struct echo_ref *echo_queue; /* echoes due at once: a peer just answered ARP */
	size_t echo_head, echo_tail, echo_cap;

	enum phase phase;
	uint64_t start_ns;
	uint64_t rounds_base_ns;
	uint64_t deadline_ns;
	uint64_t probe_window_end_ns; /* answers to the probes are awaited until then */
	unsigned round;
	size_t cursor;               /* next target in the current pass */
	unsigned part;               /* next frame of that target */
	struct pacer pacer;
	struct announce_counters counters;
};

void announce_config_default(struct announce_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->form = ANNOUNCE_FORM_BOTH;
	cfg->rounds = 3;
	cfg->interval_ns = 1000 * NS_PER_MS;
	cfg->rate = 50000;
	cfg->probe = true;
	cfg->probe_wait_ns = 50 * NS_PER_MS;
	cfg->verify = true;
	cfg->final_wait_ns = 1000 * NS_PER_MS;
	cfg->request_tha = ANNOUNCE_THA_ZERO;
	/* Linux's DAD: a random delay under rtr_solicit_delay (1 s), then dad_transmits (1)
	 * solicitations retrans_time (1 s) apart; room for a few more. */
	cfg->dad_wait_ns = 5000 * NS_PER_MS;
}

const char *announce_result_name(enum announce_result result)
{
	switch (result) {
	case ANNOUNCE_CONFIRMED: return "confirmed";
	case ANNOUNCE_UNCONFIRMED: return "unconfirmed";
	case ANNOUNCE_PEER_SILENT: return "peer-silent";
	case ANNOUNCE_SENT: return "sent";
	case ANNOUNCE_UNVERIFIED: return "unverified";
	case ANNOUNCE_TENTATIVE: return "tentative";
	case ANNOUNCE_DAD_FAILED: return "dad-failed";
	case ANNOUNCE_PENDING: break;
	}
	return "pending";
}

bool announce_result_is_negative(enum announce_result result)
{
	return result != ANNOUNCE_CONFIRMED && result != ANNOUNCE_SENT;
}

bool announce_tally_is_negative(const struct announce_tally *tally)
{
	if (tally->in_conflict)
		return true;
	for (int r = 0; r < ANNOUNCE_RESULT_COUNT; r++)
		if (tally->by_result[r] && announce_result_is_negative((enum announce_result)r))
			return true;
	return false;
}

enum announce_peer_state announce_peer_state(const struct announce_peer *peer)
{
	if (peer->confirmed)
		return ANNOUNCE_PEER_CONFIRMED;
	if (!peer->arp_answered)
		return ANNOUNCE_PEER_NO_ANSWER;
	return peer->echoes_sent ? ANNOUNCE_PEER_NO_ECHO_REPLY : ANNOUNCE_PEER_ANSWERED;
}

enum announce_addr_state announce_addr_state_of(const struct nl_addr *addr)
{
	switch (nl_addr_state(addr)) {
	case NL_ADDR_DADFAILED:
		return ANNOUNCE_ADDR_DADFAILED;
	case NL_ADDR_TENTATIVE:
		return ANNOUNCE_ADDR_TENTATIVE;
	default:
		return addr->flags & IFA_F_OPTIMISTIC ? ANNOUNCE_ADDR_OPTIMISTIC : ANNOUNCE_ADDR_READY;
	}
}

const char *announce_peer_state_name(enum announce_peer_state state)
{
	switch (state) {
	case ANNOUNCE_PEER_NO_ANSWER: return "silent";
	case ANNOUNCE_PEER_ANSWERED: return "answered";
	case ANNOUNCE_PEER_NO_ECHO_REPLY: return "no-echo-reply";
	case ANNOUNCE_PEER_CONFIRMED: return "confirmed";
	}
	return "silent";
}

int announce_run_create(struct announce_run **out, const struct announce_config *cfg,
			const struct announce_iface *ifaces, unsigned iface_count)
{
	struct announce_run *run = calloc(1, sizeof(*run));

	if (!run)
		return -ENOMEM;
	run->cfg = *cfg;
	if (run->cfg.rounds == 0)
		run->cfg.rounds = 1;
	if (run->cfg.request_tha == 0)
		run->cfg.request_tha = ANNOUNCE_THA_ZERO;
	run->iface_count = iface_count;
	run->ifaces = calloc(iface_count ? iface_count : 1, sizeof(*run->ifaces));
	run->tx = calloc(iface_count ? iface_count : 1, sizeof(*run->tx));
	run->rx = malloc(sizeof(*run->rx));
	if (!run->ifaces || !run->tx || !run->rx) {
		announce_run_free(run);
		return -ENOMEM;
	}
	memcpy(run->ifaces, ifaces, iface_count * sizeof(*ifaces));
	*out = run;
	return 0;
}

void announce_run_free(struct announce_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->count; i++)
		free(run->targets[i].peers);
	free(run->targets);
	free(run->slots);
	free(run->echo_queue);
	free(run->ifaces);
	free(run->tx);
	free(run->rx);
	free(run);
}

/* FNV-1a over the address bytes and the interface, then mixed. */
static size_t slot_hash(unsigned iface, const struct ipaddr *addr)
{
	const uint8_t *bytes = addr->family == AF_INET6 ? addr->v6.s6_addr
						       : (const uint8_t *)&addr->v4.s_addr;
	uint64_t key = 0xcbf29ce484222325ull ^ iface;

	for (size_t i = 0; i < ipaddr_size(addr->family); i++)
		key = (key ^ bytes[i]) * 0x100000001b3ull;
	key *= 0x9e3779b97f4a7c15ull;
	return (size_t)(key ^ (key >> 29));
}

static struct announce_target *find_target(const struct announce_run *run, unsigned iface,
					   const struct ipaddr *addr)
{
	if (!run->slots)
		return NULL;
	for (size_t i = slot_hash(iface, addr) & run->slot_mask;; i = (i + 1) & run->slot_mask) {
		uint32_t idx = run->slots[i];
		struct announce_target *t;

		if (idx == 0)
			return NULL;
		t = &run->targets[idx - 1];
		if (t->iface == iface && ipaddr_equal(&t->ip, addr))
			return t;
	}
}

/* Builds the (iface, addr) index and drops repeated targets on the way, keeping the
 * first: one pass, where checking each add against every earlier one was O(n^2). */
static int index_targets(struct announce_run *run)
{
	size_t size = 16, kept = 0;

	while (size < run->count * 2)
		size *= 2;
	free(run->slots);
	run->slots = calloc(size, sizeof(*run->slots));
	if (!run->slots)
		return -ENOMEM;
	run->slot_mask = size - 1;
	for (size_t t = 0; t < run->count; t++) {
		struct announce_target *target = &run->targets[t];
		size_t i;

		if (find_target(run, target->iface, &target->ip)) {
			free(target->peers);
			continue;
		}
		run->targets[kept] = *target;
		i = slot_hash(target->iface, &target->ip) & run->slot_mask;
		while (run->slots[i])
			i = (i + 1) & run->slot_mask;
		run->slots[i] = (uint32_t)(++kept);
	}
	run->count = kept;
	return 0;
}

int announce_run_add(struct announce_run *run, unsigned iface, struct in_addr addr)
{
	struct ipaddr ip = ipaddr_v4(addr);

	return announce_run_add_ip(run, iface, &ip, ANNOUNCE_ADDR_READY);
}

int announce_run_add_ip(struct announce_run *run, unsigned iface, const struct ipaddr *addr,
			enum announce_addr_state state)
{
	const struct announce_iface *ifc;
	struct announce_target *t;
	bool v6 = addr->family == AF_INET6;

	if (iface >= run->iface_count || (addr->family != AF_INET && !v6))
		return -EINVAL;
	if (vec_reserve_fields(run->targets, run->cap, run->count + 1) < 0)
		return -ENOMEM;
	ifc = &run->ifaces[iface];
	t = &run->targets[run->count];
	memset(t, 0, sizeof(*t));
	t->ip = *addr;
	if (!v6)
		t->addr = addr->v4;
	t->iface = iface;
	t->state = state;
	t->peer_count = v6 ? ifc->peer6_count : ifc->peer_count;
	if (t->peer_count) {
		t->peers = calloc(t->peer_count, sizeof(*t->peers));
		if (!t->peers)
			return -ENOMEM;
		for (unsigned p = 0; p < t->peer_count; p++) {
			if (v6) {
				t->peers[p].ip = ipaddr_v6(&ifc->peers6[p]);
			} else {
				t->peers[p].peer = ifc->peers[p];
				t->peers[p].ip = ipaddr_v4(ifc->peers[p]);
			}
		}
	}
	run->count++;
	return 0;
}

/* The target's result is known as of `when`. */
static void settle(struct announce_run *run, struct announce_target *t,
		   enum announce_result result, uint64_t when)
{
	t->result = result;
	t->elapsed_ns = when - run->start_ns;
	run->unresolved--;
}

/* Usable now: announced in rounds. A tentative address and one whose DAD failed are
 * never announced. */
static bool announceable(const struct announce_target *t)
{
	return t->state == ANNOUNCE_ADDR_READY || t->state == ANNOUNCE_ADDR_OPTIMISTIC;
}

static void finish(struct announce_run *run, uint64_t now);

/* The DAD wait is over (or there was none): probe, then the rounds. A run left with
 * nothing to send (every address still tentative) ends here. */
static void begin_announcing(struct announce_run *run, uint64_t now)
{
	size_t probing = 0;

	run->announcing = 0;
	for (size_t i = 0; i < run->count; i++) {
		run->announcing += announceable(&run->targets[i]);
		probing += run->targets[i].state != ANNOUNCE_ADDR_TENTATIVE;
	}
	run->cursor = 0;
	run->part = 0;
	run->rounds_base_ns = now;
	run->phase = run->cfg.probe ? PHASE_PROBE : PHASE_ROUND;
	if (run->announcing == 0 && (!run->cfg.probe || probing == 0))
		finish(run, now);
}

int announce_run_start(struct announce_run *run, uint64_t now)
{
	int err = index_targets(run); /* first: it settles the count */

	run->start_ns = now;
	run->unresolved = run->count;
	run->tentative = 0;
	run->cursor = 0;
	run->part = 0;
	run->round = 0;
	pacer_init(&run->pacer, run->cfg.rate, PACER_BURST, now);
	free(run->echo_queue);
	run->echo_cap = run->count * 2 + 16;
	run->echo_queue = calloc(run->echo_cap, sizeof(*run->echo_queue));
	if (err < 0 || !run->echo_queue) {
		run->phase = PHASE_DONE;
		return -ENOMEM;
	}
	for (size_t i = 0; i < run->count; i++) {
		struct announce_target *t = &run->targets[i];

		if (t->state == ANNOUNCE_ADDR_TENTATIVE)
			run->tentative++;
		else if (t->state == ANNOUNCE_ADDR_DADFAILED)
			settle(run, t, ANNOUNCE_DAD_FAILED, now);
	}
	if (run->count == 0) {
		run->phase = PHASE_DONE;
	} else if (run->tentative) {
		run->phase = PHASE_DAD_WAIT;
		run->deadline_ns = now + run->cfg.dad_wait_ns;
	} else {
		begin_announcing(run, now);
	}
	return 0;
}

int announce_run_addr_state(struct announce_run *run, unsigned iface, const struct ipaddr *addr,
			    enum announce_addr_state state, uint64_t now)
{
	struct announce_target *t = find_target(run, iface, addr);

	if (!t)
		return -ENOENT;
	if (run->phase != PHASE_DAD_WAIT || t->state != ANNOUNCE_ADDR_TENTATIVE ||
	    state == ANNOUNCE_ADDR_TENTATIVE)
		return 0;
	t->state = state;
	t->dad_wait_ns = now - run->start_ns;
	run->tentative--;
	if (state == ANNOUNCE_ADDR_DADFAILED)
		settle(run, t, ANNOUNCE_DAD_FAILED, now);
	return 0;
}

/* The wait for DAD ends: what is still tentative is not announced at all. */
static void end_dad_wait(struct announce_run *run, uint64_t now)
{
	for (size_t i = 0; i < run->count; i++) {
		struct announce_target *t = &run->targets[i];

		if (t->state == ANNOUNCE_ADDR_TENTATIVE && t->result == ANNOUNCE_PENDING) {
			t->dad_wait_ns = now - run->start_ns;
			settle(run, t, ANNOUNCE_TENTATIVE, now);
		}
	}
	run->tentative = 0;
	begin_announcing(run, now);
}

bool announce_run_done(const struct announce_run *run)
{
	return run->phase == PHASE_DONE;
}

const struct announce_target *announce_run_targets(const struct announce_run *run, size_t *count)
{
	*count = run->count;
	return run->targets;
}

const struct announce_counters *announce_run_counters(const struct announce_run *run)
{
	return &run->counters;
}

void announce_run_tally(const struct announce_run *run, struct announce_tally *tally)
{
	memset(tally, 0, sizeof(*tally));
	tally->total = run->count;
	for (size_t i = 0; i < run->count; i++) {
		const struct announce_target *t = &run->targets[i];

		if ((unsigned)t->result < ANNOUNCE_RESULT_COUNT)
			tally->by_result[t->result]++;
		tally->in_conflict += t->conflict_count > 0 || t->result == ANNOUNCE_DAD_FAILED;
	}
}

static bool target_open(const struct announce_target *t)
{
	return t->result == ANNOUNCE_PENDING;
}

/* Does the target still take part in rounds: until it is proven, or every round when
 * they were asked for explicitly (switches and appliances that need repetition). */
static bool target_in_rounds(const struct announce_run *run, const struct announce_target *t)
{
	return announceable(t) && (target_open(t) || run->cfg.every_round);
}

/* Slot for one more frame on the target's link, flushing a full batch first. */
static uint8_t *tx_slot(struct announce_run *run, unsigned iface, int *err)
{
	struct link_tx *tx = &run->tx[iface];
	uint8_t *slot = link_tx_slot(tx);

	if (!slot) {
		int sent = link_tx_flush(run->ifaces[iface].link, tx);

		if (sent < 0)
			*err = sent;
		slot = link_tx_slot(tx);
	}
	return slot;
}

static int queue_arp(struct announce_run *run, unsigned iface, struct arp_frame *f)
{
	int err = 0;
	uint8_t *slot = tx_slot(run, iface, &err);

	arp_set_vlan(f, run->ifaces[iface].vlan);
	link_tx_commit(&run->tx[iface], arp_encode(f, slot, FRAME_MAX));
	run->counters.frames_sent++;
	return err;
}

static int queue_ndp(struct announce_run *run, unsigned iface, struct ndp_msg *m)
{
	int err = 0;
	uint8_t *slot = tx_slot(run, iface, &err);

	m->eth.vlan = run->ifaces[iface].vlan;
	link_tx_commit(&run->tx[iface], ndp_encode(m, slot, FRAME_MAX));
	run->counters.frames_sent++;
	return err;
}

/* The echo request from the target's address to peer p (at the MAC it answered from). */
static size_t encode_echo(const struct announce_run *run, const struct announce_target *t,
			  unsigned p, uint8_t *slot)
{
	const struct announce_iface *ifc = &run->ifaces[t->iface];
	const struct announce_peer *peer = &t->peers[p];
	uint16_t sequence = (uint16_t)(t - run->targets);

	if (t->ip.family == AF_INET6) {
		struct icmpv6_echo echo6;

		icmpv6_make_echo_request(&echo6, &ifc->link->mac, &t->ip.v6, &peer->peer_mac,
					 &peer->ip.v6, run->cfg.echo_ident, sequence);
		echo6.eth.vlan = ifc->vlan;
		return icmpv6_echo_encode(&echo6, ECHO_PAYLOAD, slot, FRAME_MAX);
	}

	struct icmp_echo echo;

	memset(&echo, 0, sizeof(echo));
	echo.eth.dst = peer->peer_mac;
	echo.eth.src = ifc->link->mac;
	echo.eth.vlan = ifc->vlan;
	echo.ip.src = t->ip.v4;
	echo.ip.dst = peer->ip.v4;
	echo.ip.id = sequence;
	echo.type = ICMP_ECHO_REQUEST;
	echo.ident = run->cfg.echo_ident;
	echo.sequence = sequence;
	return icmp_echo_encode(&echo, ECHO_PAYLOAD, slot, FRAME_MAX);
}

static int queue_echo(struct announce_run *run, struct announce_target *t, unsigned p, uint64_t now)
{
	int err = 0;
	uint8_t *slot = tx_slot(run, t->iface, &err);

	link_tx_commit(&run->tx[t->iface], encode_echo(run, t, p, slot));
	t->peers[p].echo_sent_ns = now;
	t->peers[p].echoes_sent++;
	run->counters.frames_sent++;
	run->counters.echoes++;
	return err;
}

/*
 * The frames of one target in a round, by part number: the gratuitous forms, then two
 * parts per peer k, PART_PEERS + 2k asking it ("who-has PEER tell ADDRESS", or the NS
 * for PEER from ADDRESS) and PART_PEERS + 2k + 1 proving it (the echo).
 */
enum part {
	PART_REQUEST_ZERO,      /* gratuitous request, target hardware zero (RFC 5227) */
	PART_REQUEST_BROADCAST, /* gratuitous request, target hardware broadcast */
	PART_REPLY,             /* gratuitous reply, target hardware = ours (RFC 5944); for
				 * IPv6 the unsolicited NA (RFC 4861 7.2.6) */
	PART_PEERS,
};

/* 1 if that part has a frame to send now, 0 if not, -1 past the last part. */
static int part_wanted(const struct announce_run *run, const struct announce_target *t,
		       unsigned part)
{
	const struct announce_peer *peer;
	bool request = (run->cfg.form & ANNOUNCE_FORM_REQUEST) && t->ip.family == AF_INET;

	switch (part) {
	case PART_REQUEST_ZERO:
		return request && (run->cfg.request_tha & ANNOUNCE_THA_ZERO);
	case PART_REQUEST_BROADCAST:
		return request && (run->cfg.request_tha & ANNOUNCE_THA_BROADCAST);
	case PART_REPLY:
		return (run->cfg.form & ANNOUNCE_FORM_REPLY) != 0;
	}
	if ((part - PART_PEERS) / 2 >= t->peer_count)
		return -1;
	peer = &t->peers[(part - PART_PEERS) / 2];
	/* Asking a proven peer again is what repeated rounds are for; proving it is not. */
	if ((part - PART_PEERS) % 2 == 0)
		return !peer->confirmed || run->cfg.every_round;
	return run->cfg.verify && peer->arp_answered && !peer->confirmed;
}

/* The flags of the target's unsolicited NA: Override unless the address is optimistic
 * (RFC 4429 3.3: it must not replace another node's entry while DAD may still fail),
 * Router when the link forwards (RFC 4861 7.2.6 keeps IsRouter truthful). */
static uint8_t na_flags(const struct announce_run *run, const struct announce_target *t)
{
	return (t->state == ANNOUNCE_ADDR_OPTIMISTIC ? 0 : NDP_NA_OVERRIDE) |
	       (run->ifaces[t->iface].ipv6_router ? NDP_NA_ROUTER : 0);
}

static int queue_part(struct announce_run *run, struct announce_target *t, unsigned part,
		      uint64_t now)
{
	const struct mac *mac = &run->ifaces[t->iface].link->mac;
	bool v6 = t->ip.family == AF_INET6;
	struct announce_peer *peer;
	struct arp_frame f;
	struct ndp_msg m;

	switch (part) {
	case PART_REQUEST_ZERO:
	case PART_REQUEST_BROADCAST:
		arp_make_announce_request_tha(&f, mac, t->ip.v4, part == PART_REQUEST_ZERO ?
					      &mac_zero : &mac_broadcast);
		run->counters.announcements++;
		return queue_arp(run, t->iface, &f);
	case PART_REPLY:
		run->counters.announcements++;
		if (v6) {
			ndp_make_unsolicited_na(&m, mac, &t->ip.v6, na_flags(run, t));
			return queue_ndp(run, t->iface, &m);
		}
		arp_make_announce_reply(&f, mac, t->ip.v4);
		return queue_arp(run, t->iface, &f);
	}
	peer = &t->peers[(part - PART_PEERS) / 2];
	if ((part - PART_PEERS) % 2)
		return queue_echo(run, t, (part - PART_PEERS) / 2, now);
	/* To everyone who may be the peer (broadcast, or its solicited-node group) until
	 * it has told us its MAC, then addressed to it alone. */
	run->counters.directed_requests++;
	if (v6) {
		ndp_make_ns(&m, mac, &t->ip.v6, &peer->ip.v6,
			    peer->arp_answered ? &peer->peer_mac : NULL);
		return queue_ndp(run, t->iface, &m);
	}
	arp_make_request(&f, mac, t->ip.v4, peer->ip.v4,
			 peer->arp_answered ? &peer->peer_mac : &mac_broadcast);
	return queue_arp(run, t->iface, &f);
}

static int send_probe(struct announce_run *run, struct announce_target *t)
{
	const struct mac *mac = &run->ifaces[t->iface].link->mac;
	struct arp_frame f;
	struct ndp_msg m;

	run->counters.probes++;
	if (t->ip.family == AF_INET6) {
		ndp_make_dad_ns(&m, mac, &t->ip.v6);
		return queue_ndp(run, t->iface, &m);
	}
	arp_make_probe(&f, mac, t->ip.v4);
	return queue_arp(run, t->iface, &f);
}

/* Echoes waiting because a peer just answered: they go before anything else. */
static int send_queued_echoes(struct announce_run *run, uint64_t now)
{
	int err = 0;

	while (run->echo_head != run->echo_tail && !err) {
		struct echo_ref ref = run->echo_queue[run->echo_head];
		struct announce_target *t = &run->targets[ref.target];

		if (t->peers[ref.peer].confirmed) {
			run->echo_head = (run->echo_head + 1) % run->echo_cap;
			continue;
		}
		if (pacer_take(&run->pacer, now, 1) == 0)
			return 0;
		err = queue_echo(run, t, ref.peer, now);
		run->echo_head = (run->echo_head + 1) % run->echo_cap;
	}
	return err;
}

/* Sends the probe pass; true when it is complete. An address whose DAD failed is
 * probed too, so its other holder answers and is named; one still tentative is not. */
static bool pass_probes(struct announce_run *run, uint64_t now, int *err)
{
	while (run->cursor < run->count && !*err) {
		struct announce_target *t = &run->targets[run->cursor];

		if (t->state == ANNOUNCE_ADDR_TENTATIVE) {
			run->cursor++;
			continue;
		}
		if (pacer_take(&run->pacer, now, 1) == 0)
			return false;
		run->cursor++;
		*err = send_probe(run, t);
	}
	return run->cursor == run->count;
}

/* Sends the current round; true when it is complete. */
static bool pass_round(struct announce_run *run, uint64_t now, int *err)
{
	while (run->cursor < run->count && !*err) {
		struct announce_target *t = &run->targets[run->cursor];
		int wanted = target_in_rounds(run, t) ? part_wanted(run, t, run->part) : -1;

		if (wanted < 0) {
			run->cursor++;
			run->part = 0;
			continue;
		}
		if (wanted == 0) {
			run->part++;
			continue;
		}
		if (pacer_take(&run->pacer, now, 1) == 0)
			return false;
		*err = queue_part(run, t, run->part++, now);
	}
	return run->cursor == run->count;
}

static void finalize_target(struct announce_run *run, struct announce_target *t, uint64_t now)
{
	bool any_unconfirmed = false, any_silent = false;

	if (!target_open(t))
		return;
	for (unsigned p = 0; p < t->peer_count; p++) {
		if (t->peers[p].confirmed)
			continue;
		if (t->peers[p].arp_answered)
			any_unconfirmed = true;
		else
			any_silent = true;
	}
	if (!run->cfg.verify)
		settle(run, t, ANNOUNCE_SENT, now);
	else if (t->peer_count == 0)
		settle(run, t, ANNOUNCE_UNVERIFIED, now);
	else if (any_unconfirmed)
		settle(run, t, ANNOUNCE_UNCONFIRMED, now);
	else if (any_silent)
		settle(run, t, ANNOUNCE_PEER_SILENT, now);
	else
		settle(run, t, ANNOUNCE_CONFIRMED, now);
}

static void finish(struct announce_run *run, uint64_t now)
{
	for (size_t i = 0; i < run->count; i++)
		finalize_target(run, &run->targets[i], now);
	run->phase = PHASE_DONE;
}

/* Every target proven and nothing left to send: the run may end early. Rounds asked
 * for explicitly are all sent first (when any address takes part in them). */
static bool all_proven(const struct announce_run *run)
{
	if (run->unresolved || run->phase < PHASE_ROUND || run->phase == PHASE_DONE)
		return false;
	return !run->cfg.every_round || run->phase == PHASE_FINAL_WAIT || run->announcing == 0;
}

static void begin_pass(struct announce_run *run, enum phase phase)
{
	run->phase = phase;
	run->cursor = 0;
	run->part = 0;
}

static int flush_all(struct announce_run *run)
{
	int err = 0;

	for (unsigned i = 0; i < run->iface_count; i++) {
		if (run->tx[i].count == 0)
			continue;
		int sent = link_tx_flush(run->ifaces[i].link, &run->tx[i]);

		if (sent < 0 && !err)
			err = sent;
	}
	return err;
}

int announce_run_step(struct announce_run *run, uint64_t now, uint64_t *next)
{
	int err = send_queued_echoes(run, now);
	bool progressed = true;

	while (progressed && !err && run->phase != PHASE_DONE) {
		progressed = false;
		switch (run->phase) {
		case PHASE_DAD_WAIT:
			if (run->tentative == 0 || now >= run->deadline_ns) {
				end_dad_wait(run, now);
				progressed = true;
			}
			break;
		case PHASE_PROBE:
			/*
			 * The address is already ours (configured here, the kernel answers
			 * for it), so announcing does not wait for the probe window: a
			 * conflict is reported, not avoided. The window only keeps the run
			 * alive long enough for another holder to answer.
			 */
			if (pass_probes(run, now, &err)) {
				run->probe_window_end_ns = now + run->cfg.probe_wait_ns;
				run->rounds_base_ns = now;
				begin_pass(run, PHASE_ROUND);
				progressed = true;
			}
			break;
		case PHASE_ROUND:
			if (!pass_round(run, now, &err))
				break;
			progressed = true;
			if (++run->round >= run->cfg.rounds) {
				run->phase = PHASE_FINAL_WAIT;
				/* Without verification there is nothing late to wait for. */
				run->deadline_ns = now + (run->cfg.verify ? run->cfg.final_wait_ns : 0);
				if (run->deadline_ns < run->probe_window_end_ns)
					run->deadline_ns = run->probe_window_end_ns;
			} else {
				struct schedule s = {run->cfg.rounds, run->cfg.interval_ns,
						     run->cfg.doubling};

				run->phase = PHASE_BETWEEN;
				run->deadline_ns = run->rounds_base_ns + schedule_offset(&s, run->round);
			}
			break;
		case PHASE_BETWEEN:
			if (now >= run->deadline_ns) {
				begin_pass(run, PHASE_ROUND);
				progressed = true;
			}
			break;
		case PHASE_FINAL_WAIT:
			if (now >= run->deadline_ns) {
				finish(run, now);
				progressed = true;
			}
			break;
		case PHASE_IDLE:
		case PHASE_DONE:
			break;
		}
		/* Everything proven before the schedule ran out: stop repeating, once
		 * another holder has had its chance to answer the probe. */
		if (all_proven(run) && now >= run->probe_window_end_ns)
			finish(run, now);
	}
	if (!err)
		err = flush_all(run);

	switch (run->phase) {
	case PHASE_PROBE:
	case PHASE_ROUND:
		*next = pacer_next(&run->pacer, now);
		break;
	case PHASE_DONE:
		*next = now;
		break;
	default:
		*next = run->deadline_ns;
		if (all_proven(run) && run->probe_window_end_ns < *next)
			*next = run->probe_window_end_ns;
		if (run->echo_head != run->echo_tail)
			*next = pacer_next(&run->pacer, now);
		break;
	}
	return err;
}

static void note_conflict(struct announce_target *t, const struct mac *other)
{
	for (unsigned i = 0; i < t->conflict_count; i++)
		if (mac_equal(&t->conflict_macs[i], other))
			return;
	if (t->conflict_count < ANNOUNCE_MAX_CONFLICTS)
		t->conflict_macs[t->conflict_count++] = *other;
}

static void enqueue_echo(struct announce_run *run, struct announce_target *t, unsigned p)
{
	size_t tail = (run->echo_tail + 1) % run->echo_cap;

	if (tail == run->echo_head)
		return; /* full: the next round sends it anyway */
	run->echo_queue[run->echo_tail].target = (uint32_t)(t - run->targets);
	run->echo_queue[run->echo_tail].peer = p;
	run->echo_tail = tail;
}

/* Another station's probe for one of our addresses counts as a conflict while we wait
 * for DAD or probe, and until the probe window closes (RFC 5227 2.1.1, RFC 4862 5.4.3). */
static bool probing(const struct announce_run *run, uint64_t when)
{
	return run->phase == PHASE_DAD_WAIT || run->phase == PHASE_PROBE ||
	       when < run->probe_window_end_ns;
}

/* Peer peer_ip, asked from the target's address, answered from peer_mac: it has
 * learned the address, and the proof can go to it. */
static void peer_answered(struct announce_run *run, struct announce_target *t,
			  const struct ipaddr *peer_ip, const struct mac *peer_mac)
{
	for (unsigned p = 0; p < t->peer_count; p++) {
		struct announce_peer *peer = &t->peers[p];

		if (!ipaddr_equal(&peer->ip, peer_ip))
			continue;
		peer->peer_mac = *peer_mac;
		peer->arp_answered = true;
		if (run->cfg.verify && !peer->confirmed && target_open(t))
			enqueue_echo(run, t, p);
	}
}

static void on_arp(struct announce_run *run, unsigned iface, const struct arp_frame *f,
		   uint64_t when)
{
	const struct mac *ours = &run->ifaces[iface].link->mac;
	struct ipaddr spa = ipaddr_v4(f->spa), tpa = ipaddr_v4(f->tpa);
	struct announce_target *t;

	if (mac_equal(&f->sha, ours))
		return;
	/* Another station speaking from one of our addresses: the other holder. */
	t = find_target(run, iface, &spa);
	if (t) {
		note_conflict(t, &f->sha);
		return;
	}
	/* Another station probing for one of our addresses while we probe (RFC 5227 2.1.1). */
	if (arp_is_probe(f) && probing(run, when)) {
		t = find_target(run, iface, &tpa);
		if (t)
			note_conflict(t, &f->sha);
		return;
	}
	/* A peer answering "who-has PEER tell ADDRESS". */
	if (f->op != ARP_OP_REPLY)
		return;
	t = find_target(run, iface, &tpa);
	if (t)
		peer_answered(run, t, &spa, &f->sha);
}

/*
 * Neighbor Discovery. The station a message speaks for is the one in its link-layer
 * option (the target's of an NA, the source's of an NS), else its Ethernet source.
 *   - an NA for one of our addresses: the other holder (Linux answers a DAD probe
 *     with one, to ff02::1);
 *   - an NS from one of our addresses: the other holder asking for someone;
 *   - an NS from :: for one of our addresses while we probe: another node's DAD;
 *   - a solicited NA for a peer, to one of our addresses: its answer to our ask.
 */
static void on_ndp(struct announce_run *run, unsigned iface, const struct ndp_msg *m,
		   uint64_t when)
{
	const struct mac *ours = &run->ifaces[iface].link->mac;
	struct ipaddr target = ipaddr_v6(&m->target), src = ipaddr_v6(&m->ip.src);
	struct ipaddr dst = ipaddr_v6(&m->ip.dst);
	const struct mac *who = &m->eth.src;
	struct announce_target *t;

	if (m->type == NDP_NEIGHBOR_ADVERT && m->has_target_lladdr)
		who = &m->target_lladdr;
	else if (m->type == NDP_NEIGHBOR_SOLICIT && m->has_source_lladdr)
		who = &m->source_lladdr;
	if (mac_equal(&m->eth.src, ours) || mac_equal(who, ours))
		return;
	if (m->type == NDP_NEIGHBOR_ADVERT) {
		t = find_target(run, iface, &target);
		if (t)
			note_conflict(t, who);
		else if ((m->flags & NDP_NA_SOLICITED) && (t = find_target(run, iface, &dst)))
			peer_answered(run, t, &target, who);
		return;
	}
	if (m->type != NDP_NEIGHBOR_SOLICIT)
		return;
	t = find_target(run, iface, &src);
	if (t) {
		note_conflict(t, who);
		return;
	}
	if (ipv6_is_unspecified(&m->ip.src) && probing(run, when)) {
		t = find_target(run, iface, &target);
		if (t)
			note_conflict(t, who);
	}
}

/* An echo reply of this run, from `from` to `to` at dst_mac: proof once it came back
 * to our MAC from a peer we sent an echo to. */
static void on_echo_reply(struct announce_run *run, unsigned iface, const struct mac *dst_mac,
			  const struct ipaddr *from, const struct ipaddr *to, uint64_t when)
{
	struct announce_target *t;
	bool all = true;

	if (!mac_equal(dst_mac, &run->ifaces[iface].link->mac))
		return;
	t = find_target(run, iface, to);
	if (!t || !target_open(t))
		return;
	for (unsigned p = 0; p < t->peer_count; p++) {
		struct announce_peer *peer = &t->peers[p];

		if (ipaddr_equal(&peer->ip, from) && !peer->confirmed && peer->echo_sent_ns) {
			peer->confirmed = true;
			peer->rtt_ns = when - peer->echo_sent_ns;
		}
		all = all && peer->confirmed;
	}
	if (all && t->peer_count)
		settle(run, t, ANNOUNCE_CONFIRMED, when);
}

/* The frame as IPv6: NDP, or an ICMPv6 echo reply of this run. */
static void on_ipv6_frame(struct announce_run *run, unsigned iface,
			  const struct link_rx_frame *frame)
{
	int vlan = run->ifaces[iface].vlan;
	struct icmpv6_echo echo6;
	struct ndp_msg nd;

	if (ndp_decode(frame->data, frame->len, &nd) == 0) {
		if (nd.eth.vlan == vlan)
			on_ndp(run, iface, &nd, frame->time_ns);
	} else if (icmpv6_echo_decode(frame->data, frame->len, &echo6) == 0) {
		struct ipaddr from = ipaddr_v6(&echo6.ip.src), to = ipaddr_v6(&echo6.ip.dst);

		if (echo6.eth.vlan == vlan && echo6.type == ICMPV6_ECHO_REPLY &&
		    echo6.ident == run->cfg.echo_ident)
			on_echo_reply(run, iface, &echo6.eth.dst, &from, &to, frame->time_ns);
	}
}

void announce_run_on_frame(struct announce_run *run, unsigned iface,
			   const struct link_rx_frame *frame)
{
	struct arp_frame arp;
	struct icmp_echo echo;
	int vlan;

	if (iface >= run->iface_count || run->phase == PHASE_IDLE || run->phase == PHASE_DONE)
		return;
	vlan = run->ifaces[iface].vlan;
	if (arp_decode(frame->data, frame->len, &arp) == 0) {
		if (arp.eth.vlan == vlan)
			on_arp(run, iface, &arp, frame->time_ns);
	} else if (icmp_echo_decode(frame->data, frame->len, &echo) == 0) {
		struct ipaddr from = ipaddr_v4(echo.ip.src), to = ipaddr_v4(echo.ip.dst);

		if (echo.eth.vlan == vlan && echo.type == ICMP_ECHO_REPLY &&
		    echo.ident == run->cfg.echo_ident)
			on_echo_reply(run, iface, &echo.eth.dst, &from, &to, frame->time_ns);
	} else {
		on_ipv6_frame(run, iface, frame);
	}
}

static void drain_link(struct announce_run *run, unsigned iface)
{
	/* Bounded: a flood cannot keep us here forever. */
	for (int batch = 0; batch < 64; batch++) {
		int n = link_rx_read(run->ifaces[iface].link, run->rx);

		for (int i = 0; i < n; i++)
			announce_run_on_frame(run, iface, &run->rx->frame[i]);
		if (n < LINK_BATCH)
			break;
	}
}

int announce_run_wait(struct announce_run *run, const struct loop_stop *stop)
{
	return announce_run_wait_watch(run, stop, NULL);
}

int announce_run_wait_watch(struct announce_run *run, const struct loop_stop *stop,
			    const struct announce_watch *watch)
{
	nfds_t count = run->iface_count + (watch ? 1 : 0);
	struct pollfd *fds = calloc(count ? count : 1, sizeof(*fds));
	int err = 0;

	if (!fds)
		return -ENOMEM;
	for (unsigned i = 0; i < run->iface_count; i++) {
		fds[i].fd = run->ifaces[i].link->fd;
		fds[i].events = POLLIN;
	}
	if (watch) {
		fds[run->iface_count].fd = watch->fd;
		fds[run->iface_count].events = POLLIN;
	}
	while (!announce_run_done(run) && !loop_stopped(stop)) {
		uint64_t next = 0;
		int ready;

		err = announce_run_step(run, now_ns(), &next);
		if (err || announce_run_done(run))
			break;
		ready = loop_wait(fds, count, next, stop);
		if (ready < 0) {
			err = ready;
			break;
		}
		for (unsigned i = 0; i < run->iface_count && ready > 0; i++)
			if (fds[i].revents & POLLIN)
				drain_link(run, i);
		if (watch && ready > 0 && (fds[run->iface_count].revents & (POLLIN | POLLERR)))
			watch->on_readable(watch->ctx, run, now_ns());
	}
	free(fds);
	return err;
}
