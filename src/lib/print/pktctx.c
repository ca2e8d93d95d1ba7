/* State across packets for the fields that need it (struct wk_pkt_ctx): the times of the
 * first, previous and previously shown packets, and tshark's TCP stream numbers, kept in
 * a bounded flow table (a flow evicted beyond the bound gets a new number if it returns). */
#include <stdlib.h>
#include <string.h>

#include "wirekit/line.h"
#include "wirekit/out.h"

struct wk_streams {
	struct wk_flowtab *t;
	uint32_t next; /* number of the next new stream */
	const struct wk_proto *tcp, *ip, *ip6;
};

struct wk_streams *wk_streams_new(size_t slots)
{
	struct wk_streams *s = calloc(1, sizeof(*s));
	if (s) {
		s->tcp = wk_proto_find("tcp");
		s->ip = wk_proto_find("ip");
		s->ip6 = wk_proto_find("ipv6");
	}
	if (s && !(s->t = wk_flowtab_new(slots))) {
		free(s);
		s = NULL;
	}
	return s;
}

void wk_streams_free(struct wk_streams *s)
{
	if (!s)
		return;
	wk_flowtab_free(s->t);
	free(s);
}

/* The stream of the outermost TCP layer that is not quoted in an ICMP error, keyed by
 * its nearest outer IP header's addresses and its ports, both directions one key. A SYN
 * without ACK whose sequence number differs from the one that opened the stream starts a
 * new stream (a port reused), as tshark does. */
static uint32_t stream_of(struct wk_streams *s, const struct wk_pkt *p)
{
	for (unsigned i = 2; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		if (l->proto != s->tcp || (l->flags & WK_LF_QUOTED))
			continue;
		const struct wk_layer *n = &p->l[i - 1];
		while (n > p->l && !(n->proto->flags & WK_PF_NETWORK))
			n--;
		unsigned alen, aoff;
		if (n->proto == s->ip)
			alen = 4, aoff = 12;
		else if (n->proto == s->ip6)
			alen = 16, aoff = 8;
		else
			return UINT32_MAX;
		const uint8_t *a = wk_layer_bytes(p, n, aoff, 2 * alen);
		const uint8_t *t = wk_layer_bytes(p, l, 0, 14);
		if (!a || !t)
			return UINT32_MAX;
		/* endpoint = address then port; the smaller endpoint first */
		uint8_t e0[18], e1[18], key[WK_FLOW_KEYMAX];
		memcpy(e0, a, alen);
		memcpy(e0 + alen, t, 2);
		memcpy(e1, a + alen, alen);
		memcpy(e1 + alen, t + 2, 2);
		bool swap = memcmp(e0, e1, alen + 2) > 0;
		memcpy(key, swap ? e1 : e0, alen + 2);
		memcpy(key + alen + 2, swap ? e0 : e1, alen + 2);
		bool fresh;
		uint32_t *v = wk_flowtab_get(s->t, key, 2 * (alen + 2), &fresh);
		if (!v)
			return UINT32_MAX;
		bool syn = (t[13] & 0x12) == 0x02;
		uint32_t seq =
		    (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
		if (fresh || (syn && v[1] && v[1] != seq + 1)) {
			v[0] = s->next++;
			v[1] = 0;
		}
		if (syn)
			v[1] = seq + 1 ? seq + 1 : 1;
		return v[0];
	}
	return UINT32_MAX;
}

void wk_pktctx_before(struct wk_pkt_ctx *c, struct wk_pkt *p)
{
	p->ctx = c;
	c->tcp_stream = c->streams ? stream_of(c->streams, p) : UINT32_MAX;
	if (!c->have_first) {
		c->have_first = true;
		c->first_sec = p->ts_sec;
		c->first_nsec = p->ts_nsec;
	}
}

void wk_pktctx_after(struct wk_pkt_ctx *c, const struct wk_pkt *p, bool shown)
{
	if (!c->have_first) {
		c->have_first = true;
		c->first_sec = p->ts_sec;
		c->first_nsec = p->ts_nsec;
	}
	c->have_prev = true;
	c->prev_sec = p->ts_sec;
	c->prev_nsec = p->ts_nsec;
	if (shown) {
		c->have_shown = true;
		c->shown_sec = p->ts_sec;
		c->shown_nsec = p->ts_nsec;
	}
}
