/* Unit tests for the pcap/pcapng reader: handcrafted files in both byte orders, timestamp
 * resolutions, every packet block type, damage messages and offsets, streams, big mapped
 * files and the split in two. The writer's tests are test_pcapwrite.c. */
#include "pcap_test.h"

/* ---- pcap --------------------------------------------------------------------------- */

static void test_pcap_le_usec(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 65535, 1);
	pcap_rec(&b, 1700000000, 123456, 60, 60);
	pcap_rec(&b, 1700000001, 999999, 14, 1514);
	pcap_rec(&b, 1700000002, 0, 0, 0);
	struct wk_pcap_reader *r = open_fb(&b);
	assert_int_equal(wk_pcap_format(r), WK_PCAP_FMT_PCAP);
	assert_int_equal(wk_pcap_linktype(r), 1);
	assert_int_equal(wk_pcap_snaplen(r), 65535);
	assert_int_equal(wk_pcap_offset(r), 24);
	struct wk_pkt p;
	assert_int_equal(wk_pcap_next(r, &p), 0);
	assert_ptr_equal(p.data, b.p + 24 + 16); /* zero copy */
	assert_int_equal(p.ifid, 0);
	assert_int_equal(p.ts_nsec, 123456000);
	assert_int_equal(wk_pcap_offset(r), 24 + 16 + 60);
	expect_pkt(r, 2, 14, 1514, 1700000001, 999999000, 1);
	expect_pkt(r, 3, 0, 0, 1700000002, 0, 1);
	assert_int_equal(wk_pcap_count(r), 3);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcap_be_nsec(void **state)
{
	(void)state;
	struct fb b = {.be = true};
	pcap_hdr(&b, true, 2, 4, 262144, 101);
	pcap_rec(&b, 0xfffffff0u, 999999999, 40, 40); /* unsigned seconds: year 2106 */
	pcap_rec(&b, 5, 1, 20, 100);
	struct wk_pcap_reader *r = open_fb(&b);
	assert_int_equal(wk_pcap_linktype(r), 101);
	expect_pkt(r, 1, 40, 40, 0xfffffff0ll, 999999999, 101);
	expect_pkt(r, 2, 20, 100, 5, 1, 101);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcap_quirks(void **state)
{
	(void)state;
	/* FCS bits above the link type: 2 bytes of FCS present, Ethernet. */
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 65535, 0x24000001u);
	pcap_rec(&b, 10, 2500000, 10, 10); /* 2.5 s of microseconds: carried */
	struct wk_pcap_reader *r = open_fb(&b);
	assert_int_equal(wk_pcap_linktype(r), 1);
	expect_pkt(r, 1, 10, 10, 12, 500000000, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);

	/* Before v2.3 the record header had len before caplen. */
	pcap_hdr(&b, false, 2, 2, 65535, 1);
	fb_u32(&b, 1);
	fb_u32(&b, 0);
	fb_u32(&b, 100); /* wire length first */
	fb_u32(&b, 30);  /* captured length second */
	fb_put(&b, payload, 30);
	r = open_fb(&b);
	expect_pkt(r, 1, 30, 100, 1, 0, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);

	/* Kuznetsov's format: 8 more bytes per record header. */
	fb_u32(&b, PCAP_MAGIC_KUZ);
	fb_u16(&b, 2);
	fb_u16(&b, 4);
	fb_u32(&b, 0);
	fb_u32(&b, 0);
	fb_u32(&b, 65535);
	fb_u32(&b, 1);
	for (int i = 0; i < 2; i++) {
		fb_u32(&b, 7);
		fb_u32(&b, 8);
		fb_u32(&b, 12);
		fb_u32(&b, 60);
		fb_u32(&b, 3); /* ifindex */
		fb_u32(&b, 0x00080001);
		fb_put(&b, payload, 12);
	}
	r = open_fb(&b);
	expect_pkt(r, 1, 12, 60, 7, 8000, 1);
	expect_pkt(r, 2, 12, 60, 7, 8000, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcap_truncated(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 65535, 1);
	pcap_rec(&b, 1, 0, 50, 50);
	pcap_rec(&b, 2, 0, 60, 60);
	size_t full = b.n;
	pcap_rec(&b, 3, 0, 70, 70);
	char msg[64];
	snprintf(msg, sizeof(msg), "truncated record at offset %zu", full);
	/* Cut in the third record's data, in its header, and right after the second. */
	size_t cuts[] = {b.n - 1, full + 20, full + 15, full + 1};
	for (size_t i = 0; i < WK_ARRAY_SIZE(cuts); i++) {
		struct wk_error e;
		struct wk_pcap_reader *r = wk_pcap_open_mem(b.p, cuts[i], &e);
		assert_non_null(r);
		expect_pkt(r, 1, 50, 50, 1, 0, 1);
		expect_pkt(r, 2, 60, 60, 2, 0, 1);
		expect_end(r, WK_ETRUNC, msg);
		assert_int_equal(wk_pcap_offset(r), full);
		assert_int_equal(wk_pcap_count(r), 2);
		wk_pcap_close(r);
	}
	/* Ending exactly after a record is a clean end. */
	struct wk_error e;
	struct wk_pcap_reader *r = wk_pcap_open_mem(b.p, full, &e);
	assert_non_null(r);
	expect_pkt(r, 1, 50, 50, 1, 0, 1);
	expect_pkt(r, 2, 60, 60, 2, 0, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcap_oversized(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 65535, 1);
	pcap_rec(&b, 1, 0, 10, 10);
	fb_u32(&b, 2);
	fb_u32(&b, 0);
	fb_u32(&b, 0x7fffffff); /* 2 GiB: damage, not an allocation */
	fb_u32(&b, 0x7fffffff);
	fb_put(&b, payload, 100);
	struct wk_pcap_reader *r = open_fb(&b);
	expect_pkt(r, 1, 10, 10, 1, 0, 1);
	expect_end(r, WK_EFORMAT, "bad caplen 2147483647 at offset 50 (limit 268435456)");
	wk_pcap_close(r);

	/* Just past the cap, and just past the end of the file. */
	fb_patch32(&b, 50 + 8, PCAP_MAX_CAPLEN + 1);
	r = open_fb(&b);
	expect_pkt(r, 1, 10, 10, 1, 0, 1);
	expect_end(r, WK_EFORMAT, "bad caplen 268435457 at offset 50 (limit 268435456)");
	wk_pcap_close(r);
	fb_patch32(&b, 50 + 8, 101);
	r = open_fb(&b);
	expect_pkt(r, 1, 10, 10, 1, 0, 1);
	expect_end(r, WK_ETRUNC, "truncated record at offset 50");
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_bad_headers(void **state)
{
	(void)state;
	struct wk_error e;
	char path[256];
	tmp_path(path, sizeof(path), ".pcap");
	write_file(path, "", 0);
	assert_null(wk_pcap_open(path, &e));
	assert_int_equal(e.code, WK_ETRUNC);
	assert_string_equal(e.msg, "empty file (no pcap or pcapng header)");
	unlink(path);
	assert_null(wk_pcap_open_mem("", 0, &e));
	assert_string_equal(e.msg, "empty file (no pcap or pcapng header)");
	assert_null(wk_pcap_open_mem("\xd4\xc3", 2, &e));
	assert_int_equal(e.code, WK_ETRUNC);
	assert_string_equal(e.msg, "truncated file header (2 bytes)");
	assert_null(wk_pcap_open_mem("\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00", 10, &e));
	assert_int_equal(e.code, WK_ETRUNC);
	assert_string_equal(e.msg, "truncated pcap file header (10 of 24 bytes)");
	assert_null(wk_pcap_open_mem("GET / HTTP/1.1\r\n", 16, &e));
	assert_int_equal(e.code, WK_EFORMAT);
	assert_string_equal(e.msg, "unknown magic 0x47455420 (not a pcap or pcapng file)");
	assert_null(wk_pcap_open("/nonexistent/x.pcap", &e));
	assert_int_equal(e.code, WK_ESYS);
	assert_string_equal(e.msg, "open: No such file or directory");

	struct fb b = {0};
	pcap_hdr(&b, false, 1, 0, 65535, 1);
	assert_null(wk_pcap_open_mem(b.p, b.n, &e));
	assert_int_equal(e.code, WK_EFORMAT);
	assert_string_equal(e.msg, "unsupported pcap version 1.0");
	fb_free(&b);
	/* A header and no packets is a valid, empty capture. */
	pcap_hdr(&b, false, 2, 4, 65535, 1);
	struct wk_pcap_reader *r = open_fb(&b);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

/* ---- pcapng ------------------------------------------------------------------------- */

static void build_ng_basic(struct fb *b, bool be)
{
	ng_shb(b, be);
	ng_other(b, 0x00000bad, 13); /* custom block: skipped */
	ng_idb(b, 1, 65535, -1, NULL);
	ng_other(b, 4, 8); /* name resolution block: skipped */
	ng_epb(b, 0, 1700000000123456ull, 60, 64, "hello");
	ng_other(b, 5, 20); /* interface statistics: skipped */
	ng_epb(b, 0, 1700000001000001ull, 3, 3, NULL);
}

static void test_pcapng_basic(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct fb b = {0};
		build_ng_basic(&b, be);
		struct wk_pcap_reader *r = open_fb(&b);
		assert_int_equal(wk_pcap_format(r), WK_PCAP_FMT_PCAPNG);
		assert_int_equal(wk_pcap_linktype(r), 1); /* known before the first packet */
		assert_int_equal(wk_pcap_snaplen(r), 65535);
		expect_pkt(r, 1, 60, 64, 1700000000, 123456000, 1);
		expect_pkt(r, 2, 3, 3, 1700000001, 1000, 1);
		expect_end(r, WK_EEOF, NULL);
		assert_int_equal(wk_pcap_offset(r), b.n);
		wk_pcap_close(r);
		fb_free(&b);
	}
}

static void test_pcapng_tsresol(void **state)
{
	(void)state;
	struct fb b = {0};
	int64_t off = -100;
	ng_shb(&b, false);
	ng_idb(&b, 1, 0, 9, NULL);          /* 0: nanoseconds */
	ng_idb(&b, 1, 0, 0x80 | 20, NULL);  /* 1: 2^-20 s */
	ng_idb(&b, 1, 0, 3, &off);          /* 2: milliseconds, 100 s earlier */
	ng_idb(&b, 1, 0, 12, NULL);         /* 3: picoseconds */
	ng_idb(&b, 1, 0, 0x80 | 0, NULL);   /* 4: whole seconds */
	ng_idb(&b, 1, 0, 0x80 | 100, NULL); /* 5: 2^-100 s: all fraction */
	ng_idb(&b, 1, 0, 0, NULL);          /* 6: 10^0 */
	ng_epb(&b, 0, 1700000000999999999ull, 4, 4, NULL);
	ng_epb(&b, 1, (1000ull << 20) | (1u << 19), 4, 4, NULL); /* 1000.5 s */
	ng_epb(&b, 1, (7ull << 20) | 1, 4, 4, NULL); /* 1/2^20 s = 953.674 ns, floored */
	ng_epb(&b, 2, 1700000000123ull, 4, 4, NULL);
	ng_epb(&b, 3, 1700000000123456789ull, 4, 4, NULL);
	ng_epb(&b, 3, 12345678901234567ull, 4, 4, NULL);
	ng_epb(&b, 4, 42, 4, 4, NULL);
	ng_epb(&b, 5, UINT64_MAX, 4, 4, NULL);
	ng_epb(&b, 6, 1234567890, 4, 4, NULL);
	struct wk_pcap_reader *r = open_fb(&b);
	expect_pkt(r, 1, 4, 4, 1700000000, 999999999, 1);
	expect_pkt(r, 2, 4, 4, 1000, 500000000, 1);
	expect_pkt(r, 3, 4, 4, 7, 953, 1);
	expect_pkt(r, 4, 4, 4, 1700000000 - 100, 123000000, 1);
	expect_pkt(r, 5, 4, 4, 1700000, 123456, 1); /* 1700000 s + 123456789 ps */
	expect_pkt(r, 6, 4, 4, 12345, 678901234, 1);
	expect_pkt(r, 7, 4, 4, 42, 0, 1);
	/* (2^64-1) / 2^100 s = 2^-36 s: 0.0145 ns, floored */
	expect_pkt(r, 8, 4, 4, 0, 0, 1);
	expect_pkt(r, 9, 4, 4, 1234567890, 0, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);

	/* 10^-20 does not fit in 64 bits: damage at that IDB. */
	ng_shb(&b, false);
	size_t at = b.n;
	ng_idb(&b, 1, 0, 20, NULL);
	r = open_fb(&b);
	char msg[80];
	snprintf(msg, sizeof(msg), "unsupported if_tsresol 20 at offset %zu", at);
	expect_end(r, WK_EFORMAT, msg);
	assert_int_equal(wk_pcap_linktype(r), -1);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcapng_spb_pb(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct fb b = {0};
		int64_t off = 5;
		ng_shb(&b, be);
		ng_idb(&b, 105, 64, -1, &off); /* SPBs use interface 0 */
		ng_idb(&b, 1, 0, 9, NULL);
		ng_spb(&b, 100, 64); /* min(100, snaplen 64) */
		ng_spb(&b, 30, 30);
		ng_pb(&b, 1, 1500000000ull * 1000000000ull + 7, 20, 25);
		struct wk_pcap_reader *r = open_fb(&b);
		expect_pkt(r, 1, 64, 100, 5, 0, 105); /* no timestamp: 0 + if_tsoffset */
		expect_pkt(r, 2, 30, 30, 5, 0, 105);
		struct wk_pkt p;
		assert_int_equal(wk_pcap_next(r, &p), 0);
		assert_int_equal(p.ifid, 1);
		assert_int_equal(p.linktype, 1);
		assert_int_equal(p.caplen, 20);
		assert_int_equal(p.wirelen, 25);
		assert_int_equal(p.ts_sec, 1500000000);
		assert_int_equal(p.ts_nsec, 7);
		expect_end(r, WK_EEOF, NULL);
		wk_pcap_close(r);
		fb_free(&b);
	}
	/* An SPB whose data is shorter than min(len, snaplen) is damage. */
	struct fb b = {0};
	ng_shb(&b, false);
	ng_idb(&b, 1, 0, -1, NULL);
	size_t at = b.n;
	ng_spb(&b, 100, 40);
	struct wk_pcap_reader *r = open_fb(&b);
	char msg[80];
	snprintf(msg, sizeof(msg), "bad caplen 100 at offset %zu (block holds 40)", at);
	expect_end(r, WK_EFORMAT, msg);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcapng_sections(void **state)
{
	(void)state;
	struct fb b = {0};
	ng_shb(&b, false);
	ng_idb(&b, 1, 0, -1, NULL);
	ng_idb(&b, 113, 0, -1, NULL);
	ng_epb(&b, 1, 2000000, 8, 8, NULL);
	ng_shb(&b, true); /* new section, other byte order: interfaces start over */
	ng_idb(&b, 101, 0, 9, NULL);
	ng_epb(&b, 0, 3000000000ull, 9, 9, "x");
	size_t at = b.n;
	ng_epb(&b, 1, 0, 9, 9, NULL); /* interface 1 was the previous section's */
	struct wk_pcap_reader *r = open_fb(&b);
	assert_int_equal(wk_pcap_linktype(r), 1);
	expect_pkt(r, 1, 8, 8, 2, 0, 113);
	expect_pkt(r, 2, 9, 9, 3, 0, 101);
	char msg[80];
	snprintf(msg, sizeof(msg), "packet for unknown interface 1 at offset %zu", at);
	expect_end(r, WK_EFORMAT, msg);
	assert_int_equal(wk_pcap_offset(r), at);
	wk_pcap_close(r);
	fb_free(&b);
}

static void test_pcapng_damage(void **state)
{
	(void)state;
	struct fb b = {0};
	char msg[128];
	build_ng_basic(&b, false);
	size_t good = b.n;
	ng_epb(&b, 0, 5, 10, 10, NULL);
	size_t whole = b.n;

	/* Cut anywhere inside the last block. */
	snprintf(msg, sizeof(msg), "truncated record at offset %zu", good);
	for (size_t cut = good + 1; cut < whole; cut += 5) {
		struct wk_error e;
		struct wk_pcap_reader *r = wk_pcap_open_mem(b.p, cut, &e);
		assert_non_null(r);
		expect_pkt(r, 1, 60, 64, 1700000000, 123456000, 1);
		expect_pkt(r, 2, 3, 3, 1700000001, 1000, 1);
		expect_end(r, WK_ETRUNC, msg);
		wk_pcap_close(r);
	}

	/* Lengths: not a multiple of 4, too small, header and trailer differing. */
	struct {
		size_t at;
		uint32_t v;
		int code;
		const char *pre, *post; /* message around the block's offset */
	} cases[] = {
	    {good + 4, 7, WK_EFORMAT, "bad block length 7 at offset ", ""},
	    {good + 4, 8, WK_EFORMAT, "bad block length 8 at offset ", ""},
	    {good + 4, 28, WK_EFORMAT, "block length mismatch at offset ",
	     " (header 28, trailer 10)"},
	    {good + 4, 0xfffffff0u, WK_EFORMAT, "bad block length 4294967280 at offset ", ""},
	    {good + 4, whole - good + 4, WK_ETRUNC, "truncated record at offset ", ""},
	    {whole - 4, 40, WK_EFORMAT, "block length mismatch at offset ",
	     " (header 44, trailer 40)"},
	    {good + 20, 100, WK_EFORMAT, "bad caplen 100 at offset ", " (block holds 12)"},
	    {good + 8, 3, WK_EFORMAT, "packet for unknown interface 3 at offset ", ""},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(cases); i++) {
		struct fb c = {0};
		fb_put(&c, b.p, b.n);
		fb_patch32(&c, cases[i].at, cases[i].v);
		struct wk_pcap_reader *r = open_fb(&c);
		expect_pkt(r, 1, 60, 64, 1700000000, 123456000, 1);
		expect_pkt(r, 2, 3, 3, 1700000001, 1000, 1);
		snprintf(msg, sizeof(msg), "%s%zu%s", cases[i].pre, good, cases[i].post);
		expect_end(r, cases[i].code, msg);
		wk_pcap_close(r);
		fb_free(&c);
	}
	fb_free(&b);

	/* A packet block too short for its fixed fields. */
	build_ng_basic(&b, false);
	ng_other(&b, PCAPNG_EPB, 8);
	struct wk_pcap_reader *r = open_fb(&b);
	expect_pkt(r, 1, 60, 64, 1700000000, 123456000, 1);
	expect_pkt(r, 2, 3, 3, 1700000001, 1000, 1);
	snprintf(msg, sizeof(msg), "bad block length 20 at offset %zu", good);
	expect_end(r, WK_EFORMAT, msg);
	wk_pcap_close(r);
	fb_free(&b);

	/* A packet before any interface; a bad byte-order magic; an unknown version. */
	ng_shb(&b, false);
	ng_epb(&b, 0, 1, 4, 4, NULL);
	r = open_fb(&b);
	assert_int_equal(wk_pcap_linktype(r), -1);
	expect_end(r, WK_EFORMAT, "packet for unknown interface 0 at offset 28");
	wk_pcap_close(r);
	fb_patch32(&b, 8, 0x01020304);
	struct wk_error e;
	assert_null(wk_pcap_open_mem(b.p, b.n, &e));
	assert_int_equal(e.code, WK_EFORMAT);
	assert_string_equal(e.msg, "bad byte-order magic 0x04030201 at offset 0");
	fb_patch32(&b, 8, PCAPNG_BOM);
	fb_patch32(&b, 12, 0x00010001);
	assert_null(wk_pcap_open_mem(b.p, b.n, &e));
	assert_string_equal(e.msg, "unsupported pcapng version 1.1 at offset 0");
	assert_null(wk_pcap_open_mem(b.p, 20, &e));
	assert_int_equal(e.code, WK_ETRUNC);
	assert_string_equal(e.msg, "truncated record at offset 0");
	fb_free(&b);

	/* A section without interfaces or packets is an empty capture. */
	ng_shb(&b, true);
	r = open_fb(&b);
	assert_int_equal(wk_pcap_linktype(r), -1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	fb_free(&b);
}

/* ---- streams ------------------------------------------------------------------------ */

struct feeder {
	int fd;
	const uint8_t *p;
	size_t n;
	size_t chunk;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	for (size_t off = 0; off < f->n;) {
		size_t k = f->n - off < f->chunk ? f->n - off : f->chunk;
		ssize_t w = write(f->fd, f->p + off, k);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

/* Read b through a pipe, written in chunks, and check it gives exactly what reading it
 * from memory gives: packets, end code, message and offset. */
static void check_stream(const struct fb *b, size_t chunk)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct feeder f = {pfd[1], b->p, b->n, chunk};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, feed, &f), 0);
	char path[32];
	snprintf(path, sizeof(path), "/dev/fd/%d", pfd[0]);
	struct wk_error e1 = {0}, e2 = {0};
	struct wk_pcap_reader *s = wk_pcap_open(path, &e1);
	struct wk_pcap_reader *m = wk_pcap_open_mem(b->p, b->n, &e2);
	assert_int_equal(s == NULL, m == NULL);
	if (!s) {
		assert_string_equal(e1.msg, e2.msg);
	} else {
		int r1, r2;
		do {
			struct wk_pkt p1, p2;
			r1 = wk_pcap_next(s, &p1);
			r2 = wk_pcap_next(m, &p2);
			assert_int_equal(r1, r2);
			if (r1 == 0) {
				assert_int_equal(p1.number, p2.number);
				assert_int_equal(p1.caplen, p2.caplen);
				assert_int_equal(p1.wirelen, p2.wirelen);
				assert_int_equal(p1.ts_sec, p2.ts_sec);
				assert_int_equal(p1.ts_nsec, p2.ts_nsec);
				assert_int_equal(p1.linktype, p2.linktype);
				assert_memory_equal(p1.data, p2.data, p1.caplen);
			}
			assert_int_equal(wk_pcap_offset(s), wk_pcap_offset(m));
		} while (r1 == 0);
		assert_string_equal(wk_pcap_error(s)->msg, wk_pcap_error(m)->msg);
	}
	wk_pcap_close(s);
	wk_pcap_close(m);
	close(pfd[0]);
	pthread_join(th, NULL);
}

static void test_stream(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 0, 1);
	for (int i = 0; i < 5000; i++)
		pcap_rec(&b, (uint32_t)i, 0, (uint32_t)(i % 300), 1000);
	/* One 3 MiB record: the buffer has to grow past its first 256 KiB. */
	uint8_t *big = calloc(1, 3u << 20);
	assert_non_null(big);
	big[(3u << 20) - 1] = 0x5a;
	fb_u32(&b, 9);
	fb_u32(&b, 9);
	fb_u32(&b, 3u << 20);
	fb_u32(&b, 3u << 20);
	fb_put(&b, big, 3u << 20);
	free(big);
	pcap_rec(&b, 10, 0, 33, 33);
	check_stream(&b, 1000);
	check_stream(&b, 1 << 20);
	b.n -= 10; /* damaged at the end */
	check_stream(&b, 777);
	fb_free(&b);

	build_ng_basic(&b, true);
	for (int i = 0; i < 3000; i++)
		ng_epb(&b, 0, (uint64_t)i * 1000, (uint32_t)(i % 200), 300, i % 3 ? NULL : "c");
	check_stream(&b, 4096);
	b.n -= 3;
	check_stream(&b, 100);
	fb_free(&b);

	check_stream(&b, 10); /* empty input */
}

/* ---- big mapped files --------------------------------------------------------------- */

static int task_count(void)
{
	/* threads of this process: the "Threads:" line of /proc/self/status */
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	char line[256];
	int n = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = (int)strtol(line + 8, NULL, 10);
	fclose(f);
	return n;
}

/* A mapped file of 70 MB (above the prefault threshold): every record comes back in order
 * while a second thread maps pages in ahead; the thread exists only while the reader is
 * open, also when the reader is closed early or stops at damage. The file is bigger than
 * the thread's window (64 MB ahead of the reader), so right after the open the thread is
 * still there, waiting for the reader; on a file inside the window it could already have
 * finished and ended (CI saw that under ASan on a loaded machine). */
static void test_big_mapped(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 0, 1);
	const uint32_t n = 245000; /* x (16 + 278..284) bytes = 72 MB at least */
	for (uint32_t i = 0; i < n; i++)
		pcap_rec(&b, i, i % 1000000, 284 - i % 7, 300);
	char path[256];
	tmp_path(path, sizeof(path), ".pcap");
	write_file(path, b.p, b.n);
	int before = task_count();

	struct wk_error e;
	struct wk_pcap_reader *r = wk_pcap_open(path, &e);
	if (!r)
		fail_msg("open: %s", e.msg);
	assert_int_equal(task_count(), before + 1);
	for (uint32_t i = 0; i < n; i++)
		expect_pkt(r, i + 1, 284 - i % 7, 300, i, i % 1000000 * 1000, 1);
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
	assert_int_equal(task_count(), before);

	r = wk_pcap_open(path, &e); /* closed after three packets, the thread still working */
	assert_non_null(r);
	for (uint32_t i = 0; i < 3; i++)
		expect_pkt(r, i + 1, 284 - i % 7, 300, i, i % 1000000 * 1000, 1);
	wk_pcap_close(r);
	assert_int_equal(task_count(), before);

	write_file(path, b.p, b.n - 100); /* cut inside the last record */
	r = wk_pcap_open(path, &e);
	assert_non_null(r);
	for (uint32_t i = 0; i < n - 1; i++)
		expect_pkt(r, i + 1, 284 - i % 7, 300, i, i % 1000000 * 1000, 1);
	char msg[128];
	snprintf(msg, sizeof(msg), "truncated record at offset %zu",
	         b.n - (16 + 284 - (n - 1) % 7));
	expect_end(r, WK_ETRUNC, msg);
	wk_pcap_close(r);
	assert_int_equal(task_count(), before);

	write_file(path, b.p, 1 << 20); /* a small file: no thread */
	r = wk_pcap_open(path, &e);
	assert_non_null(r);
	assert_int_equal(task_count(), before);
	wk_pcap_close(r);
	unlink(path);
	fb_free(&b);
}

/* ---- split in two ---------------------------------------------------------------------- */

/* Both readers' packets, first then second, are the file's packets in order, once each. */
static void test_split(void **state)
{
	(void)state;
	struct fb b = {0};
	pcap_hdr(&b, false, 2, 4, 0, 1);
	const uint32_t n = 70000; /* x (16 + 284) bytes = 21 MB */
	for (uint32_t i = 0; i < n; i++)
		pcap_rec(&b, i, i % 1000000, 284 - i % 11, 300);
	char path[256];
	tmp_path(path, sizeof(path), ".pcap");
	write_file(path, b.p, b.n);
	struct wk_error e;
	struct wk_pcap_reader *r = wk_pcap_open(path, &e);
	assert_non_null(r);
	struct wk_pcap_reader *s2 = wk_pcap_split(r);
	assert_non_null(s2);
	assert_null(wk_pcap_split(r)); /* once */
	uint32_t i = 0;
	struct wk_pkt p;
	while (wk_pcap_next(r, &p) == 0) {
		assert_int_equal(p.ts_sec, i);
		assert_int_equal(p.caplen, 284 - i % 11);
		i++;
	}
	assert_true(wk_pcap_split_reached(r));
	uint32_t first = i;
	assert_true(first > n / 3 && first < n * 2 / 3);
	assert_int_equal(wk_pcap_count(r), first);
	while (wk_pcap_next(s2, &p) == 0) {
		assert_int_equal(p.ts_sec, i);
		assert_int_equal(p.caplen, 284 - i % 11);
		assert_int_equal(p.number, i - first + 1);
		i++;
	}
	assert_int_equal(wk_pcap_error(s2)->code, WK_EEOF);
	assert_int_equal(i, n);
	wk_pcap_close(s2);
	wk_pcap_close(r);

	/* damage in the second half: the second reader names the file offset */
	write_file(path, b.p, b.n - 100);
	r = wk_pcap_open(path, &e);
	s2 = wk_pcap_split(r);
	assert_non_null(s2);
	while (wk_pcap_next(s2, &p) == 0)
		;
	char msg[128];
	snprintf(msg, sizeof(msg), "truncated record at offset %zu",
	         b.n - (16 + 284 - (n - 1) % 11));
	assert_int_equal(wk_pcap_error(s2)->code, WK_ETRUNC);
	assert_string_equal(wk_pcap_error(s2)->msg, msg);
	wk_pcap_close(s2);
	wk_pcap_close(r);

	/* The middle inside one 4 MiB record whose bytes look like record headers: the
	 * second reader starts in it, the first reads past and on to the end alone. */
	struct fb t = {0};
	pcap_hdr(&t, false, 2, 4, 0, 1);
	for (uint32_t k = 0; k < 30000; k++)
		pcap_rec(&t, k, 0, 284, 300);
	uint32_t big = 4u << 20;
	fb_u32(&t, 30000);
	fb_u32(&t, 0);
	fb_u32(&t, big);
	fb_u32(&t, big);
	for (uint32_t k = 0; k < big / 80; k++) { /* a fake record: 16 + 64 bytes */
		fb_u32(&t, 7);
		fb_u32(&t, 0);
		fb_u32(&t, 64);
		fb_u32(&t, 64);
		fb_put(&t, payload, 64);
	}
	fb_put(&t, payload, big % 80);
	for (uint32_t k = 0; k < 30000; k++)
		pcap_rec(&t, 30001 + k, 0, 284, 300);
	write_file(path, t.p, t.n);
	r = wk_pcap_open(path, &e);
	s2 = wk_pcap_split(r);
	assert_non_null(s2); /* fooled: a chain of sane headers */
	i = 0;
	while (wk_pcap_next(r, &p) == 0)
		i++;
	assert_int_equal(wk_pcap_error(r)->code, WK_EEOF);
	assert_false(wk_pcap_split_reached(r));
	assert_int_equal(i, 60001);
	wk_pcap_close(s2);
	wk_pcap_close(r);
	fb_free(&t);

	/* split, then not used after all: the first reader reads everything */
	write_file(path, b.p, b.n);
	r = wk_pcap_open(path, &e);
	s2 = wk_pcap_split(r);
	assert_non_null(s2);
	wk_pcap_unsplit(r);
	wk_pcap_close(s2);
	for (i = 0; wk_pcap_next(r, &p) == 0; i++)
		assert_int_equal(p.ts_sec, i);
	assert_int_equal(i, n);
	assert_int_equal(wk_pcap_error(r)->code, WK_EEOF);
	assert_false(wk_pcap_split_reached(r));
	wk_pcap_close(r);

	/* pcapng of either byte order, with blocks that are not packets on the way: the
	 * second reader knows the interfaces (their timestamp units too); an interface block
	 * met by the first reader in its part voids the split */
	for (int be = 0; be < 2; be++)
		for (int late_idb = 0; late_idb < 2; late_idb++) {
			struct fb g = {0};
			ng_shb(&g, be);
			ng_idb(&g, 1, 0, -1, NULL);
			ng_idb(&g, 1, 0, 9, NULL); /* nanosecond timestamps */
			for (uint32_t k = 0; k < 80000; k++) {
				if (late_idb && k == 20000)
					ng_idb(&g, 1, 0, -1, NULL);
				if (k % 1000 == 0)
					ng_other(&g, 5, 20); /* interface statistics */
				ng_epb(&g, k % 2, 1700000000000000ull + k, 200 + k % 7, 300, NULL);
			}
			write_file(path, g.p, g.n);
			r = wk_pcap_open(path, &e);
			assert_non_null(r);
			s2 = wk_pcap_split(r);
			assert_non_null(s2);
			for (i = 0; wk_pcap_next(r, &p) == 0; i++) {
				assert_int_equal(p.caplen, 200 + i % 7);
				assert_int_equal(p.ifid, i % 2);
			}
			assert_int_equal(wk_pcap_error(r)->code, WK_EEOF);
			if (late_idb) { /* read alone, to the end */
				assert_false(wk_pcap_split_reached(r));
				assert_int_equal(i, 80000);
			} else {
				assert_true(wk_pcap_split_reached(r));
				for (; wk_pcap_next(s2, &p) == 0; i++) {
					assert_int_equal(p.caplen, 200 + i % 7);
					assert_int_equal(p.ifid, i % 2);
					/* microseconds on interface 0, nanoseconds on 1 */
					uint64_t want = 1700000000000000ull + i;
					if (i % 2)
						assert_int_equal(p.ts_nsec, want % 1000000000u);
					else
						assert_int_equal(p.ts_nsec,
						                 want % 1000000u * 1000u);
				}
				assert_int_equal(wk_pcap_error(s2)->code, WK_EEOF);
				assert_int_equal(i, 80000);
			}
			wk_pcap_close(s2);
			wk_pcap_close(r);
			fb_free(&g);
		}

	/* not split: a small file, caller memory */
	write_file(path, b.p, 1 << 20);
	r = wk_pcap_open(path, &e);
	assert_null(wk_pcap_split(r));
	wk_pcap_close(r);
	r = wk_pcap_open_mem(b.p, b.n, &e);
	assert_null(wk_pcap_split(r));
	wk_pcap_close(r);
	unlink(path);
	fb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcap_le_usec),   cmocka_unit_test(test_pcap_be_nsec),
	    cmocka_unit_test(test_pcap_quirks),    cmocka_unit_test(test_pcap_truncated),
	    cmocka_unit_test(test_pcap_oversized), cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_pcapng_basic),   cmocka_unit_test(test_pcapng_tsresol),
	    cmocka_unit_test(test_pcapng_spb_pb),  cmocka_unit_test(test_pcapng_sections),
	    cmocka_unit_test(test_pcapng_damage),  cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_big_mapped),     cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
