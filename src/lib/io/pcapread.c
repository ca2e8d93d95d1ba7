/* pcap and pcapng reader. A regular file is mmap'd and every packet points into the
 * mapping (zero copy, no per-packet system call or allocation); "-", pipes and anything
 * mmap refuses go through a read buffer that grows only as data arrives, up to a cap.
 * Formats: pcap (draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io_int.h"
#include "wirekit/cursor.h"
#include "wirekit/pcap.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define STREAM_BUF_INIT (256u << 10)
#define STREAM_BUF_MAX  PCAPNG_MAX_BLOCK
/* Interface Description Blocks kept per section; each costs 40 bytes. */
#define MAX_IFACES 65536u

/* How an interface's timestamp units become seconds + nanoseconds (if_tsresol). */
enum ts_kind {
	TS_USEC,    /* 10^-6, the default */
	TS_NSEC,    /* 10^-9 */
	TS_DEC_MUL, /* 10^-r, r < 9: fraction * scale */
	TS_DEC_DIV, /* 10^-r, 9 < r <= 19: fraction / scale */
	TS_BIN,     /* 2^-shift */
};

struct ng_if {
	uint64_t div;   /* units per second (TS_DEC_*) */
	uint64_t scale; /* see enum ts_kind */
	uint64_t tsoffset;
	uint32_t linktype;
	uint32_t snaplen; /* 0: no limit */
	uint8_t kind;
	uint8_t shift;
};

struct wk_pcap_reader {
	/* Hot: the window of bytes at hand and the format's record reader. */
	const uint8_t *cur; /* next record */
	const uint8_t *end; /* end of the bytes at hand (the file end when mapped) */
	int (*next)(struct wk_pcap_reader *r, struct wk_pkt *pkt);
	uint64_t count;
	bool be; /* pcap file or current pcapng section is big-endian */
	/* pcap */
	bool quirks;      /* record header is not the plain 16 bytes of v2.4 */
	uint8_t rechdr;   /* 16, or 24 in Kuznetsov's format */
	uint8_t lenswap;  /* 1: v2.3 (swap when caplen > len), 2: before v2.3 (always) */
	uint32_t tsmul;   /* 1000 (microsecond file) or 1 (nanosecond) */
	uint32_t fraclim; /* 1000000 or 1000000000 */
	/* pcapng: interfaces of the current section */
	struct ng_if *ifs;
	uint32_t nif, capif;
	/* common */
	int linktype; /* first interface's, -1 before one is seen */
	uint32_t snaplen;
	enum wk_pcap_format fmt;
	int state; /* once the end or damage is reached: what every later call returns */
	/* source */
	const uint8_t *base; /* origin of offsets: the mapping, caller memory or buf */
	uint64_t boff;       /* file offset of base */
	void *map;
	size_t maplen;
	uint8_t *buf; /* stream buffer */
	size_t bufcap;
	int fd;
	bool own_fd;
	bool stream;
	bool eof; /* stream: read() returned 0 */
	struct wk_error err;
	/* A big mapping is faulted in by a second thread ahead of the reader (prefault). */
	struct prefault *pf;
	size_t pf_report; /* offset at which to tell it the next progress */
	/* wk_pcap_split: this reader stops where the second part starts, if it gets there */
	const uint8_t *split;
	bool split_reached;
};

/* ---- prefaulting ------------------------------------------------------------------------ */

/* Reading a mapped file costs a page fault every few pages; on a big file that is a good
 * part of the time (about half of a bare walk over the record headers). A second thread
 * maps the pages in ahead of the reader with MADV_POPULATE_READ (Linux 5.14), a window at
 * most PF_WINDOW ahead so a file bigger than memory is not thrashed; the reader then
 * rarely faults. Where the kernel refuses, the thread ends and faults happen as usual. */
enum { PF_MIN = 32 << 20, PF_CHUNK = 2 << 20, PF_WINDOW = 64 << 20 };

struct prefault {
	pthread_t thread;
	const uint8_t *base;
	size_t len;
	size_t consumed; /* atomic: the reader's offset */
	bool stop;       /* atomic */
};

static void *prefault_main(void *arg)
{
	struct prefault *f = arg;
	size_t pos = 0;
	while (pos < f->len && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		if (pos > __atomic_load_n(&f->consumed, __ATOMIC_RELAXED) + PF_WINDOW) {
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
			continue;
		}
		size_t n = f->len - pos < PF_CHUNK ? f->len - pos : PF_CHUNK;
		if (madvise((void *)(uintptr_t)(f->base + pos), n, MADV_POPULATE_READ) != 0)
			break;
		pos += n;
	}
	return NULL;
}

static void prefault_start(struct wk_pcap_reader *r)
{
	if (r->maplen < PF_MIN)
		return;
	struct prefault *f = calloc(1, sizeof(*f));
	if (!f)
		return;
	f->base = r->map;
	f->len = r->maplen;
	/* the thread takes no signal: they stay with the caller's threads */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&f->thread, NULL, prefault_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(f);
		return;
	}
	r->pf = f;
	r->pf_report = PF_CHUNK;
}

