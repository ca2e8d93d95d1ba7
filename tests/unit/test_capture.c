/* Unit tests for live capture without privileges: the TPACKET_V3 ring geometry, and the
 * sniff command's option parsing and rotated file names (its sources are compiled in
 * here: they are pure functions over their arguments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/capture.h"

#include "../../src/cli/output.c"
#include "../../src/cli/parse.c"
#include "../../src/cli/sniffopt.c"

/* What every geometry must satisfy for the kernel (packet_set_ring) and for us. */
static void check_geom(const struct wk_ring_geom *g, size_t page, uint32_t snaplen)
{
	assert_true(g->block_size >= page);
	assert_int_equal(g->block_size % page, 0);
	assert_int_equal(g->block_size & (g->block_size - 1), 0); /* power of two */
	assert_true(g->block_size <= WK_RING_MAX_BLOCK);
	assert_true(g->block_nr >= WK_RING_MIN_BLOCKS);
	assert_int_equal(g->frame_size % 16, 0); /* TPACKET_ALIGNMENT */
	assert_int_equal(g->frame_nr, g->block_nr * (g->block_size / g->frame_size));
	assert_true(g->snaplen <= snaplen);
	assert_true(g->snaplen + 128 <= g->block_size); /* one whole packet fits a block */
}

static void test_geometry_default(void **state)
{
	(void)state;
	struct wk_ring_geom g;
	assert_int_equal(
	    wk_ring_geometry(WK_CAP_DEFAULT_BUFFER, WK_CAP_DEFAULT_SNAPLEN, 4096, &g, NULL), 0);
	check_geom(&g, 4096, WK_CAP_DEFAULT_SNAPLEN);
	/* 256 KiB packets need 512 KiB blocks; 8 MiB of them is 16 */
	assert_int_equal(g.block_size, 512u << 10);
	assert_int_equal(g.block_nr, 16);
	assert_int_equal(g.snaplen, WK_CAP_DEFAULT_SNAPLEN);
}

static void test_geometry_cases(void **state)
{
	(void)state;
	static const struct {
		size_t buf;
		uint32_t snap;
		size_t page;
		uint32_t bs, nr, snap_out;
	} cases[] = {
	    /* short packets: blocks stay at the 128 KiB floor, more of them */
	    {8u << 20, 96, 4096, 128u << 10, 64, 96},
	    {2u << 20, 1518, 4096, 128u << 10, 16, 1518},
	    /* a small buffer gets small blocks, never fewer than four; snaplen follows */
	    {64u << 10, 262144, 4096, 16u << 10, 4, (16u << 10) - 160},
	    /* a buffer under four pages still gets four blocks of a page */
	    {1024, 262144, 4096, 4096, 4, 4096 - 160},
	    /* huge packets: blocks cap at 4 MiB and cut the snaplen */
	    {64u << 20, 16u << 20, 4096, 4u << 20, 16, (4u << 20) - 160},
	    /* 64 KiB pages */
	    {8u << 20, 1500, 65536, 128u << 10, 64, 1500},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(cases); i++) {
		struct wk_ring_geom g;
		assert_int_equal(
		    wk_ring_geometry(cases[i].buf, cases[i].snap, cases[i].page, &g, NULL), 0);
		check_geom(&g, cases[i].page, cases[i].snap);
		assert_int_equal(g.block_size, cases[i].bs);
		assert_int_equal(g.block_nr, cases[i].nr);
		assert_int_equal(g.snaplen, cases[i].snap_out);
	}
}

static void test_geometry_bad(void **state)
{
	(void)state;
	struct wk_ring_geom g;
	struct wk_error e = {0};
	assert_int_equal(wk_ring_geometry(1 << 20, 1500, 3000, &g, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "power of two"));
	assert_int_equal(wk_ring_geometry(1 << 20, 0, 4096, &g, &e), WK_EINVAL);
	assert_int_equal(wk_ring_geometry(WK_RING_MAX_BYTES + 1, 1500, 4096, &g, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "limit"));
	assert_int_equal(wk_ring_geometry(WK_RING_MAX_BYTES, 1500, 4096, &g, &e), 0);
	check_geom(&g, 4096, 1500);
}

