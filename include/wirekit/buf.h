/* Capped dynamic byte buffer: grows geometrically, never beyond cap. */
#ifndef WIREKIT_BUF_H
#define WIREKIT_BUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wk_buf {
	uint8_t *p;
	size_t len, size, cap; /* cap = 0: 1 GiB */
	int err;               /* sticky: WK_ENOMEM after a failed grow */
};

void wk_buf_init(struct wk_buf *b, size_t cap);
void wk_buf_fini(struct wk_buf *b);
int wk_buf_reserve(struct wk_buf *b, size_t extra);
int wk_buf_add(struct wk_buf *b, const void *p, size_t n);
int wk_buf_addc(struct wk_buf *b, char c);
int wk_buf_adds(struct wk_buf *b, const char *s);
int wk_buf_printf(struct wk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void wk_buf_reset(struct wk_buf *b)
{
	b->len = 0;
}

#ifdef __cplusplus
}
#endif

#endif
