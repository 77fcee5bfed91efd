#include "hide_out.h"

#include <inttypes.h>

/* The add/del report and --persist's are one JSON object each, built as changes are
 * made; out_object_begin at the top level opens it without a text line of its own
 * (each change prints its own line in text). */
void hide_out_changes_begin(struct out *o, const char *action)
{
	out_object_begin(o, NULL);
	out_string(o, "action", NULL, action);
	out_array_begin(o, "changes");
}

static void out_sysctl_set(struct out *o, const struct hide_change *ch)
{
	out_string(o, "sysctl", "set %s", ch->sysctl);
	out_int(o, "from", " %" PRId64, ch->from);
	out_int(o, "to", " -> %" PRId64 "\n", ch->to);
}

static const char *change_name(enum hide_change_kind kind)
{
	switch (kind) {
	case HIDE_VIP_ADDED: return "added";
	case HIDE_VIP_REMOVED: return "removed";
	case HIDE_VIP_READDED: return "re-added";
	case HIDE_SYSCTL_SET: default: return "set";
	}
}

static void out_vip_change(struct out *o, const struct hide_change *ch)
{
	const char *what = change_name(ch->kind);

	out_text(o, "%s ", what);
	out_ipv4(o, "address", "%s", ch->vip);
	out_uint(o, "prefixlen", "/%" PRIu64, 32);
	out_string(o, "device", ch->kind == HIDE_VIP_REMOVED ? " from %s" : " to %s", ch->device);
	out_string(o, "label", NULL, ch->label);
	out_string(o, "change", NULL, what);
	if (ch->kind == HIDE_VIP_READDED) {
		out_text(o, " with scope host");
		if (ch->label)
			out_text(o, ", label %s", ch->label);
		out_string(o, "scope", NULL, "host");
		out_string(o, "from_scope", " (with scope %s it was answered: ", ch->from_scope);
		out_text(o, "arp_ignore %d on %s %s)", ch->arp_ignore, ch->answered_on,
			 ch->arp_ignore_meaning);
	} else if (ch->kind == HIDE_VIP_ADDED && ch->label) {
		out_text(o, ", label %s", ch->label);
	}
	out_text(o, "\n");
}

void hide_out_change(struct out *o, const struct hide_change *ch)
{
	out_object_begin(o, NULL);
	if (ch->kind == HIDE_SYSCTL_SET)
		out_sysctl_set(o, ch);
	else
		out_vip_change(o, ch);
	out_object_end(o);
}

void hide_out_sysctls_kept(struct out *o, size_t remaining)
{
	out_text(o, "arp_ignore and arp_announce kept: %zu hidden VIP%s remain%s\n", remaining,
		 remaining == 1 ? "" : "s", remaining == 1 ? "s" : "");
}

void hide_out_changes_end(struct out *o, unsigned changes, const char *error)
{
	out_array_end(o);
	out_bool(o, "changed", NULL, changes > 0);
	out_string(o, "error", NULL, error);
	out_object_end(o);
	if (!error && changes == 0)
		out_text(o, "nothing to change\n");
}

/*
 * show. The text lists the VIPs in the kernel's order, each with its verdict and the
 * interfaces that answer it, then every scope; the JSON groups the VIPs by verdict
 * (hidden_vips, answered_vips) and gives each interface the VIPs it answers for.
 */
static bool scope_answers(const struct hide_show *show, size_t s, size_t v)
{
	return show->answers[s * show->vip_count + v];
}

static void text_vip(struct out *o, const struct hide_show *show, size_t v)
{
	const struct hide_vip_view *vip = &show->vips[v];
	bool first = true;
	char text[IPV4_STRLEN];

	ipv4_format(vip->addr, text);
	out_text(o, "%s %s/%u on %s%s%s", vip->answered ? "VIP" : "hidden VIP", text,
		 vip->prefixlen, vip->device, vip->label ? " label " : "",
		 vip->label ? vip->label : "");
	if (!vip->host_scope)
		out_text(o, ", scope %s", vip->scope);
	if (!vip->answered) {
		out_text(o, "%s\n", vip->prefixlen == 32 ? "" : " (not a /32: see arpkit audit)");
		return;
	}
	out_text(o, ", NOT hidden: answered on");
	for (size_t s = 1; s < show->scope_count; s++) {
		const struct hide_scope_view *sc = &show->scopes[s];

		if (!scope_answers(show, s, v))
			continue;
		out_text(o, "%s %s (arp_ignore in force %d %s)", first ? "" : ",", sc->name,
			 sc->arp_ignore_in_force, sc->arp_ignore_meaning);
		first = false;
	}
	if (vip->fixable)
		out_text(o, "; fix: arpkit hide add %s%s%s\n", text, vip->fix_dev ? " --dev " : "",
			 vip->fix_dev ? vip->fix_dev : "");
	else
		out_text(o, "; see arpkit audit\n");
}

/* "hides", or what the interface does wrong, naming the VIPs it answers for. */
static void text_scope_verdict(struct out *o, const struct hide_show *show, size_t s)
{
	const struct hide_scope_view *sc = &show->scopes[s];
	bool answered = false;
	char text[IPV4_STRLEN];

	for (size_t v = 0; v < show->vip_count; v++) {
		if (!scope_answers(show, s, v))
			continue;
		out_text(o, "%s%s", answered ? ", " : "answers ARP for ",
			 ipv4_format(show->vips[v].addr, text));
		answered = true;
	}
	if (sc->answers_new_vips) {
		out_text(o, "answers ARP for VIPs on lo");
		answered = true;
	}
	if (sc->may_send_from_vip)
		out_text(o, "%smay send ARP from a VIP", answered ? "; " : "");
	else if (!answered)
		out_text(o, "hides");
	out_text(o, "\n");
}

