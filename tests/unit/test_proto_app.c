/* Unit tests for DNS and the tunnel protocols (GRE, ERSPAN, VXLAN, Geneve, GTP-U, L2TP,
 * Teredo, PIM, LISP, CAPWAP): hand-made frames (raw IPv4, LINKTYPE_IPV4 228), field values as
 * tshark prints them, line output, malformed names, and every truncation point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

enum { LT_IPV4 = 228 };

/* ---- frame building ---------------------------------------------------------------- */

/* IPv4 header (no options, checksum 0) for proto with payload length n, into b. */
static size_t ip4(uint8_t *b, uint8_t proto, size_t n, uint8_t last)
{
	size_t tot = 20 + n;
	const uint8_t h[20] = {0x45,
	                       0,
	                       (uint8_t)(tot >> 8),
	                       (uint8_t)tot,
	                       0,
	                       1,
	                       0,
	                       0,
	                       64,
	                       proto,
	                       0,
	                       0,
	                       198,
	                       18,
	                       0,
	                       1,
	                       198,
	                       18,
	                       0,
	                       last};
	memcpy(b, h, 20);
	return 20;
}

static size_t udp(uint8_t *b, uint16_t sport, uint16_t dport, size_t n)
{
	size_t len = 8 + n;
	const uint8_t h[8] = {(uint8_t)(sport >> 8),
	                      (uint8_t)sport,
	                      (uint8_t)(dport >> 8),
	                      (uint8_t)dport,
	                      (uint8_t)(len >> 8),
	                      (uint8_t)len,
	                      0,
	                      0};
	memcpy(b, h, 8);
	return 8;
}

/* IPv4 + UDP around payload pl, into out; returns the frame length. */
static size_t ip_udp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	size_t o = ip4(out, 17, 8 + n, 2);
	o += udp(out + o, sport, dport, n);
	memcpy(out + o, pl, n);
	return o + n;
}

static struct wk_pkt pkt;

static void dissect(const uint8_t *b, size_t n, size_t wire)
{
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = b;
	pkt.caplen = (uint32_t)n;
	pkt.wirelen = (uint32_t)wire;
	pkt.linktype = LT_IPV4;
	pkt.number = 1;
	wk_dissect(&pkt);
}

/* All occurrences of a field in the packet, joined by ',' like -T fields. */
static const char *fval(const char *name)
{
	static char mem[2048];
	const char *names[1] = {name};
	struct wk_error err;
	struct wk_fields *fs = wk_fields_new(names, 1, '\t', ',', &err);
	assert_non_null(fs);
	struct wk_ob o;
	wk_ob_init(&o, mem, sizeof(mem) - 1, NULL, NULL);
	wk_fields_print(&o, fs, &pkt);
	wk_fields_free(fs);
	assert_true(o.len > 0);
	mem[o.len - 1] = '\0'; /* drop the newline */
	return mem;
}

static const char *line_of(void)
{
	static char mem[2048];
	struct wk_ob o;
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	wk_ob_init(&o, mem, sizeof(mem) - 1, NULL, NULL);
	wk_print_line(&o, &po, &pkt);
	mem[o.len] = '\0';
	return mem;
}

static int layer_of(const char *name)
{
	const struct wk_proto *pr = wk_proto_find(name);
	assert_non_null(pr);
	return wk_pkt_find(&pkt, pr, 0);
}

static unsigned count_of(const char *name)
{
	const struct wk_proto *pr = wk_proto_find(name);
	unsigned n = 0;
	for (unsigned i = 0; i < pkt.nlayers; i++)
		n += pkt.l[i].proto == pr;
	return n;
}

/* Dissect every prefix of the frame: nothing may read outside it (ASan run), every
 * writer must cope, and a cut frame must show as truncated or shallower. */
static void all_truncations(const uint8_t *b, size_t n)
{
	static char mem[8192];
	dissect(b, n, n);
	unsigned full = pkt.nlayers;
	uint32_t full_rest = pkt.rest_len;
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *copy = test_malloc(cut ? cut : 1);
		memcpy(copy, b, cut);
		dissect(copy, cut, n);
		bool trunc = pkt.nlayers < full;
		for (unsigned i = 0; i < pkt.nlayers; i++)
			trunc |= (pkt.l[i].flags & (WK_LF_TRUNC | WK_LF_INVALID)) != 0;
		trunc |= pkt.rest_len < full_rest; /* payload bytes of the last layer are cut */
		assert_true(trunc);
		struct wk_ob o;
		struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
		wk_ob_init(&o, mem, sizeof(mem), NULL, NULL);
		wk_print_line(&o, &po, &pkt);
		wk_print_json(&o, &pkt);
		wk_print_tree(&o, &pkt);
		test_free(copy);
	}
}

