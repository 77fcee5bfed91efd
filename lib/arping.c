#include "arping.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "vec.h"

static bool from_self(const struct arping_match *m, const struct arp_frame *f)
{
	return mac_equal(&f->sha, &m->self) || mac_equal(&f->eth.src, &m->self);
}

/* Addressed to us: our IP and MAC as the ARP target, and a destination we receive.
 * Broadcast replies are allowed because RFC 5227 2.6 lets hosts broadcast them. */
static bool addressed_to_us(const struct arping_match *m, const struct arp_frame *f)
{
	return f->tpa.s_addr == m->source.v4.s_addr && mac_equal(&f->tha, &m->self) &&
	       (mac_equal(&f->eth.dst, &m->self) || mac_is_broadcast(&f->eth.dst));
}

enum arping_verdict arping_classify(const struct arping_match *m, const struct arp_frame *f)
{
	struct in_addr target = m->target.v4;

	/* The interface is untagged: a tagged frame belongs to a VLAN we are not on. */
	if (f->eth.vlan != VLAN_NONE || from_self(m, f))
		return ARPING_IGNORE;
	if (m->dad) {
		if (f->spa.s_addr == target.s_addr)
			return ARPING_CLAIM;
		if (f->op == ARP_OP_REQUEST && f->spa.s_addr == 0 && f->tpa.s_addr == target.s_addr)
			return ARPING_RIVAL_PROBE;
		return ARPING_IGNORE;
	}
	if (f->op == ARP_OP_REPLY && f->spa.s_addr == target.s_addr && addressed_to_us(m, f))
		return ARPING_REPLY;
	return ARPING_IGNORE;
}

static bool in6_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

struct mac arping_ndp_sender(const struct ndp_msg *f)
{
	if (f->type == NDP_NEIGHBOR_ADVERT && f->has_target_lladdr)
		return f->target_lladdr;
	if (f->type != NDP_NEIGHBOR_ADVERT && f->has_source_lladdr)
		return f->source_lladdr;
	return f->eth.src;
}

/* RFC 7527: a probe for TARGET carrying the nonce ours carry is one of ours. */
static bool our_probe(const struct arping_match *m, const struct ndp_msg *f)
{
	return f->has_nonce && memcmp(f->nonce, m->nonce, NDP_NONCE_LEN) == 0;
}

static enum arping_verdict classify_ndp_dad(const struct arping_match *m,
					    const struct ndp_msg *f)
{
	const struct in6_addr *target = &m->target.v6;

	if (f->type == NDP_NEIGHBOR_ADVERT)
		return in6_equal(&f->target, target) ? ARPING_CLAIM : ARPING_IGNORE;
	if (f->type != NDP_NEIGHBOR_SOLICIT)
		return ARPING_IGNORE;
	if (in6_equal(&f->ip.src, target))
		return ARPING_CLAIM;
	if (ipv6_is_unspecified(&f->ip.src) && in6_equal(&f->target, target) && !our_probe(m, f))
		return ARPING_RIVAL_PROBE;
	return ARPING_IGNORE;
}

enum arping_verdict arping_classify_ndp(const struct arping_match *m, const struct ndp_msg *f)
{
	struct mac sender = arping_ndp_sender(f);

	if (f->eth.vlan != VLAN_NONE)
		return ARPING_IGNORE;
	if (m->dad)
		return classify_ndp_dad(m, f);
	if (mac_equal(&f->eth.src, &m->self) || mac_equal(&sender, &m->self))
		return ARPING_IGNORE;
	if (f->type == NDP_NEIGHBOR_ADVERT && (f->flags & NDP_NA_SOLICITED) &&
	    in6_equal(&f->target, &m->target.v6) && in6_equal(&f->ip.dst, &m->source.v6) &&
	    mac_equal(&f->eth.dst, &m->self))
		return ARPING_REPLY;
	return ARPING_IGNORE;
}

void arping_tally_init(struct arping_tally *t)
{
	memset(t, 0, sizeof(*t));
}

