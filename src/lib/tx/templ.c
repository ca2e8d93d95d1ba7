/* Probe templates (tx.h): a build encoded once, then patched per packet with incremental
 * checksum updates (RFC 1624). Slots are learned by encoding the build with two values of
 * a field and comparing the bytes, so no protocol is named here. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/tx.h"

enum {
	TEMPL_MAX_CSUMS = 16,
	SLOT_MAX_CSUMS = 4,
	SCRATCH = 65536 + 256,
};

struct csum_pos {
	uint32_t off; /* of the checksum's two bytes */
	uint32_t lo;  /* first byte it covers (its layer): words are aligned on it */
};

struct slot {
	unsigned layer;
	const struct wk_field *f;
	uint32_t off;
	uint8_t width;
	bool num, le;
	bool part;     /* a number that shares its bytes with other fields (a mask) */
	uint64_t mask; /* of a number slot within its width bytes (all ones: whole field) */
	unsigned shift;
	unsigned ncs;
	struct csum_pos cs[SLOT_MAX_CSUMS];
	/* the words the slot's bytes fall in, for each alignment a checksum needs */
	uint8_t pars;   /* bit p: some checksum aligns on parity p */
	bool tail;      /* a word runs past the packet's end (the zero pad) */
	uint32_t ws[2]; /* first word */
	uint8_t nw[2];  /* words */
};