/* ---- DNS --------------------------------------------------------------------------- */

/* 0x1234, RD, one question: example.com A IN (29 bytes). */
static const uint8_t dns_query[] = {
    0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0, 0,   0,   0,   0, 7,
    'e',  'x',  'a',  'm',  'p', 'l', 'e', 3, 'c', 'o', 'm', 0, /* name at 12 */
    0,    1,    0,    1,
};

/* The answer to it: RD RA, two A records whose names point to offset 12 (61 bytes). */
static const uint8_t dns_resp[] = {
    0x12, 0x34, 0x81, 0x80, 0, 1,    0,    2,   0, 0,   0,  0, 7, 'e',  'x',  'a',
    'm',  'p',  'l',  'e',  3, 'c',  'o',  'm', 0, 0,   1,  0, 1, 0xc0, 0x0c, 0,
    1,    0,    1,    0,    0, 0x0e, 0x10, 0,   4, 198, 18, 0, 1, 0xc0, 0x0c, 0,
    1,    0,    1,    0,    0, 0x0e, 0x10, 0,   4, 198, 18, 0, 2,
};

static void test_dns_query(void **state)
{
	(void)state;
	uint8_t f[128];
	size_t n = ip_udp(f, 40000, 53, dns_query, sizeof(dns_query));
	dissect(f, n, n);
	int i = layer_of("dns");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_string_equal(fval("dns.id"), "0x1234");
	assert_string_equal(fval("dns.flags"), "0x0100");
	assert_string_equal(fval("dns.flags.response"), "0");
	assert_string_equal(fval("dns.flags.recdesired"), "1");
	assert_string_equal(fval("dns.flags.rcode"), ""); /* a query has none (as tshark) */
	assert_string_equal(fval("dns.qry.name"), "example.com");
	assert_string_equal(fval("dns.qry.type"), "1");
	assert_string_equal(fval("dns.qry.class"), "0x0001");
	assert_string_equal(fval("dns.count.queries"), "1");
	assert_string_equal(fval("dns.resp.name"), "");
	assert_non_null(strstr(line_of(), ": 4660+ A? example.com. (29)"));
}

static void test_dns_compressed_answer(void **state)
{
	(void)state;
	uint8_t f[128];
	size_t n = ip_udp(f, 53, 40000, dns_resp, sizeof(dns_resp));
	dissect(f, n, n);
	int i = layer_of("dns");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_string_equal(fval("dns.flags.response"), "1");
	assert_string_equal(fval("dns.flags.rcode"), "0");
	assert_string_equal(fval("dns.count.answers"), "2");
	assert_string_equal(fval("dns.resp.name"), "example.com,example.com");
	assert_string_equal(fval("dns.resp.type"), "1,1");
	assert_string_equal(fval("dns.resp.ttl"), "3600,3600");
	assert_string_equal(fval("dns.a"), "198.18.0.1,198.18.0.2");
	assert_non_null(strstr(line_of(), ": 4660 2/0/0 A 198.18.0.1, A 198.18.0.2 (61)"));
	all_truncations(f, n);
}

/* CNAME whose rdata ends in a pointer, then AAAA, over TCP with its length prefix. */
static void test_dns_tcp_cname(void **state)
{
	(void)state;
	static const uint8_t msg[] = {
	    0xab, 0xcd, 0x81, 0x80, 0,    1,   0,   2,   0, 0,   0,   0,   3,  'w', 'w', 'w',
	    7,    'e',  'x',  'a',  'm',  'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  0,   28,  0,
	    1,    0xc0, 0x0c, 0,    5,    0,   1,   0,   0, 0,   60,  0,   6,  3,   'w', 'e',
	    'b',  0xc0, 0x10, 0xc0, 0x2d, 0,   28,  0,   1, 0,   0,   0,   60, 0,   16,  0x20,
	    0x01, 0x0d, 0xb8, 0,    0,    0,   0,   0,   0, 0,   0,   0,   0,  0,   1,
	};
	uint8_t f[256];
	size_t n = 2 + sizeof(msg);
	size_t o = ip4(f, 6, 20 + n, 2);
	const uint8_t tcp[20] = {0, 53, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff};
	memcpy(f + o, tcp, 20);
	o += 20;
	f[o++] = 0;
	f[o++] = (uint8_t)sizeof(msg);
	memcpy(f + o, msg, sizeof(msg));
	o += sizeof(msg);
	dissect(f, o, o);
	int i = layer_of("dns");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_string_equal(fval("dns.length"), "79");
	assert_int_equal(sizeof(msg), 79);
	assert_string_equal(fval("dns.id"), "0xabcd");
	assert_string_equal(fval("dns.qry.name"), "www.example.com");
	assert_string_equal(fval("dns.cname"), "web.example.com");
	assert_string_equal(fval("dns.resp.name"), "www.example.com,web.example.com");
	assert_string_equal(fval("dns.aaaa"), "2001:db8::1");
	assert_non_null(strstr(line_of(), "43981 2/0/0 CNAME web.example.com., AAAA 2001:db8::1"));
	all_truncations(f, o);
}

