/* arpkit watch: see moves, flip-flops, conflicts and stale caches as they happen. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "capfile.h"
#include "caps.h"
#include "child.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "frame.h"
#include "hookrun.h"
#include "netlink.h"
#include "number.h"
#include "output.h"
#include "pace.h"
#include "rxring.h"
#include "sandbox.h"
#include "stationdb.h"
#include "watch_events.h"

#define CMD "watch"
#define MAX_IFACES 32
#define MAX_NETS 64
#define DEFAULT_DB_DIR "/var/lib/arpkit"
#define DEFAULT_DB DEFAULT_DB_DIR "/watch.db"
#define OFFLINE_IFACE "pcap"
#define FLUSH_INTERVAL_NS NS_PER_SEC
#define POLL_TIMEOUT_MS 200
#define OFFLINE_CHECK_EVERY 65536 /* frames between looks at signals, clock and hooks */
#define DETAIL_LEN 160
/* Live, provisional verdicts close once every frame up to the window's end has come out of
 * the rings: a block is handed over at latest its retire time after its first frame. */
#define LIVE_DELIVERY_SLACK_NS (4 * RXRING_DEFAULT_RETIRE_MS * NS_PER_MS)

struct live_iface {
	const char *name;
	struct link io;
	struct rxring ring;
	unsigned index;       /* in the event engine */
};

struct watch_cmd {
	/* Options. */
	const char *iface_names[MAX_IFACES];
	unsigned iface_count;
	const char *read_file;
	const char *db_path;
	bool no_db, json, quiet, use_syslog;
	struct watch_subnet nets[MAX_NETS];
	unsigned net_count;
	struct watch_config cfg;
	const char *exec_command;
	unsigned long exec_rate;
	bool probe_sandbox;      /* hidden test option: make a forbidden call once sandboxed */
	enum sandbox_probe probe;

	/* Run state. */
	struct watch *engine;
	struct stationdb *db;
	struct capfile *cap;
	unsigned offline_iface;
	struct live_iface ifaces[MAX_IFACES];
	struct nl nl;
	struct hookrun hooks;
	struct json j;
	uint64_t last_flush_ns;
	bool printed;
	int failure;          /* EXIT_TROUBLE once a write to the database failed */
	bool db_failed;
};

static const char usage_text[] =
	"Usage: arpkit watch [-I IFACE]... [-r FILE] [OPTIONS]\n"
	"\n"
	"Watch ARP (and IPv4 unicast) and report, one line per event:\n"
	"  new-station     an address claimed for the first time\n"
	"  changed-mac     an address now claimed from another MAC (a move or a takeover)\n"
	"  flip-flop       an address back at the MAC it had just before, within the window\n"
	"  conflict        two MACs keep claiming one address within the conflict window\n"
	"                  (LVS ARP problem, split brain, spoofing); names both\n"
	"  arp-leak        a MAC sends ARP requests from an address another MAC answers\n"
	"                  for (an LVS real server with arp_announce=0); holder kept\n"
	"  gratuitous      an announcement (sender IP = target IP, or reply to broadcast)\n"
	"  bogon           a sender outside the interface's subnets (or --net)\n"
	"  ether-mismatch  Ethernet source differs from the ARP sender MAC\n"
	"  stale-cache     an IPv4 frame for a moved address sent to its old MAC: the\n"
	"                  sender still holds a stale ARP entry (needs a mirror port or\n"
	"                  the old holder itself)\n"
	"  stale-cache-cleared  a neighbour reported stale now sends to the holder\n"
	"\n"
	"A claim from a new MAC less than the conflict window after the holder's last\n"
	"claim (or any plain request from a new MAC) is judged when the window closes.\n"
	"\n"
	"  -I, --interface IF  watch IF live (repeatable; default every up ARP interface);\n"
	"                      with -r, names the capture's interface (default 'pcap')\n"
	"  -r, --read FILE     read a pcap or pcapng file (Ethernet) instead; '-' is stdin\n"
	"      --db FILE       station database (default " DEFAULT_DB " when root and\n"
	"                      live; none for -r or without root)\n"
	"      --no-db         keep stations in memory only\n"
	"      --net CIDR      also a local subnet (repeatable); with -r, the only subnets:\n"
	"                      no --net, no bogon check\n"
	"      --flip-flop-window S  seconds (default 600)\n"
	"      --conflict-window S   seconds, fractions allowed (default 2)\n"
	"      --max-stations N      table size limit (default 1048576)\n"
	"      --json          one JSON object per event\n"
	"      --exec CMD      run CMD (sh -c) per event, fields in ARPKIT_* variables\n"
	"      --exec-rate N   at most N hooks per second, 4 at once (default 10); the\n"
	"                      rest are dropped and counted\n"
	"      --syslog        also log each event to syslog (daemon facility)\n"
	"  -q, --quiet         no event lines on stdout (with --syslog or --exec)\n"
	"  -h, --help          this text\n"
	"\n"
	"Counters go to stderr on SIGUSR1 and at exit. SIGINT/SIGTERM stop cleanly.\n"
	"Exit status: 0 stopped or end of file, 2 usage, database or system error.\n";

