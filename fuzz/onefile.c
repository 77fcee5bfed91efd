/*
 * Replays inputs through a harness without libFuzzer, as libpcap's
 * testprogs/fuzz/onefile.c does: each argument is a file whose bytes go to
 * LLVMFuzzerTestOneInput once. Built with the sanitizers, this is how `make check`
 * runs every corpus file on every change. Exit 0 when all ran; a finding aborts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_FILE_MAX (16 << 20)

static int replay(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *data;
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > REPLAY_FILE_MAX) {
		fprintf(stderr, "replay: '%s' is not a readable file of at most %d bytes\n", path,
			REPLAY_FILE_MAX);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Exactly the file's size, so a read past the end is caught as under libFuzzer. */
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	while (data && done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, (size_t)st.st_size - done);

		if (n <= 0 && !(n < 0 && errno == EINTR)) {
			free(data);
			data = NULL;
		} else if (n > 0) {
			done += (size_t)n;
		}
	}
	close(fd);
	if (!data) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, done);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		failed |= replay(argv[i]) < 0;
	return failed ? 1 : 0;
}
