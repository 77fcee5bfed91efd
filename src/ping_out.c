#include "ping_out.h"

#include <inttypes.h>
#include <stdio.h>

#include "clock.h"

static const struct arping_target *the_target(const struct ping_view *v)
{
	size_t count;

	return arping_run_targets(v->run, &count);
}

static const char *vendor_of(const struct ping_view *v, const struct mac *mac)
{
	return v->vendors ? vendor_lookup(v->vendors, mac) : VENDOR_UNKNOWN;
}

/* "(Acme)" for text after prefix; the registry's own placeholders already have
 * parentheses. */
static void text_vendor(const struct ping_view *v, const char *prefix, const struct mac *mac)
{
	const char *name = vendor_of(v, mac);

	out_text(v->out, name[0] == '(' ? "%s%s" : "%s(%s)", prefix, name);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static const char *family_name(const struct arping_target *t)
{
	return t->addr.family == AF_INET6 ? "ipv6" : "ipv4";
}

/* An NA's flags as tcpdump -v prints them: "[router, override]", "none". */
static void text_na_flags(struct out *o, uint8_t flags)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{NDP_NA_ROUTER, "router"}, {NDP_NA_SOLICITED, "solicited"},
		{NDP_NA_OVERRIDE, "override"},
	};
	const char *sep = "[";

	if (!flags) {
		out_text(o, "none");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit) {
			out_text(o, "%s%s", sep, names[i].name);
			sep = ", ";
		}
	out_text(o, "]");
}

/* The frame as it goes out, in tcpdump's words. */
static void text_unsolicited_frame(const struct ping_view *v, const struct arping_target *t,
				   const char *target, const char *source, const char *mac)
{
	switch (arping_run_frame(v->run, t)) {
	case ARPING_FRAME_ARP_REPLY:
		out_text(v->out, "UNSOLICITED ARP on %s (%s): reply %s is-at %s", v->ifname, mac,
			 source, mac);
		if (!ipaddr_equal(&t->addr, &t->source))
			out_text(v->out, " to %s", target);
		break;
	case ARPING_FRAME_UNSOLICITED_NA:
		out_text(v->out, "UNSOLICITED NA on %s (%s): neighbor advertisement to ff02::1, "
				 "tgt is %s, Flags ", v->ifname, mac, source);
		text_na_flags(v->out, v->na_flags);
		out_text(v->out, ", target link-address %s", mac);
		break;
	case ARPING_FRAME_NS:
		out_text(v->out, "UNSOLICITED NS on %s (%s): neighbor solicitation, who has %s, "
				 "from %s, source link-address %s", v->ifname, mac, target, source,
			 mac);
		break;
	case ARPING_FRAME_ARP_REQUEST:
	default:
		out_text(v->out, "UNSOLICITED ARP on %s (%s): request who-has %s tell %s",
			 v->ifname, mac, target, source);
		break;
	}
	out_text(v->out, "\n");
}

void ping_out_header(const struct ping_view *v)
{
	const struct arping_target *t = the_target(v);
	const struct arping_dad_plan *plan = arping_run_plan(v->run);
	char target[IPADDR_STRLEN], source[IPADDR_STRLEN], mac[MAC_STRLEN];

	ipaddr_format(&t->addr, target);
	ipaddr_format(&t->source, source);
	mac_format(&v->self, mac);
	switch (v->mode) {
	case ARPING_MODE_DAD:
		out_text(v->out, "DAD %s on %s (%s): %u probe%s from %s over %.1f s\n", target,
			 v->ifname, mac, plan->probes, plan->probes == 1 ? "" : "s", source,
			 ns_to_ms(plan->end_ns) / 1000.0);
		break;
	case ARPING_MODE_UNSOLICITED_REQUEST:
	case ARPING_MODE_UNSOLICITED_REPLY:
		text_unsolicited_frame(v, t, target, source, mac);
		break;
	case ARPING_MODE_PING:
		out_text(v->out, "%s %s from %s %s (%s)\n",
			 t->addr.family == AF_INET6 ? "NDP PING" : "ARPING", target, source,
			 v->ifname, mac);
		break;
	}
	fflush(v->out->file);
}

static const char *dad_kind(enum arping_verdict verdict)
{
	return verdict == ARPING_CLAIM ? "claims it" : "is probing for it too";
}