static void test_parse_secs_size(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(cli_parse_secs("1.5", &v));
	assert_int_equal(v, 1500);
	assert_true(cli_parse_secs("2", &v));
	assert_int_equal(v, 2000);
	assert_true(cli_parse_secs("0.001", &v));
	assert_int_equal(v, 1);
	assert_true(cli_parse_secs(".25", &v));
	assert_int_equal(v, 250);
	assert_true(cli_parse_secs("3.14159", &v)); /* past milliseconds: cut */
	assert_int_equal(v, 3141);
	const char *bad[] = {
	    "", "0", "0.0004", "-1", "1.2.3", "abc", "1s", ".", "99999999999999999999"};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++)
		assert_false(cli_parse_secs(bad[i], &v));

	assert_true(cli_parse_size("10", 1000000, &v) && v);
	assert_int_equal(v, 10000000); /* tcpdump: millions of bytes */
	assert_true(cli_parse_size("20k", 1000000, &v) && v);
	assert_int_equal(v, 20480);
	assert_true(cli_parse_size("3M", 1000000, &v) && v);
	assert_int_equal(v, 3u << 20);
	assert_true(cli_parse_size("1g", 1000000, &v) && v);
	assert_int_equal(v, 1u << 30);
	const char *badsz[] = {"", "0", "k", "5x", "5kk", "-5", " 5", "18446744073709551615"};
	for (size_t i = 0; i < WK_ARRAY_SIZE(badsz); i++)
		assert_false(cli_parse_size(badsz[i], 1000000, &v) && v);
	/* connect/listen sizes: plain bytes, 0 allowed (the callers decide) */
	assert_true(cli_parse_size("0", 1, &v));
	assert_int_equal(v, 0);
	assert_true(cli_parse_size("16M", 1, &v));
	assert_int_equal(v, 16u << 20);
	assert_true(cli_parse_size("100", 1, &v));
	assert_int_equal(v, 100);
}

static void test_file_names(void **state)
{
	(void)state;
	char b[64];
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(sniff_file_name(b, sizeof(b), "cap.pcap", false, 0, 0, 0), 0);
	assert_string_equal(b, "cap.pcap");
	assert_int_equal(sniff_file_name(b, sizeof(b), "cap.pcap", false, 0, 1, 0), 0);
	assert_string_equal(b, "cap.pcap1");
	assert_int_equal(sniff_file_name(b, sizeof(b), "cap.pcap", false, 0, 12, 0), 0);
	assert_string_equal(b, "cap.pcap12");
	/* -G: strftime, then the -C counter */
	assert_int_equal(
	    sniff_file_name(b, sizeof(b), "c-%Y%m%d-%H%M%S.pcap", true, 86400 + 3661, 0, 0), 0);
	assert_string_equal(b, "c-19700102-010101.pcap");
	assert_int_equal(sniff_file_name(b, sizeof(b), "c-%s", true, 1700000000, 3, 0), 0);
	assert_string_equal(b, "c-17000000003");
	/* names that do not fit, or are empty */
	assert_int_equal(sniff_file_name(b, 8, "cap.pcap", false, 0, 0, 0), -1);
	assert_int_equal(sniff_file_name(b, 9, "cap.pcap", false, 0, 0, 0), 0);
	assert_int_equal(sniff_file_name(b, 9, "cap.pcap", false, 0, 1, 0), -1);
	assert_int_equal(sniff_file_name(b, sizeof(b), "", false, 0, 0, 0), -1);
	assert_int_equal(sniff_file_name(b, sizeof(b), "", true, 0, 0, 0), -1);
	assert_int_equal(sniff_file_name(b, 6, "%Y%m%d", true, 0, 0, 0), -1);
	/* -W: every number, zero-padded (tcpdump -C 1 -W 12 writes out00 .. out11) */
	assert_int_equal(sniff_file_name(b, sizeof(b), "out", false, 0, 0, 2), 0);
	assert_string_equal(b, "out00");
	assert_int_equal(sniff_file_name(b, sizeof(b), "out", false, 0, 11, 2), 0);
	assert_string_equal(b, "out11");
	struct sniff_opts o = {.rot_bytes = 1};
	unsigned widths[][2] = {{1, 0}, {2, 1}, {10, 1}, {11, 2}, {12, 2}, {101, 3}};
	for (size_t i = 0; i < WK_ARRAY_SIZE(widths); i++) {
		o.rot_files = widths[i][0];
		assert_int_equal(sniff_name_width(&o), widths[i][1]);
	}
	o.rot_bytes = 0; /* -G -W: names are the strftime pattern's alone */
	assert_int_equal(sniff_name_width(&o), 0);
}

static int parse(struct sniff_opts *o, const char **args)
{
	int n = 0;
	while (args[n])
		n++;
	return sniff_parse(n, (char **)args, o);
}

