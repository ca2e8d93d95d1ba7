/* The packet encoder: build, then dissect what was built and check every field, that the
 * checksums verify, that defaults follow the next layer, and that values the user set
 * (lengths, checksums) are kept as given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/build.h"
#include "wirekit/wirekit.h"

static uint8_t buf[2048];

static void dis(struct wk_pkt *p, const uint8_t *d, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->data = d;
	p->caplen = p->wirelen = (uint32_t)n;
	p->linktype = 1;
	wk_dissect(p);
}

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

static uint64_t num(const struct wk_pkt *p, const char *name)
{
	struct wk_val v;
	if (!val(p, name, 0, &v))
		fail_msg("field %s absent", name);
	return v.u;
}

static const char *text(const struct wk_pkt *p, const char *name, unsigned occ)
{
	static char out[512];
	struct wk_val v;
	struct wk_ob o;
	const struct wk_proto *pr;
	const struct wk_field *f = wk_field_find(name, &pr);
	if (!val(p, name, occ, &v))
		fail_msg("field %s absent", name);
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	wk_ob_val(&o, f, &v);
	out[o.len] = 0;
	return out;
}

static const char *names(const struct wk_pkt *p)
{
	static char out[256];
	size_t n = 0;
	for (unsigned i = 1; i < p->nlayers && n + 32 < sizeof(out); i++) {
		size_t k = strlen(p->l[i].proto->name);
		if (i > 1)
			out[n++] = ':';
		memcpy(out + n, p->l[i].proto->name, k);
		n += k;
	}
	out[n] = 0;
	return out;
}

static int add(struct wk_build *b, const char *proto)
{
	struct wk_error err = {0};
	int i = wk_build_add(b, wk_proto_find(proto), &err);
	if (i < 0)
		fail_msg("add %s: %s", proto, err.msg);
	return i;
}

static void set(struct wk_build *b, int i, const char *field, const char *value)
{
	struct wk_error err = {0};
	if (wk_build_set_text(b, (unsigned)i, field, value, &err))
		fail_msg("set %s=%s: %s", field, value, err.msg);
}

static size_t encode(struct wk_build *b)
{
	struct wk_error err = {0};
	size_t n = 0;
	if (wk_build_encode(b, buf, sizeof(buf), &n, &err))
		fail_msg("encode: %s", err.msg);
	return n;
}

/* Transport checksum including the pseudo-header of network layer li: 0 when right. */
static uint16_t verify(const struct wk_pkt *p, int li, int ti, uint8_t proto)
{
	const uint8_t *h = p->data + p->l[li].off;
	uint32_t n = p->l[ti].len, s;
	if (h[0] >> 4 == 4)
		s = wk_csum_pseudo4(h + 12, h + 16, proto, n);
	else
		s = wk_csum_pseudo6(h + 8, h + 24, proto, n);
	return wk_csum_fold(wk_csum_partial(p->data + p->l[ti].off, n, s));
}

static int find(const struct wk_pkt *p, const char *proto)
{
	return wk_pkt_find(p, wk_proto_find(proto), 0);
}

