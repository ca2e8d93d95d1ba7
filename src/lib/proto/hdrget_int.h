/* Internal to the tunnel and DNS protocol files: field getters for header fields whose
 * position depends on earlier bits (optional GRE words, DNS over TCP's length prefix,
 * ERSPAN type I without a header). A fixed offset/width table entry reads anywhere in the
 * layer, payload included; these read only inside the dissected header (l->hlen). */
#ifndef WK_HDRGET_INT_H
#define WK_HDRGET_INT_H

#include "proto/proto_int.h"

/* Big-endian unsigned of width bytes at off inside the header of l, masked (mask 0: all).
 * False when the header does not reach that far. */
static inline bool hdr_uint(const struct wk_pkt *p, const struct wk_layer *l, size_t off,
                            unsigned width, uint32_t mask, struct wk_val *v)
{
	if (off + width > l->hlen)
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, off, width);
	if (!b)
		return false;
	uint64_t u = 0;
	for (unsigned i = 0; i < width; i++)
		u = u << 8 | b[i];
	if (mask)
		u = (u & mask) >> __builtin_ctz(mask);
	v->u = v->type == WK_FT_BOOL ? u != 0 : u;
	return true;
}

/* Bytes (address or blob) at off inside the header of l. */
static inline bool hdr_bytes(const struct wk_pkt *p, const struct wk_layer *l, size_t off, size_t n,
                             struct wk_val *v)
{
	if (off + n > l->hlen)
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, off, n);
	if (!b)
		return false;
	v->p = b;
	v->n = n;
	return true;
}

/* Index of layer l in p (l points into p->l). */
static inline unsigned layer_index(const struct wk_pkt *p, const struct wk_layer *l)
{
	return (unsigned)(l - p->l);
}

/* True when another layer follows l (line output then ends with ": " before it). */
static inline bool layer_has_inner(const struct wk_pkt *p, const struct wk_layer *l)
{
	return layer_index(p, l) + 1u < p->nlayers;
}

/* True when the layer below l is UDP with port as its source or destination port (a
 * protocol on two ports telling its channels apart: CAPWAP, LISP). */
static inline bool below_udp_port(const struct wk_pkt *p, const struct wk_layer *l, unsigned port)
{
	unsigned i = layer_index(p, l);
	if (i == 0 || p->l[i - 1].proto != &wk_proto_udp)
		return false;
	const uint8_t *b = wk_layer_bytes(p, &p->l[i - 1], 0, 4);
	return b && ((unsigned)(b[0] << 8 | b[1]) == port || (unsigned)(b[2] << 8 | b[3]) == port);
}

/* Name the next layer IPv4 or IPv6 by the version nibble of what follows (tunnels that
 * carry either without saying which: GTP-U, PIM register, LISP data). */
static inline void next_ip_by_version(const struct wk_rd *r, struct wk_next *next)
{
	uint8_t v;
	if (!wk_rd_peek_u8(r, 0, &v))
		return;
	if (v >> 4 == 4)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (v >> 4 == 6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

#endif
