/* pcapng blocks (draft-ietf-opsawg-pcapng): sections, interfaces with their time units,
 * enhanced, simple and obsolete packet blocks. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcapread_int.h"

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
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad block length %" PRIu32 " at offset %" PRIu64, blen, off);
	/* 1.2 was written by some tools for 1.0 content; libpcap accepts both. */
	if (major != 1 || (minor != 0 && minor != 2))
		return pcapr_damage(r, WK_EFORMAT,
		                    "unsupported pcapng version %u.%u at offset %" PRIu64, major,
		                    minor, off);
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
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad block length %" PRIu32 " at offset %" PRIu64, blen, off);
	uint8_t tsresol = 6;
	bool have_name = false; /* if_name, else if_description, names the interface */
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
		else if (code == PCAPNG_IF_NAME || (code == PCAPNG_IF_DESCR && !have_name)) {
			have_name |= code == PCAPNG_IF_NAME;
			size_t k = 0;
			while (k + 1 < sizeof(f.name) && wk_rd_left(&v)) {
				uint8_t c = wk_rd_u8(&v);
				if (!c)
					break;
				f.name[k++] = (char)c;
			}
			f.name[k] = 0;
		}
	}
	if (!ng_set_tsresol(&f, tsresol))
		return pcapr_damage(r, WK_EFORMAT, "unsupported if_tsresol %u at offset %" PRIu64,
		                    tsresol, off);
	if (r->nif == r->capif) {
		if (r->capif >= MAX_IFACES)
			return pcapr_damage(
			    r, WK_EFORMAT,
			    "more than %u interfaces in a section at offset %" PRIu64, MAX_IFACES,
			    off);
		uint32_t ncap = r->capif ? r->capif * 2 : 4;
		struct ng_if *n = realloc(r->ifs, ncap * sizeof(*n));
		if (!n)
			return pcapr_damage(r, WK_ENOMEM, "out of memory for %u interfaces", ncap);
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
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad block length %" PRIu32 " at offset %" PRIu64, blen, off);
	if (ifid >= r->nif)
		return pcapr_damage(r, WK_EFORMAT,
		                    "packet for unknown interface %" PRIu32 " at offset %" PRIu64,
		                    ifid, off);
	const struct ng_if *f = &r->ifs[ifid];
	/* A Simple Packet Block holds min(original length, snaplen) bytes (section 4.4). */
	if (type == PCAPNG_SPB && f->snaplen && caplen > f->snaplen)
		caplen = f->snaplen;
	size_t room = wk_rd_left(body);
	const uint8_t *data = caplen <= PCAP_MAX_CAPLEN ? wk_rd_bytes(body, caplen) : NULL;
	if (!data)
		return pcapr_damage(
		    r, WK_EFORMAT, "bad caplen %" PRIu32 " at offset %" PRIu64 " (block holds %zu)",
		    caplen, off, room);
	ng_ts(f, t, pkt);
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = f->linktype;
	pkt->ifid = ifid;
	pkt->ctx = NULL;
	pkt->number = ++r->count;
	return 0;
}

/* The block at r->cur: 0 with a packet in pkt, 1 after another block, or a negative
 * code (made final). r->cur moves past the block only when it was good. */
static int ng_block(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc = ensure(r, 1);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_at_eof(r);
	rc = ensure(r, 12);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
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
			return pcapr_damage(r, WK_EFORMAT,
			                    "bad byte-order magic 0x%08" PRIx32
			                    " at offset %" PRIu64,
			                    __builtin_bswap32(bom), off);
	} else if (r->be) {
		type = __builtin_bswap32(type);
	}
	uint32_t blen = rd32(&rd, r->be);
	if (blen < 12 || blen % 4 != 0 || blen > PCAPNG_MAX_BLOCK)
		return pcapr_damage(r, WK_EFORMAT,
		                    "bad block length %" PRIu32 " at offset %" PRIu64, blen, off);
	rc = ensure(r, blen);
	if (rc <= 0)
		return rc < 0 ? pcapr_stick(r, rc) : pcapr_truncated(r);
	wk_rd_init(&rd, r->cur, blen);
	wk_rd_skip(&rd, 8);
	struct wk_rd body = wk_rd_sub(&rd, blen - 12, NULL);
	uint32_t trailer = rd32(&rd, r->be);
	if (trailer != blen)
		return pcapr_damage(r, WK_EFORMAT,
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

int pcapr_ng_next(struct wk_pcap_reader *r, struct wk_pkt *pkt)
{
	int rc;
	do {
		/* blocks other than packets are read in the same call: check before each */
		if (unlikely(r->split) && pcapr_split_stop(r))
			return pcapr_damage(r, WK_EEOF, "end of the first part");
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

int pcapr_ng_open_hdr(struct wk_pcap_reader *r)
{
	r->fmt = WK_PCAP_FMT_PCAPNG;
	r->next = pcapr_ng_next;
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
