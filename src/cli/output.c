/* Output options and per-packet output shared by read and sniff (see output.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "parse.h"

/* " (see 'wirekit CMD --help')", the pointer every usage error ends with. */
static const char *help_hint(const char *cmd)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), " (see 'wirekit %s --help')", cmd);
	return buf;
}

static int write_errno; /* why the last out_fd_flush failed */

int out_fd_flush(void *ctx, const char *p, size_t n)
{
	int fd = *(int *)ctx;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			write_errno = errno;
			return WK_ESYS;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* "-" is the standard stream fd; stat follows symbolic links, so a link, a hard link and
 * the name itself all come to the same device and inode. */
static bool stat_path(const char *path, int fd, struct stat *st)
{
	return strcmp(path, "-") ? stat(path, st) == 0 : fstat(fd, st) == 0;
}

bool out_same_file(const char *in, const char *out)
{
	struct stat a, b;
	if (!stat_path(in, STDIN_FILENO, &a) || !stat_path(out, STDOUT_FILENO, &b))
		return false; /* an output that does not exist yet is not the input */
	return S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool out_pcapng_name(const char *path)
{
	size_t n = strlen(path);
	return n > 7 && !strcasecmp(path + n - 7, ".pcapng");
}

char *out_join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]);
		if (i)
			s[n++] = ' ';
		memcpy(s + n, argv[i], k);
		n += k;
	}
	s[n] = '\0';
	return s;
}

static char sep_char(const char *v)
{
	if (!strcmp(v, "/t"))
		return '\t';
	if (!strcmp(v, "/s"))
		return ' ';
	return v[0];
}

int out_bad_opt(const char *cmd, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		fprintf(stderr, "wirekit %s: option '%s' needs a value (see 'wirekit %s --help')\n",
		        cmd, arg, cmd);
	else if (optopt > 0 && optopt < 128 && arg[0] == '-' && arg[1] != '-')
		fprintf(stderr, "wirekit %s: unknown option '-%c' (see 'wirekit %s --help')\n", cmd,
		        optopt, cmd);
	else
		fprintf(stderr, "wirekit %s: unknown option '%s' (see 'wirekit %s --help')\n", cmd,
		        arg, cmd);
	return 2;
}

/* tshark's -E: separator=, aggregator=, occurrence=, header=, quote=. 1, or -1. */
static int e_opt(struct out_opts *o, const char *cmd, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t kn = eq ? (size_t)(eq - arg) : strlen(arg);
	uint64_t n;
#define KEY(k) (kn == sizeof(k) - 1 && !strncmp(arg, k, kn))
	if (KEY("separator") && *v)
		o->sep = sep_char(v);
	else if (KEY("aggregator") && *v)
		o->occ = !strcmp(v, ",") ? ',' : sep_char(v);
	else if (KEY("occurrence") && (!strcmp(v, "a") || !strcmp(v, "f") || !strcmp(v, "l")))
		o->occurrence = v[0] == 'a' ? 0 : v[0] == 'f' ? 1 : -1;
	else if (KEY("occurrence") && cli_parse_u64(v, &n) && n > 0 && n < 1000000)
		o->occurrence = (int)n;
	else if (KEY("header") && (!strcmp(v, "y") || !strcmp(v, "n")))
		o->header = v[0] == 'y';
	else if (KEY("quote") && (!strcmp(v, "d") || !strcmp(v, "s") || !strcmp(v, "n")))
		o->quote = v[0] == 'd' ? '"' : v[0] == 's' ? '\'' : 0;
	else {
		fprintf(stderr,
		        "wirekit %s: -E: expected separator=C, aggregator=C, occurrence=a|f|l|N, "
		        "header=y|n or quote=d|s|n, not '%s'%s\n",
		        cmd, arg, help_hint(cmd));
		return -1;
	}
#undef KEY
	return 1;
}

int out_opts_init(struct out_opts *o, int argc, const char *cmd)
{
	*o = (struct out_opts){
	    .mode = OUT_LINE, .top = 10, .sep = '\t', .occ = ',', .tfmt = WK_TIME_ABS};
	o->fnames = calloc((size_t)argc + 1, sizeof(*o->fnames));
	if (!o->fnames) {
		fprintf(stderr, "wirekit %s: out of memory\n", cmd);
		return 1;
	}
	return 0;
}

