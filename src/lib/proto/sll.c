/* Linux "cooked" capture header, version 1 (LINKTYPE_LINUX_SLL 113), what libpcap writes
 * for the "any" device and for interfaces without a usable link-layer header.
 *
 *   0        2        4        6                    14       16
 *  +--------+--------+--------+--------------------+--------+---------
 *  |pkttype | hatype | halen  | link address (8)   |protocol| payload
 *  +--------+--------+--------+--------------------+--------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html. hatype is an ARPHRD_*
 * value; protocol is an EtherType, except for ARPHRD_IPGRE (a GRE protocol type, the
 * same numbers), ARPHRD_NETLINK (a netlink family), and Linux's ETH_P_* values <= 1536:
 * 0x0001 Novell 802.3 (IPX without LLC), 0x0003 a whole Ethernet frame, 0x0004 802.2
 * LLC, 0x0007 PPP in HDLC framing, 0x000C/0x000D CAN. */
#include <net/if.h>
#include <string.h>

#include "proto/link_int.h"
#include "wirekit/line.h"

enum {
	SLL_HLEN = 16,
	ARPHRD_IPGRE = 778,
	ARPHRD_IEEE80211 = 801,
	ARPHRD_IEEE80211_RADIOTAP = 803,
	ARPHRD_NETLINK = 824,
	ETH_P_802_3 = 0x0001,
	ETH_P_ALL = 0x0003,
	ETH_P_802_2 = 0x0004,
	ETH_P_PPP_HDLC = 0x0007,
	ETH_P_MAX_LINUX = 1536,
	ETHERTYPE_IPX = 0x8137,
};

static uint32_t idx_of(const struct wk_proto *p)
{
	return (uint32_t)wk_proto_index(p);
}

void sll_next(struct wk_next *next, uint16_t hatype, uint16_t protocol)
{
	switch (hatype) {
	case ARPHRD_IPGRE:
		wk_next_set(next, WK_NS_ETHERTYPE, protocol); /* GRE types are EtherTypes */
		return;
	case ARPHRD_NETLINK:
		return;
	case ARPHRD_IEEE80211_RADIOTAP:
		wk_next_set(next, WK_NS_PROTO, idx_of(&wk_proto_radiotap));
		return;
	case ARPHRD_IEEE80211:
		wk_next_set(next, WK_NS_PROTO, idx_of(&wk_proto_wlan));
		return;
	default:
		break;
	}
	if (protocol > ETH_P_MAX_LINUX) {
		wk_next_set(next, WK_NS_ETHERTYPE, protocol);
		return;
	}
	switch (protocol) {
	case ETH_P_802_3:
		wk_next_set(next, WK_NS_ETHERTYPE, ETHERTYPE_IPX);
		break;
	case ETH_P_ALL:
		wk_next_set(next, WK_NS_PROTO, idx_of(&wk_proto_eth));
		break;
	case ETH_P_802_2:
		wk_next_set(next, WK_NS_PROTO, idx_of(&wk_proto_llc));
		break;
	case ETH_P_PPP_HDLC:
		wk_next_set(next, WK_NS_PROTO, idx_of(&wk_proto_ppp));
		break;
	default:
		break;
	}
}

static bool hdr(const struct wk_pkt *p, const struct wk_layer *l, uint16_t *hatype, uint16_t *halen,
                uint16_t *proto)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, SLL_HLEN);
	if (!b)
		return false;
	*hatype = (uint16_t)(b[2] << 8 | b[3]);
	*halen = (uint16_t)(b[4] << 8 | b[5]);
	*proto = (uint16_t)(b[14] << 8 | b[15]);
	return true;
}

/* tshark splits the protocol field by meaning: sll.etype, sll.gretype or sll.ltype. */
enum which { W_ETYPE, W_GRETYPE, W_LTYPE };

static bool get_proto(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v, enum which w)
{
	uint16_t hatype, halen, proto;
	if (idx || !hdr(p, l, &hatype, &halen, &proto))
		return false;
	enum which is = hatype == ARPHRD_IPGRE     ? W_GRETYPE
	                : proto <= ETH_P_MAX_LINUX ? W_LTYPE
	                                           : W_ETYPE;
	v->u = proto;
	return is == w;
}

static bool get_etype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_proto(p, l, idx, v, W_ETYPE);
}

static bool get_gretype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_proto(p, l, idx, v, W_GRETYPE);
}

static bool get_ltype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_proto(p, l, idx, v, W_LTYPE);
}

/* The link-layer address: a MAC when halen is 6, an IPv4 address when 4 (tunnels). */
static bool get_src(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v, uint16_t want)
{
	uint16_t hatype, halen, proto;
	if (idx || !hdr(p, l, &hatype, &halen, &proto))
		return false;
	bool other = want == 0 && halen != 6 && halen != 4 && halen > 0;
	if (halen != want && !other)
		return false;
	v->p = p->data + l->off + 6;
	v->n = halen > 8 ? 8 : halen;
	return true;
}

