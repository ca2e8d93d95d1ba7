/* The token bucket of pace.h on a clock the test moves by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/rtt_int.h"
#include "wirekit/pace.h"

enum { MS = 1000000 };

static void test_unlimited(void **state)
{
	(void)state;
	struct wk_pace p;
	wk_pace_init(&p, 0, 1, 5);
	assert_int_equal(wk_pace_take(&p, 5, 1000, NULL), 1000);
	wk_pace_init(&p, -3, 0, 5);
	assert_int_equal(wk_pace_take(&p, 0, 7, NULL), 7);
}

static void test_rate(void **state)
{
	(void)state;
	struct wk_pace p;
	uint64_t t0 = 1000000000ull, wait = 0;
	wk_pace_init(&p, 1000, 1, t0); /* one token per ms, no bursts */
	assert_int_equal(wk_pace_take(&p, t0, 10, &wait), 1);
	assert_int_equal(wk_pace_take(&p, t0, 10, &wait), 0);
	assert_true(wait > 0 && wait <= MS + 1);
	assert_int_equal(wk_pace_take(&p, t0 + MS / 2, 1, &wait), 0);
	assert_true(wait > 0 && wait <= MS / 2 + 1);
	assert_int_equal(wk_pace_take(&p, t0 + MS, 10, NULL), 1);
	/* over one simulated second, taking as fast as allowed: 1000 tokens, +1 at t0 */
	uint64_t got = 2, now = t0 + MS;
	while (now < t0 + 1000ull * MS) {
		unsigned n = wk_pace_take(&p, now, 1, &wait);
		got += n;
		now += n ? 1 : wait;
	}
	assert_true(got >= 1000 && got <= 1001);
}

static void test_burst_and_idle(void **state)
{
	(void)state;
	struct wk_pace p;
	uint64_t t0 = 0;
	wk_pace_init(&p, 100, 8, t0); /* 10 ms a token, up to 8 at once */
	/* a new bucket holds one token, not eight: no burst at the start */
	assert_int_equal(wk_pace_take(&p, t0, 64, NULL), 1);
	assert_int_equal(wk_pace_take(&p, t0, 64, NULL), 0);
	assert_int_equal(wk_pace_take(&p, t0 + 30 * MS, 64, NULL), 3);
	/* idle for 10 s: the bucket keeps 8, not 1000 */
	uint64_t later = t0 + 10000ull * MS;
	assert_int_equal(wk_pace_take(&p, later, 64, NULL), 8);
	assert_int_equal(wk_pace_take(&p, later, 64, NULL), 0);
	assert_int_equal(wk_pace_take(&p, later + 10 * MS, 64, NULL), 1);
	/* a new rate counts from now */
	wk_pace_set_rate(&p, 1000, later + 10 * MS);
	assert_int_equal(wk_pace_take(&p, later + 10 * MS, 64, NULL), 1);
	assert_int_equal(wk_pace_take(&p, later + 10 * MS + MS / 2, 64, NULL), 0);
	assert_int_equal(wk_pace_take(&p, later + 11 * MS, 64, NULL), 1);
	wk_pace_set_rate(&p, 0, later);
	assert_int_equal(wk_pace_take(&p, later, 64, NULL), 64);
}

/* A scan at 1,000/s with a bucket of 256 (four batches): over 2 s of sending as fast as
 * allowed, in batches of 64, the count stays within 1% of 2,000 (it was 2,256). */
static void test_no_start_burst(void **state)
{
	(void)state;
	struct wk_pace p;
	uint64_t t0 = 5 * 1000000000ull, now = t0, wait = 0, got = 0;
	wk_pace_init(&p, 1000, 256, t0);
	while (now < t0 + 2000ull * MS) {
		unsigned n = wk_pace_take(&p, now, 64, &wait);
		got += n;
		now += n ? 1000 : wait;
	}
	assert_true(got >= 1990 && got <= 2001);
}

static void test_clock(void **state)
{
	(void)state;
	uint64_t a = wk_mono_ns(), b = wk_mono_ns();
	assert_true(a > 0 && b >= a);
}

/* nmap's estimate (core/rtt.c): the first sample and its 5 ms floor of rttvar, an eighth
 * and a quarter per later sample, outliers ignored, and the timeout's clamp. */
static void test_rtt(void **state)
{
	(void)state;
	uint32_t s = 0, v = 0;
	rtt_fold(&s, &v, 0); /* no sample */
	assert_int_equal(s, 0);
	rtt_fold(&s, &v, 100);
	assert_int_equal(s, 100);
	assert_int_equal(v, 5000);
	rtt_fold(&s, &v, 900); /* d = 800: srtt + 100, rttvar + (800 - 5000) / 4 */
	assert_int_equal(s, 200);
	assert_int_equal(v, 3950);
	rtt_fold(&s, &v, 9000000); /* 8 s or more: ignored */
	assert_int_equal(s, 200);
	rtt_fold(&s, &v, 2000000); /* a jump over 1.5 s and 3 srtt + 2 rttvar: ignored */
	assert_int_equal(s, 200);
	/* timeout: srtt + 4 rttvar = 16,000 us, clamped */
	assert_int_equal(rtt_timeout(s, v, 1000, 1000000), 16000);
	assert_int_equal(rtt_timeout(s, v, 100000, 1000000), 100000);
	assert_int_equal(rtt_timeout(s, v, 1000, 10000), 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unlimited),      cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_burst_and_idle), cmocka_unit_test(test_no_start_burst),
	    cmocka_unit_test(test_clock),          cmocka_unit_test(test_rtt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
