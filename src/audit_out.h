/* arpkit audit's output: the host, what the network check saw for each VIP, the
 * findings with their fixes, and the verdict. Everything printed was decided
 * before (src/audit.c, lib/lvs_audit); this only lays it out as text or JSON. */
#ifndef ARPKIT_AUDIT_OUT_H
#define ARPKIT_AUDIT_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "arping.h"
#include "lvs_audit.h"
#include "netlink.h"
#include "output.h"

/* An address kept on a loopback device (outside 127/8): a VIP of this real server. */
struct audit_lo_vip {
	const struct nl_addr *addr;
	const char *device;
};

/* What the network check (-I) learnt about one VIP. */
struct audit_probe {
	struct in_addr vip;
	/* Every MAC that answered (this host's own last, when it holds the VIP on the
	 * interface), and how many more the tally could not list. */
	struct lvs_responder responders[ARPING_MAX_RESPONDERS + 1];
	size_t count;
	unsigned other_claims;
	/* This host's neighbour entry for the VIP on the interface, read before the
	 * requests went out (their answers may replace it), and again after. */
	const struct nl_neigh *entry;
	const char *entry_vendor;
	const struct nl_neigh *entry_after;
	bool ok;          /* no finding from the network check */
	bool show_entry;  /* the text names the entry's MAC: it is part of a finding */
};

struct audit_report {
	const char *role;                 /* "real-server", "director" or "other" */
	const struct audit_lo_vip *lo_vips;
	size_t lo_vip_count;
	const char *iface;                /* the network check's interface; NULL: none ran */
	const struct audit_probe *probes;
	size_t probe_count;
	const lvs_finding_list *findings;
};

void audit_out_report(struct out *o, const struct audit_report *r);

#endif
