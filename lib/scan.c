#include "scan.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "frame.h"
#include "pace.h"
#include "rxring.h"
#include "txring.h"
#include "vec.h"

#define ARP_TPA_OFFSET 24   /* within the ARP payload */
#define RX_BATCHES_PER_STEP 32
#define RX_BLOCKS_PER_STEP 64
#define TX_RING_FULL_WAIT_NS (50 * NS_PER_US)
#define MAX_BURST 64
/*
 * --rate max: no clock, but at most WINDOW requests in flight, so a responder's
 * receive queue is not overrun (the replies it drops would cost a whole retry
 * wait). A request is in flight until its round's replies catch up with it or it
 * is old (a silent target): 4 smoothed round-trip times, at least 1 ms, so a
 * silent network still gets WINDOW frames per ms, while a responder whose queue
 * fills (its replies slow down) holds the window longer. Where replies are rare
 * (under 1 in SPARSE_SHARE of the round's requests), the round-trip times are the
 * network's (the kernel's receive stamps), not as the engine reads them: there the
 * receive ring hands a reply over only when its block's 1 ms timer fires, and most
 * requests go to silent addresses that no reply will ever free.
 */
#define WINDOW 384
#define WINDOW_AGE_MIN_NS (1 * NS_PER_MS)
#define WINDOW_AGE_MAX_NS (50 * NS_PER_MS)
#define WINDOW_RECORDS 256
#define SPARSE_SHARE 8
#define ECHO_PAYLOAD 8
#define TRIES_MAX UINT8_MAX

enum scan_phase { PHASE_SENDING, PHASE_WAITING, PHASE_DONE };

struct scan_run {
	struct scan_config cfg;
	struct scan_hooks hooks;
	struct targets *targets;
	struct link *link;
	struct mac own_mac;

	uint8_t request[FRAME_MAX]; /* the ARP template: only the target address changes */
	size_t request_len;
	size_t tpa_offset;
	size_t frame_max;           /* the longest frame this scan sends */

	/* Per target, indexed by target index; grown when discovery adds targets. */
	uint32_t *sent_us;        /* last request, microseconds since start (wraps) */
	uint32_t *first_reply;    /* index into replies, SCAN_NONE when silent */
	uint8_t *tries;           /* requests sent */
	size_t sent_cap, first_cap, tries_cap;
	uint32_t pending;         /* silent targets with requests left */
	uint8_t max_tries;        /* retries + 1 */

	/* Discovery: echo rounds sent, and when the last went. */
	unsigned echo_rounds;
	uint64_t echo_last_ns;

	struct scan_reply *replies;
	size_t reply_count, reply_cap;

	enum scan_phase phase;
	unsigned round;
	struct target_cursor cursor;
	bool loaded;              /* the cursor's next silent target, taken when it is due: */
	struct ipaddr next_addr;
	uint32_t next_index;
	uint64_t last_sent_ns, prev_round_last_ns;
	struct pacer pacer;
	uint64_t burst;
	uint64_t start_ns, wait_until_ns, next_tick_ns;
	struct scan_counters counters;
	struct link_tx tx;
	struct link_rx rx;
	struct txring *txring;    /* when set, requests go through it, not sendmmsg */
	struct rxring *rxring;    /* when set, replies come from it, not recvmmsg */
	uint64_t ring_read_ns;    /* when the ring is being drained, monotonic and realtime */
	uint64_t ring_read_real_ns;
	bool tx_full;             /* the ring's next slot is still the kernel's */
	uint64_t due_ns;          /* when the loaded target may be asked (after a batch) */

	/* The in-flight window of --rate max: when batches went, sends counted per round. */
	uint64_t round_sent, round_answered_base, round_expired;
	uint64_t srtt_ns;          /* as the engine reads replies, and as the kernel received them */
	uint64_t net_srtt_ns;
	uint64_t batch_time[WINDOW_RECORDS];
	uint64_t batch_sent[WINDOW_RECORDS]; /* round_sent after the batch */
	unsigned batch_head, batch_count;
};

