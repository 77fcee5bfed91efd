/*
 * arpkit daemon: every IPv4 address that appears on a watched interface is announced
 * and verified with the announce engine, whoever put it there (keepalived, Pacemaker,
 * an administrator); held addresses are defended against other MACs claiming them.
 *
 * One poll loop: the rtnetlink event socket, one packet socket per watched
 * interface, the metrics listener and its clients. Bookkeeping lives in
 * lib/addrwatch (what is held, what is due), announcing in lib/announce.
 *
 * Two processes (lib/privsep): this one, the worker, parses netlink, frames and
 * metrics requests with no capability at all and under a seccomp allow-list; a
 * small helper forked at start keeps CAP_NET_RAW alone and opens the packet socket
 * of each interface on request, under its own tighter list.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrwatch.h"
#include "announce.h"
#include "caps.h"
#include "child.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "daemonconf.h"
#include "metrics.h"
#include "netlink.h"
#include "output.h"
#include "privsep.h"
#include "sandbox.h"
#include "vec.h"

#define CMD "daemon"
#define MAX_PEERS 64
#define COLLECT_CHUNK 4096
#define RX_BATCHES_PER_WAKE 16
#define NL_DRAIN_ROUNDS 64
#define RECONCILE_EVERY_NS (60 * NS_PER_SEC)
#define RECONCILE_RETRY_NS (100 * NS_PER_MS)
#define RUN_RETRY_NS (1 * NS_PER_SEC)
/* Netlink events, the helper, the metrics listener and its clients. */
#define EXTRA_POLLFDS (1 + 1 + 1 + METRICS_MAX_CLIENTS)
#define PRIVSEP_TIMEOUT_MS 5000
#define PRIVSEP_REAP_MS 2000
/* The only filter the helper opens sockets with. */
#define PRIVSEP_FILTERS PRIVSEP_FILTER(LINK_FILTER_ARP_ICMP)

struct watched_link {
	int ifindex;
	char name[IF_NAMESIZE];
	struct link io;
	bool open_failed;            /* logged once; retried on the next link change */
	bool has_convergence;
	double last_convergence_s;
	struct watched_link *next;
};

struct daemon_run {
	struct announce_run *run;
	struct watched_link *wl;
	struct aw_due *items;        /* items[i] is the engine's target i */
	size_t count;
	struct in_addr peers[MAX_PEERS];
	uint64_t start_ns, next_ns;
	struct daemon_run *next;
};

struct daemon_counters {
	uint64_t announcements, confirmations, unconfirmed, conflicts, overruns, reconciles;
};

struct daemon {
	char **argv;
	int argc;
	const char *config_path;
	unsigned long netlink_rcvbuf; /* hidden test option: shrink to provoke overruns */
	bool probe_sandbox;           /* hidden test option: a forbidden call once sandboxed */
	enum sandbox_probe probe;
	struct daemon_options opts;

	struct privsep_client privsep; /* the helper that opens packet sockets */
	bool helper_lost;              /* it is gone or broke the protocol: stop */

	struct nl events, requests;
	struct addrwatch aw;
	struct watched_link *links;
	struct daemon_run *runs;
	struct metrics_server metrics;
	struct daemon_counters count;
	struct json json;
	struct link_rx *rx;
	struct aw_due *due;
	unsigned run_serial;
	uint64_t next_reconcile_ns;
	bool reconcile_wanted;
	bool output_failed;
};

static const char usage_text[] =
	"Usage: arpkit daemon [-I IFACE]... [--peer ADDR]... [--refresh SECONDS]\n"
	"                     [--metrics ADDR:PORT] [--json] [--config FILE]\n"
	"\n"
	"Announce and verify every IPv4 address that appears on a watched interface, at\n"
	"once, whoever added it (keepalived, Pacemaker, ip addr add). Coming up, regaining\n"
	"carrier or changing MAC re-announces the interface's addresses. Another MAC\n"
	"claiming a held address is logged as a conflict and answered with a\n"
	"re-announcement, at most once per 5 s per address.\n"
	"\n"
	"  -I, --interface IF   watch IF (repeatable; default: every ARP-capable interface)\n"
	"      --peer ADDR      also ask and verify through ADDR (repeatable; default peers\n"
	"                       are the gateways of the routes through each interface)\n"
	"      --refresh S      re-announce every held address every S seconds (default off)\n"
	"      --metrics A:P    serve Prometheus metrics on http://A:P/metrics (A: one of\n"
	"                       this host's addresses, e.g. 127.0.0.1)\n"
	"      --json           events as JSON objects on stdout, one per line\n"
	"  -c, --config FILE    more options, one per line (\"interface eth0\"); re-read on\n"
	"                       SIGHUP, with the command line again\n"
	"  -h, --help           this text\n"
	"\n"
	"Runs in the foreground and logs one line per address and outcome to stderr\n"
	"(confirmed, unconfirmed, peer-silent, sent, conflict). SIGTERM or SIGINT stops it\n"
	"(exit 0); SIGHUP reloads settings and re-reads the network state, announcing\n"
	"only what is new. Needs CAP_NET_RAW. Exit status: 0 stopped by a signal, 2 usage\n"
	"or system error.\n";

enum {
	OPT_PEER = 256, OPT_REFRESH, OPT_METRICS, OPT_JSON, OPT_NETLINK_RCVBUF, OPT_SANDBOX_PROBE
};

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"peer", required_argument, NULL, OPT_PEER},
	{"refresh", required_argument, NULL, OPT_REFRESH},
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"json", no_argument, NULL, OPT_JSON},
	{"config", required_argument, NULL, 'c'},
	{"help", no_argument, NULL, 'h'},
	/* Not in --help: for the tests, which must provoke a netlink overrun. */
	{"netlink-rcvbuf", required_argument, NULL, OPT_NETLINK_RCVBUF},
	/* Not in --help: for the tests, which prove a forbidden call kills the worker. */
	{"sandbox-probe", required_argument, NULL, OPT_SANDBOX_PROBE},
	{NULL, 0, NULL, 0},
};

/* ---- output ---- */

