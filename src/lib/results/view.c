/* What the writers share: host groups over the sorted table, every scanned port of a host
 * (stored answers merged with the defaults of ports that stayed silent), nmap's rule for
 * which states collapse into "Not shown", and time and number formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

static bool same_addr(const struct wk_scan_addr *a, const struct wk_scan_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16) == 0;
}

size_t rhost_at(const struct wk_results *all, size_t i, struct rhost *h)
{
	size_t n = wk_results_count(all);
	const struct wk_scan_result *f = wk_results_at(all, i);
	memset(h, 0, sizeof(*h));
	h->begin = i;
	h->first = f;
	if (f->proto == WK_SCAN_HOST)
		h->host = f;
	h->up = h->host && h->host->state == WK_PS_HOST_UP;
	size_t j = i + 1;
	while (j < n && same_addr(&wk_results_at(all, j)->addr, &f->addr))
		j++;
	h->end = j;
	return j;
}

void rhost_span(const struct wk_results *all, const struct rhost *h, int64_t *first, int64_t *last)
{
	*first = *last = h->host->ts_sec;
	for (size_t i = h->begin; i < h->end; i++) {
		int64_t t = wk_results_at(all, i)->ts_sec;
		*first = t < *first ? t : *first;
		*last = t > *last ? t : *last;
	}
}

static int cmp_addr(const struct wk_scan_addr *a, const struct wk_scan_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16);
}

void rwalk_begin(struct rwalk *w, const struct wk_results *all, const struct wk_scan_info *info,
                 const struct wk_scan_summary *sum)
{
	memset(w, 0, sizeof(*w));
	w->all = all;
	w->n = wk_results_count(all);
	w->set = info->user_set;
	w->tn = w->set ? wk_targets_count(w->set) : 0;
	w->list = info->list;
	w->ts = sum->end_sec;
}

static const struct wk_scan_result *user_set_host(struct rwalk *w, const struct wk_scan_addr *a)
{
	struct wk_scan_result *v = &w->virt;
	memset(v, 0, sizeof(*v));
	v->addr = *a;
	v->proto = WK_SCAN_HOST;
	v->state = w->list ? WK_PS_HOST_UNKNOWN : WK_PS_HOST_UP;
	v->reason = WK_RS_USER_SET;
	v->ts_sec = w->ts;
	return v;
}

bool rwalk_next(struct rwalk *w, struct rhost *h)
{
	const struct wk_scan_result *f = w->i < w->n ? wk_results_at(w->all, w->i) : NULL;
	bool match = false;
	if (w->ti < w->tn) {
		struct wk_scan_addr a;
		memset(&a, 0, sizeof(a));
		wk_targets_at(w->set, w->ti, &a);
		int c = f ? cmp_addr(&a, &f->addr) : -1;
		if (c < 0) { /* a target without a record */
			w->ti++;
			memset(h, 0, sizeof(*h));
			h->begin = h->end = w->i;
			h->host = h->first = user_set_host(w, &a);
			h->up = !w->list;
			return true;
		}
		if (c == 0) {
			w->ti++;
			match = true;
		} /* c > 0: a table host outside the set comes first */
	}
	if (!f)
		return false;
	w->i = rhost_at(w->all, w->i, h);
	if (match && !h->up && !w->list) {
		/* a target whose ports answered only with ICMP errors from on the way has no
		 * host record (or a down one): -Pn still reports it up, user-set */
		h->host = user_set_host(w, &f->addr);
		h->up = true;
	}
	return true;
}

uint64_t rwalk_count(const struct wk_results *all, const struct wk_scan_info *info)
{
	size_t n = wk_results_count(all);
	if (!info->user_set)
		return n;
	uint64_t in_set = 0;
	struct rhost h;
	for (size_t i = 0; i < n; i = h.end) {
		rhost_at(all, i, &h);
		/* a stored host record stands for its target; a host with port records only
		 * gets one made by rwalk, which counts as the target's */
		in_set += h.host && wk_targets_has(info->user_set, &h.first->addr);
	}
	return n + wk_targets_count(info->user_set) - in_set;
}

