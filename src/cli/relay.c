/* The relay behind connect and listen: endpoints (stdio, TCP/TLS connections, UDP) with
 * output queues, moved by one pump over a level-triggered epoll loop. Every read is bounded
 * by the room its destinations have, so a slow side throttles the fast one instead of
 * growing memory. A single plain TCP connection moves data with splice(2) through kernel
 * pipes when stdin/stdout allow it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relay.h"
#include "wirekit/ev.h"
#include "wirekit/sock.h"
#include "wirekit/tls.h"

#define HIWAT      (256u << 10) /* a queue above this stops its sources */
#define SCRATCH    (256u << 10)
#define UDP_CHUNK  8192u /* one read of stdin, one datagram */
#define UDP_MAXDG  65536u
#define PIPE_SIZE  (1u << 20)
#define LINE_CAP   (64u << 10) /* -k/--broker: longer lines are passed on in pieces */
#define UDP_LINGER 1000        /* ms to wait for replies after stdin EOF (no -w) */

enum ep_kind { EP_STDIO, EP_TCP, EP_UDP, EP_UDPL };

struct q {
	uint8_t *p;
	size_t head, tail, size;
};

struct ep {
	struct relay *r;
	enum ep_kind kind;
	int rfd, wfd;
	struct wk_ev_io rio, wio; /* wio only for stdio (fd 1) */
	struct wk_tls *tls;
	bool hs; /* TLS handshake in progress */
	unsigned hs_need, rd_need, wr_need;
	bool rd_eof, wr_dead;
	bool shut_done;
	bool closing; /* -k: peer done, close once its queue is empty */
	bool gone;
	struct q out;
	struct q acc; /* line assembly of what this endpoint sends us */
	struct wk_frame_dec dec;
	bool dec_on;
	/* splice: the output queue is a kernel pipe */
	bool spl;
	int pfd[2];
	size_t plen;
	bool pfull;
	struct wk_sockaddr peer;
	bool have_peer;
	char name[WK_SOCKADDR_STRLEN];
	struct ep *next;
};

