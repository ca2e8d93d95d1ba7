/* The output buffer and its formatting primitives: hand-written integer, address and
 * escape formatting so the packet loop never calls printf. */
#include <string.h>

#include "wirekit/addr.h"
#include "wirekit/err.h"
#include "wirekit/ob.h"

void wk_ob_init(struct wk_ob *o, char *mem, size_t size, int (*flush)(void *, const char *, size_t),
                void *ctx)
{
	o->p = mem;
	o->len = 0;
	o->size = size;
	o->err = 0;
	o->flushed = 0;
	o->flush = flush;
	o->ctx = ctx;
}

int wk_ob_flush(struct wk_ob *o)
{
	if (o->len && o->flush && !o->err) {
		int rc = o->flush(o->ctx, o->p, o->len);
		if (rc)
			o->err = rc;
	} else if (o->len == o->size && !o->flush) {
		o->err = WK_ENOMEM;
		return o->err;
	}
	if (o->flush) {
		o->flushed += o->len;
		o->len = 0;
	}
	return o->err;
}

void wk_ob_write(struct wk_ob *o, const void *src, size_t n)
{
	const char *s = src;
	while (n) {
		if (o->len == o->size) {
			wk_ob_flush(o);
			if (o->len == o->size)
				return; /* no flush function: drop, err is set */
		}
		size_t k = o->size - o->len;
		if (k > n)
			k = n;
		memcpy(o->p + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void wk_ob_puts(struct wk_ob *o, const char *s)
{
	wk_ob_write(o, s, strlen(s));
}

void wk_ob_u64(struct wk_ob *o, uint64_t v)
{
	char b[24];
	char *e = wk_u64_fmt(b, v);
	wk_ob_write(o, b, (size_t)(e - b));
}

void wk_ob_i64(struct wk_ob *o, int64_t v)
{
	if (v < 0) {
		wk_ob_putc(o, '-');
		wk_ob_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		wk_ob_u64(o, (uint64_t)v);
	}
}

void wk_ob_hex(struct wk_ob *o, uint64_t v, unsigned min_digits)
{
	static const char dig[] = "0123456789abcdef";
	char b[16];
	int n = 0;
	do {
		b[n++] = dig[v & 15];
		v >>= 4;
	} while (v && n < 16);
	while ((unsigned)n < min_digits && n < 16)
		b[n++] = '0';
	while (n)
		wk_ob_putc(o, b[--n]);
}

void wk_ob_ip4(struct wk_ob *o, const uint8_t a[4])
{
	char b[WK_IP4_STRLEN];
	char *e = wk_ip4_fmt(b, a);
	wk_ob_write(o, b, (size_t)(e - b));
}

void wk_ob_ip6(struct wk_ob *o, const uint8_t a[16])
{
	char b[WK_IP6_STRLEN];
	char *e = wk_ip6_fmt(b, a);
	wk_ob_write(o, b, (size_t)(e - b));
}

void wk_ob_mac(struct wk_ob *o, const uint8_t a[6])
{
	char b[WK_MAC_STRLEN];
	char *e = wk_mac_fmt(b, a);
	wk_ob_write(o, b, (size_t)(e - b));
}

void wk_ob_safe(struct wk_ob *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			wk_ob_putc(o, (char)c);
		} else {
			wk_ob_puts(o, "\\x");
			wk_ob_hex(o, c, 2);
		}
	}
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t k;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		k = 2;
		min = 0x80;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		k = 3;
		min = 0x800;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		k = 4;
		min = 0x10000;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

void wk_ob_json_str(struct wk_ob *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c == '"' || c == '\\') {
			wk_ob_putc(o, '\\');
			wk_ob_putc(o, (char)c);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			wk_ob_putc(o, (char)c);
			i++;
		} else if (c < 0x80) {
			wk_ob_puts(o, "\\u00");
			wk_ob_hex(o, c, 2);
			i++;
		} else {
			size_t k = utf8_len(p + i, n - i);
			if (k) {
				wk_ob_write(o, p + i, k);
				i += k;
			} else {
				/* Not UTF-8: keep the byte value visible as a code point. */
				wk_ob_puts(o, "\\u00");
				wk_ob_hex(o, c, 2);
				i++;
			}
		}
	}
}