static void prefault_stop(struct wk_pcap_reader *r)
{
	if (!r->pf)
		return;
	__atomic_store_n(&r->pf->stop, true, __ATOMIC_RELAXED);
	pthread_join(r->pf->thread, NULL);
	free(r->pf);
	r->pf = NULL;
}

static inline uint64_t offset_of(const struct wk_pcap_reader *r, const uint8_t *p)
{
	return r->boff + (uint64_t)(p - r->base);
}

static inline uint16_t rd16(struct wk_rd *rd, bool be)
{
	return be ? wk_rd_be16(rd) : wk_rd_le16(rd);
}

static inline uint32_t rd32(struct wk_rd *rd, bool be)
{
	return be ? wk_rd_be32(rd) : wk_rd_le32(rd);
}

static int next_stuck(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	(void)pkt;
	return r->state;
}

/* Make the outcome in r->err final: every later wk_pcap_next returns it. */
static int stick(struct wk_pcap_reader *r, int code)
{
	r->err.code = code;
	r->state = code;
	r->next = next_stuck;
	return code;
}

__attribute__((format(printf, 3, 4))) static int damage(struct wk_pcap_reader *r, int code,
                                                        const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wk_vseterr(&r->err, code, fmt, ap);
	va_end(ap);
	return stick(r, code);
}

/* wk_pcap_split: true when this reader has arrived where the second part starts (it
 * then ends there); a reader that went past it was misled and reads on alone. */
static bool split_stop(struct wk_pcap_reader *r)
{
	if (r->cur < r->split)
		return false;
	r->split_reached = r->cur == r->split;
	r->split = NULL;
	return r->split_reached;
}

static int truncated(struct wk_pcap_reader *r)
{
	return damage(r, WK_ETRUNC, "truncated record at offset %" PRIu64, offset_of(r, r->cur));
}

static int at_eof(struct wk_pcap_reader *r)
{
	return damage(r, WK_EEOF, "end of file");
}

/* Stream: read until n bytes are at hand. The buffer is compacted when full and doubles
 * only while one record does not fit, so its size follows the data actually received,
 * never a length field. Returns 1, 0 at end of input, or a negative code (in r->err). */
static int refill(struct wk_pcap_reader *r, size_t n)
{
	size_t have = (size_t)(r->end - r->cur);
	if (n > STREAM_BUF_MAX)
		return 0;
	while (have < n && !r->eof) {
		size_t used = (size_t)(r->end - r->buf);
		if (used == r->bufcap) {
			size_t skip = (size_t)(r->cur - r->buf);
			if (skip > 0) {
				memmove(r->buf, r->cur, have);
				r->boff += skip;
			} else {
				size_t ncap = r->bufcap * 2;
				if (ncap > STREAM_BUF_MAX)
					ncap = STREAM_BUF_MAX;
				if (ncap == r->bufcap) /* n <= STREAM_BUF_MAX: not reached */
					return 0;
				uint8_t *nb = realloc(r->buf, ncap);
				if (!nb)
					return wk_seterr(&r->err, WK_ENOMEM,
					                 "out of memory for a %zu-byte read buffer",
					                 ncap);
				r->buf = nb;
				r->bufcap = ncap;
			}
			r->base = r->buf;
			r->cur = r->buf;
			r->end = r->buf + have;
			continue;
		}
		ssize_t k = read(r->fd, r->buf + used, r->bufcap - used);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return wk_seterr_sys(&r->err, errno, "read");
		}
		if (k == 0) {
			r->eof = true;
			break;
		}
		r->end += k;
		have += (size_t)k;
	}
	return have >= n;
}

/* 1 when n bytes are at hand at r->cur, 0 when the input ends first, negative on error. */
static inline int ensure(struct wk_pcap_reader *r, size_t n)
{
	if (likely((size_t)(r->end - r->cur) >= n))
		return 1;
	return r->stream ? refill(r, n) : 0;
}

/* ---- pcap ------------------------------------------------------------------------------ */

/* Old files (before v2.3, and DG/UX 543.0) have caplen and len the other way round; v2.3
 * files were written both ways, so swap only when the order is impossible. */
static inline void pcap_fix_lens(const struct wk_pcap_reader *r, uint32_t *caplen,
                                 uint32_t *wirelen)
{
	if (r->lenswap == 2 || (r->lenswap == 1 && *caplen > *wirelen)) {
		uint32_t t = *caplen;
		*caplen = *wirelen;
		*wirelen = t;
	}
}

/* The record at r->cur into pkt: 0, or 1 when the bytes at hand do not hold a sane record
 * (the caller finds out why). The one hot loop of the reader. */
