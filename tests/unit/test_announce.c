/*
 * The announce engine without a network: its link is one end of a datagram
 * socketpair, so the test reads every frame it sends and answers as the peer,
 * the old holder, or nobody. IPv4 addresses go through ARP, IPv6 ones through
 * Neighbor Discovery, with the same rounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "announce.h"
#include "clock.h"
#include "frame.h"
#include "netlink.h"

static const struct mac our_mac = {{0x02, 0, 0, 0, 0, 0x20}};
static const struct mac router_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac old_mac = {{0x02, 0, 0, 0, 0, 0x10}};

struct fixture {
	int wire;            /* our end: what the engine sent arrives here */
	struct link link;
	struct in_addr peer;
	struct in6_addr peer6;
	struct announce_iface iface;
	struct announce_config cfg;
	struct announce_run *run;
	uint64_t now;
};

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds), 0);
	f->wire = fds[0];
	f->link.fd = fds[1];
	f->link.mac = our_mac;
	strcpy(f->link.name, "test0");
	f->peer = ip("192.0.2.1");
	f->iface.link = &f->link;
	f->iface.peers = &f->peer;
	f->iface.peer_count = 1;
	f->iface.vlan = VLAN_NONE;
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &f->peer6), 1);
	f->iface.peers6 = &f->peer6;
	f->iface.peer6_count = 1;
	announce_config_default(&f->cfg);
	f->cfg.rate = 0;
	f->cfg.echo_ident = 0x4242;
	f->now = 1000 * NS_PER_SEC;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	announce_run_free(f->run);
	close(f->wire);
	close(f->link.fd);
	free(f);
	return 0;
}

