/* The service scan engine: every target port is a job on one epoll loop (kernel connects,
 * non-blocking reads, one timer each), so all ports progress together and no wait is
 * serial. A job walks nmap's probe order: the NULL probe (let the server speak first),
 * then the probes whose ports (sslports inside TLS) name the port, then the others of
 * rarity <= intensity; each reply is matched as it grows. A match for "ssl" restarts the
 * job inside TLS; a softmatch narrows the rest to probes that know that service. */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "service/engine_int.h"
#include "wirekit/sock.h"

static void job_next_probe(struct job *j);
static void job_finish(struct job *j, enum wk_svc_method m);
static void job_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned events);

static bool is_udp(const struct job *j)
{
	return j->t->proto == WK_SP_UDP;
}

/* The probe order for this port (see the file comment); stored in j->order. */
static int job_order(struct job *j)
{
	const struct wk_svc_db *db = j->run->o.db;
	bool udp = is_udp(j);
	size_t n = 0;
	free(j->order);
	j->order = malloc((db->np + 1) * sizeof(*j->order));
	if (!j->order)
		return WK_ENOMEM;
	if (!udp && db->null_tcp != SIZE_MAX)
		j->order[n++] = db->null_tcp;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < db->np; i++) {
			const struct svc_probe *p = &db->p[i];
			if (p->udp != udp || i == db->null_tcp)
				continue;
			bool listed = svc_ranges_has(j->ssl ? &p->sslports : &p->ports, j->t->port);
			if (pass == 0 && listed)
				j->order[n++] = i;
			else if (pass == 1 && !listed && p->rarity <= j->run->intensity)
				j->order[n++] = i;
		}
	j->norder = n;
	j->pos = 0;
	return 0;
}

static void job_close(struct job *j)
{
	struct wk_ev *ev = j->run->ev;
	wk_ev_timer_stop(ev, &j->timer);
	if (j->fd >= 0) {
		wk_tls_free(j->tls);
		j->tls = NULL;
		wk_ev_io_close(ev, &j->io); /* close() leaves epoll by itself: no EPOLL_CTL_DEL */
		j->fd = -1;
	}
	j->phase = J_IDLE;
}

static void to_sockaddr(const struct wk_scan_addr *a, uint16_t port, struct wk_sockaddr *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa->ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		sa->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa->ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		sa->len = sizeof(*s4);
	}
}

static void arm(struct job *j, uint64_t ms)
{
	(void)wk_ev_timer_start(j->run->ev, &j->timer, ms, NULL);
}

static void watch(struct job *j, unsigned want)
{
	if (wk_ev_io_set(j->run->ev, &j->io, want, NULL))
		job_finish(j, WK_SVC_NONE);
}

static const struct svc_probe *cur_probe(const struct job *j)
{
	return &j->run->o.db->p[j->post ? j->post_probe : j->order[j->pos]];
}

/* The payload of the current step: a probe's bytes, or banner mode's hello. */
static void current_payload(const struct job *j, const uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (j->banner_mode) {
		if (j->bstage == 1)
			svc_banner_hello(j->t->proto, j->t->port, p, n);
		return;
	}
	const struct svc_probe *pr = cur_probe(j);
	*p = pr->payload;
	*n = pr->plen;
}

/* The longest this step may take (a reply that keeps coming is cut here). */
static unsigned step_wait(const struct job *j)
{
	const struct wk_svc_opts *o = &j->run->o;
	if (j->banner_mode)
		return j->bstage == 0 ? j->run->banner_wait : j->run->connect_timeout;
	const struct svc_probe *pr = cur_probe(j);
	if (!j->post && j->order[j->pos] == o->db->null_tcp)
		return j->run->null_wait < pr->waitms ? j->run->null_wait : pr->waitms;
	return pr->waitms;
}

/* How long this step waits for a first byte. */
static unsigned step_silent(const struct job *j)
{
	unsigned w = step_wait(j);
	if (j->banner_mode || (!j->post && j->order[j->pos] == j->run->o.db->null_tcp))
		return w;
	return j->run->silent < w ? j->run->silent : w;
}

