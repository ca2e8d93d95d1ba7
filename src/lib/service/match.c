/* Matching replies against the probe file's match lines and filling the version fields
 * from their templates ($1..$9, $P(), $SUBST(), $I()), as nmap's service scan does. */
#include <stdio.h>
#include <string.h>

#include "service/service_int.h"
#include "wirekit/cursor.h"

struct sink {
	char *p;
	size_t n, cap; /* cap includes the terminator */
};

static void put(struct sink *s, uint8_t c)
{
	if (s->n + 1 < s->cap)
		s->p[s->n++] = (char)c;
}

static void put_n(struct sink *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(s, p[i]);
}

/* One capture: its bytes, or an empty run when the group did not take part. */
static void capture(const uint8_t *subject, size_t slen, const size_t *ov, unsigned ncap,
                    unsigned k, const uint8_t **p, size_t *n)
{
	*p = subject;
	*n = 0;
	if (k >= ncap)
		return;
	size_t a = ov[2 * k], b = ov[2 * k + 1];
	if (a == PCRE2_UNSET || b == PCRE2_UNSET || a > b || b > slen)
		return;
	*p = subject + a;
	*n = b - a;
}

/* "(" digit, then for $SUBST and $I a ',' and quoted strings, then ")". */
static bool arg_digit(struct wk_rd *r, unsigned *k)
{
	uint8_t c = wk_rd_u8(r);
	if (r->bad || c < '1' || c > '9')
		return false;
	*k = c - '0';
	return true;
}

static bool arg_quoted(struct wk_rd *r, const uint8_t **p, size_t *n)
{
	uint8_t c = wk_rd_u8(r);
	if (c != ',')
		return false;
	if (wk_rd_u8(r) != '"')
		return false;
	size_t len = 0;
	uint8_t ch;
	while (wk_rd_peek_u8(r, len, &ch) && ch != '"')
		len++;
	if (!wk_rd_peek_u8(r, len, &ch))
		return false;
	*p = r->cur;
	*n = len;
	wk_rd_skip(r, len + 1);
	return !r->bad;
}

static bool kw(struct wk_rd *r, const char *s)
{
	size_t n = strlen(s);
	if (wk_rd_left(r) < n || memcmp(r->cur, s, n))
		return false;
	wk_rd_skip(r, n);
	return true;
}

static void put_uint(struct sink *s, uint64_t v)
{
	char tmp[24];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	put_n(s, (const uint8_t *)tmp, (size_t)len);
}

