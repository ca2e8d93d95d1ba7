/* The kernel's TCP/UDP socket table through NETLINK_SOCK_DIAG (inet_diag, linux/inet_diag.h)
 * and the processes owning each socket from /proc/PID/fd. Replies are parsed with the
 * bounded cursor: netlink fields are host order, ports and addresses network order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock_int.h"
#include "wirekit/cursor.h"
#include "wirekit/sock.h"

/* Sizes of the wire structures (linux/netlink.h, linux/inet_diag.h) */
#define NLHDR_LEN     16u
#define DIAG_REQ_LEN  56u /* inet_diag_req_v2 */
#define DIAG_MSG_LEN  72u /* inet_diag_msg */
#define NL_ALIGN(n)   (((n) + 3u) & ~3u)
#define RECV_BUF_SIZE 32768u

uint32_t sockdiag_rd_h32(struct wk_rd *r)
{
	uint32_t v = 0;
	wk_rd_copy(r, &v, sizeof(v));
	return v;
}

static uint32_t rd_h32(struct wk_rd *r)
{
	uint32_t v = 0;
	wk_rd_copy(r, &v, sizeof(v));
	return v;
}

static uint16_t rd_h16(struct wk_rd *r)
{
	uint16_t v = 0;
	wk_rd_copy(r, &v, sizeof(v));
	return v;
}

static void wr_h32(struct wk_wr *w, uint32_t v)
{
	wk_wr_bytes(w, &v, sizeof(v));
}

static void wr_h16(struct wk_wr *w, uint16_t v)
{
	wk_wr_bytes(w, &v, sizeof(v));
}

static void set_addr(struct wk_sockaddr *a, int family, const uint8_t *ip, uint16_t port_be_val)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in s;
		memset(&s, 0, sizeof(s));
		s.sin_family = AF_INET;
		s.sin_port = htons(port_be_val);
		memcpy(&s.sin_addr, ip, 4);
		memcpy(&a->ss, &s, sizeof(s));
		a->len = sizeof(s);
	} else {
		struct sockaddr_in6 s;
		memset(&s, 0, sizeof(s));
		s.sin6_family = AF_INET6;
		s.sin6_port = htons(port_be_val);
		memcpy(&s.sin6_addr, ip, 16);
		memcpy(&a->ss, &s, sizeof(s));
		a->len = sizeof(s);
	}
}

/* One inet_diag_msg (linux/inet_diag.h): family, state, timer, retrans, then the socket id
 * (sport, dport, src[16], dst[16], if, cookie[2]), expires, rqueue, wqueue, uid, inode. */
static int parse_msg(struct wk_rd *r, int protocol, struct wk_sockinfo *s)
{
	uint8_t ip_src[16], ip_dst[16];
	memset(s, 0, sizeof(*s));
	s->family = wk_rd_u8(r);
	s->state = wk_rd_u8(r);
	s->timer = wk_rd_u8(r);
	s->retrans = wk_rd_u8(r);
	uint16_t sport = wk_rd_be16(r);
	uint16_t dport = wk_rd_be16(r);
	wk_rd_copy(r, ip_src, 16);
	wk_rd_copy(r, ip_dst, 16);
	s->ifindex = rd_h32(r);
	uint32_t ck0 = rd_h32(r), ck1 = rd_h32(r);
	s->cookie = (uint64_t)ck1 << 32 | ck0;
	s->expires_ms = rd_h32(r);
	s->rqueue = rd_h32(r);
	s->wqueue = rd_h32(r);
	s->uid = rd_h32(r);
	s->inode = rd_h32(r);
	if (r->bad || (s->family != AF_INET && s->family != AF_INET6))
		return WK_EFORMAT;
	s->protocol = (uint8_t)protocol;
	set_addr(&s->local, s->family, ip_src, sport);
	set_addr(&s->peer, s->family, ip_dst, dport);
	return 0;
}

/* Attributes after the message (struct rtattr: length, type, value, 4-byte aligned). */
static void parse_attrs(struct wk_rd *r, struct wk_sockinfo *s)
{
	while (wk_rd_left(r) >= 4) {
		uint16_t len = rd_h16(r);
		uint16_t type = rd_h16(r);
		if (len < 4)
			return;
		struct wk_rd v = wk_rd_sub(r, len - 4u, NULL);
		if (type == INET_DIAG_SKV6ONLY && wk_rd_left(&v) >= 1)
			s->v6only = wk_rd_u8(&v) != 0;
		wk_rd_skip(r, NL_ALIGN(len) - len < wk_rd_left(r) ? NL_ALIGN(len) - len
		                                                  : wk_rd_left(r));
	}
}

static int inet_parse(struct wk_rd *body, const void *pctx, struct wk_sockinfo *si)
{
	int protocol = *(const int *)pctx;
	if (wk_rd_left(body) < DIAG_MSG_LEN || parse_msg(body, protocol, si))
		return 1; /* unknown families are skipped */
	parse_attrs(body, si);
	return 0;
}

