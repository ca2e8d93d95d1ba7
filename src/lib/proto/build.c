/* The packet encoder: generic over the protocol descriptors. Each protocol writes its
 * header with defaults, the values the user set are applied through the field tables
 * (offset/width/mask), and lengths and checksums are filled innermost first. No
 * protocol is named here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/build_int.h"
#include "wirekit/addr.h"

void wk_build_init(struct wk_build *b)
{
	memset(b, 0, sizeof(*b));
}

int wk_build_add(struct wk_build *b, const struct wk_proto *p, struct wk_error *err)
{
	if (!p)
		return wk_seterr(err, WK_EINVAL, "no protocol");
	if (b->n >= WK_BUILD_MAX_LAYERS)
		return wk_seterr(err, WK_ENOMEM, "more than %d layers", WK_BUILD_MAX_LAYERS);
	if (!p->encode)
		return wk_seterr(err, WK_EUNSUP, "%s: cannot be built", p->name);
	struct wk_blayer *l = &b->l[b->n];
	memset(l, 0, sizeof(*l));
	l->proto = p;
	return (int)b->n++;
}

const struct wk_field *wk_build_field(const struct wk_proto *p, const char *name)
{
	if (!p || !name)
		return NULL;
	/* Short names ("src", "mss") are the full name or an alias without "proto." */
	char full[128];
	size_t pn = strlen(p->name), nn = strlen(name);
	const char *alt = NULL;
	if (pn + 1 + nn < sizeof(full)) {
		memcpy(full, p->name, pn);
		full[pn] = '.';
		memcpy(full + pn + 1, name, nn + 1);
		alt = full;
	}
	for (int pass = 0; pass < 4; pass++)
		for (size_t k = 0; k < p->nfields; k++) {
			const struct wk_field *f = &p->fields[k];
			bool hit;
			if (pass == 0)
				hit = !strcmp(f->name, name);
			else if (pass == 1)
				hit = proto_alias_has(f->alias, name);
			else if (pass == 2)
				hit = alt && !strcmp(f->name, alt);
			else
				hit = alt && proto_alias_has(f->alias, alt);
			if (hit)
				return f;
		}
	return NULL;
}

/* A rejected value must not stay half-set: remove slot v from layer i. */
static void drop(struct wk_build *b, unsigned i, struct wk_bval *v)
{
	struct wk_blayer *l = &b->l[i];
	size_t k = (size_t)(v - l->set);
	memmove(&l->set[k], &l->set[k + 1], (l->nset - k - 1) * sizeof(l->set[0]));
	l->nset--;
}

static struct wk_bval *slot(struct wk_build *b, unsigned i, const char *name, int *rc,
                            struct wk_error *err)
{
	if (i >= b->n) {
		*rc = wk_seterr(err, WK_EINVAL, "no layer %u", i);
		return NULL;
	}
	struct wk_blayer *l = &b->l[i];
	const struct wk_field *f = wk_build_field(l->proto, name);
	if (!f) {
		*rc = wk_seterr(err, WK_ENOTFOUND, "%s: no field '%s'", l->proto->name, name);
		return NULL;
	}
	if (f->flags & WK_FF_NOENC) {
		*rc = wk_seterr(err, WK_EINVAL, "%s: read-only field", f->name);
		return NULL;
	}
	for (unsigned k = 0; k < l->nset; k++)
		if (l->set[k].f == f) {
			memset(&l->set[k], 0, sizeof(l->set[k]));
			l->set[k].f = f;
			return &l->set[k];
		}
	if (l->nset >= WK_BUILD_MAX_SET) {
		*rc = wk_seterr(err, WK_ENOMEM, "%s: too many fields set", l->proto->name);
		return NULL;
	}
	struct wk_bval *v = &l->set[l->nset++];
	memset(v, 0, sizeof(*v));
	v->f = f;
	return v;
}

int wk_build_set_uint(struct wk_build *b, unsigned i, const char *name, uint64_t u,
                      struct wk_error *err)
{
	int rc = 0;
	struct wk_bval *v = slot(b, i, name, &rc, err);
	if (!v)
		return rc;
	if (v->f->type != WK_FT_UINT && v->f->type != WK_FT_BOOL) {
		const char *fn = v->f->name;
		drop(b, i, v);
		return wk_seterr(err, WK_EINVAL, "%s: not a number field", fn);
	}
	v->u = u;
	return 0;
}

