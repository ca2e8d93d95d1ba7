/* Target sets: intervals the user wrote (a /8 is one entry), sorted, merged, minus the
 * exclusions; the i-th address by a binary search over running counts (the scan calls
 * wk_targets_at once per probe). Token syntax is in targets_parse.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/targets_int.h"

struct wk_targets {
	struct ivlist4 in4, ex4;
	struct ivlist6 in6, ex6;
	/* after finish: running count before each interval, IPv4 intervals first */
	uint64_t *cum;
	size_t niv;
	uint64_t count;
	int family; /* wk_targets_family: AF_UNSPEC, AF_INET or AF_INET6 */
};

struct wk_targets *wk_targets_new(struct wk_error *err)
{
	struct wk_targets *t = calloc(1, sizeof(*t));
	if (!t)
		wk_seterr(err, WK_ENOMEM, "target set: out of memory");
	return t;
}

void wk_targets_free(struct wk_targets *t)
{
	if (!t)
		return;
	free(t->in4.v);
	free(t->ex4.v);
	free(t->in6.v);
	free(t->ex6.v);
	free(t->cum);
	free(t);
}

int wk_targets_family(struct wk_targets *t, int family, struct wk_error *err)
{
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return wk_seterr(err, WK_EINVAL, "address family %d", family);
	t->family = family;
	return 0;
}

int wk_targets_add(struct wk_targets *t, const char *token, struct wk_error *err)
{
	size_t n4 = t->in4.n, n6 = t->in6.n;
	int rc = targets_parse_token(token, &t->in4, &t->in6, true, t->family, err);
	if (rc)
		return rc;
	/* a literal of the other family (names already resolved to the one asked) */
	if ((t->family == AF_INET6 && t->in4.n != n4) || (t->family == AF_INET && t->in6.n != n6)) {
		t->in4.n = n4;
		t->in6.n = n6;
		return wk_seterr(err, WK_EINVAL, "bad target \"%.100s\": not an %s address", token,
		                 t->family == AF_INET6 ? "IPv6" : "IPv4");
	}
	return 0;
}

int wk_targets_exclude(struct wk_targets *t, const char *token, struct wk_error *err)
{
	return targets_parse_token(token, &t->ex4, &t->ex6, false, AF_UNSPEC, err);
}

/* Tokens of a file (or stdin), separated by blanks, commas and new lines; '#' comments. */
static int read_file(struct wk_targets *t, const char *path, bool exclude, struct wk_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (!f)
		return wk_seterr_sys(err, errno, "cannot open %s", path);
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t\r\n,", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			struct wk_error e = {0};
			rc = exclude ? wk_targets_exclude(t, tok, &e) : wk_targets_add(t, tok, &e);
			if (rc) {
				wk_seterr(err, rc, "%s:%u: %s", is_stdin ? "stdin" : path, lineno,
				          e.msg);
				goto out;
			}
		}
	}
	if (ferror(f))
		rc = wk_seterr_sys(err, errno ? errno : EIO, "reading %s", path);
out:
	free(line);
	if (!is_stdin)
		fclose(f);
	return rc;
}

int wk_targets_add_file(struct wk_targets *t, const char *path, struct wk_error *err)
{
	return read_file(t, path, false, err);
}

int wk_targets_exclude_file(struct wk_targets *t, const char *path, struct wk_error *err)
{
	return read_file(t, path, true, err);
}

static int cmp4(const void *a, const void *b)
{
	const struct iv4 *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp6(const void *a, const void *b)
{
	const struct iv6 *x = a, *y = b;
	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void merge4(struct ivlist4 *l)
{
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp4);
	size_t w = 0;
	for (size_t r = 1; r < l->n; r++) {
		if ((uint64_t)l->v[r].lo <= (uint64_t)l->v[w].hi + 1) {
			if (l->v[r].hi > l->v[w].hi)
				l->v[w].hi = l->v[r].hi;
		} else {
			l->v[++w] = l->v[r];
		}
	}
	l->n = w + 1;
}

static void merge6(struct ivlist6 *l)
{
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp6);
	size_t w = 0;
	for (size_t r = 1; r < l->n; r++) {
		struct iv6 *c = &l->v[w];
		if (l->v[r].net == c->net && (c->hi == UINT64_MAX || l->v[r].lo <= c->hi + 1)) {
			if (l->v[r].hi > c->hi)
				c->hi = l->v[r].hi;
		} else {
			l->v[++w] = l->v[r];
		}
	}
	l->n = w + 1;
}

/* in minus ex, both sorted and merged; the result replaces in. */
static int subtract4(struct ivlist4 *in, const struct ivlist4 *ex)
{
	struct ivlist4 out = {0};
	size_t j = 0;
	for (size_t i = 0; i < in->n; i++) {
		uint64_t lo = in->v[i].lo, hi = in->v[i].hi;
		while (j < ex->n && ex->v[j].hi < lo)
			j++;
		for (size_t k = j; k < ex->n && ex->v[k].lo <= hi && lo <= hi; k++) {
			if (ex->v[k].lo > lo &&
			    targets_push4(&out, (uint32_t)lo, ex->v[k].lo - 1)) {
				free(out.v);
				return WK_ENOMEM;
			}
			lo = (uint64_t)ex->v[k].hi + 1;
		}
		if (lo <= hi && targets_push4(&out, (uint32_t)lo, (uint32_t)hi)) {
			free(out.v);
			return WK_ENOMEM;
		}
	}
	free(in->v);
	*in = out;
	return 0;
}

