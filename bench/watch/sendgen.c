/*
 * ARP flood for the live watch benchmark: sends ARP requests "who-has 10.255.255.254
 * tell STATION" from STATIONS rotating stations on IFACE at RATE frames/s for SECONDS,
 * in sendmmsg batches, and prints the frames actually sent. Run it only inside a lab
 * namespace: it floods the link.
 *
 *   sendgen IFACE RATE SECONDS STATIONS
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void build(uint8_t *f, uint32_t s)
{
	uint32_t ip = (10u << 24) + 256 + s;

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	f[6] = 0x02, f[7] = 0, f[8] = (uint8_t)(s >> 24), f[9] = (uint8_t)(s >> 16);
	f[10] = (uint8_t)(s >> 8), f[11] = (uint8_t)s;
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
	memcpy(f + 22, f + 6, 6);
	f[28] = (uint8_t)(ip >> 24), f[29] = (uint8_t)(ip >> 16), f[30] = (uint8_t)(ip >> 8);
	f[31] = (uint8_t)ip;
	f[38] = 10, f[39] = 255, f[40] = 255, f[41] = 254;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][60];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	uint64_t rate, seconds, stations, sent = 0, start, end, target;
	uint32_t next = 0;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: sendgen IFACE RATE SECONDS STATIONS\n");
		return 2;
	}
	rate = strtoull(argv[2], NULL, 10);
	seconds = strtoull(argv[3], NULL, 10);
	stations = strtoull(argv[4], NULL, 10);
	if (!rate || !seconds || seconds > 60 || !stations || stations > (1u << 24)) {
		fprintf(stderr, "sendgen: bad arguments\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 2;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror(argv[1]);
		return 2;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = 60;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now_ns();
	end = start + seconds * 1000000000ull;
	target = rate * seconds;
	while (sent < target) {
		uint64_t now = now_ns(), due = (now - start) * rate / 1000000000ull;
		unsigned n;
		int r;

		if (now > end + 1000000000ull)
			break; /* cannot keep up: report what went out */
		if (due > target)
			due = target;
		if (due <= sent) {
			struct timespec pause = {0, 20000};

			nanosleep(&pause, NULL);
			continue;
		}
		n = due - sent > BATCH ? BATCH : (unsigned)(due - sent);
		for (unsigned i = 0; i < n; i++) {
			build(frames[i], next);
			next = (next + 1) % (uint32_t)stations;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r > 0)
			sent += (unsigned)r;
	}
	end = now_ns();
	printf("%llu %.0f\n", (unsigned long long)sent, (double)sent * 1e9 / (double)(end - start));
	return 0;
}