__attribute__((format(printf, 2, 3)))
static void log_line(const struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	(void)d;
	fputs("arpkit daemon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void json_done(struct daemon *d)
{
	if (!output_flush_ok(stdout) && !d->output_failed) {
		d->output_failed = true;
		cli_error(CMD, "cannot write events to stdout: %s", strerror(errno ? errno : EIO));
	}
}

/* ---- settings ---- */

static int parse_command_line(struct daemon *d, struct daemon_options *o, bool quiet)
{
	int opt, err = 0;
	const char *key = NULL;

	optind = 0; /* GNU: start over, so SIGHUP can parse the same argv again */
	opterr = !quiet;
	while ((opt = getopt_long(d->argc, d->argv, "+I:c:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I': key = "interface"; break;
		case OPT_PEER: key = "peer"; break;
		case OPT_REFRESH: key = "refresh"; break;
		case OPT_METRICS: key = "metrics"; break;
		case OPT_JSON: key = "json"; break;
		case 'c':
			d->config_path = optarg;
			continue;
		case OPT_NETLINK_RCVBUF:
			if (!cli_parse_ulong(CMD, "--netlink-rcvbuf", optarg, 1024, 1ul << 30,
					     &d->netlink_rcvbuf))
				return EXIT_TROUBLE;
			continue;
		case OPT_SANDBOX_PROBE:
			if (sandbox_probe_parse(optarg, &d->probe) < 0)
				return quiet ? EXIT_TROUBLE
					     : cli_usage_error(CMD, "unknown --sandbox-probe '%s'", optarg);
			d->probe_sandbox = true;
			continue;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return quiet ? EXIT_TROUBLE : cli_usage_error(CMD, "invalid option");
		}
		err = daemon_option_set(o, key, opt == OPT_JSON ? NULL : optarg);
		if (err) {
			if (!quiet)
				cli_usage_error(CMD, "--%s %s: %s", key, QUOTE(optarg ? optarg : ""),
						daemon_option_strerror(err));
			return EXIT_TROUBLE;
		}
	}
	if (optind < d->argc) {
		if (!quiet)
			cli_usage_error(CMD, "unexpected argument '%s'", d->argv[optind]);
		return EXIT_TROUBLE;
	}
	return 0;
}

/* The file first, then the command line on top: lists add up, the command line
 * wins for single values. */
static int load_settings(struct daemon *d, struct daemon_options *o, bool reloading)
{
	struct daemon_options file;
	struct daemon_conf_error e;
	const char *which = NULL;
	int status;

	daemon_options_default(o);
	status = parse_command_line(d, o, reloading);
	if (status || !d->config_path)
		return status;
	daemon_options_default(&file);
	if (daemon_options_load(&file, d->config_path, &e)) {
		if (e.line)
			cli_error(CMD, "config '%s' line %u: %s", d->config_path, e.line, e.reason);
		else
			cli_error(CMD, "cannot read config '%s': %s", d->config_path, e.reason);
		return EXIT_TROUBLE;
	}
	if (daemon_options_merge(o, &file, &which)) {
		cli_error(CMD, "too many %ss: config '%s' and the command line name more than %u",
			  which, d->config_path,
			  !strcmp(which, "peer") ? DAEMON_MAX_PEERS : DAEMON_MAX_IFACES);
		return EXIT_TROUBLE;
	}
	return 0;
}

static void timing_for(const struct daemon_options *o, struct aw_timing *t)
{
	aw_timing_default(t);
	t->refresh_ns = (uint64_t)o->refresh_s * NS_PER_SEC;
}

static int apply_watch(struct daemon *d)
{
	const char *names[DAEMON_MAX_IFACES];

	for (unsigned i = 0; i < d->opts.ifname_count; i++)
		names[i] = d->opts.ifnames[i];
	return aw_set_watch(&d->aw, names, d->opts.ifname_count);
}

/* ---- links ---- */

static struct watched_link *link_of(const struct daemon *d, int ifindex)
{
	for (struct watched_link *wl = d->links; wl; wl = wl->next)
		if (wl->ifindex == ifindex)
			return wl;
	return NULL;
}

static void report_target(struct daemon *d, const struct daemon_run *dr, size_t i,
			  const struct announce_target *t, const char *outcome);

static void free_run(struct daemon_run *dr)
{
	announce_run_free(dr->run);
	free(dr->items);
	free(dr);
}

/* Report what is resolved, queue again what is not (due 0: in the burst; UINT64_MAX:
 * not at all), free the run. */
static void cancel_run(struct daemon *d, struct daemon_run *dr, uint64_t now, uint64_t due)
{
	size_t count;
	const struct announce_target *t = announce_run_targets(dr->run, &count);

	for (size_t i = 0; i < count && i < dr->count; i++) {
		if (t[i].result != ANNOUNCE_PENDING) {
			report_target(d, dr, i, &t[i], NULL);
			continue;
		}
		if (!aw_addr_find(&d->aw, dr->wl->ifindex, t[i].addr))
			report_target(d, dr, i, &t[i], "withdrawn");
		else if (due != UINT64_MAX)
			aw_queue_addr(&d->aw, dr->wl->ifindex, t[i].addr, dr->items[i].reason,
				      dr->items[i].noticed_ns, now, due);
	}
	free_run(dr);
}

static void cancel_runs_on(struct daemon *d, int ifindex, uint64_t now, uint64_t due)
{
	for (struct daemon_run **p = &d->runs; *p;) {
		struct daemon_run *dr = *p;

		if (dr->wl->ifindex != ifindex) {
			p = &dr->next;
			continue;
		}
		*p = dr->next;
		cancel_run(d, dr, now, due);
	}
}

static void close_link(struct daemon *d, int ifindex, uint64_t now)
{
	for (struct watched_link **p = &d->links; *p; p = &(*p)->next) {
		struct watched_link *wl = *p;

		if (wl->ifindex != ifindex)
			continue;
		cancel_runs_on(d, ifindex, now, UINT64_MAX);
		link_close(&wl->io);
		*p = wl->next;
		free(wl);
		return;
	}
}

static void open_link(struct daemon *d, const struct aw_iface *ifc)
{
	struct watched_link *wl = link_of(d, ifc->ifindex);
	int err;

	if (wl && wl->io.fd >= 0)
		return;
	if (!wl) {
		wl = calloc(1, sizeof(*wl));
		if (!wl) {
			log_line(d, "%s: out of memory", ifc->name);
			return;
		}
		wl->ifindex = ifc->ifindex;
		link_init(&wl->io);
		wl->next = d->links;
		d->links = wl;
	}
	memcpy(wl->name, ifc->name, sizeof(wl->name));
	err = privsep_open_link(&d->privsep, ifc->ifindex, LINK_FILTER_ARP_ICMP,
				PRIVSEP_TIMEOUT_MS, &wl->io);
	if (privsep_is_fatal(err)) {
		d->helper_lost = true; /* the loop stops on it */
		return;
	}
	if (err == 0 && wl->io.ifindex != ifc->ifindex) {
		/* Renamed or replaced between the event and now: the next event sorts it out. */
		link_close(&wl->io);
		err = -ENODEV;
	}
	if (err) {
		if (!wl->open_failed)
			log_line(d, "%s: cannot open a packet socket: %s", ifc->name, strerror(-err));
		wl->open_failed = true;
		return;
	}
	wl->open_failed = false;
	if (ifc->has_mac)
		wl->io.mac = ifc->mac;
}

/* Packet sockets for every watched interface holding an address; none for the rest. */
static void sync_links(struct daemon *d, uint64_t now)
{
	for (size_t i = 0; i < d->aw.iface_count; i++) {
		const struct aw_iface *ifc = &d->aw.ifaces[i];
		struct watched_link *wl = link_of(d, ifc->ifindex);

		if (ifc->watched && ifc->held && (!wl || (wl->io.fd < 0 && !wl->open_failed)))
			open_link(d, ifc);
		else if (!ifc->watched && wl)
			close_link(d, ifc->ifindex, now);
	}
	for (struct watched_link *wl = d->links, *next; wl; wl = next) {
		next = wl->next;
		if (!aw_iface_find(&d->aw, wl->ifindex))
			close_link(d, wl->ifindex, now);
	}
}

/* ---- network state ---- */

static void log_link_change(struct daemon *d, const struct aw_iface *ifc, unsigned change,
			    const struct mac *old_mac)
{
	char mac[MAC_STRLEN], old[MAC_STRLEN];
	const char *what = NULL;

	if (!ifc->watched)
		return;
	if (change & AW_LINK_MAC)
		what = "mac-change";
	else if ((change & AW_LINK_UP) && !(change & AW_LINK_NEW))
		what = "up";
	else if (change & AW_LINK_DOWN)
		what = "down";
	if (!what)
		return;
	if (d->opts.json) {
		json_object_begin(&d->json, NULL);
		json_string(&d->json, "event", "link");
		json_string(&d->json, "interface", ifc->name);
		json_string(&d->json, "change", what);
		json_string(&d->json, "mac", mac_format(&ifc->mac, mac));
		if (change & AW_LINK_MAC)
			json_string(&d->json, "old_mac", mac_format(old_mac, old));
		json_uint(&d->json, "addresses", ifc->held);
		json_object_end(&d->json);
		json_done(d);
	} else if (change & AW_LINK_MAC) {
		log_line(d, "%s: MAC changed from %s to %s, re-announcing %u address%s", ifc->name,
			 mac_format(old_mac, old), mac_format(&ifc->mac, mac), ifc->held,
			 ifc->held == 1 ? "" : "es");
	} else if (change & AW_LINK_UP) {
		log_line(d, "%s: link up, re-announcing %u address%s", ifc->name, ifc->held,
			 ifc->held == 1 ? "" : "es");
	} else {
		log_line(d, "%s: link down", ifc->name);
	}
}

static void handle_link(struct daemon *d, const struct nl_link *link, uint64_t now)
{
	const struct aw_iface *before = aw_iface_find(&d->aw, link->ifindex);
	struct mac old_mac = before ? before->mac : mac_zero;
	int change = aw_link_update(&d->aw, link, now);
	const struct aw_iface *ifc = aw_iface_find(&d->aw, link->ifindex);
	struct watched_link *wl = link_of(d, link->ifindex);

	if (change < 0) {
		log_line(d, "out of memory tracking %s", link->name);
		return;
	}
	if (!ifc)
		return;
	if (wl && ifc->has_mac)
		wl->io.mac = ifc->mac; /* the engine reads it for every frame it builds */
	if (wl && (change & (AW_LINK_UP | AW_LINK_MAC | AW_LINK_WATCHED)))
		wl->open_failed = false;
	if (wl && wl->io.fd >= 0 && (change & AW_LINK_UP)) {
		/* Going down left ENETDOWN pending on the packet socket; the first send
		 * after coming back up would fail with it. Reading SO_ERROR clears it. */
		int pending;
		socklen_t len = sizeof(pending);

		getsockopt(wl->io.fd, SOL_SOCKET, SO_ERROR, &pending, &len);
	}
	if (change & AW_LINK_DOWN)
		cancel_runs_on(d, link->ifindex, now, UINT64_MAX);
	log_link_change(d, ifc, (unsigned)change, &old_mac);
}

static void handle_addr(struct daemon *d, const struct nlmsghdr *nlh, uint64_t now)
{
	struct nl_addr addr;

	if (nl_parse_addr(nlh, &addr) < 0 || addr.addr.family != AF_INET)
		return;
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		if (aw_addr_update(&d->aw, &addr, now) < 0)
			log_line(d, "out of memory tracking addresses");
		return;
	}
	if (aw_addr_remove(&d->aw, addr.ifindex, addr.addr.v4) == 0)
		return;
	/* A run must not go on announcing an address this host gave up: cancel runs
	 * that still hold it open; their other open addresses rejoin the burst. */
	for (struct daemon_run **p = &d->runs; *p;) {
		struct daemon_run *dr = *p;
		size_t count;
		const struct announce_target *t = announce_run_targets(dr->run, &count);
		bool open_there = false;

		for (size_t i = 0; i < count && !open_there && dr->wl->ifindex == addr.ifindex; i++)
			open_there = t[i].addr.s_addr == addr.addr.v4.s_addr &&
				     t[i].result == ANNOUNCE_PENDING;
		if (!open_there) {
			p = &dr->next;
			continue;
		}
		*p = dr->next;
		cancel_run(d, dr, now, 0);
	}
}

static void on_event(const struct nlmsghdr *nlh, void *ctx)
{
	struct daemon *d = ctx;
	uint64_t now = now_ns();
	struct nl_link link;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		if (nl_parse_link(nlh, &link) == 0)
			handle_link(d, &link, now);
		break;
	case RTM_DELLINK:
		if (nl_parse_link(nlh, &link) == 0) {
			close_link(d, link.ifindex, now);
			aw_link_remove(&d->aw, link.ifindex);
		}
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		handle_addr(d, nlh, now);
		break;
	default:
		break;
	}
}

static void on_gone(int ifindex, void *ctx)
{
	struct daemon *d = ctx;

	close_link(d, ifindex, now_ns());
}

/* Re-dump links and addresses and make the table match: anything new is announced,
 * anything gone is forgotten. 0 or -errno (the caller retries). */
static int reconcile(struct daemon *d, uint64_t now)
{
	struct nl_snapshot net = {0};
	int err = nl_snapshot_load(&d->requests, &net, NL_LINKS | NL_ADDRS);

	if (!err) {
		aw_reconcile_begin(&d->aw);
		for (size_t i = 0; i < net.links.count; i++)
			handle_link(d, &net.links.items[i], now);
		for (size_t i = 0; i < net.addrs.count; i++)
			if (aw_addr_update(&d->aw, &net.addrs.items[i], now) < 0)
				err = -ENOMEM;
		aw_reconcile_end(&d->aw, on_gone, d);
		d->count.reconciles++;
	}
	nl_snapshot_free(&net);
	return err;
}

static void discard_event(const struct nlmsghdr *nlh, void *ctx)
{
	(void)nlh;
	(void)ctx;
}

static void read_events(struct daemon *d, uint64_t now)
{
	int n = nl_read_events(&d->events, on_event, d);

	if (n != -ENOBUFS) {
		if (n < 0)
			log_line(d, "reading netlink events: %s", strerror(-n));
		return;
	}
	d->count.overruns++;
	if (d->opts.json) {
		json_object_begin(&d->json, NULL);
		json_string(&d->json, "event", "overrun");
		json_object_end(&d->json);
		json_done(d);
	} else {
		log_line(d, "netlink overrun: re-dumping");
	}
	/* What is still queued predates the dump; replayed after it, a lost
	 * deletion's earlier addition would bring an address back. */
	for (int round = 0; round < NL_DRAIN_ROUNDS; round++)
		if (nl_read_events(&d->events, discard_event, NULL) == 0)
			break;
	d->reconcile_wanted = true;
	d->next_reconcile_ns = now;
}

/* ---- runs ---- */

static void choose_peers(struct daemon *d, struct daemon_run *dr, unsigned *count)
{
	nl_route_list routes = {0};

	*count = 0;
	if (nl_dump_routes(&d->requests, &routes) == 0)
		for (size_t r = 0; r < routes.count && *count < MAX_PEERS; r++) {
			const struct nl_route *route = &routes.items[r];
			bool dup = false;

			if (route->gateway.v4.s_addr == 0 || route->oif != dr->wl->ifindex)
				continue;
			for (unsigned k = 0; k < *count; k++)
				dup = dup || dr->peers[k].s_addr == route->gateway.v4.s_addr;
			if (!dup)
				dr->peers[(*count)++] = route->gateway.v4;
		}
	free(routes.items);
	for (unsigned p = 0; p < d->opts.peer_count && *count < MAX_PEERS; p++) {
		bool dup = false;

		if (!aw_on_link(&d->aw, dr->wl->ifindex, d->opts.peers[p]))
			continue;
		for (unsigned k = 0; k < *count; k++)
			dup = dup || dr->peers[k].s_addr == d->opts.peers[p].s_addr;
		if (!dup)
			dr->peers[(*count)++] = d->opts.peers[p];
	}
}

static int start_run(struct daemon *d, struct watched_link *wl, const struct aw_due *items,
		     size_t count, uint64_t now)
{
	struct daemon_run *dr = calloc(1, sizeof(*dr));
	struct announce_config cfg;
	struct announce_iface ifc;
	unsigned peer_count;
	int err = -ENOMEM;

	if (!dr)
		return -ENOMEM;
	dr->wl = wl;
	dr->items = malloc(count * sizeof(*items));
	if (!dr->items)
		goto fail;
	memcpy(dr->items, items, count * sizeof(*items));
	dr->count = count;
	choose_peers(d, dr, &peer_count);

	announce_config_default(&cfg);
	/* The address is already configured here by whoever decided to move it; a probe
	 * would only find the previous holder in the middle of letting go. Other holders
	 * are caught by the conflict watcher instead. */
	cfg.probe = false;
	cfg.echo_ident = (uint16_t)(getpid() * 31 + ++d->run_serial);
	ifc.link = &wl->io;
	ifc.peers = dr->peers;
	ifc.peer_count = peer_count;
	ifc.vlan = VLAN_NONE;
	err = announce_run_create(&dr->run, &cfg, &ifc, 1);
	for (size_t i = 0; i < count && !err; i++)
		err = announce_run_add(dr->run, 0, items[i].addr);
	if (!err)
		err = announce_run_start(dr->run, now);
	if (err)
		goto fail;
	dr->start_ns = now;
	dr->next_ns = now;
	dr->next = d->runs;
	d->runs = dr;
	return 0;
fail:
	announce_run_free(dr->run);
	free(dr->items);
	free(dr);
	return err;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct aw_due *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void start_due_runs(struct daemon *d, uint64_t now)
{
	size_t n;

	if (aw_next_due(&d->aw) > now)
		return;
	sync_links(d, now);
	/* Bounded: each chunk empties what it hands over. */
	for (int chunk = 0; chunk < 64; chunk++) {
		n = aw_collect_due(&d->aw, now, d->due, COLLECT_CHUNK);
		if (n == 0)
			break;
		qsort(d->due, n, sizeof(*d->due), by_ifindex);
		for (size_t first = 0, last; first < n; first = last) {
			struct watched_link *wl = link_of(d, d->due[first].ifindex);
			int err;

			for (last = first; last < n && d->due[last].ifindex == d->due[first].ifindex;)
				last++;
			if (!wl || wl->io.fd < 0)
				continue; /* cannot send there; logged when opening failed */
			err = start_run(d, wl, d->due + first, last - first, now);
			if (!err)
				continue;
			log_line(d, "%s: cannot start announcing: %s", wl->name, strerror(-err));
			for (size_t i = first; i < last; i++)
				aw_queue_addr(&d->aw, wl->ifindex, d->due[i].addr, d->due[i].reason,
					      d->due[i].noticed_ns, now, now + RUN_RETRY_NS);
		}
		if (n < COLLECT_CHUNK)
			break;
	}
}

static void report_target(struct daemon *d, const struct daemon_run *dr, size_t i,
			  const struct announce_target *t, const char *outcome)
{
	const struct aw_due *item = &dr->items[i];
	uint64_t elapsed = dr->start_ns + t->elapsed_ns - item->noticed_ns;
	char addr[IPV4_STRLEN], text[MAC_STRLEN > IPV4_STRLEN ? MAC_STRLEN : IPV4_STRLEN];

	if (!outcome) {
		outcome = announce_result_name(t->result);
		d->count.announcements++;
		d->count.confirmations += t->result == ANNOUNCE_CONFIRMED;
		d->count.unconfirmed += t->result == ANNOUNCE_UNCONFIRMED ||
					t->result == ANNOUNCE_PEER_SILENT;
	} else {
		elapsed = now_ns() - item->noticed_ns;
	}
	ipv4_format(t->addr, addr);
	if (d->opts.json) {
		json_object_begin(&d->json, NULL);
		json_string(&d->json, "event", "announce");
		json_string(&d->json, "address", addr);
		json_string(&d->json, "interface", dr->wl->name);
		json_string(&d->json, "mac", mac_format(&dr->wl->io.mac, text));
		json_string(&d->json, "reason", aw_reason_name(item->reason));
		json_string(&d->json, "result", outcome);
		json_double(&d->json, "elapsed_ms", ns_to_ms(elapsed), 3);
		json_array_begin(&d->json, "peers");
		for (unsigned p = 0; p < t->peer_count; p++) {
			const struct announce_peer *peer = &t->peers[p];

			json_object_begin(&d->json, NULL);
			json_string(&d->json, "peer", ipv4_format(peer->peer, text));
			json_bool(&d->json, "answered", peer->arp_answered);
			json_bool(&d->json, "confirmed", peer->confirmed);
			json_object_end(&d->json);
		}
		json_array_end(&d->json);
		json_array_begin(&d->json, "conflict_macs");
		for (unsigned k = 0; k < t->conflict_count; k++)
			json_string(&d->json, NULL, mac_format(&t->conflict_macs[k], text));
		json_array_end(&d->json);
		json_object_end(&d->json);
		json_done(d);
		return;
	}
	fprintf(stderr, "arpkit daemon: %s %s %s %.1f ms (%s)", addr, dr->wl->name, outcome,
		ns_to_ms(elapsed), aw_reason_name(item->reason));
	for (unsigned p = 0; p < t->peer_count; p++) {
		const struct announce_peer *peer = &t->peers[p];

		if (!peer->confirmed)
			fprintf(stderr, " peer %s %s", ipv4_format(peer->peer, text),
				peer->arp_answered ? "no-echo-reply" : "silent");
	}
	for (unsigned k = 0; k < t->conflict_count; k++)
		fprintf(stderr, " conflict-with %s", mac_format(&t->conflict_macs[k], text));
	fputc('\n', stderr);
}

static void finish_run(struct daemon *d, struct daemon_run *dr)
{
	size_t count;
	const struct announce_target *t = announce_run_targets(dr->run, &count);
	uint64_t worst = 0;

	for (size_t i = 0; i < count && i < dr->count; i++) {
		uint64_t converged = dr->start_ns + t[i].elapsed_ns - dr->items[i].noticed_ns;

		report_target(d, dr, i, &t[i], NULL);
		if (converged > worst)
			worst = converged;
	}
	dr->wl->has_convergence = true;
	dr->wl->last_convergence_s = (double)worst / NS_PER_SEC;
}

/* Steps every run that is due; returns the earliest time one wants to run again. */
static uint64_t step_runs(struct daemon *d, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (struct daemon_run **p = &d->runs; *p;) {
		struct daemon_run *dr = *p;
		int err = 0;

		if (now >= dr->next_ns)
			err = announce_run_step(dr->run, now, &dr->next_ns);
		if (err) {
			log_line(d, "%s: sending failed: %s; retrying in 1 s", dr->wl->name,
				 strerror(-err));
			*p = dr->next;
			cancel_run(d, dr, now, now + RUN_RETRY_NS);
			continue;
		}
		if (announce_run_done(dr->run)) {
			*p = dr->next;
			finish_run(d, dr);
			free_run(dr);
			continue;
		}
		if (dr->next_ns < next)
			next = dr->next_ns;
		p = &dr->next;
	}
	return next;
}

/* ---- frames ---- */

static void log_conflict(struct daemon *d, const struct watched_link *wl,
			 const struct arp_frame *f, uint64_t in_ns)
{
	char addr[IPV4_STRLEN], ours[MAC_STRLEN], theirs[MAC_STRLEN];

	d->count.conflicts++;
	ipv4_format(f->spa, addr);
	mac_format(&wl->io.mac, ours);
	mac_format(&f->sha, theirs);
	if (d->opts.json) {
		json_object_begin(&d->json, NULL);
		json_string(&d->json, "event", "conflict");
		json_string(&d->json, "address", addr);
		json_string(&d->json, "interface", wl->name);
		json_string(&d->json, "mac", ours);
		json_string(&d->json, "other_mac", theirs);
		json_double(&d->json, "reannounce_in_ms", ns_to_ms(in_ns), 3);
		json_object_end(&d->json);
		json_done(d);
		return;
	}
	log_line(d, "%s %s conflict: claimed by %s, held here at %s; re-announcing in %.1f s",
		 addr, wl->name, theirs, ours, (double)in_ns / NS_PER_SEC);
}

static void on_frames(struct daemon *d, struct watched_link *wl, uint64_t now)
{
	for (int batch = 0; batch < RX_BATCHES_PER_WAKE; batch++) {
		int n = link_rx_read(&wl->io, d->rx);

		for (int i = 0; i < n; i++) {
			const struct link_rx_frame *frame = &d->rx->frame[i];
			const struct aw_addr *held;
			struct arp_frame arp;
			uint64_t when;

			for (struct daemon_run *dr = d->runs; dr; dr = dr->next)
				if (dr->wl == wl) {
					announce_run_on_frame(dr->run, 0, frame);
					dr->next_ns = now; /* it may owe an echo now */
				}
			if (arp_decode(frame->data, frame->len, &arp) < 0 || arp.eth.vlan != VLAN_NONE)
				continue;
			if (aw_on_arp(&d->aw, wl->ifindex, &arp, now, &when, &held) == AW_CONFLICT_NEW)
				log_conflict(d, wl, &arp, when > now ? when - now : 0);
		}
		if (n < LINK_BATCH)
			break;
	}
}

/* ---- metrics ---- */

static void render_metrics(struct metrics_text *t, void *ctx)
{
	const struct daemon *d = ctx;

	metrics_text_family(t, "arpkit_announcements_total", "counter",
			    "Addresses announced (one per address per announcement run).");
	metrics_text_uint(t, "arpkit_announcements_total", NULL, NULL, d->count.announcements);
	metrics_text_family(t, "arpkit_confirmations_total", "counter",
			    "Announcements proven by an echo through every peer.");
	metrics_text_uint(t, "arpkit_confirmations_total", NULL, NULL, d->count.confirmations);
	metrics_text_family(t, "arpkit_unconfirmed_total", "counter",
			    "Announcements a peer did not confirm (unconfirmed or silent).");
	metrics_text_uint(t, "arpkit_unconfirmed_total", NULL, NULL, d->count.unconfirmed);
	metrics_text_family(t, "arpkit_conflicts_total", "counter",
			    "Conflicts: another MAC claimed a held address (at most one per "
			    "address per 5 s).");
	metrics_text_uint(t, "arpkit_conflicts_total", NULL, NULL, d->count.conflicts);
	metrics_text_family(t, "arpkit_netlink_overruns_total", "counter",
			    "Netlink event overruns, each followed by a re-dump.");
	metrics_text_uint(t, "arpkit_netlink_overruns_total", NULL, NULL, d->count.overruns);
	metrics_text_family(t, "arpkit_last_convergence_seconds", "gauge",
			    "Last announcement run per interface: from the first address noticed "
			    "to the last one resolved.");
	for (const struct watched_link *wl = d->links; wl; wl = wl->next)
		if (wl->has_convergence)
			metrics_text_double(t, "arpkit_last_convergence_seconds", "interface",
					    wl->name, wl->last_convergence_s);
	metrics_text_family(t, "arpkit_held_addresses", "gauge",
			    "IPv4 addresses held on each watched interface.");
	for (size_t i = 0; i < d->aw.iface_count; i++)
		if (d->aw.ifaces[i].watched)
			metrics_text_uint(t, "arpkit_held_addresses", "interface",
					  d->aw.ifaces[i].name, d->aw.ifaces[i].held);
}

static int open_metrics(struct daemon *d, const struct sockaddr_in *addr)
{
	char text[IPV4_STRLEN];
	int err = metrics_server_open(&d->metrics, addr);

	if (err)
		cli_error(CMD, "cannot serve metrics on %s:%u: %s", ipv4_format(addr->sin_addr, text),
			  ntohs(addr->sin_port),
			  err == -EADDRNOTAVAIL ? "not an address of this host" : strerror(-err));
	return err;
}

/* ---- lifecycle ---- */

static void log_watching(struct daemon *d, const char *event)
{
	unsigned watched = 0;
	size_t held = 0;

	for (size_t i = 0; i < d->aw.iface_count; i++)
		if (d->aw.ifaces[i].watched) {
			watched++;
			held += d->aw.ifaces[i].held;
		}
	if (d->opts.json) {
		json_object_begin(&d->json, NULL);
		json_string(&d->json, "event", event);
		json_array_begin(&d->json, "interfaces");
		for (size_t i = 0; i < d->aw.iface_count; i++)
			if (d->aw.ifaces[i].watched)
				json_string(&d->json, NULL, d->aw.ifaces[i].name);
		json_array_end(&d->json);
		json_uint(&d->json, "addresses", held);
		json_uint(&d->json, "refresh_s", d->opts.refresh_s);
		json_object_end(&d->json);
		json_done(d);
		return;
	}
	fprintf(stderr, "arpkit daemon: %s: watching", event);
	for (size_t i = 0; i < d->aw.iface_count; i++)
		if (d->aw.ifaces[i].watched)
			fprintf(stderr, " %s", d->aw.ifaces[i].name);
	fprintf(stderr, "%s (%u interface%s, %zu address%s)", watched ? "" : " nothing yet", watched,
		watched == 1 ? "" : "s", held, held == 1 ? "" : "es");
	if (d->opts.refresh_s)
		fprintf(stderr, ", refresh every %u s", d->opts.refresh_s);
	if (metrics_server_is_open(&d->metrics)) {
		char text[IPV4_STRLEN];

		fprintf(stderr, ", metrics on http://%s:%u/metrics",
			ipv4_format(d->metrics.addr.sin_addr, text), ntohs(d->metrics.addr.sin_port));
	}
	fputc('\n', stderr);
}

/* Named interfaces must exist and use ARP when the daemon starts: a typo should not
 * leave it watching nothing in silence. */
static int check_named_interfaces(struct daemon *d, const nl_link_list *links, bool fatal)
{
	for (unsigned i = 0; i < d->opts.ifname_count; i++) {
		const struct nl_link *found = NULL;

		for (size_t k = 0; k < links->count && !found; k++)
			if (!strcmp(links->items[k].name, d->opts.ifnames[i]))
				found = &links->items[k];
		if (found && nl_link_is_arp_capable(found))
			continue;
		if (!fatal) {
			log_line(d, "interface %s %s; watching for it", QUOTE(d->opts.ifnames[i]),
				 found ? "does not use ARP" : "does not exist (yet)");
			continue;
		}
		if (found)
			cli_error(CMD, "interface %s does not use ARP (loopback, point-to-point or "
				       "NOARP)", QUOTE(d->opts.ifnames[i]));
		else
			cli_error(CMD, "unknown interface %s", QUOTE(d->opts.ifnames[i]));
		return EXIT_TROUBLE;
	}
	return 0;
}

static void on_rewatch(const struct aw_iface *ifc, unsigned change, void *ctx)
{
	struct daemon *d = ctx;

	if (change & AW_LINK_UNWATCHED)
		close_link(d, ifc->ifindex, now_ns());
}

static void reload(struct daemon *d, uint64_t now)
{
	struct daemon_options fresh;
	struct aw_timing timing;
	nl_link_list links = {0};
	bool metrics_changed;

	if (load_settings(d, &fresh, true) != 0) {
		log_line(d, "reload failed; keeping the running settings");
		return;
	}
	metrics_changed = fresh.metrics != d->opts.metrics ||
			  (fresh.metrics && memcmp(&fresh.metrics_addr, &d->opts.metrics_addr,
						   sizeof(fresh.metrics_addr)));
	if (metrics_changed) {
		if (!fresh.metrics)
			metrics_server_close(&d->metrics);
		else if (open_metrics(d, &fresh.metrics_addr) != 0) {
			fresh.metrics = d->opts.metrics;
			fresh.metrics_addr = d->opts.metrics_addr;
		}
	}
	d->opts = fresh;
	if (nl_dump_links(&d->requests, &links) == 0)
		check_named_interfaces(d, &links, false);
	free(links.items);
	timing_for(&d->opts, &timing);
	aw_set_timing(&d->aw, &timing, now);
	apply_watch(d);
	aw_rewatch(&d->aw, now, on_rewatch, d);
	/* Only what changed while we were not looking is announced. */
	d->reconcile_wanted = true;
	d->next_reconcile_ns = now;
	log_watching(d, "reloaded");
}

static void log_state(struct daemon *d)
{
	char text[IPV4_STRLEN];
	unsigned runs = 0;

	for (const struct daemon_run *dr = d->runs; dr; dr = dr->next)
		runs++;
	log_line(d, "state: %zu address%s held, %u run%s in progress; %llu announced, %llu "
		    "confirmed, %llu unconfirmed, %llu conflicts, %llu overruns",
		 d->aw.addr_count, d->aw.addr_count == 1 ? "" : "es", runs, runs == 1 ? "" : "s",
		 (unsigned long long)d->count.announcements,
		 (unsigned long long)d->count.confirmations,
		 (unsigned long long)d->count.unconfirmed, (unsigned long long)d->count.conflicts,
		 (unsigned long long)d->count.overruns);
	for (size_t i = 0; i <= d->aw.slot_mask; i++) {
		const struct aw_addr *a = &d->aw.slots[i];
		const struct aw_iface *ifc = a->ifindex ? aw_iface_find(&d->aw, a->ifindex) : NULL;

		if (ifc && ifc->watched)
			log_line(d, "  %s/%u on %s%s", ipv4_format(a->addr, text), a->prefixlen,
				 ifc->name, ifc->operational ? "" : " (down)");
	}
}

/*
 * The privileged helper's whole life: CAP_NET_RAW and nothing else, no descriptor
 * but its socket to the worker, not dumpable (so not traceable by the worker, which
 * runs as the same user), its own system call filter; then it opens packet sockets
 * on request until the worker closes its end.
 */
static void privsep_helper_main(int sock)
{
	struct sandbox_spec spec;
	int rc;

	/* lib/child left it stdio and its socket; the daemon's signals are not for it,
	 * and SIGTERM (the unit stopping) ends it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sandbox_spec_init(&spec, SANDBOX_PRIVSEP);
	rc = caps_limit_to(CAPS_NET_RAW);
	if (rc == 0)
		rc = sandbox_allow_send(&spec, sock);
	if (rc == 0)
		rc = sandbox_apply(&spec);
	if (rc != 0) {
		cli_error(CMD, "privileged helper: cannot confine itself: %s", strerror(-rc));
		_exit(EXIT_TROUBLE);
	}
	rc = privsep_serve(sock, PRIVSEP_FILTERS);
	if (rc < 0)
		cli_error(CMD, "privileged helper: %s; stopping",
			  rc == -EBADMSG ? "malformed request from the worker" : strerror(-rc));
	_exit(rc < 0 ? EXIT_TROUBLE : EXIT_OK);
}

/* Forks the helper, then this process (the worker) gives up every capability, in
 * every set, bounding set included, before it reads netlink events, frames or
 * metrics requests. */
static int split_privileges(struct daemon *d)
{
	int sock;
	pid_t pid = child_fork(&sock);

	if (pid < 0) {
		cli_error(CMD, "cannot start the privileged helper: %s", strerror((int)-pid));
		return EXIT_TROUBLE;
	}
	if (pid == 0)
		privsep_helper_main(sock);
	privsep_client_init(&d->privsep, sock, pid);
	return cli_limit_caps(CMD, CAPS_NONE);
}

/* The worker's own allow-list: it sends frames, netlink requests, metrics and
 * requests to the helper, reads what it opened, and nothing else. */
static int enter_sandbox(struct daemon *d)
{
	struct sandbox_spec spec;
	int err;

	sandbox_spec_init(&spec, SANDBOX_DAEMON);
	spec.child = d->privsep.helper;
	err = sandbox_allow_send(&spec, d->privsep.fd);
	if (err) {
		cli_error(CMD, "cannot describe the system call filter: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return cli_enter_sandbox(CMD, &spec, d->probe_sandbox ? &d->probe : NULL);
}

static int helper_lost(void)
{
	cli_error(CMD, "the privileged helper that opens packet sockets stopped; exiting (the "
		       "service manager restarts the daemon)");
	return EXIT_TROUBLE;
}

static int setup(struct daemon *d)
{
	struct nl_snapshot net = {0};
	struct aw_timing timing;
	uint64_t now = now_ns();
	int err, status;

	status = cli_read_network(CMD, &d->requests, &net, NL_LINKS);
	if (status == 0)
		status = check_named_interfaces(d, &net.links, true);
	nl_snapshot_free(&net);
	if (status)
		return status;
	status = cli_require_caps(CMD, CAPS_NET_RAW);
	if (status == 0)
		status = split_privileges(d);
	if (status)
		return status;

	/* Subscribe before the first dump, so nothing falls between the two. */
	err = nl_open(&d->events, RTMGRP_LINK | RTMGRP_IPV4_IFADDR);
	if (err) {
		cli_error(CMD, "cannot subscribe to netlink events: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	if (d->netlink_rcvbuf) {
		int size = (int)d->netlink_rcvbuf;

		setsockopt(nl_fd(&d->events), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	if (d->opts.metrics && open_metrics(d, &d->opts.metrics_addr) != 0)
		return EXIT_TROUBLE;

	d->rx = malloc(sizeof(*d->rx));
	d->due = malloc(COLLECT_CHUNK * sizeof(*d->due));
	timing_for(&d->opts, &timing);
	if (!d->rx || !d->due || aw_init(&d->aw, &timing, now) < 0 || apply_watch(d) < 0) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	err = reconcile(d, now);
	if (err) {
		cli_error(CMD, "cannot read interfaces and addresses (netlink): %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	sync_links(d, now);
	if (d->helper_lost)
		return helper_lost();
	status = enter_sandbox(d);
	if (status)
		return status;
	d->next_reconcile_ns = now + RECONCILE_EVERY_NS;
	log_watching(d, "started");
	return 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int run_loop(struct daemon *d, const sigset_t *unblocked)
{
	struct pollfd *fds = NULL;
	size_t fds_cap = 0;

	while (!cli_stop_signal) {
		uint64_t now = now_ns(), next;
		struct watched_link *polled[256];
		unsigned n = 0, metrics_first, metrics_count, link_first, link_count = 0;
		struct timespec timeout;
		size_t want = EXTRA_POLLFDS + 256;

		if (cli_hup) {
			cli_hup = 0;
			reload(d, now);
		}
		if (cli_usr1) {
			cli_usr1 = 0;
			log_state(d);
		}
		if (d->reconcile_wanted || now >= d->next_reconcile_ns) {
			int err = reconcile(d, now);

			d->reconcile_wanted = err != 0;
			d->next_reconcile_ns = now + (err ? RECONCILE_RETRY_NS : RECONCILE_EVERY_NS);
			sync_links(d, now);
		}
		start_due_runs(d, now);
		if (d->helper_lost) {
			free(fds);
			return helper_lost();
		}
		next = step_runs(d, now);
		next = earliest(next, aw_next_due(&d->aw));
		next = earliest(next, metrics_server_next_deadline(&d->metrics));
		next = earliest(next, d->next_reconcile_ns);

		if (vec_reserve_fields(fds, fds_cap, want) < 0) {
			free(fds);
			cli_error(CMD, "out of memory");
			return EXIT_TROUBLE;
		}
		fds[n].fd = nl_fd(&d->events);
		fds[n++].events = POLLIN;
		/* The helper speaks only when asked: anything from it now (its end closed,
		 * an error, a stray message) means it is gone or broken. */
		fds[n].fd = d->privsep.fd;
		fds[n++].events = POLLIN;
		metrics_first = n;
		metrics_count = metrics_server_pollfds(&d->metrics, fds + n, EXTRA_POLLFDS - 2);
		n += metrics_count;
		link_first = n;
		for (struct watched_link *wl = d->links; wl && link_count < 256; wl = wl->next) {
			if (wl->io.fd < 0)
				continue;
			fds[n].fd = wl->io.fd;
			fds[n].events = POLLIN;
			polled[link_count++] = wl;
			n++;
		}
		for (unsigned i = 0; i < n; i++)
			fds[i].revents = 0;

		now = now_ns();
		timeout.tv_sec = next > now ? (time_t)((next - now) / NS_PER_SEC) : 0;
		timeout.tv_nsec = next > now ? (long)((next - now) % NS_PER_SEC) : 0;
		if (next == UINT64_MAX) {
			timeout.tv_sec = 3600;
			timeout.tv_nsec = 0;
		}
		if (ppoll(fds, n, &timeout, unblocked) < 0) {
			if (errno == EINTR)
				continue;
			cli_error(CMD, "poll: %s", strerror(errno));
			free(fds);
			return EXIT_TROUBLE;
		}
		now = now_ns();
		if (fds[1].revents)
			d->helper_lost = true;
		for (unsigned i = 0; i < link_count; i++)
			if (fds[link_first + i].revents & POLLIN)
				on_frames(d, polled[i], now);
		if (fds[0].revents & (POLLIN | POLLERR)) {
			read_events(d, now);
			sync_links(d, now);
		}
		metrics_server_handle(&d->metrics, fds + metrics_first, metrics_count, now,
				      render_metrics, d);
	}
	free(fds);
	return EXIT_OK;
}

static void cleanup(struct daemon *d)
{
	while (d->runs) {
		struct daemon_run *dr = d->runs;

		d->runs = dr->next;
		free_run(dr);
	}
	while (d->links) {
		struct watched_link *wl = d->links;

		d->links = wl->next;
		link_close(&wl->io);
		free(wl);
	}
	metrics_server_close(&d->metrics);
	aw_free(&d->aw);
	nl_close(&d->events);
	nl_close(&d->requests);
	free(d->rx);
	free(d->due);
	privsep_client_close(&d->privsep, PRIVSEP_REAP_MS);
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon d;
	sigset_t blocked, unblocked;
	int status;

	memset(&d, 0, sizeof(d));
	d.argc = argc;
	d.argv = argv;
	privsep_client_init(&d.privsep, -1, 0);
	metrics_server_init(&d.metrics);
	json_init(&d.json, stdout);
	status = load_settings(&d, &d.opts, false);
	if (status < 0)
		return EXIT_OK;
	if (status)
		return status;

	/* Signals wait blocked and are let in only inside ppoll, so none is lost
	 * between a check of the flags and the wait. */
	cli_catch_signals(NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGHUP);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, &unblocked);

	status = setup(&d);
	if (status == 0) {
		status = run_loop(&d, &unblocked);
		if (status == EXIT_OK) {
			if (d.opts.json) {
				json_object_begin(&d.json, NULL);
				json_string(&d.json, "event", "stopped");
				json_object_end(&d.json);
				json_done(&d);
			} else {
				log_line(&d, "stopped by signal %d", (int)cli_stop_signal);
			}
		}
	}
	cleanup(&d);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	return cli_finish_output(CMD, status);
}
