/* The output buffer: a byte sink with hand-written decimal, hex and address formatting, so
 * the packet loop never calls printf. Protocols' line callbacks and the printers write to
 * it; the caller supplies the flush. */
#ifndef WIREKIT_OB_H
#define WIREKIT_OB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Output buffer. When full it calls flush(ctx, p, n); flush returns 0 or a negative code
 * (kept sticky in err). With flush NULL, bytes past the size are dropped and err set. */
struct wk_ob {
	char *p;
	size_t len, size;
	uint64_t flushed; /* bytes handed to flush so far: flushed + len is the position */
	int err;
	int (*flush)(void *ctx, const char *p, size_t n);
	void *ctx;
};

void wk_ob_init(struct wk_ob *o, char *mem, size_t size, int (*flush)(void *, const char *, size_t),
                void *ctx);
int wk_ob_flush(struct wk_ob *o);
void wk_ob_write(struct wk_ob *o, const void *p, size_t n);
void wk_ob_puts(struct wk_ob *o, const char *s);
static inline void wk_ob_putc(struct wk_ob *o, char c)
{
	if (o->len == o->size)
		wk_ob_flush(o);
	if (o->len < o->size)
		o->p[o->len++] = c;
}
void wk_ob_u64(struct wk_ob *o, uint64_t v);
void wk_ob_i64(struct wk_ob *o, int64_t v);
void wk_ob_hex(struct wk_ob *o, uint64_t v, unsigned min_digits); /* no 0x */
void wk_ob_ip4(struct wk_ob *o, const uint8_t a[4]);
void wk_ob_ip6(struct wk_ob *o, const uint8_t a[16]);
void wk_ob_mac(struct wk_ob *o, const uint8_t a[6]);
/* Printable ASCII as is, everything else as \xNN (for summaries of untrusted text). */
void wk_ob_safe(struct wk_ob *o, const uint8_t *p, size_t n);
/* JSON string body (no quotes): escapes per RFC 8259; invalid UTF-8 as \u00NN. */
void wk_ob_json_str(struct wk_ob *o, const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
