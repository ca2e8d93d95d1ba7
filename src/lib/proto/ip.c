/* Internet Protocol version 4 (RFC 791), with options and fragments.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Only the first fragment (offset 0) carries the transport header; later fragments are
 * marked WK_LF_FRAG and their payload is left undissected (we keep no reassembly state). */
#include <string.h>

#include "proto/build_int.h"
#include "wirekit/csum.h"
#include "wirekit/line.h"

enum { IP_HLEN = 20, IP_MF = 0x2000, IP_DF = 0x4000, IP_OFFMASK = 0x1fff };

static const struct wk_vname proto_names[] = {
    {0, "hopopt"}, {1, "icmp"},  {2, "igmp"},        {4, "ipip"},        {6, "tcp"},
    {17, "udp"},   {41, "ipv6"}, {43, "ipv6-route"}, {44, "ipv6-frag"},  {47, "gre"},
    {50, "esp"},   {51, "ah"},   {58, "ipv6-icmp"},  {59, "ipv6-nonxt"}, {60, "ipv6-opts"},
    {89, "ospf"},  {103, "pim"}, {112, "vrrp"},      {132, "sctp"},      {0, NULL},
};

/* IP options walk (RFC 791 3.1): EOL ends the list, NOP is one byte, everything else is
 * type, length (>= 2, covering type and length), data. Calls back per option; stops at
 * a malformed length. Returns the number of options seen. */
static unsigned opt_walk(const uint8_t *o, size_t n, unsigned want, uint8_t *type,
                         const uint8_t **data, size_t *len)
{
	unsigned k = 0;
	size_t i = 0;
	while (i < n) {
		uint8_t t = o[i];
		size_t l = 1;
		if (t != 0 && t != 1) {
			if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
				return k; /* malformed: stop, never loop */
			l = o[i + 1];
		}
		if (k == want) {
			*type = t;
			*data = o + i;
			*len = l;
		}
		k++;
		if (t == 0)
			break;
		i += l;
	}
	return k;
}

static const uint8_t *opts(const struct wk_pkt *p, const struct wk_layer *l, size_t *n)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, IP_HLEN);
	if (!h)
		return NULL;
	size_t hl = (size_t)(h[0] & 0x0f) * 4;
	if (hl <= IP_HLEN || hl > l->hlen)
		return NULL;
	*n = hl - IP_HLEN;
	return wk_layer_bytes(p, l, IP_HLEN, *n);
}

static bool get_opt_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	size_t n = 0, ol = 0;
	const uint8_t *o = opts(p, l, &n), *d = NULL;
	uint8_t t = 0;
	if (!o || opt_walk(o, n, idx, &t, &d, &ol) <= idx)
		return false;
	v->u = t;
	return true;
}

static bool get_options(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	size_t n = 0;
	const uint8_t *o = opts(p, l, &n);
	if (idx || !o)
		return false;
	v->p = o;
	v->n = n;
	return true;
}

static bool get_hdr_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, 1);
	if (idx || !h)
		return false;
	v->u = (uint64_t)(h[0] & 0x0f) * 4;
	return true;
}

/* tshark's ip.addr: the source, then the destination. */
static bool get_addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	const uint8_t *a = idx < 2 ? wk_layer_bytes(p, l, 12 + 4 * idx, 4) : NULL;
	if (!a)
		return false;
	v->p = a;
	v->n = 4;
	return true;
}

static const struct wk_vname csum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {0, NULL}};
/* ip.checksum.status as tshark with checksum checks on: 0 bad, 1 good; unverified
 * (2) in an ICMP error's quote, as tshark. */
/* The header's checksum verified: *sum is 0 when it is right. False when the header is
 * not all captured. Shared by ip.checksum.status and the -v line. */
static bool hdr_csum(const struct wk_pkt *p, const struct wk_layer *l, uint16_t *sum)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, 20);
	size_t hl = h ? (size_t)(h[0] & 15) * 4 : 0;
	if (!h || hl < 20 || !wk_layer_bytes(p, l, 0, hl))
		return false;
	*sum = wk_csum(p->data + l->off, hl);
	return true;
}

static bool get_csum_status(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	uint16_t sum;
	if (idx || !hdr_csum(p, l, &sum))
		return false;
	v->u = sum == 0 ? 1 : 0;
	return true;
}

