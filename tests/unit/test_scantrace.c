/* nmap's --packet-trace lines (src/lib/scan/trace.c, wk_scan_trace_line): a SYN probe of
 * the probe module, a SYN-ACK with every common option, an ICMP port unreachable quoting a
 * UDP datagram, an ARP reply, a cut TCP header, CONN lines and the time; every truncation
 * of a reply still gives one line. Expected lines are nmap 7.93's for the same packets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "scan/scan_int.h"

#define SRC 0xc6120001u /* 198.18.0.1 */
#define DST 0xc6130005u /* 198.19.0.5 */

static char obuf[4096];

/* The line of t, as a string (start at 1000.5 s). */
static const char *line(const struct wk_scan_trace *t)
{
	struct wk_ob o;
	wk_ob_init(&o, obuf, sizeof(obuf) - 1, NULL, NULL);
	wk_scan_trace_line(&o, t, 1000, 500000000u);
	assert_int_equal(o.err, 0);
	obuf[o.len] = '\0';
	return obuf;
}

static struct wk_scan_trace pkt(uint8_t kind, const uint8_t *p, size_t n, uint32_t lt)
{
	struct wk_scan_trace t = {.kind = kind,
	                          .pkt = p,
	                          .len = n,
	                          .linktype = lt,
	                          .ts_sec = 1000,
	                          .ts_nsec = 500000000u};
	return t;
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

/* A raw IPv4 packet from src to dst (id 4660, TTL 61) with the given transport bytes. */
static size_t ip4(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                  size_t n)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	p16(b + 2, (uint16_t)(20 + n));
	p16(b + 4, 4660);
	b[8] = 61;
	b[9] = proto;
	p32(b + 12, src);
	p32(b + 16, dst);
	memcpy(b + 20, l4, n);
	return 20 + n;
}

static void test_syn_probe(void **state)
{
	(void)state;
	struct scan_ctx c;
	struct scan_tmpl t;
	uint8_t b[SCAN_PKT_MAX];
	char want[256];
	memset(&c, 0, sizeof(c));
	c.src = SRC;
	c.sport = 40000;
	assert_int_equal(scan_probe_tcp_syn.build(&t, &c, NULL), 0);
	size_t n = scan_probe_tcp_syn.make(b, &t, &c, DST, 443);
	unsigned id = (unsigned)(b[4] << 8 | b[5]);
	unsigned long seq = (unsigned long)b[24] << 24 | (unsigned long)b[25] << 16 |
	                    (unsigned long)b[26] << 8 | b[27];
	snprintf(want, sizeof(want),
	         "SENT (0.0000s) TCP 198.18.0.1:40000 > 198.19.0.5:443 S ttl=64 id=%u iplen=44  "
	         "seq=%lu win=1024 <mss 1460>\n",
	         id, seq);
	struct wk_scan_trace tr = pkt(WK_TRACE_SENT, b, n, 228);
	assert_string_equal(line(&tr), want);
}

static void test_synack_options(void **state)
{
	(void)state;
	uint8_t tcp[40] = {0}, b[64];
	p16(tcp, 443);
	p16(tcp + 2, 40000);
	p32(tcp + 4, 3357485431u);
	p32(tcp + 8, 1);
	tcp[12] = 10 << 4; /* 40 bytes */
	tcp[13] = 0x12;
	p16(tcp + 14, 64240);
	static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
	                                 0, 1, 0,    0,    0, 2, 1, 3,  3, 7};
	memcpy(tcp + 20, opts, sizeof(opts));
	size_t n = ip4(b, DST, SRC, 6, tcp, sizeof(tcp));
	struct wk_scan_trace t = pkt(WK_TRACE_RCVD, b, n, 228);
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) TCP 198.19.0.5:443 > 198.18.0.1:40000 SA ttl=61 "
	                    "id=4660 iplen=60  seq=3357485431 win=64240 <mss "
	                    "1460,sackOK,timestamp 1 2,nop,wscale 7>\n");
	/* an unknown option: no option list, as nmap */
	b[20 + 20] = 30;
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) TCP 198.19.0.5:443 > 198.18.0.1:40000 SA ttl=61 "
	                    "id=4660 iplen=60  seq=3357485431 win=64240 \n");
	/* the header cut after the sequence number */
	t.len = 20 + 10;
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) TCP 198.19.0.5:443 > 198.18.0.1:40000 ?? ttl=61 "
	                    "id=4660 iplen=60  (incomplete)\n");
}

