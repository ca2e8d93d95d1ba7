/* Transmission Control Protocol (RFC 9293), IP protocol 6.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  |                        Sequence Number                        |
 *  |                    Acknowledgment Number                      |
 *  |  Data |Rsrvd|A|C|E|U|A|P|R|S|F|                               |
 *  | Offset|     |E|W|C|R|C|S|S|Y|I|            Window             |
 *  |       |     | |R|E|G|K|H|T|N|N|                               |
 *  |           Checksum            |         Urgent Pointer        |
 *  |                    Options (Data Offset > 5)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Options (RFC 9293 3.1): EOL (0) and NOP (1) are one byte; the rest are kind, length
 * (counting kind and length), data: MSS (2, RFC 9293), window scale (3, RFC 7323),
 * SACK-permitted (4) and SACK (5, RFC 2018), timestamps (8, RFC 7323). The payload is
 * looked up by destination port, then source port (WK_NS_TCP). */
#include <stdlib.h>
#include <string.h>

#include "proto/build_int.h"
#include "proto/l4_int.h"
#include "wirekit/line.h"

enum {
	TCP_HLEN = 20,
	TH_FIN = 0x01,
	TH_SYN = 0x02,
	TH_RST = 0x04,
	TH_PUSH = 0x08,
	TH_ACK = 0x10,
	TH_URG = 0x20,
	TH_ECE = 0x40,
	TH_CWR = 0x80,
	TH_AE = 0x100,
};

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WS = 3,
	OPT_SACKOK = 4,
	OPT_SACK = 5,
	OPT_TS = 8
};

/* scapy's letters, so a spec can say tcp.flags=SA. */
static const struct wk_vname flag_names[] = {
    {0x02, "S"}, {0x12, "SA"}, {0x10, "A"}, {0x18, "PA"},  {0x11, "FA"},   {0x01, "F"},
    {0x04, "R"}, {0x14, "RA"}, {0x08, "P"}, {0x19, "FPA"}, {0x00, "none"}, {0, NULL},
};

/* One option of the header at h (hl bytes). */
struct opt {
	uint8_t kind;
	uint8_t len;      /* whole option; 1 for EOL/NOP */
	const uint8_t *d; /* data after kind and length */
	bool bad;         /* length < 2 or past the header: the walk stops here */
};

/* Option idx of the header, or false past the end (after EOL or a malformed option,
 * which is returned once with bad set). Every step advances at least one byte. */
static bool opt_at(const uint8_t *h, size_t hl, unsigned idx, struct opt *o)
{
	size_t i = TCP_HLEN;
	for (unsigned k = 0; i < hl; k++) {
		uint8_t kind = h[i];
		memset(o, 0, sizeof(*o));
		o->kind = kind;
		o->len = 1;
		if (kind != OPT_EOL && kind != OPT_NOP) {
			if (i + 1 >= hl || h[i + 1] < 2 || h[i + 1] > hl - i) {
				o->bad = true;
				o->len = i + 1 < hl ? h[i + 1] : 0;
				return k == idx;
			}
			o->len = h[i + 1];
			o->d = h + i + 2;
		}
		if (k == idx)
			return true;
		if (kind == OPT_EOL)
			return false;
		i += o->len;
	}
	return false;
}

/* The captured header of layer l and its length, options included. */
static const uint8_t *hdr(const struct wk_pkt *p, const struct wk_layer *l, size_t *hl)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, TCP_HLEN);
	if (!h)
		return NULL;
	*hl = (size_t)(h[12] >> 4) * 4;
	if (*hl < TCP_HLEN)
		return NULL;
	return wk_layer_bytes(p, l, 0, *hl);
}

/* The n-th option of kind (occurrence idx) that is well formed with data length dlen. */
static const uint8_t *find_opt(const struct wk_pkt *p, const struct wk_layer *l, uint8_t kind,
                               size_t dlen, unsigned idx)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	struct opt o;
	unsigned seen = 0;
	for (unsigned k = 0; h && opt_at(h, hl, k, &o) && !o.bad; k++)
		if (o.kind == kind && o.len == dlen + 2 && seen++ == idx)
			return o.d;
	return NULL;
}

