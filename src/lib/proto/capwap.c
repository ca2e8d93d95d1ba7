/* Control And Provisioning of Wireless Access Points (RFC 5415), UDP 5246 (control) and
 * 5247 (data). tshark names the two CAPWAP-Control and CAPWAP-Data; one layer here, the
 * port of the UDP layer below tells which (the lower port first, as tshark tries it).
 *
 *   0       4       8         13        18        23 24 ...             32
 *  +-------+-------+---------+---------+---------+-+-+-+-+-+-+-----+
 *  |version| type  |  HLEN   |   RID   |  WBID   |T|F|L|W|M|K|flags|   (section 4.3)
 *  +-------+-------+---------+---------+---------+-+-+-+-+-+-+-----+
 *  |        fragment ID            |  fragment offset (13)   |rsvd |
 *  +-------------------------------+-------------------------+-----+
 *  | radio MAC (M: length + address, padded to 4) | wireless specific info (W: same)
 * Preamble type 1 means a DTLS record follows the 4 byte DTLS header (section 4.2): opaque
 * here. HLEN counts the header in 4 byte words; the payload starts there. On the control
 * channel the control header follows (section 4.5.1): message type (4), sequence number
 * (1), message element length (2), flags (1). On the data channel the payload is a
 * keep-alive's message elements (K), an IEEE 802.3 frame (T = 0) or the native frame of
 * the wireless binding (T = 1; WBID 1 is IEEE 802.11, RFC 5416). Fragments after the
 * first (fragment offset > 0) are not dissected: there is no reassembly. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	BASE_HLEN = 8,
	CTL_HLEN = 8,
	DTLS_HLEN = 4,
	PORT_CTL = 5246,
	PORT_DATA = 5247,
	WBID_80211 = 1,
	FL_T = 0x100,
	FL_F = 0x80,
	FL_L = 0x40,
	FL_W = 0x20,
	FL_M = 0x10,
	FL_K = 0x08,
	/* l->aux */
	AUX_CONTROL = 1, /* control channel */
	AUX_CTLHDR = 2,  /* the control header ends the layer's header */
};

/* The fixed header fields: false unless the preamble says a CAPWAP header (type 0). */
static bool hdr_field(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, size_t off,
                      unsigned width, uint32_t mask, struct wk_val *v)
{
	struct wk_val pre = {.type = WK_FT_UINT};
	if (idx || !hdr_uint(p, l, 0, 1, 0x0f, &pre) || pre.u != 0)
		return false;
	return hdr_uint(p, l, off, width, mask, v);
}

/* Header length in bytes (HLEN * 4), or 0 when not a CAPWAP header. */
static size_t hlen_of(const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	return hdr_field(p, l, 0, 1, 1, 0xf8, &v) ? (size_t)v.u * 4 : 0;
}

/* Offset of the radio MAC (M) or wireless information (W) length byte, 0 when absent. */
static size_t opt_off(const struct wk_pkt *p, const struct wk_layer *l, bool wireless)
{
	struct wk_val fl = {.type = WK_FT_UINT}, n = {.type = WK_FT_UINT};
	if (!hdr_field(p, l, 0, 1, 3, 0x1ff, &fl))
		return 0;
	size_t o = BASE_HLEN;
	if (fl.u & FL_M) {
		if (!wireless)
			return o;
		if (!hdr_uint(p, l, o, 1, 0, &n))
			return 0;
		o = (o + 1 + n.u + 3) & ~(size_t)3; /* padded to 4 bytes from the CAPWAP start */
	}
	return wireless && (fl.u & FL_W) ? o : 0;
}

#define HDR(fn, off, width, mask)                                                                  \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return hdr_field(p, l, idx, off, width, mask, v);                                  \
	}
HDR(get_hlen, 1, 3, 0xf80000)
HDR(get_rid, 1, 3, 0x07c000)
HDR(get_wbid, 1, 3, 0x003e00)
HDR(get_flags, 1, 3, 0x0001ff)
HDR(get_flag_t, 1, 3, FL_T)
HDR(get_flag_f, 1, 3, FL_F)
HDR(get_flag_l, 1, 3, FL_L)
HDR(get_flag_w, 1, 3, FL_W)
HDR(get_flag_m, 1, 3, FL_M)
HDR(get_flag_k, 1, 3, FL_K)
HDR(get_flag_r, 1, 3, 0x07)
HDR(get_frag_id, 4, 2, 0)
HDR(get_frag_off, 6, 2, 0xfff8)
HDR(get_frag_rsvd, 6, 2, 0x0007)
#undef HDR

static bool get_dtls_rsvd(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	struct wk_val pre = {.type = WK_FT_UINT};
	return idx == 0 && hdr_uint(p, l, 0, 1, 0x0f, &pre) && pre.u == 1 &&
	       hdr_uint(p, l, 1, 3, 0, v);
}

static bool get_mac_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	size_t o = opt_off(p, l, false);
	return idx == 0 && o && hdr_uint(p, l, o, 1, 0, v);
}

