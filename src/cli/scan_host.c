/* wirekit scan -R: the names of the hosts found up, asked of the DNS servers
 * (--dns-servers, else /etc/resolv.conf) by the library's asynchronous PTR client with one
 * cap on the whole lookup (--dns-timeout); a host whose name came back is reported again
 * with it, which the result table merges into its host record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan_cli.h"
#include "wirekit/rdns.h"

int scan_host_servers(struct scan_host_args *a)
{
	struct wk_error e = {0};
	int rc;
	if (a->servers_arg)
		rc = wk_rdns_servers_parse(a->servers_arg, a->servers, WK_RDNS_MAX_SERVERS,
		                           &a->nservers, &e);
	else
		rc = wk_rdns_resolv_conf("/etc/resolv.conf", a->servers, WK_RDNS_MAX_SERVERS,
		                         &a->nservers, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: %s: %s\n", a->servers_arg ? "--dns-servers" : "-R",
		        e.msg);
		return 2;
	}
	return 0;
}

int scan_host_rdns(struct scan_cli *c, const struct scan_host_args *a, const volatile int *stop)
{
	struct wk_error e = {0};
	struct wk_rdns_opts ro = {
	    .servers = a->servers,
	    .nservers = a->nservers,
	    .port = a->port,
	    .total_ms = a->timeout_ms,
	    .stop = stop,
	};
	struct wk_rdns *r = wk_rdns_new(&ro, &e);
	if (!r) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg);
		return 1;
	}
	int rc = 0;
	size_t n = wk_results_count(c->table);
	for (size_t i = 0; i < n && !rc; i++) {
		const struct wk_scan_result *x = wk_results_at(c->table, i);
		if (x->proto == WK_SCAN_HOST && x->state == WK_PS_HOST_UP)
			rc = wk_rdns_add(r, &x->addr, &e);
	}
	/* -Pn: the targets without a record are up too (the writers make their records);
	 * -sL: every target is listed */
	const struct wk_targets *set = c->info.user_set;
	uint64_t tn = set ? wk_targets_count(set) : 0;
	for (uint64_t i = 0; i < tn && !rc; i++) {
		struct wk_scan_addr t;
		memset(&t, 0, sizeof(t));
		wk_targets_at(set, i, &t);
		if (!wk_results_find(c->table, &t, WK_SCAN_HOST, 0))
			rc = wk_rdns_add(r, &t, &e);
	}
	struct wk_rdns_stats st = {0};
	if (!rc)
		rc = wk_rdns_run(r, &st, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: reverse DNS: %s\n", e.msg);
		wk_rdns_free(r);
		return 1;
	}
	/* scan_out_result adds to the table, which moves its records: copy each first */
	for (size_t i = 0; i < wk_results_count(c->table); i++) {
		const struct wk_scan_result *x = wk_results_at(c->table, i);
		if (x->proto != WK_SCAN_HOST || x->state != WK_PS_HOST_UP)
			continue;
		const char *name = wk_rdns_name(r, &x->addr);
		if (!name || (x->hostname && !strcmp(x->hostname, name)))
			continue;
		struct wk_scan_result h = *x;
		h.hostname = name;
		h.svc = NULL;
		scan_out_result(c, &h);
	}
	for (uint64_t i = 0; i < tn; i++) {
		struct wk_scan_result h;
		memset(&h, 0, sizeof(h));
		wk_targets_at(set, i, &h.addr);
		const char *name = wk_rdns_name(r, &h.addr);
		if (!name || wk_results_find(c->table, &h.addr, WK_SCAN_HOST, 0))
			continue;
		h.proto = WK_SCAN_HOST;
		h.state = c->info.list ? WK_PS_HOST_UNKNOWN : WK_PS_HOST_UP;
		h.reason = WK_RS_USER_SET;
		h.hostname = name;
		h.ts_sec = time(NULL);
		scan_out_result(c, &h);
	}
	if (a->verbose || st.timed_out)
		fprintf(stderr,
		        "wirekit scan: reverse DNS: %llu asked, %llu named, %llu without a name, "
		        "%llu failed, %llu not answered in time (%.2f s)\n",
		        (unsigned long long)st.asked, (unsigned long long)st.named,
		        (unsigned long long)st.noname, (unsigned long long)st.failed,
		        (unsigned long long)st.timed_out, st.elapsed);
	wk_rdns_free(r);
	return 0;
}