static bool before6(const struct iv6 *e, const struct iv6 *x)
{
	return e->net < x->net || (e->net == x->net && e->hi < x->lo);
}

static int subtract6(struct ivlist6 *in, const struct ivlist6 *ex)
{
	struct ivlist6 out = {0};
	size_t j = 0;
	for (size_t i = 0; i < in->n; i++) {
		const struct iv6 *x = &in->v[i];
		uint64_t lo = x->lo, hi = x->hi;
		bool done = false;
		while (j < ex->n && before6(&ex->v[j], x))
			j++;
		for (size_t k = j;
		     k < ex->n && ex->v[k].net == x->net && ex->v[k].lo <= hi && !done; k++) {
			if (ex->v[k].lo > lo && targets_push6(&out, x->net, lo, ex->v[k].lo - 1))
				goto nomem;
			if (ex->v[k].hi >= hi)
				done = true;
			else
				lo = ex->v[k].hi + 1;
		}
		if (!done && targets_push6(&out, x->net, lo, hi))
			goto nomem;
	}
	free(in->v);
	*in = out;
	return 0;
nomem:
	free(out.v);
	return WK_ENOMEM;
}

int wk_targets_finish(struct wk_targets *t, struct wk_error *err)
{
	merge4(&t->in4);
	merge4(&t->ex4);
	merge6(&t->in6);
	merge6(&t->ex6);
	if (subtract4(&t->in4, &t->ex4) || subtract6(&t->in6, &t->ex6))
		return wk_seterr(err, WK_ENOMEM, "target set: out of memory");
	size_t n = t->in4.n + t->in6.n;
	free(t->cum);
	t->cum = NULL;
	t->niv = 0;
	t->count = 0;
	if (n == 0)
		return wk_seterr(err, WK_EINVAL, "no targets left");
	t->cum = malloc(n * sizeof(*t->cum));
	if (!t->cum)
		return wk_seterr(err, WK_ENOMEM, "target set: out of memory");
	uint64_t c = 0;
	for (size_t i = 0; i < t->in4.n; i++) {
		t->cum[i] = c;
		c += (uint64_t)t->in4.v[i].hi - t->in4.v[i].lo + 1;
	}
	for (size_t i = 0; i < t->in6.n; i++) {
		t->cum[t->in4.n + i] = c;
		c += t->in6.v[i].hi - t->in6.v[i].lo + 1;
	}
	t->niv = n;
	t->count = c;
	return 0;
}

uint64_t wk_targets_count(const struct wk_targets *t)
{
	return t->count;
}

static void put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

void wk_targets_at(const struct wk_targets *t, uint64_t i, struct wk_scan_addr *out)
{
	/* the last interval whose running count is <= i: a branch-free halving search */
	const uint64_t *base = t->cum;
	size_t len = t->niv;
	while (len > 1) {
		size_t half = len / 2;
		base = base[half] <= i ? base + half : base;
		len -= half;
	}
	size_t j = (size_t)(base - t->cum);
	uint64_t off = i - *base;
	if (j < t->in4.n) {
		uint32_t a = t->in4.v[j].lo + (uint32_t)off;
		out->family = AF_INET;
		out->b[0] = (uint8_t)(a >> 24);
		out->b[1] = (uint8_t)(a >> 16);
		out->b[2] = (uint8_t)(a >> 8);
		out->b[3] = (uint8_t)a;
		return;
	}
	const struct iv6 *x = &t->in6.v[j - t->in4.n];
	out->family = AF_INET6;
	put_be64(out->b, x->net);
	put_be64(out->b + 8, x->lo + off);
}

static uint64_t get_be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

bool wk_targets_index(const struct wk_targets *t, const struct wk_scan_addr *a, uint64_t *idx)
{
	if (a->family == AF_INET) {
		uint32_t v = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
		             (uint32_t)a->b[2] << 8 | a->b[3];
		size_t lo = 0, hi = t->in4.n; /* first interval with lo > v is at hi */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (t->in4.v[mid].lo <= v)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0 || v > t->in4.v[lo - 1].hi)
			return false;
		*idx =
		    t->cum ? t->cum[lo - 1] + (v - t->in4.v[lo - 1].lo) : 0; /* 0: not finished */
		return true;
	}
	if (a->family != AF_INET6)
		return false;
	struct iv6 key = {get_be64(a->b), get_be64(a->b + 8), 0};
	size_t lo = 0, hi = t->in6.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct iv6 *x = &t->in6.v[mid];
		if (x->net < key.net || (x->net == key.net && x->lo <= key.lo))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct iv6 *x = &t->in6.v[lo - 1];
	if (x->net != key.net || key.lo > x->hi)
		return false;
	*idx = t->cum ? t->cum[t->in4.n + lo - 1] + (key.lo - x->lo) : 0;
	return true;
}

bool wk_targets_has(const struct wk_targets *t, const struct wk_scan_addr *a)
{
	uint64_t i;
	return wk_targets_index(t, a, &i);
}
