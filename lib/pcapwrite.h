/*
 * Saving frames as a classic pcap file (Ethernet link type, microsecond stamps)
 * through libpcap's own writer, so tcpdump and wireshark read it as they read
 * their own captures. Frames are written as they were on the wire, 802.1Q tags
 * included.
 */
#ifndef ARPKIT_PCAPWRITE_H
#define ARPKIT_PCAPWRITE_H

#include <stddef.h>
#include <stdint.h>

struct pcap_writer;

/* Create (or truncate) path. 0 or -errno (-EIO when libpcap gives no errno). */
int pcap_writer_open(struct pcap_writer **w, const char *path);
/* One frame; realtime_ns is CLOCK_REALTIME. len bytes are saved, wire_len is the
 * original length (>= len). 0, or -EIO once the file could not be written. */
int pcap_writer_add(struct pcap_writer *w, const uint8_t *frame, size_t len, size_t wire_len,
		    uint64_t realtime_ns);
/* Flush and close; 0 or -EIO when anything failed to reach the file. NULL is a no-op. */
int pcap_writer_close(struct pcap_writer *w);

#endif
