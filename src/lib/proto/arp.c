/* Address Resolution Protocol (RFC 826) and Reverse ARP (RFC 903), EtherTypes 0x0806 and
 * 0x8035.
 *
 *   0        2        4    5    6        8
 *  +--------+--------+----+----+--------+----------+----------+----------+----------+
 *  | hrd    | pro    |hln |pln | op     | sha(hln) | spa(pln) | tha(hln) | tpa(pln) |
 *  +--------+--------+----+----+--------+----------+----------+----------+----------+
 * The addresses are only at fixed offsets for hln 6 / pln 4 (Ethernet and IPv4), so the
 * address fields are getters that check both lengths. */
#include <string.h>

#include "proto/build_int.h"
#include "wirekit/line.h"

enum { ARP_FIXED = 8, OP_REQUEST = 1, OP_REPLY = 2, OP_RREQUEST = 3, OP_RREPLY = 4 };

static const struct wk_vname op_names[] = {
    {1, "who-has"},   {2, "is-at"},     {3, "rarp-req"}, {4, "rarp-rep"},
    {8, "inarp-req"}, {9, "inarp-rep"}, {0, NULL},
};

/* Address k (0 sha, 1 spa, 2 tha, 3 tpa) of an Ethernet/IPv4 ARP packet, else NULL. */
static const uint8_t *addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned k)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ARP_FIXED);
	if (!h || h[4] != 6 || h[5] != 4)
		return NULL;
	static const uint8_t off[4] = {8, 14, 18, 24};
	return wk_layer_bytes(p, l, off[k], k % 2 ? 4 : 6);
}

#define ADDR_GETTER(fn, k, sz)                                                                     \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		const uint8_t *a = idx ? NULL : addr(p, l, k);                                     \
		if (!a)                                                                            \
			return false;                                                              \
		v->p = a;                                                                          \
		v->n = sz;                                                                         \
		return true;                                                                       \
	}
ADDR_GETTER(get_sha, 0, 6)
ADDR_GETTER(get_spa, 1, 4)
ADDR_GETTER(get_tha, 2, 6)
ADDR_GETTER(get_tpa, 3, 4)

static const struct wk_field fields[] = {
    WK_F_UINT("arp.hwtype", "arp.hw.type", "Hardware Type", 0, 2),
    {.name = "arp.ptype",
     .alias = "arp.proto.type",
     .title = "Protocol Type",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX},
    WK_F_UINT("arp.hwlen", "arp.hw.size", "Hardware Size", 4, 1),
    WK_F_UINT("arp.plen", "arp.proto.size", "Protocol Size", 5, 1),
    {.name = "arp.op",
     .alias = "arp.opcode",
     .title = "Opcode",
     .type = WK_FT_UINT,
     .off = 6,
     .width = 2,
     .names = op_names},
    {.name = "arp.hwsrc",
     .alias = "arp.src.hw_mac",
     .title = "Sender MAC Address",
     .type = WK_FT_MAC,
     .width = 6,
     .get = get_sha},
    {.name = "arp.psrc",
     .alias = "arp.src.proto_ipv4",
     .title = "Sender IP Address",
     .type = WK_FT_IP4,
     .width = 4,
     .role = WK_ROLE_SRC,
     .get = get_spa},
    {.name = "arp.hwdst",
     .alias = "arp.dst.hw_mac",
     .title = "Target MAC Address",
     .type = WK_FT_MAC,
     .width = 6,
     .get = get_tha},
    {.name = "arp.pdst",
     .alias = "arp.dst.proto_ipv4",
     .title = "Target IP Address",
     .type = WK_FT_IP4,
     .width = 4,
     .role = WK_ROLE_DST,
     .get = get_tpa},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	(void)next;
	wk_rd_skip(r, 4);
	uint8_t hln = wk_rd_u8(r);
	uint8_t pln = wk_rd_u8(r);
	wk_rd_skip(r, 2);
	wk_rd_skip(r, 2 * ((size_t)hln + pln));
	/* Nothing follows ARP; trailing bytes are link padding. */
}

static bool nonzero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return true;
	return false;
}