int wk_build_set_default(struct wk_build *b, unsigned i, const char *name, uint64_t v,
                         struct wk_error *err)
{
	int rc = wk_build_set_uint(b, i, name, v, err);
	if (rc)
		return rc;
	struct wk_bval *bv = (struct wk_bval *)wk_build_get(b, i, name);
	if (bv)
		bv->soft = true;
	return 0;
}

int wk_build_set_bytes(struct wk_build *b, unsigned i, const char *name, const void *p, size_t n,
                       struct wk_error *err)
{
	int rc = 0;
	struct wk_bval *v = slot(b, i, name, &rc, err);
	if (!v)
		return rc;
	if (n > sizeof(v->b)) {
		drop(b, i, v);
		return wk_seterr(err, WK_EINVAL, "%s: value longer than %zu bytes", name,
		                 sizeof(v->b));
	}
	if (n)
		memcpy(v->b, p, n);
	v->n = (uint16_t)n;
	return 0;
}

/* "0a1b2c", "0x0a1b", "0a:1b:2c" or "0a 1b". */
static bool parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t k = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (*s) {
		if (*s == ':' || *s == ' ' || *s == '-') {
			s++;
			continue;
		}
		int hi = wk_hexval((unsigned char)s[0]);
		int lo = hi < 0 ? -1 : wk_hexval((unsigned char)s[1]);
		if (lo < 0 || k >= cap)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*n = k;
	return true;
}

int wk_build_set_text(struct wk_build *b, unsigned i, const char *name, const char *text,
                      struct wk_error *err)
{
	int rc = 0;
	struct wk_bval *v = slot(b, i, name, &rc, err);
	if (!v)
		return rc;
	const struct wk_field *f = v->f;
	bool ok = false;
	size_t n = 0;
	switch (f->type) {
	case WK_FT_UINT:
	case WK_FT_BOOL: {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(text, &end, 0);
		if (*text && *text != '-' && !*end && !errno) {
			v->u = u;
			ok = true;
			break;
		}
		for (const struct wk_vname *nm = f->names; nm && nm->name; nm++)
			if (!strcmp(nm->name, text)) {
				v->u = nm->v;
				ok = true;
				break;
			}
		break;
	}
	case WK_FT_IP4: {
		struct wk_ip4 a;
		ok = wk_ip4_parse(text, &a);
		memcpy(v->b, a.b, 4);
		v->n = 4;
		break;
	}
	case WK_FT_IP6: {
		struct wk_ip6 a;
		ok = wk_ip6_parse(text, &a);
		memcpy(v->b, a.b, 16);
		v->n = 16;
		break;
	}
	case WK_FT_MAC: {
		struct wk_mac a;
		ok = wk_mac_parse(text, &a);
		memcpy(v->b, a.b, 6);
		v->n = 6;
		break;
	}
	case WK_FT_BYTES:
		ok = parse_hex(text, v->b, sizeof(v->b), &n);
		v->n = (uint16_t)n;
		break;
	case WK_FT_STR:
		n = strlen(text);
		ok = n <= sizeof(v->b);
		if (ok) {
			memcpy(v->b, text, n);
			v->n = (uint16_t)n;
		}
		break;
	case WK_FT_NONE:
		break;
	}
	if (!ok) {
		drop(b, i, v);
		return wk_seterr(err, WK_EINVAL, "%s: bad value '%s'", name, text);
	}
	return 0;
}

int wk_build_payload(struct wk_build *b, unsigned i, const void *p, size_t n, struct wk_error *err)
{
	if (i >= b->n)
		return wk_seterr(err, WK_EINVAL, "no layer %u", i);
	b->l[i].payload = p;
	b->l[i].npayload = n;
	return 0;
}

const struct wk_bval *wk_build_get(const struct wk_build *b, unsigned i, const char *name)
{
	if (i >= b->n)
		return NULL;
	const struct wk_blayer *l = &b->l[i];
	const struct wk_field *f = wk_build_field(l->proto, name);
	if (!f)
		return NULL;
	for (unsigned k = 0; k < l->nset; k++)
		if (l->set[k].f == f)
			return &l->set[k];
	return NULL;
}

/* ---- helpers for the protocol encoders (build_int.h) ------------------------------- */

struct wk_bval *build_take(struct wk_build *b, unsigned i, const char *name)
{
	struct wk_bval *v = (struct wk_bval *)wk_build_get(b, i, name);
	if (v)
		v->used = true;
	return v;
}

