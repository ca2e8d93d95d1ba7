/* Link-layer pieces of the raw scanner: the nmap-mac-prefixes reader (src/lib/scan/macdb.c)
 * on good text, on damaged text (each kind of damage is an error naming its line, nothing
 * half-loaded), on a file in a data directory; the ARP probe module and ARP reply parser
 * (src/lib/scan/arp.c): the who-has it sends, the is-at it accepts, and what it refuses;
 * the IPv6 probe modules (probes6.c) and reply parser (reply6.c): right checksums, the
 * answers a kernel sends accepted with nmap's state and reason, wrong cookies, strangers
 * and cut packets refused, neighbour solicitations to the solicited-node group; where a
 * target lies (links.c) from route tables in /proc's formats: on the segment, behind a
 * gateway (also a more specific route inside the segment), one of our addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/scan_int.h"
#include "wirekit/csum.h"
#include "wirekit/scan.h"

static const char good[] = "# nmap-mac-prefixes sample\n"
                           "\n"
                           "00000C Cisco Systems\n"
                           "000000 Xerox\r\n"
                           "080027\tPCS Systemtechnik GmbH  \n"
                           "FCFFAA IEEE Registration Authority"; /* no final new line */

static void test_macdb_good(void **state)
{
	(void)state;
	struct wk_error e = {0};
	struct wk_macdb *db = wk_macdb_parse(good, strlen(good), "sample", &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 4);
	const uint8_t cisco[6] = {0x00, 0x00, 0x0c, 0x12, 0x34, 0x56};
	const uint8_t xerox[6] = {0, 0, 0, 1, 2, 3};
	const uint8_t vbox[6] = {0x08, 0x00, 0x27, 0, 0, 1};
	const uint8_t last[6] = {0xfc, 0xff, 0xaa, 0, 0, 0};
	const uint8_t local[6] = {0x02, 0, 0, 0, 0, 2};
	assert_string_equal(wk_macdb_vendor(db, cisco), "Cisco Systems");
	assert_string_equal(wk_macdb_vendor(db, xerox), "Xerox");
	assert_string_equal(wk_macdb_vendor(db, vbox), "PCS Systemtechnik GmbH");
	assert_string_equal(wk_macdb_vendor(db, last), "IEEE Registration Authority");
	assert_null(wk_macdb_vendor(db, local));
	assert_null(wk_macdb_vendor(NULL, cisco));
	wk_macdb_free(db);
	wk_macdb_free(NULL);
	/* empty and comment-only files hold nothing (the fuzzer's first find) */
	db = wk_macdb_parse("", 0, "empty", &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 0);
	assert_null(wk_macdb_vendor(db, cisco));
	wk_macdb_free(db);
	db = wk_macdb_parse("# only\n\n", 8, "comments", &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 0);
	wk_macdb_free(db);
	/* a CRLF file with an empty line */
	const char *crlf = "# crlf\r\n000000 Xerox\r\n\r\n00000C Cisco\r\n";
	db = wk_macdb_parse(crlf, strlen(crlf), "crlf", &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 2);
	wk_macdb_free(db);
}

