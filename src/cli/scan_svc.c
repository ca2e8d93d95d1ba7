/* wirekit scan -sV / --banners: after the port scan, the open ports of the result table go
 * through the library's service scan (wk_service_scan); each answer replaces its port's
 * record with the same record plus its service, so every writer prints it (text VERSION
 * column, JSON "service", XML <service> with <cpe>). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_cli.h"
#include "wirekit/service.h"

struct svc_ctx {
	struct scan_cli *c;
	const struct wk_svc_target *t;
	struct wk_scan_result *rec; /* copies of the open ports' records, same order as t */
	bool banners;
};

static void on_service(void *ctx, const struct wk_svc_target *t, const struct wk_service_info *si)
{
	struct svc_ctx *x = ctx;
	struct wk_scan_result r = x->rec[t - x->t];
	struct wk_scan_service s;
	memset(&s, 0, sizeof(s));
	bool known = si->method != WK_SVC_NONE || si->name[0];
	if (!known && !si->banner_len && !si->has_tls)
		return;
#define OPT(f) (si->f[0] ? si->f : NULL)
	s.name = si->method == WK_SVC_WRAPPED ? "tcpwrapped" : OPT(name);
	s.product = OPT(product);
	s.version = OPT(version);
	s.extra = OPT(extrainfo);
	s.hostname = OPT(hostname);
	s.ostype = OPT(ostype);
	s.devicetype = OPT(devicetype);
	s.probe = OPT(probe);
#undef OPT
	for (unsigned i = 0; i < si->ncpe && i < WK_SCAN_MAX_CPE; i++)
		s.cpe[i] = si->cpe[i];
	s.probed = known;
	s.ssl = si->ssl;
	s.conf = si->method == WK_SVC_WRAPPED ? 8 : known ? 10 : 3; /* nmap's values */
	s.match_line = si->line;
	if (x->banners) { /* the script output (nmap's banner, ssl-cert) is --banners' */
		s.banner = si->banner_len ? si->banner : NULL;
		s.banner_len = (uint32_t)si->banner_len;
		s.tls = si->has_tls ? &si->tls : NULL;
	}
	r.svc = &s;
	if (r.proto == WK_SP_UDP && r.state == WK_PS_OPEN_FILTERED && si->method == WK_SVC_PROBED) {
		r.state = WK_PS_OPEN; /* it answered: nmap reports such a port open too */
		r.reason = WK_RS_UDP_RESPONSE;
	}
	scan_out_result(x->c, &r);
}

int scan_svc_run(struct scan_cli *c, const struct scan_svc_args *a)
{
	size_t n = wk_results_count(c->table), k = 0;
	struct wk_svc_target *t = calloc(n ? n : 1, sizeof(*t));
	struct wk_scan_result *rec = calloc(n ? n : 1, sizeof(*rec));
	struct wk_svc_db *db = NULL;
	struct wk_error e = {0};
	int status = 1;
	if (!t || !rec) {
		fprintf(stderr, "wirekit scan: out of memory for %zu ports\n", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct wk_scan_result *r = wk_results_at(c->table, i);
		bool tcp = r->proto == WK_SP_TCP && r->state == WK_PS_OPEN;
		bool udp =
		    r->proto == WK_SP_UDP &&
		    (r->state == WK_PS_OPEN || (a->version && r->state == WK_PS_OPEN_FILTERED));
		if (!tcp && !udp)
			continue;
		rec[k] = *r;
		rec[k].svc = NULL;
		t[k] = (struct wk_svc_target){.addr = r->addr, .proto = r->proto, .port = r->port};
		k++;
	}
	if (a->version) {
		char path[512];
		if (wk_svc_db_load(&db, wk_svc_db_path(a->datadir, path, sizeof(path)), &e)) {
			fprintf(stderr, "wirekit scan: -sV: %s\n", e.msg);
			goto out;
		}
		unsigned line;
		const char *why;
		/* a pattern PCRE2 refuses is skipped, not fatal; say which (nmap's own file has
		 * none with this PCRE2) */
		for (size_t i = 0; wk_svc_db_refused(db, i, &line, &why); i++)
			fprintf(stderr, "wirekit scan: -sV: %s line %u: pattern skipped: %s\n",
			        path, line, why);
		if (k >= 256)
			(void)wk_svc_db_jit(db); /* many ports: the JIT pass pays for itself */
	}
	struct svc_ctx x = {c, t, rec, a->banners};
	struct wk_svc_opts o = {
	    .db = db,
	    .version = a->version,
	    .banners = a->banners,
	    .intensity = a->intensity,
	    .max_parallel = a->max_parallel,
	    .banner_wait_ms = a->banner_wait_ms,
	    .datadir = a->datadir,
	    .on_result = on_service,
	    .ctx = &x,
	    .stop = a->stop,
	};
	if (k && wk_service_scan(t, k, &o, NULL, &e)) {
		fprintf(stderr, "wirekit scan: service scan: %s\n", e.msg);
		goto out;
	}
	status = 0;
out:
	wk_svc_db_free(db);
	free(t);
	free(rec);
	return status;
}