static void text_show(struct out *o, const struct hide_show *show)
{
	const struct hide_scope_view *all = &show->scopes[0];

	for (size_t v = 0; v < show->vip_count; v++)
		text_vip(o, show, v);
	if (!show->vip_count)
		out_text(o, "no hidden VIP\n");
	out_text(o, "%-16s arp_ignore %d  arp_announce %d\n", "all", all->arp_ignore,
		 all->arp_announce);
	for (size_t s = 1; s < show->scope_count; s++) {
		const struct hide_scope_view *sc = &show->scopes[s];

		out_text(o, "%-16s arp_ignore %d (effective %d)  arp_announce %d (effective %d)  ",
			 sc->name, sc->arp_ignore, sc->arp_ignore_in_force, sc->arp_announce,
			 sc->arp_announce_in_force);
		text_scope_verdict(o, show, s);
	}
}

static void json_vip(struct out *o, const struct hide_show *show, size_t v)
{
	const struct hide_vip_view *vip = &show->vips[v];

	out_object_begin(o, NULL);
	out_ipv4(o, "address", NULL, vip->addr);
	out_uint(o, "prefixlen", NULL, vip->prefixlen);
	out_string(o, "device", NULL, vip->device);
	out_bool(o, "host_scope", NULL, vip->host_scope);
	out_string(o, "label", NULL, vip->label);
	out_string(o, "scope", NULL, vip->scope);
	if (vip->answered) {
		out_array_begin(o, "answered_on");
		for (size_t s = 1; s < show->scope_count; s++)
			if (scope_answers(show, s, v))
				out_string(o, NULL, NULL, show->scopes[s].name);
		out_array_end(o);
	}
	out_object_end(o);
}

static void json_vips(struct out *o, const struct hide_show *show, const char *key, bool answered)
{
	out_array_begin(o, key);
	for (size_t v = 0; v < show->vip_count; v++)
		if (show->vips[v].answered == answered)
			json_vip(o, show, v);
	out_array_end(o);
}

static void json_show(struct out *o, const struct hide_show *show)
{
	out_record_begin(o);
	json_vips(o, show, "hidden_vips", false);
	json_vips(o, show, "answered_vips", true);
	out_object_begin(o, "all");
	out_int(o, "arp_ignore", NULL, show->scopes[0].arp_ignore);
	out_int(o, "arp_announce", NULL, show->scopes[0].arp_announce);
	out_object_end(o);
	out_array_begin(o, "interfaces");
	for (size_t s = 1; s < show->scope_count; s++) {
		const struct hide_scope_view *sc = &show->scopes[s];
		char text[IPV4_STRLEN];

		out_object_begin(o, NULL);
		out_string(o, "name", NULL, sc->name);
		out_int(o, "arp_ignore", NULL, sc->arp_ignore);
		out_int(o, "arp_ignore_effective", NULL, sc->arp_ignore_in_force);
		out_int(o, "arp_announce", NULL, sc->arp_announce);
		out_int(o, "arp_announce_effective", NULL, sc->arp_announce_in_force);
		out_array_begin(o, "answers_for");
		for (size_t v = 0; v < show->vip_count; v++)
			if (scope_answers(show, s, v))
				out_string(o, NULL, NULL, ipv4_format(show->vips[v].addr, text));
		out_array_end(o);
		out_bool(o, "hides", NULL, sc->hides);
		out_object_end(o);
	}
	out_array_end(o);
	out_record_end(o);
}

void hide_out_show(struct out *o, const struct hide_show *show)
{
	if (out_is_json(o))
		json_show(o, show);
	else
		text_show(o, show);
}

static void text_snippets(struct out *o, const struct hide_persist *p)
{
	const char *dev = p->device;
	char vip[IPV4_STRLEN];

	out_text(o, "\n# The VIP, once the sysctls are in place (boot applies sysctl.d first).\n"
		    "# ip(8), e.g. from a unit ordered after systemd-sysctl.service:\n");
	for (size_t v = 0; v < p->vip_count; v++)
		out_text(o, "ip addr add %s/32 dev %s scope host%s%s\n",
			 ipv4_format(p->vips[v], vip), dev, p->labels[v] ? " label " : "",
			 p->labels[v] ? p->labels[v] : "");
	out_text(o, "\n# ifupdown, /etc/network/interfaces:\niface %s inet loopback\n", dev);
	for (size_t v = 0; v < p->vip_count; v++) {
		ipv4_format(p->vips[v], vip);
		out_text(o, "    up ip addr add %s/32 dev %s scope host%s%s\n", vip, dev,
			 p->labels[v] ? " label " : "", p->labels[v] ? p->labels[v] : "");
		out_text(o, "    down ip addr del %s/32 dev %s\n", vip, dev);
	}
	out_text(o, "\n# systemd-networkd, /etc/systemd/network/10-%s-vip.network:\n"
		    "[Match]\nName=%s\n", dev, dev);
	for (size_t v = 0; v < p->vip_count; v++) {
		out_text(o, "\n[Address]\nAddress=%s/32\nScope=host\n", ipv4_format(p->vips[v], vip));
		if (p->labels[v])
			out_text(o, "Label=%s\n", p->labels[v]);
	}
}

void hide_out_persist(struct out *o, const struct hide_persist *p)
{
	out_object_begin(o, NULL);
	out_string(o, "action", NULL, "add");
	out_text(o, p->changed ? "wrote " : "up to date: ");
	out_string(o, "persist_file", "%s\n", p->path);
	out_bool(o, "changed", NULL, p->changed);
	out_object_end(o);
	text_snippets(o, p);
}