void out_opts_fini(struct out_opts *o)
{
	free(o->fnames);
	o->fnames = NULL;
}

static const struct {
	const char *name;
	enum wk_time_fmt f;
} tfmts[] = {
    {"abs", WK_TIME_ABS}, {"date", WK_TIME_DATE},   {"epoch", WK_TIME_EPOCH},
    {"rel", WK_TIME_REL}, {"delta", WK_TIME_DELTA}, {"none", WK_TIME_NONE},
};

int out_opt(struct out_opts *o, const char *cmd, int c, const char *arg)
{
	switch (c) {
	case 'c':
		if (!cli_parse_u64(arg, &o->count) || o->count == 0) {
			fprintf(stderr, "wirekit %s: -c: not a positive count: '%s'%s\n", cmd, arg,
			        help_hint(cmd));
			return -1;
		}
		return 1;
	case 't':
		for (size_t i = 0; i < WK_ARRAY_SIZE(tfmts); i++)
			if (!strcmp(arg, tfmts[i].name)) {
				o->tfmt = tfmts[i].f;
				return 1;
			}
		fprintf(stderr,
		        "wirekit %s: -t: unknown time format '%s' (abs, date, epoch, rel, delta, "
		        "none)%s\n",
		        cmd, arg, help_hint(cmd));
		return -1;
	case 'V':
		o->mode = OUT_TREE;
		o->modes |= 1u << OUT_TREE;
		return 1;
	case 'x':
		o->hex = true;
		return 1;
	case 'X':
		o->hex_net = true;
		return 1;
	case 'n': /* tcpdump's "no names": we never resolve */
		return 1;
	case 'S':
		o->abs_seq = true;
		return 1;
	case 'v':
		if (o->verbose < 2)
			o->verbose++;
		return 1;
	case OUT_OPT_LINK:
		o->link = true;
		return 1;
	case OUT_OPT_JSON:
		o->mode = OUT_JSON;
		o->modes |= 1u << OUT_JSON;
		return 1;
	case OUT_OPT_STATS:
		o->mode = OUT_STATS;
		o->modes |= 1u << OUT_STATS;
		return 1;
	case OUT_OPT_PCAPNG:
		o->pcapng = true;
		return 1;
	case OUT_OPT_TOP:
		if (!cli_parse_u64(arg, &o->top)) {
			fprintf(stderr, "wirekit %s: --top: not a count: '%s'%s\n", cmd, arg,
			        help_hint(cmd));
			return -1;
		}
		o->top_set = true;
		return 1;
	case 'T':
		if (strcmp(arg, "fields")) {
			fprintf(stderr, "wirekit %s: -T: only 'fields' is known, not '%s'%s\n", cmd,
			        arg, help_hint(cmd));
			return -1;
		}
		o->mode = OUT_FIELDS;
		o->modes |= 1u << OUT_FIELDS;
		return 1;
	case 'e':
		o->fnames[o->nf++] = arg;
		return 1;
	case 'E':
		return e_opt(o, cmd, arg);
	case 'w':
		o->wpath = arg;
		o->pcapng |= out_pcapng_name(arg);
		return 1;
	default:
		return 0;
	}
}

/* Whether letter c takes a value in getopt string opts. */
static bool takes_value(const char *opts, char c)
{
	const char *p = c && c != ':' && c != '+' ? strchr(opts, c) : NULL;
	return p && p[1] == ':';
}

