#include "capfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct capfile {
	pcap_t *pcap;
};

int capfile_open(struct capfile **out, const char *path, char err[CAPFILE_ERRBUF])
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capfile *c;
	int dlt;

	*out = NULL;
	err[0] = '\0';
	/* libpcap says only "No such file or directory" inside its text; ask first. */
	if (strcmp(path, "-") && access(path, R_OK) < 0) {
		int saved = errno;

		snprintf(err, CAPFILE_ERRBUF, "%s", strerror(saved));
		return saved == ENOENT ? -ENOENT : -EACCES;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!c->pcap) {
		snprintf(err, CAPFILE_ERRBUF, "%s", errbuf);
		free(c);
		return -EINVAL;
	}
	dlt = pcap_datalink(c->pcap);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(err, CAPFILE_ERRBUF, "link type %s, not Ethernet (capture with -i IFACE, "
			 "not -i any)", name ? name : "unknown");
		capfile_close(c);
		return -EPROTONOSUPPORT;
	}
	*out = c;
	return 0;
}

void capfile_close(struct capfile *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}

int capfile_next(struct capfile *c, const uint8_t **data, size_t *caplen, uint64_t *time_ns,
		 char err[CAPFILE_ERRBUF])
{
	struct pcap_pkthdr *hdr;
	const u_char *bytes;
	int rc = pcap_next_ex(c->pcap, &hdr, &bytes);

	if (rc == 1) {
		*data = bytes;
		*caplen = hdr->caplen;
		/* With nanosecond precision requested, tv_usec holds nanoseconds. */
		*time_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ull + (uint64_t)hdr->ts.tv_usec;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, CAPFILE_ERRBUF, "%s", pcap_geterr(c->pcap));
	return -EBADMSG;
}
