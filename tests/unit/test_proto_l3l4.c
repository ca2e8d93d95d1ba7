/* Dissection of network and transport layers (ip, ipv6 and its extension headers, arp,
 * icmp, icmp6, tcp, udp, ah) over hand-made frames; every frame is also cut at every byte
 * count to prove the dissectors stay inside the capture. The frames were written with
 * scapy; the comment above each one is scapy's summary of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

/* Ether / IP / TCP 198.18.0.1:40000 > 198.18.0.2:http S */
static const uint8_t v4opts_syn[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x47, 0x00, 0x00, 0x44, 0x12, 0x34, 0x40, 0x00, 0x3f, 0x06, 0x74, 0x8b, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x07, 0x07, 0x04, 0xc6, 0x12, 0x00, 0x09, 0x00,
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0x20, 0x6e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};
/* Ether / IP / UDP 198.18.0.1:1000 > 198.18.0.2:2000 / Raw */
static const uint8_t v4_frag0[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x2c, 0x00, 0x07, 0x20, 0x00, 0x40, 0x11, 0xce, 0x92, 0xc6, 0x12, 0x00, 0x01,
    0xc6, 0x12, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x03, 0xf0, 0x58, 0xfb, 0x61, 0x61, 0x61,
    0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
};
/* Ether / 198.18.0.1 > 198.18.0.2 udp frag:3 / Raw */
static const uint8_t v4_frag1[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, 0x45, 0x00, 0x00, 0x24, 0x00, 0x07, 0x00, 0x03, 0x40, 0x11, 0xee, 0x97,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x62, 0x62, 0x62, 0x62, 0x62,
    0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
};
/* Ether / IPv6 / IPv6ExtHdrHopByHop / IPv6ExtHdrDestOpt / IPv6ExtHdrRouting / IPv6ExtHdrFragment /
 * UDP 5000 > domain / Raw */
