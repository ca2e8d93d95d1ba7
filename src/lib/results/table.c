/* The result table: one record per (address, proto, port) plus one host record per host,
 * in a dense array indexed by an open-addressing hash (keyed per table), sorted once when
 * it is read. Only what was added is stored: memory follows the answers, not the scan. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/rtt_int.h"
#include "results/results_int.h"
#include "wirekit/scan.h"

struct wk_results {
	struct wk_scan_result *v;
	size_t n, cap;
	uint64_t *idx; /* hash tag << 32 | (record index + 1); 0 is an empty slot */
	size_t mask;   /* idx has mask + 1 slots, a power of two, at most half full */
	uint64_t seed;
	bool sorted;
};

#define MAX_RECORDS ((size_t)UINT32_MAX - 1)

struct wk_results *wk_results_new(struct wk_error *err)
{
	struct wk_results *r = calloc(1, sizeof(*r));
	if (!r) {
		wk_seterr(err, WK_ENOMEM, "result table");
		return NULL;
	}
	/* A per-table key keeps replies an attacker shapes from piling into one chain. */
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != (ssize_t)sizeof(r->seed))
		r->seed = (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ULL;
	r->sorted = true;
	return r;
}

void wk_results_free(struct wk_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free((void *)r->v[i].svc);
		free((void *)r->v[i].hostname);
	}
	free(r->v);
	free(r->idx);
	free(r);
}