enum {
	OPT_DB = 256, OPT_NO_DB, OPT_NET, OPT_FLIP_FLOP, OPT_CONFLICT, OPT_MAX_STATIONS, OPT_JSON,
	OPT_EXEC, OPT_EXEC_RATE, OPT_SYSLOG, OPT_SANDBOX_PROBE,
};

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"read", required_argument, NULL, 'r'},
	{"db", required_argument, NULL, OPT_DB},
	{"no-db", no_argument, NULL, OPT_NO_DB},
	{"net", required_argument, NULL, OPT_NET},
	{"flip-flop-window", required_argument, NULL, OPT_FLIP_FLOP},
	{"conflict-window", required_argument, NULL, OPT_CONFLICT},
	{"max-stations", required_argument, NULL, OPT_MAX_STATIONS},
	{"json", no_argument, NULL, OPT_JSON},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"exec-rate", required_argument, NULL, OPT_EXEC_RATE},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	/* Not in --help: for the tests, which prove a forbidden call kills watch. */
	{"sandbox-probe", required_argument, NULL, OPT_SANDBOX_PROBE},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_window(const char *opt, const char *text, uint64_t max_ms, uint64_t *out_ns)
{
	uint64_t ms;
	int err = parse_seconds_ms(text, max_ms, &ms);

	if (err == -ERANGE)
		return cli_usage_error(CMD, "%s '%s' is out of range [0, %" PRIu64 "] seconds", opt,
				       text, max_ms / 1000);
	if (err)
		return cli_usage_error(CMD, "%s '%s' is not a number of seconds", opt, text);
	*out_ns = ms * NS_PER_MS;
	return 0;
}

static int parse_net(struct watch_cmd *c, const char *text)
{
	struct watch_subnet *n;

	if (c->net_count == MAX_NETS)
		return cli_usage_error(CMD, "too many --net (at most %d)", MAX_NETS);
	n = &c->nets[c->net_count];
	if (ipv4_parse_cidr(text, &n->net, &n->prefixlen) < 0)
		return cli_usage_error(CMD, "invalid --net '%s' (want A.B.C.D/N)", text);
	c->net_count++;
	return 0;
}

