/* The scan engine without a socket: what it sends each round and when (each target's
 * own timer), which replies it takes, conflicts, duplicates, VLANs, round-trip times
 * and pacing; the same over Neighbor Discovery for IPv6 targets, and discovery (echo
 * to all-nodes, addresses heard) for --localnet. */
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
	unsigned ns, echo;          /* IPv6: solicitations and echo requests sent */
	struct in6_addr ns_target[64], ns_source[64], echo_source[16];
};

static void log_ipv6(struct sent_log *log, const uint8_t *frame, size_t len)
{
	struct ndp_msg m;
	struct icmpv6_echo e;

	if (ndp_decode(frame, len, &m) == 0) {
		struct in6_addr group = ipv6_solicited_node(&m.target);
		struct mac group_mac = ipv6_multicast_mac(&group);

		assert_int_equal(m.type, NDP_NEIGHBOR_SOLICIT);
		assert_memory_equal(&m.ip.dst, &group, sizeof(group));
		assert_true(mac_equal(&m.eth.dst, &group_mac));
		assert_true(m.has_source_lladdr && mac_equal(&m.source_lladdr, &own));
		if (log->ns < 64) {
			log->ns_target[log->ns] = m.target;
			log->ns_source[log->ns] = m.ip.src;
		}
		log->ns++;
		return;
	}
	assert_int_equal(icmpv6_echo_decode(frame, len, &e), 0);
	assert_int_equal(e.type, ICMPV6_ECHO_REQUEST);
	assert_memory_equal(&e.ip.dst, &ipv6_all_nodes, sizeof(ipv6_all_nodes));
	if (log->echo < 16)
		log->echo_source[log->echo] = e.ip.src;
	log->echo++;
}

static void log_frame(void *ctx, bool outgoing, const uint8_t *frame, size_t len, size_t wire_len,
		      uint64_t time_ns)
{
	struct sent_log *log = ctx;
	struct arp_frame f;

	(void)wire_len;
	(void)time_ns;
	if (!outgoing)
		return;
	if (arp_decode(frame, len, &f) == FRAME_NOT_MINE) {
		log_ipv6(log, frame, len);
		return;
	}
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
	struct ipaddr target = ipaddr_v4(ip("10.0.0.1"));

	len = scan_build_request(&cfg, &own, &target, buf, sizeof(buf));
	assert_int_equal(len, ETH_MIN_FRAME);
	assert_int_equal(arp_decode(buf, len, &f), 0);
	assert_int_equal(f.spa.s_addr, ip("10.0.0.100").s_addr);
	assert_true(mac_is_zero(&f.tha));
	targets_free(&t);
}

static struct in6_addr ip6(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_INET6, &a), 0);
	return a.v6;
}

static bool same6(const struct in6_addr *a, const char *text)
{
	struct in6_addr b = ip6(text);

	return !memcmp(a, &b, sizeof(b));
}

/* An NA for target from mac to dst_mac (unicast to our source, solicited), or an NS
 * from src (:: for a DAD probe). */
static int feed_na(struct scan_run *run, const struct mac *mac, const char *target,
		   const struct mac *dst_mac, bool with_option, uint64_t at)
{
	struct ndp_msg m;
	struct in6_addr t = ip6(target), to = ip6("fe80::aa:1");
	uint8_t buf[FRAME_MAX];
	size_t len;

	ndp_make_na(&m, mac, &t, NDP_NA_SOLICITED | NDP_NA_OVERRIDE, &to, dst_mac);
	m.has_target_lladdr = with_option;
	len = ndp_encode(&m, buf, sizeof(buf));
	return scan_run_receive(run, buf, len, len, at);
}

static int feed_ns(struct scan_run *run, const struct mac *mac, const char *src,
		   const char *target, uint64_t at)
{
	struct ndp_msg m;
	struct in6_addr s = ip6(src), t = ip6(target);
	uint8_t buf[FRAME_MAX];
	size_t len;

	ndp_make_ns(&m, mac, &s, &t, NULL);
	len = ndp_encode(&m, buf, sizeof(buf));
	return scan_run_receive(run, buf, len, len, at);
}