static void rtt_fold(uint64_t rtt, unsigned count_before, uint64_t *min, uint64_t *max,
		     uint64_t *sum)
{
	if (count_before == 0 || rtt < *min)
		*min = rtt;
	if (count_before == 0 || rtt > *max)
		*max = rtt;
	*sum += rtt;
}

struct arping_seen arping_tally_add(struct arping_tally *t, const struct mac *mac, unsigned seq,
				    uint64_t rtt_ns)
{
	struct arping_seen seen = {false, false, -1};
	struct arping_responder *r = NULL;

	for (unsigned i = 0; i < t->responder_count; i++)
		if (mac_equal(&t->responders[i].mac, mac)) {
			r = &t->responders[i];
			seen.index = (int)i;
		}
	if (!r) {
		seen.new_responder = true;
		if (t->responder_count < ARPING_MAX_RESPONDERS) {
			seen.index = (int)t->responder_count;
			r = &t->responders[t->responder_count++];
			r->mac = *mac;
			r->first_seq = seq;
		} else {
			t->dropped_responders++;
		}
	}
	seen.conflict = seen.index != 0;
	rtt_fold(rtt_ns, t->received, &t->rtt_min_ns, &t->rtt_max_ns, &t->rtt_sum_ns);
	t->received++;
	if (r) {
		rtt_fold(rtt_ns, r->count, &r->rtt_min_ns, &r->rtt_max_ns, &r->rtt_sum_ns);
		r->count++;
	}
	return seen;
}

bool arping_tally_conflict(const struct arping_tally *t)
{
	return t->responder_count > 1 || t->dropped_responders > 0;
}

uint64_t arping_tally_rtt_avg_ns(const struct arping_tally *t)
{
	return t->received ? t->rtt_sum_ns / t->received : 0;
}

/* A uniform draw in [lo, hi] from a 32-bit random value. */
static uint64_t draw(uint64_t lo, uint64_t hi, uint32_t value)
{
	return lo + (uint64_t)((double)(hi - lo) * ((double)value / 4294967296.0));
}

int arping_dad_plan(struct arping_dad_plan *plan, unsigned probes, uint64_t interval_ns,
		    uint64_t deadline_ns, const uint32_t *draws)
{
	uint64_t t;

	if (probes == 0 || probes > ARPING_DAD_MAX_PROBES || (!interval_ns && !draws))
		return -EINVAL;
	memset(plan, 0, sizeof(*plan));
	plan->probes = probes;
	if (interval_ns) {
		for (unsigned k = 0; k < probes; k++)
			plan->offset_ns[k] = (uint64_t)k * interval_ns;
		plan->end_ns = plan->offset_ns[probes - 1] + interval_ns;
	} else {
		t = draw(0, ARPING_PROBE_WAIT_NS, draws[0]);
		plan->offset_ns[0] = t;
		for (unsigned k = 1; k < probes; k++) {
			t += draw(ARPING_PROBE_MIN_NS, ARPING_PROBE_MAX_NS, draws[k]);
			plan->offset_ns[k] = t;
		}
		plan->end_ns = t + ARPING_ANNOUNCE_WAIT_NS;
	}
	if (deadline_ns && plan->end_ns > deadline_ns) {
		/* Keep the RFC's shape (a pause, then spaced probes, then listening), only
		 * faster: the user asked for an answer within the deadline. */
		double scale = (double)deadline_ns / (double)plan->end_ns;

		for (unsigned k = 0; k < probes; k++)
			plan->offset_ns[k] = (uint64_t)((double)plan->offset_ns[k] * scale);
		plan->end_ns = deadline_ns;
	}
	return 0;
}

