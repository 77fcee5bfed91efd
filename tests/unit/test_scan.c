/* The scan engine without a socket: what it sends each round and when (each target's
 * own timer), which replies it takes, conflicts, duplicates, VLANs, round-trip times
 * and pacing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "clock.h"
#include "frame.h"
#include "scan.h"

#define T0 (5 * NS_PER_SEC)
#define TIMEOUT (100 * NS_PER_MS)

static const struct mac own = {{0x02, 0, 0, 0, 0xaa, 0x01}};
static const struct mac host_a = {{0xb8, 0x27, 0xeb, 0, 0, 0x0a}};
static const struct mac host_b = {{0x00, 0x11, 0x22, 0, 0, 0x0b}};

struct sent_log {
	unsigned count;
	uint32_t tpa[256]; /* host order */
	int vlan[256];
	unsigned replies_seen;
};

static void log_frame(void *ctx, bool outgoing, const uint8_t *frame, size_t len, size_t wire_len,
		      uint64_t time_ns)
{
	struct sent_log *log = ctx;
	struct arp_frame f;

	(void)wire_len;
	(void)time_ns;
	if (!outgoing)
		return;
	assert_int_equal(arp_decode(frame, len, &f), 0);
	assert_int_equal(f.op, ARP_OP_REQUEST);
	assert_true(mac_is_broadcast(&f.eth.dst));
	assert_true(mac_equal(&f.sha, &own));
	if (log->count < 256) {
		log->tpa[log->count] = ntohl(f.tpa.s_addr);
		log->vlan[log->count] = f.eth.vlan;
	}
	log->count++;
}

static void count_reply(void *ctx, const struct scan_reply *r)
{
	(void)r;
	((struct sent_log *)ctx)->replies_seen++;
}

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static size_t reply_frame(uint8_t *buf, const struct mac *from, const char *from_ip, int vlan,
			  const struct mac *to)
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	f.eth.dst = *to;
	f.eth.src = *from;
	f.eth.vlan = vlan;
	f.op = ARP_OP_REPLY;
	f.sha = *from;
	f.spa = ip(from_ip);
	f.tha = *to;
	f.tpa = ip("10.0.0.100");
	return arp_encode(&f, buf, FRAME_MAX);
}

static int feed(struct scan_run *run, const struct mac *from, const char *from_ip, int vlan,
		uint64_t at)
{
	uint8_t buf[FRAME_MAX];
	size_t len = reply_frame(buf, from, from_ip, vlan, &own);

	return scan_run_receive(run, buf, len, len, at);
}

static void setup(struct targets *t, const char *spec, struct scan_config *cfg)
{
	targets_init(t);
	assert_int_equal(targets_add_spec(t, spec), 0);
	assert_int_equal(targets_finish(t), 0);
	memset(cfg, 0, sizeof(*cfg));
	cfg->rate = 0;
	cfg->retries = 2;
	cfg->timeout_ns = TIMEOUT;
	cfg->vlan = VLAN_NONE;
	cfg->source = ip("10.0.0.100");
}

