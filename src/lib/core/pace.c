/* Token-bucket pacing on the monotonic clock (see wirekit/pace.h). */
#include "wirekit/pace.h"

#include <time.h>

uint64_t wk_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wk_pace_init(struct wk_pace *p, double rate, unsigned burst, uint64_t now_ns)
{
	p->burst = burst ? burst : 1;
	p->origin_ns = now_ns;
	/* the bucket starts with one token, not full: a full bucket at the start added
	 * burst probes to the first seconds (a 2 s scan at 1 kpps with a bucket of 256 sent
	 * 14% too many); after an idle spell it refills up to burst as before */
	p->granted = p->burst - 1;
	p->ns_per_tok = rate > 0 ? 1e9 / rate : 0;
}

void wk_pace_set_rate(struct wk_pace *p, double rate, uint64_t now_ns)
{
	wk_pace_init(p, rate, p->burst, now_ns);
}

unsigned wk_pace_take(struct wk_pace *p, uint64_t now_ns, unsigned want, uint64_t *wait_ns)
{
	if (p->ns_per_tok <= 0)
		return want;
	double el = now_ns > p->origin_ns ? (double)(now_ns - p->origin_ns) : 0;
	/* tokens earned so far, plus the bucket's capacity (granted starts at burst - 1) */
	uint64_t earned = (uint64_t)(el / p->ns_per_tok) + p->burst;
	if (earned > p->granted + p->burst) {
		/* idle: forget what could not have been kept in the bucket */
		uint64_t skip = earned - p->granted - p->burst;
		p->granted += skip;
	}
	uint64_t avail = earned - p->granted;
	if (avail == 0) {
		if (wait_ns) {
			double next = (double)(p->granted - p->burst + 1) * p->ns_per_tok;
			*wait_ns = next > el ? (uint64_t)(next - el) + 1 : 1;
		}
		return 0;
	}
	unsigned n = avail < want ? (unsigned)avail : want;
	p->granted += n;
	return n;
}
