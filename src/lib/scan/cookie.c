/* Stateless reply validation: the cookie of a flow is SipHash-2-4 under a per-scan key of
 * (family, source, destination, ports, protocol); a probe carries it where the reply must
 * echo it (TCP sequence number, UDP source port, ICMP id/sequence). */
#include <string.h>
#include <sys/socket.h>

#include "wirekit/scan.h"

uint32_t wk_scan_cookie(const uint8_t key[16], const struct wk_scan_addr *src,
                        const struct wk_scan_addr *dst, uint16_t sport, uint16_t dport,
                        uint8_t proto)
{
	/* family | src | dst | sport (be) | dport (be) | proto: 38 bytes for IPv6, 14 for IPv4 */
	uint8_t m[1 + 16 + 16 + 2 + 2 + 1];
	size_t alen = dst->family == AF_INET6 ? 16 : 4, o = 0;
	m[o++] = dst->family;
	memcpy(m + o, src->b, alen);
	o += alen;
	memcpy(m + o, dst->b, alen);
	o += alen;
	m[o++] = (uint8_t)(sport >> 8);
	m[o++] = (uint8_t)sport;
	m[o++] = (uint8_t)(dport >> 8);
	m[o++] = (uint8_t)dport;
	m[o++] = proto;
	uint64_t h = wk_siphash24(key, m, o);
	return (uint32_t)(h ^ h >> 32);
}