static void send_rest(struct job *j)
{
	const uint8_t *p;
	size_t n;
	current_payload(j, &p, &n);
	while (j->sent < n) {
		size_t put = 0;
		int rc;
		if (j->tls) {
			rc = wk_tls_write(j->tls, p + j->sent, n - j->sent, &put, NULL);
			if (rc > 0) {
				watch(j, WK_EV_IN | WK_EV_OUT);
				return;
			}
		} else {
			ssize_t w = send(j->fd, p + j->sent, n - j->sent, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
				watch(j, WK_EV_IN | WK_EV_OUT);
				return;
			}
			rc = w < 0 ? WK_ESYS : 0;
			put = w < 0 ? 0 : (size_t)w;
		}
		if (rc < 0)
			return; /* the read side sees the reset and ends the step */
		j->sent += put;
	}
	watch(j, WK_EV_IN);
}

/* Connected (and through TLS when asked): send this step's bytes and wait for a reply. */
static void step_begin(struct job *j)
{
	j->phase = J_WAIT;
	j->blen = 0;
	j->sent = 0;
	j->eof = false;
	j->step_start = wk_ev_now(j->run->ev);
	j->deadline = j->step_start + step_wait(j);
	if (!j->banner_mode) {
		const uint8_t *p;
		size_t n;
		current_payload(j, &p, &n);
		if (n)
			j->run->st.probes_sent++;
	}
	send_rest(j);
	if (j->phase == J_WAIT)
		arm(j, step_silent(j));
}

static void tls_begin(struct job *j)
{
	j->phase = J_HANDSHAKE;
	if (wk_tls_new(&j->tls, j->run->tls_ctx, j->fd, NULL, NULL)) {
		job_finish(j, WK_SVC_NONE);
		return;
	}
	arm(j, j->run->connect_timeout);
	watch(j, WK_EV_IN | WK_EV_OUT);
}

static void job_connect(struct job *j)
{
	struct wk_sockaddr sa;
	to_sockaddr(&j->t->addr, j->t->port, &sa);
	int fd = -1;
	int type = is_udp(j) ? SOCK_DGRAM : SOCK_STREAM;
	if (wk_sock_open(sa.ss.ss_family, type, &fd, NULL)) {
		job_finish(j, WK_SVC_NONE);
		return;
	}
	j->fd = fd;
	j->run->st.connects++;
	wk_ev_io_init(&j->io, fd, job_io, j);
	int rc = wk_sock_connect_start(fd, &sa, NULL);
	if (rc < 0) {
		job_finish(j, WK_SVC_NONE);
		return;
	}
	j->connect_start = wk_ev_now(j->run->ev);
	if (rc == WK_SOCK_AGAIN) {
		j->phase = J_CONNECT;
		if (j->banner_mode && j->bstage == 0 && !j->ssl && !is_udp(j)) {
			/* a greeter's first bytes (or its refusal) say the connect is done: wait
			 * for them directly, not for writability first (one wake-up, epoll_ctl
			 * and getsockopt less a connection); see early_timeout */
			j->early = true;
			arm(j, j->run->banner_wait);
			watch(j, WK_EV_IN);
			return;
		}
		arm(j, j->run->connect_timeout);
		watch(j, WK_EV_OUT);
		return;
	}
	if (j->ssl && !is_udp(j))
		tls_begin(j);
	else
		step_begin(j);
}

/* Start the current step, on the open connection when it can be reused. */
static void step_start(struct job *j)
{
	if (j->fd >= 0 && j->phase == J_IDLE) {
		step_begin(j);
		return;
	}
	job_close(j);
	job_connect(j);
}

static void keep_banner(struct job *j)
{
	if (j->si.banner_len || !j->blen)
		return;
	size_t n = j->blen < sizeof(j->si.banner) ? j->blen : sizeof(j->si.banner);
	memcpy(j->si.banner, j->buf, n);
	j->si.banner_len = n;
}

/* Try the probe's lines against what arrived so far. True when the job is decided. */
static bool try_match(struct job *j)
{
	const struct wk_svc_db *db = j->run->o.db;
	const struct svc_probe *p = &db->p[j->order[j->pos]];
	struct wk_service_info *c = &j->cand;
	memset(c->name, 0, sizeof(c->name));
	int rc = svc_match_reply(db, p, j->buf, j->blen, j->have_soft ? j->soft.name : NULL, c);
	if (rc == 2 && !j->have_soft) {
		j->soft = *c;
		j->have_soft = true;
		keep_banner(j);
		return false;
	}
	if (rc != 1)
		return false;
	if (!strcmp(c->name, "ssl") && !j->ssl && !is_udp(j)) {
		/* a TLS server: start again inside the tunnel (nmap's "SSL tunnel") */
		j->sslm = *c;
		j->have_sslm = true;
		j->ssl = true;
		j->have_soft = false;
		job_close(j);
		if (job_order(j)) {
			job_finish(j, WK_SVC_NONE);
			return true;
		}
		job_connect(j);
		return true;
	}
	keep_banner(j);
	const struct svc_probe *v3 = svc_probe_find(db, "SNMPv3GetRequest", true);
	if (!strcmp(c->name, "snmp") && is_udp(j) && v3) {
		/* nmap -sV asks an SNMP agent for its SNMPv3 engine (see snmp.c) */
		j->post = true;
		j->post_probe = (size_t)(v3 - db->p);
		job_close(j);
		job_connect(j);
		return true;
	}
	job_finish(j, WK_SVC_PROBED);
	return true;
}

