#include "rxring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "frame.h"

static int ring_setup(struct rxring *r, int fd, unsigned block_size, unsigned block_count,
		      unsigned retire_ms, bool own_filter)
{
	struct tpacket_req3 req;
	int version = TPACKET_V3;
	long page = sysconf(_SC_PAGESIZE);

	rxring_init(r);
	if (page <= 0 || block_size == 0 || block_size % (unsigned)page ||
	    (block_size & (block_size - 1)) || block_count == 0)
		return -EINVAL;
	if (own_filter) {
		int err = link_filter_attach(fd, LINK_FILTER_RING_IPV4);

		if (err)
			return err;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = block_size;
	req.tp_block_nr = block_count;
	req.tp_frame_size = TPACKET_ALIGNMENT << 7; /* only a hint in V3 */
	req.tp_frame_nr = block_size / req.tp_frame_size * block_count;
	req.tp_retire_blk_tov = retire_ms;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	r->map_len = (size_t)block_size * block_count;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	if (r->map == MAP_FAILED) /* MAP_LOCKED needs RLIMIT_MEMLOCK; it is only a wish */
		r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		int err = -errno;

		/* Give the ring back, or frames would go to a ring nobody reads and the
		 * caller's fallback (plain reads on the socket) would see nothing. */
		memset(&req, 0, sizeof(req));
		setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
		r->map = NULL;
		return err;
	}
	r->fd = fd;
	r->block_size = block_size;
	r->block_count = block_count;
	return 0;
}

int rxring_setup(struct rxring *r, int fd, unsigned block_size, unsigned block_count,
		 unsigned retire_ms)
{
	return ring_setup(r, fd, block_size, block_count, retire_ms, true);
}

int rxring_attach(struct rxring *r, int fd, unsigned block_size, unsigned block_count,
		  unsigned retire_ms)
{
	return ring_setup(r, fd, block_size, block_count, retire_ms, false);
}

void rxring_init(struct rxring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void rxring_close(struct rxring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	rxring_init(r);
}

/* The kernel moved the 802.1Q tag into the header; decoders want it in line. */
static size_t with_tag(uint8_t *out, size_t cap, const uint8_t *frame, size_t len,
		       const struct tpacket3_hdr *h)
{
	uint16_t tpid = ETHERTYPE_VLAN;

	if (len < 12)
		return 0;
	if (len + VLAN_TAG_LEN > cap)
		len = cap - VLAN_TAG_LEN;
	if (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = h->hv1.tp_vlan_tpid;
	memcpy(out, frame, 12);
	out[12] = (uint8_t)(tpid >> 8);
	out[13] = (uint8_t)tpid;
	out[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
	out[15] = (uint8_t)h->hv1.tp_vlan_tci;
	memcpy(out + 16, frame + 12, len - 12);
	return len + VLAN_TAG_LEN;
}

static size_t walk_block(struct tpacket_block_desc *block, rxring_frame_fn fn, void *ctx)
{
	uint8_t tagged[2048];
	uint32_t count = block->hdr.bh1.num_pkts;
	const uint8_t *p = (const uint8_t *)block + block->hdr.bh1.offset_to_first_pkt;

	for (uint32_t i = 0; i < count; i++) {
		const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
		const uint8_t *frame = p + h->tp_mac;
		size_t len = h->tp_snaplen;
		uint64_t time_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;

		if ((h->tp_status & TP_STATUS_VLAN_VALID) || h->hv1.tp_vlan_tci) {
			len = with_tag(tagged, sizeof(tagged), frame, len, h);
			frame = tagged;
		}
		fn(ctx, frame, len, time_ns);
		p += h->tp_next_offset;
	}
	return count;
}

size_t rxring_drain(struct rxring *r, rxring_frame_fn fn, void *ctx, unsigned max_blocks)
{
	size_t frames = 0;

	if (!r->map)
		return 0;
	for (unsigned n = 0; n < max_blocks; n++) {
		struct tpacket_block_desc *block =
			(struct tpacket_block_desc *)(r->map + (size_t)r->next_block * r->block_size);

		if (!(__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			break;
		frames += walk_block(block, fn, ctx);
		__atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->next_block = (r->next_block + 1) % r->block_count;
	}
	return frames;
}

int rxring_stats(struct rxring *r, uint64_t *packets, uint64_t *drops)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (!r->map)
		return -EBADF;
	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	r->packets += st.tp_packets;
	r->drops += st.tp_drops;
	r->freezes += st.tp_freeze_q_cnt;
	*packets = r->packets;
	*drops = r->drops;
	return 0;
}
