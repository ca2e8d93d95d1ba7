/* TCP and UDP sockets: resolution, non-blocking connect with a deadline, listen, accept.
 * Every socket is non-blocking and close-on-exec from birth so event loops can own it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sock_int.h"
#include "wirekit/sock.h"

int wk_sock_parse_port(const char *s, uint16_t *port, struct wk_error *e)
{
	uint32_t v = 0;
	size_t i = 0;
	if (!s || !s[0])
		return wk_seterr(e, WK_EINVAL, "empty port");
	for (; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return wk_seterr(e, WK_EINVAL, "bad port '%s' (0-65535)", s);
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return wk_seterr(e, WK_EINVAL, "bad port '%s' (0-65535)", s);
	*port = (uint16_t)v;
	return 0;
}

int wk_sock_split_hostport(const char *s, char *host, size_t hostsz, uint16_t *port,
                           struct wk_error *e)
{
	const char *h, *he, *p;
	if (!s || !s[0])
		return wk_seterr(e, WK_EINVAL, "empty address");
	if (s[0] == '[') {
		/* RFC 3986 section 3.2.2: an IPv6 literal in brackets */
		h = s + 1;
		he = strchr(h, ']');
		if (!he || he[1] != ':')
			return wk_seterr(e, WK_EINVAL, "bad address '%s' (want [v6]:port)", s);
		p = he + 2;
	} else {
		h = s;
		he = strrchr(s, ':');
		if (!he)
			return wk_seterr(e, WK_EINVAL, "bad address '%s' (want host:port)", s);
		if (memchr(s, ':', (size_t)(he - s)))
			return wk_seterr(e, WK_EINVAL, "bad address '%s' (IPv6 needs [brackets])",
			                 s);
		p = he + 1;
	}
	size_t hl = (size_t)(he - h);
	if (hl == 0 || hl >= hostsz)
		return wk_seterr(e, WK_EINVAL, "bad host in '%s'", s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	return wk_sock_parse_port(p, port, e);
}

void wk_addrlist_fini(struct wk_addrlist *l)
{
	if (!l)
		return;
	free(l->a);
	l->a = NULL;
	l->n = 0;
}

static bool same_addr(const struct wk_sockaddr *x, const struct sockaddr *sa, socklen_t len)
{
	return x->len == len && memcmp(&x->ss, sa, len) == 0;
}

int wk_sock_resolve(const char *host, uint16_t port, int family, int type, unsigned flags,
                    struct wk_addrlist *out, struct wk_error *e)
{
	struct addrinfo hints, *res = NULL;
	char ps[8];
	int rc = 0;
	out->a = NULL;
	out->n = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = AI_NUMERICSERV;
	if (flags & WK_SOCK_PASSIVE)
		hints.ai_flags |= AI_PASSIVE;
	if (flags & WK_SOCK_NUMERIC)
		hints.ai_flags |= AI_NUMERICHOST;
	snprintf(ps, sizeof(ps), "%u", port);
	int g = getaddrinfo(host, ps, &hints, &res);
	if (g) {
		const char *name = host ? host : "(any)";
		switch (g) {
		case EAI_NONAME:
#ifdef EAI_NODATA
		case EAI_NODATA:
#endif
			return wk_seterr(e, WK_ENOTFOUND, "unknown host %s", name);
		case EAI_ADDRFAMILY:
		case EAI_FAMILY:
			return wk_seterr(e, WK_ENOTFOUND,
			                 "%s has no address of the requested family", name);
		case EAI_SYSTEM:
			return wk_seterr_sys(e, errno, "resolving %s", name);
		default:
			return wk_seterr(e, WK_ENOTFOUND, "resolving %s: %s", name,
			                 gai_strerror(g));
		}
	}
	size_t cnt = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		cnt++;
	out->a = calloc(cnt ? cnt : 1, sizeof(*out->a));
	if (!out->a) {
		rc = wk_seterr(e, WK_ENOMEM, "resolving %s: out of memory", host ? host : "");
		goto out;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		bool dup = false;
		for (size_t i = 0; i < out->n && !dup; i++)
			dup = same_addr(&out->a[i], ai->ai_addr, ai->ai_addrlen);
		if (dup)
			continue;
		memcpy(&out->a[out->n].ss, ai->ai_addr, ai->ai_addrlen);
		out->a[out->n].len = ai->ai_addrlen;
		out->n++;
	}
	if (out->n == 0) {
		rc = wk_seterr(e, WK_ENOTFOUND, "%s has no IPv4 or IPv6 address",
		               host ? host : "(any)");
		wk_addrlist_fini(out);
	}
out:
	freeaddrinfo(res);
	return rc;
}

