/* The LVS findings: each misconfiguration found once, with its exact fix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "lvs_audit.h"

enum { IDX_LO = 1, IDX_ETH0 = 2, IDX_ETH1 = 3 };

struct fixture {
	struct lvs_iface ifaces[3];
	struct nl_addr addrs[32];
	size_t addr_count;
	struct nl_neigh neighs[4];
	size_t neigh_count;
	struct in_addr vips[4];
	size_t vip_count;
	struct lvs_host host;
	lvs_finding_list findings;
};

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static void set_conf(struct lvs_conf *conf, int ignore, int announce)
{
	for (unsigned k = 0; k < SYSCTL_KEY_COUNT; k++)
		conf->value[k] = 0;
	conf->value[SYSCTL_ARP_IGNORE] = ignore;
	conf->value[SYSCTL_ARP_ANNOUNCE] = announce;
}

static void add_addr(struct fixture *f, int ifindex, const char *addr, unsigned prefixlen,
		     unsigned char scope)
{
	struct nl_addr *a = &f->addrs[f->addr_count++];

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->addr = ipaddr_v4(ip(addr));
	a->prefixlen = prefixlen;
	a->scope = scope;
}

static void add_iface(struct fixture *f, unsigned slot, const char *name, int ifindex, bool loopback,
		      bool default_route)
{
	struct lvs_iface *ifc = &f->ifaces[slot];

	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->ifindex = ifindex;
	ifc->up = true;
	ifc->loopback = loopback;
	ifc->arp = !loopback;
	ifc->default_route = default_route;
}

/* A real server hidden as hide makes it: VIP/32 scope host on lo, 1/2 on all and eth0/eth1. */
static struct fixture *clean_real_server(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	add_iface(f, 0, "lo", IDX_LO, true, false);
	add_iface(f, 1, "eth0", IDX_ETH0, false, true);
	add_iface(f, 2, "eth1", IDX_ETH1, false, false);
	set_conf(&f->ifaces[0].conf, 0, 0);
	set_conf(&f->ifaces[1].conf, 1, 2);
	set_conf(&f->ifaces[2].conf, 1, 2);
	set_conf(&f->host.all, 1, 2);
	add_addr(f, IDX_LO, "127.0.0.1", 8, RT_SCOPE_HOST);
	add_addr(f, IDX_ETH0, "192.0.2.21", 24, RT_SCOPE_UNIVERSE);
	add_addr(f, IDX_ETH1, "10.9.0.2", 24, RT_SCOPE_UNIVERSE);
	add_addr(f, IDX_LO, "192.0.2.100", 32, RT_SCOPE_HOST);
	return f;
}

static size_t audit(struct fixture *f)
{
	f->host.ifaces = f->ifaces;
	f->host.iface_count = 3;
	f->host.addrs = f->addrs;
	f->host.addr_count = f->addr_count;
	f->host.neighs = f->neighs;
	f->host.neigh_count = f->neigh_count;
	f->host.vips = f->vips;
	f->host.vip_count = f->vip_count;
	lvs_findings_free(&f->findings);
	assert_int_equal(lvs_audit(&f->host, &f->findings), 0);
	return f->findings.count;
}

static const struct lvs_finding *finding(const struct fixture *f, enum lvs_check check,
					 const char *iface)
{
	for (size_t i = 0; i < f->findings.count; i++)
		if (f->findings.items[i].check == check && !strcmp(f->findings.items[i].iface, iface))
			return &f->findings.items[i];
	return NULL;
}

static void done(struct fixture *f)
{
	lvs_findings_free(&f->findings);
	free(f);
}

/* The VIPs a finding names in its vips array, as "a b c". */
static const char *vips_of(const struct lvs_finding *x)
{
	static char buf[1024];
	char text[IPV4_STRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < x->vip_count; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, ipv4_format(x->vips[i], text));
	}
	return buf;
}

