/*
 * The daemon's configuration file (daemon_options_read over the bounded reader):
 * limits hold whatever the file says, names stay NUL-terminated, a refusal names a
 * line and a reason that is safe to print, and merging the result into an empty
 * command line keeps it.
 */
#include <string.h>

#include "daemonconf.h"
#include "fuzz.h"
#include "quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_options o, cmdline;
	struct daemon_conf_error e;
	struct line_reader r;
	const char *which;
	FILE *in;
	int err;

	in = fuzz_stream(data, size);
	if (!in)
		return 0;
	daemon_options_default(&o);
	line_reader_init(&r, in, DAEMON_CONF_LINE_MAX, DAEMON_CONF_FILE_MAX);
	err = daemon_options_read(&o, &r, &e);
	line_reader_free(&r);
	fclose(in);
	FUZZ_ASSERT(o.ifname_count <= DAEMON_MAX_IFACES && o.peer_count <= DAEMON_MAX_PEERS);
	FUZZ_ASSERT(o.refresh_s <= DAEMON_REFRESH_MAX);
	for (unsigned i = 0; i < o.ifname_count; i++)
		FUZZ_ASSERT(memchr(o.ifnames[i], '\0', sizeof(o.ifnames[i])) != NULL);
	if (err) {
		FUZZ_ASSERT(memchr(e.reason, '\0', sizeof(e.reason)) != NULL);
		FUZZ_ASSERT(text_is_safe(e.reason, strlen(e.reason)));
		return 0;
	}
	daemon_options_default(&cmdline);
	FUZZ_ASSERT(daemon_options_merge(&cmdline, &o, &which) == 0);
	FUZZ_ASSERT(cmdline.peer_count == o.peer_count && cmdline.ifname_count == o.ifname_count);
	FUZZ_ASSERT(cmdline.refresh_s == o.refresh_s && cmdline.metrics == o.metrics);
	return 0;
}
