#include "arping.h"

#include <errno.h>
#include <string.h>

static bool from_self(const struct arping_match *m, const struct arp_frame *f)
{
	return mac_equal(&f->sha, &m->self) || mac_equal(&f->eth.src, &m->self);
}

/* Addressed to us: our IP and MAC as the ARP target, and a destination we receive.
 * Broadcast replies are allowed because RFC 5227 2.6 lets hosts broadcast them. */
static bool addressed_to_us(const struct arping_match *m, const struct arp_frame *f)
{
	return f->tpa.s_addr == m->source.s_addr && mac_equal(&f->tha, &m->self) &&
	       (mac_equal(&f->eth.dst, &m->self) || mac_is_broadcast(&f->eth.dst));
}

enum arping_verdict arping_classify(const struct arping_match *m, const struct arp_frame *f)
{
	/* The interface is untagged: a tagged frame belongs to a VLAN we are not on. */
	if (f->eth.vlan != VLAN_NONE || from_self(m, f))
		return ARPING_IGNORE;
	if (m->dad) {
		if (f->spa.s_addr == m->target.s_addr)
			return ARPING_CLAIM;
		if (f->op == ARP_OP_REQUEST && f->spa.s_addr == 0 &&
		    f->tpa.s_addr == m->target.s_addr)
			return ARPING_RIVAL_PROBE;
		return ARPING_IGNORE;
	}
	if (f->op == ARP_OP_REPLY && f->spa.s_addr == m->target.s_addr && addressed_to_us(m, f))
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
