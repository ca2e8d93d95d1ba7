/* The nmap-like text report: a start line, then per host that is up "wirekit scan report
 * for", "Host is up", the "Not shown" line for collapsed states (else an empty line, as
 * nmap) and the PORT STATE SERVICE [REASON] [VERSION] table with nmap's column rule (each
 * column as wide as its widest cell plus one space, no trailing blanks), then "wirekit
 * done". Two writers: "text" is the screen's form, "normal" the form of nmap's -oN file
 * (the same hosts between a "# ... scan initiated ... as: ARGS" line and a "# ... done
 * at" line, as grep.c writes them). */
#include <stdio.h>
#include <string.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

enum { C_PORT, C_STATE, C_SERVICE, C_REASON, C_VERSION, NCOL };
#define CELL 192

static int text_begin(struct wk_ob *o, const struct wk_scan_info *info)
{
	char t[64];
	rtime_short(t, sizeof(t), info->start_sec);
	wk_ob_puts(o, "Starting wirekit " WIREKIT_VERSION " at ");
	wk_ob_puts(o, t);
	wk_ob_putc(o, '\n');
	return o->err;
}

/* Untrusted text (service details come from what servers said) made printable. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void cells(char c[NCOL][CELL], const struct wk_scan_info *info, const struct rport *p)
{
	snprintf(c[C_PORT], CELL, "%u/%s", p->port, rproto_name(p->proto));
	snprintf(c[C_STATE], CELL, "%s", wk_port_state_name(p->state));
	const char *name = rservice_name(info, p);
	const struct wk_scan_service *svc = p->rec ? p->rec->svc : NULL;
	snprintf(c[C_SERVICE], CELL, "%s%s", svc && svc->ssl ? "ssl/" : "",
	         name ? name : "unknown");
	if (p->ttl)
		snprintf(c[C_REASON], CELL, "%s ttl %u", wk_reason_name(p->reason), p->ttl);
	else
		snprintf(c[C_REASON], CELL, "%s", wk_reason_name(p->reason));
	rversion(c[C_VERSION], CELL, svc);
	printable(c[C_SERVICE]);
	printable(c[C_VERSION]);
}

static void row(struct wk_ob *o, char c[NCOL][CELL], const bool use[NCOL], const size_t w[NCOL])
{
	int last = -1;
	for (int k = 0; k < NCOL; k++)
		if (use[k] && c[k][0])
			last = k;
	for (int k = 0; k <= last; k++) {
		if (!use[k])
			continue;
		size_t len = strlen(c[k]);
		wk_ob_write(o, c[k], len);
		if (k < last)
			for (size_t i = len; i <= w[k]; i++)
				wk_ob_putc(o, ' ');
	}
	wk_ob_putc(o, '\n');
}

/* nmap's script block under a port: "| id: first", "| more", "|_last"; every byte made
 * printable (the lines hold what servers sent). */
static void script_lines(struct wk_ob *o, const struct wk_scan_service *svc)
{
	struct rscript sc[3];
	size_t n = rscripts(svc, sc, WK_ARRAY_SIZE(sc));
	for (size_t i = 0; i < n; i++) {
		char *line = sc[i].text;
		bool first = true;
		for (;;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			printable(line);
			wk_ob_puts(o, nl ? "| " : "|_");
			if (first) {
				wk_ob_puts(o, sc[i].id);
				wk_ob_puts(o, ": ");
				first = false;
			}
			wk_ob_puts(o, line);
			wk_ob_putc(o, '\n');
			if (!nl)
				break;
			line = nl + 1;
		}
	}
}

static void port_table(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_results *all, const struct rhost *h,
                       const struct rsummary *s)
{
	static const char *const head[NCOL] = {"PORT", "STATE", "SERVICE", "REASON", "VERSION"};
	bool use[NCOL] = {true, true, true, info->reasons, info->versions};
	size_t w[NCOL];
	char c[NCOL][CELL];
	struct rport_iter it;
	struct rport p;
	for (int k = 0; k < NCOL; k++)
		w[k] = strlen(head[k]);
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		if (p.state < RSTATES && s->ignored[p.state])
			continue;
		cells(c, info, &p);
		for (int k = 0; k < NCOL; k++)
			if (strlen(c[k]) > w[k])
				w[k] = strlen(c[k]);
	}
	for (int k = 0; k < NCOL; k++)
		snprintf(c[k], CELL, "%s", head[k]);
	row(o, c, use, w);
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		if (p.state < RSTATES && s->ignored[p.state])
			continue;
		cells(c, info, &p);
		row(o, c, use, w);
		script_lines(o, p.rec ? p.rec->svc : NULL);
	}
}

