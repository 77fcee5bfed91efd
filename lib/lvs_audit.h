/*
 * The LVS "ARP problem" as pure logic: given what a host holds (addresses,
 * per-interface settings, neighbour entries), which of its settings let a real
 * server claim a VIP from the director, drop forwarded traffic, or keep a stale
 * mapping after a failover; each finding carries the exact command that fixes it.
 * No I/O: the audit and hide commands gather the inputs, tests craft them.
 */
#ifndef ARPKIT_LVS_AUDIT_H
#define ARPKIT_LVS_AUDIT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "netlink.h"
#include "sysctl.h"

#define LVS_TEXT_MAX 512
#define LVS_CONF_UNKNOWN (-1) /* the setting could not be read */

/* One scope's own values (not the effective ones), indexed by enum sysctl_key. */
struct lvs_conf {
	int value[SYSCTL_KEY_COUNT];
};

struct lvs_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	bool up;
	bool loopback;      /* a loopback device: where hidden VIPs live */
	bool arp;           /* up and ARP-capable: the kernel answers ARP here */
	bool default_route; /* a default route of the main table leaves through it */
	struct lvs_conf conf;
};

struct lvs_host {
	struct lvs_conf all;
	const struct lvs_iface *ifaces;
	size_t iface_count;
	const struct nl_addr *addrs;
	size_t addr_count;
	const struct nl_neigh *neighs;
	size_t neigh_count;
	const struct in_addr *vips; /* named on the command line; may be none */
	size_t vip_count;
	bool force_real_server;     /* a real server even with no VIP on a loopback device */
};

enum lvs_check {
	LVS_LO_MASK,          /* a VIP on lo with a mask other than /32 */
	LVS_VIP_ON_ARP_IFACE, /* a real server holds a VIP on an interface that answers ARP */
	LVS_ARP_IGNORE,       /* an interface answers ARP for some hidden VIPs */
	LVS_ARP_IGNORE_ALL,   /* set per interface, not on all: new interfaces answer */
	LVS_ARP_ANNOUNCE,     /* the VIP may be the sender of this host's ARP requests */
	LVS_ARP_ANNOUNCE_ALL,
	LVS_RP_FILTER,        /* strict reverse-path filter off the default route's interface */
	LVS_PROXY_ARP,
	LVS_DROP_GRATUITOUS_ARP,
	LVS_ARP_ACCEPT,
	LVS_PERMANENT_NEIGH,  /* a static ARP entry for a VIP: failover cannot move it */
	LVS_RESPONDERS,       /* several MACs (or none) answer ARP for a VIP */
	LVS_NEIGH_ENTRY,      /* this host maps a VIP to a MAC that is not the one answering */
	LVS_CHECK_COUNT,
};

/* Stable short names for output: "lo-mask", "arp_ignore", ... */
const char *lvs_check_name(enum lvs_check check);

struct lvs_finding {
	enum lvs_check check;
	char iface[IF_NAMESIZE];  /* "all" for the all scope, "" when host-wide */
	struct in_addr *vips;     /* exactly the VIPs the finding is about; NULL when none */
	size_t vip_count;
	struct mac mac;           /* the MAC it is about (neighbour-entry), if has_mac */
	bool has_mac;
	char *problem;            /* what is wrong and why, naming every VIP in vips */
	char fix[LVS_TEXT_MAX];   /* one shell command line */
};

typedef VEC(struct lvs_finding) lvs_finding_list;

/* Frees what each finding holds and the list itself; the list is then empty. */
void lvs_findings_free(lvs_finding_list *list);

/* Why an address cannot be a VIP ("a multicast address", ...), or NULL if it can. */
const char *lvs_vip_unusable(struct in_addr addr);

#define LVS_MAX_VIPS 256

/* The VIPs a command was given, each once, in order. */
struct lvs_vip_set {
	struct in_addr addr[LVS_MAX_VIPS];
	unsigned count;
};

/*
 * Add a VIP as people type it: "A.B.C.D", or "A.B.C.D/32" from habit (any other mask
 * is a mistake). 0 (also when already there); -EINVAL with *why set ("not an IPv4
 * address", "a multicast address", ...); -ENOSPC when the set is full.
 */
int lvs_vip_set_add(struct lvs_vip_set *set, const char *text, const char **why);

/* A host with any non-127/8 address on a loopback device is a real server. */
bool lvs_host_is_real_server(const struct lvs_host *host);

/* Appends the findings for host to out: 0, or -ENOMEM (out then holds what fit). */
int lvs_audit(const struct lvs_host *host, lvs_finding_list *out);

/* Who answered ARP for a VIP during the network check. */
struct lvs_responder {
	struct mac mac;
	const char *vendor; /* may be NULL */
	unsigned replies;
	bool self;          /* this host's own interface (it holds the VIP there) */
};

/*
 * What the network check learnt about one VIP on one interface: who answered, and
 * what this host's own neighbour table held for the VIP there when the audit
 * began (before its requests drew answers that may have replaced the entry) and
 * after the check.
 */
struct lvs_vip_check {
	struct in_addr vip;
	const char *iface;
	const struct lvs_responder *responders;
	size_t responder_count;
	const struct nl_neigh *entry;       /* NULL: no entry, or none with a MAC */
	const char *entry_vendor;           /* may be NULL */
	const struct nl_neigh *entry_after; /* the same entry after the check, or NULL */
};

/*
 * Appends the findings of one VIP's network check to out: arp-responders when
 * none or several MACs answer (exactly one is the healthy case), and
 * neighbour-entry when this host's entry maps the VIP to a MAC that is not the
 * one answering, or several answer. 0 or -ENOMEM.
 */
int lvs_network_findings(const struct lvs_vip_check *check, lvs_finding_list *out);

/* Whether a neighbour entry is a learnt mapping in use (reachable, stale, delay,
 * probe): the kind an ARP frame can change; static entries are another check. */
bool lvs_neigh_is_learnt(const struct nl_neigh *entry);

#endif
