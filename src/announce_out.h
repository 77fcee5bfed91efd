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
 * One address: "ADDRESS IFACE RESULT ELAPSED ms" and per peer "peer P silent",
 * "peer P at MAC" (verification off), "peer P at MAC, no echo reply" or
 * "peer P at MAC rtt X ms", then "CONFLICT MAC" for each other claimant. In JSON:
 * address, interface, mac (ours), result, elapsed_ms, peers (peer, peer_mac,
 * confirmed, rtt_ms, state), conflict_macs.
 */
void announce_out_target(struct out *o, const struct announce_target *t, const char *ifname,
			 const struct mac *ifmac);

/* "conflict: ADDRESS is also claimed by MAC (...)" on err, once per other MAC. */
void announce_out_conflicts(FILE *err, const struct announce_target *t);

/* The summary line: every result kind counted, conflicts, frames and time. */
void announce_out_summary(FILE *err, const struct announce_tally *tally, uint64_t frames,
			  uint64_t elapsed_ns);

/* The one line that says how to get a proof for `count` unverified addresses on the
 * interfaces named (ifnames, names_count of them). */
void announce_out_unverified_hint(FILE *err, size_t count, const char *const *ifnames,
				  size_t names_count);

#endif
