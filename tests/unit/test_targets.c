/* Unit tests for target sets: every token syntax, specials, excludes, files, at/has. No test
 * depends on DNS: only "localhost" and numeric tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/addr.h"
#include "wirekit/scan.h"

/* A finished set from a list of tokens ("!" prefix: exclude). */
static struct wk_targets *set_of(const char *const *toks, size_t n)
{
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		int rc = toks[i][0] == '!' ? wk_targets_exclude(t, toks[i] + 1, &err)
		                           : wk_targets_add(t, toks[i], &err);
		if (rc)
			fail_msg("%s: %s", toks[i], err.msg);
	}
	assert_int_equal(wk_targets_finish(t, &err), 0);
	return t;
}

static const char *at_str(const struct wk_targets *t, uint64_t i, char *buf)
{
	struct wk_scan_addr a;
	memset(&a, 0xaa, sizeof(a));
	wk_targets_at(t, i, &a);
	if (a.family == AF_INET)
		wk_ip4_fmt(buf, a.b);
	else
		wk_ip6_fmt(buf, a.b);
	return buf;
}

static bool has_str(const struct wk_targets *t, const char *s)
{
	struct wk_scan_addr a = {0};
	struct wk_ip4 a4;
	struct wk_ip6 a6;
	if (wk_ip4_parse(s, &a4)) {
		a.family = AF_INET;
		memcpy(a.b, a4.b, 4);
	} else {
		assert_true(wk_ip6_parse(s, &a6));
		a.family = AF_INET6;
		memcpy(a.b, a6.b, 16);
	}
	return wk_targets_has(t, &a);
}

static void expect_error(const char *tok, int code, const char *msg)
{
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	int rc = wk_targets_add(t, tok, &err);
	if (rc != code || !strstr(err.msg, msg))
		fail_msg("%s: got %d \"%s\", wanted %d \"%s\"", tok, rc, err.msg, code, msg);
	wk_targets_free(t);
}

static void test_single_and_cidr(void **state)
{
	(void)state;
	char b[WK_IP6_STRLEN];
	const char *toks[] = {"198.18.0.2", "198.18.4.0/30", "198.18.4.7/31"};
	struct wk_targets *t = set_of(toks, 3);
	assert_int_equal(wk_targets_count(t), 1 + 4 + 2);
	assert_string_equal(at_str(t, 0, b), "198.18.0.2");
	assert_string_equal(at_str(t, 1, b), "198.18.4.0");
	assert_string_equal(at_str(t, 4, b), "198.18.4.3");
	assert_string_equal(at_str(t, 5, b), "198.18.4.6");
	assert_string_equal(at_str(t, 6, b), "198.18.4.7");
	assert_true(has_str(t, "198.18.4.3"));
	assert_false(has_str(t, "198.18.4.4"));
	assert_false(has_str(t, "198.18.0.1"));
	assert_false(has_str(t, "0.0.0.0"));
	assert_false(has_str(t, "255.255.255.255"));
	wk_targets_free(t);
}

static void test_big_prefix_is_one_interval(void **state)
{
	(void)state;
	char b[WK_IP6_STRLEN];
	const char *toks[] = {"10.0.0.0/8"};
	struct wk_targets *t = set_of(toks, 1);
	assert_int_equal(wk_targets_count(t), 1u << 24);
	assert_string_equal(at_str(t, (1u << 24) - 1, b), "10.255.255.255");
	assert_string_equal(at_str(t, 65536 + 2, b), "10.1.0.2");
	wk_targets_free(t);
	/* the whole space keeps its usable part: 1.0.0.0 .. 223.255.255.255 */
	const char *all[] = {"0.0.0.0/0"};
	t = set_of(all, 1);
	assert_int_equal(wk_targets_count(t), 0xe0000000u - 0x01000000u);
	assert_string_equal(at_str(t, 0, b), "1.0.0.0");
	wk_targets_free(t);
}