static void test_clean_real_server(void **state)
{
	struct fixture *f = clean_real_server();

	(void)state;
	assert_int_equal(audit(f), 0);
	assert_true(lvs_host_is_real_server(&f->host));
	done(f);
}

static void test_default_sysctls(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	set_conf(&f->host.all, 0, 0);
	set_conf(&f->ifaces[1].conf, 0, 0);
	set_conf(&f->ifaces[2].conf, 0, 0);
	assert_int_equal(audit(f), 4); /* ignore and announce, on eth0 and eth1 */
	x = finding(f, LVS_ARP_IGNORE, "eth0");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1");
	assert_non_null(strstr(x->problem, "192.0.2.100"));
	x = finding(f, LVS_ARP_ANNOUNCE, "eth1");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth1.arp_announce=2");
	done(f);
}

static void test_set_on_lo_only(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	f->host.all.value[SYSCTL_ARP_IGNORE] = 0;
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 0;
	f->ifaces[2].conf.value[SYSCTL_ARP_IGNORE] = 0;
	f->ifaces[0].conf.value[SYSCTL_ARP_IGNORE] = 1;
	assert_int_equal(audit(f), 2);
	x = finding(f, LVS_ARP_IGNORE, "eth0");
	assert_non_null(x);
	assert_non_null(strstr(x->problem, "arp_ignore=1 on lo has no effect"));
	done(f);
}

static void test_missing_on_all(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	f->host.all.value[SYSCTL_ARP_IGNORE] = 0;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_ARP_IGNORE_ALL, "all");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.all.arp_ignore=1");

	f->host.all.value[SYSCTL_ARP_IGNORE] = 1;
	f->host.all.value[SYSCTL_ARP_ANNOUNCE] = 1;
	assert_int_equal(audit(f), 1);
	assert_non_null(finding(f, LVS_ARP_ANNOUNCE_ALL, "all"));
	done(f);
}

static void test_max_rule(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	/* all=1 with eth0=0 hides (max); a reserved 4 on eth0 wins the max and replies. */
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 0;
	assert_int_equal(audit(f), 0);
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 4;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_ARP_IGNORE, "eth0");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.eth0.arp_ignore=1");
	assert_non_null(strstr(x->problem, "4 (max of all=1, eth0=4)"));
	/* arp_announce 1 still leaks a VIP in the target's subnet. */
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 1;
	f->host.all.value[SYSCTL_ARP_ANNOUNCE] = 1;
	f->ifaces[1].conf.value[SYSCTL_ARP_ANNOUNCE] = 1;
	f->ifaces[2].conf.value[SYSCTL_ARP_ANNOUNCE] = 1;
	assert_int_equal(audit(f), 2);
	assert_string_equal(finding(f, LVS_ARP_ANNOUNCE, "eth0")->fix,
			    "sysctl -w net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2");
	done(f);
}

static void test_arp_ignore_3_and_scope(void **state)
{
	struct fixture *f = clean_real_server();

	(void)state;
	f->host.all.value[SYSCTL_ARP_IGNORE] = 3;
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 3;
	f->ifaces[2].conf.value[SYSCTL_ARP_IGNORE] = 3;
	assert_int_equal(audit(f), 0);
	f->addrs[3].scope = RT_SCOPE_UNIVERSE; /* the VIP, added without "scope host" */
	assert_int_equal(audit(f), 2);
	assert_non_null(finding(f, LVS_ARP_IGNORE, "eth1"));
	done(f);
}

/*
 * Issue 10 item 3: one leaking scope-global VIP among twelve hidden ones. Each
 * finding names exactly the VIPs it is about: the arp_ignore findings only the
 * culprit, the arp_announce one all thirteen, none "and N more".
 */
