/* Walking a phase of the raw scan (engine_int.h): the first pass over this shard's
 * positions from the resume point, retransmission passes that send only to positions no
 * reply has marked, the wait for late replies, and the report of what never answered. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/rtt_int.h"
#include "scan/engine_int.h"
#include "wirekit/capture.h"
#include "wirekit/send.h"

#define BATCH        64u
#define PROGRESS_NS  1000000000ull
#define ENOBUFS_WAIT 50000ull /* ns to wait when the device queue is full */
#define ENOBUFS_MAX  20000u   /* then give the packet up (about a second) */

bool eng_stopped(const struct eng *e)
{
	return e->o->stop && *e->o->stop;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
	nanosleep(&ts, NULL);
}

/* Wait for replies after a pass, in slices: at most ms; less when every position the
 * phase sent to has its answer (nothing is left to wait for), when asked to stop
 * (stop_early), and with o->min_wait_ms once nmap's retransmission timeout of the replies
 * timed so far has passed and the receiver has caught up since (a reply still in its ring
 * is not lost to the no-response report that may follow). */
static void wait_ms(const struct eng *e, const struct phase *ph, unsigned ms, bool stop_early)
{
	unsigned lo = e->o->min_wait_ms, first = e->o->initial_wait_ms;
	if (lo && first && first < ms && !atomic_load(&e->srtt_us))
		ms = first; /* nothing timed yet: nmap's --initial-rtt-timeout */
	uint64_t start = wk_mono_ns(), end = start + (uint64_t)ms * 1000000ull;
	for (;;) {
		uint64_t now = wk_mono_ns();
		if (now >= end || (stop_early && eng_stopped(e)) ||
		    atomic_load(&ph->answered) >= ph->eligible)
			return;
		uint32_t srtt = atomic_load(&e->srtt_us), var = atomic_load(&e->rttvar_us);
		if (lo && srtt && lo < ms) {
			uint64_t to =
			    start + rtt_timeout(srtt, var, lo * 1000ull, ms * 1000ull) * 1000;
			/* every ring read up to then: the interface's, and lo's when open */
			if (now >= to && atomic_load(&e->rx_idle_ns) >= to &&
			    (!e->cap_lo || atomic_load(&e->rx_idle_lo_ns) >= to))
				return;
		}
		uint64_t d = end - now;
		sleep_ns(d < 5000000ull ? d : 5000000ull);
	}
}

static void progress(struct eng *e, const struct phase *ph, uint64_t pos, uint64_t sent,
                     uint64_t total, uint32_t pass, bool force)
{
	uint64_t now = wk_mono_ns();
	if (!force && now - e->last_progress_ns < PROGRESS_NS)
		return;
	if (now > e->rate_mark_ns)
		e->cur_rate =
		    (double)(e->sent - e->rate_mark_sent) * 1e9 / (double)(now - e->rate_mark_ns);
	e->rate_mark_ns = now;
	e->rate_mark_sent = e->sent;
	e->last_progress_ns = now;
	if (!e->o->on_progress)
		return;
	struct wk_scan_progress p = {0};
	struct wk_capture_stats cs;
	p.sent = sent;
	p.total = total;
	/* a phase that is not the resumable one (a port scan's discovery) runs again on a
	 * resume: the position stays where this run started */
	const struct wk_scan_opts *o = e->o;
	p.pos = ph->resumable ? pos : o->resume_pos;
	/* the silent positions are reported at the end of the phase */
	p.decided = scan_decided0(o);
	p.pass = pass;
	p.phase = e->phase_name;
	p.rate = e->cur_rate;
	p.retransmits = e->retransmits;
	if (!wk_capture_stats(e->cap, &cs))
		p.rx_drops = cs.dropped;
	pthread_mutex_lock(&e->mu);
	p.found = e->found;
	e->o->on_progress(e->o->ctx, &p);
	pthread_mutex_unlock(&e->mu);
}

/* Walk indices lo..hi of a pass: what one batch holds (sent.c). */
struct span {
	uint32_t phase, pass;
	uint64_t lo, hi;
};

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Send n probes on tx; a full device queue is waited out, a packet the kernel refuses for
 * good (no route to one address) is skipped. */
