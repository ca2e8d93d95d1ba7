/* Unix domain sockets (unix(7)): names, connect, and listening on a path with the care a
 * user expects around a socket file left behind by a listener that died. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sock_int.h"
#include "wirekit/sock.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

static const struct sockaddr_un *sun_of(const struct wk_sockaddr *a)
{
	return (const struct sockaddr_un *)&a->ss;
}

static bool is_abstract(const struct wk_sockaddr *a)
{
	return a->len > SUN_OFF && sun_of(a)->sun_path[0] == '\0';
}

void sock_unix_fmt(const struct wk_sockaddr *a, char *dst, size_t n)
{
	const struct sockaddr_un *u = sun_of(a);
	if (n == 0)
		return;
	if (a->len <= SUN_OFF) {
		snprintf(dst, n, "(unnamed)");
		return;
	}
	size_t plen = a->len - SUN_OFF;
	if (plen > sizeof(u->sun_path))
		plen = sizeof(u->sun_path);
	size_t k = 0;
	if (!is_abstract(a)) {
		/* a path: up to its NUL */
		const char *z = memchr(u->sun_path, '\0', plen);
		if (z)
			plen = (size_t)(z - u->sun_path);
	}
	for (size_t i = 0; i < plen && k + 1 < n; i++) {
		unsigned char c = (unsigned char)u->sun_path[i];
		dst[k++] = c == '\0' ? '@' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[k] = '\0';
}

int wk_sock_unix_addr(const char *name, struct wk_sockaddr *a, struct wk_error *e)
{
	struct sockaddr_un *u = (struct sockaddr_un *)&a->ss;
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		return wk_seterr(e, WK_EINVAL, "empty Unix socket path");
	memset(a, 0, sizeof(*a));
	u->sun_family = AF_UNIX;
	if (name[0] == '@') {
		/* abstract: a leading NUL, then the name's bytes, no terminator (unix(7)) */
		if (n == 1)
			return wk_seterr(e, WK_EINVAL, "empty abstract socket name '@'");
		if (n > sizeof(u->sun_path))
			return wk_seterr(e, WK_EINVAL, "abstract socket name too long (%zu > %zu)",
			                 n - 1, sizeof(u->sun_path) - 1);
		memcpy(u->sun_path + 1, name + 1, n - 1);
		a->len = (socklen_t)(SUN_OFF + n);
		return 0;
	}
	if (n >= sizeof(u->sun_path))
		return wk_seterr(e, WK_EINVAL, "Unix socket path too long (%zu > %zu bytes): %s", n,
		                 sizeof(u->sun_path) - 1, name);
	memcpy(u->sun_path, name, n);
	a->len = (socklen_t)(SUN_OFF + n + 1);
	return 0;
}

static int unix_err(struct wk_error *e, int err, const struct wk_sockaddr *a, int type)
{
	char as[WK_SOCKADDR_STRLEN];
	sock_unix_fmt(a, as, sizeof(as));
	switch (err) {
	case ENOENT:
		return wk_seterr(e, WK_ESYS, "%s: no such socket", as);
	case ECONNREFUSED:
		return wk_seterr(e, WK_ESYS, "%s: connection refused (nothing listening)", as);
	case EPROTOTYPE:
		return wk_seterr(e, WK_ESYS, "%s: the socket there is not a %s socket (%s)", as,
		                 type == SOCK_DGRAM ? "datagram" : "stream",
		                 type == SOCK_DGRAM ? "try without -u" : "try -u");
	default:
		return wk_seterr_sys(e, err, "%s", as);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wk_sock_unix_connect(const struct wk_sockaddr *a, int type, int timeout_ms, int *fd,
                         struct wk_error *e)
{
	int s = -1;
	int rc = wk_sock_open(AF_UNIX, type, &s, e);
	if (rc)
		return rc;
	if (type == SOCK_DGRAM) {
		/* autobind: an address length of just the family picks a fresh abstract name */
		struct sockaddr_un me = {.sun_family = AF_UNIX};
		if (bind(s, (const struct sockaddr *)&me, sizeof(sa_family_t)) < 0) {
			rc = wk_seterr_sys(e, errno, "bind (autobind)");
			goto out;
		}
	}
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	for (;;) {
		if (connect(s, (const struct sockaddr *)&a->ss, a->len) == 0)
			break;
		int err = errno;
		if (err == EINTR)
			continue;
		if (err != EAGAIN) {
			rc = unix_err(e, err, a, type);
			goto out;
		}
		/* a stream listener with a full backlog: wait for room, up to the deadline */
		int wait = 50;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				char as[WK_SOCKADDR_STRLEN];
				sock_unix_fmt(a, as, sizeof(as));
				rc =
				    wk_seterr(e, WK_ETIMEOUT,
				              "%s: connection timed out after %d ms (backlog full)",
				              as, timeout_ms);
				goto out;
			}
			wait = left < wait ? (int)left : wait;
		}
		struct pollfd p = {.fd = s, .events = POLLOUT};
		poll(&p, 1, wait);
	}
	*fd = s;
	s = -1;
out:
	if (s >= 0)
		close(s);
	return rc;
}

