/* Parser of nmap's nmap-service-probes format (nmap.org/book/vscan-fileformat.html):
 * Exclude, Probe, match, softmatch, ports, sslports, totalwaitms, tcpwrappedms, rarity,
 * fallback. Every line is read through a bounded cursor; regexes are compiled once with
 * PCRE2 (JIT on request, wk_svc_db_jit); a regex PCRE2 refuses is remembered with its line and
 * skipped, anything else that cannot be understood fails the load naming the line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile_int.h"
#include "service/service_int.h"
#include "wirekit/addr.h"
#include "wirekit/cursor.h"

#define PROBE_FILE_MAX (64u << 20)

struct pctx {
	struct wk_svc_db *db;
	const char *name;
	unsigned line;
	struct wk_error *e;
};

static int perr(struct pctx *c, const char *why)
{
	return wk_seterr(c->e, WK_EFORMAT, "%s line %u: %s", c->name, c->line, why);
}

static char *dup_n(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void skip_ws(struct wk_rd *r)
{
	uint8_t c;
	while (wk_rd_peek_u8(r, 0, &c) && (c == ' ' || c == '\t'))
		wk_rd_skip(r, 1);
}

/* The next run of non-blank bytes (may be empty). */
static struct wk_rd word(struct wk_rd *r)
{
	size_t n = 0;
	uint8_t c;
	while (wk_rd_peek_u8(r, n, &c) && c != ' ' && c != '\t')
		n++;
	return wk_rd_sub(r, n, NULL);
}

static bool word_is(const struct wk_rd *w, const char *s)
{
	size_t n = strlen(s);
	return wk_rd_left(w) == n && !memcmp(w->cur, s, n);
}

/* Bytes up to the next delimiter d (consumed); false when the line ends first. */
static bool delimited(struct wk_rd *r, uint8_t d, struct wk_rd *out)
{
	size_t n = 0;
	uint8_t c;
	while (wk_rd_peek_u8(r, n, &c) && c != d)
		n++;
	if (!wk_rd_peek_u8(r, n, &c))
		return false;
	*out = wk_rd_sub(r, n, NULL);
	wk_rd_skip(r, 1);
	return true;
}

/* letter, a delimiter byte, text up to the same delimiter: q|...| and m/.../ */
static int lettered(struct pctx *c, struct wk_rd *r, uint8_t letter, struct wk_rd *body,
                    const char *need, const char *unclosed)
{
	uint8_t l = 0, d = 0;
	if (!wk_rd_peek_u8(r, 0, &l) || l != letter || !wk_rd_peek_u8(r, 1, &d))
		return perr(c, need);
	wk_rd_skip(r, 2);
	return delimited(r, d, body) ? 0 : perr(c, unclosed);
}

