/*
 * The daemon's bookkeeping (lib/addrwatch), fed by hand: bursts batch, link changes
 * re-queue, removals stop, reconciliation finds what events lost, conflicts are
 * answered at most once per interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "addrwatch.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

#define MS NS_PER_MS
#define T0 (1000 * NS_PER_SEC)

static struct nl_link make_link(int ifindex, const char *name, uint8_t mac_last, bool up)
{
	struct nl_link l;

	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.flags = up ? IFF_UP | IFF_RUNNING : 0;
	l.type = ARPHRD_ETHER;
	l.mac.octet[0] = 0x02;
	l.mac.octet[5] = mac_last;
	l.has_mac = true;
	l.carrier = up;
	return l;
}

static struct nl_addr make_addr(int ifindex, const char *text)
{
	struct nl_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	assert_int_equal(ipaddr_parse(text, AF_INET, &a.addr), 0);
	a.prefixlen = 24;
	a.scope = RT_SCOPE_UNIVERSE;
	return a;
}

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static void setup_watch(struct addrwatch *w)
{
	struct aw_timing t;
	struct nl_link eth0 = make_link(2, "eth0", 0x10, true);

	aw_timing_default(&t);
	assert_int_equal(aw_init(w, &t, T0), 0);
	assert_int_equal(aw_link_update(w, &eth0, T0), AW_LINK_NEW | AW_LINK_WATCHED | AW_LINK_UP);
}

static void test_burst_batches_additions(void **state)
{
	struct addrwatch w;
	struct aw_due due[16];
	struct nl_addr a;
	uint64_t now = T0;

	(void)state;
	setup_watch(&w);
	assert_int_equal(aw_next_due(&w), UINT64_MAX);
	/* Additions 5 ms apart keep the burst open: nothing is due until 20 ms of quiet. */
	for (int i = 0; i < 5; i++, now += 5 * MS) {
		char text[32];

		snprintf(text, sizeof(text), "192.0.2.%d", 10 + i);
		a = make_addr(2, text);
		assert_int_equal(aw_addr_update(&w, &a, now), 1);
		assert_int_equal(aw_collect_due(&w, now, due, 16), 0);
	}
	assert_int_equal(aw_addr_update(&w, &a, now), 0); /* already held */
	assert_int_equal(aw_next_due(&w), T0 + 20 * MS + 20 * MS);
	assert_int_equal(aw_collect_due(&w, T0 + 39 * MS, due, 16), 0);
	assert_int_equal(aw_collect_due(&w, T0 + 40 * MS, due, 16), 5);
	assert_int_equal(due[0].reason, AW_REASON_ADDED);
	assert_int_equal(due[0].ifindex, 2);
	assert_int_equal(aw_next_due(&w), UINT64_MAX);
	assert_int_equal(aw_collect_due(&w, T0 + 50 * MS, due, 16), 0);
	aw_free(&w);
}

static void test_burst_is_bounded(void **state)
{
	struct addrwatch w;
	struct aw_due due[512];
	uint64_t now = T0;

	(void)state;
	setup_watch(&w);
	/* A steady trickle every 10 ms never leaves 20 ms of quiet: 200 ms caps it. */
	for (int i = 0; i < 30; i++, now += 10 * MS) {
		char text[32];
		struct nl_addr a;

		snprintf(text, sizeof(text), "10.0.%d.%d", i / 200, i % 200 + 1);
		a = make_addr(2, text);
		aw_addr_update(&w, &a, now);
		if (now < T0 + 200 * MS)
			assert_int_equal(aw_collect_due(&w, now, due, 512), 0);
	}
	assert_int_equal(aw_next_due(&w), T0 + 200 * MS);
	assert_int_equal(aw_collect_due(&w, T0 + 200 * MS, due, 512), 30);
	aw_free(&w);
}

