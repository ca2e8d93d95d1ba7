/* Internet Protocol version 6 (RFC 8200) and its extension headers, each a separate
 * layer so the chain shows in the layer list: Hop-by-Hop Options (4.3), Routing (4.4),
 * Fragment (4.5) and Destination Options (4.6).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                  Source Address (16 bytes)                    |
 *  |               Destination Address (16 bytes)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Options headers: next header, length in 8-octet units not counting the first 8, options
 * (TLV, Pad1 = one zero byte). Fragment header: next header, reserved, offset (13 bits,
 * 8-octet units), 2 reserved bits, M flag, identification (32 bits). */
#include <string.h>

#include "proto/build_int.h"
#include "wirekit/line.h"

enum { IP6_HLEN = 40, EXT_MIN = 8 };

static bool get_addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	const uint8_t *a = idx < 2 ? wk_layer_bytes(p, l, 8 + 16 * idx, 16) : NULL;
	if (!a)
		return false;
	v->p = a;
	v->n = 16;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "ipv6.version",
     .title = "Version",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .mask = 0xf0},
    {.name = "ipv6.tc",
     .title = "Traffic Class",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 4,
     .mask = 0x0ff00000},
    {.name = "ipv6.tclass",
     .title = "Traffic Class",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 4,
     .mask = 0x0ff00000,
     .flags = WK_FF_HEX | WK_FF_HIDDEN},
    {.name = "ipv6.tclass.dscp",
     .title = "DSCP",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 4,
     .mask = 0x0fc00000},
    {.name = "ipv6.tclass.ecn",
     .title = "ECN",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 4,
     .mask = 0x00300000},
    {.name = "ipv6.fl",
     .title = "Flow Label",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 3,
     .mask = 0x0fffff},
    {.name = "ipv6.flow",
     .title = "Flow Label",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 3,
     .mask = 0x0fffff,
     .flags = WK_FF_HEX | WK_FF_HIDDEN},
    {.name = "ipv6.plen",
     .title = "Payload Length",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 2,
     .flags = WK_FF_LEN},
    {.name = "ipv6.nh",
     .alias = "ipv6.nxt",
     .title = "Next Header",
     .type = WK_FT_UINT,
     .off = 6,
     .width = 1},
    {.name = "ipv6.hlim", .title = "Hop Limit", .type = WK_FT_UINT, .off = 7, .width = 1},
    {.name = "ipv6.src",
     .title = "Source Address",
     .type = WK_FT_IP6,
     .off = 8,
     .width = 16,
     .role = WK_ROLE_SRC},
    {.name = "ipv6.dst",
     .title = "Destination Address",
     .type = WK_FT_IP6,
     .off = 24,
     .width = 16,
     .role = WK_ROLE_DST},
    {.name = "ipv6.addr",
     .title = "Source or Destination Address",
     .type = WK_FT_IP6,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_addr},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	const uint8_t *start = r->cur;
	uint8_t v = 0;
	if (!wk_rd_peek_u8(r, 0, &v)) {
		r->bad = true;
		return;
	}
	if (v >> 4 != 6) {
		l->flags |= WK_LF_INVALID;
		l->why = "version is not 6";
		r->cur = r->end = start; /* not IPv6: no field shows (as in tshark) */
		return;
	}
	wk_rd_skip(r, 4);
	uint16_t plen = wk_rd_be16(r);
	uint8_t nh = wk_rd_u8(r);
	wk_rd_skip(r, 33);
	if (r->bad)
		return;
	/* plen 0 with a Jumbo Payload option (RFC 2675) or from segmentation offload: the
	 * payload is what was captured. A quoted header's length is not enforced. */
	if (plen && !(l->flags & WK_LF_QUOTED))
		wk_rd_clip(r, plen);
	wk_next_set(next, WK_NS_IPPROTO, nh);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if (l->flags & WK_LF_QUOTED)
		return; /* tcpdump -n shows the quote only with -v */
	const uint8_t *h = wk_layer_bytes(p, l, 0, IP6_HLEN);
	if (o->named != o->layer)
		wk_ob_puts(o->ob, "IP6 ");
	if (!h)
		return;
	if (o->verbose) {
		/* tcpdump -v (print-ip6.c): "(class 0x.., flowlabel 0x....., hlim 64,
		 * next-header TCP (6) payload length: 40) " */
		uint32_t flow =
		    (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		wk_ob_putc(o->ob, '(');
		if (flow & 0x0ff00000) {
			wk_ob_puts(o->ob, "class 0x");
			wk_ob_hex(o->ob, (flow >> 20) & 0xff, 2);
			wk_ob_puts(o->ob, ", ");
		}
		if (flow & 0x000fffff) {
			wk_ob_puts(o->ob, "flowlabel 0x");
			wk_ob_hex(o->ob, flow & 0x000fffff, 5);
			wk_ob_puts(o->ob, ", ");
		}
		wk_ob_puts(o->ob, "hlim ");
		wk_ob_u64(o->ob, h[7]);
		wk_ob_puts(o->ob, ", next-header ");
		wk_ob_puts(o->ob, ip_proto_vname(h[6]));
		wk_ob_puts(o->ob, " (");
		wk_ob_u64(o->ob, h[6]);
		wk_ob_puts(o->ob, ") payload length: ");
		wk_ob_u64(o->ob, (uint64_t)(h[4] << 8 | h[5]));
		wk_ob_puts(o->ob, ") ");
	}
	wk_line_addrs(o, WK_FT_IP6, h + 8, h + 24);
	if (o->layer + 1u >= p->nlayers && !(l->flags & (WK_LF_TRUNC | WK_LF_INVALID))) {
		wk_line_flush_addrs(o);
		wk_ob_puts(o->ob, "ip-proto-");
		wk_ob_u64(o->ob, h[6]);
		wk_ob_putc(o->ob, ' ');
		wk_ob_u64(o->ob, l->len - l->hlen);
	}
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x86dd}, {WK_NS_IPPROTO, 41}, {WK_NS_PPP, 0x0057}, {WK_NS_LINKTYPE, 229},
    {WK_NS_CHDLC, 0x86dd},     {WK_NS_NLPID, 0x8e}, {WK_NS_NULLFAM, 10}, {WK_NS_NULLFAM, 24},
    {WK_NS_NULLFAM, 28},       {WK_NS_NULLFAM, 30}, {WK_NS_NONE, 0},
};