static inline int pcap_parse(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, (size_t)(r->end - r->cur));
	/* the four header words from one bounds-checked span */
	const uint8_t *h = wk_rd_bytes(&rd, 16);
	if (unlikely(!h))
		return 1;
	uint32_t w[4];
	memcpy(w, h, 16);
	if (r->be != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)) /* the file's order is not ours */
		for (int i = 0; i < 4; i++)
			w[i] = __builtin_bswap32(w[i]);
	uint32_t sec = w[0], frac = w[1], caplen = w[2], wirelen = w[3];
	if (unlikely(r->quirks)) {
		wk_rd_skip(&rd, r->rechdr - 16u);
		pcap_fix_lens(r, &caplen, &wirelen);
	}
	const uint8_t *data = likely(caplen <= PCAP_MAX_CAPLEN) ? wk_rd_bytes(&rd, caplen) : NULL;
	if (unlikely(!data))
		return 1;
	/* Seconds are unsigned 32-bit (good until 2106); a fraction of a second or more is
	 * carried into the seconds so ts_nsec stays below 10^9. */
	int64_t s = sec;
	if (unlikely(frac >= r->fraclim)) {
		s += frac / r->fraclim;
		frac %= r->fraclim;
	}
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->ts_sec = s;
	pkt->ts_nsec = frac * r->tsmul;
	pkt->linktype = (uint32_t)r->linktype;
	pkt->ifid = 0;
	pkt->number = ++r->count;
	r->cur = rd.cur;
	/* the next record: its header and first bytes arrive while this one is worked on */
	__builtin_prefetch(rd.cur);
	__builtin_prefetch(rd.cur + 64);
	return 0;
}

/* Why the record at r->cur did not parse: end of file, truncation or damage; in a stream,
 * read more and parse it. */
static __attribute__((noinline)) int pcap_slow(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc = ensure(r, 1);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : at_eof(r);
	rc = ensure(r, r->rechdr);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, r->rechdr);
	wk_rd_skip(&rd, 8);
	uint32_t caplen = rd32(&rd, r->be);
	uint32_t wirelen = rd32(&rd, r->be);
	pcap_fix_lens(r, &caplen, &wirelen);
	if (caplen > PCAP_MAX_CAPLEN)
		return damage(r, WK_EFORMAT,
		              "bad caplen %" PRIu32 " at offset %" PRIu64 " (limit %u)", caplen,
		              offset_of(r, r->cur), PCAP_MAX_CAPLEN);
	rc = ensure(r, (size_t)r->rechdr + caplen);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	if (pcap_parse(r, pkt) != 0)
		return truncated(r); /* not reached: the whole record is at hand */
	return 0;
}

static int pcap_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	if (likely(pcap_parse(r, pkt) == 0))
		return 0;
	return pcap_slow(r, pkt);
}

/* The 24-byte file header; magic is the first four bytes read little-endian. */
static int pcap_open_hdr(struct wk_pcap_reader *r, uint32_t magic)
{
	uint32_t m = magic;
	r->be = false;
	if (m != PCAP_MAGIC_USEC && m != PCAP_MAGIC_NSEC && m != PCAP_MAGIC_KUZ) {
		m = __builtin_bswap32(magic);
		r->be = true;
	}
	int rc = ensure(r, 24);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return wk_seterr(&r->err, WK_ETRUNC, "truncated pcap file header (%zu of 24 bytes)",
		                 (size_t)(r->end - r->cur));
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, 24);
	wk_rd_skip(&rd, 4);
	uint16_t major = rd16(&rd, r->be);
	uint16_t minor = rd16(&rd, r->be);
	wk_rd_skip(&rd, 8); /* thiszone and sigfigs: always 0 in practice, ignored by all */
	r->snaplen = rd32(&rd, r->be);
	uint32_t lt = rd32(&rd, r->be);
	if (!((major == 2) || (major == 543 && minor == 0)))
		return wk_seterr(&r->err, WK_EFORMAT, "unsupported pcap version %u.%u", major,
		                 minor);
	/* The upper 6 bits of the link type field say whether frames end with an FCS and
	 * how long it is (draft-ietf-opsawg-pcap section 4, as libpcap's LT_LINKTYPE). */
	r->linktype = (int)(lt & 0x03ffffffu);
	r->tsmul = m == PCAP_MAGIC_NSEC ? 1 : 1000;
	r->fraclim = m == PCAP_MAGIC_NSEC ? 1000000000u : 1000000u;
	r->rechdr = m == PCAP_MAGIC_KUZ ? 24 : 16;
	r->lenswap = major == 543 || minor < 3 ? 2 : minor == 3 ? 1 : 0;
	r->quirks = r->rechdr != 16 || r->lenswap != 0;
	r->fmt = WK_PCAP_FMT_PCAP;
	r->cur += 24;
	r->next = pcap_next;
	return 0;
}

/* ---- pcapng ---------------------------------------------------------------------------- */

