/* The order of a scan: a keyed bijection of [0, n) as a pure function of (seed, n, i), so
 * shards and resumed runs agree without sharing state. A balanced Feistel network over the
 * smallest power of four >= n (2 * half_bits bits) with a multiply-xorshift round function,
 * and cycle walking: values >= n are encrypted again until they fall in range; the domain
 * is under 4n, so that takes fewer than 4 encryptions on average. wk_perm_inv runs it
 * backwards (the receiver turns a reply's position back into the walk index that sent it). */
#include "wirekit/scan.h"

#define ROUNDS 4

/* splitmix64: four independent round keys from one seed */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ z >> 27) * 0x94d049bb133111ebull;
	return z ^ z >> 31;
}

void wk_perm_init(struct wk_perm *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 2;
	while (bits < 64 && (n - 1) >> bits && n > 1)
		bits += 2;
	p->n = n;
	p->half_bits = bits / 2;
	p->half_mask = (1ull << p->half_bits) - 1;
	uint64_t s = seed;
	for (int i = 0; i < 4; i++)
		p->key[i] = splitmix(&s);
}

/* The round function: the half block and the round key through a 64-bit mixer (the
 * finalizer of MurmurHash3's family); its low bits depend on every input bit. */
static inline uint64_t round_fn(uint64_t x, uint64_t k)
{
	x ^= k;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 29;
	return x;
}

static inline uint64_t encrypt(const struct wk_perm *p, uint64_t x)
{
	uint64_t l = x >> p->half_bits, r = x & p->half_mask;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t = l ^ (round_fn(r, p->key[i]) & p->half_mask);
		l = r;
		r = t;
	}
	return l << p->half_bits | r;
}

/* The rounds in reverse: round k took (l, r) to (r, l ^ F(r, key[k])). */
static inline uint64_t decrypt(const struct wk_perm *p, uint64_t x)
{
	uint64_t l = x >> p->half_bits, r = x & p->half_mask;
	for (int i = ROUNDS - 1; i >= 0; i--) {
		uint64_t t = r ^ (round_fn(l, p->key[i]) & p->half_mask);
		r = l;
		l = t;
	}
	return l << p->half_bits | r;
}

uint64_t wk_perm_at(const struct wk_perm *p, uint64_t i)
{
	if (p->n == 0)
		return 0;
	uint64_t x = encrypt(p, i);
	while (x >= p->n)
		x = encrypt(p, x);
	return x;
}

/* The cycle walk backwards: the values between i and x were all >= n, so the first value
 * below n on the way back from x is i. */
uint64_t wk_perm_inv(const struct wk_perm *p, uint64_t x)
{
	if (p->n == 0)
		return 0;
	uint64_t i = decrypt(p, x);
	while (i >= p->n)
		i = decrypt(p, i);
	return i;
}

void wk_shard_init(struct wk_shard *s, uint64_t n, uint32_t k, uint32_t of, uint64_t start)
{
	s->n = n;
	s->k = k;
	s->of = of;
	if (of == 0 || k == 0 || k > of || start >= n) {
		s->pos = n; /* nothing to do */
		return;
	}
	/* the first position >= start that is k - 1 modulo of */
	uint64_t r = start % of, want = k - 1;
	uint64_t pos = start - r + want;
	if (want < r)
		pos += of;
	s->pos = pos < n && pos >= start ? pos : n;
}

bool wk_shard_next(struct wk_shard *s, uint64_t *pos)
{
	if (s->pos >= s->n)
		return false;
	*pos = s->pos;
	/* past the end, stay at n (no wrap even for n near 2^64) */
	s->pos = s->n - s->pos > s->of ? s->pos + s->of : s->n;
	return true;
}

uint64_t wk_shard_left(const struct wk_shard *s)
{
	if (s->pos >= s->n)
		return 0;
	return (s->n - 1 - s->pos) / s->of + 1;
}
