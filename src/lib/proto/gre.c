/* Generic Routing Encapsulation (RFC 2784 with the key and sequence number of RFC 2890,
 * the routing field of RFC 1701, and version 1 "enhanced GRE" of PPTP, RFC 2637 4.1).
 * IP protocol 47, and GRE-in-UDP on port 4754 (RFC 8086).
 *
 *   0 1 2 3 4           8           13  16                              32
 *  +-+-+-+-+-+---------+-+---------+-----+-------------------------------+
 *  |C|R|K|S|s| recur   |A|  flags  | ver |  protocol type (EtherType)    |
 *  +-+-+-+-+-+---------+-+---------+-----+-------------------------------+
 *  |  checksum (C or R)              |  offset (C or R)                  |
 *  |  key (K)  [v1: payload length (16) + call id (16)]                  |
 *  |  sequence number (S)                                                |
 *  |  acknowledgment number (v1 with A)                                  |
 *  |  routing: SREs until a null SRE (R)                                 |
 * The protocol type is looked up as an EtherType (PPP's 0x880b for PPTP included); ERSPAN
 * and Aruba's 802.11 types are GRE-only and named directly. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	GRE_C = 0x8000,
	GRE_R = 0x4000,
	GRE_K = 0x2000,
	GRE_S = 0x1000,
	GRE_A = 0x0080,
	GRE_VER = 0x0007,
	GRE_MAX_SRE = 64,
	/* l->aux: offsets of the optional words inside the header, 0 when absent */
	AUX_KEY_SHIFT = 0,
	AUX_SEQ_SHIFT = 8,
	AUX_ACK_SHIFT = 16,
};

static unsigned aux_off(const struct wk_layer *l, unsigned shift)
{
	return (l->aux >> shift) & 0xff;
}

static bool get_csum_word(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v, size_t off)
{
	struct wk_val f = {.type = WK_FT_UINT};
	if (idx || !hdr_uint(p, l, 0, 2, 0, &f) || !(f.u & (GRE_C | GRE_R)))
		return false;
	return hdr_uint(p, l, off, 2, 0, v);
}

static bool get_checksum(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	return get_csum_word(p, l, idx, v, 4);
}

static bool get_offset(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	return get_csum_word(p, l, idx, v, 6);
}

static bool version(const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val f = {.type = WK_FT_UINT};
	return hdr_uint(p, l, 0, 2, GRE_VER, &f) && f.u == 1;
}

/* Version 0 carries a 32 bit key; version 1 splits it into payload length and call id. */
static bool get_key(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	unsigned o = aux_off(l, AUX_KEY_SHIFT);
	return idx == 0 && o && !version(p, l) && hdr_uint(p, l, o, 4, 0, v);
}

static bool get_paylen(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	unsigned o = aux_off(l, AUX_KEY_SHIFT);
	return idx == 0 && o && version(p, l) && hdr_uint(p, l, o, 2, 0, v);
}

static bool get_callid(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	unsigned o = aux_off(l, AUX_KEY_SHIFT);
	return idx == 0 && o && version(p, l) && hdr_uint(p, l, o + 2, 2, 0, v);
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	unsigned o = aux_off(l, AUX_SEQ_SHIFT);
	return idx == 0 && o && hdr_uint(p, l, o, 4, 0, v);
}

static bool get_ack(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	unsigned o = aux_off(l, AUX_ACK_SHIFT);
	return idx == 0 && o && hdr_uint(p, l, o, 4, 0, v);
}

