#include "scan_out.h"

#include "clock.h"

#define CMD_PREFIX "arpkit scan: "

void scan_out_reply(struct out *o, const struct scan_reply *r, const char *vendor)
{
	out_record_begin(o);
	out_ipaddr(o, "ip", "%s\t", &r->ip);
	out_mac(o, "mac", "%s\t", &r->mac);
	out_string(o, "vendor", "%s", vendor);
	out_double(o, "rtt_ms", NULL, ns_to_ms(r->rtt_ns), 3);
	out_bool(o, "conflict", "\tCONFLICT", r->conflict);
	out_string(o, "family", NULL, r->ip.family == AF_INET6 ? "ipv6" : "ipv4");
	out_record_end(o);
}

void scan_out_progress(FILE *err, const struct scan_progress *p)
{
	fprintf(err, "\r\033[K" CMD_PREFIX "round %u/%u, %u/%u answered, %llu frames sent, %.1f s",
		p->round + 1, p->rounds, p->answered, p->total, (unsigned long long)p->frames_sent,
		(double)p->elapsed_ns / NS_PER_SEC);
}

void scan_out_clear_progress(FILE *err)
{
	fputs("\r\033[K", err);
}

static const char *plural(uint64_t n, const char *many)
{
	return n == 1 ? "" : many;
}

void scan_out_summary(FILE *err, const struct scan_summary *s)
{
	const struct scan_counters *n = s->counters;

	fprintf(err, CMD_PREFIX "%u target%s", s->targets, plural(s->targets, "s"));
	if (s->ipv6_targets)
		fprintf(err, " (%u IPv4, %u IPv6)", s->targets - s->ipv6_targets, s->ipv6_targets);
	fprintf(err, " on %s, %u responder%s", s->ifname, n->answered, plural(n->answered, "s"));
	if (s->filtered)
		fprintf(err, " (%u shown)", s->shown);
	fprintf(err, ", %u conflict%s; %llu frames sent in %u round%s, %.3f s", n->conflicts,
		plural(n->conflicts, "s"), (unsigned long long)n->frames_sent, n->rounds,
		plural(n->rounds, "s"), (double)s->elapsed_ns / NS_PER_SEC);
	if (s->discovery)
		fprintf(err, "; IPv6 discovery: %llu echo repl%s, %u address%s heard",
			(unsigned long long)n->echo_replies, n->echo_replies == 1 ? "y" : "ies",
			n->found, plural(n->found, "es"));
	if (n->found_dropped)
		fprintf(err, " (%u more past the limit of %u)", n->found_dropped,
			TARGETS_FOUND_MAX);
	if (n->send_stalls)
		fprintf(err, "; %u batch%s cut short by a full queue", n->send_stalls,
			plural(n->send_stalls, "es"));
	if (n->kernel_drops)
		fprintf(err, "; %u frames dropped by the kernel (receive queue full)",
			n->kernel_drops);
	fputc('\n', err);
}
