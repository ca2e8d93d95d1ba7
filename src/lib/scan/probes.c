/* Probe modules of the raw scanner, one const table each (zmap's probe modules): how a
 * probe is made from its template and which replies answer it. Cookies (scan/cookie.c)
 * go where the reply must echo them: the TCP sequence number (RFC 9293 3.10.7.3: a
 * SYN-ACK or RST acknowledges seq + 1; a RST to a bare ACK carries the ACK's number as
 * its sequence), the UDP source port, the ICMP identifier and sequence (RFC 792), and the
 * header an ICMP error quotes (RFC 792: IP header + 64 bits of the datagram). */
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "scan/scan_int.h"
#include "wirekit/csum.h"
#include "wirekit/cursor.h"

enum {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_ACK = 0x10,
	ICMP_ECHOREPLY = 0,
	ICMP_UNREACH = 3,
	ICMP_ECHO = 8,
	ICMP_TIMXCEED = 11,
	ICMP_TSTAMP = 13,
	ICMP_TSTAMPREPLY = 14,
	/* cookie "protocols": one per probe kind, so no module accepts another's reply */
	KIND_SYN = 6,
	KIND_ACK = 0x46,
	KIND_UDP = 17,
	KIND_ECHO = 0x81,
	KIND_TSTAMP = 0x8d,
	IP_HLEN = 20,
	TCP_TTL = 64,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t cookie(const struct scan_ctx *c, uint32_t dst, uint16_t sport, uint16_t dport,
                       uint8_t kind)
{
	struct wk_scan_addr a = {.family = AF_INET}, b = {.family = AF_INET};
	scan_put32(a.b, c->src);
	scan_put32(b.b, dst);
	return wk_scan_cookie(c->key, &a, &b, sport, dport, kind);
}

/* UDP probes carry their cookie in the source port (zmap's udp module does the same):
 * 32768 + 15 bits, unless the user fixed the port. */
static uint16_t udp_sport(const struct scan_ctx *c, uint32_t dst, uint16_t dport)
{
	if (c->fixed_sport)
		return c->sport;
	return (uint16_t)(0x8000u | (cookie(c, dst, 0, dport, KIND_UDP) & 0x7fffu));
}

/* --data-length: the same random bytes after every probe's header, drawn once per scan
 * (nmap's meaning) from the run's secret key, so they say nothing about the cookies. */
static void extra_data(struct wk_wr *w, const struct scan_ctx *c)
{
	for (uint64_t i = 0; i < c->data_len; i += 8) {
		uint64_t r = wk_siphash24(c->key, &i, sizeof(i)) ^ 0x5ca1ab1eull;
		for (unsigned k = 0; k < 8 && i + k < c->data_len; k++)
			wk_wr_u8(w, (uint8_t)(r >> (8 * k)));
	}
}

/* --badsum: a checksum that is wrong whatever the packet, and never 0 (for UDP over IPv4
 * 0 means "none"): one less, or 0xfffe for 0 and 1 (0xffff equals 0 in ones' complement). */
static uint16_t bad_sum(uint16_t cs)
{
	return cs <= 1 ? 0xfffe : (uint16_t)(cs - 1);
}

/* Probe shaping the templates cannot hold. */
static int shape_check(const struct scan_ctx *c, struct wk_error *err)
{
	if (c->data_len > WK_SCAN_DATA_MAX)
		return wk_seterr(err, WK_EINVAL, "--data-length %u: at most %u bytes",
		                 (unsigned)c->data_len, WK_SCAN_DATA_MAX);
	return 0;
}

/* Link header and IPv4 header (RFC 791) with destination 0 and the checksum over that. */
static void ip_head(struct wk_wr *w, const struct scan_ctx *c, uint8_t proto, uint16_t l4len)
{
	if (c->l2)
		wk_wr_bytes(w, c->eth, SCAN_ETH_LEN);
	size_t m = wk_wr_mark(w);
	wk_wr_u8(w, 0x45);
	wk_wr_u8(w, 0);
	wk_wr_be16(w, (uint16_t)(IP_HLEN + l4len));
	wk_wr_be16(w, 0); /* id: patched per probe */
	wk_wr_be16(w, 0);
	wk_wr_u8(w, c->ttl ? c->ttl : TCP_TTL);
	wk_wr_u8(w, proto);
	size_t cm = wk_wr_mark(w);
	wk_wr_be16(w, 0);
	wk_wr_be32(w, c->src);
	wk_wr_be32(w, 0);
	if (!w->bad)
		wk_wr_patch_be16(w, cm, wk_csum(w->base + m, IP_HLEN));
}

/* Patch destination and IP id (RFC 1624 updates of the header checksum). */
static void ip_patch(uint8_t *ip, uint32_t dst, uint16_t id)
{
	uint16_t cs = get16(ip + 10);
	cs = wk_csum_update32(cs, 0, dst);
	cs = wk_csum_update16(cs, 0, id);
	scan_put16(ip + 4, id);
	scan_put16(ip + 10, cs);
	scan_put32(ip + 16, dst);
}

static int done(struct scan_tmpl *t, struct wk_wr *w, struct wk_error *err)
{
	if (w->bad)
		return wk_seterr(err, WK_EINVAL, "probe template does not fit");
	t->len = wk_wr_len(w);
	return 0;
}

/* ---- TCP ------------------------------------------------------------------------------ */

/* TCP header (RFC 9293 3.1) with destination port, numbers 0 and the checksum over the
 * pseudo-header with destination 0. SYN probes carry MSS 1460 as nmap's do. */
static int tcp_build(struct scan_tmpl *t, const struct scan_ctx *c, uint8_t flags,
                     struct wk_error *err)
{
	struct wk_wr w;
	uint16_t optlen = flags & TCP_SYN ? 4 : 0;
	uint16_t l4len = (uint16_t)(20 + optlen + c->data_len);
	int rc = shape_check(c, err);
	if (rc)
		return rc;
	wk_wr_init(&w, t->b, sizeof(t->b));
	ip_head(&w, c, IPPROTO_TCP, l4len);
	size_t l4 = wk_wr_mark(&w);
	wk_wr_be16(&w, c->sport);
	wk_wr_be16(&w, 0);
	wk_wr_be32(&w, 0);
	wk_wr_be32(&w, 0);
	wk_wr_u8(&w, (uint8_t)((5 + optlen / 4) << 4));
	wk_wr_u8(&w, flags);
	wk_wr_be16(&w, 1024);
	size_t cm = wk_wr_mark(&w);
	wk_wr_be16(&w, 0);
	wk_wr_be16(&w, 0);
	if (optlen) {
		wk_wr_u8(&w, 2); /* MSS */
		wk_wr_u8(&w, 4);
		wk_wr_be16(&w, 1460);
	}
	extra_data(&w, c);
	if (!w.bad) {
		uint8_t s[4], z[4] = {0};
		scan_put32(s, c->src);
		uint32_t sum = wk_csum_pseudo4(s, z, IPPROTO_TCP, l4len);
		wk_wr_patch_be16(&w, cm, wk_csum_fold(wk_csum_partial(w.base + l4, l4len, sum)));
	}
	rc = done(t, &w, err);
	t->l3 = c->l2 ? SCAN_ETH_LEN : 0;
	return rc;
}

static size_t tcp_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                       uint32_t dst, uint16_t dport, uint8_t kind)
{
	memcpy(out, t->b, t->len);
	uint32_t ck = cookie(c, dst, c->sport, dport, kind);
	uint8_t *ip = out + t->l3, *tcp = ip + IP_HLEN;
	ip_patch(ip, dst, (uint16_t)ck);
	uint16_t cs = get16(tcp + 16);
	cs = wk_csum_update32(cs, 0, dst);
	cs = wk_csum_update16(cs, 0, dport);
	cs = wk_csum_update32(cs, 0, ck);
	scan_put16(tcp + 2, dport);
	scan_put32(tcp + 4, ck);
	if (kind == KIND_ACK) { /* the RST answering a bare ACK echoes its ack number */
		cs = wk_csum_update32(cs, 0, ck);
		scan_put32(tcp + 8, ck);
	}
	scan_put16(tcp + 16, c->badsum ? bad_sum(cs) : cs);
	return t->len;
}

