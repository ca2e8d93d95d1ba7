/* IEEE 802.1Q VLAN tags (EtherType 0x8100), 802.1ad service tags (0x88a8) and the old
 * pre-standard QinQ value 0x9100.
 *
 *   0       3   4               16              32
 *  +-------+---+----------------+----------------+---------
 *  |  PCP  |DEI|      VID       |  type / length | payload
 *  +-------+---+----------------+----------------+---------
 * The tag sits where the EtherType was (IEEE 802.1Q-2018 clause 9.3); the inner field is
 * an EtherType, or an 802.3 length (<= 1500) followed by an 802.2 LLC header. */
#include "proto/build_int.h"
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { VLAN_HLEN = 4, ETH_MAX_LEN = 1500 };

static bool inner(const struct wk_pkt *p, const struct wk_layer *l, bool want_type,
                  struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 2, 2);
	if (!b)
		return false;
	v->u = (uint64_t)(b[0] << 8 | b[1]);
	return want_type ? v->u > ETH_MAX_LEN : v->u <= ETH_MAX_LEN;
}

/* tshark names the inner field vlan.etype when it is a type and vlan.len when a length. */
static bool get_etype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return idx == 0 && inner(p, l, true, v);
}

static bool get_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return idx == 0 && inner(p, l, false, v);
}

static const struct wk_field fields[] = {
    WK_F_BITS("vlan.priority", NULL, "Priority", 0, 2, 0xe000),
    {.name = "vlan.dei",
     .alias = "vlan.cfi",
     .title = "DEI",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x1000},
    WK_F_BITS("vlan.id", NULL, "ID", 0, 2, 0x0fff),
    {.name = "vlan.etype",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_etype},
    {.name = "vlan.len",
     .title = "Length",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_len},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 2); /* TCI */
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	eth_next(r, next, type);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	(void)o;
	(void)p;
	(void)l;
	/* tcpdump -n shows VLAN tags only with -e. */
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x8100}, /* IEEE 802.1Q */
    {WK_NS_ETHERTYPE, 0x88a8}, /* IEEE 802.1ad S-tag */
    {WK_NS_ETHERTYPE, 0x9100}, /* pre-standard QinQ */
    {WK_NS_NONE, 0},
};

/* ---- encoder (wirekit send) ---------------------------------------------------------- */

/* Priority 0, DEI 0, VLAN 1 (scapy's Dot1Q defaults; the fields are set through the
 * table); the inner type is the next layer's EtherType, else 0x9000 like eth. */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t type = 0x9000;
	build_next_key(b, i, WK_NS_ETHERTYPE, &type);
	wk_wr_be16(w, 1);
	wk_wr_be16(w, (uint16_t)type);
	return 0;
}

const struct wk_proto wk_proto_vlan = {
    .name = "vlan",
    .title = "802.1Q Virtual LAN",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .min_hlen = VLAN_HLEN,
};
