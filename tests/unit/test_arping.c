/*
 * The ping engine: which frames count (ARP and Neighbor Discovery), responder
 * bookkeeping, RFC 5227 and RFC 4862 timing, the clock; then the run over a link that
 * is one end of a datagram socketpair, so the test reads every frame the engine sends
 * and answers as the holder, a rival or nobody, on a clock it sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arping.h"
#include "clock.h"

static const struct mac self = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac holder = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct mac rival = {{0x02, 0, 0, 0, 0, 0x11}};
static const uint8_t our_nonce[NDP_NONCE_LEN] = {1, 2, 3, 4, 5, 6}; /* NDP DAD's */

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static struct arping_match ping_match(void)
{
	struct arping_match m;

	memset(&m, 0, sizeof(m));
	m.target = ipaddr_v4(ip("192.0.2.10"));
	m.source = ipaddr_v4(ip("192.0.2.5"));
	m.self = self;
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
	m.source = ipaddr_any(AF_INET); /* -S 0.0.0.0: Linux answers to TPA 0.0.0.0 */
	assert_int_equal(arping_classify(&m, &f), ARPING_REPLY);
}

static void test_classify_dad(void **state)
{
	struct arping_match m = ping_match();
	struct arp_frame f;

	(void)state;
	m.dad = true;
	m.source = ipaddr_any(AF_INET);
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

static struct in6_addr ip6(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_INET6, &a), 0);
	return a.v6;
}

static struct arping_match ndp_match(bool dad)
{
	struct arping_match m;
	struct in6_addr target = ip6("2001:db8::10"), source = ip6("2001:db8::5");

	memset(&m, 0, sizeof(m));
	m.target = ipaddr_v6(&target);
	m.source = dad ? ipaddr_any(AF_INET6) : ipaddr_v6(&source);
	m.self = self;
	m.dad = dad;
	memcpy(m.nonce, our_nonce, NDP_NONCE_LEN);
	return m;
}

/* What Linux sends back to our solicitation: a solicited NA, unicast to our source at
 * the MAC of our source link-layer option, with its own MAC as target option. */
static struct ndp_msg linux_na(const struct mac *from, const char *target, const char *to)
{
	struct in6_addr t = ip6(target), dst = ip6(to);
	struct ndp_msg m;

	ndp_make_na(&m, from, &t, NDP_NA_SOLICITED | NDP_NA_OVERRIDE, &dst, &self);
	return m;
}

/* A DAD probe for target from mac, with a nonce (NULL: without one). */
static struct ndp_msg dad_probe(const struct mac *from, const char *target,
				const uint8_t *nonce)
{
	struct in6_addr t = ip6(target);
	struct ndp_msg m;

	ndp_make_dad_ns(&m, from, &t);
	m.has_nonce = nonce != NULL;
	if (nonce)
		memcpy(m.nonce, nonce, NDP_NONCE_LEN);
	return m;
}

static void test_classify_ndp_ping(void **state)
{
	struct arping_match m = ndp_match(false);
	struct ndp_msg f = linux_na(&holder, "2001:db8::10", "2001:db8::5");
	struct in6_addr t = ip6("2001:db8::10"), src = ip6("2001:db8::5");

	(void)state;
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_REPLY);

	/* An NA that answers nothing of ours: Solicited clear (an announcement), to
	 * another address or MAC, for another target. */
	f.flags = NDP_NA_OVERRIDE;
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	f = linux_na(&holder, "2001:db8::10", "2001:db8::7");
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	f = linux_na(&holder, "2001:db8::10", "2001:db8::5");
	f.eth.dst = rival;
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	f = linux_na(&holder, "2001:db8::11", "2001:db8::5");
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);

	/* Our own, another VLAN's, or a solicitation (the holder's NUD probe to us). */
	f = linux_na(&self, "2001:db8::10", "2001:db8::5");
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	f = linux_na(&holder, "2001:db8::10", "2001:db8::5");
	f.eth.vlan = 5;
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	ndp_make_ns(&f, &holder, &t, &src, &self);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
}

static void test_classify_ndp_dad(void **state)
{
	struct arping_match m = ndp_match(true);
	struct in6_addr t = ip6("2001:db8::10"), other = ip6("2001:db8::1");
	const uint8_t their_nonce[NDP_NONCE_LEN] = {9, 9, 9, 9, 9, 9};
	struct ndp_msg f;

	(void)state;
	/* The holder's answer to our probe: an NA for the address to all-nodes. */
	ndp_make_unsolicited_na(&f, &holder, &t, NDP_NA_OVERRIDE);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_CLAIM);
	/* The holder resolving someone else from the address. */
	ndp_make_ns(&f, &holder, &t, &other, NULL);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_CLAIM);
	/* Another node probing for it at the same time, with its nonce or without. */
	f = dad_probe(&rival, "2001:db8::10", their_nonce);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_RIVAL_PROBE);
	f = dad_probe(&rival, "2001:db8::10", NULL);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_RIVAL_PROBE);
	/* RFC 7527: our own probe looped back carries our nonce... */
	f = dad_probe(&self, "2001:db8::10", our_nonce);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	/* ...and the nonce decides, not the MAC: a clone of this host probing is a rival. */
	f = dad_probe(&self, "2001:db8::10", their_nonce);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_RIVAL_PROBE);
	/* Someone resolving the address (RFC 4862 5.4.3), and other addresses. */
	ndp_make_ns(&f, &holder, &other, &t, NULL);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	f = dad_probe(&rival, "2001:db8::11", NULL);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
	ndp_make_unsolicited_na(&f, &holder, &other, NDP_NA_OVERRIDE);
	assert_int_equal(arping_classify_ndp(&m, &f), ARPING_IGNORE);
}

