/*
 * The per-interface IPv4 settings under /proc/sys/net/ipv4/conf/<scope>/<key>, and the
 * rules the kernel uses to combine a scope's own value with the one of `all` (it
 * reads both and takes the max, or ORs them, depending on the key; see
 * include/linux/inetdevice.h). The combining rules are pure so they can be tested.
 */
#ifndef ARPKIT_SYSCTL_H
#define ARPKIT_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#define SYSCTL_CONF_ROOT "/proc/sys/net/ipv4/conf"
#define SYSCTL_NAME_MAX 96 /* "net/ipv4/conf/<15 chars>/<key>" with room to spare */

enum sysctl_key {
	SYSCTL_ARP_IGNORE,
	SYSCTL_ARP_ANNOUNCE,
	SYSCTL_RP_FILTER,
	SYSCTL_PROXY_ARP,
	SYSCTL_ARP_ACCEPT,
	SYSCTL_DROP_GRATUITOUS_ARP,
	SYSCTL_KEY_COUNT,
};

/* "arp_ignore", ... (the file name under the scope directory). */
const char *sysctl_key_name(enum sysctl_key key);

/* "all", "default" or something that can be an interface name: 1-15 characters,
 * no '/', no blanks, not "." or "..". Refusing anything else keeps a caller from
 * reaching outside the conf directory. */
bool sysctl_scope_valid(const char *scope);

/*
 * The name sysctl(8) and sysctl.d(5) understand for scope/key: dotted
 * ("net.ipv4.conf.eth0.arp_ignore"), or slashed when the scope holds a dot
 * ("net/ipv4/conf/eth0.100/arp_ignore"), since a dot would be read as a separator.
 * Returns buf, or NULL when the scope is invalid or cap too small.
 */
const char *sysctl_name(char *buf, size_t cap, const char *scope, enum sysctl_key key);

/* Read and write one value. root is SYSCTL_CONF_ROOT, or a directory of the same
 * shape for tests. 0, -EINVAL (bad scope, or the file holds no integer), -ENOENT
 * (no such interface), -EACCES/-EPERM, or another -errno. */
int sysctl_read(const char *root, const char *scope, enum sysctl_key key, int *value);
int sysctl_write(const char *root, const char *scope, enum sysctl_key key, int value);

/*
 * IPv6: net.ipv6.conf.<ifname>.forwarding, read alone. The kernel acts on the
 * interface's own value (writing `all` sets every interface's), so there is no
 * combining rule: nonzero makes the interface a router (RFC 4861's IsRouter), and the
 * Neighbor Advertisements sent there carry the Router flag. root6 is
 * SYSCTL_CONF6_ROOT, or a directory of the same shape for tests. 0 with *forwards
 * set, or an error as sysctl_read (-ENOENT: no such interface, or no IPv6).
 */
#define SYSCTL_CONF6_ROOT "/proc/sys/net/ipv6/conf"
int sysctl_ipv6_forwarding(const char *root6, const char *ifname, bool *forwards);

/* The value the kernel acts on for an interface, given `all` and the interface's
 * own: the max for arp_ignore, arp_announce, rp_filter and arp_accept (MAXCONF);
 * either one set for proxy_arp and drop_gratuitous_arp (ORCONF, reported as 0/1). */
int sysctl_effective(enum sysctl_key key, int all_value, int iface_value);

/*
 * Whether an effective arp_ignore keeps the kernel from answering ARP, on an
 * interface, for an address held on another device (a VIP on lo) with the given
 * RT_SCOPE_* scope. The kernel's arp_ignore() (net/ipv4/arp.c), value by value:
 *   0      reply for any local address;
 *   1      reply only if the target is configured on the incoming interface;
 *   2      as 1, and the sender must be in the subnet of that address;
 *   3      reply only if some device holds the target with a scope of link or
 *          wider (global, site, link): an address of scope host is never answered;
 *   4-7    reserved, reply;
 *   8      never reply;
 *   others reply.
 * So 1, 2 and 8 hide a VIP on lo whatever its scope, 3 only one of scope host.
 */
bool sysctl_arp_ignore_hides(int effective, unsigned char scope);
/* The rule above in a few words, for messages: "replies only for addresses not of
 * scope host" for 3, ... Never NULL. */
const char *sysctl_arp_ignore_meaning(int effective);
bool sysctl_arp_announce_hides(int effective);

/* The values `hide add` sets, and the kernel defaults `hide del` restores. */
#define SYSCTL_HIDE_ARP_IGNORE 1
#define SYSCTL_HIDE_ARP_ANNOUNCE 2
#define SYSCTL_KERNEL_DEFAULT_ARP_IGNORE 0
#define SYSCTL_KERNEL_DEFAULT_ARP_ANNOUNCE 0

#endif