static const struct in6_addr *ns_source(const struct scan_config *cfg,
					const struct in6_addr *target)
{
	return ipv6_is_link_local(target) ? &cfg->source6_ll : &cfg->source6;
}

size_t scan_build_request(const struct scan_config *cfg, const struct mac *own_mac,
			  const struct ipaddr *target, uint8_t *buf, size_t cap)
{
	struct arp_frame f;
	struct ndp_msg m;

	if (target->family == AF_INET6) {
		ndp_make_ns(&m, own_mac, ns_source(cfg, &target->v6), &target->v6, NULL);
		m.eth.vlan = cfg->vlan;
		return ndp_encode(&m, buf, cap);
	}
	arp_make_request(&f, own_mac, cfg->source, target->v4, &mac_broadcast);
	arp_set_vlan(&f, cfg->vlan);
	return arp_encode(&f, buf, cap);
}

/* An echo request to all-nodes from source (discovery). */
static size_t build_echo(const struct scan_run *run, const struct in6_addr *source,
			 uint16_t sequence, uint8_t *buf, size_t cap)
{
	struct mac all_nodes = ipv6_multicast_mac(&ipv6_all_nodes);
	struct icmpv6_echo e;

	icmpv6_make_echo_request(&e, &run->own_mac, source, &all_nodes, &ipv6_all_nodes,
				 run->cfg.echo_ident, sequence);
	e.eth.vlan = run->cfg.vlan;
	return icmpv6_echo_encode(&e, ECHO_PAYLOAD, buf, cap);
}

/* Room for need targets in every per-target array; a new target is silent, unasked. */
static int reserve_targets(struct scan_run *run, size_t have, size_t need)
{
	if (vec_reserve_fields(run->sent_us, run->sent_cap, need) < 0 ||
	    vec_reserve_fields(run->first_reply, run->first_cap, need) < 0 ||
	    vec_reserve_fields(run->tries, run->tries_cap, need) < 0)
		return -ENOMEM;
	for (size_t i = have; i < need; i++) {
		run->sent_us[i] = 0;
		run->first_reply[i] = SCAN_NONE;
		run->tries[i] = 0;
	}
	return 0;
}

int scan_run_create(struct scan_run **out, const struct scan_config *cfg,
		    struct targets *targets, struct link *link, const struct mac *own_mac,
		    const struct scan_hooks *hooks)
{
	struct scan_run *run;
	struct ipaddr zero = ipaddr_any(AF_INET);
	uint8_t scratch[FRAME_MAX];

	*out = NULL;
	if (!targets->finished || (targets->total == 0 && cfg->echo_count == 0) ||
	    cfg->echo_count > SCAN_ECHO_SOURCES_MAX)
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->cfg = *cfg;
	if (hooks)
		run->hooks = *hooks;
	run->targets = targets;
	run->link = link;
	run->own_mac = *own_mac;
	run->request_len = scan_build_request(cfg, own_mac, &zero, run->request, sizeof(run->request));
	run->tpa_offset = (cfg->vlan == VLAN_NONE ? ETH_HDR_LEN : ETH_HDR_LEN + VLAN_TAG_LEN) +
			  ARP_TPA_OFFSET;
	run->frame_max = run->request_len;
	if (targets->ipv6_total || cfg->echo_count) {
		struct ipaddr any6 = ipaddr_v6(&in6addr_any);
		size_t ns = scan_build_request(cfg, own_mac, &any6, scratch, sizeof(scratch));
		size_t echo = build_echo(run, &in6addr_any, 0, scratch, sizeof(scratch));

		run->frame_max = ns > echo ? ns : echo;
	}
	run->max_tries = cfg->retries < TRIES_MAX ? (uint8_t)(cfg->retries + 1) : TRIES_MAX;
	run->pending = targets->total;
	if (!run->request_len || reserve_targets(run, 0, targets->total ? targets->total : 1) < 0) {
		scan_run_free(run);
		return -ENOMEM;
	}
	/* Bursts of about 10 ms of the rate keep wakeups few without flooding. */
	run->burst = cfg->rate ? cfg->rate / 100 : MAX_BURST;
	if (run->burst < 1)
		run->burst = 1;
	if (run->burst > MAX_BURST)
		run->burst = MAX_BURST;
	run->phase = PHASE_DONE;
	*out = run;
	return 0;
}