/* The follow-up's reply: name the enterprise as snmp-info does. */
static void post_reply(struct job *j)
{
	uint32_t ent;
	if (!svc_snmp_enterprise(j->buf, j->blen, &ent)) {
		char name[96];
		struct wk_service_info *c = &j->cand;
		svc_enterprise_name(j->run->o.datadir, ent, name, sizeof(name));
		size_t l = strlen(c->product);
		if (l && strcmp(c->product, "SNMPv3 server"))
			snprintf(c->product + l, sizeof(c->product) - l, "; %s SNMPv3 server",
			         name);
		else
			snprintf(c->product, sizeof(c->product), "%s SNMPv3 server", name);
	}
	job_finish(j, WK_SVC_PROBED);
}

/* The current step is over (reply complete, quiet, or closed) without a hard match. */
static void step_end(struct job *j)
{
	struct run *run = j->run;
	uint64_t now = wk_ev_now(run->ev);
	wk_ev_timer_stop(run->ev, &j->timer);
	if (j->banner_mode) {
		if (j->blen) {
			keep_banner(j);
			job_finish(j, WK_SVC_NONE);
		} else if (j->bstage == 0 && !j->eof) {
			j->bstage = 1;
			j->si.banner_sent = true;
			j->phase = J_IDLE;
			step_begin(j);
		} else {
			job_finish(j, WK_SVC_NONE);
		}
		return;
	}
	if (j->post) {
		job_finish(j, WK_SVC_PROBED); /* no answer to the follow-up: the match stands */
		return;
	}
	const struct svc_probe *p = cur_probe(j);
	bool null_probe = j->order[j->pos] == run->o.db->null_tcp;
	if (!j->blen && null_probe && j->eof && !j->ssl && now - j->connect_start < p->wrappedms) {
		job_finish(j, WK_SVC_WRAPPED);
		return;
	}
	keep_banner(j);
	/* a connection that heard nothing and is still open carries the next probe (nmap
	 * does the same after the NULL probe) */
	if (!j->blen && !j->eof && !is_udp(j) && j->fd >= 0)
		j->phase = J_IDLE;
	else
		job_close(j);
	job_next_probe(j);
}

static void job_next_probe(struct job *j)
{
	const struct wk_svc_db *db = j->run->o.db;
	for (j->pos++; j->pos < j->norder; j->pos++) {
		const struct svc_probe *p = &db->p[j->order[j->pos]];
		if (j->have_soft && !svc_probe_serves(db, p, j->soft.name))
			continue;
		step_start(j);
		return;
	}
	job_finish(j, j->have_soft ? WK_SVC_SOFT : WK_SVC_NONE);
}

static void on_bytes(struct job *j, size_t got)
{
	j->blen += got;
	j->run->st.bytes_read += got;
	if (j->post) {
		post_reply(j);
		return;
	}
	if (!j->banner_mode && try_match(j))
		return;
	if (j->blen >= j->cap) {
		step_end(j); /* capped: a server that sends megabytes gets its first bytes judged */
		return;
	}
	uint64_t now = wk_ev_now(j->run->ev);
	uint64_t idle = j->banner_mode ? j->run->banner_idle : j->run->idle;
	uint64_t until = now + idle < j->deadline ? now + idle : j->deadline;
	arm(j, until > now ? until - now : 0);
}

/* fin: the peer's FIN had arrived when readiness was sampled (WK_EV_RDHUP), so a short
 * read took everything there will be: banner mode ends the step without asking recv
 * for the end of file. */