/* "Not shown: 997 closed tcp ports (reset), 2 filtered tcp ports (no-response)": the
 * plural follows the state's total, as nmap writes it. */
static void not_shown(struct wk_ob *o, const struct wk_scan_info *info,
                      const struct wk_results *all, const struct rhost *h, const struct rsummary *s)
{
	struct rreason rs[WK_SP_NPROTO * WK_RS_NREASON];
	if (!s->nshown) {
		wk_ob_puts(o, "All ");
		wk_ob_u64(o, s->total);
		wk_ob_puts(o, " scanned ports on ");
		raddr(o, &h->first->addr);
		wk_ob_puts(o, " are in ignored states.\n");
	}
	wk_ob_puts(o, "Not shown: ");
	for (unsigned i = 0; i < s->nignored; i++) {
		uint8_t st = s->order[i];
		size_t n = rreasons(rs, WK_ARRAY_SIZE(rs), all, info, h, st);
		for (size_t k = 0; k < n; k++) {
			if (i || k)
				wk_ob_puts(o, ", ");
			wk_ob_u64(o, rs[k].count);
			wk_ob_putc(o, ' ');
			wk_ob_puts(o, wk_port_state_name(st));
			wk_ob_putc(o, ' ');
			wk_ob_puts(o, rproto_name(rs[k].proto));
			wk_ob_puts(o, s->count[st] == 1 ? " port (" : " ports (");
			wk_ob_puts(o, wk_reason_name(rs[k].reason));
			wk_ob_putc(o, ')');
		}
	}
	wk_ob_putc(o, '\n');
}

static void host_up_line(struct wk_ob *o, const struct wk_scan_info *info,
                         const struct wk_scan_result *hr)
{
	wk_ob_puts(o, "Host is up");
	if (info->reasons) {
		wk_ob_puts(o, ", received ");
		wk_ob_puts(o, wk_reason_name(hr->reason));
		if (hr->ttl) {
			wk_ob_puts(o, " ttl ");
			wk_ob_u64(o, hr->ttl);
		}
	}
	if (hr->rtt_us) {
		char lat[32];
		rlatency(lat, sizeof(lat), hr->rtt_us);
		wk_ob_puts(o, " (");
		wk_ob_puts(o, lat);
		wk_ob_puts(o, "s latency)");
	}
	wk_ob_puts(o, ".\n");
}

/* The distinct values of one -sV field over a host's ports, in port order. */
#define INFO_MAX 8
struct infoset {
	const char *v[INFO_MAX];
	unsigned n;
};

static void info_add(struct infoset *s, const char *v)
{
	if (!v || !*v || s->n == INFO_MAX)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return;
	s->v[s->n++] = v;
}

static void info_part(struct wk_ob *o, bool *first, const char *one, const char *many,
                      const struct infoset *s)
{
	if (!s->n)
		return;
	wk_ob_puts(o, *first ? "" : "; ");
	wk_ob_puts(o, s->n > 1 ? many : one);
	wk_ob_puts(o, ": ");
	for (unsigned i = 0; i < s->n; i++) {
		char v[CELL];
		snprintf(v, sizeof(v), "%s", s->v[i]);
		printable(v);
		wk_ob_puts(o, i ? ", " : "");
		wk_ob_puts(o, v);
	}
	*first = false;
}

/* nmap's "Service Info: Host: lab.test; OSs: Unix, Linux; CPE: cpe:/o:linux:linux_kernel"
 * after -sV: the host names, OS types and device types its services named (h/, o/, d/),
 * and their OS CPEs, each once. */
static void service_info(struct wk_ob *o, const struct wk_results *all, const struct rhost *h)
{
	struct infoset host = {0}, os = {0}, dev = {0}, cpe = {0};
	for (size_t i = h->begin; i < h->end; i++) {
		const struct wk_scan_service *svc = wk_results_at(all, i)->svc;
		if (!svc || wk_results_at(all, i)->proto == WK_SCAN_HOST)
			continue;
		info_add(&host, svc->hostname);
		info_add(&os, svc->ostype);
		info_add(&dev, svc->devicetype);
		for (unsigned k = 0; k < WK_SCAN_MAX_CPE; k++)
			if (svc->cpe[k] && !strncmp(svc->cpe[k], "cpe:/o", 6))
				info_add(&cpe, svc->cpe[k]);
	}
	if (!host.n && !os.n && !dev.n && !cpe.n)
		return;
	bool first = true;
	wk_ob_puts(o, "Service Info: ");
	info_part(o, &first, "Host", "Hosts", &host);
	info_part(o, &first, "OS", "OSs", &os);
	info_part(o, &first, "Device", "Devices", &dev);
	info_part(o, &first, "CPE", "CPE", &cpe);
	wk_ob_putc(o, '\n');
}

