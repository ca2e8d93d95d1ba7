/* Per-Packet Information header (LINKTYPE_PPI 192; CACE Technologies PPI specification
 * 1.0.2): a little-endian header naming the link type of what follows, with TLV fields.
 *
 *  +---------+-------+------------+-----------+----------------------------+---------
 *  | version | flags | length (2) | DLT (4)   | fields: type(2) len(2) data| packet
 *  +---------+-------+------------+-----------+----------------------------+---------
 * length covers the header and its fields. The 802.11-common field (type 2) has a flags
 * word whose bit 0 says the packet ends in an FCS, clipped off here. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	PPI_HLEN = 8,
	PPI_FIELD_HLEN = 4,
	PPI_80211_COMMON = 2,
	COMMON_FLAGS_OFF = 8, /* after the 8-byte TSFT */
	COMMON_FLAG_FCS = 0x0001,
	FCS_LEN = 4,
};

static const struct wk_field fields[] = {
    WK_F_UINT("ppi.version", NULL, "Version", 0, 1),
    {.name = "ppi.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "ppi.length",
     .title = "Header length",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_LE | WK_FF_LEN},
    {.name = "ppi.dlt",
     .title = "DLT",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 4,
     .flags = WK_FF_LE},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	wk_rd_skip(r, 2);
	uint16_t len = wk_rd_le16(r);
	uint32_t dlt = wk_rd_le32(r);
	if (r->bad)
		return;
	if (len < PPI_HLEN) {
		l->flags |= WK_LF_INVALID;
		l->why = "header length below 8";
		return;
	}
	bool shrt;
	struct wk_rd f = wk_rd_sub(r, len - PPI_HLEN, &shrt);
	if (shrt) {
		r->bad = true;
		return;
	}
	bool fcs = false;
	while (wk_rd_left(&f) >= PPI_FIELD_HLEN) {
		uint16_t type = wk_rd_le16(&f);
		uint16_t flen = wk_rd_le16(&f);
		bool fshort;
		struct wk_rd d = wk_rd_sub(&f, flen, &fshort);
		if (fshort)
			break;
		if (type == PPI_80211_COMMON && wk_rd_skip(&d, COMMON_FLAGS_OFF) &&
		    (wk_rd_le16(&d) & COMMON_FLAG_FCS) && !d.bad)
			fcs = true;
	}
	if (fcs && wk_rd_left(r) >= FCS_LEN)
		r->end -= FCS_LEN;
	wk_next_set(next, WK_NS_LINKTYPE, dlt);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 192}, /* LINKTYPE_PPI */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_ppi = {
    .name = "ppi",
    .title = "PPI Packet Header",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = PPI_HLEN,
};
