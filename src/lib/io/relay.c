/* The relay behind connect and listen: endpoints (the local side, TCP/TLS connections, UDP)
 * with output queues, moved by one pump (relay_pump.c) over a level-triggered epoll loop. A
 * single plain TCP connection moves data with splice(2) through kernel pipes when the local
 * descriptors allow it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay_int.h"

/* ---- messages ---------------------------------------------------------------------------- */

static void say_v(struct relay *r, enum wk_relay_msg kind, const char *prefix, const char *fmt,
                  va_list ap) __attribute__((format(printf, 4, 0)));
static void say_v(struct relay *r, enum wk_relay_msg kind, const char *prefix, const char *fmt,
                  va_list ap)
{
	if (!r->o->msg)
		return;
	char small[512];
	size_t pl = strlen(prefix);
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	size_t need = pl + (size_t)n + 1;
	char *b = need <= sizeof(small) ? small : malloc(need);
	if (!b)
		return;
	memcpy(b, prefix, pl);
	vsnprintf(b + pl, need - pl, fmt, ap);
	r->o->msg(r->o->msg_ctx, kind, b);
	if (b != small)
		free(b);
}

void relay_say(struct relay *r, enum wk_relay_msg kind, const char *fmt, ...)
{
	if ((kind == WK_RELAY_INFO || kind == WK_RELAY_DETAIL) && !r->o->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	say_v(r, kind, "", fmt, ap);
	va_end(ap);
}

void relay_fail(struct relay *r, const char *fmt, ...)
{
	if (r->fatal)
		return;
	char prefix[320];
	snprintf(prefix, sizeof(prefix), "%s: ", r->target);
	va_list ap;
	va_start(ap, fmt);
	say_v(r, WK_RELAY_ERROR, prefix, fmt, ap);
	va_end(ap);
	r->fatal = true;
	r->status = 1;
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
	r->io = relay_ep_new(r, EP_STDIO, r->o->in_fd, r->o->out_fd);
	if (!r->io)
		return -1;
	r->stdin_tty = relay_is_tty(r->o->in_fd);
	int fds[2] = {r->o->in_fd, r->o->out_fd};
	for (int i = 0; i < 2; i++) {
		r->saved_fl[i] = fds[i] >= 0 ? fcntl(fds[i], F_GETFL) : -1;
		if (r->saved_fl[i] >= 0)
			fcntl(fds[i], F_SETFL, r->saved_fl[i] | O_NONBLOCK);
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
	int fds[2] = {r->o->in_fd, r->o->out_fd};
	for (int i = 0; i < 2; i++)
		if (r->saved_fl[i] >= 0)
			fcntl(fds[i], F_SETFL, r->saved_fl[i]);
}

static bool splice_ok(struct relay *r)
{
	const struct wk_relay_opts *o = r->o;
	return !o->no_splice && !o->udp && !o->sctp && !o->tls && !o->frame && !o->keep &&
	       !o->broker && !o->has_recv_n && !o->has_until && !o->send_only;
}

/* Add a connected socket as an endpoint (TLS handshake pending if TLS). */
static struct ep *add_conn(struct relay *r, int fd, enum ep_kind kind,
                           const struct wk_sockaddr *peer)
{
	struct wk_error er;
	struct ep *c = relay_ep_new(r, kind, fd, fd);
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
			relay_say(r, WK_RELAY_ERROR, "%s", er.msg);
			relay_ep_free(r, c);
			return NULL;
		}
		c->hs = true;
	}
	if (kind == EP_TCP && r->o->family != AF_UNIX && !r->o->sctp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (splice_ok(r) && kind == EP_TCP) {
		if (r->io && !relay_is_tty(r->o->in_fd) && !r->io->rd_eof)
			relay_ep_splice_on(c);
		if (r->io && !relay_is_tty(r->o->out_fd) && !r->io->wr_dead && !r->io->spl)
			relay_ep_splice_on(r->io);
	}
	if (r->o->has_send && relay_q_add(&c->out, r->o->send, r->o->send_len))
		relay_fail(r, "out of memory");
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
		bool busy = relay_pump(r);
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
			relay_fail(r, "%s", er.msg);
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
			r->code = WK_ETIMEOUT;
			if (r->o->has_recv_n || r->o->has_until)
				relay_fail(r, "timed out after %d ms waiting for the reply",
				           r->o->wait_ms);
			else if (!r->connected_once)
				relay_fail(r, "no connection within %d ms", r->o->wait_ms);
			else
				relay_fail(r, "idle for %d ms, giving up", r->o->wait_ms);
			/* flush what we have without waiting for more */
			if (r->io)
				relay_ep_write(r, r->io);
			break;
		}
	}
	if (!r->fatal && (r->o->has_recv_n || r->o->has_until) && !r->recv_done && r->status == 0 &&
	    !r->signo) {
		relay_say(r, WK_RELAY_ERROR, "%s: connection closed before the expected reply",
		          r->target);
		r->status = 1;
	}
	return r->status;
}

