/* ARP ping logic: which frames count, responder bookkeeping, RFC 5227 timing, the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "arping.h"
#include "clock.h"

static const struct mac self = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac holder = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct mac rival = {{0x02, 0, 0, 0, 0, 0x11}};

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static struct arping_match ping_match(void)
{
	struct arping_match m = {ip("192.0.2.10"), ip("192.0.2.5"), self, false};

	return m;
}

/* What Linux sends back to our request: unicast, THA/TPA ours. */
static struct arp_frame linux_reply(const struct mac *from, const char *from_ip, const char *to_ip)
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	f.eth.dst = self;
	f.eth.src = *from;
	f.eth.vlan = VLAN_NONE;
	f.eth.ethertype = ETHERTYPE_ARP;
	f.op = ARP_OP_REPLY;
	f.sha = *from;
	f.spa = ip(from_ip);
	f.tha = self;
	f.tpa = ip(to_ip);
	return f;
}

static void test_classify_ping(void **state)
{
	struct arping_match m = ping_match();
	struct arp_frame f = linux_reply(&holder, "192.0.2.10", "192.0.2.5");

	(void)state;
	assert_int_equal(arping_classify(&m, &f), ARPING_REPLY);

	/* A broadcast reply (RFC 5227 2.6) still answers us. */
	f.eth.dst = mac_broadcast;
	assert_int_equal(arping_classify(&m, &f), ARPING_REPLY);

	/* Addressed to another host: not ours to count. */
	f = linux_reply(&holder, "192.0.2.10", "192.0.2.7");
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	f = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	f.tha = rival;
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	f = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	f.eth.dst = rival;
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);

	/* From another address, or a request (a kernel's unicast probe to us). */
	f = linux_reply(&holder, "192.0.2.11", "192.0.2.5");
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	f = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	f.op = ARP_OP_REQUEST;
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);

	/* Our own frame, or one from another VLAN. */
	f = linux_reply(&self, "192.0.2.10", "192.0.2.5");
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	f = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	f.eth.vlan = 5;
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
}

static void test_classify_ping_from_zero(void **state)
{
	struct arping_match m = ping_match();
	struct arp_frame f = linux_reply(&holder, "192.0.2.10", "0.0.0.0");

	(void)state;
	m.source.s_addr = 0; /* -S 0.0.0.0: Linux answers to TPA 0.0.0.0 */
	assert_int_equal(arping_classify(&m, &f), ARPING_REPLY);
}

static void test_classify_dad(void **state)
{
	struct arping_match m = ping_match();
	struct arp_frame f;

	(void)state;
	m.dad = true;
	m.source.s_addr = 0;
	/* A reply to our probe. */
	f = linux_reply(&holder, "192.0.2.10", "0.0.0.0");
	assert_int_equal(arping_classify(&m, &f), ARPING_CLAIM);
	/* The holder's own gratuitous ARP, broadcast to everyone. */
	arp_make_announce_request(&f, &holder, ip("192.0.2.10"));
	assert_int_equal(arping_classify(&m, &f), ARPING_CLAIM);
	/* Someone else asking about it from it: also a claim. */
	arp_make_request(&f, &holder, ip("192.0.2.10"), ip("192.0.2.1"), &mac_broadcast);
	assert_int_equal(arping_classify(&m, &f), ARPING_CLAIM);
	/* Another host probing for the same address at the same time. */
	arp_make_probe(&f, &rival, ip("192.0.2.10"));
	assert_int_equal(arping_classify(&m, &f), ARPING_RIVAL_PROBE);
	/* Our own probe, looped back by a switch, is not a rival. */
	arp_make_probe(&f, &self, ip("192.0.2.10"));
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	/* Probes and traffic for other addresses do not matter. */
	arp_make_probe(&f, &rival, ip("192.0.2.11"));
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
	arp_make_request(&f, &rival, ip("192.0.2.1"), ip("192.0.2.10"), &mac_broadcast);
	assert_int_equal(arping_classify(&m, &f), ARPING_IGNORE);
}

static void test_tally(void **state)
{
	struct arping_tally t;
	struct arping_seen s;

	(void)state;
	arping_tally_init(&t);
	assert_false(arping_tally_conflict(&t));
	assert_int_equal(arping_tally_rtt_avg_ns(&t), 0);

	s = arping_tally_add(&t, &holder, 1, 300);
	assert_true(s.new_responder);
	assert_false(s.conflict);
	assert_int_equal(s.index, 0);
	s = arping_tally_add(&t, &rival, 1, 500);
	assert_true(s.new_responder);
	assert_true(s.conflict);
	assert_int_equal(s.index, 1);
	s = arping_tally_add(&t, &holder, 2, 100);
	assert_false(s.new_responder);
	assert_false(s.conflict);
	s = arping_tally_add(&t, &rival, 2, 700);
	assert_false(s.new_responder);
	assert_true(s.conflict);

	assert_true(arping_tally_conflict(&t));
	assert_int_equal(t.received, 4);
	assert_int_equal(t.responder_count, 2);
	assert_int_equal(t.responders[0].count, 2);
	assert_int_equal(t.responders[0].first_seq, 1);
	assert_int_equal(t.responders[0].rtt_min_ns, 100);
	assert_int_equal(t.responders[0].rtt_max_ns, 300);
	assert_int_equal(t.responders[1].rtt_min_ns, 500);
	assert_int_equal(t.rtt_min_ns, 100);
	assert_int_equal(t.rtt_max_ns, 700);
	assert_int_equal(arping_tally_rtt_avg_ns(&t), 400);
}