static void test_ndp_sender(void **state)
{
	struct in6_addr t = ip6("2001:db8::10"), src = ip6("2001:db8::5");
	struct ndp_msg f;
	struct mac who;

	(void)state;
	/* An NA speaks for its target option's MAC (a proxy's may differ from the frame's). */
	f = linux_na(&holder, "2001:db8::10", "2001:db8::5");
	f.target_lladdr = rival;
	who = arping_ndp_sender(&f);
	assert_true(mac_equal(&who, &rival));
	f.has_target_lladdr = false;
	who = arping_ndp_sender(&f);
	assert_true(mac_equal(&who, &holder));
	/* A solicitation for its source option's; a probe has none. */
	ndp_make_ns(&f, &holder, &src, &t, NULL);
	f.source_lladdr = rival;
	who = arping_ndp_sender(&f);
	assert_true(mac_equal(&who, &rival));
	f = dad_probe(&holder, "2001:db8::10", NULL);
	who = arping_ndp_sender(&f);
	assert_true(mac_equal(&who, &holder));
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

/* ---- The run, over a socketpair link ---- */

static uint64_t fake_now; /* the run's clock in these tests */

static uint64_t fake_clock(void)
{
	return fake_now;
}

struct fixture {
	int wire;               /* our end: what the run sent arrives here */
	struct link link;
	struct arping_config cfg;
	struct arping_run *run;
	struct arping_event events[16];
	unsigned event_count;
};

static int run_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fds[2];

	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds), 0);
	f->wire = fds[0];
	link_init(&f->link);
	f->link.fd = fds[1];
	f->link.mac = self;
	strcpy(f->link.name, "test0");
	fake_now = 1000 * NS_PER_SEC;
	*state = f;
	return 0;
}

static int run_teardown(void **state)
{
	struct fixture *f = *state;

	arping_run_free(f->run);
	close(f->wire);
	link_close(&f->link);
	free(f);
	return 0;
}

static void record(void *ctx, const struct arping_event *ev)
{
	struct fixture *f = ctx;

	assert_true(f->event_count < 16);
	f->events[f->event_count++] = *ev;
}

static struct ipaddr ip4(const char *text)
{
	return ipaddr_v4(ip(text));
}

static void create(struct fixture *f, enum arping_mode mode, unsigned count)
{
	f->cfg.mode = mode;
	f->cfg.count = count;
	f->cfg.clock = fake_clock;
	assert_int_equal(arping_run_create(&f->run, &f->cfg, &f->link), 0);
	arping_run_observe(f->run, record, f);
}

/* An address of either family, and the source to ask it from. */
static void add(struct fixture *f, const char *target, const char *source)
{
	struct ipaddr t, s;

	assert_int_equal(ipaddr_parse(target, AF_UNSPEC, &t), 0);
	assert_int_equal(ipaddr_parse(source, AF_UNSPEC, &s), 0);
	assert_int_equal(arping_run_add(f->run, &t, &s), 0);
}

/* The default config of mode with count frames, for one address, started at fake_now. */
static void start_one(struct fixture *f, enum arping_mode mode, unsigned count,
		      const char *target, const char *source)
{
	arping_config_default(&f->cfg, mode);
	memcpy(f->cfg.nonce, our_nonce, NDP_NONCE_LEN);
	create(f, mode, count);
	add(f, target, source);
	assert_int_equal(arping_run_start(f->run, fake_now), 0);
}

/* Steps the run at fake_now; returns when it wants to run next. */
static uint64_t step(struct fixture *f)
{
	uint64_t wake = 0;

	assert_int_equal(arping_run_step(f->run, fake_now, &wake), 0);
	return wake;
}

