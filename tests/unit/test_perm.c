/* Unit tests for the scan order: the permutation is a bijection for any n, shards split the
 * positions exactly, resuming continues, seeds matter, and consecutive outputs spread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wirekit/scan.h"

static void walk_once(uint64_t n, uint64_t seed)
{
	uint8_t *seen = calloc(n ? n : 1, 1);
	assert_non_null(seen);
	struct wk_perm p;
	wk_perm_init(&p, n, seed);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = wk_perm_at(&p, i);
		if (x >= n || seen[x])
			fail_msg("n %llu: position %llu gives %llu (%s)", (unsigned long long)n,
			         (unsigned long long)i, (unsigned long long)x,
			         x >= n ? "out of range" : "twice");
		seen[x] = 1;
	}
	free(seen);
}

static void test_full_walks(void **state)
{
	(void)state;
	const uint64_t ns[] = {1, 2, 3, 4, 5, 17, 1000, 65535, 65536, 65537, 100003, 1u << 20};
	for (size_t i = 0; i < WK_ARRAY_SIZE(ns); i++)
		for (uint64_t seed = 0; seed < 3; seed++)
			walk_once(ns[i], seed * 0x1234567ull);
}

static void test_shards(void **state)
{
	(void)state;
	const uint64_t n = 100003;
	const uint32_t ofs[] = {1, 2, 3, 7, 64};
	struct wk_perm p;
	wk_perm_init(&p, n, 42);
	uint8_t *seen = calloc(n, 1);
	assert_non_null(seen);
	for (size_t o = 0; o < WK_ARRAY_SIZE(ofs); o++) {
		memset(seen, 0, n);
		for (uint32_t k = 1; k <= ofs[o]; k++) {
			struct wk_shard s;
			wk_shard_init(&s, n, k, ofs[o], 0);
			uint64_t left = wk_shard_left(&s), pos, got = 0;
			while (wk_shard_next(&s, &pos)) {
				assert_int_equal(pos % ofs[o], k - 1);
				uint64_t x = wk_perm_at(&p, pos);
				assert_int_equal(seen[x], 0); /* disjoint */
				seen[x] = 1;
				got++;
				assert_int_equal(wk_shard_left(&s), left - got);
			}
			assert_int_equal(got, left);
		}
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(seen[i], 1); /* union = all */
	}
	free(seen);
	/* bad shard numbers give an empty shard, never a wrong one */
	struct wk_shard s;
	uint64_t pos;
	wk_shard_init(&s, n, 0, 3, 0);
	assert_false(wk_shard_next(&s, &pos));
	wk_shard_init(&s, n, 4, 3, 0);
	assert_false(wk_shard_next(&s, &pos));
	wk_shard_init(&s, 0, 1, 1, 0);
	assert_false(wk_shard_next(&s, &pos));
	assert_int_equal(wk_shard_left(&s), 0);
}

static void test_resume(void **state)
{
	(void)state;
	const uint64_t n = 10007;
	for (uint32_t k = 1; k <= 3; k++) {
		struct wk_shard full, a;
		uint64_t seq[4000], m = 0, pos;
		wk_shard_init(&full, n, k, 3, 0);
		while (wk_shard_next(&full, &pos))
			seq[m++] = pos;
		/* stop after 1000 positions, store the next one, resume from it */
		wk_shard_init(&a, n, k, 3, 0);
		for (int i = 0; i < 1000; i++)
			assert_true(wk_shard_next(&a, &pos));
		uint64_t saved = a.pos, i = 1000;
		struct wk_shard b;
		wk_shard_init(&b, n, k, 3, saved);
		assert_int_equal(wk_shard_left(&b), m - 1000);
		while (wk_shard_next(&b, &pos))
			assert_int_equal(pos, seq[i++]);
		assert_int_equal(i, m);
		/* a start between positions rounds up to the shard's next one */
		wk_shard_init(&b, n, k, 3, seq[9] + 1);
		assert_true(wk_shard_next(&b, &pos));
		assert_int_equal(pos, seq[10]);
		wk_shard_init(&b, n, k, 3, seq[10] + 1);
		assert_true(wk_shard_next(&b, &pos));
		assert_int_equal(pos, seq[11]);
		wk_shard_init(&b, n, k, 3, n);
		assert_false(wk_shard_next(&b, &pos));
	}
}

