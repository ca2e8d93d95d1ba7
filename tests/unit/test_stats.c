/* Statistics (src/lib/out/stats.c): totals, categories, the protocol hierarchy and the
 * conversation table (both directions on one entry, growth, its bound, the top k), over
 * packets built from specs and dissected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/spec.h"
#include "wirekit/wirekit.h"

static uint8_t buf[2048];
static char out[1 << 20];

/* Build packet 0 of text, dissect it and add it to s with the given length on the wire
 * (0: as built). */
static void add(struct wk_stats *s, const char *text, uint32_t wirelen)
{
	struct wk_error err = {0};
	size_t col = 0, n = 0;
	struct wk_spec *sp = wk_spec_parse(text, &err, &col);
	if (!sp)
		fail_msg("parse '%s': %s (column %zu)", text, err.msg, col);
	struct wk_build b;
	wk_build_init(&b);
	if (wk_spec_build(sp, 0, &b, &err) || wk_build_encode(&b, buf, sizeof(buf), &n, &err))
		fail_msg("build '%s': %s", text, err.msg);
	wk_spec_free(sp);
	struct wk_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = (uint32_t)n;
	p.wirelen = wirelen ? wirelen : (uint32_t)n;
	p.linktype = 1; /* every spec here starts with eth */
	wk_dissect(&p);
	wk_stats_add(s, &p);
}

static const char *print(struct wk_stats *s, size_t top)
{
	struct wk_ob o;
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	wk_stats_print(&o, s, top);
	assert_int_equal(o.err, 0);
	out[o.len] = '\0';
	return out;
}

static void expect_line(const char *text, const char *line)
{
	if (strstr(text, line))
		return;
	print_error("no line '%s' in:\n", line);
	print_error("%s", text);
	fail();
}

/* Both directions of a conversation meet on one entry, the lesser address first; other
 * ports are other conversations; ICMP and ARP have none. */
static void test_directions(void **state)
{
	(void)state;
	struct wk_stats *s = wk_stats_new(16);
	assert_non_null(s);
	add(s, "eth/ip(src=198.18.0.2,dst=198.18.0.1)/tcp(sport=80,dport=40000)", 100);
	add(s, "eth/ip(src=198.18.0.1,dst=198.18.0.2)/tcp(sport=40000,dport=80)", 60);
	add(s, "eth/ip(src=198.18.0.1,dst=198.18.0.2)/tcp(sport=40001,dport=80)", 70);
	add(s, "eth/ip(src=198.18.0.1,dst=198.18.0.2)/icmp", 98);
	add(s, "eth/ip(src=198.18.0.2,dst=198.18.0.1)/icmp", 98);
	add(s, "eth/arp(psrc=198.18.0.9,pdst=198.18.0.3)", 42);
	/* the same address on both ends: the lesser port first */
	add(s, "eth/ip(src=198.18.0.5,dst=198.18.0.5)/udp(sport=9,dport=7)", 50);
	/* the ports of a transport behind IPv6 extension headers */
	add(s, "eth/ipv6(src=2001:db8::9,dst=2001:db8::8)/ipv6_hopopts/tcp(sport=5,dport=6)", 30);
	const char *t = print(s, 10);
	expect_line(t, "packets: 8  bytes: 548");
	expect_line(t, "TCP:4 UDP:1 ICMP:2 Other:1\n");
	expect_line(t, "tcp=4 udp=1 icmp=2 icmpv6=0 arp=1 other=0\n");
	expect_line(t, "\nconversations: 6 by bytes\n"
	               "  icmp 198.18.0.1 <-> 198.18.0.2  packets:2 bytes:196\n"
	               "  tcp 198.18.0.1:40000 <-> 198.18.0.2:80  packets:2 bytes:160\n"
	               "  tcp 198.18.0.1:40001 <-> 198.18.0.2:80  packets:1 bytes:70\n"
	               "  udp 198.18.0.5:7 <-> 198.18.0.5:9  packets:1 bytes:50\n"
	               "  arp 198.18.0.3 <-> 198.18.0.9  packets:1 bytes:42\n"
	               "  tcp 2001:db8::8.6 <-> 2001:db8::9.5  packets:1 bytes:30\n");
	wk_stats_free(s);
}

/* Packets whose layer paths alternate (the hierarchy reuses the previous packet's path
 * and what depends on it): every count lands on its own node and category. */