/* The frames the run sent so far, decoded, at most max; how many. */
static unsigned sent_frames(struct fixture *f, struct arp_frame *out, unsigned max)
{
	uint8_t buf[FRAME_MAX];
	unsigned n = 0;
	ssize_t len;

	while ((len = recv(f->wire, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		assert_true(n < max);
		assert_int_equal(arp_decode(buf, (size_t)len, &out[n]), 0);
		assert_true(mac_equal(&out[n].eth.src, &self));
		assert_true(mac_equal(&out[n].sha, &self));
		assert_true(mac_is_broadcast(&out[n].eth.dst));
		n++;
	}
	return n;
}

/* Exactly one frame was sent since the last look: op, sender IP, target IP. */
static struct arp_frame expect_one_frame(struct fixture *f, uint16_t op, const char *spa,
					 const char *tpa)
{
	struct arp_frame out[2];

	assert_int_equal(sent_frames(f, out, 2), 1);
	assert_int_equal(out[0].op, op);
	assert_int_equal(out[0].spa.s_addr, ip(spa).s_addr);
	assert_int_equal(out[0].tpa.s_addr, ip(tpa).s_addr);
	return out[0];
}

static void deliver(struct fixture *f, const struct arp_frame *a, uint64_t at)
{
	struct link_rx_frame frame;

	memset(&frame, 0, sizeof(frame));
	frame.len = frame.wire_len = arp_encode(a, frame.data, sizeof(frame.data));
	frame.time_ns = at;
	arping_run_on_frame(f->run, &frame);
}

static void test_run_ping(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now, s = NS_PER_SEC;
	const struct arping_target *t;
	struct arp_frame reply;
	size_t n;

	start_one(f, ARPING_MODE_PING, 2, "192.0.2.10", "192.0.2.5");

	assert_int_equal(step(f), t0 + s);
	expect_one_frame(f, ARP_OP_REQUEST, "192.0.2.5", "192.0.2.10");

	/* The holder answers after 300 us, a second MAC after 500 us. */
	reply = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	deliver(f, &reply, t0 + 300 * NS_PER_US);
	reply = linux_reply(&rival, "192.0.2.10", "192.0.2.5");
	deliver(f, &reply, t0 + 500 * NS_PER_US);
	/* A reply to another host is not ours to count. */
	reply = linux_reply(&holder, "192.0.2.10", "192.0.2.7");
	deliver(f, &reply, t0 + 600 * NS_PER_US);
	assert_int_equal(f->event_count, 2);
	assert_int_equal(f->events[0].verdict, ARPING_REPLY);
	assert_int_equal(f->events[0].seq, 1);
	assert_int_equal(f->events[0].rtt_ns, 300 * NS_PER_US);
	assert_false(f->events[0].conflict);
	assert_true(mac_equal(&f->events[1].mac, &rival));
	assert_true(f->events[1].conflict);
	assert_true(mac_equal(&f->events[1].first, &holder));

	/* Answered, but a request is due before any settling: the run goes on. */
	fake_now = t0 + s;
	step(f);
	expect_one_frame(f, ARP_OP_REQUEST, "192.0.2.5", "192.0.2.10");
	reply = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	deliver(f, &reply, t0 + s + 100 * NS_PER_US);
	/* The last request is answered: 100 ms more for a second responder, then done. */
	fake_now = t0 + s + 200 * NS_PER_US;
	assert_int_equal(step(f), t0 + s + 100 * NS_PER_US + ARPING_SETTLE_NS);
	assert_false(arping_run_done(f->run));
	fake_now = t0 + s + 100 * NS_PER_US + ARPING_SETTLE_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	arping_run_finish(f->run, fake_now, false);

	t = arping_run_targets(f->run, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t->tally.sent, 2);
	assert_int_equal(t->tally.received, 3);
	assert_int_equal(t->tally.responder_count, 2);
	assert_true(arping_target_conflict(f->run, t));
	assert_int_equal(arping_run_outcome(f->run, t), ARPING_ANSWERED);
	assert_int_equal(arping_run_summary(f->run)->sent, 2);
	assert_false(arping_run_summary(f->run)->interrupted);
	assert_int_equal(arping_run_summary(f->run)->elapsed_ns, s + 100 * NS_PER_US + ARPING_SETTLE_NS);
}

static void test_run_ping_silent(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now;
	struct arp_frame out[2];

	arping_config_default(&f->cfg, ARPING_MODE_PING);
	f->cfg.interval_ns = 300 * NS_PER_MS;
	create(f, ARPING_MODE_PING, 1);
	add(f, "192.0.2.77", "192.0.2.5");
	assert_int_equal(arping_run_start(f->run, t0), 0);
	/* One request, then at least a second for its reply. */
	assert_int_equal(step(f), t0 + ARPING_MIN_LINGER_NS);
	assert_int_equal(sent_frames(f, out, 2), 1);
	fake_now = t0 + ARPING_MIN_LINGER_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	arping_run_finish(f->run, fake_now, false);
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &(size_t){0})),
			 ARPING_SILENT);
}

static void test_run_dad(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now;
	const struct arping_target *t;
	struct arp_frame out[2], claim;
	size_t n;

	/* The RFC schedule: the first probe after the random wait (here 0.5 s)... */
	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.interval_ns = 0;
	for (unsigned i = 0; i < ARPING_PROBE_NUM; i++)
		f->cfg.draws[i] = 1u << 31;
	create(f, ARPING_MODE_DAD, 0);
	add(f, "192.0.2.10", "192.0.2.5"); /* the source is ignored: probes are from 0.0.0.0 */
	assert_int_equal(arping_run_start(f->run, t0), 0);
	assert_int_equal(arping_run_plan(f->run)->probes, ARPING_PROBE_NUM);
	assert_int_equal(step(f), t0 + ARPING_PROBE_WAIT_NS / 2);
	assert_int_equal(sent_frames(f, out, 2), 0);
	fake_now = t0 + ARPING_PROBE_WAIT_NS / 2;
	step(f);
	assert_int_equal(sent_frames(f, out, 2), 1);
	assert_true(arp_is_probe(&out[0]));
	assert_int_equal(out[0].tpa.s_addr, ip("192.0.2.10").s_addr);
	assert_false(arping_run_done(f->run));

	/* ...and the holder's announcement ends the check: in use. */
	arp_make_announce_request(&claim, &holder, ip("192.0.2.10"));
	deliver(f, &claim, fake_now + NS_PER_MS);
	assert_true(arping_run_done(f->run));
	assert_int_equal(f->event_count, 1);
	assert_int_equal(f->events[0].verdict, ARPING_CLAIM);
	assert_true(f->events[0].conflict);
	arping_run_finish(f->run, fake_now, false);
	t = arping_run_targets(f->run, &n);
	assert_true(t->dad.conflict);
	assert_int_equal(t->dad.kind, ARPING_CLAIM);
	assert_true(mac_equal(&t->dad.mac, &holder));
	assert_int_equal(t->dad.seq, 1);
	assert_int_equal(arping_run_outcome(f->run, t), ARPING_IN_USE);
}