static int feed_echo_reply(struct scan_run *run, const struct mac *mac, const char *src,
			   uint16_t ident, uint64_t at)
{
	struct icmpv6_echo e;
	struct in6_addr from = ip6(src), to = ip6("fe80::aa:1");
	uint8_t buf[FRAME_MAX];
	size_t len;

	icmpv6_make_echo_request(&e, mac, &from, &own, &to, ident, 0);
	e.type = ICMPV6_ECHO_REPLY;
	len = icmpv6_echo_encode(&e, 8, buf, sizeof(buf));
	return scan_run_receive(run, buf, len, len, at);
}

static void setup6(struct targets *t, const char *spec, struct scan_config *cfg)
{
	setup(t, spec, cfg);
	cfg->source6 = ip6("2001:db8::aa:1");
	cfg->source6_ll = ip6("fe80::aa:1");
}

/* IPv6 targets beside IPv4 ones: NS to each solicited-node group from the source of
 * the target's scope, the same rounds; NAs matched, MAC from the option or the frame,
 * conflicts; NAs not to us, other VLANs and our own frames ignored. */
static void test_ipv6_targets(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	const struct scan_reply *r;
	uint64_t wake;
	size_t n;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup6(&t, "10.0.0.1", &cfg);
	targets_free(&t);
	targets_init(&t);
	assert_int_equal(targets_add_spec(&t, "2001:db8::1-2001:db8::3"), 0);
	assert_int_equal(targets_add_spec(&t, "fe80::5"), 0);
	assert_int_equal(targets_add_spec(&t, "10.0.0.1"), 0);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.count, 1);         /* 10.0.0.1 first: IPv4 sorts first */
	assert_int_equal(log.ns, 4);
	assert_true(same6(&log.ns_target[0], "2001:db8::1"));
	assert_true(same6(&log.ns_source[0], "2001:db8::aa:1"));
	assert_true(same6(&log.ns_target[3], "fe80::5"));
	assert_true(same6(&log.ns_source[3], "fe80::aa:1"));
	assert_int_equal(log.echo, 0);

	/* Answers: with the option, without it (the frame's source), a second MAC. */
	assert_int_equal(feed_na(run, &host_a, "2001:db8::1", &own, true, T0 + NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_b, "2001:db8::2", &own, false, T0 + NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_a, "2001:db8::1", &own, true, T0 + 2 * NS_PER_MS), 0);
	assert_int_equal(feed_na(run, &host_b, "2001:db8::1", &own, true, T0 + 2 * NS_PER_MS), 1);
	/* Not ours: to another MAC, not a target, and a frame from our own MAC. */
	assert_int_equal(feed_na(run, &host_a, "2001:db8::3", &host_b, true, T0), 0);
	assert_int_equal(feed_na(run, &host_a, "2001:db8::9", &own, true, T0), 0);
	assert_int_equal(feed_na(run, &own, "2001:db8::3", &own, true, T0), 0);
	assert_int_equal(scan_run_counters(run)->answered, 2);
	assert_int_equal(scan_run_counters(run)->conflicts, 1);
	assert_int_equal(scan_run_counters(run)->found, 0); /* no discovery: nothing heard */
	r = scan_run_replies(run, &n);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].ip.family, AF_INET6);
	assert_true(same6(&r[0].ip.v6, "2001:db8::1"));
	assert_true(r[0].conflict && r[2].conflict && !r[1].conflict);
	assert_true(mac_equal(&r[1].mac, &host_b));
	assert_int_equal(r[0].rtt_ns, NS_PER_MS);

	/* Round 1 asks the silent: 10.0.0.1, 2001:db8::3, fe80::5. */
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT, &wake), 0);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.ns, 6);
	assert_true(same6(&log.ns_target[4], "2001:db8::3"));
	scan_run_free(run);
	targets_free(&t);
}

