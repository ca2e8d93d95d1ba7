/* The connect scanner (-sT): non-blocking kernel connects on the epoll loop, no privilege
 * needed (but for --pcapng: tap.c's capture). Walks this shard of the target x port space
 * in permutation order, keeps up to max_parallel connects in flight, times each out
 * (adaptive, nmap-like), retries the silent ones and maps the kernel's answer (and the
 * ICMP error it queued) to nmap's states and reasons. */
#include <errno.h>
#include <pthread.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wirekit/ev.h"
#include "wirekit/pace.h"
#include "wirekit/scan.h"
#include "scan/engine_int.h"
#include "scan/scan_int.h"

#define CONN_PARALLEL_DEFAULT 1024u
#define CONN_FD_RESERVE       64u   /* descriptors left for the caller */
#define RTO_INITIAL_MS        1000u /* nmap's initial RTT timeout */
#define RTO_MIN_MS            100u  /* nmap -T4's minimum */
#define RTO_MAX_MS            1000u
#define BACKOFF_MIN_MS        10u
#define BACKOFF_MAX_MS        500u
#define TURN_MAX_MS           100u /* how often *stop is looked at while waiting */
#define QUICK_WINDOW          256u
#define SPARE_MAX             64u
#define MAX_WORKERS           4u
#define WORKERS_MIN_PROBES    4096u /* smaller scans run in the caller's thread alone */
#define FILL_BATCH            256u  /* connects started per loop turn at most */
#define QUICK_SAMPLE          16u

/* A probe: its shard position (for resume), its permuted index (target = idx % ntargets,
 * port = idx / ntargets) and the connects made for it so far. */
struct redo {
	uint64_t pos, idx;
	unsigned tries;
	bool recverr; /* ask for the ICMP error queue (the probe got an unreachable) */
};

/* One connect in flight (or a free slot). */
struct conn {
	struct wk_ev_io io;
	struct cscan *s;
	struct redo probe; /* tries counts this connect */
	uint64_t start_ns; /* when connect() was called */
	uint64_t start_ms; /* the same on the loop's clock; times out at start_ms + rto */
	bool v6;
	struct conn *prev, *next;
};

/* Sockets whose connect was refused, ready to connect again. */
struct spare {
	int fd[SPARE_MAX];
	unsigned n;
};

/* What the workers share; mu serialises on_result and on_progress (scan.h's promise) and
 * guards the rest. */
struct shared {
	const struct wk_scan_opts *o;
	pthread_mutex_t mu;
	uint8_t *upmap;          /* hosts that answered at all, when there are not too many */
	const struct bits *only; /* -sT -sU: probe only the hosts discovery found up */
	uint64_t hosts_up;
	int failed; /* a worker hit an error: all stop (atomic) */
	unsigned nworkers;
	struct wk_scan_progress slot[MAX_WORKERS]; /* each worker's last report */
};

/* One worker: its part of the shard, its loop, its connects. */
struct cscan {
	const struct wk_scan_opts *o;
	struct shared *sh;
	unsigned wid;
	struct wk_error e, *err;
	int rc; /* first fatal error */
	struct wk_ev *ev;
	uint64_t ntargets, nports;
	const struct wk_port *ports; /* the TCP ones */
	struct wk_perm perm;
	struct wk_shard shard;
	bool shard_done;
	struct wk_pace pace;
	bool paced;
	uint64_t pace_wait_ns; /* non-zero: fill stopped for want of a token */
	uint64_t total;        /* positions of this shard to visit in this run */
	/* slots */
	struct conn *pool;
	unsigned npool;
	struct conn *free;
	struct conn *head, *tail; /* in flight, oldest first */
	unsigned inflight, cap;   /* cap: current limit, lowered on resource shortage */
	/* probes to do again, a ring */
	struct redo *rq;
	size_t rq_head, rq_n, rq_sz;
	uint64_t backoff_until_ms;
	unsigned backoff_ms;
	/* adaptive timeout (RFC 6298 style, in microseconds) */
	double srtt_us, rttvar_us;
	bool have_rtt;
	unsigned max_ok_try;       /* the highest try number an answer came to */
	unsigned fixed_timeout_ms; /* 0: adaptive */
	/* resume: positions that are neither decided nor to be retried (stopped early) */
	uint64_t min_undone;
	struct spare spare[2]; /* IPv4, IPv6 */
	/* asking for the verdict right after connect() */
	unsigned quick_tries, quick_hits, quick_off;
	/* counters */
	uint64_t sent, decided, replies, found, retransmits;
	uint64_t last_prog_ms, prog_sent;
};

/* ---- addresses and results ----------------------------------------------------------- */

