/* nmap's nmap-services (names and open frequencies, read at run time from nmap's data
 * directory) and nmap's -p port list syntax. Port sets are built in a bitmap per protocol,
 * so a spec of any length costs 24 KiB and the result comes out sorted and unique. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile_int.h"
#include "wirekit/scan.h"

#define SERVICES_FILE "nmap-services"

struct svc {
	uint16_t port;
	uint8_t proto;
	uint32_t line; /* file order: nmap breaks frequency ties by it (= by port) */
	double freq;
	char *name;
};

struct wk_services {
	struct svc *v; /* sorted by proto, port */
	size_t n;
};

/* One bit per (proto, port). */
struct portset {
	uint64_t w[WK_SP_NPROTO][65536 / 64];
};

static void ps_set(struct portset *s, unsigned proto, unsigned port)
{
	s->w[proto][port >> 6] |= 1ull << (port & 63);
}

/* Ports lo..hi (1 <= lo <= hi <= 65535) a word at a time: "-,-,-" stays cheap. */
static void ps_set_range(struct portset *s, unsigned proto, unsigned lo, unsigned hi)
{
	for (unsigned w = lo >> 6; w <= hi >> 6; w++) {
		unsigned a = w == lo >> 6 ? lo & 63 : 0, b = w == hi >> 6 ? hi & 63 : 63;
		uint64_t m = (b == 63 ? ~0ull : (1ull << (b + 1)) - 1) & ~((1ull << a) - 1);
		s->w[proto][w] |= m;
	}
}

static bool ps_has(const struct portset *s, unsigned proto, unsigned port)
{
	return s->w[proto][port >> 6] >> (port & 63) & 1;
}

static const char *const proto_names[WK_SP_NPROTO] = {"tcp", "udp", "sctp"};

static int proto_of(const char *s)
{
	for (int i = 0; i < WK_SP_NPROTO; i++)
		if (strcmp(s, proto_names[i]) == 0)
			return i;
	return -1;
}

static int cmp_svc(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One line: "name port/proto [frequency] [# comment]". 1 = entry, 0 = nothing (blank,
 * comment, a protocol we do not scan), -1 = damage. */
static int parse_line(char *line, uint32_t lineno, struct svc *out)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *save = NULL;
	char *name = strtok_r(line, " \t\r\n", &save);
	if (!name)
		return 0;
	char *pp = strtok_r(NULL, " \t\r\n", &save);
	char *fr = strtok_r(NULL, " \t\r\n", &save);
	if (!pp)
		return -1;
	char *slash = strchr(pp, '/');
	if (!slash || slash == pp)
		return -1;
	*slash = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(pp, &end, 10);
	if (*end || errno || port > 65535 || pp[0] == '-' || pp[0] == '+')
		return -1;
	double freq = 0;
	if (fr) {
		errno = 0;
		freq = strtod(fr, &end);
		if (*end || errno || !isfinite(freq) || freq < 0)
			return -1;
	}
	int proto = proto_of(slash + 1);
	if (proto < 0)
		return 0; /* ddp and friends: not ours to scan */
	*out = (struct svc){(uint16_t)port, (uint8_t)proto, lineno, freq, NULL};
	out->name = strdup(name);
	return out->name ? 1 : -2;
}

static int load_file(struct wk_services *s, FILE *f, const char *path, struct wk_error *err)
{
	char *line = NULL;
	size_t cap = 0, vcap = 0;
	uint32_t lineno = 0;
	int rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		struct svc e;
		int r = parse_line(line, lineno, &e);
		if (r == 0)
			continue;
		if (r == -1) {
			rc = wk_seterr(err, WK_EFORMAT, "%s:%u: not \"name port/proto frequency\"",
			               path, lineno);
			goto out;
		}
		if (r == -2 || (s->n == vcap && vcap >= (1u << 22)))
			goto nomem;
		if (s->n == vcap) {
			size_t nc = vcap ? vcap * 2 : 1024;
			struct svc *nv = realloc(s->v, nc * sizeof(*nv));
			if (!nv) {
				free(e.name);
				goto nomem;
			}
			s->v = nv;
			vcap = nc;
		}
		s->v[s->n++] = e;
	}
	if (ferror(f)) {
		rc = wk_seterr_sys(err, errno ? errno : EIO, "reading %s", path);
		goto out;
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_svc);
	/* a port listed twice: the first line wins */
	size_t w = 0;
	for (size_t r = 0; r < s->n; r++) {
		if (w > 0 && s->v[w - 1].proto == s->v[r].proto &&
		    s->v[w - 1].port == s->v[r].port) {
			free(s->v[r].name);
			continue;
		}
		s->v[w++] = s->v[r];
	}
	s->n = w;
	goto out;
nomem:
	rc = wk_seterr(err, WK_ENOMEM, "%s:%u: out of memory", path, lineno);
out:
	free(line);
	return rc;
}

