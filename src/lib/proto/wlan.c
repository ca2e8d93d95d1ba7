/* IEEE 802.11 MAC frames (LINKTYPE_IEEE802_11 105, and after radiotap / PPI headers).
 * IEEE 802.11-2020 clause 9.2.3:
 *
 *   0       2          4        10       16       22         24       30     32
 *  +-------+----------+--------+--------+--------+----------+--------+------+------+---
 *  | frame | duration | addr 1 | addr 2 | addr 3 | sequence | addr 4 | QoS  | HT   | body
 *  |control|          |        |        |        | control  | (WDS)  |      |control
 *  +-------+----------+--------+--------+--------+----------+--------+------+------+---
 * Multi-byte fields are little-endian. Control frames stop after one or two addresses;
 * addr 4 is present when both To DS and From DS are set; QoS data subtypes (bit 3 of the
 * subtype) add QoS control, and with the +HTC/Order bit an HT control field. The body of
 * a data frame is an LLC/SNAP header (IEEE 802.1H / RFC 1042) unless the frame is
 * protected (encrypted: not dissected), a null function (no body) or an A-MSDU (not
 * split here). Radiotap's datapad flag pads the header to a multiple of 4 bytes. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	WLAN_MIN = 10,
	T_MGMT = 0,
	T_CTRL = 1,
	T_DATA = 2,
	F_TODS = 0x01,
	F_FROMDS = 0x02,
	F_PROTECTED = 0x40,
	F_ORDER = 0x80,
	QOS_AMSDU = 0x80,
	RT_FLAG_DATAPAD = 0x20,
	RT_AUX_HAVE_FLAGS = 0x100,
};

struct hdr {
	unsigned type, subtype, flags;
	unsigned naddr; /* addresses present, 1..4 */
	unsigned qos;   /* offset of QoS control, 0 if none */
	unsigned len;   /* header length without padding */
};

static unsigned ctrl_len(unsigned subtype)
{
	switch (subtype) {
	case 12: /* CTS */
	case 13: /* ACK */
		return 10;
	case 7: /* control wrapper: addr1, carried frame control, HT control */
		return 16;
	default: /* RTS, PS-Poll, BlockAck(Req), CF-End, NDP announcement ... */
		return 16;
	}
}

static bool parse(const uint8_t *b, size_t n, struct hdr *h)
{
	if (n < 2)
		return false;
	h->type = (b[0] >> 2) & 3;
	h->subtype = b[0] >> 4;
	h->flags = b[1];
	h->qos = 0;
	switch (h->type) {
	case T_MGMT:
		h->len = 24 + ((h->flags & F_ORDER) ? 4 : 0);
		h->naddr = 3;
		break;
	case T_CTRL:
		h->len = ctrl_len(h->subtype);
		h->naddr = h->len >= 16 ? 2 : 1;
		break;
	case T_DATA:
		h->len = 24;
		h->naddr = 3;
		if ((h->flags & (F_TODS | F_FROMDS)) == (F_TODS | F_FROMDS)) {
			h->len += 6;
			h->naddr = 4;
		}
		if (h->subtype & 8) {
			h->qos = h->len;
			h->len += 2;
			if (h->flags & F_ORDER)
				h->len += 4;
		}
		break;
	default:
		h->len = WLAN_MIN;
		h->naddr = 1;
		break;
	}
	return true;
}

/* CAPWAP access points (Cisco's) send 802.11 frames with the two frame control bytes
 * swapped; tshark undoes it for every frame CAPWAP carries (its capwap.swap_fc preference,
 * on by default), and so do we. */
static bool fc_swapped(const struct wk_pkt *p, const struct wk_layer *l)
{
	unsigned i = (unsigned)(l - p->l);
	return i > 0 && p->l[i - 1].proto == &wk_proto_capwap;
}

/* The frame control field in the order of clause 9.2.4.1: type byte, then flags. */
static bool fc_get(const struct wk_pkt *p, const struct wk_layer *l, uint8_t fc[2])
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 2);
	if (!b)
		return false;
	bool sw = fc_swapped(p, l);
	fc[0] = b[sw ? 1 : 0];
	fc[1] = b[sw ? 0 : 1];
	return true;
}

static bool layer_hdr(const struct wk_pkt *p, const struct wk_layer *l, struct hdr *h)
{
	uint8_t fc[2];
	return fc_get(p, l, fc) && parse(fc, 2, h);
}

/* Bits of frame control byte k (0: version/type/subtype, 1: flags). */
static bool fc_bits(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v, unsigned k, uint8_t mask)
{
	uint8_t fc[2];
	if (idx || !fc_get(p, l, fc))
		return false;
	unsigned u = (unsigned)(fc[k] & mask) >> __builtin_ctz(mask);
	v->u = v->type == WK_FT_BOOL ? u != 0 : u;
	return true;
}