static bool get_kind(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	struct opt o;
	if (!h || !opt_at(h, hl, idx, &o))
		return false;
	v->u = o.kind;
	return true;
}

static bool get_optlen(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	struct opt o;
	/* tshark lists lengths of options that have one */
	for (unsigned k = 0, n = 0; h && opt_at(h, hl, k, &o); k++) {
		if (o.kind == OPT_EOL || o.kind == OPT_NOP)
			continue;
		if (n++ == idx) {
			v->u = o.len;
			return true;
		}
		if (o.bad)
			break;
	}
	return false;
}

static bool get_mss(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	const uint8_t *d = find_opt(p, l, OPT_MSS, 2, idx);
	if (!d)
		return false;
	v->u = (uint64_t)(d[0] << 8 | d[1]);
	return true;
}

static bool get_ws(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v)
{
	const uint8_t *d = find_opt(p, l, OPT_WS, 1, idx);
	if (!d)
		return false;
	v->u = d[0];
	return true;
}

static bool get_sackok(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	struct opt o;
	if (idx || !h)
		return false;
	for (unsigned k = 0; opt_at(h, hl, k, &o) && !o.bad; k++)
		if (o.kind == OPT_SACKOK && o.len == 2) {
			v->u = 1;
			return true;
		}
	return false;
}

static uint32_t be32(const uint8_t *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static bool get_ts(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, struct wk_val *v,
                   size_t at)
{
	const uint8_t *d = find_opt(p, l, OPT_TS, 8, idx);
	if (!d)
		return false;
	v->u = be32(d + at);
	return true;
}

static bool get_tsval(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_ts(p, l, idx, v, 0);
}

static bool get_tsecr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	return get_ts(p, l, idx, v, 4);
}

/* SACK block edges, every block of every SACK option in order. */
static bool get_sack(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v, size_t at)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	struct opt o;
	unsigned n = 0;
	for (unsigned k = 0; h && opt_at(h, hl, k, &o) && !o.bad; k++) {
		if (o.kind != OPT_SACK)
			continue;
		for (size_t b = 0; b + 8 <= (size_t)o.len - 2; b += 8)
			if (n++ == idx) {
				v->u = be32(o.d + b + at);
				return true;
			}
	}
	return false;
}

static bool get_sack_le(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_sack(p, l, idx, v, 0);
}

static bool get_sack_re(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	return get_sack(p, l, idx, v, 4);
}

/* tcpdump's option list: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
/* sack_base: subtracted from SACK block edges (tcpdump's relative numbers; 0 = absolute). */
static void opts_text(struct wk_ob *ob, const uint8_t *h, size_t hl, uint32_t sack_base)
{
	struct opt o;
	for (unsigned k = 0; opt_at(h, hl, k, &o); k++) {
		if (k)
			wk_ob_putc(ob, ',');
		if (o.bad) {
			wk_ob_puts(ob, "bad opt");
			break;
		}
		size_t dl = o.len > 2 ? o.len - 2u : 0;
		switch (o.kind) {
		case OPT_EOL:
			wk_ob_puts(ob, "eol");
			break;
		case OPT_NOP:
			wk_ob_puts(ob, "nop");
			break;
		case OPT_MSS:
			wk_ob_puts(ob, "mss");
			if (dl == 2) {
				wk_ob_putc(ob, ' ');
				wk_ob_u64(ob, (uint64_t)(o.d[0] << 8 | o.d[1]));
			}
			break;
		case OPT_WS:
			wk_ob_puts(ob, "wscale");
			if (dl == 1) {
				wk_ob_putc(ob, ' ');
				wk_ob_u64(ob, o.d[0]);
			}
			break;
		case OPT_SACKOK:
			wk_ob_puts(ob, "sackOK");
			break;
		case OPT_SACK:
			wk_ob_puts(ob, "sack ");
			wk_ob_u64(ob, dl / 8);
			for (size_t b = 0; b + 8 <= dl; b += 8) {
				wk_ob_puts(ob, " {");
				wk_ob_u64(ob, (uint32_t)(be32(o.d + b) - sack_base));
				wk_ob_putc(ob, ':');
				wk_ob_u64(ob, (uint32_t)(be32(o.d + b + 4) - sack_base));
				wk_ob_putc(ob, '}');
			}
			break;
		case OPT_TS:
			wk_ob_puts(ob, "TS");
			if (dl == 8) {
				wk_ob_puts(ob, " val ");
				wk_ob_u64(ob, be32(o.d));
				wk_ob_puts(ob, " ecr ");
				wk_ob_u64(ob, be32(o.d + 4));
			}
			break;
		default:
			wk_ob_puts(ob, "unknown-");
			wk_ob_u64(ob, o.kind);
			if (dl) {
				wk_ob_puts(ob, " 0x");
				for (size_t b = 0; b < dl; b++)
					wk_ob_hex(ob, o.d[b], 2);
			}
			break;
		}
		if (o.kind == OPT_EOL)
			break;
	}
}