int wk_sockaddr_family(const struct wk_sockaddr *a)
{
	return a->ss.ss_family;
}

uint16_t wk_sockaddr_port(const struct wk_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
		return ntohs(s->sin_port);
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
		return ntohs(s->sin6_port);
	}
	return 0;
}

char *wk_sockaddr_fmt(const struct wk_sockaddr *a, char *dst, size_t n)
{
	char ip[INET6_ADDRSTRLEN + 24];
	if (n == 0)
		return dst;
	dst[0] = '\0';
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
		if (!inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip)))
			return dst;
		snprintf(dst, n, "%s:%u", ip, ntohs(s->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			/* an IPv4 peer of a dual-stack socket: as the IPv4 address it is */
			if (!inet_ntop(AF_INET, s->sin6_addr.s6_addr + 12, ip, sizeof(ip)))
				return dst;
			snprintf(dst, n, "%s:%u", ip, ntohs(s->sin6_port));
			return dst;
		}
		if (!inet_ntop(AF_INET6, &s->sin6_addr, ip, INET6_ADDRSTRLEN))
			return dst;
		if (s->sin6_scope_id) {
			size_t l = strlen(ip);
			snprintf(ip + l, sizeof(ip) - l, "%%%u", s->sin6_scope_id);
		}
		snprintf(dst, n, "[%s]:%u", ip, ntohs(s->sin6_port));
	} else if (a->ss.ss_family == AF_UNIX) {
		sock_unix_fmt(a, dst, n);
	} else {
		snprintf(dst, n, "(family %d)", a->ss.ss_family);
	}
	return dst;
}

int wk_sock_open_proto(int family, int type, int proto, int *fd, struct wk_error *e)
{
	int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s < 0) {
		int err = errno;
		if (proto == IPPROTO_SCTP &&
		    (err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT || err == EAFNOSUPPORT))
			return wk_seterr(e, WK_EUNSUP,
			                 "SCTP is not available in this kernel (socket: %s)",
			                 strerror(err));
		return wk_seterr_sys(e, err, "socket");
	}
	*fd = s;
	return 0;
}

int wk_sock_open(int family, int type, int *fd, struct wk_error *e)
{
	return wk_sock_open_proto(family, type, 0, fd, e);
}

/* The error texts the user sees for a failed connect: short and specific. */
static int connect_err(struct wk_error *e, int err, const struct wk_sockaddr *a)
{
	char as[WK_SOCKADDR_STRLEN];
	wk_sockaddr_fmt(a, as, sizeof(as));
	switch (err) {
	case ECONNREFUSED:
		return wk_seterr(e, WK_ESYS, "%s: connection refused", as);
	case ETIMEDOUT:
		return wk_seterr(e, WK_ETIMEOUT, "%s: connection timed out", as);
	case ENETUNREACH:
		return wk_seterr(e, WK_ESYS, "%s: network unreachable", as);
	case EHOSTUNREACH:
		return wk_seterr(e, WK_ESYS, "%s: host unreachable", as);
	default:
		return wk_seterr_sys(e, err, "%s", as);
	}
}

int wk_sock_connect_start(int fd, const struct wk_sockaddr *a, struct wk_error *e)
{
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		return 0;
	if (errno == EINPROGRESS || errno == EINTR)
		return WK_SOCK_AGAIN;
	return connect_err(e, errno, a);
}

