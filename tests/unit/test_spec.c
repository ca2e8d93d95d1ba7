/* The packet language: parse specs, expand them, build them and read the packets back
 * with the dissector; errors name the column and suggest the nearest name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/spec.h"
#include "wirekit/wirekit.h"

static uint8_t buf[70000];
static struct wk_build bld;

/* Build packet idx of text and dissect it (link type from the first layer). */
static size_t build(const char *text, uint64_t idx, struct wk_pkt *p, uint64_t *count)
{
	struct wk_error err = {0};
	size_t col = 99, n = 0;
	struct wk_spec *s = wk_spec_parse(text, &err, &col);
	if (!s)
		fail_msg("parse '%s': %s (column %zu)", text, err.msg, col);
	if (count)
		*count = wk_spec_count(s);
	wk_build_init(&bld);
	if (wk_spec_build(s, idx, &bld, &err) || wk_build_encode(&bld, buf, sizeof(buf), &n, &err))
		fail_msg("build '%s': %s", text, err.msg);
	const struct wk_proto *first = wk_spec_proto(s, 0);
	uint32_t lt = 1;
	for (const struct wk_bind *b = first->binds; b && b->ns; b++)
		if (b->ns == WK_NS_LINKTYPE) {
			lt = b->key;
			break;
		}
	wk_spec_free(s);
	memset(p, 0, sizeof(*p));
	p->data = buf;
	p->caplen = p->wirelen = (uint32_t)n;
	p->linktype = lt;
	wk_dissect(p);
	return n;
}

static const char *text(const struct wk_pkt *p, const char *name)
{
	static char out[512];
	const struct wk_proto *pr = NULL;
	const struct wk_field *f = wk_field_find(name, &pr);
	assert_non_null(f);
	int li = wk_pkt_find(p, pr, 0);
	struct wk_val v;
	if (li < 0 || !wk_field_get(p, &p->l[li], f, 0, &v))
		fail_msg("field %s absent", name);
	struct wk_ob o;
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	wk_ob_val(&o, f, &v);
	out[o.len] = 0;
	return out;
}

