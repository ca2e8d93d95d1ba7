/* Internet Control Message Protocol for IPv6 (RFC 4443) with Neighbor Discovery
 * (RFC 4861) and MLD (RFC 2710, 3810) message names. IPv6 next header 58.
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  |            Message body (identifier/sequence, MTU, pointer...) |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Errors (types 1-4) quote as much of the offending IPv6 packet as fits in the minimum
 * MTU after 8 bytes of ICMPv6 header; it is dissected as a quoted IPv6 layer. The
 * checksum covers an IPv6 pseudo-header (RFC 8200 8.1). tshark calls it icmpv6. */
#include <string.h>

#include "proto/build_int.h"
#include "proto/l4_int.h"
#include "wirekit/line.h"

enum { ICMP6_HLEN = 4, ICMP6_BODY = 8 };

static const struct wk_vname type_names[] = {
    {1, "destination unreachable"},
    {2, "packet too big"},
    {3, "time exceeded"},
    {4, "parameter problem"},
    {128, "echo request"},
    {129, "echo reply"},
    {130, "multicast listener query"},
    {131, "multicast listener report"},
    {132, "multicast listener done"},
    {133, "router solicitation"},
    {134, "router advertisement"},
    {135, "neighbor solicitation"},
    {136, "neighbor advertisement"},
    {137, "redirect"},
    {143, "multicast listener report v2"},
    {0, NULL},
};

static bool is_echo(uint8_t t)
{
	return t == 128 || t == 129;
}

static bool get_word(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v, size_t off, bool (*want)(uint8_t))
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP6_BODY);
	if (idx || !h || !want(h[0]))
		return false;
	v->u = (uint64_t)(h[off] << 8 | h[off + 1]);
	return true;
}

static bool get_id(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_word(p, l, idx, v, 4, is_echo);
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return get_word(p, l, idx, v, 6, is_echo);
}

static bool get_u32(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v, uint8_t type)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP6_BODY);
	if (idx || !h || h[0] != type)
		return false;
	v->u = (uint64_t)h[4] << 24 | (uint64_t)h[5] << 16 | (uint64_t)h[6] << 8 | h[7];
	return true;
}

static bool get_mtu(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return get_u32(p, l, idx, v, 2);
}

static bool get_pointer(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_u32(p, l, idx, v, 4);
}

/* Target address of a neighbor solicitation/advertisement or redirect (RFC 4861 4.3-4.5). */
static bool get_target(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, 24);
	if (idx || !h || (h[0] != 135 && h[0] != 136 && h[0] != 137))
		return false;
	v->p = h + 8;
	v->n = 16;
	return true;
}

