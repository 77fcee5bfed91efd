#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

const struct mac mac_zero = {{0, 0, 0, 0, 0, 0}};
const struct mac mac_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

bool mac_equal(const struct mac *a, const struct mac *b)
{
	return memcmp(a->octet, b->octet, MAC_LEN) == 0;
}

bool mac_is_zero(const struct mac *m)
{
	return mac_equal(m, &mac_zero);
}

bool mac_is_broadcast(const struct mac *m)
{
	return mac_equal(m, &mac_broadcast);
}

bool mac_is_multicast(const struct mac *m)
{
	return m->octet[0] & 0x01;
}

bool mac_is_local(const struct mac *m)
{
	return m->octet[0] & 0x02;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mac_parse(const char *text, struct mac *out)
{
	const char *p = text;
	char separator = 0;

	for (int i = 0; i < MAC_LEN; i++) {
		int hi = hex_digit(p[0]);
		int lo = hi < 0 ? -1 : hex_digit(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out->octet[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i == MAC_LEN - 1)
			break;
		if (*p != ':' && *p != '-')
			return -EINVAL;
		if (separator && *p != separator)
			return -EINVAL;
		separator = *p++;
	}
	return *p ? -EINVAL : 0;
}

char *mac_format(const struct mac *m, char buf[MAC_STRLEN])
{
	static const char hex[] = "0123456789abcdef";

	/* By hand: a scan formats one MAC per line, snprintf would be most of it. */
	for (int i = 0; i < MAC_LEN; i++) {
		buf[3 * i] = hex[m->octet[i] >> 4];
		buf[3 * i + 1] = hex[m->octet[i] & 0xf];
		buf[3 * i + 2] = i < MAC_LEN - 1 ? ':' : '\0';
	}
	return buf;
}

int ipv4_parse(const char *text, struct in_addr *out)
{
	uint32_t value = 0;
	const char *p = text;

	for (int part = 0; part < 4; part++) {
		unsigned octet = 0;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			/* "01" is refused: inet_aton would read it as octal. */
			if (digits == 1 && octet == 0)
				return -EINVAL;
			octet = octet * 10 + (unsigned)(*p++ - '0');
			if (++digits > 3 || octet > 255)
				return -EINVAL;
		}
		if (digits == 0)
			return -EINVAL;
		value = value << 8 | octet;
		if (part < 3 && *p++ != '.')
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	out->s_addr = htonl(value);
	return 0;
}

char *ipv4_format(struct in_addr a, char buf[IPV4_STRLEN])
{
	const uint8_t *octet = (const uint8_t *)&a.s_addr;
	char *p = buf;

	/* By hand, as mac_format: glibc's inet_ntop goes through sprintf. */
	for (int i = 0; i < 4; i++) {
		unsigned v = octet[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	return buf;
}

int ipv4_parse_cidr(const char *text, struct in_addr *addr, unsigned *prefixlen)
{
	char copy[IPV4_STRLEN + 4];
	const char *slash = strchr(text, '/');
	unsigned long bits;

	if (!slash || (size_t)(slash - text) >= IPV4_STRLEN)
		return -EINVAL;
	memcpy(copy, text, (size_t)(slash - text));
	copy[slash - text] = '\0';
	if (ipv4_parse(copy, addr) < 0 || parse_ulong(slash + 1, 0, 32, &bits) < 0)
		return -EINVAL;
	*prefixlen = (unsigned)bits;
	return 0;
}

uint32_t ipv4_netmask(unsigned prefixlen)
{
	return prefixlen == 0 ? 0 : 0xffffffffu << (32 - prefixlen);
}

bool ipv4_in_subnet(struct in_addr a, struct in_addr net, unsigned prefixlen)
{
	uint32_t mask = ipv4_netmask(prefixlen);

	return (ntohl(a.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

struct ipaddr ipaddr_v4(struct in_addr a)
{
	struct ipaddr out;

	memset(&out, 0, sizeof(out));
	out.family = AF_INET;
	out.v4 = a;
	return out;
}

struct ipaddr ipaddr_v6(const struct in6_addr *a)
{
	struct ipaddr out;

	memset(&out, 0, sizeof(out));
	out.family = AF_INET6;
	out.v6 = *a;
	return out;
}

struct ipaddr ipaddr_any(int family)
{
	struct ipaddr out;

	memset(&out, 0, sizeof(out));
	if (family == AF_INET || family == AF_INET6)
		out.family = (sa_family_t)family;
	return out;
}

size_t ipaddr_size(int family)
{
	switch (family) {
	case AF_INET: return sizeof(struct in_addr);
	case AF_INET6: return sizeof(struct in6_addr);
	default: return 0;
	}
}

unsigned ipaddr_max_prefixlen(int family)
{
	return (unsigned)ipaddr_size(family) * 8;
}

int ipaddr_from_bytes(struct ipaddr *out, int family, const void *bytes, size_t len)
{
	size_t size = ipaddr_size(family);

	if (size == 0 || len != size)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (sa_family_t)family;
	memcpy(family == AF_INET ? (void *)&out->v4 : (void *)&out->v6, bytes, size);
	return 0;
}

static const uint8_t *ipaddr_bytes(const struct ipaddr *a)
{
	return a->family == AF_INET ? (const uint8_t *)&a->v4 : (const uint8_t *)&a->v6;
}

int ipaddr_parse(const char *text, int family, struct ipaddr *out)
{
	struct in_addr v4;
	struct in6_addr v6;

	/* IPv6 text always has a colon and IPv4 never does: no guessing beyond that. */
	if (strchr(text, ':')) {
		if ((family != AF_UNSPEC && family != AF_INET6) || inet_pton(AF_INET6, text, &v6) != 1)
			return -EINVAL;
		*out = ipaddr_v6(&v6);
		return 0;
	}
	if ((family != AF_UNSPEC && family != AF_INET) || ipv4_parse(text, &v4) < 0)
		return -EINVAL;
	*out = ipaddr_v4(v4);
	return 0;
}

int ipaddr_parse_cidr(const char *text, int family, struct ipaddr *out, unsigned *prefixlen)
{
	char copy[IPADDR_STRLEN];
	const char *slash = strchr(text, '/');
	unsigned long bits;
	struct ipaddr addr;

	if (!slash || (size_t)(slash - text) >= sizeof(copy))
		return -EINVAL;
	memcpy(copy, text, (size_t)(slash - text));
	copy[slash - text] = '\0';
	if (ipaddr_parse(copy, family, &addr) < 0 ||
	    parse_ulong(slash + 1, 0, ipaddr_max_prefixlen(addr.family), &bits) < 0)
		return -EINVAL;
	*out = addr;
	*prefixlen = (unsigned)bits;
	return 0;
}

/* The longest run of two or more zero groups, the first of equals; start -1 if none. */
static void longest_zero_run(const uint16_t group[8], int *start, int *len)
{
	*start = -1;
	*len = 1;
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && group[j] == 0)
			j++;
		if (j - i > *len) {
			*start = i;
			*len = j - i;
		}
		i = j > i ? j : i + 1;
	}
}

static void ipv6_format(const struct in6_addr *a, char buf[IPADDR_STRLEN])
{
	static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint16_t group[8];
	char *p = buf;
	int zero_start, zero_len;

	for (int i = 0; i < 8; i++)
		group[i] = (uint16_t)(a->s6_addr[2 * i] << 8 | a->s6_addr[2 * i + 1]);
	/* RFC 5952 section 5: the IPv4-mapped form keeps its dotted quad. */
	if (!memcmp(a->s6_addr, mapped_prefix, sizeof(mapped_prefix))) {
		snprintf(buf, IPADDR_STRLEN, "::ffff:%u.%u.%u.%u", a->s6_addr[12], a->s6_addr[13],
			 a->s6_addr[14], a->s6_addr[15]);
		return;
	}
	longest_zero_run(group, &zero_start, &zero_len);
	for (int i = 0; i < 8; i++) {
		if (i == zero_start) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += zero_len - 1;
			continue;
		}
		p += sprintf(p, "%x", group[i]);
		if (i < 7)
			*p++ = ':';
	}
	*p = '\0';
}

char *ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN])
{
	switch (a->family) {
	case AF_INET:
		ipv4_format(a->v4, buf);
		break;
	case AF_INET6:
		ipv6_format(&a->v6, buf);
		break;
	default:
		buf[0] = '\0';
		break;
	}
	return buf;
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	       !memcmp(ipaddr_bytes(a), ipaddr_bytes(b), ipaddr_size(a->family));
}

bool ipaddr_is_unspecified(const struct ipaddr *a)
{
	static const uint8_t zero[sizeof(struct in6_addr)];

	return !memcmp(ipaddr_bytes(a), zero, ipaddr_size(a->family));
}

bool ipaddr_in_subnet(const struct ipaddr *a, const struct ipaddr *net, unsigned prefixlen)
{
	const uint8_t *x = ipaddr_bytes(a), *y = ipaddr_bytes(net);
	unsigned whole, rest;

	if (a->family != net->family || a->family == AF_UNSPEC)
		return false;
	if (prefixlen > ipaddr_max_prefixlen(a->family))
		prefixlen = ipaddr_max_prefixlen(a->family);
	whole = prefixlen / 8;
	rest = prefixlen % 8;
	if (memcmp(x, y, whole))
		return false;
	return rest == 0 || ((x[whole] ^ y[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}
