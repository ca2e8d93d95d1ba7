/* IPv6 probe modules of the raw scanner: TCP SYN and ACK, UDP (with nmap-payloads), ICMPv6
 * echo (RFC 4443 4.1) and neighbour solicitation (RFC 4861 4.3) for discovery on link.
 * The engine walks IPv6 targets by their index in the target set (an address is 16 bytes,
 * the engine's positions carry 32 bits), so make() receives the index and looks the
 * address up, and classify() turns a reply's address back into its index. Cookies are
 * the IPv4 modules' (scan/cookie.c over the 16-byte addresses), in the same fields. Each
 * probe's upper-layer checksum is summed whole over the RFC 8200 8.1 pseudo-header. */
#include <netinet/in.h>
#include <string.h>

#include "scan/scan_int.h"
#include "wirekit/csum.h"
#include "wirekit/cursor.h"

enum {
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_ACK = 0x10,
	NH_ICMP6 = 58,
	ICMP6_UNREACH = 1,
	ICMP6_TIMXCEED = 3,
	ICMP6_ECHO = 128,
	ICMP6_ECHOREPLY = 129,
	ICMP6_NS = 135,
	IP6_HLEN = 40,
	ETH_IP6 = 0x86dd,
	HOP_LIMIT = 64,
	ND_HOP_LIMIT = 255, /* RFC 4861 7.1.1: a receiver drops ND with any other */
	/* cookie "protocols", as in probes.c */
	KIND_SYN = 6,
	KIND_ACK = 0x46,
	KIND_UDP = 17,
	KIND_ECHO = 0x81,
};

