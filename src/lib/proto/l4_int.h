/* Internal to src/lib/proto: field getters and line output shared by the transports
 * (tcp.c, udp.c). */
#ifndef WK_L4_INT_H
#define WK_L4_INT_H

#include "wirekit/line.h"
#include "wirekit/proto.h"

/* Getter of tcp.port / udp.port: both ports, source first (the first two 16-bit words). */
static inline bool l4_get_port(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                               struct wk_val *v)
{
	const uint8_t *h = idx < 2 ? wk_layer_bytes(p, l, 2 * idx, 2) : NULL;
	if (!h)
		return false;
	v->u = (uint64_t)(h[0] << 8 | h[1]);
	return true;
}

/* tcpdump prints "src.sport > dst.dport" even when something (AH, an IPv6 fragment
 * header) already used the network layer's addresses: take them again from the nearest
 * outer network layer (by field role) when none are pending. */
static inline void l4_line_ports(struct wk_line *o, const struct wk_pkt *p,
                                 const struct wk_layer *l, uint32_t sport, uint32_t dport)
{
	for (int i = (int)(l - p->l) - 1; o->atype == WK_FT_NONE && i > 0; i--) {
		const struct wk_proto *pr = p->l[i].proto;
		const uint8_t *src = NULL, *dst = NULL;
		enum wk_ftype t = WK_FT_NONE;
		if (!(pr->flags & WK_PF_NETWORK))
			continue;
		for (size_t k = 0; k < pr->nfields; k++) {
			const struct wk_field *f = &pr->fields[k];
			if (f->get || (f->type != WK_FT_IP4 && f->type != WK_FT_IP6))
				continue;
			const uint8_t *a = wk_layer_bytes(p, &p->l[i], f->off, f->width);
			if (f->role == WK_ROLE_SRC)
				src = a, t = f->type;
			else if (f->role == WK_ROLE_DST)
				dst = a;
		}
		if (src && dst)
			wk_line_addrs(o, t, src, dst);
		break;
	}
	wk_line_ports(o, sport, dport);
}

#endif