static void start(struct fixture *f, const char *const *addrs, size_t n)
{
	assert_int_equal(announce_run_create(&f->run, &f->cfg, &f->iface, 1), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(announce_run_add(f->run, 0, ip(addrs[i])), 0);
	assert_int_equal(announce_run_start(f->run, f->now), 0);
}

static uint64_t step(struct fixture *f)
{
	uint64_t next = 0;

	assert_int_equal(announce_run_step(f->run, f->now, &next), 0);
	return next;
}

/* Reads every frame sent so far; counts them by kind into the arguments. */
struct sent {
	unsigned probes, garp_requests, garp_replies, directed, echoes;
	unsigned requests_tha_zero, requests_tha_broadcast; /* of garp_requests */
	struct icmp_echo last_echo;
	/* Neighbor Discovery: DAD probes, unsolicited NAs, NSs for the peer (to its
	 * solicited-node group or to its MAC), ICMPv6 echoes */
	unsigned dad_probes, nas, ns_multicast, ns_unicast, echoes6;
	struct ndp_msg last_na, last_ns;
	struct icmpv6_echo last_echo6;
};

static void count_ndp(struct fixture *f, const struct ndp_msg *m, struct sent *s)
{
	struct in6_addr group = ipv6_solicited_node(&m->target);

	assert_true(mac_equal(&m->eth.src, &our_mac));
	assert_int_equal(m->ip.hop_limit, NDP_HOP_LIMIT);
	if (m->type == NDP_NEIGHBOR_ADVERT) {
		/* RFC 4861 7.2.6: to all-nodes, with our MAC as the target's, never Solicited */
		assert_memory_equal(&m->ip.dst, &ipv6_all_nodes, 16);
		assert_memory_equal(&m->ip.src, &m->target, 16);
		assert_true(m->has_target_lladdr);
		assert_true(mac_equal(&m->target_lladdr, &our_mac));
		assert_false(m->flags & NDP_NA_SOLICITED);
		s->nas++;
		s->last_na = *m;
	} else if (ipv6_is_unspecified(&m->ip.src)) {
		/* RFC 4862 5.4.2: to the solicited-node group, no source link-layer option */
		assert_memory_equal(&m->ip.dst, &group, 16);
		assert_false(m->has_source_lladdr);
		s->dad_probes++;
	} else {
		assert_int_equal(m->type, NDP_NEIGHBOR_SOLICIT);
		assert_memory_equal(&m->target, &f->peer6, 16);
		assert_true(m->has_source_lladdr);
		assert_true(mac_equal(&m->source_lladdr, &our_mac));
		if (ipv6_is_multicast(&m->ip.dst)) {
			assert_memory_equal(&m->ip.dst, &group, 16);
			s->ns_multicast++;
		} else {
			assert_true(mac_equal(&m->eth.dst, &router_mac));
			s->ns_unicast++;
		}
		s->last_ns = *m;
	}
}

static struct sent drain(struct fixture *f)
{
	struct sent s = {0};
	uint8_t buf[FRAME_MAX];
	ssize_t n;

	while ((n = recv(f->wire, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct arp_frame a;
		struct icmp_echo e;
		struct icmpv6_echo e6;
		struct ndp_msg m;

		if (arp_decode(buf, (size_t)n, &a) == 0) {
			assert_true(mac_equal(&a.eth.src, &our_mac));
			assert_true(mac_equal(&a.sha, &our_mac));
			if (arp_is_probe(&a))
				s.probes++;
			else if (a.op == ARP_OP_REQUEST && a.spa.s_addr == a.tpa.s_addr) {
				s.garp_requests++;
				s.requests_tha_zero += mac_is_zero(&a.tha);
				s.requests_tha_broadcast += mac_is_broadcast(&a.tha);
				assert_true(mac_is_broadcast(&a.eth.dst));
			} else if (a.op == ARP_OP_REPLY) {
				s.garp_replies++;
				assert_true(mac_equal(&a.tha, &our_mac)); /* RFC 5944 */
			}
			else if (a.tpa.s_addr == f->peer.s_addr)
				s.directed++;
			else
				fail_msg("unexpected ARP frame");
		} else if (icmp_echo_decode(buf, (size_t)n, &e) == 0) {
			assert_int_equal(e.type, ICMP_ECHO_REQUEST);
			assert_true(mac_equal(&e.eth.dst, &router_mac));
			s.echoes++;
			s.last_echo = e;
		} else if (ndp_decode(buf, (size_t)n, &m) == 0) {
			count_ndp(f, &m, &s);
		} else if (icmpv6_echo_decode(buf, (size_t)n, &e6) == 0) {
			assert_int_equal(e6.type, ICMPV6_ECHO_REQUEST);
			assert_true(mac_equal(&e6.eth.dst, &router_mac));
			assert_memory_equal(&e6.ip.dst, &f->peer6, 16);
			s.echoes6++;
			s.last_echo6 = e6;
		} else {
			fail_msg("undecodable frame sent");
		}
	}
	return s;
}

static void deliver(struct fixture *f, const uint8_t *buf, size_t len)
{
	assert_true(len > 0);
	struct link_rx_frame frame;

	memcpy(frame.data, buf, len);
	frame.len = frame.wire_len = len;
	frame.pkttype = 0;
	frame.time_ns = f->now;
	announce_run_on_frame(f->run, 0, &frame);
}

static void deliver_arp(struct fixture *f, const struct arp_frame *a)
{
	uint8_t buf[FRAME_MAX];
	size_t len = arp_encode(a, buf, sizeof(buf));

	deliver(f, buf, len);
}

/* The router answers "who-has 192.0.2.1 tell ADDR". */
static void router_answers(struct fixture *f, const char *addr)
{
	struct arp_frame a;

	memset(&a, 0, sizeof(a));
	a.eth.dst = our_mac;
	a.eth.src = router_mac;
	a.eth.vlan = VLAN_NONE;
	a.op = ARP_OP_REPLY;
	a.sha = router_mac;
	a.spa = f->peer;
	a.tha = our_mac;
	a.tpa = ip(addr);
	deliver_arp(f, &a);
}

static void router_echoes(struct fixture *f, const char *addr, uint16_t ident)
{
	struct icmp_echo e;
	uint8_t buf[FRAME_MAX];
	size_t len;

	memset(&e, 0, sizeof(e));
	e.eth.dst = our_mac;
	e.eth.src = router_mac;
	e.eth.vlan = VLAN_NONE;
	e.ip.src = f->peer;
	e.ip.dst = ip(addr);
	e.type = ICMP_ECHO_REPLY;
	e.ident = ident;
	len = icmp_echo_encode(&e, 8, buf, sizeof(buf));
	deliver(f, buf, len);
}

static void test_confirmed_stops_early(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11"};
	const struct announce_target *t;
	struct sent s;
	size_t n;

	start(f, addrs, 2);
	step(f);
	s = drain(f);
	/* Probe first, then both gratuitous forms and the directed request, no echo yet. */
	assert_int_equal(s.probes, 2);
	assert_int_equal(s.garp_requests, 2);
	assert_int_equal(s.garp_replies, 2);
	assert_int_equal(s.directed, 2);
	assert_int_equal(s.echoes, 0);

	router_answers(f, "192.0.2.10");
	router_answers(f, "192.0.2.11");
	f->now += NS_PER_MS;
	step(f);
	s = drain(f);
	assert_int_equal(s.echoes, 2);
	assert_int_equal(s.last_echo.ident, 0x4242);

	router_echoes(f, "192.0.2.10", 0x4242);
	router_echoes(f, "192.0.2.11", 0x1111); /* not ours: ignored */
	f->now += NS_PER_MS;
	step(f);
	assert_false(announce_run_done(f->run));
	router_echoes(f, "192.0.2.11", 0x4242);
	/* Confirmed, but another holder may still answer the probe: not done yet. */
	step(f);
	assert_false(announce_run_done(f->run));
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_true(announce_run_done(f->run));
	t = announce_run_targets(f->run, &n);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].result, ANNOUNCE_CONFIRMED);
	assert_int_equal(t[1].result, ANNOUNCE_CONFIRMED);
	assert_true(mac_equal(&t[0].peers[0].peer_mac, &router_mac));
	assert_true(t[0].peers[0].confirmed);
	assert_int_equal(t[0].conflict_count, 0);
	/* Nothing more went out after confirmation: no second round. */
	s = drain(f);
	assert_int_equal(s.garp_requests + s.directed + s.echoes, 0);
}

static void test_silent_and_unconfirmed(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11"};
	const struct announce_target *t;
	struct sent s = {0}, round;
	uint64_t next;
	size_t n;
	int guard = 0;

	f->cfg.rounds = 3;
	f->cfg.interval_ns = 100 * NS_PER_MS;
	f->cfg.final_wait_ns = 200 * NS_PER_MS;
	start(f, addrs, 2);
	/* .10: the router answers ARP but its echo reply never comes; .11: silence. */
	while (!announce_run_done(f->run) && guard++ < 100) {
		next = step(f);
		round = drain(f);
		s.probes += round.probes;
		s.garp_requests += round.garp_requests;
		s.directed += round.directed;
		s.echoes += round.echoes;
		if (round.directed)
			router_answers(f, "192.0.2.10");
		if (next > f->now)
			f->now = next;
	}
	assert_true(announce_run_done(f->run));
	assert_int_equal(s.probes, 2);
	assert_int_equal(s.garp_requests, 6); /* three rounds, both addresses */
	assert_int_equal(s.directed, 6);
	assert_true(s.echoes >= 3);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_UNCONFIRMED);
	assert_int_equal(t[1].result, ANNOUNCE_PEER_SILENT);
	assert_false(t[1].peers[0].arp_answered);
}