struct relay {
	struct relay_opts *o;
	const char *target;
	struct wk_ev *ev;
	struct ep *io;    /* stdin/stdout */
	struct ep *conns; /* sockets */
	size_t nconns;
	int lfd[8];
	struct wk_ev_io lio[8];
	size_t nlfd;
	bool accepting;
	struct wk_tls_ctx *tls_ctx;
	const char *tls_host;
	struct wk_ev_timer idle;
	bool idle_fired;
	int sigfd;
	struct wk_ev_io sio;
	int signo;
	bool done, fatal;
	int status;
	uint8_t *scratch;
	size_t recv_count;
	size_t *kmp; /* --recv-until failure table */
	size_t kmp_m;
	bool recv_done;
	int saved_fl[2];
	bool connected_once;
	bool stdin_tty;
	uint64_t activity; /* bumped whenever the pump moved something */
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void vmsg(struct relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vmsg(struct relay *r, const char *fmt, ...)
{
	if (!r->o->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "wirekit %s: ", r->o->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void fail(struct relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct relay *r, const char *fmt, ...)
{
	if (r->fatal)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "wirekit %s: %s: ", r->o->cmd, r->target);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	r->fatal = true;
	r->status = 1;
}

static size_t q_len(const struct q *q)
{
	return q->tail - q->head;
}

static int q_reserve(struct q *q, size_t n)
{
	if (q->size - q->tail >= n)
		return 0;
	size_t len = q_len(q);
	if (q->head) {
		memmove(q->p, q->p + q->head, len);
		q->head = 0;
		q->tail = len;
		if (q->size - len >= n)
			return 0;
	}
	size_t ns = q->size ? q->size : 4096;
	while (ns - len < n) {
		if (ns > SIZE_MAX / 2)
			return WK_ENOMEM;
		ns *= 2;
	}
	uint8_t *p = realloc(q->p, ns);
	if (!p)
		return WK_ENOMEM;
	q->p = p;
	q->size = ns;
	return 0;
}

static int q_add(struct q *q, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (q_reserve(q, n))
		return WK_ENOMEM;
	memcpy(q->p + q->tail, p, n);
	q->tail += n;
	return 0;
}

static void q_drop(struct q *q, size_t n)
{
	q->head += n;
	if (q->head >= q->tail)
		q->head = q->tail = 0;
}

static void q_free(struct q *q)
{
	free(q->p);
	memset(q, 0, sizeof(*q));
}

static bool is_tty(int fd)
{
	return isatty(fd) == 1;
}

static size_t out_len(const struct ep *e)
{
	return e->spl ? e->plen : q_len(&e->out);
}

/* ---- endpoints ---------------------------------------------------------------------------- */

static void on_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned got)
{
	(void)ev;
	struct ep *e = io->ctx;
	unsigned g = got;
	if (got & (WK_EV_ERR | WK_EV_HUP))
		g |= WK_EV_IN | WK_EV_OUT; /* let the next call find out what happened */
	if (io == &e->wio) {               /* stdout */
		if (g & WK_EV_OUT)
			e->wr_need = 0;
		return;
	}
	if (e->kind == EP_STDIO) {
		if (g & WK_EV_IN)
			e->rd_need = 0;
		return;
	}
	if (e->hs_need & g)
		e->hs_need = 0;
	if (e->rd_need & g)
		e->rd_need = 0;
	if (e->wr_need & g)
		e->wr_need = 0;
}

static void ep_free(struct relay *r, struct ep *e)
{
	if (!e)
		return;
	wk_ev_io_stop(r->ev, &e->rio);
	if (e->kind == EP_STDIO)
		wk_ev_io_stop(r->ev, &e->wio);
	wk_tls_free(e->tls);
	if (e->kind != EP_STDIO && e->rfd >= 0)
		close(e->rfd);
	if (e->spl) {
		close(e->pfd[0]);
		close(e->pfd[1]);
	}
	q_free(&e->out);
	q_free(&e->acc);
	if (e->dec_on)
		wk_frame_dec_fini(&e->dec);
	free(e);
}

static struct ep *ep_new(struct relay *r, enum ep_kind kind, int rfd, int wfd)
{
	struct ep *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->r = r;
	e->kind = kind;
	e->rfd = rfd;
	e->wfd = wfd;
	e->pfd[0] = e->pfd[1] = -1;
	wk_ev_io_init(&e->rio, rfd, on_io, e);
	if (kind == EP_STDIO)
		wk_ev_io_init(&e->wio, wfd, on_io, e);
	if (kind != EP_STDIO && r->o->frame) {
		wk_frame_dec_init(&e->dec, r->o->max_frame);
		e->dec_on = true;
	}
	return e;
}

/* Switch an endpoint's output queue to a kernel pipe; false when pipes are unavailable. */
static bool ep_splice_on(struct ep *e)
{
	if (pipe2(e->pfd, O_NONBLOCK | O_CLOEXEC) < 0)
		return false;
	fcntl(e->pfd[1], F_SETPIPE_SZ, PIPE_SIZE);
	e->spl = true;
	return true;
}

/* A splice failed as unsupported for these descriptors: move what is in the pipe back to
 * memory and use read/write from now on. */
static void ep_splice_off(struct ep *e)
{
	while (e->plen) {
		uint8_t b[65536];
		ssize_t n = read(e->pfd[0], b, e->plen < sizeof(b) ? e->plen : sizeof(b));
		if (n <= 0)
			break;
		q_add(&e->out, b, (size_t)n);
		e->plen -= (size_t)n;
	}
	close(e->pfd[0]);
	close(e->pfd[1]);
	e->pfd[0] = e->pfd[1] = -1;
	e->spl = false;
	e->plen = 0;
}

/* A connection is ready for data once connected and past its TLS handshake. */
static bool conn_ready(const struct ep *c)
{
	return !c->hs && !c->gone && !c->wr_dead && !c->shut_done &&
	       (c->kind != EP_UDPL || c->have_peer);
}

static void drop_conn(struct relay *r, struct ep *c, const char *why)
{
	if (c->gone)
		return;
	c->gone = true;
	if (r->o->keep || r->o->broker) {
		vmsg(r, "%s: %s", c->name, why);
		return;
	}
	if (strcmp(why, "closed"))
		fail(r, "%s", why);
}

/* ---- routing ------------------------------------------------------------------------------ */

static void io_out(struct relay *r, const uint8_t *p, size_t n)
{
	struct ep *io = r->io;
	if (!io || io->wr_dead || r->o->send_only || !n)
		return;
	if (q_add(&io->out, p, n))
		fail(r, "out of memory");
}

static void send_conn(struct relay *r, struct ep *c, const uint8_t *p, size_t n)
{
	if (r->o->frame) {
		struct wk_buf b;
		struct wk_error e;
		wk_buf_init(&b, r->o->max_frame + WK_FRAME_HDR + 1);
		if (wk_frame_put(&b, p, n, r->o->max_frame, &e))
			fail(r, "stdin: %s", e.msg);
		else if (q_add(&c->out, b.p, b.len))
			fail(r, "out of memory");
		wk_buf_fini(&b);
		return;
	}
	if (q_add(&c->out, p, n))
		fail(r, "out of memory");
}

/* Data from stdin (one frame's payload in frame mode) to every ready connection. */
static void to_conns(struct relay *r, struct ep *except, const uint8_t *p, size_t n)
{
	for (struct ep *c = r->conns; c; c = c->next)
		if (c != except && conn_ready(c))
			send_conn(r, c, p, n);
}

/* Cut the stream into frames: one per line (without the newline) or per N bytes. */
static void frame_split(struct relay *r, struct ep *src, const uint8_t *p, size_t n, bool eof)
{
	struct q *a = &src->acc;
	if (q_add(a, p, n)) {
		fail(r, "out of memory");
		return;
	}
	for (;;) {
		const uint8_t *b = a->p + a->head;
		size_t len = q_len(a), unit, skip;
		if (r->o->frame_bytes) {
			if (len >= r->o->frame_bytes)
				unit = skip = r->o->frame_bytes;
			else if (eof && len)
				unit = skip = len;
			else
				break;
		} else {
			const uint8_t *nl = len ? memchr(b, '\n', len) : NULL;
			if (nl) {
				unit = (size_t)(nl - b);
				skip = unit + 1;
			} else if (eof && len) {
				unit = skip = len;
			} else {
				if (len > r->o->max_frame)
					fail(r, "stdin: line longer than --max-frame %zu",
					     r->o->max_frame);
				break;
			}
		}
		if (unit > r->o->max_frame) {
			fail(r, "stdin: message of %zu bytes exceeds --max-frame %zu", unit,
			     r->o->max_frame);
			break;
		}
		to_conns(r, NULL, b, unit);
		q_drop(a, skip);
	}
}

/* Whole lines from one client go out together, so clients' lines never interleave. */
static void line_route(struct relay *r, struct ep *src, const uint8_t *p, size_t n, bool eof)
{
	struct q *a = &src->acc;
	const uint8_t *last = NULL;
	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == '\n') {
			last = p + i - 1;
			break;
		}
	size_t upto = last ? (size_t)(last - p) + 1 : 0;
	if (upto || eof || q_len(a) + n >= LINE_CAP) {
		size_t take = (eof || !last) ? n : upto;
		if (q_add(a, p, take)) {
			fail(r, "out of memory");
			return;
		}
		if (r->o->broker)
			to_conns(r, src, a->p + a->head, q_len(a));
		else
			io_out(r, a->p + a->head, q_len(a));
		q_drop(a, q_len(a));
		p += take;
		n -= take;
	}
	if (n && q_add(a, p, n))
		fail(r, "out of memory");
}

/* --recv-until: Knuth-Morris-Pratt over the stream, so a match split between reads counts.
 * Returns how many bytes of p belong to the reply (through the end of the match). */
static size_t until_scan(struct relay *r, const uint8_t *p, size_t n)
{
	const uint8_t *u = (const uint8_t *)r->o->until;
	size_t m = r->o->until_len;
	for (size_t i = 0; i < n; i++) {
		while (r->kmp_m && p[i] != u[r->kmp_m])
			r->kmp_m = r->kmp[r->kmp_m - 1];
		if (p[i] == u[r->kmp_m])
			r->kmp_m++;
		if (r->kmp_m == m) {
			r->recv_done = true;
			return i + 1;
		}
	}
	return n;
}

/* Data read from a connection. */
static void from_conn(struct relay *r, struct ep *c, const uint8_t *p, size_t n, bool eof)
{
	if (r->o->broker || r->o->keep) {
		if (!r->o->frame) {
			line_route(r, c, p, n, eof);
			return;
		}
	}
	if (c->dec_on) {
		while (n) {
			const uint8_t *f;
			size_t used = 0, flen = 0;
			struct wk_error e;
			int rc = wk_frame_dec_feed(&c->dec, p, n, &used, &f, &flen, &e);
			if (rc < 0) {
				if (r->o->keep)
					drop_conn(r, c, e.msg);
				else
					fail(r, "%s", e.msg);
				return;
			}
			if (rc == 1) {
				if (r->o->broker)
					to_conns(r, c, f, flen);
				else {
					io_out(r, f, flen);
					io_out(r, (const uint8_t *)"\n", 1);
				}
			}
			p += used;
			n -= used;
		}
		if (eof && wk_frame_dec_partial(&c->dec))
			fail(r, "connection closed in the middle of a frame");
		return;
	}
	if (r->o->has_until && !r->recv_done)
		n = until_scan(r, p, n);
	io_out(r, p, n);
	r->recv_count += n;
	if (r->o->has_recv_n && r->recv_count >= r->o->recv_n)
		r->recv_done = true;
}

/* How many bytes src may read now without pushing a destination above HIWAT. */
static size_t room_for(struct relay *r, struct ep *src)
{
	size_t room = SCRATCH;
	if (src->kind == EP_STDIO) {
		size_t ready = 0;
		for (struct ep *c = r->conns; c; c = c->next) {
			if (!conn_ready(c))
				continue;
			ready++;
			size_t l = out_len(c);
			size_t cap = c->spl ? PIPE_SIZE : HIWAT;
			if (c->kind == EP_UDP || c->kind == EP_UDPL)
				room = l ? 0 : (room < UDP_CHUNK ? room : UDP_CHUNK);
			else if (c->spl && c->pfull)
				room = 0;
			else
				room = l >= cap ? 0 : (cap - l < room ? cap - l : room);
		}
		return ready ? room : 0;
	}
	if (r->o->broker) {
		for (struct ep *c = r->conns; c; c = c->next) {
			if (c == src || !conn_ready(c))
				continue;
			size_t l = q_len(&c->out);
			room = l >= HIWAT ? 0 : (HIWAT - l < room ? HIWAT - l : room);
		}
	} else if (r->io && !r->io->wr_dead && !r->o->send_only) {
		struct ep *io = r->io;
		size_t cap = io->spl ? PIPE_SIZE : HIWAT;
		size_t l = out_len(io);
		if (io->spl && io->pfull)
			return 0;
		room = l >= cap ? 0 : (cap - l < room ? cap - l : room);
	}
	if (r->o->has_recv_n && !r->o->frame) {
		size_t left = r->o->recv_n - r->recv_count;
		room = left < room ? left : room;
	}
	if ((src->kind == EP_UDP || src->kind == EP_UDPL) && room < UDP_MAXDG)
		return 0; /* a datagram must fit whole */
	return room;
}

/* ---- reading -------------------------------------------------------------------------------- */

static const char *sock_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset by peer";
	case ETIMEDOUT:
		return "connection timed out";
	case EPIPE:
		return "connection closed by peer";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	default:
		return strerror(err);
	}
}