#define FC_BITS(fn, k, mask)                                                                       \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return fc_bits(p, l, idx, v, k, mask);                                             \
	}
FC_BITS(get_fc_version, 0, 0x03)
FC_BITS(get_fc_type, 0, 0x0c)
FC_BITS(get_fc_subtype, 0, 0xf0)
FC_BITS(get_fc_flags, 1, 0xff)
FC_BITS(get_fc_ds, 1, 0x03)
FC_BITS(get_fc_tods, 1, 0x01)
FC_BITS(get_fc_fromds, 1, 0x02)
FC_BITS(get_fc_frag, 1, 0x04)
FC_BITS(get_fc_retry, 1, 0x08)
FC_BITS(get_fc_protected, 1, 0x40)
FC_BITS(get_fc_order, 1, 0x80)
#undef FC_BITS

/* Address number k (1..4) into v. */
static bool addr(const struct wk_pkt *p, const struct wk_layer *l, const struct hdr *h, unsigned k,
                 struct wk_val *v)
{
	if (k < 1 || k > h->naddr)
		return false;
	static const uint8_t off[] = {0, 4, 10, 16, 24};
	const uint8_t *b = wk_layer_bytes(p, l, off[k], 6);
	if (!b)
		return false;
	v->p = b;
	v->n = 6;
	return true;
}

enum role { R_RA, R_TA, R_DA, R_SA, R_BSSID };

/* Which address holds a role (clause 9.3.2.1 table 9-30 for data frames). */
static unsigned which(const struct hdr *h, enum role r)
{
	unsigned ds = h->flags & (F_TODS | F_FROMDS);
	switch (r) {
	case R_RA:
		return 1;
	case R_TA:
		return h->naddr >= 2 ? 2 : 0;
	default:
		break;
	}
	if (h->type == T_CTRL)
		return r == R_BSSID && h->subtype == 10 ? 1 : 0; /* PS-Poll */
	if (h->type == T_MGMT)
		ds = 0;
	static const uint8_t tab[4][3] = {
	    /* DA SA BSSID */
	    {1, 2, 3}, /* IBSS / management */
	    {3, 2, 1}, /* To DS */
	    {1, 3, 2}, /* From DS */
	    {3, 4, 0}, /* WDS: RA and TA are the other two */
	};
	return tab[ds][r - R_DA];
}

static bool get_role(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v, enum role r)
{
	struct hdr h;
	if (idx || !layer_hdr(p, l, &h))
		return false;
	return addr(p, l, &h, which(&h, r), v);
}

static bool get_ra(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_role(p, l, idx, v, R_RA);
}

static bool get_ta(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_role(p, l, idx, v, R_TA);
}

static bool get_da(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_role(p, l, idx, v, R_DA);
}

static bool get_sa(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_role(p, l, idx, v, R_SA);
}

static bool get_bssid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_role(p, l, idx, v, R_BSSID);
}

static bool get_type_subtype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                             struct wk_val *v)
{
	struct hdr h;
	if (idx || !layer_hdr(p, l, &h))
		return false;
	v->u = h.type << 4 | h.subtype;
	return true;
}

static bool seqctl(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	struct hdr h;
	if (idx || !layer_hdr(p, l, &h) || h.type == T_CTRL)
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, 22, 2);
	if (!b)
		return false;
	v->u = (uint64_t)(b[0] | b[1] << 8);
	return true;
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	if (!seqctl(p, l, idx, v))
		return false;
	v->u >>= 4;
	return true;
}

static bool get_frag(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	if (!seqctl(p, l, idx, v))
		return false;
	v->u &= 0xf;
	return true;
}

static bool get_qos(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	struct hdr h;
	if (idx || !layer_hdr(p, l, &h) || !h.qos)
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, h.qos, 2);
	if (!b)
		return false;
	v->u = (uint64_t)(b[0] | b[1] << 8);
	return true;
}

static const struct wk_vname type_names[] = {
    {0, "Management frame"}, {1, "Control frame"}, {2, "Data frame"}, {3, "Extension"}, {0, NULL},
};

