/* Length-prefixed message framing: a 4-byte big-endian payload length, then the payload.
 * The decoder is an incremental state machine (header, body) that accepts input split
 * anywhere, down to one byte at a time, and refuses an announced length above its maximum
 * before allocating anything for it. */
#include <string.h>

#include "wirekit/cursor.h"
#include "wirekit/sock.h"

int wk_frame_put(struct wk_buf *out, const void *p, size_t n, size_t max, struct wk_error *e)
{
	uint8_t hdr[WK_FRAME_HDR];
	struct wk_wr w;
	if (n > max || n > UINT32_MAX)
		return wk_seterr(e, WK_EINVAL, "message of %zu bytes exceeds the frame limit %zu",
		                 n, max);
	wk_wr_init(&w, hdr, sizeof(hdr));
	wk_wr_be32(&w, (uint32_t)n);
	if (wk_buf_reserve(out, sizeof(hdr) + n + 1) || wk_buf_add(out, hdr, sizeof(hdr)) ||
	    wk_buf_add(out, p, n))
		return wk_seterr(e, WK_ENOMEM, "frame of %zu bytes: out of memory", n);
	return 0;
}

void wk_frame_dec_init(struct wk_frame_dec *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->st = WK_FRAME_S_HDR;
	d->max = max;
	/* +1: wk_buf keeps a terminating NUL after the payload */
	wk_buf_init(&d->body, max + 1);
}

void wk_frame_dec_fini(struct wk_frame_dec *d)
{
	if (d)
		wk_buf_fini(&d->body);
}

bool wk_frame_dec_partial(const struct wk_frame_dec *d)
{
	return d->st == WK_FRAME_S_BODY || (d->st == WK_FRAME_S_HDR && d->nhdr > 0);
}

int wk_frame_dec_feed(struct wk_frame_dec *d, const uint8_t *p, size_t n, size_t *used,
                      const uint8_t **frame, size_t *len, struct wk_error *e)
{
	struct wk_rd r;
	wk_rd_init(&r, p, n);
	*used = 0;
	for (;;) {
		switch (d->st) {
		case WK_FRAME_S_BAD:
			return wk_seterr(e, WK_EINVAL, "frame decoder stopped after an error");
		case WK_FRAME_S_HDR: {
			if (d->nhdr == 0)
				wk_buf_reset(&d->body);
			size_t take = WK_FRAME_HDR - d->nhdr;
			if (take > wk_rd_left(&r))
				take = wk_rd_left(&r);
			wk_rd_copy(&r, d->hdr + d->nhdr, take);
			d->nhdr += take;
			if (d->nhdr < WK_FRAME_HDR) {
				*used = wk_rd_off(&r);
				return 0;
			}
			struct wk_rd h;
			wk_rd_init(&h, d->hdr, sizeof(d->hdr));
			uint32_t want = wk_rd_be32(&h);
			d->nhdr = 0;
			if (want > d->max) {
				d->st = WK_FRAME_S_BAD;
				*used = wk_rd_off(&r);
				return wk_seterr(e, WK_EINVAL,
				                 "incoming frame of %u bytes exceeds the limit %zu",
				                 want, d->max);
			}
			d->want = want;
			d->st = WK_FRAME_S_BODY;
			break;
		}
		case WK_FRAME_S_BODY: {
			size_t need = d->want - d->body.len;
			size_t take = need < wk_rd_left(&r) ? need : wk_rd_left(&r);
			const uint8_t *b = wk_rd_bytes(&r, take);
			if (take && (!b || wk_buf_add(&d->body, b, take))) {
				d->st = WK_FRAME_S_BAD;
				*used = wk_rd_off(&r);
				return wk_seterr(e, WK_ENOMEM, "frame of %zu bytes: out of memory",
				                 d->want);
			}
			*used = wk_rd_off(&r);
			if (d->body.len < d->want)
				return 0;
			d->st = WK_FRAME_S_HDR;
			/* an empty frame has no buffer yet; point at a static empty byte */
			*frame = d->body.p ? d->body.p : (const uint8_t *)"";
			*len = d->want;
			return 1;
		}
		}
	}
}