static void conn_eof(struct relay *r, struct ep *c)
{
	c->rd_eof = true;
	from_conn(r, c, NULL, 0, true);
	if (r->o->keep || r->o->broker) {
		c->closing = true;
		vmsg(r, "%s: end of data", c->name);
	}
}

/* splice(2) src -> dst pipe; returns bytes, 0 at EOF, -1 with errno. */
static ssize_t do_splice(int in, int out, size_t n)
{
	return splice(in, NULL, out, NULL, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

/* Read once from e. Returns true if something happened. */
static bool ep_read(struct relay *r, struct ep *e)
{
	if (e->rd_eof || e->rd_need || e->gone || e->hs || r->fatal || r->recv_done)
		return false;
	if (e->kind == EP_STDIO && r->o->recv_only)
		return false;
	size_t room = room_for(r, e);
	if (room == 0)
		return false;
	/* single plain connection: splice straight into the other side's pipe */
	struct ep *dst = e->kind == EP_STDIO ? r->conns : r->io;
	if (dst && dst->spl && !r->o->keep && !r->o->broker) {
		ssize_t n = do_splice(e->rfd, dst->pfd[1], room);
		if (n > 0) {
			dst->plen += (size_t)n;
			return true;
		}
		if (n == 0) {
			if (e->kind == EP_STDIO)
				e->rd_eof = true;
			else
				conn_eof(r, e);
			return true;
		}
		if (errno == EAGAIN) {
			if (dst->plen)
				dst->pfull = true; /* maybe the pipe; retry after it drains */
			else
				e->rd_need = WK_EV_IN;
			return false;
		}
		if (errno == EINVAL || errno == ENOSYS || errno == EBADF) {
			if (errno == EBADF && e->kind == EP_STDIO) {
				e->rd_eof = true;
				return true;
			}
			ep_splice_off(dst);
			return true;
		}
		if (e->kind == EP_STDIO) {
			fprintf(stderr, "wirekit %s: stdin: %s\n", r->o->cmd, strerror(errno));
			e->rd_eof = true;
		} else {
			drop_conn(r, e, sock_reason(errno));
		}
		return true;
	}
	uint8_t *b = r->scratch;
	size_t want = room < SCRATCH ? room : SCRATCH;
	ssize_t n;
	if (e->kind == EP_STDIO) {
		n = read(e->rfd, b, want);
		if (n < 0 && errno == EINTR)
			return true;
		if (n < 0 && errno == EAGAIN) {
			e->rd_need = WK_EV_IN;
			return false;
		}
		if (n < 0 && errno != EBADF)
			fprintf(stderr, "wirekit %s: stdin: %s\n", r->o->cmd, strerror(errno));
		if (n <= 0) {
			e->rd_eof = true;
			if (r->o->frame)
				frame_split(r, e, NULL, 0, true);
			return true;
		}
		if (r->o->frame)
			frame_split(r, e, b, (size_t)n, false);
		else
			to_conns(r, NULL, b, (size_t)n);
		return true;
	}
	if (e->tls) {
		size_t got = 0;
		struct wk_error er;
		int rc = wk_tls_read(e->tls, b, want, &got, &er);
		if (rc == 0) {
			from_conn(r, e, b, got, false);
			return true;
		}
		if (rc == WK_TLS_WANT_READ || rc == WK_TLS_WANT_WRITE) {
			e->rd_need = rc == WK_TLS_WANT_READ ? WK_EV_IN : WK_EV_OUT;
			return false;
		}
		if (rc == WK_EEOF)
			conn_eof(r, e);
		else
			drop_conn(r, e, er.msg);
		return true;
	}
	if (e->kind == EP_UDPL) {
		struct wk_sockaddr from;
		from.len = sizeof(from.ss);
		n = recvfrom(e->rfd, b, want, 0, (struct sockaddr *)&from.ss, &from.len);
		if (n >= 0) {
			if (!e->have_peer || from.len != e->peer.len ||
			    memcmp(&from.ss, &e->peer.ss, from.len)) {
				e->peer = from;
				e->have_peer = true;
				wk_sockaddr_fmt(&from, e->name, sizeof(e->name));
				vmsg(r, "datagrams from %s", e->name);
			}
			from_conn(r, e, b, (size_t)n, false);
			return true;
		}
	} else {
		n = recv(e->rfd, b, want, 0);
		if (n > 0) {
			from_conn(r, e, b, (size_t)n, false);
			return true;
		}
		if (n == 0 && e->kind == EP_TCP) {
			conn_eof(r, e);
			return true;
		}
		if (n == 0)
			return true; /* an empty datagram */
	}
	if (errno == EINTR)
		return true;
	if (errno == EAGAIN) {
		e->rd_need = WK_EV_IN;
		return false;
	}
	if (e->kind == EP_UDPL) /* an ICMP error about an earlier reply: not fatal */
		return true;
	drop_conn(r, e, sock_reason(errno));
	return true;
}

/* ---- writing -------------------------------------------------------------------------------- */

static bool ep_write(struct relay *r, struct ep *e)
{
	if (e->wr_need || e->wr_dead || e->hs || out_len(e) == 0)
		return false;
	if (e->kind == EP_UDPL && !e->have_peer)
		return false;
	if (e->spl) {
		ssize_t n = do_splice(e->pfd[0], e->wfd, e->plen);
		if (n > 0) {
			e->plen -= (size_t)n;
			e->pfull = false;
			return true;
		}
		if (n < 0 && errno == EAGAIN) {
			e->wr_need = WK_EV_OUT;
			return false;
		}
		if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
			ep_splice_off(e);
			return true;
		}
		goto broken;
	}
	const uint8_t *p = e->out.p + e->out.head;
	size_t len = q_len(&e->out);
	ssize_t n;
	if (e->tls) {
		size_t put = 0;
		struct wk_error er;
		int rc = wk_tls_write(e->tls, p, len, &put, &er);
		if (rc == 0) {
			q_drop(&e->out, put);
			return true;
		}
		if (rc == WK_TLS_WANT_READ || rc == WK_TLS_WANT_WRITE) {
			e->wr_need = rc == WK_TLS_WANT_READ ? WK_EV_IN : WK_EV_OUT;
			return false;
		}
		e->wr_dead = true;
		q_drop(&e->out, len);
		drop_conn(r, e, er.msg);
		return true;
	}
	if (e->kind == EP_STDIO)
		n = write(e->wfd, p, len);
	else if (e->kind == EP_UDPL)
		n = sendto(e->wfd, p, len, 0, (struct sockaddr *)&e->peer.ss, e->peer.len);
	else
		n = send(e->wfd, p, len, MSG_NOSIGNAL);
	if (n >= 0) {
		/* a datagram goes whole or not at all */
		q_drop(&e->out, e->kind == EP_UDP || e->kind == EP_UDPL ? len : (size_t)n);
		return true;
	}
	if (errno == EINTR)
		return true;
	if (errno == EAGAIN) {
		e->wr_need = WK_EV_OUT;
		return false;
	}
	if (e->kind == EP_UDPL) { /* the last peer went away; keep serving others */
		q_drop(&e->out, len);
		return true;
	}
broken:
	e->wr_dead = true;
	if (e->spl)
		e->plen = 0;
	else
		q_drop(&e->out, q_len(&e->out));
	if (e->kind == EP_STDIO) {
		if (errno != EPIPE)
			fprintf(stderr, "wirekit %s: stdout: %s\n", r->o->cmd, strerror(errno));
		r->status = 1;
		r->fatal = true;
	} else {
		drop_conn(r, e, sock_reason(errno));
	}
	return true;
}

/* Our half-close: once stdin has ended and everything is sent, FIN (after close_notify). */
static bool ep_shut(struct relay *r, struct ep *c)
{
	if (c->shut_done || c->gone || c->hs || out_len(c) || c->kind != EP_TCP)
		return false;
	if (c->tls) {
		struct wk_error er;
		int rc = wk_tls_close_notify(c->tls, &er);
		if (rc > 0) {
			c->wr_need = rc == WK_TLS_WANT_READ ? WK_EV_IN : WK_EV_OUT;
			return false;
		}
	}
	shutdown(c->rfd, SHUT_WR);
	c->shut_done = true;
	vmsg(r, "%s: sent end of data", c->name);
	return true;
}

static void print_tls(struct relay *r, struct ep *c)
{
	struct wk_tls_info i;
	char hex[3 * 32 + 1];
	if (!r->o->verbose || wk_tls_get_info(c->tls, &i))
		return;
	vmsg(r, "%s: %s %s%s%s", c->name, i.version, i.cipher, i.alpn[0] ? ", ALPN " : "", i.alpn);
	if (!i.has_cert)
		return;
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 3 * k, 4, "%02x%s", i.sha256[k], k < 31 ? ":" : "");
	fprintf(stderr,
	        "  subject: %s\n  issuer: %s\n  SANs: %s\n  valid: %s to %s\n  key: %s\n"
	        "  sha256: %s\n",
	        i.subject, i.issuer, i.sans[0] ? i.sans : "(none)", i.not_before, i.not_after,
	        i.key, hex);
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", i.spki_sha256[k]);
	fprintf(stderr, "  public key sha256: %s\n  verified: %s\n", hex,
	        i.verified     ? (r->o->pin ? "yes (pinned)" : "yes")
	        : r->o->listen ? "no (client certificate not requested)"
	                       : "no (--insecure)");
}

