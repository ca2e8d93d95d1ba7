/* Internet checksum (RFC 1071), TCP/UDP pseudo-headers (RFC 793, 768, 8200 section 8.1)
 * and incremental update (RFC 1624). */
#ifndef WIREKIT_CSUM_H
#define WIREKIT_CSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One's complement sum of p[0..n) folded to 16 bits and added to sum (not inverted).
 * Returned in host order of the big-endian 16-bit words. */
uint32_t wk_csum_partial(const void *p, size_t n, uint32_t sum);
/* Fold and invert: the value to store in a checksum field (host order). */
uint16_t wk_csum_fold(uint32_t sum);
/* The checksum of a buffer, ready to store (host order; write with be16). */
uint16_t wk_csum(const void *p, size_t n);
/* Pseudo-header sums for TCP/UDP/ICMPv6 over IPv4 and IPv6. */
uint32_t wk_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len);
uint32_t wk_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint32_t len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from old_v to new_v. */
uint16_t wk_csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v);
uint16_t wk_csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v);
/* Reference byte-at-a-time implementation, for tests and the micro-benchmark. */
uint16_t wk_csum_ref(const void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
