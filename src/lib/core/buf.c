/* Capped dynamic buffer (after curl's dynbuf): a hostile length can never make it
 * allocate more than its cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/buf.h"
#include "wirekit/err.h"

#define WK_BUF_DEFAULT_CAP ((size_t)1 << 30)

void wk_buf_init(struct wk_buf *b, size_t cap)
{
	b->p = NULL;
	b->len = b->size = 0;
	b->cap = cap ? cap : WK_BUF_DEFAULT_CAP;
	b->err = 0;
}

void wk_buf_fini(struct wk_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->size = 0;
}

int wk_buf_reserve(struct wk_buf *b, size_t extra)
{
	if (b->err)
		return b->err;
	if (extra > b->cap || b->len > b->cap - extra)
		return b->err = WK_ENOMEM;
	size_t need = b->len + extra;
	if (need <= b->size)
		return 0;
	size_t n = b->size ? b->size : 64;
	while (n < need)
		n = n > b->cap / 2 ? b->cap : n * 2;
	uint8_t *np = realloc(b->p, n);
	if (!np)
		return b->err = WK_ENOMEM;
	b->p = np;
	b->size = n;
	return 0;
}

int wk_buf_add(struct wk_buf *b, const void *p, size_t n)
{
	int rc = wk_buf_reserve(b, n + 1);
	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0; /* always terminated, for text use */
	return 0;
}

int wk_buf_addc(struct wk_buf *b, char c)
{
	return wk_buf_add(b, &c, 1);
}

int wk_buf_adds(struct wk_buf *b, const char *s)
{
	return wk_buf_add(b, s, strlen(s));
}

int wk_buf_printf(struct wk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return b->err = WK_EINVAL;
	int rc = wk_buf_reserve(b, (size_t)n + 1);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