static bool ep_handshake(struct relay *r, struct ep *c)
{
	if (!c->hs || c->hs_need || c->gone)
		return false;
	struct wk_error er;
	int rc = wk_tls_handshake(c->tls, &er);
	if (rc == WK_TLS_WANT_READ || rc == WK_TLS_WANT_WRITE) {
		c->hs_need = rc == WK_TLS_WANT_READ ? WK_EV_IN : WK_EV_OUT;
		return false;
	}
	if (rc) {
		drop_conn(r, c, er.msg);
		return true;
	}
	c->hs = false;
	print_tls(r, c);
	return true;
}

/* ---- the pump ---------------------------------------------------------------------------------
 */

static void set_interest(struct relay *r, struct ep *e)
{
	struct wk_error er;
	if (e->kind == EP_STDIO) {
		wk_ev_io_set(r->ev, &e->rio, e->rd_eof ? 0 : e->rd_need, &er);
		wk_ev_io_set(r->ev, &e->wio, e->wr_dead || !out_len(e) ? 0 : e->wr_need, &er);
		return;
	}
	unsigned want =
	    e->gone ? 0
	            : (e->hs_need | (e->rd_eof ? 0 : e->rd_need) | (e->wr_dead ? 0 : e->wr_need));
	if (wk_ev_io_set(r->ev, &e->rio, want, &er))
		drop_conn(r, e, er.msg);
}

static void reap(struct relay *r)
{
	struct ep **pp = &r->conns;
	while (*pp) {
		struct ep *c = *pp;
		bool close_now = c->gone || (c->closing && out_len(c) == 0);
		if (close_now && (r->o->keep || r->o->broker)) {
			if (!c->gone)
				vmsg(r, "%s: closed", c->name);
			*pp = c->next;
			r->nconns--;
			ep_free(r, c);
			continue;
		}
		pp = &c->next;
	}
}

static bool single_done(struct relay *r)
{
	struct ep *c = r->conns;
	struct ep *io = r->io;
	bool out_empty = !io || io->wr_dead || out_len(io) == 0;
	if (r->fatal)
		return out_empty;
	if (!c)
		return false;
	if (r->recv_done)
		return out_empty;
	if (c->gone)
		return out_empty;
	if (r->o->send_only)
		return io->rd_eof && out_len(c) == 0 && (c->shut_done || c->kind != EP_TCP);
	if (c->kind != EP_TCP)
		return false; /* UDP ends by its timers */
	/* both directions finished: theirs (EOF) and ours (stdin ended, all sent, FIN) */
	if (c->rd_eof && (r->o->has_recv_n || r->o->has_until))
		return out_empty; /* the reply cannot complete any more */
	bool sent_all = !io || (io->rd_eof && out_len(c) == 0);
	bool no_fin = r->o->recv_only;
	bool ours = c->wr_dead || c->shut_done || (sent_all && no_fin);
	return c->rd_eof && out_empty && ours;
}