static const uint8_t v6_ext[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x3a, 0x00, 0x05, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00, 0x2b, 0x00,
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x11, 0x00,
    0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x13, 0x88, 0x00, 0x35, 0x00, 0x0a, 0x18, 0x2e, 0x78, 0x79,
};
/* Ether / 2001:db8::1 > 2001:db8::2 (44) / IPv6ExtHdrFragment / Raw */
static const uint8_t v6_frag_later[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x2c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x00,
    0x00, 0x10, 0x11, 0x22, 0x33, 0x44, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
};
/* Ether / IPv6 / ICMPv6 Echo Request (id: 0x4321 seq: 0x9) */
static const uint8_t v6_echo[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00,
    0x1c, 0x53, 0x43, 0x21, 0x00, 0x09, 0x61, 0x62, 0x63, 0x64,
};
/* Ether / IP / UDP 198.18.0.1:33333 > 198.18.0.2:7777 / Raw / Padding */
static const uint8_t udp_pad[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xee, 0xa3, 0xc6, 0x12, 0x00, 0x01,
    0xc6, 0x12, 0x00, 0x02, 0x82, 0x35, 0x1e, 0x61, 0x00, 0x0d, 0x8f, 0x43, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Ether / ARP who has 198.18.0.2 says 198.18.0.1 */
static const uint8_t arp_req[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02,
};
/* Ether / ARP is at 02:00:00:00:00:02 says 198.18.0.2 */
static const uint8_t arp_rep[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xc6, 0x12, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01,
};
/* Ether / IP / ICMP 198.18.0.1 > 198.18.0.2 echo-request 0 / Raw */
static const uint8_t echo_req[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x54, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xee, 0x80, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Ether / IP / ICMP / IP / UDP 198.18.0.1:33333 > 198.18.0.2:domain */
static const uint8_t port_unreach[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xee, 0x9c, 0xc6, 0x12,
    0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x03, 0x03, 0x89, 0x4a, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xee, 0x9c, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x82, 0x35, 0x00, 0x35, 0x00, 0x14, 0xf1, 0x33,
};
/* Ether / IP / ICMP / 198.18.0.1 > 198.18.0.2 tcp / Raw */
static const uint8_t tcp_quote8[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xee, 0x9b, 0xc6, 0x12,
    0x00, 0x03, 0xc6, 0x12, 0x00, 0x01, 0x0b, 0x00, 0x52, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x06, 0x2d, 0x94, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04,
};
/* Ether / IP / AH / TCP tcpmux > 2 PA / Raw */
static const uint8_t ah_tcp[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0x40, 0x33, 0xee, 0x5e, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x03, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x18, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x61, 0x74, 0x61,
};

static void dis(struct wk_pkt *p, const uint8_t *d, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->data = d;
	p->caplen = p->wirelen = (uint32_t)n;
	p->linktype = 1;
	p->number = 1;
	wk_dissect(p);
}

/* Occurrence occ of field name over all layers, outermost first (like -T fields). */
static bool val(const struct wk_pkt *p, const char *name, unsigned occ, struct wk_val *v)
{
	const struct wk_proto *pr = NULL;
	const struct wk_field *f = wk_field_find(name, &pr);
	assert_non_null(f);
	unsigned n = 0;
	for (unsigned i = 0; i < p->nlayers; i++) {
		if (p->l[i].proto != pr)
			continue;
		for (unsigned k = 0; k < 64 && wk_field_get(p, &p->l[i], f, k, v); k++)
			if (n++ == occ)
				return true;
	}
	return false;
}

static uint64_t num(const struct wk_pkt *p, const char *name, unsigned occ)
{
	struct wk_val v;
	if (!val(p, name, occ, &v))
		fail_msg("field %s occurrence %u absent", name, occ);
	return v.u;
}

static bool has(const struct wk_pkt *p, const char *name, unsigned occ)
{
	struct wk_val v;
	return val(p, name, occ, &v);
}

/* A value as -T fields prints it. */
static const char *text(const struct wk_pkt *p, const char *name, unsigned occ)
{
	static char buf[512];
	struct wk_val v;
	struct wk_ob o;
	const struct wk_proto *pr;
	const struct wk_field *f = wk_field_find(name, &pr);
	if (!val(p, name, occ, &v))
		fail_msg("field %s occurrence %u absent", name, occ);
	wk_ob_init(&o, buf, sizeof(buf) - 1, NULL, NULL);
	wk_ob_val(&o, f, &v);
	buf[o.len] = 0;
	return buf;
}

static const char *line(const struct wk_pkt *p)
{
	static char buf[1024];
	struct wk_ob o;
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	wk_ob_init(&o, buf, sizeof(buf) - 1, NULL, NULL);
	wk_print_line(&o, &po, p);
	buf[o.len] = 0;
	if (o.len && buf[o.len - 1] == '\n')
		buf[o.len - 1] = 0;
	return buf;
}

/* The line with tcpdump's -v (verbose 1) or -vv (2), absolute sequence numbers. */
static const char *vline(const struct wk_pkt *p, unsigned verbose)
{
	static char buf[1024];
	struct wk_ob o;
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE, .verbose = verbose};
	wk_ob_init(&o, buf, sizeof(buf) - 1, NULL, NULL);
	wk_print_line(&o, &po, p);
	buf[o.len] = 0;
	if (o.len && buf[o.len - 1] == '\n')
		buf[o.len - 1] = 0;
	return buf;
}

static const char *names(const struct wk_pkt *p)
{
	static char buf[256];
	size_t n = 0;
	for (unsigned i = 1; i < p->nlayers && n + 32 < sizeof(buf); i++) {
		size_t k = strlen(p->l[i].proto->name);
		if (i > 1)
			buf[n++] = ':';
		memcpy(buf + n, p->l[i].proto->name, k);
		n += k;
	}
	buf[n] = 0;
	return buf;
}

static int find(const struct wk_pkt *p, const char *proto, int from)
{
	return wk_pkt_find(p, wk_proto_find(proto), from);
}

/* The one's complement sum of a transport segment with its pseudo-header verifies to 0. */
static uint16_t verify4(const struct wk_pkt *p, int ip, int tl, uint8_t proto)
{
	const uint8_t *h = p->data + p->l[ip].off;
	uint32_t n = p->l[tl].len;
	uint32_t s = wk_csum_pseudo4(h + 12, h + 16, proto, n);
	return wk_csum_fold(wk_csum_partial(p->data + p->l[tl].off, n, s));
}

static void test_ipv4_options_tcp(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, v4opts_syn, sizeof(v4opts_syn));
	assert_string_equal(names(&p), "eth:ip:tcp");
	int ip = find(&p, "ip", 0), tcp = find(&p, "tcp", 0);
	assert_int_equal(p.l[ip].flags, 0);
	assert_int_equal(p.l[ip].hlen, 28);
	assert_int_equal(num(&p, "ip.hl", 0), 7);
	assert_int_equal(num(&p, "ip.hdr_len", 0), 28);
	assert_int_equal(num(&p, "ip.opt.type", 0), 7); /* record route */
	assert_int_equal(num(&p, "ip.opt.type", 1), 0); /* EOL padding */
	assert_false(has(&p, "ip.opt.type", 2));
	assert_string_equal(text(&p, "ip.id", 0), "0x1234");
	assert_string_equal(text(&p, "ip.flags", 0), "0x02");
	assert_int_equal(num(&p, "ip.flags.df", 0), 1);
	assert_int_equal(num(&p, "ip.flags.mf", 0), 0);
	assert_int_equal(num(&p, "ip.ttl", 0), 63);
	assert_int_equal(num(&p, "ip.proto", 0), 6);
	assert_string_equal(text(&p, "ip.src", 0), "198.18.0.1");
	assert_string_equal(text(&p, "ip.addr", 1), "198.18.0.2");
	assert_string_equal(text(&p, "ip.checksum", 0), "0x748b");
	assert_int_equal(wk_csum(p.data + p.l[ip].off, 28), 0);
	assert_int_equal(num(&p, "tcp.srcport", 0), 40000);
	assert_int_equal(num(&p, "tcp.dport", 0), 80);
	assert_int_equal(num(&p, "tcp.seq", 0), 1000);
	assert_int_equal(num(&p, "tcp.hdr_len", 0), 40);
	assert_string_equal(text(&p, "tcp.flags", 0), "0x0002");
	assert_int_equal(num(&p, "tcp.flags.syn", 0), 1);
	assert_int_equal(num(&p, "tcp.flags.ack", 0), 0);
	assert_int_equal(num(&p, "tcp.window_size_value", 0), 64240);
	assert_int_equal(num(&p, "tcp.options.mss_val", 0), 1460);
	assert_int_equal(num(&p, "tcp.options.wscale.shift", 0), 7);
	assert_int_equal(num(&p, "tcp.sackok", 0), 1);
	assert_int_equal(num(&p, "tcp.options.timestamp.tsval", 0), 1);
	assert_int_equal(num(&p, "tcp.options.timestamp.tsecr", 0), 0);
	static const unsigned kinds[] = {2, 4, 8, 1, 3};
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(num(&p, "tcp.option_kind", k), kinds[k]);
	assert_false(has(&p, "tcp.option_kind", 5));
	assert_int_equal(num(&p, "tcp.option_len", 0), 4);
	assert_int_equal(num(&p, "tcp.option_len", 3), 3);
	assert_int_equal(num(&p, "tcp.len", 0), 0);
	assert_string_equal(text(&p, "tcp.options", 0),
	                    "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7");
	assert_int_equal(verify4(&p, ip, tcp, 6), 0);
	assert_string_equal(line(&p),
	                    "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1000, win "
	                    "64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], "
	                    "length 0");
}

