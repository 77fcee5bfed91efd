/*
 * Hostile traffic for watch: ROUNDS rounds of one frame of each kind below, paced at
 * RATE frames/s in sendmmsg batches, then a count per kind of the frames the kernel
 * accepted for sending. Malformed frames of every kind, ARP probes, table-full churn
 * (claims for new addresses from random MACs on random VLANs) and stale-cache bait
 * (valid IPv4 to BAIT_IP sent to BAIT_MAC from random MACs). Every source MAC starts
 * with 02:66. Run it only inside a lab namespace: it floods the link. Jumbo kinds need
 * an MTU of 9000 on the path.
 *
 *   hostilegen IFACE RATE ROUNDS BAIT_IP BAIT_MAC
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define JUMBO 9000

enum kind {
	ARP_TRUNCATED, ARP_BAD_HLEN, ARP_BAD_OP, ARP_BAD_HTYPE, ARP_BAD_PTYPE,
	ARP_MULTICAST_SENDER, RUNT, VLAN_CUT, VLAN_ARP_TRUNCATED, IPV4_BAD_IHL,
	IPV4_BAD_CHECKSUM, IPV4_TRUNCATED, IPV4_BAD_TOTAL_LENGTH, IPV4_VERSION_6,
	JUMBO_ARP_JUNK, JUMBO_IPV4_JUNK, ARP_PROBE, CHURN, BAIT, KINDS,
};

static const char *const kind_names[KINDS] = {
	"arp_truncated", "arp_bad_hlen", "arp_bad_op", "arp_bad_htype", "arp_bad_ptype",
	"arp_multicast_sender", "runt", "vlan_cut", "vlan_arp_truncated", "ipv4_bad_ihl",
	"ipv4_bad_checksum", "ipv4_truncated", "ipv4_bad_total_length", "ipv4_version_6",
	"jumbo_arp_junk", "jumbo_ipv4_junk", "arp_probe", "churn", "bait",
};

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A unique source MAC per frame: 02:66 + a 32-bit counter. */
static void source_mac(uint8_t *mac, uint32_t n)
{
	mac[0] = 0x02, mac[1] = 0x66;
	mac[2] = (uint8_t)(n >> 24), mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8), mac[5] = (uint8_t)n;
}

static size_t eth(uint8_t *f, const uint8_t *dst, uint32_t n, uint16_t type)
{
	memcpy(f, dst, 6);
	source_mac(f + 6, n);
	f[12] = (uint8_t)(type >> 8), f[13] = (uint8_t)type;
	return 14;
}

/* ARP over Ethernet/IPv4 at p: request from the frame's source MAC. */
static void arp_body(uint8_t *p, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	p[0] = 0, p[1] = 1, p[2] = 8, p[3] = 0, p[4] = 6, p[5] = 4, p[6] = 0, p[7] = 1;
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, &spa, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, &tpa, 4);
}

/* A 20-byte IPv4 header with a correct checksum, then 8 bytes of ICMP echo. */
static size_t ipv4_body(uint8_t *p, uint32_t src, uint32_t dst)
{
	memset(p, 0, 28);
	p[0] = 0x45, p[3] = 28, p[8] = 64, p[9] = 1;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	p[10] = 0, p[11] = 0;
	{
		uint16_t c = checksum(p, 20);

		p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
	}
	p[20] = 8; /* echo request; its checksum does not matter here */
	return 28;
}

