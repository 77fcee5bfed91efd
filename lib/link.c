#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define SOCKET_BUFFER (4 << 20)
#define TX_RETRY_LIMIT 2000 /* x 50 us: a stuck queue gives up after 100 ms */

/* Interface facts through ioctls on an unprivileged socket, so "no such interface"
 * and "not ARP-capable" are told apart from "no permission". */
static int describe_interface(struct link *l, const char *ifname)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = errno == ENODEV || errno == ENXIO ? -ENODEV : -errno;
		goto out;
	}
	l->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	if (ifr.ifr_flags & (IFF_LOOPBACK | IFF_NOARP)) {
		err = -EAFNOSUPPORT;
		goto out;
	}
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		err = -EAFNOSUPPORT;
		goto out;
	}
	memcpy(l->mac.octet, ifr.ifr_hwaddr.sa_data, MAC_LEN);
	l->mtu = ioctl(fd, SIOCGIFMTU, &ifr) == 0 ? (unsigned)ifr.ifr_mtu : 1500;
	strcpy(l->name, ifname);
out:
	close(fd);
	return err;
}

void link_init(struct link *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

int link_open(struct link *l, const char *ifname, enum link_filter filter)
{
	struct sockaddr_ll sll;
	int one = 1, size = SOCKET_BUFFER, err;

	link_init(l);
	err = describe_interface(l, ifname);
	if (err)
		return err;
	/*
	 * Protocol 0: the socket receives nothing until bind() names ETH_P_ALL. Creating
	 * it with ETH_P_ALL would make bind() re-register the hook and wait an RCU
	 * grace period (~8 ms here), and would queue frames before the filter is set.
	 */
	l->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0)
		return errno == EPERM || errno == EACCES ? -EPERM : -errno;
	err = link_filter_attach(l->fd, filter);
	if (err)
		goto fail;
	if (setsockopt(l->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(l->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	/* Bursts of replies (a /16 scan) must not overflow the default buffer; the
	 * FORCE variant works as root, the plain one is the fallback. */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(l->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(l->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = l->ifindex;
	if (bind(l->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	link_close(l);
	return err;
}

int link_join_multicast(struct link *l, const struct mac *group)
{
	struct packet_mreq mreq;

	memset(&mreq, 0, sizeof(mreq));
	mreq.mr_ifindex = l->ifindex;
	mreq.mr_type = PACKET_MR_MULTICAST;
	mreq.mr_alen = MAC_LEN;
	memcpy(mreq.mr_address, group->octet, MAC_LEN);
	if (setsockopt(l->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

void link_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void link_adopt(struct link *l, int fd, int ifindex, const char *name, const struct mac *mac,
		unsigned mtu)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->mac = *mac;
	l->mtu = mtu;
}

uint8_t *link_tx_slot(struct link_tx *tx)
{
	return tx->count < LINK_BATCH ? tx->frame[tx->count] : NULL;
}

void link_tx_commit(struct link_tx *tx, size_t len)
{
	tx->len[tx->count++] = (uint16_t)len;
}

/* ENOBUFS is not signalled through poll, so back-pressure is a short sleep. */
static void wait_for_queue(void)
{
	struct timespec pause = {0, 50 * 1000};

	nanosleep(&pause, NULL);
}

int link_tx_flush(struct link *l, struct link_tx *tx)
{
	struct mmsghdr msgs[LINK_BATCH];
	struct iovec iov[LINK_BATCH];
	unsigned sent = 0, retries = 0;

	memset(msgs, 0, sizeof(msgs));
	for (unsigned i = 0; i < tx->count; i++) {
		iov[i].iov_base = tx->frame[i];
		iov[i].iov_len = tx->len[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < tx->count) {
		int n = sendmmsg(l->fd, msgs + sent, tx->count - sent, 0);

		if (n < 0) {
			if ((errno == EAGAIN || errno == ENOBUFS || errno == EINTR) &&
			    ++retries < TX_RETRY_LIMIT) {
				wait_for_queue();
				continue;
			}
			tx->count = 0;
			return -errno;
		}
		sent += (unsigned)n;
	}
	tx->count = 0;
	return (int)sent;
}

/* The kernel strips the 802.1Q tag into auxdata; put it back where it was. */
static size_t reinsert_vlan_tag(uint8_t *data, size_t len, size_t cap,
				const struct tpacket_auxdata *aux)
{
	uint16_t tpid = ETHERTYPE_VLAN;

	if (!(aux->tp_status & TP_STATUS_VLAN_VALID) && aux->tp_vlan_tci == 0)
		return len;
	if (len < 12 || len + VLAN_TAG_LEN > cap)
		return len;
	if (aux->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = aux->tp_vlan_tpid;
	memmove(data + 12 + VLAN_TAG_LEN, data + 12, len - 12);
	data[12] = (uint8_t)(tpid >> 8);
	data[13] = (uint8_t)tpid;
	data[14] = (uint8_t)(aux->tp_vlan_tci >> 8);
	data[15] = (uint8_t)aux->tp_vlan_tci;
	return len + VLAN_TAG_LEN;
}

int link_rx_read(struct link *l, struct link_rx *rx)
{
	struct mmsghdr msgs[LINK_BATCH];
	struct iovec iov[LINK_BATCH];
	struct sockaddr_ll from[LINK_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} control[LINK_BATCH];
	uint64_t now;
	int n;

	memset(msgs, 0, sizeof(msgs));
	memset(control, 0, sizeof(control));
	for (unsigned i = 0; i < LINK_BATCH; i++) {
		iov[i].iov_base = rx->frame[i].data;
		/* Leave room to re-insert a tag. */
		iov[i].iov_len = sizeof(rx->frame[i].data) - VLAN_TAG_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		msgs[i].msg_hdr.msg_control = control[i].buf;
		msgs[i].msg_hdr.msg_controllen = sizeof(control[i].buf);
	}
	rx->count = 0;
	n = recvmmsg(l->fd, msgs, LINK_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	now = now_ns();
	for (int i = 0; i < n; i++) {
		struct link_rx_frame *f = &rx->frame[rx->count];
		size_t len = msgs[i].msg_len;

		f->wire_len = len;
		if (len > iov[i].iov_len)
			len = iov[i].iov_len;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
		     c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			len = reinsert_vlan_tag(f->data, len, sizeof(f->data), &aux);
			if (aux.tp_len > f->wire_len)
				f->wire_len = aux.tp_len;
		}
		f->len = len;
		f->pkttype = from[i].sll_pkttype;
		f->time_ns = now;
		if (f->pkttype == PACKET_OUTGOING)
			continue;
		rx->count++;
	}
	return (int)rx->count;
}

int link_stats(struct link *l, unsigned *received, unsigned *dropped)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(l->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	*received = st.tp_packets;
	*dropped = st.tp_drops;
	return 0;
}