static void test_ranges(void **state)
{
	(void)state;
	char b[WK_IP6_STRLEN];
	const char *toks[] = {"198.18.0.1-50", "198.18.1.250-198.18.2.7"};
	struct wk_targets *t = set_of(toks, 2);
	assert_int_equal(wk_targets_count(t), 50 + 6 + 8);
	assert_string_equal(at_str(t, 49, b), "198.18.0.50");
	assert_string_equal(at_str(t, 50, b), "198.18.1.250");
	assert_string_equal(at_str(t, 56, b), "198.18.2.0");
	wk_targets_free(t);
}

static void test_octet_ranges(void **state)
{
	(void)state;
	char b[WK_IP6_STRLEN];
	const char *toks[] = {"198.18.0-3.1-254"};
	struct wk_targets *t = set_of(toks, 1);
	assert_int_equal(wk_targets_count(t), 4 * 254);
	assert_string_equal(at_str(t, 0, b), "198.18.0.1");
	assert_string_equal(at_str(t, 254, b), "198.18.1.1");
	assert_string_equal(at_str(t, 4 * 254 - 1, b), "198.18.3.254");
	assert_false(has_str(t, "198.18.1.0"));
	assert_false(has_str(t, "198.18.1.255"));
	wk_targets_free(t);
	/* lists, stars and open ends; full lower octets fold into few intervals */
	const char *t2[] = {"198.18.0,2.*", "198.19.5.-2", "198.19.6.253-"};
	t = set_of(t2, 3);
	assert_int_equal(wk_targets_count(t), 512 + 3 + 3);
	assert_true(has_str(t, "198.18.2.255"));
	assert_false(has_str(t, "198.18.1.7"));
	assert_true(has_str(t, "198.19.5.0"));
	assert_true(has_str(t, "198.19.6.255"));
	wk_targets_free(t);
	/* 65,536 combinations of the first three octets still fit; a /8's worth too */
	const char *t3[] = {"10.0-255.0-255.1-254", "11.*.*.*"};
	t = set_of(t3, 2);
	assert_int_equal(wk_targets_count(t), 65536ull * 254 + (1u << 24));
	wk_targets_free(t);
	expect_error("1-254.0-255.0-255.1-254", WK_EINVAL, "expands to 16646144 ranges");
}

static void test_specials(void **state)
{
	(void)state;
	/* named one by one: kept */
	const char *one[] = {"224.0.0.1", "255.255.255.255", "0.0.0.0", "240.1.2.3/32"};
	struct wk_targets *t = set_of(one, 4);
	assert_int_equal(wk_targets_count(t), 4);
	wk_targets_free(t);
	/* inside ranges and prefixes: left out */
	const char *many[] = {"223.255.255.254-224.0.0.5", "0.0.0.0/7", "255.255.255.0/24"};
	t = set_of(many, 3);
	assert_int_equal(wk_targets_count(t), 2 + (1u << 24));
	assert_true(has_str(t, "223.255.255.255"));
	assert_false(has_str(t, "224.0.0.1"));
	assert_false(has_str(t, "0.1.2.3"));
	assert_true(has_str(t, "1.1.2.3"));
	wk_targets_free(t);
	struct wk_error err = {0};
	t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add(t, "224.0.0.0/4", &err), 0);
	assert_int_equal(wk_targets_finish(t, &err), WK_EINVAL);
	assert_string_equal(err.msg, "no targets left");
	wk_targets_free(t);
}

static void test_ipv6(void **state)
{
	(void)state;
	char b[WK_IP6_STRLEN];
	const char *toks[] = {"2001:db8::1", "2001:db8:1::/120", "198.18.0.1",
	                      "2001:db8::ffff:ffff:ffff:fffe/127"};
	struct wk_targets *t = set_of(toks, 4);
	assert_int_equal(wk_targets_count(t), 1 + 1 + 256 + 2);
	assert_string_equal(at_str(t, 0, b), "198.18.0.1"); /* IPv4 first */
	assert_string_equal(at_str(t, 1, b), "2001:db8::1");
	assert_string_equal(at_str(t, 2, b), "2001:db8::ffff:ffff:ffff:fffe");
	assert_string_equal(at_str(t, 3, b), "2001:db8::ffff:ffff:ffff:ffff");
	assert_string_equal(at_str(t, 4, b), "2001:db8:1::");
	assert_string_equal(at_str(t, 259, b), "2001:db8:1::ff");
	assert_true(has_str(t, "2001:db8:1::80"));
	assert_false(has_str(t, "2001:db8:1::100"));
	assert_false(has_str(t, "2001:db8::2"));
	wk_targets_free(t);
	const char *big[] = {"2001:db8::/112"};
	t = set_of(big, 1);
	assert_int_equal(wk_targets_count(t), 65536);
	wk_targets_free(t);
	expect_error("2001:db8::/64", WK_EINVAL,
	             "bad target \"2001:db8::/64\": IPv6 prefix too large (/64): at most /112");
	expect_error("2001:db8::/129", WK_EINVAL, "prefix length over 128");
	expect_error("2001:db8:::1", WK_EINVAL, "not an IPv6 address");
}