/* nmap's -vv line under "Host is up": when the host's first record was decided and how
 * many whole seconds until its last. */
static void scanned_line(struct wk_ob *o, const struct wk_results *all, const struct rhost *h)
{
	int64_t first, last;
	rhost_span(all, h, &first, &last);
	char t[48];
	rtime_seconds(t, sizeof(t), first);
	wk_ob_puts(o, "Scanned at ");
	wk_ob_puts(o, t);
	wk_ob_puts(o, " for ");
	wk_ob_i64(o, last - first);
	wk_ob_puts(o, "s\n");
}

static void mac_line(struct wk_ob *o, const struct wk_scan_info *info,
                     const struct wk_scan_result *hr)
{
	if (!hr->has_mac)
		return;
	const char *vendor = wk_macdb_vendor(info->macdb, hr->mac);
	wk_ob_puts(o, "MAC Address: ");
	rmac(o, hr->mac);
	wk_ob_puts(o, " (");
	wk_ob_puts(o, vendor ? vendor : "Unknown");
	wk_ob_puts(o, ")\n");
}

static void text_hosts(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_results *all, const struct wk_scan_summary *sum)
{
	bool port_scan = info->ports && info->ports->n;
	struct rhost h;
	struct rwalk w;
	rwalk_begin(&w, all, info, sum);
	while (rwalk_next(&w, &h)) {
		bool listed = h.host && h.host->state == WK_PS_HOST_UNKNOWN; /* -sL */
		if (!h.up && !listed)
			continue; /* nmap leaves down hosts out of the report at verbosity 0 */
		bool has_ports = port_scan || h.end - h.begin > 1;
		struct rsummary s;
		if (has_ports) {
			rsummary_make(&s, all, info, &h);
			if (!rhost_listed(info, &s))
				continue; /* --open: no port that may be open */
		}
		wk_ob_puts(o, "wirekit scan report for ");
		if (h.host->hostname) { /* nmap's "NAME (ADDR)"; names are checked by rdns.c */
			char name[256];
			snprintf(name, sizeof(name), "%s", h.host->hostname);
			printable(name);
			wk_ob_puts(o, name);
			wk_ob_puts(o, " (");
			raddr(o, &h.host->addr);
			wk_ob_putc(o, ')');
		} else {
			raddr(o, &h.host->addr);
		}
		wk_ob_putc(o, '\n');
		if (listed)
			continue; /* nmap's -sL: the report line alone */
		host_up_line(o, info, h.host);
		if (info->verbose >= 2 && has_ports)
			scanned_line(o, all, &h);
		if (has_ports) {
			if (s.nignored)
				not_shown(o, info, all, &h, &s);
			else if (s.nshown)
				wk_ob_putc(o, '\n'); /* nmap's empty line where nothing is folded */
			if (s.nshown)
				port_table(o, info, all, &h, &s);
		}
		mac_line(o, info, h.host);
		if (info->versions)
			service_info(o, all, &h);
		if (has_ports)
			wk_ob_putc(o, '\n');
	}
}

static int text_end(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                    const struct wk_scan_summary *sum)
{
	char done[160];
	text_hosts(o, info, all, sum);
	rdone(done, sizeof(done), sum);
	wk_ob_puts(o, "wirekit done: ");
	wk_ob_puts(o, done);
	wk_ob_putc(o, '\n');
	return wk_ob_flush(o);
}

/* -v: nmap reports each down host as it is decided (the report at the end lists up hosts
 * only), not with --open. */
static int text_result(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_scan_result *r)
{
	if (!info->verbose || info->open_only || r->proto != WK_SCAN_HOST ||
	    r->state != WK_PS_HOST_DOWN)
		return 0;
	wk_ob_puts(o, "wirekit scan report for ");
	raddr(o, &r->addr);
	wk_ob_puts(o, " [host down");
	if (info->reasons) { /* nmap: "[host down, received no-response]" */
		wk_ob_puts(o, ", received ");
		wk_ob_puts(o, wk_reason_name(r->reason));
	}
	wk_ob_puts(o, "]\n");
	return o->err;
}

const struct wk_scan_writer results_text_writer = {
    .name = "text",
    .begin = text_begin,
    .result = text_result,
    .end = text_end,
};

static int normal_end(struct wk_ob *o, const struct wk_scan_info *info,
                      const struct wk_results *all, const struct wk_scan_summary *sum)
{
	text_hosts(o, info, all, sum);
	return rcomment_done(o, sum);
}

const struct wk_scan_writer results_normal_writer = {
    .name = "normal",
    .begin = rcomment_begin,
    .result = text_result, /* -v: the down hosts, in -oN too as nmap */
    .end = normal_end,
};
