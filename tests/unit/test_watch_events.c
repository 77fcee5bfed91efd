/* The watcher's event rules, fed frames with chosen timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "frame.h"
#include "watch_events.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static const struct mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct mac mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct mac mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct mac mac_r = {{0x02, 0, 0, 0, 0, 0x01}}; /* a router */

#define MAX_COLLECTED 64

struct fixture {
	struct watch *w;
	struct watch_event ev[MAX_COLLECTED];
	size_t n;
	unsigned iface;
};

/* The engine's callback: events of the current call, in order. */
static void collect(void *ctx, const struct watch_event *e)
{
	struct fixture *f = ctx;

	assert_true(f->n < MAX_COLLECTED);
	f->ev[f->n++] = *e;
}

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static int setup(void **state)
{
	static struct fixture f;
	struct watch_config cfg;

	memset(&f, 0, sizeof(f));
	watch_config_default(&cfg);
	assert_int_equal(watch_create(&f.w, &cfg, collect, &f), 0);
	assert_int_equal(watch_iface(f.w, "eth0"), 0);
	f.iface = 0;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	watch_free(f->w);
	return 0;
}

static size_t feed(struct fixture *f, uint64_t t, const uint8_t *buf, size_t len)
{
	size_t given;

	f->n = 0;
	given = watch_frame(f->w, f->iface, t, buf, len);
	assert_int_equal(given, f->n);
	return f->n;
}

/* The verdicts whose window closed before t. */
static size_t expire(struct fixture *f, uint64_t t)
{
	size_t given;

	f->n = 0;
	given = watch_expire(f->w, t);
	assert_int_equal(given, f->n);
	return f->n;
}

/* "who-has TARGET tell SENDER" from mac, to broadcast. */
static size_t request(struct fixture *f, uint64_t t, const struct mac *mac, const char *sender,
		      const char *target)
{
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];

	arp_make_request(&a, mac, ip(sender), ip(target), &mac_broadcast);
	return feed(f, t, buf, arp_encode(&a, buf, sizeof(buf)));
}

/* "SENDER is-at mac", unicast to the asker. */
static size_t reply(struct fixture *f, uint64_t t, const struct mac *mac, const char *sender)
{
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];

	arp_make_request(&a, mac, ip(sender), ip("192.0.2.1"), &mac_r);
	a.op = ARP_OP_REPLY;
	a.tha = mac_r;
	return feed(f, t, buf, arp_encode(&a, buf, sizeof(buf)));
}

static size_t announce(struct fixture *f, uint64_t t, const struct mac *mac, const char *addr)
{
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];

	arp_make_announce_request(&a, mac, ip(addr));
	return feed(f, t, buf, arp_encode(&a, buf, sizeof(buf)));
}

static size_t echo(struct fixture *f, uint64_t t, const struct mac *src, const struct mac *dst,
		   const char *from, const char *to)
{
	struct icmp_echo e;
	uint8_t buf[FRAME_MAX];

	memset(&e, 0, sizeof(e));
	e.eth.src = *src;
	e.eth.dst = *dst;
	e.eth.vlan = VLAN_NONE;
	e.ip.src = ip(from);
	e.ip.dst = ip(to);
	e.type = ICMP_ECHO_REQUEST;
	return feed(f, t, buf, icmp_echo_encode(&e, 16, buf, sizeof(buf)));
}

static bool has(const struct fixture *f, enum watch_event_kind kind)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->ev[i].kind == kind)
			return true;
	return false;
}

static const struct watch_event *get(const struct fixture *f, enum watch_event_kind kind)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->ev[i].kind == kind)
			return &f->ev[i];
	fail_msg("no %s event", watch_event_name(kind));
	return NULL;
}