static void test_excludes(void **state)
{
	(void)state;
	const char *toks[] = {"198.18.0.0/24",  "!198.18.0.10-19", "!198.18.0.0/30",
	                      "!198.18.1.0/24", "2001:db8::/120",  "!2001:db8::80/121"};
	struct wk_targets *t = set_of(toks, 6);
	assert_int_equal(wk_targets_count(t), 256 - 10 - 4 + 128);
	assert_false(has_str(t, "198.18.0.15"));
	assert_true(has_str(t, "198.18.0.20"));
	assert_true(has_str(t, "198.18.0.9"));
	assert_false(has_str(t, "198.18.0.3"));
	assert_false(has_str(t, "2001:db8::80"));
	assert_true(has_str(t, "2001:db8::7f"));
	/* at() and has() agree over the whole set; index() inverts at() */
	for (uint64_t i = 0; i < wk_targets_count(t); i++) {
		struct wk_scan_addr a;
		uint64_t j = UINT64_MAX;
		wk_targets_at(t, i, &a);
		assert_true(wk_targets_has(t, &a));
		assert_true(wk_targets_index(t, &a, &j));
		assert_int_equal(j, i);
	}
	uint64_t j;
	struct wk_scan_addr out = {.family = AF_INET, .b = {198, 18, 0, 15}};
	assert_false(wk_targets_index(t, &out, &j));
	wk_targets_free(t);
	/* overlaps and duplicates merge */
	const char *dup[] = {"198.18.0.0/25", "198.18.0.100-200", "198.18.0.5", "198.18.0.201"};
	t = set_of(dup, 4);
	assert_int_equal(wk_targets_count(t), 202);
	wk_targets_free(t);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("198.18.0.0/33", WK_EINVAL,
	             "bad target \"198.18.0.0/33\": prefix length over 32");
	expect_error("198.18.0.256", WK_EINVAL, "octet over 255");
	expect_error("198.18.0", WK_EINVAL, "needs four octets");
	expect_error("198.18.0.9-3", WK_EINVAL, "end before its start");
	expect_error("198.18.0.9-198.18.0.3", WK_EINVAL, "end before its start");
	expect_error("198.18.0.1/", WK_EINVAL, "prefix length is not a number");
	expect_error("198.18.0.1/2x", WK_EINVAL, "prefix length is not a number");
	expect_error("198.18.0-1.0/24", WK_EINVAL, "single address");
	expect_error("198.18..1", WK_EINVAL, "empty");
	expect_error("198.18.0.1 ", WK_EINVAL, "not an address");
	expect_error("", WK_EINVAL, "empty");
	expect_error("-foo", WK_EINVAL, "not an address");
	expect_error("1111.1.1.1", WK_EINVAL, "not a number");
}

static void test_localhost(void **state)
{
	(void)state;
	const char *toks[] = {"localhost"};
	struct wk_targets *t = set_of(toks, 1);
	assert_int_equal(wk_targets_count(t), 1);
	assert_true(has_str(t, "127.0.0.1"));
	wk_targets_free(t);
}

/* -4 / -6: names resolve to the family asked, literals of the other one are refused and
 * leave the set as it was. */
