#include "announce_out.h"

#include <inttypes.h>

#include "clock.h"

#define CMD_PREFIX "arpkit announce: "

static void out_peer(struct out *o, const struct announce_peer *peer)
{
	enum announce_peer_state state = announce_peer_state(peer);

	out_object_begin(o, NULL);
	out_ipaddr(o, "peer", "  peer %s", &peer->ip);
	out_mac(o, "peer_mac", " at %s", peer->arp_answered ? &peer->peer_mac : NULL);
	if (state == ANNOUNCE_PEER_NO_ANSWER)
		out_text(o, " silent");
	out_bool(o, "confirmed", NULL, peer->confirmed);
	if (peer->confirmed)
		out_double(o, "rtt_ms", " rtt %.3f ms", ns_to_ms(peer->rtt_ns), 3);
	else
		out_string(o, "rtt_ms", NULL, NULL);
	if (state == ANNOUNCE_PEER_NO_ECHO_REPLY)
		out_text(o, ", no echo reply");
	out_string(o, "state", NULL, announce_peer_state_name(state));
	out_object_end(o);
}

void announce_out_target(struct out *o, const struct announce_target *t, const char *ifname,
			 const struct mac *ifmac)
{
	out_record_begin(o);
	out_ipaddr(o, "address", "%-15s ", &t->ip);
	out_string(o, "interface", "%-10s ", ifname);
	out_mac(o, "mac", NULL, ifmac);
	out_string(o, "family", NULL, t->ip.family == AF_INET6 ? "ipv6" : "ipv4");
	out_string(o, "result", "%-11s ", announce_result_name(t->result));
	out_double(o, "elapsed_ms", "%8.1f ms", ns_to_ms(t->elapsed_ns), 3);
	if (t->dad_wait_ns)
		out_double(o, "dad_wait_ms", "  waited %.1f ms for DAD", ns_to_ms(t->dad_wait_ns), 3);
	else
		out_string(o, "dad_wait_ms", NULL, NULL);
	out_array_begin(o, "peers");
	for (unsigned p = 0; p < t->peer_count; p++)
		out_peer(o, &t->peers[p]);
	out_array_end(o);
	out_array_begin(o, "conflict_macs");
	for (unsigned i = 0; i < t->conflict_count; i++)
		out_mac(o, NULL, "  CONFLICT %s", &t->conflict_macs[i]);
	out_array_end(o);
	out_record_end(o);
}

void announce_out_conflicts(FILE *err, const struct announce_target *t)
{
	char addr[IPADDR_STRLEN], mac[MAC_STRLEN];

	ipaddr_format(&t->ip, addr);
	if (t->result == ANNOUNCE_DAD_FAILED)
		fprintf(err, CMD_PREFIX "conflict: %s failed duplicate address detection: another "
			"node holds it%s, and it was not announced\n", addr,
			t->conflict_count ? "" : " (it did not answer the probe)");
	for (unsigned k = 0; k < t->conflict_count; k++)
		fprintf(err, CMD_PREFIX "conflict: %s is also claimed by %s (is the old holder "
			"still up?)\n", addr, mac_format(&t->conflict_macs[k], mac));
}

void announce_out_summary(FILE *err, const struct announce_tally *tally, uint64_t frames,
			  uint64_t elapsed_ns)
{
	static const enum announce_result kinds[] = {
		ANNOUNCE_CONFIRMED, ANNOUNCE_UNCONFIRMED, ANNOUNCE_PEER_SILENT,
		ANNOUNCE_UNVERIFIED, ANNOUNCE_SENT,
	};

	fprintf(err, CMD_PREFIX "%zu address%s:", tally->total, tally->total == 1 ? "" : "es");
	static const enum announce_result ipv6_kinds[] = {ANNOUNCE_TENTATIVE, ANNOUNCE_DAD_FAILED};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		fprintf(err, "%s %zu %s", i ? "," : "", tally->by_result[kinds[i]],
			announce_result_name(kinds[i]));
	for (size_t i = 0; i < sizeof(ipv6_kinds) / sizeof(ipv6_kinds[0]); i++)
		if (tally->by_result[ipv6_kinds[i]])
			fprintf(err, ", %zu %s", tally->by_result[ipv6_kinds[i]],
				announce_result_name(ipv6_kinds[i]));
	fprintf(err, "; %zu in conflict; %" PRIu64 " frames in %.1f ms\n", tally->in_conflict,
		frames, ns_to_ms(elapsed_ns));
}

void announce_out_unverified_hint(FILE *err, size_t count, const char *const *ifnames,
				  size_t names_count)
{
	fprintf(err, CMD_PREFIX "%zu address%s unverified on ", count, count == 1 ? "" : "es");
	for (size_t i = 0; i < names_count; i++)
		fprintf(err, "%s%s", i ? ", " : "", ifnames[i]);
	fprintf(err, ": no peer to prove %s through; add --peer ROUTER (the router, or a host "
		"that talks to this one) or a route via the router, or --no-verify to announce "
		"without proof\n", count == 1 ? "it" : "them");
}

void announce_out_dad_wait(FILE *err, const struct ipaddr *addr, const char *ifname,
			   uint64_t wait_ns)
{
	char text[IPADDR_STRLEN];

	fprintf(err, CMD_PREFIX "%s on %s is tentative (duplicate address detection is "
		"running): waiting up to %.0f ms before announcing it\n",
		ipaddr_format(addr, text), ifname, ns_to_ms(wait_ns));
}

void announce_out_tentative_hint(FILE *err, size_t count, uint64_t wait_ns)
{
	fprintf(err, CMD_PREFIX "%zu address%s still tentative after %.0f ms: duplicate "
		"address detection had not finished, so %s not announced; wait for it "
		"(`ip -6 addr` shows \"tentative\" until then) or raise --dad-wait\n", count,
		count == 1 ? "" : "es", ns_to_ms(wait_ns), count == 1 ? "it was" : "they were");
}