static void test_many_addresses_and_removal(void **state)
{
	struct addrwatch w;
	static struct aw_due due[2048];
	size_t total = 0, n;

	(void)state;
	setup_watch(&w);
	for (int i = 0; i < 1500; i++) {
		char text[32];
		struct nl_addr a;

		snprintf(text, sizeof(text), "10.1.%d.%d", i / 250, i % 250 + 1);
		a = make_addr(2, text);
		assert_int_equal(aw_addr_update(&w, &a, T0), 1);
	}
	assert_int_equal(w.addr_count, 1500);
	assert_int_equal(aw_iface_find(&w, 2)->held, 1500);
	/* Remove every third, then check every survivor is still found. */
	for (int i = 0; i < 1500; i += 3) {
		char text[32];

		snprintf(text, sizeof(text), "10.1.%d.%d", i / 250, i % 250 + 1);
		assert_int_equal(aw_addr_remove(&w, 2, ip(text)), 1);
		assert_int_equal(aw_addr_remove(&w, 2, ip(text)), 0);
	}
	for (int i = 0; i < 1500; i++) {
		char text[32];

		snprintf(text, sizeof(text), "10.1.%d.%d", i / 250, i % 250 + 1);
		assert_int_equal(aw_addr_find(&w, 2, ip(text)) != NULL, i % 3 != 0);
	}
	/* Handed over in chunks; removed addresses are not among them. */
	while ((n = aw_collect_due(&w, T0 + NS_PER_SEC, due, 300)) > 0)
		total += n;
	assert_int_equal(total, 1000);
	aw_free(&w);
}

static void test_link_changes_requeue(void **state)
{
	struct addrwatch w;
	struct aw_due due[8];
	struct nl_addr a = make_addr(2, "192.0.2.10"), b = make_addr(2, "192.0.2.11");
	struct nl_link down = make_link(2, "eth0", 0x10, false);
	struct nl_link up = make_link(2, "eth0", 0x10, true);
	struct nl_link moved = make_link(2, "eth0", 0x20, true);

	(void)state;
	setup_watch(&w);
	aw_addr_update(&w, &a, T0);
	aw_addr_update(&w, &b, T0);
	assert_int_equal(aw_collect_due(&w, T0 + NS_PER_SEC, due, 8), 2);

	assert_int_equal(aw_link_update(&w, &down, T0 + 2 * NS_PER_SEC), AW_LINK_DOWN);
	assert_int_equal(aw_next_due(&w), UINT64_MAX);
	/* Coming back up re-announces everything at once, no burst wait. */
	assert_int_equal(aw_link_update(&w, &up, T0 + 3 * NS_PER_SEC), AW_LINK_UP);
	assert_int_equal(aw_collect_due(&w, T0 + 3 * NS_PER_SEC, due, 8), 2);
	assert_int_equal(due[0].reason, AW_REASON_LINK_UP);
	/* Same state again: nothing to do. */
	assert_int_equal(aw_link_update(&w, &up, T0 + 4 * NS_PER_SEC), 0);
	assert_int_equal(aw_collect_due(&w, T0 + 4 * NS_PER_SEC, due, 8), 0);

	assert_int_equal(aw_link_update(&w, &moved, T0 + 5 * NS_PER_SEC), AW_LINK_MAC);
	assert_int_equal(aw_collect_due(&w, T0 + 5 * NS_PER_SEC, due, 8), 2);
	assert_int_equal(due[1].reason, AW_REASON_MAC_CHANGE);

	/* Added while down: dropped, then announced when the link comes up. */
	aw_link_update(&w, &down, T0 + 6 * NS_PER_SEC);
	a = make_addr(2, "192.0.2.12");
	aw_addr_update(&w, &a, T0 + 6 * NS_PER_SEC);
	assert_int_equal(aw_collect_due(&w, T0 + 7 * NS_PER_SEC, due, 8), 0);
	assert_int_equal(aw_link_update(&w, &moved, T0 + 8 * NS_PER_SEC), AW_LINK_UP | AW_LINK_MAC);
	assert_int_equal(aw_collect_due(&w, T0 + 8 * NS_PER_SEC, due, 8), 3);
	aw_free(&w);
}

