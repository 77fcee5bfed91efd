/* Privileges: what the process holds is checked, and limiting is for good. Runs in a
 * child, which drops what it holds; skipped where the tests do not run as root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

#define EXIT_NOT_ROOT 77

static int child(void)
{
	if (caps_require(CAPS_NET_RAW | CAPS_NET_ADMIN) != 0)
		return EXIT_NOT_ROOT;
	if (caps_require(CAPS_NONE) != 0)
		return 1;
	if (caps_limit_to(CAPS_NET_RAW) != 0)
		return 2;
	if (caps_require(CAPS_NET_RAW) != 0)
		return 3;
	if (caps_require(CAPS_NET_ADMIN) != -EPERM)
		return 4;
	if (caps_limit_to(CAPS_NONE) != 0)
		return 5;
	if (caps_require(CAPS_NET_RAW) != -EPERM)
		return 6;
	/* Gone for good: the bounding set lost it too, so it cannot come back. */
	if (caps_limit_to(CAPS_NET_RAW) == 0 && caps_require(CAPS_NET_RAW) == 0)
		return 7;
	return 0;
}

static void test_require_and_limit(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == EXIT_NOT_ROOT)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_require_and_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