static void test_conflict_from_probe_answer(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.11"};
	const struct announce_target *t;
	struct arp_frame a;
	size_t n;

	f->cfg.verify = false;
	f->cfg.rounds = 1;
	start(f, addrs, 1);
	step(f);
	drain(f);
	/* Linux answers a probe with a reply from the address, to our MAC. */
	memset(&a, 0, sizeof(a));
	a.eth.dst = our_mac;
	a.eth.src = old_mac;
	a.eth.vlan = VLAN_NONE;
	a.op = ARP_OP_REPLY;
	a.sha = old_mac;
	a.spa = ip("192.0.2.11");
	a.tha = our_mac;
	deliver_arp(f, &a);
	deliver_arp(f, &a); /* twice: listed once */
	/* Our own frames never count. */
	a.sha = our_mac;
	deliver_arp(f, &a);
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_true(announce_run_done(f->run));
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_SENT);
	assert_int_equal(t[0].conflict_count, 1);
	assert_true(mac_equal(&t[0].conflict_macs[0], &old_mac));
}

static void test_form_and_pacing(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
	struct sent s;
	uint64_t next;

	f->cfg.form = ANNOUNCE_FORM_REPLY;
	f->cfg.probe = false;
	f->cfg.rate = 1000; /* a burst of 64, then one per millisecond */
	f->iface.peer_count = 0;
	start(f, addrs, 3);
	next = step(f);
	s = drain(f);
	assert_int_equal(s.garp_requests, 0);
	assert_int_equal(s.garp_replies, 3);
	assert_int_equal(s.probes + s.directed, 0);
	assert_true(next >= f->now);
	assert_int_equal(announce_run_counters(f->run)->frames_sent, 3);
}

static void test_duplicates_added_once(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11", "192.0.2.10",
					    "192.0.2.11", "192.0.2.12"};
	const struct announce_target *t;
	struct sent s;
	size_t n;

	start(f, addrs, 5);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(n, 3);
	/* The first of each is kept, in order. */
	assert_int_equal(t[0].addr.s_addr, ip("192.0.2.10").s_addr);
	assert_int_equal(t[1].addr.s_addr, ip("192.0.2.11").s_addr);
	assert_int_equal(t[2].addr.s_addr, ip("192.0.2.12").s_addr);
	assert_int_equal(t[2].peer_count, 1);
	step(f);
	s = drain(f);
	assert_int_equal(s.probes, 3);
}

static void add_sent(struct sent *total, const struct sent *round)
{
	total->probes += round->probes;
	total->garp_requests += round->garp_requests;
	total->garp_replies += round->garp_replies;
	total->requests_tha_zero += round->requests_tha_zero;
	total->requests_tha_broadcast += round->requests_tha_broadcast;
	total->directed += round->directed;
	total->echoes += round->echoes;
	total->dad_probes += round->dad_probes;
	total->nas += round->nas;
	total->ns_multicast += round->ns_multicast;
	total->ns_unicast += round->ns_unicast;
	total->echoes6 += round->echoes6;
	if (round->nas)
		total->last_na = round->last_na;
}

/* Runs the schedule to its end; the router answers ARP for the given address each
 * time it is asked, and echoes when echo_back. Returns every frame sent, added up. */
static struct sent run_to_end(struct fixture *f, const char *answer_for, bool echo_back)
{
	struct sent s = {0}, round;
	int guard = 0;