static void expect_invalid_dns(const uint8_t *msg, size_t len)
{
	uint8_t f[1024];
	size_t n = ip_udp(f, 40000, 53, msg, len);
	dissect(f, n, n);
	int i = layer_of("dns");
	assert_true(i > 0);
	assert_true(pkt.l[i].flags & WK_LF_INVALID);
	assert_non_null(pkt.l[i].why);
	assert_non_null(strstr(line_of(), "(invalid dns"));
	fval("dns.qry.name"); /* getters stop at the bad name */
	fval("dns.resp.name");
	all_truncations(f, n);
}

static void test_dns_pointer_loop(void **state)
{
	(void)state;
	/* answer name at 29 points to itself */
	uint8_t self[sizeof(dns_resp)];
	memcpy(self, dns_resp, sizeof(self));
	self[29] = 0xc0;
	self[30] = 29;
	expect_invalid_dns(self, sizeof(self));
	/* label "a" then a pointer back to the label: a loop through a backwards pointer */
	static const uint8_t loop[] = {0, 1, 0, 0,   0,    1,  0, 0, 0, 0,
	                               0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1};
	expect_invalid_dns(loop, sizeof(loop));
	/* two names pointing at each other */
	static const uint8_t pair[] = {0, 1,    0,  0, 0, 2,    0,  0, 0, 0, 0,
	                               0, 0xc0, 16, 0, 1, 0xc0, 12, 0, 1, 0, 1};
	expect_invalid_dns(pair, sizeof(pair));
}

static void test_dns_forward_pointer(void **state)
{
	(void)state;
	/* the question's name points forward to a valid name at 18 */
	static const uint8_t fwd[] = {0, 1,    0,  0, 0, 1, 0, 0, 0,   0, 0,
	                              0, 0xc0, 18, 0, 1, 0, 1, 1, 'a', 0};
	expect_invalid_dns(fwd, sizeof(fwd));
}

static size_t long_name(uint8_t *b, size_t wire)
{
	size_t o = 0;
	while (wire - o > 1) {
		size_t lab = wire - o - 1 - 1; /* room for length byte and the root */
		if (lab > 63)
			lab = 63;
		b[o++] = (uint8_t)lab;
		memset(b + o, 'x', lab);
		o += lab;
	}
	b[o++] = 0;
	return o;
}

static void test_dns_name_length(void **state)
{
	(void)state;
	uint8_t msg[400] = {0, 1, 0, 0, 0, 1};
	/* exactly 255 bytes on the wire: valid, 253 characters */
	size_t o = 12 + long_name(msg + 12, 255);
	memcpy(msg + o, (const uint8_t[]){0, 1, 0, 1}, 4);
	uint8_t f[512];
	size_t n = ip_udp(f, 40000, 53, msg, o + 4);
	dissect(f, n, n);
	int i = layer_of("dns");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(strlen(fval("dns.qry.name")), 253);
	/* 256: invalid */
	o = 12 + long_name(msg + 12, 256);
	memcpy(msg + o, (const uint8_t[]){0, 1, 0, 1}, 4);
	expect_invalid_dns(msg, o + 4);
	/* 255 made of a pointer to a 200 byte name plus a 56 byte prefix: invalid too */
	size_t a = 12 + long_name(msg + 12, 200);
	memcpy(msg + a, (const uint8_t[]){0, 1, 0, 1}, 4);
	size_t b = a + 4;
	msg[5] = 2;
	msg[b++] = 55;
	memset(msg + b, 'y', 55);
	b += 55;
	msg[b++] = 0xc0;
	msg[b++] = 12;
	memcpy(msg + b, (const uint8_t[]){0, 1, 0, 1}, 4);
	expect_invalid_dns(msg, b + 4);
}