static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t nh = 59; /* No Next Header (RFC 8200 4.7) */
	build_next_key(b, i, WK_NS_IPPROTO, &nh);
	wk_wr_be32(w, 0x60000000);
	wk_wr_be16(w, 0); /* payload length: finish */
	wk_wr_u8(w, (uint8_t)nh);
	wk_wr_u8(w, 64);
	static const uint8_t lo[16] = {[15] = 1};
	wk_wr_bytes(w, lo, 16);
	wk_wr_bytes(w, lo, 16);
	return 0;
}

static int finish(struct wk_build *b, unsigned i)
{
	size_t span = build_span(b, i);
	if (span < IP6_HLEN || span - IP6_HLEN > 0xffff)
		return WK_EINVAL;
	build_len_store(b, i, "ipv6.plen", 4, (uint16_t)(span - IP6_HLEN));
	return 0;
}

const struct wk_proto wk_proto_ipv6 = {
    .name = "ipv6",
    .title = "Internet Protocol Version 6",
    .flags = WK_PF_NETWORK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = IP6_HLEN,
};

/* ---- extension headers --------------------------------------------------------------- */

/* Hop-by-Hop, Routing and Destination Options share the first two octets: next header
 * and length in 8-octet units beyond the first 8. */
static void dissect_ext(struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	uint8_t nh = wk_rd_u8(r);
	uint8_t len = wk_rd_u8(r);
	wk_rd_skip(r, (size_t)len * 8 + 6);
	if (r->bad)
		return;
	(void)l;
	wk_next_set(next, WK_NS_IPPROTO, nh);
}

