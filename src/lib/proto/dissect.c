/* The generic dissection loop: each protocol reads its header through a bounded cursor
 * and names the next protocol; this loop looks it up and records the layer. */
#include "proto/proto_int.h"

void wk_dissect(struct wk_pkt *p)
{
	struct wk_rd r;
	wk_rd_init(&r, p->data, p->caplen);
	extern const struct wk_proto wk_proto_frame;
	const struct wk_proto *proto = &wk_proto_frame;
	uint16_t inherit = 0;
	p->nlayers = 0;
	proto_registry_init();
	while (proto && p->nlayers < WK_MAX_LAYERS) {
		struct wk_layer *l = &p->l[p->nlayers++];
		const uint8_t *start = r.cur;
		*l = (struct wk_layer){.proto = proto,
		                       .off = (uint32_t)(start - p->data),
		                       .len = (uint32_t)wk_rd_left(&r),
		                       .flags = inherit};
		struct wk_next next = {0};
		proto->dissect(p, l, &r, &next);
		if (r.bad && !(l->flags & WK_LF_INVALID))
			l->flags |= WK_LF_TRUNC;
		/* The layer spans its header and the (possibly clipped) payload. */
		l->hlen = (uint32_t)(r.cur - start);
		l->len = (uint32_t)(r.end - start);
		inherit |= next.flags;
		if (r.bad || (l->flags & (WK_LF_TRUNC | WK_LF_INVALID | WK_LF_FRAG)) || !next.nkeys)
			break;
		/* UDP and TCP name two keys (destination port, then source port) */
		proto = proto_lookup_fast((enum wk_ns)next.ns, next.key[0]);
		if (!proto && next.nkeys > 1)
			proto = proto_lookup_fast((enum wk_ns)next.ns, next.key[1]);
		if (proto && r.cur == r.end && !(proto->flags & WK_PF_EMPTY_OK))
			proto = NULL; /* nothing left to dissect */
	}
	p->rest_off = (uint32_t)wk_rd_off(&r);
	p->rest_len = (uint32_t)wk_rd_left(&r);
}

int wk_pkt_find(const struct wk_pkt *p, const struct wk_proto *proto, int from)
{
	for (int i = from < 0 ? 0 : from; i < p->nlayers; i++)
		if (p->l[i].proto == proto)
			return i;
	return -1;
}