/* Build a SYN with the given option bytes (padded with EOL to 4n) over v4opts_syn. */
static size_t with_opts(uint8_t *f, const uint8_t *o, size_t n)
{
	enum { TCP_OFF = 14 + 28 };
	size_t on = (n + 3) / 4 * 4;
	memcpy(f, v4opts_syn, TCP_OFF + 20);
	memset(f + TCP_OFF + 20, 0, on);
	memcpy(f + TCP_OFF + 20, o, n);
	f[TCP_OFF + 12] = (uint8_t)((20 + on) / 4 << 4);
	size_t total = TCP_OFF + 20 + on;
	f[16] = (uint8_t)((total - 14) >> 8);
	f[17] = (uint8_t)(total - 14);
	return total;
}

static void test_tcp_bad_options(void **state)
{
	(void)state;
	uint8_t f[128];
	struct wk_pkt p;
	/* MSS with length 0: the walk stops at it, no MSS value is reported */
	static const uint8_t zero_len[] = {1, 2, 0, 5, 0xb4};
	dis(&p, f, with_opts(f, zero_len, sizeof(zero_len)));
	assert_string_equal(names(&p), "eth:ip:tcp");
	assert_int_equal(p.l[3].flags & (WK_LF_TRUNC | WK_LF_INVALID), 0);
	assert_int_equal(num(&p, "tcp.option_kind", 0), 1);
	assert_int_equal(num(&p, "tcp.option_kind", 1), 2);
	assert_false(has(&p, "tcp.option_kind", 2));
	assert_false(has(&p, "tcp.options.mss_val", 0));
	assert_string_equal(text(&p, "tcp.options", 0), "nop,bad opt");
	/* length 1 (below the minimum of 2) */
	static const uint8_t one[] = {8, 1, 0, 0};
	dis(&p, f, with_opts(f, one, sizeof(one)));
	assert_string_equal(text(&p, "tcp.options", 0), "bad opt");
	assert_false(has(&p, "tcp.options.timestamp.tsval", 0));
	/* length running past the header */
	static const uint8_t past[] = {3, 9, 7, 0};
	dis(&p, f, with_opts(f, past, sizeof(past)));
	assert_string_equal(text(&p, "tcp.options", 0), "bad opt");
	assert_false(has(&p, "tcp.options.wscale.shift", 0));
	/* unknown kind shown by number; EOL ends the list; SACK blocks */
	static const uint8_t unk[] = {1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20, 99, 3, 0xab, 0};
	dis(&p, f, with_opts(f, unk, sizeof(unk)));
	assert_string_equal(text(&p, "tcp.options", 0),
	                    "nop,nop,sack 1 {10:20},unknown-99 0xab,eol");
	assert_int_equal(num(&p, "tcp.options.sack_le", 0), 10);
	assert_int_equal(num(&p, "tcp.options.sack_re", 0), 20);
	assert_int_equal(num(&p, "tcp.option_kind", 3), 99);
	/* data offset 4: invalid */
	memcpy(f, v4opts_syn, sizeof(v4opts_syn));
	f[14 + 28 + 12] = 0x40;
	dis(&p, f, sizeof(v4opts_syn));
	assert_true(p.l[3].flags & WK_LF_INVALID);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, v4_frag0, sizeof(v4_frag0));
	assert_string_equal(names(&p), "eth:ip:udp");
	assert_int_equal(p.l[2].flags, WK_LF_MORE);
	assert_int_equal(num(&p, "udp.srcport", 0), 1000);
	assert_int_equal(num(&p, "udp.length", 0), 1008); /* the whole datagram's */
	dis(&p, v4_frag1, sizeof(v4_frag1));
	assert_string_equal(names(&p), "eth:ip");
	assert_int_equal(p.l[2].flags, WK_LF_FRAG);
	assert_int_equal(num(&p, "ip.frag_offset", 0), 3);
	assert_int_equal(num(&p, "ip.proto", 0), 17);
	assert_int_equal(p.rest_len, 16);
	assert_string_equal(line(&p), "IP 198.18.0.1 > 198.18.0.2: ip-proto-17");
}