	while (!announce_run_done(f->run) && guard++ < 200) {
		uint64_t next = step(f);

		round = drain(f);
		add_sent(&s, &round);
		if (answer_for && round.directed)
			router_answers(f, answer_for);
		if (answer_for && echo_back && round.echoes)
			router_echoes(f, answer_for, f->cfg.echo_ident);
		/* As the wait would: a frame that arrived is served at once. */
		if (next > f->now && !(answer_for && (round.directed || (echo_back && round.echoes))))
			f->now = next;
	}
	assert_true(announce_run_done(f->run));
	return s;
}

/* Verification asked for and no peer to ask: unverified, never "sent". */
static void test_no_peer_is_unverified(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10"};
	const struct announce_target *t;
	struct announce_tally tally;
	size_t n;

	f->iface.peer_count = 0;
	f->cfg.rounds = 2;
	f->cfg.interval_ns = 10 * NS_PER_MS;
	start(f, addrs, 1);
	run_to_end(f, NULL, false);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_UNVERIFIED);
	assert_string_equal(announce_result_name(t[0].result), "unverified");
	announce_run_tally(f->run, &tally);
	assert_int_equal(tally.total, 1);
	assert_int_equal(tally.by_result[ANNOUNCE_UNVERIFIED], 1);
	assert_true(announce_tally_is_negative(&tally));
}

static void test_no_verify_is_sent(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11"};
	const struct announce_target *t;
	struct announce_tally tally;
	struct sent s;
	size_t n;

	f->cfg.verify = false;
	f->cfg.rounds = 1;
	start(f, addrs, 2);
	s = run_to_end(f, "192.0.2.10", false);
	assert_int_equal(s.echoes, 0);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_SENT);
	assert_int_equal(t[1].result, ANNOUNCE_SENT);
	/* The router answered for .10, but no echo was sent: not "no echo reply". */
	assert_int_equal(announce_peer_state(&t[0].peers[0]), ANNOUNCE_PEER_ANSWERED);
	assert_int_equal(announce_peer_state(&t[1].peers[0]), ANNOUNCE_PEER_NO_ANSWER);
	announce_run_tally(f->run, &tally);
	assert_int_equal(tally.by_result[ANNOUNCE_SENT], 2);
	assert_false(announce_tally_is_negative(&tally));
}

/* An echo that went out and never came back is "no-echo-reply". */
static void test_peer_states(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10"};
	const struct announce_target *t;
	size_t n;

	f->cfg.rounds = 1;
	f->cfg.final_wait_ns = 100 * NS_PER_MS;
	start(f, addrs, 1);
	run_to_end(f, "192.0.2.10", false);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_UNCONFIRMED);
	assert_true(t[0].peers[0].echoes_sent >= 1);
	assert_int_equal(announce_peer_state(&t[0].peers[0]), ANNOUNCE_PEER_NO_ECHO_REPLY);
	assert_string_equal(announce_peer_state_name(ANNOUNCE_PEER_NO_ECHO_REPLY), "no-echo-reply");
}

/* Five rounds of one address that the router proves in the first; what went out. */
static struct sent five_rounds_proven_at_once(struct fixture *f, bool every_round)
{
	static const char *const addrs[] = {"192.0.2.10"};
	const struct announce_target *t;
	struct sent s;
	size_t n;

	f->cfg.rounds = 5;
	f->cfg.interval_ns = 100 * NS_PER_MS;
	f->cfg.every_round = every_round;
	start(f, addrs, 1);
	s = run_to_end(f, "192.0.2.10", true);
	t = announce_run_targets(f->run, &n);
	assert_int_equal(t[0].result, ANNOUNCE_CONFIRMED);
	/* Confirmed in the first round, and reported as of then. */
	assert_true(t[0].elapsed_ns < f->cfg.interval_ns);
	assert_int_equal(s.echoes, 1);
	return s;
}

/* Rounds asked for by number are all sent (gratuitous forms and the request to the
 * peer); the echo ends at the proof. */
static void test_every_round_after_confirmation(void **state)
{
	struct sent s = five_rounds_proven_at_once(*state, true);

	assert_int_equal(s.garp_requests, 5);
	assert_int_equal(s.garp_replies, 5);
	assert_int_equal(s.directed, 5);
}

/* The default stops an address once it is confirmed. */
static void test_default_rounds_stop_at_confirmation(void **state)
{
	struct sent s = five_rounds_proven_at_once(*state, false);

	assert_int_equal(s.garp_requests, 1);
	assert_int_equal(s.garp_replies, 1);
	assert_int_equal(s.directed, 1);
}

/* The gratuitous request's target hardware address: zero, broadcast, or both. */
static void test_request_tha(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"192.0.2.10", "192.0.2.11"};
	static const struct {
		unsigned tha;
		unsigned zero, broadcast;
	} cases[] = {
		{0, 2, 0}, /* unset: RFC 5227 */
		{ANNOUNCE_THA_ZERO, 2, 0},
		{ANNOUNCE_THA_BROADCAST, 0, 2},
		{ANNOUNCE_THA_BOTH, 2, 2},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sent s;

		f->cfg.request_tha = cases[i].tha;
		f->cfg.rounds = 1;
		f->cfg.verify = false;
		f->cfg.probe = false;
		start(f, addrs, 2);
		s = run_to_end(f, NULL, false);
		assert_int_equal(s.requests_tha_zero, cases[i].zero);
		assert_int_equal(s.requests_tha_broadcast, cases[i].broadcast);
		assert_int_equal(s.garp_requests, cases[i].zero + cases[i].broadcast);
		assert_int_equal(s.garp_replies, 2);
		announce_run_free(f->run);
		f->run = NULL;
	}
}