static void do_read(struct job *j, bool fin)
{
	for (int turns = 0; turns < 64 && j->phase == J_WAIT; turns++) {
		size_t room = j->cap - j->blen;
		size_t got = 0;
		if (j->tls) {
			int rc = wk_tls_read(j->tls, j->buf + j->blen, room, &got, NULL);
			if (rc > 0)
				return;
			if (rc < 0) {
				j->eof = true;
				step_end(j);
				return;
			}
		} else {
			ssize_t r = recv(j->fd, j->buf + j->blen, room, 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (r <= 0) {
				j->eof = true;
				step_end(j);
				return;
			}
			got = (size_t)r;
		}
		if (!got)
			return;
		const struct job *self = j;
		uint32_t gen = j->gen;
		bool all = fin && !j->tls && j->banner_mode && got < room;
		on_bytes(j, got);
		if (self->gen != gen)
			return; /* finished (and maybe reused for the next target) */
		if (is_udp(j))
			return; /* one datagram is one reply */
		if (all && j->phase == J_WAIT) {
			j->eof = true;
			step_end(j);
			return;
		}
	}
}

static void job_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned events)
{
	(void)ev;
	struct job *j = io->ctx;
	switch (j->phase) {
	case J_CONNECT: {
		struct wk_sockaddr sa;
		if (j->early) {
			/* readable or hung up: connected (and spoke or closed), or refused */
			int err = 0;
			socklen_t l = sizeof(err);
			if ((events & (WK_EV_ERR | WK_EV_HUP)) &&
			    (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err)) {
				job_finish(j, WK_SVC_NONE);
				return;
			}
			j->early = false;
			wk_ev_timer_stop(j->run->ev, &j->timer);
			step_begin(j); /* no payload in stage 0: only the step's clock */
			if (j->phase == J_WAIT)
				do_read(j, events & WK_EV_RDHUP);
			return;
		}
		to_sockaddr(&j->t->addr, j->t->port, &sa);
		/* writable without an error or hang-up is connected: SO_ERROR only for those */
		if ((events & (WK_EV_ERR | WK_EV_HUP)) &&
		    wk_sock_connect_finish(j->fd, &sa, NULL)) {
			job_finish(j, WK_SVC_NONE);
			return;
		}
		wk_ev_timer_stop(j->run->ev, &j->timer);
		if (j->ssl)
			tls_begin(j);
		else
			step_begin(j);
		return;
	}
	case J_HANDSHAKE: {
		int rc = wk_tls_handshake(j->tls, NULL);
		if (rc == WK_TLS_WANT_READ) {
			watch(j, WK_EV_IN);
			return;
		}
		if (rc == WK_TLS_WANT_WRITE) {
			watch(j, WK_EV_OUT);
			return;
		}
		wk_ev_timer_stop(j->run->ev, &j->timer);
		if (rc < 0) {
			job_finish(j, WK_SVC_NONE);
			return;
		}
		if (!j->si.has_tls && !wk_tls_get_info(j->tls, &j->si.tls))
			j->si.has_tls = true;
		if (j->cert_only) {
			job_finish(j, WK_SVC_NONE); /* the stored answer, now with the facts */
			return;
		}
		step_begin(j);
		return;
	}
	case J_WAIT:
		if (events & WK_EV_OUT) {
			const uint8_t *p;
			size_t n;
			current_payload(j, &p, &n);
			if (j->sent < n) {
				send_rest(j);
				if (!(events & (WK_EV_IN | WK_EV_HUP | WK_EV_ERR)))
					return;
			}
		}
		do_read(j, events & WK_EV_RDHUP);
		return;
	default:
		wk_ev_io_stop(j->run->ev, &j->io);
		return;
	}
}

/* Banner mode, connecting and watched for the greeting: the banner wait is over without a
 * word. Connected (a silent server): speak first, as step_end would. Still connecting:
 * wait for writability for the rest of the connect timeout, as a plain connect does. */
static void early_timeout(struct job *j)
{
	struct sockaddr_storage peer;
	socklen_t l = sizeof(peer);
	int err = 0;
	socklen_t el = sizeof(err);
	j->early = false;
	if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
		job_finish(j, WK_SVC_NONE);
		return;
	}
	if (getpeername(j->fd, (struct sockaddr *)&peer, &l) == 0) {
		j->bstage = 1;
		j->si.banner_sent = true;
		step_begin(j);
		return;
	}
	unsigned left = j->run->connect_timeout > j->run->banner_wait
	                    ? j->run->connect_timeout - j->run->banner_wait
	                    : 0;
	arm(j, left);
	watch(j, WK_EV_OUT);
}

