#include "txring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where the slot's data starts: after the header, as the kernel expects without
 * PACKET_TX_HAS_OFF. The data is a virtio_net_hdr, then the frame. */
#define DATA_OFFSET (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define VNET_LEN sizeof(struct virtio_net_hdr)
#define SEND_BUFFER (4 << 20)

static struct tpacket2_hdr *slot_header(const struct txring *t, unsigned index)
{
	return (struct tpacket2_hdr *)(t->map + (size_t)index * t->frame_size);
}

static int configure(struct txring *t, unsigned frame_size, unsigned frame_count,
		     bool bypass_qdisc)
{
	long page = sysconf(_SC_PAGESIZE);
	int version = TPACKET_V2, one = 1, size = SEND_BUFFER;
	struct tpacket_req req;

	if (page <= 0 || frame_size < 64 || frame_size > (unsigned)page ||
	    (frame_size & (frame_size - 1)) || frame_count == 0 ||
	    frame_count % ((unsigned)page / frame_size))
		return -EINVAL;
	if (setsockopt(t->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	/* A frame the kernel refuses is skipped, not left to block the ring. */
	if (setsockopt(t->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)) < 0)
		return -errno;
	/*
	 * With a virtio_net_hdr in front of each frame, its hdr_len tells the kernel to
	 * copy the whole (small) frame into the packet; without it the frame would be
	 * attached as pages of the ring, which a veth must copy again into fresh pages.
	 */
	if (setsockopt(t->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		return -errno;
	/* Frames count against the send buffer until the peer consumes them. */
	if (setsockopt(t->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bypass_qdisc &&
	    setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = (unsigned)page;
	req.tp_frame_size = frame_size;
	req.tp_block_nr = frame_count / ((unsigned)page / frame_size);
	req.tp_frame_nr = frame_count;
	if (setsockopt(t->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return -errno;
	t->map_len = (size_t)frame_size * frame_count;
	t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		return -errno;
	}
	t->frame_size = frame_size;
	t->frame_count = frame_count;
	return 0;
}

int txring_open(struct txring *t, int ifindex, uint16_t protocol, unsigned frame_size,
		unsigned frame_count, bool bypass_qdisc)
{
	struct sockaddr_ll sll;
	int err;

	txring_init(t);
	t->ifindex = ifindex;
	t->protocol = protocol;
	/* Protocol 0: no receive hook, so nothing queues up on a socket no one reads. */
	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0)
		return errno == EPERM || errno == EACCES ? -EPERM : -errno;
	err = configure(t, frame_size, frame_count, bypass_qdisc);
	if (err)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	if (bind(t->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	txring_close(t);
	return err;
}

void txring_init(struct txring *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

void txring_close(struct txring *t)
{
	if (t->map)
		munmap(t->map, t->map_len);
	if (t->fd >= 0)
		close(t->fd);
	txring_init(t);
}

size_t txring_frame_room(const struct txring *t)
{
	return t->frame_size - DATA_OFFSET - VNET_LEN;
}

uint8_t *txring_slot(struct txring *t)
{
	struct tpacket2_hdr *h = slot_header(t, t->next);

	/* Timestamp bits may come back with TP_STATUS_AVAILABLE (0). */
	if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) &
	    (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING))
		return NULL;
	return (uint8_t *)h + DATA_OFFSET + VNET_LEN;
}

void txring_commit(struct txring *t, size_t len)
{
	struct tpacket2_hdr *h = slot_header(t, t->next);
	struct virtio_net_hdr vnet = {.hdr_len = htole16((uint16_t)len)};

	memcpy((uint8_t *)h + DATA_OFFSET, &vnet, sizeof(vnet));
	h->tp_len = (uint32_t)(VNET_LEN + len);
	h->tp_snaplen = h->tp_len;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	t->next = (t->next + 1) % t->frame_count;
	t->queued++;
}

int txring_flush(struct txring *t)
{
	struct sockaddr_ll to;
	unsigned queued = t->queued;

	if (!queued)
		return 0;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = t->ifindex;
	to.sll_protocol = htons(t->protocol);
	/* MSG_DONTWAIT: hand the frames over, do not wait for the driver to free them. */
	if (sendto(t->fd, NULL, 0, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	t->queued = 0;
	return (int)queued;
}