/* Move data until everything waits; true when it stopped only to let the loop breathe. */
static bool pump(struct relay *r)
{
	bool progress;
	int turns = 0;
	do {
		progress = false;
		for (struct ep *c = r->conns; c; c = c->next)
			progress |= ep_handshake(r, c);
		if (r->io)
			progress |= ep_read(r, r->io);
		for (struct ep *c = r->conns; c; c = c->next)
			progress |= ep_read(r, c);
		for (struct ep *c = r->conns; c; c = c->next) {
			progress |= ep_write(r, c);
			/* stdin ended (or was never ours to read): half-close, except when a
			 * listener serves many, or the reply is still expected (--recv) */
			bool in_done = !r->io || r->io->rd_eof;
			if (in_done && !r->o->keep && !r->o->broker && !r->o->has_recv_n &&
			    !r->o->has_until && !r->o->recv_only)
				progress |= ep_shut(r, c);
			/* the peer is done and so are we: nothing else to send to it */
		}
		if (r->io)
			progress |= ep_write(r, r->io);
		/* the peer has finished sending: an interactive user is done too, but piped
		 * input still goes out (half-close works both ways) */
		if (!r->o->keep && !r->o->broker && r->conns && r->conns->rd_eof && r->io &&
		    !r->io->rd_eof && r->stdin_tty)
			r->io->rd_eof = true;
		reap(r);
		if (progress)
			r->activity++;
		if (!r->o->keep && !r->o->broker && single_done(r))
			r->done = true;
		if (r->fatal && (!r->io || r->io->wr_dead || out_len(r->io) == 0))
			r->done = true;
		/* bounded: let the loop see timers and signals between long bursts */
	} while (progress && !r->done && ++turns < 64);
	if (r->done)
		return false;
	if (r->io)
		set_interest(r, r->io);
	for (struct ep *c = r->conns; c; c = c->next)
		set_interest(r, c);
	return progress;
}

/* ---- timers and signals ------------------------------------------------------------------ */

static void on_idle(struct wk_ev *ev, struct wk_ev_timer *t)
{
	(void)ev;
	struct relay *r = t->ctx;
	r->idle_fired = true;
}

