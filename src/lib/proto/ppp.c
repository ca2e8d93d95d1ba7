/* Point-to-Point Protocol (RFC 1661) as captured: LINKTYPE_PPP (9) and LINKTYPE_PPP_HDLC
 * (50), and after PPPoE, Linux cooked captures, BSD loopback and raw links.
 *
 *  +------+---------+---------------+---------
 *  | ff   | 03      | protocol (1/2)| information
 *  +------+---------+---------------+---------
 * The HDLC-like address and control bytes (RFC 1662 section 3.1) are present or not
 * (address/control field compression, RFC 1661 section 6.6); the protocol field is one
 * byte when its value is odd there (protocol field compression, section 6.5: the low
 * bit of the high byte is always 0, of the low byte always 1). On the PPP link types a
 * first byte 0x0f or 0x8f is Cisco HDLC instead, as tshark and tcpdump treat it.
 * Network protocols are named through their EtherType (see ppp_next). */
#include "proto/link_int.h"
#include "wirekit/line.h"

enum {
	PPP_ADDR = 0xff,
	PPP_CTRL = 0x03,
	CHDLC_UNICAST = 0x0f,
	CHDLC_MULTICAST = 0x8f,
	AUX_HDLC = 1, /* l->aux: address and control present */
};

/* RFC 1661 / IANA PPP DLL protocol numbers of network layers with an EtherType. */
static const struct {
	uint16_t ppp, ethertype;
} to_ethertype[] = {
    {0x0021, 0x0800}, /* IPv4 */
    {0x0029, 0x809b}, /* AppleTalk */
    {0x002b, 0x8137}, /* Novell IPX */
    {0x0057, 0x86dd}, /* IPv6 */
    {0x0281, 0x8847}, /* MPLS unicast, RFC 3032 section 4.3 */
    {0x0283, 0x8848}, /* MPLS multicast */
};

void ppp_next(struct wk_next *next, uint16_t protocol)
{
	for (size_t i = 0; i < WK_ARRAY_SIZE(to_ethertype); i++)
		if (to_ethertype[i].ppp == protocol) {
			wk_next_set(next, WK_NS_ETHERTYPE, to_ethertype[i].ethertype);
			return;
		}
	wk_next_set(next, WK_NS_PPP, protocol);
}

/* Offset of the protocol field and its value; false when not captured. */
static bool proto_at(const struct wk_pkt *p, const struct wk_layer *l, unsigned *off, uint16_t *val)
{
	*off = (l->aux & AUX_HDLC) ? 2 : 0;
	const uint8_t *b = wk_layer_bytes(p, l, *off, 1);
	if (!b)
		return false;
	if (b[0] & 1) {
		*val = b[0];
		return true;
	}
	b = wk_layer_bytes(p, l, *off, 2);
	if (!b)
		return false;
	*val = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

static bool get_protocol(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	unsigned off;
	uint16_t val;
	if (idx || !proto_at(p, l, &off, &val))
		return false;
	v->u = val;
	return true;
}

static bool get_hdlc(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v, unsigned off)
{
	const uint8_t *b = wk_layer_bytes(p, l, off, 1);
	if (idx || !b || !(l->aux & AUX_HDLC))
		return false;
	v->u = b[0];
	return true;
}

static bool get_address(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_hdlc(p, l, idx, v, 0);
}

static bool get_control(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_hdlc(p, l, idx, v, 1);
}

static const struct wk_vname proto_names[] = {
    {0x0021, "Internet Protocol version 4"},
    {0x002b, "Novell IPX"},
    {0x002d, "Van Jacobson Compressed TCP/IP"},
    {0x002f, "Van Jacobson Uncompressed TCP/IP"},
    {0x003d, "PPP Multilink Protocol"},
    {0x0057, "Internet Protocol version 6"},
    {0x0281, "MPLS Unicast"},
    {0x0283, "MPLS Multicast"},
    {0x8021, "Internet Protocol Control Protocol"},
    {0x8057, "IPv6 Control Protocol"},
    {0xc021, "Link Control Protocol"},
    {0xc023, "Password Authentication Protocol"},
    {0xc223, "Challenge Handshake Authentication Protocol"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "ppp.address",
     .title = "Address",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_address},
    {.name = "ppp.control",
     .title = "Control",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_control},
    {.name = "ppp.protocol",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_protocol,
     .names = proto_names},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	unsigned i = (unsigned)(l - p->l);
	bool after_pppoe = i > 0 && p->l[i - 1].proto == &wk_proto_pppoe;
	uint8_t b0 = 0;
	wk_rd_peek_u8(r, 0, &b0);
	if (!after_pppoe && (b0 == CHDLC_UNICAST || b0 == CHDLC_MULTICAST)) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_chdlc));
		return;
	}
	if (!after_pppoe && b0 == PPP_ADDR) {
		/* 0xff cannot start a protocol field: address and control follow (tshark also
		 * takes them without checking the control byte). */
		l->aux |= AUX_HDLC;
		wk_rd_skip(r, 2);
	}
	uint16_t proto = wk_rd_u8(r);
	if (!(proto & 1))
		proto = (uint16_t)(proto << 8 | wk_rd_u8(r));
	if (r->bad)
		return;
	ppp_next(next, proto);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	/* tcpdump -n names the payload only; say what PPP carried when nothing follows. */
	unsigned off;
	uint16_t val;
	if ((unsigned)(l - p->l) + 1 < p->nlayers || !proto_at(p, l, &off, &val))
		return;
	const char *nm = wk_vname_find(proto_names, val);
	wk_ob_puts(o->ob, "PPP, ");
	if (nm) {
		wk_ob_puts(o->ob, nm);
	} else {
		wk_ob_puts(o->ob, "protocol 0x");
		wk_ob_hex(o->ob, val, 4);
	}
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 9},       /* LINKTYPE_PPP */
    {WK_NS_LINKTYPE, 50},      /* LINKTYPE_PPP_HDLC */
    {WK_NS_ETHERTYPE, 0x880b}, /* PPP over GRE (RFC 2637 PPTP) */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_ppp = {
    .name = "ppp",
    .title = "Point-to-Point Protocol",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = 2,
};