static const struct wk_field fields[] = {
    WK_F_BITS("ip.version", NULL, "Version", 0, 1, 0xf0),
    WK_F_BITS("ip.hl", NULL, "Header Length (32-bit words)", 0, 1, 0x0f),
    {.name = "ip.hdr_len",
     .title = "Header Length",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_hdr_len},
    WK_F_UINT("ip.tos", NULL, "Type of Service", 1, 1),
    {.name = "ip.dsfield",
     .title = "Differentiated Services Field",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX | WK_FF_HIDDEN},
    WK_F_BITS("ip.dsfield.dscp", NULL, "DSCP", 1, 1, 0xfc),
    WK_F_BITS("ip.dsfield.ecn", NULL, "ECN", 1, 1, 0x03),
    {.name = "ip.len",
     .title = "Total Length",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_LEN},
    {.name = "ip.id",
     .title = "Identification",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "ip.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 6,
     .width = 1,
     .mask = 0xe0,
     .flags = WK_FF_HEX},
    {.name = "ip.flags.rb",
     .title = "Reserved bit",
     .type = WK_FT_BOOL,
     .off = 6,
     .width = 1,
     .mask = 0x80},
    {.name = "ip.flags.df",
     .title = "Don't fragment",
     .type = WK_FT_BOOL,
     .off = 6,
     .width = 1,
     .mask = 0x40},
    {.name = "ip.flags.mf",
     .title = "More fragments",
     .type = WK_FT_BOOL,
     .off = 6,
     .width = 1,
     .mask = 0x20},
    WK_F_BITS("ip.frag", "ip.frag_offset", "Fragment Offset (8-byte units)", 6, 2, 0x1fff),
    WK_F_UINT("ip.ttl", NULL, "Time to Live", 8, 1),
    {.name = "ip.proto",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .off = 9,
     .width = 1,
     .names = proto_names},
    {.name = "ip.chksum",
     .alias = "ip.checksum",
     .title = "Header Checksum",
     .type = WK_FT_UINT,
     .off = 10,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
    {.name = "ip.checksum.status",
     .title = "Checksum Status",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_csum_status,
     .names = csum_status_names},
    {.name = "ip.src",
     .title = "Source Address",
     .type = WK_FT_IP4,
     .off = 12,
     .width = 4,
     .role = WK_ROLE_SRC},
    {.name = "ip.dst",
     .title = "Destination Address",
     .type = WK_FT_IP4,
     .off = 16,
     .width = 4,
     .role = WK_ROLE_DST},
    {.name = "ip.addr",
     .title = "Source or Destination Address",
     .type = WK_FT_IP4,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_addr},
    {.name = "ip.opt.type",
     .title = "Option Type",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_opt_type},
    {.name = "ip.options", .title = "Options", .type = WK_FT_BYTES, .get = get_options},
};

/* An impossible header is not shown field by field (tshark shows none either): the
 * layer keeps no bytes, which also hides its fields from extraction. */
static void invalid(struct wk_layer *l, struct wk_rd *r, const uint8_t *start, const char *why)
{
	l->flags |= WK_LF_INVALID;
	l->why = why;
	r->cur = r->end = start;
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	const uint8_t *start = r->cur;
	uint8_t vhl = 0;
	if (!wk_rd_peek_u8(r, 0, &vhl)) {
		r->bad = true;
		return;
	}
	if (vhl >> 4 == 6) {
		/* IPv6 under an IPv4 EtherType or link type: the layer is IPv6 (tshark and
		 * tcpdump decode it so too). */
		l->proto = &wk_proto_ipv6;
		wk_proto_ipv6.dissect(p, l, r, next);
		return;
	}
	if (vhl >> 4 != 4) {
		invalid(l, r, start, "version is not 4");
		return;
	}
	size_t hl = (size_t)(vhl & 0x0f) * 4;
	if (hl < IP_HLEN) {
		invalid(l, r, start, "header length < 20");
		return;
	}
	wk_rd_skip(r, 2);
	uint16_t tlen = wk_rd_be16(r);
	wk_rd_skip(r, 2);
	uint16_t frag = wk_rd_be16(r);
	wk_rd_skip(r, 1);
	uint8_t proto = wk_rd_u8(r);
	wk_rd_skip(r, 10 + hl - IP_HLEN);
	if (r->bad)
		return;
	if (tlen != 0 && tlen < hl) {
		/* A quoted header may be anything the sender saw; only our own datagram's
		 * length must cover its header. */
		if (!(l->flags & WK_LF_QUOTED)) {
			invalid(l, r, start, "total length < header length");
			return;
		}
	} else if (tlen != 0 && !(l->flags & WK_LF_QUOTED)) {
		/* Trailing link-layer padding is not payload. tlen 0 is what segmentation
		 * offload leaves in captures: the payload is what was captured. */
		wk_rd_clip(r, tlen - hl);
	}
	if (frag & IP_MF)
		l->flags |= WK_LF_MORE;
	if (frag & IP_OFFMASK) {
		l->flags |= WK_LF_FRAG;
		return;
	}
	wk_next_set(next, WK_NS_IPPROTO, proto);
}

const char *ip_proto_vname(unsigned proto)
{
	static const struct {
		uint8_t n;
		const char *name;
	} t[] = {
	    {0, "Options"},
	    {1, "ICMP"},
	    {2, "IGMP"},
	    {4, "IPIP"},
	    {6, "TCP"},
	    {8, "EGP"},
	    {9, "IGRP"},
	    {17, "UDP"},
	    {33, "DCCP"},
	    {41, "IPv6"},
	    {43, "Routing"},
	    {44, "Fragment"},
	    {46, "RSVP"},
	    {47, "GRE"},
	    {50, "ESP"},
	    {51, "AH"},
	    {55, "Mobile IP"},
	    {58, "ICMPv6"},
	    {62, "Mobile IP (old)"},
	    {88, "EIGRP"},
	    {89, "OSPF"},
	    {103, "PIM"},
	    {108, "Compressed IP"},
	    {112, "VRRP"},
	    {113, "PGM"},
	    {132, "SCTP"},
	    {135, "Mobility"},
	    {143, "Ethernet"},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(t); i++)
		if (t[i].n == proto)
			return t[i].name;
	return "unknown";
}

static void bad_len(struct wk_ob *ob, unsigned n)
{
	wk_ob_puts(ob, " [bad length ");
	wk_ob_u64(ob, n);
	wk_ob_putc(ob, ']');
}

/* The option list as tcpdump -v prints it (ip_optprint): "RA value 1", "NOP,EOL", a
 * route's addresses with a comma after those already visited (RFC 791 3.1). The
 * timestamp option's contents are not decoded (its name only). */
static void opts_verbose(struct wk_ob *ob, const uint8_t *c, size_t n)
{
	static const struct wk_vname names[] = {
	    {0, "EOL"},    {1, "NOP"},    {68, "timestamp"}, {130, "security"},  {7, "RR"},
	    {137, "SSRR"}, {131, "LSRR"}, {148, "RA"},       {82, "traceroute"}, {0, NULL}};
	const char *sep = "";
	size_t ol;
	for (size_t i = 0; i < n; i += ol) {
		unsigned code = c[i];
		wk_ob_puts(ob, sep);
		sep = ",";
		const char *nm = wk_vname_find(names, code);
		if (nm) {
			wk_ob_puts(ob, nm);
		} else {
			wk_ob_puts(ob, "unknown ");
			wk_ob_u64(ob, code);
		}
		if (code == 0)
			return;
		if (code == 1) {
			ol = 1;
			continue;
		}
		ol = i + 1 < n ? c[i + 1] : 0;
		if (ol < 2 || ol > n - i) {
			bad_len(ob, (unsigned)ol);
			return;
		}
		const uint8_t *o = c + i;
		if (code == 148) {
			if (ol < 4)
				bad_len(ob, (unsigned)ol);
			else if (o[2] | o[3]) {
				wk_ob_puts(ob, " value ");
				wk_ob_u64(ob, (uint64_t)(o[2] << 8 | o[3]));
			}
		} else if (code == 7 || code == 131 || code == 137) {
			if (ol < 3) {
				bad_len(ob, (unsigned)ol);
				continue;
			}
			if ((ol + 1) & 3)
				bad_len(ob, (unsigned)ol);
			unsigned ptr = (unsigned)o[2] - 1; /* wraps below 1, as tcpdump */
			if (ptr < 3 || ((ptr + 1) & 3) || ptr > ol + 1) {
				wk_ob_puts(ob, " [bad ptr ");
				wk_ob_u64(ob, o[2]);
				wk_ob_putc(ob, ']');
			}
			for (size_t k = 3; k + 4 <= ol; k += 4) {
				wk_ob_putc(ob, ' ');
				wk_ob_ip4(ob, o + k);
				if (ptr > k)
					wk_ob_putc(ob, ',');
			}
		}
	}
}

/* tcpdump -v: "(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)"
 * and the line goes on indented below (print-ip.c). */
static void line_verbose(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l,
                         const uint8_t *h)
{
	struct wk_ob *ob = o->ob;
	static const char *const ecn[] = {"", ",ECT(1)", ",ECT(0)", ",CE"};
	unsigned frag = (unsigned)(h[6] << 8 | h[7]);
	wk_ob_puts(ob, "(tos 0x");
	wk_ob_hex(ob, h[1], 1);
	wk_ob_puts(ob, ecn[h[1] & 3]);
	if (h[8]) {
		wk_ob_puts(ob, ", ttl ");
		wk_ob_u64(ob, h[8]);
	}
	wk_ob_puts(ob, ", id ");
	wk_ob_u64(ob, (uint64_t)(h[4] << 8 | h[5]));
	wk_ob_puts(ob, ", offset ");
	wk_ob_u64(ob, (uint64_t)(frag & IP_OFFMASK) * 8);
	wk_ob_puts(ob, ", flags [");
	const char *sep = "";
	if (frag & IP_MF)
		wk_ob_puts(ob, "+"), sep = ", ";
	if (frag & IP_DF)
		wk_ob_puts(ob, sep), wk_ob_puts(ob, "DF"), sep = ", ";
	if (frag & 0x8000)
		wk_ob_puts(ob, sep), wk_ob_puts(ob, "rsvd"), sep = ", ";
	if (!*sep)
		wk_ob_puts(ob, "none");
	wk_ob_puts(ob, "], proto ");
	wk_ob_puts(ob, ip_proto_vname(h[9]));
	wk_ob_puts(ob, " (");
	wk_ob_u64(ob, h[9]);
	wk_ob_puts(ob, "), length ");
	wk_ob_u64(ob, (uint64_t)(h[2] << 8 | h[3]));
	size_t hl = (size_t)(h[0] & 15) * 4;
	const uint8_t *full = hl > IP_HLEN ? wk_layer_bytes(p, l, 0, hl) : NULL;
	if (full) {
		wk_ob_puts(ob, ", options (");
		opts_verbose(ob, full + IP_HLEN, hl - IP_HLEN);
		wk_ob_putc(ob, ')');
	}
	uint16_t sum;
	if (hdr_csum(p, l, &sum) && sum) {
		/* tcpdump's in_cksum_shouldbe: the field plus the computed sum, folded */
		uint16_t field = (uint16_t)(h[10] << 8 | h[11]);
		uint32_t s = (uint32_t)field + sum;
		s = (s & 0xffff) + (s >> 16);
		wk_ob_puts(ob, ", bad cksum ");
		wk_ob_hex(ob, field, 1);
		wk_ob_puts(ob, " (->");
		wk_ob_hex(ob, (s & 0xffff) + (s >> 16), 1);
		wk_ob_puts(ob, ")!");
	}
	wk_ob_puts(ob, ")\n    ");
}

/* tcpdump -n: "IP src > dst: " and the transport's text; a later fragment or an
 * undissected protocol shows "ip-proto-N" (print-ip.c). */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if ((l->flags & WK_LF_QUOTED) && !o->quote)
		return; /* tcpdump -n shows the quote only with -v */
	const uint8_t *h = wk_layer_bytes(p, l, 0, IP_HLEN);
	if (o->named != o->layer)
		wk_ob_puts(o->ob, "IP ");
	if (!h)
		return;
	/* A total length beyond the bytes the frame had on the wire (print-ip.c) */
	uint32_t tlen = (uint32_t)(h[2] << 8 | h[3]);
	uint32_t wire = p->wirelen > l->off ? p->wirelen - l->off : 0;
	if (tlen > wire && !(l->flags & WK_LF_QUOTED)) {
		wk_ob_puts(o->ob, "truncated-ip - ");
		wk_ob_u64(o->ob, tlen - wire);
		wk_ob_puts(o->ob, " bytes missing! ");
	}
	if (o->verbose)
		line_verbose(o, p, l, h);
	wk_line_addrs(o, WK_FT_IP4, h + 12, h + 16);
	bool last = o->layer + 1u >= p->nlayers;
	const struct wk_proto *up = wk_proto_lookup(WK_NS_IPPROTO, h[9]);
	if (last && !(l->flags & (WK_LF_FRAG | WK_LF_TRUNC | WK_LF_INVALID)) && up &&
	    l->len <= l->hlen) {
		/* a protocol we know, of which not one byte was captured: "[|tcp]" */
		wk_line_flush_addrs(o);
		wk_ob_puts(o->ob, "[|");
		wk_ob_puts(o->ob, up->name);
		wk_ob_putc(o->ob, ']');
		return;
	}
	if ((l->flags & WK_LF_FRAG) || (last && !(l->flags & (WK_LF_TRUNC | WK_LF_INVALID)))) {
		wk_line_flush_addrs(o);
		wk_ob_puts(o->ob, "ip-proto-");
		wk_ob_u64(o->ob, h[9]);
		if (!(l->flags & WK_LF_FRAG)) {
			wk_ob_putc(o->ob, ' ');
			wk_ob_u64(o->ob, l->len > l->hlen ? l->len - l->hlen : 0);
		}
	}
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x0800}, {WK_NS_IPPROTO, 4}, {WK_NS_PPP, 0x0021},
    {WK_NS_LINKTYPE, 228},     {WK_NS_NULLFAM, 2}, {WK_NS_CHDLC, 0x0800},
    {WK_NS_NLPID, 0xcc},       {WK_NS_LLC, 0x06},  {WK_NS_NONE, 0},
};

