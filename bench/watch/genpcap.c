/*
 * Writes a pcap of ARP traffic for the watch benchmark: FRAMES frames over STATIONS
 * stations (10.x.y.z, MAC 02:00 + the station number), each frame a request
 * "who-has a neighbour tell STATION" or a reply, in a shuffled order, over
 * SECONDS of capture time. MOVES stations change MAC half-way (changed-mac) and
 * a few of those move back (flip-flop), so the detectors have work to do.
 *
 *   genpcap OUT.pcap FRAMES STATIONS [SECONDS [MOVES]]
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

static void station_mac(uint32_t s, uint32_t generation, uint8_t out[6])
{
	out[0] = 0x02;
	out[1] = (uint8_t)generation;
	out[2] = (uint8_t)(s >> 24);
	out[3] = (uint8_t)(s >> 16);
	out[4] = (uint8_t)(s >> 8);
	out[5] = (uint8_t)s;
}

int main(int argc, char **argv)
{
	struct pcap_file_header_v2 fh = {0xa1b2c3d4, 2, 4, 0, 0, 65535, 1};
	uint64_t frames, stations, seconds = 3600, moves = 0;
	uint8_t frame[60];
	FILE *out;

	if (argc < 4) {
		fprintf(stderr, "usage: genpcap OUT.pcap FRAMES STATIONS [SECONDS [MOVES]]\n");
		return 2;
	}
	frames = strtoull(argv[2], NULL, 10);
	stations = strtoull(argv[3], NULL, 10);
	if (argc > 4)
		seconds = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		moves = strtoull(argv[5], NULL, 10);
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