static void test_seeds_and_spread(void **state)
{
	(void)state;
	const uint64_t n = 1u << 24; /* a /8 */
	struct wk_perm a, b, a2;
	wk_perm_init(&a, n, 1);
	wk_perm_init(&a2, n, 1);
	wk_perm_init(&b, n, 2);
	unsigned same = 0, same24 = 0;
	uint64_t prev = wk_perm_at(&a, 0);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t x = wk_perm_at(&a, i);
		assert_int_equal(x, wk_perm_at(&a2, i)); /* a pure function of (seed, n, i) */
		same += x == wk_perm_at(&b, i);
		if (i > 0)
			same24 += x >> 8 == prev >> 8;
		prev = x;
	}
	assert_true(same <= 2);
	/* two consecutive in one /24: 1 in 65,536 by chance */
	assert_true(same24 <= 2);
	/* the first 1000 of a /16 space (256 /24s) land in most of the /24s */
	struct wk_perm c;
	wk_perm_init(&c, 65536, 7);
	uint8_t hit[256] = {0};
	unsigned nets = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t x = wk_perm_at(&c, i);
		nets += !hit[x >> 8];
		hit[x >> 8] = 1;
	}
	assert_true(nets > 240); /* expectation 256 * (1 - e^(-1000/256)) = 251 */
}

static void test_huge(void **state)
{
	(void)state;
	const uint64_t ns[] = {1ull << 63, (1ull << 63) - 25, (1ull << 40) + 3};
	for (size_t k = 0; k < WK_ARRAY_SIZE(ns); k++) {
		struct wk_perm p;
		wk_perm_init(&p, ns[k], 9);
		uint64_t v[64];
		for (uint64_t i = 0; i < 64; i++) {
			v[i] = wk_perm_at(&p, ns[k] - 1 - i);
			assert_true(v[i] < ns[k]);
			for (uint64_t j = 0; j < i; j++)
				assert_true(v[i] != v[j]);
		}
		struct wk_shard s;
		uint64_t pos;
		wk_shard_init(&s, ns[k], 5, 5, ns[k] - 3);
		uint64_t left = wk_shard_left(&s), got = 0;
		assert_true(left <= 1);
		while (wk_shard_next(&s, &pos) && ++got)
			assert_true(pos < ns[k] && pos % 5 == 4);
		assert_int_equal(got, left);
	}
}

/* The inverse undoes the walk: every i of small spaces (n = 1, 2, odd, powers of four and
 * their neighbours), samples of large ones, and many seeds. */
static void test_inverse(void **state)
{
	(void)state;
	const uint64_t ns[] = {1, 2, 3, 4, 5, 7, 15, 16, 17, 63, 64, 65, 255, 1000, 4097, 65537};
	for (size_t k = 0; k < WK_ARRAY_SIZE(ns); k++)
		for (uint64_t seed = 0; seed < 40; seed++) {
			struct wk_perm p;
			wk_perm_init(&p, ns[k], seed * 0x9e3779b97f4a7c15ull + k);
			for (uint64_t i = 0; i < ns[k]; i++) {
				uint64_t x = wk_perm_at(&p, i), j = wk_perm_inv(&p, x);
				if (j != i)
					fail_msg("n %llu seed %llu: inv(at(%llu)) = %llu",
					         (unsigned long long)ns[k],
					         (unsigned long long)seed, (unsigned long long)i,
					         (unsigned long long)j);
			}
		}
	const uint64_t big[] = {(1ull << 24) * 1000 + 17, (1ull << 40) + 3, (1ull << 63) - 25,
	                        UINT64_MAX};
	for (size_t k = 0; k < WK_ARRAY_SIZE(big); k++) {
		struct wk_perm p;
		wk_perm_init(&p, big[k], 77 + k);
		uint64_t s = 12345;
		for (unsigned t = 0; t < 20000; t++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t i = t < 100 ? t : t < 200 ? big[k] - 1 - (t - 100) : s % big[k];
			assert_int_equal(wk_perm_inv(&p, wk_perm_at(&p, i)), i);
		}
	}
	struct wk_perm z;
	wk_perm_init(&z, 0, 1);
	assert_int_equal(wk_perm_inv(&z, 0), 0);
}

/* Not a test of speed (never asserted): prints ns per call for the report. */
static void test_speed(void **state)
{
	(void)state;
	struct wk_perm p;
	wk_perm_init(&p, (1ull << 24) * 1000 + 17, 3);
	struct timespec t0, t1;
	uint64_t sink = 0, calls = 4000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < calls; i++)
		sink += wk_perm_at(&p, i);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
	            (double)calls;
	print_message("wk_perm_at: %.1f ns/call (n = 2^24 x 1000 + 17, sink %llu)\n", ns,
	              (unsigned long long)(sink & 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_walks), cmocka_unit_test(test_shards),
	    cmocka_unit_test(test_resume),     cmocka_unit_test(test_seeds_and_spread),
	    cmocka_unit_test(test_huge),       cmocka_unit_test(test_inverse),
	    cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
