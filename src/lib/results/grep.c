/* nmap's grepable output (-oG): a comment line naming the scan, per host that is up a
 * "Status: Up" line and, after a port scan, one "Ports:" line of
 * port/state/proto/owner/service/rpc/version/ entries, then a closing comment. */
#include <stdio.h>
#include <string.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

/* Fields are separated by '/', ',' and tabs: nmap turns '/' in a field into '|'; we also
 * make ',', tabs and every unprintable byte '?' so a field never splits a line. */
static void field(struct wk_ob *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '/')
			wk_ob_putc(o, '|');
		else if (c == ',' || c < 0x20 || c >= 0x7f)
			wk_ob_putc(o, '?');
		else
			wk_ob_putc(o, (char)c);
	}
}

static void host_prefix(struct wk_ob *o, const struct rhost *h)
{
	wk_ob_puts(o, "Host: ");
	raddr(o, &h->host->addr);
	wk_ob_puts(o, " (");
	if (h->host->hostname)
		wk_ob_puts(o, h->host->hostname); /* letters, digits, -_/ only (rdns.c) */
	wk_ob_puts(o, ")\t");
}

static void ports_line(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_results *all, const struct rhost *h)
{
	struct rsummary s;
	rsummary_make(&s, all, info, h);
	if (!s.total)
		return;
	host_prefix(o, h);
	wk_ob_puts(o, "Ports: ");
	struct rport_iter it;
	struct rport p;
	bool first = true;
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		if (p.state < RSTATES && s.ignored[p.state])
			continue;
		const struct wk_scan_service *svc = p.rec ? p.rec->svc : NULL;
		const char *name = rservice_name(info, &p);
		char ver[160];
		rversion(ver, sizeof(ver), svc);
		if (!first)
			wk_ob_puts(o, ", ");
		first = false;
		wk_ob_u64(o, p.port);
		wk_ob_putc(o, '/');
		wk_ob_puts(o, wk_port_state_name(p.state));
		wk_ob_putc(o, '/');
		wk_ob_puts(o, rproto_name(p.proto));
		wk_ob_puts(o, "//");
		if (name) {
			if (svc && svc->ssl)
				wk_ob_puts(o, "ssl|");
			field(o, name);
		}
		wk_ob_puts(o, "//");
		field(o, ver);
		wk_ob_putc(o, '/');
	}
	/* Grepable output names one ignored state only (nmap's rule). */
	if (s.nignored == 1) {
		wk_ob_puts(o, "\tIgnored State: ");
		wk_ob_puts(o, wk_port_state_name(s.order[0]));
		wk_ob_puts(o, " (");
		wk_ob_u64(o, s.count[s.order[0]]);
		wk_ob_putc(o, ')');
	}
	wk_ob_putc(o, '\n');
}

static int grep_end(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                    const struct wk_scan_summary *sum)
{
	struct rhost h;
	struct rwalk w;
	rwalk_begin(&w, all, info, sum);
	while (rwalk_next(&w, &h)) {
		if (h.host && h.host->state == WK_PS_HOST_UNKNOWN) { /* -sL */
			host_prefix(o, &h);
			wk_ob_puts(o, "Status: Unknown\n");
			continue;
		}
		if (!h.up)
			continue;
		host_prefix(o, &h);
		wk_ob_puts(o, "Status: Up\n");
		if ((info->ports && info->ports->n) || h.end - h.begin > 1)
			ports_line(o, info, all, &h);
	}
	return rcomment_done(o, sum);
}

const struct wk_scan_writer results_grep_writer = {
    .name = "grep",
    .begin = rcomment_begin,
    .result = NULL,
    .end = grep_end,
};
