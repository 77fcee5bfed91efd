/* Starting a helper process joined by a socketpair, and reaping it without waiting forever. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
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

/* The child of child_fork holds its socket and stdio only, blocks nothing, and
 * ignores what the command's terminal sends. */
static void test_fork_leaves_the_child_its_socket(void **state)
{
	int sock, extra = dup(STDERR_FILENO), status;
	pid_t pid;

	(void)state;
	assert_true(extra > 2);
	pid = child_fork(&sock);
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa;
		sigset_t mask;
		char byte = 'k';

		if (fcntl(extra, F_GETFD) != -1 || fcntl(sock, F_GETFD) == -1)
			_exit(3);
		sigprocmask(SIG_SETMASK, NULL, &mask);
		if (sigismember(&mask, SIGTERM))
			_exit(4);
		sigaction(SIGINT, NULL, &sa);
		if (sa.sa_handler != SIG_IGN)
			_exit(5);
		_exit(send(sock, &byte, 1, 0) == 1 ? 0 : 6);
	}
	{
		char byte = 0;

		assert_int_equal(recv(sock, &byte, 1, 0), 1);
		assert_int_equal(byte, 'k');
	}
	status = child_reap(pid, 5000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Our end, and the parent keeps its descriptors. */
	assert_int_equal(recv(sock, &status, sizeof(status), 0), 0);
	assert_true(fcntl(extra, F_GETFD) != -1);
	close(sock);
	close(extra);
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
		cmocka_unit_test(test_fork_leaves_the_child_its_socket),
		cmocka_unit_test(test_not_our_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