static void test_dns_counts_exceed(void **state)
{
	(void)state;
	/* claims 2 answers, holds 1: complete datagram, so invalid, not truncated */
	uint8_t m[sizeof(dns_resp) - 16];
	memcpy(m, dns_resp, sizeof(m));
	uint8_t f[128];
	size_t n = ip_udp(f, 53, 40000, m, sizeof(m));
	dissect(f, n, n);
	int i = layer_of("dns");
	assert_true(pkt.l[i].flags & WK_LF_INVALID);
	assert_string_equal(fval("dns.a"), "198.18.0.1"); /* what is there is shown */
	dissect(f, n, n + 16);                            /* the capture was cut: truncated */
	assert_true(pkt.l[i].flags & WK_LF_TRUNC);
}

/* ---- tunnels ------------------------------------------------------------------------- */

/* An inner IPv4/UDP datagram 198.18.0.1 > 198.18.0.9, 4 bytes of data. */
static size_t inner(uint8_t *b)
{
	static const uint8_t data[4] = {1, 2, 3, 4};
	size_t o = ip4(b, 17, 12, 9);
	o += udp(b + o, 1111, 2222, 4);
	memcpy(b + o, data, 4);
	return o + 4;
}

static void test_gre_key_seq(void **state)
{
	(void)state;
	uint8_t f[256], t[128];
	/* GRE: K and S, protocol IPv4, key 100, sequence 5 */
	static const uint8_t gre[] = {0x30, 0x00, 0x08, 0x00, 0, 0, 0, 100, 0, 0, 0, 5};
	memcpy(t, gre, sizeof(gre));
	size_t n = sizeof(gre) + inner(t + sizeof(gre));
	size_t o = ip4(f, 47, n, 2);
	memcpy(f + o, t, n);
	o += n;
	dissect(f, o, o);
	int i = layer_of("gre");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 12);
	assert_string_equal(fval("gre.key"), "0x00000064");
	assert_string_equal(fval("gre.sequence_number"), "5");
	assert_string_equal(fval("gre.proto"), "0x0800");
	assert_string_equal(fval("gre.checksum"), "");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	assert_non_null(strstr(line_of(), "GREv0, key=0x64, seq 5, length "));
	all_truncations(f, o);
	/* version 1 (PPTP) with an ack only */
	static const uint8_t pptp[] = {0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 9};
	o = ip4(f, 47, sizeof(pptp), 2);
	memcpy(f + o, pptp, sizeof(pptp));
	o += sizeof(pptp);
	dissect(f, o, o);
	assert_string_equal(fval("gre.key"), "");
	assert_string_equal(fval("gre.key.call_id"), "7");
	assert_string_equal(fval("gre.key.payload_length"), "0");
	assert_string_equal(fval("gre.ack_number"), "9");
	assert_string_equal(fval("gre.sequence_number"), "");
}

static void test_erspan(void **state)
{
	(void)state;
	uint8_t f[256];
	/* GRE with S, type 0x88be; ERSPAN II: version 1, vlan 23, session 100, index 7;
	 * then an Ethernet frame with IPv4 inside */
	static const uint8_t hdr[] = {0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 23,
	                              0x08, 100,  0,    0,    0, 7, 2, 0, 0,    0,
	                              0,    2,    2,    0,    0, 0, 0, 1, 0x08, 0};
	uint8_t t[128];
	memcpy(t, hdr, sizeof(hdr));
	size_t n = sizeof(hdr) + inner(t + sizeof(hdr));
	size_t o = ip4(f, 47, n, 2);
	memcpy(f + o, t, n);
	o += n;
	dissect(f, o, o);
	int i = layer_of("erspan");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_string_equal(fval("erspan.version"), "1");
	assert_string_equal(fval("erspan.vlan"), "23");
	assert_string_equal(fval("erspan.spanid"), "100");
	assert_string_equal(fval("erspan.index"), "7");
	assert_true(layer_of("eth") > i);
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	all_truncations(f, o);
	/* type I: no S bit, no ERSPAN header, the frame right after GRE */
	uint8_t g[256];
	static const uint8_t gre1[] = {0, 0, 0x88, 0xbe};
	memcpy(t, gre1, 4);
	memcpy(t + 4, hdr + 16, 14);
	n = 18 + inner(t + 18);
	o = ip4(g, 47, n, 2);
	memcpy(g + o, t, n);
	o += n;
	dissect(g, o, o);
	i = layer_of("erspan");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].hlen, 0);
	assert_string_equal(fval("erspan.version"), "");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
}

