/*
 * Writes a pcap of ARP traffic for the watch benchmark: FRAMES frames over STATIONS
 * stations (10.x.y.z, MAC 02:00 + the station number), each frame a request
 * "who-has a neighbour tell STATION" or a reply, in a shuffled order, over
 * SECONDS of capture time. MOVES stations change MAC half-way (changed-mac) and
 * a few of those move back (flip-flop), so the detectors have work to do.
 *
 * MIX "hostile" is the worst an attacker can choose instead: every station claims
 * once, the first MOVES move at once, then the frames cycle through stale-cache bait
 * (IPv4 to a moved address, sent to its old MAC, from a random MAC: a new sender every
 * time), table-full churn (claims for new addresses from random MACs on random VLANs),
 * plain requests from random MACs for known addresses (each opens a leak suspicion)
 * and announcements from random MACs for known addresses (each a move).
 *
 *   genpcap OUT.pcap FRAMES STATIONS [SECONDS [MOVES [ordinary|hostile]]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcap_file_header_v2 {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct record_header {
	uint32_t sec, usec, caplen, len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void station_ip(uint32_t s, uint8_t out[4])
{
	uint32_t ip = (10u << 24) + 256 + s; /* 10.0.1.0 onwards */

	out[0] = (uint8_t)(ip >> 24);
	out[1] = (uint8_t)(ip >> 16);
	out[2] = (uint8_t)(ip >> 8);
	out[3] = (uint8_t)ip;
}

static void random_mac(uint8_t out[6])
{
	uint64_t r = next_random();

	out[0] = 0x06; /* locally administered, unicast, never a station's 02: prefix */
	for (int i = 1; i < 6; i++)
		out[i] = (uint8_t)(r >> (8 * i));
}

static void station_mac(uint32_t s, uint32_t generation, uint8_t out[6])
{
	out[0] = 0x02;
	out[1] = (uint8_t)generation;
	out[2] = (uint8_t)(s >> 24);
	out[3] = (uint8_t)(s >> 16);
	out[4] = (uint8_t)(s >> 8);
	out[5] = (uint8_t)s;
}

/* 60-byte ARP frame: request (or reply to peer_mac) "sender_ip is-at mac", VLAN optional. */
static size_t arp_frame(uint8_t *frame, const uint8_t mac[6], const uint8_t ip[4],
			const uint8_t target_ip[4], const uint8_t *peer_mac, int vlan, int gratuitous)
{
	size_t h = 12;

	memset(frame, 0, 64);
	if (peer_mac)
		memcpy(frame, peer_mac, 6);
	else
		memset(frame, 0xff, 6);
	memcpy(frame + 6, mac, 6);
	if (vlan >= 0) {
		frame[12] = 0x81, frame[13] = 0x00;
		frame[14] = (uint8_t)(vlan >> 8), frame[15] = (uint8_t)vlan;
		h = 16;
	}
	frame[h] = 0x08, frame[h + 1] = 0x06;
	h += 2;
	frame[h] = 0, frame[h + 1] = 1, frame[h + 2] = 8, frame[h + 3] = 0;
	frame[h + 4] = 6, frame[h + 5] = 4, frame[h + 6] = 0, frame[h + 7] = peer_mac ? 2 : 1;
	memcpy(frame + h + 8, mac, 6);
	memcpy(frame + h + 14, ip, 4);
	if (peer_mac)
		memcpy(frame + h + 18, peer_mac, 6);
	memcpy(frame + h + 24, gratuitous ? ip : target_ip, 4);
	return vlan >= 0 ? 64 : 60;
}

/* 60-byte IPv4 frame (ICMP echo header) from src_mac to dst_mac, to dst_ip. */
static size_t ipv4_frame(uint8_t *frame, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			 const uint8_t dst_ip[4])
{
	uint8_t *ip = frame + 14;
	uint32_t sum = 0;

	memset(frame, 0, 64);
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, src_mac, 6);
	frame[12] = 0x08, frame[13] = 0x00;
	ip[0] = 0x45, ip[3] = 28, ip[8] = 64, ip[9] = 1;
	ip[12] = 203, ip[13] = 0, ip[14] = 113, ip[15] = 7;
	memcpy(ip + 16, dst_ip, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
	ip[20] = 8;
	return 60;
}

static int write_record(FILE *out, uint64_t i, uint64_t frames, uint64_t seconds,
			const uint8_t *frame, size_t len)
{
	uint64_t usec_total = i * (seconds * 1000000ull) / frames;
	struct record_header rh = {(uint32_t)(1700000000 + usec_total / 1000000),
				   (uint32_t)(usec_total % 1000000), (uint32_t)len, (uint32_t)len};

	return fwrite(&rh, sizeof(rh), 1, out) == 1 && fwrite(frame, len, 1, out) == 1 ? 0 : -1;
}