static void test_ipv6_extensions(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, v6_ext, sizeof(v6_ext));
	/* the payload may go on into DNS (port 53): only the chain up to UDP is ours */
	static const char chain[] =
	    "eth:ipv6:ipv6_hopopts:ipv6_dstopts:ipv6_routing:ipv6_fraghdr:udp";
	assert_true(!strncmp(names(&p), chain, sizeof(chain) - 1));
	assert_int_equal(num(&p, "ipv6.nxt", 0), 0);
	assert_int_equal(num(&p, "ipv6.hlim", 0), 5);
	assert_int_equal(num(&p, "ipv6.plen", 0), 58);
	assert_string_equal(text(&p, "ipv6.src", 0), "2001:db8::1");
	assert_string_equal(text(&p, "ipv6.dst", 0), "2001:db8::2");
	assert_int_equal(num(&p, "ipv6.hopopts.nxt", 0), 60);
	assert_int_equal(num(&p, "ipv6.hopopts.len_oct", 0), 8);
	assert_string_equal(text(&p, "ipv6.opt.type", 0), "0x05"); /* router alert */
	assert_int_equal(num(&p, "ipv6.dstopts.nxt", 0), 43);
	assert_int_equal(num(&p, "ipv6.routing.type", 0), 0);
	assert_int_equal(num(&p, "ipv6.routing.segleft", 0), 1);
	assert_int_equal(num(&p, "ipv6.routing.len", 0), 2);
	assert_int_equal(num(&p, "ipv6.fraghdr.nxt", 0), 17);
	assert_int_equal(num(&p, "ipv6.fraghdr.more", 0), 1);
	assert_int_equal(num(&p, "ipv6.fraghdr.offset", 0), 0);
	assert_string_equal(text(&p, "ipv6.fraghdr.ident", 0), "0x11223344");
	int fh = find(&p, "ipv6_fraghdr", 0);
	assert_int_equal(p.l[fh].flags, WK_LF_MORE);
	assert_int_equal(num(&p, "udp.dstport", 0), 53);
	dis(&p, v6_frag_later, sizeof(v6_frag_later));
	assert_string_equal(names(&p), "eth:ipv6:ipv6_fraghdr");
	assert_int_equal(p.l[3].flags, WK_LF_FRAG);
	assert_int_equal(num(&p, "ipv6.fraghdr.offset", 0), 2);
	assert_int_equal(p.rest_len, 8);
}

