/*
 * A PACKET_MMAP TPACKET_V2 transmit ring on its own AF_PACKET socket: frames are
 * written into shared memory and one send() hands every queued frame to the kernel,
 * so a burst costs one system call and no per-frame message headers or copies from
 * a user buffer. The socket is bound to the interface with protocol 0, so it
 * receives nothing; it only sends.
 *
 * Frames go in ring order: the kernel takes them from where it stopped, and gives a
 * slot back once the driver is done with the frame (for a veth, once the peer has
 * consumed it), so a slot can be busy for a while after send().
 */
#ifndef ARPKIT_TXRING_H
#define ARPKIT_TXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct txring {
	int fd;                 /* owned */
	int ifindex;
	uint16_t protocol;      /* EtherType of the frames, host order (for the skb) */
	uint8_t *map;
	size_t map_len;
	unsigned frame_size;
	unsigned frame_count;
	unsigned next;          /* the slot txring_slot hands out */
	unsigned queued;        /* committed since the last flush */
};

#define TXRING_DEFAULT_FRAME_SIZE 128u  /* header (32) and a tagged ARP frame fit */
#define TXRING_DEFAULT_FRAMES 2048u

/*
 * Open a sending socket on ifindex with a ring of frame_count slots of frame_size
 * bytes (a power of two, 64 to the page size). bypass_qdisc sends straight to the
 * driver (PACKET_QDISC_BYPASS): no queueing discipline, and a full device queue
 * drops the frame instead of queueing it. 0, or -errno (-EPERM without CAP_NET_RAW).
 */
int txring_open(struct txring *t, int ifindex, uint16_t protocol, unsigned frame_size,
		unsigned frame_count, bool bypass_qdisc);
/* Closed: fd -1, no map. A ring starts here; txring_open's failure and txring_close
 * leave it so, and closing a closed ring does nothing. */
void txring_init(struct txring *t);
void txring_close(struct txring *t);

/* Room for one frame of up to txring_frame_room bytes, or NULL while the kernel
 * still holds the next slot (the ring is full). The slot is not queued until
 * txring_commit. */
uint8_t *txring_slot(struct txring *t);
size_t txring_frame_room(const struct txring *t);
void txring_commit(struct txring *t, size_t len);

/* Hand the committed frames to the kernel without waiting for them to leave:
 * frames handed over (0 if none were queued), or -errno (-ENOBUFS/-EAGAIN: the
 * device is congested; the frames stay queued for the next flush). */
int txring_flush(struct txring *t);

#endif
