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

#endif