static void test_tcp_syn(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	int e = add(&b, "eth"), ip = add(&b, "ip"), tcp = add(&b, "tcp");
	set(&b, e, "eth.src", "02:00:00:00:00:01");
	set(&b, ip, "src", "198.18.0.1");
	set(&b, ip, "ip.dst", "198.18.0.2");
	set(&b, ip, "ip.ttl", "7");
	set(&b, ip, "ip.id", "0xbeef");
	set(&b, ip, "ip.flags.df", "1");
	set(&b, tcp, "tcp.srcport", "40000"); /* a tshark alias */
	set(&b, tcp, "dport", "443");
	set(&b, tcp, "tcp.seq", "123456789");
	set(&b, tcp, "tcp.mss", "1460");
	set(&b, tcp, "tcp.sackok", "1");
	set(&b, tcp, "tcp.tsval", "5");
	set(&b, tcp, "tcp.wscale", "7");
	size_t n = encode(&b);
	dis(&p, buf, n);
	assert_string_equal(names(&p), "eth:ip:tcp");
	int pi = find(&p, "ip"), pt = find(&p, "tcp");
	assert_int_equal(p.l[pt].flags, 0);
	assert_string_equal(text(&p, "eth.type", 0), "0x0800"); /* from ip's binding */
	assert_string_equal(text(&p, "eth.src", 0), "02:00:00:00:00:01");
	assert_string_equal(text(&p, "eth.dst", 0), "ff:ff:ff:ff:ff:ff");
	assert_int_equal(num(&p, "ip.proto"), 6);
	assert_int_equal(num(&p, "ip.len"), n - 14);
	assert_int_equal(num(&p, "ip.ttl"), 7);
	assert_int_equal(num(&p, "ip.id"), 0xbeef);
	assert_int_equal(num(&p, "ip.flags"), 2);
	assert_int_equal(num(&p, "ip.hl"), 5);
	assert_string_equal(text(&p, "ip.dst", 0), "198.18.0.2");
	assert_int_equal(wk_csum(p.data + p.l[pi].off, 20), 0);
	assert_int_equal(num(&p, "tcp.sport"), 40000);
	assert_int_equal(num(&p, "tcp.dport"), 443);
	assert_int_equal(num(&p, "tcp.seq"), 123456789);
	assert_int_equal(num(&p, "tcp.flags"), 2);
	assert_int_equal(num(&p, "tcp.hl"), 10);
	assert_string_equal(text(&p, "tcp.options", 0),
	                    "mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 7");
	assert_int_equal(verify(&p, pi, pt, 6), 0);
}

static void test_tcp_options_text(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	add(&b, "ip");
	int t = add(&b, "tcp");
	set(&b, t, "tcp.options", "mss 1400,nop,nop,sack 1 {100:200},TS val 7 ecr 8,wscale 2");
	set(&b, t, "tcp.flags", "PA");
	static const uint8_t data[] = "hello";
	assert_int_equal(wk_build_payload(&b, (unsigned)t, data, 5, NULL), 0);
	size_t n = encode(&b);
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = p.wirelen = (uint32_t)n;
	p.linktype = 228; /* raw IPv4 */
	wk_dissect(&p);
	assert_string_equal(names(&p), "ip:tcp");
	assert_string_equal(text(&p, "tcp.options", 0),
	                    "mss 1400,nop,nop,sack 1 {100:200},TS val 7 ecr 8,wscale 2,eol");
	assert_string_equal(text(&p, "tcp.flags", 0), "0x0018");
	assert_int_equal(num(&p, "tcp.len"), 5);
	assert_int_equal(verify(&p, find(&p, "ip"), find(&p, "tcp"), 6), 0);
	/* key=value form */
	wk_build_init(&b);
	add(&b, "ip");
	t = add(&b, "tcp");
	set(&b, t, "tcp.options", "mss=536,sackok,ts=1:2");
	n = encode(&b);
	p.caplen = p.wirelen = (uint32_t)n;
	wk_dissect(&p);
	assert_string_equal(text(&p, "tcp.options", 0), "mss 536,sackOK,TS val 1 ecr 2");
}

static void test_ipv6_udp_and_extensions(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	add(&b, "eth");
	int v6 = add(&b, "ipv6");
	add(&b, "ipv6_hopopts");
	int fh = add(&b, "ipv6_fraghdr");
	int u = add(&b, "udp");
	set(&b, v6, "ipv6.src", "2001:db8::1");
	set(&b, v6, "ipv6.dst", "2001:db8::2");
	set(&b, v6, "ipv6.fl", "12345");
	set(&b, fh, "ipv6.fraghdr.ident", "0xdeadbeef");
	set(&b, u, "udp.sport", "1111");
	set(&b, u, "udp.dport", "2222");
	static const uint8_t data[10] = "0123456789";
	wk_build_payload(&b, (unsigned)u, data, sizeof(data), NULL);
	size_t n = encode(&b);
	dis(&p, buf, n);
	assert_string_equal(names(&p), "eth:ipv6:ipv6_hopopts:ipv6_fraghdr:udp");
	assert_string_equal(text(&p, "eth.type", 0), "0x86dd");
	assert_int_equal(num(&p, "ipv6.nh"), 0);
	assert_int_equal(num(&p, "ipv6.hopopts.nxt"), 44);
	assert_int_equal(num(&p, "ipv6.fraghdr.nxt"), 17);
	assert_int_equal(num(&p, "ipv6.fraghdr.ident"), 0xdeadbeef);
	assert_int_equal(num(&p, "ipv6.plen"), 8 + 8 + 8 + 10);
	assert_int_equal(num(&p, "ipv6.fl"), 12345);
	assert_int_equal(num(&p, "udp.len"), 18);
	assert_int_equal(verify(&p, find(&p, "ipv6"), find(&p, "udp"), 17), 0);
}

