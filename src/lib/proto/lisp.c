/* Locator/ID Separation Protocol: data plane (RFC 9300 section 5.3, UDP 4341) and control
 * plane (RFC 9301, UDP 4342). tshark calls them lisp-data and lisp; one layer here, the
 * port of the UDP layer below tells which (the lower port first, as tshark tries it).
 *
 * Data: an 8 byte header, then the inner IPv4 or IPv6 packet (its version nibble says):
 *   0 1 2 3 4 5 6 7 8                       32
 *  +-+-+-+-+-+-+-+-+-------------------------+
 *  |N|L|E|V|I|R|K|K| nonce / map versions (24)|
 *  +-----------------+-------------+---------+
 *  | instance ID (24, if I)        | LSBs (8) |   (without I: 32 locator status bits)
 *  +-------------------------------+---------+
 * Control: the type is the top 4 bits of the first byte. Map-Request (1), Map-Reply (2),
 * Map-Register (3), Map-Notify (4) and Map-Referral (6) carry a record count in byte 3
 * and a 64 bit nonce in bytes 4..11. An Encapsulated Control Message (8, RFC 9301 5.8)
 * has a 4 byte header and then an IP/UDP packet carrying a control message. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	LISP_HLEN = 8,
	CTL_HLEN = 4,
	CTL_NONCE_HLEN = 12,
	PORT_DATA = 4341,
	PORT_CTL = 4342,
	T_MAP_REQUEST = 1,
	T_MAP_NOTIFY = 4,
	T_MAP_REFERRAL = 6,
	T_ECM = 8,
	F_N = 0x80,
	F_L = 0x40,
	F_V = 0x10,
	F_I = 0x08,
	AUX_DATA = 1, /* l->aux: a data plane header */
};

static bool is_data(const struct wk_layer *l)
{
	return l->aux & AUX_DATA;
}

static bool has_nonce(unsigned type)
{
	return (type >= T_MAP_REQUEST && type <= T_MAP_NOTIFY) || type == T_MAP_REFERRAL;
}

static bool first_byte(const struct wk_pkt *p, const struct wk_layer *l, uint8_t *b0)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 1);
	if (!b || l->hlen == 0)
		return false;
	*b0 = b[0];
	return true;
}

/* Data plane field: present when the layer is a data header and flag is 0 or its bit is
 * set (want_set) or clear (!want_set). */
static bool data_uint(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, uint8_t flag,
                      bool want_set, size_t off, unsigned width, uint32_t mask, struct wk_val *v)
{
	uint8_t b0;
	if (idx || !is_data(l) || !first_byte(p, l, &b0))
		return false;
	if (flag && !!(b0 & flag) != want_set)
		return false;
	return hdr_uint(p, l, off, width, mask, v);
}

static bool get_d_flags(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return data_uint(p, l, idx, 0, true, 0, 1, 0, v);
}

#define DATA_BIT(fn, bit)                                                                          \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return data_uint(p, l, idx, 0, true, 0, 1, bit, v);                                \
	}
DATA_BIT(get_d_nonce_f, 0x80)
DATA_BIT(get_d_lsb_f, 0x40)
DATA_BIT(get_d_enr_f, 0x20)
DATA_BIT(get_d_mv_f, 0x10)
DATA_BIT(get_d_iid_f, 0x08)
DATA_BIT(get_d_res, 0x07)
#undef DATA_BIT

static bool get_d_nonce(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return data_uint(p, l, idx, F_N, true, 1, 3, 0, v);
}

static bool get_d_srcmapver(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	return data_uint(p, l, idx, F_V, true, 1, 3, 0xfff000, v);
}

static bool get_d_dstmapver(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	return data_uint(p, l, idx, F_V, true, 1, 3, 0xfff, v);
}

static bool get_d_iid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return data_uint(p, l, idx, F_I, true, 4, 3, 0, v);
}

/* The locator status bits are shown only when the L flag says they are valid. */
static bool get_d_lsb(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return data_uint(p, l, idx, F_L, true, 0, 1, 0, v) &&
	       data_uint(p, l, idx, F_I, false, 4, 4, 0, v);
}

static bool get_d_lsb8(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	return data_uint(p, l, idx, F_L, true, 0, 1, 0, v) &&
	       data_uint(p, l, idx, F_I, true, 7, 1, 0, v);
}