static bool get_mac(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	struct wk_val n = {.type = WK_FT_UINT};
	size_t o = opt_off(p, l, false);
	return idx == 0 && o && hdr_uint(p, l, o, 1, 0, &n) && n.u == 6 &&
	       hdr_bytes(p, l, o + 1, 6, v);
}

static bool get_wl_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	size_t o = opt_off(p, l, true);
	return idx == 0 && o && hdr_uint(p, l, o, 1, 0, v);
}

static bool get_wl_data(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	struct wk_val n = {.type = WK_FT_UINT};
	size_t o = opt_off(p, l, true);
	return idx == 0 && o && hdr_uint(p, l, o, 1, 0, &n) && n.u > 0 &&
	       hdr_bytes(p, l, o + 1, n.u, v);
}

/* Control header fields at HLEN * 4. */
static bool ctl_field(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, size_t off,
                      unsigned width, struct wk_val *v)
{
	size_t h = hlen_of(p, l);
	return idx == 0 && (l->aux & AUX_CTLHDR) && h && hdr_uint(p, l, h + off, width, 0, v);
}

static bool get_msg_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	return ctl_field(p, l, idx, 0, 4, v);
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return ctl_field(p, l, idx, 4, 1, v);
}

static bool get_elem_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	return ctl_field(p, l, idx, 5, 2, v);
}

static bool get_ctl_flags(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	return ctl_field(p, l, idx, 7, 1, v);
}

static const struct wk_vname preamble_types[] = {
    {0, "CAPWAP Header"},
    {1, "CAPWAP DTLS Header"},
    {0, NULL},
};

static const struct wk_vname wbid_names[] = {
    {0, "Reserved"}, {1, "IEEE 802.11"}, {2, "Reserved"}, {3, "EPCGlobal"}, {0, NULL},
};