bool scan_index6(const struct scan_ctx *c, const uint8_t a[16], uint32_t *idx)
{
	uint64_t lo = 0, hi = c->ntargets;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct wk_scan_addr t;
		wk_targets_at(c->targets, mid, &t);
		int d = t.family != AF_INET6 ? -1 : memcmp(t.b, a, 16);
		if (!d) {
			*idx = (uint32_t)mid;
			return true;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void addr_of(const struct scan_ctx *c, uint32_t idx, uint8_t out[16])
{
	struct wk_scan_addr t;
	wk_targets_at(c->targets, idx, &t);
	memcpy(out, t.b, 16);
}

static uint32_t cookie6(const struct scan_ctx *c, const uint8_t dst[16], uint16_t sport,
                        uint16_t dport, uint8_t kind)
{
	struct wk_scan_addr a = {.family = AF_INET6}, b = {.family = AF_INET6};
	memcpy(a.b, c->src6, 16);
	memcpy(b.b, dst, 16);
	return wk_scan_cookie(c->key, &a, &b, sport, dport, kind);
}

static uint16_t udp_sport6(const struct scan_ctx *c, const uint8_t dst[16], uint16_t dport)
{
	if (c->fixed_sport)
		return c->sport;
	return (uint16_t)(0x8000u | (cookie6(c, dst, 0, dport, KIND_UDP) & 0x7fffu));
}

/* Link header (type IPv6) and the fixed header with destination and length 0. */
static int head6(struct scan_tmpl *t, const struct scan_ctx *c, uint8_t nh, uint8_t hops,
                 struct wk_error *err)
{
	struct wk_wr w;
	wk_wr_init(&w, t->b, sizeof(t->b));
	if (c->l2) {
		wk_wr_bytes(&w, c->eth, 12);
		wk_wr_be16(&w, ETH_IP6);
	}
	t->l3 = wk_wr_len(&w);
	wk_wr_be32(&w, 6u << 28);
	wk_wr_be16(&w, 0);
	wk_wr_u8(&w, nh);
	wk_wr_u8(&w, hops);
	wk_wr_bytes(&w, c->src6, 16);
	wk_wr_zero(&w, 16);
	if (w.bad)
		return wk_seterr(err, WK_EINVAL, "IPv6 probe template does not fit");
	t->len = wk_wr_len(&w);
	return 0;
}

/* Copy the template, set destination and payload length, sum the upper-layer checksum at
 * offset csoff of the payload. Returns the packet's length. */
static size_t finish(uint8_t *out, const struct scan_tmpl *t, const uint8_t dst[16], size_t plen,
                     size_t csoff)
{
	uint8_t *ip = out + t->l3, *l4 = ip + IP6_HLEN;
	memcpy(ip + 24, dst, 16);
	scan_put16(ip + 4, (uint16_t)plen);
	scan_put16(l4 + csoff, 0);
	uint32_t sum = wk_csum_pseudo6(ip + 8, ip + 24, ip[6], (uint32_t)plen);
	uint16_t ck = wk_csum_fold(wk_csum_partial(l4, plen, sum));
	if (!ck && ip[6] == IPPROTO_UDP)
		ck = 0xffff; /* RFC 8200 8.1: a zero UDP checksum is sent as all ones */
	scan_put16(l4 + csoff, ck);
	return t->l3 + IP6_HLEN + plen;
}

/* RFC 4443 3.1 codes as nmap names them. */
static uint8_t unreach6_reason(uint8_t type, uint8_t code)
{
	if (type == ICMP6_TIMXCEED)
		return WK_RS_TIME_EXCEEDED;
	switch (code) {
	case 0:
		return WK_RS_NET_UNREACH;
	case 1:
		return WK_RS_ADMIN_PROHIBITED;
	case 4:
		return WK_RS_PORT_UNREACH;
	default:
		return WK_RS_HOST_UNREACH;
	}
}

static bool is_error6(const struct scan_reply *r, const struct scan_ctx *c, uint8_t qproto)
{
	return r->v6 && r->proto == NH_ICMP6 && r->quoted && r->q_proto == qproto &&
	       !memcmp(r->q_src6, c->src6, 16) &&
	       (r->itype == ICMP6_UNREACH || r->itype == ICMP6_TIMXCEED);
}

static bool to_us(const struct scan_reply *r, const struct scan_ctx *c, uint8_t proto)
{
	return r->v6 && r->proto == proto && !memcmp(r->dst6, c->src6, 16);
}

/* ---- TCP ------------------------------------------------------------------------------ */

/* --ttl, --data-length and --badsum shape the IPv4 templates only (probes.c): the error. */
static int shape6_check(const struct scan_ctx *c, struct wk_error *err)
{
	(void)c;
	return wk_seterr(err, WK_EINVAL,
	                 "--ttl, --data-length and --badsum work with IPv4 targets only");
}

static int tcp6_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	if (c->ttl || c->data_len || c->badsum)
		return shape6_check(c, err);
	return head6(t, c, IPPROTO_TCP, HOP_LIMIT, err);
}

/* RFC 9293 3.1; SYN probes carry MSS 1440 (1500 less both IPv6 and TCP headers). */
static size_t tcp6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t idx, uint16_t dport, uint8_t flags, uint8_t kind)
{
	uint8_t dst[16];
	addr_of(c, idx, dst);
	memcpy(out, t->b, t->len);
	uint8_t *tcp = out + t->l3 + IP6_HLEN;
	uint32_t ck = cookie6(c, dst, c->sport, dport, kind);
	size_t len = flags & TCP_SYN ? 24 : 20;
	memset(tcp, 0, len);
	scan_put16(tcp, c->sport);
	scan_put16(tcp + 2, dport);
	scan_put32(tcp + 4, ck);
	if (kind == KIND_ACK)
		scan_put32(tcp + 8, ck); /* the RST answering a bare ACK echoes it */
	tcp[12] = (uint8_t)(len / 4 << 4);
	tcp[13] = flags;
	scan_put16(tcp + 14, 1024);
	if (flags & TCP_SYN) {
		tcp[20] = 2;
		tcp[21] = 4;
		scan_put16(tcp + 22, 1440);
	}
	return finish(out, t, dst, len, 16);
}

static bool tcp6_error(const struct scan_reply *r, const struct scan_ctx *c, uint8_t kind,
                       struct scan_verdict *v)
{
	uint32_t idx;
	if (!is_error6(r, c, IPPROTO_TCP) || r->q_sport != c->sport ||
	    r->q_seq != cookie6(c, r->q_dst6, c->sport, r->q_dport, kind) ||
	    !scan_index6(c, r->q_dst6, &idx))
		return false;
	v->target = idx;
	v->port = r->q_dport;
	v->state = WK_PS_FILTERED;
	v->reason = unreach6_reason(r->itype, r->icode);
	return true;
}

static size_t syn6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t idx, uint16_t dport)
{
	return tcp6_make(out, t, c, idx, dport, TCP_SYN, KIND_SYN);
}

static bool syn6_classify(const struct scan_reply *r, const struct scan_ctx *c,
                          struct scan_verdict *v)
{
	uint32_t idx;
	if (!to_us(r, c, IPPROTO_TCP))
		return tcp6_error(r, c, KIND_SYN, v);
	if (r->dport != c->sport || !(r->flags & TCP_ACK) ||
	    r->ack != cookie6(c, r->src6, c->sport, r->sport, KIND_SYN) + 1u ||
	    !scan_index6(c, r->src6, &idx))
		return false;
	v->target = idx;
	v->port = r->sport;
	if (r->flags & TCP_RST) {
		v->state = WK_PS_CLOSED;
		v->reason = WK_RS_RESET;
	} else if (r->flags & TCP_SYN) {
		v->state = WK_PS_OPEN;
		v->reason = WK_RS_SYN_ACK;
	} else {
		return false;
	}
	return true;
}

