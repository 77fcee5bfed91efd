/* Placeholder until the watch issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("watch", "not built yet");
	return EXIT_TROUBLE;
}