static void test_vxlan(void **state)
{
	(void)state;
	uint8_t t[128], f[256];
	/* VXLAN I flag, VNI 300, then Ethernet / IPv4 / UDP */
	static const uint8_t vx[] = {0x08, 0, 0, 0, 0, 0x01, 0x2c, 0, 2, 0,    0,
	                             0,    0, 2, 2, 0, 0,    0,    0, 1, 0x08, 0};
	memcpy(t, vx, sizeof(vx));
	size_t n = sizeof(vx) + inner(t + sizeof(vx));
	size_t o = ip_udp(f, 50000, 4789, t, n);
	dissect(f, o, o);
	int i = layer_of("vxlan");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_string_equal(fval("vxlan.vni"), "300");
	assert_string_equal(fval("vxlan.flags"), "0x0800");
	assert_string_equal(fval("vxlan.flag_i"), "1");
	assert_int_equal(layer_of("eth"), i + 1);
	assert_string_equal(fval("udp.dstport"), "4789,2222");
	assert_non_null(strstr(line_of(), "VXLAN, flags [I] (0x08), vni 300: "));
	all_truncations(f, o);
}

static void test_geneve_options(void **state)
{
	(void)state;
	uint8_t t[128], f[256];
	/* optlen 4 words: option class 0x0102 type 0x80 len 2 words (12 bytes), then class
	 * 0x0103 type 1 len 0 (4 bytes); protocol IPv4, VNI 0x0a */
	static const uint8_t gv[] = {0x04, 0x00, 0x08, 0x00, 0, 0, 0x0a, 0, 0x01, 0x02, 0x80, 0x02,
	                             1,    2,    3,    4,    5, 6, 7,    8, 0x01, 0x03, 0x01, 0x00};
	memcpy(t, gv, sizeof(gv));
	size_t n = sizeof(gv) + inner(t + sizeof(gv));
	size_t o = ip_udp(f, 50000, 6081, t, n);
	dissect(f, o, o);
	int i = layer_of("geneve");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 24);
	assert_string_equal(fval("geneve.vni"), "0x00000a");
	assert_string_equal(fval("geneve.option.length"), "16,12,4");
	assert_string_equal(fval("geneve.option.class"), "0x0102,0x0103");
	assert_string_equal(fval("geneve.option.type"), "0x80,0x01");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	assert_non_null(strstr(
	    line_of(), "Geneve, Flags [none], vni 0xa, proto IPv4 (0x0800), options [16 bytes]: "));
	all_truncations(f, o);
	/* an option longer than the option area is invalid */
	t[11] = 0x05;
	o = ip_udp(f, 50000, 6081, t, n);
	dissect(f, o, o);
	assert_true(pkt.l[layer_of("geneve")].flags & WK_LF_INVALID);
}

static void test_gtpu_ext(void **state)
{
	(void)state;
	uint8_t t[128], f[256];
	/* GTPv1-U, E set, T-PDU, TEID 0x100657; next ext 0x85 (PDU session container,
	 * 1 word: length, 2 bytes, next 0x40), then a UDP port ext (1 word, next 0) */
	static const uint8_t gtp[] = {0x34, 0xff, 0, 0,    0x00, 0x10, 0x06, 0x57, 0,    0,
	                              0,    0x85, 1, 0x10, 0x09, 0x40, 1,    0x08, 0x68, 0};
	memcpy(t, gtp, sizeof(gtp));
	size_t n = sizeof(gtp) + inner(t + sizeof(gtp));
	t[2] = (uint8_t)((n - 8) >> 8);
	t[3] = (uint8_t)(n - 8);
	size_t o = ip_udp(f, 2152, 2152, t, n);
	dissect(f, o, o);
	int i = layer_of("gtp");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 20);
	assert_string_equal(fval("gtp.teid"), "0x00100657");
	assert_string_equal(fval("gtp.message"), "0xff");
	assert_string_equal(fval("gtp.seq_number"), "0x0000");
	assert_string_equal(fval("gtp.npdu_number"), "");
	assert_string_equal(fval("gtp.ext_hdr.length"), "1,1");
	assert_string_equal(fval("gtp.ext_hdr.next"), "0x85,0x40,0x00");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	all_truncations(f, o);
	/* an extension of length 0 is invalid (it could never end) */
	t[12] = 0;
	o = ip_udp(f, 2152, 2152, t, n);
	dissect(f, o, o);
	assert_true(pkt.l[layer_of("gtp")].flags & WK_LF_INVALID);
	assert_int_equal(count_of("ip"), 1);
}