void scan_run_use_rings(struct scan_run *run, struct txring *tx, struct rxring *rx)
{
	run->txring = tx;
	run->rxring = rx;
}

void scan_run_free(struct scan_run *run)
{
	if (!run)
		return;
	free(run->sent_us);
	free(run->first_reply);
	free(run->tries);
	free(run->replies);
	free(run);
}

static void start_round(struct scan_run *run, unsigned round)
{
	run->round = round;
	run->phase = PHASE_SENDING;
	run->prev_round_last_ns = run->last_sent_ns;
	run->loaded = false;
	run->round_sent = 0;
	run->round_answered_base = run->counters.answered;
	run->round_expired = 0;
	run->batch_count = 0;
	targets_cursor_start(run->targets, &run->cursor);
}

void scan_run_start(struct scan_run *run, uint64_t now)
{
	run->start_ns = now;
	run->next_tick_ns = now + run->hooks.tick_ns;
	pacer_init(&run->pacer, run->cfg.rate, run->burst, now);
	start_round(run, 0);
}

bool scan_run_finished(const struct scan_run *run)
{
	return run->phase == PHASE_DONE;
}

static uint32_t elapsed_us(const struct scan_run *run, uint64_t now)
{
	return (uint32_t)((now - run->start_ns) / NS_PER_US);
}

static uint8_t *next_slot(struct scan_run *run)
{
	if (!run->txring)
		return link_tx_slot(&run->tx);
	if (txring_frame_room(run->txring) < run->frame_max)
		return NULL;
	return txring_slot(run->txring);
}

static void commit_slot(struct scan_run *run, uint8_t *slot, size_t len, uint64_t now)
{
	if (run->txring)
		txring_commit(run->txring, len);
	else
		link_tx_commit(&run->tx, len);
	if (run->hooks.on_frame)
		run->hooks.on_frame(run->hooks.ctx, true, slot, len, len, now);
}

/* The request to the loaded target into slot: the ARP template with its address, or
 * an NS built whole (its checksum covers the target). */
static size_t fill_request(struct scan_run *run, uint8_t *slot)
{
	if (run->next_addr.family == AF_INET6)
		return scan_build_request(&run->cfg, &run->own_mac, &run->next_addr, slot,
					  run->frame_max);
	memcpy(slot, run->request, run->request_len);
	memcpy(slot + run->tpa_offset, &run->next_addr.v4.s_addr, 4);
	return run->request_len;
}

/*
 * When target index may be asked again: a timeout after its own previous request. In
 * round 0, or once the previous round's last request is a timeout old, every target is
 * due. sent_us wraps after 71 minutes, which can make an older request look younger,
 * never older: a target is never asked early (to the microsecond), at worst one
 * timeout late.
 */
static uint64_t due_time(const struct scan_run *run, uint32_t index, uint64_t now)
{
	uint64_t timeout = run->cfg.timeout_ns, age;

	if (run->round == 0 || run->tries[index] == 0 || now - run->prev_round_last_ns >= timeout)
		return now;
	age = (uint64_t)(uint32_t)(elapsed_us(run, now) - run->sent_us[index]) * NS_PER_US;
	return age >= timeout ? now : now + timeout - age;
}

/* Does target index still wait for a request: silent, with requests left? */
static bool asks_left(const struct scan_run *run, uint32_t index)
{
	return run->first_reply[index] == SCAN_NONE && run->tries[index] < run->max_tries;
}

/* Loads the round's next target that asks_left (the others are skipped): 1 when it
 * may be asked at now, 0 when not yet (*due_ns: when), -1 at the round's end. A loaded
 * target stays loaded until taken. */
static int load_next(struct scan_run *run, uint64_t now, uint64_t *due_ns)
{
	while (!run->loaded || !asks_left(run, run->next_index)) {
		run->loaded = targets_cursor_next(run->targets, &run->cursor, &run->next_addr,
						  &run->next_index);
		if (!run->loaded)
			return -1;
	}
	*due_ns = due_time(run, run->next_index, now);
	return *due_ns <= now;
}