static void test_findings_name_exactly_their_vips(void **state)
{
	struct fixture *f = clean_real_server();
	const char *hidden = "192.0.2.100 192.0.2.101 192.0.2.102 192.0.2.103 192.0.2.104 "
			     "192.0.2.105 192.0.2.106 192.0.2.107 192.0.2.108 192.0.2.109 "
			     "192.0.2.110 192.0.2.111";
	char all_thirteen[512], text[24];
	const struct lvs_finding *x;

	(void)state;
	for (int v = 101; v <= 111; v++) {
		snprintf(text, sizeof(text), "192.0.2.%d", v);
		add_addr(f, IDX_LO, text, 32, RT_SCOPE_HOST);
	}
	add_addr(f, IDX_LO, "192.0.2.150", 32, RT_SCOPE_UNIVERSE);
	snprintf(all_thirteen, sizeof(all_thirteen), "%s 192.0.2.150", hidden);
	f->host.all.value[SYSCTL_ARP_IGNORE] = 3;
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 3;
	f->ifaces[2].conf.value[SYSCTL_ARP_IGNORE] = 0;

	assert_int_equal(audit(f), 2);
	x = finding(f, LVS_ARP_IGNORE, "eth0");
	assert_non_null(x);
	assert_string_equal(vips_of(x), "192.0.2.150");
	assert_non_null(strstr(x->problem, "eth0 answers ARP for 192.0.2.150, not of scope host"));
	assert_non_null(strstr(x->problem, "which replies for any address not of scope host"));
	assert_non_null(strstr(x->problem, "`arpkit hide add 192.0.2.150` re-adds it"));
	assert_null(strstr(x->problem, "192.0.2.100"));
	assert_null(strstr(x->problem, "more"));
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.all.arp_ignore=1 "
				    "net.ipv4.conf.eth0.arp_ignore=1");
	x = finding(f, LVS_ARP_IGNORE, "eth1");
	assert_non_null(x);
	assert_string_equal(vips_of(x), "192.0.2.150");
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.all.arp_ignore=1 "
				    "net.ipv4.conf.eth1.arp_ignore=1");

	/* Every interface hides (8 never replies), all=3 does not: an interface that
	 * comes later answers for the culprit only. */
	f->ifaces[1].conf.value[SYSCTL_ARP_IGNORE] = 8;
	f->ifaces[2].conf.value[SYSCTL_ARP_IGNORE] = 8;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_ARP_IGNORE_ALL, "all");
	assert_non_null(x);
	assert_string_equal(vips_of(x), "192.0.2.150");
	assert_non_null(strstr(x->problem, "answers ARP for 192.0.2.150"));
	assert_null(strstr(x->problem, "192.0.2.111"));

	/* arp_announce is about every VIP: any of them may be the sender. */
	f->host.all.value[SYSCTL_ARP_IGNORE] = 1;
	f->ifaces[1].conf.value[SYSCTL_ARP_ANNOUNCE] = 0;
	f->host.all.value[SYSCTL_ARP_ANNOUNCE] = 0;
	f->ifaces[2].conf.value[SYSCTL_ARP_ANNOUNCE] = 2;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_ARP_ANNOUNCE, "eth0");
	assert_non_null(x);
	assert_string_equal(vips_of(x), all_thirteen);
	assert_non_null(strstr(x->problem, "may carry 192.0.2.100, 192.0.2.101, 192.0.2.102, "
					   "192.0.2.103, 192.0.2.104, 192.0.2.105, 192.0.2.106, "
					   "192.0.2.107, 192.0.2.108, 192.0.2.109, 192.0.2.110, "
					   "192.0.2.111, 192.0.2.150 as the sender"));
	done(f);
}

static void test_lo_mask(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	add_addr(f, IDX_LO, "192.0.2.101", 24, RT_SCOPE_UNIVERSE);
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_LO_MASK, "lo");
	assert_non_null(x);
	assert_string_equal(x->fix, "ip addr del 192.0.2.101/24 dev lo && ip addr add 192.0.2.101/32 "
				    "dev lo scope host");
	assert_non_null(strstr(x->problem, "192.0.2.0/24"));
	done(f);
}

