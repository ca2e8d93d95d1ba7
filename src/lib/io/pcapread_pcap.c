/* pcap records (draft-ietf-opsawg-pcap): the plain 16-byte headers on the fast path, old
 * and patched variants on a slow one. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcapread_int.h"

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
	pkt->ctx = NULL;
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
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_at_eof(r);
	rc = ensure(r, r->rechdr);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
	struct wk_rd rd;
	wk_rd_init(&rd, r->cur, r->rechdr);
	wk_rd_skip(&rd, 8);
	uint32_t caplen = rd32(&rd, r->be);
	uint32_t wirelen = rd32(&rd, r->be);
	pcap_fix_lens(r, &caplen, &wirelen);
	if (caplen > PCAP_MAX_CAPLEN)
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad caplen %" PRIu32 " at offset %" PRIu64 " (limit %u)",
		                    caplen, offset_of(r, r->cur), PCAP_MAX_CAPLEN);
	rc = ensure(r, (size_t)r->rechdr + caplen);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
	if (pcap_parse(r, pkt) != 0)
		return pcapr_truncated(r); /* not reached: the whole record is at hand */
	return 0;
}

int pcapr_pcap_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	if (likely(pcap_parse(r, pkt) == 0))
		return 0;
	return pcap_slow(r, pkt);
}

/* The 24-byte file header; magic is the first four bytes read little-endian. */
int pcapr_pcap_open_hdr(struct wk_pcap_reader *r, uint32_t magic)
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
	r->next = pcapr_pcap_next;
	return 0;
}