static void test_run_dad_rival_before_first_probe(void **state)
{
	struct fixture *f = *state;
	struct arp_frame probe;
	size_t n;

	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.interval_ns = 0;
	f->cfg.draws[0] = UINT32_MAX;
	create(f, ARPING_MODE_DAD, 1);
	add(f, "192.0.2.99", "0.0.0.0");
	assert_int_equal(arping_run_start(f->run, fake_now), 0);
	step(f);
	/* DAD listens during the random wait too (RFC 5227 2.1.1). */
	arp_make_probe(&probe, &rival, ip("192.0.2.99"));
	deliver(f, &probe, fake_now + 1);
	assert_true(arping_run_done(f->run));
	assert_int_equal(f->events[0].verdict, ARPING_RIVAL_PROBE);
	assert_int_equal(f->events[0].seq, 0);
	assert_int_equal(arping_run_targets(f->run, &n)->dad.kind, ARPING_RIVAL_PROBE);
}

static void test_run_dad_interrupted(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t raised = SIGINT;
	struct loop_stop stop = { .flag = &raised, .masked = false };
	size_t n;

	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.interval_ns = NS_PER_SEC;
	create(f, ARPING_MODE_DAD, 3);
	add(f, "192.0.2.99", "0.0.0.0");
	assert_int_equal(arping_run_start(f->run, now_ns()), 0);
	/* A stop already raised: nothing is waited for, and a free verdict is not given. */
	assert_int_equal(arping_run_wait(f->run, &stop), 0);
	assert_true(arping_run_summary(f->run)->interrupted);
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)), ARPING_UNKNOWN);
}

/* -U with a source other than the target: the request iputils sends, and the
 * target's reply to it is counted and timed, as iputils does. */
static void test_run_unsolicited_request(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now;
	struct arp_frame reply;
	size_t n;

	start_one(f, ARPING_MODE_UNSOLICITED_REQUEST, 1, "192.0.2.10", "192.0.2.6");
	/* After the last frame, the same wait for its answer as a ping. */
	assert_int_equal(step(f), t0 + ARPING_MIN_LINGER_NS);
	expect_one_frame(f, ARP_OP_REQUEST, "192.0.2.6", "192.0.2.10");
	reply = linux_reply(&holder, "192.0.2.10", "192.0.2.6");
	deliver(f, &reply, t0 + 400 * NS_PER_US);
	assert_int_equal(f->event_count, 1);
	assert_int_equal(f->events[0].rtt_ns, 400 * NS_PER_US);
	fake_now = t0 + 400 * NS_PER_US + ARPING_SETTLE_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)), ARPING_SENT);
}

static void test_run_unsolicited_reply(void **state)
{
	struct fixture *f = *state;
	struct arp_frame out;
	size_t n;

	start_one(f, ARPING_MODE_UNSOLICITED_REPLY, 1, "192.0.2.6", "192.0.2.6");
	step(f);
	/* iputils -A: SOURCE is-at our MAC, target MAC ours too (RFC 5944), broadcast. */
	out = expect_one_frame(f, ARP_OP_REPLY, "192.0.2.6", "192.0.2.6");
	assert_true(mac_equal(&out.tha, &self));
	fake_now += ARPING_MIN_LINGER_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	assert_int_equal(arping_run_targets(f->run, &n)->tally.received, 0);
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)), ARPING_SENT);
}

/* Several addresses at once, each from its own source (audit asks for every VIP):
 * one frame each per round, every answer tallied for its own address, and with
 * full_linger no early end once all are answered. */
