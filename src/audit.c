/* Placeholder until the audit issue lands; replaced by its implementation. */
#include "cli.h"
#include "commands.h"

int cmd_audit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("audit", "not built yet");
	return EXIT_TROUBLE;
}