uint64_t build_uint(struct wk_build *b, unsigned i, const char *name, uint64_t dflt)
{
	struct wk_bval *v = build_take(b, i, name);
	return v ? v->u : dflt;
}

bool build_isset(const struct wk_build *b, unsigned i, const char *name)
{
	return wk_build_get(b, i, name) != NULL;
}

bool build_next_key(struct wk_build *b, unsigned i, enum wk_ns ns, uint32_t *key)
{
	if (i + 1 >= b->n)
		return false;
	for (const struct wk_bind *bd = b->l[i + 1].proto->binds; bd && bd->ns != WK_NS_NONE; bd++)
		if (bd->ns == ns) {
			*key = bd->key;
			return true;
		}
	if (!b->nokey) {
		b->nokey = i + 1;
		b->nokey_ns = ns;
	}
	return false;
}

static const char *ns_name(enum wk_ns ns)
{
	switch (ns) {
	case WK_NS_ETHERTYPE:
		return "EtherType";
	case WK_NS_IPPROTO:
		return "IP protocol number";
	case WK_NS_UDP:
		return "UDP port";
	case WK_NS_TCP:
		return "TCP port";
	default:
		return "number";
	}
}

/* The source and destination address fields of a network protocol (by role). */
static bool addr_fields(const struct wk_proto *p, const struct wk_field **src,
                        const struct wk_field **dst)
{
	*src = *dst = NULL;
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *f = &p->fields[k];
		if (f->get || (f->type != WK_FT_IP4 && f->type != WK_FT_IP6))
			continue;
		if (f->role == WK_ROLE_SRC && !*src)
			*src = f;
		else if (f->role == WK_ROLE_DST && !*dst)
			*dst = f;
	}
	return *src && *dst && (*src)->type == (*dst)->type;
}

bool build_pseudo(const struct wk_build *b, unsigned i, uint8_t proto, uint32_t len, uint32_t *sum)
{
	for (unsigned j = i; j-- > 0;) {
		const struct wk_proto *p = b->l[j].proto;
		const struct wk_field *s, *d;
		if (!(p->flags & WK_PF_NETWORK) || !addr_fields(p, &s, &d))
			continue;
		const uint8_t *base = build_at(b, j);
		if (b->l[j].off + (size_t)d->off + d->width > b->len ||
		    b->l[j].off + (size_t)s->off + s->width > b->len)
			return false;
		if (s->type == WK_FT_IP4)
			*sum = wk_csum_pseudo4(base + s->off, base + d->off, proto, len);
		else
			*sum = wk_csum_pseudo6(base + s->off, base + d->off, proto, len);
		return true;
	}
	return false;
}

void build_l4_csum(struct wk_build *b, unsigned i, uint8_t proto, const char *name, size_t off,
                   bool zero_as_ffff)
{
	uint8_t *h = build_at(b, i);
	size_t n = build_span(b, i);
	uint32_t sum = 0;
	if (n < off + 2 || build_isset(b, i, name))
		return;
	build_pseudo(b, i, proto, (uint32_t)n, &sum);
	h[off] = h[off + 1] = 0;
	uint16_t c = wk_csum_fold(wk_csum_partial(h, n, sum));
	build_csum_store(b, i, name, off, c == 0 && zero_as_ffff ? 0xffff : c);
}

void build_csum_store(struct wk_build *b, unsigned i, const char *name, size_t off, uint16_t c)
{
	if (build_isset(b, i, name) || b->l[i].off + off + 2 > b->len)
		return;
	if (b->flags & WK_BUILD_BADSUM) {
		/* 0x0000 and 0xffff are the same number in one's complement: both verify
		 * when either is right, so never store the complement of one of them. */
		c = (c == 0 || c == 0xffff) ? 0x0001 : (uint16_t)~c;
	}
	uint8_t *p = build_at(b, i) + off;
	p[0] = (uint8_t)(c >> 8);
	p[1] = (uint8_t)c;
}