static bool get_len_oct(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 1, 1);
	if (idx || !h)
		return false;
	v->u = ((uint64_t)h[0] + 1) * 8;
	return true;
}

/* Option types of a Hop-by-Hop or Destination Options header (RFC 8200 4.2), Pad1
 * included; stops at an option running past the header. */
static bool get_opt_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	if (l->hlen < EXT_MIN)
		return false;
	const uint8_t *o = wk_layer_bytes(p, l, 2, l->hlen - 2);
	size_t n = l->hlen - 2, at = 0;
	for (unsigned k = 0; o && at < n; k++) {
		if (k == idx) {
			v->u = o[at];
			return true;
		}
		if (o[at] == 0) {
			at++;
			continue;
		}
		if (at + 1 >= n)
			break;
		at += 2 + (size_t)o[at + 1];
	}
	return false;
}

/* Options must fit the header (RFC 8200 4.2); one running past it makes the header
 * malformed and nothing after it is trusted (tshark stops there too). */
static void dissect_opts(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r,
                         struct wk_next *next)
{
	(void)p;
	const uint8_t *h = r->cur;
	dissect_ext(l, r, next);
	if (r->bad)
		return;
	size_t n = (size_t)(r->cur - h), at = 2;
	while (at < n) {
		if (h[at] == 0) { /* Pad1 */
			at++;
			continue;
		}
		if (at + 1 >= n || at + 2 + (size_t)h[at + 1] > n) {
			l->flags |= WK_LF_INVALID;
			l->why = "option runs past the header";
			next->ns = WK_NS_NONE;
			next->nkeys = 0;
			return;
		}
		at += 2 + (size_t)h[at + 1];
	}
}

/* Encoders of the options headers: the smallest header, one PadN option filling it. */
static int encode_opts(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t nh = 59;
	build_next_key(b, i, WK_NS_IPPROTO, &nh);
	wk_wr_u8(w, (uint8_t)nh);
	wk_wr_u8(w, 0);
	wk_wr_u8(w, 1); /* PadN */
	wk_wr_u8(w, 4);
	wk_wr_zero(w, 4);
	return 0;
}

/* tcpdump -n (print-ip6.c, print-rt6.c): the addresses, then "HBH ", "DSTOPT " or the
 * routing header with its segments; a transport after them prints its ports alone. */
static void line_ext(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if (l->flags & WK_LF_QUOTED)
		return;
	wk_line_flush_addrs(o);
	o->ports_only = true;
	struct wk_ob *ob = o->ob;
	if (l->proto == &wk_proto_ipv6_hopopts) {
		wk_ob_puts(ob, "HBH ");
		return;
	}
	if (l->proto == &wk_proto_ipv6_dstopts) {
		wk_ob_puts(ob, "DSTOPT ");
		return;
	}
	const uint8_t *h = wk_layer_bytes(p, l, 0, EXT_MIN);
	if (!h)
		return;
	unsigned len = h[1], type = h[2];
	wk_ob_puts(ob, "RT6 (len=");
	wk_ob_u64(ob, len);
	wk_ob_puts(ob, ", type=");
	wk_ob_u64(ob, type);
	if (type == 0)
		wk_ob_puts(ob, " [Deprecated]");
	wk_ob_puts(ob, ", segleft=");
	wk_ob_u64(ob, h[3]);
	uint32_t rsv = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	if ((type == 0 || type == 2) && (rsv || o->verbose)) { /* print-rt6.c */
		wk_ob_puts(ob, ", rsv=0x");
		wk_ob_hex(ob, rsv, 1);
	}
	if (type == 4) { /* RFC 8754 segment routing header */
		wk_ob_puts(ob, ", last-entry=");
		wk_ob_u64(ob, h[4]);
		if (h[5] || o->verbose) {
			wk_ob_puts(ob, ", flags=0x");
			wk_ob_hex(ob, h[5], 1);
		}
		wk_ob_puts(ob, ", tag=");
		wk_ob_hex(ob, (uint64_t)(h[6] << 8 | h[7]), 1);
	}
	if (type == 0 || type == 2 || type == 4)
		for (unsigned i = 0; i < len / 2; i++) {
			const uint8_t *a = wk_layer_bytes(p, l, EXT_MIN + 16 * i, 16);
			if (!a)
				break;
			wk_ob_puts(ob, ", [");
			wk_ob_u64(ob, i);
			wk_ob_putc(ob, ']');
			wk_ob_ip6(ob, a);
		}
	wk_ob_puts(ob, ") ");
}