/* tcp.options as text: a small sink over v->buf (cut at its size). */
static bool get_options(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	size_t hl;
	const uint8_t *h = hdr(p, l, &hl);
	if (idx || !h || hl == TCP_HLEN)
		return false;
	struct wk_ob ob;
	wk_ob_init(&ob, (char *)v->buf, sizeof(v->buf), NULL, NULL);
	opts_text(&ob, h, hl, 0);
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = ob.len;
	return true;
}

static bool get_hdr_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 12, 1);
	if (idx || !h)
		return false;
	v->u = (uint64_t)(h[0] >> 4) * 4;
	return true;
}

/* tshark's tcp.len: segment payload bytes (from the IP length, not the capture). */
/* tcp.payload as tshark: the captured bytes after the header, when there are any. */
static bool get_payload(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 12, 1);
	size_t hl = h ? (size_t)(h[0] >> 4) * 4 : 0;
	if (idx || !h || hl < TCP_HLEN || l->len <= hl || (l->flags & WK_LF_QUOTED))
		return false;
	v->type = WK_FT_BYTES;
	v->p = p->data + l->off + hl;
	v->n = l->len - hl;
	return true;
}

static bool get_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	const uint8_t *h = wk_layer_bytes(p, l, 12, 1);
	size_t hl = h ? (size_t)(h[0] >> 4) * 4 : 0;
	uint64_t wl = l4_wire_len(p, l); /* bytes a snapped capture left out count */
	if (idx || !h || hl < TCP_HLEN || wl < hl || (l->flags & WK_LF_QUOTED))
		return false;
	v->u = wl - hl;
	return true;
}

static const struct wk_vname csum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {0, NULL}};
/* tcp.checksum.status as tshark with checksum checks on: 0 bad, 1 good, 2 unverified. */
static bool get_csum_status(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                            struct wk_val *v)
{
	uint16_t should;
	int st = idx ? -1 : l4_csum_check(p, l, 6, true, 16, &should);
	if (st < 0)
		return false;
	v->u = (uint64_t)st;
	return true;
}

/* tcp.stream: tshark's conversation number, kept by the printer (wk_pkt_ctx) for the
 * outermost TCP layer that is not quoted in an ICMP error. */
