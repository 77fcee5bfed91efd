/* The watcher's files: the station database (ours, foreign, corrupt) and capture input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capfile.h"
#include "frame.h"
#include "stationdb.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/arpkit-watch-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/watch.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct watch_station_record sample(unsigned i)
{
	struct watch_station_record r;

	memset(&r, 0, sizeof(r));
	r.ip.s_addr = htonl(0xc0000200u + i);
	r.vlan = i % 2 ? VLAN_NONE : 7;
	r.mac = (struct mac){{0x02, 0, 0, 0, 1, (uint8_t)i}};
	r.has_prev = i % 3 == 0;
	r.prev_mac = r.has_prev ? (struct mac){{0x02, 0, 0, 0, 2, (uint8_t)i}} : mac_zero;
	r.first_seen = 1600000000 + i;
	r.last_seen = 1700000000 + i;
	r.mac_since_ns = 1650000000ull * 1000000000ull + i;
	return r;
}

struct loaded {
	struct watch_station_record rec[16];
	char iface[16][IF_NAMESIZE];
	size_t count;
};

static int collect(const struct watch_station_record *rec, const char *iface, void *ctx)
{
	struct loaded *l = ctx;

	if (l->count == 16)
		return -ENOSPC;
	l->rec[l->count] = *rec;
	snprintf(l->iface[l->count], IF_NAMESIZE, "%s", iface);
	l->count++;
	return 0;
}

static void test_round_trip_and_upsert(void **state)
{
	struct stationdb *db;
	struct loaded l;
	size_t skipped;
	char why[128];

	(void)state;
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	assert_int_equal(stationdb_begin(db), 0);
	for (unsigned i = 0; i < 5; i++) {
		struct watch_station_record r = sample(i);

		assert_int_equal(stationdb_put(db, &r, "eth0"), 0);
	}
	assert_int_equal(stationdb_commit(db), 0);
	/* An update of one row: still 5 rows. */
	{
		struct watch_station_record r = sample(1);

		r.mac.octet[5] = 0x99;
		assert_int_equal(stationdb_begin(db), 0);
		assert_int_equal(stationdb_put(db, &r, "eth0"), 0);
		assert_int_equal(stationdb_commit(db), 0);
	}
	stationdb_close(db);

	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(stationdb_load(db, collect, &l, &skipped), 5);
	assert_int_equal(skipped, 0);
	for (size_t k = 0; k < l.count; k++) {
		unsigned i = ntohl(l.rec[k].ip.s_addr) - 0xc0000200u;
		struct watch_station_record want = sample(i);

		if (i == 1)
			want.mac.octet[5] = 0x99;
		assert_string_equal(l.iface[k], "eth0");
		assert_int_equal(l.rec[k].vlan, want.vlan);
		assert_true(mac_equal(&l.rec[k].mac, &want.mac));
		assert_int_equal(l.rec[k].has_prev, want.has_prev);
		if (want.has_prev)
			assert_true(mac_equal(&l.rec[k].prev_mac, &want.prev_mac));
		assert_int_equal(l.rec[k].first_seen, want.first_seen);
		assert_int_equal(l.rec[k].last_seen, want.last_seen);
		assert_int_equal(l.rec[k].mac_since_ns, want.mac_since_ns);
	}
	stationdb_close(db);
}

static void sql(const char *file, const char *statement)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, statement, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_refuses_foreign_databases(void **state)
{
	struct stationdb *db;
	char why[128];
	FILE *f;

	(void)state;
	/* Another program's tables. */
	sql(path, "CREATE TABLE hosts (name TEXT);");
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), STATIONDB_FOREIGN);
	assert_null(db);
	unlink(path);
	/* Another program's application id. */
	sql(path, "PRAGMA application_id = 1234;");
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), STATIONDB_FOREIGN);
	unlink(path);
	/* Not SQLite at all (an arpwatch arp.dat, say). */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fprintf(f, "0:11:22:33:44:55\t192.0.2.%d\t1700000000\thost\n", i);
	fclose(f);
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), STATIONDB_FOREIGN);
	unlink(path);
	/* A newer schema of ours. */
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	stationdb_close(db);
	sql(path, "PRAGMA user_version = 99;");
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), STATIONDB_NEWER);
}

static void test_refuses_corrupt_database(void **state)
{
	struct stationdb *db;
	char why[128];
	FILE *f;
	long size;

	(void)state;
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	assert_int_equal(stationdb_begin(db), 0);
	for (unsigned i = 0; i < 2000; i++) {
		struct watch_station_record r = sample(i % 250);

		r.ip.s_addr = htonl(0x0a000000u + i);
		assert_int_equal(stationdb_put(db, &r, "eth0"), 0);
	}
	assert_int_equal(stationdb_commit(db), 0);
	stationdb_close(db);
	/* Fold the WAL in, then scribble over the pages after the header page. */
	sql(path, "PRAGMA journal_mode = DELETE;");
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	assert_true(size > 8192);
	for (long off = 4096 + 100; off < size; off += 512) {
		fseek(f, off, SEEK_SET);
		fwrite("garbage!garbage!garbage!", 24, 1, f);
	}
	fclose(f);
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), STATIONDB_CORRUPT);
	assert_true(strlen(why) > 0);
	/* SQLite's report comes on several lines; the message must be one. */
	assert_null(strchr(why, '\n'));
	assert_null(strchr(why, '\r'));
}

