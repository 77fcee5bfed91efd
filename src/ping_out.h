/* arpkit ping's output: the header, one line (or JSON object) per frame that counts,
 * and the summary. Everything printed was decided by the run (lib/arping). */
#ifndef ARPKIT_PING_OUT_H
#define ARPKIT_PING_OUT_H

#include "addr.h"
#include "arping.h"
#include "output.h"
#include "vendor.h"

struct ping_view {
	struct out *out;
	enum arping_mode mode;
	const char *ifname;
	struct mac self;                /* our interface's MAC */
	uint8_t na_flags;               /* of an unsolicited NA (NDP_NA_*) */
	const struct arping_run *run;
	const struct vendor_db *vendors; /* NULL: every MAC's vendor is unknown */
};

/* Text only: what is about to be sent, and from where. */
void ping_out_header(const struct ping_view *v);
/* An arping_observer: ctx is the struct ping_view. Flushes, so a reader sees each
 * reply as it comes. */
void ping_out_event(void *ctx, const struct arping_event *event);
void ping_out_summary(const struct ping_view *v);

#endif