/* ---- encoder ----------------------------------------------------------------------- */

static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	const struct wk_bval *ov = build_take(b, i, "ip.options");
	size_t olen = ov ? ov->n : 0;
	size_t pad = (4 - olen % 4) % 4; /* options end on a 32-bit boundary (EOL = 0) */
	if (olen + pad > 40)
		return WK_EINVAL;
	uint32_t proto = 0;
	build_next_key(b, i, WK_NS_IPPROTO, &proto);
	wk_wr_u8(w, (uint8_t)(0x40 | (IP_HLEN + olen + pad) / 4));
	wk_wr_u8(w, 0);
	wk_wr_be16(w, 0); /* total length: finish */
	wk_wr_be16(w, 1); /* scapy's default identification */
	wk_wr_be16(w, 0);
	wk_wr_u8(w, 64);
	wk_wr_u8(w, (uint8_t)proto);
	wk_wr_be16(w, 0); /* checksum: finish */
	static const uint8_t lo[4] = {127, 0, 0, 1};
	wk_wr_bytes(w, lo, 4);
	wk_wr_bytes(w, lo, 4);
	if (ov)
		wk_wr_bytes(w, ov->b, olen);
	wk_wr_zero(w, pad);
	return 0;
}

static int finish(struct wk_build *b, unsigned i)
{
	size_t span = build_span(b, i);
	uint8_t *h = build_at(b, i);
	if (span < IP_HLEN)
		return WK_EINVAL;
	if (span > 0xffff)
		return WK_EINVAL;
	build_len_store(b, i, "ip.len", 2, (uint16_t)span);
	size_t hl = (size_t)(h[0] & 0x0f) * 4;
	if (hl < IP_HLEN || hl > b->l[i].hlen)
		hl = b->l[i].hlen; /* the user set an odd ip.hl: sum what we wrote */
	if (!build_isset(b, i, "ip.chksum")) {
		h[10] = h[11] = 0;
		build_csum_store(b, i, "ip.chksum", 10, wk_csum(h, hl));
	}
	return 0;
}

const struct wk_proto wk_proto_ip = {
    .name = "ip",
    .title = "Internet Protocol Version 4",
    .flags = WK_PF_NETWORK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = IP_HLEN,
};
