/*
 * Saving frames as a classic pcap file (Ethernet link type, microsecond stamps)
 * through libpcap's own writer, so tcpdump and wireshark read it as they read
 * their own captures. Frames are written as they were on the wire, 802.1Q tags
 * included.
 */
#ifndef ARPKIT_CAPWRITER_H
#define ARPKIT_CAPWRITER_H

#include <stddef.h>
#include <stdint.h>

struct capwriter;

/* Create (or truncate) path. 0 or -errno (-EIO when libpcap gives no errno). */
int capwriter_open(struct capwriter **w, const char *path);
/* One frame; realtime_ns is CLOCK_REALTIME. len bytes are saved, wire_len is the
 * original length (>= len). 0, or -EIO once the file could not be written. */
int capwriter_add(struct capwriter *w, const uint8_t *frame, size_t len, size_t wire_len,
		    uint64_t realtime_ns);
/* Flush and close; 0 or -EIO when anything failed to reach the file. NULL is a no-op. */
int capwriter_close(struct capwriter *w);

#endif
