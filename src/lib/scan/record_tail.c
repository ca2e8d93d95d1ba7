/* Where a resumed scan may append to its --pcapng record (scan/record.c). A scan killed by
 * SIGKILL leaves the record's last block partial (the writer buffers: the kill lands at a
 * buffer's edge, inside a block); a new section written after it would make the whole file
 * unreadable. The walk below reads the file's blocks from the start (only each block's
 * 8-byte header, the SHB's byte-order magic and the 4-byte trailer, through pread in
 * chunks: the file may be large) and finds the end of the last whole block. The file is
 * untrusted input: every byte is read through the cursor. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/io_int.h"
#include "scan/scan_int.h"
#include "wirekit/cursor.h"

#define SHB_MIN_LEN 28u /* type, length, magic, version, section length, trailer */

struct tail_in {
	int fd;
	uint64_t size;
	uint8_t *buf;
	size_t cap;
	uint64_t boff; /* file offset of buf[0] */
	size_t blen;   /* bytes held */
};

/* A cursor over the file from pos, holding at least n bytes (pos + n <= size); the chunk is
 * read again from pos when it does not hold them. */
static int tail_at(struct tail_in *t, uint64_t pos, size_t n, struct wk_rd *rd,
                   struct wk_error *err)
{
	if (pos < t->boff || pos - t->boff > t->blen || t->blen - (pos - t->boff) < n) {
		size_t want = t->size - pos < t->cap ? (size_t)(t->size - pos) : t->cap;
		size_t got = 0;
		while (got < want) {
			ssize_t k = pread(t->fd, t->buf + got, want - got, (off_t)(pos + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return wk_seterr_sys(err, errno, "reading it");
			if (k == 0)
				break;
			got += (size_t)k;
		}
		t->boff = pos;
		t->blen = got;
		if (got < n)
			return wk_seterr(err, WK_EINVAL, "it shrank while it was read");
	}
	size_t at = (size_t)(pos - t->boff);
	wk_rd_init(rd, t->buf + at, t->blen - at);
	return 0;
}

static int not_pcapng(struct wk_error *err)
{
	return wk_seterr(err, WK_EINVAL,
	                 "not a pcapng file (it does not begin with a Section Header Block): "
	                 "not appending to it");
}

int scan_record_whole_end(int fd, uint64_t size, size_t chunk, uint64_t *end, struct wk_error *err)
{
	struct tail_in t = {.fd = fd, .size = size, .cap = chunk < 16 ? 16 : chunk};
	t.buf = malloc(t.cap);
	if (!t.buf)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	uint64_t off = 0;
	bool be = false;
	int rc = 0;
	while (size - off >= 12) {
		struct wk_rd rd;
		rc = tail_at(&t, off, 12, &rd, err);
		if (rc)
			goto out;
		uint32_t type = wk_rd_le32(&rd); /* the SHB's type reads the same in both orders */
		struct wk_rd len = rd;
		wk_rd_skip(&rd, 4);
		uint32_t bom = wk_rd_le32(&rd);
		if (type == PCAPNG_SHB && bom == PCAPNG_BOM)
			be = false;
		else if (type == PCAPNG_SHB && bom == __builtin_bswap32(PCAPNG_BOM))
			be = true;
		else if (off == 0) {
			rc = not_pcapng(err);
			goto out;
		} else if (type == PCAPNG_SHB) {
			rc = wk_seterr(err, WK_EINVAL,
			               "damaged pcapng block at offset %" PRIu64
			               " (bad byte-order magic): not appending after it",
			               off);
			goto out;
		}
		uint32_t blen = be ? wk_rd_be32(&len) : wk_rd_le32(&len);
		if (rd.bad || len.bad) { /* cannot happen: 12 bytes are at hand */
			rc = wk_seterr(err, WK_EINVAL, "short read at offset %" PRIu64, off);
			goto out;
		}
		if (blen < 12 || blen % 4 != 0 || (type == PCAPNG_SHB && blen < SHB_MIN_LEN)) {
			rc = wk_seterr(err, WK_EINVAL,
			               "damaged pcapng block at offset %" PRIu64
			               " (bad block length %" PRIu32 "): not appending after it",
			               off, blen);
			goto out;
		}
		if (blen > size - off)
			break; /* runs past the end: what a kill leaves */
		rc = tail_at(&t, off + blen - 4, 4, &rd, err);
		if (rc)
			goto out;
		uint32_t trailer = be ? wk_rd_be32(&rd) : wk_rd_le32(&rd);
		if (rd.bad || trailer != blen) {
			rc = wk_seterr(err, WK_EINVAL,
			               "damaged pcapng block at offset %" PRIu64 " (length %" PRIu32
			               ", trailing length %" PRIu32 "): not appending after it",
			               off, blen, trailer);
			goto out;
		}
		off += blen;
	}
	if (size < 12) /* too short to show a Section Header Block */
		rc = not_pcapng(err);
	else
		*end = off;
out:
	free(t.buf);
	return rc;
}
