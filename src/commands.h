/* One entry point per subcommand; each gets argv with argv[0] = its own name. */
#ifndef ARPKIT_COMMANDS_H
#define ARPKIT_COMMANDS_H

int cmd_announce(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_hide(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_daemon(int argc, char **argv);

#endif
