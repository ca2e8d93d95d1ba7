/* Value parsers of the packet language (spec.h): numbers, ranges, value names, flag
 * letters, addresses with ranges and prefixes, hex bytes; and the edit distance behind the
 * did-you-mean suggestions. */
#include <errno.h>
#include <stdio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "proto/spec_int.h"
#include "wirekit/addr.h"

char spec_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* ---- edit distance ------------------------------------------------------------------ */

unsigned wk_spec_distance(const char *a, const char *b)
{
	enum { MAXL = 64 };
	size_t la = strlen(a), lb = strlen(b);
	if (la >= MAXL || lb >= MAXL)
		return 1000;
	/* optimal string alignment: three rows are enough */
	unsigned r0[MAXL], r1[MAXL], r2[MAXL];
	unsigned *pp = r0, *p = r1, *c = r2;
	for (size_t j = 0; j <= lb; j++)
		p[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = spec_lower(a[i - 1]) == spec_lower(b[j - 1]) ? 0 : 1;
			unsigned v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && spec_lower(a[i - 1]) == spec_lower(b[j - 2]) &&
			    spec_lower(a[i - 2]) == spec_lower(b[j - 1]) && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		unsigned *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

void spec_near_try(struct near *nr, const char *cand, size_t n)
{
	char tmp[64];
	if (n == 0 || n >= sizeof(tmp))
		return;
	memcpy(tmp, cand, n);
	tmp[n] = '\0';
	unsigned d = wk_spec_distance(nr->want, tmp);
	size_t wl = strlen(nr->want);
	unsigned limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;
	if (d <= limit && d < nr->d) {
		nr->d = d;
		memcpy(nr->best, tmp, n + 1);
	}
}

/* Short names of the settable fields of p (full names and aliases without "p."). */
void spec_near_fields(struct near *nr, const struct wk_proto *p)
{
	size_t pn = strlen(p->name);
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *f = &p->fields[k];
		if (f->flags & WK_FF_NOENC)
			continue;
		const char *names[2] = {f->name, f->alias};
		for (int j = 0; j < 2; j++)
			for (const char *a = names[j]; a && *a;) {
				const char *e = strchr(a, ' ');
				size_t len = e ? (size_t)(e - a) : strlen(a);
				if (len > pn && !strncmp(a, p->name, pn) && a[pn] == '.')
					spec_near_try(nr, a + pn + 1, len - pn - 1);
				else
					spec_near_try(nr, a, len);
				a = e ? e + 1 : a + len;
			}
	}
}

/* ---- values ------------------------------------------------------------------------- */

/* Value k of segment g into a build value. */
void spec_seg_value(const struct seg *g, uint64_t k, struct wk_bval *v)
{
	uint64_t x = g->lo + k;
	v->u = x;
	v->n = g->n;
	if (g->n) {
		memcpy(v->b, g->b, g->n);
		for (unsigned j = 0; j < g->tail; j++)
			v->b[g->n - 1 - j] = (uint8_t)(x >> (8 * j));
	}
}

/* Hex bytes, optionally "0x" or "hex:" first, with ':', '-' or spaces between bytes. */
bool spec_parse_hex(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	size_t i = 0, k = 0;
	if (n >= 4 && !strncmp(s, "hex:", 4))
		i = 4;
	else if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	while (i < n) {
		if (s[i] == ':' || s[i] == ' ' || s[i] == '-') {
			i++;
			continue;
		}
		int hi = wk_hexval((unsigned char)s[i]);
		int lo = i + 1 < n ? wk_hexval((unsigned char)s[i + 1]) : -1;
		if (hi < 0 || lo < 0 || k >= cap)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*len = k;
	return true;
}

/* A whole unsigned number (decimal or 0x hex). */
bool spec_parse_num(const char *s, size_t n, uint64_t *out)
{
	char buf[32];
	if (n == 0 || n >= sizeof(buf) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Separators in value names vary between tables ("echo-request", "echo request"): in
 * the loose comparison '-', '_' and ' ' are one character. */
static char loose(char c)
{
	return c == '_' || c == ' ' ? '-' : spec_lower(c);
}

static bool tok_eq(const char *s, size_t n, const char *name, bool icase)
{
	if (strlen(name) != n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (icase ? loose(s[k]) != loose(name[k]) : s[k] != name[k])
			return false;
	return true;
}

/* Bit value, in f's own units, of a one-bit sub-field g ("tcp.flags.syn" of tcp.flags). */
static bool subfield_bit(const struct wk_field *f, const struct wk_field *g, uint64_t *bit)
{
	if (g->type != WK_FT_BOOL || g->get || !g->mask || f->get || f->width > 8 ||
	    g->off < f->off || g->off + g->width > f->off + f->width)
		return false;
	unsigned shift = (unsigned)(f->off + f->width - g->off - g->width) * 8;
	uint64_t m = (uint64_t)g->mask << shift;
	uint64_t fm = f->mask ? f->mask : (f->width >= 8 ? ~0ull : (1ull << (8 * f->width)) - 1);
	if ((m & fm) != m)
		return false;
	*bit = m >> __builtin_ctzll(fm);
	return true;
}

/* Flags written as letters or sub-field names: "SA" (scapy's TCP letters, the field's
 * single-letter value names first, then the sub-fields' initials: U, E, C) or "DF" /
 * "df" (a sub-field named ip.flags.df). */
static bool parse_flags(const struct wk_proto *p, const struct wk_field *f, const char *s, size_t n,
                        uint64_t *out)
{
	const char *plus = memchr(s, '+', n);
	if (plus) {
		/* several flags: DF+MF, S+A, syn+ack (scapy's spelling) */
		uint64_t a, b;
		size_t k = (size_t)(plus - s);
		if (k == 0 || k + 1 >= n || !parse_flags(p, f, s, k, &a) ||
		    !parse_flags(p, f, plus + 1, n - k - 1, &b))
			return false;
		*out = a | b;
		return true;
	}
	size_t fl = strlen(f->name);
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *g = &p->fields[k];
		uint64_t bit;
		if (!strncmp(g->name, f->name, fl) && g->name[fl] == '.' &&
		    tok_eq(s, n, g->name + fl + 1, true) && subfield_bit(f, g, &bit)) {
			*out = bit;
			return true;
		}
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool found = false;
		for (const struct wk_vname *nm = f->names; nm && nm->name && !found; nm++)
			if (nm->name[0] == c && nm->name[1] == '\0' && nm->v) {
				v |= nm->v;
				found = true;
			}
		for (size_t k = 0; k < p->nfields && !found; k++) {
			const struct wk_field *g = &p->fields[k];
			uint64_t bit;
			if (!strncmp(g->name, f->name, fl) && g->name[fl] == '.' &&
			    spec_lower(g->name[fl + 1]) == spec_lower(c) &&
			    subfield_bit(f, g, &bit) && !(v & bit)) {
				v |= bit;
				found = true;
			}
		}
		if (!found)
			return false;
	}
	*out = v;
	return n > 0;
}

static bool parse_uint(const struct wk_proto *p, const struct wk_field *f, const char *s, size_t n,
                       struct seg *g)
{
	for (int icase = 0; icase < 2; icase++)
		for (const struct wk_vname *nm = f->names; nm && nm->name; nm++)
			if (tok_eq(s, n, nm->name, icase)) {
				g->lo = g->hi = nm->v;
				return true;
			}
	/* the request of a request/reply pair by its short name: timestamp, echo,
	 * address-mask (scapy and tcpdump users type these) */
	for (const struct wk_vname *nm = f->names; nm && nm->name; nm++) {
		if (strlen(nm->name) != n + 8 || strcmp(nm->name + n, "-request"))
			continue;
		size_t k = 0;
		while (k < n && loose(s[k]) == loose(nm->name[k]))
			k++;
		if (k == n) {
			g->lo = g->hi = nm->v;
			return true;
		}
	}
	if (f->type == WK_FT_BOOL) {
		static const char *const t[] = {"true", "yes", "on"}, *const fa[] = {"false", "no",
		                                                                     "off"};
		for (size_t k = 0; k < 3; k++) {
			if (tok_eq(s, n, t[k], true)) {
				g->lo = g->hi = 1;
				return true;
			}
			if (tok_eq(s, n, fa[k], true)) {
				g->lo = g->hi = 0;
				return true;
			}
		}
	}
	const char *dash = memchr(s, '-', n);
	if (dash && dash > s) {
		uint64_t a, b;
		if (spec_parse_num(s, (size_t)(dash - s), &a) &&
		    spec_parse_num(dash + 1, n - (size_t)(dash - s) - 1, &b) && a <= b) {
			g->lo = a;
			g->hi = b;
			return true;
		}
		return false;
	}
	uint64_t v;
	if (spec_parse_num(s, n, &v) || parse_flags(p, f, s, n, &v)) {
		g->lo = g->hi = v;
		return true;
	}
	return false;
}

static uint32_t ip4_u32(const struct wk_ip4 *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

bool spec_cstr(const char *s, size_t n, char *buf, size_t cap)
{
	if (n >= cap)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/* a.b.c.d, a.b.c.d-e.f.g.h, a.b.c.d-N (last byte), a.b.c.d/len. */
static bool parse_ip4(const char *s, size_t n, struct seg *g)
{
	char a[64], b[64];
	struct wk_ip4 x, y;
	const char *sep = NULL;
	for (size_t k = 0; k < n; k++)
		if (s[k] == '-' || s[k] == '/')
			sep = s + k;
	size_t an = sep ? (size_t)(sep - s) : n;
	if (!spec_cstr(s, an, a, sizeof(a)) || !wk_ip4_parse(a, &x))
		return false;
	g->n = 4;
	g->tail = 4;
	memcpy(g->b, x.b, 4);
	g->lo = g->hi = ip4_u32(&x);
	if (!sep)
		return true;
	if (!spec_cstr(sep + 1, n - an - 1, b, sizeof(b)))
		return false;
	uint64_t len;
	if (*sep == '/') {
		if (!spec_parse_num(b, strlen(b), &len) || len > 32)
			return false;
		uint32_t mask = len ? ~0u << (32 - len) : 0;
		g->lo = ip4_u32(&x) & mask;
		g->hi = g->lo | ~mask;
		return true;
	}
	if (wk_ip4_parse(b, &y))
		g->hi = ip4_u32(&y);
	else if (spec_parse_num(b, strlen(b), &len) && len <= 255)
		g->hi = (g->lo & ~0xffull) | len;
	else
		return false;
	return g->lo <= g->hi;
}

/* An address, addr/len (len >= 64: the low 64 bits count) or addr-addr differing only
 * in the low 64 bits. */
static bool parse_ip6(const char *s, size_t n, struct seg *g)
{
	char a[64], b[64];
	struct wk_ip6 x, y;
	const char *sep = NULL;
	for (size_t k = 0; k < n; k++)
		if (s[k] == '-' || s[k] == '/')
			sep = s + k;
	size_t an = sep ? (size_t)(sep - s) : n;
	if (!spec_cstr(s, an, a, sizeof(a)) || !wk_ip6_parse(a, &x))
		return false;
	uint64_t low = 0;
	for (int k = 8; k < 16; k++)
		low = low << 8 | x.b[k];
	g->n = 16;
	g->tail = 8;
	memcpy(g->b, x.b, 16);
	g->lo = g->hi = low;
	if (!sep)
		return true;
	if (!spec_cstr(sep + 1, n - an - 1, b, sizeof(b)))
		return false;
	if (*sep == '/') {
		uint64_t len;
		if (!spec_parse_num(b, strlen(b), &len) || len < 64 || len > 128)
			return false;
		uint64_t mask = len == 64 ? 0 : ~0ull << (128 - len);
		g->lo = low & mask;
		g->hi = g->lo | ~mask;
		return true;
	}
	if (!wk_ip6_parse(b, &y) || memcmp(x.b, y.b, 8))
		return false;
	g->hi = 0;
	for (int k = 8; k < 16; k++)
		g->hi = g->hi << 8 | y.b[k];
	return g->lo <= g->hi;
}

/* One value token of field f into g; false when it is not a value of f. */
bool spec_parse_value(const struct wk_proto *p, const struct wk_field *f, const char *s, size_t n,
                      struct seg *g)
{
	char buf[64];
	size_t len = 0;
	memset(g, 0, offsetof(struct seg, b));
	switch (f->type) {
	case WK_FT_UINT:
	case WK_FT_BOOL:
		return parse_uint(p, f, s, n, g);
	case WK_FT_IP4:
		return parse_ip4(s, n, g);
	case WK_FT_IP6:
		return parse_ip6(s, n, g);
	case WK_FT_MAC: {
		struct wk_mac m;
		if (!spec_cstr(s, n, buf, sizeof(buf)) || !wk_mac_parse(buf, &m))
			return false;
		memcpy(g->b, m.b, 6);
		g->n = 6;
		return true;
	}
	case WK_FT_BYTES:
		if (!spec_parse_hex(s, n, g->b, sizeof(g->b), &len) || len == 0)
			return false;
		g->n = (uint16_t)len;
		return true;
	case WK_FT_STR:
		if (n > sizeof(g->b))
			return false;
		memcpy(g->b, s, n);
		g->n = (uint16_t)n;
		return true;
	case WK_FT_NONE:
		break;
	}
	return false;
}

const struct wk_field *spec_flag_named(const struct wk_proto *p, const char *s, size_t n)
{
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *g = &p->fields[k];
		const char *last = strrchr(g->name, '.');
		if (g->type != WK_FT_BOOL || !last || last == strchr(g->name, '.'))
			continue; /* only sub-fields: "ip.flags.df", "dns.flags.recdesired" */
		if (tok_eq(s, n, last + 1, true))
			return g;
	}
	return NULL;
}

/* A host name as the value of an address field, resolved once, here (scapy resolves
 * names in IP fields too): the first address of the field's family. 1 when s is no host
 * name (letters, digits, '-', '.', '_', at least one letter), 0 when resolved, or an
 * error with the reason in msg. */
int spec_resolve(const struct wk_field *f, const char *s, size_t n, struct seg *g, char *msg,
                 size_t cap)
{
	char name[256];
	bool letter = false;
	if ((f->type != WK_FT_IP4 && f->type != WK_FT_IP6) || n == 0 || n >= sizeof(name) ||
	    s[0] == '-' || s[0] == '.')
		return 1;
	for (size_t k = 0; k < n; k++) {
		char c = spec_lower(s[k]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_'))
			return 1;
		letter |= c >= 'a' && c <= 'z';
	}
	if (!letter)
		return 1;
	memcpy(name, s, n);
	name[n] = '\0';
	int fam = f->type == WK_FT_IP4 ? AF_INET : AF_INET6;
	struct addrinfo hints = {.ai_family = fam, .ai_socktype = SOCK_DGRAM}, *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc || !res) {
		snprintf(msg, cap, "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return WK_ENOTFOUND;
	}
	memset(g, 0, offsetof(struct seg, b));
	if (fam == AF_INET) {
		const uint8_t *a =
		    (const uint8_t *)&((const struct sockaddr_in *)res->ai_addr)->sin_addr;
		memcpy(g->b, a, 4);
		g->n = 4;
		g->tail = 4;
		g->lo = g->hi =
		    (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
	} else {
		const uint8_t *a = ((const struct sockaddr_in6 *)res->ai_addr)->sin6_addr.s6_addr;
		memcpy(g->b, a, 16);
		g->n = 16;
		g->tail = 8;
		for (int k = 8; k < 16; k++)
			g->lo = g->lo << 8 | a[k];
		g->hi = g->lo;
	}
	freeaddrinfo(res);
	return 0;
}