static void test_icmp6_echo(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, v6_echo, sizeof(v6_echo));
	assert_string_equal(names(&p), "eth:ipv6:icmp6");
	assert_int_equal(num(&p, "icmpv6.type", 0), 128);
	assert_int_equal(num(&p, "icmp6.id", 0), 0x4321);
	assert_string_equal(text(&p, "icmpv6.echo.identifier", 0), "0x4321");
	assert_int_equal(num(&p, "icmpv6.echo.sequence_number", 0), 9);
	const uint8_t *h = p.data + p.l[2].off;
	uint32_t s = wk_csum_pseudo6(h + 8, h + 24, 58, p.l[3].len);
	assert_int_equal(wk_csum_fold(wk_csum_partial(p.data + p.l[3].off, p.l[3].len, s)), 0);
	assert_string_equal(line(&p),
	                    "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 17185, seq 9, "
	                    "length 12");
}

static void test_udp_padding(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, udp_pad, sizeof(udp_pad));
	assert_string_equal(names(&p), "eth:ip:udp");
	assert_int_equal(p.l[3].len, 13); /* the Ethernet padding is not UDP payload */
	assert_int_equal(p.rest_len, 5);
	assert_int_equal(verify4(&p, 2, 3, 17), 0);
	assert_string_equal(line(&p), "IP 198.18.0.1.33333 > 198.18.0.2.7777: UDP, length 5");
	/* UDP length below 8 is invalid */
	uint8_t f[sizeof(udp_pad)];
	memcpy(f, udp_pad, sizeof(f));
	f[14 + 20 + 5] = 4;
	dis(&p, f, sizeof(f));
	assert_true(p.l[3].flags & WK_LF_INVALID);
}

static void test_arp(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, arp_req, sizeof(arp_req));
	assert_string_equal(names(&p), "eth:arp");
	assert_int_equal(num(&p, "arp.opcode", 0), 1);
	assert_string_equal(text(&p, "arp.src.proto_ipv4", 0), "198.18.0.1");
	assert_string_equal(text(&p, "arp.pdst", 0), "198.18.0.2");
	assert_string_equal(text(&p, "arp.hwsrc", 0), "02:00:00:00:00:01");
	assert_string_equal(text(&p, "arp.proto.type", 0), "0x0800");
	assert_string_equal(line(&p), "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28");
	dis(&p, arp_rep, sizeof(arp_rep));
	assert_string_equal(text(&p, "arp.dst.hw_mac", 0), "02:00:00:00:00:01");
	assert_string_equal(line(&p), "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02, length 28");
}

