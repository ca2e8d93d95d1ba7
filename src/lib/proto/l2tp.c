/* Layer Two Tunneling Protocol over UDP port 1701: version 2 (RFC 2661 section 3.1)
 * carrying PPP frames, and the version 3 header over UDP (RFC 3931 4.1.2.1).
 *
 *  v2:  0 1 2 3 4 5 6 7 8 9 10 11 12  16
 *      +-+-+-+-+-+-+-+-+-+-+--+--+----+------------------+
 *      |T|L|x|x|S|x|O|P|x|x|x |x | ver| length (if L)    |
 *      +-------------------------------+------------------+
 *      | tunnel id                     | session id       |
 *      | Ns (if S)                     | Nr (if S)        |
 *      | offset size (if O)            | offset pad ...   |
 *  v3 over UDP: a session id of 0 introduces a control message with the v2-like
 *  flags, length, control connection id, Ns and Nr; otherwise the session id is
 *  followed by a cookie of configured length, which cannot be known from the packet.
 * Data messages (T = 0) of version 2 carry PPP. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	L2TP_T = 0x8000,
	L2TP_L = 0x4000,
	L2TP_S = 0x0800,
	L2TP_O = 0x0200,
	L2TP_P = 0x0100,
	L2TP_VER = 0x000f,
	/* l->aux: offset of the tunnel id word, and of Ns (0: absent) */
	AUX_TUN_SHIFT = 0,
	AUX_NS_SHIFT = 8,
};

static bool v2(const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	return hdr_uint(p, l, 0, 2, L2TP_VER, &v) && v.u == 2;
}

/* The flags word is at 0 for v2 and at 4 for a v3 control message. */
static size_t flags_off(const struct wk_pkt *p, const struct wk_layer *l)
{
	return v2(p, l) ? 0 : 4;
}

static bool get_flags_bits(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                           struct wk_val *v, uint32_t mask)
{
	size_t o = flags_off(p, l);
	struct wk_val f = {.type = WK_FT_UINT};
	if (idx || !hdr_uint(p, l, o, 2, L2TP_VER, &f) || (f.u != 2 && f.u != 3))
		return false;
	return hdr_uint(p, l, o, 2, mask, v);
}

#define FGET(fn, mask)                                                                             \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return get_flags_bits(p, l, idx, v, mask);                                         \
	}

FGET(get_type, L2TP_T)
FGET(get_lbit, L2TP_L)
FGET(get_sbit, L2TP_S)
FGET(get_obit, L2TP_O)
FGET(get_pbit, L2TP_P)
FGET(get_version, L2TP_VER)

static bool get_length(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	struct wk_val f = {.type = WK_FT_UINT};
	size_t o = flags_off(p, l);
	return get_flags_bits(p, l, idx, &f, L2TP_L) && f.u && hdr_uint(p, l, o + 2, 2, 0, v);
}

static bool get_tunnel(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	unsigned o = (l->aux >> AUX_TUN_SHIFT) & 0xff;
	return idx == 0 && o && v2(p, l) && hdr_uint(p, l, o, 2, 0, v);
}

static bool get_session(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	unsigned o = (l->aux >> AUX_TUN_SHIFT) & 0xff;
	return idx == 0 && o && v2(p, l) && hdr_uint(p, l, o + 2, 2, 0, v);
}

static bool get_ns(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	unsigned o = (l->aux >> AUX_NS_SHIFT) & 0xff;
	return idx == 0 && o && hdr_uint(p, l, o, 2, 0, v);
}

static bool get_nr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	unsigned o = (l->aux >> AUX_NS_SHIFT) & 0xff;
	return idx == 0 && o && hdr_uint(p, l, o + 2, 2, 0, v);
}

/* v3 over UDP: session id (0 for control), and the control connection id. */
static bool get_sid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return idx == 0 && !v2(p, l) && hdr_uint(p, l, 0, 4, 0, v) && v->u != 0;
}

static bool get_ccid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	struct wk_val s = {.type = WK_FT_UINT};
	return idx == 0 && !v2(p, l) && hdr_uint(p, l, 0, 4, 0, &s) && s.u == 0 &&
	       hdr_uint(p, l, 8, 4, 0, v);
}

static const struct wk_vname type_names[] = {
    {0, "Data Message"}, {1, "Control Message"}, {0, NULL}};

