/* User Datagram Protocol (RFC 768), IP protocol 17.
 *
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   Source Port   | Destination Port|
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 * Length covers header and data; trailing bytes beyond it are not payload. The payload
 * is looked up by destination port, then source port (WK_NS_UDP). */
#include <string.h>

#include "proto/build_int.h"
#include "proto/l4_int.h"
#include "wirekit/line.h"

enum { UDP_HLEN = 8 };

static const struct wk_vname csum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {0, NULL}};
/* udp.checksum.status as tshark with checksum checks on: 0 bad, 1 good, 2 unverified. */
static bool get_csum_status(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	uint16_t should;
	const uint8_t *c;
	bool ip6 = false;
	for (const struct wk_layer *n = l - 1; n > p->l; n--)
		if (n->proto->flags & WK_PF_NETWORK) {
			ip6 = n->proto == &wk_proto_ipv6;
			break;
		}
	int st = idx ? -1 : l4_csum_check(p, l, 17, true, 6, &should);
	if (st >= 0 && (c = wk_layer_bytes(p, l, 6, 2)) && !(c[0] | c[1]) && !ip6)
		st = L4_CSUM_NONE; /* IPv4 UDP without a checksum */
	if (st < 0)
		return false;
	v->u = (uint64_t)st;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "udp.sport",
     .alias = "udp.srcport",
     .title = "Source Port",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .role = WK_ROLE_SPORT},
    {.name = "udp.dport",
     .alias = "udp.dstport",
     .title = "Destination Port",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .role = WK_ROLE_DPORT},
    {.name = "udp.port",
     .title = "Source or Destination Port",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = l4_get_port},
    {.name = "udp.len",
     .alias = "udp.length",
     .title = "Length",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 2,
     .flags = WK_FF_LEN},
    {.name = "udp.chksum",
     .alias = "udp.checksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .off = 6,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
    {.name = "udp.checksum.status",
     .title = "Checksum Status",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_csum_status,
     .names = csum_status_names},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	if ((l->flags & WK_LF_QUOTED) && wk_rd_left(r) < UDP_HLEN) {
		wk_rd_skip(r, wk_rd_left(r)); /* a short quote is all there is (RFC 792) */
		return;
	}
	uint16_t sport = wk_rd_be16(r);
	uint16_t dport = wk_rd_be16(r);
	uint16_t len = wk_rd_be16(r);
	wk_rd_skip(r, 2);
	if (r->bad)
		return;
	if (!(l->flags & WK_LF_QUOTED)) {
		/* len 0: an IPv6 jumbogram (RFC 2675); the IP layer bounds the payload. */
		if (len != 0 && len < UDP_HLEN) {
			l->flags |= WK_LF_INVALID;
			l->why = "length < 8";
			return;
		}
		if (len)
			wk_rd_clip(r, len - UDP_HLEN);
	}
	next->ns = WK_NS_UDP;
	next->nkeys = 2;
	next->key[0] = dport;
	next->key[1] = sport;
	next->flags = 0;
}

/* tcpdump -n: "src.sport > dst.dport: UDP, length N", or only the ports when the payload
 * has a protocol of its own that writes the rest of the line. */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if (l->flags & WK_LF_QUOTED)
		return;
	const uint8_t *h = wk_layer_bytes(p, l, 0, UDP_HLEN);
	const uint8_t *ports = wk_layer_bytes(p, l, 0, 4);
	if (ports)
		l4_line_ports(o, p, l, (uint32_t)(ports[0] << 8 | ports[1]),
		              (uint32_t)(ports[2] << 8 | ports[3]));
	else
		wk_line_flush_addrs(o);
	if (o->layer + 1u < p->nlayers && p->l[o->layer + 1].proto->line)
		return;
	wk_ob_puts(o->ob, "UDP");
	if (!h)
		return;
	uint16_t len = (uint16_t)(h[4] << 8 | h[5]);
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, len >= UDP_HLEN ? len - UDP_HLEN : 0);
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 17},
    {WK_NS_NONE, 0},
};

static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint32_t dport = 53;
	build_next_key(b, i, WK_NS_UDP, &dport);
	wk_wr_be16(w, 53); /* scapy's default */
	wk_wr_be16(w, (uint16_t)dport);
	wk_wr_be16(w, 0); /* length: finish */
	wk_wr_be16(w, 0); /* checksum: finish */
	return 0;
}

/* RFC 768: the checksum covers a pseudo-header, the header and the data; a computed 0
 * is sent as all ones, since 0 means "no checksum". */
static int finish(struct wk_build *b, unsigned i)
{
	size_t n = build_span(b, i);
	if (n < UDP_HLEN || n > 0xffff)
		return n < UDP_HLEN ? 0 : WK_EINVAL;
	build_len_store(b, i, "udp.len", 4, (uint16_t)n);
	build_l4_csum(b, i, 17, "udp.chksum", 6, true);
	return 0;
}

const struct wk_proto wk_proto_udp = {
    .name = "udp",
    .title = "User Datagram Protocol",
    .flags = WK_PF_PORTS,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = UDP_HLEN,
};