void ping_out_event(void *ctx, const struct arping_event *ev)
{
	const struct ping_view *v = ctx;
	struct out *o = v->out;
	const struct arping_target *t = the_target(v);
	bool dad = v->mode == ARPING_MODE_DAD;
	char first[MAC_STRLEN];

	out_record_begin(o);
	out_string(o, "type", NULL, dad ? "conflict" : "reply");
	out_string(o, "family", NULL, family_name(t));
	out_uint(o, "seq", NULL, ev->seq);
	out_text(o, dad ? "" : "reply from ");
	out_ipaddr(o, "ip", "%s", &t->addr);
	out_text(o, dad ? " is in use: " : " at ");
	out_mac(o, "mac", "%s", &ev->mac);
	out_string(o, "vendor", NULL, vendor_of(v, &ev->mac));
	text_vendor(v, " ", &ev->mac);
	if (dad)
		out_text(o, " %s, %.3f ms after probe %u", dad_kind(ev->verdict),
			 ns_to_ms(ev->rtt_ns), ev->seq);
	else
		out_text(o, " seq=%u time=%.3f ms", ev->seq, ns_to_ms(ev->rtt_ns));
	out_uint(o, "rtt_us", NULL, ev->rtt_ns / NS_PER_US);
	out_bool(o, "conflict", NULL, ev->conflict);
	if (!dad && ev->conflict)
		out_text(o, "  CONFLICT: %s answered first", mac_format(&ev->first, first));
	if (dad)
		out_string(o, "kind", NULL, dad_kind(ev->verdict));
	out_record_end(o);
	fflush(o->file);
}

static const char *mode_name(enum arping_mode mode)
{
	switch (mode) {
	case ARPING_MODE_DAD: return "dad";
	case ARPING_MODE_UNSOLICITED_REQUEST: return "unsolicited-request";
	case ARPING_MODE_UNSOLICITED_REPLY: return "unsolicited-reply";
	case ARPING_MODE_PING: default: return "ping";
	}
}

/* What the summary calls the run, the frames sent, and what came back. */
static const char *run_title(const struct ping_view *v, const struct arping_target *t)
{
	switch (arping_run_frame(v->run, t)) {
	case ARPING_FRAME_ARP_PROBE:
	case ARPING_FRAME_DAD_NS:
		return "duplicate address check";
	case ARPING_FRAME_ARP_REPLY:
		return "unsolicited ARP replies";
	case ARPING_FRAME_UNSOLICITED_NA:
		return "unsolicited neighbor advertisements";
	case ARPING_FRAME_NS:
		return v->mode == ARPING_MODE_PING ? "NDP ping" : "unsolicited neighbor solicitations";
	case ARPING_FRAME_ARP_REQUEST:
	default:
		return v->mode == ARPING_MODE_PING ? "ARP ping" : "unsolicited ARP requests";
	}
}

/* The frame sent, for scripts (-U sends an NA or an NS over IPv6). */
static const char *frame_name(enum arping_frame frame)
{
	switch (frame) {
	case ARPING_FRAME_ARP_PROBE: return "arp-probe";
	case ARPING_FRAME_ARP_REPLY: return "arp-reply";
	case ARPING_FRAME_NS: return "ns";
	case ARPING_FRAME_DAD_NS: return "dad-ns";
	case ARPING_FRAME_UNSOLICITED_NA: return "unsolicited-na";
	case ARPING_FRAME_ARP_REQUEST: default: return "arp-request";
	}
}

static const char *sent_noun(const struct ping_view *v, const struct arping_target *t,
			     uint64_t n)
{
	switch (arping_run_frame(v->run, t)) {
	case ARPING_FRAME_ARP_PROBE:
	case ARPING_FRAME_DAD_NS:
		return plural(n, "probe", "probes");
	case ARPING_FRAME_ARP_REPLY:
		return plural(n, "reply", "replies");
	case ARPING_FRAME_UNSOLICITED_NA:
		return plural(n, "advertisement", "advertisements");
	case ARPING_FRAME_NS:
		return plural(n, "solicitation", "solicitations");
	case ARPING_FRAME_ARP_REQUEST:
	default:
		return plural(n, "request", "requests");
	}
}

static const char *received_noun(enum arping_mode mode, uint64_t n)
{
	switch (mode) {
	case ARPING_MODE_DAD: return plural(n, "answer", "answers");
	case ARPING_MODE_UNSOLICITED_REQUEST:
	case ARPING_MODE_UNSOLICITED_REPLY: return plural(n, "response", "responses");
	default: return plural(n, "reply", "replies");
	}
}

/* Microseconds, or null without a reply to time. */
static void out_rtt(struct out *o, const char *key, bool have, uint64_t ns)
{
	if (have)
		out_uint(o, key, NULL, ns / NS_PER_US);
	else
		out_string(o, key, NULL, NULL);
}

