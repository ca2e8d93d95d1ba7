/* pcap and pcapng reader. A regular file is mmap'd and every packet points into the
 * mapping (zero copy, no per-packet system call or allocation); "-", pipes and anything
 * mmap refuses go through a read buffer that grows only as data arrives, up to a cap.
 * Formats: pcap (draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/pcapread_int.h"

int pcapr_next_stuck(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	(void)pkt;
	return r->state;
}

/* Make the outcome in r->err final: every later wk_pcap_next returns it. */
int pcapr_stick(struct wk_pcap_reader *r, int code)
{
	r->err.code = code;
	r->state = code;
	r->next = pcapr_next_stuck;
	return code;
}

__attribute__((format(printf, 3, 4))) int pcapr_damage(struct wk_pcap_reader *r, int code,
                                                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wk_vseterr(&r->err, code, fmt, ap);
	va_end(ap);
	return pcapr_stick(r, code);
}

/* wk_pcap_split: true when this reader has arrived where the second part starts (it
 * then ends there); a reader that went past it was misled and reads on alone. */
bool pcapr_split_stop(struct wk_pcap_reader *r)
{
	if (r->cur < r->split)
		return false;
	r->split_reached = r->cur == r->split;
	r->split = NULL;
	return r->split_reached;
}

int pcapr_truncated(struct wk_pcap_reader *r)
{
	return pcapr_damage(r, WK_ETRUNC, "truncated record at offset %" PRIu64,
	                    offset_of(r, r->cur));
}

int pcapr_at_eof(struct wk_pcap_reader *r)
{
	return pcapr_damage(r, WK_EEOF, "end of file");
}

/* Stream: read until n bytes are at hand. The buffer is compacted when full and doubles
 * only while one record does not fit, so its size follows the data actually received,
 * never a length field. Returns 1, 0 at end of input, or a negative code (in r->err). */
int pcapr_refill(struct wk_pcap_reader *r, size_t n)
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
		return pcapr_ng_open_hdr(r);
	if (magic == SNOOP_MAGIC0 && ensure(r, 8) > 0 && !memcmp(r->cur, "snoop\0\0\0", 8))
		return pcapr_snoop_open_hdr(r);
	uint32_t sw = __builtin_bswap32(magic);
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC || magic == PCAP_MAGIC_KUZ ||
	    sw == PCAP_MAGIC_USEC || sw == PCAP_MAGIC_NSEC || sw == PCAP_MAGIC_KUZ)
		return pcapr_pcap_open_hdr(r, magic);
	return wk_seterr(&r->err, WK_EFORMAT,
	                 "unknown magic 0x%08" PRIx32 " (not a pcap or pcapng file)", sw);
}

struct wk_pcap_reader *pcapr_reader_new(void)
{
	struct wk_pcap_reader *r = calloc(1, sizeof(*r));
	if (r) {
		r->fd = -1;
		r->linktype = -1;
		r->next = pcapr_next_stuck;
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
	struct wk_pcap_reader *r = pcapr_reader_new();
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
	struct wk_pcap_reader *r = pcapr_reader_new();
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
			pcapr_prefault_start(r);
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
	pcapr_prefault_stop(r);
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
	if (unlikely(r->split) && pcapr_split_stop(r)) /* the second reader takes it from here */
		return pcapr_damage(r, WK_EEOF, "end of the first part");
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

const char *wk_pcap_ifname(const struct wk_pcap_reader *r, uint32_t ifid)
{
	if (!r || ifid >= r->nif)
		return NULL;
	return r->ifs[ifid].name[0] ? r->ifs[ifid].name : "unknown";
}

uint64_t wk_pcap_offset(const struct wk_pcap_reader *r)
{
	return offset_of(r, r->cur);
}

uint64_t wk_pcap_count(const struct wk_pcap_reader *r)
{
	return r->count;
}
