/* Shared by the pcap reader and writer tests: a little pcap/pcapng file builder in either
 * byte order, and checks of what a reader returns. Header-only (static inline), so each
 * test uses what it needs. */
#ifndef WK_TEST_PCAP_TEST_H
#define WK_TEST_PCAP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/io_int.h"
#include "wirekit/pcap.h"

/* ---- a little file builder, in either byte order ------------------------------------- */

struct fb {
	uint8_t *p;
	size_t n, cap;
	bool be;
};

static inline void fb_put(struct fb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		while (c < b->n + n)
			c *= 2;
		b->p = realloc(b->p, c);
		assert_non_null(b->p);
		b->cap = c;
	}
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static inline void fb_u8(struct fb *b, uint8_t v)
{
	fb_put(b, &v, 1);
}

static inline void fb_un(struct fb *b, uint64_t v, int bytes)
{
	uint8_t t[8];
	for (int i = 0; i < bytes; i++)
		t[b->be ? bytes - 1 - i : i] = (uint8_t)(v >> (8 * i));
	fb_put(b, t, (size_t)bytes);
}

static inline void fb_u16(struct fb *b, uint16_t v)
{
	fb_un(b, v, 2);
}

static inline void fb_u32(struct fb *b, uint32_t v)
{
	fb_un(b, v, 4);
}

static inline void fb_patch32(struct fb *b, size_t at, uint32_t v)
{
	size_t n = b->n;
	b->n = at;
	fb_u32(b, v);
	b->n = n;
}

static inline void fb_free(struct fb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const uint8_t payload[300] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00, 0x45,
};

static inline void pcap_hdr(struct fb *b, bool nsec, uint16_t major, uint16_t minor,
                            uint32_t snaplen, uint32_t lt)
{
	fb_u32(b, nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC);
	fb_u16(b, major);
	fb_u16(b, minor);
	fb_u32(b, 0);
	fb_u32(b, 0);
	fb_u32(b, snaplen);
	fb_u32(b, lt);
}

static inline void pcap_rec(struct fb *b, uint32_t sec, uint32_t frac, uint32_t caplen,
                            uint32_t wirelen)
{
	fb_u32(b, sec);
	fb_u32(b, frac);
	fb_u32(b, caplen);
	fb_u32(b, wirelen);
	fb_put(b, payload, caplen);
}

static inline size_t ng_begin(struct fb *b, uint32_t type)
{
	size_t m = b->n;
	fb_u32(b, type);
	fb_u32(b, 0);
	return m;
}

static inline void ng_end(struct fb *b, size_t m)
{
	while (b->n % 4)
		fb_u8(b, 0);
	uint32_t len = (uint32_t)(b->n - m + 4);
	fb_u32(b, len);
	fb_patch32(b, m + 4, len);
}

static inline void ng_opt(struct fb *b, uint16_t code, const void *v, uint16_t len)
{
	fb_u16(b, code);
	fb_u16(b, len);
	fb_put(b, v, len);
	while (b->n % 4)
		fb_u8(b, 0);
}

static inline void ng_shb(struct fb *b, bool be)
{
	b->be = be;
	size_t m = ng_begin(b, PCAPNG_SHB);
	fb_u32(b, PCAPNG_BOM);
	fb_u16(b, 1);
	fb_u16(b, 0);
	fb_u32(b, 0xffffffff);
	fb_u32(b, 0xffffffff);
	ng_end(b, m);
}

/* tsresol < 0: no if_tsresol option. */
static inline void ng_idb(struct fb *b, uint16_t lt, uint32_t snap, int tsresol,
                          const int64_t *tsoff)
{
	size_t m = ng_begin(b, PCAPNG_IDB);
	fb_u16(b, lt);
	fb_u16(b, 0);
	fb_u32(b, snap);
	if (tsresol >= 0) {
		uint8_t v = (uint8_t)tsresol;
		ng_opt(b, 2, "eth0", 4); /* if_name, to be skipped */
		ng_opt(b, PCAPNG_IF_TSRESOL, &v, 1);
	}
	if (tsoff) {
		uint8_t v[8];
		for (int i = 0; i < 8; i++)
			v[b->be ? 7 - i : i] = (uint8_t)((uint64_t)*tsoff >> (8 * i));
		ng_opt(b, PCAPNG_IF_TSOFFSET, v, 8);
	}
	if (tsresol >= 0 || tsoff)
		ng_opt(b, 0, NULL, 0);
	ng_end(b, m);
}

