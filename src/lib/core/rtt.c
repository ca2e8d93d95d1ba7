/* nmap's round-trip estimate (core/rtt_int.h). */
#include "core/rtt_int.h"

static int64_t shr_floor(int64_t v, unsigned k)
{
	return v >= 0 ? v / ((int64_t)1 << k) : -((-v + ((int64_t)1 << k) - 1) / ((int64_t)1 << k));
}

void rtt_fold(uint32_t *srtt, uint32_t *rttvar, uint32_t sample)
{
	if (!sample)
		return;
	if (!*srtt) {
		*srtt = sample;
		*rttvar = sample < 5000 ? 5000 : sample > 2000000 ? 2000000 : sample;
		return;
	}
	int64_t s = *srtt, var = *rttvar, d = (int64_t)sample - s;
	if (sample >= 8000000 || (d > 1500000 && d > 3 * s + 2 * var))
		return;
	s += shr_floor(d, 3);
	var += shr_floor((d < 0 ? -d : d) - var, 2);
	if (var > 2300000)
		var = 2000000;
	*srtt = s > 0 ? (uint32_t)s : 1;
	*rttvar = var > 0 ? (uint32_t)var : 0;
}

uint64_t rtt_timeout(uint32_t srtt, uint32_t rttvar, uint64_t lo, uint64_t hi)
{
	uint64_t t = (uint64_t)srtt + 4 * (uint64_t)rttvar;
	return t < lo ? lo : t > hi ? hi : t;
}