static void test_tally_full(void **state)
{
	struct arping_tally t;
	struct arping_seen s;
	struct mac m = holder;

	(void)state;
	arping_tally_init(&t);
	for (unsigned i = 0; i < ARPING_MAX_RESPONDERS + 3; i++) {
		m.octet[5] = (uint8_t)i;
		m.octet[4] = (uint8_t)(i >> 8);
		s = arping_tally_add(&t, &m, 1, 10);
	}
	assert_int_equal(s.index, -1);
	assert_true(s.conflict);
	assert_int_equal(t.responder_count, ARPING_MAX_RESPONDERS);
	assert_int_equal(t.dropped_responders, 3);
	assert_int_equal(t.received, ARPING_MAX_RESPONDERS + 3);
}

static void test_dad_plan_rfc(void **state)
{
	struct arping_dad_plan p;
	uint32_t low[3] = {0, 0, 0}, high[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
	uint32_t mid[3] = {1u << 31, 1u << 31, 1u << 31};

	(void)state;
	assert_int_equal(arping_dad_plan(&p, 3, 0, 0, low), 0);
	assert_int_equal(p.probes, 3);
	assert_int_equal(p.offset_ns[0], 0);
	assert_int_equal(p.offset_ns[1], ARPING_PROBE_MIN_NS);
	assert_int_equal(p.offset_ns[2], 2 * ARPING_PROBE_MIN_NS);
	assert_int_equal(p.end_ns, 2 * ARPING_PROBE_MIN_NS + ARPING_ANNOUNCE_WAIT_NS);

	assert_int_equal(arping_dad_plan(&p, 3, 0, 0, high), 0);
	assert_true(p.offset_ns[0] < ARPING_PROBE_WAIT_NS);
	assert_true(p.offset_ns[0] > ARPING_PROBE_WAIT_NS - 1000);
	for (unsigned k = 1; k < 3; k++) {
		uint64_t gap = p.offset_ns[k] - p.offset_ns[k - 1];

		assert_true(gap >= ARPING_PROBE_MIN_NS && gap <= ARPING_PROBE_MAX_NS);
	}
	assert_int_equal(p.end_ns, p.offset_ns[2] + ARPING_ANNOUNCE_WAIT_NS);

	assert_int_equal(arping_dad_plan(&p, 3, 0, 0, mid), 0);
	assert_int_equal(p.offset_ns[0], ARPING_PROBE_WAIT_NS / 2);
	assert_int_equal(p.offset_ns[1] - p.offset_ns[0], 1500 * NS_PER_MS);
}

static void test_dad_plan_shortened(void **state)
{
	struct arping_dad_plan p;
	uint32_t mid[5] = {1u << 31, 1u << 31, 1u << 31, 1u << 31, 1u << 31};

	(void)state;
	/* -c 1: one probe, then ANNOUNCE_WAIT. */
	assert_int_equal(arping_dad_plan(&p, 1, 0, 0, mid), 0);
	assert_int_equal(p.end_ns, ARPING_PROBE_WAIT_NS / 2 + ARPING_ANNOUNCE_WAIT_NS);

	/* -w 1: the RFC shape (0.5 + 1.5 + 1.5 + 2 = 5.5 s) squeezed into 1 s. */
	assert_int_equal(arping_dad_plan(&p, 3, 0, NS_PER_SEC, mid), 0);
	assert_int_equal(p.end_ns, NS_PER_SEC);
	assert_true(p.offset_ns[0] < p.offset_ns[1] && p.offset_ns[1] < p.offset_ns[2]);
	assert_true(p.offset_ns[2] < NS_PER_SEC);
	/* 0.5/5.5 of a second, within rounding. */
	assert_true(p.offset_ns[0] > 90 * NS_PER_MS && p.offset_ns[0] < 92 * NS_PER_MS);

	/* A deadline longer than the plan changes nothing. */
	assert_int_equal(arping_dad_plan(&p, 3, 0, 60 * NS_PER_SEC, mid), 0);
	assert_int_equal(p.end_ns, 5500 * NS_PER_MS);

	/* -i: fixed spacing, listening one interval after the last probe. */
	assert_int_equal(arping_dad_plan(&p, 5, 100 * NS_PER_MS, 0, NULL), 0);
	assert_int_equal(p.offset_ns[0], 0);
	assert_int_equal(p.offset_ns[4], 400 * NS_PER_MS);
	assert_int_equal(p.end_ns, 500 * NS_PER_MS);

	assert_int_equal(arping_dad_plan(&p, 0, 0, 0, mid), -EINVAL);
	assert_int_equal(arping_dad_plan(&p, ARPING_DAD_MAX_PROBES + 1, 0, 0, mid), -EINVAL);
	assert_int_equal(arping_dad_plan(&p, 3, 0, 0, NULL), -EINVAL);
}

static struct arping_clock ping_clock(unsigned count, uint64_t deadline, bool first)
{
	struct arping_clock c;

	memset(&c, 0, sizeof(c));
	c.count = count;
	c.deadline_ns = deadline;
	c.linger_ns = NS_PER_SEC;
	c.settle_ns = 100 * NS_PER_MS;
	c.stop_on_reply = first;
	arping_clock_start(&c, 1000, 1000);
	return c;
}

static void test_clock_count(void **state)
{
	struct arping_clock c = ping_clock(2, 0, false);
	uint64_t wake = 0;
	const uint64_t t0 = 1000, s = NS_PER_SEC;

	(void)state;
	assert_int_equal(arping_clock_step(&c, t0, &wake), ARPING_SEND);
	arping_clock_sent(&c, t0, t0 + s);
	assert_int_equal(arping_clock_step(&c, t0 + 10, &wake), ARPING_WAIT);
	assert_int_equal(wake, t0 + s);
	assert_int_equal(arping_clock_step(&c, t0 + s, &wake), ARPING_SEND);
	arping_clock_sent(&c, t0 + s, t0 + 2 * s);
	/* The last request: wait up to the linger for its reply... */
	assert_int_equal(arping_clock_step(&c, t0 + s + 10, &wake), ARPING_WAIT);
	assert_int_equal(wake, t0 + 2 * s);
	/* ...and once it is answered, only the settle time for a second responder. */
	arping_clock_answered(&c, t0 + s + 50000);
	assert_int_equal(arping_clock_step(&c, t0 + s + 60000, &wake), ARPING_WAIT);
	assert_int_equal(wake, t0 + s + 50000 + 100 * NS_PER_MS);
	assert_int_equal(arping_clock_step(&c, wake, &wake), ARPING_DONE);
}

static void test_clock_no_reply_and_deadline(void **state)
{
	struct arping_clock c = ping_clock(1, 0, false);
	uint64_t wake = 0;
	const uint64_t t0 = 1000, s = NS_PER_SEC;

	(void)state;
	arping_clock_sent(&c, t0, t0 + s);
	assert_int_equal(arping_clock_step(&c, t0 + s - 1, &wake), ARPING_WAIT);
	assert_int_equal(arping_clock_step(&c, t0 + s, &wake), ARPING_DONE);

	/* -w 2.5 without -c: requests at 0, 1, 2 s, then done at 2.5 s. */
	c = ping_clock(0, 2500 * NS_PER_MS, false);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(arping_clock_step(&c, t0 + i * s, &wake), ARPING_SEND);
		arping_clock_sent(&c, t0 + i * s, t0 + (i + 1) * s);
	}
	assert_int_equal(arping_clock_step(&c, t0 + 2 * s + 1, &wake), ARPING_WAIT);
	assert_int_equal(wake, t0 + 2500 * NS_PER_MS);
	assert_int_equal(arping_clock_step(&c, wake, &wake), ARPING_DONE);
	assert_int_equal(c.sent, 3);

	/* A deadline cuts the linger short too. */
	c = ping_clock(1, 200 * NS_PER_MS, false);
	arping_clock_sent(&c, t0, t0 + s);
	assert_int_equal(arping_clock_step(&c, t0 + 1, &wake), ARPING_WAIT);
	assert_int_equal(wake, t0 + 200 * NS_PER_MS);
}