static void job_timer(struct wk_ev *ev, struct wk_ev_timer *t)
{
	(void)ev;
	struct job *j = t->ctx;
	switch (j->phase) {
	case J_CONNECT:
		if (j->early) {
			early_timeout(j);
			return;
		}
		job_finish(j, WK_SVC_NONE);
		return;
	case J_HANDSHAKE:
		job_finish(j, WK_SVC_NONE);
		return;
	case J_WAIT:
		if (j->tls && wk_tls_pending(j->tls)) {
			do_read(j, false);
			return;
		}
		step_end(j);
		return;
	default:
		return;
	}
}

static void job_begin(struct run *run, struct job *j, size_t idx)
{
	const struct wk_svc_target *t = &run->t[idx];
	uint32_t gen = j->gen + 1;
	uint8_t *buf = j->buf;
	/* the state up to the scratch answers, and the answer; soft, sslm and cand are
	 * written before they are read (have_soft, have_sslm, a match): 4 KB cleared a job,
	 * not 17 */
	memset(j, 0, offsetof(struct job, soft));
	memset(&j->si, 0, sizeof(j->si));
	j->gen = gen;
	j->buf = buf;
	j->run = run;
	j->t = t;
	j->idx = idx;
	j->fd = -1;
	j->cap = run->max_reply;
	wk_ev_timer_init(&j->timer, job_timer, j);
	run->active++;
	j->banner_mode = !run->o.version;
	j->ssl = j->banner_mode && svc_banner_tls_port(t->proto, t->port);
	if (!j->banner_mode) {
		if (!run->o.all_ports && wk_svc_db_excluded(run->o.db, t->proto, t->port)) {
			job_finish(j, WK_SVC_NONE);
			return;
		}
		if (job_order(j) || j->norder == 0) {
			job_finish(j, WK_SVC_NONE);
			return;
		}
	}
	job_connect(j);
}

/* -sV --banners: the answer says TLS ("ssl/http" from a plaintext reply, as nginx's "plain
 * HTTP request was sent to HTTPS port") but no handshake was made: make one for the
 * certificate facts before the answer is given. */
static bool wants_cert(const struct job *j, enum wk_svc_method m)
{
	return j->run->o.banners && !j->banner_mode && !j->si.has_tls && !is_udp(j) &&
	       m == WK_SVC_PROBED && j->cand.ssl;
}

