/* The CLI's option value parsers (src/cli/parse.c): whole numbers, decimal numbers,
 * durations and sizes, with the edges every subcommand relies on. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parse.h"

static void test_u64(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_true(cli_parse_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(cli_parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_false(cli_parse_u64("18446744073709551616", &v));
	assert_false(cli_parse_u64("", &v));
	assert_false(cli_parse_u64(NULL, &v));
	assert_false(cli_parse_u64("-1", &v));
	assert_false(cli_parse_u64("12x", &v));
	assert_false(cli_parse_u64("x", &v));
	assert_false(cli_parse_u64("1.5", &v));
	assert_true(v == UINT64_MAX); /* untouched by the failures */
}

static void test_num(void **state)
{
	(void)state;
	double d = -1;
	assert_true(cli_parse_num("0", 1e7, &d));
	assert_true(d == 0);
	assert_true(cli_parse_num("0.25", 1e7, &d));
	assert_true(d == 0.25);
	assert_true(cli_parse_num("1e7", 1e7, &d));
	assert_false(cli_parse_num("10000001", 1e7, &d));
	assert_true(cli_parse_num("10000001", HUGE_VAL, &d));
	assert_false(cli_parse_num("-0.5", HUGE_VAL, &d));
	assert_false(cli_parse_num("nan", HUGE_VAL, &d));
	assert_false(cli_parse_num("1s", HUGE_VAL, &d));
	assert_false(cli_parse_num("", HUGE_VAL, &d));
	assert_false(cli_parse_num(NULL, HUGE_VAL, &d));
	assert_false(cli_parse_num("1e400", HUGE_VAL, &d));
	assert_true(d == 10000001);
}

static void test_secs(void **state)
{
	(void)state;
	uint64_t ms = 0;
	assert_true(cli_parse_secs("1.5", &ms));
	assert_int_equal(ms, 1500);
	assert_true(cli_parse_secs(".001", &ms));
	assert_int_equal(ms, 1);
	assert_true(cli_parse_secs("2.0009", &ms));
	assert_int_equal(ms, 2000);
	assert_false(cli_parse_secs("0", &ms));
	assert_false(cli_parse_secs("0.0004", &ms));
	assert_false(cli_parse_secs(".", &ms));
	assert_false(cli_parse_secs("1s", &ms));
	assert_false(cli_parse_secs("-1", &ms));
	assert_false(cli_parse_secs("99999999999999999999", &ms));
}

/* nmap's time specs: bare seconds, ms, s, m, h. */
static void test_time(void **state)
{
	(void)state;
	uint64_t ms = 0;
	assert_true(cli_parse_time("500ms", &ms));
	assert_int_equal(ms, 500);
	assert_true(cli_parse_time("2s", &ms));
	assert_int_equal(ms, 2000);
	assert_true(cli_parse_time("1.5", &ms));
	assert_int_equal(ms, 1500);
	assert_true(cli_parse_time("1.5m", &ms));
	assert_int_equal(ms, 90000);
	assert_true(cli_parse_time("1h", &ms));
	assert_int_equal(ms, 3600000);
	assert_false(cli_parse_time("0.5ms", &ms)); /* under a millisecond */
	assert_false(cli_parse_time("0", &ms));
	assert_false(cli_parse_time("2d", &ms));
	assert_false(cli_parse_time("ms", &ms));
	assert_false(cli_parse_time("-1s", &ms));
	assert_false(cli_parse_time("25h", &ms)); /* over a day */
	assert_false(cli_parse_time("1..2s", &ms));
}

static void test_size(void **state)
{
	(void)state;
	uint64_t b = 0;
	assert_true(cli_parse_size("10", 1, &b));
	assert_int_equal(b, 10);
	assert_true(cli_parse_size("10", 1024, &b));
	assert_int_equal(b, 10240);
	assert_true(cli_parse_size("2k", 1, &b));
	assert_int_equal(b, 2048);
	assert_true(cli_parse_size("3M", 1, &b));
	assert_int_equal(b, 3u << 20);
	assert_true(cli_parse_size("1g", 1, &b));
	assert_int_equal(b, 1u << 30);
	assert_false(cli_parse_size("1kb", 1, &b));
	assert_false(cli_parse_size("1t", 1, &b));
	assert_false(cli_parse_size("-1", 1, &b));
	assert_false(cli_parse_size("k", 1, &b));
	assert_false(cli_parse_size("17179869184g", 1, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_u64),  cmocka_unit_test(test_num),  cmocka_unit_test(test_secs),
	    cmocka_unit_test(test_time), cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
