/*
 * The capture reader (capfile, over libpcap): pcap and pcapng files as `watch -r`
 * reads them. The bytes go to a memory file opened by its /proc path, so the real
 * open path runs; every frame handed out must be readable for its whole length.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capfile.h"
#include "fuzz.h"

static int memory_file = -1;
static volatile uint64_t byte_sum; /* keeps the reads from being optimised away */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[CAPFILE_ERRBUF];
	struct capfile *cap;
	const uint8_t *frame;
	size_t caplen;
	uint64_t time_ns;
	int ret;

	if (memory_file < 0)
		memory_file = memfd_create("fuzz-capfile", MFD_CLOEXEC);
	if (memory_file < 0 || ftruncate(memory_file, 0) < 0 ||
	    pwrite(memory_file, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memory_file);
	if (capfile_open(&cap, path, err) < 0) {
		FUZZ_ASSERT(cap == NULL);
		return 0;
	}
	while ((ret = capfile_next(cap, &frame, &caplen, &time_ns, err)) == 1) {
		/* Touch every byte: a frame that claims more than it holds is caught here. */
		for (size_t i = 0; i < caplen; i++)
			byte_sum += frame[i];
	}
	FUZZ_ASSERT(ret == 0 || ret == -EBADMSG);
	capfile_close(cap);
	return 0;
}