static void test_family(void **state)
{
	(void)state;
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	assert_int_equal(wk_targets_family(t, 12345, &err), WK_EINVAL);
	assert_int_equal(wk_targets_family(t, AF_INET6, &err), 0);
	assert_int_equal(wk_targets_add(t, "2001:db8::/126", &err), 0);
	assert_int_equal(wk_targets_add(t, "198.18.0.0/30", &err), WK_EINVAL);
	assert_non_null(strstr(err.msg, "198.18.0.0/30"));
	assert_non_null(strstr(err.msg, "not an IPv6 address"));
	assert_int_equal(wk_targets_family(t, AF_INET, &err), 0);
	assert_int_equal(wk_targets_add(t, "2001:db8::9", &err), WK_EINVAL);
	assert_non_null(strstr(err.msg, "not an IPv4 address"));
	assert_int_equal(wk_targets_add(t, "localhost", &err), 0); /* resolves to IPv4 */
	assert_int_equal(wk_targets_finish(t, &err), 0);
	assert_int_equal(wk_targets_count(t), 4 + 1);
	assert_true(has_str(t, "127.0.0.1"));
	assert_false(has_str(t, "198.18.0.1"));
	assert_false(has_str(t, "2001:db8::9"));
	wk_targets_free(t);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/wk_targets_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "# lab hosts\n198.18.0.1, 198.18.0.2\t198.18.0.3 # inline\n\n"
	                    "198.18.1.0/30\r\n2001:db8::1\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add_file(t, path, &err), 0);
	assert_int_equal(wk_targets_exclude(t, "198.18.0.2", &err), 0);
	assert_int_equal(wk_targets_finish(t, &err), 0);
	assert_int_equal(wk_targets_count(t), 2 + 4 + 1);
	wk_targets_free(t);
	/* "-" reads stdin */
	assert_non_null(freopen(path, "r", stdin));
	t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add_file(t, "-", &err), 0);
	assert_int_equal(wk_targets_finish(t, &err), 0);
	assert_int_equal(wk_targets_count(t), 3 + 4 + 1);
	wk_targets_free(t);
	/* the same file as an exclude list */
	t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add(t, "198.18.0.0/23", &err), 0);
	assert_int_equal(wk_targets_exclude_file(t, path, &err), 0);
	assert_int_equal(wk_targets_finish(t, &err), 0);
	assert_int_equal(wk_targets_count(t), 512 - 3 - 4);
	wk_targets_free(t);
	/* damage names the file and line */
	fd = open(path, O_WRONLY | O_TRUNC);
	const char badtext[] = "198.18.0.1\n# ok\n198.18.0.1/40\n";
	assert_int_equal(write(fd, badtext, sizeof(badtext) - 1), (ssize_t)sizeof(badtext) - 1);
	close(fd);
	t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add_file(t, path, &err), WK_EINVAL);
	char want[300];
	snprintf(want, sizeof(want), "%s:3: bad target \"198.18.0.1/40\": prefix length over 32",
	         path);
	assert_string_equal(err.msg, want);
	wk_targets_free(t);
	unlink(path);
	t = wk_targets_new(&err);
	assert_int_equal(wk_targets_add_file(t, "/nonexistent/targets", &err), WK_ESYS);
	assert_non_null(strstr(err.msg, "/nonexistent/targets"));
	wk_targets_free(t);
}

/* Not a test of speed (never asserted): prints ns per call for the report. */
static void test_speed(void **state)
{
	(void)state;
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	char tok[32];
	/* 4,096 intervals: one per /24 of a /12, hosts .1 to .254 */
	assert_int_equal(wk_targets_add(t, "10.0-15.0-255.1-254", &err), 0);
	assert_int_equal(wk_targets_finish(t, &err), 0);
	snprintf(tok, sizeof(tok), "%llu", (unsigned long long)wk_targets_count(t));
	uint64_t n = wk_targets_count(t), sink = 0, calls = 4000000;
	struct wk_scan_addr a;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < calls; i++) {
		wk_targets_at(t, (i * 0x9e3779b97f4a7c15ull) % n, &a);
		sink += a.b[3];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
	            (double)calls;
	print_message("wk_targets_at: %.1f ns/call (4096 intervals, %s addresses, sink %llu)\n", ns,
	              tok, (unsigned long long)(sink & 1));
	wk_targets_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_and_cidr),
	    cmocka_unit_test(test_big_prefix_is_one_interval),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_octet_ranges),
	    cmocka_unit_test(test_specials),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_excludes),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_localhost),
	    cmocka_unit_test(test_family),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
