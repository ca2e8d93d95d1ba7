/* The connect scan recorded (--pcapng with -sT, and the TCP part of -sT -sU): the kernel
 * sends the SYNs, so a capture on the interface towards the targets watches them. Opened
 * before the first connect and before the caller drops its privileges (on_open); a thread
 * writes to the record, while the connects run:
 *   - each SYN (without ACK) from our address to a scanned port of a target, as a probe;
 *   - the answer to it, with the verdict in the raw engine's words and nmap's -sT reasons:
 *     a SYN-ACK acknowledging the SYN ("A:P/tcp open syn-ack"), a RST acknowledging it
 *     ("closed conn-refused"), an ICMP error quoting it with its sequence number (the
 *     state and reason connect.c gives for the error the kernel makes of it: port
 *     unreachable is conn-refused, the others filtered with the ICMP code's reason);
 *     an answer to a SYN already answered has " duplicate" appended;
 *   - the other packets of those connections (a SYN the kernel retransmits, our ACK and
 *     RST, an ICMP error connect.c decides nothing on) without a comment, not counted.
 * A packet is tied to its SYN through a fixed table keyed by flow (target, port, our
 * port) holding the SYN's sequence number: a RST or SYN-ACK counts only when it
 * acknowledges that number + 1, an ICMP error only when it quotes that number. The table
 * has 4 ways per bucket and 1 bucket per connect in flight: its memory follows the
 * parallelism, never the number of targets; a full bucket forgets its oldest SYN (whose
 * later packets are then not recorded). A loopback interface shows every packet twice
 * (going out, coming in): the capture keeps one (io/afpacket.c). Other programs' SYNs to
 * a scanned port of a target while the scan runs are not told apart. An ICMPv6 error that
 * the kernel drops because connect() still held the socket when it came (a fast link:
 * TcpExtLockDroppedIcmps) is commented with its verdict while connect.c times out. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scan/engine_int.h"
#include "scan/scan_int.h"
#include "wirekit/capture.h"
#include "wirekit/send.h"

#define TAP_BUFFER   (8u << 20)
#define TAP_SNAPLEN  256u /* headers: the connect scan sends no data */
#define TAP_BATCH    64u
#define TAP_BLOCK_MS 10u
#define TAP_WAYS     4u
#define TAP_MIN_BKTS 64u

enum { TF_SYN = 0x02, TF_RST = 0x04, TF_ACK = 0x10 };

/* A SYN of the scan. stamp 0: a free way. */
struct flow {
	uint8_t addr[16]; /* the target (IPv4 in the first 4 bytes) */
	uint16_t dport, sport;
	uint32_t isn;
	uint64_t stamp; /* insertion order, for forgetting the oldest */
	bool v6;
	bool answered;
};

struct scan_tap {
	const struct wk_scan_opts *o;
	struct wk_capture *cap;
	uint32_t lt;
	bool has4, has6;
	uint8_t src4[4], src6[16];
	uint8_t ports[65536 / 8]; /* the scanned TCP ports */
	uint8_t key[16];          /* of the table's hash */
	struct flow *tab;
	size_t nbkt; /* a power of two */
	uint64_t clock;
	int64_t armed_ns; /* packets captured before this (realtime) are not the scan's */
	pthread_t th;
	bool started;
	atomic_bool stop;
	_Atomic int rx_err;
};

/* ---- the table ---------------------------------------------------------------------- */

static struct flow *bucket(struct scan_tap *t, bool v6, const uint8_t *addr, uint16_t dport,
                           uint16_t sport)
{
	uint8_t k[21] = {0};
	memcpy(k, addr, v6 ? 16 : 4); /* an IPv4 address is 4 bytes of the caller's */
	k[16] = (uint8_t)(dport >> 8), k[17] = (uint8_t)dport;
	k[18] = (uint8_t)(sport >> 8), k[19] = (uint8_t)sport;
	k[20] = v6;
	return t->tab + (wk_siphash24(t->key, k, sizeof(k)) & (t->nbkt - 1)) * TAP_WAYS;
}

static bool same(const struct flow *f, bool v6, const uint8_t *addr, uint16_t dport, uint16_t sport)
{
	return f->stamp && f->v6 == v6 && f->dport == dport && f->sport == sport &&
	       !memcmp(f->addr, addr, v6 ? 16 : 4);
}

static struct flow *find(struct scan_tap *t, bool v6, const uint8_t *addr, uint16_t dport,
                         uint16_t sport)
{
	struct flow *b = bucket(t, v6, addr, dport, sport);
	for (unsigned i = 0; i < TAP_WAYS; i++)
		if (same(&b[i], v6, addr, dport, sport))
			return &b[i];
	return NULL;
}

