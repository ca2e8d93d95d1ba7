/* Pacing for senders (send --rate, scan --rate): a token bucket on the monotonic clock.
 * One token is there at init and tokens accrue at rate per second from then; at most
 * burst of them are kept, so an idle sender does not later burst past its rate, and a
 * new sender does not start with a burst either. */
#ifndef WIREKIT_PACE_H
#define WIREKIT_PACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wk_pace {
	double ns_per_tok;  /* 0: unlimited */
	uint64_t origin_ns; /* time of token 0 */
	uint64_t granted;   /* tokens handed out since origin */
	unsigned burst;
};

/* Monotonic clock in nanoseconds. */
uint64_t wk_mono_ns(void);
/* rate: tokens (packets) per second, <= 0 for no limit; burst >= 1 (0 is taken as 1). */
void wk_pace_init(struct wk_pace *p, double rate, unsigned burst, uint64_t now_ns);
/* Change the rate from now on (what was granted so far stays granted). */
void wk_pace_set_rate(struct wk_pace *p, double rate, uint64_t now_ns);
/* Take up to want tokens at now_ns; returns how many were taken. When 0, *wait_ns (may be
 * NULL) gets the time until the next token. */
unsigned wk_pace_take(struct wk_pace *p, uint64_t now_ns, unsigned want, uint64_t *wait_ns);

#ifdef __cplusplus
}
#endif

#endif
