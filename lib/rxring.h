/*
 * A PACKET_MMAP TPACKET_V3 receive ring on an AF_PACKET socket (one opened by
 * link_open): the kernel fills blocks of frames in shared memory and the reader
 * walks them without a system call per frame, which is what lets a watcher keep up
 * with a flood of ARP. rxring_setup replaces the socket's filter with
 * LINK_FILTER_RING_IPV4 (ARP whole, IPv4 cut to its headers, nothing else), so ring
 * space goes to frames, not payloads; for another ring filter (LINK_FILTER_RING_IP
 * for both families), attach it with link_filter_attach and use rxring_attach.
 */
#ifndef ARPKIT_RXRING_H
#define ARPKIT_RXRING_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"

struct rxring {
	int fd;                 /* not owned: close the link, not the ring */
	uint8_t *map;
	size_t map_len;
	unsigned block_size;
	unsigned block_count;
	unsigned next_block;
	uint64_t packets;       /* kernel counters, accumulated (reading resets them) */
	uint64_t drops;
	uint64_t freezes;
};

#define RXRING_DEFAULT_BLOCK_SIZE (1u << 20)
#define RXRING_DEFAULT_BLOCKS 16
#define RXRING_DEFAULT_RETIRE_MS 50
#define RXRING_IPV4_SNAPLEN LINK_FILTER_SNAPLEN /* what the ring keeps of an IPv4 frame */

/* The frame as on the wire (802.1Q tag re-inserted), valid during the call. */
typedef void (*rxring_frame_fn)(void *ctx, const uint8_t *frame, size_t len, uint64_t time_ns);

/*
 * Turn fd into a ring reader: block_size a power of two multiple of the page size,
 * a block handed over at latest retire_ms after its first frame. 0 or -errno (the
 * ring is then not set up, and the socket reads as before).
 */
int rxring_setup(struct rxring *r, int fd, unsigned block_size, unsigned block_count,
		 unsigned retire_ms);
/*
 * The same ring, keeping the filter the socket already has (link_open's): for a
 * reader that wants only what that filter passes. A small block_size and retire_ms
 * keep the delay short: the reader sees a frame only once its block is handed over.
 */
int rxring_attach(struct rxring *r, int fd, unsigned block_size, unsigned block_count,
		  unsigned retire_ms);
/* Not set up: no map, no fd. A ring starts here; rxring_close brings it back. */
void rxring_init(struct rxring *r);
/* Unmaps the ring if set up (any number of times); the socket stays the link's. */
void rxring_close(struct rxring *r);

/* Hand every frame of the ready blocks (at most max_blocks) to fn and give the
 * blocks back to the kernel; returns frames handed over (0 from a ring not set up). */
size_t rxring_drain(struct rxring *r, rxring_frame_fn fn, void *ctx, unsigned max_blocks);

/* Kernel counters since setup (PACKET_STATISTICS, tpacket_stats_v3). 0 or -errno
 * (-EBADF for a ring not set up). */
int rxring_stats(struct rxring *r, uint64_t *packets, uint64_t *drops);

#endif
