/* wirekit read FILE [FILTER]: one line per packet like tcpdump -n, or fields, JSON, a
 * layer tree, hex, statistics; optionally writing the matching packets to a file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "wirekit/wirekit.h"

const char *const cmd_read_usage =
	"usage: wirekit read [options] FILE [FILTER...]\n"
	"\n"
	"Read a pcap or pcapng capture (FILE '-' is standard input) and print one line per\n"
	"packet like tcpdump -n. FILTER is a tcpdump filter expression (pcap-filter(7)).\n"
	"\n"
	"options:\n"
	"  -c N              stop after N matching packets\n"
	"  -t FORMAT         time format: abs (default, UTC), date, epoch, rel (since the\n"
	"                    first packet), delta (since the previous one), none\n"
	"  -V                layer tree with every field\n"
	"  -x                hex and ASCII dump of each packet (after its line or tree)\n"
	"  --json            one JSON object per packet\n"
	"  -T fields         print the fields named with -e, one line per packet\n"
	"  -e FIELD          a field (ours or tshark's name: ip.src, tcp.srcport, frame.len..)\n"
	"  -E separator=C    field separator (default tab; /t /s for tab and space);\n"
	"  -E occurrence=C   separator of repeated values (default ',')\n"
	"  --stats           totals, protocol hierarchy and top conversations instead of lines\n"
	"  --top N           conversations listed by --stats (default 10)\n"
	"  -w OUT            write the matching packets to OUT (pcap; '-' = stdout)\n"
	"  --pcapng          write OUT as pcapng\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 ok, 1 damaged input (every packet before the damage is processed\n"
	"and written first) or write error, 2 usage or bad filter.\n";

enum { OPT_JSON = 256, OPT_STATS, OPT_PCAPNG, OPT_TOP };

enum mode { M_LINE, M_TREE, M_JSON, M_FIELDS, M_STATS };

struct filters {
	char *expr;
	int linktype[8];
	struct wk_filter *f[8];
	size_t n;
};

static int out_flush(void *ctx, const char *p, size_t n)
{
	int fd = *(int *)ctx;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return WK_ESYS;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static char sep_char(const char *v)
{
	if (!strcmp(v, "/t"))
		return '\t';
	if (!strcmp(v, "/s"))
		return ' ';
	return v[0];
}

/* Compile the filter for this link type once (pcapng files may mix link types). */
static struct wk_filter *filter_for(struct filters *fs, int linktype, uint32_t snaplen,
				    struct wk_error *err, int *rc)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->linktype[i] == linktype)
			return fs->f[i];
	if (fs->n == WK_ARRAY_SIZE(fs->f)) {
		*rc = wk_seterr(err, WK_EUNSUP, "more than %zu link types in one file",
				WK_ARRAY_SIZE(fs->f));
		return NULL;
	}
	struct wk_filter *f = wk_filter_new(fs->expr, linktype, snaplen, err);
	if (!f) {
		*rc = WK_EINVAL;
		return NULL;
	}
	fs->linktype[fs->n] = linktype;
	fs->f[fs->n++] = f;
	return f;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]);
		if (i)
			s[n++] = ' ';
		memcpy(s + n, argv[i], k);
		n += k;
		s[n] = '\0';
	}
	return s;
}