static const struct wk_field hop_fields[] = {
    WK_F_UINT("ipv6.hopopts.nxt", NULL, "Next Header", 0, 1),
    WK_F_UINT("ipv6.hopopts.len", NULL, "Length", 1, 1),
    {.name = "ipv6.hopopts.len_oct",
     .title = "Length (bytes)",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_len_oct},
    {.name = "ipv6.opt.type",
     .title = "Option Type",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_opt_type},
};

static const struct wk_bind hop_binds[] = {{WK_NS_IPPROTO, 0}, {WK_NS_NONE, 0}};

const struct wk_proto wk_proto_ipv6_hopopts = {
    .name = "ipv6_hopopts",
    .title = "IPv6 Hop-by-Hop Option",
    .tshark = "ipv6.hopopts",
    .flags = WK_PF_EXTHDR,
    .fields = hop_fields,
    .nfields = WK_ARRAY_SIZE(hop_fields),
    .binds = hop_binds,
    .dissect = dissect_opts,
    .encode = encode_opts,
    .line = line_ext,
    .min_hlen = EXT_MIN,
};

static const struct wk_field dst_fields[] = {
    WK_F_UINT("ipv6.dstopts.nxt", NULL, "Next Header", 0, 1),
    WK_F_UINT("ipv6.dstopts.len", NULL, "Length", 1, 1),
    {.name = "ipv6.dstopts.len_oct",
     .title = "Length (bytes)",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_len_oct},
    {.name = "ipv6.dstopts.opt.type",
     .title = "Option Type",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_opt_type},
};

static const struct wk_bind dst_binds[] = {{WK_NS_IPPROTO, 60}, {WK_NS_NONE, 0}};

const struct wk_proto wk_proto_ipv6_dstopts = {
    .name = "ipv6_dstopts",
    .title = "IPv6 Destination Options",
    .tshark = "ipv6.dstopts",
    .flags = WK_PF_EXTHDR,
    .fields = dst_fields,
    .nfields = WK_ARRAY_SIZE(dst_fields),
    .binds = dst_binds,
    .dissect = dissect_opts,
    .encode = encode_opts,
    .line = line_ext,
    .min_hlen = EXT_MIN,
};

static void dissect_routing(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r,
                            struct wk_next *next)
{
	(void)p;
	dissect_ext(l, r, next);
}

/* An empty routing header of type 0 with no segments left (valid to parse, ignored by
 * receivers per RFC 5095 since segments left is 0). */
static int encode_routing(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t nh = 59;
	build_next_key(b, i, WK_NS_IPPROTO, &nh);
	wk_wr_u8(w, (uint8_t)nh);
	wk_wr_u8(w, 0);
	wk_wr_u8(w, 0);
	wk_wr_u8(w, 0);
	wk_wr_zero(w, 4);
	return 0;
}

static const struct wk_field rt_fields[] = {
    WK_F_UINT("ipv6.routing.nxt", NULL, "Next Header", 0, 1),
    WK_F_UINT("ipv6.routing.len", NULL, "Length", 1, 1),
    {.name = "ipv6.routing.len_oct",
     .title = "Length (bytes)",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_len_oct},
    WK_F_UINT("ipv6.routing.type", NULL, "Type", 2, 1),
    WK_F_UINT("ipv6.routing.segleft", NULL, "Segments Left", 3, 1),
};