static struct ipaddr ip6(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_INET6, &a), 0);
	return a;
}

static void deliver_ndp(struct fixture *f, const struct ndp_msg *m)
{
	uint8_t buf[FRAME_MAX];
	size_t len = ndp_encode(m, buf, sizeof(buf));

	deliver(f, buf, len);
}

/* The router answers the NS for fe80::1 sent from ADDR: a solicited NA to ADDR. */
static void router_answers6(struct fixture *f, const char *addr)
{
	struct ipaddr to = ip6(addr);
	struct ndp_msg m;

	ndp_make_na(&m, &router_mac, &f->peer6, NDP_NA_ROUTER | NDP_NA_SOLICITED | NDP_NA_OVERRIDE,
		    &to.v6, &our_mac);
	deliver_ndp(f, &m);
}

static void router_echoes6(struct fixture *f, const char *addr, uint16_t ident)
{
	struct ipaddr to = ip6(addr);
	struct icmpv6_echo e;
	uint8_t buf[FRAME_MAX];
	size_t len;

	icmpv6_make_echo_request(&e, &router_mac, &f->peer6, &our_mac, &to.v6, ident, 0);
	e.type = ICMPV6_ECHO_REPLY;
	len = icmpv6_echo_encode(&e, 8, buf, sizeof(buf));
	deliver(f, buf, len);
}

static void start6(struct fixture *f, const char *const *addrs, size_t n,
		   enum announce_addr_state state)
{
	assert_int_equal(announce_run_create(&f->run, &f->cfg, &f->iface, 1), 0);
	for (size_t i = 0; i < n; i++) {
		struct ipaddr a = ip6(addrs[i]);

		assert_int_equal(announce_run_add_ip(f->run, 0, &a, state), 0);
	}
	assert_int_equal(announce_run_start(f->run, f->now), 0);
}

/* One round of one IPv6 address in the given state, without probe or proof: what
 * went out. The run is freed, so a test may run several. */
static struct sent one_quiet_round6(struct fixture *f, const char *addr,
				   enum announce_addr_state state)
{
	struct sent s;

	f->cfg.rounds = 1;
	f->cfg.verify = false;
	f->cfg.probe = false;
	start6(f, &addr, 1, state);
	s = run_to_end(f, NULL, false);
	announce_run_free(f->run);
	f->run = NULL;
	return s;
}

/* The finished run's target i was claimed by the old holder, and by no one else. */
static void assert_old_holder_named(struct fixture *f, size_t i)
{
	const struct announce_target *t = announce_run_targets(f->run, &(size_t){0});

	assert_true(announce_run_done(f->run));
	assert_int_equal(t[i].conflict_count, 1);
	assert_true(mac_equal(&t[i].conflict_macs[0], &old_mac));
}

/* One round over NDP: the DAD-style probe, the unsolicited NA (Override, not Router:
 * this link does not forward), the NS for the router from the address; the router's
 * NA makes the echo go to its MAC, and its reply proves the address. */
static void test_ndp_round_confirmed(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::10"};
	struct ipaddr addr = ip6(addrs[0]);
	const struct announce_target *t;
	struct sent s;
	size_t n;

	start6(f, addrs, 1, ANNOUNCE_ADDR_READY);
	step(f);
	s = drain(f);
	assert_int_equal(s.dad_probes, 1);
	assert_int_equal(s.nas, 1);
	assert_int_equal(s.last_na.flags, NDP_NA_OVERRIDE);
	assert_memory_equal(&s.last_na.target, &addr.v6, 16);
	assert_int_equal(s.ns_multicast, 1);
	assert_memory_equal(&s.last_ns.ip.src, &addr.v6, 16);
	assert_int_equal(s.echoes6 + s.probes + s.garp_requests + s.garp_replies + s.directed, 0);

	router_answers6(f, addrs[0]);
	f->now += NS_PER_MS;
	step(f);
	s = drain(f);
	assert_int_equal(s.echoes6, 1);
	assert_memory_equal(&s.last_echo6.ip.src, &addr.v6, 16);
	assert_int_equal(s.last_echo6.ident, 0x4242);

	router_echoes6(f, addrs[0], 0x1111); /* another run's: ignored */
	step(f);
	router_echoes6(f, addrs[0], 0x4242);
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_true(announce_run_done(f->run));
	t = announce_run_targets(f->run, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].result, ANNOUNCE_CONFIRMED);
	assert_int_equal(t[0].ip.family, AF_INET6);
	assert_true(ipaddr_equal(&t[0].peers[0].ip, &(struct ipaddr){.family = AF_INET6,
								     .v6 = f->peer6}));
	assert_true(mac_equal(&t[0].peers[0].peer_mac, &router_mac));
	assert_true(t[0].peers[0].confirmed);
	assert_int_equal(t[0].conflict_count, 0);
	assert_int_equal(t[0].dad_wait_ns, 0);
}