static void test_l2tp_teredo_pim(void **state)
{
	(void)state;
	uint8_t t[128], f[256];
	/* L2TPv2 data with L and S: length, tunnel 5, session 6, Ns 1, Nr 2; PPP IPv4 */
	static const uint8_t l2[] = {0x48, 0x02, 0, 0, 0, 5, 0, 6, 0, 1, 0, 2, 0xff, 0x03, 0, 0x21};
	memcpy(t, l2, sizeof(l2));
	size_t n = sizeof(l2) + inner(t + sizeof(l2));
	t[3] = (uint8_t)n;
	size_t o = ip_udp(f, 1701, 1701, t, n);
	dissect(f, o, o);
	assert_string_equal(fval("l2tp.tunnel"), "5");
	assert_string_equal(fval("l2tp.session"), "6");
	assert_string_equal(fval("l2tp.Nr"), "2");
	assert_string_equal(fval("l2tp.length"), "48");
	all_truncations(f, o);

	/* Teredo origin indication (port 1000, 198.18.0.7, both inverted), then IPv6 */
	static const uint8_t te[] = {0,    0, 0xfc, 0x17, 0x39, 0xed, 0xff, 0xf8,
	                             0x60, 0, 0,    0,    0,    0,    59,   64};
	memcpy(t, te, sizeof(te));
	memset(t + sizeof(te), 0, 32);
	t[sizeof(te) + 15] = 1;
	t[sizeof(te) + 31] = 2;
	n = sizeof(te) + 32;
	o = ip_udp(f, 3544, 40000, t, n);
	dissect(f, o, o);
	assert_string_equal(fval("teredo.orig.port"), "1000");
	assert_string_equal(fval("teredo.orig.addr"), "198.18.0.7");
	assert_string_equal(fval("ipv6.dst"), "::2");
	all_truncations(f, o);

	/* PIM register carrying an IPv4 datagram */
	static const uint8_t pim[] = {0x21, 0, 0, 0, 0, 0, 0, 0};
	memcpy(t, pim, sizeof(pim));
	n = sizeof(pim) + inner(t + sizeof(pim));
	o = ip4(f, 103, n, 2);
	memcpy(f + o, t, n);
	o += n;
	dissect(f, o, o);
	assert_string_equal(fval("pim.type"), "1");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	assert_non_null(strstr(line_of(), "PIMv2, Register, length "));
	all_truncations(f, o);
}

