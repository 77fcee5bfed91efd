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

#include "linereader.h"

#define DAEMON_MAX_IFACES 64
#define DAEMON_MAX_PEERS 64
#define DAEMON_REFRESH_MAX (7u * 24 * 3600)
/* Limits of the configuration file. */
#define DAEMON_CONF_LINE_MAX 511
#define DAEMON_CONF_FILE_MAX (1u << 20)

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
 * Repeating an interface or peer is not an error; it is kept once. A rejected value
 * leaves o as it was.
 */
int daemon_option_set(struct daemon_options *o, const char *key, const char *value);

/* The words for daemon_option_set's errors: "unknown option", "invalid value", ... */
const char *daemon_option_strerror(int err);

/* Why a configuration file was refused, for the one line the daemon prints. */
struct daemon_conf_error {
	unsigned line;      /* 0 when not about one line (cannot open, too large) */
	/* "refresh 'often': invalid value", "line longer than 511 bytes": room for a
	 * whole quoted value (QUOTE_SIZE) and the longest explanation. */
	char reason[384];
};

/*
 * Reads a configuration file: blank lines and '#' comments are skipped, every other
 * line is "KEY [VALUE]". Limits: DAEMON_CONF_LINE_MAX bytes per line,
 * DAEMON_CONF_FILE_MAX in all. 0, or the first error (daemon_option_set's, or a
 * reader's, see linereader.h) with *e saying where and why.
 */
int daemon_options_read(struct daemon_options *o, struct line_reader *r,
			struct daemon_conf_error *e);
/* Opens path and reads it as above (a directory is -EISDIR). */
int daemon_options_load(struct daemon_options *o, const char *path, struct daemon_conf_error *e);

/*
 * Puts the file's settings under the command line's, into cmdline: lists add up (the
 * file's first), single values given on the command line win. 0, or -E2BIG when the
 * two lists together pass DAEMON_MAX_IFACES or DAEMON_MAX_PEERS, with *which set to
 * "interface" or "peer" and cmdline left as it was.
 */
int daemon_options_merge(struct daemon_options *cmdline, const struct daemon_options *file,
			 const char **which);

#endif