/* if_tsresol: bit 7 clear, 10^-v seconds; set, 2^-(v & 0x7f). */
static bool ng_set_tsresol(struct ng_if *f, uint8_t v)
{
	if (v & 0x80) {
		f->kind = TS_BIN;
		f->shift = v & 0x7f;
		return true;
	}
	if (v > 19) /* 10^20 does not fit in 64 bits */
		return false;
	if (v == 6) {
		f->kind = TS_USEC;
		return true;
	}
	if (v == 9) {
		f->kind = TS_NSEC;
		return true;
	}
	uint64_t div = 1, scale = 1;
	for (unsigned i = 0; i < v; i++)
		div *= 10;
	if (v < 9) {
		for (unsigned i = v; i < 9; i++)
			scale *= 10;
		f->kind = TS_DEC_MUL;
	} else {
		for (unsigned i = 9; i < v; i++)
			scale *= 10;
		f->kind = TS_DEC_DIV;
	}
	f->div = div;
	f->scale = scale;
	return true;
}

/* Timestamp t in the interface's units to seconds + nanoseconds. Unsigned arithmetic:
 * a nonsense timestamp wraps instead of being undefined. */
static inline void ng_ts(const struct ng_if *f, uint64_t t, struct wk_pkt *pkt)
{
	uint64_t sec, ns;
	switch (f->kind) {
	case TS_USEC:
		sec = t / 1000000u;
		ns = t % 1000000u * 1000u;
		break;
	case TS_NSEC:
		sec = t / 1000000000u;
		ns = t % 1000000000u;
		break;
	case TS_DEC_MUL:
		sec = t / f->div;
		ns = t % f->div * f->scale;
		break;
	case TS_DEC_DIV:
		sec = t / f->div;
		ns = t % f->div / f->scale;
		break;
	default: { /* TS_BIN: the fraction times 10^9 needs up to 64 + 30 bits */
		uint64_t frac = f->shift >= 64 ? t : t & ((UINT64_C(1) << f->shift) - 1);
		sec = f->shift >= 64 ? 0 : t >> f->shift;
		ns = (uint64_t)(((unsigned __int128)frac * 1000000000u) >> f->shift);
		break;
	}
	}
	pkt->ts_sec = (int64_t)(sec + f->tsoffset);
	pkt->ts_nsec = (uint32_t)ns;
}

static int ng_shb(struct wk_pcap_reader *r, struct wk_rd *body, uint32_t blen, uint64_t off)
{
	wk_rd_skip(body, 4); /* byte-order magic, already checked */
	uint16_t major = rd16(body, r->be);
	uint16_t minor = rd16(body, r->be);
	wk_rd_skip(body, 8); /* section length: may be -1, not needed */
	if (body->bad)
		return damage(r, WK_EFORMAT, "bad block length %" PRIu32 " at offset %" PRIu64,
		              blen, off);
	/* 1.2 was written by some tools for 1.0 content; libpcap accepts both. */
	if (major != 1 || (minor != 0 && minor != 2))
		return damage(r, WK_EFORMAT, "unsupported pcapng version %u.%u at offset %" PRIu64,
		              major, minor, off);
	r->nif = 0; /* interfaces are numbered per section */
	return 1;
}

static int ng_idb(struct wk_pcap_reader *r, struct wk_rd *body, uint32_t blen, uint64_t off)
{
	struct ng_if f = {.kind = TS_USEC};
	f.linktype = rd16(body, r->be);
	wk_rd_skip(body, 2);
	f.snaplen = rd32(body, r->be);
	if (body->bad)
		return damage(r, WK_EFORMAT, "bad block length %" PRIu32 " at offset %" PRIu64,
		              blen, off);
	uint8_t tsresol = 6;
	/* Options (section 3.5): code, length, value padded to 32 bits. A malformed option
	 * ends the list; what came before it stands. */
	while (wk_rd_left(body) >= 4) {
		uint16_t code = rd16(body, r->be);
		uint16_t len = rd16(body, r->be);
		bool short_val;
		struct wk_rd v = wk_rd_sub(body, len, &short_val);
		if (short_val || code == PCAPNG_OPT_END)
			break;
		wk_rd_skip(body, (4u - len % 4u) % 4u);
		if (code == PCAPNG_IF_TSRESOL && len == 1)
			tsresol = wk_rd_u8(&v);
		else if (code == PCAPNG_IF_TSOFFSET && len == 8)
			f.tsoffset = r->be ? wk_rd_be64(&v) : wk_rd_le64(&v);
	}
	if (!ng_set_tsresol(&f, tsresol))
		return damage(r, WK_EFORMAT, "unsupported if_tsresol %u at offset %" PRIu64,
		              tsresol, off);
	if (r->nif == r->capif) {
		if (r->capif >= MAX_IFACES)
			return damage(r, WK_EFORMAT,
			              "more than %u interfaces in a section at offset %" PRIu64,
			              MAX_IFACES, off);
		uint32_t ncap = r->capif ? r->capif * 2 : 4;
		struct ng_if *n = realloc(r->ifs, ncap * sizeof(*n));
		if (!n)
			return damage(r, WK_ENOMEM, "out of memory for %u interfaces", ncap);
		r->ifs = n;
		r->capif = ncap;
	}
	r->ifs[r->nif++] = f;
	if (r->linktype < 0) {
		r->linktype = (int)f.linktype;
		r->snaplen = f.snaplen;
	}
	return 1;
}

