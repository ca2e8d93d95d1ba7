/* wirekit scan's options (scan_args.c): nmap's spelling parsed into struct args, before
 * anything is resolved or opened; cmd_scan.c turns them into the library's options. */
#ifndef WIREKIT_CLI_SCAN_ARGS_H
#define WIREKIT_CLI_SCAN_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "scan_cli.h"

/* Where SIGINT/SIGTERM save the resume position without --resume-file. */
#define DEFAULT_RESUME "wirekit-scan.resume"

/* Everything the options name, before anything is resolved or opened. */
struct args {
	const char *ports, *exclude_ports, *datadir, *resume, *shard;
	const char *iL[8], *excl[16], *exclfile[8], *tgt_disc[3];
	unsigned niL, nexcl, nexclfile;
	unsigned top; /* 0: default */
	bool fast, type_set, disc_set, no_ping, reason, no_arp, open_only, ports_in_order;
	bool packet_trace;
	int timing; /* -1 none */
	double rate, min_rate, max_rate, stats;
	long retries, wait; /* -1: default */
	/* nmap's --min-, --max-, --initial-rtt-timeout and --scan-delay in ms, 0: not given */
	uint64_t min_rtt, max_rtt, init_rtt, scan_delay;
	bool seed_set;
	uint64_t seed;
	const char *source, *ifname;
	int sport;
	enum wk_scan_type type;
	unsigned disc;
	const char *disc_tcp[8], *disc_udp[8];
	unsigned ndisc_tcp, ndisc_udp;
	const char *outs[SCAN_MAX_OUTS][2];
	unsigned nouts;
	const char *resume_file;
	unsigned verbose;           /* -v, -vv: how many */
	struct scan_svc_args svc;   /* -sV, --banners */
	struct scan_host_args host; /* -R */
	bool udp_too;               /* -sU with -sS or -sA */
	const char *pcapng, *user;
	unsigned ttl, data_len; /* --ttl (0: default), --data-length */
	bool badsum;
	int family; /* -4, -6: AF_INET, AF_INET6; 0 both */
};

/* The defaults every parse starts from (a resumed scan parses its saved options again). */
#define SCAN_ARGS_INIT                                                                             \
	{                                                                                          \
		.timing = -1, .retries = -1, .wait = -1, .sport = -1, .svc.intensity = 7           \
	}

/* Parse argv (getopt: argv is permuted, the targets end up from optind). 0, 2 for bad
 * usage (the message printed), -1 after --help. from_resume: the options a resume file
 * saved (no --resume in them). */
int scan_args_parse(struct args *a, int argc, char **argv, bool from_resume);
/* "wirekit scan: MESSAGE" on stderr; returns 2 (bad usage). */
__attribute__((format(printf, 1, 2))) int scan_usage_err(const char *fmt, ...);

#endif
