/* Unit tests for the scan's pcapng record opened for append (scan/record.c, record_tail.c):
 * a record whose last block a kill cut short is cut back to its last whole block before the
 * resumed scan's section, so the file reads back whole (our reader, and tshark when it is
 * installed); a whole record is kept as it is; a file that is not pcapng, or is damaged
 * before its end, is refused and left unchanged; the block walk gives the same answer at
 * every chunk size, in both byte orders and across blocks larger than a chunk. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/scan_int.h"
#include "wirekit/cursor.h"
#include "wirekit/pcap.h"
#include "wirekit/scan.h"
#include "wirekit/send.h"

static char dir[] = "/tmp/test_record.XXXXXX";
static char path[64];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/rec.pcapng", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	char other[80];
	snprintf(other, sizeof(other), "%s/empty.pcapng", dir);
	unlink(other);
	return rmdir(dir);
}

static uint64_t file_size(const char *p)
{
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return (uint64_t)st.st_size;
}

/* The file's bytes (malloc'd), its size in *n. */
static uint8_t *slurp(const char *p, size_t *n)
{
	*n = (size_t)file_size(p);
	uint8_t *b = malloc(*n ? *n : 1);
	assert_non_null(b);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, *n, 0), (ssize_t)*n);
	close(fd);
	return b;
}

static void spill(const char *p, const void *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
}

/* Probe i: an Ethernet frame of 60 + 7 i bytes, every byte i. */
static size_t frame(unsigned i, uint8_t *b)
{
	size_t n = 60 + 7 * i;
	memset(b, (int)i, n);
	return n;
}

static void write_probes(struct wk_scan_record *r, unsigned from, unsigned to)
{
	uint8_t b[256];
	for (unsigned i = from; i < to; i++)
		scan_record_probe(r, b, frame(i, b), WK_LINKTYPE_ETHERNET);
}

/* A record of probes [from, to) written to path (append: after what it holds). */
static void record(bool append, unsigned from, unsigned to)
{
	struct wk_error e;
	struct wk_scan_record *r = wk_scan_record_open(path, append, &e);
	assert_non_null(r);
	write_probes(r, from, to);
	assert_int_equal(wk_scan_record_close(r, &e), 0);
}

/* The file holds exactly the probes of the indices in want (n of them), in order. */
static void read_back(const char *p, const unsigned *want, size_t n)
{
	struct wk_error e;
	struct wk_pcap_reader *rd = wk_pcap_open(p, &e);
	assert_non_null(rd);
	uint8_t b[256];
	struct wk_pkt pkt;
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(wk_pcap_next(rd, &pkt), 0);
		size_t len = frame(want[k], b);
		assert_int_equal(pkt.caplen, len);
		assert_memory_equal(pkt.data, b, len);
	}
	assert_int_equal(wk_pcap_next(rd, &pkt), WK_EEOF);
	wk_pcap_close(rd);
}

/* tshark, when installed, reads every block of the file (exit 0). */
static void tshark_reads(const char *p)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		print_message("tshark not installed: its check skipped\n");
		return;
	}
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' >/dev/null 2>&1", p);
	assert_int_equal(system(cmd), 0);
}

static uint64_t header_size(void)
{
	char other[80];
	struct wk_error e;
	snprintf(other, sizeof(other), "%s/empty.pcapng", dir);
	struct wk_scan_record *r = wk_scan_record_open(other, false, &e);
	assert_non_null(r);
	assert_int_equal(wk_scan_record_close(r, &e), 0);
	return file_size(other);
}

static void test_cut_last_block(void **state)
{
	(void)state;
	record(false, 0, 5);

	/* cut the last block (probe 4) in its middle, at an odd offset, as a kill does */
	size_t n;
	uint8_t *b = slurp(path, &n);
	struct wk_rd rd;
	wk_rd_init(&rd, b + n - 4, 4);
	uint32_t last = wk_rd_le32(&rd);
	assert_true(last >= 12 && last < n);
	assert_int_equal(truncate(path, (off_t)(n - last / 2 - 1)), 0);

	struct wk_error e;
	struct wk_scan_record *r = wk_scan_record_open(path, true, &e);
	assert_non_null(r);
	/* the partial block is gone and the new section's header follows the last whole one */
	assert_int_equal(file_size(path), n - last + header_size());
	write_probes(r, 5, 8);
	assert_int_equal(wk_scan_record_close(r, &e), 0);

	size_t m;
	uint8_t *c = slurp(path, &m);
	assert_memory_equal(c, b, n - last); /* the whole blocks are kept as they were */
	free(c);
	free(b);
	static const unsigned want[] = {0, 1, 2, 3, 5, 6, 7};
	read_back(path, want, 7);
	tshark_reads(path);
}

static void test_whole_kept(void **state)
{
	(void)state;
	record(false, 0, 3);
	size_t n;
	uint8_t *b = slurp(path, &n);

	record(true, 3, 4);
	size_t m;
	uint8_t *c = slurp(path, &m);
	assert_true(m > n);
	assert_memory_equal(c, b, n);
	free(c);
	free(b);
	static const unsigned want[] = {0, 1, 2, 3};
	read_back(path, want, 4);
	tshark_reads(path);

	/* an empty file is a record to start */
	spill(path, "", 0);
	record(true, 0, 1);
	read_back(path, want, 1);
}