struct bound_find {
	uint64_t dev, ino;
	bool found;
};

static int bound_cb(void *ctx, const struct wk_sockinfo *s)
{
	struct bound_find *b = ctx;
	if (s->vfs_ino == b->ino && s->vfs_dev == b->dev) {
		b->found = true;
		return 1;
	}
	return 0;
}

/* Is a socket bound to the file st describes? 1 yes, 0 no (stale), negative: cannot say.
 * First the kernel's table (unix_diag, no side effect: a connect would be a client to a
 * one-shot listener); a socket of another network namespace is not in it, so a file
 * that looks unbound is then asked with connect(2), which a stale file refuses. */
static int unix_alive(const struct wk_sockaddr *a, const struct stat *st)
{
	/* unix_diag gives the kernel's own dev_t: major << 20 | minor */
	struct bound_find b = {.dev = (uint64_t)major(st->st_dev) << 20 | minor(st->st_dev),
	                       .ino = (uint64_t)st->st_ino};
	struct wk_error er;
	int rc = wk_sockdiag_dump_unix(WK_SOCKDIAG_ALL, bound_cb, &b, &er);
	if (b.found)
		return 1;
	(void)rc; /* without sock_diag, connect(2) still answers */
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int s = socket(AF_UNIX, types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		int r = connect(s, (const struct sockaddr *)&a->ss, a->len);
		int err = errno;
		close(s);
		if (r == 0 || err == EAGAIN)
			return 1; /* accepted, or a listener with a full backlog */
		if (err == EPROTOTYPE)
			continue; /* a socket of another type is bound there: ask with that type */
		if (err == ECONNREFUSED)
			return 0; /* no socket bound to the file (or bound but not listening) */
		return -1;
	}
	return -1;
}

int wk_sock_unix_listen(const struct wk_sockaddr *a, int type, int backlog, int *fd,
                        struct wk_sock_unix_file *f, struct wk_error *e)
{
	char as[WK_SOCKADDR_STRLEN];
	const char *path = sun_of(a)->sun_path;
	int s = -1, rc = 0;
	struct stat st;
	f->owned = false;
	sock_unix_fmt(a, as, sizeof(as));
	if (!is_abstract(a) && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return wk_seterr(e, WK_EINVAL,
			                 "%s exists and is not a socket (not removed)", as);
		int alive = unix_alive(a, &st);
		if (alive > 0)
			return wk_seterr(e, WK_ESYS, "%s: in use (a process is listening there)",
			                 as);
		if (alive < 0)
			return wk_seterr(e, WK_ESYS,
			                 "%s: exists and cannot be checked (not removed)", as);
		if (unlink(path) < 0 && errno != ENOENT)
			return wk_seterr_sys(e, errno, "removing the stale socket %s", as);
	}
	rc = wk_sock_open(AF_UNIX, type, &s, e);
	if (rc)
		return rc;
	if (bind(s, (const struct sockaddr *)&a->ss, a->len) < 0) {
		int err = errno;
		if (err == EADDRINUSE && is_abstract(a))
			rc = wk_seterr(e, WK_ESYS, "%s: in use (abstract name taken)", as);
		else
			rc = wk_seterr_sys(e, err, "bind %s", as);
		goto out;
	}
	if (!is_abstract(a) && lstat(path, &st) == 0) {
		f->dev = (uint64_t)st.st_dev;
		f->ino = (uint64_t)st.st_ino;
		f->owned = true;
	}
	if (type != SOCK_DGRAM && listen(s, backlog) < 0) {
		rc = wk_seterr_sys(e, errno, "listen %s", as);
		goto out;
	}
	*fd = s;
	s = -1;
out:
	if (s >= 0) {
		close(s);
		wk_sock_unix_unlink(a, f);
	}
	return rc;
}

void wk_sock_unix_unlink(const struct wk_sockaddr *a, struct wk_sock_unix_file *f)
{
	struct stat st;
	if (!f || !f->owned)
		return;
	f->owned = false;
	const char *path = sun_of(a)->sun_path;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (uint64_t)st.st_dev == f->dev &&
	    (uint64_t)st.st_ino == f->ino)
		unlink(path);
}