static bool get_stream(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	if (idx || !p->ctx || p->ctx->tcp_stream == UINT32_MAX || (l->flags & WK_LF_QUOTED))
		return false;
	for (const struct wk_layer *o = p->l; o < l; o++)
		if (o->proto == &wk_proto_tcp && !(o->flags & WK_LF_QUOTED))
			return false;
	v->u = p->ctx->tcp_stream;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "tcp.sport",
     .alias = "tcp.srcport",
     .title = "Source Port",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .role = WK_ROLE_SPORT},
    {.name = "tcp.dport",
     .alias = "tcp.dstport",
     .title = "Destination Port",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .role = WK_ROLE_DPORT},
    {.name = "tcp.port",
     .title = "Source or Destination Port",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = l4_get_port},
    WK_F_UINT("tcp.seq", "tcp.seq_raw", "Sequence Number", 4, 4),
    WK_F_UINT("tcp.ack", "tcp.ack_raw", "Acknowledgment Number", 8, 4),
    WK_F_BITS("tcp.hl", NULL, "Data Offset (32-bit words)", 12, 1, 0xf0),
    {.name = "tcp.hdr_len",
     .title = "Header Length",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_hdr_len},
    {.name = "tcp.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 12,
     .width = 2,
     .mask = 0x0fff,
     .flags = WK_FF_HEX,
     .names = flag_names},
    {.name = "tcp.flags.ae",
     .title = "Accurate ECN",
     .type = WK_FT_BOOL,
     .off = 12,
     .width = 2,
     .mask = TH_AE},
    {.name = "tcp.flags.cwr",
     .title = "CWR",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_CWR},
    {.name = "tcp.flags.ece",
     .title = "ECE",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_ECE},
    {.name = "tcp.flags.urg",
     .title = "Urgent",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_URG},
    {.name = "tcp.flags.ack",
     .title = "Acknowledgment",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_ACK},
    {.name = "tcp.flags.push",
     .title = "Push",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_PUSH},
    {.name = "tcp.flags.reset",
     .title = "Reset",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_RST},
    {.name = "tcp.flags.syn",
     .title = "Syn",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_SYN},
    {.name = "tcp.flags.fin",
     .title = "Fin",
     .type = WK_FT_BOOL,
     .off = 13,
     .width = 1,
     .mask = TH_FIN},
    WK_F_UINT("tcp.window", "tcp.window_size_value", "Window", 14, 2),
    {.name = "tcp.chksum",
     .alias = "tcp.checksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .off = 16,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
    {.name = "tcp.checksum.status",
     .title = "Checksum Status",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_csum_status,
     .names = csum_status_names},
    WK_F_UINT("tcp.urgptr", "tcp.urgent_pointer", "Urgent Pointer", 18, 2),
    {.name = "tcp.stream",
     .title = "Stream index",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_stream},
    {.name = "tcp.len",
     .title = "Segment Length",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_len},
    {.name = "tcp.options", .title = "Options", .type = WK_FT_STR, .get = get_options},
    {.name = "tcp.option_kind",
     .title = "Option Kind",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_kind},
    {.name = "tcp.option_len",
     .title = "Option Length",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_optlen},
    {.name = "tcp.options.mss_val",
     .alias = "tcp.mss",
     .title = "MSS Value",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_mss},
    {.name = "tcp.options.wscale.shift",
     .alias = "tcp.wscale",
     .title = "Shift Count",
     .type = WK_FT_UINT,
     .width = 1,
     .get = get_ws},
    {.name = "tcp.sackok", .title = "SACK Permitted", .type = WK_FT_BOOL, .get = get_sackok},
    {.name = "tcp.options.sack_le",
     .title = "SACK Left Edge",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_sack_le},
    {.name = "tcp.payload",
     .title = "TCP payload",
     .type = WK_FT_BYTES,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_payload},
    {.name = "tcp.options.sack_re",
     .title = "SACK Right Edge",
     .type = WK_FT_UINT,
     .flags = WK_FF_NOENC,
     .get = get_sack_re},
    {.name = "tcp.options.timestamp.tsval",
     .alias = "tcp.tsval",
     .title = "Timestamp Value",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_tsval},
    {.name = "tcp.options.timestamp.tsecr",
     .alias = "tcp.tsecr",
     .title = "Timestamp Echo Reply",
     .type = WK_FT_UINT,
     .width = 4,
     .get = get_tsecr},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	if ((l->flags & WK_LF_QUOTED) && wk_rd_left(r) < TCP_HLEN) {
		/* An ICMP error quotes at least 8 bytes (RFC 792): ports and sequence
		 * number. That is all there is to have, not a damaged capture. */
		wk_rd_skip(r, wk_rd_left(r));
		return;
	}
	uint16_t sport = wk_rd_be16(r);
	uint16_t dport = wk_rd_be16(r);
	wk_rd_skip(r, 8);
	uint8_t off = wk_rd_u8(r);
	wk_rd_skip(r, 7);
	if (r->bad)
		return;
	size_t hl = (size_t)(off >> 4) * 4;
	if (hl < TCP_HLEN) {
		l->flags |= WK_LF_INVALID;
		l->why = "header length < 20";
		return;
	}
	if ((l->flags & WK_LF_QUOTED) && wk_rd_left(r) < hl - TCP_HLEN) {
		wk_rd_skip(r, wk_rd_left(r));
		return;
	}
	wk_rd_skip(r, hl - TCP_HLEN);
	if (r->bad || (l->flags & WK_LF_QUOTED))
		return;
	next->ns = WK_NS_TCP;
	next->nkeys = 2;
	next->key[0] = dport;
	next->key[1] = sport;
}