static void test_vip_on_arp_interface(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	add_addr(f, IDX_ETH0, "192.0.2.100", 32, RT_SCOPE_UNIVERSE);
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_VIP_ON_ARP_IFACE, "eth0");
	assert_non_null(x);
	assert_string_equal(x->fix, "ip addr del 192.0.2.100/32 dev eth0");
	done(f);
}

static void test_director_is_not_a_real_server(void **state)
{
	struct fixture *f = clean_real_server();

	(void)state;
	/* The director: VIP on eth0, nothing on lo, default sysctls. */
	f->addr_count = 3;
	add_addr(f, IDX_ETH0, "192.0.2.100", 32, RT_SCOPE_UNIVERSE);
	set_conf(&f->host.all, 0, 0);
	set_conf(&f->ifaces[1].conf, 0, 0);
	set_conf(&f->ifaces[2].conf, 0, 0);
	f->vips[f->vip_count++] = ip("192.0.2.100");
	assert_false(lvs_host_is_real_server(&f->host));
	assert_int_equal(audit(f), 0);
	/* --real-server: the same host is a real server holding the VIP where it answers ARP. */
	f->host.force_real_server = true;
	assert_true(audit(f) >= 1);
	assert_non_null(finding(f, LVS_VIP_ON_ARP_IFACE, "eth0"));
	done(f);
}

static void test_rp_filter(void **state)
{
	struct fixture *f = clean_real_server();
	const struct lvs_finding *x;

	(void)state;
	f->ifaces[1].conf.value[SYSCTL_RP_FILTER] = 1; /* eth0 carries the default route: fine */
	assert_int_equal(audit(f), 0);
	f->ifaces[2].conf.value[SYSCTL_RP_FILTER] = 1;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_RP_FILTER, "eth1");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.eth1.rp_filter=2");
	/* A strict `all` makes eth1 strict too; loose on eth1 wins the max. */
	f->ifaces[2].conf.value[SYSCTL_RP_FILTER] = 0;
	f->host.all.value[SYSCTL_RP_FILTER] = 1;
	assert_int_equal(audit(f), 1);
	f->ifaces[2].conf.value[SYSCTL_RP_FILTER] = 2;
	assert_int_equal(audit(f), 0);
	done(f);
}

static void test_proxy_arp_and_drop_garp(void **state)
{
	struct fixture *f = clean_real_server();

	(void)state;
	f->ifaces[1].conf.value[SYSCTL_PROXY_ARP] = 1;
	assert_int_equal(audit(f), 1);
	assert_string_equal(finding(f, LVS_PROXY_ARP, "eth0")->fix, "sysctl -w net.ipv4.conf.eth0.proxy_arp=0");
	f->ifaces[1].conf.value[SYSCTL_PROXY_ARP] = 0;
	f->host.all.value[SYSCTL_DROP_GRATUITOUS_ARP] = 1;
	assert_int_equal(audit(f), 2); /* eth0 and eth1 */
	assert_string_equal(finding(f, LVS_DROP_GRATUITOUS_ARP, "eth1")->fix,
			    "sysctl -w net.ipv4.conf.all.drop_gratuitous_arp=0");
	done(f);
}

/* The router's side: it holds no VIP and talks to it. */
static struct fixture *router(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	add_iface(f, 0, "lo", IDX_LO, true, false);
	add_iface(f, 1, "eth0", IDX_ETH0, false, false);
	add_iface(f, 2, "eth0.100", IDX_ETH1, false, true);
	add_addr(f, IDX_LO, "127.0.0.1", 8, RT_SCOPE_HOST);
	add_addr(f, IDX_ETH0, "192.0.2.1", 24, RT_SCOPE_UNIVERSE);
	add_addr(f, IDX_ETH1, "198.51.100.1", 24, RT_SCOPE_UNIVERSE);
	f->vips[f->vip_count++] = ip("192.0.2.100");
	return f;
}