const char *rproto_scan_type(const struct wk_scan_info *info, uint8_t proto)
{
	if (proto == WK_SP_UDP)
		return "udp";
	if (proto == WK_SP_SCTP)
		return info->scan_type && !strncmp(info->scan_type, "sctp", 4) ? info->scan_type
		                                                               : "sctpinit";
	return info->scan_type ? info->scan_type : "syn";
}

uint8_t rport_default_state(const struct wk_scan_info *info, uint8_t proto)
{
	const char *t = info->scan_type ? info->scan_type : "";
	if (proto == WK_SP_UDP)
		return WK_PS_OPEN_FILTERED;
	if (proto == WK_SP_TCP &&
	    (!strcmp(t, "null") || !strcmp(t, "fin") || !strcmp(t, "xmas") || !strcmp(t, "maimon")))
		return WK_PS_OPEN_FILTERED;
	if (proto == WK_SP_SCTP && !strcmp(t, "sctpcookieecho"))
		return WK_PS_OPEN_FILTERED;
	return WK_PS_FILTERED;
}

void rport_begin(struct rport_iter *it, const struct wk_results *all,
                 const struct wk_scan_info *info, const struct rhost *h)
{
	it->all = all;
	it->info = info;
	/* the host record, when stored, comes first (rwalk may make one that is not) */
	it->ri = h->begin + (h->begin < h->end && h->first->proto == WK_SCAN_HOST ? 1 : 0);
	it->rend = h->end;
	it->pi = 0;
}

bool rport_next(struct rport_iter *it, struct rport *out)
{
	const struct wk_ports *ps = it->info->ports;
	uint32_t np = ps ? ps->n : 0;
	const struct wk_scan_result *rec =
	    it->ri < it->rend ? wk_results_at(it->all, it->ri) : NULL;
	const struct wk_port *p = it->pi < np ? &ps->v[it->pi] : NULL;
	if (!rec && !p)
		return false;
	uint32_t rk = rec ? (uint32_t)rec->proto << 16 | rec->port : UINT32_MAX;
	uint32_t pk = p ? (uint32_t)p->proto << 16 | p->port : UINT32_MAX;
	if (rec && rk <= pk) {
		out->proto = rec->proto;
		out->port = rec->port;
		out->state = rec->state;
		out->reason = rec->reason;
		out->ttl = rec->ttl;
		out->rec = rec;
		it->ri++;
		if (rk == pk)
			it->pi++;
		return true;
	}
	out->proto = p->proto;
	out->port = p->port;
	out->state = rport_default_state(it->info, p->proto);
	out->reason = WK_RS_NO_RESPONSE;
	out->ttl = 0;
	out->rec = NULL;
	it->pi++;
	return true;
}

/* nmap's PORT_* numbers order ignored states of equal count (portlist.cc). */
static const uint8_t nmap_state_no[RSTATES] = {
    [WK_PS_OPEN] = 2,       [WK_PS_CLOSED] = 1,        [WK_PS_FILTERED] = 3,
    [WK_PS_UNFILTERED] = 6, [WK_PS_OPEN_FILTERED] = 7, [WK_PS_CLOSED_FILTERED] = 8,
};

/* nmap ignores a state (never "open") holding more than 25 ports at verbosity 0, 50 at -v
 * and none from -vv on (PortList::isIgnoredState; checked against nmap 7.93); show_closed
 * lists every port. */
static bool collapses(const struct wk_scan_info *info, unsigned st, uint32_t count)
{
	if (st == WK_PS_OPEN || info->show_closed || info->verbose >= 2)
		return false;
	return count > (info->verbose ? 50u : 25u);
}