int svc_expand(const char *tmpl, const uint8_t *subject, size_t slen, const size_t *ov,
               unsigned ncap, char *out, size_t outsz)
{
	struct sink s = {out, 0, outsz};
	struct wk_rd r;
	int rc = 0;
	wk_rd_init(&r, tmpl, strlen(tmpl));
	while (wk_rd_left(&r)) {
		uint8_t c = wk_rd_u8(&r);
		if (c != '$') {
			put(&s, c);
			continue;
		}
		uint8_t nx = 0;
		if (!wk_rd_peek_u8(&r, 0, &nx)) {
			put(&s, c);
			break;
		}
		const uint8_t *cp;
		size_t cn;
		unsigned k;
		if (nx >= '1' && nx <= '9') {
			wk_rd_skip(&r, 1);
			capture(subject, slen, ov, ncap, (unsigned)(nx - '0'), &cp, &cn);
			put_n(&s, cp, cn);
		} else if (kw(&r, "P(")) {
			if (!arg_digit(&r, &k) || wk_rd_u8(&r) != ')')
				goto bad;
			capture(subject, slen, ov, ncap, k, &cp, &cn);
			for (size_t i = 0; i < cn; i++)
				if (cp[i] >= 0x20 && cp[i] < 0x7f)
					put(&s, cp[i]);
		} else if (kw(&r, "SUBST(")) {
			const uint8_t *from, *to;
			size_t fn, tn;
			if (!arg_digit(&r, &k) || !arg_quoted(&r, &from, &fn) ||
			    !arg_quoted(&r, &to, &tn) || wk_rd_u8(&r) != ')' || fn == 0)
				goto bad;
			capture(subject, slen, ov, ncap, k, &cp, &cn);
			for (size_t i = 0; i < cn;) {
				if (cn - i >= fn && !memcmp(cp + i, from, fn)) {
					put_n(&s, to, tn);
					i += fn;
				} else {
					put(&s, cp[i++]);
				}
			}
		} else if (kw(&r, "I(")) {
			const uint8_t *q;
			size_t qn;
			if (!arg_digit(&r, &k) || !arg_quoted(&r, &q, &qn) || wk_rd_u8(&r) != ')' ||
			    qn != 1 || (q[0] != '>' && q[0] != '<'))
				goto bad;
			capture(subject, slen, ov, ncap, k, &cp, &cn);
			if (cn > 8)
				goto bad; /* nmap refuses wider integers too */
			uint64_t v = 0;
			for (size_t i = 0; i < cn; i++)
				v = v << 8 | (q[0] == '>' ? cp[i] : cp[cn - 1 - i]);
			put_uint(&s, v);
		} else {
			put(&s, c); /* a lone '$' is itself */
		}
	}
	goto done;
bad:
	rc = -1;
done:
	if (outsz)
		out[s.n < outsz ? s.n : outsz - 1] = '\0';
	return rc < 0 ? rc : (int)s.n;
}

/* Version strings are for people: control bytes a capture dragged in become spaces and
 * runs of blanks collapse, as nmap shows them. */
static void tidy(char *s)
{
	size_t w = 0;
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && (w == 0 || s[w - 1] == ' '))
			continue;
		s[w++] = (char)c;
	}
	while (w && s[w - 1] == ' ')
		w--;
	s[w] = '\0';
}

static void fill(const struct svc_match *m, const struct svc_probe *p, const uint8_t *r, size_t n,
                 const size_t *ov, unsigned ncap, struct wk_service_info *out)
{
	char *dst[SVC_NFIELD] = {out->product,  out->version, out->extrainfo,
	                         out->hostname, out->ostype,  out->devicetype};
	size_t sz[SVC_NFIELD] = {sizeof(out->product),   sizeof(out->version),
	                         sizeof(out->extrainfo), sizeof(out->hostname),
	                         sizeof(out->ostype),    sizeof(out->devicetype)};
	/* "ssl/http": nmap's way of saying the service runs in a TLS tunnel */
	bool tunnel = !strncmp(m->service, "ssl/", 4) && m->service[4];
	snprintf(out->name, sizeof(out->name), "%s", m->service + (tunnel ? 4 : 0));
	out->ssl = tunnel;
	for (int i = 0; i < SVC_NFIELD; i++) {
		dst[i][0] = '\0';
		if (m->f[i]) {
			(void)svc_expand(m->f[i], r, n, ov, ncap, dst[i], sz[i]);
			tidy(dst[i]);
		}
	}
	out->ncpe = 0;
	for (unsigned i = 0; i < m->ncpe; i++) {
		(void)svc_expand(m->cpe[i], r, n, ov, ncap, out->cpe[out->ncpe], WK_SVC_STR);
		tidy(out->cpe[out->ncpe]);
		out->ncpe++;
	}
	snprintf(out->probe, sizeof(out->probe), "%s", p->name);
	out->line = m->line;
}