static bool exists(const char *suffix)
{
	char name[160];

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return access(name, F_OK) == 0;
}

/* A file this process cannot write is refused at open, leaving no -wal or -shm. The
 * refusal runs in a child without root's override of file permissions. */
static void test_refuses_read_only_database(void **state)
{
	struct stationdb *db;
	char why[128];
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	stationdb_close(db);
	assert_false(exists("-wal"));
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int err;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		err = stationdb_open(&db, path, why, sizeof(why));
		_exit(err == STATIONDB_READONLY && !db && strlen(why) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(exists("-wal"));
	assert_false(exists("-shm"));
}

static int leave_out_odd(const struct watch_station_record *rec, const char *iface, void *ctx)
{
	(void)iface;
	(void)ctx;
	return ntohl(rec->ip.s_addr) % 2 ? STATIONDB_ROW_LEFT_OUT : 0;
}

/* Rows a caller leaves out are neither taken nor unreadable. */
static void test_rows_left_out(void **state)
{
	struct stationdb *db;
	size_t skipped;
	char why[128];

	(void)state;
	assert_int_equal(stationdb_open(&db, path, why, sizeof(why)), 0);
	assert_int_equal(stationdb_begin(db), 0);
	for (unsigned i = 0; i < 6; i++) {
		struct watch_station_record r = sample(i);

		assert_int_equal(stationdb_put(db, &r, "eth0"), 0);
	}
	assert_int_equal(stationdb_commit(db), 0);
	assert_int_equal(stationdb_load(db, leave_out_odd, NULL, &skipped), 3);
	assert_int_equal(skipped, 0);
	stationdb_close(db);
}

static void test_missing_directory(void **state)
{
	struct stationdb *db;
	char why[128], bad[160];

	(void)state;
	snprintf(bad, sizeof(bad), "%s/no/such/dir/watch.db", dir);
	assert_int_equal(stationdb_open(&db, bad, why, sizeof(why)), -ENOENT);
}

static void write_capture(const char *file, int linktype, unsigned frames)
{
	pcap_t *dead = pcap_open_dead(linktype, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, file);
	struct arp_frame a;
	uint8_t buf[FRAME_MAX];
	struct mac m = {{0x02, 0, 0, 0, 0, 0x10}};
	struct in_addr addr = {htonl(0xc000020a)};

	assert_non_null(d);
	arp_make_announce_request(&a, &m, addr);
	for (unsigned i = 0; i < frames; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = 250000;
		h.caplen = h.len = (bpf_u_int32)arp_encode(&a, buf, sizeof(buf));
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void test_capfile_reads_frames_with_times(void **state)
{
	struct capfile *c;
	char err[CAPFILE_ERRBUF], file[160];
	const uint8_t *data;
	size_t len;
	uint64_t t;
	struct arp_frame a;

	(void)state;
	snprintf(file, sizeof(file), "%s/cap.pcap", dir);
	write_capture(file, DLT_EN10MB, 3);
	assert_int_equal(capfile_open(&c, file, err), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(capfile_next(c, &data, &len, &t, err), 1);
		assert_int_equal(len, 60);
		assert_int_equal(t, (1700000000ull + i) * 1000000000ull + 250000000ull);
		assert_int_equal(arp_decode(data, len, &a), 0);
	}
	assert_int_equal(capfile_next(c, &data, &len, &t, err), 0);
	capfile_close(c);
}

static void test_capfile_refusals(void **state)
{
	struct capfile *c;
	char err[CAPFILE_ERRBUF], file[160];
	FILE *f;
	const uint8_t *data;
	size_t len;
	uint64_t t;
	long size;

	(void)state;
	snprintf(file, sizeof(file), "%s/none.pcap", dir);
	assert_int_equal(capfile_open(&c, file, err), -ENOENT);
	snprintf(file, sizeof(file), "%s/sll.pcap", dir);
	write_capture(file, DLT_LINUX_SLL, 1);
	assert_int_equal(capfile_open(&c, file, err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "not Ethernet"));
	snprintf(file, sizeof(file), "%s/text.pcap", dir);
	f = fopen(file, "w");
	fputs("this is not a capture file at all, just some text\n", f);
	fclose(f);
	assert_int_equal(capfile_open(&c, file, err), -EINVAL);
	/* Cut short in the middle of a record. */
	snprintf(file, sizeof(file), "%s/cut.pcap", dir);
	write_capture(file, DLT_EN10MB, 4);
	f = fopen(file, "r+b");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(truncate(file, size - 30), 0);
	assert_int_equal(capfile_open(&c, file, err), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(capfile_next(c, &data, &len, &t, err), 1);
	assert_int_equal(capfile_next(c, &data, &len, &t, err), -EBADMSG);
	capfile_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_foreign_databases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_corrupt_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_read_only_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capfile_reads_frames_with_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capfile_refusals, setup, teardown),
	};

	return cmocka_run_group_tests_name("watch_store", tests, NULL, NULL);
}