static void test_icmp(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, echo_req, sizeof(echo_req));
	assert_string_equal(names(&p), "eth:ip:icmp");
	assert_int_equal(num(&p, "icmp.type", 0), 8);
	assert_int_equal(num(&p, "icmp.ident", 0), 1);
	assert_int_equal(num(&p, "icmp.seq", 0), 1);
	assert_int_equal(wk_csum(p.data + p.l[3].off, p.l[3].len), 0);
	assert_string_equal(
	    line(&p), "IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 1, seq 1, length 64");

	/* A port unreachable quotes an IP header whose total length exceeds the quote. */
	dis(&p, port_unreach, sizeof(port_unreach));
	assert_string_equal(names(&p), "eth:ip:icmp:ip:udp");
	assert_int_equal(p.l[4].flags, WK_LF_QUOTED);
	assert_int_equal(p.l[5].flags, WK_LF_QUOTED);
	assert_string_equal(text(&p, "ip.src", 0), "198.18.0.2");
	assert_string_equal(text(&p, "ip.src", 1), "198.18.0.1");
	assert_int_equal(num(&p, "udp.dstport", 0), 53);
	assert_false(has(&p, "icmp.ident", 0));
	assert_string_equal(line(&p), "IP 198.18.0.2 > 198.18.0.1: ICMP 198.18.0.2 udp port 53 "
	                              "unreachable, length 36");

	/* A time exceeded quoting only 8 bytes of TCP still gives the ports. */
	dis(&p, tcp_quote8, sizeof(tcp_quote8));
	assert_string_equal(names(&p), "eth:ip:icmp:ip:tcp");
	assert_int_equal(p.l[5].flags, WK_LF_QUOTED);
	assert_int_equal(num(&p, "tcp.srcport", 0), 40000);
	assert_int_equal(num(&p, "tcp.dstport", 0), 443);
	assert_int_equal(num(&p, "tcp.seq", 0), 0x01020304);
	assert_false(has(&p, "tcp.flags", 0));
	assert_string_equal(line(&p), "IP 198.18.0.3 > 198.18.0.1: ICMP time exceeded in-transit, "
	                              "length 36");
}

static void test_ah(void **state)
{
	(void)state;
	struct wk_pkt p;
	dis(&p, ah_tcp, sizeof(ah_tcp));
	assert_string_equal(names(&p), "eth:ip:ah:tcp");
	assert_int_equal(num(&p, "ah.next_header", 0), 6);
	assert_string_equal(text(&p, "ah.spi", 0), "0x00000100");
	assert_int_equal(num(&p, "ah.sequence", 0), 3);
	assert_int_equal(num(&p, "tcp.srcport", 0), 1);
	assert_int_equal(num(&p, "tcp.len", 0), 4);
	assert_string_equal(line(&p),
	                    "IP 198.18.0.1 > 198.18.0.2: AH(spi=0x00000100,seq=0x3): "
	                    "198.18.0.1.1 > 198.18.0.2.2: Flags [P.], seq 0:4, ack 0, win "
	                    "8192, length 4");
}

static void test_invalid_ip(void **state)
{
	(void)state;
	uint8_t f[sizeof(echo_req)];
	struct wk_pkt p;
	memcpy(f, echo_req, sizeof(f));
	f[14] = 0x55; /* version 5 */
	dis(&p, f, sizeof(f));
	assert_true(p.l[2].flags & WK_LF_INVALID);
	assert_int_equal(p.nlayers, 3);
	f[14] = 0x44; /* IHL 4 */
	dis(&p, f, sizeof(f));
	assert_true(p.l[2].flags & WK_LF_INVALID);
	f[14] = 0x45;
	f[16] = 0, f[17] = 19; /* total length < header */
	dis(&p, f, sizeof(f));
	assert_true(p.l[2].flags & WK_LF_INVALID);
	f[17] = 0; /* total length 0 (segmentation offload): the capture is the payload */
	dis(&p, f, sizeof(f));
	assert_int_equal(p.l[2].flags, 0);
	assert_string_equal(names(&p), "eth:ip:icmp");
	uint8_t g[sizeof(v6_echo)];
	memcpy(g, v6_echo, sizeof(g));
	g[12] = 0x08, g[13] = 0x00; /* IPv6 under the IPv4 EtherType is decoded as IPv6 */
	dis(&p, g, sizeof(g));
	assert_string_equal(names(&p), "eth:ipv6:icmp6");
	assert_int_equal(p.l[2].flags, 0);
	g[12] = 0x86, g[13] = 0xdd;
	g[14] = 0x40;
	dis(&p, g, sizeof(g));
	assert_true(p.l[2].flags & WK_LF_INVALID);
}

