/* wirekit: one program, one subcommand table; usage is generated from the table. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "wirekit/wirekit.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *const *usage;
	const char *help;
};

static const struct cmd cmds[] = {
    {"read", cmd_read, &cmd_read_usage, "read pcap/pcapng files: lines, fields, JSON, stats"},
    {"connect", cmd_connect, &cmd_connect_usage, "TCP/UDP/TLS client relaying stdin/stdout"},
    {"listen", cmd_listen, &cmd_listen_usage, "TCP/UDP/TLS server relaying stdin/stdout"},
    {"sockets", cmd_sockets, &cmd_sockets_usage, "list local sockets (like ss -tunap)"},
    {"send", cmd_send, &cmd_send_usage, "forge packets from a one-line spec, send, match replies"},
    {"scan", cmd_scan, &cmd_scan_usage, "host discovery and port scans: SYN, ACK, UDP, connect"},
    {"sniff", cmd_sniff, &cmd_sniff_usage, "live capture: lines, fields, JSON, stats, pcap files"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wirekit <command> [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < WK_ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'wirekit <command> --help' describes a command. wirekit %s\n",
	        WIREKIT_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		if (argc > 2) {
			for (size_t i = 0; i < WK_ARRAY_SIZE(cmds); i++)
				if (!strcmp(cmds[i].name, argv[2])) {
					fputs(*cmds[i].usage, stdout);
					return 0;
				}
			fprintf(stderr, "wirekit: no command '%s' (see 'wirekit --help')\n",
			        argv[2]);
			return 2;
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v")) {
		printf("wirekit %s\n", WIREKIT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < WK_ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, argv[1]))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "wirekit: unknown command '%s' (see 'wirekit --help')\n", argv[1]);
	return 2;
}