static void on_signal(struct wk_ev *ev, struct wk_ev_io *io, unsigned got)
{
	(void)ev;
	(void)got;
	struct relay *r = io->ctx;
	struct signalfd_siginfo si;
	if (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		r->signo = (int)si.ssi_signo;
}

static int setup_signals(struct relay *r)
{
	sigset_t s;
	struct wk_error er;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
		return -1;
	r->sigfd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return -1;
	wk_ev_io_init(&r->sio, r->sigfd, on_signal, r);
	return wk_ev_io_set(r->ev, &r->sio, WK_EV_IN, &er);
}

/* ---- setup and main loop ------------------------------------------------------------------- */

static int stdio_setup(struct relay *r)
{
	r->io = ep_new(r, EP_STDIO, STDIN_FILENO, STDOUT_FILENO);
	if (!r->io)
		return -1;
	r->stdin_tty = is_tty(STDIN_FILENO);
	for (int fd = 0; fd < 2; fd++) {
		r->saved_fl[fd] = fcntl(fd, F_GETFL);
		if (r->saved_fl[fd] >= 0)
			fcntl(fd, F_SETFL, r->saved_fl[fd] | O_NONBLOCK);
	}
	if (r->saved_fl[0] < 0)
		r->io->rd_eof = true; /* stdin closed */
	if (r->o->has_send || r->o->recv_only)
		r->io->rd_eof = true; /* --send replaces stdin */
	if (r->saved_fl[1] < 0)
		r->io->wr_dead = true;
	/* stdout to a pipe or a file: splice from the socket (single plain TCP only) */
	return 0;
}

static void stdio_restore(struct relay *r)
{
	for (int fd = 0; fd < 2; fd++)
		if (r->saved_fl[fd] >= 0)
			fcntl(fd, F_SETFL, r->saved_fl[fd]);
}

static bool splice_ok(struct relay *r)
{
	struct relay_opts *o = r->o;
	return !o->no_splice && !o->udp && !o->tls && !o->frame && !o->keep && !o->broker &&
	       !o->has_recv_n && !o->has_until && !o->send_only;
}

/* Add a connected socket as an endpoint (TLS handshake pending if TLS). */
static struct ep *add_conn(struct relay *r, int fd, enum ep_kind kind,
                           const struct wk_sockaddr *peer)
{
	struct wk_error er;
	struct ep *c = ep_new(r, kind, fd, fd);
	if (!c) {
		close(fd);
		return NULL;
	}
	if (peer) {
		c->peer = *peer;
		c->have_peer = kind != EP_UDPL;
		wk_sockaddr_fmt(peer, c->name, sizeof(c->name));
	} else {
		snprintf(c->name, sizeof(c->name), "%.60s", r->target);
	}
	if (r->tls_ctx) {
		if (wk_tls_new(&c->tls, r->tls_ctx, fd, r->tls_host, &er)) {
			fprintf(stderr, "wirekit %s: %s\n", r->o->cmd, er.msg);
			ep_free(r, c);
			return NULL;
		}
		c->hs = true;
	}
	if (kind == EP_TCP) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (splice_ok(r) && kind == EP_TCP) {
		if (r->io && !is_tty(STDIN_FILENO) && !r->io->rd_eof)
			ep_splice_on(c);
		if (r->io && !is_tty(STDOUT_FILENO) && !r->io->wr_dead && !r->io->spl)
			ep_splice_on(r->io);
	}
	if (r->o->has_send && q_add(&c->out, r->o->send, r->o->send_len))
		fail(r, "out of memory");
	c->next = r->conns;
	r->conns = c;
	r->nconns++;
	r->connected_once = true;
	return c;
}

static int run_loop(struct relay *r)
{
	struct wk_error er;
	uint64_t last = r->activity;
	bool udp_mode = r->o->udp;
	while (!r->done) {
		bool busy = pump(r);
		if (r->done)
			break;
		if (r->signo) {
			r->status = 128 + r->signo;
			break;
		}
		bool in_eof = r->io && r->io->rd_eof;
		int linger = r->o->wait_ms >= 0                    ? r->o->wait_ms
		             : udp_mode && !r->o->listen && in_eof ? UDP_LINGER
		                                                   : -1;
		if (linger >= 0 && !r->o->keep && !r->o->broker &&
		    (r->activity != last || !wk_ev_timer_armed(&r->idle))) {
			wk_ev_timer_start(r->ev, &r->idle, (uint64_t)linger, &er);
			last = r->activity;
		}
		if (wk_ev_run_once(r->ev, busy ? 0 : -1, &er) < 0) {
			fail(r, "%s", er.msg);
			break;
		}
		if (r->idle_fired) {
			r->idle_fired = false;
			if (r->activity != last)
				continue; /* re-armed at the top */
			if (udp_mode) {
				r->done = true;
				break;
			}
			if (r->o->has_recv_n || r->o->has_until)
				fail(r, "timed out after %d ms waiting for the reply",
				     r->o->wait_ms);
			else if (!r->connected_once)
				fail(r, "no connection within %d ms", r->o->wait_ms);
			else
				fail(r, "idle for %d ms, giving up", r->o->wait_ms);
			/* flush what we have without waiting for more */
			if (r->io)
				ep_write(r, r->io);
			break;
		}
	}
	if (!r->fatal && (r->o->has_recv_n || r->o->has_until) && !r->recv_done && r->status == 0 &&
	    !r->signo) {
		fprintf(stderr, "wirekit %s: %s: connection closed before the expected reply\n",
		        r->o->cmd, r->target);
		r->status = 1;
	}
	return r->status;
}

static int relay_init(struct relay *r, struct relay_opts *o, const char *target)
{
	struct wk_error er;
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->target = target;
	r->sigfd = -1;
	r->saved_fl[0] = r->saved_fl[1] = -1;
	if (wk_ev_new(&r->ev, &er)) {
		fprintf(stderr, "wirekit %s: %s\n", o->cmd, er.msg);
		return 1;
	}
	wk_ev_timer_init(&r->idle, on_idle, r);
	r->scratch = malloc(SCRATCH > UDP_MAXDG ? SCRATCH : UDP_MAXDG);
	if (!r->scratch || setup_signals(r)) {
		fprintf(stderr, "wirekit %s: setup failed\n", o->cmd);
		return 1;
	}
	if (o->has_until) {
		/* KMP failure table */
		r->kmp = calloc(o->until_len, sizeof(*r->kmp));
		if (!r->kmp)
			return 1;
		const uint8_t *u = (const uint8_t *)o->until;
		for (size_t i = 1, k = 0; i < o->until_len; i++) {
			while (k && u[i] != u[k])
				k = r->kmp[k - 1];
			if (u[i] == u[k])
				k++;
			r->kmp[i] = k;
		}
	}
	return 0;
}

static void relay_fini(struct relay *r)
{
	while (r->conns) {
		struct ep *c = r->conns;
		r->conns = c->next;
		ep_free(r, c);
	}
	if (r->io) {
		stdio_restore(r);
		ep_free(r, r->io);
	}
	for (size_t i = 0; i < r->nlfd; i++) {
		wk_ev_io_stop(r->ev, &r->lio[i]);
		close(r->lfd[i]);
	}
	if (r->sigfd >= 0) {
		wk_ev_io_stop(r->ev, &r->sio);
		close(r->sigfd);
	}
	if (r->ev)
		wk_ev_timer_stop(r->ev, &r->idle);
	wk_ev_free(r->ev);
	wk_tls_ctx_free(r->tls_ctx);
	free(r->scratch);
	free(r->kmp);
}

static void target_name(char *dst, size_t n, const char *host, const char *port)
{
	if (host && strchr(host, ':'))
		snprintf(dst, n, "[%s]:%s", host, port);
	else
		snprintf(dst, n, "%s:%s", host ? host : "*", port);
}

static bool is_literal(const char *h)
{
	uint8_t b[16];
	return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

static void tls_pin_hint(struct relay *r)
{
	uint8_t fp[32];
	char hex[65];
	if (wk_tls_ctx_cert_sha256(r->tls_ctx, fp))
		return;
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", fp[k]);
	fprintf(stderr, "wirekit %s: self-signed certificate sha256 %s\n", r->o->cmd, hex);
}

/* UDP -z: a port is open unless an ICMP port unreachable comes back in time. */
static int udp_probe(struct relay *r, int fd)
{
	if (send(fd, "", 0, 0) < 0 && errno != EAGAIN) {
		fail(r, "%s", sock_reason(errno));
		return 1;
	}
	int wait = r->o->wait_ms >= 0 ? r->o->wait_ms : UDP_LINGER;
	struct wk_error er;
	uint64_t end = wk_ev_now(r->ev) + (uint64_t)wait;
	struct wk_ev_io io;
	wk_ev_io_init(&io, fd, on_io, NULL);
	wk_ev_io_stop(r->ev, &io);
	for (;;) {
		uint8_t b[1];
		ssize_t n = recv(fd, b, sizeof(b), 0);
		if (n >= 0)
			break;
		if (errno == ECONNREFUSED) {
			fail(r, "connection refused (ICMP port unreachable)");
			return 1;
		}
		if (wk_ev_now(r->ev) >= end)
			break;
		wk_ev_run_once(r->ev, 20, &er);
	}
	vmsg(r, "%s: no ICMP error: open or filtered", r->target);
	return 0;
}

int relay_connect(struct relay_opts *o, const char *host, const char *port)
{
	struct relay r;
	struct wk_error er;
	char target[300];
	struct wk_addrlist al = {0};
	int fd = -1, rc = 1;
	uint16_t pn;
	target_name(target, sizeof(target), host, port);
	if (relay_init(&r, o, target))
		goto out;
	if (wk_sock_parse_port(port, &pn, &er)) {
		fail(&r, "%s", er.msg);
		goto out;
	}
	if (pn == 0) {
		fail(&r, "bad port '0' (1-65535)");
		goto out;
	}
	if (wk_sock_resolve(host, pn, o->family, o->udp ? SOCK_DGRAM : SOCK_STREAM, 0, &al, &er)) {
		fail(&r, "%s", er.msg);
		goto out;
	}
	size_t which = 0;
	int cr = wk_sock_connect_list(&al, o->udp ? SOCK_DGRAM : SOCK_STREAM, o->wait_ms, &fd,
	                              &which, &er);
	if (cr) {
		if (is_literal(host))
			fprintf(stderr, "wirekit %s: %s\n", o->cmd, er.msg);
		else
			fprintf(stderr, "wirekit %s: %s: %s\n", o->cmd, host, er.msg);
		r.fatal = true;
		r.status = 1;
		goto out;
	}
	if (o->verbose) {
		struct wk_sockaddr loc;
		char ls[WK_SOCKADDR_STRLEN] = "?", ps[WK_SOCKADDR_STRLEN];
		if (!wk_sock_local(fd, &loc, NULL))
			wk_sockaddr_fmt(&loc, ls, sizeof(ls));
		wk_sockaddr_fmt(&al.a[which], ps, sizeof(ps));
		vmsg(&r, "%s %s (%s) from %s", o->udp ? "sending to" : "connected to", ps, host,
		     ls);
	}
	if (o->zero && o->udp) {
		rc = udp_probe(&r, fd);
		close(fd);
		goto out;
	}
	if (o->tls) {
		struct wk_tls_client_opts to = {.ca_file = o->ca,
		                                .alpn = o->alpn,
		                                .pin_sha256 = o->pin,
		                                .insecure = o->insecure};
		if (wk_tls_ctx_client(&r.tls_ctx, &to, &er)) {
			close(fd);
			fail(&r, "%s", er.msg);
			goto out;
		}
		r.tls_host = host;
	}
	if (!o->zero && stdio_setup(&r)) {
		close(fd);
		goto out;
	}
	struct ep *c = add_conn(&r, fd, o->udp ? EP_UDP : EP_TCP, &al.a[which]);
	if (!c)
		goto out;
	snprintf(c->name, sizeof(c->name), "%.60s", target);
	if (o->zero) {
		/* -z: connected (and, with --tls, handshaken and verified) is the answer */
		if (o->wait_ms >= 0)
			wk_ev_timer_start(r.ev, &r.idle, (uint64_t)o->wait_ms, &er);
		while (c->hs && !c->gone && !r.signo) {
			ep_handshake(&r, c);
			if (!c->hs || c->gone)
				break;
			set_interest(&r, c);
			if (wk_ev_run_once(r.ev, -1, &er) < 0 || r.idle_fired) {
				fail(&r, "TLS handshake timed out");
				break;
			}
		}
		rc = c->gone || r.fatal || r.signo ? 1 : 0;
		if (!rc)
			vmsg(&r, "%s: open", target);
		goto out;
	}
	rc = run_loop(&r);
out:
	if (r.fatal && rc == 0)
		rc = 1;
	relay_fini(&r);
	wk_addrlist_fini(&al);
	return rc;
}

static void on_accept(struct wk_ev *ev, struct wk_ev_io *io, unsigned got)
{
	(void)ev;
	(void)got;
	struct relay *r = io->ctx;
	struct wk_error er;
	for (int i = 0; i < 64; i++) {
		if (!r->accepting)
			return;
		int fd;
		struct wk_sockaddr peer;
		int rc = wk_sock_accept(io->fd, &fd, &peer, &er);
		if (rc == WK_SOCK_AGAIN)
			return;
		if (rc) {
			fprintf(stderr, "wirekit listen: %s\n", er.msg);
			return;
		}
		if (r->nconns >= r->o->max_conns) {
			char ps[WK_SOCKADDR_STRLEN];
			vmsg(r, "%s: refused, %zu connections open (--max-conns)",
			     wk_sockaddr_fmt(&peer, ps, sizeof(ps)), r->nconns);
			close(fd);
			continue;
		}
		struct ep *c = add_conn(r, fd, EP_TCP, &peer);
		if (!c)
			continue;
		vmsg(r, "connection from %s", c->name);
		if (!r->o->keep && !r->o->broker) {
			/* one client: stop listening, like nc */
			r->accepting = false;
			for (size_t k = 0; k < r->nlfd; k++) {
				wk_ev_io_stop(r->ev, &r->lio[k]);
				close(r->lfd[k]);
			}
			r->nlfd = 0;
			return;
		}
	}
}

int relay_listen(struct relay_opts *o, const char *addr, const char *port)
{
	struct relay r;
	struct wk_error er;
	char target[300];
	struct wk_addrlist al = {0};
	int rc = 1;
	uint16_t pn;
	target_name(target, sizeof(target), addr, port);
	if (relay_init(&r, o, target))
		goto out;
	if (wk_sock_parse_port(port, &pn, &er)) {
		fail(&r, "%s", er.msg);
		goto out;
	}
	/* before binding: the fingerprint is on stderr once the port accepts */
	if (o->tls) {
		struct wk_tls_server_opts so = {
		    .cert_file = o->cert, .key_file = o->key, .alpn = o->alpn};
		if (wk_tls_ctx_server(&r.tls_ctx, &so, &er)) {
			fail(&r, "%s", er.msg);
			goto out;
		}
		if (!o->cert)
			tls_pin_hint(&r);
	}
	int type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	unsigned lflags = 0;
	if (!addr && o->family != AF_INET) {
		/* no address: the IPv6 wildcard, which also takes IPv4 unless -6 */
		rc = wk_sock_resolve("::", pn, AF_INET6, type, WK_SOCK_PASSIVE | WK_SOCK_NUMERIC,
		                     &al, &er);
		if (o->family == AF_INET6)
			lflags |= WK_SOCK_V6ONLY;
	} else {
		rc = wk_sock_resolve(addr ? addr : "0.0.0.0", pn, o->family, type, WK_SOCK_PASSIVE,
		                     &al, &er);
		lflags |= WK_SOCK_V6ONLY; /* a named address means just that address */
	}
	if (rc) {
		fail(&r, "%s", er.msg);
		rc = 1;
		goto out;
	}
	rc = 1;
	size_t nbind = o->udp ? 1 : (al.n < WK_ARRAY_SIZE(r.lfd) ? al.n : WK_ARRAY_SIZE(r.lfd));
	for (size_t i = 0; i < nbind; i++) {
		int fd;
		int lr = wk_sock_listen(&al.a[i], type, 128, lflags, &fd, &er);
		if (lr && !addr && o->family == AF_UNSPEC && al.a[i].ss.ss_family == AF_INET6) {
			/* no IPv6 here: fall back to the IPv4 wildcard */
			struct wk_addrlist v4;
			if (!wk_sock_resolve("0.0.0.0", pn, AF_INET, type,
			                     WK_SOCK_PASSIVE | WK_SOCK_NUMERIC, &v4, &er)) {
				lr = wk_sock_listen(&v4.a[0], type, 128, 0, &fd, &er);
				wk_addrlist_fini(&v4);
			}
		}
		if (lr) {
			fail(&r, "%s", er.msg);
			goto out;
		}
		if (o->verbose) {
			struct wk_sockaddr loc;
			char ls[WK_SOCKADDR_STRLEN] = "?";
			if (!wk_sock_local(fd, &loc, NULL))
				wk_sockaddr_fmt(&loc, ls, sizeof(ls));
			vmsg(&r, "listening on %s%s", ls, o->udp ? " (UDP)" : "");
		}
		if (o->udp) {
			if (stdio_setup(&r)) {
				close(fd);
				goto out;
			}
			struct ep *c = add_conn(&r, fd, EP_UDPL, NULL);
			if (!c)
				goto out;
			snprintf(c->name, sizeof(c->name), "(no peer yet)");
			continue;
		}
		r.lfd[r.nlfd] = fd;
		wk_ev_io_init(&r.lio[r.nlfd], fd, on_accept, &r);
		if (wk_ev_io_set(r.ev, &r.lio[r.nlfd], WK_EV_IN, &er)) {
			close(fd);
			fail(&r, "%s", er.msg);
			goto out;
		}
		r.nlfd++;
	}
	if (!o->udp && stdio_setup(&r))
		goto out;
	r.accepting = true;
	rc = run_loop(&r);
out:
	if (r.fatal && rc == 0)
		rc = 1;
	relay_fini(&r);
	wk_addrlist_fini(&al);
	return rc;
}

/* ---- options ----------------------------------------------------------------------------------
 */

/* C-style escapes: \n \r \t \0 \\ \xHH. Returns a malloc'ed buffer and its length. */
static char *unescape(const char *s, size_t *len)
{
	size_t n = strlen(s), k = 0;
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			d[k++] = s[i];
			continue;
		}
		char c = s[++i];
		switch (c) {
		case 'n':
			d[k++] = '\n';
			break;
		case 'r':
			d[k++] = '\r';
			break;
		case 't':
			d[k++] = '\t';
			break;
		case '0':
			d[k++] = '\0';
			break;
		case 'x': {
			int v = 0, got = 0;
			while (got < 2 && i + 1 < n) {
				char h = s[i + 1];
				int x = h >= '0' && h <= '9'   ? h - '0'
				        : h >= 'a' && h <= 'f' ? h - 'a' + 10
				        : h >= 'A' && h <= 'F' ? h - 'A' + 10
				                               : -1;
				if (x < 0)
					break;
				v = v * 16 + x;
				got++;
				i++;
			}
			d[k++] = got ? (char)v : 'x';
			break;
		}
		default:
			d[k++] = c;
		}
	}
	d[k] = '\0';
	*len = k;
	return d;
}