/* RFC 792 (and RFC 1812 5.2.7.1) destination unreachable codes as nmap names them; the
 * connect scanner reads the same codes from the kernel's error queue. */
uint8_t scan_unreach_reason(uint8_t code)
{
	switch (code) {
	case 0:
	case 6:
	case 11:
		return WK_RS_NET_UNREACH;
	case 2:
		return WK_RS_PROTO_UNREACH;
	case 3:
		return WK_RS_PORT_UNREACH;
	case 9:
		return WK_RS_NET_PROHIBITED;
	case 10:
		return WK_RS_HOST_PROHIBITED;
	case 13:
		return WK_RS_ADMIN_PROHIBITED;
	default:
		return WK_RS_HOST_UNREACH;
	}
}

static uint8_t unreach_reason(uint8_t type, uint8_t code)
{
	return type == ICMP_TIMXCEED ? WK_RS_TIME_EXCEEDED : scan_unreach_reason(code);
}

static bool is_error(const struct scan_reply *r, const struct scan_ctx *c, uint8_t qproto)
{
	return r->proto == IPPROTO_ICMP && r->quoted && r->q_proto == qproto &&
	       r->q_src == c->src && (r->itype == ICMP_UNREACH || r->itype == ICMP_TIMXCEED);
}

static bool tcp_error(const struct scan_reply *r, const struct scan_ctx *c, uint8_t kind,
                      struct scan_verdict *v)
{
	if (!is_error(r, c, IPPROTO_TCP) || r->q_sport != c->sport ||
	    r->q_seq != cookie(c, r->q_dst, c->sport, r->q_dport, kind))
		return false;
	v->target = r->q_dst;
	v->port = r->q_dport;
	v->state = WK_PS_FILTERED;
	v->reason = unreach_reason(r->itype, r->icode);
	return true;
}

