/* Placeholder until the hide issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_hide(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("hide", "not built yet");
	return EXIT_TROUBLE;
}