/* The round's cursor is at its end: the next round at once while a target has
 * requests left (each waits for its own timeout), else the final wait for late
 * replies. */
static void end_round(struct scan_run *run)
{
	run->phase = PHASE_WAITING;
	run->wait_until_ns = run->pending ? run->last_sent_ns :
			     run->last_sent_ns + run->cfg.timeout_ns;
}

/* A request went to target index. */
static void asked(struct scan_run *run, uint32_t index, uint64_t now)
{
	run->sent_us[index] = elapsed_us(run, now);
	if (++run->tries[index] == run->max_tries)
		run->pending--;
	run->last_sent_ns = now;
	run->counters.rounds = run->round + 1;
}

/* Fills the batch with requests to this round's silent targets that are due. */
static unsigned fill_batch(struct scan_run *run, uint64_t now, unsigned wanted)
{
	unsigned filled = 0;

	while (filled < wanted) {
		/* The slot first: a target is taken only when it can go. */
		uint8_t *slot = next_slot(run);
		int ready;

		if (!slot) {
			run->tx_full = true;
			break;
		}
		ready = load_next(run, now, &run->due_ns);
		if (ready < 0)
			end_round(run);
		if (ready <= 0)
			break;
		run->loaded = false;
		commit_slot(run, slot, fill_request(run, slot), now);
		asked(run, run->next_index, now);
		filled++;
	}
	return filled;
}

static uint64_t window_age(const struct scan_run *run)
{
	bool sparse = (run->counters.answered - run->round_answered_base) * SPARSE_SHARE <
		      run->round_sent;
	uint64_t age = 4 * (sparse ? run->net_srtt_ns : run->srtt_ns);

	return age < WINDOW_AGE_MIN_NS ? WINDOW_AGE_MIN_NS : age > WINDOW_AGE_MAX_NS ? WINDOW_AGE_MAX_NS : age;
}

/* Requests of this round still in flight: sent, not yet matched by as many
 * replies, and younger than WINDOW_AGE. */
static uint64_t in_flight(struct scan_run *run, uint64_t now)
{
	uint64_t expired = 0, answered = run->counters.answered - run->round_answered_base;

	while (run->batch_count) {
		unsigned oldest = (run->batch_head + WINDOW_RECORDS - run->batch_count) % WINDOW_RECORDS;

		if (now - run->batch_time[oldest] < window_age(run))
			break;
		expired = run->batch_sent[oldest];
		run->batch_count--;
	}
	if (expired > run->round_expired)
		run->round_expired = expired;
	expired = run->round_expired;
	if (answered > expired)
		expired = answered;
	return run->round_sent > expired ? run->round_sent - expired : 0;
}

static void record_batch(struct scan_run *run, uint64_t now, unsigned filled)
{
	run->round_sent += filled;
	run->batch_time[run->batch_head] = now;
	run->batch_sent[run->batch_head] = run->round_sent;
	run->batch_head = (run->batch_head + 1) % WINDOW_RECORDS;
	if (run->batch_count < WINDOW_RECORDS)
		run->batch_count++;
}

static uint64_t allowance(struct scan_run *run, uint64_t now)
{
	uint64_t busy;

	if (run->cfg.rate)
		return pacer_take(&run->pacer, now, LINK_BATCH);
	busy = in_flight(run, now);
	if (busy >= WINDOW)
		return 0;
	return WINDOW - busy < LINK_BATCH ? WINDOW - busy : LINK_BATCH;
}

/* Discovery: echo requests have rounds left, or the last one's timeout runs. */
static bool discovery_open(const struct scan_run *run, uint64_t now)
{
	return run->cfg.echo_count &&
	       (run->echo_rounds < run->max_tries || now - run->echo_last_ns < run->cfg.timeout_ns);
}

/* When the next round of echo requests is due; LOOP_FOREVER when none is left. */
static uint64_t echo_due_ns(const struct scan_run *run)
{
	if (!run->cfg.echo_count || run->echo_rounds >= run->max_tries)
		return LOOP_FOREVER;
	return run->echo_rounds ? run->echo_last_ns + run->cfg.timeout_ns : run->start_ns;
}