/* RFC 1071 example header (checksum 0xb861) as the IP layer reports it. */
static void test_checksum_vectors(void **state)
{
	(void)state;
	uint8_t f[14 + 20] = {[12] = 0x08, [13] = 0x00};
	static const uint8_t ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                               0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	memcpy(f + 14, ip, 20);
	struct wk_pkt p;
	dis(&p, f, sizeof(f));
	assert_string_equal(text(&p, "ip.chksum", 0), "0xb861");
	assert_int_equal(wk_csum(f + 14, 20), 0);
	f[14 + 10] = f[14 + 11] = 0;
	assert_int_equal(wk_csum(f + 14, 20), 0xb861);
	/* the TCP segment of v4opts_syn sums with its pseudo-header to 0x206e as stored */
	dis(&p, v4opts_syn, sizeof(v4opts_syn));
	assert_string_equal(text(&p, "tcp.checksum", 0), "0x206e");
}

/* Cut every frame at every length: no layer may claim bytes past the capture, nothing
 * may read past it (ASan), and every field getter and the line printer must cope. */
static void test_truncation(void **state)
{
	(void)state;
	static const struct {
		const uint8_t *d;
		size_t n;
	} frames[] = {
	    {v4opts_syn, sizeof(v4opts_syn)},
	    {v4_frag0, sizeof(v4_frag0)},
	    {v4_frag1, sizeof(v4_frag1)},
	    {v6_ext, sizeof(v6_ext)},
	    {v6_frag_later, sizeof(v6_frag_later)},
	    {v6_echo, sizeof(v6_echo)},
	    {udp_pad, sizeof(udp_pad)},
	    {arp_req, sizeof(arp_req)},
	    {arp_rep, sizeof(arp_rep)},
	    {echo_req, sizeof(echo_req)},
	    {port_unreach, sizeof(port_unreach)},
	    {tcp_quote8, sizeof(tcp_quote8)},
	    {ah_tcp, sizeof(ah_tcp)},
	};
	char out[4096];
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		struct wk_pkt full;
		dis(&full, frames[i].d, frames[i].n);
		for (size_t cut = 0; cut <= frames[i].n; cut++) {
			/* a heap copy of exactly cut bytes so ASan sees any overread */
			uint8_t *d = test_malloc(cut ? cut : 1);
			memcpy(d, frames[i].d, cut);
			struct wk_pkt p;
			memset(&p, 0, sizeof(p));
			p.data = d;
			p.caplen = (uint32_t)cut;
			p.wirelen = (uint32_t)frames[i].n;
			p.linktype = 1;
			wk_dissect(&p);
			assert_true(p.nlayers <= full.nlayers);
			bool trunc = false;
			for (unsigned k = 1; k < p.nlayers; k++) {
				assert_true(p.l[k].off + p.l[k].len <= cut);
				assert_true(p.l[k].hlen <= p.l[k].len);
				trunc |= (p.l[k].flags & WK_LF_TRUNC) != 0;
				for (size_t fi = 0; fi < p.l[k].proto->nfields; fi++) {
					struct wk_val v;
					for (unsigned occ = 0; occ < 8; occ++)
						if (!wk_field_get(&p, &p.l[k],
						                  &p.l[k].proto->fields[fi], occ,
						                  &v))
							break;
				}
			}
			/* a header cut short is flagged on the last layer */
			if (p.nlayers < full.nlayers && cut > 0 && p.nlayers > 1)
				assert_true(trunc || p.rest_len == 0 ||
				            (p.l[p.nlayers - 1].flags & WK_LF_FRAG));
			struct wk_ob o;
			struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
			wk_ob_init(&o, out, sizeof(out), NULL, NULL);
			wk_print_line(&o, &po, &p);
			wk_print_tree(&o, &p);
			test_free(d);
		}
	}
}

/* -v as tcpdump 4.99 -n -v prints these frames (its output, copied): the IPv4 header
 * fields with the record-route option, ECN, a wrong header checksum with the value it
 * should hold, and the TCP checksum right and wrong. */