/* Parse must fail with a message containing want, at column col. */
static void bad(const char *spec, const char *want, size_t col)
{
	struct wk_error err = {0};
	size_t c = 12345;
	struct wk_spec *s = wk_spec_parse(spec, &err, &c);
	if (s) {
		wk_spec_free(s);
		fail_msg("'%s' parsed", spec);
	}
	if (!strstr(err.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err.msg, want);
	if (c != col)
		fail_msg("'%s': column %zu, want %zu (%s)", spec, c, col, err.msg);
}

static void test_basic_tcp(void **state)
{
	(void)state;
	struct wk_pkt p;
	uint64_t n;
	build("ip(src=198.18.0.1,dst=198.18.0.2,ttl=3)/tcp(sport=1234,dport=80,flags=SA)/\"hi\\n\"",
	      0, &p, &n);
	assert_int_equal(n, 1);
	assert_string_equal(text(&p, "ip.ttl"), "3");
	assert_string_equal(text(&p, "ip.dst"), "198.18.0.2");
	assert_string_equal(text(&p, "tcp.dport"), "80");
	assert_string_equal(text(&p, "tcp.flags"), "0x0012");
	assert_int_equal(p.rest_len, 3);
	assert_memory_equal(p.data + p.rest_off, "hi\n", 3);
}

static void test_cross_product(void **state)
{
	(void)state;
	struct wk_pkt p;
	uint64_t n;
	/* the last field varies fastest */
	const char *s = "ip(dst=198.18.0.1,198.18.0.2,ttl=1-3)/udp(dport=7,9)";
	build(s, 0, &p, &n);
	assert_int_equal(n, 12);
	assert_string_equal(text(&p, "ip.dst"), "198.18.0.1");
	assert_string_equal(text(&p, "ip.ttl"), "1");
	assert_string_equal(text(&p, "udp.dport"), "7");
	build(s, 1, &p, NULL);
	assert_string_equal(text(&p, "udp.dport"), "9");
	assert_string_equal(text(&p, "ip.ttl"), "1");
	build(s, 2, &p, NULL);
	assert_string_equal(text(&p, "ip.ttl"), "2");
	build(s, 11, &p, NULL);
	assert_string_equal(text(&p, "ip.dst"), "198.18.0.2");
	assert_string_equal(text(&p, "ip.ttl"), "3");
	assert_string_equal(text(&p, "udp.dport"), "9");
	/* CIDR and address ranges */
	build("ip(dst=198.18.0.0/30)", 3, &p, &n);
	assert_int_equal(n, 4);
	assert_string_equal(text(&p, "ip.dst"), "198.18.0.3");
	build("ip(dst=198.18.0.250-198.18.1.2)", 6, &p, &n);
	assert_int_equal(n, 9);
	assert_string_equal(text(&p, "ip.dst"), "198.18.1.0");
	build("ipv6(dst=2001:db8::/126)", 2, &p, &n);
	assert_int_equal(n, 4);
	assert_string_equal(text(&p, "ipv6.dst"), "2001:db8::2");
}

static void test_values(void **state)
{
	(void)state;
	struct wk_pkt p;
	build("ip(flags=DF,id=0xbeef)/icmp(type=echo-reply,id=7,seq=9)", 0, &p, NULL);
	assert_string_equal(text(&p, "ip.flags.df"), "1");
	assert_string_equal(text(&p, "ip.id"), "0xbeef");
	assert_string_equal(text(&p, "icmp.type"), "0");
	assert_string_equal(text(&p, "icmp.seq"), "9");
	/* flag letters beyond the value names: U E C from the sub-fields */
	build("ip()/tcp(flags=SAFRPUEC)", 0, &p, NULL);
	assert_string_equal(text(&p, "tcp.flags"), "0x00ff");
	build("ip()/tcp(flags=0x12)", 0, &p, NULL);
	assert_string_equal(text(&p, "tcp.flags"), "0x0012");
	/* tcp options as fields and words, a tshark alias, a full name */
	build("ip()/tcp(mss=1460,sackok,nop,ts=5:6,wscale=7,tcp.srcport=9)", 0, &p, NULL);
	assert_string_equal(text(&p, "tcp.options.mss_val"), "1460");
	assert_string_equal(text(&p, "tcp.options.wscale.shift"), "7");
	assert_string_equal(text(&p, "tcp.options.timestamp.tsval"), "5");
	assert_string_equal(text(&p, "tcp.options.timestamp.tsecr"), "6");
	assert_string_equal(text(&p, "tcp.sport"), "9");
	/* Ethernet, VLAN, ARP with scapy's field names */
	build("ether(src=02:00:00:00:00:01)/vlan(id=5,priority=3)/arp(op=2,hwsrc=02:00:00:00:00:01,"
	      "psrc=198.18.0.1,pdst=198.18.0.2)",
	      0, &p, NULL);
	assert_string_equal(text(&p, "eth.type"), "0x8100");
	assert_string_equal(text(&p, "vlan.id"), "5");
	assert_string_equal(text(&p, "vlan.priority"), "3");
	assert_string_equal(text(&p, "vlan.etype"), "0x0806");
	assert_string_equal(text(&p, "arp.op"), "2");
	assert_string_equal(text(&p, "arp.pdst"), "198.18.0.2");
	/* DNS query over UDP and TCP (length prefix) */
	build("ip()/udp(dport=53)/dns(qname=example.test,qtype=AAAA,id=0x1234)", 0, &p, NULL);
	assert_string_equal(text(&p, "dns.qry.name"), "example.test");
	assert_string_equal(text(&p, "dns.qry.type"), "28");
	assert_string_equal(text(&p, "dns.id"), "0x1234");
	build("ip()/tcp(dport=53,flags=PA)/dns(qname=a.test)", 0, &p, NULL);
	assert_string_equal(text(&p, "dns.qry.name"), "a.test");
	assert_string_equal(text(&p, "dns.length"), "24");
	/* payloads: hex, escapes */
	build("ip()/udp(sport=9,dport=9)/hex:00ff10", 0, &p, NULL);
	assert_int_equal(p.rest_len, 3);
	assert_memory_equal(p.data + p.rest_off, "\x00\xff\x10", 3);
	build("ip()/udp(sport=9,dport=9)/\"a\\x41\\0\\\"\"", 0, &p, NULL);
	assert_int_equal(p.rest_len, 4);
	assert_memory_equal(p.data + p.rest_off, "aA\0\"", 4);
	/* user lengths and checksums are kept */
	build("ip(len=20,chksum=0xdead)/udp(len=9,chksum=0xbeef)", 0, &p, NULL);
	assert_string_equal(text(&p, "ip.chksum"), "0xdead");
	assert_int_equal(buf[2] << 8 | buf[3], 20);
	assert_int_equal(buf[24] << 8 | buf[25], 9);
	assert_int_equal(buf[26] << 8 | buf[27], 0xbeef);
}

static void test_file_payload(void **state)
{
	(void)state;
	char path[] = "/tmp/wk-spec-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "file data", 9), 9);
	close(fd);
	char spec[128];
	snprintf(spec, sizeof(spec), "ip()/udp(sport=9,dport=9)/@%s", path);
	struct wk_pkt p;
	build(spec, 0, &p, NULL);
	unlink(path);
	assert_int_equal(p.rest_len, 9);
	assert_memory_equal(p.data + p.rest_off, "file data", 9);
	bad("ip()/@/nonexistent/wk-file", "No such file", 5);
	/* issue 12 item 26: an IPv4 packet over 65,535 bytes says why it cannot be finished */
	static char big[65530];
	char bpath[] = "/tmp/wk-spec-XXXXXX";
	fd = mkstemp(bpath);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	snprintf(spec, sizeof(spec), "ip()/udp()/@%s", bpath);
	bad(spec,
	    "udp: cannot finish: 65538 bytes from its header on, more than its 16-bit "
	    "length field holds (65,535)",
	    0);
	snprintf(spec, sizeof(spec), "ip()/icmp()/@%s", bpath);
	bad(spec, "ip: cannot finish: 65558 bytes", 0);
	unlink(bpath);
}

/* Issue 12 item 26: clear messages for prefixes too large to expand and scapy's names. */
static void test_messages(void **state)
{
	(void)state;
	bad("ipv6(dst=2001:db8::/64)/udp()",
	    "ipv6.dst stands for 2^64 addresses: a spec expands to at most 2^24 packets (an IPv6 "
	    "prefix of /104 or longer)",
	    9);
	bad("ipv6(dst=2001:db8::/100)/udp()", "2^28 addresses", 9);
	bad("ip()/tcp(dport=1-65535,sport=1-65535)", "expands to more than 16777216 packets", 23);
	bad("ether()/vlan(prio=3)/ip()",
	    "unknown field 'prio' in vlan(): scapy's 'prio' is 'priority' here", 13);
	bad("ip()/tcp(dataofs=5)", "scapy's 'dataofs' is 'hdr_len' here", 9);
	bad("ip()/udp()/dns(qdcount=1)", "scapy's 'qdcount' is 'count.queries' here", 15);
}

static void test_errors(void **state)
{
	(void)state;
	bad("ip(dst=198.18.0.2,tll=3)/tcp()", "unknown field 'tll' in ip(); did you mean 'ttl'?",
	    18);
	bad("ipp()/tcp()", "unknown layer 'ipp'; did you mean 'ip'?", 0);
	bad("ip()/tpc()", "did you mean 'tcp'?", 5);
	bad("ip(ttl=300)", "does not fit in 8 bits", 7);
	bad("ip(ttl=)", "missing value", 7);
	bad("ip(ttl=1", "unclosed '('", 2);
	bad("ip(ttl=1) tcp()", "expected '/'", 10);
	bad("ip()/", "expected a layer", 5);
	bad("", "empty spec", 0);
	bad("\"x\"", "needs a layer before it", 0);
	bad("ip()/\"x\"/tcp()", "must come last", 8);
	bad("ip()/\"abc", "unterminated", 5);
	bad("ip()/\"a\\q\"", "unknown escape", 7);
	bad("ip()/hex:0g", "bad hex", 5);
	bad("ip(dst=198.18.0.300)", "bad value '198.18.0.300' for ip.dst", 7);
	bad("icmp(type=echo-requets)", "did you mean 'echo-request'?", 10);
	bad("ip(ttl=1,ttl=2)", "set twice", 9);
	bad("ip(hdr_len=5)", "read-only", 3);
	bad("ip()/tcp(mms=1460)", "did you mean 'mss'?", 9);
	bad("ip()/tcp(flags=SX)", "bad value 'SX'", 15);
	bad("ip(dst=198.18.0.0/8)/tcp(dport=0-65535)", "more than", 25);
	bad("gre()", "cannot be built", 0);
	bad("ip()/tcp(tsval=5000000000)", "bad value", 15);
	/* issue 12 item 8: no made-up next-protocol numbers (ip.proto 0, EtherType 0x9000) */
	bad("ip()/dns()", "ip() cannot carry dns()", 5);
	bad("ip(dst=198.18.0.2)/arp()", "ip() cannot carry arp()", 19);
	bad("ether()/tcp(dport=80)", "eth() cannot carry tcp(): no EtherType", 8);
	bad("ether()/ip()/tcp()/arp()", "tcp() cannot carry arp()", 19);
	/* issue 12 item 13: a bare flag after a list value is an error, not a list item */
	bad("ip(flags=DF,MF)", "'MF' after 'DF' is ambiguous: write ip.flags=DF+MF", 12);
	bad("ip()/udp()/dns(qname=a.test,recdesired)",
	    "'recdesired' after a list value of dns.qry.name is ambiguous", 28);
	bad("ip()/tcp(flags=S,syn)", "ambiguous", 17);
	bad("ip(flags=DF+)", "bad value", 9);
}

/* Issue 12 item 22: ICMP types by the short name of the request (scapy, tcpdump). */
static void test_short_names(void **state)
{
	(void)state;
	struct wk_pkt p;
	uint64_t count;
	build("ip(dst=198.18.0.2)/icmp(type=timestamp)", 0, &p, &count);
	assert_int_equal(buf[20], 13);
	build("ip(dst=198.18.0.2)/icmp(type=Address-Mask)", 0, &p, &count);
	assert_int_equal(buf[20], 17);
	bad("ip()/icmp(type=timestam)", "bad value", 15);
}

static void test_flag_sum(void **state)
{
	(void)state;
	struct wk_pkt p;
	uint64_t count;
	build("ip(dst=198.18.0.2,flags=DF+MF)/tcp(flags=S+A)", 0, &p, &count);
	assert_int_equal(count, 1);
	assert_int_equal(buf[6] >> 5, 3);     /* DF and MF */
	assert_int_equal(buf[20 + 13], 0x12); /* SYN, ACK */
	/* quoted: one packet per value */
	build("ip(dst=198.18.0.2,flags=DF,\"MF\")", 1, &p, &count);
	assert_int_equal(count, 2);
	assert_int_equal(buf[6] >> 5, 1);
}

/* Issue 12 item 12: TCP options given as fields keep the user's order. */
static void test_option_order(void **state)
{
	(void)state;
	struct wk_pkt p;
	uint64_t count;
	static const uint8_t nop_mss[] = {1, 1, 2, 4, 0x05, 0xb4};
	build("ip(dst=198.18.0.2)/tcp(nop,nop,mss=1460)", 0, &p, &count);
	assert_memory_equal(buf + 40, nop_mss, sizeof(nop_mss));
	static const uint8_t mss_ws_sack[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 4, 2};
	build("ip(dst=198.18.0.2)/tcp(mss=1460,nop,wscale=7,nop,sackok)", 0, &p, &count);
	assert_memory_equal(buf + 40, mss_ws_sack, sizeof(mss_ws_sack));
	/* a list still expands, one packet per value */
	build("ip(dst=198.18.0.2)/tcp(mss=1400,1460,nop)", 1, &p, &count);
	assert_int_equal(count, 2);
	static const uint8_t mss1460_nop[] = {2, 4, 0x05, 0xb4, 1};
	assert_memory_equal(buf + 40, mss1460_nop, sizeof(mss1460_nop));
}

static void test_distance_and_queries(void **state)
{
	(void)state;
	assert_int_equal(wk_spec_distance("tll", "ttl"), 1);
	assert_int_equal(wk_spec_distance("ab", "ba"), 1);
	assert_int_equal(wk_spec_distance("", "abc"), 3);
	assert_int_equal(wk_spec_distance("kitten", "sitting"), 3);
	struct wk_error err = {0};
	struct wk_spec *s = wk_spec_parse("ip(ttl=1-4)/tcp(dport=80,nop)", &err, NULL);
	assert_non_null(s);
	assert_int_equal(wk_spec_nlayers(s), 2);
	assert_true(wk_spec_isset(s, 0, "ttl"));
	assert_true(wk_spec_isset(s, 0, "ip.ttl"));
	assert_false(wk_spec_isset(s, 0, "ip.id"));
	assert_true(wk_spec_varies(s, 0, "ttl"));
	assert_false(wk_spec_varies(s, 1, "dport"));
	assert_true(wk_spec_isset(s, 1, "options"));
	assert_int_equal(wk_spec_build(s, 4, &bld, &err), WK_EINVAL);
	wk_spec_free(s);
	wk_spec_free(NULL);
}

/* Issue 12 item 22: ICMP types and codes by name; timestamp messages of 20 bytes (RFC
 * 792) and address mask messages of 12 (RFC 950); host names only when asked for. */
static void test_icmp_names_sizes(void **state)
{
	(void)state;
	struct wk_pkt p;
	static const struct {
		const char *spec;
		unsigned type, code;
		size_t len;
	} cases[] = {
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=dest-unreach,code=port-unreachable)", 3,
	     3, 28},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/"
	     "icmp(type=param-problem,code=required-option-missing)",
	     12, 1, 28},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/"
	     "icmp(type=time-exceeded,code=ttl-zero-during-reassembly)",
	     11, 1, 28},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=redirect,code=host-redirect)", 5, 1, 28},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=source-quench)", 4, 0, 28},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=timestamp)", 13, 0, 40},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=timestamp-reply,ts_tx=7)", 14, 0, 40},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(ts_ori=1000)", 13, 0, 40},
	    {"ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=address-mask-reply,"
	     "addr_mask=255.255.255.0)",
	     18, 0, 32},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t n = build(cases[k].spec, 0, &p, NULL);
		if (n != cases[k].len)
			fail_msg("'%s': %zu bytes, want %zu", cases[k].spec, n, cases[k].len);
		assert_int_equal(buf[20], cases[k].type);
		assert_int_equal(buf[21], cases[k].code);
	}
	build("ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=timestamp-reply,id=7,seq=9,ts_ori=1000,"
	      "ts_rx=45296789,ts_tx=86399999)",
	      0, &p, NULL);
	assert_string_equal(text(&p, "icmp.ts_ori"), "1000");
	assert_string_equal(text(&p, "icmp.ts_rx"), "45296789");
	assert_string_equal(text(&p, "icmp.transmit_timestamp"), "86399999");
	assert_string_equal(text(&p, "icmp.seq"), "9");
	/* a time on a message without times, a typo in a code name */
	struct wk_error err = {0};
	struct wk_spec *sp = wk_spec_parse(
	    "ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=echo-request,ts_ori=1)", &err, NULL);
	assert_null(sp);
	assert_non_null(strstr(err.msg, "icmp.ts_ori: cannot be set"));
	size_t n;
	bad("ip(dst=198.18.0.2)/icmp(type=3,code=port-unreachabel)",
	    "did you mean 'port-unreachable'", 36);
	/* host names: refused unless resolving is asked for (localhost: /etc/hosts) */
	bad("ip(dst=localhost)/icmp()", "bad value 'localhost' for ip.dst", 7);
	sp = wk_spec_parse_flags("ip(src=198.18.0.1,dst=localhost)/icmp()", WK_SPEC_RESOLVE, &err,
	                         NULL);
	if (!sp)
		fail_msg("localhost: %s", err.msg);
	wk_build_init(&bld);
	assert_int_equal(wk_spec_build(sp, 0, &bld, &err), 0);
	assert_int_equal(wk_build_encode(&bld, buf, sizeof(buf), &n, &err), 0);
	static const uint8_t lo[4] = {127, 0, 0, 1};
	assert_memory_equal(buf + 16, lo, 4);
	wk_spec_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_tcp),        cmocka_unit_test(test_cross_product),
	    cmocka_unit_test(test_values),           cmocka_unit_test(test_file_payload),
	    cmocka_unit_test(test_errors),           cmocka_unit_test(test_distance_and_queries),
	    cmocka_unit_test(test_option_order),     cmocka_unit_test(test_flag_sum),
	    cmocka_unit_test(test_short_names),      cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_icmp_names_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
