/* Solaris snoop files (RFC 1761). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcapread_int.h"

/* ---- snoop (RFC 1761, Solaris) -------------------------------------------------------------- */

/* Big-endian throughout: a 16-byte header ("snoop\0\0\0", version 2, datalink), then records
 * of 24 header bytes (original length, included length, record length with padding,
 * cumulative drops, seconds, microseconds) followed by the data and its padding. */
enum { SNOOP_HDR = 16, SNOOP_REC = 24 };

int pcapr_snoop_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc = ensure(r, 1);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_at_eof(r);
	rc = ensure(r, SNOOP_REC);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
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
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad snoop record lengths (included %" PRIu32
		                    ", record %" PRIu32 ") at offset %" PRIu64,
		                    caplen, reclen, offset_of(r, r->cur));
	rc = ensure(r, reclen);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
	wk_rd_init(&rd, r->cur + SNOOP_REC, reclen - SNOOP_REC);
	const uint8_t *data = wk_rd_bytes(&rd, caplen);
	if (!data)
		return pcapr_truncated(r);
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
	pkt->ctx = NULL;
	pkt->number = ++r->count;
	r->cur += reclen;
	return 0;
}

int pcapr_snoop_open_hdr(struct wk_pcap_reader *r)
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
	r->next = pcapr_snoop_next;
	return 0;
}