int wk_sockdiag_dump(int family, int protocol, uint32_t states, wk_sockdiag_fn fn, void *ctx,
                     struct wk_error *e)
{
	uint8_t req[NLHDR_LEN + DIAG_REQ_LEN];
	struct wk_wr w;
	wk_wr_init(&w, req, sizeof(req));
	wr_h32(&w, sizeof(req));
	wr_h16(&w, SOCK_DIAG_BY_FAMILY);
	wr_h16(&w, NLM_F_REQUEST | NLM_F_DUMP);
	wr_h32(&w, 1); /* seq */
	wr_h32(&w, 0); /* pid: the kernel */
	wk_wr_u8(&w, (uint8_t)family);
	wk_wr_u8(&w, (uint8_t)protocol);
	wk_wr_u8(&w, 0); /* no extensions */
	wk_wr_u8(&w, 0);
	wr_h32(&w, states);
	wk_wr_zero(&w, 48); /* inet_diag_sockid: match everything */
	if (w.bad)
		return wk_seterr(e, WK_EINVAL, "sock_diag request");
	return sockdiag_run(req, sizeof(req), inet_parse, &protocol, fn, ctx, e);
}

int sockdiag_run(const uint8_t *req, size_t reqlen, sockdiag_parse_fn parse, const void *pctx,
                 wk_sockdiag_fn fn, void *ctx, struct wk_error *e)
{
	int rc = 0;
	uint8_t *buf = NULL;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return wk_seterr_sys(e, errno, "netlink sock_diag socket");
	buf = malloc(RECV_BUF_SIZE);
	if (!buf) {
		rc = wk_seterr(e, WK_ENOMEM, "sock_diag: out of memory");
		goto out;
	}
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	if (sendto(fd, req, reqlen, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		rc = wk_seterr_sys(e, errno, "sock_diag request");
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, RECV_BUF_SIZE, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = wk_seterr_sys(e, errno, "sock_diag reply");
			goto out;
		}
		if (n == 0) {
			rc = wk_seterr(e, WK_ETRUNC, "sock_diag: reply ended early");
			goto out;
		}
		struct wk_rd r;
		wk_rd_init(&r, buf, (size_t)n);
		while (wk_rd_left(&r) >= NLHDR_LEN) {
			struct wk_rd h = r;
			uint32_t len = rd_h32(&h);
			uint16_t type = rd_h16(&h);
			wk_rd_skip(&h, 10); /* flags, seq, pid */
			if (len < NLHDR_LEN || len > wk_rd_left(&r)) {
				rc = wk_seterr(e, WK_EFORMAT, "sock_diag: bad message length %u",
				               len);
				goto out;
			}
			struct wk_rd body = wk_rd_sub(&h, len - NLHDR_LEN, NULL);
			size_t adv =
			    NL_ALIGN(len) < wk_rd_left(&r) ? NL_ALIGN(len) : wk_rd_left(&r);
			wk_rd_skip(&r, adv);
			if (type == NLMSG_DONE)
				goto out;
			if (type == NLMSG_ERROR) {
				int32_t err = (int32_t)rd_h32(&body);
				if (err == 0)
					continue;
				rc = wk_seterr_sys(e, -err, "sock_diag");
				goto out;
			}
			if (type != SOCK_DIAG_BY_FAMILY)
				continue;
			struct wk_sockinfo si;
			if (parse(&body, pctx, &si))
				continue;
			rc = fn(ctx, &si);
			if (rc)
				goto out;
		}
	}
out:
	free(buf);
	close(fd);
	return rc;
}

int wk_sockdiag_states(const char *name, uint32_t *mask)
{
#define B(x) (1u << WK_TCP_##x)
	static const struct {
		const char *name;
		uint32_t mask;
	} t[] = {
	    {"established", B(ESTABLISHED)},
	    {"syn-sent", B(SYN_SENT)},
	    {"syn-recv", B(SYN_RECV)},
	    {"fin-wait-1", B(FIN_WAIT1)},
	    {"fin-wait-2", B(FIN_WAIT2)},
	    {"time-wait", B(TIME_WAIT)},
	    {"closed", B(CLOSE)},
	    {"close-wait", B(CLOSE_WAIT)},
	    {"last-ack", B(LAST_ACK)},
	    {"listening", B(LISTEN)},
	    {"closing", B(CLOSING)},
	    {"all", WK_SOCKDIAG_ALL},
	    /* the groups as ss(8) defines them */
	    {"connected", WK_SOCKDIAG_ALL & ~(B(LISTEN) | B(CLOSE))},
	    {"synchronized", WK_SOCKDIAG_ALL & ~(B(LISTEN) | B(CLOSE) | B(SYN_SENT))},
	    {"bucket", B(SYN_RECV) | B(TIME_WAIT)},
	    {"big", WK_SOCKDIAG_ALL & ~(B(SYN_RECV) | B(TIME_WAIT))},
	};
#undef B
	for (size_t i = 0; i < WK_ARRAY_SIZE(t); i++)
		if (!strcmp(name, t[i].name)) {
			*mask = t[i].mask;
			return 0;
		}
	return WK_EINVAL;
}

