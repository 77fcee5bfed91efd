/*
 * The watch engine fed whole frames (watch_frame), as a mirror port would feed it.
 * Input: one configuration byte, then records of a control byte (bit 0: which of two
 * interfaces; bits 1-7: s, the clock advances s*s*10 ms), a 16-bit big-endian length
 * and that many frame bytes; an empty record closes the windows due
 * (watch_expire), and the end of input closes all (watch_finish). Checks: the events
 * given match the counts returned and the counters, every event names a real kind
 * and interface, the table never passes its limit, and what is held can be looked up
 * and taken back out. The hash key is fixed so a finding replays the same way.
 */
#include <arpa/inet.h>
#include <string.h>

#include "fuzz.h"
#include "watch_events.h"

#define MS 1000000ull
#define START_NS (1700000000ull * 1000 * MS)

static void configure(struct watch *w, uint8_t config)
{
	struct watch_subnet net = {.prefixlen = 24};

	net.net.s_addr = htonl(0xc0000200); /* 192.0.2.0/24, the seeds' subnet */
	if (config & 1)
		watch_set_subnets(w, 0, &net, 1);
	if (config & 2)
		watch_set_subnets(w, 1, NULL, 0);
}

static void check_event(void *ctx, const struct watch_event *e)
{
	uint64_t *given = ctx;

	FUZZ_ASSERT((unsigned)e->kind < WATCH_EVENT_KINDS);
	FUZZ_ASSERT(e->iface <= 1);
	FUZZ_ASSERT(strcmp(watch_event_name(e->kind), "unknown") != 0);
	(*given)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct watch_station_record rec;
	struct watch_config cfg;
	struct watch *w;
	uint64_t now = START_NS, fed = 0, reported = 0, given = 0;
	size_t pos = 1, cursor = 0, taken = 0;
	const struct watch_counters *c;

	if (size < 1)
		return 0;
	watch_config_default(&cfg);
	cfg.hash_key = 0x5eed5eed5eed5eedull;
	/* A small table in most runs, so "table full" is reached. */
	cfg.max_stations = data[0] & 4 ? 1u << 20 : 8;
	if (watch_create(&w, &cfg, check_event, &given) < 0)
		return 0;
	FUZZ_ASSERT(watch_iface(w, "eth0") == 0);
	FUZZ_ASSERT(watch_iface(w, "eth1") == 1);
	configure(w, data[0]);
	while (pos + 3 <= size) {
		unsigned control = data[pos], step = control >> 1;
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2], n;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		now += (uint64_t)step * step * 10 * MS;
		if (len == 0) {
			reported += watch_expire(w, now);
			continue;
		}
		n = watch_frame(w, control & 1, now, data + pos, len);
		reported += n;
		fed++;
		pos += len;
	}
	reported += watch_finish(w);
	FUZZ_ASSERT(reported == given);
	c = watch_counters(w);
	FUZZ_ASSERT(c->frames == fed);
	FUZZ_ASSERT(c->arp + c->ipv4 + c->malformed + c->other <= fed);
	{
		uint64_t sum = 0;

		for (int k = 0; k < WATCH_EVENT_KINDS; k++)
			sum += c->events[k];
		FUZZ_ASSERT(sum == reported);
	}
	FUZZ_ASSERT(watch_station_count(w) <= cfg.max_stations);
	while (watch_take_dirty(w, &cursor, &rec)) {
		struct watch_station_record held;

		FUZZ_ASSERT(watch_lookup(w, rec.ip, rec.vlan, rec.iface, &held));
		FUZZ_ASSERT(mac_equal(&held.mac, &rec.mac));
		taken++;
	}
	FUZZ_ASSERT(taken <= watch_station_count(w));
	FUZZ_ASSERT(watch_dirty_count(w) == 0);
	watch_free(w);
	return 0;
}