static int relay_init(struct relay *r, const struct wk_relay_opts *o, const char *target)
{
	struct wk_error er;
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->target = target;
	r->sigfd = -1;
	r->saved_fl[0] = r->saved_fl[1] = -1;
	if (wk_ev_new(&r->ev, &er)) {
		relay_say(r, WK_RELAY_ERROR, "%s", er.msg);
		return 1;
	}
	wk_ev_timer_init(&r->idle, on_idle, r);
	r->scratch = malloc(SCRATCH > UDP_MAXDG ? SCRATCH : UDP_MAXDG);
	if (!r->scratch || (o->signals && setup_signals(r))) {
		relay_say(r, WK_RELAY_ERROR, "setup failed");
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
		relay_ep_free(r, c);
	}
	if (r->io) {
		stdio_restore(r);
		relay_ep_free(r, r->io);
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
	wk_sock_unix_unlink(&r->unix_addr, &r->unix_file);
	free(r->scratch);
	free(r->kmp);
}

/* The library's answer: 0, a negative enum wk_err, or the signal that ended the relay. */
static int api_status(const struct relay *r, int status)
{
	if (status == 0)
		return 0;
	if (r->signo && status == 128 + r->signo)
		return r->signo;
	return r->code ? r->code : WK_ESYS;
}

/* The status a relay run returns (a fatal event fails an otherwise clean run), then its
 * resources released: the one exit of connect, listen and fds. */
static int relay_end(struct relay *r, int rc)
{
	if (r->fatal && rc == 0)
		rc = 1;
	rc = api_status(r, rc);
	relay_fini(r);
	return rc;
}

static void target_name(char *dst, size_t n, const char *host, const char *port)
{
	if (!port) /* a Unix socket's path or @name */
		snprintf(dst, n, "%s", host ? host : "");
	else if (host && strchr(host, ':'))
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
	relay_say(r, WK_RELAY_NOTICE, "self-signed certificate sha256 %s", hex);
}

/* The TLS context for o: a server (listen) or a client that checks host. */
static int tls_setup(struct relay *r, const char *host)
{
	const struct wk_relay_opts *o = r->o;
	struct wk_error er;
	int rc;
	if (o->listen) {
		struct wk_tls_server_opts so = {.cert_file = o->cert,
		                                .key_file = o->key,
		                                .alpn = o->alpn,
		                                .client_ca = o->verify_client};
		rc = wk_tls_ctx_server(&r->tls_ctx, &so, &er);
	} else {
		struct wk_tls_client_opts to = {.ca_file = o->ca,
		                                .alpn = o->alpn,
		                                .pin_sha256 = o->pin,
		                                .insecure = o->insecure,
		                                .cert_file = o->cert,
		                                .key_file = o->key};
		rc = wk_tls_ctx_client(&r->tls_ctx, &to, &er);
		r->tls_host = host;
	}
	if (rc)
		relay_fail(r, "%s", er.msg);
	return rc;
}

/* UDP -z: a port is open unless an ICMP port unreachable comes back in time. */
static int udp_probe(struct relay *r, int fd)
{
	if (send(fd, "", 0, 0) < 0 && errno != EAGAIN) {
		relay_fail(r, "%s", relay_sock_reason(errno));
		return 1;
	}
	int wait = r->o->wait_ms >= 0 ? r->o->wait_ms : UDP_LINGER;
	struct wk_error er;
	uint64_t end = wk_ev_now(r->ev) + (uint64_t)wait;
	struct wk_ev_io io;
	wk_ev_io_init(&io, fd, relay_on_io, NULL);
	wk_ev_io_stop(r->ev, &io);
	for (;;) {
		uint8_t b[1];
		ssize_t n = recv(fd, b, sizeof(b), 0);
		if (n >= 0)
			break;
		if (errno == ECONNREFUSED) {
			relay_fail(r, "connection refused (ICMP port unreachable)");
			return 1;
		}
		if (wk_ev_now(r->ev) >= end)
			break;
		wk_ev_run_once(r->ev, 20, &er);
	}
	relay_say(r, WK_RELAY_INFO, "%s: no ICMP error: open or filtered", r->target);
	return 0;
}

static void on_accept(struct wk_ev *ev, struct wk_ev_io *io, unsigned got);

/* What a Unix socket cannot carry here: TLS (no host name to check) and SCTP. */
static int unix_check(struct relay *r)
{
	if (r->o->tls || r->o->sctp) {
		relay_fail(r, "%s does not go with a Unix socket", r->o->tls ? "TLS" : "SCTP");
		return 1;
	}
	return 0;
}

/* Serve a Unix socket file or abstract name; the relay owns the file from then on. */
static int listen_unix(struct relay *r, const char *name)
{
	const struct wk_relay_opts *o = r->o;
	struct wk_error er;
	int type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	int fd;
	if (unix_check(r))
		return 1;
	if (wk_sock_unix_addr(name, &r->unix_addr, &er) ||
	    wk_sock_unix_listen(&r->unix_addr, type, 128, &fd, &r->unix_file, &er)) {
		relay_say(r, WK_RELAY_ERROR, "%s", er.msg);
		r->fatal = true;
		r->status = 1;
		return 1;
	}
	relay_say(r, WK_RELAY_INFO, "listening on %s%s", r->target, o->udp ? " (datagrams)" : "");
	if (stdio_setup(r)) {
		close(fd);
		return 1;
	}
	if (o->udp) {
		struct ep *c = add_conn(r, fd, EP_UDPL, NULL);
		if (!c)
			return 1;
		snprintf(c->name, sizeof(c->name), "(no peer yet)");
	} else {
		r->lfd[0] = fd;
		r->nlfd = 1;
		wk_ev_io_init(&r->lio[0], fd, on_accept, r);
		if (wk_ev_io_set(r->ev, &r->lio[0], WK_EV_IN, &er)) {
			relay_fail(r, "%s", er.msg);
			return 1;
		}
		r->accepting = true;
	}
	return run_loop(r);
}

int wk_relay_connect(const struct wk_relay_opts *o, const char *host, const char *port)
{
	struct relay r;
	struct wk_error er;
	char target[300];
	struct wk_addrlist al = {0};
	int fd = -1, rc = 1;
	uint16_t pn;
	struct wk_sockaddr ua;
	const struct wk_sockaddr *to;
	int type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	bool unix_sock = o->family == AF_UNIX;
	target_name(target, sizeof(target), host, unix_sock ? NULL : port);
	if (relay_init(&r, o, target))
		goto out;
	if (unix_sock) {
		if (unix_check(&r) || wk_sock_unix_addr(host, &ua, &er) ||
		    wk_sock_unix_connect(&ua, type, o->wait_ms, &fd, &er)) {
			if (!r.fatal)
				relay_say(&r, WK_RELAY_ERROR, "%s", er.msg);
			r.fatal = true;
			r.status = 1;
			goto out;
		}
		to = &ua;
		goto connected;
	}
	if (wk_sock_parse_port(port, &pn, &er)) {
		relay_fail(&r, "%s", er.msg);
		goto out;
	}
	if (pn == 0) {
		relay_fail(&r, "bad port '0' (1-65535)");
		goto out;
	}
	/* before connecting: a bad pin, CA file or ALPN list costs no connection */
	if (o->tls && tls_setup(&r, host))
		goto out;
	if (wk_sock_resolve(host, pn, o->family, type, 0, &al, &er)) {
		relay_fail(&r, "%s", er.msg);
		goto out;
	}
	size_t which = 0;
	int cr = wk_sock_connect_list_proto(&al, type, o->sctp ? IPPROTO_SCTP : 0, o->wait_ms, &fd,
	                                    &which, &er);
	if (cr) {
		if (is_literal(host))
			relay_say(&r, WK_RELAY_ERROR, "%s", er.msg);
		else
			relay_say(&r, WK_RELAY_ERROR, "%s: %s", host, er.msg);
		r.fatal = true;
		r.status = 1;
		goto out;
	}
	to = &al.a[which];
connected:
	if (o->verbose) {
		struct wk_sockaddr loc;
		char ls[WK_SOCKADDR_STRLEN] = "?", ps[WK_SOCKADDR_STRLEN];
		if (!wk_sock_local(fd, &loc, NULL))
			wk_sockaddr_fmt(&loc, ls, sizeof(ls));
		wk_sockaddr_fmt(to, ps, sizeof(ps));
		if (unix_sock) /* the name is the address */
			relay_say(&r, WK_RELAY_INFO, "%s %s from %s",
			          o->udp ? "sending to" : "connected to", ps, ls);
		else
			relay_say(&r, WK_RELAY_INFO, "%s %s (%s) from %s",
			          o->udp ? "sending to" : "connected to", ps, host, ls);
	}
	if (o->zero && o->udp && unix_sock) {
		/* connect(2) reached a bound datagram socket: that is the answer */
		relay_say(&r, WK_RELAY_INFO, "%s: open", target);
		close(fd);
		rc = 0;
		goto out;
	}
	if (o->zero && o->udp) {
		rc = udp_probe(&r, fd);
		close(fd);
		goto out;
	}
	if (!o->zero && stdio_setup(&r)) {
		close(fd);
		goto out;
	}
	struct ep *c = add_conn(&r, fd, o->udp ? EP_UDP : EP_TCP, to);
	if (!c)
		goto out;
	snprintf(c->name, sizeof(c->name), "%.60s", target);
	if (o->zero) {
		/* -z: connected (and, with --tls, handshaken and verified) is the answer */
		if (o->wait_ms >= 0)
			wk_ev_timer_start(r.ev, &r.idle, (uint64_t)o->wait_ms, &er);
		while (c->hs && !c->gone && !r.signo) {
			relay_ep_handshake(&r, c);
			if (!c->hs || c->gone)
				break;
			relay_set_interest(&r, c);
			if (wk_ev_run_once(r.ev, -1, &er) < 0 || r.idle_fired) {
				relay_fail(&r, "TLS handshake timed out");
				break;
			}
		}
		rc = c->gone || r.fatal || r.signo ? 1 : 0;
		if (!rc)
			relay_say(&r, WK_RELAY_INFO, "%s: open", target);
		goto out;
	}
	rc = run_loop(&r);
out:
	rc = relay_end(&r, rc);
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
			relay_say(r, WK_RELAY_ERROR, "%s", er.msg);
			return;
		}
		if (r->nconns >= r->o->max_conns) {
			char ps[WK_SOCKADDR_STRLEN];
			relay_say(r, WK_RELAY_INFO,
			          "%s: refused, %zu connections open (--max-conns)",
			          wk_sockaddr_fmt(&peer, ps, sizeof(ps)), r->nconns);
			close(fd);
			continue;
		}
		struct ep *c = add_conn(r, fd, EP_TCP, &peer);
		if (!c)
			continue;
		relay_say(r, WK_RELAY_INFO, "connection from %s", c->name);
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

int wk_relay_listen(const struct wk_relay_opts *o, const char *addr, const char *port)
{
	struct relay r;
	struct wk_error er;
	char target[300];
	struct wk_addrlist al = {0};
	int rc = 1;
	uint16_t pn;
	target_name(target, sizeof(target), addr, o->family == AF_UNIX ? NULL : port);
	if (relay_init(&r, o, target))
		goto out;
	if (o->family == AF_UNIX) {
		rc = listen_unix(&r, addr);
		goto out;
	}
	if (wk_sock_parse_port(port, &pn, &er)) {
		relay_fail(&r, "%s", er.msg);
		goto out;
	}
	/* before binding: the fingerprint is on stderr once the port accepts */
	if (o->tls) {
		if (tls_setup(&r, NULL))
			goto out;
		if (!o->cert)
			tls_pin_hint(&r);
	}
	int type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	unsigned lflags = o->sctp ? WK_SOCK_SCTP : 0;
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
		relay_fail(&r, "%s", er.msg);
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
				lr = wk_sock_listen(&v4.a[0], type, 128, lflags & WK_SOCK_SCTP, &fd,
				                    &er);
				wk_addrlist_fini(&v4);
			}
		}
		if (lr) {
			relay_fail(&r, "%s", er.msg);
			goto out;
		}
		if (o->verbose) {
			struct wk_sockaddr loc;
			char ls[WK_SOCKADDR_STRLEN] = "?";
			if (!wk_sock_local(fd, &loc, NULL))
				wk_sockaddr_fmt(&loc, ls, sizeof(ls));
			relay_say(&r, WK_RELAY_INFO, "listening on %s%s", ls,
			          o->udp ? " (UDP)" : "");
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
			relay_fail(&r, "%s", er.msg);
			goto out;
		}
		r.nlfd++;
	}
	if (!o->udp && stdio_setup(&r))
		goto out;
	r.accepting = true;
	rc = run_loop(&r);