/* The file is refused with a message containing what, and left as it was. */
static void refused(const void *bytes, size_t n, const char *what)
{
	spill(path, bytes, n);
	struct wk_error e;
	memset(&e, 0, sizeof(e));
	assert_null(wk_scan_record_open(path, true, &e));
	assert_int_equal(e.code, WK_EINVAL);
	if (!strstr(e.msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, what);
	size_t m;
	uint8_t *c = slurp(path, &m);
	assert_int_equal(m, n);
	assert_memory_equal(c, bytes, n);
	free(c);
}

static void test_not_pcapng(void **state)
{
	(void)state;
	static const char text[] = "a user's notes, not a capture\n"
	                           "they must survive a mistyped --pcapng\n";
	refused(text, sizeof(text) - 1, "not a pcapng file");
	refused("abc", 3, "not a pcapng file");
	/* a classic pcap file */
	static const uint8_t pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
	                                 0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
	refused(pcap, sizeof(pcap), "not a pcapng file");
	/* the SHB's type ("\n\r\r\n", a text file's start) without its byte-order magic */
	static const char crlf[] = "\n\r\r\nHello, world, in CRLF lines\r\n";
	refused(crlf, sizeof(crlf) - 1, "not a pcapng file");
}

static void test_damaged_refused(void **state)
{
	(void)state;
	record(false, 0, 4);
	size_t n;
	uint8_t *b = slurp(path, &n);
	size_t h = (size_t)header_size();

	/* a trailing length that disagrees, in the middle of the file (room for the last case:
	 * a cut file and a second header after it) */
	uint8_t *d = malloc(n + h);
	assert_non_null(d);
	memcpy(d, b, n);
	struct wk_rd rd;
	wk_rd_init(&rd, d + h + 4, 4);
	uint32_t first = wk_rd_le32(&rd);
	d[h + first - 4] ^= 0x40;
	refused(d, n, "trailing length");

	/* a length that is not a multiple of 4 */
	memcpy(d, b, n);
	d[h + 4] ^= 1;
	refused(d, n, "bad block length");

	/* what the old resume made: a partial block, then a new section right after it */
	size_t cut = n - 50;
	memcpy(d, b, cut);
	memcpy(d + cut, b, h);
	refused(d, cut + h, "damaged pcapng block");
	free(d);
	free(b);
}

/* A section in big-endian order (as another host's tool writes it): SHB, IDB, and blocks of
 * len bytes, then the first cut bytes of one more. */
static size_t be_section(uint8_t *out, size_t cap, const uint32_t *lens, size_t nb, size_t cut)
{
	struct wk_wr w;
	wk_wr_init(&w, out, cap);
	wk_wr_be32(&w, 0x0a0d0d0a);
	wk_wr_be32(&w, 28);
	wk_wr_be32(&w, 0x1a2b3c4d);
	wk_wr_be16(&w, 1);
	wk_wr_be16(&w, 0);
	wk_wr_be32(&w, 0xffffffff);
	wk_wr_be32(&w, 0xffffffff);
	wk_wr_be32(&w, 28);
	for (size_t i = 0; i <= nb; i++) {
		uint32_t len = i < nb ? lens[i] : 64;
		size_t start = wk_wr_len(&w);
		wk_wr_be32(&w, i == 0 ? 1 : 6);
		wk_wr_be32(&w, len);
		wk_wr_zero(&w, len - 12);
		wk_wr_be32(&w, len);
		if (i == nb) {
			assert_false(w.bad);
			return start + cut;
		}
	}
	return 0;
}

static void walk(const uint8_t *b, size_t n, int want_rc, uint64_t want_end)
{
	spill(path, b, n);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	static const size_t chunks[] = {0, 16, 20, 64, 100, 4096, 1 << 20};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct wk_error e;
		uint64_t end = UINT64_MAX;
		assert_int_equal(scan_record_whole_end(fd, n, chunks[i], &end, &e), want_rc);
		if (!want_rc)
			assert_int_equal(end, want_end);
	}
	close(fd);
}

static void test_walk(void **state)
{
	(void)state;
	static uint8_t b[40000];
	static const uint32_t lens[] = {20, 12, 9020, 100, 32};
	size_t whole = 28 + 20 + 12 + 9020 + 100 + 32;
	for (size_t cut = 0; cut < 64; cut++)
		walk(b, be_section(b, sizeof(b), lens, 5, cut), 0, whole);
	size_t n = be_section(b, sizeof(b), lens, 5, 64);
	walk(b, n, 0, n);
	/* a little-endian section after a big-endian one, its last block cut */
	static uint8_t two[80000];
	memcpy(two, b, n);
	record(false, 0, 3);
	size_t m;
	uint8_t *c = slurp(path, &m);
	memcpy(two + n, c, m);
	walk(two, n + m, 0, n + m);
	struct wk_rd rd;
	wk_rd_init(&rd, c + m - 4, 4);
	uint32_t last = wk_rd_le32(&rd);
	walk(two, n + m - 9, 0, n + m - last);
	free(c);
	/* a partial first SHB: nothing whole */
	walk(b, 20, 0, 0);
	walk(b, 11, WK_EINVAL, 0);
	/* the byte order of a later section's magic is wrong */
	memcpy(two + n, "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x11\x22\x33\x44", 12);
	walk(two, n + m, WK_EINVAL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_last_block), cmocka_unit_test(test_whole_kept),
	    cmocka_unit_test(test_not_pcapng),     cmocka_unit_test(test_damaged_refused),
	    cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
