/* When each batch of probes went out (engine_int.h): a fixed ring of the last SENT_RING
 * batches the sender flushed, (phase, pass, first and last walk index, wall-clock time), so
 * the receiver can time a reply without any state per probe; memory is the same for a /24
 * and a /8 x 1,000 ports. One writer (the sender) and one reader (the receive thread): each
 * entry is a small seqlock, so an entry being overwritten reads as gone, never as torn. */
#include <errno.h>
#include <stdlib.h>

#include "scan/engine_int.h"

int sent_init(struct sent_ring *r, struct wk_error *err)
{
	/* calloc of this size maps zero pages (seq 0: never written): only the entries
	 * written become resident */
	r->b = calloc(SENT_RING, sizeof(*r->b));
	if (!r->b)
		return wk_seterr(err, WK_ENOMEM, "send-time ring of %u batches", SENT_RING);
	atomic_init(&r->head, 0);
	return 0;
}

void sent_free(struct sent_ring *r)
{
	free(r->b);
	r->b = NULL;
}

void sent_add(struct sent_ring *r, uint32_t phase, uint32_t pass, uint64_t lo, uint64_t hi,
              uint64_t ns)
{
	uint64_t n = atomic_load_explicit(&r->head, memory_order_relaxed);
	struct sent_batch *b = &r->b[n % SENT_RING];
	atomic_store_explicit(&b->seq, 0, memory_order_relaxed); /* being written */
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&b->key, (uint64_t)phase << 32 | pass, memory_order_relaxed);
	atomic_store_explicit(&b->lo, lo, memory_order_relaxed);
	atomic_store_explicit(&b->hi, hi, memory_order_relaxed);
	atomic_store_explicit(&b->ns, ns, memory_order_relaxed);
	atomic_store_explicit(&b->end, 0, memory_order_relaxed);
	atomic_store_explicit(&b->seq, n + 1, memory_order_release);
	atomic_store_explicit(&r->head, n + 1, memory_order_release);
}

void sent_done(struct sent_ring *r, uint64_t ns)
{
	uint64_t n = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (n)
		atomic_store_explicit(&r->b[(n - 1) % SENT_RING].end, ns, memory_order_release);
}

struct entry {
	uint64_t key, lo, hi, ns, end;
};

/* Entry number n as it was written; false when it has been overwritten since (or is
 * being written). */
static bool get(const struct sent_ring *r, uint64_t n, struct entry *e)
{
	struct sent_batch *b = &r->b[n % SENT_RING];
	if (atomic_load_explicit(&b->seq, memory_order_acquire) != n + 1)
		return false;
	e->key = atomic_load_explicit(&b->key, memory_order_relaxed);
	e->lo = atomic_load_explicit(&b->lo, memory_order_relaxed);
	e->hi = atomic_load_explicit(&b->hi, memory_order_relaxed);
	e->ns = atomic_load_explicit(&b->ns, memory_order_relaxed);
	e->end = atomic_load_explicit(&b->end, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&b->seq, memory_order_relaxed) == n + 1;
}

/* The last entry in [first, head) at or before (key, i): entries are in (key, lo) order,
 * as phases and passes follow each other and a pass walks its indices upwards. */
static int last_at(const struct sent_ring *r, uint64_t first, uint64_t head, uint64_t key,
                   uint64_t i, struct entry *out)
{
	uint64_t lo = first, hi = head; /* the answer is below hi; entries below lo are <= */
	bool any = false;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct entry e;
		if (!get(r, mid, &e))
			return -1;
		if (e.key < key || (e.key == key && e.lo <= i)) {
			*out = e;
			any = true;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return any;
}

/* When i left within its batch: the packets go out one after the other between ns and end
 * (a batch of 64 takes some 100 us on a veth), so i's share of the range places it; when
 * that is after the reply (at ns), halfway between the batch's start and the reply. */
static uint64_t when(const struct entry *e, uint64_t i, uint64_t ns)
{
	if (e->end <= e->ns || e->hi == e->lo)
		return e->ns;
	double f = (double)(i - e->lo) / (double)(e->hi - e->lo + 1);
	uint64_t t = e->ns + (uint64_t)(f * (double)(e->end - e->ns));
	return t < ns ? t : e->ns + (ns - e->ns) / 2; /* the reply came first: between */
}

uint64_t sent_find(const struct sent_ring *r, uint32_t phase, uint64_t i, uint64_t ns)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	/* the oldest quarter may be overwritten while we look: it counts as gone */
	uint64_t first = head > SENT_RING ? head - SENT_RING + SENT_RING / 4 : 0;
	uint64_t key = (uint64_t)phase << 32 | UINT32_MAX;
	struct entry e = {0};
	for (;;) {
		if (last_at(r, first, head, key, i, &e) != 1 || e.key >> 32 != phase)
			return 0;
		if (e.key != key) { /* the latest pass with an entry at or before i */
			key = e.key;
			continue;
		}
		/* the latest pass that sent i before the reply came */
		if (i <= e.hi && e.ns <= ns)
			return when(&e, i, ns);
		if ((uint32_t)key == 0)
			return 0;
		key--;
	}
}