static void test_hierarchy_paths(void **state)
{
	(void)state;
	struct wk_stats *s = wk_stats_new(64);
	assert_non_null(s);
	static const char *const specs[] = {
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)/udp(sport=1000,dport=53)/"
	    "hex:000001000000000000000000",
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)/udp(sport=1000,dport=1001)/\"x\"",
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)/udp(sport=1000,dport=53)/"
	    "hex:000001000000000000000000",
	    "eth/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=1,dport=2)",
	    "eth/arp(psrc=198.18.0.1,pdst=198.18.0.2)",
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)/udp(sport=1000,dport=1001)/\"x\"",
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)", /* a prefix of the path before */
	    "eth/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=1,dport=2)",
	};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
			add(s, specs[i], 100);
	const char *t = print(s, 10);
	expect_line(t, "packets: 24  bytes: 2400");
	expect_line(t, "tcp=6 udp=12 icmp=0 icmpv6=0 arp=3 other=3\n");
	expect_line(t, "protocol hierarchy:\n"
	               "  eth                           packets:24 bytes:2400\n"
	               "    ip                          packets:15 bytes:1500\n"
	               "      udp                       packets:12 bytes:1200\n"
	               "        dns                     packets:6 bytes:600\n"
	               "    ipv6                        packets:6 bytes:600\n"
	               "      tcp                       packets:6 bytes:600\n"
	               "    arp                         packets:3 bytes:300\n\n");
	/* equal counts: by key (IPv6 2001:... before IPv4 198..., then ports, then the name);
	 * ARP and a bare IP header between the same addresses are two conversations */
	expect_line(t, "\nconversations: 5 by bytes\n"
	               "  tcp 2001:db8::1.1 <-> 2001:db8::2.2  packets:6 bytes:600\n"
	               "  udp 198.18.0.1:1000 <-> 198.18.0.2:53  packets:6 bytes:600\n"
	               "  udp 198.18.0.1:1000 <-> 198.18.0.2:1001  packets:6 bytes:600\n"
	               "  arp 198.18.0.1 <-> 198.18.0.2  packets:3 bytes:300\n"
	               "  ip 198.18.0.1 <-> 198.18.0.2  packets:3 bytes:300\n");
	wk_stats_free(s);
}

/* Thousands of conversations: the table grows past its first size and the top k are
 * the busiest, ties broken by key, whatever the order they came in. */
static void test_growth_and_top(void **state)
{
	(void)state;
	struct wk_stats *s = wk_stats_new(WK_STATS_CONV_DEFAULT);
	assert_non_null(s);
	char spec[160];
	const unsigned n = 3000;
	for (unsigned k = 0; k < 2 * n; k++) {
		unsigned i = (k * 7919) % n; /* a scattered order, each conversation twice */
		snprintf(spec, sizeof(spec),
		         "eth/ip(src=198.18.%u.%u,dst=198.19.0.1)/udp(sport=%u,dport=53)", i / 250,
		         i % 250, 1024 + i);
		add(s, spec, 100 + i % 1000); /* 999, 1999 and 2999 are the busiest */
	}
	const char *t = print(s, 4);
	expect_line(t, "\nconversations: 3000, top 4 by bytes\n"
	               "  udp 198.18.3.249:2023 <-> 198.19.0.1:53  packets:2 bytes:2198\n"
	               "  udp 198.18.7.249:3023 <-> 198.19.0.1:53  packets:2 bytes:2198\n"
	               "  udp 198.18.11.249:4023 <-> 198.19.0.1:53  packets:2 bytes:2198\n"
	               "  udp 198.18.3.248:2022 <-> 198.19.0.1:53  packets:2 bytes:2196\n");
	/* asking for more than there are prints them all, in the same order */
	t = print(s, 100000);
	expect_line(t, "\nconversations: 3000 by bytes\n"
	               "  udp 198.18.3.249:2023 <-> 198.19.0.1:53  packets:2 bytes:2198\n");
	expect_line(t, "  udp 198.18.0.0:1024 <-> 198.19.0.1:53  packets:2 bytes:200\n"
	               "  udp 198.18.4.0:2024 <-> 198.19.0.1:53  packets:2 bytes:200\n"
	               "  udp 198.18.8.0:3024 <-> 198.19.0.1:53  packets:2 bytes:200\n");
	wk_stats_free(s);
}

/* At its bound the table keeps the conversations it has and counts the packets of the
 * others; a top of 0 lists none. */
static void test_bound(void **state)
{
	(void)state;
	struct wk_stats *s = wk_stats_new(100);
	assert_non_null(s);
	char spec[160];
	for (unsigned i = 0; i < 150; i++) {
		snprintf(spec, sizeof(spec), "eth/ip(src=198.18.1.%u,dst=198.18.2.1)/icmp", i);
		add(s, spec, 100);
		add(s, spec, 100);
	}
	const char *t = print(s, 0);
	expect_line(t, "packets: 300  bytes: 30000");
	expect_line(t, "\nconversations: 100, top 0 by bytes\n"
	               "  (100 packets in conversations beyond the table's capacity)\n");
	wk_stats_free(s);
}

