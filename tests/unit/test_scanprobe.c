/* Probe modules of the raw scanner (src/lib/scan/probes.c, reply.c, payloads.c): every
 * template patched per probe has right checksums; the reply a kernel would send (SYN-ACK,
 * RST, ICMP errors quoting the probe, echo and timestamp replies, UDP answers) is accepted
 * with nmap's state and reason; a reply with a wrong cookie, port or address is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/scan_int.h"
#include "wirekit/csum.h"

#define SRC 0xc6120001u /* 198.18.0.1 */
#define DST 0xc6130005u /* 198.19.0.5 */

static struct scan_ctx ctx(bool l2)
{
	struct scan_ctx c;
	memset(&c, 0, sizeof(c));
	c.src = SRC;
	c.sport = 40000;
	for (int i = 0; i < 16; i++)
		c.key[i] = (uint8_t)(i * 7 + 1);
	c.l2 = l2;
	if (l2) {
		memset(c.eth, 0x02, 12);
		c.eth[12] = 0x08;
	}
	return c;
}

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)(v >> 16));
	p16(p + 2, (uint16_t)v);
}

/* the probe's IPv4 and transport checksums verify */
static void check_sums(const uint8_t *ip, size_t n)
{
	assert_int_equal(wk_csum(ip, 20), 0);
	uint8_t proto = ip[9];
	size_t l4 = n - 20;
	if (proto == 1) {
		assert_int_equal(wk_csum(ip + 20, l4), 0);
	} else {
		uint32_t s = wk_csum_pseudo4(ip + 12, ip + 16, proto, (uint32_t)l4);
		assert_int_equal(wk_csum_fold(wk_csum_partial(ip + 20, l4, s)), 0);
	}
	assert_int_equal(g16(ip + 2), n);
}

static size_t probe(const struct scan_probe *m, const struct scan_ctx *c, uint32_t dst,
                    uint16_t port, uint8_t *out)
{
	struct scan_tmpl t;
	assert_int_equal(m->build(&t, c, NULL), 0);
	size_t n = m->make(out, &t, c, dst, port);
	assert_true(n > t.l3 + 20);
	check_sums(out + t.l3, n - t.l3);
	return n;
}

/* A raw IPv4 reply from src to dst with the given transport bytes. */
static size_t reply(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                    size_t n)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)(20 + n));
	b[8] = 61;
	b[9] = proto;
	p32(b + 12, src);
	p32(b + 16, dst);
	memcpy(b + 20, l4, n);
	return 20 + n;
}

static bool classify(const struct scan_probe *m, const struct scan_ctx *c, const uint8_t *b,
                     size_t n, struct scan_verdict *v)
{
	struct scan_reply r;
	if (!scan_parse(b, n, 228, &r))
		return false;
	return m->classify(&r, c, v);
}