bool out_tcpdump_e(int argc, char **argv, const char *shortopts)
{
	/* argv's strings may be constant (tests): a changed word is a copy kept here */
	static char copies[4][32];
	unsigned ncopies = 0;
	bool found = false;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 1; i < argc; i++) {
			char *a = argv[i];
			if (!strcmp(a, "--"))
				break;
			if (a[0] != '-' || a[1] == '-' || !a[1])
				continue;
			for (char *c = a + 1; *c; c++) {
				if (pass == 0 && *c == 'T')
					return false; /* -T fields: every -e names a field */
				if (pass == 1 && *c == 'e') {
					size_t n = strlen(a);
					if (ncopies == WK_ARRAY_SIZE(copies) ||
					    n >= sizeof(copies[0]))
						break; /* left to getopt as tshark's -e */
					char *w = copies[ncopies++];
					memcpy(w, a, n + 1);
					c = w + (c - a);
					*c = 'n';
					argv[i] = a = w;
					found = true;
					continue;
				}
				if (takes_value(shortopts, *c)) {
					if (!c[1])
						i++; /* the value is the next word */
					break;
				}
			}
		}
	}
	return found;
}

/* The options that replace the packet lines, by mode. */
static const char *const mode_names[] = {
    [OUT_TREE] = "-V", [OUT_JSON] = "--json", [OUT_FIELDS] = "-T fields", [OUT_STATS] = "--stats"};

int out_check(const struct out_opts *o, const char *cmd)
{
	/* Each of these replaces the packet lines: given together, all but one would be
	 * dropped without a word. */
	if (o->modes & (o->modes - 1)) {
		fprintf(stderr, "wirekit %s: choose one output of", cmd);
		for (unsigned m = OUT_TREE; m <= OUT_STATS; m++)
			if (o->modes & (1u << m))
				fprintf(stderr, " %s", mode_names[m]);
		fprintf(stderr, " (see 'wirekit %s --help')\n", cmd);
		return -1;
	}
	if (o->top_set && o->mode != OUT_STATS) {
		fprintf(stderr, "wirekit %s: --top is a --stats option%s\n", cmd, help_hint(cmd));
		return -1;
	}
	if (o->verbose && o->modes) {
		fprintf(stderr, "wirekit %s: -v changes the one-line output only, not %s%s\n", cmd,
		        mode_names[o->mode], help_hint(cmd));
		return -1;
	}
	if (o->hex && (o->mode == OUT_STATS || o->mode == OUT_JSON)) {
		fprintf(stderr, "wirekit %s: -x does not go with %s%s\n", cmd,
		        o->mode == OUT_STATS ? "--stats" : "--json", help_hint(cmd));
		return -1;
	}
	if (o->mode == OUT_FIELDS && o->nf == 0) {
		fprintf(stderr, "wirekit %s: -T fields needs at least one -e FIELD%s\n", cmd,
		        help_hint(cmd));
		return -1;
	}
	if (o->nf && o->mode != OUT_FIELDS) {
		fprintf(stderr, "wirekit %s: -e needs -T fields%s\n", cmd, help_hint(cmd));
		return -1;
	}
	return 0;
}

int out_start(struct out *out, const struct out_opts *o, const char *cmd)
{
	out->o = o;
	out->fd = 1;
	out->print = true;
	out->err_told = false;
	out->po = (struct wk_print_opts){
	    .tfmt = o->tfmt, .abs_seq = o->abs_seq, .link = o->link, .verbose = o->verbose};
	/* tcpdump keeps every flow; 65,536 bound the memory at about 3 MiB, a new flow taking
	 * an old one's place beyond it (without memory the numbers stay absolute) */
	if (!o->abs_seq && o->mode == OUT_LINE)
		out->po.flows = wk_flowtab_new(1 << 16);
	out->fields = NULL;
	out->stats = NULL;
	out->ctx = (struct wk_pkt_ctx){.tcp_stream = UINT32_MAX};
	out->use_ctx = o->mode == OUT_FIELDS || o->mode == OUT_TREE || o->mode == OUT_JSON;
	wk_ob_init(&out->ob, out->mem, sizeof(out->mem), out_fd_flush, &out->fd);
	if (o->mode == OUT_FIELDS) {
		struct wk_error err = {0};
		out->fields = wk_fields_new(o->fnames, o->nf, o->sep, o->occ, &err);
		if (!out->fields) {
			fprintf(stderr, "wirekit %s: %s\n", cmd, err.msg);
			return 2;
		}
		wk_fields_format(out->fields, o->occurrence, o->quote);
		if (wk_fields_need_streams(out->fields))
			out->ctx.streams = wk_streams_new(1 << 16);
		for (size_t i = 0; o->header && i < o->nf; i++) {
			wk_ob_puts(&out->ob, o->fnames[i]);
			wk_ob_putc(&out->ob, i + 1 < o->nf ? o->sep : '\n');
		}
	}
	if (o->mode == OUT_TREE || o->mode == OUT_JSON)
		out->ctx.streams = wk_streams_new(1 << 16);
	if (o->mode == OUT_STATS) {
		out->stats = wk_stats_new(WK_STATS_CONV_DEFAULT);
		if (!out->stats) {
			fprintf(stderr, "wirekit %s: out of memory\n", cmd);
			return 1;
		}
	}
	return 0;
}

