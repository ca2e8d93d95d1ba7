/* SubNetwork Access Protocol header after an LLC header with DSAP = SSAP = 0xAA
 * (RFC 1042; IEEE 802-2014 clause 10.3), also used by frame relay (RFC 2427) and ATM.
 *
 *  +----------------------+-------------+---------
 *  | OUI (3)              | PID (2)     | payload
 *  +----------------------+-------------+---------
 * OUI 00-00-00 (and Cisco's 00-00-F8, Apple's 08-00-07 for AppleTalk) means the PID is an
 * EtherType. OUI 00-80-C2 (IEEE 802.1) PIDs 0x0001/0x0007 carry a bridged Ethernet frame
 * with/without its FCS (RFC 2427 section 5.3). tshark shows these as llc.oui / llc.pid /
 * llc.type, which we accept as aliases. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	SNAP_HLEN = 5,
	OUI_ENCAP = 0x000000,
	OUI_CISCO_90 = 0x0000f8,
	OUI_APPLE = 0x080007,
	OUI_IEEE_802_1 = 0x0080c2,
	BRIDGED_ETH_FCS = 0x0001,
	BRIDGED_ETH = 0x0007,
	FCS_LEN = 4,
};

static bool pid_is_ethertype(uint32_t oui)
{
	return oui == OUI_ENCAP || oui == OUI_CISCO_90 || oui == OUI_APPLE;
}

static bool read_hdr(const struct wk_pkt *p, const struct wk_layer *l, uint32_t *oui, uint16_t *pid)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, SNAP_HLEN);
	if (!b)
		return false;
	*oui = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	*pid = (uint16_t)(b[3] << 8 | b[4]);
	return true;
}

static bool get_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	uint32_t oui;
	uint16_t pid;
	if (idx || !read_hdr(p, l, &oui, &pid) || !pid_is_ethertype(oui))
		return false;
	v->u = pid;
	return true;
}

static bool get_pid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	uint32_t oui;
	uint16_t pid;
	if (idx || !read_hdr(p, l, &oui, &pid) || pid_is_ethertype(oui))
		return false;
	v->u = pid;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "snap.oui",
     .alias = "llc.oui",
     .title = "Organization Code",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 3,
     .flags = WK_FF_HEX},
    {.name = "snap.type",
     .alias = "llc.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_type},
    {.name = "snap.pid",
     .alias = "llc.pid",
     .title = "Protocol ID",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_pid},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint32_t oui = (uint32_t)wk_rd_u8(r) << 16;
	oui |= wk_rd_be16(r);
	uint16_t pid = wk_rd_be16(r);
	if (r->bad)
		return;
	if (pid_is_ethertype(oui)) {
		wk_next_set(next, WK_NS_ETHERTYPE, pid);
		return;
	}
	if (oui == OUI_IEEE_802_1 && (pid == BRIDGED_ETH || pid == BRIDGED_ETH_FCS)) {
		/* RFC 2427 section 5.3: 0x0001 keeps the FCS at the end, not Ethernet data. */
		if (pid == BRIDGED_ETH_FCS && wk_rd_left(r) >= FCS_LEN)
			r->end -= FCS_LEN;
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_eth));
	}
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	uint32_t oui;
	uint16_t pid;
	if (!read_hdr(p, l, &oui, &pid))
		return;
	wk_ob_puts(o->ob, "SNAP, oui 0x");
	wk_ob_hex(o->ob, oui, 6);
	wk_ob_puts(o->ob, ", pid 0x");
	wk_ob_hex(o->ob, pid, 4);
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_NLPID, 0x80}, /* RFC 2427: NLPID 0x80 is a SNAP header */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_snap = {
    .name = "snap",
    .title = "SubNetwork Access Protocol",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = SNAP_HLEN,
};