struct wk_services *wk_services_load(const char *datadir, struct wk_error *err)
{
	char path[4096], tried[8200];
	FILE *f = datafile_open(datadir, SERVICES_FILE, path, sizeof(path), tried, sizeof(tried));
	if (!f) {
		wk_seterr(err, WK_ENOTFOUND, "no %s: tried %s (install nmap or use --datadir)",
		          SERVICES_FILE, tried);
		return NULL;
	}
	struct wk_services *s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		wk_seterr(err, WK_ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	int rc = load_file(s, f, path, err);
	fclose(f);
	if (rc) {
		wk_services_free(s);
		return NULL;
	}
	return s;
}

void wk_services_free(struct wk_services *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	free(s);
}

static const struct svc *find(const struct wk_services *s, unsigned proto, unsigned port)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct svc *e = &s->v[mid];
		if (e->proto < proto || (e->proto == proto && e->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[lo].proto == proto && s->v[lo].port == port ? &s->v[lo] : NULL;
}

const char *wk_services_name(const struct wk_services *s, enum wk_scan_proto p, uint16_t port)
{
	if (!s)
		return NULL;
	const struct svc *e = find(s, p, port);
	return e ? e->name : NULL;
}

int wk_services_port(const struct wk_services *s, enum wk_scan_proto p, const char *name)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].proto == p && strcmp(s->v[i].name, name) == 0)
			return s->v[i].port;
	return -1;
}

/* Rebuild out from the set: sorted by proto then port, unique. */
static int ps_store(struct wk_ports *out, const struct portset *set, struct wk_error *err)
{
	size_t n = 0;
	for (int p = 0; p < WK_SP_NPROTO; p++)
		for (size_t i = 0; i < WK_ARRAY_SIZE(set->w[p]); i++)
			n += (size_t)__builtin_popcountll(set->w[p][i]);
	struct wk_port *v = n ? malloc(n * sizeof(*v)) : NULL;
	if (n && !v)
		return wk_seterr(err, WK_ENOMEM, "port list: out of memory");
	size_t k = 0;
	for (unsigned p = 0; p < WK_SP_NPROTO; p++)
		for (unsigned i = 0; i < WK_ARRAY_SIZE(set->w[p]); i++)
			for (uint64_t w = set->w[p][i]; w; w &= w - 1)
				v[k++] = (struct wk_port){
				    (uint8_t)p, (uint16_t)(i * 64 + (unsigned)__builtin_ctzll(w))};
	free(out->v);
	out->v = v;
	out->n = (uint32_t)n;
	return 0;
}

static void ps_from(struct portset *set, const struct wk_ports *l)
{
	for (uint32_t i = 0; l && i < l->n; i++)
		if (l->v[i].proto < WK_SP_NPROTO && l->v[i].port != 0)
			ps_set(set, l->v[i].proto, l->v[i].port);
}

/* A number item: N, N-M, -M, N-, "-". Returns 1 when item has that shape. */
static int number_item(const char *item, size_t len, unsigned long *lo, unsigned long *hi)
{
	unsigned long v[2] = {0, 0};
	int dash = -1, digits[2] = {0, 0};
	for (size_t i = 0; i < len; i++) {
		char c = item[i];
		if (c == '-' && dash < 0) {
			dash = (int)i;
		} else if (c >= '0' && c <= '9') {
			int side = dash >= 0;
			if (v[side] <= 1000000)
				v[side] = v[side] * 10 + (unsigned long)(c - '0');
			digits[side]++;
		} else {
			return 0;
		}
	}
	if (dash < 0 && !digits[0])
		return 0;
	*lo = digits[0] ? v[0] : 1;
	*hi = dash < 0 ? *lo : digits[1] ? v[1] : 65535;
	return 1;
}

static int add_name(struct portset *set, const char *name, unsigned mask,
                    const struct wk_services *s, const char *spec, struct wk_error *err)
{
	if (!s)
		return wk_seterr(
		    err, WK_EINVAL,
		    "bad port \"%.60s\" in \"%.100s\": service names need nmap-services", name,
		    spec);
	bool wild = strpbrk(name, "*?[") != NULL, found = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct svc *e = &s->v[i];
		if (!(mask >> e->proto & 1) || e->port == 0)
			continue;
		if (wild ? fnmatch(name, e->name, 0) == 0 : strcmp(name, e->name) == 0) {
			ps_set(set, e->proto, e->port);
			found = true;
		}
	}
	if (!found)
		return wk_seterr(err, WK_EINVAL,
		                 "bad port \"%.60s\" in \"%.100s\": unknown service", name, spec);
	return 0;
}

