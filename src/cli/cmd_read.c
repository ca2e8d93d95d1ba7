/* wirekit read FILE [FILTER]: one line per packet like tcpdump -n, or fields, JSON, a
 * layer tree, hex, statistics; optionally writing the matching packets to a file. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "output.h"
#include "wirekit/wirekit.h"

const char *const cmd_read_usage =
    "usage: wirekit read [options] FILE [FILTER...]\n"
    "       wirekit read [options] -r FILE [FILTER...]\n"
    "\n"
    "Read a pcap, pcapng or snoop capture (FILE '-' is standard input) and print one line per\n"
    "packet like tcpdump -n. FILTER is a tcpdump filter expression (pcap-filter(7)).\n"
    "\n"
    "options:\n"
    "  -r FILE           the capture to read (as tcpdump -r)\n"
    "  -c N              stop after N matching packets\n" OUT_USAGE
    "  -w OUT            write the matching packets to OUT (pcap; '-' = stdout)\n"
    "  --pcapng          write OUT as pcapng (also when OUT ends in .pcapng)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 ok, 1 damaged input (every packet before the damage is processed\n"
    "and written first) or write error, 2 usage or bad filter.\n";

/* frame.interface_name: the pcapng IDB's if_name. */
static const char *reader_ifname(const void *arg, uint32_t ifid)
{
	return wk_pcap_ifname(arg, ifid);
}

struct filters {
	char *expr;
	int linktype[8];
	struct wk_filter *f[8];
	size_t n;
};

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

/* -w as pcap from a pcapng file: pcap holds one link type, so the packets that will be
 * written (those the filter passes, up to -c) are walked once before anything is written.
 * *lt is the first one's link type (-1: none), *other one that differs (-1: none). A
 * filter that does not compile is left for the main loop to report. */
static void pcap_out_linktypes(const char *path, struct filters *fs, uint64_t count, int *lt,
                               int *other)
{
	struct wk_error err = {0};
	struct wk_pcap_reader *r = wk_pcap_open(path, &err);
	struct wk_pkt pkt;
	uint64_t n = 0;
	int rc = 0;
	*lt = *other = -1;
	while (r && wk_pcap_next(r, &pkt) == 0) {
		if (fs->expr) {
			struct wk_filter *f = filter_for(fs, (int)pkt.linktype, 262144, &err, &rc);
			if (!f)
				break;
			if (!wk_filter_match(f, pkt.data, pkt.caplen, pkt.wirelen))
				continue;
		}
		if (*lt < 0)
			*lt = (int)pkt.linktype;
		else if ((int)pkt.linktype != *lt) {
			*other = (int)pkt.linktype;
			break;
		}
		if (count && ++n >= count)
			break;
	}
	wk_pcap_close(r);
}

/* --stats over a big pcap or pcapng file: the second part of the file is read, filtered,
 * dissected and counted by a second thread into statistics of its own, added to the first
 * part's when the first reader arrives exactly where the second began (wk_pcap_split). */
struct half {
	pthread_t thread;
	bool running;
	bool stop; /* atomic: the first reader did not arrive; give up */
	struct wk_pcap_reader *rd;
	struct filters filt; /* its own, compiled per link type as they come */
	struct wk_stats *stats;
	int rc;             /* how the second reader ended */
	bool filter_failed; /* ... when a filter did not compile (message in ferr) */
	struct wk_error ferr;
};

static void *half_main(void *arg)
{
	struct half *h = arg;
	struct wk_pkt pkt;
	for (uint64_t n = 1;; n++) {
		if (n % 1024 == 0 && __atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
			h->rc = 0;
			break;
		}
		if ((h->rc = wk_pcap_next(h->rd, &pkt)))
			break;
		if (h->filt.expr) {
			struct wk_filter *f =
			    filter_for(&h->filt, (int)pkt.linktype, 262144, &h->ferr, &h->rc);
			if (!f) {
				h->filter_failed = true;
				break;
			}
			if (!wk_filter_match(f, pkt.data, pkt.caplen, pkt.wirelen))
				continue;
		}
		wk_dissect(&pkt);
		wk_stats_add(h->stats, &pkt);
	}
	return NULL;
}

