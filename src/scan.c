/* Placeholder until the scan issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_scan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("scan", "not built yet");
	return EXIT_TROUBLE;
}
