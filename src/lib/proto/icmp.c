/* Internet Control Message Protocol (RFC 792), IP protocol 1.
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  |  Identifier (echo, timestamp) |  Sequence Number              |  or unused / gateway /
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  pointer / next-hop MTU
 * Error messages (destination unreachable 3, source quench 4, redirect 5, time exceeded
 * 11, parameter problem 12) quote the offending IP header and at least 8 bytes of its
 * payload; it is dissected as a quoted IPv4 layer (WK_LF_QUOTED). */
#include <string.h>

#include "proto/build_int.h"
#include "proto/l4_int.h"
#include "wirekit/line.h"

enum { ICMP_HLEN = 8, ICMP_TS_LEN = 20, ICMP_MASK_LEN = 12 };

static const struct wk_vname type_names[] = {
    {0, "echo-reply"},
    {3, "dest-unreach"},
    {4, "source-quench"},
    {5, "redirect"},
    {8, "echo-request"},
    {9, "router-advertisement"},
    {10, "router-solicitation"},
    {11, "time-exceeded"},
    {12, "parameter-problem"},
    {13, "timestamp-request"},
    {14, "timestamp-reply"},
    {15, "information-request"},
    {16, "information-response"},
    {17, "address-mask-request"},
    {18, "address-mask-reply"},
    /* other spellings (the first name of a value is the one shown) */
    {12, "param-problem"},
    {16, "information-reply"},
    {0, NULL},
};

/* Code names as scapy spells them (inet.py icmpcodes), for specs: unreachable (3),
 * redirect (5), time exceeded (11), parameter problem (12). One table for every type, so
 * the names are accepted but not shown (WK_FF_NAMEIN): code 0 means a different thing
 * for each type. */
static const struct wk_vname code_names[] = {
    {0, "network-unreachable"},
    {1, "host-unreachable"},
    {2, "protocol-unreachable"},
    {3, "port-unreachable"},
    {4, "fragmentation-needed"},
    {5, "source-route-failed"},
    {6, "network-unknown"},
    {7, "host-unknown"},
    {8, "source-host-isolated"},
    {9, "network-prohibited"},
    {10, "host-prohibited"},
    {11, "TOS-network-unreachable"},
    {12, "TOS-host-unreachable"},
    {13, "communication-prohibited"},
    {14, "host-precedence-violation"},
    {15, "precedence-cutoff"},
    {0, "network-redirect"},
    {1, "host-redirect"},
    {2, "TOS-network-redirect"},
    {3, "TOS-host-redirect"},
    {0, "ttl-zero-during-transit"},
    {1, "ttl-zero-during-reassembly"},
    {0, "ip-header-bad"},
    {1, "required-option-missing"},
    {0, NULL},
};

static bool is_error(uint8_t t)
{
	return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

/* Types whose second word is identifier and sequence number (RFC 792, RFC 950). */
static bool has_idseq(uint8_t t)
{
	return t == 0 || t == 8 || (t >= 13 && t <= 18);
}

static bool get_idseq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v, size_t off)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_HLEN);
	if (idx || !h || !has_idseq(h[0]))
		return false;
	v->u = (uint64_t)(h[off] << 8 | h[off + 1]);
	return true;
}

static bool get_id(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	return get_idseq(p, l, idx, v, 4);
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return get_idseq(p, l, idx, v, 6);
}

/* Timestamp and timestamp reply (RFC 792): originate, receive and transmit times,
 * milliseconds since midnight UT, after the identifier and sequence number. */
static bool get_ts(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v,
                   size_t off)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_TS_LEN);
	if (idx || !h || (h[0] != 13 && h[0] != 14))
		return false;
	v->u = (uint64_t)h[off] << 24 | (uint64_t)h[off + 1] << 16 | (uint64_t)h[off + 2] << 8 |
	       h[off + 3];
	return true;
}

static bool get_ts_ori(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	return get_ts(p, l, idx, v, 8);
}

