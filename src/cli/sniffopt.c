/* wirekit sniff: usage, option parsing and rotated file names (see sniffopt.h). */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "parse.h"
#include "sniffopt.h"
#include "wirekit/capture.h"

const char *const cmd_sniff_usage =
    "usage: wirekit sniff [options] [FILTER...]\n"
    "\n"
    "Capture live packets and print one line per packet like tcpdump -n. FILTER is a\n"
    "tcpdump filter expression (pcap-filter(7)), run in the kernel.\n"
    "\n"
    "capture:\n"
    "  -i IFACE          interface (default: the first one up that is not a loopback,\n"
    "                    else 'any'; 'any' for all, as LINUX_SLL and without\n"
    "                    promiscuous mode)\n"
    "  -p                do not put the interface in promiscuous mode\n"
    "  -s SNAPLEN        bytes kept of each packet (default 262144)\n"
    "  -B KIB            kernel ring size in KiB (default 8192)\n"
    "  --raw-ip PROTO    icmp, tcp or udp: a raw IP socket of that protocol instead of a\n"
    "                    packet socket (incoming IPv4 from the IP header on)\n"
    "  -Z USER           user to run as once the capture is open, before any file is\n"
    "                    opened (default nobody when started as root; -Z root keeps root)\n"
    "  -c N              stop after N packets\n"
    "  --duration SEC    stop after SEC seconds\n"
    "  --stats-interval SEC\n"
    "                    print received / dropped / written counts every SEC seconds\n"
    "\n"
    "output:\n" OUT_USAGE
    "  -w FILE           write the packets to FILE as they arrive (pcap; '-' = stdout)\n"
    "  --pcapng          write FILE as pcapng (also when FILE ends in .pcapng)\n"
    "  -C SIZE           start a new file when one exceeds SIZE millions of bytes (or\n"
    "                    SIZE with k, m, g: KiB, MiB, GiB): FILE, FILE1, FILE2, ...\n"
    "  -G SEC            start a new file every SEC seconds; FILE is a strftime pattern\n"
    "                    (without a conversion, as in tcpdump, one file is written over)\n"
    "  -W N              with -C: a ring of N files FILE0..FILE<N-1>, the oldest overwritten;\n"
    "                    with -G: stop after N files\n"
    "  -h, --help        this help\n"
    "\n"
    "At the end (SIGINT, SIGTERM, -c, --duration) the file is complete and the counts of\n"
    "packets received, dropped by the kernel and written go to standard error.\n"
    "Exit status: 0 ok, 1 capture or write error, 2 usage or bad filter, 3 no privilege\n"
    "to capture (needs root or CAP_NET_RAW).\n";

enum {
	OPT_DURATION = OUT_OPT_END,
	OPT_RAWIP,
	OPT_STATSIV,
};

unsigned sniff_name_width(const struct sniff_opts *o)
{
	unsigned w = 0;
	if (o->rot_files && o->rot_bytes)
		for (unsigned x = o->rot_files - 1; x; x /= 10)
			w++;
	return w;
}

int sniff_file_name(char *buf, size_t n, const char *pattern, bool strftime_mode, time_t t,
                    unsigned seq, unsigned width)
{
	size_t len;
	if (strftime_mode) {
		struct tm tm;
		if (!localtime_r(&t, &tm))
			return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		len = strftime(buf, n, pattern, &tm);
#pragma GCC diagnostic pop
		if (len == 0)
			return -1; /* too long, or an empty expansion: no usable name */
	} else {
		len = strlen(pattern);
		if (len == 0 || len >= n)
			return -1;
		memcpy(buf, pattern, len + 1);
	}
	if (seq || width) {
		int k = snprintf(buf + len, n - len, "%0*u", (int)width, seq);
		if (k < 0 || (size_t)k >= n - len)
			return -1;
	}
	return 0;
}

__attribute__((format(printf, 1, 2))) static int usage_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("wirekit sniff: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 2;
}