/* The attacker's mix, after every station has claimed once and MOVES have moved. */
static void hostile(FILE *out, uint64_t frames, uint64_t stations, uint64_t seconds,
		    uint64_t moves)
{
	uint8_t frame[64], mac[6], peer[6], ip[4], target[4];
	uint64_t i = 0;

	station_ip((uint32_t)stations, target); /* nobody: the question every claim asks */
	for (uint32_t s = 0; s < stations && i < frames; s++, i++) {
		station_mac(s, 0, mac);
		station_ip(s, ip);
		write_record(out, i, frames, seconds, frame, arp_frame(frame, mac, ip, target, NULL, -1, 0));
	}
	for (uint32_t s = 0; s < moves && i < frames; s++, i++) {
		station_mac(s, 1, mac);
		station_ip(s, ip);
		write_record(out, i, frames, seconds, frame, arp_frame(frame, mac, ip, target, NULL, -1, 1));
	}
	for (; i < frames; i++) {
		uint32_t s = (uint32_t)(next_random() % stations);
		size_t len;

		random_mac(mac);
		switch (i % 4) {
		case 0: /* stale-cache bait: to a moved address's old MAC */
			s = moves ? (uint32_t)(next_random() % moves) : s;
			station_mac(s, 0, peer);
			station_ip(s, ip);
			len = ipv4_frame(frame, mac, peer, ip);
			break;
		case 1: { /* table-full churn on a random VLAN */
			uint32_t fresh = (uint32_t)(stations + 1 + next_random() % (1u << 23));

			station_ip(fresh, ip);
			len = arp_frame(frame, mac, ip, target, NULL, (int)(1 + next_random() % 4094), 0);
			break;
		}
		case 2: /* a plain request from a known address: a leak suspicion */
			station_ip(s, ip);
			len = arp_frame(frame, mac, ip, target, NULL, -1, 0);
			break;
		default: /* an announcement of a known address: a move */
			station_ip(s, ip);
			len = arp_frame(frame, mac, ip, target, NULL, -1, 1);
			break;
		}
		write_record(out, i, frames, seconds, frame, len);
	}
}

int main(int argc, char **argv)
{
	struct pcap_file_header_v2 fh = {0xa1b2c3d4, 2, 4, 0, 0, 65535, 1};
	uint64_t frames, stations, seconds = 3600, moves = 0;
	uint8_t frame[60];
	FILE *out;

	if (argc < 4) {
		fprintf(stderr, "usage: genpcap OUT.pcap FRAMES STATIONS [SECONDS [MOVES "
			"[ordinary|hostile]]]\n");
		return 2;
	}
	frames = strtoull(argv[2], NULL, 10);
	stations = strtoull(argv[3], NULL, 10);
	if (argc > 4)
		seconds = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		moves = strtoull(argv[5], NULL, 10);
	if (argc > 6 && strcmp(argv[6], "ordinary") && strcmp(argv[6], "hostile")) {
		fprintf(stderr, "genpcap: the mix is ordinary or hostile\n");
		return 2;
	}
	if (!frames || !stations || stations > (1u << 24) || moves > stations) {
		fprintf(stderr, "genpcap: bad arguments\n");
		return 2;
	}
	out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	fwrite(&fh, sizeof(fh), 1, out);
	if (argc > 6 && !strcmp(argv[6], "hostile")) {
		hostile(out, frames, stations, seconds, moves);
		frames = 0; /* written */
	}
	for (uint64_t i = 0; i < frames; i++) {
		/* Every station once before any repeats, so all are known early. */
		uint32_t s = i < stations ? (uint32_t)i : (uint32_t)(next_random() % stations);
		uint32_t peer = (uint32_t)(next_random() % stations);
		uint64_t usec_total = i * (seconds * 1000000ull) / frames;
		struct record_header rh = {(uint32_t)(1700000000 + usec_total / 1000000),
					   (uint32_t)(usec_total % 1000000), 60, 60};
		uint32_t generation = 0;
		uint8_t mac[6], peer_mac[6];
		int reply = (next_random() & 3) == 0;

		/* The first `moves` stations move at half time; every 10th moves back soon after. */
		if (s < moves && i >= frames / 2)
			generation = (s % 10 == 0 && i >= frames / 2 + frames / 40) ? 0 : 1;
		station_mac(s, generation, mac);
		station_mac(peer, 0, peer_mac);
		memset(frame, 0, sizeof(frame));
		if (reply) {
			memcpy(frame, peer_mac, 6);
		} else {
			memset(frame, 0xff, 6);
		}
		memcpy(frame + 6, mac, 6);
		frame[12] = 0x08, frame[13] = 0x06;
		frame[14] = 0, frame[15] = 1, frame[16] = 8, frame[17] = 0, frame[18] = 6, frame[19] = 4;
		frame[20] = 0, frame[21] = reply ? 2 : 1;
		memcpy(frame + 22, mac, 6);
		station_ip(s, frame + 28);
		if (reply)
			memcpy(frame + 32, peer_mac, 6);
		station_ip(peer, frame + 38);
		fwrite(&rh, sizeof(rh), 1, out);
		fwrite(frame, sizeof(frame), 1, out);
	}
	if (fclose(out)) {
		perror(argv[1]);
		return 2;
	}
	return 0;
}
