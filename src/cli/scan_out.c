/* wirekit scan, the output side: result writers on buffered file descriptors (JSON Lines
 * flushed per result), the journal of what was reported (scan_resume.c), the periodic
 * save of the resume file, and the progress line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "parse.h"
#include "scan_cli.h"
#include "wirekit/pace.h"

#define SAVE_EVERY_NS (2ull * 1000000000ull)

/* Where the last occurrence of pat (n bytes) ends in fd's first size bytes, -1 if none:
 * 64 KiB windows from the end, overlapping by n - 1 so no match is cut. */
static off_t last_end_of(int fd, off_t size, const char *pat, size_t n)
{
	enum { WIN = 65536 };
	static char buf[WIN];
	off_t end = size;
	while (end >= (off_t)n) {
		off_t at = end > WIN ? end - WIN : 0;
		ssize_t got = pread(fd, buf, (size_t)(end - at), at);
		if (got != end - at)
			return -1;
		off_t best = -1;
		for (const char *p = buf, *stop = buf + got;
		     (p = memmem(p, (size_t)(stop - p), pat, n)); p++)
			best = at + (p - buf) + (off_t)n;
		if (best >= 0 || !at)
			return best;
		end = at + (off_t)n - 1;
	}
	return -1;
}

/* A resumed scan's -oX continues the interrupted scan's document: the file (ours: its
 * nmaprun says scanner="wirekit") is cut after its last host, else after its preamble (a
 * killed scan writes its hosts at the end), and this run writes no second preamble, so
 * xsltproc and ndiff read one document. 1: continued; 0: nothing to continue (empty, or
 * not a wirekit XML file: appended to as it is); -1: an error (errno). */
static int xml_continue(const char *path, int wfd)
{
	static const char host_end[] = "</host>\n", pre_end[] = "<debugging level=\"0\"/>\n",
	                  ours[] = "<nmaprun scanner=\"wirekit\"";
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		goto out;
	off_t head = st.st_size < 65536 ? st.st_size : 65536;
	off_t pre = last_end_of(fd, head, pre_end, sizeof(pre_end) - 1);
	if (pre < 0 || last_end_of(fd, head, ours, sizeof(ours) - 1) < 0)
		goto out;
	off_t cut = last_end_of(fd, st.st_size, host_end, sizeof(host_end) - 1);
	if (cut < pre)
		cut = pre;
	rc = ftruncate(wfd, cut) ? -1 : 1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* An output's flush: on a write error (a full disk...) it says which file once, and cuts a
 * file of ours back to its last whole line, so a JSON Lines file holds only whole lines
 * (the error is sticky in the buffer: nothing more goes to that output). */
static int out_flush(void *ctx, const char *p, size_t n)
{
	struct scan_out *o = ctx;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(o->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			const char *nl = done ? memrchr(p, '\n', done) : NULL;
			off_t cut = o->start + (off_t)o->ob.flushed + (nl ? nl - p + 1 : 0);
			bool cut_ok = o->close_fd && !ftruncate(o->fd, cut);
			fprintf(
			    stderr, "wirekit scan: %s: %s (%s; nothing more is written to it)\n",
			    o->path, strerror(e),
			    cut_ok ? "cut after its last whole line" : "its last line may be cut");
			return WK_ESYS;
		}
		done += (size_t)w;
	}
	return 0;
}

int scan_out_add(struct scan_cli *c, const char *writer, const char *path, bool append)
{
	if (c->nouts == SCAN_MAX_OUTS) {
		fprintf(stderr, "wirekit scan: too many outputs\n");
		return 2;
	}
	const struct wk_scan_writer *w = wk_scan_writer_find(writer);
	if (!w) {
		fprintf(stderr, "wirekit scan: no %s writer in this build\n", writer);
		return 1;
	}
	struct scan_out *o = &c->outs[c->nouts];
	memset(o, 0, sizeof(*o));
	o->w = w;
	o->path = path;
	if (!strcmp(path, "-")) {
		o->fd = 1;
	} else {
		o->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
		             0644);
		if (o->fd < 0) {
			fprintf(stderr, "wirekit scan: %s: %s\n", path, strerror(errno));
			return 1;
		}
		o->close_fd = true;
		int k = append && !strcmp(writer, "xml") ? xml_continue(path, o->fd) : 0;
		if (k < 0) {
			fprintf(stderr, "wirekit scan: %s: %s\n", path, strerror(errno));
			close(o->fd);
			return 1;
		}
		o->continued = k > 0;
		off_t end = lseek(o->fd, 0, SEEK_END); /* appended: where this run's bytes begin */
		o->start = end > 0 ? end : 0;
	}
	o->mem = malloc(SCAN_OBSIZE);
	if (!o->mem) {
		if (o->close_fd)
			close(o->fd);
		fprintf(stderr, "wirekit scan: out of memory\n");
		return 1;
	}
	wk_ob_init(&o->ob, o->mem, SCAN_OBSIZE, out_flush, o);
	c->nouts++;
	return 0;
}

