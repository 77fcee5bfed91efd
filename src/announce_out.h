/*
 * What `arpkit announce` prints: one record per address (text or JSON, through the
 * out_* field printers), and the lines on stderr. Every decision is taken before:
 * these functions only print the engine's results and what the command worked out.
 */
#ifndef ARPKIT_ANNOUNCE_OUT_H
#define ARPKIT_ANNOUNCE_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "announce.h"
#include "output.h"

/*
 * One address: "ADDRESS IFACE RESULT ELAPSED ms", "waited W ms for DAD" when it was
 * tentative, and per peer "peer P silent", "peer P at MAC" (verification off),
 * "peer P at MAC, no echo reply" or "peer P at MAC rtt X ms", then "CONFLICT MAC" for
 * each other claimant. In JSON: address, interface, mac (ours), family ("ipv4",
 * "ipv6"), result, elapsed_ms, dad_wait_ms (null when not waited for), peers (peer,
 * peer_mac, confirmed, rtt_ms, state), conflict_macs.
 */
void announce_out_target(struct out *o, const struct announce_target *t, const char *ifname,
			 const struct mac *ifmac);

/* "conflict: ADDRESS is also claimed by MAC (...)" on err, once per other MAC, and
 * for an address whose DAD failed, a line that says so. */
void announce_out_conflicts(FILE *err, const struct announce_target *t);

/* The summary line: every result kind counted (tentative and dad-failed when there
 * are any), conflicts, frames and time. */
void announce_out_summary(FILE *err, const struct announce_tally *tally, uint64_t frames,
			  uint64_t elapsed_ns);

/* The one line that says how to get a proof for `count` unverified addresses on the
 * interfaces named (ifnames, names_count of them). */
void announce_out_unverified_hint(FILE *err, size_t count, const char *const *ifnames,
				  size_t names_count);

/* Before the run: ADDRESS on IFNAME is tentative and is waited for, at most wait_ns. */
void announce_out_dad_wait(FILE *err, const struct ipaddr *addr, const char *ifname,
			   uint64_t wait_ns);
/* After it: `count` addresses were still tentative when the wait of wait_ns ran out. */
void announce_out_tentative_hint(FILE *err, size_t count, uint64_t wait_ns);

#endif