/* Enhanced (6), Simple (3) and obsolete (2) Packet Blocks. */
static int ng_pkt(struct wk_pcap_reader *r, uint32_t type, struct wk_rd *body, uint32_t blen,
                  uint64_t off, struct wk_pkt *pkt)
{
	uint32_t ifid = 0, caplen, wirelen;
	uint64_t t = 0;
	if (type == PCAPNG_SPB) {
		wirelen = rd32(body, r->be);
		caplen = wirelen;
	} else {
		if (type == PCAPNG_EPB) {
			ifid = rd32(body, r->be);
		} else {
			ifid = rd16(body, r->be);
			wk_rd_skip(body, 2); /* drops count */
		}
		t = (uint64_t)rd32(body, r->be) << 32;
		t |= rd32(body, r->be);
		caplen = rd32(body, r->be);
		wirelen = rd32(body, r->be);
	}
	if (body->bad)
		return damage(r, WK_EFORMAT, "bad block length %" PRIu32 " at offset %" PRIu64,
		              blen, off);
	if (ifid >= r->nif)
		return damage(r, WK_EFORMAT,
		              "packet for unknown interface %" PRIu32 " at offset %" PRIu64, ifid,
		              off);
	const struct ng_if *f = &r->ifs[ifid];
	/* A Simple Packet Block holds min(original length, snaplen) bytes (section 4.4). */
	if (type == PCAPNG_SPB && f->snaplen && caplen > f->snaplen)
		caplen = f->snaplen;
	size_t room = wk_rd_left(body);
	const uint8_t *data = caplen <= PCAP_MAX_CAPLEN ? wk_rd_bytes(body, caplen) : NULL;
	if (!data)
		return damage(r, WK_EFORMAT,
		              "bad caplen %" PRIu32 " at offset %" PRIu64 " (block holds %zu)",
		              caplen, off, room);
	ng_ts(f, t, pkt);
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = f->linktype;
	pkt->ifid = ifid;
	pkt->number = ++r->count;
	return 0;
}

/* The block at r->cur: 0 with a packet in pkt, 1 after another block, or a negative
 * code (made final). r->cur moves past the block only when it was good. */
static int ng_block(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc = ensure(r, 1);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : at_eof(r);
	rc = ensure(r, 12);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	uint64_t off = offset_of(r, r->cur);
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, 12);
	uint32_t type = wk_rd_le32(&rd);
	if (type == PCAPNG_SHB) {
		/* The SHB type reads the same in both orders; its byte-order magic sets the
		 * order of this section (section 4.1). */
		struct wk_rd m = rd;
		wk_rd_skip(&m, 4);
		uint32_t bom = wk_rd_le32(&m);
		if (bom == PCAPNG_BOM)
			r->be = false;
		else if (bom == __builtin_bswap32(PCAPNG_BOM))
			r->be = true;
		else
			return damage(r, WK_EFORMAT,
			              "bad byte-order magic 0x%08" PRIx32 " at offset %" PRIu64,
			              __builtin_bswap32(bom), off);
	} else if (r->be) {
		type = __builtin_bswap32(type);
	}
	uint32_t blen = rd32(&rd, r->be);
	if (blen < 12 || blen % 4 != 0 || blen > PCAPNG_MAX_BLOCK)
		return damage(r, WK_EFORMAT, "bad block length %" PRIu32 " at offset %" PRIu64,
		              blen, off);
	rc = ensure(r, blen);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	wk_rd_init(&rd, r->cur, blen);
	wk_rd_skip(&rd, 8);
	struct wk_rd body = wk_rd_sub(&rd, blen - 12, NULL);
	uint32_t trailer = rd32(&rd, r->be);
	if (trailer != blen)
		return damage(r, WK_EFORMAT,
		              "block length mismatch at offset %" PRIu64 " (header %" PRIu32
		              ", trailer %" PRIu32 ")",
		              off, blen, trailer);
	switch (type) {
	case PCAPNG_EPB:
	case PCAPNG_SPB:
	case PCAPNG_PB:
		rc = ng_pkt(r, type, &body, blen, off, pkt);
		break;
	case PCAPNG_IDB:
		r->split = NULL; /* an interface the second reader would not know: read alone */
		rc = ng_idb(r, &body, blen, off);
		break;
	case PCAPNG_SHB:
		r->split = NULL; /* likewise a new section */
		rc = ng_shb(r, &body, blen, off);
		break;
	default: /* name resolution, statistics, custom, decryption secrets...: skipped */
		rc = 1;
		break;
	}
	if (rc >= 0)
		r->cur += blen;
	return rc;
}

static int ng_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc;
	do {
		/* blocks other than packets are read in the same call: check before each */
		if (unlikely(r->split) && split_stop(r))
			return damage(r, WK_EEOF, "end of the first part");
		rc = ng_block(r, pkt);
	} while (rc == 1);
	return rc;
}

static bool ng_packet_ahead(struct wk_pcap_reader *r)
{
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, (size_t)(r->end - r->cur));
	uint32_t type = rd32(&rd, r->be);
	return type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_PB;
}

