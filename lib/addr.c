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
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->octet[0], m->octet[1],
		 m->octet[2], m->octet[3], m->octet[4], m->octet[5]);
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
	inet_ntop(AF_INET, &a, buf, IPV4_STRLEN);
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