static void target_at(const struct cscan *s, uint64_t idx, struct wk_scan_addr *a, uint16_t *port)
{
	wk_targets_at(s->o->targets, idx % s->ntargets, a);
	*port = s->ports[idx / s->ntargets].port;
}

static socklen_t to_sockaddr(const struct wk_scan_addr *a, uint16_t port,
                             struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a->b, 4);
	return sizeof(*s4);
}

static void report(struct cscan *s, uint64_t idx, enum wk_port_state st, enum wk_reason why,
                   uint32_t rtt_us)
{
	struct wk_scan_result r;
	struct timespec ts;
	memset(&r, 0, sizeof(r));
	uint16_t port;
	target_at(s, idx, &r.addr, &port);
	r.proto = WK_SP_TCP;
	r.port = port;
	r.state = (uint8_t)st;
	r.reason = (uint8_t)why;
	r.rtt_us = rtt_us;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_sec = ts.tv_sec;
	r.ts_nsec = (uint32_t)ts.tv_nsec;
	s->decided++;
	s->found++;
	struct shared *sh = s->sh;
	pthread_mutex_lock(&sh->mu);
	if (rtt_us) { /* something answered (not a timeout, not a local error) */
		s->replies++;
		uint64_t h = idx % s->ntargets;
		if (sh->upmap && !(sh->upmap[h / 8] & (1u << (h % 8)))) {
			sh->upmap[h / 8] |= (uint8_t)(1u << (h % 8));
			sh->hosts_up++;
		}
	}
	/* reported before a kill: in the interrupted scan's records already */
	bool known = scan_reported(s->o, &r.addr, r.proto, r.port);
	if (s->o->on_result && !known)
		s->o->on_result(s->o->ctx, &r);
	pthread_mutex_unlock(&sh->mu);
}

/* --packet-trace: nmap's CONN line of a connect() to position idx and what it said (0:
 * connected), serialised with on_result. */
static void trace_conn(struct cscan *s, uint64_t idx, int e)
{
	struct wk_scan_addr a;
	struct timespec ts;
	struct wk_scan_trace t = {.kind = WK_TRACE_CONN, .addr = &a, .err = e};
	target_at(s, idx, &a, &t.port);
	clock_gettime(CLOCK_REALTIME, &ts);
	t.ts_sec = ts.tv_sec;
	t.ts_nsec = (uint32_t)ts.tv_nsec;
	pthread_mutex_lock(&s->sh->mu);
	s->o->on_trace(s->o->ctx, &t);
	pthread_mutex_unlock(&s->sh->mu);
}

/* *stop is read atomically: a signal handler or any thread (an on_result callback in
 * another worker) may set it. */
static bool stopped(const struct cscan *s)
{
	return (s->o->stop && __atomic_load_n(s->o->stop, __ATOMIC_RELAXED)) ||
	       __atomic_load_n(&s->sh->failed, __ATOMIC_RELAXED);
}

/* The reason an unreachable error carries: read the ICMP type and code the kernel queued
 * (IP_RECVERR), since errno alone folds admin-prohibited into EHOSTUNREACH. */
static enum wk_reason icmp_reason(int fd, int err)
{
	char cbuf[512];
	char dbuf[64];
	struct iovec iov = {dbuf, sizeof(dbuf)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	enum wk_reason fallback = err == ENETUNREACH ? WK_RS_NET_UNREACH : WK_RS_HOST_UNREACH;
	if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return fallback;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
		bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
		if (!v4 && !v6)
			continue;
		struct sock_extended_err ee;
		if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP && ee.ee_type == 3)
			return (enum wk_reason)scan_unreach_reason(ee.ee_code);
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP6 && ee.ee_type == 1) {
			switch (ee.ee_code) { /* RFC 4443 section 3.1 */
			case 0:
			case 6:
				return WK_RS_NET_UNREACH;
			case 1:
			case 5:
				return WK_RS_ADMIN_PROHIBITED;
			case 4:
				return WK_RS_PORT_UNREACH;
			default:
				return WK_RS_HOST_UNREACH;
			}
		}
	}
	return fallback;
}

/* ---- slots and the redo ring ---------------------------------------------------------- */