static void test_parse_options(void **state)
{
	(void)state;
	struct sniff_opts o;
	const char *a1[] = {
	    "sniff",  "-i",       "eth9", "-p",     "-c",         "5",    "-w",
	    "x.pcap", "-C",       "1",    "-G",     "60",         "-s",   "128",
	    "-B",     "4096",     "-Z",   "daemon", "--duration", "2.5",  "--stats-interval",
	    "1",      "--pcapng", "-W",   "7",      "tcp",        "port", "80",
	    NULL};
	assert_int_equal(parse(&o, a1), 0);
	assert_string_equal(o.iface, "eth9");
	assert_false(o.promisc);
	assert_int_equal(o.out.count, 5);
	assert_string_equal(o.out.wpath, "x.pcap");
	assert_true(o.out.pcapng);
	assert_int_equal(o.rot_bytes, 1000000);
	assert_int_equal(o.rot_secs, 60);
	assert_int_equal(o.rot_files, 7);
	assert_int_equal(o.snaplen, 128);
	assert_int_equal(o.bufsize, 4u << 20);
	assert_string_equal(o.user, "daemon");
	assert_int_equal(o.duration_ms, 2500);
	assert_int_equal(o.stats_ms, 1000);
	assert_int_equal(o.raw_proto, 0);
	assert_string_equal(o.filter, "tcp port 80");
	sniff_opts_fini(&o);

	const char *a2[] = {"sniff",  "--raw-ip", "icmp",      "-T", "fields", "-e",
	                    "ip.src", "-e",       "icmp.type", "-T", "fields", NULL};
	assert_int_equal(parse(&o, a2), 0);
	assert_int_equal(o.raw_proto, 1);
	assert_true(o.promisc);
	assert_int_equal(o.out.mode, OUT_FIELDS);
	assert_int_equal(o.out.nf, 2);
	assert_string_equal(o.out.fnames[1], "icmp.type");
	assert_null(o.filter);
	assert_null(o.iface);
	sniff_opts_fini(&o);

	/* without -T fields, -e is tcpdump's link-layer header, alone or among flags */
	const char *a3[] = {"sniff", "-nne", "-e", "tcp", NULL};
	assert_int_equal(parse(&o, a3), 0);
	assert_true(o.out.link);
	assert_int_equal(o.out.nf, 0);
	assert_string_equal(o.filter, "tcp");
	assert_null(o.iface);
	sniff_opts_fini(&o);

	/* options after the filter, as tcpdump takes them; "--" ends them (issue 12 #16) */
	const char *a4[] = {"sniff", "-i", "X", "udp", "-c", "1", "--", "-c", NULL};
	assert_int_equal(parse(&o, a4), 0);
	assert_string_equal(o.iface, "X");
	assert_int_equal(o.out.count, 1);
	assert_string_equal(o.filter, "udp -c");
	sniff_opts_fini(&o);

	/* usage errors: exit status 2 */
	const char *bad[][6] = {
	    {"sniff", "-C", "1", NULL},               /* rotation needs -w */
	    {"sniff", "-w", "-", "-G", "5", NULL},    /* not on stdout */
	    {"sniff", "--raw-ip", "sctp", NULL},      /* only icmp tcp udp */
	    {"sniff", "-B", "0", NULL},               /* empty ring */
	    {"sniff", "-s", "300000", NULL},          /* over the largest snaplen */
	    {"sniff", "-T", "fields", NULL},          /* fields without -e */
	    {"sniff", "--duration", "0", NULL},       /* no time at all */
	    {"sniff", "-c", "0", NULL},               /* no packets at all */
	    {"sniff", "--stats-interval", "x", NULL}, /* not seconds */
	    {"sniff", "-G", "0", "-w", "f", NULL},    /* no period */
	    {"sniff", "--no-such-option", NULL},      /* unknown */
	    {"sniff", "-W", "3", "-w", "f", NULL},    /* -W without -C or -G */
	    {"sniff", "-C", "1", "-W", "0", NULL},    /* no files */
	    {"sniff", "--stats", "--json", NULL},     /* two outputs (issue 12 #24) */
	    {"sniff", "-V", "--stats", NULL},         /* two outputs */
	    {"sniff", "--top", "3", NULL},            /* --top without --stats */
	    {"sniff", "-c", NULL},                    /* no value */
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++) {
		assert_int_equal(parse(&o, bad[i]), 2);
		sniff_opts_fini(&o);
	}
	const char *help[] = {"sniff", "--help", NULL};
	assert_int_equal(parse(&o, help), -1);
	sniff_opts_fini(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_geometry_default), cmocka_unit_test(test_geometry_cases),
	    cmocka_unit_test(test_geometry_bad),     cmocka_unit_test(test_parse_secs_size),
	    cmocka_unit_test(test_file_names),       cmocka_unit_test(test_parse_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