/* Every target answered, and discovery can add none. */
static bool all_answered(const struct scan_run *run, uint64_t now)
{
	return run->counters.answered == run->targets->total && !discovery_open(run, now);
}

/* A round of echo requests, one from each echo source, when due: frames queued. */
static unsigned queue_echo(struct scan_run *run, uint64_t now)
{
	unsigned queued = 0;

	if (echo_due_ns(run) > now)
		return 0;
	for (unsigned i = 0; i < run->cfg.echo_count; i++) {
		uint8_t *slot = next_slot(run);

		if (!slot) {
			run->tx_full = true;
			break;
		}
		commit_slot(run, slot, build_echo(run, &run->cfg.echo_source[i],
						  (uint16_t)run->echo_rounds, slot, run->frame_max),
			    now);
		queued++;
	}
	run->echo_rounds++;
	run->echo_last_ns = now;
	run->counters.frames_sent += queued;
	return queued;
}

/* Hands the queued frames to the kernel. A ring keeps frames the device refused
 * queued: it is flushed even when nothing new was queued. */
static int flush(struct scan_run *run, unsigned queued)
{
	if ((queued || (run->txring && run->txring->queued)) && (run->link || run->txring)) {
		int sent = run->txring ? txring_flush(run->txring) : link_tx_flush(run->link, &run->tx);

		/* A queue that stays full past link_tx_flush's patience is congestion,
		 * not failure: the unsent targets are still silent, a later round asks. */
		if (sent == -ENOBUFS || sent == -EAGAIN)
			run->counters.send_stalls++;
		else if (sent < 0)
			return sent;
	}
	run->tx.count = 0;
	return 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int send_due(struct scan_run *run, uint64_t now, uint64_t *wake_at)
{
	unsigned queued = queue_echo(run, now);
	int ready = load_next(run, now, &run->due_ns);
	uint64_t allowed = 0;
	unsigned filled = 0;
	int err;

	run->tx_full = false;
	if (ready < 0)
		end_round(run);
	else if (ready > 0)
		allowed = allowance(run, now);
	if (ready > 0 && allowed == 0 && run->cfg.rate == 0) {
		/* A reply or the age limit frees the window; ppoll wakes for the first. */
		*wake_at = now + WINDOW_AGE_MIN_NS / 8;
		return flush(run, queued);
	}
	if (ready > 0 && allowed == 0) {
		uint64_t cost = run->cfg.rate ? NS_PER_SEC / run->cfg.rate : 0;

		/* Sleep until a whole burst is due, not a frame at a time. */
		*wake_at = earliest(pacer_next(&run->pacer, now) + (run->burst - 1) * cost,
				    echo_due_ns(run));
		return flush(run, queued);
	}
	if (allowed)
		filled = fill_batch(run, now, (unsigned)allowed);
	run->counters.frames_sent += filled;
	if (filled)
		record_batch(run, now, filled);
	err = flush(run, queued + filled);
	if (err)
		return err;
	*wake_at = run->phase != PHASE_SENDING ? run->wait_until_ns :
		   run->tx_full ? now + TX_RING_FULL_WAIT_NS : run->due_ns;
	*wake_at = earliest(*wake_at, echo_due_ns(run));
	return 0;
}

/* After the last round: wait for late replies and for discovery to close. 1 when the
 * scan is over, 0 with *wake_at, -errno. */
static int final_wait(struct scan_run *run, uint64_t now, uint64_t *wake_at)
{
	uint64_t until = run->wait_until_ns;
	int err;

	run->tx_full = false;
	err = flush(run, queue_echo(run, now));
	if (err)
		return err;
	if (run->cfg.echo_count && run->echo_rounds) {
		uint64_t echo_end = run->echo_last_ns + run->cfg.timeout_ns;

		until = until > echo_end ? until : echo_end;
	}
	if (now >= until && !discovery_open(run, now))
		return 1;
	*wake_at = earliest(until > now ? until : now + run->cfg.timeout_ns, echo_due_ns(run));
	if (run->tx_full)
		*wake_at = earliest(*wake_at, now + TX_RING_FULL_WAIT_NS);
	return 0;
}

int scan_run_step(struct scan_run *run, uint64_t now, uint64_t *wake_at)
{
	int err = 0;

	/* A round's end starts the next one in the same step: at most a turn per target's
	 * request, and discovery only adds rounds while it finds addresses. */
	for (;;) {
		*wake_at = now;
		if (run->phase != PHASE_DONE && all_answered(run, now))
			run->phase = PHASE_DONE;
		if (run->phase == PHASE_WAITING) {
			if (run->pending) {
				start_round(run, run->round + 1);
			} else {
				err = final_wait(run, now, wake_at);
				if (err <= 0)
					return err;
				run->phase = PHASE_DONE;
			}
		}
		if (run->phase == PHASE_DONE)
			return 1;
		err = send_due(run, now, wake_at);
		if (err || run->phase != PHASE_WAITING || *wake_at > now)
			return err;
	}
}

static bool on_our_vlan(const struct scan_run *run, const struct eth_header *eth)
{
	return run->cfg.vlan == VLAN_NONE ? eth->vlan <= 0 : eth->vlan == run->cfg.vlan;
}

static bool reply_is_ours(const struct scan_run *run, const struct arp_frame *f)
{
	if (f->op != ARP_OP_REPLY || !on_our_vlan(run, &f->eth))
		return false;
	return mac_equal(&f->eth.dst, &run->own_mac) || mac_equal(&f->tha, &run->own_mac);
}

/* Microseconds from target's last request to t, negative if t is before it. */
static int32_t us_since_request(const struct scan_run *run, uint32_t target, uint64_t t)
{
	uint32_t at_us = (uint32_t)((t > run->start_ns ? t - run->start_ns : 0) / NS_PER_US);

	return (int32_t)(at_us - run->sent_us[target]);
}

/* A reply for target (addr at mac) received (kernel stamp) at time_ns and read by the
 * engine at seen_ns. */
static int add_reply(struct scan_run *run, const struct ipaddr *addr, const struct mac *mac,
		     uint32_t target, uint64_t time_ns, uint64_t seen_ns)
{
	uint32_t last = SCAN_NONE;
	struct scan_reply *r;
	int32_t rtt_us;

	for (uint32_t i = run->first_reply[target]; i != SCAN_NONE; i = run->replies[i].next) {
		if (mac_equal(&run->replies[i].mac, mac)) {
			run->counters.duplicates++;
			return 0;
		}
		last = i;
	}
	if (vec_reserve_fields(run->replies, run->reply_cap, run->reply_count + 1) < 0)
		return 0; /* out of memory: the reply is lost, the scan goes on */
	r = &run->replies[run->reply_count];
	r->ip = *addr;
	r->mac = *mac;
	r->target = target;
	r->next = SCAN_NONE;
	r->at_ns = time_ns > run->start_ns ? time_ns - run->start_ns : 0;
	rtt_us = us_since_request(run, target, time_ns);
	/* Received (kernel stamp) before the last request went: it answered an earlier
	 * one, whose time is gone; 0 rather than a wrapped value, and no RTT sample. */
	r->rtt_ns = rtt_us > 0 ? (uint64_t)rtt_us * NS_PER_US : 0;
	r->conflict = last != SCAN_NONE;
	if (rtt_us >= 0) {
		int32_t seen_us = us_since_request(run, target, seen_ns);
		uint64_t seen = seen_us > rtt_us ? (uint64_t)seen_us * NS_PER_US : r->rtt_ns;

		run->net_srtt_ns = run->net_srtt_ns ? (run->net_srtt_ns * 7 + r->rtt_ns) / 8 : r->rtt_ns;
		run->srtt_ns = run->srtt_ns ? (run->srtt_ns * 7 + seen) / 8 : seen;
	}
	if (last == SCAN_NONE) {
		run->first_reply[target] = (uint32_t)run->reply_count;
		run->counters.answered++;
		if (run->tries[target] < run->max_tries)
			run->pending--;
	} else {
		run->replies[last].next = (uint32_t)run->reply_count;
		if (!run->replies[run->first_reply[target]].conflict)
			run->counters.conflicts++;
		for (uint32_t i = run->first_reply[target]; i != SCAN_NONE; i = run->replies[i].next)
			run->replies[i].conflict = true;
	}
	run->reply_count++;
	if (run->hooks.on_reply)
		run->hooks.on_reply(run->hooks.ctx, r);
	return 1;
}

/* Discovery: an address heard on the link joins the targets, silent and unasked.
 * False when the scan does not discover (the frame is then ignored). */
static bool heard(struct scan_run *run, const struct in6_addr *addr)
{
	struct ipaddr a = ipaddr_v6(addr);
	uint32_t total = run->targets->total, index;
	int added;

	if (!run->cfg.echo_count)
		return false;
	if (reserve_targets(run, total, (size_t)total + 1) < 0)
		return true; /* out of memory: the address is lost, the scan goes on */
	added = targets_add_found(run->targets, &a, &index);
	if (added == 1) {
		run->pending++;
		run->counters.found++;
	} else if (added == -E2BIG) {
		run->counters.found_dropped++;
	}
	return true;
}

/* Neighbor Discovery and echo replies: true when the frame was for the scan, with
 * *added 1 for a new reply; false when it is ignored. */
static bool receive6(struct scan_run *run, const uint8_t *frame, size_t len, uint64_t time_ns,
		     uint64_t seen_ns, int *added)
{
	struct ndp_msg m;
	struct icmpv6_echo e;
	uint32_t target;

	*added = 0;
	if (ndp_decode(frame, len, &m) == 0) {
		struct ipaddr t = ipaddr_v6(&m.target);

		if (!on_our_vlan(run, &m.eth) || mac_equal(&m.eth.src, &run->own_mac))
			return false;
		if (m.type == NDP_NEIGHBOR_ADVERT && mac_equal(&m.eth.dst, &run->own_mac) &&
		    targets_index_of(run->targets, &t, &target)) {
			*added = add_reply(run, &t, m.has_target_lladdr ? &m.target_lladdr :
					   &m.eth.src, target, time_ns, seen_ns);
			return true;
		}
		if (m.type == NDP_NEIGHBOR_ADVERT)
			return heard(run, &m.target);
		if (m.type == NDP_NEIGHBOR_SOLICIT)
			return heard(run, ipv6_is_unspecified(&m.ip.src) ? &m.target : &m.ip.src);
		return false;
	}
	if (run->cfg.echo_count && icmpv6_echo_decode(frame, len, &e) == 0 &&
	    e.type == ICMPV6_ECHO_REPLY && e.ident == run->cfg.echo_ident &&
	    on_our_vlan(run, &e.eth) && mac_equal(&e.eth.dst, &run->own_mac)) {
		run->counters.echo_replies++;
		heard(run, &e.ip.src);
		return true;
	}
	return false;
}

static int receive(struct scan_run *run, const uint8_t *frame, size_t len, size_t wire_len,
		   uint64_t time_ns, uint64_t seen_ns)
{
	struct arp_frame f;
	uint32_t target;
	int err, added;

	run->counters.frames_received++;
	if (run->hooks.on_frame)
		run->hooks.on_frame(run->hooks.ctx, false, frame, len, wire_len, time_ns);
	err = arp_decode(frame, len, &f);
	if (err == 0 && reply_is_ours(run, &f) &&
	    targets_index_of_ipv4(run->targets, f.spa, &target)) {
		struct ipaddr a = ipaddr_v4(f.spa);

		return add_reply(run, &a, &f.sha, target, time_ns, seen_ns);
	}
	if (err == FRAME_NOT_MINE && receive6(run, frame, len, time_ns, seen_ns, &added))
		return added;
	run->counters.ignored++;
	return 0;
}

int scan_run_receive(struct scan_run *run, const uint8_t *frame, size_t len, size_t wire_len,
		     uint64_t time_ns)
{
	return receive(run, frame, len, wire_len, time_ns, time_ns);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void on_ring_frame(void *ctx, const uint8_t *frame, size_t len, uint64_t time_ns)
{
	struct scan_run *run = ctx;
	uint64_t age = run->ring_read_real_ns - time_ns, at = run->ring_read_ns;

	/* The ring stamps frames with CLOCK_REALTIME, the engine's clock is monotonic: the
	 * frame's age on the realtime clock, read with the monotonic one. A block waits up
	 * to its retire timeout before it is handed over, which a reply's round-trip time
	 * must not count (the --rate max window keeps both, see WINDOW). A stamp from the
	 * future or from before the scan (the realtime clock was set meanwhile) gives the
	 * read time. */
	if (time_ns <= run->ring_read_real_ns && age < at - run->start_ns)
		at -= age;
	receive(run, frame, len, len, at, run->ring_read_ns);
}

static int drain(struct scan_run *run)
{
	if (run->rxring) {
		run->ring_read_ns = now_ns();
		run->ring_read_real_ns = realtime_ns();
		rxring_drain(run->rxring, on_ring_frame, run, RX_BLOCKS_PER_STEP);
		return 0;
	}
	for (unsigned b = 0; b < RX_BATCHES_PER_STEP; b++) {
		int n = link_rx_read(run->link, &run->rx);

		if (n <= 0)
			return n;
		for (int i = 0; i < n; i++) {
			const struct link_rx_frame *f = &run->rx.frame[i];

			scan_run_receive(run, f->data, f->len, f->wire_len, f->time_ns);
		}
	}
	return 0;
}

static void tick(struct scan_run *run, uint64_t now)
{
	struct scan_progress p;

	if (!run->hooks.on_tick || now < run->next_tick_ns)
		return;
	run->next_tick_ns = now + run->hooks.tick_ns;
	p.round = run->round;
	/* Addresses found late add rounds. */
	p.rounds = run->round + 1 > run->cfg.retries + 1 ? run->round + 1 : run->cfg.retries + 1;
	p.answered = run->counters.answered;
	p.total = run->targets->total;
	p.frames_sent = run->counters.frames_sent;
	p.elapsed_ns = now - run->start_ns;
	run->hooks.on_tick(run->hooks.ctx, &p);
}

/* Until wake_at, the next progress tick (tick() has just moved it past now), a reply
 * or a stop signal; 0 or -errno. */
static int sleep_until(const struct scan_run *run, uint64_t wake_at,
		       const struct loop_stop *stop)
{
	struct pollfd pfd = {.fd = run->link->fd, .events = POLLIN};
	int ready;

	if (run->hooks.on_tick && run->next_tick_ns < wake_at)
		wake_at = run->next_tick_ns;
	ready = loop_wait(&pfd, 1, wake_at, stop);
	return ready < 0 ? ready : 0;
}

int scan_run_wait(struct scan_run *run, const struct loop_stop *stop)
{
	unsigned received, dropped;
	int err = 0;

	while (!loop_stopped(stop)) {
		uint64_t now = now_ns(), wake_at;
		int done = scan_run_step(run, now, &wake_at);

		if (done != 0) {
			err = done < 0 ? done : 0;
			break;
		}
		err = drain(run);
		if (err < 0)
			break;
		if (all_answered(run, now_ns())) {
			run->phase = PHASE_DONE;
			break;
		}
		now = now_ns();
		tick(run, now);
		if (wake_at > now) {
			err = sleep_until(run, wake_at, stop);
			if (err < 0)
				break;
		}
	}
	if (run->rxring) {
		uint64_t packets, drops;

		if (rxring_stats(run->rxring, &packets, &drops) == 0)
			run->counters.kernel_drops = (unsigned)drops;
	} else if (run->link && link_stats(run->link, &received, &dropped) == 0) {
		run->counters.kernel_drops = dropped;
	}
	return err;
}

const struct scan_reply *scan_run_replies(const struct scan_run *run, size_t *count)
{
	*count = run->reply_count;
	return run->replies;
}

uint32_t scan_run_first_reply(const struct scan_run *run, uint32_t target)
{
	return target < run->targets->total ? run->first_reply[target] : SCAN_NONE;
}

const struct scan_counters *scan_run_counters(const struct scan_run *run)
{
	return &run->counters;
}