static int syn_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	return tcp_build(t, c, TCP_SYN, err);
}

static size_t syn_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                       uint32_t dst, uint16_t dport)
{
	return tcp_make(out, t, c, dst, dport, KIND_SYN);
}

static bool syn_classify(const struct scan_reply *r, const struct scan_ctx *c,
                         struct scan_verdict *v)
{
	if (r->proto != IPPROTO_TCP)
		return tcp_error(r, c, KIND_SYN, v);
	/* a RST acknowledges the SYN and its data (RFC 9293 3.10.7.1); a SYN-ACK may take
	 * the SYN alone */
	uint32_t ck = cookie(c, r->src, c->sport, r->sport, KIND_SYN) + 1u;
	if (r->dst != c->src || r->dport != c->sport || !(r->flags & TCP_ACK) ||
	    (r->ack != ck && r->ack != ck + c->data_len))
		return false;
	v->target = r->src;
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

static int ack_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	return tcp_build(t, c, TCP_ACK, err);
}

static size_t ack_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                       uint32_t dst, uint16_t dport)
{
	return tcp_make(out, t, c, dst, dport, KIND_ACK);
}

static bool ack_classify(const struct scan_reply *r, const struct scan_ctx *c,
                         struct scan_verdict *v)
{
	if (r->proto != IPPROTO_TCP)
		return tcp_error(r, c, KIND_ACK, v);
	if (r->dst != c->src || r->dport != c->sport || !(r->flags & TCP_RST) ||
	    r->seq != cookie(c, r->src, c->sport, r->sport, KIND_ACK))
		return false;
	v->target = r->src;
	v->port = r->sport;
	v->state = WK_PS_UNFILTERED;
	v->reason = WK_RS_RESET;
	return true;
}

/* ---- UDP ------------------------------------------------------------------------------ */

/* The template is the IP header; --data-length's bytes wait after the room of the UDP
 * header, outside len, for udp_write to copy as the payload. */
static int udp_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	struct wk_wr w;
	int rc = shape_check(c, err);
	if (rc)
		return rc;
	wk_wr_init(&w, t->b, sizeof(t->b));
	ip_head(&w, c, IPPROTO_UDP, 8);
	rc = done(t, &w, err);
	t->l3 = c->l2 ? SCAN_ETH_LEN : 0;
	if (!rc && c->data_len) {
		struct wk_wr d;
		wk_wr_init(&d, t->b + t->len + 8, sizeof(t->b) - t->len - 8);
		extra_data(&d, c);
		if (d.bad)
			rc = wk_seterr(err, WK_EINVAL, "probe template does not fit");
	}
	return rc;
}

/* Header and payload are written per probe (the payload depends on the port) and the
 * checksum (RFC 768) is summed over them; the IP header is patched as for every probe. */