static int send_run(struct wk_tx *tx, const uint8_t **ptr, size_t *lens, unsigned n,
                    struct wk_error *err)
{
	unsigned done = 0, full = 0;
	while (done < n) {
		int eno = 0;
		int r = wk_tx_send(tx, ptr + done, lens + done, n - done, &eno, err);
		if (r > 0)
			done += (unsigned)r;
		if (done >= n)
			break;
		if (r < 0 && r == WK_EPERM)
			return r;
		if ((eno == ENOBUFS || eno == EAGAIN) && ++full < ENOBUFS_MAX) {
			sleep_ns(ENOBUFS_WAIT);
			continue;
		}
		done++;
		full = 0;
	}
	return 0;
}

/* Pace and send n probes: runs of frames on the sender, runs of raw IP packets (via3: the
 * frame without its Ethernet header) on tx3. The send time goes into the ring after the
 * pacing and before the first packet, so no reply can come before it is there. */
static int flush(struct eng *e, const struct span *sp, const uint8_t **ptr, size_t *lens,
                 const bool *via3, unsigned n, struct wk_error *err)
{
	unsigned got = 0;
	while (got < n) {
		uint64_t wait = 0;
		got += wk_pace_take(&e->pace, wk_mono_ns(), n - got, &wait);
		/* one sleep for every token still missing: a sleep per token would cost the
		 * timer slack each time and cap the rate far below what was asked */
		uint64_t need = (uint64_t)((double)(n - got) * e->pace.ns_per_tok);
		if (got < n)
			sleep_ns(need > wait ? need : wait ? wait : 1000);
	}
	if (n)
		sent_add(&e->sent_at, sp->phase, sp->pass, sp->lo, sp->hi, real_ns());
	for (unsigned i = 0, j; i < n; i = j) {
		const uint8_t *p3[BATCH];
		size_t l3[BATCH];
		int rc;
		for (j = i; j < n && via3[j] == via3[i]; j++) {
			p3[j - i] = ptr[j] + SCAN_ETH_LEN;
			l3[j - i] = lens[j] - SCAN_ETH_LEN;
		}
		rc = via3[i] ? send_run(e->tx3, p3, l3, j - i, err)
		             : send_run(e->tx, ptr + i, lens + i, j - i, err);
		if (rc)
			return rc;
	}
	if (n)
		sent_done(&e->sent_at, real_ns());
	if (n && e->o->on_trace)
		eng_trace_sent(e, ptr, lens, via3, n);
	for (unsigned i = 0; e->o->record && i < n; i++) {
		if (via3[i])
			scan_record_probe(e->o->record, ptr[i] + SCAN_ETH_LEN,
			                  lens[i] - SCAN_ETH_LEN,
			                  e->c.v6 ? WK_LINKTYPE_IPV6 : WK_LINKTYPE_IPV4);
		else
			scan_record_probe(e->o->record, ptr[i], lens[i], e->rec_lt);
	}
	e->sent += n;
	return 0;
}

/* Write the probes of position x at slot[0..), each with its sender (via3); returns how
 * many. Per host, as nmap: our own addresses are up unprobed, a target on the segment gets
 * ARP (ND) alone when that runs and its port probes go to its MAC, the others get the IP
 * probes, through the raw IP socket when the sender takes frames to on-link MACs. */
static unsigned add(struct eng *e, struct phase *ph, uint64_t x, uint8_t **slot, size_t *lens,
                    bool *via3)
{
	uint64_t t = ph->per_host ? x : x / ph->nslots;
	uint32_t dst = eng_target(e, t);
	enum scan_where w = e->arp || e->own_span ? eng_where(e, dst) : SCAN_ROUTED;
	bool link = e->arp && w == SCAN_ONLINK;
	bool raw = e->c.l2 && (w == SCAN_OWN || (e->arp && !link));
	if (ph->per_host) {
		unsigned n = 0;
		if (w == SCAN_OWN) {
			eng_local_up(e, ph, x);
			return 0;
		}
		for (uint32_t j = 0; j < ph->nslots; j++) {
			const struct slot *s = &ph->slots[j];
			unsigned mi = 0;
			if ((s->m == &scan_probe_arp || s->m == &scan_probe_nd) != link)
				continue;
			while (mi + 1 < ph->nmods && ph->mods[mi] != s->m)
				mi++;
			lens[n] = s->m->make(slot[n], &ph->tmpl[mi], &e->c, dst, s->port);
			via3[n++] = raw;
		}
		return n;
	}
	const struct slot *s = &ph->slots[x % ph->nslots];
	unsigned mi = 0;
	while (mi + 1 < ph->nmods && ph->mods[mi] != s->m)
		mi++;
	lens[0] = s->m->make(slot[0], &ph->tmpl[mi], &e->c, dst, s->port);
	if (link) /* found by ARP or ND: straight to its MAC */
		memcpy(slot[0], e->macs + t * 6, 6);
	via3[0] = raw;
	return 1;
}

