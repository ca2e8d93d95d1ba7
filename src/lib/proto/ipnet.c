/* Solaris IPNET observability header (LINKTYPE_IPNET 226), big-endian.
 *
 *   0     1      2       4         8         12          16      20      24
 *  +-----+------+-------+---------+---------+-----------+-------+-------+---------
 *  | ver |family| htype | pktlen  | ifindex | grifindex | zsrc  | zdst  | IP packet
 *  +-----+------+-------+---------+---------+-----------+-------+-------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_IPNET.html. family is Solaris' AF_INET (2)
 * or AF_INET6 (26). */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { IPNET_HLEN = 24, IPH_AF_INET = 2, IPH_AF_INET6 = 26 };

static const struct wk_vname family_names[] = {
    {IPH_AF_INET, "IPv4"},
    {IPH_AF_INET6, "IPv6"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    WK_F_UINT("ipnet.version", NULL, "Header version", 0, 1),
    {.name = "ipnet.family",
     .title = "Address family",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .names = family_names},
    WK_F_UINT("ipnet.htype", NULL, "Hook type", 2, 2),
    WK_F_UINT("ipnet.pktlen", NULL, "Data length", 4, 4),
    WK_F_UINT("ipnet.ifindex", NULL, "Interface index", 8, 4),
    WK_F_UINT("ipnet.grifindex", NULL, "Group interface index", 12, 4),
    WK_F_UINT("ipnet.zsrc", NULL, "Source zone", 16, 4),
    WK_F_UINT("ipnet.zdst", NULL, "Destination zone", 20, 4),
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 1);
	uint8_t family = wk_rd_u8(r);
	wk_rd_skip(r, IPNET_HLEN - 2);
	if (r->bad)
		return;
	if (family == IPH_AF_INET)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (family == IPH_AF_INET6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 226}, /* LINKTYPE_IPNET */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_ipnet = {
    .name = "ipnet",
    .title = "Solaris IPNET",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = IPNET_HLEN,
};