static void test_verbose_line(void **state)
{
	(void)state;
	static const char tcp_ok[] =
	    "    198.18.0.1.40000 > 198.18.0.2.80: Flags [S], cksum 0x206e (correct), seq 1000, "
	    "win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0";
	char want[512];
	uint8_t f[sizeof(v4opts_syn)];
	struct wk_pkt p;
	memcpy(f, v4opts_syn, sizeof(f));
	dis(&p, f, sizeof(f));
	snprintf(want, sizeof(want),
	         "IP (tos 0x0, ttl 63, id 4660, offset 0, flags [DF], proto TCP (6), length 68, "
	         "options (RR 198.18.0.9,EOL))\n%s",
	         tcp_ok);
	assert_string_equal(vline(&p, 1), want);
	assert_string_equal(vline(&p, 0), "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq "
	                                  "1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr "
	                                  "0,nop,wscale 7], length 0");
	f[15] = 0x03;  /* tos: CE */
	f[24] ^= 0xff; /* the header checksum */
	dis(&p, f, sizeof(f));
	snprintf(want, sizeof(want),
	         "IP (tos 0x3,CE, ttl 63, id 4660, offset 0, flags [DF], proto TCP (6), length 68, "
	         "options (RR 198.18.0.9,EOL), bad cksum 8b8b (->7488)!)\n%s",
	         tcp_ok);
	assert_string_equal(vline(&p, 1), want);
	memcpy(f, v4opts_syn, sizeof(f));
	f[51] ^= 0x01; /* a TCP header byte: its checksum is wrong now */
	dis(&p, f, sizeof(f));
	assert_non_null(strstr(vline(&p, 2), "Flags [S], cksum 0x206e (incorrect -> 0x206d), seq"));
}

/* v4opts_syn (82 bytes, IP total length 68) with another total length, cut to n bytes. */
static void syn_len(struct wk_pkt *p, uint8_t *f, uint16_t tlen, size_t n, uint32_t wirelen)
{
	memcpy(f, v4opts_syn, sizeof(v4opts_syn));
	f[16] = (uint8_t)(tlen >> 8);
	f[17] = (uint8_t)tlen;
	dis(p, f, n);
	p->wirelen = wirelen;
	wk_dissect(p);
}

/* Issue 12 #10, #11: lengths as tcpdump and tshark count them. */
static void test_ip_lengths(void **state)
{
	(void)state;
	uint8_t f[sizeof(v4opts_syn)];
	struct wk_pkt p;
	/* snapped to 82 of 186 bytes (4 of them an FCS): 100 payload bytes per the IP length */
	syn_len(&p, f, 168, sizeof(f), 14 + 168 + 4);
	assert_int_equal(num(&p, "tcp.len", 0), 100);
	assert_non_null(strstr(line(&p), "seq 1000:1100, win 64240, "));
	assert_non_null(strstr(line(&p), "length 100"));
	/* a total length 85 bytes beyond the whole frame */
	syn_len(&p, f, 68 + 85, sizeof(f), sizeof(f));
	assert_string_equal(line(&p), "IP truncated-ip - 85 bytes missing! 198.18.0.1.40000 > "
	                              "198.18.0.2.80: Flags [S], seq 1000:1085, win 64240, options "
	                              "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 85");
	/* IP says TCP, and not one TCP byte */
	syn_len(&p, f, 28, 42, 42);
	assert_string_equal(line(&p), "IP 198.18.0.1 > 198.18.0.2: [|tcp]");
	/* only the ports */
	syn_len(&p, f, 32, 46, 46);
	assert_string_equal(line(&p), "IP 198.18.0.1.40000 > 198.18.0.2.80:  [|tcp]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_options_tcp),
	    cmocka_unit_test(test_tcp_bad_options),
	    cmocka_unit_test(test_ipv4_fragments),
	    cmocka_unit_test(test_ipv6_extensions),
	    cmocka_unit_test(test_icmp6_echo),
	    cmocka_unit_test(test_udp_padding),
	    cmocka_unit_test(test_arp),
	    cmocka_unit_test(test_icmp),
	    cmocka_unit_test(test_ah),
	    cmocka_unit_test(test_invalid_ip),
	    cmocka_unit_test(test_checksum_vectors),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_ip_lengths),
	    cmocka_unit_test(test_verbose_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