static bool get_src_eth(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_src(p, l, idx, v, 6);
}

static bool get_src_ip4(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_src(p, l, idx, v, 4);
}

static bool get_src_other(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	return get_src(p, l, idx, v, 0);
}

static const struct wk_vname pkttype_names[] = {
    {0, "Unicast to us"},           {1, "Broadcast"},  {2, "Multicast"},
    {3, "Unicast to another host"}, {4, "Sent by us"}, {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "sll.pkttype",
     .title = "Packet type",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .names = pkttype_names},
    WK_F_UINT("sll.hatype", NULL, "Link-layer address type", 2, 2),
    WK_F_UINT("sll.halen", NULL, "Link-layer address length", 4, 2),
    {.name = "sll.src.eth",
     .title = "Source",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_SRC,
     .get = get_src_eth},
    {.name = "sll.src.ipv4",
     .title = "Source",
     .type = WK_FT_IP4,
     .width = 4,
     .flags = WK_FF_NOENC,
     .get = get_src_ip4},
    {.name = "sll.src.other",
     .title = "Source",
     .type = WK_FT_BYTES,
     .width = 8,
     .flags = WK_FF_NOENC,
     .get = get_src_other},
    {.name = "sll.addr",
     .title = "Link-layer address",
     .type = WK_FT_BYTES,
     .off = 6,
     .width = 8,
     .flags = WK_FF_HIDDEN},
    {.name = "sll.etype",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_etype},
    {.name = "sll.gretype",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_gretype},
    {.name = "sll.ltype",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_ltype},
    {.name = "sll.protocol",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .off = 14,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_HIDDEN},
};

void sll_line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l, int64_t ifindex,
              unsigned pkttype, const uint8_t *addr, unsigned halen, unsigned proto)
{
	static const char *const dirs[] = {"In", "B", "M", "P", "Out"};
	const char *dir = pkttype < 5 ? dirs[pkttype] : "?";
	struct wk_ob *ob = o->ob;
	if (ifindex >= 0) { /* "%-5s %-3s " */
		char name[IF_NAMESIZE];
		const char *n = if_indextoname((unsigned)ifindex, name) ? name : "?";
		wk_ob_puts(ob, n);
		for (size_t k = strlen(n); k < 5; k++)
			wk_ob_putc(ob, ' ');
		wk_ob_putc(ob, ' ');
		wk_ob_puts(ob, dir);
		for (size_t k = strlen(dir); k < 3; k++)
			wk_ob_putc(ob, ' ');
		wk_ob_putc(ob, ' ');
	}
	if (!o->link)
		return;
	if (ifindex < 0) { /* "%3s " */
		for (size_t k = strlen(dir); k < 3; k++)
			wk_ob_putc(ob, ' ');
		wk_ob_puts(ob, dir);
		wk_ob_putc(ob, ' ');
	} else {
		wk_ob_puts(ob, "ifindex ");
		wk_ob_u64(ob, (uint64_t)ifindex);
		wk_ob_putc(ob, ' ');
	}
	for (unsigned k = 0; k < halen && k < 8; k++) {
		if (k)
			wk_ob_putc(ob, ':');
		wk_ob_hex(ob, addr[k], 2);
	}
	if (halen)
		wk_ob_putc(ob, ' ');
	if (proto <= 1500) {
		if (proto == 1)
			wk_ob_puts(ob, "802.3");
		else if (proto == 4)
			wk_ob_puts(ob, "802.2");
		else
			wk_ob_puts(ob, "ethertype Unknown (0x");
	} else {
		const char *nm = eth_type_name(proto);
		wk_ob_puts(ob, "ethertype ");
		wk_ob_puts(ob, nm ? nm : "Unknown");
		if (nm)
			o->named = o->layer + 1;
		wk_ob_puts(ob, " (0x");
	}
	if (proto > 1500 || (proto != 1 && proto != 4)) {
		wk_ob_hex(ob, proto, 4);
		wk_ob_putc(ob, ')');
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, wk_layer_wirelen(p, l));
	wk_ob_puts(ob, ": ");
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, 16);
	if (!o->link || !h || (l->flags & (WK_LF_TRUNC | WK_LF_INVALID)))
		return;
	unsigned halen = (unsigned)(h[4] << 8 | h[5]);
	sll_line(o, p, l, -1, (unsigned)(h[0] << 8 | h[1]), h + 6, halen > 8 ? 8 : halen,
	         (unsigned)(h[14] << 8 | h[15]));
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 2);
	uint16_t hatype = wk_rd_be16(r);
	wk_rd_skip(r, 10);
	uint16_t proto = wk_rd_be16(r);
	if (r->bad)
		return;
	sll_next(next, hatype, proto);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 113}, /* LINKTYPE_LINUX_SLL */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_sll = {
    .name = "sll",
    .title = "Linux cooked capture v1",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = SLL_HLEN,
};