static size_t ack6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t idx, uint16_t dport)
{
	return tcp6_make(out, t, c, idx, dport, TCP_ACK, KIND_ACK);
}

static bool ack6_classify(const struct scan_reply *r, const struct scan_ctx *c,
                          struct scan_verdict *v)
{
	uint32_t idx;
	if (!to_us(r, c, IPPROTO_TCP))
		return tcp6_error(r, c, KIND_ACK, v);
	if (r->dport != c->sport || !(r->flags & TCP_RST) ||
	    r->seq != cookie6(c, r->src6, c->sport, r->sport, KIND_ACK) ||
	    !scan_index6(c, r->src6, &idx))
		return false;
	v->target = idx;
	v->port = r->sport;
	v->state = WK_PS_UNFILTERED;
	v->reason = WK_RS_RESET;
	return true;
}

/* ---- UDP ------------------------------------------------------------------------------ */

static int udp6_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	if (c->ttl || c->data_len || c->badsum)
		return shape6_check(c, err);
	return head6(t, c, IPPROTO_UDP, HOP_LIMIT, err);
}

static size_t udp6_write(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                         uint32_t idx, uint16_t dport, bool payload)
{
	uint8_t dst[16];
	size_t plen = 0;
	const uint8_t *pl = payload ? scan_payloads_get(c->payloads, dport, &plen) : NULL;
	if (t->len + 8 + plen > SCAN_PKT_MAX)
		plen = 0;
	addr_of(c, idx, dst);
	memcpy(out, t->b, t->len);
	uint8_t *udp = out + t->l3 + IP6_HLEN;
	scan_put16(udp, udp_sport6(c, dst, dport));
	scan_put16(udp + 2, dport);
	scan_put16(udp + 4, (uint16_t)(8 + plen));
	if (plen)
		memcpy(udp + 8, pl, plen);
	return finish(out, t, dst, 8 + plen, 6);
}

static size_t udp6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t idx, uint16_t dport)
{
	return udp6_write(out, t, c, idx, dport, true);
}

static size_t unreach6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                            uint32_t idx, uint16_t dport)
{
	return udp6_write(out, t, c, idx, dport, false);
}

static bool udp6_classify(const struct scan_reply *r, const struct scan_ctx *c,
                          struct scan_verdict *v)
{
	uint32_t idx;
	if (to_us(r, c, IPPROTO_UDP)) {
		if (r->dport != udp_sport6(c, r->src6, r->sport) || !scan_index6(c, r->src6, &idx))
			return false;
		v->target = idx;
		v->port = r->sport;
		v->state = WK_PS_OPEN;
		v->reason = WK_RS_UDP_RESPONSE;
		return true;
	}
	if (!is_error6(r, c, IPPROTO_UDP) || r->q_sport != udp_sport6(c, r->q_dst6, r->q_dport) ||
	    !scan_index6(c, r->q_dst6, &idx))
		return false;
	v->target = idx;
	v->port = r->q_dport;
	v->reason = unreach6_reason(r->itype, r->icode);
	/* port unreachable from the target itself: closed; from a router: filtered */
	v->state = v->reason == WK_RS_PORT_UNREACH && !memcmp(r->src6, r->q_dst6, 16)
	               ? WK_PS_CLOSED
	               : WK_PS_FILTERED;
	return true;
}

/* ---- ICMPv6 echo (RFC 4443 4.1) ----------------------------------------------------------- */

static int echo6_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	if (c->ttl || c->data_len || c->badsum)
		return shape6_check(c, err);
	return head6(t, c, NH_ICMP6, HOP_LIMIT, err);
}

static size_t echo6_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                         uint32_t idx, uint16_t dport)
{
	uint8_t dst[16];
	(void)dport;
	addr_of(c, idx, dst);
	memcpy(out, t->b, t->len);
	uint8_t *ic = out + t->l3 + IP6_HLEN;
	memset(ic, 0, 8);
	ic[0] = ICMP6_ECHO;
	scan_put32(ic + 4, cookie6(c, dst, 0, 0, KIND_ECHO));
	return finish(out, t, dst, 8, 2);
}

