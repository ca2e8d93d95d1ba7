/* IPv4 fragmentation for wirekit send --frag (nmap -f): the datagram's payload is cut in
 * pieces of a multiple of 8 bytes (RFC 791 2.3: offsets count 8-octet units), each with
 * a copy of the header, its own total length, offset and More Fragments flag, and a
 * fresh header checksum. */
#include <string.h>

#include "wirekit/csum.h"
#include "wirekit/cursor.h"
#include "wirekit/send.h"

int wk_ip4_fragment(const uint8_t *pkt, size_t n, size_t l3off, size_t size, bool badsum,
                    uint8_t *out, size_t cap, size_t *lens, unsigned max, unsigned *nfrag,
                    struct wk_error *err)
{
	struct wk_rd r;
	wk_rd_init(&r, pkt, n);
	if (!wk_rd_skip(&r, l3off))
		return wk_seterr(err, WK_EINVAL, "--frag: no IPv4 header");
	const uint8_t *h = r.cur;
	uint8_t vhl = wk_rd_u8(&r);
	size_t hl = (size_t)(vhl & 0x0f) * 4;
	if (r.bad || vhl >> 4 != 4 || hl < 20 || l3off + hl > n)
		return wk_seterr(err, WK_EINVAL, "--frag: needs an IPv4 header");
	size = size / 8 * 8;
	if (size == 0)
		return wk_seterr(err, WK_EINVAL, "--frag: size must be at least 8");
	uint16_t fw = (uint16_t)(h[6] << 8 | h[7]);
	size_t base_off = (size_t)(fw & 0x1fff) * 8;
	bool more_after = (fw & 0x2000) != 0;
	size_t data = n - l3off - hl;
	size_t pos = 0, used = 0;
	unsigned k = 0;
	do {
		size_t len = data - pos < size ? data - pos : size;
		bool last = pos + len >= data;
		size_t fl = l3off + hl + len;
		if (k >= max || used + fl > cap)
			return wk_seterr(err, WK_ENOMEM, "--frag: too many fragments");
		if (base_off + pos > 0x1fff * 8)
			return wk_seterr(err, WK_EINVAL, "--frag: offset beyond 65528");
		uint8_t *o = out + used;
		memcpy(o, pkt, l3off + hl);
		memcpy(o + l3off + hl, pkt + l3off + hl + pos, len);
		uint8_t *ih = o + l3off;
		uint16_t tl = (uint16_t)(hl + len);
		uint16_t nf = (uint16_t)((fw & 0x4000) | ((base_off + pos) / 8));
		if (!last || more_after)
			nf |= 0x2000;
		ih[2] = (uint8_t)(tl >> 8);
		ih[3] = (uint8_t)tl;
		ih[6] = (uint8_t)(nf >> 8);
		ih[7] = (uint8_t)nf;
		ih[10] = ih[11] = 0;
		uint16_t c = wk_csum(ih, hl);
		if (badsum)
			c = (c == 0 || c == 0xffff) ? 1 : (uint16_t)~c;
		ih[10] = (uint8_t)(c >> 8);
		ih[11] = (uint8_t)c;
		lens[k++] = fl;
		used += fl;
		pos += len;
	} while (pos < data);
	*nfrag = k;
	return 0;
}