void build_len_store(struct wk_build *b, unsigned i, const char *name, size_t off, uint16_t v)
{
	if (build_isset(b, i, name) || b->l[i].off + off + 2 > b->len)
		return;
	uint8_t *p = build_at(b, i) + off;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- encoding ---------------------------------------------------------------------- */

/* Write a set value into layer i through the field's offset, width and mask. */
static int apply(struct wk_build *b, unsigned i, const struct wk_bval *v, struct wk_error *err)
{
	const struct wk_field *f = v->f;
	struct wk_blayer *l = &b->l[i];
	if (l->off + (size_t)f->off + f->width > b->len)
		return wk_seterr(err, WK_EINVAL, "%s: beyond the encoded header", f->name);
	uint8_t *p = build_at(b, i) + f->off;
	if (f->type != WK_FT_UINT && f->type != WK_FT_BOOL) {
		if (v->n != f->width)
			return wk_seterr(err, WK_EINVAL, "%s: needs %u bytes, got %u", f->name,
			                 f->width, v->n);
		memcpy(p, v->b, f->width);
		return 0;
	}
	if (f->width == 0 || f->width > 8)
		return wk_seterr(err, WK_EINVAL, "%s: cannot be set", f->name);
	unsigned bits = f->mask ? (unsigned)__builtin_popcount(f->mask) : f->width * 8u;
	if (bits < 64 && v->u >> bits)
		return wk_seterr(err, WK_EINVAL, "%s: value %llu does not fit in %u bits", f->name,
		                 (unsigned long long)v->u, bits);
	uint64_t old = 0;
	for (unsigned k = 0; k < f->width; k++) {
		unsigned at = (f->flags & WK_FF_LE) ? f->width - 1 - k : k;
		old = old << 8 | p[at];
	}
	uint64_t nv = v->u;
	if (f->mask)
		nv = (old & ~(uint64_t)f->mask) | (nv << __builtin_ctz(f->mask) & f->mask);
	for (unsigned k = 0; k < f->width; k++) {
		unsigned at = (f->flags & WK_FF_LE) ? k : f->width - 1 - k;
		p[at] = (uint8_t)(nv >> (8 * k));
	}
	return 0;
}

int wk_build_encode(struct wk_build *b, uint8_t *out, size_t cap, size_t *len, struct wk_error *err)
{
	struct wk_wr w;
	int rc = 0;
	wk_wr_init(&w, out, cap);
	b->out = out;
	b->len = 0;
	b->nokey = 0;
	if (b->n == 0)
		return wk_seterr(err, WK_EINVAL, "no layers to build");
	for (unsigned i = 0; i < b->n; i++) {
		struct wk_blayer *l = &b->l[i];
		for (unsigned k = 0; k < l->nset; k++)
			l->set[k].used = false;
		l->off = (uint32_t)wk_wr_len(&w);
		b->len = l->off;
		rc = l->proto->encode(b, i, &w);
		if (rc < 0)
			return wk_seterr(err, rc, "%s: cannot encode%s", l->proto->name,
			                 rc == WK_EINVAL ? " (bad value)" : "");
		if (w.bad)
			goto nospace;
		l->hlen = (uint32_t)wk_wr_len(&w) - l->off;
		wk_wr_bytes(&w, l->payload, l->npayload);
		if (w.bad)
			goto nospace;
		for (unsigned k = 0; k < l->nset; k++)
			if (l->set[k].f->get && !l->set[k].used && !l->set[k].soft)
				return wk_seterr(err, WK_EINVAL, "%s: cannot be set",
				                 l->set[k].f->name);
	}
	if (b->nokey) {
		const struct wk_proto *o = b->l[b->nokey - 1].proto, *in = b->l[b->nokey].proto;
		return wk_seterr(err, WK_EINVAL,
		                 "%s() cannot carry %s(): no %s stands for %s (put the layer that "
		                 "carries %s() between them)",
		                 o->name, in->name, ns_name(b->nokey_ns), in->name, in->name);
	}
	b->len = wk_wr_len(&w);
	for (unsigned i = 0; i < b->n; i++)
		for (unsigned k = 0; k < b->l[i].nset; k++)
			if (!b->l[i].set[k].f->get) {
				rc = apply(b, i, &b->l[i].set[k], err);
				if (rc)
					return rc;
			}
	for (unsigned i = b->n; i-- > 0;)
		if (b->l[i].proto->finish) {
			rc = b->l[i].proto->finish(b, i);
			if (rc < 0 && build_span(b, i) > 0xffff)
				return wk_seterr(
				    err, rc,
				    "%s: cannot finish: %zu bytes from its header on, more "
				    "than its 16-bit length field holds (65,535)",
				    b->l[i].proto->name, build_span(b, i));
			if (rc < 0)
				return wk_seterr(err, rc, "%s: cannot finish", b->l[i].proto->name);
		}
	*len = b->len;
	return 0;
nospace:
	return wk_seterr(err, WK_ENOMEM, "packet longer than the %zu byte buffer", cap);
}