size_t wk_results_count(const struct wk_results *r)
{
	return r ? r->n : 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t addr_len(const struct wk_scan_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static uint64_t hash_key(const struct wk_results *r, const struct wk_scan_addr *a, uint8_t proto,
                         uint16_t port)
{
	uint64_t w[2] = {0, 0};
	memcpy(w, a->b, addr_len(a));
	uint64_t h = mix(r->seed ^ w[0]);
	h = mix(h ^ w[1]);
	return mix(h ^ ((uint64_t)a->family << 32 | (uint64_t)proto << 16 | port));
}

static bool key_eq(const struct wk_scan_result *x, const struct wk_scan_addr *a, uint8_t proto,
                   uint16_t port)
{
	return x->addr.family == a->family && x->proto == proto && x->port == port &&
	       memcmp(x->addr.b, a->b, addr_len(a)) == 0;
}

/* Slot of the key: its record's slot, or the empty slot where it would go. */
static size_t slot_of(const struct wk_results *r, const struct wk_scan_addr *a, uint8_t proto,
                      uint16_t port)
{
	/* The tag (the hash's upper half) settles most mismatches without touching the
	 * record, which is a cache miss on a big table. */
	uint64_t h = hash_key(r, a, proto, port);
	uint64_t tag = h >> 32;
	size_t s = h & r->mask;
	while (r->idx[s] &&
	       (r->idx[s] >> 32 != tag || !key_eq(&r->v[(uint32_t)r->idx[s] - 1], a, proto, port)))
		s = (s + 1) & r->mask;
	return s;
}

static uint64_t entry(const struct wk_results *r, const struct wk_scan_result *x, size_t i)
{
	return (hash_key(r, &x->addr, x->proto, x->port) >> 32) << 32 | (uint64_t)(i + 1);
}

static void reindex(struct wk_results *r)
{
	memset(r->idx, 0, (r->mask + 1) * sizeof(*r->idx));
	for (size_t i = 0; i < r->n; i++) {
		const struct wk_scan_result *x = &r->v[i];
		r->idx[slot_of(r, &x->addr, x->proto, x->port)] = entry(r, x, i);
	}
}

static int grow(struct wk_results *r, struct wk_error *err)
{
	if (r->n == MAX_RECORDS)
		return wk_seterr(err, WK_ENOMEM, "result table: more than %zu records",
		                 MAX_RECORDS);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct wk_scan_result *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return wk_seterr(err, WK_ENOMEM, "result table: %zu records", cap);
		r->v = v;
		r->cap = cap;
	}
	if (!r->idx || (r->n + 1) * 2 > r->mask + 1) {
		size_t slots = r->idx ? (r->mask + 1) * 2 : 128;
		uint64_t *idx = calloc(slots, sizeof(*idx));
		if (!idx)
			return wk_seterr(err, WK_ENOMEM, "result table index: %zu slots", slots);
		free(r->idx);
		r->idx = idx;
		r->mask = slots - 1;
		reindex(r);
	}
	return 0;
}

/* One allocation holding the struct, its strings and the banner. */
static struct wk_scan_service *svc_copy(const struct wk_scan_service *s)
{
	const char *const *strs[] = {&s->name,     &s->product, &s->version,    &s->extra,
	                             &s->hostname, &s->ostype,  &s->devicetype, &s->cpe[0],
	                             &s->cpe[1],   &s->cpe[2],  &s->cpe[3],     &s->probe};
	_Static_assert(WK_SCAN_MAX_CPE == 4, "cpe slots listed above");
	/* the TLS facts first: the struct's alignment holds right after the service struct */
	size_t need =
	    sizeof(struct wk_scan_service) + (s->tls ? sizeof(*s->tls) : 0) + s->banner_len;
	for (size_t i = 0; i < WK_ARRAY_SIZE(strs); i++)
		if (*strs[i])
			need += strlen(*strs[i]) + 1;
	struct wk_scan_service *c = malloc(need);
	if (!c)
		return NULL;
	*c = *s;
	char *p = (char *)(c + 1);
	if (s->tls) {
		memcpy(p, s->tls, sizeof(*s->tls));
		c->tls = (const struct wk_tls_info *)(void *)p;
		p += sizeof(*s->tls);
	}
	if (s->banner_len) {
		memcpy(p, s->banner, s->banner_len);
		c->banner = (const uint8_t *)p;
		p += s->banner_len;
	} else {
		c->banner = NULL;
	}
	const char **dst[] = {&c->name,     &c->product, &c->version,    &c->extra,
	                      &c->hostname, &c->ostype,  &c->devicetype, &c->cpe[0],
	                      &c->cpe[1],   &c->cpe[2],  &c->cpe[3],     &c->probe};
	for (size_t i = 0; i < WK_ARRAY_SIZE(strs); i++) {
		if (!*strs[i])
			continue;
		size_t k = strlen(*strs[i]) + 1;
		memcpy(p, *strs[i], k);
		*dst[i] = p;
		p += k;
	}
	return c;
}

/* 2: the port (or host) answered itself; 1: an ICMP error from somewhere on the way;
 * 0: nothing came back. Host records: up 1, down 0. */
static int rank(const struct wk_scan_result *x)
{
	if (x->proto == WK_SCAN_HOST)
		return x->state == WK_PS_HOST_UP;
	switch (x->reason) {
	case WK_RS_NONE:
	case WK_RS_NO_RESPONSE:
		return 0;
	case WK_RS_HOST_UNREACH:
	case WK_RS_NET_UNREACH:
	case WK_RS_PROTO_UNREACH:
	case WK_RS_ADMIN_PROHIBITED:
	case WK_RS_HOST_PROHIBITED:
	case WK_RS_NET_PROHIBITED:
	case WK_RS_TIME_EXCEEDED:
		return 1;
	default:
		return 2;
	}
}

static int check(const struct wk_scan_result *x, struct wk_error *err)
{
	if (x->addr.family != AF_INET && x->addr.family != AF_INET6)
		return wk_seterr(err, WK_EINVAL, "result: address family %u", x->addr.family);
	if (x->reason >= WK_RS_NREASON)
		return wk_seterr(err, WK_EINVAL, "result: reason %u", x->reason);
	bool host_state = x->state == WK_PS_HOST_UP || x->state == WK_PS_HOST_DOWN ||
	                  x->state == WK_PS_HOST_UNKNOWN;
	if (x->state > WK_PS_HOST_UNKNOWN || host_state != (x->proto == WK_SCAN_HOST))
		return wk_seterr(err, WK_EINVAL, "result: state %u with proto %u", x->state,
		                 x->proto);
	if (x->proto != WK_SCAN_HOST && x->proto >= WK_SP_NPROTO)
		return wk_seterr(err, WK_EINVAL, "result: proto %u", x->proto);
	return 0;
}

static int put(struct wk_results *r, const struct wk_scan_result *x, struct wk_error *err)
{
	if (!r->idx) {
		int rc = grow(r, err);
		if (rc)
			return rc;
	}
	size_t s = slot_of(r, &x->addr, x->proto, x->port);
	struct wk_scan_service *svc = NULL;
	char *name = NULL;
	if (x->svc && !(svc = svc_copy(x->svc)))
		return wk_seterr(err, WK_ENOMEM, "result: service details");
	if (x->hostname && !(name = strdup(x->hostname))) {
		free(svc);
		return wk_seterr(err, WK_ENOMEM, "result: host name");
	}
	if (r->idx[s]) {
		struct wk_scan_result *old = &r->v[(uint32_t)r->idx[s] - 1];
		/* a host's round trip is every timed answer's, whichever record wins */
		uint32_t srtt = old->rtt_us, var = old->rttvar_us;
		if (x->proto == WK_SCAN_HOST && x->rtt_us && x->rttvar_us) {
			srtt = x->rtt_us;
			var = x->rttvar_us;
		} else if (x->proto == WK_SCAN_HOST) {
			rtt_fold(&old->rtt_us, &old->rttvar_us, x->rtt_us);
			srtt = old->rtt_us;
			var = old->rttvar_us;
		}
		if (rank(x) < rank(old)) {
			/* a name learned later still belongs to the host */
			if (name && old->proto == WK_SCAN_HOST) {
				free((void *)old->hostname);
				old->hostname = name;
			} else {
				free(name);
			}
			free(svc);
			return 0;
		}
		const struct wk_scan_service *keep = old->svc;
		const char *keep_name = old->hostname;
		struct wk_scan_result was = *old;
		*old = *x;
		if (x->proto == WK_SCAN_HOST) {
			old->rtt_us = srtt;
			old->rttvar_us = var;
			/* a MAC learned earlier still belongs to the host (-Pn: user-set comes
			 * last) */
			if (!x->has_mac && was.has_mac) {
				old->has_mac = true;
				memcpy(old->mac, was.mac, 6);
			}
		}
		if (name) {
			free((void *)keep_name);
			old->hostname = name;
		} else {
			old->hostname = keep_name;
		}
		if (old->addr.family == AF_INET)
			memset(old->addr.b + 4, 0, 12);
		if (svc) {
			free((void *)keep);
			old->svc = svc;
		} else {
			old->svc = keep;
		}
		r->sorted = false;
		return 0;
	}
	int rc = grow(r, err);
	if (rc) {
		free(svc);
		free(name);
		return rc;
	}
	s = slot_of(r, &x->addr, x->proto, x->port); /* the index may have grown */
	struct wk_scan_result *n = &r->v[r->n];
	*n = *x;
	/* Bytes past the family's length are not part of the key: keep them zero. */
	if (n->addr.family == AF_INET)
		memset(n->addr.b + 4, 0, 12);
	n->svc = svc;
	n->hostname = name;
	if (n->proto == WK_SCAN_HOST && !n->rttvar_us) { /* one sample */
		uint32_t sample = n->rtt_us;
		n->rtt_us = 0;
		rtt_fold(&n->rtt_us, &n->rttvar_us, sample);
	}
	r->idx[s] = entry(r, n, r->n);
	r->n++;
	r->sorted = false;
	return 0;
}

static struct wk_scan_result *find(struct wk_results *r, const struct wk_scan_addr *addr,
                                   uint8_t proto, uint16_t port)
{
	if (!r->idx)
		return NULL;
	size_t s = slot_of(r, addr, proto, port);
	return r->idx[s] ? &r->v[(uint32_t)r->idx[s] - 1] : NULL;
}

int wk_results_add(struct wk_results *r, const struct wk_scan_result *res, struct wk_error *err)
{
	int rc = check(res, err);
	if (rc)
		return rc;
	if (res->proto != WK_SCAN_HOST) {
		/* The host answered, so it is up: nmap's "Host is up, received syn-ack". */
		struct wk_scan_result *h = find(r, &res->addr, WK_SCAN_HOST, 0);
		const struct wk_scan_result *p = find(r, &res->addr, res->proto, res->port);
		if (h && h->state == WK_PS_HOST_UP) {
			/* the port's round trip is the host's too; once (a port record added
			 * again with its service details is the same answer) */
			if (!p || !p->rtt_us)
				rtt_fold(&h->rtt_us, &h->rttvar_us, res->rtt_us);
		} else if (rank(res) == 2) {
			struct wk_scan_result up = *res;
			up.proto = WK_SCAN_HOST;
			up.port = 0;
			up.state = WK_PS_HOST_UP;
			up.svc = NULL;
			up.hostname = NULL;
			if ((rc = put(r, &up, err)))
				return rc;
		}
	}
	return put(r, res, err);
}

const struct wk_scan_result *wk_results_find(const struct wk_results *r,
                                             const struct wk_scan_addr *addr, uint8_t proto,
                                             uint16_t port)
{
	if (!r || !r->idx || (addr->family != AF_INET && addr->family != AF_INET6))
		return NULL;
	size_t s = slot_of(r, addr, proto, port);
	return r->idx[s] ? &r->v[(uint32_t)r->idx[s] - 1] : NULL;
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct wk_scan_result *a = pa, *b = pb;
	if (a->addr.family != b->addr.family)
		return a->addr.family == AF_INET ? -1 : 1;
	int c = memcmp(a->addr.b, b->addr.b, addr_len(&a->addr));
	if (c)
		return c;
	/* The host record (proto 0xff) first, then tcp, udp, sctp. */
	uint8_t pa8 = (uint8_t)(a->proto + 1), pb8 = (uint8_t)(b->proto + 1);
	if (pa8 != pb8)
		return pa8 < pb8 ? -1 : 1;
	return (int)a->port - (int)b->port;
}

const struct wk_scan_result *wk_results_at(const struct wk_results *cr, size_t i)
{
	if (!cr || i >= cr->n)
		return NULL;
	if (!cr->sorted) {
		/* Sorting on first read after a change; the table was allocated mutable. */
		struct wk_results *r = (struct wk_results *)cr;
		qsort(r->v, r->n, sizeof(*r->v), cmp_rec);
		reindex(r);
		r->sorted = true;
	}
	return &cr->v[i];
}