int wk_ports_parse(struct wk_ports *out, const char *spec, unsigned protos,
                   const struct wk_services *s, struct wk_error *err)
{
	struct portset *set = calloc(1, sizeof(*set));
	if (!set)
		return wk_seterr(err, WK_ENOMEM, "port list: out of memory");
	unsigned deflt = protos & ((1u << WK_SP_NPROTO) - 1);
	unsigned mask = deflt ? deflt : 1u << WK_SP_TCP;
	int rc = 0;
	ps_from(set, out);
	const char *p = spec;
	if (!*p)
		rc = wk_seterr(err, WK_EINVAL, "bad port list \"\": empty");
	while (!rc && *p) {
		if ((p[0] == 'T' || p[0] == 'U' || p[0] == 'S') && p[1] == ':') {
			mask = 1u << (p[0] == 'T'   ? WK_SP_TCP
			              : p[0] == 'U' ? WK_SP_UDP
			                            : WK_SP_SCTP);
			p += 2;
		}
		size_t len = strcspn(p, ",");
		char item[128];
		unsigned long lo, hi;
		if (len == 0 || len >= sizeof(item)) {
			rc = wk_seterr(err, WK_EINVAL, "bad port list \"%.100s\": %s item", spec,
			               len ? "too long an" : "an empty");
			break;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (number_item(item, len, &lo, &hi)) {
			if (lo == 0 || hi == 0)
				rc = wk_seterr(
				    err, WK_EINVAL,
				    "bad port \"%s\" in \"%.100s\": port 0 is not scanned", item,
				    spec);
			else if (lo > 65535 || hi > 65535)
				rc = wk_seterr(err, WK_EINVAL,
				               "bad port \"%s\" in \"%.100s\": over 65535", item,
				               spec);
			else if (lo > hi)
				rc = wk_seterr(
				    err, WK_EINVAL,
				    "bad port \"%s\" in \"%.100s\": range end before its start",
				    item, spec);
			for (unsigned pr = 0; !rc && pr < WK_SP_NPROTO; pr++)
				if (mask >> pr & 1)
					ps_set_range(set, pr, (unsigned)lo, (unsigned)hi);
		} else if (strspn(item, "0123456789-") == len) {
			rc = wk_seterr(err, WK_EINVAL,
			               "bad port \"%s\" in \"%.100s\": not a port or range", item,
			               spec);
		} else if (strpbrk(item, ":[] ")) {
			rc = wk_seterr(err, WK_EINVAL,
			               "bad port \"%s\" in \"%.100s\": not supported", item, spec);
		} else {
			rc = add_name(set, item, mask, s, spec, err);
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				rc =
				    rc ? rc
				       : wk_seterr(err, WK_EINVAL,
				                   "bad port list \"%.100s\": ends with ','", spec);
		}
	}
	if (!rc)
		rc = ps_store(out, set, err);
	free(set);
	return rc;
}

static int cmp_freq(const void *a, const void *b)
{
	const struct svc *x = *(const struct svc *const *)a, *y = *(const struct svc *const *)b;
	if (x->freq != y->freq)
		return x->freq > y->freq ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

int wk_ports_top(struct wk_ports *out, const struct wk_services *s, enum wk_scan_proto p,
                 unsigned n, struct wk_error *err)
{
	if (!s)
		return wk_seterr(err, WK_EINVAL, "--top-ports needs nmap-services");
	if ((unsigned)p >= WK_SP_NPROTO)
		return wk_seterr(err, WK_EINVAL, "--top-ports: unknown protocol %d", (int)p);
	const struct svc **byf = malloc((s->n ? s->n : 1) * sizeof(*byf));
	struct portset *set = calloc(1, sizeof(*set));
	int rc = 0;
	if (!byf || !set) {
		rc = wk_seterr(err, WK_ENOMEM, "port list: out of memory");
		goto out;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].proto == p && s->v[i].port != 0)
			byf[k++] = &s->v[i];
	qsort(byf, k, sizeof(*byf), cmp_freq);
	ps_from(set, out);
	for (size_t i = 0; i < k && i < n; i++)
		ps_set(set, p, byf[i]->port);
	rc = ps_store(out, set, err);
out:
	free(byf);
	free(set);
	return rc;
}

void wk_ports_remove(struct wk_ports *out, const struct wk_ports *ex)
{
	if (!out || !ex || !ex->n)
		return;
	struct portset *set = calloc(1, sizeof(*set));
	uint32_t w = 0;
	if (set) {
		ps_from(set, ex);
		for (uint32_t i = 0; i < out->n; i++)
			if (out->v[i].proto >= WK_SP_NPROTO ||
			    !ps_has(set, out->v[i].proto, out->v[i].port))
				out->v[w++] = out->v[i];
		free(set);
		out->n = w;
		return;
	}
	/* no memory for the set: ex is sorted by contract, search it */
	for (uint32_t i = 0; i < out->n; i++) {
		bool hit = false;
		uint32_t lo = 0, hi = ex->n;
		while (lo < hi && !hit) {
			uint32_t mid = lo + (hi - lo) / 2;
			const struct wk_port *e = &ex->v[mid];
			int c = e->proto != out->v[i].proto ? (e->proto < out->v[i].proto ? -1 : 1)
			        : e->port != out->v[i].port ? (e->port < out->v[i].port ? -1 : 1)
			                                    : 0;
			if (c == 0)
				hit = true;
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!hit)
			out->v[w++] = out->v[i];
	}
	out->n = w;
}

void wk_ports_free(struct wk_ports *p)
{
	if (!p)
		return;
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