static void test_clock_first_reply(void **state)
{
	struct arping_clock c = ping_clock(0, 0, true);
	uint64_t wake = 0;

	(void)state;
	arping_clock_sent(&c, 1000, 1000 + NS_PER_SEC);
	assert_int_equal(arping_clock_step(&c, 2000, &wake), ARPING_WAIT);
	arping_clock_answered(&c, 3000);
	assert_int_equal(arping_clock_step(&c, 3001, &wake), ARPING_DONE);
}

static void test_clock_never_settles_in_dad(void **state)
{
	struct arping_clock c = ping_clock(1, 0, false);
	uint64_t wake = 0;

	(void)state;
	c.settle_ns = UINT64_MAX;
	c.linger_ns = 2 * NS_PER_SEC;
	arping_clock_sent(&c, 1000, 0);
	arping_clock_answered(&c, 2000);
	assert_int_equal(arping_clock_step(&c, 3000, &wake), ARPING_WAIT);
	assert_int_equal(wake, 1000 + 2 * NS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_ping),
		cmocka_unit_test(test_classify_ping_from_zero),
		cmocka_unit_test(test_classify_dad),
		cmocka_unit_test(test_tally),
		cmocka_unit_test(test_tally_full),
		cmocka_unit_test(test_dad_plan_rfc),
		cmocka_unit_test(test_dad_plan_shortened),
		cmocka_unit_test(test_clock_count),
		cmocka_unit_test(test_clock_no_reply_and_deadline),
		cmocka_unit_test(test_clock_first_reply),
		cmocka_unit_test(test_clock_never_settles_in_dad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
