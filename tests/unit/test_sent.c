/* Unit tests for the send-time ring of the raw engine (scan/sent.c): a reply's walk index
 * finds the batch that sent it in the latest pass sent before the reply, other phases and
 * indices no batch held find nothing, entries older than the ring are forgotten, and a
 * reader racing the writer sees a batch's own time or nothing, never a torn entry. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/engine_int.h"

static void test_empty(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	assert_int_equal(sent_find(&r, 1, 0, UINT64_MAX), 0);
	sent_free(&r);
	sent_free(&r); /* twice is harmless */
}

/* One pass of batches of 8 indices (shard 1/1), batch b sent at 1000 + 10 b. */
static void test_one_pass(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	for (uint64_t b = 0; b < 100; b++)
		sent_add(&r, 1, 0, b * 8, b * 8 + 7, 1000 + 10 * b);
	for (uint64_t i = 0; i < 800; i++) {
		uint64_t t = 1000 + 10 * (i / 8);
		assert_int_equal(sent_find(&r, 1, i, t), t);       /* at the send time */
		assert_int_equal(sent_find(&r, 1, i, t + 500), t); /* later */
		assert_int_equal(sent_find(&r, 1, i, t - 1), 0);   /* before: not ours */
	}
	assert_int_equal(sent_find(&r, 1, 800, UINT64_MAX), 0); /* never sent */
	assert_int_equal(sent_find(&r, 2, 5, UINT64_MAX), 0);   /* another phase */
	assert_int_equal(sent_find(&r, 0, 5, UINT64_MAX), 0);
	sent_free(&r);
}

/* Shard 2 of 3 (indices 1, 4, 7, ...): a batch's range holds the indices between. */
static void test_shard_gaps(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	sent_add(&r, 1, 0, 1, 10, 100);
	sent_add(&r, 1, 0, 13, 22, 200);
	assert_int_equal(sent_find(&r, 1, 0, 1000), 0);
	assert_int_equal(sent_find(&r, 1, 7, 1000), 100);
	assert_int_equal(sent_find(&r, 1, 13, 1000), 200);
	assert_int_equal(sent_find(&r, 1, 22, 1000), 200);
	assert_int_equal(sent_find(&r, 1, 25, 1000), 0);
	sent_free(&r);
}

/* A batch's packets leave one after the other: an index's share of the batch places it
 * between the first packet and the end of the send, never after the reply. */
static void test_within_batch(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	sent_add(&r, 1, 0, 0, 9, 1000);
	assert_int_equal(sent_find(&r, 1, 5, 5000), 1000); /* end not known yet */
	sent_done(&r, 2000);
	assert_int_equal(sent_find(&r, 1, 0, 5000), 1000);
	assert_int_equal(sent_find(&r, 1, 5, 5000), 1500);
	assert_int_equal(sent_find(&r, 1, 9, 5000), 1900);
	assert_int_equal(sent_find(&r, 1, 9, 1200), 1100); /* the reply came first */
	assert_int_equal(sent_find(&r, 1, 9, 999), 0);
	sent_free(&r);
}

/* Retransmission passes send only some indices again: a reply goes to the latest pass
 * that sent its index before the reply came. Then a second phase. */
