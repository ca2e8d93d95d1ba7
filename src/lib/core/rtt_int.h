/* nmap's round-trip estimate (timing.cc, adjust_timeouts2), in microseconds, shared by the
 * results table (a host's latency) and the raw engine (how long to wait for replies). */
#ifndef WK_CORE_RTT_INT_H
#define WK_CORE_RTT_INT_H

#include <stdint.h>

/* Fold one sample (us, 0: none) into *srtt and *rttvar (both 0: no sample yet). The first
 * sample sets srtt and rttvar = max(5 ms, min(srtt, 2 s)); a later one moves srtt by an
 * eighth and rttvar by a quarter of the difference; samples of 8 s or more, and jumps over
 * 1.5 s and over 3 srtt + 2 rttvar, are ignored as nmap ignores them. */
void rtt_fold(uint32_t *srtt, uint32_t *rttvar, uint32_t sample);
/* nmap's retransmission timeout from the estimate: srtt + 4 rttvar, in [lo, hi] (us). */
uint64_t rtt_timeout(uint32_t srtt, uint32_t rttvar, uint64_t lo, uint64_t hi);

#endif
