/* Sending loops (tx.h, wk_txrun): paced (each packet on its own, -c, --interval, --rate
 * through the token bucket, fragments, replies taken while waiting) and flood (batches
 * through sendmmsg). The caller prints; the loops count. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirekit/pace.h"
#include "wirekit/send.h"
#include "wirekit/tx.h"

enum {
	PKT_MAX = 65536 + 64,
	BATCH = 64,
	FRAG_MAX = 64,
	FRAG_ROOM = FRAG_MAX * 1600 + PKT_MAX,
};

static bool stopped(const struct wk_txrun_opts *o)
{
	return o->stop && *o->stop;
}

static int wait_until(const struct wk_txrun_opts *o, uint64_t t)
{
	if (o->wait)
		return o->wait(o->ctx, t);
	for (uint64_t now = wk_mono_ns(); now < t && !stopped(o); now = wk_mono_ns()) {
		uint64_t left = t - now;
		struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
		                      .tv_nsec = (long)(left % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* The IPv4 header of a packet, for fragmenting: offset or -1. */
static long ip4_at(const uint8_t *pkt, size_t len, uint32_t linktype)
{
	struct wk_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = pkt;
	p.caplen = p.wirelen = (uint32_t)len;
	p.linktype = linktype;
	wk_dissect(&p);
	int i = wk_pkt_find(&p, wk_proto_find("ip"), 0);
	return i < 0 ? -1 : (long)p.l[i].off;
}

static int paced(struct wk_txgen *g, struct wk_tx *tx, const struct wk_txrun_opts *o,
                 struct wk_txrun_stats *st, uint8_t *pkt, uint8_t *frags, struct wk_error *err)
{
	struct wk_pace pace;
	uint64_t start = wk_mono_ns();
	int rc = 0;
	/* a bucket of 10 ms of tokens lets the run catch up after a sleep that overran
	 * (timer slack), as a fixed schedule would; all but one are taken at the start so
	 * the run does not begin with a burst */
	unsigned burst = o->rate > 100 ? (unsigned)(o->rate / 100) : 1;
	wk_pace_init(&pace, o->rate, burst, start);
	if (burst > 1)
		wk_pace_take(&pace, start, burst - 1, NULL);
	for (uint64_t i = 0; i < o->total && !stopped(o); i++) {
		if (o->interval > 0 && i > 0) {
			rc = wait_until(o, start + (uint64_t)(o->interval * 1e9 * (double)i));
		} else if (o->rate > 0) {
			uint64_t w = 0;
			while (!rc && !stopped(o) && !wk_pace_take(&pace, wk_mono_ns(), 1, &w))
				rc = wait_until(o, wk_mono_ns() + w);
		}
		if (rc || stopped(o))
			break;
		size_t len;
		if ((rc = wk_txgen_make(g, i, pkt, PKT_MAX, &len, err)))
			return rc;
		const uint8_t *ptr[FRAG_MAX];
		size_t lens[FRAG_MAX];
		unsigned nf = 1;
		ptr[0] = pkt;
		lens[0] = len;
		long ipoff = o->frag ? ip4_at(pkt, len, o->linktype) : -1;
		if (ipoff >= 0) {
			if ((rc = wk_ip4_fragment(pkt, len, (size_t)ipoff, o->frag, o->badsum,
			                          frags, FRAG_ROOM, lens, FRAG_MAX, &nf, err)))
				return rc;
			for (unsigned k = 0, off = 0; k < nf; off += (unsigned)lens[k], k++)
				ptr[k] = frags + off;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int e = 0;
		int r = wk_tx_send(tx, ptr, lens, nf, &e, err);
		if (r == WK_EPERM)
			return r;
		if (r < 0 || (unsigned)r < nf)
			st->errors++;
		if (r > 0)
			st->sent++;
		if (o->sent && (rc = o->sent(o->ctx, i, pkt, len, ptr, lens, nf, &ts, r, e)) < 0)
			return rc;
	}
	return rc < 0 ? rc : 0;
}

static int flood(struct wk_txgen *g, struct wk_tx *tx, const struct wk_txrun_opts *o,
                 struct wk_txrun_stats *st, uint8_t *bufs, struct wk_error *err)
{
	const uint8_t *ptr[BATCH];
	size_t lens[BATCH];
	uint64_t k = 0;
	while (!stopped(o) && (!o->total || st->sent < o->total)) {
		unsigned n = 0;
		for (; n < BATCH && (!o->total || st->sent + n < o->total); n++) {
			uint8_t *dst = bufs + (size_t)n * PKT_MAX;
			int rc = wk_txgen_make(g, k++, dst, PKT_MAX, &lens[n], err);
			if (rc)
				return rc;
			ptr[n] = dst;
		}
		int e = 0;
		int r = wk_tx_send(tx, ptr, lens, n, &e, err);
		if (r < 0) {
			if (r == WK_EPERM)
				return r;
			/* ENOBUFS and friends: the queue is full, count and go on */
			st->errors++;
			continue;
		}
		st->sent += (uint64_t)r;
		if ((unsigned)r < n)
			st->errors++;
	}
	return 0;
}

int wk_txrun(struct wk_txgen *g, struct wk_tx *tx, const struct wk_txrun_opts *o,
             struct wk_txrun_stats *st, struct wk_error *err)
{
	memset(st, 0, sizeof(*st));
	uint8_t *mem = malloc(o->flood ? (size_t)BATCH * PKT_MAX : PKT_MAX + FRAG_ROOM);
	if (!mem)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	int rc =
	    o->flood ? flood(g, tx, o, st, mem, err) : paced(g, tx, o, st, mem, mem + PKT_MAX, err);
	free(mem);
	return rc;
}