static const struct wk_vname subtype_names[] = {
    {0x00, "Association Request"},
    {0x01, "Association Response"},
    {0x02, "Reassociation Request"},
    {0x03, "Reassociation Response"},
    {0x04, "Probe Request"},
    {0x05, "Probe Response"},
    {0x08, "Beacon frame"},
    {0x09, "ATIM"},
    {0x0a, "Disassociate"},
    {0x0b, "Authentication"},
    {0x0c, "Deauthentication"},
    {0x0d, "Action"},
    {0x0e, "Action No Ack"},
    {0x18, "802.11 Block Ack Req"},
    {0x19, "802.11 Block Ack"},
    {0x1a, "Power-Save poll"},
    {0x1b, "Request-to-send"},
    {0x1c, "Clear-to-send"},
    {0x1d, "Acknowledgement"},
    {0x1e, "CF-End"},
    {0x20, "Data"},
    {0x24, "Null function (No data)"},
    {0x28, "QoS Data"},
    {0x2c, "QoS Null function (No data)"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "wlan.fc",
     .title = "Frame Control Field",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "wlan.fc.version",
     .title = "Version",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_fc_version},
    {.name = "wlan.fc.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 1,
     .names = type_names,
     .get = get_fc_type},
    {.name = "wlan.fc.subtype",
     .title = "Subtype",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_fc_subtype},
    {.name = "wlan.fc.type_subtype",
     .title = "Type/Subtype",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_type_subtype,
     .names = subtype_names},
    {.name = "wlan.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_fc_flags},
    {.name = "wlan.fc.ds",
     .title = "DS status",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_fc_ds},
    {.name = "wlan.fc.tods", .title = "To DS", .type = WK_FT_BOOL, .width = 1, .get = get_fc_tods},
    {.name = "wlan.fc.fromds",
     .title = "From DS",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_fc_fromds},
    {.name = "wlan.fc.frag",
     .title = "More Fragments",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_fc_frag},
    {.name = "wlan.fc.retry",
     .title = "Retry",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_fc_retry},
    {.name = "wlan.fc.protected",
     .title = "Protected flag",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_fc_protected},
    {.name = "wlan.fc.order",
     .title = "+HTC/Order flag",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_fc_order},
    {.name = "wlan.duration",
     .title = "Duration",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_LE,
     .mask = 0x7fff},
    {.name = "wlan.ra",
     .title = "Receiver address",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .get = get_ra},
    {.name = "wlan.ta",
     .title = "Transmitter address",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .get = get_ta},
    {.name = "wlan.da",
     .title = "Destination address",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_DST,
     .get = get_da},
    {.name = "wlan.sa",
     .title = "Source address",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_SRC,
     .get = get_sa},
    {.name = "wlan.bssid",
     .title = "BSS Id",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .get = get_bssid},
    {.name = "wlan.frag",
     .title = "Fragment number",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_frag},
    {.name = "wlan.seq",
     .title = "Sequence number",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_seq},
    {.name = "wlan.qos",
     .title = "QoS Control",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_qos},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	struct hdr h;
	uint8_t fc[2];
	if (!wk_rd_peek_u8(r, 0, &fc[0]) || !wk_rd_peek_u8(r, 1, &fc[1])) {
		r->bad = true;
		r->cur = r->end;
		return;
	}
	if (fc_swapped(p, l)) {
		uint8_t t = fc[0];
		fc[0] = fc[1];
		fc[1] = t;
	}
	parse(fc, 2, &h);
	unsigned hlen = h.len;
	/* Radiotap's datapad flag: the header is padded to a 4-byte boundary. */
	unsigned i = (unsigned)(l - p->l);
	if (i > 0 && p->l[i - 1].proto == &wk_proto_radiotap &&
	    (p->l[i - 1].aux & RT_AUX_HAVE_FLAGS) && (p->l[i - 1].aux & RT_FLAG_DATAPAD))
		hlen = (hlen + 3) & ~3u;
	if (h.type == T_DATA && h.qos) {
		uint8_t q = 0;
		if (wk_rd_peek_u8(r, h.qos, &q) && (q & QOS_AMSDU))
			l->aux = 1; /* A-MSDU: subframes not split */
	}
	if (!wk_rd_skip(r, hlen))
		return;
	l->aux |= hlen << 8;
	if (h.type != T_DATA || (h.subtype & 4) || (h.flags & F_PROTECTED) || (l->aux & 1))
		return;
	wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_llc));
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	struct hdr h;
	if (!layer_hdr(p, l, &h))
		return;
	const char *nm = wk_vname_find(subtype_names, h.type << 4 | h.subtype);
	wk_ob_puts(o->ob, "802.11 ");
	if (nm) {
		wk_ob_puts(o->ob, nm);
	} else {
		wk_ob_puts(o->ob, "type ");
		wk_ob_u64(o->ob, h.type);
		wk_ob_puts(o->ob, " subtype ");
		wk_ob_u64(o->ob, h.subtype);
	}
	if (h.type == T_DATA && (h.flags & F_PROTECTED))
		wk_ob_puts(o->ob, ", protected");
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 105}, /* LINKTYPE_IEEE802_11 */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_wlan = {
    .name = "wlan",
    .title = "IEEE 802.11 wireless LAN",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = WLAN_MIN,
};