void rsummary_make(struct rsummary *s, const struct wk_results *all,
                   const struct wk_scan_info *info, const struct rhost *h)
{
	memset(s, 0, sizeof(*s));
	struct rport_iter it;
	struct rport p;
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		s->total++;
		if (p.state < RSTATES)
			s->count[p.state]++;
	}
	s->nshown = s->total;
	for (unsigned st = 0; st < RSTATES; st++) {
		if (info->open_only) /* --open: every state without "open" in it, any count */
			s->ignored[st] = !rstate_openish(st) && s->count[st] > 0;
		else
			s->ignored[st] = collapses(info, st, s->count[st]);
		if (!s->ignored[st])
			continue;
		s->nshown -= s->count[st];
		/* Insert by count (most first), then nmap's state number. */
		unsigned k = s->nignored++;
		while (k > 0) {
			uint8_t o = s->order[k - 1];
			if (s->count[o] > s->count[st] ||
			    (s->count[o] == s->count[st] && nmap_state_no[o] < nmap_state_no[st]))
				break;
			s->order[k] = o;
			k--;
		}
		s->order[k] = (uint8_t)st;
	}
}

bool rstate_openish(uint8_t state)
{
	return state == WK_PS_OPEN || state == WK_PS_OPEN_FILTERED || state == WK_PS_UNFILTERED;
}

bool rhost_listed(const struct wk_scan_info *info, const struct rsummary *s)
{
	return !info->open_only || s->count[WK_PS_OPEN] || s->count[WK_PS_OPEN_FILTERED] ||
	       s->count[WK_PS_UNFILTERED];
}

static int cmp_reason(const void *pa, const void *pb)
{
	const struct rreason *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	/* nmap's merge sort takes the later element on a tie */
	return a->seen > b->seen ? -1 : a->seen < b->seen ? 1 : 0;
}

size_t rreasons(struct rreason *out, size_t max, const struct wk_results *all,
                const struct wk_scan_info *info, const struct rhost *h, uint8_t state)
{
	size_t n = 0;
	struct rport_iter it;
	struct rport p;
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		if (p.state != state)
			continue;
		size_t k = 0;
		while (k < n && (out[k].reason != p.reason || out[k].proto != p.proto))
			k++;
		if (k == n) {
			if (n == max)
				continue; /* cannot happen: protos x reasons fit */
			out[n] = (struct rreason){p.reason, p.proto, 0, (uint32_t)n};
			n++;
		}
		out[k].count++;
	}
	qsort(out, n, sizeof(*out), cmp_reason);
	return n;
}

const char *rproto_name(uint8_t proto)
{
	switch (proto) {
	case WK_SP_TCP:
		return "tcp";
	case WK_SP_UDP:
		return "udp";
	case WK_SP_SCTP:
		return "sctp";
	default:
		return "ip";
	}
}

const char *rservice_name(const struct wk_scan_info *info, const struct rport *p)
{
	if (p->rec && p->rec->svc && p->rec->svc->name)
		return p->rec->svc->name;
	if (info->services)
		return wk_services_name(info->services, (enum wk_scan_proto)p->proto, p->port);
	return NULL;
}

static size_t add_str(char *buf, size_t n, size_t at, const char *s)
{
	size_t k = strlen(s);
	if (at + k >= n)
		k = at < n - 1 ? n - 1 - at : 0;
	memcpy(buf + at, s, k);
	buf[at + k] = '\0';
	return at + k;
}

void rversion(char *buf, size_t n, const struct wk_scan_service *svc)
{
	size_t at = 0;
	buf[0] = '\0';
	if (!svc)
		return;
	if (svc->product)
		at = add_str(buf, n, at, svc->product);
	if (svc->version) {
		if (at)
			at = add_str(buf, n, at, " ");
		at = add_str(buf, n, at, svc->version);
	}
	if (svc->extra) {
		if (at)
			at = add_str(buf, n, at, " ");
		at = add_str(buf, n, at, "(");
		at = add_str(buf, n, at, svc->extra);
		add_str(buf, n, at, ")");
	}
}

void raddr(struct wk_ob *o, const struct wk_scan_addr *a)
{
	if (a->family == AF_INET)
		wk_ob_ip4(o, a->b);
	else
		wk_ob_ip6(o, a->b);
}

enum tfmt { T_SHORT, T_CTIME, T_ISO, T_SECONDS };