static void test_lisp(void **state)
{
	(void)state;
	uint8_t t[256], f[384];
	/* LISP data: N L I, nonce 0x123456, instance 100, LSBs 0x03; then IPv4 / UDP */
	static const uint8_t ld[] = {0xc8, 0x12, 0x34, 0x56, 0, 0, 100, 0x03};
	memcpy(t, ld, sizeof(ld));
	size_t n = sizeof(ld) + inner(t + sizeof(ld));
	size_t o = ip_udp(f, 50000, 4341, t, n);
	dissect(f, o, o);
	int i = layer_of("lisp");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 8);
	assert_string_equal(fval("lisp-data.flags"), "0xc8");
	assert_string_equal(fval("lisp-data.flags.iid"), "1");
	assert_string_equal(fval("lisp-data.nonce"), "1193046");
	assert_string_equal(fval("lisp-data.iid"), "100");
	assert_string_equal(fval("lisp-data.lsb8"), "0x03");
	assert_string_equal(fval("lisp-data.lsb"), "");
	assert_string_equal(fval("lisp.type"), "");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	assert_string_equal(fval("udp.dstport"), "4341,2222");
	assert_non_null(
	    strstr(line_of(), ": LISP-Data, flags [NLI], iid 100: IP 198.18.0.1.1111 > "));
	all_truncations(f, o);
	/* Without I the second word is all locator status bits; version 5 inside: no layer */
	t[0] = 0x40;
	t[8] = 0x55;
	o = ip_udp(f, 4341, 50000, t, n);
	dissect(f, o, o);
	assert_string_equal(fval("lisp-data.lsb"), "0x00006403");
	assert_string_equal(fval("lisp-data.iid"), "");
	assert_int_equal(pkt.nlayers, layer_of("lisp") + 1);

	/* Map-Register: 2 records, nonce 0x0102030405060708, then (undissected) records */
	static const uint8_t reg[] = {0x30, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 0};
	o = ip_udp(f, 4342, 4342, reg, sizeof(reg));
	dissect(f, o, o);
	i = layer_of("lisp");
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 12);
	assert_string_equal(fval("lisp.type"), "3");
	assert_string_equal(fval("lisp.records"), "2");
	assert_string_equal(fval("lisp.nonce"), "0x0102030405060708");
	assert_string_equal(fval("lisp.irc"), "");
	assert_string_equal(fval("lisp-data.flags"), "");
	assert_non_null(strstr(line_of(), ".4342: LISP-Map-Register, 2 record(s),"));
	all_truncations(f, o);

	/* Encapsulated Control Message, D bit, around IPv4 / UDP 4342 / Map-Request (ITR-RLOC
	 * count 1, 1 record, nonce 9) */
	static const uint8_t ecm[] = {0x84, 0, 0, 0};
	static const uint8_t req[] = {0x10, 0, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 9};
	memcpy(t, ecm, sizeof(ecm));
	n = sizeof(ecm) + ip4(t + sizeof(ecm), 17, 8 + sizeof(req), 7);
	n += udp(t + n, 4342, 4342, sizeof(req));
	memcpy(t + n, req, sizeof(req));
	n += sizeof(req);
	o = ip_udp(f, 4342, 4342, t, n);
	dissect(f, o, o);
	assert_int_equal(count_of("lisp"), 2);
	assert_string_equal(fval("lisp.type"), "8,1");
	assert_string_equal(fval("lisp.ecm.flags.ddt"), "1");
	assert_string_equal(fval("lisp.ecm.flags.sec"), "0");
	assert_string_equal(fval("lisp.irc"), "1");
	assert_string_equal(fval("lisp.records"), "1");
	assert_string_equal(fval("lisp.nonce"), "0x0000000000000009");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.7");
	assert_non_null(strstr(line_of(), "LISP-Encapsulated-Contol-Message, IP 198.18.0.1.4342 > "
	                                  "198.18.0.7.4342: LISP-Map-Request,"));
	all_truncations(f, o);
}

