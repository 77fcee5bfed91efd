/*
 * What `arpkit scan` prints: one record per (address, MAC) reply on stdout (text or
 * JSON, through the out_* field printers), and the progress and summary lines on
 * stderr. Every decision is taken before: which replies are shown (the vendor
 * filter), in which order, conflicts and counts come from the engine and the command.
 */
#ifndef ARPKIT_SCAN_OUT_H
#define ARPKIT_SCAN_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"
#include "scan.h"

/* "IP<TAB>MAC<TAB>VENDOR[<TAB>CONFLICT]", IPv6 in RFC 5952 form; in JSON ip, mac,
 * vendor, rtt_ms, conflict, family ("ipv4" or "ipv6"). */
void scan_out_reply(struct out *o, const struct scan_reply *r, const char *vendor);

/* The progress line (a terminal only), rewritten in place; clear it before anything
 * else is written. */
void scan_out_progress(FILE *err, const struct scan_progress *p);
void scan_out_clear_progress(FILE *err);

struct scan_summary {
	uint32_t targets;
	uint32_t ipv6_targets; /* of them (found ones included) */
	bool discovery;        /* --localnet over IPv6 ran */
	const char *ifname;
	const struct scan_counters *counters;
	bool filtered;       /* --vendor: say how many replies were shown */
	uint32_t shown;
	uint64_t elapsed_ns;
};

/* "arpkit scan: N targets[ (N IPv4, N IPv6)] on IF, N responders[ (N shown)], N
 * conflicts; N frames sent in N rounds, T s", what IPv6 discovery found, and the send
 * stalls and kernel drops when there were any. */
void scan_out_summary(FILE *err, const struct scan_summary *s);

#endif