static bool get_ts_rx(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_ts(p, l, idx, v, 12);
}

static bool get_ts_tx(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_ts(p, l, idx, v, 16);
}

/* Address mask request and reply (RFC 950): the mask after identifier and sequence. */
static bool get_mask(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_MASK_LEN);
	if (idx || !h || (h[0] != 17 && h[0] != 18))
		return false;
	v->p = h + 8;
	v->n = 4;
	return true;
}

static bool get_gw(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_HLEN);
	if (idx || !h || h[0] != 5)
		return false;
	v->p = h + 4;
	v->n = 4;
	return true;
}

static bool get_mtu(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_HLEN);
	if (idx || !h || h[0] != 3 || h[1] != 4)
		return false;
	v->u = (uint64_t)(h[6] << 8 | h[7]);
	return true;
}

static const struct wk_vname csum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {0, NULL}};
/* icmp.checksum.status as tshark with checksum checks on: 0 bad, 1 good, 2 unverified. */
static bool get_csum_status(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	uint16_t should;
	int st = idx ? -1 : l4_csum_check(p, l, 1, false, 2, &should);
	if (st < 0)
		return false;
	v->u = (uint64_t)st;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "icmp.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .names = type_names},
    {.name = "icmp.code",
     .title = "Code",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_NAMEIN,
     .names = code_names},
    {.name = "icmp.chksum",
     .alias = "icmp.checksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
    {.name = "icmp.checksum.status",
     .title = "Checksum Status",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_csum_status,
     .names = csum_status_names},
    {.name = "icmp.id",
     .alias = "icmp.ident",
     .title = "Identifier",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_id},
    {.name = "icmp.seq",
     .title = "Sequence Number",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_seq},
    {.name = "icmp.gw",
     .alias = "icmp.redir_gw",
     .title = "Gateway Address",
     .type = WK_FT_IP4,
     .width = 4,
     .get = get_gw},
    {.name = "icmp.mtu",
     .title = "MTU of Next Hop",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_mtu},
    {.name = "icmp.ts_ori",
     .alias = "icmp.originate_timestamp",
     .title = "Originate Timestamp",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_ts_ori},
    {.name = "icmp.ts_rx",
     .alias = "icmp.receive_timestamp",
     .title = "Receive Timestamp",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_ts_rx},
    {.name = "icmp.ts_tx",
     .alias = "icmp.transmit_timestamp",
     .title = "Transmit Timestamp",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_ts_tx},
    {.name = "icmp.addr_mask",
     .alias = "icmp.address_mask",
     .title = "Address Mask",
     .type = WK_FT_IP4,
     .width = 4,
     .get = get_mask},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint8_t type = wk_rd_u8(r);
	wk_rd_skip(r, ICMP_HLEN - 1);
	if (r->bad)
		return;
	if (is_error(type)) {
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
		next->flags = WK_LF_QUOTED;
	}
}

static const char *const unreach_fmt[16] = {
    [0] = "net %a unreachable",
    [1] = "host %a unreachable",
    [4] = "%a unreachable - need to frag",
    [5] = "%a unreachable - source route failed",
    [6] = "net %a unreachable - unknown",
    [7] = "host %a unreachable - unknown",
    [8] = "%a unreachable - source host isolated",
    [9] = "net %a unreachable - admin prohibited",
    [10] = "host %a unreachable - admin prohibited",
    [11] = "net %a unreachable - tos prohibited",
    [12] = "host %a unreachable - tos prohibited",
    [13] = "host %a unreachable - admin prohibited filter",
    [14] = "host %a unreachable - host precedence violation",
    [15] = "host %a unreachable - precedence cutoff",
};

/* Text with %a replaced by address a. */
static void put_fmt(struct wk_ob *ob, const char *fmt, const uint8_t *a)
{
	for (const char *s = fmt; *s; s++) {
		if (s[0] == '%' && s[1] == 'a') {
			wk_ob_ip4(ob, a);
			s++;
		} else {
			wk_ob_putc(ob, *s);
		}
	}
}

/* Destination unreachable text as tcpdump -n prints it (print-icmp.c), using the
 * quoted IP header (and ports for code 3). False when the quote is too short. */
static bool unreach(struct wk_ob *ob, const struct wk_pkt *p, const struct wk_layer *l,
                    const uint8_t *h)
{
	const uint8_t *q = wk_layer_bytes(p, l, ICMP_HLEN, 20);
	if (!q || q[0] >> 4 != 4)
		return false;
	const uint8_t *dst = q + 16;
	uint8_t code = h[1];
	if (code == 2) {
		wk_ob_ip4(ob, dst);
		wk_ob_puts(ob, " protocol ");
		wk_ob_u64(ob, q[9]);
		wk_ob_puts(ob, " unreachable");
		return true;
	}
	if (code == 3) {
		size_t hl = (size_t)(q[0] & 0x0f) * 4;
		const uint8_t *ports = wk_layer_bytes(p, l, ICMP_HLEN + hl, 4);
		wk_ob_ip4(ob, dst);
		if (ports && (q[9] == 6 || q[9] == 17)) {
			wk_ob_puts(ob, q[9] == 6 ? " tcp port " : " udp port ");
			wk_ob_u64(ob, (uint64_t)(ports[2] << 8 | ports[3]));
		} else {
			wk_ob_puts(ob, " protocol ");
			wk_ob_u64(ob, q[9]);
			wk_ob_puts(ob, " port");
		}
		wk_ob_puts(ob, " unreachable");
		return true;
	}
	if (code >= 16 || !unreach_fmt[code])
		return false;
	put_fmt(ob, unreach_fmt[code], dst);
	if (code == 4) {
		uint16_t mtu = (uint16_t)(h[6] << 8 | h[7]);
		if (mtu) {
			wk_ob_puts(ob, " (mtu ");
			wk_ob_u64(ob, mtu);
			wk_ob_putc(ob, ')');
		}
	}
	return true;
}

/* Milliseconds since midnight as tcpdump prints them: HH:MM:SS.mmm. */
static void put_ms(struct wk_ob *ob, uint32_t ms)
{
	uint32_t sec = ms / 1000, min = sec / 60, hrs = min / 60;
	const uint32_t part[4] = {hrs, min % 60, sec % 60, ms % 1000};
	for (int k = 0; k < 4; k++) {
		if (k)
			wk_ob_putc(ob, k == 3 ? '.' : ':');
		char d[12];
		int nd = 0;
		uint32_t v = part[k];
		do {
			d[nd++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		for (int z = nd; z < (k == 3 ? 3 : 2); z++)
			wk_ob_putc(ob, '0');
		while (nd)
			wk_ob_putc(ob, d[--nd]);
	}
}

static void idseq(struct wk_ob *ob, const uint8_t *h)
{
	wk_ob_puts(ob, ", id ");
	wk_ob_u64(ob, (uint64_t)(h[4] << 8 | h[5]));
	wk_ob_puts(ob, ", seq ");
	wk_ob_u64(ob, (uint64_t)(h[6] << 8 | h[7]));
}

/* tcpdump -v (print-icmp.c): " (wrong icmp cksum 1234 (->abcd)!)", then for an error the
 * quoted packet on the next line, indented by a tab. */
static void verbose_tail(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l,
                         const uint8_t *h)
{
	uint16_t should;
	if (l4_csum_check(p, l, 1, false, 2, &should) == L4_CSUM_BAD) {
		wk_ob_puts(o->ob, " (wrong icmp cksum ");
		wk_ob_hex(o->ob, (uint64_t)(h[2] << 8 | h[3]), 1);
		wk_ob_puts(o->ob, " (->");
		wk_ob_hex(o->ob, should ? should : 0xffff, 1); /* in_cksum_shouldbe */
		wk_ob_puts(o->ob, ")!)");
	}
	if (is_error(h[0]) && o->layer + 1u < p->nlayers &&
	    (p->l[o->layer + 1].flags & WK_LF_QUOTED)) {
		wk_ob_puts(o->ob, "\n\t");
		o->quote = true;
	}
}

/* tcpdump -n: "ICMP echo request, id 1, seq 2, length 64". */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	const uint8_t *h = wk_layer_bytes(p, l, 0, ICMP_HLEN);
	if ((l->flags & WK_LF_QUOTED) && !o->quote)
		return;
	wk_ob_puts(ob, "ICMP ");
	if (!h)
		return;
	switch (h[0]) {
	case 0:
	case 8:
		wk_ob_puts(ob, h[0] ? "echo request" : "echo reply");
		idseq(ob, h);
		break;
	case 3:
		if (!unreach(ob, p, l, h)) {
			wk_ob_puts(ob, "unreachable code ");
			wk_ob_u64(ob, h[1]);
		}
		break;
	case 4:
		wk_ob_puts(ob, "source quench");
		break;
	case 5: {
		const uint8_t *q = wk_layer_bytes(p, l, ICMP_HLEN, 20);
		static const char *const kind[4] = {"net", "host", "tos net", "tos host"};
		wk_ob_puts(ob, "redirect ");
		if (q) {
			/* the quoted packet's destination; without a quote, no double space */
			wk_ob_ip4(ob, q + 16);
			wk_ob_putc(ob, ' ');
		}
		wk_ob_puts(ob, "to ");
		wk_ob_puts(ob, h[1] < 4 ? kind[h[1]] : "host");
		wk_ob_putc(ob, ' ');
		wk_ob_ip4(ob, h + 4);
		break;
	}
	case 9:
		wk_ob_puts(ob, "router advertisement");
		break;
	case 10:
		wk_ob_puts(ob, "router solicitation");
		break;
	case 11:
		wk_ob_puts(ob, h[1] == 0   ? "time exceeded in-transit"
		               : h[1] == 1 ? "ip reassembly time exceeded"
		                           : "time exceeded");
		break;
	case 12:
		wk_ob_puts(ob, "parameter problem - octet ");
		wk_ob_u64(ob, h[4]);
		break;
	case 13:
	case 14: {
		/* tcpdump: "time stamp query id 7 seq 0", the reply with its three times */
		const uint8_t *t = wk_layer_bytes(p, l, 0, ICMP_TS_LEN);
		wk_ob_puts(ob, h[0] == 13 ? "time stamp query id " : "time stamp reply id ");
		wk_ob_u64(ob, (uint64_t)(h[4] << 8 | h[5]));
		wk_ob_puts(ob, " seq ");
		wk_ob_u64(ob, (uint64_t)(h[6] << 8 | h[7]));
		if (h[0] == 14 && t) {
			static const char *const what[3] = {": org ", ", recv ", ", xmit "};
			for (int k = 0; k < 3; k++) {
				wk_ob_puts(ob, what[k]);
				put_ms(ob, (uint32_t)t[8 + 4 * k] << 24 |
				               (uint32_t)t[9 + 4 * k] << 16 |
				               (uint32_t)t[10 + 4 * k] << 8 | t[11 + 4 * k]);
			}
		}
		break;
	}
	case 15:
	case 16:
		wk_ob_puts(ob, h[0] == 15 ? "information request" : "information reply");
		idseq(ob, h);
		break;
	case 17:
		wk_ob_puts(ob, "address mask request");
		break;
	case 18: {
		const uint8_t *m = wk_layer_bytes(p, l, 0, ICMP_MASK_LEN);
		if (m) {
			wk_ob_puts(ob, "address mask is 0x");
			for (int k = 8; k < 12; k++)
				wk_ob_hex(ob, m[k], 2);
		} else {
			wk_ob_puts(ob, "address mask reply");
		}
		break;
	}
	default:
		wk_ob_puts(ob, "type-#");
		wk_ob_u64(ob, h[0]);
		break;
	}
	/* The ICMP message length; when the capture was cut short, the part that was not
	 * captured is counted too (the layer runs to the end of the capture then). */
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, wk_layer_wirelen(p, l));
	if (o->verbose)
		verbose_tail(o, p, l, h);
}

static int encode_idseq(struct wk_build *b, unsigned i, struct wk_wr *w, uint8_t type);

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 1},
    {WK_NS_NONE, 0},
};

