/* Cisco VN-Tag (EtherType 0x8926; IEEE 802.1Qbh draft): 4 bytes of virtual interface
 * identifiers after the EtherType, then the next EtherType.
 *
 *  +-+-+----------------+-+-+-+-------------+----------------
 *  |d|p| dst VIF (14)   |l|r|v| src VIF (12)| type / length
 *  +-+-+----------------+-+-+-+-------------+----------------  */
#include "proto/proto_int.h"
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { VNTAG_HLEN = 6 };

static const struct wk_field fields[] = {
    WK_F_BITS("vntag.dir", NULL, "Direction", 0, 4, 0x80000000),
    WK_F_BITS("vntag.ptr", NULL, "Pointer", 0, 4, 0x40000000),
    WK_F_BITS("vntag.dvif_id", NULL, "Destination VIF", 0, 4, 0x3fff0000),
    WK_F_BITS("vntag.looped", NULL, "Looped", 0, 4, 0x00008000),
    WK_F_BITS("vntag.version", NULL, "Version", 0, 4, 0x00003000),
    WK_F_BITS("vntag.svif_id", NULL, "Source VIF", 0, 4, 0x00000fff),
    {.name = "vntag.etype",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 2,
     .flags = WK_FF_HEX},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 4);
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	eth_next(r, next, type);
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x8926},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_vntag = {
    .name = "vntag",
    .title = "VN-Tag",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = VNTAG_HLEN,
};