out:
	rc = relay_end(&r, rc);
	wk_addrlist_fini(&al);
	return rc;
}

int wk_relay_fds(const struct wk_relay_opts *o, const int *fds, size_t n, const char *name)
{
	struct relay r;
	char target[300];
	int rc = 1;
	size_t i = 0;
	snprintf(target, sizeof(target), "%s", name ? name : "relay");
	if (relay_init(&r, o, target))
		goto out;
	if (o->tls && tls_setup(&r, name))
		goto out;
	if (stdio_setup(&r))
		goto out;
	for (; i < n; i++) {
		int fl = fcntl(fds[i], F_GETFL);
		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0) {
			relay_fail(&r, "%s", strerror(errno));
			goto out;
		}
		struct ep *c = add_conn(&r, fds[i], EP_TCP, NULL);
		if (!c) {
			i++;
			goto out;
		}
	}
	rc = run_loop(&r);
out:
	for (; i < n; i++)
		close(fds[i]);
	rc = relay_end(&r, rc);
	return rc;
}

void wk_relay_opts_init(struct wk_relay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->wait_ms = -1;
	o->max_frame = WK_FRAME_MAX_DEFAULT;
	o->max_conns = 1000;
	o->in_fd = STDIN_FILENO;
	o->out_fd = STDOUT_FILENO;
}
