/* ARCNET as Linux captures it (LINKTYPE_ARCNET_LINUX 129).
 *
 *  +-----+-----+------------+-------+------------+-------------+---------
 *  | src | dst | offset (2) | proto | split flag | sequence (2)| payload
 *  +-----+-----+------------+-------+------------+-------------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_ARCNET_LINUX.html. RFC 1201 encapsulation
 * (IP 0xd4, ARP 0xd5, RARP 0xd6, IPv6 0xc4, AppleTalk 0xdd, IPX 0xfa) has the split
 * flag and sequence; a split flag of 0xff marks an exception packet, where 4 bytes
 * (2 of padding, the protocol and split flag again) come before the sequence. The older
 * RFC 1051 encapsulation (IP 0xf0, ARP 0xf1) has neither. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	ARC_HLEN_MIN = 5,
	ARC_IP_1051 = 0xf0,
	ARC_ARP_1051 = 0xf1,
	ARC_EXCEPTION = 0xff,
	AUX_1201 = 1, /* l->aux: split flag and sequence present */
	AUX_EXC = 2,  /* exception packet */
};

static const struct {
	uint8_t id;
	uint16_t ethertype;
} to_ethertype[] = {
    {0xc4, 0x86dd}, {0xd4, 0x0800}, {0xd5, 0x0806}, {0xd6, 0x8035},
    {0xdd, 0x809b}, {0xf0, 0x0800}, {0xf1, 0x0806}, {0xfa, 0x8137},
};

static bool get_at(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v,
                   unsigned off, unsigned n)
{
	const uint8_t *b = wk_layer_bytes(p, l, off, n);
	if (idx || !b || !(l->aux & AUX_1201))
		return false;
	v->u = n == 1 ? b[0] : (uint64_t)(b[0] << 8 | b[1]);
	return true;
}

static bool get_split(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_at(p, l, idx, v, 5, 1);
}

static bool get_sequence(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	return get_at(p, l, idx, v, (l->aux & AUX_EXC) ? 10 : 6, 2);
}

static const struct wk_field fields[] = {
    {.name = "arcnet.src",
     .title = "Source",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .role = WK_ROLE_SRC},
    {.name = "arcnet.dst",
     .title = "Dest",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX,
     .role = WK_ROLE_DST},
    {.name = "arcnet.offset", .title = "Offset", .type = WK_FT_BYTES, .off = 2, .width = 2},
    {.name = "arcnet.protID",
     .title = "Protocol ID",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "arcnet.split_flag",
     .title = "Split Flag",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_NOENC,
     .get = get_split},
    {.name = "arcnet.sequence",
     .title = "Sequence",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_sequence},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	wk_rd_skip(r, 4);
	uint8_t id = wk_rd_u8(r);
	if (r->bad)
		return;
	if (id != ARC_IP_1051 && id != ARC_ARP_1051) {
		l->aux |= AUX_1201;
		if (wk_rd_u8(r) == ARC_EXCEPTION) {
			l->aux |= AUX_EXC;
			wk_rd_skip(r, 2);
			id = wk_rd_u8(r);
			wk_rd_skip(r, 1);
		}
		wk_rd_skip(r, 2);
		if (r->bad)
			return;
	}
	for (size_t i = 0; i < WK_ARRAY_SIZE(to_ethertype); i++)
		if (to_ethertype[i].id == id)
			wk_next_set(next, WK_NS_ETHERTYPE, to_ethertype[i].ethertype);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 129}, /* LINKTYPE_ARCNET_LINUX */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_arcnet = {
    .name = "arcnet",
    .title = "ARCNET",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = ARC_HLEN_MIN,
};