static int parse_options(struct watch_cmd *c, int argc, char **argv)
{
	unsigned long n;
	int opt, err;

	watch_config_default(&c->cfg);
	c->exec_rate = 10;
	while ((opt = getopt_long(argc, argv, "+I:r:qh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			if (c->iface_count == MAX_IFACES)
				return cli_usage_error(CMD, "too many -I (at most %d)", MAX_IFACES);
			c->iface_names[c->iface_count++] = optarg;
			break;
		case 'r':
			c->read_file = optarg;
			break;
		case OPT_DB:
			c->db_path = optarg;
			break;
		case OPT_NO_DB:
			c->no_db = true;
			break;
		case OPT_NET:
			if ((err = parse_net(c, optarg)))
				return err;
			break;
		case OPT_FLIP_FLOP:
			if ((err = parse_window("--flip-flop-window", optarg, 7 * 86400 * 1000ull,
						&c->cfg.flip_flop_window_ns)))
				return err;
			break;
		case OPT_CONFLICT:
			if ((err = parse_window("--conflict-window", optarg, 3600 * 1000ull,
						&c->cfg.conflict_window_ns)))
				return err;
			break;
		case OPT_MAX_STATIONS:
			if (!cli_parse_ulong(CMD, "--max-stations", optarg, 1, 1ul << 26, &n))
				return EXIT_TROUBLE;
			c->cfg.max_stations = n;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_EXEC:
			if (!*optarg)
				return cli_usage_error(CMD, "--exec needs a command");
			c->exec_command = optarg;
			break;
		case OPT_EXEC_RATE:
			if (!cli_parse_ulong(CMD, "--exec-rate", optarg, 1, 10000, &n))
				return EXIT_TROUBLE;
			c->exec_rate = n;
			break;
		case OPT_SYSLOG:
			c->use_syslog = true;
			break;
		case OPT_SANDBOX_PROBE:
			if (sandbox_probe_parse(optarg, &c->probe) < 0)
				return cli_usage_error(CMD, "unknown --sandbox-probe '%s'", optarg);
			c->probe_sandbox = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return cli_usage_error(CMD, "invalid option");
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (c->read_file && c->iface_count > 1)
		return cli_usage_error(CMD, "with -r, -I names the capture's one interface");
	if (c->db_path && c->no_db)
		return cli_usage_error(CMD, "--db and --no-db contradict each other");
	return 0;
}

/* Event output. */

static void format_time(uint64_t time_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(time_ns / NS_PER_SEC);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(time_ns % NS_PER_SEC / 1000));
}

static const char *op_name(uint16_t op)
{
	return op == ARP_OP_REPLY ? "reply" : "request";
}

static void describe(const struct watch_cmd *c, const struct watch_event *e, char *buf, size_t len)
{
	char mac[MAC_STRLEN], old[MAC_STRLEN], ip[IPV4_STRLEN];
	double age = (double)e->age_ns / 1e9;

	switch (e->kind) {
	case WATCH_NEW_STATION:
		snprintf(buf, len, "first claim (ARP %s)", op_name(e->arp_op));
		break;
	case WATCH_CHANGED_MAC:
		snprintf(buf, len, "moved from %s after %.1f s", mac_format(&e->old_mac, mac), age);
		break;
	case WATCH_FLIP_FLOP:
		snprintf(buf, len, "back from %s after %.1f s", mac_format(&e->old_mac, mac), age);
		break;
	case WATCH_CONFLICT:
		snprintf(buf, len, "both %s and %s claim it (%s %.3f s earlier)",
			 mac_format(&e->mac, mac), mac_format(&e->old_mac, old),
			 mac_format(&e->old_mac, old), age);
		break;
	case WATCH_ARP_LEAK:
		snprintf(buf, len, "sends ARP from it while %s answers for it and keeps it",
			 mac_format(&e->old_mac, mac));
		break;
	case WATCH_STALE_CLEARED:
		snprintf(buf, len, "%s (%s) now sends to the holder, not %s (after %.1f s)",
			 mac_format(&e->sender_mac, mac),
			 e->has_sender_ip ? ipv4_format(e->sender_ip, ip) : "IP unknown",
			 mac_format(&e->old_mac, old), age);
		break;
	case WATCH_GRATUITOUS:
		snprintf(buf, len, "announcement (ARP %s)", op_name(e->arp_op));
		break;
	case WATCH_BOGON:
		snprintf(buf, len, "sender outside the subnets of %s", watch_iface_name(c->engine, e->iface));
		break;
	case WATCH_ETHER_MISMATCH:
		snprintf(buf, len, "Ethernet source %s", mac_format(&e->sender_mac, mac));
		break;
	case WATCH_STALE_CACHE:
		snprintf(buf, len, "%s (%s) still sends to %s", mac_format(&e->sender_mac, mac),
			 e->has_sender_ip ? ipv4_format(e->sender_ip, ip) : "IP unknown",
			 mac_format(&e->old_mac, old));
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

static bool is_stale_kind(enum watch_event_kind kind)
{
	return kind == WATCH_STALE_CACHE || kind == WATCH_STALE_CLEARED;
}

static bool names_sender(enum watch_event_kind kind)
{
	return is_stale_kind(kind) || kind == WATCH_ETHER_MISMATCH;
}

struct event_text {
	char time[40];
	char ip[IPV4_STRLEN];
	char mac[MAC_STRLEN];
	char old_mac[MAC_STRLEN];
	char vlan[8];
	char sender_mac[MAC_STRLEN];
	char sender_ip[IPV4_STRLEN];
	char detail[DETAIL_LEN];
	const char *iface;
};

static void event_text(const struct watch_cmd *c, const struct watch_event *e, struct event_text *t)
{
	format_time(e->time_ns, t->time, sizeof(t->time));
	ipv4_format(e->ip, t->ip);
	mac_format(&e->mac, t->mac);
	if (e->has_old_mac)
		mac_format(&e->old_mac, t->old_mac);
	else
		strcpy(t->old_mac, "-");
	if (e->vlan == VLAN_NONE)
		strcpy(t->vlan, "-");
	else
		snprintf(t->vlan, sizeof(t->vlan), "%d", e->vlan);
	t->sender_mac[0] = t->sender_ip[0] = '\0';
	if (names_sender(e->kind))
		mac_format(&e->sender_mac, t->sender_mac);
	if (e->has_sender_ip)
		ipv4_format(e->sender_ip, t->sender_ip);
	describe(c, e, t->detail, sizeof(t->detail));
	t->iface = watch_iface_name(c->engine, e->iface);
}

static void print_json(struct watch_cmd *c, const struct watch_event *e, const struct event_text *t)
{
	json_object_begin(&c->j, NULL);
	json_string(&c->j, "event", watch_event_name(e->kind));
	json_string(&c->j, "time", t->time);
	json_string(&c->j, "ip", t->ip);
	json_string(&c->j, "mac", t->mac);
	json_string(&c->j, "old_mac", e->has_old_mac ? t->old_mac : NULL);
	json_string(&c->j, "interface", t->iface);
	if (e->vlan == VLAN_NONE)
		json_null(&c->j, "vlan");
	else
		json_int(&c->j, "vlan", e->vlan);
	json_string(&c->j, "detail", t->detail);
	if (names_sender(e->kind))
		json_string(&c->j, "sender_mac", t->sender_mac);
	if (is_stale_kind(e->kind))
		json_string(&c->j, "sender_ip", e->has_sender_ip ? t->sender_ip : NULL);
	json_object_end(&c->j);
}

static int syslog_priority(enum watch_event_kind kind)
{
	switch (kind) {
	case WATCH_NEW_STATION:
	case WATCH_GRATUITOUS:
		return LOG_INFO;
	case WATCH_CHANGED_MAC:
		return LOG_NOTICE;
	default:
		return LOG_WARNING;
	}
}

/*
 * Hooks run from a launcher forked before anything is opened (lib/hookrun): watch's
 * own system call filter would be inherited by every hook, and a parsing process
 * that may fork and execute programs is what the filter exists to prevent.
 */

#define HOOK_MAX_RUNNING 4
#define HOOK_START_TIMEOUT_MS 5000
#define HOOK_FINISH_TIMEOUT_MS 2000

/* The launcher's life (lib/child: nothing but stdio and its socket; it ends when
 * watch closes): no capability, no filter. */
static void hook_launcher_main(int sock, const char *command, unsigned long rate)
{
	int rc;

	if (caps_limit_to(CAPS_NONE) != 0) {
		cli_error(CMD, "hook launcher: cannot drop capabilities; not running hooks");
		_exit(EXIT_TROUBLE);
	}
	/* Twice watch's own limits: a backstop against a watch gone wrong, never the
	 * limit a well-behaved one meets. */
	rc = hookrun_serve(sock, command, 2 * HOOK_MAX_RUNNING, 2 * (uint64_t)rate);
	if (rc < 0)
		cli_error(CMD, "hook launcher: %s; no more hooks",
			  rc == -EBADMSG ? "malformed request from watch" : strerror(-rc));
	_exit(rc < 0 ? EXIT_TROUBLE : EXIT_OK);
}

static int start_hooks(struct watch_cmd *c)
{
	int sock, err;
	pid_t pid = child_fork(&sock);

	if (pid < 0) {
		cli_error(CMD, "cannot start the hook launcher: %s", strerror((int)-pid));
		return EXIT_TROUBLE;
	}
	if (pid == 0)
		hook_launcher_main(sock, c->exec_command, c->exec_rate);
	err = hookrun_start(&c->hooks, sock, pid, HOOK_MAX_RUNNING, c->exec_rate, now_ns(),
			    HOOK_START_TIMEOUT_MS);
	if (err) {
		cli_error(CMD, "the hook launcher did not start: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

static void hook_run(struct watch_cmd *c, const struct watch_event *e, const struct event_text *t)
{
	struct hookrun_request req;

	hookrun_request_init(&req);
	hookrun_request_set(&req, HOOKRUN_EVENT, watch_event_name(e->kind));
	hookrun_request_set(&req, HOOKRUN_TIME, t->time);
	hookrun_request_set(&req, HOOKRUN_IP, t->ip);
	hookrun_request_set(&req, HOOKRUN_MAC, t->mac);
	hookrun_request_set(&req, HOOKRUN_OLD_MAC, e->has_old_mac ? t->old_mac : "");
	hookrun_request_set(&req, HOOKRUN_INTERFACE, t->iface);
	hookrun_request_set(&req, HOOKRUN_VLAN, e->vlan == VLAN_NONE ? "" : t->vlan);
	hookrun_request_set(&req, HOOKRUN_DETAIL, t->detail);
	hookrun_request_set(&req, HOOKRUN_SENDER_MAC, t->sender_mac);
	hookrun_request_set(&req, HOOKRUN_SENDER_IP, t->sender_ip);
	hookrun_request(&c->hooks, &req, now_ns());
}

/* The engine's event callback. */
static void emit(void *ctx, const struct watch_event *e)
{
	struct watch_cmd *c = ctx;
	struct event_text t;

	if (c->quiet && !c->use_syslog && !c->exec_command)
		return; /* counted by the engine; nothing to render */
	event_text(c, e, &t);
	if (!c->quiet) {
		if (c->json)
			print_json(c, e, &t);
		else
			printf("%s %s %s %s %s %s %s %s\n", t.time, watch_event_name(e->kind), t.ip,
			       t.mac, t.old_mac, t.iface, t.vlan, t.detail);
		c->printed = true;
	}
	if (c->use_syslog)
		syslog(syslog_priority(e->kind), "%s %s %s old %s on %s vlan %s: %s",
		       watch_event_name(e->kind), t.ip, t.mac, t.old_mac, t.iface, t.vlan, t.detail);
	if (c->exec_command)
		hook_run(c, e, &t);
}

/* Counters. */

static void kernel_counters(struct watch_cmd *c, uint64_t *packets, uint64_t *drops)
{
	*packets = *drops = 0;
	for (unsigned i = 0; i < c->iface_count; i++) {
		uint64_t p, d;

		if (rxring_stats(&c->ifaces[i].ring, &p, &d) == 0) {
			*packets += p;
			*drops += d;
		}
	}
}

static void print_counters(struct watch_cmd *c)
{
	const struct watch_counters *k = watch_counters(c->engine);
	uint64_t packets, drops;
	bool live = !c->read_file;

	kernel_counters(c, &packets, &drops);
	if (c->json) {
		struct json j;

		json_init(&j, stderr);
		json_object_begin(&j, NULL);
		json_object_begin(&j, "counters");
		json_uint(&j, "frames", k->frames);
		json_uint(&j, "arp", k->arp);
		json_uint(&j, "ipv4", k->ipv4);
		json_uint(&j, "malformed", k->malformed);
		json_uint(&j, "other", k->other);
		json_uint(&j, "probes", k->probes);
		json_uint(&j, "stations", watch_station_count(c->engine));
		json_uint(&j, "table_full", k->table_full);
		json_object_begin(&j, "events");
		for (unsigned i = 0; i < WATCH_EVENT_KINDS; i++)
			json_uint(&j, watch_event_name(i), k->events[i]);
		json_object_end(&j);
		json_object_begin(&j, "repeats");
		for (unsigned i = 0; i < WATCH_EVENT_KINDS; i++)
			json_uint(&j, watch_event_name(i), k->repeats[i]);
		json_object_end(&j);
		if (live) {
			json_uint(&j, "kernel_packets", packets);
			json_uint(&j, "kernel_drops", drops);
		} else {
			json_null(&j, "kernel_drops");
		}
		json_uint(&j, "hooks_run", c->hooks.started);
		json_uint(&j, "hooks_dropped", c->hooks.dropped);
		json_uint(&j, "hooks_failed", c->hooks.failed);
		json_object_end(&j);
		json_object_end(&j);
		fflush(stderr);
		return;
	}
	fprintf(stderr, "arpkit watch: %" PRIu64 " frames (%" PRIu64 " ARP, %" PRIu64 " IPv4, %" PRIu64
			" malformed, %" PRIu64 " other, %" PRIu64 " probes), %zu stations",
		k->frames, k->arp, k->ipv4, k->malformed, k->other, k->probes,
		watch_station_count(c->engine));
	if (k->table_full)
		fprintf(stderr, " (table full: %" PRIu64 " dropped)", k->table_full);
	fputs("; events:", stderr);
	for (unsigned i = 0; i < WATCH_EVENT_KINDS; i++)
		fprintf(stderr, " %s %" PRIu64, watch_event_name(i), k->events[i]);
	for (unsigned i = 0, first = 1; i < WATCH_EVENT_KINDS; i++)
		if (k->repeats[i]) {
			fprintf(stderr, "%s %s %" PRIu64, first ? "; repeats not reported:" : ",",
				watch_event_name(i), k->repeats[i]);
			first = 0;
		}
	if (live)
		fprintf(stderr, "; kernel drops %" PRIu64, drops);
	if (c->exec_command)
		fprintf(stderr, "; hooks run %" PRIu64 ", dropped %" PRIu64 ", failed %" PRIu64,
			c->hooks.started, c->hooks.dropped, c->hooks.failed);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Database. */

/* Stations of interfaces this run does not watch stay in the database, untouched: the
 * engine's interface slots belong to the interfaces being watched. */
static int restore_row(const struct watch_station_record *rec, const char *iface, void *ctx)
{
	struct watch *engine = ctx;
	struct watch_station_record copy = *rec;
	int index = watch_iface_find(engine, iface);

	if (index < 0)
		return STATIONDB_ROW_LEFT_OUT;
	copy.iface = (unsigned)index;
	return watch_restore(engine, &copy);
}

static int choose_db(struct watch_cmd *c)
{
	if (c->no_db || c->db_path)
		return 0;
	if (c->read_file || geteuid() != 0) {
		if (!c->read_file)
			cli_error(CMD, "note: no --db, so stations are not kept across restarts");
		c->no_db = true;
		return 0;
	}
	if (mkdir(DEFAULT_DB_DIR, 0755) < 0 && errno != EEXIST) {
		cli_error(CMD, "cannot create %s: %s", DEFAULT_DB_DIR, strerror(errno));
		return EXIT_TROUBLE;
	}
	c->db_path = DEFAULT_DB;
	return 0;
}

static int open_db(struct watch_cmd *c)
{
	char why[256];
	size_t skipped = 0;
	long rows;
	int err;

	if (c->no_db)
		return 0;
	err = stationdb_open(&c->db, c->db_path, why, sizeof(why));
	switch (err) {
	case 0:
		break;
	case STATIONDB_FOREIGN:
		cli_error(CMD, "'%s' is not an arpkit watch database (%s); refusing to touch it",
			  c->db_path, why);
		return EXIT_TROUBLE;
	case STATIONDB_CORRUPT:
		cli_error(CMD, "database '%s' is corrupt (integrity check: %s); move it aside",
			  c->db_path, why);
		return EXIT_TROUBLE;
	case STATIONDB_NEWER:
		cli_error(CMD, "database '%s' was written by a newer arpkit", c->db_path);
		return EXIT_TROUBLE;
	case STATIONDB_READONLY:
		cli_error(CMD, "database '%s' is read-only here (%s); watch must write it", c->db_path,
			  why);
		return EXIT_TROUBLE;
	default:
		cli_error(CMD, "cannot open database '%s': %s%s%s", c->db_path, strerror(-err),
			  *why ? ": " : "", why);
		return EXIT_TROUBLE;
	}
	rows = stationdb_load(c->db, restore_row, c->engine, &skipped);
	if (rows < 0) {
		cli_error(CMD, "cannot read database '%s': %s", c->db_path, strerror((int)-rows));
		return EXIT_TROUBLE;
	}
	if (skipped)
		cli_error(CMD, "database '%s': %zu unreadable station rows skipped", c->db_path,
			  skipped);
	return 0;
}

static int flush_db(struct watch_cmd *c)
{
	struct watch_station_record rec;
	size_t cursor = 0;
	int err;

	c->last_flush_ns = now_ns();
	if (!c->db || c->db_failed || watch_dirty_count(c->engine) == 0)
		return 0;
	err = stationdb_begin(c->db);
	while (!err && watch_take_dirty(c->engine, &cursor, &rec))
		err = stationdb_put(c->db, &rec, watch_iface_name(c->engine, rec.iface));
	if (!err)
		err = stationdb_commit(c->db);
	if (err) {
		stationdb_rollback(c->db);
		cli_error(CMD, "cannot write database '%s': %s", c->db_path, strerror(-err));
		c->failure = EXIT_TROUBLE;
		c->db_failed = true; /* said once; the exit flush does not try again */
	}
	return err;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Housekeeping between batches: closing windows (live), signals, the flush, hooks. */
static void tick(struct watch_cmd *c)
{
	if (!c->read_file)
		watch_expire(c->engine, realtime_ns() - LIVE_DELIVERY_SLACK_NS);
	if (c->printed) {
		fflush(stdout);
		c->printed = false;
	}
	if (cli_usr1) {
		cli_usr1 = 0;
		print_counters(c);
	}
	if (now_ns() - c->last_flush_ns >= FLUSH_INTERVAL_NS)
		flush_db(c);
	if (c->exec_command)
		hookrun_collect(&c->hooks);
}

/* Offline. */

static int open_capture(struct watch_cmd *c)
{
	char err[CAPFILE_ERRBUF];
	int index = watch_iface(c->engine, c->iface_count ? c->iface_names[0] : OFFLINE_IFACE);

	if (index < 0)
		return cli_usage_error(CMD, "invalid interface name %s", QUOTE(c->iface_names[0]));
	c->offline_iface = (unsigned)index;
	if (c->net_count && watch_set_subnets(c->engine, c->offline_iface, c->nets, c->net_count) < 0)
		return EXIT_TROUBLE;
	if (capfile_open(&c->cap, c->read_file, err)) {
		cli_error(CMD, "cannot read '%s': %s", c->read_file, err);
		return EXIT_TROUBLE;
	}
	return 0;
}

static int run_offline(struct watch_cmd *c)
{
	char err[CAPFILE_ERRBUF];
	const uint8_t *data;
	size_t len;
	uint64_t time_ns, n = 0;
	int rc = 0;

	while (!cli_stop_signal && (rc = capfile_next(c->cap, &data, &len, &time_ns, err)) == 1) {
		watch_frame(c->engine, c->offline_iface, time_ns, data, len);
		if (++n % OFFLINE_CHECK_EVERY == 0)
			tick(c);
	}
	if (rc < 0) {
		cli_error(CMD, "'%s' is damaged or cut short after %" PRIu64 " frames: %s",
			  c->read_file, n, err);
		c->failure = EXIT_TROUBLE;
	}
	return 0;
}

/* Live. */

static int load_subnets(struct watch_cmd *c)
{
	for (unsigned i = 0; i < c->iface_count; i++) {
		struct live_iface *ifc = &c->ifaces[i];
		struct watch_subnet nets[MAX_NETS * 2];
		nl_addr_list addrs = {0};
		size_t count = 0;
		int err = nl_dump_addrs(&c->nl, ifc->io.ifindex, &addrs);

		if (err) {
			cli_error(CMD, "cannot read the addresses of '%s': %s", ifc->name, strerror(-err));
			return EXIT_TROUBLE;
		}
		for (size_t a = 0; a < addrs.count && count < MAX_NETS; a++) {
			nets[count].net = addrs.items[a].addr.v4;
			nets[count].prefixlen = addrs.items[a].prefixlen;
			count++;
		}
		free(addrs.items);
		for (unsigned k = 0; k < c->net_count; k++)
			nets[count++] = c->nets[k];
		/* A mirror port without addresses knows no subnets: no bogon check there. */
		if (count)
			err = watch_set_subnets(c->engine, ifc->index, nets, count);
		else
			watch_clear_subnets(c->engine, ifc->index);
		if (err)
			return EXIT_TROUBLE;
	}
	return 0;
}

static int default_interfaces(struct watch_cmd *c)
{
	static char names[MAX_IFACES][IF_NAMESIZE];
	nl_link_list links = {0};
	int err = nl_dump_links(&c->nl, &links);

	if (err) {
		cli_error(CMD, "cannot list interfaces (netlink): %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	for (size_t i = 0; i < links.count && c->iface_count < MAX_IFACES; i++) {
		const struct nl_link *l = &links.items[i];

		if (!(l->flags & IFF_UP) || !nl_link_is_arp_capable(l))
			continue;
		strcpy(names[c->iface_count], l->name);
		c->iface_names[c->iface_count] = names[c->iface_count];
		c->iface_count++;
	}
	free(links.items);
	if (c->iface_count == 0) {
		cli_error(CMD, "no interface is up and ARP-capable; name one with -I");
		return EXIT_TROUBLE;
	}
	return 0;
}

struct ring_ctx {
	struct watch_cmd *c;
	unsigned index;
};

static void on_ring_frame(void *ctx, const uint8_t *frame, size_t len, uint64_t time_ns)
{
	struct ring_ctx *r = ctx;

	watch_frame(r->c->engine, r->index, time_ns, frame, len);
}

/* The live interfaces get their engine slots before the database is read. */
static int register_interfaces(struct watch_cmd *c)
{
	for (unsigned i = 0; i < c->iface_count; i++) {
		struct live_iface *ifc = &c->ifaces[i];
		int index = watch_iface(c->engine, c->iface_names[i]);

		if (index < 0)
			return cli_usage_error(CMD, "invalid interface name %s", QUOTE(c->iface_names[i]));
		ifc->name = c->iface_names[i];
		ifc->index = (unsigned)index;
	}
	return 0;
}

static int open_interfaces(struct watch_cmd *c)
{
	int status = 0;

	for (unsigned i = 0; i < c->iface_count && status == 0; i++) {
		struct live_iface *ifc = &c->ifaces[i];
		int err;

		status = cli_open_link(CMD, &ifc->io, ifc->name, LINK_FILTER_ARP_IPV4);
		if (status)
			break;
		err = rxring_setup(&ifc->ring, ifc->io.fd, RXRING_DEFAULT_BLOCK_SIZE,
				   RXRING_DEFAULT_BLOCKS, RXRING_DEFAULT_RETIRE_MS);
		if (err) {
			cli_error(CMD, "cannot set up the receive ring on '%s': %s", ifc->name,
				  strerror(-err));
			status = EXIT_TROUBLE;
			break;
		}
	}
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	return status;
}

/* A block the kernel is still filling is handed over only when its retire timer fires:
 * wait for that once, so frames seen just before the stop are not lost. */
static void final_drain(struct watch_cmd *c, struct ring_ctx *ctx)
{
	struct timespec pause = {0, 2 * RXRING_DEFAULT_RETIRE_MS * 1000 * 1000};

	nanosleep(&pause, NULL);
	for (unsigned i = 0; i < c->iface_count; i++)
		rxring_drain(&c->ifaces[i].ring, on_ring_frame, &ctx[i], c->ifaces[i].ring.block_count);
}

static int run_live(struct watch_cmd *c)
{
	struct pollfd fds[MAX_IFACES];
	struct ring_ctx ctx[MAX_IFACES];

	for (unsigned i = 0; i < c->iface_count; i++) {
		fds[i].fd = c->ifaces[i].io.fd;
		fds[i].events = POLLIN;
		ctx[i].c = c;
		ctx[i].index = c->ifaces[i].index;
	}
	while (!cli_stop_signal && !c->failure) {
		int n = poll(fds, c->iface_count, POLL_TIMEOUT_MS);

		if (n < 0 && errno != EINTR) {
			cli_error(CMD, "poll: %s", strerror(errno));
			return EXIT_TROUBLE;
		}
		/* Blocks can be ready without POLLIN having been seen; look at every ring. */
		for (unsigned i = 0; i < c->iface_count; i++)
			rxring_drain(&c->ifaces[i].ring, on_ring_frame, &ctx[i],
				     c->ifaces[i].ring.block_count);
		if (cli_hup) {
			cli_hup = 0;
			if (load_subnets(c))
				return EXIT_TROUBLE;
		}
		tick(c);
	}
	final_drain(c, ctx);
	return 0;
}

/*
 * From here on watch only reads what it opened and writes its output (lib/sandbox):
 * a call outside that list kills it with SIGSYS. Its packet sockets are never
 * written to: it sends only on its netlink socket and to the hook launcher (and,
 * with --syslog, to the log socket, which comes and goes).
 */
static int enter_sandbox(struct watch_cmd *c)
{
	struct sandbox_spec spec;
	int err = 0;

	sandbox_spec_init(&spec, SANDBOX_WATCH);
	if (c->db)
		spec.needs |= SANDBOX_NEED_DB;
	if (c->use_syslog)
		spec.needs |= SANDBOX_NEED_SYSLOG;
	if (!c->read_file)
		err = sandbox_allow_send(&spec, nl_fd(&c->nl));
	if (!err && c->hooks.fd >= 0) {
		err = sandbox_allow_send(&spec, c->hooks.fd);
		spec.child = c->hooks.launcher;
	}
	if (err) { /* more descriptors than a spec holds: a defect, not a condition */
		cli_error(CMD, "cannot describe the system call filter: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return cli_enter_sandbox(CMD, &spec, c->probe_sandbox ? &c->probe : NULL);
}

static int run(struct watch_cmd *c)
{
	int status = c->exec_command ? start_hooks(c) : 0;

	if (status)
		return status;
	status = watch_create(&c->engine, &c->cfg, emit, c);
	if (status) {
		cli_error(CMD, "%s", strerror(-status));
		return EXIT_TROUBLE;
	}
	/* Nothing from outside (a capture, the database, netlink) is read holding more
	 * than the packet sockets need: CAP_NET_RAW live, nothing at all with -r. */
	if (c->read_file)
		status = cli_limit_caps(CMD, CAPS_NONE);
	else if ((status = cli_require_caps(CMD, CAPS_NET_RAW)) == 0)
		status = cli_limit_caps(CMD, CAPS_NET_RAW);
	if (!status && c->read_file)
		status = open_capture(c);
	if (!status)
		status = choose_db(c);
	if (!status && !c->read_file) {
		int err = nl_open(&c->nl, 0);

		if (err) {
			cli_error(CMD, "cannot open netlink: %s", strerror(-err));
			return EXIT_TROUBLE;
		}
		if (c->iface_count == 0)
			status = default_interfaces(c);
		if (!status)
			status = register_interfaces(c);
	}
	/* The database is input too: a foreign one is refused before any socket opens. */
	if (!status)
		status = open_db(c);
	if (!status && !c->read_file)
		status = open_interfaces(c);
	if (!status && !c->read_file)
		status = load_subnets(c);
	if (status)
		return status;

	/* LOG_NDELAY: connected now, before the filter; it reconnects if the log daemon
	 * restarts. */
	if (c->use_syslog)
		openlog("arpkit-watch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	json_init(&c->j, stdout);
	cli_catch_signals(NULL);
	status = enter_sandbox(c);
	if (status)
		return status;
	c->last_flush_ns = now_ns();
	status = c->read_file ? run_offline(c) : run_live(c);
	watch_finish(c->engine); /* verdicts still provisional, with what was seen */
	if (c->printed)
		fflush(stdout);
	flush_db(c);
	hookrun_drain(&c->hooks, HOOK_FINISH_TIMEOUT_MS);
	print_counters(c);
	if (c->use_syslog)
		closelog();
	if (!status)
		status = c->failure;
	return cli_finish_output(CMD, status);
}

static void cleanup(struct watch_cmd *c)
{
	for (unsigned i = 0; i < MAX_IFACES; i++) {
		rxring_close(&c->ifaces[i].ring);
		link_close(&c->ifaces[i].io);
	}
	if (c->nl.sock)
		nl_close(&c->nl);
	stationdb_close(c->db);
	capfile_close(c->cap);
	watch_free(c->engine);
	hookrun_close(&c->hooks, HOOK_FINISH_TIMEOUT_MS);
}

int cmd_watch(int argc, char **argv)
{
	struct watch_cmd *c = calloc(1, sizeof(*c));
	int status;

	if (!c) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	for (unsigned i = 0; i < MAX_IFACES; i++) {
		link_init(&c->ifaces[i].io);
		rxring_init(&c->ifaces[i].ring);
	}
	hookrun_init(&c->hooks);
	status = parse_options(c, argc, argv);
	if (status < 0)
		status = EXIT_OK;
	else if (status == 0)
		status = run(c);
	cleanup(c);
	free(c);
	return status;
}