/* Decimal size with an optional K, M or G (binary) suffix. */
static bool parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	unsigned sh = 0;
	if (*end == 'K' || *end == 'k')
		sh = 10;
	else if (*end == 'M' || *end == 'm')
		sh = 20;
	else if (*end == 'G' || *end == 'g')
		sh = 30;
	if (sh)
		end++;
	if (*end || v > (SIZE_MAX >> sh))
		return false;
	*out = (size_t)(v << sh);
	return true;
}

static bool parse_secs(const char *s, int *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400.0 * 30)
		return false;
	*ms = (int)(v * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return true;
}

enum {
	OPT_TLS = 256,
	OPT_ALPN,
	OPT_CA,
	OPT_INSECURE,
	OPT_PIN,
	OPT_CERT,
	OPT_KEY,
	OPT_SEND,
	OPT_RECV,
	OPT_UNTIL,
	OPT_FRAME,
	OPT_FRAME_BYTES,
	OPT_MAX_FRAME,
	OPT_BROKER,
	OPT_RECV_ONLY,
	OPT_SEND_ONLY,
	OPT_MAX_CONNS,
	OPT_NO_SPLICE,
};

static int usage_err(const struct relay_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_err(const struct relay_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "wirekit %s: ", o->cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'wirekit %s --help')\n", o->cmd);
	va_end(ap);
	return 2;
}