int sniff_parse(int argc, char **argv, struct sniff_opts *o)
{
	static const struct option lopts[] = {
	    OUT_LONGOPTS,
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"raw-ip", required_argument, NULL, OPT_RAWIP},
	    {"stats-interval", required_argument, NULL, OPT_STATSIV},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->promisc = true;
	if (out_opts_init(&o->out, argc, "sniff"))
		return 1;
	uint64_t v;
	if (out_tcpdump_e(argc, argv, OUT_SHORTOPTS "i:ps:B:Z:C:G:W:h"))
		o->out.link = true;
	/* Options anywhere, as tcpdump takes them (sniff -i X udp -c 1); "--" ends them. */
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":" OUT_SHORTOPTS "i:ps:B:Z:C:G:W:h", lopts, NULL)) !=
	       -1) {
		int k = out_opt(&o->out, "sniff", c, optarg);
		if (k > 0)
			continue;
		if (k < 0)
			return 2;
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'p':
			o->promisc = false;
			break;
		case 's':
			if (!cli_parse_u64(optarg, &v) || v > WK_CAP_DEFAULT_SNAPLEN)
				return usage_err("-s: not a snap length (0 to 262144): '%s'",
				                 optarg);
			o->snaplen = (uint32_t)v; /* 0 = the default, like tcpdump */
			break;
		case 'B':
			if (!cli_parse_u64(optarg, &v) || v == 0 || v > (WK_RING_MAX_BYTES >> 10))
				return usage_err("-B: not a size in KiB (1 to 1048576): '%s'",
				                 optarg);
			o->bufsize = (size_t)v << 10;
			break;
		case 'Z':
			if (!*optarg)
				return usage_err("-Z: empty user name");
			o->user = optarg;
			break;
		case 'C':
			/* tcpdump: millions of bytes */
			if (!cli_parse_size(optarg, 1000000, &o->rot_bytes) || o->rot_bytes == 0)
				return usage_err("-C: not a file size: '%s'", optarg);
			break;
		case 'G':
			if (!cli_parse_u64(optarg, &o->rot_secs) || o->rot_secs == 0)
				return usage_err("-G: not a positive number of seconds: '%s'",
				                 optarg);
			break;
		case 'W':
			if (!cli_parse_u64(optarg, &v) || v == 0 || v > 1000000)
				return usage_err("-W: not a number of files (1 to 1000000): '%s'",
				                 optarg);
			o->rot_files = (unsigned)v;
			break;
		case OPT_DURATION:
			if (!cli_parse_secs(optarg, &o->duration_ms))
				return usage_err(
				    "--duration: not a positive number of seconds: '%s'", optarg);
			break;
		case OPT_STATSIV:
			if (!cli_parse_secs(optarg, &o->stats_ms))
				return usage_err(
				    "--stats-interval: not a positive number of seconds: '%s'",
				    optarg);
			break;
		case OPT_RAWIP:
			if (!strcmp(optarg, "icmp"))
				o->raw_proto = IPPROTO_ICMP;
			else if (!strcmp(optarg, "tcp"))
				o->raw_proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o->raw_proto = IPPROTO_UDP;
			else
				return usage_err("--raw-ip: icmp, tcp or udp, not '%s'", optarg);
			break;
		case 'h':
			fputs(cmd_sniff_usage, stdout);
			return -1;
		default:
			return out_bad_opt("sniff", c, argv);
		}
	}
	if (out_check(&o->out, "sniff"))
		return 2;
	if (o->rot_files && !o->rot_bytes && !o->rot_secs)
		return usage_err("-W needs -C or -G");
	if ((o->rot_bytes || o->rot_secs) && !o->out.wpath)
		return usage_err("-C and -G need -w FILE");
	if ((o->rot_bytes || o->rot_secs) && !strcmp(o->out.wpath, "-"))
		return usage_err("-C and -G rotate files, not standard output");
	if (o->raw_proto && o->iface && !strcmp(o->iface, "any"))
		o->iface = NULL;
	if (optind < argc) {
		o->filter = out_join_args(argc - optind, argv + optind);
		if (!o->filter) {
			fprintf(stderr, "wirekit sniff: out of memory\n");
			return 1;
		}
	}
	return 0;
}

void sniff_opts_fini(struct sniff_opts *o)
{
	free(o->filter);
	o->filter = NULL;
	out_opts_fini(&o->out);
}