static size_t udp_write(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t dst, uint16_t dport, bool payload)
{
	size_t plen = 0;
	const uint8_t *pl = payload ? scan_payloads_get(c->payloads, dport, &plen) : NULL;
	if (c->data_len) { /* nmap: --data-length replaces the protocol's payload */
		pl = t->b + t->len + 8;
		plen = c->data_len;
	}
	if (t->len + 8 + plen > SCAN_PKT_MAX)
		plen = 0;
	memcpy(out, t->b, t->len);
	uint8_t *ip = out + t->l3, *udp = ip + IP_HLEN;
	uint16_t sport = udp_sport(c, dst, dport);
	uint16_t ulen = (uint16_t)(8 + plen);
	/* the template's total length counts an empty datagram */
	uint16_t cs = get16(ip + 10);
	scan_put16(ip + 10, wk_csum_update16(cs, get16(ip + 2), (uint16_t)(IP_HLEN + ulen)));
	scan_put16(ip + 2, (uint16_t)(IP_HLEN + ulen));
	ip_patch(ip, dst, (uint16_t)(sport ^ dport));
	scan_put16(udp, sport);
	scan_put16(udp + 2, dport);
	scan_put16(udp + 4, ulen);
	scan_put16(udp + 6, 0);
	if (plen)
		memmove(udp + 8, pl, plen);
	uint32_t sum = wk_csum_pseudo4(ip + 12, ip + 16, IPPROTO_UDP, ulen);
	uint16_t ck = wk_csum_fold(wk_csum_partial(udp, ulen, sum));
	ck = ck ? ck : 0xffff;
	scan_put16(udp + 6, c->badsum ? bad_sum(ck) : ck);
	return t->len + ulen;
}

static size_t udp_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                       uint32_t dst, uint16_t dport)
{
	return udp_write(out, t, c, dst, dport, true);
}

static size_t unreach_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                           uint32_t dst, uint16_t dport)
{
	return udp_write(out, t, c, dst, dport, false);
}

static bool udp_classify(const struct scan_reply *r, const struct scan_ctx *c,
                         struct scan_verdict *v)
{
	if (r->proto == IPPROTO_UDP) {
		if (r->dst != c->src || r->dport != udp_sport(c, r->src, r->sport))
			return false;
		v->target = r->src;
		v->port = r->sport;
		v->state = WK_PS_OPEN;
		v->reason = WK_RS_UDP_RESPONSE;
		return true;
	}
	if (!is_error(r, c, IPPROTO_UDP) || r->q_sport != udp_sport(c, r->q_dst, r->q_dport))
		return false;
	v->target = r->q_dst;
	v->port = r->q_dport;
	v->reason = unreach_reason(r->itype, r->icode);
	/* port unreachable from the target itself: closed; from a router: filtered */
	v->state =
	    v->reason == WK_RS_PORT_UNREACH && r->src == r->q_dst ? WK_PS_CLOSED : WK_PS_FILTERED;
	return true;
}

/* ---- ICMP echo and timestamp (RFC 792) --------------------------------------------------- */

static int icmp_build(struct scan_tmpl *t, const struct scan_ctx *c, uint8_t type,
                      struct wk_error *err)
{
	struct wk_wr w;
	uint16_t l4len = (uint16_t)((type == ICMP_TSTAMP ? 20 : 8) + c->data_len);
	int rc = shape_check(c, err);
	if (rc)
		return rc;
	wk_wr_init(&w, t->b, sizeof(t->b));
	ip_head(&w, c, IPPROTO_ICMP, l4len);
	size_t l4 = wk_wr_mark(&w);
	wk_wr_u8(&w, type);
	wk_wr_u8(&w, 0);
	size_t cm = wk_wr_mark(&w);
	wk_wr_be16(&w, 0);
	wk_wr_be32(&w, 0); /* identifier, sequence: the cookie */
	if (type == ICMP_TSTAMP) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		wk_wr_be32(&w, (uint32_t)((ts.tv_sec % 86400) * 1000 + ts.tv_nsec / 1000000));
		wk_wr_be32(&w, 0);
		wk_wr_be32(&w, 0);
	}
	extra_data(&w, c);
	if (!w.bad)
		wk_wr_patch_be16(&w, cm, wk_csum(w.base + l4, l4len));
	rc = done(t, &w, err);
	t->l3 = c->l2 ? SCAN_ETH_LEN : 0;
	return rc;
}

static size_t icmp_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t dst, uint8_t kind)
{
	memcpy(out, t->b, t->len);
	uint32_t ck = cookie(c, dst, 0, 0, kind);
	uint8_t *ip = out + t->l3, *ic = ip + IP_HLEN;
	ip_patch(ip, dst, (uint16_t)(ck >> 7));
	scan_put16(ic + 2, wk_csum_update32(get16(ic + 2), 0, ck));
	scan_put32(ic + 4, ck);
	return t->len;
}

