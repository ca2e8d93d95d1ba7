/* -sT with host discovery, and -sT -sU together (nmap accepts it: a connect scan for
 * TCP, a raw scan for UDP). The raw engine runs first: host discovery (unless -Pn), then
 * the UDP ports; then the connect scanner probes the TCP ports of the hosts discovery
 * found up (every target with -Pn). Without raw sockets (no UDP then) discovery is
 * nmap's unprivileged one, connects to 80 and 443 (cping.c), and -Z's drop (on_open)
 * comes before it. Both report through the caller's on_result, so the table merges a host's
 * UDP and TCP ports as it does for -sS -sU. One position space for shards and resume:
 * the UDP walk's positions [0, targets x UDP ports), then the TCP walk's after them. With
 * --pcapng the connects' capture (tap.c) is opened first, while we may still open it. */
#include <string.h>

#include "core/rtt_int.h"
#include "scan/engine_int.h"
#include "scan/scan_int.h"

/* A sub-scan's callbacks in the one position space: the connect walk's positions come
 * after the UDP walk's (base); discovery alone (hold: the raw engine walks it as -sn's,
 * one position per host) runs again on a resume, so its progress keeps the caller's
 * position. Everything else goes to the caller's callbacks as it is. */
struct side {
	const struct wk_scan_opts *o;
	uint64_t base;
	bool hold;
};

static void side_result(void *ctx, const struct wk_scan_result *r)
{
	const struct side *t = ctx;
	t->o->on_result(t->o->ctx, r);
}

static void side_progress(void *ctx, const struct wk_scan_progress *p)
{
	const struct side *t = ctx;
	struct wk_scan_progress q = *p;
	q.pos = t->hold ? t->o->resume_pos : p->pos + t->base;
	q.decided = t->hold ? scan_decided0(t->o) : p->decided + t->base;
	t->o->on_progress(t->o->ctx, &q);
}

static void side_trace(void *ctx, const struct wk_scan_trace *tr)
{
	const struct side *t = ctx;
	t->o->on_trace(t->o->ctx, tr);
}

static bool side_reported(void *ctx, const struct wk_scan_addr *a, uint8_t proto, uint16_t port)
{
	const struct side *t = ctx;
	return t->o->reported(t->o->ctx, a, proto, port);
}

static int side_open(void *ctx, struct wk_error *err)
{
	const struct side *t = ctx;
	return t->o->on_open(t->o->ctx, err);
}

/* A copy of o whose callbacks go through side. */
static struct wk_scan_opts side_opts(const struct wk_scan_opts *o, struct side *side)
{
	struct wk_scan_opts t = *o;
	t.ctx = side;
	t.on_result = o->on_result ? side_result : NULL;
	t.on_progress = o->on_progress ? side_progress : NULL;
	t.on_trace = o->on_trace ? side_trace : NULL;
	t.reported = o->reported ? side_reported : NULL;
	t.on_open = o->on_open ? side_open : NULL;
	return t;
}

int scan_mixed_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                   struct wk_error *err)
{
	if (!o->targets || !o->ports || !wk_targets_count(o->targets))
		return wk_seterr(err, WK_EINVAL, "no targets or ports");
	uint64_t nt = wk_targets_count(o->targets);
	uint32_t nu = 0, ntcp = 0;
	for (uint32_t i = 0; i < o->ports->n; i++) {
		nu += o->ports->v[i].proto == WK_SP_UDP;
		ntcp += o->ports->v[i].proto == WK_SP_TCP;
	}
	if (!nu && !ntcp)
		return wk_seterr(err, WK_EINVAL, "no TCP or UDP ports in the port list");
	if (nu && nt > UINT64_MAX / 2 / nu)
		return wk_seterr(err, WK_EINVAL, "target x port space too large");
	uint64_t su = nt * nu; /* the UDP walk's positions */
	struct wk_scan_summary s1, s2;
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	struct bits up;
	memset(&up, 0, sizeof(up));
	uint64_t r1 = su, r2 = o->resume_pos > su ? o->resume_pos - su : 0;
	/* --pcapng: the connects' capture opens before the raw phase drops privileges */
	struct scan_tap *tap = NULL;
	int rc = ntcp ? scan_tap_open(o, &tap, err) : 0;
	if (rc)
		return rc;
	/* discovery runs again on a resume (as for one walk); the UDP walk where it stopped */
	if (o->discovery && !nu && !wk_scan_raw_allowed()) {
		rc = o->on_open ? o->on_open(o->ctx, err) : 0;
		if (!rc)
			rc = scan_cping_run(o, false, &up, &s1, err);
	} else if (o->discovery || (nu && scan_decided0(o) < su)) {
		struct side us = {o, 0, !nu};
		struct wk_scan_opts u = side_opts(o, &us);
		u.type = nu ? WK_SCAN_UDP : WK_SCAN_NONE;
		u.also_udp = false;
		u.resume_pos = nu ? (o->resume_pos < su ? o->resume_pos : su) : 0;
		/* a resume after a kill during the UDP walk: its undecided positions */
		u.resume_from = nu ? scan_decided0(o) : 0;
		if (!nu) /* discovery alone: its host records are not positions */
			u.reported = NULL;
		if (!nu) /* discovery alone (-sn's walk): of every target, as for a port scan */
			u.shard_k = u.shard_of = 1;
		uint64_t r = 0;
		rc = scan_raw_run(&u, &s1, &r, o->discovery ? &up : NULL, err);
		if (nu)
			r1 = r;
	} else if (o->on_open) { /* no raw phase: the caller's drop of privileges happens here */
		rc = o->on_open(o->ctx, err);
	}
	bool stopped = o->stop && *o->stop;
	if (!rc && !stopped && r1 >= su && ntcp) {
		struct side ts = {o, su, false};
		struct wk_scan_opts t = side_opts(o, &ts);
		t.type = WK_SCAN_CONNECT;
		t.also_udp = false;
		t.resume_pos = r2;
		t.resume_from = r2;
		/* as nmap: the connects' first timeout from the round trips discovery timed (one
		 * filtered port costs 2 x 100 ms on a LAN, not 2 x 1 s) */
		if (!t.initial_wait_ms && s1.srtt_us) {
			uint64_t lo = (o->min_wait_ms ? o->min_wait_ms : 100) * 1000ull;
			t.initial_wait_ms =
			    (unsigned)(rtt_timeout(s1.srtt_us, s1.rttvar_us, lo, 1000000) / 1000);
		}
		rc = scan_connect_run_up(&t, o->discovery ? &up : NULL, tap, &s2, &r2, err);
	}
	scan_tap_close(tap);
	bits_free(&up);
	if (resume)
		*resume = r1 < su ? r1 : su + r2;
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->hosts_total = nt;
		/* a connect answer comes only from a host discovery found up (or -Pn) */
		sum->hosts_up = o->discovery ? s1.hosts_up : nt;
		sum->end_sec = s2.end_sec > s1.end_sec ? s2.end_sec : s1.end_sec;
		sum->elapsed = s1.elapsed + s2.elapsed;
		sum->probes_sent = s1.probes_sent + s2.probes_sent;
		sum->replies = s1.replies + s2.replies;
	}
	return rc;
}