static int ng_open_hdr(struct wk_pcap_reader *r)
{
	r->fmt = WK_PCAP_FMT_PCAPNG;
	r->next = ng_next;
	int rc = ng_block(r, NULL); /* the magic says an SHB is at r->cur: no packet */
	if (rc < 0) {
		if (rc == WK_EEOF) /* cannot happen: the magic is at hand */
			return wk_seterr(&r->err, WK_ETRUNC, "truncated pcapng header");
		return rc;
	}
	/* Read the blocks before the first packet, so wk_pcap_linktype knows the first
	 * interface right after opening. Damage there is kept for wk_pcap_next to report. */
	while (r->state == 0 && ensure(r, 4) > 0 && !ng_packet_ahead(r))
		ng_block(r, NULL);
	return 0;
}

/* ---- opening --------------------------------------------------------------------------- */

/* ---- snoop (RFC 1761, Solaris) -------------------------------------------------------------- */

/* Big-endian throughout: a 16-byte header ("snoop\0\0\0", version 2, datalink), then records
 * of 24 header bytes (original length, included length, record length with padding,
 * cumulative drops, seconds, microseconds) followed by the data and its padding. */
enum { SNOOP_HDR = 16, SNOOP_REC = 24 };
#define SNOOP_MAGIC0 0x6f6f6e73u /* "snoo" read little-endian */

static int snoop_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc = ensure(r, 1);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : at_eof(r);
	rc = ensure(r, SNOOP_REC);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, (size_t)(r->end - r->cur));
	uint32_t wirelen = wk_rd_be32(&rd);
	uint32_t caplen = wk_rd_be32(&rd);
	uint32_t reclen = wk_rd_be32(&rd);
	wk_rd_skip(&rd, 4); /* cumulative drops */
	uint32_t sec = wk_rd_be32(&rd);
	uint32_t usec = wk_rd_be32(&rd);
	if (caplen > PCAP_MAX_CAPLEN || reclen < SNOOP_REC + (uint64_t)caplen ||
	    reclen > SNOOP_REC + (uint64_t)caplen + 4096)
		return damage(r, WK_EFORMAT,
		              "bad snoop record lengths (included %" PRIu32 ", record %" PRIu32
		              ") at offset %" PRIu64,
		              caplen, reclen, offset_of(r, r->cur));
	rc = ensure(r, reclen);
	if (rc <= 0)
		return rc < 0 ? stick(r, rc) : truncated(r);
	wk_rd_init(&rd, r->cur + SNOOP_REC, reclen - SNOOP_REC);
	const uint8_t *data = wk_rd_bytes(&rd, caplen);
	if (!data)
		return truncated(r);
	int64_t s = sec;
	if (usec >= 1000000) {
		s += usec / 1000000;
		usec %= 1000000;
	}
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen < caplen ? caplen : wirelen;
	pkt->ts_sec = s;
	pkt->ts_nsec = usec * 1000;
	pkt->linktype = (uint32_t)r->linktype;
	pkt->ifid = 0;
	pkt->number = ++r->count;
	r->cur += reclen;
	return 0;
}

static int snoop_open_hdr(struct wk_pcap_reader *r)
{
	int rc = ensure(r, SNOOP_HDR);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return wk_seterr(&r->err, WK_ETRUNC, "truncated snoop file header");
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur + 8, SNOOP_HDR - 8);
	uint32_t version = wk_rd_be32(&rd);
	uint32_t dl = wk_rd_be32(&rd);
	if (version != 2)
		return wk_seterr(&r->err, WK_EFORMAT, "unsupported snoop version %" PRIu32,
		                 version);
	/* snoop datalink codes to pcap link types (the ones libpcap-era tools map too). */
	static const struct {
		uint32_t snoop, linktype;
	} map[] = {{0, 1}, {4, 1}, {8, 10}, {2, 6}};
	r->linktype = -1;
	for (size_t i = 0; i < WK_ARRAY_SIZE(map); i++)
		if (map[i].snoop == dl)
			r->linktype = (int)map[i].linktype;
	if (r->linktype < 0)
		return wk_seterr(&r->err, WK_EUNSUP, "unsupported snoop datalink type %" PRIu32,
		                 dl);
	r->snaplen = 0;
	r->fmt = WK_PCAP_FMT_SNOOP;
	r->be = true;
	r->cur += SNOOP_HDR;
	r->next = snoop_next;
	return 0;
}