static void test_run_several_targets(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now, gap = 250 * NS_PER_MS, linger = 1500 * NS_PER_MS;
	const struct arping_target *t;
	struct arp_frame out[4], reply;
	struct ipaddr again = ip4("192.0.2.100");
	size_t n;

	arping_config_default(&f->cfg, ARPING_MODE_PING);
	f->cfg.interval_ns = gap;
	f->cfg.linger_ns = linger;
	f->cfg.full_linger = true;
	create(f, ARPING_MODE_PING, 2);
	add(f, "198.51.100.7", "198.51.100.1");
	add(f, "192.0.2.100", "192.0.2.1");
	assert_int_equal(arping_run_add(f->run, &again, &again), 0); /* once only */
	assert_int_equal(arping_run_start(f->run, t0), 0);
	step(f);
	assert_int_equal(sent_frames(f, out, 4), 2);
	assert_int_equal(out[0].tpa.s_addr, ip("198.51.100.7").s_addr);
	assert_int_equal(out[0].spa.s_addr, ip("198.51.100.1").s_addr);
	assert_int_equal(out[1].tpa.s_addr, ip("192.0.2.100").s_addr);
	assert_int_equal(out[1].spa.s_addr, ip("192.0.2.1").s_addr);

	reply = linux_reply(&holder, "192.0.2.100", "192.0.2.1");
	deliver(f, &reply, t0 + 1000);
	reply = linux_reply(&rival, "192.0.2.100", "192.0.2.1");
	deliver(f, &reply, t0 + 2000);
	reply = linux_reply(&rival, "198.51.100.7", "198.51.100.1");
	deliver(f, &reply, t0 + 3000);
	/* From the right address but asked from the other target's source: not ours. */
	reply = linux_reply(&rival, "198.51.100.7", "192.0.2.1");
	deliver(f, &reply, t0 + 4000);
	assert_int_equal(f->event_count, 3);
	assert_int_equal(f->events[2].target, 0);

	fake_now = t0 + gap;
	step(f);
	assert_int_equal(sent_frames(f, out, 4), 2);
	reply = linux_reply(&holder, "192.0.2.100", "192.0.2.1");
	deliver(f, &reply, fake_now + 1000);
	reply = linux_reply(&rival, "198.51.100.7", "198.51.100.1");
	deliver(f, &reply, fake_now + 1000);
	/* Everyone answered the last round, but the whole linger is listened to. */
	assert_int_equal(step(f), t0 + gap + linger);
	fake_now = t0 + gap + linger;
	step(f);
	assert_true(arping_run_done(f->run));

	t = arping_run_targets(f->run, &n);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].tally.received, 2);
	assert_int_equal(t[0].tally.responder_count, 1);
	assert_true(mac_equal(&t[0].tally.responders[0].mac, &rival));
	assert_int_equal(t[1].tally.received, 3);
	assert_int_equal(t[1].tally.responder_count, 2);
	assert_int_equal(t[1].tally.responders[0].count, 2);
	assert_int_equal(t[1].tally.sent, 2);
}

static void test_run_refusals(void **state)
{
	struct fixture *f = *state;
	struct ipaddr v6, none, v4 = ip4("192.0.2.10");
	char text[16];

	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.count = ARPING_DAD_MAX_PROBES + 1;
	assert_int_equal(arping_run_create(&f->run, &f->cfg, &f->link), -EINVAL);
	assert_null(f->run);
	arping_config_default(&f->cfg, ARPING_MODE_PING);
	f->cfg.interval_ns = 0;
	assert_int_equal(arping_run_create(&f->run, &f->cfg, &f->link), -EINVAL);

	arping_config_default(&f->cfg, ARPING_MODE_PING);
	assert_int_equal(arping_run_create(&f->run, &f->cfg, &f->link), 0);
	assert_int_equal(arping_run_start(f->run, fake_now), -EINVAL); /* nothing to ask */
	assert_int_equal(ipaddr_parse("2001:db8::1", AF_INET6, &v6), 0);
	none = ipaddr_any(AF_UNSPEC);
	assert_int_equal(arping_run_add(f->run, &none, &none), -EAFNOSUPPORT);
	assert_int_equal(arping_run_add(f->run, &v4, &v6), -EINVAL);
	/* A run speaks the family of its first address. */
	assert_int_equal(arping_run_add(f->run, &v4, &v4), 0);
	assert_int_equal(arping_run_add(f->run, &v6, &v6), -EINVAL);
	for (unsigned i = 1; i < ARPING_MAX_TARGETS; i++) {
		struct ipaddr a;

		snprintf(text, sizeof(text), "10.0.%u.%u", i / 200, i % 200 + 1);
		a = ip4(text);
		assert_int_equal(arping_run_add(f->run, &a, &v4), 0);
	}
	assert_int_equal(arping_run_add(f->run, &v4, &v4), 0); /* already asked for */
	v4 = ip4("10.0.9.9");
	assert_int_equal(arping_run_add(f->run, &v4, &v4), -ENOSPC);
}

/* ---- The run over Neighbor Discovery ---- */

/* The frames the run sent so far, each as ndp_decode reads it (so hop limit 255 and
 * the checksum are right), from our MAC; how many. raw: the bytes of the first. */
static unsigned sent_ndp(struct fixture *f, struct ndp_msg *out, unsigned max,
			 struct link_rx_frame *raw)
{
	uint8_t buf[FRAME_MAX];
	unsigned n = 0;
	ssize_t len;