static bool icmp_classify(const struct scan_reply *r, const struct scan_ctx *c, uint8_t kind,
                          uint8_t qtype, uint8_t rtype, uint8_t reason, struct scan_verdict *v)
{
	if (r->proto != IPPROTO_ICMP)
		return false;
	if (r->itype == rtype) {
		uint32_t ck = cookie(c, r->src, 0, 0, kind);
		if (r->dst != c->src || r->iid != (uint16_t)(ck >> 16) || r->iseq != (uint16_t)ck)
			return false;
		v->target = r->src;
		v->reason = reason;
	} else {
		if (!is_error(r, c, IPPROTO_ICMP) || r->q_itype != qtype)
			return false;
		uint32_t ck = cookie(c, r->q_dst, 0, 0, kind);
		if (r->q_iid != (uint16_t)(ck >> 16) || r->q_iseq != (uint16_t)ck)
			return false;
		v->target = r->q_dst;
		v->reason = unreach_reason(r->itype, r->icode);
	}
	v->port = 0;
	v->state = WK_PS_HOST_UP;
	return true;
}

static int echo_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	return icmp_build(t, c, ICMP_ECHO, err);
}

static size_t echo_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                        uint32_t dst, uint16_t dport)
{
	(void)dport;
	return icmp_make(out, t, c, dst, KIND_ECHO);
}

static bool echo_classify(const struct scan_reply *r, const struct scan_ctx *c,
                          struct scan_verdict *v)
{
	return icmp_classify(r, c, KIND_ECHO, ICMP_ECHO, ICMP_ECHOREPLY, WK_RS_ECHO_REPLY, v);
}

static int tstamp_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	return icmp_build(t, c, ICMP_TSTAMP, err);
}

static size_t tstamp_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                          uint32_t dst, uint16_t dport)
{
	(void)dport;
	return icmp_make(out, t, c, dst, KIND_TSTAMP);
}

static bool tstamp_classify(const struct scan_reply *r, const struct scan_ctx *c,
                            struct scan_verdict *v)
{
	return icmp_classify(r, c, KIND_TSTAMP, ICMP_TSTAMP, ICMP_TSTAMPREPLY,
	                     WK_RS_TIMESTAMP_REPLY, v);
}

/* ---- the table ------------------------------------------------------------------------ */

const struct scan_probe scan_probe_tcp_syn = {"tcp-syn", IPPROTO_TCP, WK_SP_TCP,   WK_PS_FILTERED,
                                              syn_build, syn_make,    syn_classify};
const struct scan_probe scan_probe_tcp_ack = {"tcp-ack", IPPROTO_TCP, WK_SP_TCP,   WK_PS_FILTERED,
                                              ack_build, ack_make,    ack_classify};
const struct scan_probe scan_probe_udp = {"udp",     IPPROTO_UDP, WK_SP_UDP,   WK_PS_OPEN_FILTERED,
                                          udp_build, udp_make,    udp_classify};
const struct scan_probe scan_probe_udp_unreach = {"udp-unreach",       IPPROTO_UDP, WK_SP_UDP,
                                                  WK_PS_OPEN_FILTERED, udp_build,   unreach_make,
                                                  udp_classify};
const struct scan_probe scan_probe_icmp_echo = {
    "icmp-echo", IPPROTO_ICMP, 0xff, WK_PS_HOST_DOWN, echo_build, echo_make, echo_classify};
const struct scan_probe scan_probe_icmp_tstamp = {"icmp-timestamp", IPPROTO_ICMP, 0xff,
                                                  WK_PS_HOST_DOWN,  tstamp_build, tstamp_make,
                                                  tstamp_classify};

const struct scan_probe *const scan_probes[] = {
    &scan_probe_arp,     &scan_probe_icmp_echo, &scan_probe_icmp_tstamp, &scan_probe_tcp_ack,
    &scan_probe_tcp_syn, &scan_probe_udp,       &scan_probe_udp_unreach,
};
const size_t scan_nprobes = WK_ARRAY_SIZE(scan_probes);

const struct scan_probe *scan_probe_find(const char *name)
{
	for (size_t i = 0; i < scan_nprobes; i++)
		if (!strcmp(scan_probes[i]->name, name))
			return scan_probes[i];
	return NULL;
}