/* The SYN's flow: the same flow again, else a free way, else the oldest of the bucket. */
static struct flow *insert(struct scan_tap *t, bool v6, const uint8_t *addr, uint16_t dport,
                           uint16_t sport)
{
	struct flow *b = bucket(t, v6, addr, dport, sport), *f = &b[0];
	for (unsigned i = 0; i < TAP_WAYS; i++) {
		if (same(&b[i], v6, addr, dport, sport)) {
			f = &b[i];
			break;
		}
		if (b[i].stamp < f->stamp)
			f = &b[i];
	}
	memset(f, 0, sizeof(*f));
	memcpy(f->addr, addr, v6 ? 16 : 4);
	f->v6 = v6;
	f->dport = dport;
	f->sport = sport;
	f->stamp = ++t->clock;
	return f;
}

/* ---- what a packet is --------------------------------------------------------------- */

static bool ours(const struct scan_tap *t, bool v6, const uint8_t *a)
{
	return v6 ? t->has6 && !memcmp(a, t->src6, 16) : t->has4 && !memcmp(a, t->src4, 4);
}

/* The state and reason connect.c reports for the error the kernel makes of an ICMP (v6:
 * ICMPv6) error quoting a SYN; false when the kernel gives the connect no error from it
 * (fragmentation needed, too big, a parameter problem: connect.c waits, then retries). */
static bool icmp_verdict(bool v6, uint8_t type, uint8_t code, uint8_t *state, uint8_t *reason)
{
	*state = WK_PS_FILTERED;
	if (!v6 && type == 3) { /* RFC 792; the kernel's icmp_err_convert */
		if (code == 4 || code > 15)
			return false;
		if (code == 3) { /* ECONNREFUSED */
			*state = WK_PS_CLOSED;
			*reason = WK_RS_CONN_REFUSED;
		} else {
			*reason = scan_unreach_reason(code);
		}
		return true;
	}
	if (!v6 && type == 11) { /* EHOSTUNREACH, no unreachable code behind it */
		*reason = WK_RS_HOST_UNREACH;
		return true;
	}
	if (v6 && type == 1) { /* RFC 4443 3.1; the kernel's icmpv6_err_convert */
		switch (code) {
		case 0: /* ENETUNREACH */
			*reason = WK_RS_NET_UNREACH;
			return true;
		case 1: /* EACCES */
		case 5:
		case 6:
			*reason = WK_RS_ADMIN_PROHIBITED;
			return true;
		case 2: /* EHOSTUNREACH */
		case 3:
			*reason = WK_RS_HOST_UNREACH;
			return true;
		case 4: /* ECONNREFUSED */
			*state = WK_PS_CLOSED;
			*reason = WK_RS_CONN_REFUSED;
			return true;
		default:
			return false;
		}
	}
	if (v6 && type == 3) {
		*reason = WK_RS_HOST_UNREACH;
		return true;
	}
	return false;
}

static void answer(struct scan_tap *t, const struct wk_pkt *p, struct flow *f, uint8_t state,
                   uint8_t reason)
{
	struct wk_scan_addr a = {.family = f->v6 ? AF_INET6 : AF_INET};
	memcpy(a.b, f->addr, f->v6 ? 16 : 4);
	scan_record_verdict(t->o->record, p, &a, WK_SP_TCP, f->dport, state, reason, f->answered);
	f->answered = true;
}

static void tcp_pkt(struct scan_tap *t, const struct wk_pkt *p, const struct scan_reply *r,
                    const uint8_t *src, const uint8_t *dst)
{
	bool v6 = r->v6;
	struct flow *f;
	if ((r->flags & (TF_SYN | TF_ACK)) == TF_SYN && ours(t, v6, src)) {
		struct wk_scan_addr a = {.family = v6 ? AF_INET6 : AF_INET};
		memcpy(a.b, dst, v6 ? 16 : 4);
		if (!(t->ports[r->dport / 8] >> (r->dport % 8) & 1) ||
		    !wk_targets_has(t->o->targets, &a))
			return;
		f = find(t, v6, dst, r->dport, r->sport);
		if (f && f->isn == r->seq) { /* the kernel's retransmission */
			scan_record_other(t->o->record, p);
			return;
		}
		f = insert(t, v6, dst, r->dport, r->sport);
		f->isn = r->seq;
		scan_record_probe_pkt(t->o->record, p);
		return;
	}
	/* from the target: the answer, or more of the connection */
	if (ours(t, v6, dst) && (f = find(t, v6, src, r->sport, r->dport))) {
		bool acks = (r->flags & TF_ACK) && r->ack == f->isn + 1;
		if (acks && (r->flags & (TF_SYN | TF_RST)) == TF_SYN)
			answer(t, p, f, WK_PS_OPEN, WK_RS_SYN_ACK);
		else if (acks && (r->flags & TF_RST) && !f->answered)
			answer(t, p, f, WK_PS_CLOSED, WK_RS_CONN_REFUSED);
		else
			scan_record_other(t->o->record, p);
		return;
	}
	/* ours: the ACK of the handshake, the RST of the close */
	if (ours(t, v6, src) && find(t, v6, dst, r->dport, r->sport))
		scan_record_other(t->o->record, p);
}

