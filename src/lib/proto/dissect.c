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
	while (proto && p->nlayers < WK_MAX_LAYERS) {
		struct wk_layer *l = &p->l[p->nlayers++];
		const uint8_t *start = r.cur;
		l->proto = proto;
		l->off = (uint32_t)(start - p->data);
		l->hlen = 0;
		l->len = (uint32_t)wk_rd_left(&r);
		l->aux = 0;
		l->flags = inherit;
		l->why = NULL;
		struct wk_next next = {0};
		proto->dissect(p, l, &r, &next);
		if (r.bad && !(l->flags & WK_LF_INVALID))
			l->flags |= WK_LF_TRUNC;
		/* The layer spans its header and the (possibly clipped) payload. */
		l->hlen = (uint32_t)(r.cur - start);
		l->len = (uint32_t)(r.end - start);
		inherit |= next.flags;
		proto = NULL;
		if (r.bad || (l->flags & (WK_LF_TRUNC | WK_LF_INVALID | WK_LF_FRAG)))
			break;
		for (unsigned k = 0; k < next.nkeys && k < 2 && !proto; k++)
			proto = wk_proto_lookup((enum wk_ns)next.ns, next.key[k]);
		if (proto && wk_rd_left(&r) == 0 && !(proto->flags & WK_PF_EMPTY_OK))
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