static void test_icmp_and_icmp6(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	static const uint8_t data[56] = {1, 2, 3};
	wk_build_init(&b);
	add(&b, "eth");
	add(&b, "ip");
	int ic = add(&b, "icmp");
	set(&b, ic, "icmp.type", "echo-request");
	set(&b, ic, "icmp.ident", "77");
	set(&b, ic, "icmp.seq", "3");
	wk_build_payload(&b, (unsigned)ic, data, sizeof(data), NULL);
	size_t n = encode(&b);
	dis(&p, buf, n);
	assert_string_equal(names(&p), "eth:ip:icmp");
	assert_int_equal(num(&p, "ip.proto"), 1);
	assert_int_equal(num(&p, "icmp.type"), 8);
	assert_int_equal(num(&p, "icmp.id"), 77);
	assert_int_equal(num(&p, "icmp.seq"), 3);
	int pi = find(&p, "icmp");
	assert_int_equal(wk_csum(p.data + p.l[pi].off, p.l[pi].len), 0);

	/* ICMP port unreachable quoting an IPv4/UDP header, built as five layers */
	wk_build_init(&b);
	add(&b, "eth");
	add(&b, "ip");
	ic = add(&b, "icmp");
	int q = add(&b, "ip");
	int qu = add(&b, "udp");
	set(&b, ic, "icmp.type", "3");
	set(&b, ic, "icmp.code", "3");
	set(&b, q, "ip.dst", "198.18.0.9");
	set(&b, qu, "udp.dport", "53");
	n = encode(&b);
	dis(&p, buf, n);
	assert_string_equal(names(&p), "eth:ip:icmp:ip:udp");
	pi = find(&p, "icmp");
	assert_int_equal(wk_csum(p.data + p.l[pi].off, p.l[pi].len), 0);
	assert_true(p.l[pi + 1].flags & WK_LF_QUOTED);
	assert_string_equal(text(&p, "ip.dst", 1), "198.18.0.9");

	/* ICMPv6 echo: checksum over the IPv6 pseudo-header */
	wk_build_init(&b);
	add(&b, "ipv6");
	ic = add(&b, "icmp6");
	set(&b, ic, "icmpv6.type", "129");
	set(&b, ic, "icmp6.id", "0x4242");
	set(&b, ic, "icmp6.seq", "9");
	wk_build_payload(&b, (unsigned)ic, data, 8, NULL);
	n = encode(&b);
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = p.wirelen = (uint32_t)n;
	p.linktype = 229;
	wk_dissect(&p);
	assert_string_equal(names(&p), "ipv6:icmp6");
	assert_int_equal(num(&p, "ipv6.nh"), 58);
	assert_int_equal(num(&p, "icmp6.type"), 129);
	assert_int_equal(num(&p, "icmp6.id"), 0x4242);
	assert_int_equal(verify(&p, find(&p, "ipv6"), find(&p, "icmp6"), 58), 0);
}

static void test_arp(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	add(&b, "eth");
	int a = add(&b, "arp");
	set(&b, a, "arp.op", "is-at");
	set(&b, a, "arp.hwsrc", "02:00:00:00:00:02");
	set(&b, a, "arp.psrc", "198.18.0.2");
	set(&b, a, "arp.dst.hw_mac", "02:00:00:00:00:01");
	set(&b, a, "arp.pdst", "198.18.0.1");
	size_t n = encode(&b);
	assert_int_equal(n, 42);
	dis(&p, buf, n);
	assert_string_equal(names(&p), "eth:arp");
	assert_string_equal(text(&p, "eth.type", 0), "0x0806");
	assert_int_equal(num(&p, "arp.opcode"), 2);
	assert_string_equal(text(&p, "arp.hwsrc", 0), "02:00:00:00:00:02");
	assert_string_equal(text(&p, "arp.psrc", 0), "198.18.0.2");
	assert_string_equal(text(&p, "arp.hwdst", 0), "02:00:00:00:00:01");
	assert_string_equal(text(&p, "arp.pdst", 0), "198.18.0.1");
}