/* Echo request by default; identifier and sequence number (or, for other types, the
 * second word) from the spec; timestamp messages carry three times (20 bytes, RFC 792),
 * address mask messages the mask (12 bytes, RFC 950). */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	/* unset, the type follows from the fields given: times make a timestamp request, a
	 * mask an address mask request, anything else an echo request */
	const struct wk_bval *tv = wk_build_get(b, i, "icmp.type");
	bool times = build_isset(b, i, "icmp.ts_ori") || build_isset(b, i, "icmp.ts_rx") ||
	             build_isset(b, i, "icmp.ts_tx");
	uint64_t type = tv ? tv->u : times ? 13 : build_isset(b, i, "icmp.addr_mask") ? 17 : 8;
	if (type == 13 || type == 14) {
		uint64_t ts[3] = {build_uint(b, i, "icmp.ts_ori", 0),
		                  build_uint(b, i, "icmp.ts_rx", 0),
		                  build_uint(b, i, "icmp.ts_tx", 0)};
		for (int k = 0; k < 3; k++)
			if (ts[k] > 0xffffffffu)
				return WK_EINVAL;
		int rc = encode_idseq(b, i, w, (uint8_t)type);
		for (int k = 0; k < 3; k++)
			wk_wr_be32(w, (uint32_t)ts[k]);
		return rc;
	}
	if (type == 17 || type == 18) {
		const struct wk_bval *m = build_take(b, i, "icmp.addr_mask");
		static const uint8_t zero[4];
		if (m && m->n != 4)
			return WK_EINVAL;
		int rc = encode_idseq(b, i, w, (uint8_t)type);
		wk_wr_bytes(w, m ? m->b : zero, 4);
		return rc;
	}
	return encode_idseq(b, i, w, 8);
}

