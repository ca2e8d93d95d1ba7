/* Host discovery without raw sockets, as nmap does it for unprivileged users: a connect
 * "ping" to TCP ports 80 and 443 (the TCP ports of -PS/-PA when given) of every target,
 * the host being up when a connect succeeds (syn-ack) or is refused (conn-refused): any
 * answer from the host itself. The connect scanner does the connects; its port results
 * stay here, only the host records (up with the first answer's reason, down with
 * no-response) reach the caller's on_result. Memory: bitmaps of the target count. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scan/engine_int.h"
#include "scan/scan_int.h"

bool wk_scan_raw_allowed(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct cping {
	const struct wk_scan_opts *o; /* the caller's */
	struct bits *up;
	uint64_t nup;
};

/* A port result of a ping connect (serialised by the connect scanner). */
static void cping_result(void *ctx, const struct wk_scan_result *r)
{
	struct cping *c = ctx;
	uint64_t i;
	if (r->state != WK_PS_OPEN && r->state != WK_PS_CLOSED)
		return; /* a timeout or an ICMP error: nothing from the host itself */
	if (!wk_targets_index(c->o->targets, &r->addr, &i) || !bits_set(c->up, i))
		return;
	c->nup++;
	struct wk_scan_result h = *r;
	h.proto = WK_SCAN_HOST;
	h.port = 0;
	h.state = WK_PS_HOST_UP;
	if (scan_reported(c->o, &h.addr, h.proto, 0)) /* -sn resumed after a kill */
		return;
	if (c->o->on_result)
		c->o->on_result(c->o->ctx, &h);
}

/* Progress under nmap's name of the phase; a resume starts the discovery again, so the
 * position stays the caller's. */
static void cping_progress(void *ctx, const struct wk_scan_progress *p)
{
	struct cping *c = ctx;
	struct wk_scan_progress q = *p;
	q.phase = "Ping Scan";
	q.pos = c->o->resume_pos;
	q.decided = scan_decided0(c->o);
	q.found = c->nup;
	c->o->on_progress(c->o->ctx, &q);
}

static void cping_trace(void *ctx, const struct wk_scan_trace *t)
{
	struct cping *c = ctx;
	c->o->on_trace(c->o->ctx, t);
}

/* The targets of this shard of -sn's host walk from the resume position on (the raw
 * engine's -sn positions: one per target in the seed's order). */
static int shard_hosts(const struct wk_scan_opts *o, uint64_t nt, struct bits *only,
                       struct wk_error *err)
{
	int rc = bits_alloc(only, nt, err);
	if (rc)
		return rc;
	struct wk_perm p;
	struct wk_shard sh;
	uint64_t i;
	wk_perm_init(&p, nt, o->seed);
	wk_shard_init(&sh, nt, o->shard_of ? o->shard_k : 1, o->shard_of ? o->shard_of : 1,
	              o->resume_pos);
	while (wk_shard_next(&sh, &i))
		bits_set(only, wk_perm_at(&p, i));
	return 0;
}

int scan_cping_run(const struct wk_scan_opts *o, bool sharded, struct bits *up,
                   struct wk_scan_summary *sum, struct wk_error *err)
{
	uint64_t nt = wk_targets_count(o->targets);
	struct wk_port def[2] = {{WK_SP_TCP, 80}, {WK_SP_TCP, 443}};
	struct wk_ports dp = {def, 2};
	if (o->disc_ports) { /* the TCP ones, sorted first (enum order) */
		uint32_t n = 0;
		while (n < o->disc_ports->n && o->disc_ports->v[n].proto == WK_SP_TCP)
			n++;
		if (n)
			dp = (struct wk_ports){o->disc_ports->v, n};
	}
	struct bits only;
	memset(&only, 0, sizeof(only));
	int rc = bits_alloc(up, nt, err);
	bool part = sharded && ((o->shard_of > 1) || o->resume_pos);
	if (!rc && part)
		rc = shard_hosts(o, nt, &only, err);
	struct cping c = {.o = o, .up = up};
	struct wk_scan_summary s;
	memset(&s, 0, sizeof(s));
	if (!rc) {
		struct wk_scan_opts t = *o;
		t.type = WK_SCAN_CONNECT;
		t.also_udp = false;
		t.ports = &dp;
		t.shard_k = t.shard_of = 1;
		t.resume_pos = 0;
		t.ports_in_order = false;
		t.on_result = cping_result;
		t.on_progress = o->on_progress ? cping_progress : NULL;
		t.on_trace = o->on_trace ? cping_trace : NULL;
		t.on_open = NULL;
		t.reported = NULL; /* its answers are not positions; cping_result checks hosts */
		t.ctx = &c;
		rc = scan_connect_run_up(&t, part ? &only : NULL, NULL, &s, NULL, err);
	}
	/* the silent ones, once every worker has ended (on_result stays one at a time) */
	for (uint64_t i = 0; !rc && !(o->stop && *o->stop) && i < nt; i++) {
		if ((part && !bits_get(&only, i)) || bits_get(up, i) || !o->on_result)
			continue;
		scan_host_report(o, i, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE);
	}
	bits_free(&only);
	if (sum) {
		*sum = s;
		sum->hosts_total = nt;
		sum->hosts_up = c.nup;
	}
	return rc;
}

int scan_cping_hosts(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                     struct wk_error *err)
{
	if (!o->targets || !wk_targets_count(o->targets))
		return wk_seterr(err, WK_EINVAL, "no targets");
	uint64_t nt = wk_targets_count(o->targets);
	struct bits up;
	memset(&up, 0, sizeof(up));
	int rc = o->on_open ? o->on_open(o->ctx, err) : 0;
	if (!rc && o->resume_pos < nt)
		rc = scan_cping_run(o, true, &up, sum, err);
	else if (!rc && sum) {
		memset(sum, 0, sizeof(*sum));
		sum->hosts_total = nt;
	}
	bits_free(&up);
	if (resume) /* stopped: the discovery starts again where this run started */
		*resume = !rc && !(o->stop && *o->stop) ? nt : o->resume_pos;
	return rc;
}
