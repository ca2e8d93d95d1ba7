/* The relay's pump: output queues, endpoints, routing (framing, lines, broker, --recv),
 * and bounded reads and writes. Every read is bounded by the room its destinations have,
 * so a slow side throttles the fast one instead of growing memory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "relay_int.h"
#include "wirekit/pace.h"

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

int relay_q_add(struct q *q, const void *p, size_t n)
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

bool relay_is_tty(int fd)
{
	return isatty(fd) == 1;
}

static size_t out_len(const struct ep *e)
{
	return e->spl ? e->plen : q_len(&e->out);
}

/* ---- endpoints ---------------------------------------------------------------------------- */

void relay_on_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned got)
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

/* A TLS connection that ends without its end of data having been sent (-z, --recv,
 * a timeout, an error elsewhere): close_notify and FIN, so the peer sees a proper end
 * (RFC 8446 section 6.1), then read what is still coming (session tickets, the peer's
 * close_notify) until its end, so that closing with unread data does not send a reset.
 * Bounded by TLS_LINGER ms, and skipped after a signal. */
static void tls_goodbye(struct relay *r, struct ep *e)
{
	struct wk_error er;
	if (!e->tls || e->hs || e->gone || e->wr_dead || e->kind != EP_TCP)
		return;
	if (!e->shut_done) {
		if (wk_tls_close_notify(e->tls, &er) < 0)
			return;
		shutdown(e->rfd, SHUT_WR);
		e->shut_done = true;
	}
	uint64_t end = wk_mono_ns() / 1000000 + TLS_LINGER;
	while (!e->rd_eof && !r->signo) {
		size_t got = 0;
		int rc = wk_tls_read(e->tls, r->scratch, SCRATCH, &got, &er);
		if (rc != 0 && rc != WK_TLS_WANT_READ && rc != WK_TLS_WANT_WRITE)
			break; /* the end, or an error: either way nothing more to wait for */
		uint64_t now = wk_mono_ns() / 1000000;
		if (now >= end)
			break;
		struct pollfd pf = {.fd = e->rfd,
		                    .events = rc == WK_TLS_WANT_WRITE ? POLLOUT : POLLIN};
		if (rc && poll(&pf, 1, (int)(end - now)) <= 0)
			break;
	}
}

void relay_ep_free(struct relay *r, struct ep *e)
{
	if (!e)
		return;
	wk_ev_io_stop(r->ev, &e->rio);
	if (e->kind == EP_STDIO)
		wk_ev_io_stop(r->ev, &e->wio);
	tls_goodbye(r, e);
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

struct ep *relay_ep_new(struct relay *r, enum ep_kind kind, int rfd, int wfd)
{
	struct ep *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->r = r;
	e->kind = kind;
	e->rfd = rfd;
	e->wfd = wfd;
	e->pfd[0] = e->pfd[1] = -1;
	wk_ev_io_init(&e->rio, rfd, relay_on_io, e);
	if (kind == EP_STDIO)
		wk_ev_io_init(&e->wio, wfd, relay_on_io, e);
	if (kind != EP_STDIO && r->o->frame) {
		wk_frame_dec_init(&e->dec, r->o->max_frame);
		e->dec_on = true;
	}
	return e;
}

/* Switch an endpoint's output queue to a kernel pipe; false when pipes are unavailable. */
bool relay_ep_splice_on(struct ep *e)
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
		relay_q_add(&e->out, b, (size_t)n);
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
		relay_say(r, WK_RELAY_INFO, "%s: %s", c->name, why);
		return;
	}
	if (strcmp(why, "closed"))
		relay_fail(r, "%s", why);
}

/* ---- routing ------------------------------------------------------------------------------ */

static void io_out(struct relay *r, const uint8_t *p, size_t n)
{
	struct ep *io = r->io;
	if (!io || io->wr_dead || r->o->send_only || !n)
		return;
	if (relay_q_add(&io->out, p, n))
		relay_fail(r, "out of memory");
}

