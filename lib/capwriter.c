#include "capwriter.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define SNAPLEN 65535

struct capwriter {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	bool failed;
};

int capwriter_open(struct capwriter **out, const char *path)
{
	struct capwriter *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (!w->dead) {
		free(w);
		return -ENOMEM;
	}
	errno = 0;
	w->dumper = pcap_dump_open(w->dead, path);
	if (!w->dumper) {
		err = errno ? -errno : -EIO;
		pcap_close(w->dead);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

int capwriter_add(struct capwriter *w, const uint8_t *frame, size_t len, size_t wire_len,
		    uint64_t realtime_ns)
{
	struct pcap_pkthdr header;

	if (w->failed)
		return -EIO;
	if (len > SNAPLEN)
		len = SNAPLEN;
	header.ts.tv_sec = (time_t)(realtime_ns / 1000000000u);
	header.ts.tv_usec = (suseconds_t)(realtime_ns % 1000000000u / 1000u);
	header.caplen = (bpf_u_int32)len;
	header.len = (bpf_u_int32)(wire_len > len ? wire_len : len);
	pcap_dump((u_char *)w->dumper, &header, frame);
	if (ferror(pcap_dump_file(w->dumper)))
		w->failed = true;
	return w->failed ? -EIO : 0;
}

int capwriter_close(struct capwriter *w)
{
	int err;

	if (!w)
		return 0;
	err = pcap_dump_flush(w->dumper) < 0 || w->failed ? -EIO : 0;
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
	return err;
}