static int redo_push(struct cscan *s, const struct redo *r, bool front)
{
	if (s->rq_n == s->rq_sz) {
		size_t n = s->rq_sz ? s->rq_sz * 2 : 256;
		struct redo *q = malloc(n * sizeof(*q));
		if (!q) {
			if (!s->rc)
				s->rc = wk_seterr(s->err, WK_ENOMEM, "connect scan: out of memory");
			return s->rc;
		}
		for (size_t i = 0; i < s->rq_n; i++)
			q[i] = s->rq[(s->rq_head + i) % s->rq_sz];
		free(s->rq);
		s->rq = q;
		s->rq_sz = n;
		s->rq_head = 0;
	}
	if (front) {
		s->rq_head = (s->rq_head + s->rq_sz - 1) % s->rq_sz;
		s->rq[s->rq_head] = *r;
	} else {
		s->rq[(s->rq_head + s->rq_n) % s->rq_sz] = *r;
	}
	s->rq_n++;
	return 0;
}

static bool redo_pop(struct cscan *s, struct redo *r)
{
	if (!s->rq_n)
		return false;
	*r = s->rq[s->rq_head];
	s->rq_head = (s->rq_head + 1) % s->rq_sz;
	s->rq_n--;
	return true;
}

static void list_unlink(struct cscan *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

/* How a socket is given up: closed; reset first (an established connection, so that no
 * TIME_WAIT is left behind); or kept for the next connect (a connect refused or
 * unreachable that the second connect() reported has been disconnected by the kernel and
 * may connect again: two system calls fewer per closed port). */
enum rel { REL_CLOSE, REL_RESET, REL_KEEP };

/* Give the slot back; returns the probe it carried. */
static struct redo conn_release(struct cscan *s, struct conn *c, enum rel how)
{
	struct spare *sp = &s->spare[c->v6];
	if (how == REL_KEEP && !c->probe.recverr && sp->n < SPARE_MAX && c->io.fd >= 0) {
		sp->fd[sp->n++] = c->io.fd;
		c->io.fd = -1;
	}
	if (how == REL_RESET) {
		struct linger l = {1, 0};
		setsockopt(c->io.fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	wk_ev_io_close(s->ev, &c->io);
	list_unlink(s, c);
	s->inflight--;
	c->next = s->free;
	s->free = c;
	if (s->cap < s->npool && !s->backoff_until_ms)
		s->cap++; /* grow back after a shortage, one per completion */
	return c->probe;
}

static unsigned rto_ms(const struct cscan *s)
{
	if (s->fixed_timeout_ms)
		return s->fixed_timeout_ms;
	if (!s->have_rtt) /* --initial-rtt-timeout, or what discovery timed (mixed.c) */
		return s->o->initial_wait_ms ? s->o->initial_wait_ms : RTO_INITIAL_MS;
	double t = (s->srtt_us + 4 * s->rttvar_us) / 1000.0;
	if (t < RTO_MIN_MS)
		return RTO_MIN_MS;
	if (t > RTO_MAX_MS)
		return RTO_MAX_MS;
	return (unsigned)t;
}

/* A connect times out at its start plus the current timeout (nmap's way), so the list in
 * start order is also in deadline order, however the timeout moves. */
static uint64_t deadline(const struct cscan *s, const struct conn *c)
{
	return c->start_ms + rto_ms(s);
}

static void rtt_sample(struct cscan *s, uint32_t rtt_us)
{
	double r = rtt_us;
	if (!s->have_rtt) {
		s->srtt_us = r;
		s->rttvar_us = r / 2;
		s->have_rtt = true;
		return;
	}
	double d = r > s->srtt_us ? r - s->srtt_us : s->srtt_us - r;
	s->rttvar_us += (d - s->rttvar_us) / 4;
	s->srtt_us += (r - s->srtt_us) / 8;
}

/* A probe got no answer within its timeout: again, or filtered. */
static void timed_out(struct cscan *s, struct redo r)
{
	/* nmap's rule: one try more than the latest try that ever got an answer (at least two),
	 * within --max-retries: a clean network costs a filtered port two tries, a lossy one more
	 */
	unsigned allowed = s->max_ok_try > 1 ? s->max_ok_try : 1;
	bool again = r.tries <= s->o->retries && r.tries <= allowed;
	if (again && !stopped(s)) {
		r.recverr = false;
		redo_push(s, &r, false);
		return;
	}
	if (again) {
		/* stopped before its retries: left for the resumed scan */
		if (r.pos < s->min_undone)
			s->min_undone = r.pos;
		return;
	}
	report(s, r.idx, WK_PS_FILTERED, WK_RS_NO_RESPONSE, 0);
}

/* Where a verdict came from: the first connect() itself (routing, local policy: no ICMP
 * message is behind its error), the second one right after it, or the event loop. */
enum src { SRC_CONNECT, SRC_QUICK, SRC_EVENT };

/* The verdict of a finished connect from its error (0: connected). */
static void verdict(struct cscan *s, struct conn *c, int e, enum src from)
{
	bool local = from == SRC_CONNECT;
	enum rel how = from == SRC_QUICK ? REL_KEEP : REL_CLOSE;
	uint64_t us = (wk_mono_ns() - c->start_ns) / 1000;
	uint32_t rtt = us ? (us < UINT32_MAX ? (uint32_t)us : UINT32_MAX) : 1;
	if (s->o->on_trace)
		trace_conn(s, c->probe.idx, e);
	if ((e == 0 || e == ECONNREFUSED) && c->probe.tries > s->max_ok_try)
		s->max_ok_try = c->probe.tries;
	switch (e) {
	case 0:
		rtt_sample(s, rtt);
		report(s, c->probe.idx, WK_PS_OPEN, WK_RS_SYN_ACK, rtt);
		conn_release(s, c, REL_RESET);
		return;
	case ECONNREFUSED:
		rtt_sample(s, rtt);
		report(s, c->probe.idx, WK_PS_CLOSED, WK_RS_CONN_REFUSED, rtt);
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case ENOPROTOOPT:
		if (local) {
			report(s, c->probe.idx, WK_PS_FILTERED,
			       e == ENETUNREACH ? WK_RS_NET_UNREACH : WK_RS_HOST_UNREACH, 0);
			break;
		}
		if (!c->probe.recverr) {
			/* errno folds admin-prohibited into host-unreach: ask again with the
			 * ICMP error queue on (rare, so the common case saves the setsockopt) */
			struct redo r = conn_release(s, c, how);
			r.tries--;
			r.recverr = true;
			redo_push(s, &r, true);
			return;
		}
		report(s, c->probe.idx, WK_PS_FILTERED, icmp_reason(c->io.fd, e), rtt);
		break;
	case EACCES:
	case EPERM:
		report(s, c->probe.idx, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 0);
		break;
	default: /* ETIMEDOUT and anything odd: as if nothing came back */
		timed_out(s, conn_release(s, c, REL_CLOSE));
		return;
	}
	conn_release(s, c, how);
}

static void on_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned events)
{
	(void)ev;
	(void)events;
	struct conn *c = io->ctx;
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY)
		return;
	verdict(c->s, c, e, SRC_EVENT);
}

/* ---- starting connects ------------------------------------------------------------------ */

static void backoff(struct cscan *s)
{
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->backoff_until_ms = wk_ev_now(s->ev) + s->backoff_ms;
	unsigned c = s->inflight * 3 / 4;
	s->cap = c ? c : 1;
}

/* Whether to ask for the verdict right after connect(): on loopback and veth the answer
 * is usually processed before connect() returns, and a second connect() then tells open
 * (0), closed or unreachable (the error) or still waiting (EALREADY) in one system call,
 * without the epoll registration. Where that seldom works (real networks), ask only one
 * connect in QUICK_SAMPLE. */
static bool quick_wanted(struct cscan *s)
{
	if (s->quick_off) {
		s->quick_off--;
		return false;
	}
	return true;
}

static void quick_count(struct cscan *s, bool hit)
{
	s->quick_tries++;
	s->quick_hits += hit;
	if (s->quick_tries < QUICK_WINDOW)
		return;
	if (s->quick_hits * 8 < s->quick_tries)
		s->quick_off = QUICK_SAMPLE * QUICK_WINDOW;
	s->quick_tries = s->quick_hits = 0;
}

/* -S and -e: bind a new socket to the source address (of its family; the port is left to
 * connect(), IP_BIND_ADDRESS_NO_PORT) and to the interface. A reused socket keeps both. */
static int place(struct cscan *s, int fd, int fam)
{
	const struct wk_scan_addr *src = s->o->source;
	if (s->o->ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->o->ifname,
	                               (socklen_t)strlen(s->o->ifname)) < 0) {
		int e = errno;
		return s->rc = e == EPERM
		                   ? wk_seterr(s->err, WK_EPERM,
		                               "connect scan: binding to %s needs CAP_NET_RAW",
		                               s->o->ifname)
		                   : wk_seterr_sys(s->err, e, "connect scan: interface %s",
		                                   s->o->ifname);
	}
	if (!src || src->family != (fam == AF_INET6 ? AF_INET6 : AF_INET))
		return 0;
	int one = 1;
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(src, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return s->rc =
		           wk_seterr_sys(s->err, errno, "connect scan: bind to the source address");
	return 0;
}

/* Start one connect; returns false when the kernel is short of something (ports,
 * descriptors, buffers) and the probe was put back. */
static bool launch(struct cscan *s, const struct redo *r)
{
	struct wk_scan_addr a;
	uint16_t port;
	struct sockaddr_storage ss;
	target_at(s, r->idx, &a, &port);
	socklen_t sl = to_sockaddr(&a, port, &ss);
	int fam = a.family == AF_INET6 ? AF_INET6 : AF_INET;
	struct spare *sp = &s->spare[fam == AF_INET6];
	bool fresh = r->recverr || !sp->n;
	int fd =
	    fresh ? socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : sp->fd[--sp->n];
	if (fd < 0) {
		int e = errno;
		if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
			redo_push(s, r, true);
			backoff(s);
			return false;
		}
		s->rc = wk_seterr_sys(s->err, e, "connect scan: socket");
		return false;
	}
	if (fresh && place(s, fd, fam) < 0) {
		close(fd);
		return false;
	}
	if (r->recverr) {
		int one = 1;
		if (fam == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	}
	struct conn *c = s->free;
	s->free = c->next;
	c->s = s;
	c->probe = *r;
	c->probe.tries++;
	c->v6 = fam == AF_INET6;
	c->start_ns = wk_mono_ns();
	wk_ev_io_init(&c->io, fd, on_io, c);
	s->inflight++;
	/* in the list before anything can release it */
	c->next = NULL;
	c->prev = s->tail;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	int e = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? errno : 0;
	if (e == EADDRNOTAVAIL || e == EAGAIN || e == ENOBUFS || e == ENOMEM) {
		/* out of local ports or buffers: not an answer; put it back, slow down */
		conn_release(s, c, REL_CLOSE);
		redo_push(s, r, true);
		backoff(s);
		return false;
	}
	if (e == EAFNOSUPPORT || e == EBADF || e == EINVAL || e == EISCONN) {
		conn_release(s, c, REL_CLOSE);
		s->rc = wk_seterr_sys(s->err, e, "connect scan: connect");
		return false;
	}
	s->sent++;
	if (r->tries || r->recverr)
		s->retransmits++; /* not a new position: progress counts those */
	if (s->o->on_trace && (e == EINPROGRESS || e == EINTR))
		trace_conn(s, r->idx, EINPROGRESS);
	if (e != EINPROGRESS && e != EINTR) {
		verdict(s, c, e, SRC_CONNECT);
		return true;
	}
	if (!s->backoff_until_ms)
		s->backoff_ms = 0; /* connects work again: the next shortage starts small */
	if (quick_wanted(s)) {
		int q = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? errno : 0;
		quick_count(s, q != EALREADY);
		if (q != EALREADY && q != EINPROGRESS) {
			verdict(s, c, q == EISCONN ? 0 : q, SRC_QUICK);
			return true;
		}
	}
	c->start_ms = wk_ev_now(s->ev);
	int rc = wk_ev_io_set(s->ev, &c->io, WK_EV_OUT, s->err);
	if (rc) {
		s->rc = rc;
		conn_release(s, c, REL_CLOSE);
		return false;
	}
	return true;
}

/* Start connects while there are slots, tokens and probes. */
static void fill(struct cscan *s, uint64_t now_ms, bool stopping)
{
	if (stopping || now_ms < s->backoff_until_ms)
		return;
	s->backoff_until_ms = 0; /* the quiet period is over: the cap may grow again */
	s->pace_wait_ns = 0;
	/* a batch at a time: quick verdicts free their slot at once, and the loop must still
	 * see replies, deadlines, progress and *stop */
	for (unsigned n = 0; n < FILL_BATCH && !s->rc && s->inflight < s->cap && s->free; n++) {
		if (stopped(s))
			return;
		struct redo r = {0};
		if (!redo_pop(s, &r)) {
			if (s->shard_done || !wk_shard_next(&s->shard, &r.pos)) {
				s->shard_done = true;
				return;
			}
			r.idx = wk_perm_at(&s->perm, r.pos);
			if (s->perm.block > 1) /* -r: target * nports + port, to our layout */
				r.idx = r.idx % s->nports * s->ntargets + r.idx / s->nports;
			if (s->sh->only && !bits_get(s->sh->only, r.idx % s->ntargets)) {
				s->total--; /* a host found down: not probed, as nmap does */
				continue;
			}
		}
		if (s->paced && !wk_pace_take(&s->pace, wk_mono_ns(), 1, &s->pace_wait_ns)) {
			if (!s->pace_wait_ns)
				s->pace_wait_ns = 1;
			redo_push(s, &r, true);
			return;
		}
		if (!launch(s, &r))
			return;
	}
}

static void expire(struct cscan *s, uint64_t now_ms)
{
	while (s->head && deadline(s, s->head) <= now_ms)
		timed_out(s, conn_release(s, s->head, REL_CLOSE));
}

/* The workers' last reports together (the lowest position: a resume must not skip what
 * any of them has not done). With sh->mu held, or after the workers ended. */
static void progress_sum(const struct shared *sh, struct wk_scan_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->pos = UINT64_MAX;
	p->phase = "Connect Scan";
	for (unsigned j = 0; j < sh->nworkers; j++) {
		const struct wk_scan_progress *q = &sh->slot[j];
		p->sent += q->sent;
		p->total += q->total;
		p->rate += q->rate;
		p->found += q->found;
		p->retransmits += q->retransmits;
		if (q->pos < p->pos)
			p->pos = q->pos;
	}
	p->decided = p->pos; /* the oldest position not decided */
}

static void progress(struct cscan *s, uint64_t now_ms, bool force)
{
	if (!s->o->on_progress || (!force && now_ms - s->last_prog_ms < 1000))
		return;
	double dt = (double)(now_ms - s->last_prog_ms) / 1000.0;
	struct wk_scan_progress p = {
	    .sent = s->sent - s->retransmits,
	    .total = s->total,
	    .pos = s->shard_done ? s->shard.n : s->shard.pos,
	    .pass = 0,
	    .rate = dt > 0 ? (double)(s->sent - s->prog_sent) / dt : 0,
	    .found = s->found,
	    .retransmits = s->retransmits,
	};
	/* the oldest probe not yet decided bounds what a resume may skip */
	for (struct conn *c = s->head; c; c = c->next)
		if (c->probe.pos < p.pos)
			p.pos = c->probe.pos;
	for (size_t i = 0; i < s->rq_n; i++) {
		uint64_t q = s->rq[(s->rq_head + i) % s->rq_sz].pos;
		if (q < p.pos)
			p.pos = q;
	}
	s->last_prog_ms = now_ms;
	s->prog_sent = s->sent;
	pthread_mutex_lock(&s->sh->mu);
	s->sh->slot[s->wid] = p;
	if (!force && s->wid == 0) { /* worker 0 speaks for all */
		struct wk_scan_progress all;
		progress_sum(s->sh, &all);
		s->o->on_progress(s->o->ctx, &all);
	}
	pthread_mutex_unlock(&s->sh->mu);
}

/* ---- setup ----------------------------------------------------------------------------- */

/* Raise the descriptor limit to the hard limit and size the pool below it. */
static unsigned pool_size(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < want + CONN_FD_RESERVE * 2) {
			struct rlimit nl = rl;
			nl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
				rl = nl;
		}
		if (rl.rlim_cur != RLIM_INFINITY) {
			rlim_t room =
			    rl.rlim_cur > CONN_FD_RESERVE * 2 ? rl.rlim_cur - CONN_FD_RESERVE : 16;
			if (want > room)
				want = (unsigned)room;
		}
	}
	return want ? want : 1;
}