/* Counts of two parts merged are the counts of the whole, wherever it is cut: totals,
 * hierarchy (in order of first appearance), conversations, and which conversations a
 * small table keeps (the first ones to appear). */
static void test_merge(void **state)
{
	(void)state;
	static const char *const specs[] = {
	    "eth/ip(src=198.18.0.1,dst=198.18.0.2)/tcp(sport=1,dport=2)",
	    "eth/arp(psrc=198.18.0.1,pdst=198.18.0.2)",
	    ("eth/ip(src=198.18.0.3,dst=198.18.0.2)/udp(sport=1000,dport=53)/"
	     "hex:000001000000000000000000"), /* one string: parentheses tell clang so */
	    "eth/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=1,dport=2)",
	    "eth/ip(src=198.18.0.2,dst=198.18.0.1)/tcp(sport=2,dport=1)",
	    "eth/ip(src=198.18.0.4,dst=198.18.0.2)/icmp",
	    "eth/ipv6(src=2001:db8::1,dst=2001:db8::3)/ipv6_hopopts/udp(sport=7,dport=9)",
	    "eth/ip(src=198.18.0.5,dst=198.18.0.2)/udp(sport=1,dport=2)/\"x\"",
	    "eth/ip(src=198.18.0.6,dst=198.18.0.2)/udp(sport=1,dport=2)/\"x\"",
	    "eth/ip(src=198.18.0.7,dst=198.18.0.2)/icmp",
	};
	const size_t n = sizeof(specs) / sizeof(specs[0]);
	static char whole[8192];
	for (size_t cap = 4; cap <= 64; cap += 60) { /* a table too small, and a roomy one */
		struct wk_stats *all = wk_stats_new(cap);
		assert_non_null(all);
		for (size_t i = 0; i < 2 * n; i++)
			add(all, specs[i % n], (uint32_t)(60 + i));
		const char *txt = print(all, 100);
		size_t len = strlen(txt);
		assert_true(len < sizeof(whole)); /* checked, so -O3 sees no truncation either */
		memcpy(whole, txt, len + 1);
		wk_stats_free(all);
		for (size_t cut = 0; cut <= 2 * n; cut++) {
			/* the second part's table is bigger (as read's is): the conversations it
			 * must not lose are those of the first part as well as its own */
			struct wk_stats *a = wk_stats_new(cap), *b = wk_stats_new(4 * cap);
			assert_non_null(a);
			assert_non_null(b);
			for (size_t i = 0; i < 2 * n; i++)
				add(i < cut ? a : b, specs[i % n], (uint32_t)(60 + i));
			wk_stats_merge(a, b);
			const char *t = print(a, 100);
			if (strcmp(t, whole)) {
				print_error("cut at %zu (table of %zu):\n%s\nwhole:\n%s", cut, cap,
				            t, whole);
				fail();
			}
			wk_stats_free(a);
			wk_stats_free(b);
		}
	}
}

/* Deep nesting: the hierarchy's counters stay in one column however deep a name is
 * indented (issue 12 item 27). */
static void test_hierarchy_columns(void **state)
{
	(void)state;
	struct wk_stats *s = wk_stats_new(16);
	assert_non_null(s);
	add(s,
	    "eth/vlan(id=1)/vlan(id=2)/vlan(id=3)/vlan(id=4)/vlan(id=5)/vlan(id=6)/vlan(id=7)/"
	    "vlan(id=8)/vlan(id=9)/vlan(id=10)/vlan(id=11)/vlan(id=12)/ip(src=198.18.0.1,"
	    "dst=198.18.0.2)/udp(sport=1,dport=53)/dns(qname=a.test)",
	    0);
	add(s, "eth/ip(src=198.18.0.1,dst=198.18.0.2)/tcp(sport=1,dport=2)", 0);
	const char *t = print(s, 10);
	const char *h = strstr(t, "protocol hierarchy:\n");
	assert_non_null(h);
	h = strchr(h, '\n') + 1;
	long col = -1;
	unsigned lines = 0;
	while (*h == ' ') {
		const char *e = strchr(h, '\n');
		const char *pk = strstr(h, "packets:");
		assert_non_null(e);
		assert_true(pk && pk < e);
		assert_true(pk[-1] == ' ');
		if (col < 0)
			col = pk - h;
		if (pk - h != col)
			fail_msg("'packets:' at column %ld, not %ld in:\n%s", (long)(pk - h), col,
			         t);
		lines++;
		h = e + 1;
	}
	assert_int_equal(lines, 18);
	wk_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_directions),     cmocka_unit_test(test_hierarchy_paths),
	    cmocka_unit_test(test_growth_and_top), cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_merge),          cmocka_unit_test(test_hierarchy_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