int cmd_read(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"json", no_argument, NULL, OPT_JSON},   {"stats", no_argument, NULL, OPT_STATS},
		{"pcapng", no_argument, NULL, OPT_PCAPNG}, {"top", required_argument, NULL, OPT_TOP},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	enum mode mode = M_LINE;
	bool hex = false, pcapng = false;
	uint64_t count = 0, top = 10;
	const char *wpath = NULL;
	const char **fnames = NULL;
	size_t nf = 0;
	char sep = '\t', occ = ',';
	struct wk_print_opts po = {.tfmt = WK_TIME_ABS};
	int rc = 0, status = 0;
	struct wk_error err = {0};
	struct wk_pcap_reader *rd = NULL;
	struct wk_pcap_writer *wr = NULL;
	struct wk_fields *fields = NULL;
	struct wk_stats *stats = NULL;
	struct filters filt = {0};
	static char obmem[1 << 16];
	int outfd = 1;
	struct wk_ob ob;
	wk_ob_init(&ob, obmem, sizeof(obmem), out_flush, &outfd);

	fnames = calloc((size_t)argc + 1, sizeof(*fnames));
	if (!fnames) {
		fprintf(stderr, "wirekit read: out of memory\n");
		return 1;
	}
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+c:t:VxT:e:E:w:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_u64(optarg, &count) || count == 0) {
				fprintf(stderr, "wirekit read: -c: not a positive count: '%s'\n", optarg);
				status = 2;
				goto out;
			}
			break;
		case 't':
			if (!strcmp(optarg, "abs"))
				po.tfmt = WK_TIME_ABS;
			else if (!strcmp(optarg, "date"))
				po.tfmt = WK_TIME_DATE;
			else if (!strcmp(optarg, "epoch"))
				po.tfmt = WK_TIME_EPOCH;
			else if (!strcmp(optarg, "rel"))
				po.tfmt = WK_TIME_REL;
			else if (!strcmp(optarg, "delta"))
				po.tfmt = WK_TIME_DELTA;
			else if (!strcmp(optarg, "none"))
				po.tfmt = WK_TIME_NONE;
			else {
				fprintf(stderr,
					"wirekit read: -t: unknown time format '%s' (abs, date, epoch, "
					"rel, delta, none)\n",
					optarg);
				status = 2;
				goto out;
			}
			break;
		case 'V':
			mode = M_TREE;
			break;
		case 'x':
			hex = true;
			break;
		case OPT_JSON:
			mode = M_JSON;
			break;
		case OPT_STATS:
			mode = M_STATS;
			break;
		case OPT_PCAPNG:
			pcapng = true;
			break;
		case OPT_TOP:
			if (!parse_u64(optarg, &top)) {
				fprintf(stderr, "wirekit read: --top: not a count: '%s'\n", optarg);
				status = 2;
				goto out;
			}
			break;
		case 'T':
			if (strcmp(optarg, "fields")) {
				fprintf(stderr, "wirekit read: -T: only 'fields' is known, not '%s'\n",
					optarg);
				status = 2;
				goto out;
			}
			mode = M_FIELDS;
			break;
		case 'e':
			fnames[nf++] = optarg;
			break;
		case 'E':
			if (!strncmp(optarg, "separator=", 10) && optarg[10])
				sep = sep_char(optarg + 10);
			else if (!strncmp(optarg, "occurrence=", 11) && optarg[11])
				occ = sep_char(optarg + 11);
			else {
				fprintf(stderr,
					"wirekit read: -E: expected separator=C or occurrence=C, not "
					"'%s'\n",
					optarg);
				status = 2;
				goto out;
			}
			break;
		case 'w':
			wpath = optarg;
			break;
		case 'h':
			fputs(cmd_read_usage, stdout);
			goto out;
		default:
			fputs(cmd_read_usage, stderr);
			status = 2;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "wirekit read: no capture file given\n%s", cmd_read_usage);
		status = 2;
		goto out;
	}
	const char *path = argv[optind++];
	if (mode == M_FIELDS && nf == 0) {
		fprintf(stderr, "wirekit read: -T fields needs at least one -e FIELD\n");
		status = 2;
		goto out;
	}
	if (nf && mode != M_FIELDS) {
		fprintf(stderr, "wirekit read: -e needs -T fields\n");
		status = 2;
		goto out;
	}
	if (mode == M_FIELDS) {
		fields = wk_fields_new(fnames, nf, sep, occ, &err);
		if (!fields) {
			fprintf(stderr, "wirekit read: %s\n", err.msg);
			status = 2;
			goto out;
		}
	}
	if (optind < argc) {
		filt.expr = join_args(argc - optind, argv + optind);
		if (!filt.expr) {
			fprintf(stderr, "wirekit read: out of memory\n");
			status = 1;
			goto out;
		}
	}
	if (mode == M_STATS) {
		stats = wk_stats_new(65536);
		if (!stats) {
			fprintf(stderr, "wirekit read: out of memory\n");
			status = 1;
			goto out;
		}
	}
	rd = wk_pcap_open(path, &err);
	if (!rd) {
		fprintf(stderr, "wirekit read: %s: %s\n", path, err.msg);
		status = 1;
		goto out;
	}
	/* A bad filter is a usage error even for an empty file: compile it up front. */
	if (filt.expr) {
		int lt = wk_pcap_linktype(rd);
		if (!filter_for(&filt, lt < 0 ? 1 : lt, wk_pcap_snaplen(rd), &err, &rc)) {
			fprintf(stderr, "wirekit read: filter: %s\n", err.msg);
			status = 2;
			goto out;
		}
	}
	if (wpath) {
		int lt = wk_pcap_linktype(rd);
		struct wk_pcap_wopts wo = {
			.format = pcapng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP,
			.linktype = (uint32_t)(lt < 0 ? 1 : lt),
			.snaplen = wk_pcap_snaplen(rd),
			.nsec = true,
			.app = "wirekit " WIREKIT_VERSION,
		};
		wr = wk_pcap_wopen(wpath, &wo, &err);
		if (!wr) {
			fprintf(stderr, "wirekit read: %s: %s\n", wpath, err.msg);
			status = 1;
			goto out;
		}
		if (!strcmp(wpath, "-"))
			outfd = 2; /* the capture owns stdout */
	}
	/* Like tcpdump, -w alone prints nothing; asked-for output still comes. */
	bool print = !wr || mode != M_LINE || hex;

	struct wk_pkt pkt;
	uint64_t shown = 0;
	for (;;) {
		rc = wk_pcap_next(rd, &pkt);
		if (rc)
			break;
		if (filt.expr) {
			struct wk_filter *f = filter_for(&filt, (int)pkt.linktype, 262144, &err, &rc);
			if (!f) {
				wk_ob_flush(&ob);
				fprintf(stderr, "wirekit read: filter: %s\n", err.msg);
				status = 2;
				goto out;
			}
			if (!wk_filter_match(f, pkt.data, pkt.caplen, pkt.wirelen))
				continue;
		}
		if (wr && wk_pcap_write(wr, &pkt, NULL)) {
			wk_ob_flush(&ob);
			fprintf(stderr, "wirekit read: %s: %s\n", wpath, wk_pcap_werror(wr)->msg);
			status = 1;
			goto out;
		}
		if (print) {
			wk_dissect(&pkt);
			switch (mode) {
			case M_LINE:
				wk_print_line(&ob, &po, &pkt);
				break;
			case M_TREE:
				wk_print_tree(&ob, &pkt);
				break;
			case M_JSON:
				wk_print_json(&ob, &pkt);
				break;
			case M_FIELDS:
				wk_fields_print(&ob, fields, &pkt);
				break;
			case M_STATS:
				wk_stats_add(stats, &pkt);
				break;
			}
			if (hex && mode != M_STATS && mode != M_JSON)
				wk_print_hex(&ob, pkt.data, pkt.caplen);
		}
		if (ob.err) {
			status = 1; /* stdout closed (EPIPE) or unwritable: stop quietly */
			goto out;
		}
		if (count && ++shown >= count) {
			rc = WK_EEOF;
			break;
		}
	}
	if (mode == M_STATS)
		wk_stats_print(&ob, stats, (size_t)top);
	wk_ob_flush(&ob);
	if (rc != WK_EEOF) {
		fprintf(stderr, "wirekit read: %s: %s after %llu packets\n", path,
			wk_pcap_error(rd)->msg, (unsigned long long)wk_pcap_count(rd));
		status = 1;
	}
out:
	wk_ob_flush(&ob);
	if (wr && wk_pcap_wclose(wr) && status == 0) {
		fprintf(stderr, "wirekit read: %s: %s\n", wpath, wk_pcap_werror(wr)->msg);
		status = 1;
	}
	wk_pcap_close(rd);
	wk_fields_free(fields);
	wk_stats_free(stats);
	for (size_t i = 0; i < filt.n; i++)
		wk_filter_free(filt.f[i]);
	free(filt.expr);
	free(fnames);
	return status;
}