static void test_rounds_retry_only_silent(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .on_reply = count_reply, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake;
	size_t n;
	const struct scan_reply *r;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup(&t, "10.0.0.0/30", &cfg);
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(log.tpa[i], 0x0a000000u + i);
	assert_int_equal(wake, T0 + TIMEOUT);

	/* A reply, the same again, then a second MAC for the same address. */
	assert_int_equal(feed(run, &host_a, "10.0.0.1", VLAN_NONE, T0 + 1500 * NS_PER_US), 1);
	assert_int_equal(feed(run, &host_a, "10.0.0.1", VLAN_NONE, T0 + 2 * NS_PER_MS), 0);
	assert_int_equal(feed(run, &host_b, "10.0.0.1", VLAN_NONE, T0 + 3 * NS_PER_MS), 1);
	assert_int_equal(scan_run_counters(run)->duplicates, 1);
	assert_int_equal(scan_run_counters(run)->conflicts, 1);
	assert_int_equal(scan_run_counters(run)->answered, 1);
	r = scan_run_replies(run, &n);
	assert_int_equal(n, 2);
	assert_true(r[0].conflict && r[1].conflict);
	assert_int_equal(r[0].rtt_ns, 1500 * NS_PER_US);
	assert_int_equal(scan_run_first_reply(run, 1), 0);
	assert_int_equal(r[0].next, 1);
	assert_int_equal(scan_run_first_reply(run, 0), SCAN_NONE);

	/* Not ours: a tagged reply, an address outside the list, another MAC's reply. */
	assert_int_equal(feed(run, &host_a, "10.0.0.2", 7, T0), 0);
	assert_int_equal(feed(run, &host_a, "10.0.0.9", VLAN_NONE, T0), 0);
	{
		uint8_t buf[FRAME_MAX];
		size_t len = reply_frame(buf, &host_a, "10.0.0.2", VLAN_NONE, &host_b);

		assert_int_equal(scan_run_receive(run, buf, len, len, T0), 0);
	}
	assert_int_equal(scan_run_counters(run)->ignored, 3);

	/* Still waiting halfway through the timeout, then round 1 asks only the silent,
	 * each a timeout after its own previous request. */
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT / 2, &wake), 0);
	assert_int_equal(wake, T0 + TIMEOUT);
	assert_int_equal(log.count, 4);
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 7);
	assert_int_equal(log.tpa[4], 0x0a000000u);
	assert_int_equal(log.tpa[5], 0x0a000002u);
	assert_int_equal(log.tpa[6], 0x0a000003u);
	assert_int_equal(wake, T0 + 2 * TIMEOUT); /* round 2: no doubling */

	/* Everyone answers: over at once. 10.0.0.0 answered round 0's request, received
	 * (the kernel's stamp) just before round 1's went: no time, rather than a wrapped
	 * one. */
	assert_int_equal(feed(run, &host_a, "10.0.0.0", VLAN_NONE, T0 + TIMEOUT - NS_PER_MS), 1);
	assert_int_equal(feed(run, &host_a, "10.0.0.2", VLAN_NONE, T0 + TIMEOUT + NS_PER_MS), 1);
	r = scan_run_replies(run, &n);
	assert_int_equal(n, 4);
	assert_int_equal(r[2].rtt_ns, 0);
	assert_int_equal(r[3].rtt_ns, NS_PER_MS);
	assert_false(scan_run_finished(run));
	assert_int_equal(feed(run, &host_a, "10.0.0.3", VLAN_NONE, T0 + TIMEOUT + NS_PER_MS), 1);
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT + 2 * NS_PER_MS, &wake), 1);
	assert_true(scan_run_finished(run));
	assert_int_equal(log.replies_seen, 5);
	assert_int_equal(scan_run_counters(run)->frames_sent, 7);
	assert_int_equal(scan_run_counters(run)->rounds, 2);
	scan_run_free(run);
	targets_free(&t);
}

static void test_silent_network_ends_after_last_wait(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup(&t, "10.0.0.5", &cfg);
	cfg.retries = 1;
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 2);
	/* The last request gets a timeout too: (retries + 1) timeouts in all. */
	assert_int_equal(wake, T0 + 2 * TIMEOUT);
	assert_int_equal(scan_run_step(run, T0 + 2 * TIMEOUT - 1, &wake), 0);
	assert_int_equal(scan_run_step(run, T0 + 2 * TIMEOUT, &wake), 1);
	assert_int_equal(log.count, 2);
	assert_int_equal(scan_run_counters(run)->rounds, 2);
	scan_run_free(run);
	targets_free(&t);
}

/* Paced requests go out over time; each silent target is asked again a timeout after
 * its own previous request, not after the round's last one, and never sooner. */
