/*
 * bench/scan's responder: answers, from user space, ARP requests for every address
 * of an IPv4 block and Neighbor Solicitations for every address of an IPv6 block,
 * as one MAC, so both families are answered by the same code at the same cost.
 *
 * The kernel cannot stand in for 65,536 IPv6 hosts: adding that many addresses to one
 * interface takes minutes (16,384 took 91 s here), and each NS is matched against the
 * interface's multicast list one entry at a time, so a scan of 16,384 spent 8 s of
 * system time in the responder's kernel. For IPv4 the kernel answers a whole block
 * through one local route, which this responder does not need.
 *
 *	responder IFACE IPV4/N IPV6/N LIFETIME_S
 *
 * Built by bench/scan/ndp against build/libarpkit.a. Bench use only: it runs inside
 * a lab namespace, answers only frames to its blocks, and exits after LIFETIME_S.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "frame.h"
#include "link.h"
#include "number.h"

struct blocks {
	struct ipaddr v4, v6;
	unsigned len4, len6;
};

static int parse_block(const char *text, int family, struct ipaddr *net, unsigned *len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	unsigned long n;

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	if (ipaddr_parse(addr, family, net) < 0 ||
	    parse_ulong(slash + 1, 0, ipaddr_max_prefixlen(family), &n) < 0)
		return -EINVAL;
	*len = (unsigned)n;
	return 0;
}

/* The answer to one frame into slot: its length, 0 when the frame is not for us. */
static size_t answer(const struct blocks *b, const struct mac *own, const uint8_t *frame,
		     size_t len, uint8_t *slot)
{
	struct arp_frame req, rep;
	struct ndp_msg ns, na;

	if (arp_decode(frame, len, &req) == 0) {
		struct ipaddr tpa = ipaddr_v4(req.tpa);

		if (req.op != ARP_OP_REQUEST || !ipaddr_in_subnet(&tpa, &b->v4, b->len4))
			return 0;
		arp_make_request(&rep, own, req.tpa, req.spa, &req.sha);
		rep.op = ARP_OP_REPLY;
		rep.tha = req.sha;
		return arp_encode(&rep, slot, FRAME_MAX);
	}
	if (ndp_decode(frame, len, &ns) == 0 && ns.type == NDP_NEIGHBOR_SOLICIT &&
	    !ipv6_is_unspecified(&ns.ip.src)) {
		struct ipaddr target = ipaddr_v6(&ns.target);

		if (!ipaddr_in_subnet(&target, &b->v6, b->len6))
			return 0;
		ndp_make_na(&na, own, &ns.target, NDP_NA_SOLICITED | NDP_NA_OVERRIDE, &ns.ip.src,
			    ns.has_source_lladdr ? &ns.source_lladdr : &ns.eth.src);
		return ndp_encode(&na, slot, FRAME_MAX);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct link_rx rx;
	static struct link_tx tx;
	struct blocks b;
	struct link l;
	unsigned long lifetime;
	time_t end;
	int err;

	if (argc != 5 || parse_block(argv[2], AF_INET, &b.v4, &b.len4) < 0 ||
	    parse_block(argv[3], AF_INET6, &b.v6, &b.len6) < 0 ||
	    parse_ulong(argv[4], 1, 3600, &lifetime) < 0) {
		fprintf(stderr, "usage: responder IFACE IPV4/N IPV6/N LIFETIME_S\n");
		return 2;
	}
	link_init(&l);
	err = link_open(&l, argv[1], LINK_FILTER_ARP_NDP);
	if (err) {
		fprintf(stderr, "responder: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	end = time(NULL) + (time_t)lifetime;
	while (time(NULL) < end) {
		struct pollfd pfd = {.fd = l.fd, .events = POLLIN};
		int n;

		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		while ((n = link_rx_read(&l, &rx)) > 0) {
			for (int i = 0; i < n; i++) {
				uint8_t *slot = link_tx_slot(&tx);
				size_t len = slot ? answer(&b, &l.mac, rx.frame[i].data,
							   rx.frame[i].len, slot) : 0;

				if (len)
					link_tx_commit(&tx, len);
			}
			if (tx.count && link_tx_flush(&l, &tx) < 0)
				tx.count = 0;
		}
	}
	link_close(&l);
	return 0;
}
