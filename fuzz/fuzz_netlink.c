/*
 * rtnetlink message parsing (nl_parse_*), fed a buffer of messages as a netlink
 * socket returns it; each message that fits goes to every parser, which must take
 * it or turn it down with an errno value (-ENOENT for another kind, -EINVAL when
 * malformed) without reading past nlmsg_len. A route's nexthops counted with max 0
 * must match those filled. Prefix lengths are checked against IPv6's 128 so the
 * harness holds for the family-tagged records too.
 *
 * The walk over the buffer checks lengths as unsigned numbers itself: libmnl's
 * mnl_nlmsg_ok() compares (int)nlmsg_len, so a length of 2 GiB or more passes it and
 * mnl_nlmsg_next() then jumps out of the buffer (found by this harness; corpus file
 * nlmsg-len-over-2gib). arpkit's sockets take only datagrams the kernel sent
 * (mnl_socket_recvfrom refuses others with ESRCH), and the kernel never writes such
 * a length, so only a harness that feeds arbitrary bytes can meet it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "netlink.h"

#define PATHS_MAX 64

static bool is_refusal(int ret)
{
	return ret == 0 || (ret < 0 && ret > -4096);
}

static void parse_one(const struct nlmsghdr *nlh)
{
	struct nl_route routes[PATHS_MAX];
	struct nl_link link;
	struct nl_addr addr;
	struct nl_neigh neigh;
	int ret, count;

	ret = nl_parse_link(nlh, &link);
	FUZZ_ASSERT(is_refusal(ret));
	if (ret == 0)
		FUZZ_ASSERT(memchr(link.name, '\0', sizeof(link.name)) != NULL);
	ret = nl_parse_addr(nlh, &addr);
	FUZZ_ASSERT(is_refusal(ret));
	if (ret == 0)
		FUZZ_ASSERT(addr.prefixlen <= 128 &&
			    memchr(addr.label, '\0', sizeof(addr.label)) != NULL);
	ret = nl_parse_neigh(nlh, &neigh);
	FUZZ_ASSERT(is_refusal(ret));
	ret = nl_parse_route(nlh, &routes[0]);
	FUZZ_ASSERT(is_refusal(ret));
	count = nl_parse_route_paths(nlh, NULL, 0);
	FUZZ_ASSERT(count >= 0 || is_refusal(count));
	if (count > 0) {
		size_t max = count < PATHS_MAX ? (size_t)count : PATHS_MAX;

		FUZZ_ASSERT(nl_parse_route_paths(nlh, routes, max) == count);
		for (size_t i = 0; i < max; i++)
			FUZZ_ASSERT(routes[i].dst_len <= 128);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Netlink messages are 4-byte aligned in the socket buffer; keep them so. */
	char *buf = malloc(size ? size : 1);
	size_t pos = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	while (size - pos >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(buf + pos);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size - pos)
			break;
		parse_one(nlh);
		if (NLMSG_ALIGN(nlh->nlmsg_len) >= size - pos)
			break;
		pos += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	free(buf);
	return 0;
}
