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
