/* The frame: a pseudo layer over the whole record (pcap record header facts), always
 * layer 0. Its next layer is found by the record's link type. */
#include <string.h>

#include "proto/proto_int.h"
#include "wirekit/addr.h"

static bool get_number(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	(void)l;
	v->u = p->number;
	return idx == 0;
}

static bool get_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	(void)l;
	v->u = p->wirelen;
	return idx == 0;
}

static bool get_caplen(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	(void)l;
	v->u = p->caplen;
	return idx == 0;
}

static bool get_linktype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	(void)l;
	v->u = p->linktype;
	return idx == 0;
}

/* "1700000000.123456789" as tshark prints frame.time_epoch. */
static bool get_epoch(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	(void)l;
	if (idx)
		return false;
	char *d = (char *)v->buf;
	uint64_t s = p->ts_sec < 0 ? 0 : (uint64_t)p->ts_sec;
	d = wk_u64_fmt(d, s);
	*d++ = '.';
	uint32_t ns = p->ts_nsec;
	for (int i = 8; i >= 0; i--) {
		d[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	d += 9;
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = (size_t)(d - (char *)v->buf);
	return true;
}

/* Seconds between two times as tshark prints them: "-0.000100000", 9 decimals. */
static bool time_diff(struct wk_val *v, int64_t s1, uint32_t ns1, int64_t s0, uint32_t ns0)
{
	int64_t s = s1 - s0;
	int64_t ns = (int64_t)ns1 - (int64_t)ns0;
	if (s > 0 && ns < 0)
		s--, ns += 1000000000;
	else if (s < 0 && ns > 0)
		s++, ns -= 1000000000;
	char *d = (char *)v->buf;
	if (s < 0 || ns < 0) {
		*d++ = '-';
		s = -s;
		ns = -ns;
	}
	d = wk_u64_fmt(d, (uint64_t)s);
	*d++ = '.';
	for (int i = 8; i >= 0; i--) {
		d[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	d += 9;
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = (size_t)(d - (char *)v->buf);
	return true;
}

/* frame.time_relative: since the first packet read. */
static bool get_time_rel(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	(void)l;
	const struct wk_pkt_ctx *c = p->ctx;
	if (idx || !c || !c->have_first)
		return false;
	return time_diff(v, p->ts_sec, p->ts_nsec, c->first_sec, c->first_nsec);
}

/* frame.time_delta: since the previous packet read (0 for the first). */
static bool get_time_delta(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                           struct wk_val *v)
{
	(void)l;
	const struct wk_pkt_ctx *c = p->ctx;
	if (idx || !c)
		return false;
	if (!c->have_prev)
		return time_diff(v, 0, 0, 0, 0);
	return time_diff(v, p->ts_sec, p->ts_nsec, c->prev_sec, c->prev_nsec);
}

/* frame.time_delta_displayed: since the previous packet shown (0 for the first). */
static bool get_time_delta_shown(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                                 struct wk_val *v)
{
	(void)l;
	const struct wk_pkt_ctx *c = p->ctx;
	if (idx || !c)
		return false;
	if (!c->have_shown)
		return time_diff(v, 0, 0, 0, 0);
	return time_diff(v, p->ts_sec, p->ts_nsec, c->shown_sec, c->shown_nsec);
}

/* frame.interface_id: only where the capture numbers its interfaces (pcapng). */
static bool get_ifid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	(void)l;
	if (idx || !p->ctx || !p->ctx->ifaces)
		return false;
	v->u = p->ifid;
	return true;
}

static bool get_ifname(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	(void)l;
	const struct wk_pkt_ctx *c = p->ctx;
	const char *n = !idx && c && c->ifaces && c->ifname ? c->ifname(c->ifarg, p->ifid) : NULL;
	if (!n)
		return false;
	v->type = WK_FT_STR;
	v->p = (const uint8_t *)n;
	v->n = strlen(n);
	return true;
}

/* frame.data, tshark's data.data: the bytes no dissector claimed, after a transport or tunnel
 * header (not link-layer padding: those bytes follow a layer whose length is known). */
static bool get_data(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	(void)l;
	if (idx || !p->rest_len || p->rest_off >= p->caplen || p->nlayers < 2)
		return false;
	const struct wk_layer *last = &p->l[p->nlayers - 1];
	if (last->flags & (WK_LF_FRAG | WK_LF_TRUNC | WK_LF_INVALID))
		return false;
	if (last->off + last->len != p->rest_off + p->rest_len)
		return false; /* bytes after the last layer's end: padding, a trailer */
	uint32_t n = p->rest_len;
	if (n > p->caplen - p->rest_off)
		n = p->caplen - p->rest_off;
	v->type = WK_FT_BYTES;
	v->p = p->data + p->rest_off;
	v->n = n;
	return true;
}

/* "eth:ethertype:ip:tcp" style list of the layers (our names). */
static bool get_protocols(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	(void)l;
	if (idx)
		return false;
	size_t n = 0;
	for (unsigned i = 1; i < p->nlayers; i++) {
		const char *nm =
		    p->l[i].proto->tshark ? p->l[i].proto->tshark : p->l[i].proto->name;
		size_t k = strlen(nm);
		if (n + k + 1 >= sizeof(v->buf))
			break;
		if (n)
			v->buf[n++] = ':';
		memcpy(v->buf + n, nm, k);
		n += k;
	}
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = n;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "frame.number", .title = "Frame Number", .type = WK_FT_UINT, .get = get_number},
    {.name = "frame.len", .title = "Frame Length", .type = WK_FT_UINT, .get = get_len},
    {.name = "frame.cap_len", .title = "Capture Length", .type = WK_FT_UINT, .get = get_caplen},
    {.name = "frame.time_epoch", .title = "Epoch Time", .type = WK_FT_STR, .get = get_epoch},
    {.name = "frame.time_relative",
     .title = "Time since reference or first frame",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_time_rel},
    {.name = "frame.time_delta",
     .title = "Time delta from previous captured frame",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_time_delta},
    {.name = "frame.time_delta_displayed",
     .title = "Time delta from previous displayed frame",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_time_delta_shown},
    {.name = "frame.interface_id",
     .title = "Interface id",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_ifid},
    {.name = "frame.interface_name",
     .title = "Interface name",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_ifname},
    {.name = "frame.data",
     .alias = "data.data", /* tshark's: its pseudo-protocol "data" is our rest of frame */
     .title = "Data",
     .type = WK_FT_BYTES,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_data},
    {.name = "frame.linktype", .title = "Link Type", .type = WK_FT_UINT, .get = get_linktype},
    {.name = "frame.protocols",
     .title = "Protocols in Frame",
     .type = WK_FT_STR,
     .get = get_protocols},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)l;
	(void)r;
	wk_next_set(next, WK_NS_LINKTYPE, p->linktype);
}

const struct wk_proto wk_proto_frame = {
    .name = "frame",
    .title = "Frame",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .dissect = dissect,
    .flags = WK_PF_EMPTY_OK,
};