/* Start the second half when rd can be split; false to read it all in this thread. */
static bool half_start(struct half *h, struct wk_pcap_reader *rd, const char *expr)
{
	if (!(h->rd = wk_pcap_split(rd)))
		return false;
	/* Its table is four times as big: besides its own first conversations it must keep
	 * those the first half knows, which it cannot tell apart. The merged result is then
	 * what one thread counts unless the second half alone has over 4 M conversations. */
	h->stats = wk_stats_new(4 * WK_STATS_CONV_DEFAULT);
	/* the first link type's filter compiled here, as the first half's was */
	int rc = 0;
	h->filt.expr = (char *)expr;
	bool filter_ok =
	    !expr || filter_for(&h->filt, wk_pcap_linktype(rd) < 0 ? 1 : wk_pcap_linktype(rd),
	                        wk_pcap_snaplen(rd), &h->ferr, &rc);
	sigset_t all, old; /* signals stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->running = h->stats && filter_ok && pthread_create(&h->thread, NULL, half_main, h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->running)
		wk_pcap_unsplit(rd); /* no second thread: this one reads it all */
	return h->running;
}

/* Wait for the second half (asking it to give up unless its packets are wanted). */
static void half_join(struct half *h, bool wanted)
{
	if (!h->running)
		return;
	if (!wanted)
		__atomic_store_n(&h->stop, true, __ATOMIC_RELAXED);
	pthread_join(h->thread, NULL);
	h->running = false;
}

static void half_free(struct half *h)
{
	half_join(h, false);
	wk_stats_free(h->stats);
	for (size_t i = 0; i < h->filt.n; i++)
		wk_filter_free(h->filt.f[i]);
	wk_pcap_close(h->rd);
	*h = (struct half){0};
}