static inline void ng_epb(struct fb *b, uint32_t ifid, uint64_t t, uint32_t caplen,
                          uint32_t wirelen, const char *comment)
{
	size_t m = ng_begin(b, PCAPNG_EPB);
	fb_u32(b, ifid);
	fb_u32(b, (uint32_t)(t >> 32));
	fb_u32(b, (uint32_t)t);
	fb_u32(b, caplen);
	fb_u32(b, wirelen);
	fb_put(b, payload, caplen);
	while (b->n % 4)
		fb_u8(b, 0);
	if (comment) {
		ng_opt(b, PCAPNG_OPT_COMMENT, comment, (uint16_t)strlen(comment));
		ng_opt(b, 0, NULL, 0);
	}
	ng_end(b, m);
}

static inline void ng_spb(struct fb *b, uint32_t wirelen, uint32_t ndata)
{
	size_t m = ng_begin(b, PCAPNG_SPB);
	fb_u32(b, wirelen);
	fb_put(b, payload, ndata);
	ng_end(b, m);
}

static inline void ng_pb(struct fb *b, uint16_t ifid, uint64_t t, uint32_t caplen, uint32_t wirelen)
{
	size_t m = ng_begin(b, PCAPNG_PB);
	fb_u16(b, ifid);
	fb_u16(b, 7); /* drops */
	fb_u32(b, (uint32_t)(t >> 32));
	fb_u32(b, (uint32_t)t);
	fb_u32(b, caplen);
	fb_u32(b, wirelen);
	fb_put(b, payload, caplen);
	ng_end(b, m);
}

static inline void ng_other(struct fb *b, uint32_t type, uint32_t nbody)
{
	size_t m = ng_begin(b, type);
	for (uint32_t i = 0; i < nbody; i++)
		fb_u8(b, (uint8_t)i);
	ng_end(b, m);
}

/* ---- helpers ------------------------------------------------------------------------ */

static inline struct wk_pcap_reader *open_fb(const struct fb *b)
{
	struct wk_error e = {0};
	struct wk_pcap_reader *r = wk_pcap_open_mem(b->p, b->n, &e);
	if (!r)
		fail_msg("open: %s", e.msg);
	return r;
}

static inline void expect_pkt(struct wk_pcap_reader *r, uint64_t num, uint32_t caplen,
                              uint32_t wirelen, int64_t sec, uint32_t nsec, uint32_t lt)
{
	struct wk_pkt p;
	memset(&p, 0xee, sizeof(p));
	int rc = wk_pcap_next(r, &p);
	if (rc)
		fail_msg("packet %llu: rc %d (%s)", (unsigned long long)num, rc,
		         wk_pcap_error(r)->msg);
	assert_int_equal(p.number, num);
	assert_int_equal(p.caplen, caplen);
	assert_int_equal(p.wirelen, wirelen);
	assert_int_equal(p.ts_sec, sec);
	assert_int_equal(p.ts_nsec, nsec);
	assert_int_equal(p.linktype, lt);
	assert_memory_equal(p.data, payload, caplen);
}

static inline void expect_end(struct wk_pcap_reader *r, int code, const char *msg)
{
	struct wk_pkt p;
	int rc = wk_pcap_next(r, &p);
	if (rc != code)
		fail_msg("want %d, got %d (%s)", code, rc, wk_pcap_error(r)->msg);
	if (msg)
		assert_string_equal(wk_pcap_error(r)->msg, msg);
	assert_int_equal(wk_pcap_next(r, &p), code); /* sticky */
	assert_int_equal(wk_pcap_error(r)->code, code);
}

static inline void tmp_path(char *path, size_t n, const char *suffix)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	static unsigned seq;
	snprintf(path, n, "%s/wk_test_pcap_%d_%u%s", dir, (int)getpid(), seq++, suffix);
}

static inline void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

#endif