/* Position x, sent once by the scan a kill interrupted: decided if it reported x,
 * else left to the retransmission passes and the no-response report. */
static void window(struct eng *e, struct phase *ph, uint64_t x)
{
	ph->eligible++;
	bool done;
	if (ph->per_host) {
		done = eng_reported(e, eng_target(e, x), WK_SCAN_HOST, 0);
	} else {
		const struct slot *s = &ph->slots[x % ph->nslots];
		done = eng_reported(e, eng_target(e, x / ph->nslots), s->m->proto, s->port);
	}
	if (done && bits_set(&ph->ans, x))
		atomic_fetch_add(&ph->answered, 1);
}

/* One pass: pass 0 visits the shard from start (sending from first) and records where
 * it got (end); later passes visit [start, end) and skip answered positions. */
static int pass_run(struct eng *e, struct phase *ph, uint32_t pass, uint64_t *resume,
                    struct wk_error *err)
{
	const uint8_t *ptr[BATCH];
	size_t lens[BATCH];
	bool via3[BATCH];
	unsigned n = 0, per = ph->per_host ? ph->nslots : 1;
	/* below 1,000 probes a second (T0 to T2, --scan-delay) each position goes out on its
	 * own, so probes are spaced by the rate instead of leaving a batch at a time */
	unsigned cap = e->pace.ns_per_tok >= 1e6 ? per : BATCH;
	uint64_t i;
	struct span sp = {.phase = ph->id, .pass = pass};
	struct wk_shard sh;
	wk_shard_init(&sh, ph->n, ph->shard_k, ph->shard_of, ph->start);
	struct wk_shard from_first;
	wk_shard_init(&from_first, ph->n, ph->shard_k, ph->shard_of, ph->first);
	uint64_t total =
	    (pass ? ph->eligible - atomic_load(&ph->answered) : wk_shard_left(&from_first)) * per;
	uint64_t base = e->sent;
	for (unsigned b = 0; b < BATCH; b++)
		ptr[b] = e->bufs + (size_t)b * SCAN_PKT_MAX;
	for (;;) {
		bool stopped = eng_stopped(e);
		bool more = !stopped && wk_shard_next(&sh, &i) && (!pass || i < ph->end);
		if (!more) {
			int rc = flush(e, &sp, ptr, lens, via3, n, err);
			if (!pass) {
				ph->end = stopped ? sh.pos : ph->n;
				if (resume)
					*resume = ph->end;
			}
			progress(e, ph, ph->end, e->sent - base, total, pass, true);
			return rc;
		}
		uint64_t x = wk_perm_at(&ph->perm, i);
		if (pass && bits_get(&ph->ans, x))
			continue;
		if (!ph->per_host && e->up && !bits_get(e->up, x / ph->nslots))
			continue;
		if (!pass && i < ph->first) { /* sent by the scan a kill interrupted */
			window(e, ph, x);
			continue;
		}
		if (n + per > cap) {
			int rc = flush(e, &sp, ptr, lens, via3, n, err);
			if (rc)
				return rc;
			n = 0;
			/* every position before i has been sent */
			if (!pass && resume)
				*resume = i;
			progress(e, ph, pass ? ph->end : i, e->sent - base, total, pass, false);
		}
		if (!pass)
			ph->eligible++;
		else
			e->retransmits += per;
		if (!n)
			sp.lo = i;
		sp.hi = i;
		n += add(e, ph, x, (uint8_t **)ptr + n, lens + n, via3 + n);
	}
}

