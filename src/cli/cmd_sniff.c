/* wirekit sniff [FILTER]: live capture on a packet socket (TPACKET_V3 ring, filter in the
 * kernel, promiscuous mode that ends with the socket) or a raw IP socket, printed like
 * read and/or written to pcap/pcapng files as packets arrive, with tcpdump's rotation. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "output.h"
#include "privs.h"
#include "sniffopt.h"
#include "wirekit/capture.h"

#define BATCH         256
#define NAME_MAX_LEN  4096
#define DRAIN_MS      250 /* at most this long reading what was captured before a stop */
#define DRAIN_WAIT_MS 30  /* a little over the ring's block timeout */
/* Record overheads used to track a file's size for -C (pcap: 16-byte record header;
 * pcapng: 32-byte EPB plus padding to 4). */
#define PCAP_REC_HDR   16u
#define PCAPNG_EPB_HDR 32u

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The files this run made, by device and inode, with the packets each holds: a name used
 * again (the -W ring, -G without a time in the name, a time that repeats such as %M)
 * truncates a file, and its packets are no longer kept. Open addressing, grown by
 * doubling; only looked up when a name exists already. */
struct made_file {
	dev_t dev;
	ino_t ino;
	uint64_t pkts;
	bool used;
};

struct files {
	const struct sniff_opts *so;
	struct wk_pcap_wopts wo;
	struct wk_pcap_writer *wr;
	char name[NAME_MAX_LEN];
	unsigned seq;     /* -C files within the current -G period (a ring index with -W) */
	uint64_t made;    /* files opened */
	int64_t period;   /* -G: start of the current period (packet time, seconds) */
	uint64_t size;    /* bytes in the current file */
	uint64_t written; /* packets, all files, known to have reached them (flushed) */
	uint64_t pending; /* packets given to the writer since its last flush */
	bool failed;      /* a write error was reported: say it once */
	uint64_t kept;    /* packets in the files that still exist */
	uint64_t cur;     /* packets in the current file */
	struct stat cur_st;
	struct made_file *tab;
	size_t tab_cap, tab_n;
};