static int open_format(struct wk_pcap_reader *r)
{
	int rc = ensure(r, 4);
	if (rc < 0)
		return rc;
	size_t have = (size_t)(r->end - r->cur);
	if (have == 0)
		return wk_seterr(&r->err, WK_ETRUNC, "empty file (no pcap or pcapng header)");
	if (rc == 0)
		return wk_seterr(&r->err, WK_ETRUNC, "truncated file header (%zu bytes)", have);
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, 4);
	uint32_t magic = wk_rd_le32(&rd);
	if (magic == PCAPNG_SHB)
		return ng_open_hdr(r);
	if (magic == SNOOP_MAGIC0 && ensure(r, 8) > 0 && !memcmp(r->cur, "snoop\0\0\0", 8))
		return snoop_open_hdr(r);
	uint32_t sw = __builtin_bswap32(magic);
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC || magic == PCAP_MAGIC_KUZ ||
	    sw == PCAP_MAGIC_USEC || sw == PCAP_MAGIC_NSEC || sw == PCAP_MAGIC_KUZ)
		return pcap_open_hdr(r, magic);
	return wk_seterr(&r->err, WK_EFORMAT,
	                 "unknown magic 0x%08" PRIx32 " (not a pcap or pcapng file)", sw);
}

static struct wk_pcap_reader *reader_new(void)
{
	struct wk_pcap_reader *r = calloc(1, sizeof(*r));
	if (r) {
		r->fd = -1;
		r->linktype = -1;
		r->next = next_stuck;
	}
	return r;
}

/* Finish opening: read the file header; on failure copy the message out and free r. */
static struct wk_pcap_reader *reader_start(struct wk_pcap_reader *r, struct wk_error *err)
{
	int rc = open_format(r);
	if (rc < 0) {
		if (err) {
			*err = r->err;
			err->code = rc;
		}
		wk_pcap_close(r);
		return NULL;
	}
	return r;
}

struct wk_pcap_reader *wk_pcap_open_mem(const void *p, size_t n, struct wk_error *err)
{
	if (!p && n) {
		wk_seterr(err, WK_EINVAL, "NULL buffer");
		return NULL;
	}
	struct wk_pcap_reader *r = reader_new();
	if (!r) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	static const uint8_t none;
	r->base = p ? p : &none;
	r->cur = r->base;
	r->end = r->base + n;
	return reader_start(r, err);
}

struct wk_pcap_reader *wk_pcap_open(const char *path, struct wk_error *err)
{
	if (!path) {
		wk_seterr(err, WK_EINVAL, "NULL path");
		return NULL;
	}
	struct wk_pcap_reader *r = reader_new();
	if (!r) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	struct stat st;
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			wk_seterr_sys(err, errno, "open");
			wk_pcap_close(r);
			return NULL;
		}
		r->own_fd = true;
	}
	if (fstat(r->fd, &st) != 0) {
		wk_seterr_sys(err, errno, "fstat");
		wk_pcap_close(r);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		wk_seterr(err, WK_EINVAL, "is a directory");
		wk_pcap_close(r);
		return NULL;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->map = m;
			r->maplen = (size_t)st.st_size;
			prefault_start(r);
			r->base = m;
			r->cur = m;
			r->end = r->base + r->maplen;
			if (r->own_fd) {
				close(r->fd);
				r->fd = -1;
				r->own_fd = false;
			}
			return reader_start(r, err);
		}
	}
	/* Pipes, character devices, empty or unmappable files: read through a buffer. A
	 * bigger pipe means fewer reads and context switches (best effort). */
	if (S_ISFIFO(st.st_mode))
		fcntl(r->fd, F_SETPIPE_SZ, 1 << 20);
	r->buf = malloc(STREAM_BUF_INIT);
	if (!r->buf) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		wk_pcap_close(r);
		return NULL;
	}
	r->bufcap = STREAM_BUF_INIT;
	r->stream = true;
	r->base = r->buf;
	r->cur = r->buf;
	r->end = r->buf;
	return reader_start(r, err);
}

void wk_pcap_close(struct wk_pcap_reader *r)
{
	if (!r)
		return;
	prefault_stop(r);
	if (r->map)
		munmap(r->map, r->maplen);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->ifs);
	free(r);
}

int wk_pcap_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	if (unlikely(r->split) && split_stop(r)) /* the second reader takes it from here */
		return damage(r, WK_EEOF, "end of the first part");
	int rc = r->next(r, pkt);
	if (r->pf && (size_t)(r->cur - r->base) >= r->pf_report) {
		size_t off = (size_t)(r->cur - r->base);
		__atomic_store_n(&r->pf->consumed, off, __ATOMIC_RELAXED);
		r->pf_report = off + PF_CHUNK;
	}
	return rc;
}

const struct wk_error *wk_pcap_error(const struct wk_pcap_reader *r)
{
	return &r->err;
}

enum wk_pcap_format wk_pcap_format(const struct wk_pcap_reader *r)
{
	return r->fmt;
}

int wk_pcap_linktype(const struct wk_pcap_reader *r)
{
	return r->linktype;
}

uint32_t wk_pcap_snaplen(const struct wk_pcap_reader *r)
{
	return r->snaplen;
}

uint64_t wk_pcap_offset(const struct wk_pcap_reader *r)
{
	return offset_of(r, r->cur);
}

uint64_t wk_pcap_count(const struct wk_pcap_reader *r)
{
	return r->count;
}

/* ---- splitting -------------------------------------------------------------------------- */

/* The second part starts SPLIT_AT% into the file, not half-way: the first reader's thread
 * also merges, prints and unmaps at the end (perf: 53/47 split of the time at 45%,
 * 60/40 at 50%, on the bench capture). */
