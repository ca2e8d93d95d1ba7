/* Ethernet II and IEEE 802.3 frames (LINKTYPE_ETHERNET).
 *
 *   0                   6                  12      14
 *  +-------------------+-------------------+-------+---------
 *  | destination MAC   | source MAC        | type  | payload
 *  +-------------------+-------------------+-------+---------
 * type >= 0x0600: an EtherType (Ethernet II); type <= 1500: an 802.3 length, and
 * an 802.2 LLC header follows (IEEE 802.3 clause 3.2.6). */
#include "proto/build_int.h"
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { ETH_HLEN = 14 };

/* tcpdump's names of EtherTypes (its ethertype_values), as -e lines print them. */
static const struct wk_vname ethertypes[] = {
    {0x0800, "IPv4"},           {0x0806, "ARP"},
    {0x8035, "Reverse ARP"},    {0x86dd, "IPv6"},
    {0x8100, "802.1Q"},         {0x88a8, "802.1Q-QinQ"},
    {0x9100, "802.1Q-9100"},    {0x8847, "MPLS unicast"},
    {0x8848, "MPLS multicast"}, {0x8863, "PPPoE D"},
    {0x8864, "PPPoE S"},        {0x888e, "EAPOL"},
    {0x88cc, "LLDP"},           {0x8809, "Slow Protocols"},
    {0x9000, "Loopback"},       {0x0000, NULL},
};

/* eth.addr as tshark: the destination, then the source. */
static bool get_addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	const uint8_t *a = idx < 2 ? wk_layer_bytes(p, l, idx * 6, 6) : NULL;
	if (!a)
		return false;
	v->type = WK_FT_MAC;
	v->p = a;
	v->n = 6;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "eth.dst",
     .title = "Destination",
     .type = WK_FT_MAC,
     .off = 0,
     .width = 6,
     .role = WK_ROLE_DST},
    {.name = "eth.src",
     .title = "Source",
     .type = WK_FT_MAC,
     .off = 6,
     .width = 6,
     .role = WK_ROLE_SRC},
    {.name = "eth.addr",
     .title = "Address",
     .type = WK_FT_MAC,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_addr},
    {.name = "eth.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 12,
     .width = 2,
     .flags = WK_FF_HEX,
     .names = ethertypes},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	if (!wk_rd_skip(r, 12))
		return;
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	eth_next(r, next, type);
}

void eth_next(struct wk_rd *r, struct wk_next *next, uint16_t type)
{
	if (type <= 1500) {
		wk_rd_clip(r, type); /* a short capture is for LLC to report */
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_llc));
		return;
	}
	wk_next_set(next, WK_NS_ETHERTYPE, type);
}

/* tcpdump -n prints nothing for Ethernet without -e, except when nothing it knows follows:
 * "00:90:27:85:cf:01 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x0842), length 120: " (then
 * the payload in hex, WK_PF_DUMP_REST). */
const char *eth_type_name(unsigned type)
{
	return wk_vname_find(ethertypes, type);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	bool last = (size_t)(l - p->l) + 1 >= p->nlayers;
	const uint8_t *h = wk_layer_bytes(p, l, 0, ETH_HLEN);
	if ((!o->link && !last) || !h || (l->flags & (WK_LF_TRUNC | WK_LF_INVALID)))
		return;
	struct wk_ob *ob = o->ob;
	wk_ob_mac(ob, h + 6);
	wk_ob_puts(ob, " > ");
	wk_ob_mac(ob, h);
	unsigned type = (unsigned)(h[12] << 8 | h[13]);
	if (type <= 1500) {
		wk_ob_puts(ob, ", 802.3");
	} else {
		const char *nm = wk_vname_find(ethertypes, type);
		wk_ob_puts(ob, ", ethertype ");
		wk_ob_puts(ob, nm ? nm : "Unknown");
		if (nm)
			o->named = o->layer + 1;
		wk_ob_puts(ob, " (0x");
		wk_ob_hex(ob, type, 4);
		wk_ob_putc(ob, ')');
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, wk_layer_wirelen(p, l));
	wk_ob_puts(ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 1},       /* LINKTYPE_ETHERNET */
    {WK_NS_ETHERTYPE, 0x6558}, /* transparent Ethernet bridging (GRE, NVGRE) */
    {WK_NS_NONE, 0},
};

/* Encoder: broadcast destination, zero source (scapy's choice when nothing is known), type
 * from the next layer's EtherType binding or 0x9000 (loopback test) when none follows. */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t type = 0x9000;
	build_next_key(b, i, WK_NS_ETHERTYPE, &type);
	wk_wr_bytes(w, bcast, 6);
	wk_wr_zero(w, 6);
	wk_wr_be16(w, (uint16_t)type);
	return 0;
}

const struct wk_proto wk_proto_eth = {
    .name = "eth",
    .title = "Ethernet II",
    .flags = WK_PF_LINK | WK_PF_DUMP_REST,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .min_hlen = ETH_HLEN,
};
