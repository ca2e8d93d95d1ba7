/* Reading ahead of the reader: a thread that faults a big mapping in, and wk_pcap_split,
 * which hands a second reader the second part of a file. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "io/pcapread_int.h"

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

void pcapr_prefault_start(struct wk_pcap_reader *r)
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

void pcapr_prefault_stop(struct wk_pcap_reader *r)
{
	if (!r->pf)
		return;
	__atomic_store_n(&r->pf->stop, true, __ATOMIC_RELAXED);
	pthread_join(r->pf->thread, NULL);
	free(r->pf);
	r->pf = NULL;
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
	struct wk_pcap_reader *b = pcapr_reader_new();
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
	b->next = ng ? pcapr_ng_next : pcapr_pcap_next;
	b->base = r->base;
	b->boff = r->boff;
	b->cur = p;
	b->end = r->end;
	r->split = p;
	/* Two threads now read the file, each faulting its own pages: a third one faulting
	 * ahead would only take their processor time. */
	pcapr_prefault_stop(r);
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