enum { SPLIT_MIN = 16 << 20, SPLIT_SCAN = 1 << 20, SPLIT_CHAIN = 128, SPLIT_AT = 45 };

/* Could a pcap record header start at p? Then the SPLIT_CHAIN records from p, each where
 * the last one ends, must be sane and inside the file: a caplen within the snapshot
 * length and the wire length, not empty on the wire (zeroed bytes look like empty
 * records), a fraction of a second below one second, seconds within a day of the first
 * record's. A wrong guess costs only the parallelism (see wk_pcap_next). */
static bool chain_at(const struct wk_pcap_reader *r, const uint8_t *p)
{
	uint32_t sec0 = 0;
	for (int i = 0; i < SPLIT_CHAIN; i++) {
		struct wk_rd rd;
		wk_rd_init(&rd, p, (size_t)(r->end - p));
		uint32_t sec = rd32(&rd, r->be), frac = rd32(&rd, r->be);
		uint32_t caplen = rd32(&rd, r->be), wirelen = rd32(&rd, r->be);
		if (i == 0)
			sec0 = sec;
		uint32_t dt = sec > sec0 ? sec - sec0 : sec0 - sec;
		if (rd.bad || frac >= r->fraclim || caplen > PCAP_MAX_CAPLEN ||
		    (r->snaplen && caplen > r->snaplen) || caplen > wirelen || wirelen == 0 ||
		    dt > 86400)
			return false;
		if (!wk_rd_skip(&rd, caplen))
			return false;
		p = rd.cur;
		if (p == r->end)
			return true; /* the file ends right after a record */
	}
	return true;
}

/* The same for a pcapng block: a known length (a multiple of 4, at least 12) repeated in
 * its trailer, a packet's interface among those of the section so far, block after block,
 * from a 32-bit boundary of the file. */
static bool ng_chain_at(const struct wk_pcap_reader *r, const uint8_t *p)
{
	if ((size_t)(p - r->base) % 4)
		return false;
	for (int i = 0; i < SPLIT_CHAIN; i++) {
		struct wk_rd rd;
		wk_rd_init(&rd, p, (size_t)(r->end - p));
		uint32_t type = rd32(&rd, r->be), blen = rd32(&rd, r->be);
		uint32_t ifid = rd32(&rd, r->be);
		if (rd.bad || blen < 12 || blen % 4 || blen > PCAPNG_MAX_BLOCK ||
		    blen > (size_t)(r->end - p) || (type == PCAPNG_EPB && ifid >= r->nif))
			return false;
		wk_rd_init(&rd, p + blen - 4, 4);
		if (rd32(&rd, r->be) != blen)
			return false;
		p += blen;
		if (p == r->end)
			return true;
	}
	return true;
}

struct wk_pcap_reader *wk_pcap_split(struct wk_pcap_reader *r)
{
	if (!r || !r->map || r->stream || r->quirks || r->count || r->split ||
	    r->maplen < SPLIT_MIN || r->state ||
	    (r->fmt != WK_PCAP_FMT_PCAP && r->fmt != WK_PCAP_FMT_PCAPNG))
		return NULL;
	bool ng = r->fmt == WK_PCAP_FMT_PCAPNG;
	const uint8_t *mid = r->base + r->maplen / 100 * SPLIT_AT, *p = NULL;
	for (size_t k = 0; k < SPLIT_SCAN && mid + k + 16 <= r->end; k++)
		if (ng ? ng_chain_at(r, mid + k) : chain_at(r, mid + k)) {
			p = mid + k;
			break;
		}
	if (!p)
		return NULL;
	struct wk_pcap_reader *b = reader_new();
	if (!b)
		return NULL;
	if (ng && r->nif) { /* the section's interfaces as r knows them now */
		b->ifs = malloc(r->nif * sizeof(*b->ifs));
		if (!b->ifs) {
			wk_pcap_close(b);
			return NULL;
		}
		memcpy(b->ifs, r->ifs, r->nif * sizeof(*b->ifs));
		b->nif = b->capif = r->nif;
	}
	/* the same format over the same mapping, from p; r keeps the mapping and unmaps it */
	b->be = r->be;
	b->rechdr = r->rechdr;
	b->tsmul = r->tsmul;
	b->fraclim = r->fraclim;
	b->linktype = r->linktype;
	b->snaplen = r->snaplen;
	b->fmt = r->fmt;
	b->next = ng ? ng_next : pcap_next;
	b->base = r->base;
	b->boff = r->boff;
	b->cur = p;
	b->end = r->end;
	r->split = p;
	/* Two threads now read the file, each faulting its own pages: a third one faulting
	 * ahead would only take their processor time. */
	prefault_stop(r);
	return b;
}

bool wk_pcap_split_reached(const struct wk_pcap_reader *r)
{
	return r->split_reached;
}

void wk_pcap_unsplit(struct wk_pcap_reader *r)
{
	if (r && !r->split_reached)
		r->split = NULL;
}