static void damaged(const char *text, size_t n, const char *want)
{
	struct wk_error e = {0};
	struct wk_macdb *db = wk_macdb_parse(text, n, "dmg", &e);
	assert_null(db);
	assert_int_equal(e.code, WK_EFORMAT);
	if (!strstr(e.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
}

static void test_macdb_damaged(void **state)
{
	(void)state;
	damaged("000000 Xerox\n00000G Bad hex\n", 27, "dmg line 2");
	damaged("000000 Xerox\n00000\n", 19, "line 2");   /* short prefix */
	damaged("00000C\n", 7, "line 1");                 /* no name */
	damaged("00000CCisco\n", 12, "line 1");           /* no blank */
	damaged("00000C   \t \n", 12, "line 1");          /* name only blanks */
	damaged("#ok\n000000 Xe\x01rox\n", 17, "line 2"); /* control character */
	damaged("000000 Xerox\n0000", 17, "line 2");      /* cut in the prefix */
	const char nul[] = "000000 Xer\0ox\n";
	damaged(nul, sizeof(nul) - 1, "line 1"); /* a NUL inside the name */
	char big[400];
	memset(big, 'A', sizeof(big));
	memcpy(big, "00000C ", 7);
	damaged(big, sizeof(big), "line 1"); /* a name longer than any vendor */
	/* every cut of a good file either parses or fails cleanly */
	for (size_t n = 0; n <= strlen(good); n++) {
		struct wk_error e = {0};
		wk_macdb_free(wk_macdb_parse(good, n, "cut", &e));
	}
}

static void test_macdb_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/wk-macdb.XXXXXX", path[64];
	struct wk_error e = {0};
	assert_non_null(mkdtemp(dir));
	assert_null(wk_macdb_load(dir, &e));
	assert_int_equal(e.code, WK_ENOTFOUND);
	assert_non_null(strstr(e.msg, dir));
	snprintf(path, sizeof(path), "%s/nmap-mac-prefixes", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("00000C Cisco Systems\nnot a line\n", f);
	fclose(f);
	assert_null(wk_macdb_load(dir, &e));
	assert_int_equal(e.code, WK_EFORMAT);
	assert_non_null(strstr(e.msg, "nmap-mac-prefixes line 2"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("00000C Cisco Systems\n", f);
	fclose(f);
	struct wk_macdb *db = wk_macdb_load(dir, &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 1);
	wk_macdb_free(db);
	unlink(path);
	rmdir(dir);
}

#define SRC 0xc6120001u /* 198.18.0.1 */
#define DST 0xc6120003u /* 198.18.0.3 */

static void test_arp_probe(void **state)
{
	(void)state;
	struct scan_ctx c;
	struct scan_tmpl t;
	struct wk_error e = {0};
	uint8_t pk[SCAN_PKT_MAX];
	memset(&c, 0, sizeof(c));
	c.src = SRC;
	memcpy(c.mac, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(scan_probe_arp.build(&t, &c, &e), 0);
	size_t n = scan_probe_arp.make(pk, &t, &c, DST, 0);
	/* Ethernet broadcast, ARP who-has 198.18.0.3 tell 198.18.0.1 (RFC 826) */
	static const uint8_t want[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,   0,  0, 0, 0,
	                                 1,    0x08, 0x06, 0,    1,    8,    0,   6,  4, 0, 1,
	                                 2,    0,    0,    0,    0,    1,    198, 18, 0, 1, 0,
	                                 0,    0,    0,    0,    0,    198,  18,  0,  3};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(pk, want, sizeof(want));

	/* the is-at of 198.18.0.3 (00:00:0c:12:34:56) to us */
	uint8_t rp[60] = {2,   0,  0, 0, 0, 1, 0, 0, 0x0c, 0x12, 0x34, 0x56, 0x08, 0x06,
	                  0,   1,  8, 0, 6, 4, 0, 2, 0,    0,    0x0c, 0x12, 0x34, 0x56,
	                  198, 18, 0, 3, 2, 0, 0, 0, 0,    1,    198,  18,   0,    1};
	struct scan_reply r;
	struct scan_verdict v;
	assert_true(scan_parse(rp, sizeof(rp), 1, &r));
	assert_true(r.arp);
	assert_memory_equal(r.mac, "\x00\x00\x0c\x12\x34\x56", 6);
	assert_true(scan_probe_arp.classify(&r, &c, &v));
	assert_int_equal(v.target, DST);
	assert_int_equal(v.reason, WK_RS_ARP_RESPONSE);
	assert_int_equal(v.state, WK_PS_HOST_UP);
	/* no other module takes it */
	for (size_t i = 0; i < scan_nprobes; i++)
		if (scan_probes[i] != &scan_probe_arp)
			assert_false(scan_probes[i]->classify(&r, &c, &v));
	/* an is-at to someone else, a who-has, a cut frame, a cooked capture: not ours */
	uint8_t x[60];
	memcpy(x, rp, sizeof(x));
	x[41] = 9;
	assert_true(scan_parse(x, sizeof(x), 1, &r));
	assert_false(scan_probe_arp.classify(&r, &c, &v));
	memcpy(x, rp, sizeof(x));
	x[21] = 1;
	assert_false(scan_parse(x, sizeof(x), 1, &r) && r.arp);
	for (size_t k = 0; k < 42; k++)
		assert_false(scan_parse(rp, k, 1, &r) && r.arp);
	assert_false(scan_parse(rp, sizeof(rp), 113, &r) && r.arp);
	memcpy(x, rp, sizeof(x));
	x[18] = 8; /* hardware address length 8 */
	assert_false(scan_parse(x, sizeof(x), 1, &r) && r.arp);
}

/* ---- IPv6 ------------------------------------------------------------------------------ */

static const uint8_t me6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x64}; /* 2001:db8::100 */

static struct scan_ctx ctx6(struct wk_targets **tg)
{
	struct wk_error e = {0};
	struct scan_ctx c;
	memset(&c, 0, sizeof(c));
	*tg = wk_targets_new(&e);
	assert_non_null(*tg);
	assert_int_equal(wk_targets_add(*tg, "2001:db8::/126", &e), 0);
	assert_int_equal(wk_targets_finish(*tg, &e), 0);
	c.v6 = true;
	memcpy(c.src6, me6, 16);
	c.targets = *tg;
	c.ntargets = wk_targets_count(*tg);
	c.sport = 40000;
	for (int i = 0; i < 16; i++)
		c.key[i] = (uint8_t)(i * 5 + 3);
	memcpy(c.mac, "\x02\x00\x00\x00\x00\x01", 6);
	return c;
}

/* The upper-layer checksum of an IPv6 packet at p (no extension headers) verifies. */
static void csum_ok6(const uint8_t *ip)
{
	uint16_t plen = (uint16_t)(ip[4] << 8 | ip[5]);
	uint32_t sum = wk_csum_pseudo6(ip + 8, ip + 24, ip[6], plen);
	assert_int_equal(wk_csum_fold(wk_csum_partial(ip + 40, plen, sum)), 0);
}

/* A raw IPv6 packet (link type 229) from src to dst carrying l4; its checksum is filled. */
static size_t pkt6(uint8_t *b, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
                   const uint8_t *l4, size_t n, size_t csoff)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)(n >> 8);
	b[5] = (uint8_t)n;
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	memcpy(b + 40, l4, n);
	b[40 + csoff] = b[41 + csoff] = 0;
	uint16_t ck =
	    wk_csum_fold(wk_csum_partial(b + 40, n, wk_csum_pseudo6(src, dst, nh, (uint32_t)n)));
	b[40 + csoff] = (uint8_t)(ck >> 8);
	b[41 + csoff] = (uint8_t)ck;
	return 40 + n;
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_v6_tcp(void **state)
{
	(void)state;
	struct wk_targets *tg;
	struct scan_ctx c = ctx6(&tg);
	struct scan_tmpl t;
	struct wk_error e = {0};
	uint8_t pk[SCAN_PKT_MAX], rb[200];
	struct scan_reply r;
	struct scan_verdict v;
	assert_ptr_equal(scan_probe_v6(&scan_probe_tcp_syn), &scan_probe_tcp_syn6);
	assert_null(scan_probe_v6(&scan_probe_icmp_tstamp));
	assert_int_equal(scan_probe_tcp_syn6.build(&t, &c, &e), 0);
	size_t n = scan_probe_tcp_syn6.make(pk, &t, &c, 2, 80);
	assert_int_equal(n, 40 + 24);
	const uint8_t t2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	assert_memory_equal(pk + 24, t2, 16);
	assert_memory_equal(pk + 8, me6, 16);
	assert_int_equal(pk[6], 6);
	assert_int_equal(pk[40 + 13], 0x02);
	csum_ok6(pk);
	uint32_t seq = g32(pk + 44);
	/* the SYN-ACK of 2001:db8::2 port 80 */
	uint8_t tcp[20] = {0, 80, 0x9c, 0x40, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x12, 0xff, 0xff};
	tcp[8] = (uint8_t)((seq + 1) >> 24);
	tcp[9] = (uint8_t)((seq + 1) >> 16);
	tcp[10] = (uint8_t)((seq + 1) >> 8);
	tcp[11] = (uint8_t)(seq + 1);
	size_t rn = pkt6(rb, t2, me6, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(r.v6);
	assert_true(scan_probe_tcp_syn6.classify(&r, &c, &v));
	assert_int_equal(v.target, 2);
	assert_int_equal(v.port, 80);
	assert_int_equal(v.state, WK_PS_OPEN);
	assert_int_equal(v.reason, WK_RS_SYN_ACK);
	/* a RST: closed */
	tcp[13] = 0x14;
	rn = pkt6(rb, t2, me6, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(scan_probe_tcp_syn6.classify(&r, &c, &v));
	assert_int_equal(v.state, WK_PS_CLOSED);
	assert_int_equal(v.reason, WK_RS_RESET);
	/* a wrong acknowledgement, a stranger, another destination: not ours */
	tcp[11] ^= 1;
	rn = pkt6(rb, t2, me6, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_false(scan_probe_tcp_syn6.classify(&r, &c, &v));
	tcp[11] ^= 1;
	uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	rn = pkt6(rb, far, me6, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_false(scan_probe_tcp_syn6.classify(&r, &c, &v));
	rn = pkt6(rb, t2, far, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_false(scan_probe_tcp_syn6.classify(&r, &c, &v));
	/* IPv4 modules take no IPv6 reply */
	rn = pkt6(rb, t2, me6, 6, tcp, sizeof(tcp), 16);
	assert_true(scan_parse(rb, rn, 229, &r));
	for (size_t i = 0; i < scan_nprobes; i++)
		assert_false(scan_probes[i]->classify(&r, &c, &v));
	/* an ICMPv6 administratively prohibited quoting the probe: filtered */
	uint8_t ic[8 + 64] = {1, 1};
	memcpy(ic + 8, pk, 64);
	rn = pkt6(rb, far, me6, 58, ic, sizeof(ic), 2);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(r.quoted);
	assert_true(scan_probe_tcp_syn6.classify(&r, &c, &v));
	assert_int_equal(v.target, 2);
	assert_int_equal(v.state, WK_PS_FILTERED);
	assert_int_equal(v.reason, WK_RS_ADMIN_PROHIBITED);
	/* every cut of a reply parses or not, but never past its end (ASan watches) */
	for (size_t k = 0; k < rn; k++) {
		uint8_t *cut = malloc(k ? k : 1);
		memcpy(cut, rb, k);
		(void)scan_parse(cut, k, 229, &r);
		free(cut);
	}
	wk_targets_free(tg);
}

static void test_v6_udp_echo(void **state)
{
	(void)state;
	struct wk_targets *tg;
	struct scan_ctx c = ctx6(&tg);
	struct scan_tmpl t;
	struct wk_error e = {0};
	uint8_t pk[SCAN_PKT_MAX], rb[200];
	struct scan_reply r;
	struct scan_verdict v;
	const uint8_t t1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	assert_int_equal(scan_probe_udp6.build(&t, &c, &e), 0);
	size_t n = scan_probe_udp6.make(pk, &t, &c, 1, 99);
	assert_int_equal(n, 48);
	csum_ok6(pk);
	/* port unreachable from the target: closed */
	uint8_t ic[8 + 48] = {1, 4};
	memcpy(ic + 8, pk, 48);
	size_t rn = pkt6(rb, t1, me6, 58, ic, sizeof(ic), 2);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(scan_probe_udp6.classify(&r, &c, &v));
	assert_int_equal(v.target, 1);
	assert_int_equal(v.port, 99);
	assert_int_equal(v.state, WK_PS_CLOSED);
	assert_int_equal(v.reason, WK_RS_PORT_UNREACH);
	/* an answer to the probe's source port: open */
	uint8_t u[9] = {0, 99, pk[40], pk[41], 0, 9, 0, 0, 'x'};
	rn = pkt6(rb, t1, me6, 17, u, sizeof(u), 6);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(scan_probe_udp6.classify(&r, &c, &v));
	assert_int_equal(v.state, WK_PS_OPEN);
	assert_int_equal(v.reason, WK_RS_UDP_RESPONSE);
	u[3] ^= 1;
	rn = pkt6(rb, t1, me6, 17, u, sizeof(u), 6);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_false(scan_probe_udp6.classify(&r, &c, &v));
	/* ICMPv6 echo and its reply */
	assert_int_equal(scan_probe_icmp6_echo.build(&t, &c, &e), 0);
	n = scan_probe_icmp6_echo.make(pk, &t, &c, 1, 0);
	assert_int_equal(n, 48);
	assert_int_equal(pk[40], 128);
	csum_ok6(pk);
	uint8_t er[8];
	memcpy(er, pk + 40, 8);
	er[0] = 129;
	rn = pkt6(rb, t1, me6, 58, er, sizeof(er), 2);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_true(scan_probe_icmp6_echo.classify(&r, &c, &v));
	assert_int_equal(v.target, 1);
	assert_int_equal(v.reason, WK_RS_ECHO_REPLY);
	er[7] ^= 1;
	rn = pkt6(rb, t1, me6, 58, er, sizeof(er), 2);
	assert_true(scan_parse(rb, rn, 229, &r));
	assert_false(scan_probe_icmp6_echo.classify(&r, &c, &v));
	wk_targets_free(tg);
}

static void test_v6_nd(void **state)
{
	(void)state;
	struct wk_targets *tg;
	struct scan_ctx c = ctx6(&tg);
	struct scan_tmpl t;
	struct wk_error e = {0};
	uint8_t pk[SCAN_PKT_MAX];
	struct scan_reply r;
	struct scan_verdict v;
	assert_ptr_equal(scan_probe_v6(&scan_probe_arp), &scan_probe_nd);
	assert_int_equal(scan_probe_nd.build(&t, &c, &e), 0);
	size_t n = scan_probe_nd.make(pk, &t, &c, 3, 0);
	assert_int_equal(n, 14 + 40 + 32);
	/* 33:33:ff:00:00:03 <- 02:00:00:00:00:01, IPv6, to ff02::1:ff00:3, hop limit 255 */
	assert_memory_equal(pk, "\x33\x33\xff\x00\x00\x03\x02\x00\x00\x00\x00\x01\x86\xdd", 14);
	const uint8_t grp[16] = {0xff, 0x02, [11] = 1, 0xff, 0, 0, 3};
	assert_memory_equal(pk + 14 + 24, grp, 16);
	assert_int_equal(pk[14 + 7], 255);
	assert_int_equal(pk[14 + 40], 135);
	csum_ok6(pk + 14);
	/* the advertisement of 2001:db8::3 at 00:00:0c:12:34:56, in an Ethernet frame */
	const uint8_t t3[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 3};
	uint8_t na[32] = {136, 0, 0, 0, 0x60};
	memcpy(na + 8, t3, 16);
	memcpy(na + 24, "\x02\x01\x00\x00\x0c\x12\x34\x56", 8);
	uint8_t fr[14 + 40 + 32];
	memcpy(fr, "\x02\x00\x00\x00\x00\x01\x00\x00\x0c\x12\x34\x56\x86\xdd", 14);
	pkt6(fr + 14, t3, me6, 58, na, sizeof(na), 2);
	fr[14 + 7] = 255;
	assert_true(scan_parse(fr, sizeof(fr), 1, &r));
	assert_true(r.nd);
	assert_memory_equal(r.mac, "\x00\x00\x0c\x12\x34\x56", 6);
	assert_true(scan_probe_nd.classify(&r, &c, &v));
	assert_int_equal(v.target, 3);
	assert_int_equal(v.state, WK_PS_HOST_UP);
	assert_int_equal(v.reason, WK_RS_ND_RESPONSE);
	/* an advertisement for a stranger, or a zero-length option, is not ours */
	na[23] = 9;
	pkt6(fr + 14, t3, me6, 58, na, sizeof(na), 2);
	assert_true(scan_parse(fr, sizeof(fr), 1, &r));
	assert_false(scan_probe_nd.classify(&r, &c, &v));
	na[23] = 3;
	na[25] = 0;
	pkt6(fr + 14, t3, me6, 58, na, sizeof(na), 2);
	assert_false(scan_parse(fr, sizeof(fr), 1, &r) && r.nd);
	for (size_t k = 0; k < sizeof(fr); k++)
		(void)scan_parse(fr, k, 1, &r);
	wk_targets_free(tg);
}

/* /proc/net/route words are network-order bytes printed as a little-endian number */
static const char route4[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "lv1\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"  /* 198.18.0.0/24 */
    "lv1\t000013C6\t020012C6\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"  /* 198.19.0.0/24 gw */
    "lv1\t800012C6\t020012C6\t0003\t0\t0\t0\t80FFFFFF\t0\t0\t0\n"  /* .128/25 gw */
    "eth1\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n" /* 10/8, another */
    "lv1\t0000000B\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n"  /* not a prefix */
    "lv1\t000014C6\t00000000\t0000\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"; /* down */

static const char route6[] =
    "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     lv1\n"
    "20010db8000100000000000000000000 70 00000000000000000000000000000000 00 "
    "20010db8000000000000000000000002 00000400 00000001 00000000 00000003     lv1\n"
    "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     lv1\n";

static enum scan_where w4(const struct scan_links *l, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return scan_links_where4(l, (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

static void test_links(void **state)
{
	(void)state;
	struct scan_links l;
	memset(&l, 0, sizeof(l));
	FILE *f = fmemopen((void *)route4, sizeof(route4) - 1, "r");
	assert_non_null(f);
	scan_links_read(&l, false, f, "lv1");
	fclose(f);
	const uint8_t me[4] = {198, 18, 0, 1};
	scan_links_own(&l, AF_INET, me);
	assert_int_equal(w4(&l, 198, 18, 0, 5), SCAN_ONLINK);
	assert_int_equal(w4(&l, 198, 18, 0, 127), SCAN_ONLINK);
	assert_int_equal(w4(&l, 198, 18, 0, 200), SCAN_ROUTED); /* the /25 via a gateway */
	assert_int_equal(w4(&l, 198, 19, 0, 1), SCAN_ROUTED);
	assert_int_equal(w4(&l, 10, 1, 2, 3), SCAN_ROUTED);   /* on link, but not ours */
	assert_int_equal(w4(&l, 198, 20, 0, 1), SCAN_ROUTED); /* the route is down */
	assert_int_equal(w4(&l, 11, 0, 0, 1), SCAN_ROUTED);   /* no prefix mask */
	assert_int_equal(w4(&l, 198, 18, 0, 1), SCAN_OWN);
	assert_int_equal(w4(&l, 127, 0, 0, 5), SCAN_OWN);
	const uint8_t a[4] = {198, 17, 255, 250}, b[4] = {198, 18, 0, 3}, c[4] = {198, 19, 0, 0},
	              d[4] = {198, 19, 0, 255}, e[4] = {198, 18, 0, 2};
	assert_true(scan_links_span_onlink(&l, false, a, b));
	assert_false(scan_links_span_onlink(&l, false, c, d));
	assert_true(scan_links_span_own(&l, false, a, b));
	assert_false(scan_links_span_own(&l, false, e, b));
	/* lo has no segment */
	memset(&l, 0, sizeof(l));
	f = fmemopen((void *)route4, sizeof(route4) - 1, "r");
	scan_links_read(&l, false, f, "lo");
	fclose(f);
	assert_int_equal(w4(&l, 198, 18, 0, 5), SCAN_ROUTED);

	memset(&l, 0, sizeof(l));
	f = fmemopen((void *)route6, sizeof(route6) - 1, "r");
	assert_non_null(f);
	scan_links_read(&l, true, f, "lv1");
	fclose(f);
	uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	const uint8_t mine[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 1, [15] = 0};
	scan_links_own(&l, AF_INET6, mine);
	assert_int_equal(scan_links_where(&l, true, x), SCAN_ONLINK);
	assert_int_equal(scan_links_where(&l, true, mine), SCAN_OWN);
	x[5] = 1; /* 2001:db8:1::2, via 2001:db8::2 */
	assert_int_equal(scan_links_where(&l, true, x), SCAN_ROUTED);
	const uint8_t ll[16] = {0xfe, 0x80, [15] = 9}, lo6[16] = {[15] = 1};
	assert_int_equal(scan_links_where(&l, true, ll), SCAN_ROUTED);
	assert_int_equal(scan_links_where(&l, true, lo6), SCAN_OWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_macdb_good), cmocka_unit_test(test_macdb_damaged),
	    cmocka_unit_test(test_macdb_load), cmocka_unit_test(test_arp_probe),
	    cmocka_unit_test(test_v6_tcp),     cmocka_unit_test(test_v6_udp_echo),
	    cmocka_unit_test(test_v6_nd),      cmocka_unit_test(test_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