/* Asked for again in later rounds, the router is solicited at its MAC. */
static void test_ndp_rounds_unicast_after_answer(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::10"};
	struct sent s = {0}, round;
	int guard = 0;

	f->cfg.rounds = 3;
	f->cfg.every_round = true;
	f->cfg.verify = false;
	f->cfg.interval_ns = 10 * NS_PER_MS;
	start6(f, addrs, 1, ANNOUNCE_ADDR_READY);
	while (!announce_run_done(f->run) && guard++ < 100) {
		uint64_t next = step(f);

		round = drain(f);
		add_sent(&s, &round);
		if (round.ns_multicast)
			router_answers6(f, addrs[0]);
		if (next > f->now)
			f->now = next;
	}
	assert_int_equal(s.nas, 3);
	assert_int_equal(s.ns_multicast, 1);
	assert_int_equal(s.ns_unicast, 2);
	assert_int_equal(s.echoes6, 0);
	assert_int_equal(announce_run_targets(f->run, &(size_t){0})[0].result, ANNOUNCE_SENT);
}

/* The old holder answers the DAD probe with an NA to all-nodes (as Linux does), and
 * solicits from the address: both name its MAC, once. */
static void test_ndp_probe_conflict(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::11"};
	struct ipaddr addr = ip6(addrs[0]);
	struct announce_tally tally;
	struct ndp_msg m;

	f->cfg.verify = false;
	f->cfg.rounds = 1;
	start6(f, addrs, 1, ANNOUNCE_ADDR_READY);
	step(f);
	assert_int_equal(drain(f).dad_probes, 1);
	ndp_make_unsolicited_na(&m, &old_mac, &addr.v6, NDP_NA_OVERRIDE);
	deliver_ndp(f, &m);
	ndp_make_ns(&m, &old_mac, &addr.v6, &f->peer6, NULL);
	deliver_ndp(f, &m);
	/* Our own NA, looped back by the packet socket: never a conflict. */
	ndp_make_unsolicited_na(&m, &our_mac, &addr.v6, NDP_NA_OVERRIDE);
	deliver_ndp(f, &m);
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_old_holder_named(f, 0);
	assert_int_equal(announce_run_targets(f->run, &(size_t){0})[0].result, ANNOUNCE_SENT);
	announce_run_tally(f->run, &tally);
	assert_int_equal(tally.in_conflict, 1);
	assert_true(announce_tally_is_negative(&tally));
}

/* Another node running DAD for the address while we probe is a conflict too. */
static void test_ndp_concurrent_dad_conflict(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::12"};
	struct ipaddr addr = ip6(addrs[0]);
	struct ndp_msg m;

	f->cfg.verify = false;
	f->cfg.rounds = 1;
	start6(f, addrs, 1, ANNOUNCE_ADDR_READY);
	step(f);
	drain(f);
	ndp_make_dad_ns(&m, &old_mac, &addr.v6);
	deliver_ndp(f, &m);
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_old_holder_named(f, 0);
}

/* A tentative address: nothing at all is sent for it while the kernel runs DAD, then
 * the probe and the round once DAD completes; the wait is reported. */
static void test_ndp_tentative_waited_for(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::13"};
	struct ipaddr addr = ip6(addrs[0]);
	const struct announce_target *t;
	uint64_t next;
	struct sent s;

	f->cfg.rounds = 1;
	f->cfg.verify = false;
	start6(f, addrs, 1, ANNOUNCE_ADDR_TENTATIVE);
	next = step(f);
	s = drain(f);
	assert_int_equal(s.dad_probes + s.nas + s.ns_multicast, 0);
	assert_int_equal(next, f->now + f->cfg.dad_wait_ns);
	f->now += 700 * NS_PER_MS;
	step(f);
	s = drain(f);
	assert_int_equal(s.dad_probes + s.nas + s.ns_multicast, 0);
	assert_false(announce_run_done(f->run));
	/* DAD completes: the kernel's NEWADDR without the tentative flag. */
	assert_int_equal(announce_run_addr_state(f->run, 0, &addr, ANNOUNCE_ADDR_READY, f->now), 0);
	step(f);
	s = drain(f);
	assert_int_equal(s.dad_probes, 1);
	assert_int_equal(s.nas, 1);
	assert_int_equal(s.last_na.flags, NDP_NA_OVERRIDE);
	f->now += f->cfg.probe_wait_ns;
	step(f);
	assert_true(announce_run_done(f->run));
	t = announce_run_targets(f->run, &(size_t){0});
	assert_int_equal(t[0].result, ANNOUNCE_SENT);
	assert_int_equal(t[0].dad_wait_ns, 700 * NS_PER_MS);
	/* Not a target of this run. */
	addr = ip6("2001:db8:1::99");
	assert_int_equal(announce_run_addr_state(f->run, 0, &addr, ANNOUNCE_ADDR_READY, f->now),
			 -ENOENT);
}