static void test_ipv6_vlan(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint8_t buf[FRAME_MAX];
	struct ndp_msg m;
	struct in6_addr target = ip6("2001:db8::1"), to = ip6("2001:db8::aa:1");
	size_t len;
	uint64_t wake;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup6(&t, "2001:db8::1", &cfg);
	cfg.vlan = 42;
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.ns, 1);
	ndp_make_na(&m, &host_a, &target, NDP_NA_SOLICITED, &to, &own);
	for (int vlan = 41; vlan <= 43; vlan++) {
		m.eth.vlan = vlan == 41 ? VLAN_NONE : vlan;
		len = ndp_encode(&m, buf, sizeof(buf));
		assert_int_equal(scan_run_receive(run, buf, len, len, T0), vlan == 42);
	}
	scan_run_free(run);
	targets_free(&t);
}

/*
 * --localnet over IPv6: echo requests to ff02::1 from each source at 0, 1 and 2
 * timeouts; an echo reply's source, an NS's source, a DAD probe's target and an
 * unsolicited NA's target join the targets and are asked by NS; the scan ends a
 * timeout after the last echo once every address found had its requests.
 */
static void test_discovery(void **state)
{
	struct sent_log log;
	struct scan_hooks hooks = {.on_frame = log_frame, .ctx = &log};
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	const struct scan_reply *r;
	uint64_t wake, now;
	size_t n;
	int done = 0;

	(void)state;
	memset(&log, 0, sizeof(log));
	setup6(&t, "10.0.0.1", &cfg);
	targets_free(&t);
	targets_init(&t);
	assert_int_equal(targets_finish(&t), 0); /* -6 --localnet: nothing listed */
	cfg.retries = 2;
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), -EINVAL);
	cfg.echo_count = 2;
	cfg.echo_source[0] = ip6("fe80::aa:1");
	cfg.echo_source[1] = ip6("2001:db8::aa:1");
	cfg.echo_ident = 0x4242;
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, &hooks), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(log.echo, 2);
	assert_true(same6(&log.echo_source[0], "fe80::aa:1"));
	assert_true(same6(&log.echo_source[1], "2001:db8::aa:1"));
	assert_int_equal(wake, T0 + TIMEOUT);

	/* Heard: an echo reply (ours; a wrong ident is not), an NS, a DAD probe, an NA
	 * to all-nodes; the same host twice counts once; our own NS is not taken. */
	assert_int_equal(feed_echo_reply(run, &host_a, "fe80::a", 0x4242, T0 + NS_PER_MS), 0);
	assert_int_equal(feed_echo_reply(run, &host_a, "fe80::bad", 0x4243, T0 + NS_PER_MS), 0);
	assert_int_equal(feed_echo_reply(run, &host_a, "2001:db8::a", 0x4242, T0 + NS_PER_MS), 0);
	assert_int_equal(feed_ns(run, &host_b, "fe80::b", "fe80::aa:1", T0 + NS_PER_MS), 0);
	assert_int_equal(feed_ns(run, &host_b, "::", "2001:db8::b", T0 + NS_PER_MS), 0);
	assert_int_equal(feed_ns(run, &own, "fe80::aa:1", "fe80::b", T0 + NS_PER_MS), 0);
	{
		struct mac all_nodes = ipv6_multicast_mac(&ipv6_all_nodes);

		assert_int_equal(feed_na(run, &host_b, "2001:db8::c", &all_nodes, true,
					 T0 + NS_PER_MS), 0);
	}
	assert_int_equal(feed_echo_reply(run, &host_a, "fe80::a", 0x4242, T0 + NS_PER_MS), 0);
	assert_int_equal(scan_run_counters(run)->echo_replies, 3);
	assert_int_equal(scan_run_counters(run)->found, 5);
	assert_int_equal(t.total, 5);

	/* They are asked at once, each from the source of its scope. */
	assert_int_equal(scan_run_step(run, T0 + 2 * NS_PER_MS, &wake), 0);
	assert_int_equal(log.ns, 5);
	assert_true(same6(&log.ns_target[0], "fe80::a"));
	assert_true(same6(&log.ns_source[0], "fe80::aa:1"));
	assert_true(same6(&log.ns_target[1], "2001:db8::a"));
	assert_true(same6(&log.ns_source[1], "2001:db8::aa:1"));
	/* Four answer, one of them with two MACs; 2001:db8::c stays silent. */
	assert_int_equal(feed_na(run, &host_a, "fe80::a", &own, true, T0 + 3 * NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_a, "2001:db8::a", &own, true, T0 + 3 * NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_b, "fe80::b", &own, true, T0 + 3 * NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_b, "2001:db8::b", &own, true, T0 + 3 * NS_PER_MS), 1);
	assert_int_equal(feed_na(run, &host_a, "2001:db8::b", &own, true, T0 + 3 * NS_PER_MS), 1);

	/* Echo rounds at 1 and 2 timeouts; the silent one asked three times; the end a
	 * timeout after the last echo and the last request. */
	for (now = T0 + 3 * NS_PER_MS; now < T0 + 10 * TIMEOUT && !done; now = wake) {
		done = scan_run_step(run, now, &wake);
		assert_true(done == 1 || wake > now);
	}
	assert_int_equal(done, 1);
	assert_int_equal(log.echo, 6);
	assert_int_equal(log.ns, 7);
	assert_true(same6(&log.ns_target[6], "2001:db8::c"));
	assert_true(now >= T0 + 3 * TIMEOUT);
	assert_true(now <= T0 + 2 * NS_PER_MS + 3 * TIMEOUT);
	assert_int_equal(scan_run_counters(run)->answered, 4);
	assert_int_equal(scan_run_counters(run)->conflicts, 1);
	r = scan_run_replies(run, &n);
	assert_int_equal(n, 5);
	assert_true(r[3].conflict && r[4].conflict && !r[0].conflict);
	scan_run_free(run);
	targets_free(&t);
}