/* Whether one more retransmission pass is worth sending, after `done` of them. The loss of a
 * probe or its answer, q, is estimated as the share of the answers that only a retransmission
 * got (a0 were in before the first one, a are in now); with done + 1 tries behind every
 * position, about a * q^(done + 1) answers are still missing. Passes go on until that is below
 * MISSING_MAX: one pass when nothing needed one (a clean link), four or five at 5% loss each
 * way, up to the cap the caller set (--max-retries). */
#define MISSING_MAX 0.005
static bool another_pass(uint32_t done, uint64_t a0, uint64_t a)
{
	if (done == 0)
		return true;
	if (a <= a0)
		return false;
	double q = (double)(a - a0) / (double)a, missing = (double)a;
	for (uint32_t k = 0; k <= done; k++)
		missing *= q;
	return missing > MISSING_MAX;
}

/* nmap's name of a phase (its "... Timing: About 45% done" lines). */
static const char *phase_name(const struct phase *ph)
{
	if (ph->per_host)
		return ph->slots[0].m == &scan_probe_arp  ? "ARP Ping Scan"
		       : ph->slots[0].m == &scan_probe_nd ? "ND Ping Scan"
		                                          : "Ping Scan";
	bool tcp = false, udp = false, ack = false;
	for (uint32_t j = 0; j < ph->nslots; j++) {
		udp |= ph->slots[j].m->proto == WK_SP_UDP;
		tcp |= ph->slots[j].m->proto == WK_SP_TCP;
		ack |=
		    ph->slots[j].m == &scan_probe_tcp_ack || ph->slots[j].m == &scan_probe_tcp_ack6;
	}
	if (tcp && udp)
		return ack ? "ACK Scan + UDP Scan" : "SYN Stealth Scan + UDP Scan";
	return udp ? "UDP Scan" : ack ? "ACK Scan" : "SYN Stealth Scan";
}

int eng_phase_run(struct eng *e, struct phase *ph, uint64_t *resume, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	uint64_t i, a0 = 0;
	ph->id = ++e->phases;
	e->phase_name = phase_name(ph);
	atomic_store(&e->ph, ph);
	int rc = pass_run(e, ph, 0, resume, err);
	/* a whole wait since the last probe went out: the final wait below is not needed */
	bool waited = false;
	for (uint32_t p = 1; !rc && p <= o->retries && !eng_stopped(e); p++) {
		if (atomic_load(&ph->answered) >= ph->eligible)
			break;
		wait_ms(e, ph, o->wait_ms, true);
		waited = !eng_stopped(e);
		uint64_t a = atomic_load(&ph->answered);
		if (p == 1)
			a0 = a;
		if (a >= ph->eligible || eng_stopped(e) || !another_pass(p - 1, a0, a))
			break;
		waited = false;
		rc = pass_run(e, ph, p, NULL, err);
	}
	if (rc)
		return rc;
	if (atomic_load(&ph->answered) < ph->eligible && !waited)
		wait_ms(e, ph, o->wait_ms, false);
	/* the silent ones: setting their bit here makes a reply arriving now a duplicate */
	struct wk_shard sh;
	wk_shard_init(&sh, ph->n, ph->shard_k, ph->shard_of, ph->start);
	while (wk_shard_next(&sh, &i) && i < ph->end) {
		uint64_t x = wk_perm_at(&ph->perm, i);
		if (bits_get(&ph->ans, x))
			continue;
		if (ph->per_host) {
			if (bits_set(&ph->ans, x))
				eng_emit(e, eng_target(e, x), WK_SCAN_HOST, 0, WK_PS_HOST_DOWN,
				         WK_RS_NO_RESPONSE, 0);
			continue;
		}
		uint64_t t = x / ph->nslots;
		if (e->up && !bits_get(e->up, t))
			continue;
		const struct slot *s = &ph->slots[x % ph->nslots];
		if (bits_set(&ph->ans, x))
			eng_emit(e, eng_target(e, t), s->m->proto, s->port, (uint8_t)s->m->silent,
			         WK_RS_NO_RESPONSE, 0);
	}
	return 0;
}