int relay_parse(int argc, char **argv, struct relay_opts *o, const char *usage, char ***pos,
                int *npos)
{
	static const struct option lo[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"udp", no_argument, NULL, 'u'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"wait", required_argument, NULL, 'w'},
	    {"keep-open", no_argument, NULL, 'k'},
	    {"tls", no_argument, NULL, OPT_TLS},
	    {"alpn", required_argument, NULL, OPT_ALPN},
	    {"ca", required_argument, NULL, OPT_CA},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"pin-sha256", required_argument, NULL, OPT_PIN},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"send", required_argument, NULL, OPT_SEND},
	    {"recv", required_argument, NULL, OPT_RECV},
	    {"recv-until", required_argument, NULL, OPT_UNTIL},
	    {"frame", no_argument, NULL, OPT_FRAME},
	    {"frame-bytes", required_argument, NULL, OPT_FRAME_BYTES},
	    {"max-frame", required_argument, NULL, OPT_MAX_FRAME},
	    {"broker", no_argument, NULL, OPT_BROKER},
	    {"recv-only", no_argument, NULL, OPT_RECV_ONLY},
	    {"send-only", no_argument, NULL, OPT_SEND_ONLY},
	    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	    {"no-splice", no_argument, NULL, OPT_NO_SPLICE},
	    {NULL, 0, NULL, 0},
	};
	const char *only = NULL; /* an option of the other subcommand */
	o->family = AF_UNSPEC;
	o->wait_ms = -1;
	o->max_frame = WK_FRAME_MAX_DEFAULT;
	o->max_conns = 1000;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, o->listen ? "46uvw:kh" : "46uvw:zh", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'u':
			o->udp = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'w':
			if (!parse_secs(optarg, &o->wait_ms))
				return usage_err(o, "bad -w '%s' (seconds > 0)", optarg);
			break;
		case 'z':
			o->zero = true;
			break;
		case 'k':
			if (!o->listen)
				only = "-k";
			o->keep = true;
			break;
		case OPT_TLS:
			o->tls = true;
			break;
		case OPT_ALPN:
			o->alpn = optarg;
			break;
		case OPT_CA:
			o->ca = optarg;
			only = o->listen ? "--ca" : only;
			break;
		case OPT_INSECURE:
			o->insecure = true;
			only = o->listen ? "--insecure" : only;
			break;
		case OPT_PIN:
			o->pin = optarg;
			only = o->listen ? "--pin-sha256" : only;
			break;
		case OPT_CERT:
			o->cert = optarg;
			only = o->listen ? only : "--cert";
			break;
		case OPT_KEY:
			o->key = optarg;
			only = o->listen ? only : "--key";
			break;
		case OPT_SEND:
			free(o->send);
			o->send = unescape(optarg, &o->send_len);
			o->has_send = o->send != NULL;
			break;
		case OPT_RECV:
			if (!parse_size(optarg, &o->recv_n) || o->recv_n == 0)
				return usage_err(o, "bad --recv '%s' (bytes > 0)", optarg);
			o->has_recv_n = true;
			break;
		case OPT_UNTIL:
			free(o->until);
			o->until = unescape(optarg, &o->until_len);
			if (!o->until || o->until_len == 0)
				return usage_err(o, "empty --recv-until");
			o->has_until = true;
			break;
		case OPT_FRAME:
			o->frame = true;
			break;
		case OPT_FRAME_BYTES:
			if (!parse_size(optarg, &o->frame_bytes) || o->frame_bytes == 0)
				return usage_err(o, "bad --frame-bytes '%s'", optarg);
			o->frame = true;
			break;
		case OPT_MAX_FRAME:
			if (!parse_size(optarg, &o->max_frame) || o->max_frame > UINT32_MAX)
				return usage_err(o, "bad --max-frame '%s' (up to 4G-1)", optarg);
			break;
		case OPT_BROKER:
			only = o->listen ? only : "--broker";
			o->broker = true;
			break;
		case OPT_RECV_ONLY:
			o->recv_only = true;
			break;
		case OPT_SEND_ONLY:
			o->send_only = true;
			break;
		case OPT_MAX_CONNS:
			if (!parse_size(optarg, &o->max_conns) || o->max_conns == 0)
				return usage_err(o, "bad --max-conns '%s'", optarg);
			only = o->listen ? only : "--max-conns";
			break;
		case OPT_NO_SPLICE:
			o->no_splice = true;
			break;
		case '?':
		default:
			if (optopt && optopt < 256)
				return usage_err(o, "unknown or incomplete option '-%c'", optopt);
			return usage_err(o, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (only)
		return usage_err(o, "%s is not an option of %s", only, o->cmd);
	if (o->broker)
		o->keep = true;
	if (o->udp && (o->tls || o->frame || o->keep || o->broker))
		return usage_err(o, "-u does not go with --tls, --frame, -k or --broker");
	if (o->frame && (o->has_recv_n || o->has_until))
		return usage_err(o, "--frame does not go with --recv or --recv-until");
	if ((o->keep || o->broker) && (o->has_recv_n || o->has_until || o->has_send))
		return usage_err(o, "-k and --broker do not go with --send or --recv");
	if (o->recv_only && o->send_only)
		return usage_err(o, "--recv-only and --send-only exclude each other");
	if (o->insecure && o->pin)
		return usage_err(o, "--insecure and --pin-sha256 exclude each other");
	if (!o->tls && (o->alpn || o->ca || o->insecure || o->pin || o->cert || o->key))
		return usage_err(o, "TLS options need --tls");
	if (o->has_until && o->has_recv_n)
		return usage_err(o, "--recv and --recv-until exclude each other");
	*pos = argv + optind;
	*npos = argc - optind;
	return -1;
}

void relay_opts_fini(struct relay_opts *o)
{
	free(o->send);
	free(o->until);
	o->send = o->until = NULL;
}