static void test_arp_accept(void **state)
{
	struct fixture *f = router();
	const struct lvs_finding *x;

	(void)state;
	assert_int_equal(audit(f), 0);
	f->ifaces[1].conf.value[SYSCTL_ARP_ACCEPT] = 1;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_ARP_ACCEPT, "eth0");
	assert_non_null(x);
	assert_string_equal(x->fix, "sysctl -w net.ipv4.conf.eth0.arp_accept=0");
	/* Off the VIP's subnet it does not matter. */
	f->ifaces[1].conf.value[SYSCTL_ARP_ACCEPT] = 0;
	f->ifaces[2].conf.value[SYSCTL_ARP_ACCEPT] = 1;
	assert_int_equal(audit(f), 0);
	/* drop_gratuitous_arp is checked on any host; a dotted name takes the slash form. */
	f->ifaces[2].conf.value[SYSCTL_DROP_GRATUITOUS_ARP] = 1;
	assert_int_equal(audit(f), 1);
	assert_string_equal(finding(f, LVS_DROP_GRATUITOUS_ARP, "eth0.100")->fix,
			    "sysctl -w net/ipv4/conf/eth0.100/drop_gratuitous_arp=0");
	done(f);
}

static void test_permanent_neighbour(void **state)
{
	struct fixture *f = router();
	struct nl_neigh *n = &f->neighs[f->neigh_count++];
	const struct lvs_finding *x;

	(void)state;
	n->ifindex = IDX_ETH0;
	n->dst = ipaddr_v4(ip("192.0.2.100"));
	n->has_lladdr = true;
	assert_int_equal(mac_parse("02:00:00:00:00:10", &n->lladdr), 0);
	n->state = NUD_REACHABLE;
	assert_int_equal(audit(f), 0);
	n->state = NUD_PERMANENT;
	assert_int_equal(audit(f), 1);
	x = finding(f, LVS_PERMANENT_NEIGH, "eth0");
	assert_non_null(x);
	assert_string_equal(x->fix, "ip neigh del 192.0.2.100 dev eth0");
	assert_non_null(strstr(x->problem, "02:00:00:00:00:10"));
	n->dst = ipaddr_v4(ip("192.0.2.7")); /* not a VIP */
	assert_int_equal(audit(f), 0);
	done(f);
}

static void test_responders(void **state)
{
	struct lvs_responder r[3];
	lvs_finding_list out = { 0 };
	struct lvs_vip_check check = { .vip = ip("192.0.2.100"), .iface = "eth0", .responders = r };
	const struct lvs_finding *x;

	(void)state;
	memset(r, 0, sizeof(r));
	mac_parse("02:00:00:00:00:10", &r[0].mac);
	mac_parse("b8:27:eb:00:00:21", &r[1].mac);
	mac_parse("02:00:00:00:00:22", &r[2].mac);
	r[0].vendor = "(locally administered)";
	r[1].vendor = "Raspberry Pi Foundation";
	check.responder_count = 1;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 0);
	check.responder_count = 3;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 1);
	x = &out.items[0];
	assert_int_equal(x->check, LVS_RESPONDERS);
	assert_string_equal(vips_of(x), "192.0.2.100");
	assert_non_null(strstr(x->problem, "3 MACs answer ARP for VIP 192.0.2.100 on eth0"));
	assert_non_null(strstr(x->problem, "b8:27:eb:00:00:21 (Raspberry Pi Foundation)"));
	assert_non_null(strstr(x->problem, "02:00:00:00:00:10 (locally administered),"));
	assert_non_null(strstr(x->problem, "02:00:00:00:00:22 (unknown)"));
	assert_string_equal(x->fix, "arpkit hide add 192.0.2.100  # on each real server above");
	check.responder_count = 0;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 2);
	assert_non_null(strstr(out.items[1].problem, "nobody answers"));
	lvs_findings_free(&out);
}

static struct nl_neigh entry_for(const char *vip, const char *mac, uint16_t state)
{
	struct nl_neigh n;