/* What every worker scans: the TCP ports, the targets, the permutation. */
static int check_opts(const struct wk_scan_opts *o, struct cscan *s, struct wk_error *err)
{
	if (!o || !o->targets || !o->ports)
		return wk_seterr(err, WK_EINVAL, "connect scan: targets and ports are needed");
	uint32_t k = o->shard_of ? o->shard_k : 1, of = o->shard_of ? o->shard_of : 1;
	if (k < 1 || k > of)
		return wk_seterr(err, WK_EINVAL, "connect scan: shard %u/%u", k, of);
	if (o->ttl || o->data_length || o->badsum) /* the kernel makes the packets */
		return wk_seterr(err, WK_EINVAL,
		                 "connect scan: --ttl, --data-length and --badsum need raw probes");
	s->ntargets = wk_targets_count(o->targets);
	uint32_t first = o->ports->n, n = 0;
	for (uint32_t i = 0; i < o->ports->n; i++)
		if (o->ports->v[i].proto == WK_SP_TCP) {
			if (first == o->ports->n)
				first = i;
			n++;
		}
	if (!s->ntargets || !n)
		return wk_seterr(err, WK_EINVAL, "connect scan: no %s to scan",
		                 s->ntargets ? "TCP ports" : "targets");
	s->ports = o->ports->v + first;
	s->nports = n;
	if (s->ntargets > UINT64_MAX / n)
		return wk_seterr(err, WK_EINVAL, "connect scan: too many targets x ports");
	if (of > UINT32_MAX / MAX_WORKERS)
		return wk_seterr(err, WK_EINVAL, "connect scan: too many shards");
	wk_perm_init_blocks(&s->perm, s->ntargets * n, o->ports_in_order ? n : 1, o->seed);
	wk_shard_init(&s->shard, s->ntargets * n, k, of, o->resume_pos);
	s->total = wk_shard_left(&s->shard);
	return 0;
}