static void test_passes_and_phases(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	for (uint64_t b = 0; b < 10; b++) /* pass 0: 0..99 at 1000..1090 */
		sent_add(&r, 1, 0, b * 10, b * 10 + 9, 1000 + 10 * b);
	sent_add(&r, 1, 1, 5, 15, 5000); /* pass 1: only 5..15 and 50..52 */
	sent_add(&r, 1, 1, 50, 52, 5010);
	sent_add(&r, 1, 2, 51, 51, 9000);                  /* pass 2: 51 */
	assert_int_equal(sent_find(&r, 1, 7, 4999), 1000); /* before pass 1 went out */
	assert_int_equal(sent_find(&r, 1, 7, 5000), 5000);
	/* a batch's range holds what it skipped (answered before: a reply to those is a
	 * duplicate the engine does not time) */
	assert_int_equal(sent_find(&r, 1, 12, 6000), 5000);
	assert_int_equal(sent_find(&r, 1, 16, 6000), 1010); /* not in pass 1 */
	assert_int_equal(sent_find(&r, 1, 30, 99999), 1030);
	assert_int_equal(sent_find(&r, 1, 51, 99999), 9000);
	assert_int_equal(sent_find(&r, 1, 51, 8999), 5010);
	assert_int_equal(sent_find(&r, 1, 51, 5009), 1050);
	assert_int_equal(sent_find(&r, 1, 52, 99999), 5010);
	assert_int_equal(sent_find(&r, 1, 99, 99999), 1090);
	assert_int_equal(sent_find(&r, 1, 100, 99999), 0);
	/* the port phase after discovery: its own indices, the old phase still answers */
	sent_add(&r, 2, 0, 0, 63, 20000);
	sent_add(&r, 2, 1, 3, 3, 30000);
	assert_int_equal(sent_find(&r, 2, 3, 29999), 20000);
	assert_int_equal(sent_find(&r, 2, 3, 30001), 30000);
	assert_int_equal(sent_find(&r, 2, 64, 30001), 0);
	assert_int_equal(sent_find(&r, 1, 51, 99999), 9000);
	assert_int_equal(sent_find(&r, 1, 7, 30001), 5000);
	assert_int_equal(sent_find(&r, 3, 0, 99999), 0);
	sent_free(&r);
}

/* More batches than the ring holds: the newest are found, the overwritten ones are not. */
static void test_wrap(void **state)
{
	(void)state;
	struct sent_ring r;
	assert_int_equal(sent_init(&r, NULL), 0);
	const uint64_t total = 3ull * SENT_RING + 123;
	for (uint64_t b = 0; b < total; b++)
		sent_add(&r, 1, 0, b * 4, b * 4 + 3, 1000 + b);
	assert_int_equal(sent_find(&r, 1, 0, UINT64_MAX), 0);
	assert_int_equal(sent_find(&r, 1, (total - SENT_RING) * 4 - 1, UINT64_MAX), 0);
	for (uint64_t b = total - SENT_RING / 2; b < total; b += 97)
		assert_int_equal(sent_find(&r, 1, b * 4 + 2, UINT64_MAX), 1000 + b);
	assert_int_equal(sent_find(&r, 1, total * 4 - 1, UINT64_MAX), 1000 + total - 1);
	sent_free(&r);
}

/* The sender and the receiver at once: every answer is 0 (gone) or the batch's own time. */
struct race {
	struct sent_ring r;
	_Atomic int stop;
};

static void *writer(void *arg)
{
	struct race *x = arg;
	/* batch b: indices 16b .. 16b + 15 at time 7b + 1; round after round over the ring */
	for (uint64_t b = 0; !atomic_load_explicit(&x->stop, memory_order_relaxed); b++)
		sent_add(&x->r, 1, 0, b * 16, b * 16 + 15, 7 * b + 1);
	return NULL;
}

static void test_race(void **state)
{
	(void)state;
	struct race x;
	assert_int_equal(sent_init(&x.r, NULL), 0);
	atomic_init(&x.stop, 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer, &x), 0);
	uint64_t s = 99, found = 0, looks = 0;
	while (looks < 300000) {
		uint64_t head = atomic_load(&x.r.head);
		if (!head)
			continue;
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t b = head - 1 - (s >> 33) % (head < 2 * SENT_RING ? head : 2 * SENT_RING);
		uint64_t got = sent_find(&x.r, 1, b * 16 + (s & 15), UINT64_MAX);
		looks++;
		if (got) {
			assert_int_equal(got, 7 * b + 1);
			found++;
		}
	}
	atomic_store(&x.stop, 1);
	pthread_join(t, NULL);
	print_message("race: ring written %llu times, ",
	              (unsigned long long)(atomic_load(&x.r.head) / SENT_RING));
	print_message("race: %llu lookups, %llu found\n", (unsigned long long)looks,
	              (unsigned long long)found);
	assert_true(found > 0);
	sent_free(&x.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),        cmocka_unit_test(test_one_pass),
	    cmocka_unit_test(test_shard_gaps),   cmocka_unit_test(test_passes_and_phases),
	    cmocka_unit_test(test_wrap),         cmocka_unit_test(test_race),
	    cmocka_unit_test(test_within_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