static const struct wk_bind rt_binds[] = {{WK_NS_IPPROTO, 43}, {WK_NS_NONE, 0}};

const struct wk_proto wk_proto_ipv6_routing = {
    .name = "ipv6_routing",
    .title = "Routing Header for IPv6",
    .tshark = "ipv6.routing",
    .flags = WK_PF_EXTHDR,
    .fields = rt_fields,
    .nfields = WK_ARRAY_SIZE(rt_fields),
    .binds = rt_binds,
    .dissect = dissect_routing,
    .encode = encode_routing,
    .line = line_ext,
    .min_hlen = EXT_MIN,
};

static void dissect_frag(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r,
                         struct wk_next *next)
{
	(void)p;
	uint8_t nh = wk_rd_u8(r);
	wk_rd_skip(r, 1);
	uint16_t offlg = wk_rd_be16(r);
	wk_rd_skip(r, 4);
	if (r->bad)
		return;
	if (offlg & 1)
		l->flags |= WK_LF_MORE;
	if (offlg >> 3) {
		l->flags |= WK_LF_FRAG;
		return;
	}
	wk_next_set(next, WK_NS_IPPROTO, nh);
}

/* tcpdump -n (print-frag6.c): "frag (offset|length)". */
static void line_frag(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, EXT_MIN);
	if (!h)
		return;
	wk_line_flush_addrs(o);
	o->ports_only = true;
	wk_ob_puts(o->ob, "frag (");
	if (o->verbose) { /* the identification (print-frag6.c) */
		wk_ob_puts(o->ob, "0x");
		wk_ob_hex(o->ob,
		          (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7],
		          8);
		wk_ob_putc(o->ob, ':');
	}
	wk_ob_u64(o->ob, (uint64_t)(h[2] << 8 | h[3]) & 0xfff8);
	wk_ob_putc(o->ob, '|');
	wk_ob_u64(o->ob, l->len - EXT_MIN);
	/* a later fragment ends the line there */
	wk_ob_puts(o->ob, (size_t)(l - p->l) + 1 < p->nlayers ? ") " : ")");
}

static int encode_frag(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t nh = 59;
	build_next_key(b, i, WK_NS_IPPROTO, &nh);
	wk_wr_u8(w, (uint8_t)nh);
	wk_wr_u8(w, 0);
	wk_wr_be16(w, 0);
	wk_wr_be32(w, 0);
	return 0;
}

static const struct wk_field frag_fields[] = {
    WK_F_UINT("ipv6.fraghdr.nxt", NULL, "Next Header", 0, 1),
    WK_F_BITS("ipv6.fraghdr.offset", NULL, "Offset (8-byte units)", 2, 2, 0xfff8),
    {.name = "ipv6.fraghdr.more",
     .title = "More Fragments",
     .type = WK_FT_BOOL,
     .off = 2,
     .width = 2,
     .mask = 0x0001},
    {.name = "ipv6.fraghdr.ident",
     .title = "Identification",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 4,
     .flags = WK_FF_HEX},
};

static const struct wk_bind frag_binds[] = {{WK_NS_IPPROTO, 44}, {WK_NS_NONE, 0}};

const struct wk_proto wk_proto_ipv6_fraghdr = {
    .name = "ipv6_fraghdr",
    .title = "IPv6 Fragment Header",
    .tshark = "ipv6.fraghdr",
    .flags = WK_PF_EXTHDR,
    .fields = frag_fields,
    .nfields = WK_ARRAY_SIZE(frag_fields),
    .binds = frag_binds,
    .dissect = dissect_frag,
    .line = line_frag,
    .encode = encode_frag,
    .min_hlen = EXT_MIN,
};