/* The first 8 bytes: type, code, checksum (0 until finish), then identifier and sequence
 * number, the gateway of a redirect, or the next-hop MTU. */
static int encode_idseq(struct wk_build *b, unsigned i, struct wk_wr *w, uint8_t type)
{
	uint64_t id = build_uint(b, i, "icmp.id", 0);
	uint64_t seq = build_uint(b, i, "icmp.seq", 0);
	const struct wk_bval *gw = build_take(b, i, "icmp.gw");
	uint64_t mtu = build_uint(b, i, "icmp.mtu", 0);
	if (id > 0xffff || seq > 0xffff || mtu > 0xffff || (gw && gw->n != 4))
		return WK_EINVAL;
	wk_wr_u8(w, type);
	wk_wr_u8(w, 0);
	wk_wr_be16(w, 0); /* checksum: finish */
	if (gw) {
		wk_wr_bytes(w, gw->b, 4);
	} else {
		wk_wr_be16(w, (uint16_t)id);
		wk_wr_be16(w, (uint16_t)(mtu ? mtu : seq));
	}
	return 0;
}

/* RFC 792: the checksum covers the ICMP message, header and data, with no pseudo
 * header. */
static int finish(struct wk_build *b, unsigned i)
{
	uint8_t *h = build_at(b, i);
	size_t n = build_span(b, i);
	if (n < ICMP_HLEN || build_isset(b, i, "icmp.chksum"))
		return 0;
	h[2] = h[3] = 0;
	build_csum_store(b, i, "icmp.chksum", 2, wk_csum(h, n));
	return 0;
}

const struct wk_proto wk_proto_icmp = {
    .name = "icmp",
    .title = "Internet Control Message Protocol",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = ICMP_HLEN,
};
