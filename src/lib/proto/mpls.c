/* MPLS label stack entries (RFC 3032 section 2.1), EtherTypes 0x8847 and 0x8848.
 *
 *   0                   20    23 24       32
 *  +----------------------+-----+--+--------+
 *  |        label         | TC  |S |  TTL   |
 *  +----------------------+-----+--+--------+
 * One layer per entry, so several entries give several values of mpls.label outermost
 * first, as tshark prints them. Nothing names the payload after the bottom entry (S=1);
 * like tshark we look at the first nibble (RFC 4928 section 2, RFC 4385 section 5):
 * 4 IPv4, 6 IPv6, 0 an Ethernet pseudowire behind a control word, 1 an associated
 * channel (explicit-null labels 0 and 2 agree with the nibble on sane packets, and
 * tshark does not special-case them); an Ethernet header is recognised by a familiar EtherType at
 * offset 12. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	MPLS_HLEN = 4,
	PW_CW_LEN = 4, /* RFC 4385 control word */
};

static const struct wk_vname label_names[] = {
    {0, "IPv4 Explicit-Null"}, {1, "Router Alert"}, {2, "IPv6 Explicit-Null"},
    {3, "Implicit-Null"},      {7, "ELI"},          {13, "GAL"},
    {14, "OAM Alert"},         {15, "Extension"},   {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "mpls.label",
     .title = "MPLS Label",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 4,
     .mask = 0xfffff000,
     .names = label_names},
    WK_F_BITS("mpls.exp", "mpls.tc", "MPLS Experimental Bits", 0, 4, 0x00000e00),
    WK_F_BITS("mpls.bottom", NULL, "MPLS Bottom Of Label Stack", 0, 4, 0x00000100),
    WK_F_BITS("mpls.ttl", NULL, "MPLS TTL", 0, 4, 0x000000ff),
};

/* An Ethernet header at r->cur + off whose type field is one seen in pseudowires. */
static bool looks_like_eth(const struct wk_rd *r, size_t off)
{
	uint16_t t;
	if (!wk_rd_peek_be16(r, off + 12, &t))
		return false;
	switch (t) {
	case 0x0800:
	case 0x0806:
	case 0x86dd:
	case 0x8100:
	case 0x88a8:
	case 0x9100:
	case 0x8847:
	case 0x8848:
	case 0x8863:
	case 0x8864:
		return true;
	default:
		return false;
	}
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint32_t e = wk_rd_be32(r);
	if (r->bad)
		return;
	if (!(e & 0x100)) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_mpls));
		return;
	}
	uint8_t b0;
	if (!wk_rd_peek_u8(r, 0, &b0))
		return;
	uint32_t eth = (uint32_t)wk_proto_index(&wk_proto_eth);
	switch (b0 >> 4) {
	case 4:
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
		break;
	case 6:
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
		break;
	case 0:
		if (looks_like_eth(r, 0)) {
			wk_next_set(next, WK_NS_PROTO, eth);
		} else if (looks_like_eth(r, PW_CW_LEN)) {
			/* The control word is part of this (bottom) entry's header. */
			wk_rd_skip(r, PW_CW_LEN);
			wk_next_set(next, WK_NS_PROTO, eth);
		}
		break;
	default:
		if (looks_like_eth(r, 0))
			wk_next_set(next, WK_NS_PROTO, eth);
		break;
	}
}

/* tcpdump: "MPLS (label 16, tc 0, [S], ttl 64) " with one parenthesis per entry. */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, MPLS_HLEN);
	if (!b)
		return;
	uint32_t e = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	bool first = o->layer == 0 || p->l[o->layer - 1].proto != &wk_proto_mpls;
	if (first)
		wk_ob_puts(o->ob, "MPLS ");
	else if (o->verbose)
		wk_ob_puts(o->ob, "\n\t"); /* tcpdump -v: a label a line */
	wk_ob_puts(o->ob, "(label ");
	wk_ob_u64(o->ob, e >> 12);
	if (o->verbose && (e >> 12) < 16) { /* RFC 3032 2.1 reserved labels, tcpdump's names */
		static const char *const rsv[] = {"IPv4 explicit NULL", "router alert",
		                                  "IPv6 explicit NULL", "implicit NULL"};
		wk_ob_puts(o->ob, " (");
		wk_ob_puts(o->ob, (e >> 12) < 4 ? rsv[e >> 12] : "rsvd");
		wk_ob_putc(o->ob, ')');
	}
	wk_ob_puts(o->ob, ", tc ");
	wk_ob_u64(o->ob, (e >> 9) & 7);
	if (e & 0x100)
		wk_ob_puts(o->ob, ", [S]");
	wk_ob_puts(o->ob, ", ttl ");
	wk_ob_u64(o->ob, e & 0xff);
	const struct wk_proto *nx = o->layer + 1u < p->nlayers ? p->l[o->layer + 1].proto : NULL;
	if (o->verbose && nx == &wk_proto_mpls)
		wk_ob_putc(o->ob, ')');
	else if (o->verbose && (nx == &wk_proto_ip || nx == &wk_proto_ipv6))
		wk_ob_puts(o->ob, ")\n\t");
	else
		wk_ob_puts(o->ob, ") ");
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x8847}, /* unicast */
    {WK_NS_ETHERTYPE, 0x8848}, /* multicast */
    {WK_NS_IPPROTO, 137},      /* MPLS-in-IP, RFC 4023 */
    {WK_NS_UDP, 6635},         /* MPLS-in-UDP, RFC 7510 */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_mpls = {
    .name = "mpls",
    .title = "MultiProtocol Label Switching Header",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = MPLS_HLEN,
};
