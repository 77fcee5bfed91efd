#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "number.h"
#include "output.h"
#include "vendor.h"

volatile sig_atomic_t cli_stop_signal;
volatile sig_atomic_t cli_hup;
volatile sig_atomic_t cli_usr1;

/* A diagnostic is one line of bounded length. Untrusted text in it is quoted by the
 * caller (quote.h); this is the backstop for any that is not: a control byte is
 * written as \xHH, so no message can move the cursor or fake a second line. */
#define MESSAGE_MAX 1024

static void verror(const char *cmd, const char *suffix, const char *fmt, va_list ap)
{
	char message[MESSAGE_MAX];
	int n = vsnprintf(message, sizeof(message), fmt, ap);

	fprintf(stderr, "arpkit %s: ", cmd);
	for (const char *p = message; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, stderr);
	}
	if (n >= (int)sizeof(message))
		fputs("...", stderr);
	fputs(suffix, stderr);
	fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, "", fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char hint[64];
	va_list ap;

	snprintf(hint, sizeof(hint), " (see 'arpkit %s --help')", cmd);
	va_start(ap, fmt);
	verror(cmd, hint, fmt, ap);
	va_end(ap);
	return EXIT_TROUBLE;
}

static void on_signal(int sig)
{
	switch (sig) {
	case SIGHUP: cli_hup = 1; break;
	case SIGUSR1: cli_usr1 = 1; break;
	default: cli_stop_signal = sig; break;
	}
}

void cli_catch_signals(struct loop_stop *stop)
{
	static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		sigaction(caught[i], &sa, NULL);
		sigaddset(&block, caught[i]);
	}
	if (!stop)
		return;
	sigprocmask(SIG_BLOCK, &block, &stop->wait_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigdelset(&stop->wait_mask, caught[i]);
	stop->flag = &cli_stop_signal;
	stop->masked = true;
}

int cli_require_caps(const char *cmd, unsigned need)
{
	if (caps_require(need) == 0)
		return 0;
	cli_error(cmd, "needs %s%s (run as root, or grant it: setcap cap_net_raw%s+ep)",
		  need & CAPS_NET_RAW ? "CAP_NET_RAW" : "",
		  need & CAPS_NET_ADMIN ? (need & CAPS_NET_RAW ? " and CAP_NET_ADMIN" : "CAP_NET_ADMIN")
					: "",
		  need & CAPS_NET_ADMIN ? ",cap_net_admin" : "");
	return EXIT_TROUBLE;
}

int cli_limit_caps(const char *cmd, unsigned keep)
{
	if (caps_limit_to(keep) == 0)
		return 0;
	cli_error(cmd, "cannot drop capabilities; refusing to go on with more than needed");
	return EXIT_TROUBLE;
}

int cli_enter_sandbox(const char *cmd, const struct sandbox_spec *spec,
		      const enum sandbox_probe *probe)
{
	int err = sandbox_apply(spec);

	if (err) {
		cli_error(cmd, "cannot install the system call filter (seccomp): %s; refusing to "
			       "go on without it", strerror(-err));
		return EXIT_TROUBLE;
	}
	if (probe) {
		long rc = sandbox_probe_run(*probe);

		cli_error(cmd, "the sandbox let a forbidden call through (result %ld)", rc);
		return EXIT_TROUBLE;
	}
	return 0;
}

int cli_open_link(const char *cmd, struct link *l, const char *ifname, enum link_filter filter)
{
	int err = link_open(l, ifname, filter);

	switch (err) {
	case 0:
		return 0;
	case -ENODEV:
		cli_error(cmd, "unknown interface %s", QUOTE(ifname));
		break;
	case -EAFNOSUPPORT:
		cli_error(cmd, "interface %s does not use ARP (loopback, point-to-point or NOARP)",
			  QUOTE(ifname));
		break;
	case -EPERM:
		cli_error(cmd, "needs CAP_NET_RAW to open a packet socket on %s", QUOTE(ifname));
		break;
	default:
		cli_error(cmd, "cannot open %s: %s", QUOTE(ifname), strerror(-err));
		break;
	}
	return EXIT_TROUBLE;
}

static int refuse_link(const char *cmd, enum netsel_verdict verdict, const char *name,
		       const char *how)
{
	struct quoted q;

	quote(&q, name); /* a name may come from the command line or the kernel */
	switch (verdict) {
	case NETSEL_LINK_OK:
		return 0;
	case NETSEL_LINK_UNKNOWN:
		cli_error(cmd, "unknown interface %s%s", q.text, how);
		break;
	case NETSEL_LINK_NOT_ARP:
		cli_error(cmd, "interface %s%s does not use ARP (loopback, point-to-point or NOARP)",
			  q.text, how);
		break;
	case NETSEL_LINK_DOWN:
		cli_error(cmd, "interface %s%s is down", q.text, how);
		break;
	case NETSEL_LINK_NO_ADDRESS:
		cli_error(cmd, "interface %s%s has no IPv4 address", q.text, how);
		break;
	case NETSEL_LINK_NO_IPV6:
		cli_error(cmd, "interface '%s'%s has no IPv6 address", name, how);
		break;
	}
	return EXIT_TROUBLE;
}

int cli_select_link(const char *cmd, const struct nl_snapshot *snap, const char *name,
		    unsigned need, const struct nl_link **link)
{
	*link = netsel_link_by_name(snap, name, NULL);
	return refuse_link(cmd, netsel_check_arp_link(snap, *link, need), name, "");
}

int cli_check_link(const char *cmd, const struct nl_snapshot *snap, const struct nl_link *link,
		   unsigned need, const char *how)
{
	return refuse_link(cmd, netsel_check_arp_link(snap, link, need), link ? link->name : "?",
			   how ? how : "");
}

int cli_read_network(const char *cmd, struct nl *nl, struct nl_snapshot *snap, unsigned parts)
{
	int err = nl_open(nl, 0);

	if (!err)
		err = nl_snapshot_load(nl, snap, parts);
	if (!err)
		return 0;
	cli_error(cmd, "cannot read the network configuration (netlink): %s", strerror(-err));
	return EXIT_TROUBLE;
}

int cli_load_vendors(const char *cmd, struct vendor_db **db, const char *override_path,
		     const char *consequence)
{
	struct vendor_sources sources;
	struct vendor_error e;
	int err;

	vendor_sources_default(&sources);
	sources.override = override_path;
	err = vendor_db_load(db, &sources, &e);
	if (!err)
		return 0;
	if (override_path && e.line)
		cli_error(cmd, "%s:%u: invalid vendor override line: %s%s", override_path, e.line,
			  e.reason, consequence ? consequence : "");
	else
		cli_error(cmd, "cannot load vendors%s%s: %s%s", override_path ? " from " : "",
			  override_path ? QUOTE(override_path) : "", e.reason,
			  consequence ? consequence : "");
	return err;
}

bool cli_parse_ulong(const char *cmd, const char *opt, const char *text, unsigned long min,
		     unsigned long max, unsigned long *out)
{
	int err = parse_ulong(text, min, max, out);

	if (err == -ERANGE)
		cli_usage_error(cmd, "%s %s is out of range [%lu, %lu]", opt, QUOTE(text), min, max);
	else if (err)
		cli_usage_error(cmd, "%s %s is not a number", opt, QUOTE(text));
	return err == 0;
}

int cli_finish_output(const char *cmd, int status)
{
	if (output_flush_ok(stdout))
		return status;
	cli_error(cmd, "cannot write output: %s", strerror(errno ? errno : EIO));
	return EXIT_TROUBLE;
}
