/* Output options and per-packet output shared by the commands that print packets (read,
 * sniff): one line per packet, -V tree, -x hex, --json, -T fields -e ..., --stats. */
#ifndef WK_CLI_OUTPUT_H
#define WK_CLI_OUTPUT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirekit/wirekit.h"

/* getopt letters and long options the output owns; a command appends its own. */
#define OUT_SHORTOPTS "c:t:VxT:e:E:w:nSXv"
enum {
	OUT_OPT_JSON = 256,
	OUT_OPT_STATS,
	OUT_OPT_PCAPNG,
	OUT_OPT_TOP,
	OUT_OPT_LINK,
	OUT_OPT_END, /* commands number their own long options from here */
};
#define OUT_LONGOPTS                                                                               \
	{"json", no_argument, NULL, OUT_OPT_JSON}, {"stats", no_argument, NULL, OUT_OPT_STATS},    \
	    {"pcapng", no_argument, NULL, OUT_OPT_PCAPNG},                                         \
	    {"link-header", no_argument, NULL, OUT_OPT_LINK},                                      \
	{                                                                                          \
		"top", required_argument, NULL, OUT_OPT_TOP                                        \
	}

/* Usage lines of the display options, -t to --top. */
#define OUT_USAGE                                                                                  \
	"  -t FORMAT         time format: abs (default, UTC), date, epoch, rel (since the\n"       \
	"                    first packet), delta (since the previous one), none\n"                \
	"  -n, -nn           accepted for tcpdump's sake: addresses and ports are never "          \
	"resolved\n"                                                                               \
	"  -S                absolute TCP sequence numbers (default: relative to each flow's\n"    \
	"                    first, as tcpdump prints them)\n"                                     \
	"  -e, --link-header the link-layer header on each line (tcpdump -e; with -T fields, -e\n" \
	"                    names a field)\n"                                                     \
	"  -v, -vv           tcpdump's verbose line: IPv4/IPv6 header fields, IPv4, TCP, ICMP\n"   \
	"                    and UDP/IPv6 checksums (-vv: also UDP/IPv4, every TCP seq)\n"         \
	"  -V                layer tree with every field\n"                                        \
	"  -x                hex and ASCII dump of each packet (after its line or tree)\n"         \
	"  -X                the same from the network layer on, as tcpdump -X\n"                  \
	"  --json            one JSON object per packet\n"                                         \
	"  -T fields         print the fields named with -e, one line per packet\n"                \
	"  -e FIELD          a field (ours or tshark's name: ip.src, tcp.srcport, frame.len..)\n"  \
	"  -E separator=C    field separator (default tab; /t /s for tab and space)\n"             \
	"  -E aggregator=C   separator of a repeated field's values (default ',')\n"               \
	"  -E occurrence=X   values of a repeated field: a all (default), f first, l last,\n"      \
	"                    N the N-th\n"                                                         \
	"  -E header=y       a first line with the field names\n"                                  \
	"  -E quote=d|s|n    put double or single quotes (or none) around each value\n"            \
	"  --stats           totals, protocol hierarchy and top conversations instead of lines\n"  \
	"  --top N           conversations listed by --stats (default 10)\n"

enum out_mode { OUT_LINE, OUT_TREE, OUT_JSON, OUT_FIELDS, OUT_STATS };

struct out_opts {
	enum out_mode mode;
	bool hex, hex_net, pcapng;
	bool abs_seq, link; /* tcpdump -S, -e */
	unsigned verbose;   /* tcpdump -v, -vv */

	uint64_t count, top;
	const char *wpath;
	const char **fnames;
	size_t nf;
	char sep, occ;  /* -E separator=, aggregator= */
	int occurrence; /* -E occurrence=: 0 all, N the N-th, -1 the last */
	char quote;     /* -E quote=: 0, '"' or '\'' */
	bool header;    /* -E header=y */
	enum wk_time_fmt tfmt;
	unsigned modes; /* the output modes asked for (1 << enum out_mode): one at most */
	bool top_set;
};

/* Defaults; room for argc -e names. 0, or 1 out of memory (message printed). */
int out_opts_init(struct out_opts *o, int argc, const char *cmd);
void out_opts_fini(struct out_opts *o);
/* One getopt result: 1 taken, 0 not an output option, -1 usage error (message printed). */
int out_opt(struct out_opts *o, const char *cmd, int c, const char *arg);
/* A getopt_long result that is no option of cmd ('?', or ':' for a missing value): one
 * line naming it and pointing to --help. Returns 2 (the usage exit status). getopt must
 * run with opterr = 0 and an option string starting with ':'. */
int out_bad_opt(const char *cmd, int c, char *const *argv);
/* Before getopt: tcpdump's -e (no value: the link-layer header) where tshark's -e FIELD
 * cannot be meant (no -T in argv). Such an 'e', alone or among flag letters ("-nne"), is
 * turned into 'n' (a no-op) in a copy that replaces the argv word; returns true when one
 * was. shortopts: the
 * command's getopt string (which letters take a value). */
bool out_tcpdump_e(int argc, char **argv, const char *shortopts);
/* After parsing: -T fields and -e agree. 0 or -1 (message printed). */
int out_check(const struct out_opts *o, const char *cmd);

/* Helpers every command uses: the filter words joined with spaces (as tcpdump does; NULL
 * when out of memory), and a wk_ob flush to the fd *ctx. Numbers are parse.h's. */
/* A -w name that asks for pcapng: it ends in .pcapng, in any case (.PCAPNG too). */
bool out_pcapng_name(const char *path);
char *out_join_args(int argc, char **argv);
int out_fd_flush(void *ctx, const char *p, size_t n);
/* in and out ("-": standard input / output) are one regular file (device and inode). */
bool out_same_file(const char *in, const char *out);

struct out {
	const struct out_opts *o;
	struct wk_ob ob;
	int fd;        /* where ob goes: 1, or 2 when a capture owns stdout */
	bool print;    /* false: -w alone prints nothing, like tcpdump */
	bool err_told; /* the write error was reported */
	struct wk_print_opts po;
	struct wk_fields *fields;
	struct wk_stats *stats;
	struct wk_pkt_ctx ctx; /* times, interfaces, TCP streams for -T fields, -V, --json */
	bool use_ctx;
	char mem[1 << 16];
};

/* Fields and statistics per the options. 0, or the exit status (message printed). */
int out_start(struct out *out, const struct out_opts *o, const char *cmd);
/* Dissect and print one packet (nothing if !out->print). note, when not NULL, is shown in
 * parentheses at the end of the line or under the tree. Returns out->ob.err. */
int out_packet(struct out *out, struct wk_pkt *pkt, const char *note);
/* A packet read but not shown (filtered out): frame.time_delta counts from it. */
void out_skip(struct out *out, const struct wk_pkt *pkt);
/* --stats table, then flush. */
void out_end(struct out *out);
/* After the last flush: 1 when writing the output failed (the reason printed once, as
 * "wirekit CMD: standard output: write: ..."), else 0. */
int out_write_failed(struct out *out, const char *cmd);
void out_free(struct out *out);

#endif