/* DAD that never ends within the wait: never announced, never probed, "tentative";
 * the IPv4 address of the same run goes ahead once the wait is over. */
static void test_ndp_tentative_wait_runs_out(void **state)
{
	struct fixture *f = *state;
	struct ipaddr a6 = ip6("2001:db8:1::14"), a4 = ipaddr_v4(ip("192.0.2.10"));
	const struct announce_target *t;
	struct announce_tally tally;
	struct sent s;

	f->cfg.rounds = 1;
	f->cfg.verify = false;
	f->cfg.dad_wait_ns = 300 * NS_PER_MS;
	assert_int_equal(announce_run_create(&f->run, &f->cfg, &f->iface, 1), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a6, ANNOUNCE_ADDR_TENTATIVE), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a4, ANNOUNCE_ADDR_READY), 0);
	assert_int_equal(announce_run_start(f->run, f->now), 0);
	s = run_to_end(f, NULL, false);
	assert_int_equal(s.dad_probes + s.nas + s.ns_multicast + s.ns_unicast, 0);
	assert_int_equal(s.probes, 1);
	assert_int_equal(s.garp_requests, 1);
	t = announce_run_targets(f->run, &(size_t){0});
	assert_int_equal(t[0].result, ANNOUNCE_TENTATIVE);
	assert_string_equal(announce_result_name(t[0].result), "tentative");
	assert_int_equal(t[0].dad_wait_ns, 300 * NS_PER_MS);
	assert_int_equal(t[1].result, ANNOUNCE_SENT);
	announce_run_tally(f->run, &tally);
	assert_int_equal(tally.by_result[ANNOUNCE_TENTATIVE], 1);
	assert_true(announce_tally_is_negative(&tally));
}

/* DAD fails (while waited for, or before the run): a conflict, probed so the other
 * holder is named, never announced. */
static void test_ndp_dad_failed(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = {"2001:db8:1::15", "2001:db8:1::16"};
	struct ipaddr a15 = ip6(addrs[0]), a16 = ip6(addrs[1]);
	const struct announce_target *t;
	struct announce_tally tally;
	struct ndp_msg m;
	struct sent s;

	f->cfg.rounds = 2;
	f->cfg.every_round = true;
	f->cfg.interval_ns = 10 * NS_PER_MS;
	assert_int_equal(announce_run_create(&f->run, &f->cfg, &f->iface, 1), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a15, ANNOUNCE_ADDR_TENTATIVE), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a16, ANNOUNCE_ADDR_DADFAILED), 0);
	assert_int_equal(announce_run_start(f->run, f->now), 0);
	step(f);
	assert_int_equal(drain(f).dad_probes, 0);
	f->now += 100 * NS_PER_MS;
	assert_int_equal(announce_run_addr_state(f->run, 0, &a15, ANNOUNCE_ADDR_DADFAILED, f->now), 0);
	step(f);
	s = drain(f);
	assert_int_equal(s.dad_probes, 2);
	/* The holder of .16 answers the probe. */
	ndp_make_unsolicited_na(&m, &old_mac, &a16.v6, NDP_NA_OVERRIDE);
	deliver_ndp(f, &m);
	s = run_to_end(f, NULL, false);
	assert_int_equal(s.nas + s.ns_multicast + s.ns_unicast + s.echoes6, 0);
	t = announce_run_targets(f->run, &(size_t){0});
	assert_int_equal(t[0].result, ANNOUNCE_DAD_FAILED);
	assert_int_equal(t[0].dad_wait_ns, 100 * NS_PER_MS);
	assert_int_equal(t[0].conflict_count, 0);
	assert_int_equal(t[1].result, ANNOUNCE_DAD_FAILED);
	assert_string_equal(announce_result_name(t[1].result), "dad-failed");
	assert_old_holder_named(f, 1);
	announce_run_tally(f->run, &tally);
	assert_int_equal(tally.in_conflict, 2);
	assert_true(announce_tally_is_negative(&tally));
}

/* An optimistic address may be used while DAD runs, but its NA must not override
 * another node's entry (RFC 4429 3.3); a forwarding link sets the Router flag. */
static void test_ndp_na_flags(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum announce_addr_state state;
		bool router;
		uint8_t flags;
	} cases[] = {
		{ANNOUNCE_ADDR_READY, false, NDP_NA_OVERRIDE},
		{ANNOUNCE_ADDR_OPTIMISTIC, false, 0},
		{ANNOUNCE_ADDR_READY, true, NDP_NA_OVERRIDE | NDP_NA_ROUTER},
		{ANNOUNCE_ADDR_OPTIMISTIC, true, NDP_NA_ROUTER},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sent s;

		f->iface.ipv6_router = cases[i].router;
		s = one_quiet_round6(f, "2001:db8:1::17", cases[i].state);
		assert_int_equal(s.nas, 1);
		assert_int_equal(s.last_na.flags, cases[i].flags);
	}
}

