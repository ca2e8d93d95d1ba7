/* Address parsing and fast formatting (the packet loop formats millions of addresses:
 * no printf here). IPv6 text follows RFC 5952, as tshark and tcpdump print it. */
#include <arpa/inet.h>
#include <string.h>

#include "wirekit/addr.h"

bool wk_ip4_parse(const char *s, struct wk_ip4 *out)
{
	return inet_pton(AF_INET, s, out->b) == 1;
}

bool wk_ip6_parse(const char *s, struct wk_ip6 *out)
{
	return inet_pton(AF_INET6, s, out->b) == 1;
}

int wk_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool wk_mac_parse(const char *s, struct wk_mac *out)
{
	for (int i = 0; i < 6; i++) {
		int hi = wk_hexval((unsigned char)s[0]);
		int lo = hi < 0 ? -1 : wk_hexval((unsigned char)s[1]);
		if (lo < 0)
			return false;
		out->b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return false;
			s++;
		}
	}
	return *s == '\0';
}

static const char hexdig[] = "0123456789abcdef";

/* Decimal of a byte without division loops: 0..255 -> 1..3 chars. */
static char *u8_fmt(char *d, unsigned v)
{
	if (v >= 100) {
		*d++ = (char)('0' + v / 100);
		v %= 100;
		*d++ = (char)('0' + v / 10);
		*d++ = (char)('0' + v % 10);
	} else if (v >= 10) {
		*d++ = (char)('0' + v / 10);
		*d++ = (char)('0' + v % 10);
	} else {
		*d++ = (char)('0' + v);
	}
	return d;
}

char *wk_ip4_fmt(char *d, const uint8_t a[4])
{
	d = u8_fmt(d, a[0]);
	*d++ = '.';
	d = u8_fmt(d, a[1]);
	*d++ = '.';
	d = u8_fmt(d, a[2]);
	*d++ = '.';
	d = u8_fmt(d, a[3]);
	*d = '\0';
	return d;
}

static char *hex16_fmt(char *d, unsigned v)
{
	bool started = false;
	for (int sh = 12; sh >= 0; sh -= 4) {
		unsigned n = (v >> sh) & 0xf;
		if (n || started || sh == 0) {
			*d++ = hexdig[n];
			started = true;
		}
	}
	return d;
}

char *wk_ip6_fmt(char *d, const uint8_t a[16])
{
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* RFC 5952 4.2: compress the longest run of two or more zero words, the first one
	 * when runs tie. */
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	/* IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms, written as inet_ntop does. */
	bool v4tail = best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff));
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*d++ = ':';
			if (i == 0)
				*d++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (v4tail && i == 6) {
			d = wk_ip4_fmt(d, a + 12);
			return d;
		}
		d = hex16_fmt(d, w[i]);
		if (i < 7)
			*d++ = ':';
	}
	*d = '\0';
	return d;
}

char *wk_mac_fmt(char *d, const uint8_t a[6])
{
	for (int i = 0; i < 6; i++) {
		*d++ = hexdig[a[i] >> 4];
		*d++ = hexdig[a[i] & 15];
		if (i < 5)
			*d++ = ':';
	}
	*d = '\0';
	return d;
}

char *wk_u64_fmt(char *d, uint64_t v)
{
	char tmp[21];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*d++ = tmp[--n];
	*d = '\0';
	return d;
}

char *wk_hex_fmt(char *d, const uint8_t *p, size_t n, char sep)
{
	for (size_t i = 0; i < n; i++) {
		if (sep && i)
			*d++ = sep;
		*d++ = hexdig[p[i] >> 4];
		*d++ = hexdig[p[i] & 15];
	}
	*d = '\0';
	return d;
}