	while ((len = recv(f->wire, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		assert_true(n < max);
		assert_int_equal(ndp_decode(buf, (size_t)len, &out[n]), 0);
		assert_true(mac_equal(&out[n].eth.src, &self));
		assert_int_equal(out[n].ip.hop_limit, NDP_HOP_LIMIT);
		if (n == 0 && raw) {
			memset(raw, 0, sizeof(*raw));
			memcpy(raw->data, buf, (size_t)len);
			raw->len = raw->wire_len = (size_t)len;
		}
		n++;
	}
	return n;
}

static struct ndp_msg expect_one_ndp(struct fixture *f, uint8_t type)
{
	struct ndp_msg out[2];

	assert_int_equal(sent_ndp(f, out, 2, NULL), 1);
	assert_int_equal(out[0].type, type);
	return out[0];
}

static void deliver_ndp(struct fixture *f, const struct ndp_msg *m, uint64_t at)
{
	struct link_rx_frame frame;

	memset(&frame, 0, sizeof(frame));
	frame.len = frame.wire_len = ndp_encode(m, frame.data, sizeof(frame.data));
	assert_true(frame.len > 0);
	frame.time_ns = at;
	arping_run_on_frame(f->run, &frame);
}

static bool in6_is(const struct in6_addr *a, const char *text)
{
	struct in6_addr b = ip6(text);

	return memcmp(a, &b, sizeof(b)) == 0;
}

/* ndisc6's question: an NS to the target's solicited-node group from our source, with
 * our MAC; every holder's solicited NA is a reply, a second MAC a conflict. */
static void test_run_ndp_ping(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now;
	const struct arping_target *t;
	struct ndp_msg ns, na;
	struct mac group_mac;
	size_t n;

	start_one(f, ARPING_MODE_PING, 1, "2001:db8::10", "2001:db8::5");
	assert_int_equal(arping_run_frame(f->run, arping_run_targets(f->run, &n)), ARPING_FRAME_NS);
	assert_int_equal(step(f), t0 + ARPING_MIN_LINGER_NS);
	ns = expect_one_ndp(f, NDP_NEIGHBOR_SOLICIT);
	assert_true(in6_is(&ns.target, "2001:db8::10"));
	assert_true(in6_is(&ns.ip.src, "2001:db8::5"));
	assert_true(in6_is(&ns.ip.dst, "ff02::1:ff00:10"));
	group_mac = ipv6_multicast_mac(&ns.ip.dst);
	assert_true(mac_equal(&ns.eth.dst, &group_mac));
	assert_true(ns.has_source_lladdr && mac_equal(&ns.source_lladdr, &self));
	assert_false(ns.has_nonce);

	na = linux_na(&holder, "2001:db8::10", "2001:db8::5");
	deliver_ndp(f, &na, t0 + 250 * NS_PER_US);
	na = linux_na(&rival, "2001:db8::10", "2001:db8::5");
	deliver_ndp(f, &na, t0 + 400 * NS_PER_US);
	/* The holder's announcement is no answer. */
	ndp_make_unsolicited_na(&na, &holder, &ns.target, NDP_NA_OVERRIDE);
	deliver_ndp(f, &na, t0 + 500 * NS_PER_US);
	assert_int_equal(f->event_count, 2);
	assert_int_equal(f->events[0].verdict, ARPING_REPLY);
	assert_int_equal(f->events[0].rtt_ns, 250 * NS_PER_US);
	assert_true(mac_equal(&f->events[0].mac, &holder));
	assert_false(f->events[0].conflict);
	assert_true(mac_equal(&f->events[1].mac, &rival));
	assert_true(f->events[1].conflict);

	/* Answered: 100 ms more for another responder, then done. */
	fake_now = t0 + 250 * NS_PER_US + ARPING_SETTLE_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	arping_run_finish(f->run, fake_now, false);
	t = arping_run_targets(f->run, &n);
	assert_int_equal(t->tally.received, 2);
	assert_int_equal(t->tally.responder_count, 2);
	assert_true(arping_target_conflict(f->run, t));
	assert_int_equal(arping_run_outcome(f->run, t), ARPING_ANSWERED);
}

/* RFC 4862 DAD by default: one probe, RetransTimer (1 s) of listening; our own probe
 * looped back (same MAC, same nonce) is not a rival: free. */
static void test_run_ndp_dad_free(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = fake_now;
	struct link_rx_frame looped;
	struct ndp_msg probe;
	struct mac group_mac;
	size_t n;

	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.interval_ns = 0;
	memcpy(f->cfg.nonce, our_nonce, NDP_NONCE_LEN);
	create(f, ARPING_MODE_DAD, 0);
	add(f, "2001:db8::99", "2001:db8::5"); /* the source is ignored: probes are from :: */
	assert_int_equal(arping_run_start(f->run, t0), 0);
	assert_int_equal(arping_run_plan(f->run)->probes, ARPING_NDP_DAD_TRANSMITS);
	assert_int_equal(arping_run_plan(f->run)->offset_ns[0], 0);
	assert_int_equal(arping_run_plan(f->run)->end_ns, ARPING_NDP_RETRANS_TIMER_NS);
	assert_int_equal(step(f), t0 + ARPING_NDP_RETRANS_TIMER_NS);
	assert_int_equal(sent_ndp(f, &probe, 1, &looped), 1);
	assert_int_equal(probe.type, NDP_NEIGHBOR_SOLICIT);
	assert_true(ipv6_is_unspecified(&probe.ip.src));
	assert_true(in6_is(&probe.ip.dst, "ff02::1:ff00:99"));
	group_mac = ipv6_multicast_mac(&probe.ip.dst);
	assert_true(mac_equal(&probe.eth.dst, &group_mac));
	assert_true(in6_is(&probe.target, "2001:db8::99"));
	assert_false(probe.has_source_lladdr);
	assert_true(probe.has_nonce);
	assert_memory_equal(probe.nonce, our_nonce, NDP_NONCE_LEN);
	assert_int_equal(arping_run_frame(f->run, arping_run_targets(f->run, &n)),
			 ARPING_FRAME_DAD_NS);

	/* A switch reflects our probe back to us, byte for byte. */
	looped.time_ns = t0 + 50 * NS_PER_US;
	arping_run_on_frame(f->run, &looped);
	assert_int_equal(f->event_count, 0);

	fake_now = t0 + ARPING_NDP_RETRANS_TIMER_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	arping_run_finish(f->run, fake_now, false);
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)), ARPING_FREE);
	assert_int_equal(arping_run_summary(f->run)->sent, 1);
}