static void flags_text(struct wk_ob *ob, unsigned f)
{
	static const struct {
		unsigned bit;
		char c;
	} letters[] = {{TH_FIN, 'F'}, {TH_SYN, 'S'}, {TH_RST, 'R'}, {TH_PUSH, 'P'}, {TH_ACK, '.'},
	               {TH_URG, 'U'}, {TH_ECE, 'E'}, {TH_CWR, 'W'}, {TH_AE, 'e'}};
	bool any = false;
	for (size_t i = 0; i < WK_ARRAY_SIZE(letters); i++)
		if (f & letters[i].bit) {
			wk_ob_putc(ob, letters[i].c);
			any = true;
		}
	if (!any)
		wk_ob_puts(ob, "none");
}

/* tcpdump's relative sequence numbers (print-tcp.c): a flow is keyed by its addresses
 * and ports in one order for both directions (lower port first, or lower address when
 * the ports are equal); a packet with ACK that starts a flow, or a SYN with ACK, sets
 * the bases (printed absolute), later ones print seq and ack less their direction's
 * base. Without ACK the numbers are absolute. Returns the base for SACK edges. */
static uint32_t rel_seq(struct wk_line *o, unsigned f, uint32_t sport, uint32_t dport,
                        uint32_t *seq, uint32_t *ack)
{
	size_t al = o->atype == WK_FT_IP4 ? 4 : o->atype == WK_FT_IP6 ? 16 : 0;
	if (!o->flows || !(f & TH_ACK) || !al || !o->src || !o->dst)
		return 0;
	bool rev = sport > dport || (sport == dport && memcmp(o->src, o->dst, al) > 0);
	uint8_t key[WK_FLOW_KEYMAX];
	memcpy(key, rev ? o->dst : o->src, al);
	memcpy(key + al, rev ? o->src : o->dst, al);
	uint32_t ports = rev ? dport << 16 | sport : sport << 16 | dport;
	memcpy(key + 2 * al, &ports, 4);
	bool fresh;
	uint32_t *b = wk_flowtab_get(o->flows, key, 2 * al + 4, &fresh);
	if (!b)
		return 0;
	/* b[0]: base of the lower side's seq, b[1]: of its ack (the other side's seq) */
	if (fresh || (f & TH_SYN)) {
		b[rev] = *seq;
		b[!rev] = *ack - 1;
	} else {
		*seq -= b[rev];
		*ack -= b[!rev];
	}
	return b[!rev];
}

/* tcpdump -n style, relative numbers unless o->flows is NULL (-S):
 * "Flags [S.], seq 1, ack 2, win 512, options [mss 1460], length 0". */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *ob = o->ob;
	if (l->flags & WK_LF_QUOTED)
		return;
	const uint8_t *ports = wk_layer_bytes(p, l, 0, 4);
	uint32_t sport = ports ? (uint32_t)(ports[0] << 8 | ports[1]) : 0;
	uint32_t dport = ports ? (uint32_t)(ports[2] << 8 | ports[3]) : 0;
	struct wk_line flow = *o; /* the addresses, before the ports consume them */
	if (flow.atype == WK_FT_NONE && !l4_net_addrs(p, l, &flow.atype, &flow.src, &flow.dst))
		flow.atype = WK_FT_NONE;
	if (ports)
		l4_line_ports(o, p, l, sport, dport);
	else
		wk_line_flush_addrs(o);
	const uint8_t *h = wk_layer_bytes(p, l, 0, TCP_HLEN);
	if (!h)
		return; /* the ports and " [|tcp]", as tcpdump */
	unsigned f = (unsigned)((h[12] << 8 | h[13]) & 0x0fff);
	size_t hl = (size_t)(h[12] >> 4) * 4;
	uint64_t wl = l4_wire_len(p, l);
	uint64_t plen = wl > hl ? wl - hl : 0;
	wk_ob_puts(ob, "Flags [");
	flags_text(ob, f);
	wk_ob_putc(ob, ']');
	if (l->flags & WK_LF_INVALID)
		return;
	uint32_t seq = be32(h + 4), ack = be32(h + 8);
	uint32_t sack_base = rel_seq(&flow, f, sport, dport, &seq, &ack);
	if (plen || (f & (TH_SYN | TH_FIN | TH_RST))) {
		wk_ob_puts(ob, ", seq ");
		wk_ob_u64(ob, seq);
		if (plen) {
			wk_ob_putc(ob, ':');
			wk_ob_u64(ob, (uint32_t)(seq + plen));
		}
	}
	if (f & TH_ACK) {
		wk_ob_puts(ob, ", ack ");
		wk_ob_u64(ob, ack);
	}
	wk_ob_puts(ob, ", win ");
	wk_ob_u64(ob, (uint64_t)(h[14] << 8 | h[15]));
	if (f & TH_URG) {
		wk_ob_puts(ob, ", urg ");
		wk_ob_u64(ob, (uint64_t)(h[18] << 8 | h[19]));
	}
	const uint8_t *full = hl > TCP_HLEN ? wk_layer_bytes(p, l, 0, hl) : NULL;
	if (full) {
		wk_ob_puts(ob, ", options [");
		opts_text(ob, full, hl, sack_base);
		wk_ob_putc(ob, ']');
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, plen);
	/* what the payload's protocol says follows, apart from the length (tcpdump:
	 * "length 26 4660+ A? a.test.") */
	if (o->layer + 1u < p->nlayers && p->l[o->layer + 1].proto->line)
		wk_ob_putc(ob, ' ');
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 6},
    {WK_NS_NONE, 0},
};