static void test_syn(void **state)
{
	(void)state;
	for (int l2 = 0; l2 < 2; l2++) {
		struct scan_ctx c = ctx(l2);
		uint8_t pk[SCAN_PKT_MAX], rb[256], t[20] = {0};
		size_t n = probe(&scan_probe_tcp_syn, &c, DST, 443, pk);
		const uint8_t *ip = pk + (l2 ? 14 : 0);
		assert_int_equal(g32(ip + 16), DST);
		assert_int_equal(g16(ip + 22), 443);
		assert_int_equal(ip[33], 0x02);
		uint32_t seq = g32(ip + 24);
		/* SYN-ACK */
		p16(t, 443);
		p16(t + 2, 40000);
		p32(t + 8, seq + 1);
		t[12] = 0x50;
		t[13] = 0x12;
		struct scan_verdict v;
		size_t rn = reply(rb, DST, SRC, 6, t, 20);
		assert_true(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		assert_int_equal(v.target, DST);
		assert_int_equal(v.port, 443);
		assert_int_equal(v.state, WK_PS_OPEN);
		assert_int_equal(v.reason, WK_RS_SYN_ACK);
		/* RST */
		t[13] = 0x14;
		reply(rb, DST, SRC, 6, t, 20);
		assert_true(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		assert_int_equal(v.state, WK_PS_CLOSED);
		assert_int_equal(v.reason, WK_RS_RESET);
		/* wrong ack, wrong port, other source: not ours */
		p32(t + 8, seq + 2);
		reply(rb, DST, SRC, 6, t, 20);
		assert_false(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		p32(t + 8, seq + 1);
		p16(t, 444);
		reply(rb, DST, SRC, 6, t, 20);
		assert_false(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		p16(t, 443);
		reply(rb, DST + 1, SRC, 6, t, 20);
		assert_false(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		/* the ACK module does not take the SYN module's answer */
		reply(rb, DST, SRC, 6, t, 20);
		assert_false(classify(&scan_probe_tcp_ack, &c, rb, rn, &v));
		/* ICMP admin-prohibited quoting the probe (IP header + 8 bytes) */
		uint8_t ic[8 + 28] = {3, 13};
		memcpy(ic + 8, ip, 28);
		rn = reply(rb, DST, SRC, 1, ic, sizeof(ic));
		assert_true(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		assert_int_equal(v.state, WK_PS_FILTERED);
		assert_int_equal(v.reason, WK_RS_ADMIN_PROHIBITED);
		assert_int_equal(v.port, 443);
		/* a quote cut short is not an answer */
		assert_false(classify(&scan_probe_tcp_syn, &c, rb, rn - 4, &v));
		/* a quote with another sequence number is not ours */
		ic[8 + 24] ^= 1;
		reply(rb, DST, SRC, 1, ic, sizeof(ic));
		assert_false(classify(&scan_probe_tcp_syn, &c, rb, rn, &v));
		(void)n;
	}
}

static void test_ack(void **state)
{
	(void)state;
	struct scan_ctx c = ctx(false);
	uint8_t pk[SCAN_PKT_MAX], rb[256], t[20] = {0};
	probe(&scan_probe_tcp_ack, &c, DST, 80, pk);
	uint32_t ack = g32(pk + 28);
	p16(t, 80);
	p16(t + 2, 40000);
	p32(t + 4, ack);
	t[12] = 0x50;
	t[13] = 0x04;
	struct scan_verdict v;
	size_t rn = reply(rb, DST, SRC, 6, t, 20);
	assert_true(classify(&scan_probe_tcp_ack, &c, rb, rn, &v));
	assert_int_equal(v.state, WK_PS_UNFILTERED);
	assert_int_equal(v.reason, WK_RS_RESET);
	p32(t + 4, ack + 1);
	reply(rb, DST, SRC, 6, t, 20);
	assert_false(classify(&scan_probe_tcp_ack, &c, rb, rn, &v));
}

static void test_udp(void **state)
{
	(void)state;
	struct scan_ctx c = ctx(false);
	struct scan_payloads *pl;
	static const char text[] = "# comment\nudp 7 \"\\x0D\\x0A\"\nudp 53,5300-5301\n"
	                           "  \"\\x00\\x01ab\" \"c\"\n  source 53\ntcp 80 \"GET\"\n";
	assert_int_equal(scan_payloads_parse(text, sizeof(text) - 1, &pl, NULL), 0);
	size_t len;
	const uint8_t *p = scan_payloads_get(pl, 5301, &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_memory_equal(p,
	                    "\x00\x01"
	                    "abc",
	                    5);
	assert_null(scan_payloads_get(pl, 80, &len));
	c.payloads = pl;
	uint8_t pk[SCAN_PKT_MAX], rb[256];
	size_t n = probe(&scan_probe_udp, &c, DST, 53, pk);
	assert_int_equal(n, 20 + 8 + 5);
	uint16_t sport = g16(pk + 20);
	/* an answer to the probe's source port */
	uint8_t u[10] = {0, 53};
	p16(u + 2, sport);
	p16(u + 4, 10);
	struct scan_verdict v;
	size_t rn = reply(rb, DST, SRC, 17, u, sizeof(u));
	assert_true(classify(&scan_probe_udp, &c, rb, rn, &v));
	assert_int_equal(v.state, WK_PS_OPEN);
	assert_int_equal(v.reason, WK_RS_UDP_RESPONSE);
	p16(u + 2, (uint16_t)(sport ^ 1));
	reply(rb, DST, SRC, 17, u, sizeof(u));
	assert_false(classify(&scan_probe_udp, &c, rb, rn, &v));
	/* port unreachable from the target: closed; from a router: filtered */
	uint8_t ic[8 + 28] = {3, 3};
	memcpy(ic + 8, pk, 28);
	rn = reply(rb, DST, SRC, 1, ic, sizeof(ic));
	assert_true(classify(&scan_probe_udp, &c, rb, rn, &v));
	assert_int_equal(v.state, WK_PS_CLOSED);
	assert_int_equal(v.reason, WK_RS_PORT_UNREACH);
	reply(rb, 0xc6120002u, SRC, 1, ic, sizeof(ic));
	assert_true(classify(&scan_probe_udp, &c, rb, rn, &v));
	assert_int_equal(v.state, WK_PS_FILTERED);
	/* the discovery module sends no payload */
	n = probe(&scan_probe_udp_unreach, &c, DST, 53, pk);
	assert_int_equal(n, 28);
	scan_payloads_free(pl);
}

static void test_icmp(void **state)
{
	(void)state;
	struct scan_ctx c = ctx(false);
	uint8_t pk[SCAN_PKT_MAX], rb[256];
	struct scan_verdict v;
	size_t n = probe(&scan_probe_icmp_echo, &c, DST, 0, pk);
	uint8_t e[8];
	memcpy(e, pk + 20, 8);
	e[0] = 0;
	size_t rn = reply(rb, DST, SRC, 1, e, 8);
	assert_true(classify(&scan_probe_icmp_echo, &c, rb, rn, &v));
	assert_int_equal(v.state, WK_PS_HOST_UP);
	assert_int_equal(v.reason, WK_RS_ECHO_REPLY);
	assert_false(classify(&scan_probe_icmp_tstamp, &c, rb, rn, &v));
	e[7] ^= 1;
	reply(rb, DST, SRC, 1, e, 8);
	assert_false(classify(&scan_probe_icmp_echo, &c, rb, rn, &v));
	n = probe(&scan_probe_icmp_tstamp, &c, DST, 0, pk);
	assert_int_equal(n, 40);
	uint8_t ts[20];
	memcpy(ts, pk + 20, 20);
	ts[0] = 14;
	rn = reply(rb, DST, SRC, 1, ts, 20);
	assert_true(classify(&scan_probe_icmp_tstamp, &c, rb, rn, &v));
	assert_int_equal(v.reason, WK_RS_TIMESTAMP_REPLY);
	/* an error quoting the echo request */
	probe(&scan_probe_icmp_echo, &c, DST, 0, pk);
	uint8_t ic[8 + 28] = {3, 10};
	memcpy(ic + 8, pk, 28);
	rn = reply(rb, DST, SRC, 1, ic, sizeof(ic));
	assert_true(classify(&scan_probe_icmp_echo, &c, rb, rn, &v));
	assert_int_equal(v.reason, WK_RS_HOST_PROHIBITED);
}

static void test_parse_garbage(void **state)
{
	(void)state;
	uint8_t b[64];
	struct scan_reply r;
	for (size_t n = 0; n < sizeof(b); n++) {
		memset(b, 0x45, sizeof(b));
		(void)scan_parse(b, n, 228, &r);
		(void)scan_parse(b, n, 1, &r);
		(void)scan_parse(b, n, 113, &r);
	}
	b[0] = 0x44; /* IHL 4 */
	assert_false(scan_parse(b, 40, 228, &r));
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 1; i < scan_nprobes; i++)
		assert_true(strcmp(scan_probes[i - 1]->name, scan_probes[i]->name) < 0);
	assert_ptr_equal(scan_probe_find("tcp-syn"), &scan_probe_tcp_syn);
	assert_null(scan_probe_find("nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syn),           cmocka_unit_test(test_ack),
	    cmocka_unit_test(test_udp),           cmocka_unit_test(test_icmp),
	    cmocka_unit_test(test_parse_garbage), cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