/* The holder answers the probe (an NA to all-nodes): in use, at once. */
static void test_run_ndp_dad_answered(void **state)
{
	struct fixture *f = *state;
	const struct arping_target *t;
	struct in6_addr addr = ip6("2001:db8::10");
	struct ndp_msg probe, na;
	size_t n;

	start_one(f, ARPING_MODE_DAD, 2, "2001:db8::10", "::");
	step(f);
	assert_int_equal(sent_ndp(f, &probe, 1, NULL), 1);
	ndp_make_unsolicited_na(&na, &holder, &addr, NDP_NA_OVERRIDE);
	deliver_ndp(f, &na, fake_now + 300 * NS_PER_US);
	assert_true(arping_run_done(f->run));
	assert_int_equal(f->event_count, 1);
	assert_int_equal(f->events[0].verdict, ARPING_CLAIM);
	assert_int_equal(f->events[0].rtt_ns, 300 * NS_PER_US);
	arping_run_finish(f->run, fake_now, false);
	t = arping_run_targets(f->run, &n);
	assert_true(mac_equal(&t->dad.mac, &holder));
	assert_int_equal(t->dad.seq, 1);
	assert_int_equal(arping_run_outcome(f->run, t), ARPING_IN_USE);
	/* Two probes were planned 1 s apart; the answer ended the check after the first. */
	assert_int_equal(arping_run_plan(f->run)->offset_ns[1], ARPING_NDP_RETRANS_TIMER_NS);
	assert_int_equal(arping_run_summary(f->run)->sent, 1);
}

/* Another MAC runs DAD for the same address at the same time (its own nonce): both
 * must back off, so the address is in use. */
static void test_run_ndp_dad_rival(void **state)
{
	struct fixture *f = *state;
	const uint8_t their_nonce[NDP_NONCE_LEN] = {0xa, 0xb, 0xc, 0xd, 0xe, 0xf};
	struct ndp_msg probe;
	size_t n;

	start_one(f, ARPING_MODE_DAD, 0, "2001:db8::99", "::");
	step(f);
	assert_int_equal(sent_ndp(f, &probe, 1, NULL), 1);
	probe = dad_probe(&rival, "2001:db8::99", their_nonce);
	deliver_ndp(f, &probe, fake_now + 10 * NS_PER_US);
	assert_true(arping_run_done(f->run));
	assert_int_equal(f->events[0].verdict, ARPING_RIVAL_PROBE);
	assert_true(mac_equal(&f->events[0].mac, &rival));
	assert_int_equal(arping_run_targets(f->run, &n)->dad.kind, ARPING_RIVAL_PROBE);
}

/* -w shorter than RetransTimer: the plan ends at the deadline. */
static void test_run_ndp_dad_deadline(void **state)
{
	struct fixture *f = *state;

	arping_config_default(&f->cfg, ARPING_MODE_DAD);
	f->cfg.interval_ns = 0;
	f->cfg.deadline_ns = 300 * NS_PER_MS;
	create(f, ARPING_MODE_DAD, 0);
	add(f, "2001:db8::99", "::");
	assert_int_equal(arping_run_start(f->run, fake_now), 0);
	assert_int_equal(arping_run_plan(f->run)->end_ns, 300 * NS_PER_MS);
	assert_int_equal(step(f), fake_now + 300 * NS_PER_MS);
}

/* -A, and -U for our own address: IPv6's one gratuitous form, the unsolicited NA to
 * all-nodes with our MAC, the flags the command chose. */
static void test_run_ndp_unsolicited_na(void **state)
{
	struct fixture *f = *state;
	enum arping_mode modes[] = {ARPING_MODE_UNSOLICITED_REPLY, ARPING_MODE_UNSOLICITED_REQUEST};
	struct ndp_msg na;
	struct mac all_nodes = ipv6_multicast_mac(&ipv6_all_nodes);
	size_t n;

	for (unsigned i = 0; i < 2; i++) {
		arping_run_free(f->run);
		f->event_count = 0;
		arping_config_default(&f->cfg, modes[i]);
		if (i == 1)
			f->cfg.na_flags = NDP_NA_OVERRIDE | NDP_NA_ROUTER;
		create(f, modes[i], 1);
		add(f, "2001:db8::5", "2001:db8::5");
		assert_int_equal(arping_run_start(f->run, fake_now), 0);
		assert_int_equal(arping_run_frame(f->run, arping_run_targets(f->run, &n)),
				 ARPING_FRAME_UNSOLICITED_NA);
		assert_int_equal(step(f), fake_now + ARPING_MIN_LINGER_NS);
		na = expect_one_ndp(f, NDP_NEIGHBOR_ADVERT);
		assert_true(in6_is(&na.target, "2001:db8::5"));
		assert_true(in6_is(&na.ip.src, "2001:db8::5"));
		assert_true(in6_is(&na.ip.dst, "ff02::1"));
		assert_true(mac_equal(&na.eth.dst, &all_nodes));
		assert_true(na.has_target_lladdr && mac_equal(&na.target_lladdr, &self));
		assert_int_equal(na.flags, i == 0 ? NDP_NA_OVERRIDE : NDP_NA_OVERRIDE | NDP_NA_ROUTER);
		fake_now += ARPING_MIN_LINGER_NS;
		step(f);
		assert_true(arping_run_done(f->run));
		arping_run_finish(f->run, fake_now, false);
		assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)),
				 ARPING_SENT);
	}
}

