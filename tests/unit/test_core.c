/* Unit tests for the core: cursors, buffers, addresses, checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

static void test_rd_bounds(void **state)
{
	(void)state;
	const uint8_t b[] = {0x12, 0x34, 0x56};
	struct wk_rd r;
	wk_rd_init(&r, b, sizeof(b));
	assert_int_equal(wk_rd_be16(&r), 0x1234);
	assert_false(r.bad);
	assert_int_equal(wk_rd_be16(&r), 0); /* only one byte left */
	assert_true(r.bad);
	assert_int_equal(wk_rd_left(&r), 0);
	assert_int_equal(wk_rd_u8(&r), 0); /* sticky */
	assert_true(r.bad);
}

static void test_rd_sub(void **state)
{
	(void)state;
	const uint8_t b[] = {1, 2, 3, 4, 5};
	struct wk_rd r;
	bool shrt;
	wk_rd_init(&r, b, sizeof(b));
	wk_rd_skip(&r, 1);
	struct wk_rd s = wk_rd_sub(&r, 2, &shrt);
	assert_false(shrt);
	assert_int_equal(wk_rd_left(&s), 2);
	assert_int_equal(wk_rd_u8(&r), 4);
	s = wk_rd_sub(&r, 10, &shrt);
	assert_true(shrt);
	assert_int_equal(wk_rd_left(&s), 1);
	assert_false(r.bad);
	assert_int_equal(wk_rd_left(&r), 0);
	wk_rd_init(&r, b, sizeof(b));
	assert_false(wk_rd_clip(&r, 6));
	assert_true(wk_rd_clip(&r, 3));
	assert_int_equal(wk_rd_left(&r), 3);
}

static void test_wr_patch(void **state)
{
	(void)state;
	uint8_t b[6];
	struct wk_wr w;
	wk_wr_init(&w, b, sizeof(b));
	size_t m = wk_wr_mark(&w);
	wk_wr_be16(&w, 0);
	wk_wr_be32(&w, 0xdeadbeef);
	assert_false(w.bad);
	wk_wr_patch_be16(&w, m, 0xabcd);
	assert_int_equal(b[0], 0xab);
	assert_int_equal(b[1], 0xcd);
	wk_wr_u8(&w, 1);
	assert_true(w.bad);
	assert_int_equal(wk_wr_len(&w), 6);
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct wk_buf b;
	wk_buf_init(&b, 100);
	assert_int_equal(wk_buf_adds(&b, "hello"), 0);
	assert_int_equal(wk_buf_printf(&b, " %d", 42), 0);
	assert_string_equal((char *)b.p, "hello 42");
	uint8_t big[200] = {0};
	assert_int_equal(wk_buf_add(&b, big, sizeof(big)), WK_ENOMEM);
	assert_int_equal(wk_buf_adds(&b, "x"), WK_ENOMEM); /* sticky */
	wk_buf_fini(&b);
	wk_buf_fini(NULL);
}

static void test_addr(void **state)
{
	(void)state;
	struct wk_ip4 a;
	struct wk_ip6 b;
	struct wk_mac m;
	char s[64];
	assert_true(wk_ip4_parse("198.18.0.255", &a));
	wk_ip4_fmt(s, a.b);
	assert_string_equal(s, "198.18.0.255");
	assert_false(wk_ip4_parse("198.18.0", &a));
	assert_false(wk_ip4_parse("198.18.0.256", &a));
	static const struct {
		const char *in, *out;
	} v6[] = {
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"::", "::"},
	    {"::1", "::1"},
	    {"fe80::", "fe80::"},
	    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
	    {"::ffff:198.18.0.1", "::ffff:198.18.0.1"},
	    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(v6); i++) {
		assert_true(wk_ip6_parse(v6[i].in, &b));
		wk_ip6_fmt(s, b.b);
		assert_string_equal(s, v6[i].out);
	}
	assert_true(wk_mac_parse("00:1A:2b:3c:4d:5e", &m));
	wk_mac_fmt(s, m.b);
	assert_string_equal(s, "00:1a:2b:3c:4d:5e");
	assert_false(wk_mac_parse("00:1a:2b:3c:4d", &m));
	assert_false(wk_mac_parse("00:1a:2b:3c:4d:5e:", &m));
	wk_u64_fmt(s, 18446744073709551615ull);
	assert_string_equal(s, "18446744073709551615");
	wk_u64_fmt(s, 0);
	assert_string_equal(s, "0");
}

static void test_csum(void **state)
{
	(void)state;
	/* RFC 1071 section 3 example: sum of 0001 f203 f4f5 f6f7 is ddf2, checksum 220d. */
	const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(wk_csum_partial(v, sizeof(v), 0), 0xddf2);
	assert_int_equal(wk_csum(v, sizeof(v)), 0x220d);
	/* A real IPv4 header (checksum field b1e6 included) sums to zero. */
	const uint8_t ip[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	assert_int_equal(wk_csum(ip, sizeof(ip)), 0);
	/* Every length and alignment agrees with the byte-at-a-time reference. */
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (size_t off = 0; off < 4; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 7)
			assert_int_equal(wk_csum(buf + off, n), wk_csum_ref(buf + off, n));
	/* Incremental update (RFC 1624) equals a full recomputation. */
	uint8_t h[20];
	memcpy(h, ip, 20);
	uint16_t c = (uint16_t)(h[10] << 8 | h[11]);
	h[8] = 0x3f; /* ttl 64 -> 63: word 0x4011 -> 0x3f11 */
	uint16_t inc = wk_csum_update16(c, 0x4011, 0x3f11);
	h[10] = h[11] = 0;
	assert_int_equal(inc, wk_csum(h, 20));
	/* Pseudo-header: UDP over IPv4, checksum of the whole is 0 when stored. */
	const uint8_t src[4] = {198, 18, 0, 1}, dst[4] = {198, 18, 0, 2};
	uint8_t udp[12] = {0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0, 0, 'a', 'b', 'c', 'd'};
	uint16_t uc = wk_csum_fold(wk_csum_partial(udp, 12, wk_csum_pseudo4(src, dst, 17, 12)));
	udp[6] = (uint8_t)(uc >> 8);
	udp[7] = (uint8_t)uc;
	assert_int_equal(wk_csum_fold(wk_csum_partial(udp, 12, wk_csum_pseudo4(src, dst, 17, 12))),
	                 0);
}

/* The headers' version and the library's agree, and the number spells the string. */
static void test_hexval(void **state)
{
	(void)state;
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		assert_int_equal(wk_hexval(digits[i]), i);
		assert_int_equal(wk_hexval(digits[i] >= 'a' ? digits[i] - 32 : digits[i]), i);
	}
	static const int bad[] = {'g', 'G', '/', ':', '@', '`', ' ', 0, 0xff, -1};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++)
		assert_int_equal(wk_hexval(bad[i]), -1);
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(wk_version(), WIREKIT_VERSION);
	unsigned ma = 0, mi = 0, pa = 0;
	assert_int_equal(sscanf(WIREKIT_VERSION, "%u.%u.%u", &ma, &mi, &pa), 3);
	assert_int_equal(WIREKIT_VERSION_NUM, ma << 16 | mi << 8 | pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rd_bounds), cmocka_unit_test(test_rd_sub),
	    cmocka_unit_test(test_wr_patch),  cmocka_unit_test(test_buf_cap),
	    cmocka_unit_test(test_addr),      cmocka_unit_test(test_version),
	    cmocka_unit_test(test_hexval),    cmocka_unit_test(test_csum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
