/* arpkit: a thin dispatcher over one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"announce", cmd_announce, "Push moved addresses to the network's ARP caches, and prove it"},
	{"ping", cmd_ping, "ARP or NDP ping: who answers for an address, duplicate address detection"},
	{"scan", cmd_scan, "Find every host on the wire, with vendors and conflicts"},
	{"watch", cmd_watch, "Watch ARP: moves, flip-flops, conflicts, stale caches"},
	{"hide", cmd_hide, "Make this host an LVS real server that never answers ARP for a VIP"},
	{"audit", cmd_audit, "Check an LVS real server (and the wire) for the ARP problem"},
	{"daemon", cmd_daemon, "Announce and verify every address that appears, automatically"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: arpkit COMMAND [OPTIONS]\n\n"
		     "Keeps the network's ARP caches telling the truth when addresses move.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'arpkit COMMAND --help' describes a command; man arpkit for more.\n"
		     "Exit status: 0 success, 1 negative answer, 2 usage or system error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("arpkit %s\n", ARPKIT_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "arpkit: unknown command '%s' (see 'arpkit --help')\n", argv[1]);
	return EXIT_TROUBLE;
}