/* RFC 5415 section 4.5.1.1 */
static const struct wk_vname msg_types[] = {
    {1, "Discovery Request"},
    {2, "Discovery Response"},
    {3, "Join Request"},
    {4, "Join Response"},
    {5, "Configuration Status Request"},
    {6, "Configuration Status Response"},
    {7, "Configuration Update Request"},
    {8, "Configuration Update Response"},
    {9, "WTP Event Request"},
    {10, "WTP Event Response"},
    {11, "Change State Event Request"},
    {12, "Change State Event Response"},
    {13, "Echo Request"},
    {14, "Echo Response"},
    {15, "Image Data Request"},
    {16, "Image Data Response"},
    {17, "Reset Request"},
    {18, "Reset Response"},
    {19, "Primary Discovery Request"},
    {20, "Primary Discovery Response"},
    {21, "Data Transfer Request"},
    {22, "Data Transfer Response"},
    {23, "Clear Configuration Request"},
    {24, "Clear Configuration Response"},
    {25, "Station Configuration Request"},
    {26, "Station Configuration Response"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "capwap.preamble.version",
     .title = "Version",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .mask = 0xf0},
    {.name = "capwap.preamble.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .mask = 0x0f,
     .names = preamble_types},
    {.name = "capwap.preamble.reserved",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .width = 3,
     .get = get_dtls_rsvd},
    {.name = "capwap.header.length",
     .title = "Header Length (4 byte words)",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_hlen},
    {.name = "capwap.header.rid",
     .title = "Radio ID",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_rid},
    {.name = "capwap.header.wbid",
     .title = "Wireless Binding ID",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_wbid,
     .names = wbid_names},
    {.name = "capwap.header.flags",
     .title = "Header Flags",
     .type = WK_FT_UINT,
     .width = 3,
     .flags = WK_FF_HEX,
     .get = get_flags},
    {.name = "capwap.header.flags.t",
     .title = "Payload Type (native frame)",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_t},
    {.name = "capwap.header.flags.f",
     .title = "Fragment",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_f},
    {.name = "capwap.header.flags.l",
     .title = "Last Fragment",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_l},
    {.name = "capwap.header.flags.w",
     .title = "Wireless header",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_w},
    {.name = "capwap.header.flags.m",
     .title = "Radio MAC header",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_m},
    {.name = "capwap.header.flags.k",
     .title = "Keep-Alive",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_flag_k},
    {.name = "capwap.header.flags.r",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_flag_r},
    {.name = "capwap.header.fragment.id",
     .title = "Fragment ID",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_frag_id},
    {.name = "capwap.header.fragment.offset",
     .title = "Fragment Offset (8 byte units)",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_frag_off},
    {.name = "capwap.header.fragment.reserved",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_frag_rsvd},
    {.name = "capwap.header.mac.length",
     .title = "MAC length",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_mac_len},
    {.name = "capwap.header.mac.eui48",
     .title = "MAC address",
     .type = WK_FT_MAC,
     .width = 6,
     .get = get_mac},
    {.name = "capwap.header.wireless.length",
     .title = "Wireless length",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_wl_len},
    {.name = "capwap.header.wireless.data",
     .title = "Wireless data",
     .type = WK_FT_BYTES,
     .get = get_wl_data},
    {.name = "capwap.control.header.message_type",
     .title = "Message Type",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_msg_type,
     .names = msg_types},
    {.name = "capwap.control.header.sequence_number",
     .title = "Sequence Number",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_seq},
    {.name = "capwap.control.header.message_element_length",
     .title = "Message Element Length",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_elem_len},
    {.name = "capwap.control.header.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_ctl_flags},
};

/* Control or data channel: from the ports of the UDP layer below. */
static bool control_port(const struct wk_pkt *p, const struct wk_layer *l)
{
	return below_udp_port(p, l, PORT_CTL);
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	if (control_port(p, l))
		l->aux |= AUX_CONTROL;
	uint8_t pre = wk_rd_u8(r);
	if (r->bad)
		return;
	if (pre >> 4 != 0) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	if ((pre & 0x0f) == 1) {
		wk_rd_skip(r, DTLS_HLEN - 1); /* a DTLS record follows: encrypted */
		return;
	}
	if ((pre & 0x0f) != 0) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown preamble type";
		return;
	}
	uint8_t b1 = wk_rd_u8(r);
	uint16_t w = wk_rd_be16(r);
	wk_rd_skip(r, 2);
	uint16_t frag = wk_rd_be16(r);
	if (r->bad)
		return;
	size_t hlen = (size_t)(b1 >> 3) * 4;
	unsigned wbid = (w >> 9) & 0x1f, fl = w & 0x1ff;
	if (hlen < BASE_HLEN) {
		l->flags |= WK_LF_INVALID;
		l->why = "header length below 8 bytes";
		return;
	}
	if (!wk_rd_skip(r, hlen - BASE_HLEN))
		return;
	if (fl & FL_F) {
		if (frag >> 3) {
			l->flags |= WK_LF_FRAG; /* a later fragment: no reassembly */
			return;
		}
		if (!(fl & FL_L))
			l->flags |= WK_LF_MORE;
	}
	if (l->aux & AUX_CONTROL) {
		/* the message elements that follow the control header are payload */
		if (wk_rd_skip(r, CTL_HLEN))
			l->aux |= AUX_CTLHDR;
		return;
	}
	if (fl & FL_K)
		return; /* a keep-alive carries message elements */
	if (!(fl & FL_T))
		wk_next_set(next, WK_NS_LINKTYPE, 1); /* IEEE 802.3 frame */
	else if (wbid == WBID_80211)
		wk_next_set(next, WK_NS_LINKTYPE, 105); /* IEEE 802.11 frame */
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	/* tcpdump does not decode CAPWAP; tshark's protocol names, then the essentials */
	struct wk_ob *ob = o->ob;
	wk_ob_puts(ob, l->aux & AUX_CONTROL ? "CAPWAP-Control" : "CAPWAP-Data");
	const uint8_t *b = wk_layer_bytes(p, l, 0, 1);
	if (!b || l->hlen == 0)
		return;
	if ((b[0] & 0x0f) == 1 && !(l->flags & WK_LF_INVALID)) {
		wk_ob_puts(ob, ", DTLS, length ");
		wk_ob_u64(ob, wk_layer_wirelen(p, l) - l->hlen);
		return;
	}
	struct wk_val v = {.type = WK_FT_UINT};
	if (get_msg_type(p, l, 0, &v)) {
		const char *nm = wk_vname_find(msg_types, v.u);
		wk_ob_puts(ob, ", ");
		if (nm) {
			wk_ob_puts(ob, nm);
		} else {
			wk_ob_puts(ob, "type ");
			wk_ob_u64(ob, v.u);
		}
		if (get_seq(p, l, 0, &v)) {
			wk_ob_puts(ob, ", seq ");
			wk_ob_u64(ob, v.u);
		}
	} else if (get_rid(p, l, 0, &v)) {
		wk_ob_puts(ob, ", radio ");
		wk_ob_u64(ob, v.u);
		if (get_flags(p, l, 0, &v)) {
			if (v.u & FL_K)
				wk_ob_puts(ob, ", keep-alive");
			if (v.u & FL_F) {
				struct wk_val id = {.type = WK_FT_UINT}, off = {.type = WK_FT_UINT};
				if (get_frag_id(p, l, 0, &id) && get_frag_off(p, l, 0, &off)) {
					wk_ob_puts(ob, ", fragment id ");
					wk_ob_u64(ob, id.u);
					wk_ob_puts(ob, " offset ");
					wk_ob_u64(ob, off.u * 8);
				}
			}
		}
	}
	if (layer_has_inner(p, l)) {
		wk_ob_puts(ob, ": ");
	} else {
		wk_ob_puts(ob, ", length ");
		wk_ob_u64(ob, wk_layer_wirelen(p, l) - l->hlen);
	}
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, PORT_CTL},
    {WK_NS_UDP, PORT_DATA},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_capwap = {
    .name = "capwap",
    .title = "Control And Provisioning of Wireless Access Points",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = BASE_HLEN,
};
