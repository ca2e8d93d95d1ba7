/* Linux "cooked" capture header, version 2 (LINKTYPE_LINUX_SLL2 276): v1's fields
 * reordered, plus the interface index.
 *
 *   0        2        4                 8        10  11  12                   20
 *  +--------+--------+-----------------+--------+---+---+--------------------+---------
 *  |protocol|reserved| interface index | hatype |pkt|len| link address (8)   | payload
 *  +--------+--------+-----------------+--------+---+---+--------------------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html. The payload is named the
 * same way as for v1 (sll_next in sll.c). tshark calls both "sll" and uses sll.* field
 * names for both; ours are sll2.*, with tshark's sll.* names as aliases (a -e sll.* column
 * takes its values from whichever of the two a packet has). */
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { SLL2_HLEN = 20, ETH_P_MAX_LINUX = 1536, ARPHRD_IPGRE = 778 };

static bool get_etype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 10);
	if (idx || !b)
		return false;
	v->u = (uint64_t)(b[0] << 8 | b[1]);
	return v->u > ETH_P_MAX_LINUX && (b[8] << 8 | b[9]) != ARPHRD_IPGRE;
}

static bool get_src_eth(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 18);
	if (idx || !b || b[11] != 6)
		return false;
	v->p = b + 12;
	v->n = 6;
	return true;
}

static const struct wk_vname pkttype_names[] = {
    {0, "Unicast to us"},           {1, "Broadcast"},  {2, "Multicast"},
    {3, "Unicast to another host"}, {4, "Sent by us"}, {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "sll2.protocol",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "sll2.etype",
     .alias = "sll.etype",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_etype},
    {.name = "sll2.reserved",
     .alias = "sll.unused",
     .title = "Reserved",
     .type = WK_FT_BYTES,
     .off = 2,
     .width = 2},
    WK_F_UINT("sll2.ifindex", "sll.ifindex", "Interface index", 4, 4),
    WK_F_UINT("sll2.hatype", "sll.hatype", "Link-layer address type", 8, 2),
    {.name = "sll2.pkttype",
     .alias = "sll.pkttype",
     .title = "Packet type",
     .type = WK_FT_UINT,
     .off = 10,
     .width = 1,
     .names = pkttype_names},
    WK_F_UINT("sll2.halen", "sll.halen", "Link-layer address length", 11, 1),
    {.name = "sll2.src.eth",
     .alias = "sll.src.eth",
     .title = "Source",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_SRC,
     .get = get_src_eth},
    {.name = "sll2.addr",
     .title = "Link-layer address",
     .type = WK_FT_BYTES,
     .off = 12,
     .width = 8},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint16_t proto = wk_rd_be16(r);
	wk_rd_skip(r, 6);
	uint16_t hatype = wk_rd_be16(r);
	wk_rd_skip(r, 10);
	if (r->bad)
		return;
	sll_next(next, hatype, proto);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, SLL2_HLEN);
	if (!h || (l->flags & (WK_LF_TRUNC | WK_LF_INVALID)))
		return;
	uint32_t ifindex = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	sll_line(o, p, l, ifindex, h[10], h + 12, h[11] > 8 ? 8 : h[11],
	         (unsigned)(h[0] << 8 | h[1]));
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 276}, /* LINKTYPE_LINUX_SLL2 */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_sll2 = {
    .name = "sll2",
    .title = "Linux cooked capture v2",
    .tshark = "sll",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = SLL2_HLEN,
};
