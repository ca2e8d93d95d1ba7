/* Bounded read and write cursors. Every untrusted byte is read through wk_rd:
 * a short read sets bad, pins cur to end and returns 0 (sticky). wk_wr mirrors it
 * for building packets, with marks to patch lengths and checksums afterwards. */
#ifndef WIREKIT_CURSOR_H
#define WIREKIT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wk_rd {
	const uint8_t *base; /* start of the buffer, for offsets */
	const uint8_t *cur;
	const uint8_t *end;
	bool bad; /* a read went past end */
};

static inline void wk_rd_init(struct wk_rd *r, const void *p, size_t n)
{
	r->base = (const uint8_t *)p;
	r->cur = r->base;
	r->end = r->base + n;
	r->bad = false;
}

static inline size_t wk_rd_left(const struct wk_rd *r)
{
	return (size_t)(r->end - r->cur);
}

static inline size_t wk_rd_off(const struct wk_rd *r)
{
	return (size_t)(r->cur - r->base);
}

static inline bool wk_rd_need(struct wk_rd *r, size_t n)
{
	if (r->bad || n > wk_rd_left(r)) {
		r->bad = true;
		r->cur = r->end;
		return false;
	}
	return true;
}

static inline uint8_t wk_rd_u8(struct wk_rd *r)
{
	if (!wk_rd_need(r, 1))
		return 0;
	return *r->cur++;
}

static inline uint16_t wk_rd_be16(struct wk_rd *r)
{
	if (!wk_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->cur[0] << 8 | r->cur[1]);
	r->cur += 2;
	return v;
}

static inline uint16_t wk_rd_le16(struct wk_rd *r)
{
	if (!wk_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->cur[1] << 8 | r->cur[0]);
	r->cur += 2;
	return v;
}

