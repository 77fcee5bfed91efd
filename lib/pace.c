#include "pace.h"

#include "clock.h"

/* Each frame costs 1e9/rate ns of credit; credit accrues with time up to `burst`
 * frames' worth, so an idle pacer cannot save up for a flood. */
static uint64_t frame_cost(const struct pacer *p)
{
	return NS_PER_SEC / p->rate;
}

void pacer_init(struct pacer *p, uint64_t rate, uint64_t burst, uint64_t now)
{
	p->rate = rate;
	p->burst = burst ? burst : 1;
	p->last_ns = now;
	p->tokens_ns = rate ? p->burst * frame_cost(p) : 0;
}

static void pacer_refill(struct pacer *p, uint64_t now)
{
	uint64_t cap = p->burst * frame_cost(p);

	if (now > p->last_ns) {
		p->tokens_ns += now - p->last_ns;
		p->last_ns = now;
	}
	if (p->tokens_ns > cap)
		p->tokens_ns = cap;
}

uint64_t pacer_take(struct pacer *p, uint64_t now, uint64_t wanted)
{
	uint64_t cost, allowed;

	if (p->rate == 0)
		return wanted;
	pacer_refill(p, now);
	cost = frame_cost(p);
	allowed = p->tokens_ns / cost;
	if (allowed > wanted)
		allowed = wanted;
	p->tokens_ns -= allowed * cost;
	return allowed;
}

uint64_t pacer_next(const struct pacer *p, uint64_t now)
{
	uint64_t cost, credit;

	if (p->rate == 0)
		return now;
	cost = frame_cost(p);
	credit = p->tokens_ns + (now > p->last_ns ? now - p->last_ns : 0);
	return credit >= cost ? now : now + (cost - credit);
}

uint64_t schedule_offset(const struct schedule *s, unsigned round)
{
	uint64_t offset = 0, gap = s->interval_ns;

	for (unsigned k = 1; k <= round; k++) {
		offset += gap;
		if (s->doubling)
			gap *= 2;
	}
	return offset;
}