static bool echo6_classify(const struct scan_reply *r, const struct scan_ctx *c,
                           struct scan_verdict *v)
{
	uint32_t idx, ck;
	if (to_us(r, c, NH_ICMP6) && r->itype == ICMP6_ECHOREPLY) {
		ck = cookie6(c, r->src6, 0, 0, KIND_ECHO);
		if (r->iid != (uint16_t)(ck >> 16) || r->iseq != (uint16_t)ck ||
		    !scan_index6(c, r->src6, &idx))
			return false;
		v->reason = WK_RS_ECHO_REPLY;
	} else {
		if (!is_error6(r, c, NH_ICMP6) || r->q_itype != ICMP6_ECHO)
			return false;
		ck = cookie6(c, r->q_dst6, 0, 0, KIND_ECHO);
		if (r->q_iid != (uint16_t)(ck >> 16) || r->q_iseq != (uint16_t)ck ||
		    !scan_index6(c, r->q_dst6, &idx))
			return false;
		v->reason = unreach6_reason(r->itype, r->icode);
	}
	v->target = idx;
	v->port = 0;
	v->state = WK_PS_HOST_UP;
	return true;
}

/* ---- neighbour solicitation (RFC 4861 4.3, 7.2.2) ------------------------------------------- */

static int nd_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	struct scan_ctx l2 = *c;
	l2.l2 = true; /* always a frame: to the solicited-node group's MAC */
	memcpy(l2.eth + 6, c->mac, 6);
	return head6(t, &l2, NH_ICMP6, ND_HOP_LIMIT, err);
}

/* To the target's solicited-node group ff02::1:ffXX:XXXX (RFC 4291 2.7.1) at its MAC
 * 33:33:ff:XX:XX:XX (RFC 2464 7), with our link-layer address as an option. */
static size_t nd_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                      uint32_t idx, uint16_t dport)
{
	uint8_t tgt[16], grp[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	(void)dport;
	addr_of(c, idx, tgt);
	memcpy(grp + 13, tgt + 13, 3);
	memcpy(out, t->b, t->len);
	out[0] = 0x33;
	out[1] = 0x33;
	memcpy(out + 2, grp + 12, 4);
	uint8_t *ic = out + t->l3 + IP6_HLEN;
	memset(ic, 0, 32);
	ic[0] = ICMP6_NS;
	memcpy(ic + 8, tgt, 16);
	ic[24] = 1; /* source link-layer address, 8 bytes */
	ic[25] = 1;
	memcpy(ic + 26, c->mac, 6);
	return finish(out, t, grp, 32, 2);
}

static bool nd_classify(const struct scan_reply *r, const struct scan_ctx *c,
                        struct scan_verdict *v)
{
	uint32_t idx;
	if (!r->nd || !to_us(r, c, NH_ICMP6) || !scan_index6(c, r->tgt6, &idx))
		return false;
	v->target = idx;
	v->port = 0;
	v->state = WK_PS_HOST_UP;
	v->reason = WK_RS_ND_RESPONSE;
	return true;
}

/* ---- the IPv6 forms --------------------------------------------------------------------- */

const struct scan_probe scan_probe_tcp_syn6 = {
    "tcp-syn6", IPPROTO_TCP, WK_SP_TCP, WK_PS_FILTERED, tcp6_build, syn6_make, syn6_classify};
const struct scan_probe scan_probe_tcp_ack6 = {
    "tcp-ack6", IPPROTO_TCP, WK_SP_TCP, WK_PS_FILTERED, tcp6_build, ack6_make, ack6_classify};
const struct scan_probe scan_probe_udp6 = {
    "udp6", IPPROTO_UDP, WK_SP_UDP, WK_PS_OPEN_FILTERED, udp6_build, udp6_make, udp6_classify};
const struct scan_probe scan_probe_udp_unreach6 = {"udp-unreach6",      IPPROTO_UDP, WK_SP_UDP,
                                                   WK_PS_OPEN_FILTERED, udp6_build,  unreach6_make,
                                                   udp6_classify};
const struct scan_probe scan_probe_icmp6_echo = {
    "icmp6-echo", NH_ICMP6, 0xff, WK_PS_HOST_DOWN, echo6_build, echo6_make, echo6_classify};
const struct scan_probe scan_probe_nd = {"nd",     NH_ICMP6, 0xff,       WK_PS_HOST_DOWN,
                                         nd_build, nd_make,  nd_classify};

const struct scan_probe *scan_probe_v6(const struct scan_probe *m)
{
	static const struct {
		const struct scan_probe *v4, *v6;
	} map[] = {
	    {&scan_probe_tcp_syn, &scan_probe_tcp_syn6},
	    {&scan_probe_tcp_ack, &scan_probe_tcp_ack6},
	    {&scan_probe_udp, &scan_probe_udp6},
	    {&scan_probe_udp_unreach, &scan_probe_udp_unreach6},
	    {&scan_probe_icmp_echo, &scan_probe_icmp6_echo},
	    {&scan_probe_arp, &scan_probe_nd},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(map); i++)
		if (map[i].v4 == m)
			return map[i].v6;
	return NULL;
}