/* An ICMP error quoting our UDP probe (IP header + 8 bytes), and every truncation of it. */
static void test_icmp_unreach(void **state)
{
	(void)state;
	uint8_t q[28], icmp[36] = {0}, b[64];
	uint8_t udp[8] = {0};
	p16(udp, 40000);
	p16(udp + 2, 53);
	p16(udp + 4, 8);
	ip4(q, SRC, DST, 17, udp, sizeof(udp));
	icmp[0] = 3;
	icmp[1] = 3;
	memcpy(icmp + 8, q, sizeof(q));
	size_t n = ip4(b, DST, SRC, 1, icmp, sizeof(icmp));
	struct wk_scan_trace t = pkt(WK_TRACE_RCVD, b, n, 228);
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) ICMP [198.19.0.5 > 198.18.0.1 Port 53 "
	                    "unreachable (type=3/code=3) ] IP [ttl=61 id=4660 iplen=56 ]\n");
	b[20 + 1] = 13;
	assert_string_equal(
	    line(&t), "RCVD (0.0000s) ICMP [198.19.0.5 > 198.18.0.1 Communication "
	              "administratively prohibited by filtering (type=3/code=13) ] IP [ttl=61 "
	              "id=4660 iplen=56 ]\n");
	b[20 + 1] = 1;
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) ICMP [198.19.0.5 > 198.18.0.1 Host 198.19.0.5 "
	                    "unreachable (type=3/code=1) ] IP [ttl=61 id=4660 iplen=56 ]\n");
	/* the quoted datagram cut away: nmap's short form */
	t.len = 20 + 8;
	assert_string_equal(line(&t), "RCVD (0.0000s) ICMP 198.19.0.5 > 198.18.0.1 Destination "
	                              "unreachable (type=3/code=1) ttl=61 id=4660 iplen=56 \n");
	for (size_t k = 0; k <= n; k++) { /* whatever is cut: one line, no read past k */
		uint8_t *cut = malloc(k ? k : 1);
		memcpy(cut, b, k);
		t.pkt = cut;
		t.len = k;
		const char *s = line(&t);
		assert_true(!strncmp(s, "RCVD (0.0000s) ", 15));
		assert_non_null(strchr(s, '\n'));
		assert_true(strchr(s, '\n')[1] == '\0');
		free(cut);
	}
}

static void test_echo_arp(void **state)
{
	(void)state;
	uint8_t icmp[8] = {0, 0, 0, 0, 0x12, 0x34, 0, 7}, b[64];
	size_t n = ip4(b, DST, SRC, 1, icmp, sizeof(icmp));
	struct wk_scan_trace t = pkt(WK_TRACE_RCVD, b, n, 228);
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) ICMP [198.19.0.5 > 198.18.0.1 Echo reply "
	                    "(type=0/code=0) id=4660 seq=7] IP [ttl=61 id=4660 iplen=28 ]\n");
	/* an ARP reply in an Ethernet frame */
	static const uint8_t arp[42] = {0x02, 0,    0,    0,    0, 1,    0x02, 0,  0x5e, 0x10, 0,
	                                1,    0x08, 0x06, 0,    1, 0x08, 0,    6,  4,    0,    2,
	                                0x02, 0,    0x5e, 0x10, 0, 1,    198,  19, 0,    5,    0x02,
	                                0,    0,    0,    0,    1, 198,  18,   0,  1};
	t = pkt(WK_TRACE_RCVD, arp, sizeof(arp), 1);
	assert_string_equal(line(&t),
	                    "RCVD (0.0000s) ARP reply 198.19.0.5 is-at 02:00:5E:10:00:01\n");
	uint8_t req[42];
	memcpy(req, arp, sizeof(req));
	req[21] = 1;
	t = pkt(WK_TRACE_SENT, req, sizeof(req), 1);
	assert_string_equal(line(&t), "SENT (0.0000s) ARP who-has 198.18.0.1 tell 198.19.0.5\n");
}

static void test_conn_time(void **state)
{
	(void)state;
	struct wk_scan_addr a = {.family = AF_INET, .b = {198, 19, 0, 5}};
	struct wk_scan_trace t = {.kind = WK_TRACE_CONN,
	                          .addr = &a,
	                          .port = 22,
	                          .err = EINPROGRESS,
	                          .ts_sec = 1001,
	                          .ts_nsec = 734567890u};
	assert_string_equal(
	    line(&t),
	    "CONN (1.2346s) TCP localhost > 198.19.0.5:22 => Operation now in progress\n");
	t.err = 0;
	t.ts_sec = 999; /* before the start: 0 */
	assert_string_equal(line(&t),
	                    "CONN (0.0000s) TCP localhost > 198.19.0.5:22 => Connected\n");
	t.err = ECONNREFUSED;
	t.ts_sec = 1012;
	t.ts_nsec = 499990000u; /* 11.99999 s: rounded up into the seconds */
	assert_string_equal(
	    line(&t), "CONN (12.0000s) TCP localhost > 198.19.0.5:22 => Connection refused\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syn_probe),    cmocka_unit_test(test_synack_options),
	    cmocka_unit_test(test_icmp_unreach), cmocka_unit_test(test_echo_arp),
	    cmocka_unit_test(test_conn_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