/* How many workers (threads, each with its own loop): one per processor up to
 * MAX_WORKERS for a scan big enough, since the kernel's connect path (both ends, on
 * loopback or veth) is where the time goes and it runs on the caller's processor. */
static unsigned workers_for(const struct wk_scan_opts *o, uint64_t total, unsigned npool)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned w = cpus > MAX_WORKERS ? MAX_WORKERS : cpus > 1 ? (unsigned)cpus : 1;
	if (total < WORKERS_MIN_PROBES || (o->max_parallel && o->max_parallel < 2 * w))
		return 1;
	return npool < w ? 1 : w;
}

/* One worker's scan of its part: positions i of the shard k/N with i % (N W) == k - 1 +
 * N j for worker j of W, so the workers' parts are disjoint and cover the shard. */
static int worker_init(struct cscan *s, const struct cscan *proto, unsigned j, unsigned w,
                       unsigned npool)
{
	const struct wk_scan_opts *o = proto->o;
	*s = *proto;
	s->wid = j;
	s->err = &s->e;
	s->min_undone = UINT64_MAX;
	s->fixed_timeout_ms = o->timeout_ms;
	uint32_t k = o->shard_of ? o->shard_k : 1, of = o->shard_of ? o->shard_of : 1;
	wk_shard_init(&s->shard, proto->shard.n, k + of * j, of * w, o->resume_pos);
	s->total = wk_shard_left(&s->shard);
	s->npool = npool / w ? npool / w : 1;
	s->cap = s->npool;
	double rate = o->rate > 0 ? o->rate : o->max_rate;
	if (rate > 0) {
		rate /= w;
		unsigned burst = rate >= 1000 ? (unsigned)(rate / 100) : 1;
		wk_pace_init(&s->pace, rate, burst, wk_mono_ns());
		s->paced = true;
	}
	s->pool = calloc(s->npool, sizeof(*s->pool));
	if (!s->pool)
		return wk_seterr(s->err, WK_ENOMEM, "connect scan: out of memory");
	for (unsigned i = 0; i < s->npool; i++) {
		s->pool[i].io.fd = -1;
		s->pool[i].next = i + 1 < s->npool ? &s->pool[i + 1] : NULL;
	}
	s->free = &s->pool[0];
	s->sh->slot[j].total = s->total;
	s->sh->slot[j].pos = s->shard.pos;
	int rc = wk_ev_new(&s->ev, s->err);
	if (!rc)
		s->last_prog_ms = wk_ev_now(s->ev);
	return rc;
}