static void test_watch_list(void **state)
{
	struct addrwatch w;
	struct aw_due due[8];
	struct nl_link eth1 = make_link(3, "eth1", 0x30, true);
	struct nl_link lo = make_link(1, "lo", 0, true);
	struct nl_addr a = make_addr(3, "198.51.100.5"), loopback = make_addr(1, "127.0.0.1");
	const char *names[] = {"eth0"};

	(void)state;
	setup_watch(&w);
	lo.type = ARPHRD_LOOPBACK;
	lo.flags |= IFF_LOOPBACK;
	lo.has_mac = false;
	assert_int_equal(aw_set_watch(&w, names, 1), 0);
	aw_rewatch(&w, T0, NULL, NULL);
	assert_int_equal(aw_link_update(&w, &eth1, T0), AW_LINK_NEW | AW_LINK_UP);
	assert_int_equal(aw_link_update(&w, &lo, T0), AW_LINK_NEW | AW_LINK_UP);
	aw_addr_update(&w, &a, T0);
	loopback.scope = RT_SCOPE_HOST;
	assert_int_equal(aw_addr_update(&w, &loopback, T0), 0);
	assert_int_equal(aw_collect_due(&w, T0 + NS_PER_SEC, due, 8), 0);
	/* Watching every interface again queues eth1's address (lo never). */
	assert_int_equal(aw_set_watch(&w, NULL, 0), 0);
	aw_rewatch(&w, T0 + NS_PER_SEC, NULL, NULL);
	assert_int_equal(aw_collect_due(&w, T0 + 2 * NS_PER_SEC, due, 8), 1);
	assert_int_equal(due[0].ifindex, 3);
	assert_int_equal(aw_set_watch(&w, names, AW_MAX_WATCH + 1), -E2BIG);
	aw_free(&w);
}

static void gone_cb(int ifindex, void *ctx)
{
	*(int *)ctx = ifindex;
}

static void test_reconcile(void **state)
{
	struct addrwatch w;
	struct aw_due due[8];
	struct nl_link eth0 = make_link(2, "eth0", 0x10, true);
	struct nl_link eth1 = make_link(3, "eth1", 0x30, true);
	struct nl_addr kept = make_addr(2, "192.0.2.10"), lost = make_addr(2, "192.0.2.11");
	struct nl_addr missed = make_addr(2, "192.0.2.12"), other = make_addr(3, "198.51.100.5");
	int gone = 0;

	(void)state;
	setup_watch(&w);
	aw_link_update(&w, &eth1, T0);
	aw_addr_update(&w, &kept, T0);
	aw_addr_update(&w, &lost, T0);
	aw_addr_update(&w, &other, T0);
	aw_collect_due(&w, T0 + NS_PER_SEC, due, 8);

	/* The dump shows eth0 with `kept` and `missed`; eth1 is gone. */
	aw_reconcile_begin(&w);
	assert_int_equal(aw_link_update(&w, &eth0, T0 + 2 * NS_PER_SEC), 0);
	assert_int_equal(aw_addr_update(&w, &kept, T0 + 2 * NS_PER_SEC), 0);
	assert_int_equal(aw_addr_update(&w, &missed, T0 + 2 * NS_PER_SEC), 1);
	aw_reconcile_end(&w, gone_cb, &gone);
	assert_int_equal(gone, 3);
	assert_null(aw_iface_find(&w, 3));
	assert_null(aw_addr_find(&w, 2, lost.addr.v4));
	assert_null(aw_addr_find(&w, 3, other.addr.v4));
	assert_int_equal(aw_iface_find(&w, 2)->held, 2);
	/* Only the address the events missed is announced. */
	assert_int_equal(aw_collect_due(&w, T0 + 3 * NS_PER_SEC, due, 8), 1);
	assert_int_equal(due[0].addr.s_addr, missed.addr.v4.s_addr);
	aw_free(&w);
}

static struct arp_frame claim(const char *addr, uint8_t mac_last)
{
	struct arp_frame f;

	memset(&f, 0, sizeof(f));
	f.op = ARP_OP_REQUEST;
	f.sha.octet[0] = 0x02;
	f.sha.octet[5] = mac_last;
	f.spa = ip(addr);
	f.tpa = ip("192.0.2.1");
	f.eth.vlan = VLAN_NONE;
	return f;
}