static void send_conn(struct relay *r, struct ep *c, const uint8_t *p, size_t n)
{
	if (r->o->frame) {
		struct wk_buf b;
		struct wk_error e;
		wk_buf_init(&b, r->o->max_frame + WK_FRAME_HDR + 1);
		if (wk_frame_put(&b, p, n, r->o->max_frame, &e))
			relay_fail(r, "stdin: %s", e.msg);
		else if (relay_q_add(&c->out, b.p, b.len))
			relay_fail(r, "out of memory");
		wk_buf_fini(&b);
		return;
	}
	if (relay_q_add(&c->out, p, n))
		relay_fail(r, "out of memory");
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
	if (relay_q_add(a, p, n)) {
		relay_fail(r, "out of memory");
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
					relay_fail(r, "stdin: line longer than --max-frame %zu",
					           r->o->max_frame);
				break;
			}
		}
		if (unit > r->o->max_frame) {
			relay_fail(r, "stdin: message of %zu bytes exceeds --max-frame %zu", unit,
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
		if (relay_q_add(a, p, take)) {
			relay_fail(r, "out of memory");
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
	if (n && relay_q_add(a, p, n))
		relay_fail(r, "out of memory");
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
					relay_fail(r, "%s", e.msg);
				return;
			}
			if (rc == 1) {
				if (r->o->broker) {
					to_conns(r, c, f, flen);
				} else if (r->o->frame_bytes) {
					io_out(r, f, flen); /* binary: the payload, nothing else */
				} else if (memchr(f, '\n', flen)) {
					/* one frame per line: this one would read as two */
					char why[160];
					snprintf(why, sizeof(why),
					         "a frame of %zu bytes contains a newline (line "
					         "output; --frame-bytes writes frames as they are)",
					         flen);
					if (r->o->keep)
						drop_conn(r, c, why);
					else
						relay_fail(r, "%s", why);
					return;
				} else {
					io_out(r, f, flen);
					io_out(r, (const uint8_t *)"\n", 1);
				}
			}
			p += used;
			n -= used;
		}
		if (eof && wk_frame_dec_partial(&c->dec))
			relay_fail(r, "connection closed in the middle of a frame");
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

const char *relay_sock_reason(int err)
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
		relay_say(r, WK_RELAY_INFO, "%s: end of data", c->name);
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
			relay_say(r, WK_RELAY_ERROR, "stdin: %s", strerror(errno));
			e->rd_eof = true;
		} else {
			drop_conn(r, e, relay_sock_reason(errno));
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
			relay_say(r, WK_RELAY_ERROR, "stdin: %s", strerror(errno));
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
		if (n >= 0 && from.ss.ss_family == AF_UNIX &&
		    from.len <= offsetof(struct sockaddr_un, sun_path)) {
			/* an unbound Unix sender: its data is printed, but it cannot be answered */
			from_conn(r, e, b, (size_t)n, false);
			return true;
		}
		if (n >= 0) {
			if (!e->have_peer || from.len != e->peer.len ||
			    memcmp(&from.ss, &e->peer.ss, from.len)) {
				e->peer = from;
				e->have_peer = true;
				wk_sockaddr_fmt(&from, e->name, sizeof(e->name));
				relay_say(r, WK_RELAY_INFO, "datagrams from %s", e->name);
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
	drop_conn(r, e, relay_sock_reason(errno));
	return true;
}

/* ---- writing -------------------------------------------------------------------------------- */

bool relay_ep_write(struct relay *r, struct ep *e)
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
			relay_say(r, WK_RELAY_ERROR, "stdout: %s", strerror(errno));
		r->status = 1;
		r->fatal = true;
	} else {
		drop_conn(r, e, relay_sock_reason(errno));
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
	relay_say(r, WK_RELAY_INFO, "%s: sent end of data", c->name);
	return true;
}

/* -v: the session and the peer's certificate; failed: why the handshake failed, and the
 * certificate's facts all the same (what was wrong with it is the point) */
static void print_tls(struct relay *r, struct ep *c, const char *failed)
{
	struct wk_tls_info i;
	char hex[3 * 32 + 1];
	if (!r->o->verbose || wk_tls_get_info(c->tls, &i))
		return;
	if (!failed)
		relay_say(r, WK_RELAY_INFO, "%s: %s %s%s%s", c->name, i.version, i.cipher,
		          i.alpn[0] ? ", ALPN " : "", i.alpn);
	if (!i.has_cert) {
		if (r->o->listen && r->o->verify_client)
			relay_say(r, WK_RELAY_INFO, "%s: no client certificate", c->name);
		return;
	}
	if (failed)
		relay_say(r, WK_RELAY_INFO, "%s: the %s certificate:", c->name,
		          r->o->listen ? "client's" : "server's");
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 3 * k, 4, "%02x%s", i.sha256[k], k < 31 ? ":" : "");
	relay_say(r, WK_RELAY_DETAIL,
	          "  subject: %s\n  issuer: %s\n  SANs: %s\n  valid: %s to %s\n  key: %s\n"
	          "  sha256: %s\n",
	          i.subject, i.issuer, i.sans[0] ? i.sans : "(none)", i.not_before, i.not_after,
	          i.key, hex);
	char pin[WK_TLS_PIN_STRLEN];
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", i.spki_sha256[k]);
	wk_tls_pin_fmt(i.spki_sha256, pin);
	const char *ver = failed         ? failed
	                  : i.verified   ? (r->o->pin ? "yes (pinned)" : "yes")
	                  : r->o->listen ? "no (client certificate not requested)"
	                                 : "no (--insecure)";
	relay_say(r, WK_RELAY_DETAIL, "  public key sha256: %s\n  pin-sha256: %s\n  verified: %s\n",
	          hex, pin, ver);
}