struct wk_templ {
	struct wk_build b;
	uint8_t *bytes;
	size_t len;
	unsigned ncsum;
	struct csum_pos csum[TEMPL_MAX_CSUMS];
	unsigned nslot;
	struct slot s[WK_TEMPL_MAX_SLOTS];
	uint8_t *scratch; /* two encodings while learning */
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

struct wk_templ *wk_templ_new(const struct wk_build *b, struct wk_error *err)
{
	if (b->flags & WK_BUILD_BADSUM) {
		wk_seterr(err, WK_EUNSUP, "templates keep checksums right (no --badsum)");
		return NULL;
	}
	struct wk_templ *t = calloc(1, sizeof(*t));
	uint8_t *buf = malloc(SCRATCH);
	if (!t || !buf) {
		free(t);
		free(buf);
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	t->b = *b;
	size_t len;
	if (wk_build_encode(&t->b, buf, SCRATCH, &len, err))
		goto fail;
	t->bytes = malloc(len ? len : 1);
	t->scratch = malloc(2 * SCRATCH);
	if (!t->bytes || !t->scratch) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(t->bytes, buf, len);
	t->len = len;
	free(buf);
	buf = NULL;
	/* every checksum the encoder fills, where it is and which bytes its words align on */
	for (unsigned i = 0; i < t->b.n; i++) {
		const struct wk_proto *p = t->b.l[i].proto;
		for (size_t k = 0; k < p->nfields; k++) {
			const struct wk_field *f = &p->fields[k];
			uint32_t off = t->b.l[i].off + f->off;
			if (!(f->flags & WK_FF_CSUM) || f->get || f->width != 2 || off + 2 > len)
				continue;
			if (t->ncsum >= TEMPL_MAX_CSUMS)
				break;
			t->csum[t->ncsum].off = off;
			t->csum[t->ncsum].lo = t->b.l[i].off;
			t->ncsum++;
		}
	}
	return t;
fail:
	free(buf);
	wk_templ_free(t);
	return NULL;
}

void wk_templ_free(struct wk_templ *t)
{
	if (!t)
		return;
	free(t->bytes);
	free(t->scratch);
	free(t);
}

const uint8_t *wk_templ_bytes(const struct wk_templ *t, size_t *len)
{
	*len = t->len;
	return t->bytes;
}

size_t wk_templ_copy(const struct wk_templ *t, uint8_t *pkt)
{
	memcpy(pkt, t->bytes, t->len);
	return t->len;
}

unsigned wk_templ_width(const struct wk_templ *t, int slot)
{
	return slot >= 0 && (unsigned)slot < t->nslot ? t->s[slot].width : 0;
}

/* One's complement sum of (new - old) over the 16-bit words the slot's bytes fall in,
 * words aligned on lo's parity; a byte past the end counts as the zero pad of RFC 1071. */
static uint32_t delta(const struct wk_templ *t, const struct slot *s, const uint8_t *pkt,
                      const uint8_t *old, size_t olo, unsigned par)
{
	size_t ws = s->ws[par], we = ws + 2u * s->nw[par];
	uint32_t acc = 0;
	for (size_t x = ws; x < we; x += 2) {
		unsigned o = (unsigned)(x < t->len ? old[x - olo] : 0) << 8 |
		             (x + 1 < t->len ? old[x + 1 - olo] : 0);
		unsigned n =
		    (unsigned)(x < t->len ? pkt[x] : 0) << 8 | (x + 1 < t->len ? pkt[x + 1] : 0);
		acc += (~o & 0xffff) + n;
	}
	return acc;
}

static uint32_t words(const uint8_t *p, size_t n)
{
	uint32_t acc = 0;
	for (size_t k = 0; k < n; k++, p += 2)
		acc += (uint32_t)(p[0] << 8 | p[1]);
	return acc;
}

/* Write the slot's new bytes nb into pkt and fix its checksums (RFC 1624 eqn. 3, the
 * words of the slot summed once per alignment). */
static int patch(const struct wk_templ *t, uint8_t *pkt, const struct slot *s, const uint8_t *nb)
{
	uint32_t acc[2] = {0, 0};
	if (!s->tail) {
		/* 0xffff - old is ~old: summing it before the write and new after it */
		for (unsigned par = 0; par < 2; par++)
			if (s->pars >> par & 1)
				acc[par] =
				    0xffffu * s->nw[par] - words(pkt + s->ws[par], s->nw[par]);
		memcpy(pkt + s->off, nb, s->width);
		for (unsigned par = 0; par < 2; par++)
			if (s->pars >> par & 1)
				acc[par] += words(pkt + s->ws[par], s->nw[par]);
	} else {
		uint8_t old[16 + 2];
		size_t lo = s->off ? s->off - 1 : 0;
		size_t hi = s->off + s->width + 1 < t->len ? s->off + s->width + 1 : t->len;
		memcpy(old, pkt + lo, hi - lo);
		memcpy(pkt + s->off, nb, s->width);
		for (unsigned par = 0; par < 2; par++)
			if (s->pars >> par & 1)
				acc[par] = delta(t, s, pkt, old, lo, par);
	}
	int rc = 0;
	for (unsigned k = 0; k < s->ncs; k++) {
		const struct csum_pos *c = &s->cs[k];
		uint32_t sum = (uint32_t)(~rd16(pkt + c->off) & 0xffff) + acc[(s->off - c->lo) & 1];
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		uint16_t v = (uint16_t)~sum;
		pkt[c->off] = (uint8_t)(v >> 8);
		pkt[c->off + 1] = (uint8_t)v;
		if (v == 0 || v == 0xffff)
			rc = WK_TEMPL_CSUM_ZERO;
	}
	return rc;
}

static uint64_t get_num(const struct slot *s, const uint8_t *pkt)
{
	uint64_t x = 0;
	for (unsigned k = 0; k < s->width; k++)
		x = x << 8 | pkt[s->off + (s->le ? s->width - 1 - k : k)];
	return x;
}

uint64_t wk_templ_get(const struct wk_templ *t, const uint8_t *pkt, int slot)
{
	if (slot < 0 || (unsigned)slot >= t->nslot || !t->s[slot].num)
		return 0;
	const struct slot *s = &t->s[slot];
	return (get_num(s, pkt) & s->mask) >> s->shift;
}

int wk_templ_set(const struct wk_templ *t, uint8_t *pkt, int slot, uint64_t v)
{
	if (slot < 0 || (unsigned)slot >= t->nslot || !t->s[slot].num)
		return WK_EINVAL;
	const struct slot *s = &t->s[slot];
	uint64_t x = v << s->shift;
	if ((x >> s->shift) != v || (x & ~s->mask))
		return WK_EINVAL;
	if (s->part)
		x |= get_num(s, pkt) & ~s->mask; /* the bits around a masked field */
	uint8_t nb[8];
	for (unsigned k = 0; k < s->width; k++)
		nb[s->le ? k : s->width - 1 - k] = (uint8_t)(x >> (8 * k));
	return patch(t, pkt, s, nb);
}

int wk_templ_set_bytes(const struct wk_templ *t, uint8_t *pkt, int slot, const uint8_t *v)
{
	if (slot < 0 || (unsigned)slot >= t->nslot || t->s[slot].num)
		return WK_EINVAL;
	return patch(t, pkt, &t->s[slot], v);
}

/* ---- learning ----------------------------------------------------------------------- */

/* Encode the template's build with field f of layer i set to v (number) or vb (bytes). */
static int encode_with(struct wk_templ *t, unsigned i, const struct wk_field *f, uint64_t v,
                       const uint8_t *vb, uint8_t *out, size_t *len, struct wk_error *err)
{
	struct wk_blayer save = t->b.l[i];
	int rc = vb ? wk_build_set_bytes(&t->b, i, f->name, vb, f->width, err)
	            : wk_build_set_uint(&t->b, i, f->name, v, err);
	if (!rc)
		rc = wk_build_encode(&t->b, out, SCRATCH, len, err);
	t->b.l[i] = save;
	return rc;
}

static int csum_at(const struct wk_templ *t, size_t x)
{
	for (unsigned k = 0; k < t->ncsum; k++)
		if (x >= t->csum[k].off && x < t->csum[k].off + 2)
			return (int)k;
	return -1;
}

static int learn(struct wk_templ *t, unsigned i, const struct wk_field *f, struct wk_error *err)
{
	for (unsigned k = 0; k < t->nslot; k++)
		if (t->s[k].layer == i && t->s[k].f == f)
			return (int)k;
	if (t->nslot >= WK_TEMPL_MAX_SLOTS)
		return wk_seterr(err, WK_ENOMEM, "more than %d slots", WK_TEMPL_MAX_SLOTS);
	if (f->flags & (WK_FF_NOENC | WK_FF_CSUM | WK_FF_LEN))
		return wk_seterr(err, WK_EUNSUP, "%s: computed by the encoder", f->name);
	struct slot s = {.layer = i, .f = f, .width = (uint8_t)f->width, .le = false};
	uint64_t a = 0, b = 0;
	uint8_t ab[16], bb[16];
	switch (f->type) {
	case WK_FT_UINT:
	case WK_FT_BOOL: {
		if (f->width == 0 || f->width > 8)
			return wk_seterr(err, WK_EUNSUP, "%s: not a fixed-size number", f->name);
		s.num = true;
		s.le = (f->flags & WK_FF_LE) != 0;
		unsigned bits = f->mask ? (unsigned)__builtin_popcount(f->mask) : f->width * 8u;
		uint64_t all = bits >= 64 ? ~0ull : (1ull << bits) - 1;
		a = 0x5a5a5a5a5a5a5a5aull & all;
		b = ~a & all;
		s.mask = f->mask ? f->mask : (f->width == 8 ? ~0ull : (1ull << (8 * f->width)) - 1);
		s.shift = f->mask ? (unsigned)__builtin_ctz(f->mask) : 0;
		s.part = f->mask != 0;
		break;
	}
	case WK_FT_IP4:
	case WK_FT_IP6:
	case WK_FT_MAC:
		if (f->width == 0 || f->width > sizeof(ab))
			return wk_seterr(err, WK_EUNSUP, "%s: not a fixed-size address", f->name);
		memset(ab, 0x5a, sizeof(ab));
		memset(bb, 0xa5, sizeof(bb));
		break;
	default:
		return wk_seterr(err, WK_EUNSUP, "%s: not a number or an address", f->name);
	}
	uint8_t *A = t->scratch, *B = t->scratch + SCRATCH;
	size_t la, lb;
	struct wk_error e = {0};
	if (encode_with(t, i, f, a, s.num ? NULL : ab, A, &la, &e) ||
	    encode_with(t, i, f, b, s.num ? NULL : bb, B, &lb, &e))
		return wk_seterr(err, WK_EUNSUP, "%s: %s", f->name, e.msg);
	if (la != t->len || lb != t->len)
		return wk_seterr(err, WK_EUNSUP, "%s: changes the packet's length", f->name);
	/* where the field is: its offset, or (fields with a getter) the bytes that differ */
	if (!f->get) {
		s.off = t->b.l[i].off + f->off;
	} else {
		size_t d0 = t->len, d1 = 0;
		for (size_t x = 0; x < t->len; x++)
			if (A[x] != B[x] && csum_at(t, x) < 0) {
				if (d0 == t->len)
					d0 = x;
				d1 = x;
			}
		if (d0 == t->len || d1 + 1 - d0 != s.width)
			return wk_seterr(err, WK_EUNSUP, "%s: not found in the packet", f->name);
		s.off = (uint32_t)d0;
	}
	if (s.off + s.width > t->len)
		return wk_seterr(err, WK_EUNSUP, "%s: beyond the packet", f->name);
	/* the checksums the field takes part in; nothing else may change */
	for (size_t x = 0; x < t->len; x++) {
		if (A[x] == B[x] || (x >= s.off && x < s.off + s.width))
			continue;
		int c = csum_at(t, x);
		if (c < 0)
			return wk_seterr(err, WK_EUNSUP, "%s: changes byte %zu too", f->name, x);
		bool have = false;
		for (unsigned k = 0; k < s.ncs; k++)
			have |= s.cs[k].off == t->csum[c].off;
		if (have)
			continue;
		/* the words the slot touches must not hold the checksum itself */
		size_t ws = s.off - ((s.off - t->csum[c].lo) & 1), we = s.off + s.width;
		we += (we - ws) & 1;
		if (s.ncs >= SLOT_MAX_CSUMS || (t->csum[c].off + 2 > ws && t->csum[c].off < we))
			return wk_seterr(err, WK_EUNSUP, "%s: shares a word with its checksum",
			                 f->name);
		s.cs[s.ncs++] = t->csum[c];
	}
	for (unsigned k = 0; k < s.ncs; k++) {
		unsigned par = (unsigned)((s.off - s.cs[k].lo) & 1);
		size_t ws = s.off - par, we = s.off + s.width;
		we += (we - ws) & 1;
		s.pars |= (uint8_t)(1u << par);
		s.ws[par] = (uint32_t)ws;
		s.nw[par] = (uint8_t)((we - ws) / 2);
		s.tail |= we > t->len;
	}
	/* the patched template must equal both fresh encodings */
	t->s[t->nslot] = s;
	int slot = (int)t->nslot++;
	uint8_t *P = malloc(t->len ? t->len : 1);
	bool ok = P != NULL;
	for (int pass = 0; ok && pass < 2; pass++) {
		wk_templ_copy(t, P);
		int rc = s.num ? wk_templ_set(t, P, slot, pass ? b : a)
		               : wk_templ_set_bytes(t, P, slot, pass ? bb : ab);
		ok = rc >= 0 && !memcmp(P, pass ? B : A, t->len);
	}
	free(P);
	if (!ok) {
		t->nslot--;
		return wk_seterr(err, WK_EUNSUP, "%s: cannot be patched in place", f->name);
	}
	return slot;
}

int wk_templ_field(struct wk_templ *t, unsigned layer, const char *name, struct wk_error *err)
{
	if (layer >= t->b.n)
		return wk_seterr(err, WK_ENOTFOUND, "no layer %u", layer);
	const struct wk_field *f = wk_build_field(t->b.l[layer].proto, name);
	if (!f)
		return wk_seterr(err, WK_ENOTFOUND, "%s: no field '%s'", t->b.l[layer].proto->name,
		                 name);
	return learn(t, layer, f, err);
}

/* The settable field of p with a role (addresses: an address type). */
static const struct wk_field *by_role(const struct wk_proto *p, enum wk_frole role, bool addr)
{
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *f = &p->fields[k];
		bool is_addr = f->type == WK_FT_IP4 || f->type == WK_FT_IP6;
		if (f->role == role && !(f->flags & WK_FF_NOENC) && is_addr == addr)
			return f;
	}
	return NULL;
}

int wk_templ_slot(struct wk_templ *t, enum wk_templ_kind kind, struct wk_error *err)
{
	unsigned net = t->b.n, next = t->b.n;
	for (unsigned i = 0; i < t->b.n; i++)
		if (t->b.l[i].proto->flags & WK_PF_NETWORK) {
			net = i;
			break;
		}
	for (unsigned i = net + 1; i < t->b.n; i++)
		if (!(t->b.l[i].proto->flags & WK_PF_EXTHDR)) {
			next = i;
			break;
		}
	bool on_net = kind == WK_TEMPL_SRC || kind == WK_TEMPL_DST || kind == WK_TEMPL_IPID;
	unsigned li = on_net ? net : next;
	if (li >= t->b.n)
		return wk_seterr(err, WK_ENOTFOUND, "no %s layer in the probe",
		                 on_net ? "network" : "transport");
	const struct wk_proto *p = t->b.l[li].proto;
	const struct wk_field *f = NULL;
	switch (kind) {
	case WK_TEMPL_SRC:
		f = by_role(p, WK_ROLE_SRC, true);
		break;
	case WK_TEMPL_DST:
		f = by_role(p, WK_ROLE_DST, true);
		break;
	case WK_TEMPL_SPORT:
		f = by_role(p, WK_ROLE_SPORT, false);
		break;
	case WK_TEMPL_DPORT:
		f = by_role(p, WK_ROLE_DPORT, false);
		break;
	case WK_TEMPL_IPID:
	case WK_TEMPL_ID:
		f = wk_build_field(p, "id");
		break;
	case WK_TEMPL_SEQ:
		f = wk_build_field(p, "seq");
		break;
	case WK_TEMPL_NKIND:
		break;
	}
	if (!f)
		return wk_seterr(err, WK_ENOTFOUND, "%s has no such field", p->name);
	return learn(t, li, f, err);
}