	memset(&n, 0, sizeof(n));
	n.ifindex = IDX_ETH0;
	n.dst = ipaddr_v4(ip(vip));
	n.has_lladdr = true;
	assert_int_equal(mac_parse(mac, &n.lladdr), 0);
	n.state = state;
	return n;
}

/* The router's own table maps the VIP to a real server that sent "who-has ROUTER
 * tell VIP", while only the director answers: one finding naming that MAC. */
static void test_neighbour_entry_poisoned(void **state)
{
	struct lvs_responder director;
	struct nl_neigh poisoned = entry_for("192.0.2.100", "b8:27:eb:00:00:21", NUD_STALE);
	struct nl_neigh healed = entry_for("192.0.2.100", "02:00:00:00:00:10", NUD_REACHABLE);
	lvs_finding_list out = { 0 };
	struct lvs_vip_check check = {
		.vip = ip("192.0.2.100"), .iface = "eth0", .responders = &director,
		.responder_count = 1, .entry = &poisoned, .entry_vendor = "Raspberry Pi Foundation",
	};
	const struct lvs_finding *x;
	char mac[MAC_STRLEN];

	(void)state;
	memset(&director, 0, sizeof(director));
	mac_parse("02:00:00:00:00:10", &director.mac);
	director.vendor = "(locally administered)";
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 1);
	x = &out.items[0];
	assert_int_equal(x->check, LVS_NEIGH_ENTRY);
	assert_string_equal(lvs_check_name(x->check), "neighbour-entry");
	assert_string_equal(x->iface, "eth0");
	assert_string_equal(vips_of(x), "192.0.2.100");
	assert_true(x->has_mac);
	assert_string_equal(mac_format(&x->mac, mac), "b8:27:eb:00:00:21");
	assert_non_null(strstr(x->problem,
			       "maps VIP 192.0.2.100 on eth0 to b8:27:eb:00:00:21 (Raspberry Pi "
			       "Foundation), which does not answer ARP for it; the MAC that does "
			       "is 02:00:00:00:00:10 (locally administered): traffic for the VIP "
			       "goes to b8:27:eb:00:00:21, not to the director"));
	assert_non_null(strstr(x->problem, "arp_announce is not 2"));
	assert_null(strstr(x->problem, "since replaced"));
	assert_string_equal(x->fix, "arpkit hide add 192.0.2.100  # on the real server with "
				    "MAC b8:27:eb:00:00:21: it sets arp_announce=2 there; then "
				    "here: ip neigh del 192.0.2.100 dev eth0");

	/* The director's answers to the check replaced the entry: said, still a finding. */
	check.entry_after = &healed;
	lvs_findings_free(&out);
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 1);
	assert_non_null(strstr(out.items[0].problem, "since replaced the entry with "
						     "02:00:00:00:00:10"));

	/* Healthy: the entry maps the VIP to the one MAC that answers. */
	check.entry = &healed;
	check.entry_after = NULL;
	lvs_findings_free(&out);
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 0);

	/* No entry, an unusable one, or a static one (another check): nothing here. */
	check.entry = NULL;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	poisoned.state = NUD_FAILED;
	check.entry = &poisoned;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	poisoned.state = NUD_PERMANENT;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 0);

	/* Nobody answers: that is the finding, a stale entry is expected then. */
	poisoned.state = NUD_STALE;
	check.responder_count = 0;
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.items[0].check, LVS_RESPONDERS);
	lvs_findings_free(&out);
}