int cmd_read(int argc, char **argv)
{
	static const struct option lopts[] = {
	    OUT_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int rc = 0, status = 0;
	struct wk_error err = {0};
	struct wk_pcap_reader *rd = NULL;
	struct wk_pcap_writer *wr = NULL;
	struct filters filt = {0};
	struct half half = {0};
	struct out_opts oo;
	static struct out out;
	out.o = NULL;

	if (out_opts_init(&oo, argc, "read"))
		return 1;
	const char *rpath = NULL;
	if (out_tcpdump_e(argc, argv, OUT_SHORTOPTS "r:h"))
		oo.link = true;
	/* Options anywhere, as tcpdump takes them (wirekit read f.pcap -c 2 tcp); "--"
	 * ends them. */
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":" OUT_SHORTOPTS "r:h", lopts, NULL)) != -1) {
		if (c == 'r') {
			rpath = optarg;
			continue;
		}
		int k = out_opt(&oo, "read", c, optarg);
		if (k > 0)
			continue;
		if (k < 0) {
			status = 2;
			goto out;
		}
		if (c == 'h') {
			fputs(cmd_read_usage, stdout);
			goto out;
		}
		status = out_bad_opt("read", c, argv);
		goto out;
	}
	if (!rpath && optind >= argc) {
		fprintf(stderr,
		        "wirekit read: no capture file given (see 'wirekit read --help')\n");
		status = 2;
		goto out;
	}
	const char *path = rpath ? rpath : argv[optind++];
	if (out_check(&oo, "read")) {
		status = 2;
		goto out;
	}
	/* Opening the output truncates it: when it is the input (a link, a hard link, or
	 * stdout redirected onto it) the mapped input would lose its pages under us. */
	if (oo.wpath && out_same_file(path, oo.wpath)) {
		fprintf(stderr, "wirekit read: -w %s: that is the input file %s\n", oo.wpath, path);
		status = 2;
		goto out;
	}
	if ((status = out_start(&out, &oo, "read")))
		goto out;
	if (optind < argc) {
		filt.expr = out_join_args(argc - optind, argv + optind);
		if (!filt.expr) {
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
	out.ctx.ifaces = wk_pcap_format(rd) == WK_PCAP_FMT_PCAPNG;
	out.ctx.ifname = reader_ifname;
	out.ctx.ifarg = rd;
	/* A bad filter is a usage error even for an empty file: compile it up front. */
	if (filt.expr) {
		int lt = wk_pcap_linktype(rd);
		if (!filter_for(&filt, lt < 0 ? 1 : lt, wk_pcap_snaplen(rd), &err, &rc)) {
			fprintf(stderr, "wirekit read: filter '%s': %s\n", filt.expr, err.msg);
			status = 2;
			goto out;
		}
	}
	if (oo.wpath) {
		int lt = wk_pcap_linktype(rd);
		if (!oo.pcapng && wk_pcap_format(rd) == WK_PCAP_FMT_PCAPNG && strcmp(path, "-")) {
			int first, other;
			pcap_out_linktypes(path, &filt, oo.count, &first, &other);
			if (other >= 0) {
				fprintf(
				    stderr,
				    "wirekit read: -w %s: %s has packets of link types %d and %d, "
				    "and pcap holds one: add --pcapng (or a filter that keeps "
				    "one)\n",
				    oo.wpath, path, first, other);
				status = 2;
				goto out;
			}
			if (first >= 0)
				lt = first;
		}
		struct wk_pcap_wopts wo = {
		    .format = oo.pcapng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP,
		    .linktype = (uint32_t)(lt < 0 ? 1 : lt),
		    .snaplen = wk_pcap_snaplen(rd),
		    .nsec = true,
		    .app = "wirekit " WIREKIT_VERSION,
		};
		wr = wk_pcap_wopen(oo.wpath, &wo, &err);
		if (!wr) {
			fprintf(stderr, "wirekit read: %s: %s\n", oo.wpath, err.msg);
			status = 1;
			goto out;
		}
		if (!strcmp(oo.wpath, "-"))
			out.fd = 2; /* the capture owns stdout */
	}
	if (oo.mode == OUT_LINE) { /* tcpdump's banner, on stderr as tcpdump has it */
		int lt = wk_pcap_linktype(rd);
		const char *name, *desc;
		fprintf(stderr, "reading from file %s", path);
		if (lt >= 0 && wk_linktype_name(lt, &name, &desc))
			fprintf(stderr, ", link-type %s (%s)", name, desc);
		else if (lt >= 0)
			fprintf(stderr, ", link-type %d", lt);
		uint32_t snap = wk_pcap_snaplen(rd); /* libpcap: 0 or negative = its max */
		fprintf(stderr, ", snapshot length %" PRIu32 "\n",
		        snap && snap <= INT32_MAX ? snap : 262144);
	}
	/* Like tcpdump, -w alone prints nothing; asked-for output still comes. */
	out.print = !wr || oo.mode != OUT_LINE || oo.hex;
	/* Statistics do not depend on the order packets are counted in across the halves
	 * (wk_stats_merge), -c and -w do. */
	bool split = oo.mode == OUT_STATS && !oo.count && !wr && half_start(&half, rd, filt.expr);
	if (!split)
		half_free(&half);

	struct wk_pkt pkt;
	uint64_t shown = 0;
	for (;;) {
		rc = wk_pcap_next(rd, &pkt);
		if (rc)
			break;
		if (filt.expr) {
			struct wk_filter *f =
			    filter_for(&filt, (int)pkt.linktype, 262144, &err, &rc);
			if (!f) {
				wk_ob_flush(&out.ob);
				fprintf(stderr, "wirekit read: filter '%s': %s\n", filt.expr,
				        err.msg);
				status = 2;
				goto out;
			}
			if (!wk_filter_match(f, pkt.data, pkt.caplen, pkt.wirelen)) {
				out_skip(&out, &pkt);
				continue;
			}
		}
		if (wr && wk_pcap_write(wr, &pkt, NULL)) {
			wk_ob_flush(&out.ob);
			fprintf(stderr, "wirekit read: %s: %s\n", oo.wpath,
			        wk_pcap_werror(wr)->msg);
			status = 1;
			goto out;
		}
		if (out_packet(&out, &pkt, NULL)) {
			status = 1; /* stdout unwritable: said once at the end */
			goto out;
		}
		if (oo.count && ++shown >= oo.count) {
			rc = WK_EEOF;
			break;
		}
	}
	const struct wk_pcap_reader *ended = rd; /* the reader whose end is the file's */
	uint64_t total = wk_pcap_count(rd);
	if (split) {
		bool joined = rc == WK_EEOF && wk_pcap_split_reached(rd);
		half_join(&half, joined);
		if (joined && half.filter_failed) { /* as the first half would have stopped */
			wk_ob_flush(&out.ob);
			fprintf(stderr, "wirekit read: filter '%s': %s\n", filt.expr,
			        half.ferr.msg);
			status = 2;
			goto out;
		}
		if (joined) {
			wk_stats_merge(out.stats, half.stats);
			rc = half.rc;
			ended = half.rd;
			total += wk_pcap_count(half.rd);
		}
	}
	out_end(&out);
	if (rc != WK_EEOF) {
		fprintf(stderr, "wirekit read: %s: %s after %llu packets\n", path,
		        wk_pcap_error(ended)->msg, (unsigned long long)total);
		status = 1;
	}
out:
	if (out.o)
		wk_ob_flush(&out.ob);
	if (out_write_failed(&out, "read"))
		status = 1;
	if (wr && wk_pcap_wclose_err(wr, &err) && status == 0) {
		fprintf(stderr, "wirekit read: %s: %s\n", oo.wpath, err.msg);
		status = 1;
	}
	half_free(&half); /* before rd: the second reader reads rd's mapping */
	wk_pcap_close(rd);
	out_free(&out);
	for (size_t i = 0; i < filt.n; i++)
		wk_filter_free(filt.f[i]);
	free(filt.expr);
	out_opts_fini(&oo);
	return status;
}
