/* Radiotap capture header for 802.11 (LINKTYPE_IEEE802_11_RADIOTAP 127), all fields
 * little-endian (https://www.radiotap.org/).
 *
 *   0         1       2            4                 8
 *  +---------+-------+------------+-----------------+------ ... ------+---------
 *  | version | pad   | length     | present word(s) | fields, aligned | 802.11
 *  +---------+-------+------------+-----------------+------ ... ------+---------
 * Present words chain while bit 31 is set. The fields of the first word follow in bit
 * order, each aligned to its natural boundary from the start of the header. The Flags
 * field (bit 1) says whether the frame ends in its FCS (0x10), clipped off here, and
 * whether the 802.11 header is padded to 4 bytes (0x20), which wlan reads from l->aux. */
#include <string.h>

#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	RT_HLEN = 8,
	RT_EXT = 1u << 31,
	RT_FLAGS_BIT = 1,
	RT_TLV_BIT = 28, /* everything after is TLVs: no more fixed fields */
	RT_FLAG_FCS = 0x10,
	AUX_HAVE_FLAGS = 0x100, /* l->aux: low byte is the Flags field when set */
	FCS_LEN = 4,
};

/* Alignment and size of the fields of present bits 0..27 (radiotap.org/fields). */
static const uint8_t rt_align[] = {8, 1, 1, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1,
                                   2, 2, 1, 1, 4, 1, 4, 2, 8, 2, 2, 2, 1, 2};
static const uint8_t rt_size[] = {8, 1, 1, 4, 2, 1, 1, 2,  2,  2,  1,  1, 1, 1,
                                  2, 2, 1, 1, 8, 3, 8, 12, 12, 12, 12, 6, 1, 4};

/* Offset (from the header start) of the first-word field for bit, or 0 when absent or
 * past a field we cannot size. b..b+len is the whole radiotap header. */
static size_t rt_field(const uint8_t *b, size_t len, unsigned bit)
{
	if (len < RT_HLEN)
		return 0;
	uint32_t present0 =
	    (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	if (!(present0 & (1u << bit)))
		return 0;
	/* Skip the chained present words. */
	size_t off = RT_HLEN;
	uint32_t w = present0;
	while ((w & RT_EXT) && off + 4 <= len) {
		w = (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
		    (uint32_t)b[off + 3] << 24;
		off += 4;
	}
	for (unsigned i = 0; i <= bit && i < RT_TLV_BIT; i++) {
		if (!(present0 & (1u << i)))
			continue;
		size_t a = rt_align[i];
		off = (off + a - 1) / a * a;
		if (off + rt_size[i] > len)
			return 0;
		if (i == bit)
			return off;
		off += rt_size[i];
	}
	return 0;
}

static const uint8_t *rt_get(const struct wk_pkt *p, const struct wk_layer *l, unsigned bit)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, l->hlen);
	if (!b || l->hlen < RT_HLEN)
		return NULL;
	size_t off = rt_field(b, l->hlen, bit);
	return off ? b + off : NULL;
}

static bool get_flags(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	const uint8_t *f = rt_get(p, l, RT_FLAGS_BIT);
	if (idx || !f)
		return false;
	v->u = f[0];
	return true;
}

static bool get_fcs(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	if (!get_flags(p, l, idx, v))
		return false;
	v->u = (v->u & RT_FLAG_FCS) != 0;
	return true;
}

static bool get_mactime(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *f = rt_get(p, l, 0);
	if (idx || !f)
		return false;
	v->u = 0;
	for (int i = 7; i >= 0; i--)
		v->u = v->u << 8 | f[i];
	return true;
}

/* Rate in 500 kb/s units shown in Mb/s like tshark: "1", "5.5", "54". */
static bool get_datarate(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	const uint8_t *f = rt_get(p, l, 2);
	if (idx || !f)
		return false;
	char *d = (char *)v->buf;
	unsigned r = f[0];
	size_t n = 0;
	char tmp[4];
	size_t k = 0;
	unsigned whole = r / 2;
	do {
		tmp[k++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole && k < sizeof(tmp));
	while (k)
		d[n++] = tmp[--k];
	if (r & 1) {
		d[n++] = '.';
		d[n++] = '5';
	}
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = n;
	return true;
}

static bool get_u16(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v, unsigned bit)
{
	const uint8_t *f = rt_get(p, l, bit);
	if (idx || !f)
		return false;
	v->u = (uint64_t)(f[0] | f[1] << 8);
	return true;
}

static bool get_freq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	return get_u16(p, l, idx, v, 3);
}

static bool get_s8(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v,
                   unsigned bit)
{
	const uint8_t *f = rt_get(p, l, bit);
	if (idx || !f)
		return false;
	v->u = (uint64_t)(int64_t)(int8_t)f[0];
	return true;
}

static bool get_antsignal(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                          struct wk_val *v)
{
	return get_s8(p, l, idx, v, 5);
}

static bool get_antnoise(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	return get_s8(p, l, idx, v, 6);
}

static bool get_antenna(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *f = rt_get(p, l, 11);
	if (idx || !f)
		return false;
	v->u = f[0];
	return true;
}

static const struct wk_field fields[] = {
    WK_F_UINT("radiotap.version", NULL, "Header revision", 0, 1),
    WK_F_UINT("radiotap.pad", NULL, "Header pad", 1, 1),
    {.name = "radiotap.length",
     .title = "Header length",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_LE | WK_FF_LEN},
    {.name = "radiotap.present.word",
     .title = "Present flags word",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 4,
     .flags = WK_FF_LE | WK_FF_HEX},
    {.name = "radiotap.mactime",
     .title = "MAC timestamp",
     .type = WK_FT_UINT,
     .width = 8,
     .flags = WK_FF_NOENC,
     .get = get_mactime},
    {.name = "radiotap.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_flags},
    {.name = "radiotap.flags.fcs",
     .title = "FCS at end",
     .type = WK_FT_BOOL,
     .width = 1,
     .flags = WK_FF_NOENC,
     .get = get_fcs},
    {.name = "radiotap.datarate",
     .title = "Data rate (Mb/s)",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_datarate},
    {.name = "radiotap.channel.freq",
     .title = "Channel frequency",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_freq},
    {.name = "radiotap.dbm_antsignal",
     .title = "Antenna signal (dBm)",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_SIGNED | WK_FF_NOENC,
     .get = get_antsignal},
    {.name = "radiotap.dbm_antnoise",
     .title = "Antenna noise (dBm)",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_SIGNED | WK_FF_NOENC,
     .get = get_antnoise},
    {.name = "radiotap.antenna",
     .title = "Antenna",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_NOENC,
     .get = get_antenna},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	const uint8_t *start = r->cur;
	wk_rd_skip(r, 2);
	uint16_t len = wk_rd_le16(r);
	if (r->bad)
		return;
	if (len < RT_HLEN) {
		l->flags |= WK_LF_INVALID;
		l->why = "header length below 8";
		return;
	}
	if (!wk_rd_skip(r, len - 4u))
		return; /* truncated */
	size_t off = rt_field(start, len, RT_FLAGS_BIT);
	if (off) {
		l->aux = AUX_HAVE_FLAGS | start[off];
		if ((start[off] & RT_FLAG_FCS) && wk_rd_left(r) >= FCS_LEN)
			r->end -= FCS_LEN;
	}
	wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_wlan));
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 127}, /* LINKTYPE_IEEE802_11_RADIOTAP */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_radiotap = {
    .name = "radiotap",
    .title = "Radiotap Header",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = RT_HLEN,
};
