/* Micro-benchmark: wk_csum (64-bit accumulation) against the byte-at-a-time reference,
 * over packet-sized buffers; prints ns per buffer and the ratio. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "wirekit/csum.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	static uint8_t buf[1500];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	static const size_t sizes[] = {20, 40, 64, 576, 1500};
	printf("%8s %14s %14s %8s\n", "bytes", "wk_csum ns", "bytewise ns", "ratio");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		unsigned iters = (unsigned)(200000000 / (n + 16));
		volatile uint16_t sink = 0;
		double t0 = now();
		for (unsigned i = 0; i < iters; i++) {
			buf[0] = (uint8_t)i; /* defeat hoisting */
			sink ^= wk_csum(buf, n);
		}
		double t1 = now();
		for (unsigned i = 0; i < iters; i++) {
			buf[0] = (uint8_t)i;
			sink ^= wk_csum_ref(buf, n);
		}
		double t2 = now();
		double a = (t1 - t0) * 1e9 / iters, b = (t2 - t1) * 1e9 / iters;
		printf("%8zu %14.1f %14.1f %7.1fx\n", n, a, b, b / a);
		(void)sink;
	}
	return 0;
}
