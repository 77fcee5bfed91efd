/* Placeholder until the ping issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_ping(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("ping", "not built yet");
	return EXIT_TROUBLE;
}
