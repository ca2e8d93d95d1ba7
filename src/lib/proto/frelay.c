/* Frame Relay (LINKTYPE_FRELAY 107): a Q.922 address, then either RFC 2427 multiprotocol
 * encapsulation or Cisco's.
 *
 *  +------------------+------+-----+-------+---------      RFC 2427
 *  | Q.922 address    | 0x03 |[00] | NLPID | payload
 *  +------------------+------+-----+-------+---------
 *  +------------------+----------------+---------          Cisco
 *  | Q.922 address    | EtherType (2)  | payload
 *  +------------------+----------------+---------
 * The address is 2 to 4 bytes, ended by the byte whose low (EA) bit is set (ITU-T Q.922
 * section 3.3). After control 0x03 (UI) an optional pad byte 0x00 precedes the NLPID:
 * 0xCC IPv4, 0x8E IPv6, 0x80 a SNAP header; OSI NLPIDs (0x81 CLNP, 0x82 ES-IS, 0x83
 * IS-IS) belong to their PDU and are left in the payload. Like tshark, another control
 * value on a non-zero DLCI means Cisco encapsulation; DLCI 0 is LAPF signalling. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	FR_EA = 0x01,
	FR_UI = 0x03,
	FR_XID = 0xaf,
	NLPID_PAD = 0x00,
	NLPID_SNAP = 0x80,
	NLPID_CLNP = 0x81,
	NLPID_ESIS = 0x82,
	NLPID_ISIS = 0x83,
	NLPID_IP6 = 0x8e,
	NLPID_IP = 0xcc,
	AUX_CISCO = 0x100, /* l->aux: low byte the address length; this bit Cisco framing */
	AUX_PAD = 0x200,   /* a pad byte precedes the NLPID */
};

/* Address length (2..4) and DLCI, or 0 when the EA bits never end it in 4 bytes. */
static unsigned q922(const uint8_t *b, size_t n, uint32_t *dlci)
{
	if (n < 2 || (b[0] & FR_EA))
		return 0;
	*dlci = (uint32_t)(b[0] & 0xfc) << 2 | (uint32_t)(b[1] & 0xf0) >> 4;
	if (b[1] & FR_EA)
		return 2;
	if (n < 3)
		return 0;
	if (b[2] & FR_EA) {
		*dlci = *dlci << 6 | (uint32_t)b[2] >> 2;
		return 3;
	}
	if (n < 4 || !(b[3] & FR_EA))
		return 0;
	*dlci = (*dlci << 7 | (uint32_t)b[2] >> 1) << 6 | (uint32_t)b[3] >> 2;
	return 4;
}

static bool get_dlci(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	uint32_t dlci;
	size_t n = l->hlen < 4 ? l->hlen : 4;
	const uint8_t *b = wk_layer_bytes(p, l, 0, n);
	if (idx || !b || !q922(b, n, &dlci))
		return false;
	v->u = dlci;
	return true;
}

static bool get_at(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v,
                   unsigned off, unsigned n)
{
	const uint8_t *b = wk_layer_bytes(p, l, off, n);
	if (idx || !b || off + n > l->hlen)
		return false;
	v->u = n == 1 ? b[0] : (uint64_t)(b[0] << 8 | b[1]);
	return true;
}

static bool get_control(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return !(l->aux & AUX_CISCO) && get_at(p, l, idx, v, l->aux & 0xff, 1);
}

static bool get_nlpid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	unsigned off = (l->aux & 0xff) + 1 + ((l->aux & AUX_PAD) ? 1 : 0);
	return !(l->aux & AUX_CISCO) && get_at(p, l, idx, v, off, 1);
}

static bool get_chdlctype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	return (l->aux & AUX_CISCO) && get_at(p, l, idx, v, l->aux & 0xff, 2);
}

static const struct wk_field fields[] = {
    {.name = "frelay.dlci",
     .alias = "fr.dlci",
     .title = "DLCI",
     .type = WK_FT_UINT,
     .width = 4,
     .flags = WK_FF_NOENC,
     .get = get_dlci},
    {.name = "frelay.control",
     .alias = "fr.control",
     .title = "Control Field",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_control},
    {.name = "frelay.nlpid",
     .alias = "fr.nlpid",
     .title = "NLPID",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_nlpid},
    {.name = "frelay.chdlctype",
     .alias = "fr.chdlctype",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_chdlctype},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint32_t dlci = 0;
	uint8_t a[4] = {0};
	size_t have = wk_rd_left(r) < 4 ? wk_rd_left(r) : 4;
	for (size_t i = 0; i < have; i++)
		wk_rd_peek_u8(r, i, &a[i]);
	unsigned alen = q922(a, have, &dlci);
	if (!alen) {
		if (have < 4 && !(have >= 1 && (a[0] & FR_EA))) {
			r->bad = true; /* the address did not end within the capture */
			return;
		}
		l->flags |= WK_LF_INVALID;
		l->why = "bad Q.922 address";
		return;
	}
	wk_rd_skip(r, alen);
	l->aux = alen;
	uint8_t ctrl = 0;
	if (!wk_rd_peek_u8(r, 0, &ctrl)) {
		r->bad = true;
		return;
	}
	if (ctrl != FR_UI) {
		if (dlci == 0 || ctrl == FR_XID)
			return; /* LAPF / XID: not dissected */
		l->aux |= AUX_CISCO;
		uint16_t type = wk_rd_be16(r);
		if (r->bad)
			return;
		if (wk_proto_lookup(WK_NS_CHDLC, type))
			wk_next_set(next, WK_NS_CHDLC, type);
		else
			wk_next_set(next, WK_NS_ETHERTYPE, type);
		return;
	}
	wk_rd_skip(r, 1);
	uint8_t nlpid = 0;
	if (wk_rd_peek_u8(r, 0, &nlpid) && nlpid == NLPID_PAD) {
		l->aux |= AUX_PAD;
		wk_rd_skip(r, 1);
	}
	if (!wk_rd_peek_u8(r, 0, &nlpid)) {
		r->bad = true;
		return;
	}
	if (nlpid == NLPID_CLNP || nlpid == NLPID_ESIS || nlpid == NLPID_ISIS) {
		wk_next_set(next, WK_NS_NLPID, nlpid); /* the NLPID is the PDU's first byte */
		return;
	}
	wk_rd_skip(r, 1);
	if (nlpid == NLPID_IP)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (nlpid == NLPID_IP6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
	else
		wk_next_set(next, WK_NS_NLPID, nlpid); /* 0x80: snap binds it */
}

/* tcpdump -n prints nothing for frame relay without -e when it names the payload. */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	struct wk_val v;
	wk_ob_puts(o->ob, "FR");
	if (get_dlci(p, l, 0, &v)) {
		wk_ob_puts(o->ob, ", DLCI ");
		wk_ob_u64(o->ob, v.u);
	}
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 107}, /* LINKTYPE_FRELAY */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_frelay = {
    .name = "frelay",
    .title = "Frame Relay",
    .tshark = "fr",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = 4,
};
