/*
 * Link I/O: one AF_PACKET socket bound to one interface, with a kernel BPF filter so
 * the process only wakes for frames it wants (enum link_filter, filter.h), batched
 * with sendmmsg/recvmmsg.
 * VLAN tags the kernel moved into metadata are put back into the frame, so decoders
 * always see the frame as it was on the wire.
 */
#ifndef ARPKIT_LINK_H
#define ARPKIT_LINK_H

#include <net/if.h>
#include <stdint.h>

#include "addr.h"
#include "filter.h"
#include "frame.h"

/* Owns its socket: fd is -1 while closed (link_init, link_close), so a cleanup path
 * can always call link_close and never closes a descriptor it did not open. */
struct link {
	int fd;
	int ifindex;
	char name[IF_NAMESIZE];
	struct mac mac;
	unsigned mtu;
};

#define LINK_BATCH 64

struct link_tx {
	unsigned count;
	uint16_t len[LINK_BATCH];
	uint8_t frame[LINK_BATCH][FRAME_MAX];
};

struct link_rx_frame {
	uint8_t data[FRAME_MAX + 1522]; /* room for a full Ethernet frame */
	size_t len;                     /* bytes in data (tag re-inserted) */
	size_t wire_len;                /* original length on the wire */
	uint8_t pkttype;                /* PACKET_HOST, PACKET_BROADCAST, ... */
	uint64_t time_ns;               /* CLOCK_MONOTONIC at receive */
};

struct link_rx {
	unsigned count;
	struct link_rx_frame frame[LINK_BATCH];
};

/* Closed: fd -1, nothing else known. Every link starts here. */
void link_init(struct link *l);
/*
 * Open a packet socket on ifname. Fails with -ENODEV (no such interface),
 * -EAFNOSUPPORT (not Ethernet/ARP-capable: loopback, tun, NOARP), -EPERM (no
 * CAP_NET_RAW), or another -errno; the link is then closed (fd -1).
 */
int link_open(struct link *l, const char *ifname, enum link_filter filter);
/* Closes the socket if open and leaves the link closed; any number of times. */
void link_close(struct link *l);
/*
 * A link over a packet socket opened and bound elsewhere (the daemon's privileged
 * helper opens them with link_open and passes them over a socket): l owns fd from
 * now on. The interface facts are the opener's; name is cut to IF_NAMESIZE - 1.
 */
void link_adopt(struct link *l, int fd, int ifindex, const char *name, const struct mac *mac,
		unsigned mtu);

/*
 * Receive what is sent to an Ethernet multicast group (an IPv6 solicited-node group's
 * 33:33:ff:xx:xx:xx, say) though this host's stack never joined it: a NIC filters
 * multicast by group, and PACKET_ADD_MEMBERSHIP adds the group to its filter for as
 * long as the socket is open. Sends nothing (no MLD report: the membership is the
 * link layer's). 0 or -errno.
 */
int link_join_multicast(struct link *l, const struct mac *group);

/* Append a frame to the batch; returns the slot to fill, NULL when full. */
uint8_t *link_tx_slot(struct link_tx *tx);
void link_tx_commit(struct link_tx *tx, size_t len);
/* Send and empty the batch: frames sent (all of them) or -errno. Retries EAGAIN/ENOBUFS
 * briefly, because a full qdisc is back-pressure, not an error. */
int link_tx_flush(struct link *l, struct link_tx *tx);

/* Read what is queued without blocking: frames read (0 if none) or -errno. */
int link_rx_read(struct link *l, struct link_rx *rx);

/* Kernel drop counters since the last call (PACKET_STATISTICS). */
int link_stats(struct link *l, unsigned *received, unsigned *dropped);

#endif