/* The loop of one worker, to the end of its part, *stop or an error; then what is still
 * undecided goes into min_undone. */
static void *worker_run(void *arg)
{
	struct cscan *s = arg;
	int rc = 0;
	for (;;) {
		bool stopping = stopped(s);
		uint64_t now = wk_ev_now(s->ev);
		expire(s, now);
		fill(s, now, stopping);
		if (s->rc)
			break;
		if (!s->inflight && (stopping || (s->shard_done && !s->rq_n)))
			break;
		progress(s, now, false);
		/* wait for the next deadline, token, back-off end or progress tick */
		uint64_t wait = TURN_MAX_MS;
		uint64_t dl = s->head ? deadline(s, s->head) : UINT64_MAX;
		if (dl > now && dl - now < wait)
			wait = dl - now;
		else if (dl <= now)
			wait = 0;
		if (s->backoff_until_ms > now && s->backoff_until_ms - now < wait)
			wait = s->backoff_until_ms - now;
		if (s->pace_wait_ns && s->pace_wait_ns / 1000000 < wait)
			wait = s->pace_wait_ns / 1000000;
		if (!stopping && s->inflight < s->cap && (s->rq_n || !s->shard_done) &&
		    !s->backoff_until_ms && !s->pace_wait_ns)
			wait = 0; /* fill stopped at its batch: only look at what is ready */
		rc = wk_ev_run_once(s->ev, (int)wait, s->err);
		if (rc < 0) {
			s->rc = rc;
			break;
		}
	}
	if (s->rc)
		__atomic_store_n(&s->sh->failed, 1, __ATOMIC_RELAXED);
	progress(s, wk_ev_now(s->ev), true);
	/* whatever is still open (an error stopped us) is undecided */
	while (s->head) {
		struct conn *c = s->head;
		if (c->probe.pos < s->min_undone)
			s->min_undone = c->probe.pos;
		conn_release(s, c, REL_CLOSE);
	}
	for (size_t i = 0; i < s->rq_n; i++) {
		uint64_t q = s->rq[(s->rq_head + i) % s->rq_sz].pos;
		if (q < s->min_undone)
			s->min_undone = q;
	}
	uint64_t next = s->shard_done ? s->shard.n : s->shard.pos;
	if (next < s->min_undone)
		s->min_undone = next;
	return NULL;
}

