/* Addresses: the types every module shares, and strict parsers for them. */
#ifndef ARPKIT_ADDR_H
#define ARPKIT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAC_LEN 6
#define MAC_STRLEN 18  /* "aa:bb:cc:dd:ee:ff" + NUL */
#define IPV4_STRLEN 16 /* "255.255.255.255" + NUL */
#define IPADDR_STRLEN INET6_ADDRSTRLEN /* the longest IPv6 text (mapped form) + NUL */

struct mac {
	uint8_t octet[MAC_LEN];
};

extern const struct mac mac_zero;
extern const struct mac mac_broadcast;

bool mac_equal(const struct mac *a, const struct mac *b);
bool mac_is_zero(const struct mac *m);
bool mac_is_broadcast(const struct mac *m);
bool mac_is_multicast(const struct mac *m);
/* Locally administered: the U/L bit of the first octet is set. */
bool mac_is_local(const struct mac *m);

/* Parse "aa:bb:cc:dd:ee:ff" (also '-' separated); 0 or -EINVAL. */
int mac_parse(const char *text, struct mac *out);
/* Lower-case, colon separated; returns buf. */
char *mac_format(const struct mac *m, char buf[MAC_STRLEN]);

/* Dotted quad only (no "10.1", no octal, no trailing junk); 0 or -EINVAL. */
int ipv4_parse(const char *text, struct in_addr *out);
char *ipv4_format(struct in_addr a, char buf[IPV4_STRLEN]);
/* "A.B.C.D/N"; the host bits may be set (10.0.0.5/24 is allowed). */
int ipv4_parse_cidr(const char *text, struct in_addr *addr, unsigned *prefixlen);
uint32_t ipv4_netmask(unsigned prefixlen); /* host order */
bool ipv4_in_subnet(struct in_addr a, struct in_addr net, unsigned prefixlen);


/*
 * An IP address of either family, tagged. A zero-filled one is AF_UNSPEC: "none"
 * (a route without a gateway, say). Compare with ipaddr_equal, never memcmp: the
 * bytes after an IPv4 address are not part of it.
 */
struct ipaddr {
	sa_family_t family; /* AF_INET, AF_INET6, or AF_UNSPEC for none */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct ipaddr ipaddr_v4(struct in_addr a);
struct ipaddr ipaddr_v6(const struct in6_addr *a);
/* The family's unspecified address: 0.0.0.0 or ::. AF_UNSPEC (none) otherwise. */
struct ipaddr ipaddr_any(int family);
/* From len raw bytes in network order (4 for AF_INET, 16 for AF_INET6), as netlink
 * carries them: 0, or -EINVAL when len does not fit the family (or the family is
 * neither). */
int ipaddr_from_bytes(struct ipaddr *out, int family, const void *bytes, size_t len);
/* Address bytes of the family (4 or 16; 0 for AF_UNSPEC), and longest prefix. */
size_t ipaddr_size(int family);
unsigned ipaddr_max_prefixlen(int family);

/*
 * Strict: IPv4 as ipv4_parse (dotted quad only); IPv6 as inet_pton (RFC 4291 text,
 * an embedded dotted quad allowed, no zone, no brackets, no prefix). family AF_INET
 * or AF_INET6 accepts only that family, AF_UNSPEC either. 0 or -EINVAL.
 */
int ipaddr_parse(const char *text, int family, struct ipaddr *out);
/* "ADDRESS/N" as `ip addr` shows it: ADDRESS as ipaddr_parse, N a decimal up to the
 * family's length (32 or 128); the host bits may be set. 0 or -EINVAL. */
int ipaddr_parse_cidr(const char *text, int family, struct ipaddr *out, unsigned *prefixlen);
/* RFC 5952: lower case, no leading zeros, the longest run of two or more zero
 * groups (the first of equals) as "::", IPv4-mapped as ::ffff:a.b.c.d; "" for
 * AF_UNSPEC. Returns buf. */
char *ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN]);
/* Same family and same address. Two AF_UNSPEC are equal. */
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* AF_UNSPEC, 0.0.0.0 or ::. */
bool ipaddr_is_unspecified(const struct ipaddr *a);
/* a lies in net/prefixlen: same family, first prefixlen bits equal (prefixlen past
 * the family's length counts as the whole address). */
bool ipaddr_in_subnet(const struct ipaddr *a, const struct ipaddr *net, unsigned prefixlen);

#endif