/* --form for NDP: reply and both send the unsolicited NA, request sends none (the
 * NS to the peer still goes); --tha is ARP's alone. */
static void test_ndp_form(void **state)
{
	struct fixture *f = *state;
	static const struct {
		unsigned form, tha;
		unsigned nas;
	} cases[] = {
		{ANNOUNCE_FORM_BOTH, ANNOUNCE_THA_BOTH, 1},
		{ANNOUNCE_FORM_REPLY, 0, 1},
		{ANNOUNCE_FORM_REQUEST, ANNOUNCE_THA_BROADCAST, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sent s;

		f->cfg.form = cases[i].form;
		f->cfg.request_tha = cases[i].tha;
		s = one_quiet_round6(f, "2001:db8:1::18", ANNOUNCE_ADDR_READY);
		assert_int_equal(s.nas, cases[i].nas);
		assert_int_equal(s.ns_multicast, 1);
		assert_int_equal(s.probes + s.garp_requests + s.garp_replies + s.directed, 0);
	}
}

/* Both families in one run on one link: each through its own frames and peer, both
 * proven. */
static void test_dual_stack_run(void **state)
{
	struct fixture *f = *state;
	struct ipaddr a4 = ipaddr_v4(ip("192.0.2.10")), a6 = ip6("2001:db8:1::10");
	const struct announce_target *t;
	struct sent s = {0}, round;
	int guard = 0;
	size_t n;

	f->cfg.rounds = 2;
	assert_int_equal(announce_run_create(&f->run, &f->cfg, &f->iface, 1), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a4, ANNOUNCE_ADDR_READY), 0);
	assert_int_equal(announce_run_add_ip(f->run, 0, &a6, ANNOUNCE_ADDR_READY), 0);
	/* The same addresses again: kept once each. */
	assert_int_equal(announce_run_add_ip(f->run, 0, &a6, ANNOUNCE_ADDR_READY), 0);
	assert_int_equal(announce_run_add(f->run, 0, a4.v4), 0);
	assert_int_equal(announce_run_start(f->run, f->now), 0);
	while (!announce_run_done(f->run) && guard++ < 100) {
		uint64_t next = step(f);

		round = drain(f);
		add_sent(&s, &round);
		if (round.directed)
			router_answers(f, "192.0.2.10");
		if (round.ns_multicast)
			router_answers6(f, "2001:db8:1::10");
		if (round.echoes)
			router_echoes(f, "192.0.2.10", f->cfg.echo_ident);
		if (round.echoes6)
			router_echoes6(f, "2001:db8:1::10", f->cfg.echo_ident);
		if (next > f->now && !(round.directed || round.ns_multicast || round.echoes ||
				       round.echoes6))
			f->now = next;
	}
	t = announce_run_targets(f->run, &n);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].result, ANNOUNCE_CONFIRMED);
	assert_int_equal(t[0].addr.s_addr, a4.v4.s_addr);
	assert_int_equal(t[0].peers[0].peer.s_addr, f->peer.s_addr);
	assert_int_equal(t[1].result, ANNOUNCE_CONFIRMED);
	assert_int_equal(t[1].addr.s_addr, 0);
	assert_int_equal(s.probes, 1);
	assert_int_equal(s.dad_probes, 1);
	assert_int_equal(s.echoes, 1);
	assert_int_equal(s.echoes6, 1);
}

/* The kernel's flags, as the engine takes them. */
static void test_addr_state_of(void **state)
{
	struct nl_addr a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.addr = ip6("2001:db8::1");
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_READY);
	a.flags = IFA_F_TENTATIVE;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_TENTATIVE);
	a.flags = IFA_F_TENTATIVE | IFA_F_OPTIMISTIC;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_OPTIMISTIC);
	a.flags = IFA_F_TENTATIVE | IFA_F_DADFAILED;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_DADFAILED);
	a.flags = IFA_F_DEPRECATED;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_READY);
	a.flags = IFA_F_DEPRECATED | IFA_F_OPTIMISTIC;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_OPTIMISTIC);
	a.addr = ipaddr_v4(ip("192.0.2.1"));
	a.flags = 0;
	assert_int_equal(announce_addr_state_of(&a), ANNOUNCE_ADDR_READY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confirmed_stops_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_and_unconfirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_from_probe_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_form_and_pacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_added_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_peer_is_unverified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_verify_is_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_round_after_confirmation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_rounds_stop_at_confirmation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_tha, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_round_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_rounds_unicast_after_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_probe_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_concurrent_dad_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_tentative_waited_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_tentative_wait_runs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_dad_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_na_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ndp_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dual_stack_run, setup, teardown),
		cmocka_unit_test(test_addr_state_of),
	};

	return cmocka_run_group_tests_name("announce engine", tests, NULL, NULL);
}
