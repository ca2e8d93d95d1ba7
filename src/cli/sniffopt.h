/* wirekit sniff: option parsing and file rotation naming, apart from the capture loop so
 * the unit tests can run them without privileges. */
#ifndef WK_CLI_SNIFFOPT_H
#define WK_CLI_SNIFFOPT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "output.h"

struct sniff_opts {
	struct out_opts out;
	const char *iface;    /* NULL: the first interface up */
	uint64_t duration_ms; /* 0: no limit */
	uint64_t rot_bytes;   /* -C: 0 = no size rotation */
	uint64_t rot_secs;    /* -G: 0 = no time rotation */
	unsigned rot_files;   /* -W: with -C a ring of that many files, with -G a limit */
	uint64_t stats_ms;    /* --stats-interval: 0 = only at the end */
	uint32_t snaplen;     /* -s: 0 = default */
	size_t bufsize;       /* -B (KiB on the command line): 0 = default */
	bool promisc;         /* on unless -p */
	const char *user;     /* -Z; NULL: nobody when root */
	int raw_proto;        /* --raw-ip: IPPROTO_*, 0 = packet socket */
	char *filter;         /* the remaining arguments joined, or NULL */
};

/* Parse argv (argv[0] = "sniff"). Returns 0 to run, -1 when --help was printed (exit 0),
 * or an exit status: 2 usage (message printed), 1 out of memory. */
int sniff_parse(int argc, char **argv, struct sniff_opts *o);
void sniff_opts_fini(struct sniff_opts *o);

/* Name of a rotated file, like tcpdump: with -G (strftime) the pattern is expanded for
 * time t (local time); with -C a sequence number > 0 is appended (FILE, FILE1, FILE2...),
 * or with width > 0 (-W) every number, zero-padded to width digits (FILE0, FILE1...).
 * 0, or -1 when the name does not fit in n bytes or expands to nothing. */
int sniff_file_name(char *buf, size_t n, const char *pattern, bool strftime_mode, time_t t,
                    unsigned seq, unsigned width);
/* The digits -W N gives the -C file numbers: enough for N - 1 (tcpdump's). */
unsigned sniff_name_width(const struct sniff_opts *o);

#endif