/* Lengths and checksums the user set are written as given, right or not. */
static void test_user_values_kept(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	int ip = add(&b, "ip");
	int u = add(&b, "udp");
	set(&b, ip, "ip.len", "1000");
	set(&b, ip, "ip.checksum", "0x1234");
	set(&b, ip, "ip.proto", "99");
	set(&b, u, "udp.len", "99");
	set(&b, u, "udp.chksum", "0");
	size_t n = encode(&b);
	assert_int_equal(n, 28);
	assert_int_equal(buf[2] << 8 | buf[3], 1000);
	assert_int_equal(buf[10] << 8 | buf[11], 0x1234);
	assert_int_equal(buf[9], 99);
	assert_int_equal(buf[24] << 8 | buf[25], 99);
	assert_int_equal(buf[26] << 8 | buf[27], 0);
	/* and the header check still works: dissect sees what was written */
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = p.wirelen = (uint32_t)n;
	p.linktype = 228;
	wk_dissect(&p);
	assert_int_equal(num(&p, "ip.len"), 1000);
}

static void test_badsum(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_pkt p;
	wk_build_init(&b);
	b.flags = WK_BUILD_BADSUM;
	add(&b, "ip");
	add(&b, "tcp");
	size_t n = encode(&b);
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = p.wirelen = (uint32_t)n;
	p.linktype = 228;
	wk_dissect(&p);
	assert_int_not_equal(wk_csum(buf, 20), 0);
	assert_int_not_equal(verify(&p, find(&p, "ip"), find(&p, "tcp"), 6), 0);
	/* the same packet without the flag verifies */
	b.flags = 0;
	n = encode(&b);
	assert_int_equal(wk_csum(buf, 20), 0);
	assert_int_equal(verify(&p, find(&p, "ip"), find(&p, "tcp"), 6), 0);
}

static void test_errors(void **state)
{
	(void)state;
	struct wk_build b;
	struct wk_error err = {0};
	size_t n;
	wk_build_init(&b);
	int ip = add(&b, "ip");
	assert_int_equal(wk_build_set_text(&b, (unsigned)ip, "ip.nosuch", "1", &err), WK_ENOTFOUND);
	assert_int_equal(wk_build_set_text(&b, (unsigned)ip, "ip.hdr_len", "20", &err), WK_EINVAL);
	assert_int_equal(wk_build_set_text(&b, (unsigned)ip, "ip.src", "1.2.3", &err), WK_EINVAL);
	assert_int_equal(wk_build_set_text(&b, (unsigned)ip, "ip.ttl", "x", &err), WK_EINVAL);
	assert_int_equal(b.l[ip].nset, 0); /* rejected values leave nothing behind */
	set(&b, ip, "ip.hl", "16");        /* 4 bits */
	assert_int_equal(wk_build_encode(&b, buf, sizeof(buf), &n, &err), WK_EINVAL);
	set(&b, ip, "ip.hl", "6");
	assert_int_equal(wk_build_encode(&b, buf, sizeof(buf), &n, &err), 0);
	assert_int_equal(buf[0], 0x46);
	assert_int_equal(wk_build_encode(&b, buf, 10, &n, &err), WK_ENOMEM);
	int t = add(&b, "tcp");
	set(&b, t, "tcp.options", "frobnicate 3");
	assert_int_equal(wk_build_encode(&b, buf, sizeof(buf), &n, &err), WK_EINVAL);
	/* a protocol without an encoder cannot be added */
	assert_true(wk_build_add(&b, wk_proto_find("ah"), &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp_syn),
	    cmocka_unit_test(test_tcp_options_text),
	    cmocka_unit_test(test_ipv6_udp_and_extensions),
	    cmocka_unit_test(test_icmp_and_icmp6),
	    cmocka_unit_test(test_arp),
	    cmocka_unit_test(test_user_values_kept),
	    cmocka_unit_test(test_badsum),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