static inline uint32_t wk_rd_be32(struct wk_rd *r)
{
	if (!wk_rd_need(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->cur[0] << 24 | (uint32_t)r->cur[1] << 16 |
	             (uint32_t)r->cur[2] << 8 | r->cur[3];
	r->cur += 4;
	return v;
}

static inline uint32_t wk_rd_le32(struct wk_rd *r)
{
	if (!wk_rd_need(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->cur[3] << 24 | (uint32_t)r->cur[2] << 16 |
	             (uint32_t)r->cur[1] << 8 | r->cur[0];
	r->cur += 4;
	return v;
}

static inline uint64_t wk_rd_le64(struct wk_rd *r)
{
	uint64_t lo = wk_rd_le32(r);
	uint64_t hi = wk_rd_le32(r);
	return hi << 32 | lo;
}

static inline uint64_t wk_rd_be64(struct wk_rd *r)
{
	uint64_t hi = wk_rd_be32(r);
	uint64_t lo = wk_rd_be32(r);
	return hi << 32 | lo;
}

/* Pointer to the next n bytes (and advance), or NULL when fewer are left. */
static inline const uint8_t *wk_rd_bytes(struct wk_rd *r, size_t n)
{
	if (!wk_rd_need(r, n))
		return NULL;
	const uint8_t *p = r->cur;
	r->cur += n;
	return p;
}

static inline bool wk_rd_copy(struct wk_rd *r, void *dst, size_t n)
{
	const uint8_t *p = wk_rd_bytes(r, n);
	if (!p)
		return false;
	memcpy(dst, p, n);
	return true;
}

static inline bool wk_rd_skip(struct wk_rd *r, size_t n)
{
	return wk_rd_bytes(r, n) != NULL;
}

/* Peek at byte i ahead without advancing; 0 and no error state when absent. */
static inline bool wk_rd_peek_u8(const struct wk_rd *r, size_t i, uint8_t *v)
{
	if (r->bad || i >= wk_rd_left(r))
		return false;
	*v = r->cur[i];
	return true;
}

static inline bool wk_rd_peek_be16(const struct wk_rd *r, size_t i, uint16_t *v)
{
	if (r->bad || wk_rd_left(r) < 2 || i > wk_rd_left(r) - 2)
		return false;
	*v = (uint16_t)(r->cur[i] << 8 | r->cur[i + 1]);
	return true;
}

/* Split off the next len bytes as a sub-cursor and advance r past them. When fewer than
 * len bytes are left, the sub-cursor gets what there is and *short_out is set (the capture
 * ended first: truncated, not invalid); r is then at its end without being marked bad. */
static inline struct wk_rd wk_rd_sub(struct wk_rd *r, size_t len, bool *short_out)
{
	struct wk_rd s;
	size_t left = r->bad ? 0 : wk_rd_left(r);
	size_t n = len <= left ? len : left;
	s.base = r->base;
	s.cur = r->cur;
	s.end = r->cur + n;
	s.bad = false;
	if (short_out)
		*short_out = n < len;
	r->cur += n;
	return s;
}

/* Shrink the end of r to at most len bytes from cur (a declared length shorter than the
 * capture, e.g. Ethernet padding after an IP datagram). Returns false if len exceeds
 * what is left (the capture is short), leaving r unchanged. */
static inline bool wk_rd_clip(struct wk_rd *r, size_t len)
{
	if (len > wk_rd_left(r))
		return false;
	r->end = r->cur + len;
	return true;
}

struct wk_wr {
	uint8_t *base;
	uint8_t *cur;
	uint8_t *end;
	bool bad;
};

static inline void wk_wr_init(struct wk_wr *w, void *p, size_t n)
{
	w->base = (uint8_t *)p;
	w->cur = w->base;
	w->end = w->base + n;
	w->bad = false;
}

static inline size_t wk_wr_len(const struct wk_wr *w)
{
	return (size_t)(w->cur - w->base);
}

static inline uint8_t *wk_wr_room(struct wk_wr *w, size_t n)
{
	if (w->bad || n > (size_t)(w->end - w->cur)) {
		w->bad = true;
		return NULL;
	}
	uint8_t *p = w->cur;
	w->cur += n;
	return p;
}

static inline void wk_wr_u8(struct wk_wr *w, uint8_t v)
{
	uint8_t *p = wk_wr_room(w, 1);
	if (p)
		p[0] = v;
}

static inline void wk_wr_be16(struct wk_wr *w, uint16_t v)
{
	uint8_t *p = wk_wr_room(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void wk_wr_be32(struct wk_wr *w, uint32_t v)
{
	uint8_t *p = wk_wr_room(w, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void wk_wr_le16(struct wk_wr *w, uint16_t v)
{
	uint8_t *p = wk_wr_room(w, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

static inline void wk_wr_le32(struct wk_wr *w, uint32_t v)
{
	uint8_t *p = wk_wr_room(w, 4);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

static inline void wk_wr_bytes(struct wk_wr *w, const void *src, size_t n)
{
	uint8_t *p = wk_wr_room(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void wk_wr_zero(struct wk_wr *w, size_t n)
{
	uint8_t *p = wk_wr_room(w, n);
	if (p && n)
		memset(p, 0, n);
}

/* A mark is an offset from base; patching a mark that was never written is a no-op. */
static inline size_t wk_wr_mark(const struct wk_wr *w)
{
	return wk_wr_len(w);
}

static inline void wk_wr_patch_be16(struct wk_wr *w, size_t mark, uint16_t v)
{
	if (mark + 2 <= wk_wr_len(w)) {
		w->base[mark] = (uint8_t)(v >> 8);
		w->base[mark + 1] = (uint8_t)v;
	}
}

static inline void wk_wr_patch_u8(struct wk_wr *w, size_t mark, uint8_t v)
{
	if (mark + 1 <= wk_wr_len(w))
		w->base[mark] = v;
}

#ifdef __cplusplus
}
#endif

#endif