static struct made_file *made_slot(struct made_file *tab, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = ((size_t)ino * 0x9E3779B97F4A7C15ull ^ (size_t)dev) & (cap - 1);
	while (tab[i].used && !(tab[i].dev == dev && tab[i].ino == ino))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Remember that the current file holds f->cur packets. false when out of memory (the
 * count of kept packets may then be too high; the files themselves are fine). */
static bool made_put(struct files *f)
{
	if (2 * (f->tab_n + 1) > f->tab_cap) {
		size_t cap = f->tab_cap ? 2 * f->tab_cap : 64;
		struct made_file *t = calloc(cap, sizeof(*t));
		if (!t)
			return false;
		for (size_t i = 0; i < f->tab_cap; i++)
			if (f->tab[i].used)
				*made_slot(t, cap, f->tab[i].dev, f->tab[i].ino) = f->tab[i];
		free(f->tab);
		f->tab = t;
		f->tab_cap = cap;
	}
	struct made_file *m = made_slot(f->tab, f->tab_cap, f->cur_st.st_dev, f->cur_st.st_ino);
	if (!m->used)
		f->tab_n++;
	*m = (struct made_file){f->cur_st.st_dev, f->cur_st.st_ino, f->cur, true};
	return true;
}

/* The name is about to be truncated: packets of ours in it are lost. */
static void made_lose(struct files *f, const char *name)
{
	struct stat st;
	if (!f->tab_cap || stat(name, &st))
		return;
	struct made_file *m = made_slot(f->tab, f->tab_cap, st.st_dev, st.st_ino);
	if (m->used) {
		f->kept -= m->pkts;
		m->pkts = 0;
	}
}

static int files_open(struct files *f, time_t t)
{
	const char *path = f->so->out.wpath;
	if (sniff_file_name(f->name, sizeof(f->name), path, f->so->rot_secs != 0, t, f->seq,
	                    sniff_name_width(f->so))) {
		fprintf(stderr, "wirekit sniff: -w %s: no usable file name\n", path);
		return 1;
	}
	struct wk_error err = {0};
	made_lose(f, f->name);
	f->wr = wk_pcap_wopen(f->name, &f->wo, &err);
	if (!f->wr) {
		uid_t uid = geteuid();
		struct passwd *pw = getpwuid(uid);
		fprintf(stderr, "wirekit sniff: %s: %s (writing as user %s)\n", f->name, err.msg,
		        pw ? pw->pw_name : "?");
		return 1;
	}
	if (strcmp(f->name, "-") == 0 || stat(f->name, &f->cur_st))
		memset(&f->cur_st, 0, sizeof(f->cur_st));
	f->size = 0;
	f->cur = 0;
	f->made++;
	return 0;
}

/* A write error of the current file, reported once (the writer's error is sticky: the
 * flush and the close after it would repeat it). Returns 1. */
static int files_failed(struct files *f, const struct wk_error *err)
{
	if (!f->failed)
		fprintf(stderr, "wirekit sniff: %s: %s\n", f->name, err->msg);
	f->failed = true;
	f->pending = 0; /* not known to have reached the file */
	return 1;
}

/* The packets given to the writer reached the file: count them. */
static void files_confirm(struct files *f)
{
	f->written += f->pending;
	f->kept += f->pending;
	f->pending = 0;
}

static int files_flush(struct files *f)
{
	if (!f->wr)
		return 0;
	if (wk_pcap_flush(f->wr))
		return files_failed(f, wk_pcap_werror(f->wr));
	files_confirm(f);
	return 0;
}

static int files_close(struct files *f)
{
	if (!f->wr)
		return 0;
	struct wk_error err = {0};
	int rc = wk_pcap_wclose_err(f->wr, &err);
	f->wr = NULL;
	if (rc)
		return files_failed(f, &err);
	files_confirm(f);
	if (f->cur_st.st_ino && !made_put(f))
		fprintf(stderr, "wirekit sniff: out of memory: the count of kept packets may be "
		                "too high\n");
	return 0;
}

/* Rotate before writing pkt when its -G period is over or -C's size was passed, then
 * write it. 0; 1 with the message printed; 2 when -G -W's last file is over (capture
 * done, pkt not written). As tcpdump: -W with both -C and -G only pads the names. */
static int files_write(struct files *f, const struct wk_pkt *pkt)
{
	const struct sniff_opts *so = f->so;
	bool rotate = false;
	if (so->rot_secs) {
		int64_t period = pkt->ts_sec - pkt->ts_sec % (int64_t)so->rot_secs;
		if (period != f->period) {
			if (so->rot_files && !so->rot_bytes && f->made >= so->rot_files)
				return 2;
			f->period = period;
			f->seq = 0;
			rotate = true;
		}
	}
	if (!rotate && so->rot_bytes && f->size > so->rot_bytes) {
		f->seq++;
		if (so->rot_files && !so->rot_secs && f->seq >= so->rot_files)
			f->seq = 0; /* the ring: the oldest file is written over */
		rotate = true;
	}
	if (rotate) {
		if (files_close(f) || files_open(f, (time_t)pkt->ts_sec))
			return 1;
	}
	if (wk_pcap_write(f->wr, pkt, NULL))
		return files_failed(f, wk_pcap_werror(f->wr));
	uint32_t cap = pkt->caplen < f->wo.snaplen ? pkt->caplen : f->wo.snaplen;
	f->size += f->wo.format == WK_PCAP_FMT_PCAPNG ? PCAPNG_EPB_HDR + ((cap + 3u) & ~3u)
	                                              : PCAP_REC_HDR + cap;
	f->pending++;
	f->cur++;
	return 0;
}

static void print_counts(struct wk_capture *cap, const struct files *f, const char *when)
{
	struct wk_capture_stats st = {0};
	if (wk_capture_stats(cap, &st))
		fprintf(stderr, "wirekit sniff: %s\n", wk_capture_error(cap)->msg);
	fprintf(stderr,
	        "wirekit sniff: %s%llu packets received, %llu dropped by kernel, %llu written\n",
	        when, (unsigned long long)st.received, (unsigned long long)st.dropped,
	        (unsigned long long)f->written);
	if (f->kept != f->written)
		fprintf(
		    stderr,
		    "wirekit sniff: %s%llu of them in the files kept, %llu in files written over "
		    "(a name used again)\n",
		    when, (unsigned long long)f->kept, (unsigned long long)(f->written - f->kept));
}

/* Write and print a batch. true when the capture is over: -c reached, or an output error
 * (status set to 1, message printed). */
static bool take(struct out *out, struct files *f, const struct sniff_opts *so, struct wk_pkt *pkts,
                 const uint32_t *pflags, int n, uint64_t *seen, int *status)
{
	for (int i = 0; i < n; i++) {
		int rc = f->wr ? files_write(f, &pkts[i]) : 0;
		if (rc) {
			*status = rc == 1 ? 1 : *status;
			return true;
		}
		const char *note = (pflags[i] & WK_CAP_CSUM_NOTREADY) ? "checksum offloaded" : NULL;
		if (out_packet(out, &pkts[i], note)) {
			*status = 1; /* stdout closed or unwritable */
			return true;
		}
		if (so->out.count && ++*seen >= so->out.count)
			return true;
	}
	return false;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns, the loop ends cleanly */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN; /* a closed stdout is an error we report, not a death */
	sigaction(SIGPIPE, &sa, NULL);
}

int cmd_sniff(int argc, char **argv)
{
	struct sniff_opts so;
	struct wk_capture *cap = NULL;
	struct files files = {.so = &so};
	static struct out out;
	static struct wk_pkt pkts[BATCH];
	static uint32_t pflags[BATCH];
	int status = sniff_parse(argc, argv, &so);
	out.o = NULL;
	if (status) {
		if (status < 0)
			status = 0;
		goto out;
	}
	if ((status = out_start(&out, &so.out, "sniff")))
		goto out;

	/* Signals first: a SIGTERM during open must still end in a closed socket. */
	stop_sig = 0;
	catch_signals();
	struct wk_error err = {0};
	struct wk_capture_opts co = {
	    .ifname = so.iface,
	    .snaplen = so.snaplen,
	    .buffer_size = so.bufsize,
	    .promisc = so.promisc,
	    .filter = so.filter,
	    .raw_ip_proto = so.raw_proto,
	};
	cap = wk_capture_open(&co, &err);
	if (!cap) {
		fprintf(stderr, "wirekit sniff: %s\n", err.msg);
		status = err.code == WK_EPERM ? 3 : err.code == WK_EINVAL && so.filter ? 2 : 1;
		goto out;
	}
	/* Socket and ring are open: root is no longer needed (tcpdump's -Z). Dropped before
	 * the first file is opened, as tcpdump does, so every file of a rotation has one
	 * owner and a directory the user cannot write to shows at once. */
	if (so.user ? strcmp(so.user, "root") != 0 : geteuid() == 0) {
		if ((status = cli_drop_privileges("sniff", so.user ? so.user : "nobody")))
			goto out;
	}
	if (so.out.wpath) {
		files.wo = (struct wk_pcap_wopts){
		    .format = so.out.pcapng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP,
		    .linktype = (uint32_t)wk_capture_linktype(cap),
		    .snaplen = wk_capture_snaplen(cap),
		    .nsec = true,
		    .app = "wirekit " WIREKIT_VERSION,
		    .ifname = wk_capture_ifname(cap),
		};
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		if (so.rot_secs)
			files.period = rt.tv_sec - rt.tv_sec % (int64_t)so.rot_secs;
		if ((status = files_open(&files, rt.tv_sec)))
			goto out;
		if (!strcmp(so.out.wpath, "-"))
			out.fd = 2; /* the capture owns stdout */
	}
	out.print = !files.wr || so.out.mode != OUT_LINE || so.out.hex;
	fprintf(stderr, "wirekit sniff: listening on %s, link-type %d, snapshot length %u bytes\n",
	        wk_capture_ifname(cap), wk_capture_linktype(cap), wk_capture_snaplen(cap));

	uint64_t start = now_ms(), next_stats = so.stats_ms ? start + so.stats_ms : 0;
	uint64_t seen = 0;
	bool done = false;
	while (!done && !stop_sig) {
		uint64_t now = now_ms();
		int64_t wait = 1000;
		if (so.duration_ms) {
			if (now >= start + so.duration_ms)
				break;
			if ((int64_t)(start + so.duration_ms - now) < wait)
				wait = (int64_t)(start + so.duration_ms - now);
		}
		if (next_stats) {
			if (now >= next_stats) {
				wk_ob_flush(&out.ob);
				print_counts(cap, &files, "");
				next_stats += so.stats_ms;
				if (next_stats <= now)
					next_stats = now + so.stats_ms;
			}
			if ((int64_t)(next_stats - now) < wait)
				wait = (int64_t)(next_stats - now);
		}
		int n = wk_capture_recv_batch(cap, pkts, pflags, BATCH, (int)wait);
		if (n < 0) {
			wk_ob_flush(&out.ob);
			fprintf(stderr, "wirekit sniff: %s\n", wk_capture_error(cap)->msg);
			status = 1;
			break;
		}
		done = take(&out, &files, &so, pkts, pflags, n, &seen, &status);
		/* Written as they arrive: each batch reaches the file before we wait again. */
		if (n > 0 && !done && files_flush(&files)) {
			status = 1;
			break;
		}
		if (n > 0 && so.out.mode != OUT_STATS)
			wk_ob_flush(&out.ob);
	}
	/* Stopped by a signal or --duration: what the kernel already put in the ring was
	 * captured, so it is written too. One block timeout lets the kernel hand over its
	 * partly filled block; a flood that never pauses is cut after DRAIN_MS. */
	if (status == 0 && !done) {
		uint64_t until = now_ms() + DRAIN_MS;
		while (now_ms() < until) {
			int n = wk_capture_recv_batch(cap, pkts, pflags, BATCH, DRAIN_WAIT_MS);
			if (n <= 0)
				break;
			done = take(&out, &files, &so, pkts, pflags, n, &seen, &status);
			if (done)
				break;
		}
	}
	out_end(&out);
	if (out_write_failed(&out, "sniff"))
		status = 1;
	if (files_close(&files))
		status = 1;
	print_counts(cap, &files, "");
out:
	if (out.o)
		wk_ob_flush(&out.ob);
	if (out_write_failed(&out, "sniff"))
		status = 1;
	files_close(&files);
	free(files.tab);
	wk_capture_close(cap);
	out_free(&out);
	sniff_opts_fini(&so);
	return status;
}
