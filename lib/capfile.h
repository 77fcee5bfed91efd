/*
 * Offline input: pcap and pcapng files through libpcap, Ethernet link type only (what
 * tcpdump -i IFACE -w writes). Frames are handed out in place, with nanosecond times.
 */
#ifndef ARPKIT_CAPFILE_H
#define ARPKIT_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define CAPFILE_ERRBUF 256

struct capfile;

/*
 * Open path ("-" is stdin). 0, -ENOENT/-EACCES (cannot open), -EINVAL (not a
 * capture file), -EPROTONOSUPPORT (a link type other than Ethernet); err gets
 * libpcap's words.
 */
int capfile_open(struct capfile **out, const char *path, char err[CAPFILE_ERRBUF]);
void capfile_close(struct capfile *c);

/*
 * Next frame: 1 with *data valid until the next call, 0 at the end, -EBADMSG when
 * the file is cut short or damaged (err says how).
 */
int capfile_next(struct capfile *c, const uint8_t **data, size_t *caplen, uint64_t *time_ns,
		 char err[CAPFILE_ERRBUF]);

#endif