static void out_responders(const struct ping_view *v, const struct arping_target *t)
{
	struct out *o = v->out;
	bool dad = v->mode == ARPING_MODE_DAD;

	out_array_begin(o, "responders");
	for (unsigned i = 0; i < t->tally.responder_count; i++) {
		const struct arping_responder *r = &t->tally.responders[i];

		out_object_begin(o, NULL);
		out_mac(o, "mac", "\n  %s", &r->mac);
		out_string(o, "vendor", NULL, vendor_of(v, &r->mac));
		out_uint(o, "count", "  %" PRIu64, r->count);
		out_text(o, " %s, first at seq ", plural(r->count, "reply", "replies"));
		out_uint(o, "first_seq", "%" PRIu64, r->first_seq);
		text_vendor(v, "  ", &r->mac);
		out_bool(o, "conflict", dad ? NULL : "  CONFLICT", i > 0 || dad);
		out_object_end(o);
	}
	out_array_end(o);
	if (t->tally.dropped_responders)
		out_text(o, "\n  ... and %u more MACs", t->tally.dropped_responders);
}

/* DAD's answer, or the round-trip times. */
static void text_verdict(const struct ping_view *v, const struct arping_target *t)
{
	const struct arping_tally *tally = &t->tally;
	char ip[IPADDR_STRLEN], mac[MAC_STRLEN];

	ipaddr_format(&t->addr, ip);
	switch (arping_run_outcome(v->run, t)) {
	case ARPING_IN_USE:
		out_text(v->out, "\n%s is in use by %s", ip, mac_format(&t->dad.mac, mac));
		for (unsigned i = 0; i < tally->responder_count; i++)
			if (!mac_equal(&tally->responders[i].mac, &t->dad.mac))
				out_text(v->out, ", %s", mac_format(&tally->responders[i].mac, mac));
		break;
	case ARPING_UNKNOWN:
		out_text(v->out, "\n%s: check interrupted, not known to be free", ip);
		break;
	case ARPING_FREE:
		out_text(v->out, "\n%s is free on %s", ip, v->ifname);
		break;
	default:
		if (tally->received)
			out_text(v->out, "\nrtt min/avg/max = %.3f/%.3f/%.3f ms",
				 ns_to_ms(tally->rtt_min_ns), ns_to_ms(arping_tally_rtt_avg_ns(tally)),
				 ns_to_ms(tally->rtt_max_ns));
		break;
	}
}

/* Text lines start with their newline; the record's end writes the last one. */
void ping_out_summary(const struct ping_view *v)
{
	struct out *o = v->out;
	const struct arping_target *t = the_target(v);
	const struct arping_summary *s = arping_run_summary(v->run);
	const struct arping_tally *tally = &t->tally;
	bool have = tally->received > 0, dad = v->mode == ARPING_MODE_DAD;
	char conflict[64 + IPADDR_STRLEN], ip[IPADDR_STRLEN];

	snprintf(conflict, sizeof(conflict), ": CONFLICT, %s is answered by more than one MAC",
		 ipaddr_format(&t->addr, ip));
	out_record_begin(o);
	out_string(o, "type", NULL, "summary");
	out_string(o, "mode", NULL, mode_name(v->mode));
	out_string(o, "family", NULL, family_name(t));
	out_string(o, "frame", NULL, frame_name(arping_run_frame(v->run, t)));
	out_ipaddr(o, "ip", "--- %s", &t->addr);
	out_text(o, " %s on ", run_title(v, t));
	out_ipaddr(o, "source", NULL, &t->source);
	out_string(o, "interface", "%s", v->ifname);
	out_text(o, "%s ---", s->interrupted ? " (interrupted)" : "");
	out_uint(o, "sent", "\n%" PRIu64, s->sent);
	out_text(o, " %s sent, ", sent_noun(v, t, s->sent));
	out_uint(o, "received", "%" PRIu64, tally->received);
	out_text(o, " %s received from %u %s", received_noun(v->mode, tally->received),
		 tally->responder_count, plural(tally->responder_count, "responder", "responders"));
	out_bool(o, "conflict", dad ? NULL : conflict, arping_target_conflict(v->run, t));
	if (dad)
		out_bool(o, "free", NULL, arping_run_outcome(v->run, t) == ARPING_FREE);
	out_rtt(o, "rtt_min_us", have, tally->rtt_min_ns);
	out_rtt(o, "rtt_avg_us", have, arping_tally_rtt_avg_ns(tally));
	out_rtt(o, "rtt_max_us", have, tally->rtt_max_ns);
	out_double(o, "elapsed_ms", NULL, ns_to_ms(s->elapsed_ns), 3);
	out_bool(o, "interrupted", NULL, s->interrupted);
	out_responders(v, t);
	text_verdict(v, t);
	out_record_end(o);
}