/* ---- encoder ----------------------------------------------------------------------- */

/* Options from text, either tcpdump's form ("mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7")
 * or key=value ("mss=1460,sackok,ts=1:0,nop,wscale=7"): a word, then numbers. */
static int opts_parse(const uint8_t *s, size_t n, uint8_t *o, size_t cap, size_t *len)
{
	size_t i = 0, k = 0;
	while (i < n) {
		char word[16];
		size_t wn = 0;
		uint64_t num[9];
		unsigned nn = 0;
		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		if (i >= n)
			break;
		for (; i < n && s[i] != ',' && s[i] != ' ' && s[i] != '=' && s[i] != '_'; i++) {
			if (wn + 1 >= sizeof(word))
				return WK_EINVAL;
			word[wn++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		}
		word[wn] = 0;
		while (i < n && s[i] != ',') {
			if (s[i] >= '0' && s[i] <= '9') {
				uint64_t v = 0;
				while (i < n && s[i] >= '0' && s[i] <= '9' && v <= 0xffffffffu)
					v = v * 10 + (uint64_t)(s[i++] - '0');
				if (v > 0xffffffffu || nn >= WK_ARRAY_SIZE(num))
					return WK_EINVAL;
				num[nn++] = v;
			} else {
				i++;
			}
		}
		uint8_t b[40];
		size_t bn = 0;
		if (!strcmp(word, "nop")) {
			b[bn++] = OPT_NOP;
		} else if (!strcmp(word, "eol")) {
			b[bn++] = OPT_EOL;
		} else if (!strcmp(word, "mss") && nn == 1 && num[0] <= 0xffff) {
			b[0] = OPT_MSS, b[1] = 4, b[2] = (uint8_t)(num[0] >> 8),
			b[3] = (uint8_t)num[0];
			bn = 4;
		} else if (!strcmp(word, "wscale") && nn == 1 && num[0] <= 0xff) {
			b[0] = OPT_WS, b[1] = 3, b[2] = (uint8_t)num[0];
			bn = 3;
		} else if (!strcmp(word, "sackok") && nn == 0) {
			b[0] = OPT_SACKOK, b[1] = 2;
			bn = 2;
		} else if (!strcmp(word, "ts") && nn == 2) {
			b[0] = OPT_TS, b[1] = 10;
			for (unsigned j = 0; j < 2; j++)
				for (unsigned q = 0; q < 4; q++)
					b[2 + 4 * j + q] = (uint8_t)(num[j] >> (24 - 8 * q));
			bn = 10;
		} else if (!strcmp(word, "sack") && nn >= 2) {
			/* tcpdump writes the block count first: "sack 1 {a:b}" */
			unsigned first = nn % 2;
			if ((nn - first) / 2 > 4)
				return WK_EINVAL;
			b[0] = OPT_SACK;
			bn = 2;
			for (unsigned j = first; j < nn; j++)
				for (unsigned q = 0; q < 4; q++)
					b[bn++] = (uint8_t)(num[j] >> (24 - 8 * q));
			b[1] = (uint8_t)bn;
		} else {
			return WK_EINVAL;
		}
		if (k + bn > cap)
			return WK_EINVAL;
		memcpy(o + k, b, bn);
		k += bn;
	}
	*len = k;
	return 0;
}

/* Options from the single-option fields, in the order Linux sends them in a SYN. */
static int opts_fields(struct wk_build *b, unsigned i, uint8_t *o, size_t *len)
{
	size_t k = 0;
	const struct wk_bval *mss = build_take(b, i, "tcp.options.mss_val");
	const struct wk_bval *ok = build_take(b, i, "tcp.sackok");
	const struct wk_bval *tv = build_take(b, i, "tcp.options.timestamp.tsval");
	const struct wk_bval *te = build_take(b, i, "tcp.options.timestamp.tsecr");
	const struct wk_bval *ws = build_take(b, i, "tcp.options.wscale.shift");
	if ((mss && mss->u > 0xffff) || (ws && ws->u > 0xff) || (tv && tv->u > 0xffffffffu) ||
	    (te && te->u > 0xffffffffu))
		return WK_EINVAL;
	if (mss) {
		o[k++] = OPT_MSS, o[k++] = 4;
		o[k++] = (uint8_t)(mss->u >> 8), o[k++] = (uint8_t)mss->u;
	}
	if (ok && ok->u) {
		o[k++] = OPT_SACKOK, o[k++] = 2;
	}
	if (tv || te) {
		uint32_t v[2] = {tv ? (uint32_t)tv->u : 0, te ? (uint32_t)te->u : 0};
		o[k++] = OPT_TS, o[k++] = 10;
		for (unsigned j = 0; j < 2; j++)
			for (unsigned q = 0; q < 4; q++)
				o[k++] = (uint8_t)(v[j] >> (24 - 8 * q));
	}
	if (ws) {
		o[k++] = OPT_NOP;
		o[k++] = OPT_WS, o[k++] = 3, o[k++] = (uint8_t)ws->u;
	}
	*len = k;
	return 0;
}

static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	uint8_t o[64];
	size_t olen = 0;
	const struct wk_bval *txt = build_take(b, i, "tcp.options");
	int rc = opts_fields(b, i, o, &olen);
	if (rc)
		return rc;
	if (txt) {
		size_t more = 0;
		rc = opts_parse(txt->b, txt->n, o + olen, sizeof(o) - olen, &more);
		if (rc)
			return rc;
		olen += more;
	}
	size_t pad = (4 - olen % 4) % 4; /* EOL fills to the 32-bit boundary */
	if (olen + pad > 40)
		return WK_EINVAL;
	uint32_t dport = 80;
	build_next_key(b, i, WK_NS_TCP, &dport);
	wk_wr_be16(w, 20); /* scapy's defaults: ftp-data to http */
	wk_wr_be16(w, (uint16_t)dport);
	wk_wr_be32(w, 0);
	wk_wr_be32(w, 0);
	wk_wr_u8(w, (uint8_t)((TCP_HLEN + olen + pad) / 4 << 4));
	wk_wr_u8(w, TH_SYN);
	wk_wr_be16(w, 8192);
	wk_wr_be16(w, 0); /* checksum: finish */
	wk_wr_be16(w, 0);
	wk_wr_bytes(w, o, olen);
	wk_wr_zero(w, pad);
	return 0;
}

/* RFC 9293 3.1: the checksum covers a pseudo-header (addresses, protocol, TCP length),
 * the header and the data. */
static int finish(struct wk_build *b, unsigned i)
{
	if (build_span(b, i) >= TCP_HLEN)
		build_l4_csum(b, i, 6, "tcp.chksum", 16, false);
	return 0;
}

const struct wk_proto wk_proto_tcp = {
    .name = "tcp",
    .title = "Transmission Control Protocol",
    .flags = WK_PF_PORTS,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = TCP_HLEN,
};