int scan_out_begin(struct scan_cli *c)
{
	if (c->trace) {
		struct timespec ts;
		c->trace_mem = malloc(SCAN_OBSIZE);
		if (!c->trace_mem) {
			fprintf(stderr, "wirekit scan: out of memory\n");
			c->out_err = 1;
		} else {
			c->trace_fd = 1;
			wk_ob_init(&c->trace_ob, c->trace_mem, SCAN_OBSIZE, out_fd_flush,
			           &c->trace_fd);
		}
		c->trace_tty = isatty(1);
		clock_gettime(CLOCK_REALTIME, &ts); /* the clock of the trace's packets */
		c->trace_sec = ts.tv_sec;
		c->trace_nsec = (uint32_t)ts.tv_nsec;
	}
	for (unsigned i = 0; i < c->nouts; i++) {
		struct scan_out *o = &c->outs[i];
		if (o->w->begin && !o->continued && o->w->begin(&o->ob, &c->info))
			c->out_err = 1;
		wk_ob_flush(&o->ob);
	}
	return 0;
}

/* Clear the progress line on a terminal before a result line goes to the same screen. */
static void clear_progress(struct scan_cli *c)
{
	if (c->progress_shown && c->tty) {
		fputs("\r\033[K", stderr);
		c->progress_shown = false;
	}
}

/* The --packet-trace lines so far, before anything else goes to stdout. */
static void trace_flush(struct scan_cli *c)
{
	if (c->trace_mem && wk_ob_flush(&c->trace_ob))
		c->out_err = 1;
}

/* As nmap: on stdout and in the -oN files (after their header, before the report). */
void scan_out_trace(void *ctx, const struct wk_scan_trace *t)
{
	struct scan_cli *c = ctx;
	char line[1024];
	struct wk_ob lo;
	if (!c->trace_mem)
		return;
	wk_ob_init(&lo, line, sizeof(line), NULL, NULL);
	wk_scan_trace_line(&lo, t, c->trace_sec, c->trace_nsec);
	wk_ob_write(&c->trace_ob, lo.p, lo.len);
	for (unsigned i = 0; i < c->nouts; i++)
		if (c->outs[i].fd != 1 &&
		    (!strcmp(c->outs[i].w->name, "normal") || !strcmp(c->outs[i].w->name, "text")))
			wk_ob_write(&c->outs[i].ob, lo.p, lo.len);
	if (c->trace_tty) {
		clear_progress(c);
		trace_flush(c);
	}
}