static size_t build(enum kind k, uint8_t *f, uint32_t n, uint32_t bait_ip, const uint8_t *bait_mac)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t other[6] = {0x02, 0x66, 0xff, 0xff, 0xff, 0x01};
	uint32_t spa = htonl(0x0a000000u | (next_random() & 0xffffff));
	uint32_t tpa = htonl(0x0a000001u);
	size_t h, len = 60;

	memset(f, 0, JUMBO);
	switch (k) {
	case ARP_TRUNCATED:
		h = eth(f, bcast, n, 0x0806);
		arp_body(f + h, f + 6, spa, tpa);
		return h + 20;
	case ARP_BAD_HLEN:
	case ARP_BAD_OP:
	case ARP_BAD_HTYPE:
	case ARP_BAD_PTYPE:
	case ARP_MULTICAST_SENDER:
		h = eth(f, bcast, n, 0x0806);
		arp_body(f + h, f + 6, spa, tpa);
		if (k == ARP_BAD_HLEN)
			f[h + 4] = 8;
		else if (k == ARP_BAD_OP)
			f[h + 7] = 9;
		else if (k == ARP_BAD_HTYPE)
			f[h + 1] = 6;
		else if (k == ARP_BAD_PTYPE)
			f[h + 2] = 0x86, f[h + 3] = 0xdd;
		else
			f[h + 8] = 0x01, f[h + 9] = 0x00, f[h + 10] = 0x5e;
		return len;
	case RUNT:
		return eth(f, bcast, n, 0x0806);
	case VLAN_CUT:
		h = eth(f, bcast, n, 0x8100);
		f[h] = (uint8_t)(next_random() & 0x0f), f[h + 1] = (uint8_t)next_random();
		return h + 2;
	case VLAN_ARP_TRUNCATED:
		h = eth(f, bcast, n, 0x8100);
		f[h] = (uint8_t)(next_random() & 0x0f), f[h + 1] = (uint8_t)next_random() | 1;
		f[h + 2] = 0x08, f[h + 3] = 0x06;
		arp_body(f + h + 4, f + 6, spa, tpa);
		return h + 4 + 10;
	case IPV4_BAD_IHL:
	case IPV4_BAD_CHECKSUM:
	case IPV4_TRUNCATED:
	case IPV4_BAD_TOTAL_LENGTH:
	case IPV4_VERSION_6:
		h = eth(f, other, n, 0x0800);
		ipv4_body(f + h, spa, tpa);
		if (k == IPV4_BAD_IHL)
			f[h] = 0x43;
		else if (k == IPV4_BAD_CHECKSUM)
			f[h + 10] ^= 0x55;
		else if (k == IPV4_TRUNCATED)
			return h + 12;
		else if (k == IPV4_BAD_TOTAL_LENGTH) {
			uint16_t c;

			f[h + 2] = 0, f[h + 3] = 10, f[h + 10] = 0, f[h + 11] = 0;
			c = checksum(f + h, 20);
			f[h + 10] = (uint8_t)(c >> 8), f[h + 11] = (uint8_t)c;
		} else {
			f[h] = 0x65;
		}
		return len;
	case JUMBO_ARP_JUNK:
	case JUMBO_IPV4_JUNK:
		h = eth(f, k == JUMBO_ARP_JUNK ? bcast : other, n,
			k == JUMBO_ARP_JUNK ? 0x0806 : 0x0800);
		for (size_t i = h; i < JUMBO; i++)
			f[i] = (uint8_t)next_random();
		if (k == JUMBO_ARP_JUNK) {
			arp_body(f + h, f + 6, spa, tpa);
			f[h + 6] = 0x42, f[h + 7] = 0x42; /* no such operation */
		} else {
			f[h] = 0xf0 | (f[h] & 0x0f); /* IP version 15 */
		}
		return JUMBO;
	case ARP_PROBE:
		h = eth(f, bcast, n, 0x0806);
		arp_body(f + h, f + 6, 0, spa);
		return len;
	case CHURN:
		h = eth(f, bcast, n, 0x8100);
		{
			uint16_t vid = (uint16_t)(1 + next_random() % 4094);

			f[h] = (uint8_t)(vid >> 8), f[h + 1] = (uint8_t)vid;
		}
		f[h + 2] = 0x08, f[h + 3] = 0x06;
		arp_body(f + h + 4, f + 6, htonl(0x0a000000u | (n & 0xffffff)), tpa);
		return 64;
	case BAIT:
		h = eth(f, bait_mac, n, 0x0800);
		ipv4_body(f + h, spa, bait_ip);
		return len;
	default:
		return 0;
	}
}

static int parse_mac(const char *text, uint8_t *mac)
{
	unsigned v[6];

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][JUMBO];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	enum kind batch_kind[BATCH];
	uint64_t sent[KINDS] = {0}, failed = 0, rate, rounds, total, done = 0, start;
	struct sockaddr_ll sll;
	struct in_addr bait_ip;
	uint8_t bait_mac[6];
	uint32_t n = 1;
	int fd;

	if (argc != 6 || inet_pton(AF_INET, argv[4], &bait_ip) != 1 || parse_mac(argv[5], bait_mac)) {
		fprintf(stderr, "usage: hostilegen IFACE RATE ROUNDS BAIT_IP BAIT_MAC\n");
		return 2;
	}
	rate = strtoull(argv[2], NULL, 10);
	rounds = strtoull(argv[3], NULL, 10);
	if (!rate || rate > 1000000 || !rounds || rounds > 1000000) {
		fprintf(stderr, "hostilegen: bad rate or rounds\n");
		return 2;
	}
	total = rounds * KINDS;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 2;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror(argv[1]);
		return 2;
	}
	memset(msgs, 0, sizeof(msgs));
	start = now_ns();
	while (done < total) {
		uint64_t due = (now_ns() - start) * rate / 1000000000ull;
		unsigned count;
		int r;

		if (due > total)
			due = total;
		if (due <= done) {
			struct timespec pause = {0, 50000};

			nanosleep(&pause, NULL);
			continue;
		}
		count = due - done > BATCH ? BATCH : (unsigned)(due - done);
		for (unsigned i = 0; i < count; i++) {
			enum kind k = (enum kind)((done + i) % KINDS);

			batch_kind[i] = k;
			iov[i].iov_base = frames[i];
			iov[i].iov_len = build(k, frames[i], n++, bait_ip.s_addr, bait_mac);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, count, 0);
		if (r < 0) {
			/* One frame refused (too short for the device, say): count it, go on. */
			failed++;
			r = 1;
		} else {
			for (int i = 0; i < r; i++)
				sent[batch_kind[i]]++;
		}
		done += (unsigned)r;
	}
	for (int k = 0; k < KINDS; k++)
		printf("%s %llu\n", kind_names[k], (unsigned long long)sent[k]);
	printf("refused %llu\n", (unsigned long long)failed);
	printf("seconds %.3f\n", (double)(now_ns() - start) / 1e9);
	return 0;
}
