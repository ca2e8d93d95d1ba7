/* Generic Network Virtualization Encapsulation (RFC 8926), UDP port 6081.
 *
 *   0   2           8 9 10          16                              32
 *  +---+-----------+-+-+-----------+-------------------------------+
 *  |Ver| opt len   |O|C|  rsvd     |       protocol type           |
 *  +---+-----------+-+-+-----------+---------------+---------------+
 *  |        Virtual Network Identifier (VNI)       |   reserved    |
 *  +-----------------------------------------------+---------------+
 *  |  options: opt len * 4 bytes, each: class (16) | type (8) |     |
 *  |           rsvd (3) + length (5, in 4 byte words) | data        |
 * The protocol type is an EtherType (0x6558: Ethernet). */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	GENEVE_HLEN = 8,
	GENEVE_MAX_OPTS = 64, /* 252 option bytes hold at most 63 four byte options */
};

static bool get_version(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return idx == 0 && hdr_uint(p, l, 0, 1, 0xc0, v);
}

/* Offset of option idx (from the layer start) and its size, walking the option list. */
static bool opt_at(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, size_t *off,
                   size_t *size)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, GENEVE_HLEN);
	if (!h)
		return false;
	size_t end = GENEVE_HLEN + (size_t)(h[0] & 0x3f) * 4;
	size_t o = GENEVE_HLEN;
	for (unsigned k = 0; k < GENEVE_MAX_OPTS && o + 4 <= end; k++) {
		const uint8_t *b = wk_layer_bytes(p, l, o, 4);
		if (!b)
			return false;
		size_t n = 4 + (size_t)(b[3] & 0x1f) * 4;
		if (o + n > end || o + n > l->hlen)
			return false;
		if (k == idx) {
			*off = o;
			*size = n;
			return true;
		}
		o += n;
	}
	return false;
}

/* tshark lists the total option length first, then each option's length in bytes. */
static bool get_opt_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	size_t off, n;
	const uint8_t *h = wk_layer_bytes(p, l, 0, 1);
	if (!h || (h[0] & 0x3f) == 0)
		return false;
	if (idx == 0) {
		v->u = (uint64_t)(h[0] & 0x3f) * 4;
		return true;
	}
	if (!opt_at(p, l, idx - 1, &off, &n))
		return false;
	v->u = n;
	return true;
}

static bool get_opt_class(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	size_t off, n;
	return opt_at(p, l, idx, &off, &n) && hdr_uint(p, l, off, 2, 0, v);
}

static bool get_opt_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	size_t off, n;
	return opt_at(p, l, idx, &off, &n) && hdr_uint(p, l, off + 2, 1, 0, v);
}

static bool get_options(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, 1);
	if (idx || !h || (h[0] & 0x3f) == 0)
		return false;
	return hdr_bytes(p, l, GENEVE_HLEN, (size_t)(h[0] & 0x3f) * 4, v);
}

static const struct wk_field fields[] = {
    {.name = "geneve.version", .title = "Version", .type = WK_FT_UINT, .get = get_version},
    {.name = "geneve.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "geneve.flags.oam",
     .title = "Operations, Administration and Management Frame",
     .type = WK_FT_BOOL,
     .off = 1,
     .width = 1,
     .mask = 0x80},
    {.name = "geneve.flags.critical",
     .title = "Critical Options Present",
     .type = WK_FT_BOOL,
     .off = 1,
     .width = 1,
     .mask = 0x40},
    {.name = "geneve.proto_type",
     .title = "Protocol Type",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "geneve.vni",
     .title = "Virtual Network Identifier (VNI)",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 3,
     .flags = WK_FF_HEX},
    {.name = "geneve.reserved",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .off = 7,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "geneve.options", .title = "Options", .type = WK_FT_BYTES, .get = get_options},
    {.name = "geneve.option.length", .title = "Length", .type = WK_FT_UINT, .get = get_opt_len},
    {.name = "geneve.option.class",
     .title = "Class",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_opt_class},
    {.name = "geneve.option.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_opt_type},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint8_t b0 = wk_rd_u8(r);
	wk_rd_u8(r);
	uint16_t type = wk_rd_be16(r);
	wk_rd_skip(r, 4);
	if (r->bad)
		return;
	if (b0 >> 6 != 0) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	bool short_opts;
	struct wk_rd o = wk_rd_sub(r, (size_t)(b0 & 0x3f) * 4, &short_opts);
	/* RFC 8926 3.5: each option's length must fit in the option area. */
	for (unsigned k = 0; k < GENEVE_MAX_OPTS && wk_rd_left(&o) > 0; k++) {
		wk_rd_skip(&o, 3);
		uint8_t len = wk_rd_u8(&o) & 0x1f;
		if (o.bad && !short_opts) {
			l->flags |= WK_LF_INVALID;
			l->why = "option overruns the option length";
			return;
		}
		if (!wk_rd_skip(&o, (size_t)len * 4)) {
			if (!short_opts) {
				l->flags |= WK_LF_INVALID;
				l->why = "option overruns the option length";
			}
			break;
		}
	}
	if (short_opts) {
		l->flags |= WK_LF_TRUNC;
		return;
	}
	wk_next_set(next, WK_NS_ETHERTYPE, type);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, GENEVE_HLEN);
	if (!b)
		return;
	struct wk_ob *ob = o->ob;
	wk_ob_puts(ob, "Geneve, Flags [");
	if (b[1] & 0xc0) {
		if (b[1] & 0x80)
			wk_ob_puts(ob, "O");
		if (b[1] & 0x40)
			wk_ob_puts(ob, "C");
	} else {
		wk_ob_puts(ob, "none");
	}
	wk_ob_puts(ob, "], vni 0x");
	wk_ob_hex(ob, (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6], 1);
	wk_ob_puts(ob, ", proto ");
	uint16_t type = (uint16_t)(b[2] << 8 | b[3]);
	if (type == 0x6558)
		wk_ob_puts(ob, "TEB ");
	else if (type == 0x0800)
		wk_ob_puts(ob, "IPv4 ");
	else if (type == 0x86dd)
		wk_ob_puts(ob, "IPv6 ");
	wk_ob_puts(ob, "(0x");
	wk_ob_hex(ob, type, 4);
	wk_ob_putc(ob, ')');
	if (b[0] & 0x3f) {
		wk_ob_puts(ob, ", options [");
		wk_ob_u64(ob, (uint64_t)(b[0] & 0x3f) * 4);
		wk_ob_puts(ob, " bytes]");
	}
	wk_ob_puts(ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 6081},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_geneve = {
    .name = "geneve",
    .title = "Generic Network Virtualization Encapsulation",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = GENEVE_HLEN,
};