bool relay_ep_handshake(struct relay *r, struct ep *c)
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
		print_tls(r, c, er.msg);
		drop_conn(r, c, er.msg);
		return true;
	}
	c->hs = false;
	print_tls(r, c, NULL);
	return true;
}

/* ---- the pump --------------------------------------------------------------------------- */

void relay_set_interest(struct relay *r, struct ep *e)
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
				relay_say(r, WK_RELAY_INFO, "%s: closed", c->name);
			*pp = c->next;
			r->nconns--;
			relay_ep_free(r, c);
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
bool relay_pump(struct relay *r)
{
	bool progress;
	int turns = 0;
	do {
		progress = false;
		for (struct ep *c = r->conns; c; c = c->next)
			progress |= relay_ep_handshake(r, c);
		if (r->io)
			progress |= ep_read(r, r->io);
		for (struct ep *c = r->conns; c; c = c->next)
			progress |= ep_read(r, c);
		for (struct ep *c = r->conns; c; c = c->next) {
			progress |= relay_ep_write(r, c);
			/* stdin ended (or was never ours to read): half-close, except when a
			 * listener serves many, or the reply is still expected (--recv) */
			bool in_done = !r->io || r->io->rd_eof;
			if (in_done && !r->o->keep && !r->o->broker && !r->o->has_recv_n &&
			    !r->o->has_until && !r->o->recv_only)
				progress |= ep_shut(r, c);
			/* the peer is done and so are we: nothing else to send to it */
		}
		if (r->io)
			progress |= relay_ep_write(r, r->io);
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
		/* many connections and nothing to accept more from: done when all have closed */
		if ((r->o->keep || r->o->broker) && !r->accepting && !r->nlfd && !r->conns &&
		    r->connected_once)
			r->done = true;
		if (r->fatal && (!r->io || r->io->wr_dead || out_len(r->io) == 0))
			r->done = true;
		/* bounded: let the loop see timers and signals between long bursts */
	} while (progress && !r->done && ++turns < 64);
	if (r->done)
		return false;
	if (r->io)
		relay_set_interest(r, r->io);
	for (struct ep *c = r->conns; c; c = c->next)
		relay_set_interest(r, c);
	return progress;
}
