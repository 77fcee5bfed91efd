/*
 * The wait: a stop signal that arrives before the wait ends it at once, a deadline in
 * the past returns at once, ready descriptors are reported, and the timeout
 * conversion is exact. Bounds on elapsed time are one-sided and generous: a loaded
 * machine can only make a wait longer, and "at once" is checked against a wait of
 * several seconds that must not happen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

#define LONG_WAIT (10 * NS_PER_SEC)  /* what "at once" must stay far from */
#define AT_ONCE (2 * NS_PER_SEC)

static volatile sig_atomic_t stop_flag;

static void on_usr2(int sig)
{
	stop_flag = sig;
}

/* SIGUSR2 caught into stop_flag and blocked, as cli_catch_signals does for its own. */
static void catch_and_block(struct loop_stop *stop, sigset_t *saved)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, saved), 0);
	stop->wait_mask = *saved;
	sigdelset(&stop->wait_mask, SIGUSR2);
	stop->flag = &stop_flag;
	stop->masked = true;
	stop_flag = 0;
}

static void test_signal_before_the_wait(void **state)
{
	struct loop_stop stop;
	sigset_t saved;
	uint64_t start;

	(void)state;
	catch_and_block(&stop, &saved);
	/* The signal lands after the loop looked at its flag, before it waits. */
	assert_false(loop_stopped(&stop));
	raise(SIGUSR2);
	assert_int_equal(stop_flag, 0); /* blocked: pending, not handled */
	start = now_ns();
	assert_int_equal(loop_wait(NULL, 0, now_ns() + LONG_WAIT, &stop), 0);
	assert_true(now_ns() - start < AT_ONCE);
	assert_true(loop_stopped(&stop));
	/* Raised already: no wait at all, also with no deadline. */
	start = now_ns();
	assert_int_equal(loop_wait(NULL, 0, LOOP_FOREVER, &stop), 0);
	assert_true(now_ns() - start < AT_ONCE);
	sigprocmask(SIG_SETMASK, &saved, NULL);
}

static void test_deadline(void **state)
{
	uint64_t start = now_ns();

	(void)state;
	/* In the past, or now: back at once. */
	assert_int_equal(loop_wait(NULL, 0, 0, NULL), 0);
	assert_int_equal(loop_wait(NULL, 0, start, NULL), 0);
	assert_true(now_ns() - start < AT_ONCE);
	/* In the future: not before it. */
	start = now_ns();
	assert_int_equal(loop_wait(NULL, 0, start + 30 * NS_PER_MS, NULL), 0);
	assert_true(now_ns() - start >= 30 * NS_PER_MS);
}

static void test_ready_fds(void **state)
{
	struct loop_stop stop;
	sigset_t saved;
	struct pollfd fds[2];
	int a[2], b[2];
	uint64_t start;

	(void)state;
	catch_and_block(&stop, &saved);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, b), 0);
	fds[0] = (struct pollfd){.fd = a[0], .events = POLLIN};
	fds[1] = (struct pollfd){.fd = b[0], .events = POLLIN};
	assert_int_equal(write(b[1], "x", 1), 1);
	start = now_ns();
	assert_int_equal(loop_wait(fds, 2, start + LONG_WAIT, &stop), 1);
	assert_true(now_ns() - start < AT_ONCE);
	assert_int_equal(fds[0].revents, 0);
	assert_true(fds[1].revents & POLLIN);
	/* Nothing ready until the deadline. */
	fds[1].fd = -1; /* ppoll passes over negative descriptors */
	assert_int_equal(loop_wait(fds, 2, now_ns() + 10 * NS_PER_MS, &stop), 0);
	/* A bad descriptor is the caller's to see, not an error of the wait. */
	fds[0].fd = 1000000;
	assert_int_equal(loop_wait(fds, 1, now_ns(), &stop), 1);
	assert_true(fds[0].revents & POLLNVAL);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	sigprocmask(SIG_SETMASK, &saved, NULL);
}

static void test_timeout_conversion(void **state)
{
	struct timespec ts;

	(void)state;
	ts = loop_timeout(5 * NS_PER_SEC + 250, 1 * NS_PER_SEC);
	assert_int_equal(ts.tv_sec, 4);
	assert_int_equal(ts.tv_nsec, 250);
	ts = loop_timeout(NS_PER_SEC, 3 * NS_PER_SEC);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
	ts = loop_timeout(UINT64_MAX - 1, 0);
	assert_true(ts.tv_sec > 0);
	assert_true(ts.tv_nsec < (long)NS_PER_SEC);
}

static void test_no_stop(void **state)
{
	(void)state;
	assert_false(loop_stopped(NULL));
	assert_false(loop_stopped(&(struct loop_stop){.flag = NULL}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_before_the_wait),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_ready_fds),
		cmocka_unit_test(test_timeout_conversion),
		cmocka_unit_test(test_no_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