static const struct wk_vname proto_names[] = {
    {0x0800, "IP"},
    {0x86dd, "IPv6"},
    {0x6558, "Transparent Ethernet bridging"},
    {0x880b, "PPP"},
    {0x8847, "MPLS"},
    {0x8848, "MPLS multicast"},
    {0x88be, "ERSPAN"},
    {0x22eb, "ERSPAN type III"},
    {0x894f, "NSH"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "gre.flags_and_version",
     .title = "Flags and Version",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "gre.flags.checksum",
     .title = "Checksum Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = GRE_C},
    {.name = "gre.flags.routing",
     .title = "Routing Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = GRE_R},
    {.name = "gre.flags.key",
     .title = "Key Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = GRE_K},
    {.name = "gre.flags.sequence_number",
     .title = "Sequence Number Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = GRE_S},
    {.name = "gre.flags.strict_source_route",
     .title = "Strict Source Route",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x0800},
    WK_F_BITS("gre.flags.recursion_control", NULL, "Recursion control", 0, 2, 0x0700),
    {.name = "gre.flags.ack",
     .title = "Acknowledgment Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = GRE_A},
    WK_F_BITS("gre.flags.version", NULL, "Version", 0, 2, GRE_VER),
    {.name = "gre.proto",
     .title = "Protocol Type",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX,
     .names = proto_names},
    {.name = "gre.checksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM,
     .get = get_checksum},
    {.name = "gre.offset", .title = "Offset", .type = WK_FT_UINT, .get = get_offset},
    {.name = "gre.key",
     .title = "Key",
     .type = WK_FT_UINT,
     .width = 4,
     .flags = WK_FF_HEX,
     .get = get_key},
    {.name = "gre.key.payload_length",
     .title = "Payload Length",
     .type = WK_FT_UINT,
     .get = get_paylen},
    {.name = "gre.key.call_id", .title = "Call ID", .type = WK_FT_UINT, .get = get_callid},
    {.name = "gre.sequence_number", .title = "Sequence Number", .type = WK_FT_UINT, .get = get_seq},
    {.name = "gre.ack_number",
     .title = "Acknowledgment Number",
     .type = WK_FT_UINT,
     .get = get_ack},
};

/* The next layer for a GRE protocol type (RFC 2784 section 2.4 uses EtherTypes). */
static void set_next(struct wk_next *next, uint16_t type)
{
	const struct wk_proto *direct = NULL;
	if (type == 0x88be || type == 0x22eb)
		direct = &wk_proto_erspan; /* types I/II and III */
	else if (type >= 0x8200 && type <= 0x8400 && (type & 0xf) == 0)
		direct = &wk_proto_wlan; /* Aruba access points: 802.11 without FCS */
	if (direct) {
		int i = wk_proto_index(direct);
		if (i >= 0)
			wk_next_set(next, WK_NS_PROTO, (uint32_t)i);
		return;
	}
	wk_next_set(next, WK_NS_ETHERTYPE, type);
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	const uint8_t *start = r->cur;
	uint16_t fl = wk_rd_be16(r);
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	unsigned ver = fl & GRE_VER;
	if (ver > 1) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	if (fl & (GRE_C | GRE_R))
		wk_rd_skip(r, 4);
	uint32_t key = 0;
	if (fl & GRE_K) {
		l->aux |= (uint32_t)(r->cur - start) << AUX_KEY_SHIFT;
		key = wk_rd_be32(r);
	}
	if (fl & GRE_S) {
		l->aux |= (uint32_t)(r->cur - start) << AUX_SEQ_SHIFT;
		wk_rd_skip(r, 4);
	}
	if (ver == 1 && (fl & GRE_A)) {
		l->aux |= (uint32_t)(r->cur - start) << AUX_ACK_SHIFT;
		wk_rd_skip(r, 4);
	}
	if (r->bad)
		return;
	if (fl & GRE_R) {
		/* RFC 1701 2.1: SREs of address family (2), offset (1), length (1) and
		 * length bytes; a zero family and length ends the list. Each one is at
		 * least 4 bytes, and the count is bounded. */
		unsigned k;
		for (k = 0; k < GRE_MAX_SRE; k++) {
			uint16_t af = wk_rd_be16(r);
			wk_rd_u8(r);
			uint8_t len = wk_rd_u8(r);
			if (r->bad)
				return;
			if (af == 0 && len == 0)
				break;
			if (!wk_rd_skip(r, len))
				return;
		}
		if (k == GRE_MAX_SRE) {
			l->flags |= WK_LF_INVALID;
			l->why = "too many source route entries";
			return;
		}
	}
	if (ver == 1 && (fl & GRE_K)) {
		/* PPTP: the key's high half is the payload length */
		wk_rd_clip(r, key >> 16);
	}
	set_next(next, type);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	struct wk_ob *ob = o->ob;
	if (!hdr_uint(p, l, 0, 2, 0, &v))
		return;
	uint16_t fl = (uint16_t)v.u;
	wk_ob_puts(ob, "GREv");
	wk_ob_u64(ob, fl & GRE_VER);
	if (o->verbose) { /* tcpdump -v (print-gre.c) */
		static const struct {
			uint16_t bit;
			const char *name;
		} fn[] = {{GRE_C, "checksum present"},
		          {GRE_R, "routing present"},
		          {GRE_K, "key present"},
		          {GRE_S, "sequence# present"},
		          {0x0800, "source routing present"},
		          {GRE_A, "ack present"}};
		const char *sep = "";
		wk_ob_puts(ob, ", Flags [");
		for (size_t i = 0; i < WK_ARRAY_SIZE(fn); i++)
			if (fl & fn[i].bit) {
				wk_ob_puts(ob, sep);
				wk_ob_puts(ob, fn[i].name);
				sep = ", ";
			}
		wk_ob_puts(ob, *sep ? "]" : "none]");
		const uint8_t *s =
		    (fl & (GRE_C | GRE_R)) && !(fl & GRE_VER) ? wk_layer_bytes(p, l, 4, 2) : NULL;
		if (s) {
			wk_ob_puts(ob, ", sum 0x");
			wk_ob_hex(ob, (uint64_t)(s[0] << 8 | s[1]), 1);
		}
	}
	if (get_key(p, l, 0, &v)) {
		wk_ob_puts(ob, ", key=0x");
		wk_ob_hex(ob, v.u, 1);
	}
	if (get_callid(p, l, 0, &v)) {
		wk_ob_puts(ob, ", call ");
		wk_ob_u64(ob, v.u);
	}
	if (get_seq(p, l, 0, &v)) {
		wk_ob_puts(ob, ", seq ");
		wk_ob_u64(ob, v.u);
	}
	if (get_ack(p, l, 0, &v)) {
		wk_ob_puts(ob, ", ack ");
		wk_ob_u64(ob, v.u);
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, l->len);
	if (layer_has_inner(p, l))
		wk_ob_puts(ob, o->verbose ? "\n\t" : ": "); /* tcpdump -v goes multiline */
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 47},
    {WK_NS_UDP, 4754}, /* GRE-in-UDP, RFC 8086 */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_gre = {
    .name = "gre",
    .title = "Generic Routing Encapsulation",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = 4,
};