static void icmp_pkt(struct scan_tap *t, const struct wk_pkt *p, const struct scan_reply *r)
{
	bool v6 = r->v6;
	uint8_t qs[4], qd[4];
	scan_put32(qs, r->q_src);
	scan_put32(qd, r->q_dst);
	const uint8_t *dst = v6 ? r->dst6 : NULL, *q_src = v6 ? r->q_src6 : qs,
	              *q_dst = v6 ? r->q_dst6 : qd;
	uint8_t d4[4];
	if (!v6) {
		scan_put32(d4, r->dst);
		dst = d4;
	}
	if (!r->quoted || r->q_proto != IPPROTO_TCP || !ours(t, v6, dst) || !ours(t, v6, q_src))
		return;
	struct flow *f = find(t, v6, q_dst, r->q_dport, r->q_sport);
	if (!f || f->isn != r->q_seq)
		return;
	uint8_t st, why;
	if (icmp_verdict(v6, r->itype, r->icode, &st, &why))
		answer(t, p, f, st, why);
	else
		scan_record_other(t->o->record, p);
}

static void on_pkt(struct scan_tap *t, struct wk_pkt *p)
{
	struct scan_reply r;
	if ((int64_t)p->ts_sec * 1000000000 + p->ts_nsec < t->armed_ns)
		return; /* captured before the connects began (the UDP part of -sT -sU) */
	p->linktype = t->lt;
	if (!scan_parse(p->data, p->caplen, t->lt, &r) || r.arp || r.nd)
		return;
	if (r.proto == IPPROTO_TCP) {
		uint8_t s4[4], d4[4];
		scan_put32(s4, r.src);
		scan_put32(d4, r.dst);
		tcp_pkt(t, p, &r, r.v6 ? r.src6 : s4, r.v6 ? r.dst6 : d4);
	} else if (r.proto == (r.v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		icmp_pkt(t, p, &r);
	}
}

/* Hand over what the ring holds; false on a receive error (kept in rx_err). n gets the
 * number of packets. */
static bool take(struct scan_tap *t, int timeout_ms, bool use, int *n)
{
	struct wk_pkt pkts[TAP_BATCH];
	*n = wk_capture_recv_batch(t->cap, pkts, NULL, TAP_BATCH, timeout_ms);
	if (*n < 0) {
		atomic_store(&t->rx_err, *n);
		return false;
	}
	for (int i = 0; use && i < *n; i++)
		on_pkt(t, &pkts[i]);
	return true;
}

static void *tap_main(void *arg)
{
	struct scan_tap *t = arg;
	int n;
	while (!atomic_load(&t->stop))
		if (!take(t, 20, true, &n))
			return NULL;
	/* stopped once the last verdict is in: its packets are in the ring, perhaps in a block
	 * the kernel retires only after its timeout */
	do {
		if (!take(t, 3 * TAP_BLOCK_MS, true, &n))
			return NULL;
	} while (n > 0);
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------------- */

/* Our address of one family: -S when it is of that family, else the route's; the
 * interface of the first family looked at (-e when given). */
static int source(struct scan_tap *t, int fam, char *ifname, struct wk_error *err)
{
	const struct wk_scan_opts *o = t->o;
	struct wk_scan_addr a;
	uint64_t n = wk_targets_count(o->targets);
	wk_targets_at(o->targets, fam == AF_INET ? 0 : n - 1, &a);
	if (a.family != fam)
		return 0;
	if (fam == AF_INET6) /* the first IPv6 target: IPv4 ones come first */
		for (uint64_t lo = 0, hi = n - 1; lo < hi;) {
			uint64_t mid = lo + (hi - lo) / 2;
			struct wk_scan_addr m;
			wk_targets_at(o->targets, mid, &m);
			if (m.family == AF_INET6)
				hi = mid, a = m;
			else
				lo = mid + 1;
		}
	uint8_t *src = fam == AF_INET6 ? t->src6 : t->src4;
	char ifn[WK_IFNAME_MAX] = "";
	int rc = wk_route_src(fam, a.b, src, ifn, err);
	if (rc)
		return rc;
	if (o->source && o->source->family == fam)
		memcpy(src, o->source->b, fam == AF_INET6 ? 16 : 4);
	if (!ifname[0])
		snprintf(ifname, WK_IFNAME_MAX, "%s", ifn);
	*(fam == AF_INET6 ? &t->has6 : &t->has4) = true;
	return 0;
}

int scan_tap_open(const struct wk_scan_opts *o, struct scan_tap **out, struct wk_error *err)
{
	*out = NULL;
	if (!o->record)
		return 0;
	if (!o->targets || !o->ports || !wk_targets_count(o->targets))
		return wk_seterr(err, WK_EINVAL, "connect scan: targets and ports are needed");
	struct scan_tap *t = calloc(1, sizeof(*t));
	if (!t)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	t->o = o;
	char ifname[WK_IFNAME_MAX] = "", filt[256], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	if (o->ifname && *o->ifname)
		snprintf(ifname, sizeof(ifname), "%s", o->ifname);
	int rc = source(t, AF_INET, ifname, err);
	if (!rc)
		rc = source(t, AF_INET6, ifname, err);
	if (rc)
		goto fail;
	if (getrandom(t->key, sizeof(t->key), 0) != (ssize_t)sizeof(t->key)) {
		rc = wk_seterr_sys(err, errno, "getrandom");
		goto fail;
	}
	for (uint32_t i = 0; i < o->ports->n; i++)
		if (o->ports->v[i].proto == WK_SP_TCP)
			t->ports[o->ports->v[i].port / 8] |=
			    (uint8_t)(1u << (o->ports->v[i].port % 8));
	inet_ntop(AF_INET, t->src4, a4, sizeof(a4));
	inet_ntop(AF_INET6, t->src6, a6, sizeof(a6));
	if (t->has4 && t->has6)
		snprintf(filt, sizeof(filt),
		         "(host %s and (tcp or icmp)) or (ip6 host %s and tcp) or "
		         "(ip6 host %s and icmp6)",
		         a4, a6, a6);
	else if (t->has6)
		snprintf(filt, sizeof(filt), "ip6 host %s and (tcp or icmp6)", a6);
	else
		snprintf(filt, sizeof(filt), "host %s and (tcp or icmp)", a4);
	struct wk_capture_opts co = {.ifname = ifname,
	                             .snaplen = TAP_SNAPLEN,
	                             .buffer_size = TAP_BUFFER,
	                             .filter = filt,
	                             .block_timeout_ms = TAP_BLOCK_MS};
	t->cap = wk_capture_open(&co, err);
	if (!t->cap) {
		rc = err && err->code ? err->code : WK_ESYS;
		if (rc == WK_EPERM)
			wk_seterr(
			    err, WK_EPERM,
			    "--pcapng of a connect scan captures its packets on %s: that needs "
			    "CAP_NET_RAW (root)",
			    ifname);
		goto fail;
	}
	t->lt = (uint32_t)wk_capture_linktype(t->cap);
	*out = t;
	return 0;
fail:
	free(t);
	return rc;
}

int scan_tap_start(struct scan_tap *t, unsigned inflight, struct wk_error *err)
{
	if (!t)
		return 0;
	t->nbkt = TAP_MIN_BKTS;
	while (t->nbkt < inflight)
		t->nbkt *= 2;
	t->tab = calloc(t->nbkt * TAP_WAYS, sizeof(*t->tab));
	if (!t->tab)
		return wk_seterr(err, WK_ENOMEM, "connect scan: out of memory");
	/* what the ring holds from before (the UDP part of -sT -sU) goes; what comes in a
	 * block not yet retired is told apart by its time */
	int n;
	do {
		if (!take(t, 0, false, &n))
			return wk_seterr(err, atomic_load(&t->rx_err), "connect scan record: %s",
			                 wk_capture_error(t->cap)->msg);
	} while (n > 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->armed_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (pthread_create(&t->th, NULL, tap_main, t))
		return wk_seterr(err, WK_ESYS, "connect scan record: starting its thread");
	t->started = true;
	return 0;
}

int scan_tap_stop(struct scan_tap *t, struct wk_error *err)
{
	if (!t || !t->started)
		return 0;
	atomic_store(&t->stop, true);
	pthread_join(t->th, NULL);
	t->started = false;
	int e = atomic_load(&t->rx_err);
	if (e)
		return wk_seterr(err, e, "connect scan record: %s", wk_capture_error(t->cap)->msg);
	return 0;
}

void scan_tap_close(struct scan_tap *t)
{
	if (!t)
		return;
	if (t->started) {
		atomic_store(&t->stop, true);
		pthread_join(t->th, NULL);
	}
	wk_capture_close(t->cap);
	free(t->tab);
	free(t);
}
