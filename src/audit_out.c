#include "audit_out.h"

#include <inttypes.h>
#include <linux/neighbour.h>

#include "vendor.h"

static void out_host(struct out *o, const struct audit_report *r)
{
	out_record_begin(o);
	out_string(o, "type", NULL, "host");
	out_string(o, "role", "host: %s", r->role);
	out_array_begin(o, "lo_vips");
	for (size_t i = 0; i < r->lo_vip_count; i++) {
		const struct audit_lo_vip *v = &r->lo_vips[i];

		out_object_begin(o, NULL);
		out_text(o, i ? ", " : "; VIPs ");
		out_ipv4(o, "address", "%s", v->addr->addr.v4);
		out_uint(o, "prefixlen", "/%" PRIu64, v->addr->prefixlen);
		out_string(o, "device", " on %s", v->device);
		out_object_end(o);
	}
	out_array_end(o);
	out_record_end(o);
}

/* Text: " (Acme)" after a MAC; the registry's placeholders have their parentheses. */
static void text_vendor(struct out *o, const char *vendor)
{
	if (!vendor)
		vendor = VENDOR_UNKNOWN;
	out_text(o, vendor[0] == '(' ? " %s" : " (%s)", vendor);
}

static const char *neigh_state_name(uint16_t state)
{
	static const struct { uint16_t state; const char *name; } names[] = {
		{ NUD_PERMANENT, "permanent" }, { NUD_NOARP, "noarp" },
		{ NUD_REACHABLE, "reachable" }, { NUD_STALE, "stale" },
		{ NUD_DELAY, "delay" }, { NUD_PROBE, "probe" },
		{ NUD_INCOMPLETE, "incomplete" }, { NUD_FAILED, "failed" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (state & names[i].state)
			return names[i].name;
	return "none";
}

static void out_neighbour(struct out *o, const struct audit_probe *p)
{
	if (!p->entry) {
		out_string(o, "neighbour", NULL, NULL);
		return;
	}
	out_object_begin(o, "neighbour");
	if (p->show_entry)
		out_text(o, "; this host maps it to ");
	out_mac(o, "mac", p->show_entry ? "%s" : NULL, &p->entry->lladdr);
	out_string(o, "vendor", NULL, p->entry_vendor);
	if (p->show_entry)
		text_vendor(o, p->entry_vendor);
	out_string(o, "state", NULL, neigh_state_name(p->entry->state));
	out_object_end(o);
}

static void out_probe(struct out *o, const struct audit_report *r, const struct audit_probe *p)
{
	out_record_begin(o);
	out_string(o, "type", NULL, "arp");
	out_ipv4(o, "vip", "ARP %s", p->vip);
	out_string(o, "interface", " on %s", r->iface);
	out_text(o, ": %zu MAC%s answer%s", p->count, p->count == 1 ? "" : "s",
		 p->count == 1 ? "s" : "");
	out_array_begin(o, "responders");
	for (size_t i = 0; i < p->count; i++) {
		const struct lvs_responder *resp = &p->responders[i];

		out_object_begin(o, NULL);
		out_text(o, i ? ", " : " ");
		out_mac(o, "mac", "%s", &resp->mac);
		out_string(o, "vendor", NULL, resp->vendor);
		text_vendor(o, resp->vendor);
		out_uint(o, "replies", NULL, resp->replies);
		out_bool(o, "self", " [this host]", resp->self);
		out_object_end(o);
	}
	out_array_end(o);
	if (p->other_claims)
		out_text(o, ", and %u more", p->other_claims);
	out_neighbour(o, p);
	out_bool(o, "ok", ": ok", p->ok);
	out_record_end(o);
}

static void out_finding(struct out *o, const struct lvs_finding *f)
{
	out_record_begin(o);
	out_string(o, "type", NULL, "finding");
	out_string(o, "check", "FINDING %s", lvs_check_name(f->check));
	out_string(o, "interface", " [%s]", f->iface[0] ? f->iface : NULL);
	if (f->vip_count == 1)
		out_ipv4(o, "vip", NULL, f->vips[0]);
	else
		out_string(o, "vip", NULL, NULL);
	out_array_begin(o, "vips");
	for (size_t i = 0; i < f->vip_count; i++)
		out_ipv4(o, NULL, NULL, f->vips[i]);
	out_array_end(o);
	out_mac(o, "mac", NULL, f->has_mac ? &f->mac : NULL);
	out_string(o, "problem", ": %s", f->problem);
	out_string(o, "fix", "\n    fix: %s", f->fix);
	out_record_end(o);
}

static void out_verdict(struct out *o, size_t findings)
{
	out_record_begin(o);
	out_string(o, "type", NULL, "verdict");
	out_uint(o, "findings", findings ? "verdict: %" PRIu64 : NULL, findings);
	out_text(o, findings ? (findings == 1 ? " finding" : " findings") : "verdict: clean");
	out_bool(o, "clean", NULL, findings == 0);
	out_record_end(o);
}

void audit_out_report(struct out *o, const struct audit_report *r)
{
	out_host(o, r);
	for (size_t i = 0; i < r->probe_count; i++)
		out_probe(o, r, &r->probes[i]);
	for (size_t i = 0; i < r->findings->count; i++)
		out_finding(o, &r->findings->items[i]);
	out_verdict(o, r->findings->count);
}