const char *wk_sockdiag_state_name(int protocol, int state)
{
	static const char *const names[] = {
	    [WK_TCP_ESTABLISHED] = "ESTAB",    [WK_TCP_SYN_SENT] = "SYN-SENT",
	    [WK_TCP_SYN_RECV] = "SYN-RECV",    [WK_TCP_FIN_WAIT1] = "FIN-WAIT-1",
	    [WK_TCP_FIN_WAIT2] = "FIN-WAIT-2", [WK_TCP_TIME_WAIT] = "TIME-WAIT",
	    [WK_TCP_CLOSE] = "UNCONN",         [WK_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	    [WK_TCP_LAST_ACK] = "LAST-ACK",    [WK_TCP_LISTEN] = "LISTEN",
	    [WK_TCP_CLOSING] = "CLOSING",
	};
	(void)protocol;
	if (state > 0 && (size_t)state < WK_ARRAY_SIZE(names) && names[state])
		return names[state];
	return "UNKNOWN";
}

/* ---- owners from /proc ------------------------------------------------------------------ */

static int owner_cmp(const void *a, const void *b)
{
	const struct wk_sockowner *x = a, *y = b;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* Decimal digits only, no overflow past max; false otherwise. */
static bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "socket:[12345]" -> 12345 */
static bool socket_inode(const char *link, size_t n, uint64_t *inode)
{
	static const char pre[] = "socket:[";
	if (n < sizeof(pre) + 1 || memcmp(link, pre, sizeof(pre) - 1) || link[n - 1] != ']')
		return false;
	return parse_uint(link + sizeof(pre) - 1, n - sizeof(pre), UINT64_MAX, inode);
}

static void read_comm(int pid, char *dst, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	snprintf(dst, n, "?");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char b[64];
	ssize_t l = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (l <= 0)
		return;
	while (l > 0 && (b[l - 1] == '\n' || b[l - 1] == '\0'))
		l--;
	size_t k = 0;
	for (ssize_t i = 0; i < l && k + 1 < n; i++)
		dst[k++] = b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '?';
	dst[k] = '\0';
}

static int owners_add(struct wk_sockowners *t, size_t *cap, const struct wk_sockowner *o)
{
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct wk_sockowner *p = realloc(t->o, nc * sizeof(*p));
		if (!p)
			return WK_ENOMEM;
		t->o = p;
		*cap = nc;
	}
	t->o[t->n++] = *o;
	return 0;
}

int wk_sockowners_load(struct wk_sockowners *t, struct wk_error *e)
{
	int rc = 0;
	size_t cap = 0;
	t->o = NULL;
	t->n = 0;
	DIR *proc = opendir("/proc");
	if (!proc)
		return wk_seterr_sys(e, errno, "/proc");
	struct dirent *de;
	while ((de = readdir(proc))) {
		uint64_t pid;
		if (!parse_uint(de->d_name, strlen(de->d_name), INT32_MAX, &pid))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
		DIR *fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		struct wk_sockowner o;
		memset(&o, 0, sizeof(o));
		o.pid = (int)pid;
		o.comm[0] = '\0';
		struct dirent *fe;
		while ((fe = readdir(fds))) {
			uint64_t fdn;
			if (!parse_uint(fe->d_name, strlen(fe->d_name), INT32_MAX, &fdn))
				continue;
			char lp[96], link[64];
			snprintf(lp, sizeof(lp), "/proc/%d/fd/%d", (int)pid, (int)fdn);
			ssize_t l = readlinkat(AT_FDCWD, lp, link, sizeof(link));
			if (l <= 0 || (size_t)l >= sizeof(link))
				continue;
			if (!socket_inode(link, (size_t)l, &o.inode))
				continue;
			if (!o.comm[0])
				read_comm(o.pid, o.comm, sizeof(o.comm));
			o.fd = (int)fdn;
			if (owners_add(t, &cap, &o)) {
				closedir(fds);
				rc = wk_seterr(e, WK_ENOMEM, "socket owners: out of memory");
				goto out;
			}
		}
		closedir(fds);
	}
	if (t->n)
		qsort(t->o, t->n, sizeof(*t->o), owner_cmp);
out:
	closedir(proc);
	if (rc)
		wk_sockowners_fini(t);
	return rc;
}

void wk_sockowners_fini(struct wk_sockowners *t)
{
	if (!t)
		return;
	free(t->o);
	t->o = NULL;
	t->n = 0;
}

const struct wk_sockowner *wk_sockowners_find(const struct wk_sockowners *t, uint64_t inode)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->o[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->o[lo].inode == inode ? &t->o[lo] : NULL;
}