static void job_finish(struct job *j, enum wk_svc_method m)
{
	struct run *run = j->run;
	if (j->cert_only) {
		m = (enum wk_svc_method)j->cert_method; /* stands whether the handshake worked */
	} else if (wants_cert(j, m)) {
		j->cert_only = true;
		j->cert_method = (uint8_t)m;
		job_close(j);
		j->ssl = true;
		job_connect(j);
		return;
	}
	if (j->banner_mode && j->fd >= 0 && !is_udp(j)) {
		/* the answer is in: end with a reset, not a FIN handshake, so neither end keeps
		 * the connection (LAST_ACK here, TIME_WAIT there); at a /16 of greeters this
		 * is about 10% more connections per second */
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		(void)setsockopt(j->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	job_close(j);
	j->phase = J_DONE;
	struct wk_service_info *si = &j->si;
	/* the banner and TLS facts gathered on the way stay with the answer */
	struct wk_service_info *ans = NULL;
	if (m == WK_SVC_PROBED)
		ans = &j->cand;
	else if (m == WK_SVC_SOFT)
		ans = &j->soft;
	else if (m == WK_SVC_NONE && j->have_sslm)
		ans = &j->sslm, m = WK_SVC_PROBED;
	if (ans) {
		memcpy(si->name, ans->name, sizeof(si->name));
		memcpy(si->product, ans->product, sizeof(si->product));
		memcpy(si->version, ans->version, sizeof(si->version));
		memcpy(si->extrainfo, ans->extrainfo, sizeof(si->extrainfo));
		memcpy(si->hostname, ans->hostname, sizeof(si->hostname));
		memcpy(si->ostype, ans->ostype, sizeof(si->ostype));
		memcpy(si->devicetype, ans->devicetype, sizeof(si->devicetype));
		memcpy(si->cpe, ans->cpe, sizeof(si->cpe));
		si->ncpe = ans->ncpe;
		memcpy(si->probe, ans->probe, sizeof(si->probe));
		si->line = ans->line;
		/* inside a tunnel the "ssl" match itself is not the service */
		si->ssl = (j->ssl && ans != &j->sslm) || ans->ssl;
	}
	si->method = (uint8_t)m;
	switch (m) {
	case WK_SVC_PROBED:
		run->st.matched++;
		break;
	case WK_SVC_SOFT:
		run->st.soft++;
		break;
	case WK_SVC_WRAPPED:
		run->st.wrapped++;
		break;
	default:
		run->st.unknown++;
		break;
	}
	if (run->o.on_result)
		run->o.on_result(run->o.ctx, j->t, si);
	j->gen++;
	run->active--;
	run->done++;
	free(j->order);
	j->order = NULL;
	/* the loop hands the slot the next target (no recursion through job_begin) */
	run->freeslots[run->nfree++] = (size_t)(j - run->jobs);
}

int wk_service_scan(const struct wk_svc_target *t, size_t n, const struct wk_svc_opts *o,
                    struct wk_svc_stats *st, struct wk_error *e)
{
	if (!o || (!o->version && !o->banners))
		return wk_seterr(e, WK_EINVAL, "service scan: ask for versions, banners or both");
	if (o->version && !o->db)
		return wk_seterr(e, WK_EINVAL,
		                 "service scan: version detection needs a probe file");
	if (o->intensity > 9)
		return wk_seterr(e, WK_EINVAL, "version intensity must be 0..9");
	for (size_t i = 0; i < n; i++)
		if (t[i].proto != WK_SP_TCP && t[i].proto != WK_SP_UDP)
			return wk_seterr(e, WK_EINVAL, "service scan: TCP and UDP only");
	struct run run = {.o = *o, .t = t, .n = n};
	run.intensity = o->intensity;
	run.banner_wait = o->banner_wait_ms ? o->banner_wait_ms : 400;
	run.banner_idle = 150;
	run.null_wait = o->null_wait_ms ? o->null_wait_ms : 1000;
	run.idle = o->idle_ms ? o->idle_ms : 600;
	run.silent = o->silent_wait_ms ? o->silent_wait_ms : 1000;
	run.connect_timeout = o->connect_timeout_ms ? o->connect_timeout_ms : 3000;
	run.max_reply = o->max_reply ? o->max_reply : 16384;
	if (run.max_reply < WK_SVC_BANNER_MAX)
		run.max_reply = WK_SVC_BANNER_MAX;
	size_t par = o->max_parallel ? o->max_parallel : 512;
	if (par > n)
		par = n;
	int rc = wk_ev_new(&run.ev, e);
	if (rc)
		return rc;
	struct wk_tls_client_opts to = {.insecure = true, .alpn = "http/1.1"};
	rc = wk_tls_ctx_client(&run.tls_ctx, &to, e);
	if (rc)
		goto out;
	run.jobs = calloc(par ? par : 1, sizeof(*run.jobs));
	run.freeslots = calloc(par ? par : 1, sizeof(*run.freeslots));
	if (!run.jobs || !run.freeslots) {
		rc = wk_seterr(e, WK_ENOMEM, "service scan: %zu jobs", par);
		goto out;
	}
	for (size_t i = 0; i < par; i++) {
		run.jobs[i].buf = malloc(run.max_reply);
		run.jobs[i].fd = -1;
		if (!run.jobs[i].buf) {
			rc = wk_seterr(e, WK_ENOMEM, "service scan: reply buffers");
			goto out;
		}
	}
	for (size_t i = par; i > 0; i--)
		run.freeslots[run.nfree++] = i - 1;
	for (;;) {
		while (run.nfree && run.next < n && !(o->stop && *o->stop))
			job_begin(&run, &run.jobs[run.freeslots[--run.nfree]], run.next++);
		if (!run.active)
			break;
		rc = wk_ev_run_once(run.ev, 1000, e);
		if (rc < 0)
			goto out;
		rc = 0;
		if (o->stop && *o->stop)
			break;
	}
out:
	if (run.jobs) {
		for (size_t i = 0; i < par; i++) {
			if (run.jobs[i].run)
				job_close(&run.jobs[i]);
			free(run.jobs[i].order);
			free(run.jobs[i].buf);
		}
		free(run.jobs);
	}
	free(run.freeslots);
	wk_tls_ctx_free(run.tls_ctx);
	wk_ev_free(run.ev);
	if (st)
		*st = run.st;
	return rc;
}