static const struct wk_vname csum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {0, NULL}};
/* icmpv6.checksum.status as tshark with checksum checks on: 0 bad, 1 good, 2 unverified. */
static bool get_csum_status(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	uint16_t should;
	int st = idx ? -1 : l4_csum_check(p, l, 58, true, 2, &should);
	if (st < 0)
		return false;
	v->u = (uint64_t)st;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "icmp6.type",
     .alias = "icmpv6.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .names = type_names},
    WK_F_UINT("icmp6.code", "icmpv6.code", "Code", 1, 1),
    {.name = "icmp6.chksum",
     .alias = "icmpv6.checksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
    {.name = "icmp6.checksum.status",
     .alias = "icmpv6.checksum.status",
     .title = "Checksum Status",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_csum_status,
     .names = csum_status_names},
    {.name = "icmp6.id", .title = "Identifier", .type = WK_FT_UINT, .width = 2, .get = get_id},
    {.name = "icmpv6.echo.identifier",
     .title = "Identifier",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_HIDDEN | WK_FF_NOENC,
     .get = get_id},
    {.name = "icmp6.seq",
     .alias = "icmpv6.echo.sequence_number",
     .title = "Sequence",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_seq},
    {.name = "icmp6.mtu",
     .alias = "icmpv6.mtu",
     .title = "MTU",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_mtu},
    {.name = "icmp6.pointer",
     .alias = "icmpv6.pointer",
     .title = "Pointer",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_pointer},
    {.name = "icmp6.tgt",
     .alias = "icmpv6.nd.ns.target_address icmpv6.nd.na.target_address",
     .title = "Target Address",
     .type = WK_FT_IP6,
     .width = 16,
     .get = get_target},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint8_t type = wk_rd_u8(r);
	wk_rd_skip(r, ICMP6_HLEN - 1);
	if (r->bad)
		return;
	if (type >= 1 && type <= 4) {
		wk_rd_skip(r, ICMP6_BODY - ICMP6_HLEN);
		if (r->bad)
			return;
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
		next->flags = WK_LF_QUOTED;
	}
}

/* tcpdump -n (print-icmp6.c): "ICMP6, echo request, id 1, seq 2, length 64". */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	if (l->flags & WK_LF_QUOTED)
		return;
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP6_HLEN);
	wk_ob_puts(ob, "ICMP6, ");
	if (!h)
		return;
	const char *nm = wk_vname_find(type_names, h[0]);
	if (nm) {
		wk_ob_puts(ob, nm);
	} else {
		wk_ob_puts(ob, "type-#");
		wk_ob_u64(ob, h[0]);
	}
	const uint8_t *b = wk_layer_bytes(p, l, 0, ICMP6_BODY);
	const uint8_t *tgt = wk_layer_bytes(p, l, 8, 16);
	if (b && is_echo(h[0])) {
		wk_ob_puts(ob, ", id ");
		wk_ob_u64(ob, (uint64_t)(b[4] << 8 | b[5]));
		wk_ob_puts(ob, ", seq ");
		wk_ob_u64(ob, (uint64_t)(b[6] << 8 | b[7]));
	} else if (tgt && h[0] == 135) {
		wk_ob_puts(ob, ", who has ");
		wk_ob_ip6(ob, tgt);
	} else if (tgt && h[0] == 136) {
		wk_ob_puts(ob, ", tgt is ");
		wk_ob_ip6(ob, tgt);
	} else if (b && h[0] == 2) {
		wk_ob_puts(ob, ", mtu ");
		wk_ob_u64(ob,
		          (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 | (uint64_t)b[6] << 8 | b[7]);
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, wk_layer_wirelen(p, l));
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 58},
    {WK_NS_NONE, 0},
};

/* Echo request by default. */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint64_t id = build_uint(b, i, "icmp6.id", 0);
	uint64_t seq = build_uint(b, i, "icmp6.seq", 0);
	const struct wk_bval *mtu = build_take(b, i, "icmp6.mtu");
	const struct wk_bval *ptr = build_take(b, i, "icmp6.pointer");
	const struct wk_bval *tgt = build_take(b, i, "icmp6.tgt");
	if (id > 0xffff || seq > 0xffff || (mtu && mtu->u > 0xffffffffu) ||
	    (ptr && ptr->u > 0xffffffffu) || (tgt && tgt->n != 16))
		return WK_EINVAL;
	wk_wr_u8(w, 128);
	wk_wr_u8(w, 0);
	wk_wr_be16(w, 0); /* checksum: finish */
	if (mtu || ptr) {
		wk_wr_be32(w, (uint32_t)(mtu ? mtu->u : ptr->u));
	} else {
		wk_wr_be16(w, (uint16_t)id);
		wk_wr_be16(w, (uint16_t)seq);
	}
	if (tgt)
		wk_wr_bytes(w, tgt->b, 16);
	return 0;
}

static int finish(struct wk_build *b, unsigned i)
{
	/* RFC 4443 2.3: the pseudo-header is mandatory; without an outer IPv6 header the
	 * message alone is summed (what a quoted or stand-alone message can offer). */
	if (build_span(b, i) >= ICMP6_HLEN)
		build_l4_csum(b, i, 58, "icmp6.chksum", 2, false);
	return 0;
}

const struct wk_proto wk_proto_icmp6 = {
    .name = "icmp6",
    .title = "Internet Control Message Protocol v6",
    .tshark = "icmpv6",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = ICMP6_BODY,
};
