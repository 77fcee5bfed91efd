/*
 * arpkit hide's output: each change as it is made (add, del), the verdicts of show,
 * and what --persist wrote with the matching address configuration. Everything
 * printed was decided in src/hide.c; this only lays it out as text or JSON.
 */
#ifndef ARPKIT_HIDE_OUT_H
#define ARPKIT_HIDE_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "output.h"

enum hide_change_kind {
	HIDE_SYSCTL_SET,
	HIDE_VIP_ADDED,
	HIDE_VIP_REMOVED,
	HIDE_VIP_READDED, /* removed and added back with scope host */
};

struct hide_change {
	enum hide_change_kind kind;
	/* HIDE_SYSCTL_SET */
	const char *sysctl;     /* "net.ipv4.conf.all.arp_ignore" */
	int from, to;
	/* the VIP changes: VIP/32 on device, with its label (NULL: none) */
	struct in_addr vip;
	const char *device;
	const char *label;
	/* HIDE_VIP_READDED: why: the scope it had, and who answered for it */
	const char *from_scope;
	int arp_ignore;         /* in force on answered_on */
	const char *arp_ignore_meaning;
	const char *answered_on;
};

/* add and del: the changes in one JSON object ({"action", "changes": [...], "changed",
 * "error"}), or one line each in text. */
void hide_out_changes_begin(struct out *o, const char *action);
void hide_out_change(struct out *o, const struct hide_change *change);
/* del, text only: the sysctls stay, because VIPs remain hidden. */
void hide_out_sysctls_kept(struct out *o, size_t remaining);
/* error NULL: done ("nothing to change" in text when changes is 0). */
void hide_out_changes_end(struct out *o, unsigned changes, const char *error);

/* show: a scope (all, or an interface that carries ARP) and what it does. */
struct hide_scope_view {
	const char *name;
	int arp_ignore, arp_announce;     /* its own values */
	int arp_ignore_in_force, arp_announce_in_force;
	const char *arp_ignore_meaning;   /* of the value in force */
	bool answers_new_vips;   /* no VIP on the device yet, and one added would be answered */
	bool may_send_from_vip;  /* arp_announce in force lets a VIP be an ARP sender */
	bool hides;              /* answers no VIP, and sends from none */
};

/* show: an address on the hiding device or lo, outside 127/8. */
struct hide_vip_view {
	struct in_addr addr;
	unsigned prefixlen;
	const char *device;
	const char *label;       /* its own label, NULL when none */
	char scope[8];           /* "global", "host", ... (a number when unnamed) */
	bool host_scope;
	bool answered;           /* some interface answers ARP for it */
	const char *fix_dev;     /* its fix is "arpkit hide add VIP [--dev fix_dev]" (NULL: lo);
				  * see fixable */
	bool fixable;            /* a /32 on the hiding device: hide add fixes it */
};

struct hide_show {
	const struct hide_vip_view *vips;
	size_t vip_count;
	const struct hide_scope_view *scopes; /* [0] is all, then the interfaces */
	size_t scope_count;
	const bool *answers;     /* [s * vip_count + v]: scope s answers ARP for VIP v */
};

void hide_out_show(struct out *o, const struct hide_show *show);

/* --persist: the file written (or already up to date), then in text the address
 * configuration for ip(8), ifupdown and systemd-networkd. */
struct hide_persist {
	const char *path;
	bool changed;
	const char *device;
	const struct in_addr *vips;
	const char *const *labels; /* per VIP, NULL when none */
	size_t vip_count;
};

void hide_out_persist(struct out *o, const struct hide_persist *p);

#endif
