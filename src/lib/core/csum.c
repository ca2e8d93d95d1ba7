/* Internet checksum, RFC 1071, summed 64 bits at a time (the carries fold at the end);
 * incremental update per RFC 1624. */
#include <string.h>

#include "wirekit/csum.h"

uint32_t wk_csum_partial(const void *buf, size_t n, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	/* Sum 32-bit big-endian words read with memcpy (no alignment assumption) into a
	 * 64-bit accumulator: 2^32 words before it could overflow. */
	while (n >= 16) {
		uint32_t a, b, c, d;
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		acc += (uint64_t)__builtin_bswap32(a) + __builtin_bswap32(b) +
		       __builtin_bswap32(c) + __builtin_bswap32(d);
		p += 16;
		n -= 16;
	}
	while (n >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		acc += __builtin_bswap32(a);
		p += 4;
		n -= 4;
	}
	while (n >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (uint32_t)p[0] << 8;
	/* Fold 64 -> 32 -> 16 bits with end-around carry. */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	uint32_t s = (uint32_t)acc;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

uint16_t wk_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t wk_csum(const void *p, size_t n)
{
	return wk_csum_fold(wk_csum_partial(p, n, 0));
}

uint32_t wk_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len)
{
	uint32_t s = wk_csum_partial(src, 4, 0);
	s = wk_csum_partial(dst, 4, s);
	return s + proto + (len & 0xffff) + (len >> 16);
}

uint32_t wk_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint32_t len)
{
	uint32_t s = wk_csum_partial(src, 16, 0);
	s = wk_csum_partial(dst, 16, s);
	return s + nh + (len & 0xffff) + (len >> 16);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t wk_csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v)
{
	uint32_t s = (uint16_t)~csum;
	s += (uint16_t)~old_v;
	s += new_v;
	return wk_csum_fold(s);
}

uint16_t wk_csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v)
{
	csum = wk_csum_update16(csum, (uint16_t)(old_v >> 16), (uint16_t)(new_v >> 16));
	return wk_csum_update16(csum, (uint16_t)old_v, (uint16_t)new_v);
}

uint16_t wk_csum_ref(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
