/* Placeholder until the daemon issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_daemon(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("daemon", "not built yet");
	return EXIT_TROUBLE;
}