/* Discovery with every listed target answered still waits for the echo rounds. */
static void test_discovery_keeps_scan_open(void **state)
{
	struct targets t;
	struct scan_config cfg;
	struct scan_run *run;
	uint64_t wake;

	(void)state;
	setup6(&t, "10.0.0.1", &cfg);
	cfg.echo_count = 1;
	cfg.echo_source[0] = ip6("fe80::aa:1");
	assert_int_equal(scan_run_create(&run, &cfg, &t, NULL, &own, NULL), 0);
	scan_run_start(run, T0);
	assert_int_equal(scan_run_step(run, T0, &wake), 0);
	assert_int_equal(feed(run, &host_a, "10.0.0.1", VLAN_NONE, T0 + NS_PER_MS), 1);
	assert_int_equal(scan_run_step(run, T0 + 2 * NS_PER_MS, &wake), 0);
	assert_int_equal(wake, T0 + TIMEOUT);
	assert_int_equal(scan_run_step(run, T0 + TIMEOUT, &wake), 0);
	assert_int_equal(wake, T0 + 2 * TIMEOUT);
	assert_int_equal(scan_run_step(run, T0 + 2 * TIMEOUT, &wake), 0);
	assert_int_equal(wake, T0 + 3 * TIMEOUT);
	assert_int_equal(scan_run_step(run, T0 + 3 * TIMEOUT - 1, &wake), 0);
	assert_int_equal(scan_run_step(run, T0 + 3 * TIMEOUT, &wake), 1);
	assert_int_equal(scan_run_counters(run)->frames_sent, 1 + 3);
	scan_run_free(run);
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
		cmocka_unit_test(test_ipv6_targets),
		cmocka_unit_test(test_ipv6_vlan),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_discovery_keeps_scan_open),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