void rmac(struct wk_ob *o, const uint8_t mac[6])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 6; i++) {
		if (i)
			wk_ob_putc(o, ':');
		wk_ob_putc(o, hex[mac[i] >> 4]);
		wk_ob_putc(o, hex[mac[i] & 15]);
	}
}

static void fmt_tm(char *buf, size_t n, int64_t sec, enum tfmt f)
{
	time_t t = (time_t)sec;
	struct tm tm;
	size_t k = 0;
	if (gmtime_r(&t, &tm)) {
		switch (f) {
		case T_SHORT:
			k = strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm);
			break;
		case T_CTIME:
			k = strftime(buf, n, "%a %b %e %H:%M:%S %Y", &tm);
			break;
		case T_ISO:
			k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
			break;
		case T_SECONDS:
			k = strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
			break;
		}
	}
	if (!k)
		snprintf(buf, n, "%lld", (long long)sec);
}

void rtime_short(char *buf, size_t n, int64_t sec)
{
	fmt_tm(buf, n, sec, T_SHORT);
}

void rtime_seconds(char *buf, size_t n, int64_t sec)
{
	fmt_tm(buf, n, sec, T_SECONDS);
}

void rtime_ctime(char *buf, size_t n, int64_t sec)
{
	fmt_tm(buf, n, sec, T_CTIME);
}

void rtime_iso(char *buf, size_t n, int64_t sec, uint32_t nsec)
{
	char d[48];
	fmt_tm(d, sizeof(d), sec, T_ISO);
	snprintf(buf, n, "%s.%06uZ", d, (unsigned)(nsec / 1000 % 1000000));
}

void rlatency(char *buf, size_t n, uint32_t us)
{
	/* Two significant digits: keep the two leading digits, rounded half up; the number of
	 * decimals comes from the magnitude before rounding, as nmap computes it. */
	unsigned digits = 1;
	uint64_t p10 = 1; /* 10^(digits-1) */
	while (p10 * 10 <= us) {
		p10 *= 10;
		digits++;
	}
	uint64_t r = us;
	if (digits > 2) {
		uint64_t unit = p10 / 10;
		r = (us + unit / 2) / unit * unit;
	}
	int decimals = us ? 8 - (int)digits : 2;
	if (decimals < 0)
		decimals = 0;
	char frac[16];
	snprintf(frac, sizeof(frac), "%06llu0", (unsigned long long)(r % 1000000));
	frac[decimals] = '\0';
	snprintf(buf, n, "%llu%s%s", (unsigned long long)(r / 1000000), decimals ? "." : "", frac);
}

void rdone(char *buf, size_t n, const struct wk_scan_summary *sum)
{
	snprintf(buf, n, "%llu IP address%s (%llu host%s up) scanned in %.2f seconds",
	         (unsigned long long)sum->hosts_total, sum->hosts_total == 1 ? "" : "es",
	         (unsigned long long)sum->hosts_up, sum->hosts_up == 1 ? "" : "s", sum->elapsed);
}

int rcomment_begin(struct wk_ob *o, const struct wk_scan_info *info)
{
	char t[64];
	rtime_ctime(t, sizeof(t), info->start_sec);
	wk_ob_puts(o, "# wirekit " WIREKIT_VERSION " scan initiated ");
	wk_ob_puts(o, t);
	wk_ob_puts(o, " as: ");
	wk_ob_puts(o, info->args ? info->args : "wirekit scan");
	wk_ob_putc(o, '\n');
	return o->err;
}

int rcomment_done(struct wk_ob *o, const struct wk_scan_summary *sum)
{
	char t[64], done[160];
	rtime_ctime(t, sizeof(t), sum->end_sec);
	rdone(done, sizeof(done), sum);
	wk_ob_puts(o, "# wirekit done at ");
	wk_ob_puts(o, t);
	wk_ob_puts(o, " -- ");
	wk_ob_puts(o, done);
	wk_ob_putc(o, '\n');
	return wk_ob_flush(o);
}