/* Several MACs answer: whichever the entry holds won a race; it is named. */
static void test_neighbour_entry_with_several_answers(void **state)
{
	struct lvs_responder r[2];
	struct nl_neigh entry = entry_for("192.0.2.100", "02:00:00:00:00:21", NUD_REACHABLE);
	lvs_finding_list out = { 0 };
	struct lvs_vip_check check = {
		.vip = ip("192.0.2.100"), .iface = "eth0", .responders = r, .responder_count = 2,
		.entry = &entry,
	};

	(void)state;
	memset(r, 0, sizeof(r));
	mac_parse("02:00:00:00:00:10", &r[0].mac);
	mac_parse("02:00:00:00:00:21", &r[1].mac);
	assert_int_equal(lvs_network_findings(&check, &out), 0);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.items[0].check, LVS_RESPONDERS);
	assert_int_equal(out.items[1].check, LVS_NEIGH_ENTRY);
	assert_non_null(strstr(out.items[1].problem, "to 02:00:00:00:00:21 (unknown), one of the 2 "
						     "MACs that answer"));
	lvs_findings_free(&out);
}

static void test_vip_usable(void **state)
{
	(void)state;
	assert_null(lvs_vip_unusable(ip("192.0.2.100")));
	assert_null(lvs_vip_unusable(ip("10.0.0.1")));
	assert_non_null(lvs_vip_unusable(ip("0.0.0.0")));
	assert_non_null(lvs_vip_unusable(ip("0.1.2.3")));
	assert_non_null(lvs_vip_unusable(ip("127.0.0.2")));
	assert_non_null(lvs_vip_unusable(ip("224.0.0.1")));
	assert_non_null(lvs_vip_unusable(ip("239.255.255.250")));
	assert_non_null(lvs_vip_unusable(ip("240.0.0.1")));
	assert_non_null(lvs_vip_unusable(ip("255.255.255.255")));
	assert_string_equal(lvs_vip_unusable(ip("224.0.0.1")), "a multicast address");
}

static void test_check_names(void **state)
{
	(void)state;
	assert_string_equal(lvs_check_name(LVS_RP_FILTER), "rp_filter");
	assert_string_equal(lvs_check_name(LVS_NEIGH_ENTRY), "neighbour-entry");
	assert_string_equal(lvs_check_name(LVS_CHECK_COUNT), "?");
	for (int c = 0; c < LVS_CHECK_COUNT; c++)
		assert_string_not_equal(lvs_check_name((enum lvs_check)c), "?");
}

static void test_vip_set_parses_as_typed(void **state)
{
	static struct lvs_vip_set set;
	const char *why;

	(void)state;
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.100", &why), 0);
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.100/32", &why), 0);
	assert_int_equal(set.count, 1);
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.100/24", &why), -EINVAL);
	assert_string_equal(why, "a hidden VIP is always a /32");
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.1000", &why), -EINVAL);
	assert_string_equal(why, "not an IPv4 address");
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.100.192.0.2.100/32", &why), -EINVAL);
	assert_int_equal(lvs_vip_set_add(&set, "224.0.0.1", &why), -EINVAL);
	assert_non_null(why);
	set.count = LVS_MAX_VIPS;
	assert_int_equal(lvs_vip_set_add(&set, "192.0.2.101", &why), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_real_server),
		cmocka_unit_test(test_default_sysctls),
		cmocka_unit_test(test_set_on_lo_only),
		cmocka_unit_test(test_missing_on_all),
		cmocka_unit_test(test_max_rule),
		cmocka_unit_test(test_arp_ignore_3_and_scope),
		cmocka_unit_test(test_findings_name_exactly_their_vips),
		cmocka_unit_test(test_lo_mask),
		cmocka_unit_test(test_vip_on_arp_interface),
		cmocka_unit_test(test_director_is_not_a_real_server),
		cmocka_unit_test(test_rp_filter),
		cmocka_unit_test(test_proxy_arp_and_drop_garp),
		cmocka_unit_test(test_arp_accept),
		cmocka_unit_test(test_permanent_neighbour),
		cmocka_unit_test(test_responders),
		cmocka_unit_test(test_neighbour_entry_poisoned),
		cmocka_unit_test(test_neighbour_entry_with_several_answers),
		cmocka_unit_test(test_vip_usable),
		cmocka_unit_test(test_check_names),
		cmocka_unit_test(test_vip_set_parses_as_typed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