void arping_clock_start(struct arping_clock *c, uint64_t now_ns, uint64_t first_send_ns)
{
	c->start_ns = now_ns;
	c->sent = 0;
	c->next_send_ns = first_send_ns;
	c->last_send_ns = 0;
	c->last_answered_ns = 0;
	c->any_reply = false;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

enum arping_step arping_clock_step(const struct arping_clock *c, uint64_t now_ns,
				   uint64_t *wake_ns)
{
	uint64_t end = UINT64_MAX;

	if (c->deadline_ns)
		end = c->start_ns + c->deadline_ns;
	if (c->stop_on_reply && c->any_reply)
		return ARPING_DONE;
	if (c->count && c->sent >= c->count) {
		end = earlier(end, c->last_send_ns + c->linger_ns);
		if (c->settle_ns != UINT64_MAX && c->last_answered_ns)
			end = earlier(end, c->last_answered_ns + c->settle_ns);
		*wake_ns = end;
		return now_ns >= end ? ARPING_DONE : ARPING_WAIT;
	}
	if (now_ns >= end)
		return ARPING_DONE;
	if (now_ns >= c->next_send_ns)
		return ARPING_SEND;
	*wake_ns = earlier(end, c->next_send_ns);
	return ARPING_WAIT;
}

void arping_clock_sent(struct arping_clock *c, uint64_t now_ns, uint64_t next_send_ns)
{
	c->sent++;
	c->last_send_ns = now_ns;
	c->last_answered_ns = 0;
	c->next_send_ns = next_send_ns;
}

void arping_clock_answered(struct arping_clock *c, uint64_t now_ns)
{
	c->any_reply = true;
	if (!c->last_answered_ns)
		c->last_answered_ns = now_ns;
}

/* ---- The run ---- */

struct arping_run {
	struct arping_config cfg;
	int family;                      /* of the addresses: AF_UNSPEC until the first */
	struct link *link;               /* borrowed */
	arping_observer *observer;
	void *observer_ctx;
	VEC(struct arping_target) targets;
	unsigned by_addr[ARPING_MAX_TARGETS]; /* indexes into targets, sorted by address */
	unsigned answered;               /* targets that answered the latest frame */
	struct arping_dad_plan plan;
	struct arping_clock clock;
	struct arping_summary summary;
	bool started, done;
	struct link_tx tx;
	struct link_rx rx;
};

void arping_config_default(struct arping_config *cfg, enum arping_mode mode)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = mode;
	cfg->interval_ns = NS_PER_SEC;
	cfg->na_flags = NDP_NA_OVERRIDE;
}

int arping_run_create(struct arping_run **out, const struct arping_config *cfg,
		      struct link *link)
{
	struct arping_run *run;

	*out = NULL;
	if (cfg->mode == ARPING_MODE_DAD ? cfg->count > ARPING_DAD_MAX_PROBES
					 : cfg->interval_ns == 0)
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->cfg = *cfg;
	if (!run->cfg.clock)
		run->cfg.clock = now_ns;
	run->link = link;
	*out = run;
	return 0;
}

void arping_run_free(struct arping_run *run)
{
	if (!run)
		return;
	vec_free(&run->targets);
	free(run);
}

void arping_run_observe(struct arping_run *run, arping_observer *observer, void *ctx)
{
	run->observer = observer;
	run->observer_ctx = ctx;
}

/* A total order on addresses (family first), for the lookup by address. */
static int addr_order(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->v6, &b->v6, ipaddr_size(a->family));
}

