/* Link and ring ownership: a closed link or ring holds fd -1, and closing one that was
 * never opened (or twice) closes nobody else's descriptor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link.h"
#include "rxring.h"
#include "txring.h"

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void test_link_closed_from_the_start(void **state)
{
	struct link l;

	(void)state;
	memset(&l, 0, sizeof(l)); /* what a calloc'd array holds: fd 0 is stdin's */
	link_init(&l);
	assert_int_equal(l.fd, -1);
	link_close(&l);
	link_close(&l);
	assert_int_equal(l.fd, -1);
	assert_true(fd_is_open(0) && fd_is_open(1) && fd_is_open(2));
}

static void test_link_close_closes_its_own(void **state)
{
	int pair[2];
	struct link l;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
	link_init(&l);
	l.fd = pair[0];
	link_close(&l);
	assert_int_equal(l.fd, -1);
	assert_false(fd_is_open(pair[0]));
	link_close(&l); /* the number may be reused by now: a second close must not touch it */
	assert_true(fd_is_open(pair[1]));
	close(pair[1]);
}

static void test_link_open_failure_leaves_it_closed(void **state)
{
	struct link l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(link_open(&l, "arpkit-nosuch0", LINK_FILTER_ARP), -ENODEV);
	assert_int_equal(l.fd, -1);
	assert_int_equal(link_open(&l, "a-name-far-too-long-for-ifnamsiz", LINK_FILTER_ARP), -ENODEV);
	assert_int_equal(l.fd, -1);
	link_close(&l);
	assert_true(fd_is_open(0));
}

static void test_rings_closed_from_the_start(void **state)
{
	struct txring t;
	struct rxring r;
	uint64_t packets, drops;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	txring_init(&t);
	rxring_init(&r);
	assert_int_equal(t.fd, -1);
	assert_null(t.map);
	assert_null(r.map);
	txring_close(&t);
	txring_close(&t);
	rxring_close(&r);
	rxring_close(&r);
	assert_int_equal(t.fd, -1);
	/* A ring that is not set up reads as empty and has no counters. */
	assert_int_equal(rxring_drain(&r, NULL, NULL, 16), 0);
	assert_int_equal(rxring_stats(&r, &packets, &drops), -EBADF);
	assert_true(fd_is_open(0) && fd_is_open(1) && fd_is_open(2));
}

static void test_rxring_setup_failure_leaves_it_closed(void **state)
{
	int pair[2];
	struct rxring r;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
	/* Not a packet socket: the ring cannot be set up, and nothing is taken. */
	assert_true(rxring_setup(&r, pair[0], 4096, 4, 10) < 0);
	assert_null(r.map);
	assert_int_equal(r.fd, -1);
	rxring_close(&r);
	assert_true(fd_is_open(pair[0])); /* the socket stays its owner's */
	close(pair[0]);
	close(pair[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_closed_from_the_start),
		cmocka_unit_test(test_link_close_closes_its_own),
		cmocka_unit_test(test_link_open_failure_leaves_it_closed),
		cmocka_unit_test(test_rings_closed_from_the_start),
		cmocka_unit_test(test_rxring_setup_failure_leaves_it_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