static void test_capwap(void **state)
{
	(void)state;
	uint8_t t[256], f[384];
	/* CAPWAP data: HLEN 4, RID 1, WBID 1, T W; fragment id 0; wireless info length 1
	 * (0x04) padded to 16 bytes / 802.11 data To DS with the frame control bytes swapped
	 * (01 08, as Cisco access points send it), duration 44 / LLC / SNAP / IPv4 / UDP */
	static const uint8_t cw[] = {0x00, 0x20, 0x43, 0x20, 0,    0,    0,    0,    0x01, 0x04,
	                             0,    0,    0,    0,    0,    0,    0x01, 0x08, 0x2c, 0x00,
	                             0x58, 0x0a, 0x20, 0x69, 0x0e, 0x20, 0x1c, 0xab, 0xa7, 0xf2,
	                             0x13, 0x9d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10, 0x00,
	                             0xaa, 0xaa, 0x03, 0,    0,    0,    0x08, 0x00};
	memcpy(t, cw, sizeof(cw));
	size_t n = sizeof(cw) + inner(t + sizeof(cw));
	size_t o = ip_udp(f, 12380, 5247, t, n);
	dissect(f, o, o);
	int i = layer_of("capwap");
	assert_true(i > 0);
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 16);
	assert_int_equal(layer_of("wlan"), i + 1);
	assert_string_equal(fval("capwap.header.length"), "4");
	assert_string_equal(fval("capwap.header.rid"), "1");
	assert_string_equal(fval("capwap.header.wbid"), "1");
	assert_string_equal(fval("capwap.header.flags"), "0x000120");
	assert_string_equal(fval("capwap.header.flags.t"), "1");
	assert_string_equal(fval("capwap.header.flags.w"), "1");
	assert_string_equal(fval("capwap.header.wireless.length"), "1");
	assert_string_equal(fval("capwap.header.wireless.data"), "04");
	assert_string_equal(fval("capwap.header.mac.length"), "");
	assert_string_equal(fval("capwap.control.header.message_type"), "");
	assert_string_equal(fval("wlan.fc"), "0x0108");
	assert_string_equal(fval("wlan.fc.type_subtype"), "0x0020");
	assert_string_equal(fval("wlan.fc.tods"), "1");
	assert_string_equal(fval("wlan.flags"), "0x01");
	assert_string_equal(fval("wlan.duration"), "44");
	assert_string_equal(fval("wlan.sa"), "1c:ab:a7:f2:13:9d");
	assert_string_equal(fval("wlan.seq"), "1");
	assert_string_equal(fval("ip.dst"), "198.18.0.2,198.18.0.9");
	assert_non_null(strstr(line_of(), ".5247: CAPWAP-Data, radio 1: IP 198.18.0.1.1111 > "));
	all_truncations(f, o);

	/* T = 0: an IEEE 802.3 frame (HLEN 2, no options) / IPv4 / UDP */
	static const uint8_t c3[] = {0x00, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	                             0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1,    0x08, 0x00};
	memcpy(t, c3, sizeof(c3));
	n = sizeof(c3) + inner(t + sizeof(c3));
	o = ip_udp(f, 5247, 12380, t, n);
	dissect(f, o, o);
	i = layer_of("capwap");
	assert_int_equal(layer_of("eth"), i + 1);
	assert_string_equal(fval("udp.dstport"), "12380,2222");
	all_truncations(f, o);
	/* a later fragment (F, offset 8 units) is not dissected; the first is, flagged MORE */
	t[3] = 0x80;
	t[7] = 0x40;
	o = ip_udp(f, 5247, 12380, t, n);
	dissect(f, o, o);
	i = layer_of("capwap");
	assert_true(pkt.l[i].flags & WK_LF_FRAG);
	assert_int_equal(pkt.nlayers, i + 1);
	assert_string_equal(fval("capwap.header.fragment.offset"), "8");
	t[7] = 0;
	o = ip_udp(f, 5247, 12380, t, n);
	dissect(f, o, o);
	assert_true(pkt.l[i].flags & WK_LF_MORE);
	assert_int_equal(layer_of("eth"), i + 1);
	/* a header length under 8 bytes is invalid */
	t[3] = 0;
	t[1] = 0x08;
	o = ip_udp(f, 5247, 12380, t, n);
	dissect(f, o, o);
	assert_true(pkt.l[layer_of("capwap")].flags & WK_LF_INVALID);

	/* Control channel: HLEN 2, WBID 1 / Echo Request, seq 7, element length 1, flags 0 */
	static const uint8_t ctl[] = {0x00, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 13, 7, 0, 1, 0};
	o = ip_udp(f, 12380, 5246, ctl, sizeof(ctl));
	dissect(f, o, o);
	i = layer_of("capwap");
	assert_int_equal(pkt.l[i].flags, 0);
	assert_int_equal(pkt.l[i].hlen, 16);
	assert_string_equal(fval("capwap.control.header.message_type"), "13");
	assert_string_equal(fval("capwap.control.header.sequence_number"), "7");
	assert_string_equal(fval("capwap.control.header.message_element_length"), "1");
	assert_non_null(strstr(line_of(), ".5246: CAPWAP-Control, Echo Request, seq 7, length 0"));
	all_truncations(f, o);

	/* DTLS preamble: the 4 byte DTLS header, then an opaque record */
	static const uint8_t dtls[] = {0x01, 0, 0, 0, 0x17, 0xfe, 0xfd, 0, 1};
	o = ip_udp(f, 5246, 12380, dtls, sizeof(dtls));
	dissect(f, o, o);
	i = layer_of("capwap");
	assert_int_equal(pkt.l[i].hlen, 4);
	assert_int_equal(pkt.nlayers, i + 1);
	assert_string_equal(fval("capwap.preamble.type"), "1");
	assert_string_equal(fval("capwap.header.length"), "");
	assert_non_null(strstr(line_of(), "CAPWAP-Control, DTLS, length 5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dns_query),
	    cmocka_unit_test(test_dns_compressed_answer),
	    cmocka_unit_test(test_dns_tcp_cname),
	    cmocka_unit_test(test_dns_pointer_loop),
	    cmocka_unit_test(test_dns_forward_pointer),
	    cmocka_unit_test(test_dns_name_length),
	    cmocka_unit_test(test_dns_counts_exceed),
	    cmocka_unit_test(test_gre_key_seq),
	    cmocka_unit_test(test_erspan),
	    cmocka_unit_test(test_vxlan),
	    cmocka_unit_test(test_geneve_options),
	    cmocka_unit_test(test_gtpu_ext),
	    cmocka_unit_test(test_l2tp_teredo_pim),
	    cmocka_unit_test(test_lisp),
	    cmocka_unit_test(test_capwap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