/* tcpdump -v (print-arp.c): "Ethernet (len 6), IPv4 (len 4), " before the operation. */
static void verbose_types(struct wk_ob *ob, const uint8_t *h)
{
	static const struct wk_vname hrd[] = {{1, "Ethernet"},    {6, "TokenRing"},   {7, "ArcNet"},
	                                      {15, "FrameRelay"}, {19, "ATM"},        {23, "Strip"},
	                                      {24, "IEEE 1394"},  {32, "InfiniBand"}, {0, NULL}};
	unsigned ht = (unsigned)(h[0] << 8 | h[1]), pt = (unsigned)(h[2] << 8 | h[3]);
	const char *hn = wk_vname_find(hrd, ht);
	if (hn) {
		wk_ob_puts(ob, hn);
	} else {
		wk_ob_puts(ob, "Unknown Hardware (");
		wk_ob_u64(ob, ht);
		wk_ob_putc(ob, ')');
	}
	wk_ob_puts(ob, " (len ");
	wk_ob_u64(ob, h[4]);
	if (pt == 0x0800) {
		wk_ob_puts(ob, "), IPv4");
	} else {
		wk_ob_puts(ob, "), Unknown Protocol (0x");
		wk_ob_hex(ob, pt, 4);
		wk_ob_putc(ob, ')');
	}
	wk_ob_puts(ob, " (len ");
	wk_ob_u64(ob, h[5]);
	wk_ob_puts(ob, "), ");
}

/* tcpdump -n (print-arp.c): "ARP, Request who-has T tell S, length N". */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	const uint8_t *h = wk_layer_bytes(p, l, 0, ARP_FIXED);
	uint16_t op = h ? (uint16_t)(h[6] << 8 | h[7]) : 0;
	bool rarp = op == OP_RREQUEST || op == OP_RREPLY;
	if (o->named != o->layer)
		wk_ob_puts(ob, rarp ? "RARP, " : "ARP, ");
	const uint8_t *sha = addr(p, l, 0), *spa = addr(p, l, 1);
	const uint8_t *tha = addr(p, l, 2), *tpa = addr(p, l, 3);
	if (!h)
		return;
	if (!sha || !spa || !tha || !tpa) {
		if (h[4] != 6 || h[5] != 4) {
			wk_ob_puts(ob, "hardware type ");
			wk_ob_u64(ob, (uint64_t)(h[0] << 8 | h[1]));
			wk_ob_puts(ob, ", protocol type 0x");
			wk_ob_hex(ob, (uint64_t)(h[2] << 8 | h[3]), 4);
		}
		return; /* truncated: the generic code adds [|arp] */
	}
	if (o->verbose)
		verbose_types(ob, h);
	switch (op) {
	case OP_REQUEST:
		wk_ob_puts(ob, "Request who-has ");
		wk_ob_ip4(ob, tpa);
		if (nonzero(tha, 6)) {
			wk_ob_puts(ob, " (");
			wk_ob_mac(ob, tha);
			wk_ob_putc(ob, ')');
		}
		wk_ob_puts(ob, " tell ");
		wk_ob_ip4(ob, spa);
		break;
	case OP_REPLY:
		wk_ob_puts(ob, "Reply ");
		wk_ob_ip4(ob, spa);
		wk_ob_puts(ob, " is-at ");
		wk_ob_mac(ob, sha);
		break;
	case OP_RREQUEST:
		wk_ob_puts(ob, "Request who-is ");
		wk_ob_mac(ob, tha);
		wk_ob_puts(ob, " tell ");
		wk_ob_mac(ob, sha);
		break;
	case OP_RREPLY:
		wk_ob_puts(ob, "Reply ");
		wk_ob_mac(ob, tha);
		wk_ob_puts(ob, " at ");
		wk_ob_ip4(ob, tpa);
		break;
	default:
		wk_ob_puts(ob, "Unknown (");
		wk_ob_u64(ob, op);
		wk_ob_putc(ob, ')');
		break;
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, p->wirelen > l->off ? p->wirelen - l->off : 0);
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x0806},
    {WK_NS_ETHERTYPE, 0x8035},
    {WK_NS_NONE, 0},
};

static int put_addr(struct wk_build *b, unsigned i, const char *name, struct wk_wr *w, size_t n)
{
	const struct wk_bval *v = build_take(b, i, name);
	if (v && v->n != n)
		return WK_EINVAL;
	if (v)
		wk_wr_bytes(w, v->b, n);
	else
		wk_wr_zero(w, n);
	return 0;
}

/* Ethernet/IPv4 ARP; who-has by default. */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	wk_wr_be16(w, 1);
	wk_wr_be16(w, 0x0800);
	wk_wr_u8(w, 6);
	wk_wr_u8(w, 4);
	wk_wr_be16(w, OP_REQUEST);
	int rc = put_addr(b, i, "arp.hwsrc", w, 6);
	if (!rc)
		rc = put_addr(b, i, "arp.psrc", w, 4);
	if (!rc)
		rc = put_addr(b, i, "arp.hwdst", w, 6);
	if (!rc)
		rc = put_addr(b, i, "arp.pdst", w, 4);
	return rc;
}

const struct wk_proto wk_proto_arp = {
    .name = "arp",
    .title = "Address Resolution Protocol",
    .flags = WK_PF_NETWORK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .min_hlen = 28,
};