static void test_conflict_rate_limit(void **state)
{
	struct addrwatch w;
	struct aw_due due[8];
	struct nl_addr a = make_addr(2, "192.0.2.10");
	struct arp_frame theirs = claim("192.0.2.10", 0x99), ours = claim("192.0.2.10", 0x10);
	struct arp_frame stranger = claim("192.0.2.77", 0x99);
	const struct aw_addr *held;
	uint64_t when, now = T0 + NS_PER_SEC;

	(void)state;
	setup_watch(&w);
	aw_addr_update(&w, &a, T0);
	aw_collect_due(&w, now, due, 8);

	assert_int_equal(aw_on_arp(&w, 2, &ours, now, &when, &held), AW_CONFLICT_NONE);
	assert_int_equal(aw_on_arp(&w, 2, &stranger, now, &when, &held), AW_CONFLICT_NONE);
	assert_int_equal(aw_on_arp(&w, 3, &theirs, now, &when, &held), AW_CONFLICT_NONE);
	assert_int_equal(aw_on_arp(&w, 2, &theirs, now, &when, &held), AW_CONFLICT_NEW);
	assert_int_equal(when, now + 200 * MS);
	assert_int_equal(held->addr.s_addr, a.addr.v4.s_addr);
	/* A storm of claims: reported once, answered once after the hold-off. */
	for (int i = 1; i < 10; i++)
		assert_int_equal(aw_on_arp(&w, 2, &theirs, now + i * 10 * MS, &when, &held),
				 AW_CONFLICT_REPEAT);
	assert_int_equal(aw_collect_due(&w, now + 199 * MS, due, 8), 0);
	assert_int_equal(aw_collect_due(&w, now + 200 * MS, due, 8), 1);
	assert_int_equal(due[0].reason, AW_REASON_CONFLICT);
	now += 200 * MS;
	/* Claimed again right after: the next answer waits for the 5 s interval. */
	assert_int_equal(aw_on_arp(&w, 2, &theirs, now + 100 * MS, &when, &held), AW_CONFLICT_REPEAT);
	assert_int_equal(when, now + 5 * NS_PER_SEC);
	assert_int_equal(aw_collect_due(&w, now + 4 * NS_PER_SEC, due, 8), 0);
	assert_int_equal(aw_collect_due(&w, now + 5 * NS_PER_SEC, due, 8), 1);
	/* Once the interval has passed, a new claim is reported again. */
	assert_int_equal(aw_on_arp(&w, 2, &theirs, now + 6 * NS_PER_SEC, &when, &held),
			 AW_CONFLICT_NEW);
	/* A removed address is no conflict, and its pending answer is gone. */
	assert_int_equal(aw_addr_remove(&w, 2, a.addr.v4), 1);
	assert_int_equal(aw_collect_due(&w, now + 20 * NS_PER_SEC, due, 8), 0);
	assert_int_equal(aw_on_arp(&w, 2, &theirs, now + 21 * NS_PER_SEC, &when, &held),
			 AW_CONFLICT_NONE);
	aw_free(&w);
}

static void test_ipv4_only(void **state)
{
	struct addrwatch w;
	struct nl_addr a6 = make_addr(2, "192.0.2.1");

	(void)state;
	setup_watch(&w);
	/* The announce engine speaks ARP: an IPv6 record is none of its business. */
	assert_int_equal(ipaddr_parse("2001:db8::1", AF_INET6, &a6.addr), 0);
	a6.prefixlen = 64;
	assert_int_equal(aw_addr_update(&w, &a6, T0), 0);
	assert_int_equal(w.addr_count, 0);
	assert_int_equal(aw_next_due(&w), UINT64_MAX);
	aw_free(&w);
}

static void test_refresh(void **state)
{
	struct addrwatch w;
	struct aw_timing t;
	struct aw_due due[8];
	struct nl_addr a = make_addr(2, "192.0.2.10");

	(void)state;
	setup_watch(&w);
	aw_addr_update(&w, &a, T0);
	aw_collect_due(&w, T0 + NS_PER_SEC, due, 8);
	aw_timing_default(&t);
	t.refresh_ns = 60 * NS_PER_SEC;
	aw_set_timing(&w, &t, T0 + NS_PER_SEC);
	assert_int_equal(aw_next_due(&w), T0 + 61 * NS_PER_SEC);
	assert_int_equal(aw_collect_due(&w, T0 + 60 * NS_PER_SEC, due, 8), 0);
	assert_int_equal(aw_collect_due(&w, T0 + 61 * NS_PER_SEC, due, 8), 1);
	assert_int_equal(due[0].reason, AW_REASON_REFRESH);
	assert_int_equal(aw_next_due(&w), T0 + 121 * NS_PER_SEC);
	assert_true(aw_on_link(&w, 2, ip("192.0.2.1")));
	assert_false(aw_on_link(&w, 2, ip("192.0.3.1")));
	aw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_batches_additions),
		cmocka_unit_test(test_burst_is_bounded),
		cmocka_unit_test(test_many_addresses_and_removal),
		cmocka_unit_test(test_link_changes_requeue),
		cmocka_unit_test(test_watch_list),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_conflict_rate_limit),
		cmocka_unit_test(test_ipv4_only),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