int wk_sock_connect_finish(int fd, const struct wk_sockaddr *a, struct wk_error *e)
{
	int err = 0;
	socklen_t l = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return wk_seterr_sys(e, errno, "getsockopt SO_ERROR");
	if (err)
		return connect_err(e, err, a);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wk_sock_connect(const struct wk_sockaddr *a, int type, int timeout_ms, int *fd,
                    struct wk_error *e)
{
	return wk_sock_connect_proto(a, type, 0, timeout_ms, fd, e);
}

int wk_sock_connect_proto(const struct wk_sockaddr *a, int type, int proto, int timeout_ms, int *fd,
                          struct wk_error *e)
{
	int s = -1;
	int rc = wk_sock_open_proto(a->ss.ss_family, type, proto, &s, e);
	if (rc)
		return rc;
	rc = wk_sock_connect_start(s, a, e);
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	while (rc == WK_SOCK_AGAIN) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			wait = left > 0 ? (int)left : 0;
		}
		int n = poll(&p, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = wk_seterr_sys(e, errno, "poll");
			break;
		}
		if (n == 0) {
			char as[WK_SOCKADDR_STRLEN];
			rc = wk_seterr(e, WK_ETIMEOUT, "%s: connection timed out after %d ms",
			               wk_sockaddr_fmt(a, as, sizeof(as)), timeout_ms);
			break;
		}
		rc = wk_sock_connect_finish(s, a, e);
	}
	if (rc) {
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}

int wk_sock_connect_list(const struct wk_addrlist *l, int type, int timeout_ms, int *fd,
                         size_t *which, struct wk_error *e)
{
	return wk_sock_connect_list_proto(l, type, 0, timeout_ms, fd, which, e);
}

int wk_sock_connect_list_proto(const struct wk_addrlist *l, int type, int proto, int timeout_ms,
                               int *fd, size_t *which, struct wk_error *e)
{
	int rc = wk_seterr(e, WK_ENOTFOUND, "no address to connect to");
	for (size_t i = 0; i < l->n; i++) {
		rc = wk_sock_connect_proto(&l->a[i], type, proto, timeout_ms, fd, e);
		if (rc == 0) {
			if (which)
				*which = i;
			return 0;
		}
		if (rc == WK_EUNSUP)
			break; /* no SCTP: the other addresses cannot do better */
	}
	return rc;
}

int wk_sock_listen(const struct wk_sockaddr *a, int type, int backlog, unsigned flags, int *fd,
                   struct wk_error *e)
{
	char as[WK_SOCKADDR_STRLEN];
	int s = -1, one = 1, rc = 0;
	rc = wk_sock_open_proto(a->ss.ss_family, type, (flags & WK_SOCK_SCTP) ? IPPROTO_SCTP : 0,
	                        &s, e);
	if (rc)
		return rc;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		rc = wk_seterr_sys(e, errno, "SO_REUSEADDR");
		goto out;
	}
	if (a->ss.ss_family == AF_INET6) {
		int v6only = (flags & WK_SOCK_V6ONLY) ? 1 : 0;
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) {
			rc = wk_seterr_sys(e, errno, "IPV6_V6ONLY");
			goto out;
		}
	}
	if (bind(s, (const struct sockaddr *)&a->ss, a->len) < 0) {
		rc = wk_seterr_sys(e, errno, "bind %s", wk_sockaddr_fmt(a, as, sizeof(as)));
		goto out;
	}
	if (type == SOCK_STREAM && listen(s, backlog) < 0) {
		rc = wk_seterr_sys(e, errno, "listen %s", wk_sockaddr_fmt(a, as, sizeof(as)));
		goto out;
	}
	*fd = s;
	s = -1;
out:
	if (s >= 0)
		close(s);
	return rc;
}

int wk_sock_accept(int lfd, int *fd, struct wk_sockaddr *peer, struct wk_error *e)
{
	struct wk_sockaddr tmp;
	struct wk_sockaddr *p = peer ? peer : &tmp;
	for (;;) {
		p->len = sizeof(p->ss);
		int s =
		    accept4(lfd, (struct sockaddr *)&p->ss, &p->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s >= 0) {
			*fd = s;
			return 0;
		}
		/* accept(2): errors of the new connection show up here; skip them */
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EAGAIN:
			return WK_SOCK_AGAIN;
		default:
			return wk_seterr_sys(e, errno, "accept");
		}
	}
}

int wk_sock_local(int fd, struct wk_sockaddr *a, struct wk_error *e)
{
	a->len = sizeof(a->ss);
	if (getsockname(fd, (struct sockaddr *)&a->ss, &a->len) < 0)
		return wk_seterr_sys(e, errno, "getsockname");
	return 0;
}

int wk_sock_peer(int fd, struct wk_sockaddr *a, struct wk_error *e)
{
	a->len = sizeof(a->ss);
	if (getpeername(fd, (struct sockaddr *)&a->ss, &a->len) < 0)
		return wk_seterr_sys(e, errno, "getpeername");
	return 0;
}