static void worker_fini(struct cscan *s)
{
	for (unsigned f = 0; f < 2; f++)
		while (s->spare[f].n)
			close(s->spare[f].fd[--s->spare[f].n]);
	wk_ev_free(s->ev);
	free(s->pool);
	free(s->rq);
}

int wk_scan_connect_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                        struct wk_error *err)
{
	struct scan_tap *tap = NULL;
	/* the record's capture first, then the caller's drop of privileges */
	int rc = scan_tap_open(o, &tap, err);
	if (!rc && o->on_open)
		rc = o->on_open(o->ctx, err);
	if (!rc)
		rc = scan_connect_run_up(o, NULL, tap, sum, resume, err);
	scan_tap_close(tap);
	return rc;
}

int scan_connect_run_up(const struct wk_scan_opts *o, const struct bits *up, struct scan_tap *tap,
                        struct wk_scan_summary *sum, uint64_t *resume, struct wk_error *err)
{
	struct cscan proto, ws[MAX_WORKERS];
	struct shared sh;
	memset(&proto, 0, sizeof(proto));
	memset(&sh, 0, sizeof(sh));
	uint64_t start_ns = wk_mono_ns();
	int rc = check_opts(o, &proto, err);
	if (rc)
		return rc;
	proto.o = o;
	proto.sh = &sh;
	sh.o = o;
	sh.only = up;
	unsigned npool = pool_size(o->max_parallel ? o->max_parallel : CONN_PARALLEL_DEFAULT);
	unsigned w = workers_for(o, proto.total, npool);
	sh.nworkers = w;
	if (proto.ntargets <= (1u << 27)) {
		sh.upmap = calloc((size_t)(proto.ntargets + 7) / 8, 1);
		if (!sh.upmap)
			return wk_seterr(err, WK_ENOMEM, "connect scan: out of memory");
	}
	pthread_mutex_init(&sh.mu, NULL);
	unsigned started = 0;
	pthread_t tid[MAX_WORKERS];
	memset(ws, 0, sizeof(ws));
	for (unsigned j = 0; j < w; j++) {
		rc = worker_init(&ws[j], &proto, j, w, npool);
		if (rc) {
			wk_seterr(err, rc, "%s", ws[j].e.msg);
			for (unsigned i = 0; i <= j; i++)
				worker_fini(&ws[i]);
			goto out;
		}
	}
	if ((rc = scan_tap_start(tap, npool, err))) {
		for (unsigned j = 0; j < w; j++)
			worker_fini(&ws[j]);
		goto out;
	}
	/* worker 0 runs here; the others in their threads */
	for (started = 1; started < w; started++)
		if (pthread_create(&tid[started], NULL, worker_run, &ws[started]) != 0)
			break;
	if (started < w) { /* the threads that did not start: this thread runs their parts */
		for (unsigned j = started; j < w; j++)
			worker_run(&ws[j]);
	}
	worker_run(&ws[0]);
	for (unsigned j = 1; j < started; j++)
		pthread_join(tid[j], NULL);
	rc = scan_tap_stop(tap, err);
	struct wk_scan_progress fin;
	progress_sum(&sh, &fin);
	if (o->on_progress)
		o->on_progress(o->ctx, &fin);
	uint64_t r = UINT64_MAX;
	struct wk_scan_summary tot = {0};
	for (unsigned j = 0; j < w; j++) {
		if (ws[j].rc && !rc) {
			rc = ws[j].rc;
			wk_seterr(err, rc, "%s", ws[j].e.msg);
		}
		if (ws[j].min_undone < r)
			r = ws[j].min_undone;
		tot.probes_sent += ws[j].sent;
		tot.replies += ws[j].replies;
		worker_fini(&ws[j]);
	}
	if (resume)
		*resume = r < proto.shard.n ? r : proto.shard.n;
	if (sum) {
		struct timespec t1;
		clock_gettime(CLOCK_REALTIME, &t1);
		*sum = tot;
		sum->hosts_total = proto.ntargets;
		sum->hosts_up = sh.hosts_up;
		sum->end_sec = t1.tv_sec;
		sum->elapsed = (double)(wk_mono_ns() - start_ns) / 1e9;
	}
out:
	pthread_mutex_destroy(&sh.mu);
	free(sh.upmap);
	return rc;
}