int out_packet(struct out *out, struct wk_pkt *pkt, const char *note)
{
	if (!out->print)
		return out->ob.err;
	wk_dissect(pkt);
	if (out->use_ctx)
		wk_pktctx_before(&out->ctx, pkt);
	struct wk_ob *ob = &out->ob;
	switch (out->o->mode) {
	case OUT_LINE:
		wk_print_line(ob, &out->po, pkt);
		if (note && ob->len && ob->p[ob->len - 1] == '\n') {
			ob->len--; /* the note goes on the packet's own line */
			wk_ob_puts(ob, " (");
			wk_ob_puts(ob, note);
			wk_ob_puts(ob, ")\n");
		}
		break;
	case OUT_TREE:
		wk_print_tree(ob, pkt);
		if (note) {
			wk_ob_puts(ob, "    [");
			wk_ob_puts(ob, note);
			wk_ob_puts(ob, "]\n");
		}
		break;
	case OUT_JSON:
		wk_print_json(ob, pkt);
		break;
	case OUT_FIELDS:
		wk_fields_print(ob, out->fields, pkt);
		break;
	case OUT_STATS:
		wk_stats_add(out->stats, pkt);
		break;
	}
	if (out->o->hex && out->o->mode != OUT_STATS && out->o->mode != OUT_JSON)
		wk_print_hex(ob, pkt->data, pkt->caplen);
	else if (out->o->hex_net && out->o->mode != OUT_STATS && out->o->mode != OUT_JSON) {
		/* tcpdump -X starts after the link-layer headers */
		uint32_t off = 0;
		for (unsigned i = 1; i < pkt->nlayers; i++)
			if (!(pkt->l[i].proto->flags & WK_PF_LINK)) {
				off = pkt->l[i].off;
				break;
			} else if (i + 1 == pkt->nlayers)
				off = pkt->l[i].off + pkt->l[i].hlen;
		if (off <= pkt->caplen)
			wk_print_hex(ob, pkt->data + off, pkt->caplen - off);
	}
	if (out->use_ctx) {
		wk_pktctx_after(&out->ctx, pkt, true);
		pkt->ctx = NULL; /* the state moves on */
	}
	return ob->err;
}

void out_skip(struct out *out, const struct wk_pkt *pkt)
{
	if (out->use_ctx)
		wk_pktctx_after(&out->ctx, pkt, false);
}

void out_end(struct out *out)
{
	if (out->o->mode == OUT_STATS)
		wk_stats_print(&out->ob, out->stats, (size_t)out->o->top);
	wk_ob_flush(&out->ob);
}

int out_write_failed(struct out *out, const char *cmd)
{
	if (!out->o || !out->ob.err)
		return 0;
	if (!out->err_told) {
		out->err_told = true;
		fprintf(stderr, "wirekit %s: %s: write: %s\n", cmd,
		        out->fd == 2 ? "standard error" : "standard output",
		        out->ob.err == WK_ESYS ? strerror(write_errno) : "out of memory");
	}
	return 1;
}

void out_free(struct out *out)
{
	if (!out)
		return;
	wk_fields_free(out->fields);
	wk_stats_free(out->stats);
	wk_streams_free(out->ctx.streams);
	out->ctx.streams = NULL;
	wk_print_opts_fini(&out->po);
	out->fields = NULL;
	out->stats = NULL;
}
