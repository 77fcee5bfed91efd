/* Reaping a helper process without waiting forever. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child_that(int seconds, int code)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (seconds)
			sleep((unsigned)seconds);
		_exit(code);
	}
	return pid;
}

static void test_reaps_an_ended_child(void **state)
{
	int status;

	(void)state;
	status = child_reap(child_that(0, 3), 5000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
}

static void test_gives_up_on_a_running_child(void **state)
{
	pid_t pid = child_that(30, 0);
	int status;

	(void)state;
	assert_int_equal(child_reap(pid, 50), -ETIMEDOUT);
	kill(pid, SIGKILL);
	status = child_reap(pid, 5000);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(child_reap(pid, 0), -ECHILD); /* gone now */
}

static void test_not_our_child(void **state)
{
	(void)state;
	assert_int_equal(child_reap(1, 0), -ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reaps_an_ended_child),
		cmocka_unit_test(test_gives_up_on_a_running_child),
		cmocka_unit_test(test_not_our_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
