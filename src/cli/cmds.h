/* Subcommand handlers: int cmd_<name>(int argc, char **argv) returns the exit status
 * (0 ok, 1 failure, 2 usage, 3 missing privilege); argv[0] is the subcommand name. */
#ifndef WK_CLI_CMDS_H
#define WK_CLI_CMDS_H

int cmd_read(int argc, char **argv);
extern const char *const cmd_read_usage;
int cmd_connect(int argc, char **argv);
extern const char *const cmd_connect_usage;
int cmd_listen(int argc, char **argv);
extern const char *const cmd_listen_usage;
int cmd_sockets(int argc, char **argv);
extern const char *const cmd_sockets_usage;
int cmd_sniff(int argc, char **argv);
extern const char *const cmd_sniff_usage;
int cmd_send(int argc, char **argv);
extern const char *const cmd_send_usage;
int cmd_scan(int argc, char **argv);
extern const char *const cmd_scan_usage;
#endif