/* 1 hard, 2 soft, 0 none, scanning one probe's own lines. */
static int match_lines(const struct wk_svc_db *db, const struct svc_probe *p,
                       const struct svc_probe *owner, const uint8_t *r, size_t n, const char *only,
                       bool *have_soft, struct wk_service_info *out)
{
	for (size_t i = 0; i < p->nm; i++) {
		const struct svc_match *m = &p->m[i];
		if (only && strcmp(m->service, only))
			continue;
		if (m->soft && *have_soft)
			continue;
		int rc = pcre2_match(m->re, r, n, 0, 0, db->md, db->mctx);
		if (rc < 0)
			continue;
		unsigned ncap = pcre2_get_ovector_count(db->md);
		const size_t *ov = pcre2_get_ovector_pointer(db->md);
		if (rc > 0 && (unsigned)rc < ncap)
			ncap = (unsigned)rc;
		if (m->soft) {
			/* remembered; a hard match found later still wins */
			fill(m, owner, r, n, ov, ncap, out);
			*have_soft = true;
			continue;
		}
		fill(m, owner, r, n, ov, ncap, out);
		return 1;
	}
	return 0;
}

int svc_match_reply(const struct wk_svc_db *db, const struct svc_probe *p, const uint8_t *reply,
                    size_t n, const char *only, struct wk_service_info *out)
{
	bool soft = false;
	struct wk_service_info tmp;
	/* out keeps the soft answer while hard candidates are tried in tmp */
	if (match_lines(db, p, p, reply, n, only, &soft, out))
		return 1;
	for (size_t i = 0; i < p->nfb; i++) {
		const struct svc_probe *f = &db->p[p->fb[i]];
		if (f == p)
			continue;
		bool s2 = soft;
		if (match_lines(db, f, p, reply, n, only, &s2, soft ? &tmp : out)) {
			if (soft)
				*out = tmp;
			return 1;
		}
		soft = s2;
	}
	if (!p->udp && db->null_tcp != SIZE_MAX && &db->p[db->null_tcp] != p) {
		bool s2 = soft;
		if (match_lines(db, &db->p[db->null_tcp], p, reply, n, only, &s2,
		                soft ? &tmp : out)) {
			if (soft)
				*out = tmp;
			return 1;
		}
		soft = s2;
	}
	return soft ? 2 : 0;
}

bool svc_probe_serves(const struct wk_svc_db *db, const struct svc_probe *p, const char *service)
{
	for (size_t i = 0; i < p->nm; i++)
		if (!strcmp(p->m[i].service, service))
			return true;
	for (size_t i = 0; i < p->nfb; i++) {
		const struct svc_probe *f = &db->p[p->fb[i]];
		for (size_t j = 0; j < f->nm; j++)
			if (!strcmp(f->m[j].service, service))
				return true;
	}
	return false;
}

int wk_svc_db_match(const struct wk_svc_db *db, const char *probe, bool udp, const uint8_t *reply,
                    size_t n, struct wk_service_info *out)
{
	const struct svc_probe *p = svc_probe_find(db, probe, udp);
	if (!p)
		return WK_ENOTFOUND;
	int rc = svc_match_reply(db, p, reply, n, NULL, out);
	out->method = rc == 1 ? WK_SVC_PROBED : rc == 2 ? WK_SVC_SOFT : WK_SVC_NONE;
	return rc;
}

const char *wk_service_label(const struct wk_service_info *si, char *buf, size_t n)
{
	if (si->method == WK_SVC_WRAPPED)
		snprintf(buf, n, "tcpwrapped");
	else
		snprintf(buf, n, "%s%s", si->ssl && si->name[0] ? "ssl/" : "", si->name);
	return buf;
}

const char *wk_service_version_text(const struct wk_service_info *si, char *buf, size_t n)
{
	struct sink s = {buf, 0, n};
	const char *parts[3] = {si->product, si->version, si->extrainfo};
	for (int i = 0; i < 3; i++) {
		if (!parts[i][0])
			continue;
		if (s.n)
			put(&s, ' ');
		if (i == 2)
			put(&s, '(');
		put_n(&s, (const uint8_t *)parts[i], strlen(parts[i]));
		if (i == 2)
			put(&s, ')');
	}
	if (n)
		buf[s.n < n ? s.n : n - 1] = '\0';
	return buf;
}