static void test_new_station_once(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(request(f, T0, &mac_a, "192.0.2.10", "192.0.2.1"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_NEW_STATION);
	assert_true(mac_equal(&f->ev[0].mac, &mac_a));
	assert_int_equal(f->ev[0].ip.s_addr, ip("192.0.2.10").s_addr);
	assert_int_equal(f->ev[0].vlan, VLAN_NONE);
	assert_false(f->ev[0].has_old_mac);
	assert_int_equal(request(f, T0 + SEC, &mac_a, "192.0.2.10", "192.0.2.1"), 0);
	assert_int_equal(reply(f, T0 + 5 * SEC, &mac_a, "192.0.2.10"), 0);
	assert_int_equal(watch_station_count(f->w), 1);
	/* A probe claims nothing. */
	{
		struct arp_frame a;
		uint8_t buf[FRAME_MAX];

		arp_make_probe(&a, &mac_b, ip("192.0.2.10"));
		assert_int_equal(feed(f, T0 + 6 * SEC, buf, arp_encode(&a, buf, sizeof(buf))), 0);
	}
	assert_int_equal(watch_counters(f->w)->probes, 1);
	assert_int_equal(watch_counters(f->w)->events[WATCH_NEW_STATION], 1);
}

static void test_changed_mac_then_flip_flop(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;
	struct watch_station_record rec;

	request(f, T0, &mac_a, "192.0.2.11", "192.0.2.1");
	/* B announces after A was quiet for longer than the conflict window. */
	assert_int_equal(announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.11"), 2);
	assert_true(has(f, WATCH_GRATUITOUS));
	e = get(f, WATCH_CHANGED_MAC);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(e->age_ns, 10 * SEC);
	assert_true(watch_lookup(f->w, ip("192.0.2.11"), VLAN_NONE, 0, &rec));
	assert_true(mac_equal(&rec.mac, &mac_b));
	assert_true(rec.has_prev && mac_equal(&rec.prev_mac, &mac_a));
	/* Back to A 60 s later: within the 10 min window, a flip-flop. */
	assert_int_equal(announce(f, T0 + 70 * SEC, &mac_a, "192.0.2.11"), 2);
	e = get(f, WATCH_FLIP_FLOP);
	assert_true(mac_equal(&e->mac, &mac_a));
	assert_true(mac_equal(&e->old_mac, &mac_b));
	assert_int_equal(e->age_ns, 60 * SEC);
	/* And to B again after 11 min held by A, by a plain request: A stays silent for the
	 * window, so when it closes, only a changed-mac, dated at the request. */
	assert_int_equal(request(f, T0 + 730 * SEC, &mac_b, "192.0.2.11", "192.0.2.1"), 0);
	assert_int_equal(expire(f, T0 + 732 * SEC), 0);
	assert_int_equal(expire(f, T0 + 732 * SEC + 1), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CHANGED_MAC);
	assert_int_equal(f->ev[0].time_ns, T0 + 730 * SEC);
	/* A third MAC is never a flip-flop. */
	assert_int_equal(announce(f, T0 + 800 * SEC, &mac_c, "192.0.2.11"), 2);
	assert_int_equal(get(f, WATCH_CHANGED_MAC)->kind, WATCH_CHANGED_MAC);
}

static void test_conflict_keeps_holder_and_rate_limits(void **state)
{
	struct fixture *f = *state;
	struct watch_station_record rec;
	const struct watch_event *e;

	/* Two real servers both answer for the VIP, 3 ms apart, every second. */
	assert_int_equal(reply(f, T0, &mac_a, "192.0.2.50"), 1);
	assert_int_equal(reply(f, T0 + 3000000, &mac_b, "192.0.2.50"), 1);
	e = get(f, WATCH_CONFLICT);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(e->age_ns, 3000000);
	assert_true(watch_lookup(f->w, ip("192.0.2.50"), VLAN_NONE, 0, &rec));
	assert_true(mac_equal(&rec.mac, &mac_a));
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(reply(f, T0 + i * SEC, &mac_a, "192.0.2.50"), 0);
		assert_int_equal(reply(f, T0 + i * SEC + 3000000, &mac_b, "192.0.2.50"), 0);
	}
	assert_int_equal(watch_counters(f->w)->repeats[WATCH_CONFLICT], 2);
	/* A new round long after: reported again. */
	reply(f, T0 + 100 * SEC, &mac_a, "192.0.2.50");
	assert_int_equal(reply(f, T0 + 100 * SEC + 1000, &mac_b, "192.0.2.50"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CONFLICT);
}

static void test_conflict_window_edge(void **state)
{
	struct fixture *f = *state;

	reply(f, T0, &mac_a, "192.0.2.51");
	assert_int_equal(reply(f, T0 + 2 * SEC, &mac_b, "192.0.2.51"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CONFLICT);
	reply(f, T0 + 10 * SEC, &mac_a, "192.0.2.52");
	assert_int_equal(reply(f, T0 + 12 * SEC + 1, &mac_b, "192.0.2.52"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CHANGED_MAC);
}

static void test_gratuitous_repeats_counted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(announce(f, T0, &mac_a, "192.0.2.20"), 2); /* gratuitous + new */
	assert_int_equal(announce(f, T0 + SEC / 10, &mac_a, "192.0.2.20"), 0);
	assert_int_equal(announce(f, T0 + SEC, &mac_a, "192.0.2.20"), 0);
	assert_int_equal(watch_counters(f->w)->repeats[WATCH_GRATUITOUS], 2);
	assert_int_equal(announce(f, T0 + 10 * SEC, &mac_a, "192.0.2.20"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_GRATUITOUS);
	/* A reply to broadcast is an announcement too. */
	{
		struct arp_frame a;
		uint8_t buf[FRAME_MAX];

		arp_make_announce_reply(&a, &mac_b, ip("192.0.2.21"));
		assert_int_equal(feed(f, T0, buf, arp_encode(&a, buf, sizeof(buf))), 2);
		assert_int_equal(get(f, WATCH_GRATUITOUS)->arp_op, ARP_OP_REPLY);
	}
}

static void test_bogon_by_subnet(void **state)
{
	struct fixture *f = *state;
	struct watch_subnet net = {ip("192.0.2.0"), 24};

	/* No subnets set: no check. */
	assert_int_equal(request(f, T0, &mac_a, "10.9.9.9", "192.0.2.1"), 1);
	assert_int_equal(watch_set_subnets(f->w, 0, &net, 1), 0);
	assert_int_equal(request(f, T0, &mac_b, "192.0.2.30", "192.0.2.1"), 1);
	assert_int_equal(request(f, T0, &mac_c, "198.51.100.7", "192.0.2.1"), 2);
	assert_true(has(f, WATCH_NEW_STATION));
	assert_true(mac_equal(&get(f, WATCH_BOGON)->mac, &mac_c));
	/* Seen again: not reported again. */
	assert_int_equal(request(f, T0 + SEC, &mac_c, "198.51.100.7", "192.0.2.1"), 0);
	watch_clear_subnets(f->w, 0);
	assert_int_equal(request(f, T0, &mac_c, "198.51.100.8", "192.0.2.1"), 1);
}

static void test_ether_mismatch(void **state)
{
	struct fixture *f = *state;
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];

	arp_make_request(&a, &mac_a, ip("192.0.2.40"), ip("192.0.2.1"), &mac_broadcast);
	a.eth.src = mac_c;
	assert_int_equal(feed(f, T0, buf, arp_encode(&a, buf, sizeof(buf))), 2);
	assert_true(mac_equal(&get(f, WATCH_ETHER_MISMATCH)->sender_mac, &mac_c));
	assert_true(mac_equal(&get(f, WATCH_ETHER_MISMATCH)->mac, &mac_a));
	/* The claim counts with the ARP sender MAC. */
	assert_true(mac_equal(&get(f, WATCH_NEW_STATION)->mac, &mac_a));
}

static void test_stale_cache_names_sender(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.11");          /* the router */
	request(f, T0, &mac_c, "192.0.2.77", "192.0.2.1");          /* a client */
	request(f, T0, &mac_a, "192.0.2.11", "192.0.2.1");          /* A holds .11 */
	/* Before any move, traffic to A is normal. */
	assert_int_equal(echo(f, T0 + SEC, &mac_r, &mac_a, "198.51.100.10", "192.0.2.11"), 0);
	announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.11");            /* moves to B */
	/* Traffic to the new holder is fine. */
	assert_int_equal(echo(f, T0 + 11 * SEC, &mac_r, &mac_b, "198.51.100.10", "192.0.2.11"), 0);
	/* The router forwards a client's packet to the old MAC: its IP comes from the table. */
	assert_int_equal(echo(f, T0 + 12 * SEC, &mac_r, &mac_a, "198.51.100.10", "192.0.2.11"), 1);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_STALE_CACHE);
	assert_int_equal(e->ip.s_addr, ip("192.0.2.11").s_addr);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_true(mac_equal(&e->sender_mac, &mac_r));
	assert_true(e->has_sender_ip);
	assert_int_equal(e->sender_ip.s_addr, ip("192.0.2.1").s_addr);
	/* Once per sender per minute. */
	assert_int_equal(echo(f, T0 + 13 * SEC, &mac_r, &mac_a, "198.51.100.10", "192.0.2.11"), 0);
	assert_int_equal(watch_counters(f->w)->repeats[WATCH_STALE_CACHE], 1);
	/* A host on the link: its own source address names it. */
	assert_int_equal(echo(f, T0 + 14 * SEC, &mac_c, &mac_a, "192.0.2.77", "192.0.2.11"), 1);
	assert_int_equal(f->ev[0].sender_ip.s_addr, ip("192.0.2.77").s_addr);
	/* An unknown sender: no IP. */
	{
		const struct mac stranger = {{0x02, 0, 0, 0, 0, 0x99}};

		assert_int_equal(echo(f, T0 + 15 * SEC, &stranger, &mac_a, "203.0.113.1", "192.0.2.11"), 1);
		assert_false(f->ev[0].has_sender_ip);
	}
	/* Broadcast frames never count. */
	assert_int_equal(echo(f, T0 + 16 * SEC, &mac_c, &mac_broadcast, "192.0.2.78", "192.0.2.11"), 0);
}

static void test_vlan_and_iface_are_separate_stations(void **state)
{
	struct fixture *f = *state;
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];

	request(f, T0, &mac_a, "192.0.2.60", "192.0.2.1");
	arp_make_request(&a, &mac_b, ip("192.0.2.60"), ip("192.0.2.1"), &mac_broadcast);
	arp_set_vlan(&a, 42);
	assert_int_equal(feed(f, T0, buf, arp_encode(&a, buf, sizeof(buf))), 1);
	assert_int_equal(f->ev[0].kind, WATCH_NEW_STATION);
	assert_int_equal(f->ev[0].vlan, 42);
	assert_int_equal(watch_iface(f->w, "eth1"), 1);
	f->iface = 1;
	assert_int_equal(request(f, T0, &mac_c, "192.0.2.60", "192.0.2.1"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_NEW_STATION);
	assert_int_equal(watch_station_count(f->w), 3);
}

static void test_malformed_counted_never_crash(void **state)
{
	struct fixture *f = *state;
	struct arp_frame a;
	uint8_t buf[FRAME_MAX], junk[FRAME_MAX];
	size_t len;

	arp_make_request(&a, &mac_a, ip("192.0.2.10"), ip("192.0.2.1"), &mac_broadcast);
	len = arp_encode(&a, buf, sizeof(buf));
	for (size_t cut = 0; cut < 42; cut++)
		assert_int_equal(feed(f, T0, buf, cut), 0);
	assert_int_equal(watch_counters(f->w)->malformed, 42);
	buf[21] = 9; /* bad opcode */
	assert_int_equal(feed(f, T0, buf, len), 0);
	/* Random bytes, with ARP and IPv4 EtherTypes. */
	for (unsigned i = 0; i < 2000; i++) {
		for (size_t k = 0; k < sizeof(junk); k++)
			junk[k] = (uint8_t)((i * 131 + k * 7919) ^ (k << (i % 5)));
		junk[12] = 0x08;
		junk[13] = i % 2 ? 0x06 : 0x00;
		feed(f, T0, junk, i % sizeof(junk));
	}
	assert_int_equal(watch_counters(f->w)->frames, 42 + 1 + 2000);
}

static void test_restore_is_not_new_and_dirty_tracking(void **state)
{
	struct fixture *f = *state;
	struct watch_station_record rec, back;
	size_t cursor = 0, taken = 0;

	memset(&rec, 0, sizeof(rec));
	rec.ip = ip("192.0.2.10");
	rec.vlan = VLAN_NONE;
	rec.iface = 0;
	rec.mac = mac_a;
	rec.prev_mac = mac_b;
	rec.has_prev = true;
	rec.first_seen = 1600000000;
	rec.last_seen = 1600000100;
	rec.mac_since_ns = T0 - 100 * SEC;
	assert_int_equal(watch_restore(f->w, &rec), 0);
	assert_int_equal(watch_dirty_count(f->w), 0);
	assert_int_equal(request(f, T0, &mac_a, "192.0.2.10", "192.0.2.1"), 0);
	assert_int_equal(watch_dirty_count(f->w), 1); /* last_seen moved */
	/* Restored previous MAC still makes a flip-flop (A took over 100 s ago). */
	assert_int_equal(announce(f, T0 + 5 * SEC, &mac_b, "192.0.2.10"), 2);
	assert_int_equal(get(f, WATCH_FLIP_FLOP)->kind, WATCH_FLIP_FLOP);
	request(f, T0, &mac_c, "192.0.2.99", "192.0.2.1");
	while (watch_take_dirty(f->w, &cursor, &back))
		taken++;
	assert_int_equal(taken, 2);
	assert_int_equal(watch_dirty_count(f->w), 0);
	/* Same second, nothing new: stays clean. */
	request(f, T0, &mac_c, "192.0.2.99", "192.0.2.1");
	assert_int_equal(watch_dirty_count(f->w), 0);
	assert_true(watch_lookup(f->w, ip("192.0.2.10"), VLAN_NONE, 0, &back));
	assert_int_equal(back.first_seen, 1600000000);
	assert_true(mac_equal(&back.mac, &mac_b));
}

static void test_many_stations_compact_and_bounded(void **state)
{
	struct watch *w;
	struct watch_config cfg;
	uint8_t buf[FRAME_MAX];
	size_t news = 0;

	(void)state;
	watch_config_default(&cfg);
	cfg.max_stations = 100000;
	assert_int_equal(watch_create(&w, &cfg, NULL, NULL), 0);
	assert_int_equal(watch_iface(w, "eth0"), 0);
	for (uint32_t i = 0; i < 100010; i++) {
		struct arp_frame a;
		struct mac m = {{0x02, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
		struct in_addr addr = {htonl(0x0a000000u + i + 1)};

		arp_make_request(&a, &m, addr, ip("10.255.255.254"), &mac_broadcast);
		news += watch_frame(w, 0, T0, buf, arp_encode(&a, buf, sizeof(buf)));
	}
	assert_int_equal(news, 100000);
	assert_int_equal(watch_station_count(w), 100000);
	assert_int_equal(watch_counters(w)->table_full, 10);
	assert_true(watch_memory(w) / 100000 <= 200);
	watch_free(w);
}


static const struct mac mac_d = {{0x02, 0, 0, 0, 0, 0x0d}}; /* an LVS director */
static const struct mac mac_s = {{0x02, 0, 0, 0, 0, 0x21}}; /* a real server */
static const struct mac mac_n = {{0x02, 0, 0, 0, 0, 0x77}}; /* a neighbour */

#define MS 1000000ull
#define W (2 * SEC) /* the default conflict window */

static const struct mac *holder(struct fixture *f, const char *addr)
{
	static struct watch_station_record rec;

	assert_true(watch_lookup(f->w, ip(addr), VLAN_NONE, 0, &rec));
	return &rec.mac;
}

/* A fast failover: B announces 5 ms after A's last answer, and A never claims again. */
static void test_fast_failover_is_a_move(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.11");
	reply(f, T0 + 1 * MS, &mac_a, "192.0.2.11");
	/* B is the holder at once, but the verdict waits for the window. */
	assert_int_equal(announce(f, T0 + 5 * MS, &mac_b, "192.0.2.11"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_GRATUITOUS);
	assert_true(mac_equal(holder(f, "192.0.2.11"), &mac_b));
	/* Traffic to A inside the window is not judged yet. */
	assert_int_equal(echo(f, T0 + 500 * MS, &mac_r, &mac_a, "198.51.100.10", "192.0.2.11"), 0);
	assert_int_equal(announce(f, T0 + 1 * SEC, &mac_b, "192.0.2.11"), 0); /* burst repeat */
	assert_int_equal(expire(f, T0 + 5 * MS + W), 0);
	/* The next frame after the window closes gives the move, dated at B's claim. */
	assert_int_equal(echo(f, T0 + 5 * MS + W + 1, &mac_r, &mac_a, "198.51.100.10",
			      "192.0.2.11"), 2);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_CHANGED_MAC);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(e->time_ns, T0 + 5 * MS);
	assert_int_equal(e->arp_op, ARP_OP_REQUEST);
	/* ... then the router, still sending to A, is stale. */
	e = &f->ev[1];
	assert_int_equal(e->kind, WATCH_STALE_CACHE);
	assert_true(mac_equal(&e->sender_mac, &mac_r));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(e->sender_ip.s_addr, ip("192.0.2.1").s_addr);
	/* Neighbours sending to the new holder are never stale. */
	assert_int_equal(echo(f, T0 + 3 * SEC, &mac_n, &mac_b, "192.0.2.77", "192.0.2.11"), 0);
	assert_int_equal(watch_counters(f->w)->events[WATCH_CONFLICT], 0);
	/* A later move back is a flip-flop. */
	assert_int_equal(announce(f, T0 + 60 * SEC, &mac_a, "192.0.2.11"), 2);
	e = get(f, WATCH_FLIP_FLOP);
	assert_true(mac_equal(&e->mac, &mac_a));
	assert_true(mac_equal(&e->old_mac, &mac_b));
}

/* A claims again inside B's window: both keep claiming, a conflict naming both. */
static void test_overlap_after_the_change_is_a_conflict(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	reply(f, T0, &mac_a, "192.0.2.12");
	assert_int_equal(announce(f, T0 + 10 * MS, &mac_b, "192.0.2.12"), 1);
	assert_int_equal(reply(f, T0 + 500 * MS, &mac_a, "192.0.2.12"), 1);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_CONFLICT);
	assert_true(mac_equal(&e->mac, &mac_a));
	assert_true(mac_equal(&e->old_mac, &mac_b));
	assert_int_equal(e->age_ns, 490 * MS);
	/* No move is ever reported for it. */
	assert_int_equal(expire(f, T0 + 10 * SEC), 0);
	/* While both keep claiming: counted, not reported again; the table does not move. */
	assert_int_equal(announce(f, T0 + 1 * SEC, &mac_b, "192.0.2.12"), 0);
	assert_int_equal(reply(f, T0 + 1500 * MS, &mac_a, "192.0.2.12"), 0);
	assert_int_equal(watch_counters(f->w)->repeats[WATCH_CONFLICT], 1);
	assert_true(mac_equal(holder(f, "192.0.2.12"), &mac_b));
	/* No stale-cache while they fight over it. */
	assert_int_equal(echo(f, T0 + 1600 * MS, &mac_r, &mac_a, "198.51.100.10", "192.0.2.12"), 0);
	/* A stays silent for the window: over; B's next claim is an ordinary one. */
	assert_int_equal(announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.12"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_GRATUITOUS);
}

/* The other way round: B took over long after A's last claim (a move at once), then A
 * claims inside B's window (a provisional move back) and B claims again: a conflict. */
static void test_overlap_the_other_way(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	request(f, T0, &mac_a, "192.0.2.13", "192.0.2.1");
	assert_int_equal(announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.13"), 2);
	assert_true(has(f, WATCH_CHANGED_MAC));
	assert_int_equal(announce(f, T0 + 10500 * MS, &mac_a, "192.0.2.13"), 1);
	assert_true(mac_equal(holder(f, "192.0.2.13"), &mac_a));
	assert_int_equal(announce(f, T0 + 11 * SEC, &mac_b, "192.0.2.13"), 2);
	e = get(f, WATCH_CONFLICT);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(expire(f, T0 + 60 * SEC), 0);
	assert_int_equal(watch_counters(f->w)->events[WATCH_FLIP_FLOP], 0);
	/* Two answers to one question are a conflict at once. */
	reply(f, T0 + 100 * SEC, &mac_c, "192.0.2.14");
	assert_int_equal(reply(f, T0 + 100 * SEC + 3 * MS, &mac_a, "192.0.2.14"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CONFLICT);
	assert_true(mac_equal(holder(f, "192.0.2.14"), &mac_c));
}

/* Three MACs inside one window: each change closes the previous verdict. */
static void test_three_macs(void **state)
{
	struct fixture *f = *state;

	reply(f, T0, &mac_a, "192.0.2.15");
	assert_int_equal(announce(f, T0 + 10 * MS, &mac_b, "192.0.2.15"), 1);
	assert_int_equal(announce(f, T0 + 20 * MS, &mac_c, "192.0.2.15"), 2);
	assert_int_equal(f->ev[0].kind, WATCH_GRATUITOUS);
	assert_int_equal(f->ev[1].kind, WATCH_CHANGED_MAC);
	assert_true(mac_equal(&f->ev[1].mac, &mac_b));
	assert_true(mac_equal(&f->ev[1].old_mac, &mac_a));
	assert_int_equal(f->ev[1].time_ns, T0 + 10 * MS);
	assert_int_equal(expire(f, T0 + 3 * SEC), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CHANGED_MAC);
	assert_true(mac_equal(&f->ev[0].mac, &mac_c));
	assert_true(mac_equal(&f->ev[0].old_mac, &mac_b));
	assert_true(mac_equal(holder(f, "192.0.2.15"), &mac_c));
}

/* The old holder claims again after the window: a flip-flop, at once when the new holder
 * has been quiet for the window, else when the window of that claim closes. */
static void test_old_holder_after_the_window(void **state)
{
	struct fixture *f = *state;

	reply(f, T0, &mac_a, "192.0.2.16");
	announce(f, T0 + 10 * MS, &mac_b, "192.0.2.16");
	assert_int_equal(expire(f, T0 + 3 * SEC), 1);
	assert_int_equal(announce(f, T0 + 5 * SEC, &mac_a, "192.0.2.16"), 2);
	assert_true(has(f, WATCH_FLIP_FLOP));
	/* B answers, and A announces 1 s later: provisional, a flip-flop when nothing follows. */
	assert_int_equal(announce(f, T0 + 20 * SEC, &mac_b, "192.0.2.16"), 2);
	assert_true(has(f, WATCH_FLIP_FLOP));
	assert_int_equal(announce(f, T0 + 21 * SEC, &mac_a, "192.0.2.16"), 1);
	assert_int_equal(watch_finish(f->w), 1);
	assert_int_equal(watch_counters(f->w)->events[WATCH_FLIP_FLOP], 3);
	assert_int_equal(watch_counters(f->w)->events[WATCH_CONFLICT], 0);
}

/* A neighbour reported stale sends to the right MAC: the story closes. */
static void test_stale_cache_cleared(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.17");
	request(f, T0, &mac_a, "192.0.2.17", "192.0.2.1");
	announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.17");
	assert_int_equal(echo(f, T0 + 11 * SEC, &mac_r, &mac_a, "198.51.100.1", "192.0.2.17"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_STALE_CACHE);
	/* Another neighbour was never stale: nothing to clear. */
	assert_int_equal(echo(f, T0 + 12 * SEC, &mac_n, &mac_b, "192.0.2.77", "192.0.2.17"), 0);
	assert_int_equal(echo(f, T0 + 40 * SEC, &mac_r, &mac_b, "198.51.100.1", "192.0.2.17"), 1);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_STALE_CLEARED);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_true(mac_equal(&e->sender_mac, &mac_r));
	assert_true(e->has_sender_ip);
	assert_int_equal(e->sender_ip.s_addr, ip("192.0.2.1").s_addr);
	assert_int_equal(e->age_ns, 29 * SEC);
	/* Once. */
	assert_int_equal(echo(f, T0 + 41 * SEC, &mac_r, &mac_b, "198.51.100.1", "192.0.2.17"), 0);
	/* Stale again later: reported again, not a repeat. */
	assert_int_equal(echo(f, T0 + 42 * SEC, &mac_r, &mac_a, "198.51.100.1", "192.0.2.17"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_STALE_CACHE);
}

/* The LVS director D answers for the VIP; a real server with arp_announce=0 asks for the
 * router from the VIP. */
static void lvs_start(struct fixture *f)
{
	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.100");
	reply(f, T0 + 1 * MS, &mac_d, "192.0.2.100");
	request(f, T0 + 2 * SEC, &mac_s, "192.0.2.21", "192.0.2.1"); /* its own address */
	assert_int_equal(request(f, T0 + 30 * SEC, &mac_s, "192.0.2.100", "192.0.2.1"), 0);
}

static void assert_leak(const struct fixture *f, uint64_t when)
{
	const struct watch_event *e = get(f, WATCH_ARP_LEAK);

	assert_true(mac_equal(&e->mac, &mac_s));
	assert_true(mac_equal(&e->old_mac, &mac_d));
	assert_int_equal(e->ip.s_addr, ip("192.0.2.100").s_addr);
	assert_int_equal(e->time_ns, when);
	assert_int_equal(e->arp_op, ARP_OP_REQUEST);
	assert_false(has(f, WATCH_FLIP_FLOP) || has(f, WATCH_CHANGED_MAC));
}

static void test_arp_leak_when_the_holder_answers(void **state)
{
	struct fixture *f = *state;

	lvs_start(f);
	assert_true(mac_equal(holder(f, "192.0.2.100"), &mac_d));
	assert_int_equal(request(f, T0 + 30 * SEC + 1 * MS, &mac_s, "192.0.2.100", "192.0.2.1"), 0);
	assert_int_equal(reply(f, T0 + 31 * SEC, &mac_d, "192.0.2.100"), 1);
	assert_leak(f, T0 + 30 * SEC);
	assert_true(mac_equal(holder(f, "192.0.2.100"), &mac_d));
	assert_int_equal(watch_finish(f->w), 0);
	/* A known leaker asking again, even with the director silent for long, is a leak at
	 * once: counted within the minute, reported after it; never a move. */
	assert_int_equal(request(f, T0 + 60 * SEC, &mac_s, "192.0.2.100", "192.0.2.1"), 0);
	assert_int_equal(watch_counters(f->w)->repeats[WATCH_ARP_LEAK], 1);
	assert_int_equal(request(f, T0 + 90 * SEC, &mac_s, "192.0.2.100", "192.0.2.1"), 1);
	assert_leak(f, T0 + 90 * SEC);
	assert_int_equal(watch_finish(f->w), 0);
	assert_true(mac_equal(holder(f, "192.0.2.100"), &mac_d));
	/* If it ever answers for the VIP, that is judged as any answer: here a move. */
	assert_int_equal(reply(f, T0 + 200 * SEC, &mac_s, "192.0.2.100"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CHANGED_MAC);
}

static void test_arp_leak_when_the_holder_is_alive(void **state)
{
	struct fixture *f = *state;

	lvs_start(f);
	/* D sends traffic of its own inside the window: it is alive and still holds the VIP. */
	assert_int_equal(echo(f, T0 + 30500 * MS, &mac_d, &mac_r, "192.0.2.100", "198.51.100.10"), 0);
	assert_int_equal(expire(f, T0 + 33 * SEC), 1);
	assert_leak(f, T0 + 30 * SEC);
	assert_true(mac_equal(holder(f, "192.0.2.100"), &mac_d));
}

/* D was heard just before the request (a director in service) and is silent after:
 * still a leak. A fast "failover" by request alone is judged the same way. */
static void test_arp_leak_when_the_holder_was_just_heard(void **state)
{
	struct fixture *f = *state;

	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.100");
	reply(f, T0 + 1 * MS, &mac_d, "192.0.2.100");
	request(f, T0 + 2 * SEC, &mac_s, "192.0.2.21", "192.0.2.1");
	echo(f, T0 + 29900 * MS, &mac_d, &mac_n, "192.0.2.100", "192.0.2.77");
	assert_int_equal(request(f, T0 + 30 * SEC, &mac_s, "192.0.2.100", "192.0.2.1"), 0);
	assert_int_equal(expire(f, T0 + 33 * SEC), 1);
	assert_leak(f, T0 + 30 * SEC);
}

/* A genuine move where the new host only sends requests: the old holder is gone. */
static void test_request_only_move(void **state)
{
	struct fixture *f = *state;
	const struct watch_event *e;

	reply(f, T0, &mac_a, "192.0.2.18");
	assert_int_equal(request(f, T0 + 30 * SEC, &mac_b, "192.0.2.18", "192.0.2.1"), 0);
	assert_true(mac_equal(holder(f, "192.0.2.18"), &mac_a));
	/* Other stations' traffic is no sign of A. */
	echo(f, T0 + 31 * SEC, &mac_r, &mac_n, "198.51.100.1", "192.0.2.77");
	assert_int_equal(expire(f, T0 + 33 * SEC), 1);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_CHANGED_MAC);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_int_equal(e->time_ns, T0 + 30 * SEC);
	assert_int_equal(e->age_ns, 30 * SEC);
	assert_true(mac_equal(holder(f, "192.0.2.18"), &mac_b));
	assert_int_equal(echo(f, T0 + 34 * SEC, &mac_r, &mac_a, "198.51.100.1", "192.0.2.18"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_STALE_CACHE);
	/* B never answered for it; when A answers again, B was leaking after all. */
	assert_int_equal(reply(f, T0 + 50 * SEC, &mac_a, "192.0.2.18"), 1);
	e = &f->ev[0];
	assert_int_equal(e->kind, WATCH_ARP_LEAK);
	assert_true(mac_equal(&e->mac, &mac_b));
	assert_true(mac_equal(&e->old_mac, &mac_a));
	assert_true(mac_equal(holder(f, "192.0.2.18"), &mac_a));
}

/* Once the new host answers for the address, its move is settled: A's return flip-flops. */
static void test_request_move_confirmed_by_an_answer(void **state)
{
	struct fixture *f = *state;

	reply(f, T0, &mac_a, "192.0.2.19");
	request(f, T0 + 30 * SEC, &mac_b, "192.0.2.19", "192.0.2.1");
	/* B answers inside the window: a move at once (A silent for 30 s). */
	assert_int_equal(reply(f, T0 + 31 * SEC, &mac_b, "192.0.2.19"), 1);
	assert_int_equal(f->ev[0].kind, WATCH_CHANGED_MAC);
	assert_int_equal(f->ev[0].arp_op, ARP_OP_REPLY);
	assert_int_equal(expire(f, T0 + 40 * SEC), 0);
	assert_int_equal(announce(f, T0 + 50 * SEC, &mac_a, "192.0.2.19"), 2);
	assert_true(has(f, WATCH_FLIP_FLOP));
}

/* Stale-cache bait from random MACs: the limit's memory does not grow, and the known
 * sender is not forgotten (reported again) because of it. */
static void test_stale_limit_bounded_against_bait(void **state)
{
	struct fixture *f = *state;
	size_t memory;

	request(f, T0, &mac_r, "192.0.2.1", "192.0.2.20");
	request(f, T0, &mac_a, "192.0.2.20", "192.0.2.1");
	announce(f, T0 + 10 * SEC, &mac_b, "192.0.2.20");
	assert_int_equal(echo(f, T0 + 11 * SEC, &mac_r, &mac_a, "198.51.100.1", "192.0.2.20"), 1);
	memory = watch_memory(f->w);
	for (uint32_t i = 0; i < 200000; i++) {
		struct mac bait = {{0x02, 0xba, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
				    (uint8_t)(i >> 8), (uint8_t)i}};

		echo(f, T0 + 12 * SEC + i, &bait, &mac_a, "203.0.113.9", "192.0.2.20");
	}
	assert_int_equal(watch_memory(f->w), memory);
	assert_int_equal(echo(f, T0 + 20 * SEC, &mac_r, &mac_a, "198.51.100.1", "192.0.2.20"), 0);
	assert_int_equal(watch_counters(f->w)->events[WATCH_STALE_CACHE], 200001);
}

static void test_iface_find(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(watch_iface_find(f->w, "eth0"), 0);
	assert_int_equal(watch_iface_find(f->w, "eth9"), -ENOENT);
	/* Finding does not add. */
	assert_int_equal(watch_iface(f->w, "eth9"), 1);
}

static void test_iface_names(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(watch_iface(f->w, "eth0"), 0);
	assert_int_equal(watch_iface(f->w, ""), -EINVAL);
	assert_int_equal(watch_iface(f->w, "a-name-too-long-for-linux"), -EINVAL);
	assert_string_equal(watch_iface_name(f->w, 0), "eth0");
	assert_string_equal(watch_event_name(WATCH_STALE_CACHE), "stale-cache");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_station_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_mac_then_flip_flop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_keeps_holder_and_rate_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_window_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gratuitous_repeats_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bogon_by_subnet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ether_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_cache_names_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_and_iface_are_separate_stations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_counted_never_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_is_not_new_and_dirty_tracking, setup, teardown),
		cmocka_unit_test(test_many_stations_compact_and_bounded),
		cmocka_unit_test_setup_teardown(test_iface_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_failover_is_a_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_after_the_change_is_a_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_the_other_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_macs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_holder_after_the_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_cache_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_leak_when_the_holder_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_leak_when_the_holder_is_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_leak_when_the_holder_was_just_heard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_only_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_move_confirmed_by_an_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_limit_bounded_against_bait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_find, setup, teardown),
	};

	return cmocka_run_group_tests_name("watch_events", tests, NULL, NULL);
}
