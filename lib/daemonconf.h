/*
 * The daemon's settings, from its command line and from a configuration file of the
 * same options ("interface eth0", "peer 192.0.2.1", "refresh 300", one per line, '#'
 * comments). Both go through daemon_option_set, so a value means the same wherever
 * it is written. SIGHUP re-reads the file; lists from the file and the command line
 * add up, single values on the command line win.
 */
#ifndef ARPKIT_DAEMONCONF_H
#define ARPKIT_DAEMONCONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

#define DAEMON_MAX_IFACES 64
#define DAEMON_MAX_PEERS 64
#define DAEMON_REFRESH_MAX (7u * 24 * 3600)

struct daemon_options {
	char ifnames[DAEMON_MAX_IFACES][IF_NAMESIZE];
	unsigned ifname_count;
	struct in_addr peers[DAEMON_MAX_PEERS];
	unsigned peer_count;
	unsigned refresh_s;            /* 0: no periodic re-announcement */
	bool metrics;
	struct sockaddr_in metrics_addr;
	bool json;
};

void daemon_options_default(struct daemon_options *o);

/*
 * One option by its long name; value NULL for a flag ("json"). 0, or -ENOENT (no such
 * option), -EINVAL (bad value, or a value missing or given to a flag), -E2BIG (too
 * many interfaces or peers), -EADDRNOTAVAIL (metrics on the wildcard address).
 * Repeating an interface or peer is not an error; it is kept once.
 */
int daemon_option_set(struct daemon_options *o, const char *key, const char *value);

/*
 * Reads a configuration file: blank lines and '#' comments are skipped, every other
 * line is "KEY [VALUE]". 0, or the first error as above with *line set to its line
 * number (-EIO if the stream failed, -EINVAL for a line too long).
 */
int daemon_options_read(struct daemon_options *o, FILE *in, unsigned *line);

#endif
