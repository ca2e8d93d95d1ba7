/* Teredo: IPv6 over UDP through NATs (RFC 4380 section 5.1.1), UDP port 3544 (tshark
 * binds the port; its heuristic for other ports is off by default, so we bind only it).
 * An IPv6 packet may be preceded by an authentication header, then an origin
 * indication, each recognised by its first two bytes:
 *   authentication: 0x0001 | ID-len (1) | AU-len (1) | client id | auth value |
 *                   nonce (8) | confirmation (1)
 *   origin:         0x0000 | port (2, one's complement) | IPv4 address (4, inverted) */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	ORIG_LEN = 8,
	/* l->aux: offset of the origin indication + 1 (0: none); bit 16: auth present */
	AUX_AUTH = 1u << 16,
};

static bool get_auth_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v, size_t off)
{
	return idx == 0 && (l->aux & AUX_AUTH) && hdr_uint(p, l, off, 1, 0, v);
}

static bool get_idlen(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_auth_len(p, l, idx, v, 2);
}

static bool get_aulen(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_auth_len(p, l, idx, v, 3);
}

static bool get_orig_port(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	size_t o = l->aux & 0xffff;
	if (idx || !o || !hdr_uint(p, l, o - 1 + 2, 2, 0, v))
		return false;
	v->u = ~v->u & 0xffff; /* sent obfuscated */
	return true;
}

static bool get_orig_addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	size_t o = l->aux & 0xffff;
	struct wk_val raw;
	if (idx || !o || !hdr_bytes(p, l, o - 1 + 4, 4, &raw))
		return false;
	for (int i = 0; i < 4; i++)
		v->buf[i] = (uint8_t)~raw.p[i];
	v->p = v->buf;
	v->n = 4;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "teredo.auth.idlen",
     .title = "Client identifier length",
     .type = WK_FT_UINT,
     .get = get_idlen},
    {.name = "teredo.auth.aulen",
     .title = "Authentication value length",
     .type = WK_FT_UINT,
     .get = get_aulen},
    {.name = "teredo.orig.port",
     .title = "Origin UDP port",
     .type = WK_FT_UINT,
     .get = get_orig_port},
    {.name = "teredo.orig.addr",
     .title = "Origin IPv4 address",
     .type = WK_FT_IP4,
     .width = 4,
     .get = get_orig_addr},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	const uint8_t *start = r->cur;
	uint16_t w;
	if (wk_rd_peek_be16(r, 0, &w) && w == 0x0001) {
		wk_rd_skip(r, 2);
		uint8_t idlen = wk_rd_u8(r);
		uint8_t aulen = wk_rd_u8(r);
		wk_rd_skip(r, (size_t)idlen + aulen + 8 + 1);
		if (r->bad)
			return;
		l->aux |= AUX_AUTH;
	}
	if (wk_rd_peek_be16(r, 0, &w) && w == 0x0000) {
		l->aux |= (uint32_t)(r->cur - start) + 1;
		if (!wk_rd_skip(r, ORIG_LEN))
			return;
	}
	wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	wk_ob_puts(o->ob, "Teredo");
	if (l->aux & AUX_AUTH)
		wk_ob_puts(o->ob, ", auth");
	if (l->aux & 0xffff)
		wk_ob_puts(o->ob, ", origin");
	wk_ob_puts(o->ob, layer_has_inner(p, l) ? ": " : "");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 3544},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_teredo = {
    .name = "teredo",
    .title = "Teredo IPv6 over UDP tunneling",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
};