/* Where addr is in by_addr, or would go: the first position not before it. */
static size_t addr_position(const struct arping_run *run, const struct ipaddr *addr)
{
	size_t lo = 0, hi = run->targets.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_order(&run->targets.items[run->by_addr[mid]].addr, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A received frame names an address: the target it is about, in O(log n). */
static struct arping_target *target_by_addr(const struct arping_run *run,
					    const struct ipaddr *addr)
{
	size_t at = addr_position(run, addr);
	struct arping_target *t;

	if (at == run->targets.count)
		return NULL;
	t = &run->targets.items[run->by_addr[at]];
	return ipaddr_equal(&t->addr, addr) ? t : NULL;
}

int arping_run_add(struct arping_run *run, const struct ipaddr *addr,
		   const struct ipaddr *source)
{
	struct arping_target *t;
	size_t at;

	if (run->started)
		return -EINVAL;
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((run->family != AF_UNSPEC && addr->family != run->family) ||
	    (run->cfg.mode != ARPING_MODE_DAD && source->family != addr->family))
		return -EINVAL;
	if (target_by_addr(run, addr))
		return 0;
	if (run->targets.count >= ARPING_MAX_TARGETS)
		return -ENOSPC;
	if (vec_reserve(&run->targets, run->targets.count + 1))
		return -ENOMEM;
	at = addr_position(run, addr);
	memmove(&run->by_addr[at + 1], &run->by_addr[at],
		(run->targets.count - at) * sizeof(run->by_addr[0]));
	run->by_addr[at] = (unsigned)run->targets.count;
	t = &run->targets.items[run->targets.count++];
	memset(t, 0, sizeof(*t));
	t->addr = *addr;
	t->source = run->cfg.mode == ARPING_MODE_DAD ? ipaddr_any(addr->family) : *source;
	arping_tally_init(&t->tally);
	run->family = addr->family;
	return 0;
}

int arping_run_join(struct arping_run *run)
{
	struct mac all_nodes = ipv6_multicast_mac(&ipv6_all_nodes);
	int err;

	if (run->family != AF_INET6 || run->cfg.mode != ARPING_MODE_DAD)
		return 0;
	err = link_join_multicast(run->link, &all_nodes);
	for (size_t i = 0; i < run->targets.count && !err; i++) {
		struct in6_addr group = ipv6_solicited_node(&run->targets.items[i].addr.v6);
		struct mac group_mac = ipv6_multicast_mac(&group);

		err = link_join_multicast(run->link, &group_mac);
	}
	return err;
}


static uint64_t shorter(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* DAD's probes and spacing when the config leaves them to the family's RFC: ARP
 * RFC 5227's three randomly spaced probes (interval 0); NDP RFC 4862's
 * DupAddrDetectTransmits probes RetransTimer apart. */
static unsigned dad_probes(const struct arping_run *run)
{
	if (run->cfg.count)
		return run->cfg.count;
	return run->family == AF_INET6 ? ARPING_NDP_DAD_TRANSMITS : ARPING_PROBE_NUM;
}

static uint64_t dad_interval(const struct arping_run *run)
{
	if (run->cfg.interval_ns || run->family != AF_INET6)
		return run->cfg.interval_ns;
	return ARPING_NDP_RETRANS_TIMER_NS;
}

int arping_run_start(struct arping_run *run, uint64_t now)
{
	const struct arping_config *cfg = &run->cfg;
	struct arping_clock *k = &run->clock;
	uint64_t first_send = now;

	if (run->targets.count == 0 || run->started)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->deadline_ns = cfg->deadline_ns;
	k->count = cfg->count;
	k->stop_on_reply = cfg->stop_on_reply;
	k->linger_ns = cfg->linger_ns ? cfg->linger_ns : cfg->interval_ns > ARPING_MIN_LINGER_NS
								? cfg->interval_ns : ARPING_MIN_LINGER_NS;
	k->settle_ns = cfg->full_linger ? UINT64_MAX : shorter(cfg->interval_ns, ARPING_SETTLE_NS);
	if (cfg->mode == ARPING_MODE_DAD) {
		struct arping_dad_plan *plan = &run->plan;
		int err = arping_dad_plan(plan, dad_probes(run), dad_interval(run),
					  cfg->deadline_ns, cfg->draws);

		if (err)
			return err;
		k->count = plan->probes;
		/* Every frame from the address counts until the plan's end, not only a first. */
		k->settle_ns = UINT64_MAX;
		if (!cfg->linger_ns)
			k->linger_ns = plan->end_ns - plan->offset_ns[plan->probes - 1];
		first_send = now + plan->offset_ns[0];
	}
	arping_clock_start(k, now, first_send);
	run->started = true;
	return 0;
}

bool arping_run_done(const struct arping_run *run)
{
	if (run->done)
		return true;
	if (run->cfg.mode != ARPING_MODE_DAD || !run->started)
		return false;
	for (size_t i = 0; i < run->targets.count; i++)
		if (!run->targets.items[i].dad.conflict)
			return false;
	return true;
}

enum arping_frame arping_run_frame(const struct arping_run *run,
				   const struct arping_target *target)
{
	bool ndp = target->addr.family == AF_INET6;

	switch (run->cfg.mode) {
	case ARPING_MODE_DAD:
		return ndp ? ARPING_FRAME_DAD_NS : ARPING_FRAME_ARP_PROBE;
	case ARPING_MODE_UNSOLICITED_REPLY:
		return ndp ? ARPING_FRAME_UNSOLICITED_NA : ARPING_FRAME_ARP_REPLY;
	case ARPING_MODE_UNSOLICITED_REQUEST:
		/* An NS for our own address from it would reach only that address's
		 * solicited-node group and teach nobody anything: IPv6's gratuitous form
		 * is the NA. */
		if (ndp && ipaddr_equal(&target->addr, &target->source))
			return ARPING_FRAME_UNSOLICITED_NA;
		return ndp ? ARPING_FRAME_NS : ARPING_FRAME_ARP_REQUEST;
	case ARPING_MODE_PING:
	default:
		return ndp ? ARPING_FRAME_NS : ARPING_FRAME_ARP_REQUEST;
	}
}

/* The frame this run sends for t; its length. */
static size_t build_frame(const struct arping_run *run, const struct arping_target *t,
			  uint8_t *buf)
{
	const struct mac *self = &run->link->mac;
	struct arp_frame f;
	struct ndp_msg m;

	switch (arping_run_frame(run, t)) {
	case ARPING_FRAME_ARP_PROBE:
		arp_make_probe(&f, self, t->addr.v4);
		break;
	case ARPING_FRAME_ARP_REPLY:
		arp_make_announce_reply(&f, self, t->source.v4);
		f.tpa = t->addr.v4;
		break;
	case ARPING_FRAME_ARP_REQUEST:
		arp_make_request(&f, self, t->source.v4, t->addr.v4, &mac_broadcast);
		break;
	case ARPING_FRAME_NS:
		ndp_make_ns(&m, self, &t->source.v6, &t->addr.v6, NULL);
		return ndp_encode(&m, buf, FRAME_MAX);
	case ARPING_FRAME_DAD_NS:
		ndp_make_dad_ns(&m, self, &t->addr.v6);
		m.has_nonce = true;
		memcpy(m.nonce, run->cfg.nonce, NDP_NONCE_LEN);
		return ndp_encode(&m, buf, FRAME_MAX);
	case ARPING_FRAME_UNSOLICITED_NA:
	default:
		ndp_make_unsolicited_na(&m, self, &t->source.v6, run->cfg.na_flags);
		return ndp_encode(&m, buf, FRAME_MAX);
	}
	return arp_encode(&f, buf, FRAME_MAX);
}

/* One frame for every target, batched; *now becomes the time they had all left. */
static int send_round(struct arping_run *run, uint64_t *now)
{
	struct arping_clock *k = &run->clock;
	uint64_t sent_at, next;
	int err = 0;

	for (size_t i = 0; i < run->targets.count && err >= 0; i++) {
		uint8_t *slot = link_tx_slot(&run->tx);

		if (!slot) {
			err = link_tx_flush(run->link, &run->tx);
			slot = link_tx_slot(&run->tx);
		}
		if (err >= 0)
			link_tx_commit(&run->tx, build_frame(run, &run->targets.items[i], slot));
	}
	if (err >= 0)
		err = link_tx_flush(run->link, &run->tx);
	if (err < 0)
		return err;
	/* The RTT starts when the frames have left the send call (veth delivers inside it). */
	sent_at = run->cfg.clock();
	if (run->cfg.mode == ARPING_MODE_DAD && k->sent + 1 < run->plan.probes)
		next = k->start_ns + run->plan.offset_ns[k->sent + 1];
	else
		next = sent_at + run->cfg.interval_ns;
	arping_clock_sent(k, sent_at, next);
	run->answered = 0;
	for (size_t i = 0; i < run->targets.count; i++)
		run->targets.items[i].tally.sent = k->sent;
	*now = sent_at > *now ? sent_at : *now;
	return 0;
}

int arping_run_step(struct arping_run *run, uint64_t now, uint64_t *wake)
{
	*wake = now;
	if (!run->started)
		return -EINVAL;
	for (;;) {
		int err;

		if (arping_run_done(run))
			return 0;
		switch (arping_clock_step(&run->clock, now, wake)) {
		case ARPING_WAIT:
			return 0;
		case ARPING_DONE:
			run->done = true;
			*wake = now;
			return 0;
		case ARPING_SEND:
			err = send_round(run, &now);
			if (err < 0)
				return err;
			break;
		}
	}
}

/* The target a frame is about: the one its first address names, else its second
 * (AF_UNSPEC: none), with what the classifier must know of it. NULL when neither
 * is asked about. */
static struct arping_target *frame_target(const struct arping_run *run,
					  const struct ipaddr *first,
					  const struct ipaddr *second, struct arping_match *match)
{
	struct arping_target *t = target_by_addr(run, first);

	if (!t && second->family != AF_UNSPEC)
		t = target_by_addr(run, second);
	if (!t)
		return NULL;
	match->target = t->addr;
	match->source = t->source;
	match->self = run->link->mac;
	match->dad = run->cfg.mode == ARPING_MODE_DAD;
	memcpy(match->nonce, run->cfg.nonce, NDP_NONCE_LEN);
	return t;
}

/* ARP: the sender IP names the address (a reply, a claim), or for a probe (sender
 * 0.0.0.0) the target IP. */
static enum arping_verdict classify_arp(const struct arping_run *run,
					const struct link_rx_frame *frame,
					struct arping_target **about, struct mac *sender)
{
	struct arping_match match;
	struct arp_frame f;
	struct ipaddr spa, tpa;

	if (arp_decode(frame->data, frame->len, &f) < 0)
		return ARPING_IGNORE;
	spa = ipaddr_v4(f.spa);
	tpa = f.spa.s_addr == 0 ? ipaddr_v4(f.tpa) : ipaddr_any(AF_UNSPEC);
	*about = frame_target(run, &spa, &tpa, &match);
	*sender = f.sha;
	return *about ? arping_classify(&match, &f) : ARPING_IGNORE;
}

/* NDP: the target field names the address (an NA, a probe, a solicitation), else
 * the IPv6 source (a solicitation from the address itself). */
static enum arping_verdict classify_ndp(const struct arping_run *run,
					const struct link_rx_frame *frame,
					struct arping_target **about, struct mac *sender)
{
	struct arping_match match;
	struct ndp_msg m;
	struct ipaddr target, src;

	if (ndp_decode(frame->data, frame->len, &m) < 0)
		return ARPING_IGNORE;
	target = ipaddr_v6(&m.target);
	src = ipaddr_v6(&m.ip.src);
	*about = frame_target(run, &target, &src, &match);
	*sender = arping_ndp_sender(&m);
	return *about ? arping_classify_ndp(&match, &m) : ARPING_IGNORE;
}

/* Which target a frame is about, and the verdict on it, by the run's family. */
static enum arping_verdict classify_frame(const struct arping_run *run,
					  const struct link_rx_frame *frame,
					  struct arping_target **about, struct mac *sender)
{
	return run->family == AF_INET6 ? classify_ndp(run, frame, about, sender)
				       : classify_arp(run, frame, about, sender);
}

void arping_run_on_frame(struct arping_run *run, const struct link_rx_frame *frame)
{
	struct arping_clock *k = &run->clock;
	struct arping_target *t = NULL;
	struct arping_event ev;
	struct arping_seen seen;

	if (!run->started)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.verdict = classify_frame(run, frame, &t, &ev.mac);
	/* A reply before our first request answers someone else; but DAD listens from
	 * the start, the random wait included (RFC 5227 2.1.1). */
	if (ev.verdict == ARPING_IGNORE || (ev.verdict == ARPING_REPLY && k->sent == 0))
		return;
	ev.target = (unsigned)(t - run->targets.items);
	ev.seq = k->sent;
	ev.rtt_ns = k->sent && frame->time_ns > k->last_send_ns ? frame->time_ns - k->last_send_ns
								 : 0;
	seen = arping_tally_add(&t->tally, &ev.mac, k->sent, ev.rtt_ns);
	ev.first = t->tally.responders[0].mac;
	if (ev.verdict == ARPING_REPLY) {
		ev.conflict = seen.conflict;
		if (t->answered_seq != k->sent) {
			t->answered_seq = k->sent;
			if (++run->answered == run->targets.count)
				arping_clock_answered(k, frame->time_ns);
		}
	} else {
		ev.conflict = true;
		if (!t->dad.conflict) {
			t->dad.conflict = true;
			t->dad.kind = ev.verdict;
			t->dad.mac = ev.mac;
			t->dad.seq = k->sent;
		}
	}
	if (run->observer)
		run->observer(run->observer_ctx, &ev);
}

void arping_run_finish(struct arping_run *run, uint64_t now, bool interrupted)
{
	run->summary.sent = run->clock.sent;
	run->summary.elapsed_ns = now > run->clock.start_ns ? now - run->clock.start_ns : 0;
	run->summary.interrupted = interrupted && !arping_run_done(run);
}

/* What the link holds now. Bounded: a flood cannot keep the run here past a few
 * batches per wake-up. */
static int receive(struct arping_run *run)
{
	for (int round = 0; round < 16; round++) {
		int n = link_rx_read(run->link, &run->rx);

		if (n <= 0)
			return n;
		for (unsigned i = 0; i < run->rx.count; i++)
			arping_run_on_frame(run, &run->rx.frame[i]);
		if (n < LINK_BATCH)
			return 0;
	}
	return 0;
}

int arping_run_wait(struct arping_run *run, const struct loop_stop *stop)
{
	struct pollfd pfd = { .fd = run->link->fd, .events = POLLIN };
	int err = 0;

	while (!loop_stopped(stop)) {
		uint64_t wake;
		int ready;

		err = arping_run_step(run, now_ns(), &wake);
		if (err < 0 || arping_run_done(run))
			break;
		ready = loop_wait(&pfd, 1, wake, stop);
		if (ready < 0) {
			err = ready;
			break;
		}
		if (ready == 0)
			continue;
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			err = -EIO;
			break;
		}
		err = receive(run);
		if (err < 0)
			break;
	}
	arping_run_finish(run, now_ns(), loop_stopped(stop));
	return err;
}

const struct arping_target *arping_run_targets(const struct arping_run *run, size_t *count)
{
	*count = run->targets.count;
	return run->targets.items;
}

const struct arping_summary *arping_run_summary(const struct arping_run *run)
{
	return &run->summary;
}

const struct arping_dad_plan *arping_run_plan(const struct arping_run *run)
{
	return &run->plan;
}

enum arping_outcome arping_run_outcome(const struct arping_run *run,
				       const struct arping_target *target)
{
	switch (run->cfg.mode) {
	case ARPING_MODE_DAD:
		if (target->dad.conflict)
			return ARPING_IN_USE;
		return run->summary.interrupted ? ARPING_UNKNOWN : ARPING_FREE;
	case ARPING_MODE_UNSOLICITED_REQUEST:
	case ARPING_MODE_UNSOLICITED_REPLY:
		return ARPING_SENT;
	case ARPING_MODE_PING:
	default:
		return target->tally.received ? ARPING_ANSWERED : ARPING_SILENT;
	}
}

bool arping_target_conflict(const struct arping_run *run, const struct arping_target *target)
{
	return run->cfg.mode == ARPING_MODE_DAD ? target->dad.conflict
						: arping_tally_conflict(&target->tally);
}