/* Room for one more element of size bytes in *v (capacity *cap, first allocation first). */
static int grow(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : first;
	void *nv = realloc(*v, nc * size);
	if (!nv)
		return WK_ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* The C-like escapes of a probe string: \\ \0 \a \b \f \n \r \t \v \xHH. */
static int unescape(struct pctx *c, struct wk_rd *s, uint8_t **out, size_t *outn)
{
	uint8_t *b = malloc(wk_rd_left(s) + 1);
	size_t n = 0;
	if (!b)
		return wk_seterr(c->e, WK_ENOMEM, "probe string");
	while (wk_rd_left(s)) {
		uint8_t ch = wk_rd_u8(s);
		if (ch != '\\') {
			b[n++] = ch;
			continue;
		}
		if (!wk_rd_left(s)) {
			free(b);
			return perr(c, "probe string ends in a backslash");
		}
		ch = wk_rd_u8(s);
		switch (ch) {
		case '0':
			ch = 0;
			break;
		case 'a':
			ch = 7;
			break;
		case 'b':
			ch = 8;
			break;
		case 'f':
			ch = 12;
			break;
		case 'n':
			ch = 10;
			break;
		case 'r':
			ch = 13;
			break;
		case 't':
			ch = 9;
			break;
		case 'v':
			ch = 11;
			break;
		case 'x': {
			uint8_t h1 = 0, h2 = 0;
			if (!wk_rd_peek_u8(s, 0, &h1) || !wk_rd_peek_u8(s, 1, &h2) ||
			    wk_hexval(h1) < 0 || wk_hexval(h2) < 0) {
				free(b);
				return perr(c, "bad \\x escape in probe string");
			}
			wk_rd_skip(s, 2);
			ch = (uint8_t)(wk_hexval(h1) << 4 | wk_hexval(h2));
			break;
		}
		default:
			break; /* \\ \| and any other: the byte itself */
		}
		b[n++] = ch;
	}
	*out = b;
	*outn = n;
	return 0;
}

static bool parse_uint(struct wk_rd *w, unsigned max, unsigned *v)
{
	unsigned x = 0;
	size_t digits = 0;
	while (wk_rd_left(w)) {
		uint8_t ch = *w->cur;
		if (ch < '0' || ch > '9')
			break;
		x = x * 10 + (ch - '0');
		if (x > max)
			return false;
		wk_rd_skip(w, 1);
		digits++;
	}
	*v = x;
	return digits > 0;
}

static int ranges_add(struct svc_ranges *r, unsigned lo, unsigned hi)
{
	struct svc_range *v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return WK_ENOMEM;
	r->v = v;
	r->v[r->n].lo = (uint16_t)lo;
	r->v[r->n].hi = (uint16_t)hi;
	r->n++;
	return 0;
}

/* "21,80-90" into r; with excl, "T:" and "U:" prefixes pick the list (default TCP). */
static int parse_ports(struct pctx *c, struct wk_rd *w, struct svc_ranges *r,
                       struct svc_ranges *excl)
{
	struct svc_ranges *cur = excl ? &excl[WK_SP_TCP] : r;
	while (wk_rd_left(w)) {
		uint8_t ch = *w->cur;
		if (ch == ',' || ch == ' ' || ch == '\t') {
			wk_rd_skip(w, 1);
			continue;
		}
		if (excl && (ch == 'T' || ch == 'U' || ch == 'S')) {
			uint8_t colon = 0;
			if (!wk_rd_peek_u8(w, 1, &colon) || colon != ':')
				return perr(c, "bad port list");
			wk_rd_skip(w, 2);
			cur = &excl[ch == 'U' ? WK_SP_UDP : WK_SP_TCP];
			continue;
		}
		unsigned lo, hi;
		if (!parse_uint(w, 65535, &lo))
			return perr(c, "bad port list");
		hi = lo;
		uint8_t dash = 0;
		if (wk_rd_peek_u8(w, 0, &dash) && dash == '-') {
			wk_rd_skip(w, 1);
			if (!parse_uint(w, 65535, &hi) || hi < lo)
				return perr(c, "bad port range");
		}
		if (ranges_add(cur, lo, hi))
			return wk_seterr(c->e, WK_ENOMEM, "port list");
	}
	return 0;
}

bool svc_ranges_has(const struct svc_ranges *r, uint16_t port)
{
	for (size_t i = 0; i < r->n; i++)
		if (port >= r->v[i].lo && port <= r->v[i].hi)
			return true;
	return false;
}

static struct svc_probe *last_probe(struct pctx *c)
{
	return c->db->np ? &c->db->p[c->db->np - 1] : NULL;
}

static int do_probe(struct pctx *c, struct wk_rd *r)
{
	struct wk_svc_db *db = c->db;
	struct wk_rd proto = word(r);
	bool udp;
	if (word_is(&proto, "TCP"))
		udp = false;
	else if (word_is(&proto, "UDP"))
		udp = true;
	else
		return perr(c, "Probe protocol must be TCP or UDP");
	skip_ws(r);
	struct wk_rd name = word(r);
	if (!wk_rd_left(&name) || wk_rd_left(&name) > 47)
		return perr(c, "Probe needs a name (at most 47 bytes)");
	skip_ws(r);
	struct wk_rd body;
	int rc = lettered(c, r, 'q', &body, "Probe needs a q<delim>string<delim>",
	                  "probe string is not closed");
	if (rc)
		return rc;
	if (grow((void **)&db->p, db->np, &db->capp, sizeof(*db->p), 64))
		return wk_seterr(c->e, WK_ENOMEM, "probes");
	struct svc_probe *p = &db->p[db->np];
	memset(p, 0, sizeof(*p));
	p->udp = udp;
	p->rarity = 1;
	p->waitms = SVC_DEFAULT_WAITMS;
	p->wrappedms = SVC_DEFAULT_WRAPPEDMS;
	p->line = c->line;
	p->name = dup_n(name.cur, wk_rd_left(&name));
	if (!p->name)
		return wk_seterr(c->e, WK_ENOMEM, "probe name");
	db->np++; /* owned by db from here on, freed with it */
	rc = unescape(c, &body, &p->payload, &p->plen);
	if (rc)
		return rc;
	if (!udp && !strcmp(p->name, "NULL") && db->null_tcp == SIZE_MAX)
		db->null_tcp = db->np - 1;
	return 0; /* a trailing "no-payload" option is accepted and ignored */
}

static int refuse(struct pctx *c, const char *why)
{
	struct wk_svc_db *db = c->db;
	if (grow((void **)&db->ref, db->nref, &db->capref, sizeof(*db->ref), 16))
		return wk_seterr(c->e, WK_ENOMEM, "refused list");
	db->ref[db->nref].line = c->line;
	snprintf(db->ref[db->nref].why, sizeof(db->ref[0].why), "%s", why);
	db->nref++;
	return 0;
}

static void match_fini(struct svc_match *m)
{
	free(m->service);
	pcre2_code_free(m->re);
	for (int i = 0; i < SVC_NFIELD; i++)
		free(m->f[i]);
	for (unsigned i = 0; i < m->ncpe; i++)
		free(m->cpe[i]);
}

/* p/ v/ i/ h/ o/ d/ and cpe:/.../[a] after the regex. */
static int version_fields(struct pctx *c, struct wk_rd *r, struct svc_match *m)
{
	static const char letters[SVC_NFIELD] = {'p', 'v', 'i', 'h', 'o', 'd'};
	for (;;) {
		skip_ws(r);
		if (!wk_rd_left(r))
			return 0;
		uint8_t k = wk_rd_u8(r);
		bool cpe = false;
		if (k == 'c' && wk_rd_left(r) >= 3 && !memcmp(r->cur, "pe:", 3)) {
			wk_rd_skip(r, 3);
			cpe = true;
		}
		uint8_t d = 0;
		if (!wk_rd_peek_u8(r, 0, &d))
			return perr(c, "version field without a value");
		wk_rd_skip(r, 1);
		struct wk_rd v;
		if (!delimited(r, d, &v))
			return perr(c, "version field is not closed");
		if (cpe) {
			uint8_t a = 0;
			if (wk_rd_peek_u8(r, 0, &a) && a == 'a')
				wk_rd_skip(r, 1);
			/* nmap keeps one CPE per part (a, h, o): a later one of the same part
			 * replaces the earlier (OpenSSH's Debian line names debian_linux, then
			 * linux_kernel; nmap reports linux_kernel alone) */
			unsigned slot = m->ncpe;
			for (unsigned i = 0; i < m->ncpe; i++)
				if (wk_rd_left(&v) && m->cpe[i][5] == v.cur[0])
					slot = i;
			if (slot == WK_SVC_CPES)
				continue; /* more CPEs than we keep */
			/* stored with its "cpe:/" prefix, the form nmap prints */
			char *s = malloc(wk_rd_left(&v) + 6);
			if (!s)
				return wk_seterr(c->e, WK_ENOMEM, "cpe");
			memcpy(s, "cpe:/", 5);
			memcpy(s + 5, v.cur, wk_rd_left(&v));
			s[5 + wk_rd_left(&v)] = '\0';
			if (slot < m->ncpe)
				free(m->cpe[slot]);
			else
				m->ncpe++;
			m->cpe[slot] = s;
			continue;
		}
		int f = -1;
		for (int i = 0; i < SVC_NFIELD; i++)
			if (letters[i] == k)
				f = i;
		if (f < 0)
			return perr(c, "unknown version field (want p v i h o d cpe)");
		free(m->f[f]);
		m->f[f] = dup_n(v.cur, wk_rd_left(&v));
		if (!m->f[f])
			return wk_seterr(c->e, WK_ENOMEM, "version field");
	}
}

static int do_match(struct pctx *c, struct wk_rd *r, bool soft)
{
	struct svc_probe *p = last_probe(c);
	if (!p)
		return perr(c, "match before any Probe");
	struct wk_rd svc = word(r);
	if (!wk_rd_left(&svc) || wk_rd_left(&svc) > 47)
		return perr(c, "match needs a service name (at most 47 bytes)");
	skip_ws(r);
	struct wk_rd re;
	int rc =
	    lettered(c, r, 'm', &re, "match needs m<delim>regex<delim>", "regex is not closed");
	if (rc)
		return rc;
	uint32_t opts = 0;
	uint8_t f;
	while (wk_rd_peek_u8(r, 0, &f) && (f == 'i' || f == 's')) {
		opts |= f == 'i' ? PCRE2_CASELESS : PCRE2_DOTALL;
		wk_rd_skip(r, 1);
	}
	struct svc_match sm = {.soft = soft, .line = c->line};
	rc = version_fields(c, r, &sm);
	if (rc)
		goto fail;
	int ecode;
	PCRE2_SIZE eoff;
	sm.re = pcre2_compile(re.cur, wk_rd_left(&re), opts, &ecode, &eoff, NULL);
	if (!sm.re) {
		char why[200];
		PCRE2_UCHAR msg[96];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		snprintf(why, sizeof(why), "regex refused at offset %zu: %s", (size_t)eoff,
		         (const char *)msg);
		rc = refuse(c, why);
		goto fail;
	}
	sm.service = dup_n(svc.cur, wk_rd_left(&svc));
	if (!sm.service) {
		rc = wk_seterr(c->e, WK_ENOMEM, "service name");
		goto fail;
	}
	if (grow((void **)&p->m, p->nm, &p->capm, sizeof(*p->m), 16)) {
		rc = wk_seterr(c->e, WK_ENOMEM, "matches");
		goto fail;
	}
	p->m[p->nm++] = sm;
	return 0;
fail:
	match_fini(&sm);
	return rc;
}

static int do_number(struct pctx *c, struct wk_rd *r, unsigned max, unsigned *out)
{
	if (!last_probe(c))
		return perr(c, "directive before any Probe");
	struct wk_rd w = word(r);
	unsigned v;
	if (!parse_uint(&w, max, &v) || wk_rd_left(&w))
		return perr(c, "bad number");
	*out = v;
	return 0;
}

static int line(struct pctx *c, struct wk_rd *r)
{
	skip_ws(r);
	uint8_t first = 0;
	if (!wk_rd_peek_u8(r, 0, &first) || first == '#')
		return 0;
	struct wk_rd kw = word(r);
	skip_ws(r);
	struct svc_probe *p = last_probe(c);
	if (word_is(&kw, "Probe"))
		return do_probe(c, r);
	if (word_is(&kw, "match"))
		return do_match(c, r, false);
	if (word_is(&kw, "softmatch"))
		return do_match(c, r, true);
	if (word_is(&kw, "Exclude"))
		return parse_ports(c, r, NULL, c->db->excl);
	if (word_is(&kw, "ports") || word_is(&kw, "sslports")) {
		if (!p)
			return perr(c, "ports before any Probe");
		return parse_ports(c, r, word_is(&kw, "ports") ? &p->ports : &p->sslports, NULL);
	}
	if (word_is(&kw, "rarity")) {
		unsigned v = 0;
		int rc = do_number(c, r, 9, &v);
		if (!rc)
			p->rarity = v ? v : 1;
		return rc;
	}
	if (word_is(&kw, "totalwaitms"))
		return do_number(c, r, 600000, p ? &p->waitms : NULL);
	if (word_is(&kw, "tcpwrappedms"))
		return do_number(c, r, 600000, p ? &p->wrappedms : NULL);
	if (word_is(&kw, "fallback")) {
		if (!p)
			return perr(c, "fallback before any Probe");
		free(p->fallback);
		p->fb_line = c->line;
		p->fallback = dup_n(r->cur, wk_rd_left(r));
		return p->fallback ? 0 : wk_seterr(c->e, WK_ENOMEM, "fallback");
	}
	return perr(c, "unknown directive");
}

const struct svc_probe *svc_probe_find(const struct wk_svc_db *db, const char *name, bool udp)
{
	for (size_t i = 0; i < db->np; i++)
		if (db->p[i].udp == udp && !strcmp(db->p[i].name, name))
			return &db->p[i];
	return NULL;
}

/* fallback names to probe indices (same protocol; unknown names are an error) */
static int resolve_fallbacks(struct pctx *c)
{
	for (size_t i = 0; i < c->db->np; i++) {
		struct svc_probe *p = &c->db->p[i];
		if (!p->fallback)
			continue;
		struct wk_rd r;
		wk_rd_init(&r, p->fallback, strlen(p->fallback));
		while (wk_rd_left(&r)) {
			size_t n = 0;
			uint8_t ch;
			while (wk_rd_peek_u8(&r, n, &ch) && ch != ',' && ch != ' ')
				n++;
			struct wk_rd w = wk_rd_sub(&r, n, NULL);
			wk_rd_skip(&r, 1);
			if (!n)
				continue;
			/* the same protocol first; nmap's file has a TCP probe falling back to a
			 * UDP one of the same family (DNSVersionBindReqTCP) */
			size_t j = c->db->np;
			for (size_t k = 0; k < c->db->np; k++)
				if (strlen(c->db->p[k].name) == n &&
				    !memcmp(c->db->p[k].name, w.cur, n) &&
				    (j == c->db->np || c->db->p[k].udp == p->udp))
					j = k;
			c->line = p->fb_line;
			if (j == c->db->np)
				return perr(c, "fallback names an unknown probe");
			if (p->nfb < SVC_MAX_FALLBACK)
				p->fb[p->nfb++] = j;
		}
	}
	return 0;
}

int wk_svc_db_parse(struct wk_svc_db **out, const char *text, size_t n, const char *name,
                    struct wk_error *e)
{
	*out = NULL;
	struct wk_svc_db *db = calloc(1, sizeof(*db));
	if (!db)
		return wk_seterr(e, WK_ENOMEM, "probe database");
	db->null_tcp = SIZE_MAX;
	struct pctx c = {.db = db, .name = name ? name : "probe file", .e = e};
	struct wk_rd r;
	wk_rd_init(&r, text, n);
	int rc = 0;
	while (wk_rd_left(&r)) {
		size_t len = 0;
		uint8_t ch;
		while (wk_rd_peek_u8(&r, len, &ch) && ch != '\n')
			len++;
		struct wk_rd ln = wk_rd_sub(&r, len, NULL);
		wk_rd_skip(&r, 1);
		c.line++;
		if (len && ln.end[-1] == '\r')
			ln.end--;
		if (memchr(ln.cur, '\0', wk_rd_left(&ln))) {
			rc = perr(&c, "NUL byte (not a text file)");
			goto out;
		}
		if ((rc = line(&c, &ln)))
			goto out;
	}
	if (!db->np) {
		c.line++;
		rc = perr(&c, "no Probe in the file");
		goto out;
	}
	if ((rc = resolve_fallbacks(&c)))
		goto out;
	db->md = pcre2_match_data_create(10, NULL);
	db->mctx = pcre2_match_context_create(NULL);
	if (!db->md || !db->mctx) {
		rc = wk_seterr(e, WK_ENOMEM, "match data");
		goto out;
	}
	/* nmap bounds each match the same way: a pathological pattern is a non-match */
	pcre2_set_match_limit(db->mctx, 100000);
	pcre2_set_depth_limit(db->mctx, 10000);
	*out = db;
	return 0;
out:
	wk_svc_db_free(db);
	return rc;
}

int wk_svc_db_load(struct wk_svc_db **out, const char *path, struct wk_error *e)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? wk_seterr(e, WK_ENOTFOUND, "%s: no such file", path)
		                       : wk_seterr_sys(e, errno, "%s", path);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (cap - n < 65536) {
			if (cap >= PROBE_FILE_MAX) {
				rc = wk_seterr(e, WK_EFORMAT, "%s: larger than %u MiB", path,
				               PROBE_FILE_MAX >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 1u << 20;
			char *nb = realloc(buf, cap);
			if (!nb) {
				rc = wk_seterr(e, WK_ENOMEM, "%s", path);
				goto out;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = wk_seterr_sys(e, errno, "reading %s", path);
			break;
		}
	}
	if (!rc)
		rc = wk_svc_db_parse(out, buf ? buf : "", n, path, e);
out:
	free(buf);
	fclose(f);
	return rc;
}

void wk_svc_db_free(struct wk_svc_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->np; i++) {
		struct svc_probe *p = &db->p[i];
		for (size_t j = 0; j < p->nm; j++)
			match_fini(&p->m[j]);
		free(p->m);
		free(p->name);
		free(p->payload);
		free(p->fallback);
		free(p->ports.v);
		free(p->sslports.v);
	}
	free(db->p);
	free(db->excl[0].v);
	free(db->excl[1].v);
	free(db->ref);
	pcre2_match_data_free(db->md);
	pcre2_match_context_free(db->mctx);
	free(db);
}

void wk_svc_db_stats(const struct wk_svc_db *db, struct wk_svc_db_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->probes = db->np;
	for (size_t i = 0; i < db->np; i++) {
		if (db->p[i].udp)
			s->udp_probes++;
		else
			s->tcp_probes++;
		for (size_t j = 0; j < db->p[i].nm; j++)
			if (db->p[i].m[j].soft)
				s->softmatches++;
			else
				s->matches++;
	}
	s->refused = db->nref;
	s->excluded = db->excl[0].n + db->excl[1].n;
}

bool wk_svc_db_refused(const struct wk_svc_db *db, size_t i, unsigned *line, const char **why)
{
	if (i >= db->nref)
		return false;
	*line = db->ref[i].line;
	*why = db->ref[i].why;
	return true;
}

int wk_svc_db_jit(struct wk_svc_db *db)
{
	uint32_t have = 0;
	if (pcre2_config(PCRE2_CONFIG_JIT, &have) < 0 || !have)
		return WK_EUNSUP;
	for (size_t i = 0; i < db->np; i++)
		for (size_t j = 0; j < db->p[i].nm; j++)
			(void)pcre2_jit_compile(db->p[i].m[j].re, PCRE2_JIT_COMPLETE);
	return 0;
}

bool wk_svc_db_excluded(const struct wk_svc_db *db, uint8_t proto, uint16_t port)
{
	if (proto > WK_SP_UDP)
		return false;
	return svc_ranges_has(&db->excl[proto], port);
}

const char *wk_svc_db_path(const char *datadir, char *buf, size_t n)
{
	/* the first place that has it, else the last one tried (load then names it) */
	FILE *f = datafile_open(datadir, "nmap-service-probes", buf, n, NULL, 0);
	if (f)
		fclose(f);
	return buf;
}