static const struct wk_field fields[] = {
    {.name = "l2tp.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .get = get_type,
     .names = type_names},
    {.name = "l2tp.length_bit", .title = "Length Bit", .type = WK_FT_BOOL, .get = get_lbit},
    {.name = "l2tp.seq_bit", .title = "Sequence Bit", .type = WK_FT_BOOL, .get = get_sbit},
    {.name = "l2tp.offset_bit", .title = "Offset bit", .type = WK_FT_BOOL, .get = get_obit},
    {.name = "l2tp.priority", .title = "Priority", .type = WK_FT_BOOL, .get = get_pbit},
    {.name = "l2tp.version", .title = "Version", .type = WK_FT_UINT, .get = get_version},
    {.name = "l2tp.length", .title = "Length", .type = WK_FT_UINT, .get = get_length},
    {.name = "l2tp.tunnel", .title = "Tunnel ID", .type = WK_FT_UINT, .get = get_tunnel},
    {.name = "l2tp.session", .title = "Session ID", .type = WK_FT_UINT, .get = get_session},
    {.name = "l2tp.Ns", .title = "Ns", .type = WK_FT_UINT, .get = get_ns},
    {.name = "l2tp.Nr", .title = "Nr", .type = WK_FT_UINT, .get = get_nr},
    {.name = "l2tp.sid", .title = "Session ID", .type = WK_FT_UINT, .get = get_sid},
    {.name = "l2tp.ccid", .title = "Control Connection ID", .type = WK_FT_UINT, .get = get_ccid},
};

/* Header fields are located during dissection; their offsets go to l->aux for the getters. */
static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	const uint8_t *start = r->cur;
	uint16_t pk;
	if (!wk_rd_peek_be16(r, 0, &pk)) {
		wk_rd_skip(r, 2); /* marks the truncation */
		return;
	}
	bool ver3 = (pk & L2TP_VER) != 2;
	if (ver3) {
		/* RFC 3931 4.1.2.1: session id; 0 means a control message follows. */
		uint32_t sid = wk_rd_be32(r);
		if (r->bad)
			return;
		if (sid != 0)
			return; /* data: cookie and sublayer are configuration, not on the wire */
	}
	const uint8_t *fstart = r->cur;
	uint16_t fl = wk_rd_be16(r);
	if (r->bad)
		return;
	unsigned ver = fl & L2TP_VER;
	if (ver != 2 && ver != 3) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	uint16_t len = 0;
	if (fl & L2TP_L)
		len = wk_rd_be16(r);
	if (ver == 2) {
		l->aux |= (uint32_t)(r->cur - start) << AUX_TUN_SHIFT;
		wk_rd_skip(r, 4);
	} else {
		wk_rd_skip(r, 4); /* control connection id */
	}
	if (fl & L2TP_S) {
		l->aux |= (uint32_t)(r->cur - start) << AUX_NS_SHIFT;
		wk_rd_skip(r, 4);
	}
	if (fl & L2TP_O) {
		uint16_t pad = wk_rd_be16(r);
		wk_rd_skip(r, pad);
	}
	if (r->bad)
		return;
	if (fl & L2TP_L) {
		/* The length counts the whole message from the flags word. */
		size_t done = (size_t)(r->cur - fstart);
		if (len < done) {
			l->flags |= WK_LF_INVALID;
			l->why = "length shorter than the header";
			return;
		}
		if (!(l->flags & WK_LF_QUOTED))
			wk_rd_clip(r, len - done);
	}
	if (fl & L2TP_T)
		return; /* control message: AVPs, not decoded */
	int i = wk_proto_index(&wk_proto_ppp);
	(void)p;
	if (ver == 2 && i >= 0)
		wk_next_set(next, WK_NS_PROTO, (uint32_t)i);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	struct wk_val v = {.type = WK_FT_UINT}, s = {.type = WK_FT_UINT};
	wk_ob_puts(ob, "l2tp:");
	if (get_type(p, l, 0, &v)) {
		wk_ob_puts(ob, "[");
		wk_ob_puts(ob, v.u ? "T" : "");
		if (get_lbit(p, l, 0, &v) && v.u)
			wk_ob_puts(ob, "L");
		if (get_sbit(p, l, 0, &v) && v.u)
			wk_ob_puts(ob, "S");
		if (get_obit(p, l, 0, &v) && v.u)
			wk_ob_puts(ob, "O");
		if (get_pbit(p, l, 0, &v) && v.u)
			wk_ob_puts(ob, "P");
		wk_ob_puts(ob, "]");
	}
	if (get_tunnel(p, l, 0, &v) && get_session(p, l, 0, &s)) {
		wk_ob_putc(ob, '(');
		wk_ob_u64(ob, v.u);
		wk_ob_putc(ob, '/');
		wk_ob_u64(ob, s.u);
		wk_ob_putc(ob, ')');
	} else if (get_sid(p, l, 0, &v)) {
		wk_ob_puts(ob, "v3 session ");
		wk_ob_u64(ob, v.u);
	}
	if (layer_has_inner(p, l))
		wk_ob_puts(ob, " ");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 1701},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_l2tp = {
    .name = "l2tp",
    .title = "Layer 2 Tunneling Protocol",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = 6,
};