static void test_retry_timer_per_target(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake, second;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup(&t, "10.0.0.0/28", &cfg);
	cfg.rate = 1000; /* bursts of 10 */
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 10);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 10);
	second = wake; /* when the pacer lets the next burst go */
	assert_true(second > T0 && second < T0 + TIMEOUT / 2);
	/* The other 6 end round 0; round 1 waits for target 0's own timer. */
	assert_int_equal(scan_run_step(run, second, &wake), 0);
	assert_int_equal(log.count, 16);
	assert_int_equal(wake, T0 + TIMEOUT);
	/* At T0 + TIMEOUT the first 10 are due, the last 6 only at second + TIMEOUT. */
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 26);
	assert_int_equal(log.tpa[16], 0x0a000000u);
	assert_int_equal(log.tpa[25], 0x0a000009u);
	assert_int_equal(scan_run_step(run, wake, &wake), 0);
	assert_int_equal(log.count, 26);
	assert_int_equal(wake, second + TIMEOUT);
	assert_int_equal(scan_run_step(run, second + TIMEOUT - NS_PER_US, &wake), 0);
	assert_int_equal(log.count, 26);
	assert_int_equal(scan_run_step(run, second + TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 32);
	assert_int_equal(log.tpa[31], 0x0a00000fu);
	/* Round 2 the same way; then the last request's timeout ends the scan. */
	assert_int_equal(wake, T0 + 2 * TIMEOUT);
	assert_int_equal(scan_run_step(run, T0 + 2 * TIMEOUT, &wake), 0);
	assert_int_equal(scan_run_step(run, second + 2 * TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 48);
	assert_int_equal(wake, second + 3 * TIMEOUT);
	assert_int_equal(scan_run_step(run, second + 3 * TIMEOUT, &wake), 1);
	assert_int_equal(scan_run_counters(run)->rounds, 3);
	scan_run_free(run);
	targets_free(&t);
}

static void test_vlan(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup(&t, "10.0.0.1-10.0.0.2", &cfg);
	cfg.vlan = 42;
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.vlan[0], 42);
	assert_int_equal(log.tpa[1], 0x0a000002u);
	assert_int_equal(feed(run, &host_a, "10.0.0.1", VLAN_NONE, T0), 0);
	assert_int_equal(feed(run, &host_a, "10.0.0.1", 43, T0), 0);
	assert_int_equal(feed(run, &host_a, "10.0.0.1", 42, T0), 1);
	scan_run_free(run);
	targets_free(&t);
}

static void test_pacing_bursts(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup(&t, "10.0.0.0/16", &cfg);
	cfg.rate = 1000; /* bursts of 10 */
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 10);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 10);
	assert_true(wake >= T0 + 9 * NS_PER_MS && wake <= T0 + 11 * NS_PER_MS);
	assert_int_equal(scan_run_step(run, wake, &wake), 0);
	assert_int_equal(log.count, 20);
	/* One second of sending is at most rate + burst frames. */
	for (uint64_t now = wake; now < T0 + NS_PER_SEC; now += NS_PER_MS)
		scan_run_step(run, now, &wake);
	assert_true(log.count <= 1000 + 10);
	assert_true(log.count >= 990);
	scan_run_free(run);
	targets_free(&t);
}

static void test_request_template(void **state)
{
	struct scan_config cfg;
	struct targets t;
	uint8_t buf[FRAME_MAX];
	struct arp_frame f;
	size_t len;

	(void)state;
	setup(&t, "10.0.0.1", &cfg);
	len = scan_build_request(&cfg, &own, ip("10.0.0.1"), buf, sizeof(buf));
	assert_int_equal(len, ETH_MIN_FRAME);
	assert_int_equal(arp_decode(buf, len, &f), 0);
	assert_int_equal(f.spa.s_addr, ip("10.0.0.100").s_addr);
	assert_true(mac_is_zero(&f.tha));
	targets_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_retry_only_silent),
		cmocka_unit_test(test_silent_network_ends_after_last_wait),
		cmocka_unit_test(test_retry_timer_per_target),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_pacing_bursts),
		cmocka_unit_test(test_request_template),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