/* -U with another source: "who has TARGET" from SOURCE, which TARGET learns SOURCE
 * from (drop_unsolicited_na notwithstanding) and answers, as arping -U -s does. */
static void test_run_ndp_unsolicited_ns(void **state)
{
	struct fixture *f = *state;
	struct ndp_msg ns, na;
	size_t n;

	start_one(f, ARPING_MODE_UNSOLICITED_REQUEST, 1, "2001:db8::10", "2001:db8::6");
	assert_int_equal(arping_run_frame(f->run, arping_run_targets(f->run, &n)), ARPING_FRAME_NS);
	step(f);
	ns = expect_one_ndp(f, NDP_NEIGHBOR_SOLICIT);
	assert_true(in6_is(&ns.ip.src, "2001:db8::6"));
	assert_true(in6_is(&ns.target, "2001:db8::10"));
	assert_true(ns.has_source_lladdr && mac_equal(&ns.source_lladdr, &self));
	na = linux_na(&holder, "2001:db8::10", "2001:db8::6");
	deliver_ndp(f, &na, fake_now + 100 * NS_PER_US);
	assert_int_equal(f->event_count, 1);
	assert_int_equal(f->events[0].verdict, ARPING_REPLY);
	fake_now += 100 * NS_PER_US + ARPING_SETTLE_NS;
	step(f);
	assert_true(arping_run_done(f->run));
	assert_int_equal(arping_run_outcome(f->run, arping_run_targets(f->run, &n)), ARPING_SENT);
}

/* The blocking form on the real clock: a reply already queued on the wire is read
 * after the first request, and -f ends the run at once. */
static void test_run_wait_first_reply(void **state)
{
	struct fixture *f = *state;
	struct arp_frame reply = linux_reply(&holder, "192.0.2.10", "192.0.2.5");
	uint8_t buf[FRAME_MAX];
	size_t len = arp_encode(&reply, buf, sizeof(buf)), n;
	uint64_t before = now_ns();
	const struct arping_target *t;

	assert_int_equal(send(f->wire, buf, len, 0), (ssize_t)len);
	arping_config_default(&f->cfg, ARPING_MODE_PING);
	f->cfg.stop_on_reply = true;
	f->cfg.interval_ns = 10 * NS_PER_SEC;
	assert_int_equal(arping_run_create(&f->run, &f->cfg, &f->link), 0);
	add(f, "192.0.2.10", "192.0.2.5");
	assert_int_equal(arping_run_start(f->run, now_ns()), 0);
	assert_int_equal(arping_run_wait(f->run, NULL), 0);
	assert_true(arping_run_done(f->run));
	assert_true(now_ns() - before < NS_PER_SEC);
	t = arping_run_targets(f->run, &n);
	assert_int_equal(t->tally.received, 1);
	assert_int_equal(arping_run_summary(f->run)->sent, 1);
	assert_int_equal(arping_run_outcome(f->run, t), ARPING_ANSWERED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_ping),
		cmocka_unit_test(test_classify_ping_from_zero),
		cmocka_unit_test(test_classify_dad),
		cmocka_unit_test(test_classify_ndp_ping),
		cmocka_unit_test(test_classify_ndp_dad),
		cmocka_unit_test(test_ndp_sender),
		cmocka_unit_test(test_tally),
		cmocka_unit_test(test_tally_full),
		cmocka_unit_test(test_dad_plan_rfc),
		cmocka_unit_test(test_dad_plan_shortened),
		cmocka_unit_test(test_clock_count),
		cmocka_unit_test(test_clock_no_reply_and_deadline),
		cmocka_unit_test(test_clock_first_reply),
		cmocka_unit_test(test_clock_never_settles_in_dad),
		cmocka_unit_test_setup_teardown(test_run_ping, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ping_silent, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_dad, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_dad_rival_before_first_probe, run_setup,
						run_teardown),
		cmocka_unit_test_setup_teardown(test_run_dad_interrupted, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_unsolicited_request, run_setup,
						run_teardown),
		cmocka_unit_test_setup_teardown(test_run_unsolicited_reply, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_several_targets, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_ping, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_dad_free, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_dad_answered, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_dad_rival, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_dad_deadline, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_unsolicited_na, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_ndp_unsolicited_ns, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_refusals, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_run_wait_first_reply, run_setup, run_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
