/* What every subcommand shares: exit codes, diagnostics, privileges, stop signals. */
#ifndef ARPKIT_CLI_H
#define ARPKIT_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "link.h"
#include "loop.h"
#include "netlink.h"
#include "netsel.h"
#include "quote.h"
#include "sandbox.h"

/* Exit codes, documented once (and in arpkit(8)). */
enum {
	EXIT_OK = 0,        /* success: confirmed, replied, free, clean */
	EXIT_NEGATIVE = 1,  /* a negative answer: no reply, unconfirmed, conflict, findings */
	EXIT_TROUBLE = 2,   /* usage error, bad input, missing privilege, system error */
};

/* The only mutable globals: set by signal handlers, read by poll loops. */
extern volatile sig_atomic_t cli_stop_signal; /* SIGINT/SIGTERM number, 0 while running */
extern volatile sig_atomic_t cli_hup;         /* SIGHUP seen */
extern volatile sig_atomic_t cli_usr1;        /* SIGUSR1 seen */

/* "arpkit CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, plus the usage hint; returns EXIT_TROUBLE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Handlers that only set the flags above (SA_RESTART off, so a wait wakes). With
 * stop, SIGINT, SIGTERM, SIGHUP and SIGUSR1 are also blocked from here on, and stop
 * is filled for loop_wait (and the engines' *_run_wait), which lets them in only
 * while it waits: none is lost between a look at the flags and the wait. A loop
 * that still waits its own way passes NULL and gets the handlers alone.
 */
void cli_catch_signals(struct loop_stop *stop);

/* Checks CAP_NET_RAW (and CAP_NET_ADMIN with need) before anything is sent; prints
 * the refusal. 0 or EXIT_TROUBLE. */
int cli_require_caps(const char *cmd, unsigned need);
/* After sockets are open: keep only `keep`; failing to drop is fatal (fail closed). */
int cli_limit_caps(const char *cmd, unsigned keep);
/*
 * Then the command's seccomp allow-list (lib/sandbox); failing to install it is
 * fatal too. With probe (the tests' hidden --sandbox-probe), that forbidden call is
 * attempted at once: it must kill the process, and saying it did not is the error.
 * 0 or EXIT_TROUBLE.
 */
int cli_enter_sandbox(const char *cmd, const struct sandbox_spec *spec,
		      const enum sandbox_probe *probe);

/* Opens a link and turns each failure into one clear line. 0 or EXIT_TROUBLE. */
int cli_open_link(const char *cmd, struct link *l, const char *ifname, enum link_filter filter);

/* Opens a request socket and reads the parts of the network state a command needs
 * (enum nl_parts); one clear line on failure. 0 or EXIT_TROUBLE. */
int cli_read_network(const char *cmd, struct nl *nl, struct nl_snapshot *snap, unsigned parts);

/*
 * The interface a command was told to use (-I NAME: a name or an address label, see
 * netsel_link_by_name), checked for sending ARP with `need` (enum netsel_need bits).
 * Prints the one refusal for every command, naming NAME as given:
 *   unknown interface 'NAME'
 *   interface 'NAME' does not use ARP (loopback, point-to-point or NOARP)
 *   interface 'NAME' is down
 *   interface 'NAME' has no IPv4 address
 * 0 with *link set (pointing into snap), or EXIT_TROUBLE.
 */
int cli_select_link(const char *cmd, const struct nl_snapshot *snap, const char *name,
		    unsigned need, const struct nl_link **link);
/* The same check and wording for a link found another way (the route's, the holder of
 * an address); how says which, printed after the name: " (the route's)". */
int cli_check_link(const char *cmd, const struct nl_snapshot *snap, const struct nl_link *link,
		   unsigned need, const char *how);

/* Loads the vendor registries and override_path (NULL: none). On failure prints one
 * line naming the file, the line and the reason, then `consequence` if given
 * ("; MACs are shown without them"), and returns -errno with *db NULL. */
struct vendor_db;
int cli_load_vendors(const char *cmd, struct vendor_db **db, const char *override_path,
		     const char *consequence);

/* Range-checked numbers for options: prints "invalid --opt value 'x'" on failure. */
bool cli_parse_ulong(const char *cmd, const char *opt, const char *text, unsigned long min,
		     unsigned long max, unsigned long *out);

/* Checks stdout was written (a full disk is an error); EXIT_TROUBLE if not. */
int cli_finish_output(const char *cmd, int status);

#endif