void scan_out_result(void *ctx, const struct wk_scan_result *r)
{
	struct scan_cli *c = ctx;
	struct wk_error e;
	/* Silence is not stored: a down host is not listed (nmap at verbosity 0) and a port
	 * that did not answer is what the writers show for every port without a record, so
	 * memory follows the answers, not the size of the scan. JSON Lines still gets them. */
	bool silent = r->reason == WK_RS_NO_RESPONSE &&
	              (r->proto != WK_SCAN_HOST || r->state == WK_PS_HOST_DOWN);
	/* -sL: the writers list the target set; the table keeps only a target -R named */
	if (r->proto == WK_SCAN_HOST && r->state == WK_PS_HOST_UNKNOWN && !r->hostname)
		silent = true;
	/* -Pn: the library reports every target up (user-set) after the port scan. Only a
	 * host the table already holds takes the record (it becomes its host reason); the
	 * others are made by the writers from the target set, so -Pn over a /8 stores
	 * nothing per silent host. */
	if (r->proto == WK_SCAN_HOST && r->reason == WK_RS_USER_SET && !r->hostname) {
		c->info.user_set = c->o.targets;
		silent = !wk_results_find(c->table, &r->addr, WK_SCAN_HOST, 0);
	}
	trace_flush(c);
	if (!silent && wk_results_add(c->table, r, &e)) {
		c->out_err = 1;
		return;
	}
	/* -v: nmap's line for each open port as it is found, on stdout only (not in -oN) */
	if (c->verbose && c->discovered_lines && r->proto != WK_SCAN_HOST &&
	    r->state == WK_PS_OPEN) {
		char a[INET6_ADDRSTRLEN];
		if (!inet_ntop(r->addr.family, r->addr.b, a, sizeof(a)))
			a[0] = '\0';
		clear_progress(c);
		printf("Discovered open port %u/%s on %s\n", r->port,
		       r->proto == WK_SP_UDP    ? "udp"
		       : r->proto == WK_SP_SCTP ? "sctp"
		                                : "tcp",
		       a);
		fflush(stdout);
	}
	/* a host line says what the table made of it: the round trip of every answer so far
	 * (the -Pn user-set record keeps the one its ports' answers gave) */
	const struct wk_scan_result *hr =
	    silent || r->proto != WK_SCAN_HOST
	        ? NULL
	        : wk_results_find(c->table, &r->addr, WK_SCAN_HOST, 0);
	struct wk_scan_result merged;
	if (hr && hr->state == r->state) {
		merged = *r;
		merged.rtt_us = hr->rtt_us;
		merged.rttvar_us = hr->rttvar_us;
		r = &merged;
	}
	for (unsigned i = 0; i < c->nouts; i++) {
		struct scan_out *o = &c->outs[i];
		if (!o->w->result)
			continue;
		if (o->fd == 1)
			clear_progress(c);
		if (o->w->result(&o->ob, &c->info, r))
			c->out_err = 1;
		wk_ob_flush(&o->ob);
	}
	/* after the outputs: a kill between the two costs a duplicate, never a result */
	scan_journal_add(c, r);
}

static void fmt_eta(char *b, size_t n, double s)
{
	if (s < 0 || s > 1e7)
		snprintf(b, n, "--");
	else
		snprintf(b, n, "%d:%02d:%02d", (int)(s / 3600), (int)s / 60 % 60, (int)s % 60);
}

void scan_out_progress(void *ctx, const struct wk_scan_progress *p)
{
	struct scan_cli *c = ctx;
	uint64_t now = wk_mono_ns();
	c->last_pos = p->pos;
	trace_flush(c);
	if (c->resume_file && now - c->last_save_ns >= SAVE_EVERY_NS) {
		scan_resume_save(c, c->resume_file, p->pos, p->decided);
		c->last_save_ns = now;
	}
	bool lines = c->stats_every > 0;
	if (!c->tty && !lines)
		return;
	if (lines && (double)(now - c->last_stats_ns) < c->stats_every * 1e9)
		return;
	c->last_stats_ns = now;
	double pct = p->total ? 100.0 * (double)p->sent / (double)p->total : 100.0;
	if (p->pass == 0 && pct > 100.0)
		pct = 100.0;
	char eta[32];
	double left = p->total > p->sent ? (double)(p->total - p->sent) : 0;
	fmt_eta(eta, sizeof(eta), p->rate > 0 ? left / p->rate : -1);
	fprintf(stderr,
	        "%s%s: sent %" PRIu64 ", %.0f pps, %.1f%% done, eta %s, found %" PRIu64
	        ", retransmitted %" PRIu64 ", pass %u, rx drops %" PRIu64 "%s",
	        c->tty && !lines ? "\r\033[K" : "", p->phase ? p->phase : "Scan", p->sent, p->rate,
	        pct, eta, p->found, p->retransmits, p->pass, p->rx_drops,
	        c->tty && !lines ? "" : "\n");
	if (c->verbose)
		fprintf(stderr, "%sseed %" PRIu64 ", position %" PRIu64 "\n",
		        c->tty && !lines ? "\n" : "", c->o.seed, p->pos);
	c->progress_shown = c->tty && !lines;
}

int scan_out_end(struct scan_cli *c, const struct wk_scan_summary *sum)
{
	clear_progress(c);
	trace_flush(c);
	for (unsigned i = 0; i < c->nouts; i++) {
		struct scan_out *o = &c->outs[i];
		if (o->w->end && o->w->end(&o->ob, &c->info, c->table, sum))
			c->out_err = 1;
		if (wk_ob_flush(&o->ob))
			c->out_err = 1;
	}
	return c->out_err;
}

void scan_out_close(struct scan_cli *c)
{
	for (unsigned i = 0; i < c->nouts; i++) {
		if (c->outs[i].close_fd)
			close(c->outs[i].fd);
		free(c->outs[i].mem);
	}
	c->nouts = 0;
	free(c->trace_mem);
	c->trace_mem = NULL;
}