/* Control plane field of the message types in [lo, hi] (ECM: 8..8). */
static bool ctl_uint(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, unsigned lo,
                     unsigned hi, size_t off, unsigned width, uint32_t mask, struct wk_val *v)
{
	uint8_t b0;
	if (idx || is_data(l) || !first_byte(p, l, &b0))
		return false;
	unsigned type = b0 >> 4;
	if (type < lo || type > hi)
		return false;
	return hdr_uint(p, l, off, width, mask, v);
}

static bool get_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	return ctl_uint(p, l, idx, 0, 15, 0, 1, 0xf0, v);
}

static bool get_irc(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return ctl_uint(p, l, idx, T_MAP_REQUEST, T_MAP_REQUEST, 2, 1, 0x1f, v);
}

static bool get_records(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	uint8_t b0;
	return first_byte(p, l, &b0) && has_nonce(b0 >> 4) &&
	       ctl_uint(p, l, idx, 0, 15, 3, 1, 0, v);
}

static bool get_nonce(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	uint8_t b0;
	if (idx || is_data(l) || !first_byte(p, l, &b0) || !has_nonce(b0 >> 4))
		return false;
	const uint8_t *b = l->hlen >= CTL_NONCE_HLEN ? wk_layer_bytes(p, l, 4, 8) : NULL;
	if (!b)
		return false;
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | b[i];
	v->u = u;
	return true;
}

static bool get_ecm_sec(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return ctl_uint(p, l, idx, T_ECM, T_ECM, 0, 1, 0x08, v);
}

static bool get_ecm_ddt(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return ctl_uint(p, l, idx, T_ECM, T_ECM, 0, 1, 0x04, v);
}

static bool get_ecm_res(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return ctl_uint(p, l, idx, T_ECM, T_ECM, 0, 4, 0x3ffffff, v);
}

static const struct wk_vname type_names[] = {
    {0, "Reserved"},     {1, "Map-Request"}, {2, "Map-Reply"},
    {3, "Map-Register"}, {4, "Map-Notify"},  {5, "Map-Notify-Ack"},
    {6, "Map-Referral"}, {7, "Info"},        {8, "Encapsulated Control Message"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "lisp.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_type,
     .names = type_names},
    {.name = "lisp.irc", .title = "ITR-RLOC Count", .type = WK_FT_UINT, .width = 1, .get = get_irc},
    {.name = "lisp.records",
     .title = "Record Count",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_records},
    {.name = "lisp.nonce",
     .title = "Nonce",
     .type = WK_FT_UINT,
     .width = 8,
     .flags = WK_FF_HEX,
     .get = get_nonce},
    {.name = "lisp.ecm.flags.sec",
     .title = "S bit (LISP-SEC capable)",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_ecm_sec},
    {.name = "lisp.ecm.flags.ddt",
     .title = "D bit (DDT-originated)",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_ecm_ddt},
    {.name = "lisp.ecm.res",
     .title = "Reserved bits",
     .type = WK_FT_UINT,
     .width = 4,
     .flags = WK_FF_HEX,
     .get = get_ecm_res},
    {.name = "lisp.data.flags",
     .alias = "lisp-data.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_d_flags},
    {.name = "lisp.data.flags.nonce",
     .alias = "lisp-data.flags.nonce",
     .title = "Nonce present",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_d_nonce_f},
    {.name = "lisp.data.flags.lsb",
     .alias = "lisp-data.flags.lsb",
     .title = "LSB Valid",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_d_lsb_f},
    {.name = "lisp.data.flags.enr",
     .alias = "lisp-data.flags.enr",
     .title = "Echo-Nonce-Request",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_d_enr_f},
    {.name = "lisp.data.flags.mv",
     .alias = "lisp-data.flags.mv",
     .title = "Map-Version present",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_d_mv_f},
    {.name = "lisp.data.flags.iid",
     .alias = "lisp-data.flags.iid",
     .title = "Instance ID present",
     .type = WK_FT_BOOL,
     .width = 1,
     .get = get_d_iid_f},
    {.name = "lisp.data.flags.res",
     .alias = "lisp-data.flags.res",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_d_res},
    {.name = "lisp.data.nonce",
     .alias = "lisp-data.nonce",
     .title = "Nonce",
     .type = WK_FT_UINT,
     .width = 3,
     .get = get_d_nonce},
    {.name = "lisp.data.srcmapver",
     .alias = "lisp-data.srcmapver",
     .title = "Source Map-Version",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_d_srcmapver},
    {.name = "lisp.data.dstmapver",
     .alias = "lisp-data.dstmapver",
     .title = "Destination Map-Version",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_d_dstmapver},
    {.name = "lisp.data.iid",
     .alias = "lisp-data.iid",
     .title = "Instance ID",
     .type = WK_FT_UINT,
     .width = 3,
     .get = get_d_iid},
    {.name = "lisp.data.lsb",
     .alias = "lisp-data.lsb",
     .title = "Locator-Status-Bits",
     .type = WK_FT_UINT,
     .width = 4,
     .flags = WK_FF_HEX,
     .get = get_d_lsb},
    {.name = "lisp.data.lsb8",
     .alias = "lisp-data.lsb8",
     .title = "Locator-Status-Bits",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_d_lsb8},
};

/* Data or control: from the ports of the UDP layer below. */
static bool data_port(const struct wk_pkt *p, const struct wk_layer *l)
{
	return below_udp_port(p, l, PORT_DATA);
}

/* Inner IP packet by its version nibble. */

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	if (data_port(p, l)) {
		l->aux |= AUX_DATA;
		if (!wk_rd_skip(r, LISP_HLEN))
			return;
		next_ip_by_version(r, next);
		return;
	}
	uint8_t b0;
	if (!wk_rd_peek_u8(r, 0, &b0)) {
		wk_rd_skip(r, 1); /* nothing captured: truncated */
		return;
	}
	unsigned type = b0 >> 4;
	if (!wk_rd_skip(r, has_nonce(type) ? CTL_NONCE_HLEN : CTL_HLEN))
		return;
	/* Message bodies (records, locators, authentication) are not dissected; an ECM's
	 * body is an IP/UDP packet (RFC 9301 5.8). */
	if (type == T_ECM)
		next_ip_by_version(r, next);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	uint8_t b0;
	if (!first_byte(p, l, &b0))
		return;
	if (is_data(l)) {
		/* tcpdump does not decode the data plane; VXLAN's style */
		wk_ob_puts(ob, "LISP-Data, flags [");
		static const char letters[] = "NLEVI";
		bool any = false;
		for (int k = 0; k < 5; k++)
			if (b0 & (0x80 >> k)) {
				wk_ob_putc(ob, letters[k]);
				any = true;
			}
		if (!any)
			wk_ob_puts(ob, "none");
		wk_ob_puts(ob, "]");
		struct wk_val v = {.type = WK_FT_UINT};
		if (get_d_iid(p, l, 0, &v)) {
			wk_ob_puts(ob, ", iid ");
			wk_ob_u64(ob, v.u);
		}
		if (layer_has_inner(p, l))
			wk_ob_puts(ob, ": ");
		return;
	}
	/* tcpdump's text for the control plane, its spelling included */
	unsigned type = b0 >> 4;
	static const char *const names[] = {
	    "LISP-Reserved",
	    "LISP-Map-Request",
	    "LISP-Map-Reply",
	    "LISP-Map-Register",
	    "LISP-Map-Notify",
	    NULL,
	    NULL,
	    NULL,
	    "LISP-Encapsulated-Contol-Message",
	};
	if (type < WK_ARRAY_SIZE(names) && names[type]) {
		wk_ob_puts(ob, names[type]);
	} else {
		wk_ob_puts(ob, "unknown-type-");
		wk_ob_u64(ob, type);
	}
	wk_ob_putc(ob, ',');
	struct wk_val v = {.type = WK_FT_UINT};
	if ((type == 3 || type == T_MAP_NOTIFY) && get_records(p, l, 0, &v)) {
		wk_ob_putc(ob, ' ');
		wk_ob_u64(ob, v.u);
		wk_ob_puts(ob, " record(s),");
	}
	if (layer_has_inner(p, l))
		wk_ob_putc(ob, ' ');
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, PORT_DATA},
    {WK_NS_UDP, PORT_CTL},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_lisp = {
    .name = "lisp",
    .title = "Locator/ID Separation Protocol",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = CTL_HLEN,
};
