/* Reverse DNS (include/wirekit/rdns.h): PTR questions over UDP, many in flight, every
 * server asked in turn, and one cap on the whole run.
 *
 * A DNS message (RFC 1035 4.1): a 12-byte header, then question, answer, authority and
 * additional sections.
 *
 *     0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   |QR|  Opcode   |AA|TC|RD|RA|   Z    |   RCODE   |
 *   |          QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Names are labels (a length byte 1..63 and that many bytes) ending with a zero byte, or
 * with a pointer (two bytes 11xxxxxx xxxxxxxx: an earlier offset where the rest is). A
 * resource record is NAME TYPE CLASS TTL RDLENGTH RDATA; PTR's RDATA is a name.
 *
 * In flight, the questions are a list in the order they were sent (the oldest times out
 * first); a reply finds its question through its 16-bit random ID. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wirekit/cursor.h"
#include "wirekit/pace.h"
#include "wirekit/rdns.h"

#define T_PTR       12
#define T_CNAME     5
#define C_IN        1
#define MAX_JUMPS   64
#define MAX_CHAIN   8
#define MAX_ANSWERS 64
#define QBUF        512
#define RBUF        4096
#define NONE        UINT32_MAX

/* ---- names ------------------------------------------------------------------------------ */

size_t wk_rdns_qname(const struct wk_scan_addr *a, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int k;
	if (a->family == AF_INET) {
		k = snprintf(buf, n, "%u.%u.%u.%u.in-addr.arpa", a->b[3], a->b[2], a->b[1],
		             a->b[0]);
		return k > 0 && (size_t)k < n ? (size_t)k : 0;
	}
	if (a->family != AF_INET6 || n < 64 + sizeof("ip6.arpa"))
		return 0;
	size_t l = 0;
	for (int i = 15; i >= 0; i--) {
		buf[l++] = hex[a->b[i] & 15];
		buf[l++] = '.';
		buf[l++] = hex[a->b[i] >> 4];
		buf[l++] = '.';
	}
	memcpy(buf + l, "ip6.arpa", sizeof("ip6.arpa"));
	return l + sizeof("ip6.arpa") - 1;
}

static bool label_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '/';
}

size_t wk_rdns_query(uint8_t *buf, size_t n, uint16_t id, const char *qname)
{
	struct wk_wr w;
	wk_wr_init(&w, buf, n);
	wk_wr_be16(&w, id);
	wk_wr_be16(&w, 0x0100); /* a standard query, recursion desired */
	wk_wr_be16(&w, 1);
	wk_wr_be16(&w, 0);
	wk_wr_be16(&w, 0);
	wk_wr_be16(&w, 0);
	const char *s = qname;
	size_t total = 1;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		total += l + 1;
		if (!l || l > 63 || total > 255)
			return 0;
		wk_wr_u8(&w, (uint8_t)l);
		uint8_t *p = wk_wr_room(&w, l);
		if (p)
			memcpy(p, s, l);
		s += l + (dot ? 1 : 0);
	}
	/* the root label, type and class in one write (gcc -O3 saw a region of size 0 in
	 * two separate 16-bit writes after the loop: a false -Wstringop-overflow) */
	uint8_t *t = wk_wr_room(&w, 5);
	if (!t)
		return 0;
	t[0] = 0;
	t[1] = (uint8_t)(T_PTR >> 8);
	t[2] = (uint8_t)T_PTR;
	t[3] = (uint8_t)(C_IN >> 8);
	t[4] = (uint8_t)C_IN;
	return w.bad ? 0 : wk_wr_len(&w);
}

/* Read the name at r (following pointers into the message p[0..n)) into out in
 * presentation form; r ends after the name's bytes at its first place. Pointers must go
 * strictly backward from where they are, so every jump makes progress toward the start. */
static bool read_name(struct wk_rd *r, const uint8_t *p, size_t n, char out[WK_RDNS_NAME_MAX])
{
	struct wk_rd cur = *r;
	bool jumped = false;
	size_t len = 0, wire = 1;
	unsigned jumps = 0;
	out[0] = '\0';
	for (;;) {
		size_t at = wk_rd_off(&cur);
		uint8_t l = wk_rd_u8(&cur);
		if (cur.bad)
			return false;
		if ((l & 0xc0) == 0xc0) {
			uint8_t lo = wk_rd_u8(&cur);
			if (cur.bad)
				return false;
			size_t to = (size_t)(l & 0x3f) << 8 | lo;
			if (to >= at || ++jumps > MAX_JUMPS)
				return false;
			if (!jumped)
				*r = cur;
			jumped = true;
			wk_rd_init(&cur, p, n);
			if (!wk_rd_skip(&cur, to))
				return false;
			continue;
		}
		if (l & 0xc0) /* 01 and 10: extended label types, not in use */
			return false;
		if (!l)
			break;
		const uint8_t *b = wk_rd_bytes(&cur, l);
		wire += (size_t)l + 1;
		if (!b || wire > 255)
			return false;
		if (len) /* wire <= 255 keeps len + 1 + l below WK_RDNS_NAME_MAX */
			out[len++] = '.';
		for (size_t i = 0; i < l; i++) {
			if (!label_char(b[i]))
				return false;
			out[len++] = (char)b[i];
		}
		out[len] = '\0';
	}
	if (!jumped)
		*r = cur;
	return true;
}

static bool name_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

enum wk_rdns_verdict wk_rdns_parse(const uint8_t *p, size_t n, uint16_t id, const char *qname,
                                   char name[WK_RDNS_NAME_MAX])
{
	struct wk_rd r;
	char got[WK_RDNS_NAME_MAX], owner[WK_RDNS_NAME_MAX], target[WK_RDNS_NAME_MAX];
	wk_rd_init(&r, p, n);
	uint16_t rid = wk_rd_be16(&r), flags = wk_rd_be16(&r);
	uint16_t qd = wk_rd_be16(&r), an = wk_rd_be16(&r);
	wk_rd_skip(&r, 4); /* NSCOUNT, ARCOUNT: not read */
	if (r.bad)
		return WK_RDNS_BAD;
	if (rid != id || !(flags & 0x8000))
		return WK_RDNS_NOTOURS;
	unsigned rcode = flags & 15, opcode = flags >> 11 & 15;
	if (opcode)
		return WK_RDNS_BAD;
	if (rcode && rcode != 3 && !qd)
		return WK_RDNS_FAIL; /* FORMERR and friends may leave the question out */
	if (qd != 1)
		return WK_RDNS_BAD;
	if (!read_name(&r, p, n, got))
		return WK_RDNS_BAD;
	uint16_t qt = wk_rd_be16(&r), qc = wk_rd_be16(&r);
	if (r.bad)
		return WK_RDNS_BAD;
	if (!name_eq(got, qname) || qt != T_PTR || qc != C_IN)
		return WK_RDNS_NOTOURS;
	if (rcode == 3)
		return WK_RDNS_NONAME;
	if (rcode)
		return WK_RDNS_FAIL;
	snprintf(target, sizeof(target), "%s", qname);
	unsigned links = 0;
	for (unsigned i = 0; i < an && i < MAX_ANSWERS; i++) {
		if (!read_name(&r, p, n, owner))
			return WK_RDNS_BAD;
		uint16_t type = wk_rd_be16(&r), cls = wk_rd_be16(&r);
		wk_rd_skip(&r, 4); /* TTL */
		uint16_t rdlen = wk_rd_be16(&r);
		if (r.bad || rdlen > wk_rd_left(&r))
			return WK_RDNS_BAD;
		/* RDATA names may point anywhere before them: read them from the message,
		 * then check they stayed inside RDLENGTH. */
		struct wk_rd rd = r;
		size_t end = wk_rd_off(&r) + rdlen;
		wk_rd_skip(&r, rdlen);
		if (cls != C_IN || !name_eq(owner, target) || (type != T_PTR && type != T_CNAME))
			continue;
		if (!read_name(&rd, p, n, got) || wk_rd_off(&rd) != end)
			return WK_RDNS_BAD;
		if (type == T_PTR) {
			memcpy(name, got, strlen(got) + 1);
			return WK_RDNS_NAME;
		}
		if (++links > MAX_CHAIN)
			return WK_RDNS_BAD;
		memcpy(target, got, strlen(got) + 1);
	}
	if (flags & 0x0200) /* truncated without the answer: another server may do better */
		return WK_RDNS_FAIL;
	return WK_RDNS_NONAME;
}

/* ---- server lists ------------------------------------------------------------------------- */

static bool parse_addr(const char *s, struct wk_scan_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

int wk_rdns_resolv_conf(const char *path, struct wk_scan_addr *out, size_t max, size_t *n,
                        struct wk_error *err)
{
	FILE *f = fopen(path, "re");
	char line[512];
	*n = 0;
	if (!f)
		return wk_seterr_sys(err, errno, "%s", path);
	while (fgets(line, sizeof(line), f) && *n < max) {
		char kw[32], addr[128];
		if (sscanf(line, "%31s %127s", kw, addr) != 2 || strcmp(kw, "nameserver"))
			continue;
		char *pct = strchr(addr, '%');
		if (pct)
			*pct = '\0';
		if (parse_addr(addr, &out[*n]))
			(*n)++;
	}
	fclose(f);
	if (!*n)
		return wk_seterr(err, WK_ENOTFOUND, "%s: no name server", path);
	return 0;
}

int wk_rdns_servers_parse(const char *list, struct wk_scan_addr *out, size_t max, size_t *n,
                          struct wk_error *err)
{
	char tok[128];
	*n = 0;
	for (const char *s = list; *s;) {
		size_t l = strcspn(s, ",");
		if (!l || l >= sizeof(tok))
			return wk_seterr(err, WK_EINVAL, "not a server address: '%.*s'",
			                 (int)(l < 64 ? l : 64), s);
		memcpy(tok, s, l);
		tok[l] = '\0';
		if (*n == max)
			return wk_seterr(err, WK_EINVAL, "more than %zu servers", max);
		if (!parse_addr(tok, &out[*n]))
			return wk_seterr(err, WK_EINVAL, "not a server address: '%s'", tok);
		(*n)++;
		s += l;
		if (*s == ',' && !*++s)
			return wk_seterr(err, WK_EINVAL, "empty server address at the end of '%s'",
			                 list);
	}
	if (!*n)
		return wk_seterr(err, WK_EINVAL, "no server address");
	return 0;
}

/* ---- the resolver ------------------------------------------------------------------------- */

enum { E_QUEUED, E_FLIGHT, E_DONE };

struct ent {
	struct wk_scan_addr a;
	char *name;
	uint64_t sent_ns;
	uint32_t prev, next; /* the flight list */
	uint16_t id;
	uint8_t state, tries, server;
};

struct wk_rdns {
	struct wk_rdns_opts o;
	struct wk_scan_addr servers[WK_RDNS_MAX_SERVERS];
	int fd[WK_RDNS_MAX_SERVERS];
	bool dead[WK_RDNS_MAX_SERVERS];
	struct ent *v;
	size_t n, cap;
	bool sorted;
	uint32_t *ids; /* 65,536 slots: entry index + 1, 0 free */
	uint32_t head, tail, nflight;
	size_t next; /* next queued entry */
	struct wk_rdns_stats st;
};

struct wk_rdns *wk_rdns_new(const struct wk_rdns_opts *o, struct wk_error *err)
{
	if (!o || !o->nservers || o->nservers > WK_RDNS_MAX_SERVERS) {
		wk_seterr(err, WK_EINVAL, "reverse DNS: 1 to %d servers", WK_RDNS_MAX_SERVERS);
		return NULL;
	}
	for (size_t i = 0; i < o->nservers; i++)
		if (o->servers[i].family != AF_INET && o->servers[i].family != AF_INET6) {
			wk_seterr(err, WK_EINVAL, "reverse DNS: server %zu: no address", i + 1);
			return NULL;
		}
	struct wk_rdns *r = calloc(1, sizeof(*r));
	if (!r || !(r->ids = calloc(65536, sizeof(*r->ids)))) {
		free(r);
		wk_seterr(err, WK_ENOMEM, "reverse DNS: out of memory");
		return NULL;
	}
	r->o = *o;
	memcpy(r->servers, o->servers, o->nservers * sizeof(*o->servers));
	r->o.servers = r->servers;
	if (!r->o.port)
		r->o.port = 53;
	if (!r->o.total_ms)
		r->o.total_ms = 5000;
	if (!r->o.try_ms)
		r->o.try_ms = r->o.total_ms / 3 < 1000 ? r->o.total_ms / 3 : 1000;
	if (!r->o.try_ms)
		r->o.try_ms = 1;
	if (!r->o.tries)
		r->o.tries = 2 + (unsigned)o->nservers;
	if (r->o.tries > 255)
		r->o.tries = 255;
	if (!r->o.max_flight)
		r->o.max_flight = 256;
	if (r->o.max_flight > 16384)
		r->o.max_flight = 16384;
	for (size_t i = 0; i < WK_RDNS_MAX_SERVERS; i++)
		r->fd[i] = -1;
	r->head = r->tail = NONE;
	r->sorted = true;
	return r;
}

void wk_rdns_free(struct wk_rdns *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	for (size_t i = 0; i < WK_RDNS_MAX_SERVERS; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	free(r->v);
	free(r->ids);
	free(r);
}

int wk_rdns_add(struct wk_rdns *r, const struct wk_scan_addr *a, struct wk_error *err)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return wk_seterr(err, WK_EINVAL, "reverse DNS: address family %u", a->family);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ent *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return wk_seterr(err, WK_ENOMEM, "reverse DNS: %zu addresses", cap);
		r->v = v;
		r->cap = cap;
	}
	struct ent *e = &r->v[r->n++];
	memset(e, 0, sizeof(*e));
	e->a.family = a->family;
	memcpy(e->a.b, a->b, a->family == AF_INET ? 4 : 16);
	r->sorted = false;
	return 0;
}

static int cmp_addr(const struct wk_scan_addr *a, const struct wk_scan_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, 16);
}

static int cmp_ent(const void *x, const void *y)
{
	return cmp_addr(&((const struct ent *)x)->a, &((const struct ent *)y)->a);
}

static void sort_unique(struct wk_rdns *r)
{
	if (r->sorted)
		return;
	qsort(r->v, r->n, sizeof(*r->v), cmp_ent);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (!k || cmp_ent(&r->v[k - 1], &r->v[i]))
			r->v[k++] = r->v[i];
	r->n = k;
	r->sorted = true;
}

const char *wk_rdns_name(const struct wk_rdns *r, const struct wk_scan_addr *a)
{
	if (!r || !r->sorted)
		return NULL;
	struct wk_scan_addr k;
	memset(&k, 0, sizeof(k));
	k.family = a->family;
	memcpy(k.b, a->b, a->family == AF_INET ? 4 : 16);
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_addr(&r->v[mid].a, &k);
		if (!c)
			return r->v[mid].name;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int open_servers(struct wk_rdns *r, struct wk_error *err)
{
	int live = 0, last = 0;
	for (size_t i = 0; i < r->o.nservers; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		memset(&ss, 0, sizeof(ss));
		const struct wk_scan_addr *a = &r->servers[i];
		if (a->family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(r->o.port);
			memcpy(&s4->sin_addr, a->b, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(r->o.port);
			memcpy(&s6->sin6_addr, a->b, 16);
			sl = sizeof(*s6);
		}
		int fd = socket(a->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* connected: the kernel drops datagrams from anyone but this server */
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
			last = errno;
			if (fd >= 0)
				close(fd);
			r->dead[i] = true;
			continue;
		}
		r->fd[i] = fd;
		live++;
	}
	if (!live)
		return wk_seterr_sys(err, last, "reverse DNS: no usable server");
	return 0;
}

static void flight_unlink(struct wk_rdns *r, uint32_t i)
{
	struct ent *e = &r->v[i];
	if (e->prev != NONE)
		r->v[e->prev].next = e->next;
	else
		r->head = e->next;
	if (e->next != NONE)
		r->v[e->next].prev = e->prev;
	else
		r->tail = e->prev;
	r->ids[e->id] = 0;
	r->nflight--;
}

static void finish(struct wk_rdns *r, uint32_t i, uint64_t *counter)
{
	struct ent *e = &r->v[i];
	if (e->state == E_FLIGHT)
		flight_unlink(r, i);
	e->state = E_DONE;
	(*counter)++;
}

static bool any_live(const struct wk_rdns *r)
{
	for (size_t i = 0; i < r->o.nservers; i++)
		if (!r->dead[i])
			return true;
	return false;
}

/* Ask (again): the next live server in turn, a fresh ID, to the end of the flight list. */
static void ask(struct wk_rdns *r, uint32_t i, uint64_t now)
{
	struct ent *e = &r->v[i];
	uint8_t q[QBUF];
	char qn[WK_RDNS_NAME_MAX];
	if (e->state == E_FLIGHT)
		flight_unlink(r, i);
	while (e->tries < r->o.tries) {
		unsigned s = (unsigned)((i + e->tries) % r->o.nservers);
		e->tries++;
		if (r->dead[s])
			continue;
		/* a random id, then the next free one: at most a few hundred of the 65,536
		 * are in flight, so the walk is short even when getrandom fails */
		uint16_t id;
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
			id = (uint16_t)(now ^ (now >> 16) ^ i);
		while (r->ids[id])
			id++;
		size_t ql =
		    wk_rdns_query(q, sizeof(q), id, wk_rdns_qname(&e->a, qn, sizeof(qn)) ? qn : "");
		if (!ql)
			break;
		ssize_t w = send(r->fd[s], q, ql, 0);
		if (w < 0 && errno == ECONNREFUSED) {
			r->dead[s] = true; /* an earlier port unreachable: nobody listens there */
			continue;
		}
		r->st.sent++;
		e->id = id;
		e->server = (uint8_t)s;
		e->sent_ns = now;
		e->state = E_FLIGHT;
		e->prev = r->tail;
		e->next = NONE;
		if (r->tail != NONE)
			r->v[r->tail].next = i;
		else
			r->head = i;
		r->tail = i;
		r->ids[id] = i + 1;
		r->nflight++;
		return;
	}
	e->state = E_QUEUED; /* so finish does not unlink it again */
	finish(r, i, &r->st.failed);
}

static void on_reply(struct wk_rdns *r, unsigned s, const uint8_t *p, size_t n, uint64_t now)
{
	char name[WK_RDNS_NAME_MAX], qn[WK_RDNS_NAME_MAX];
	r->st.replies++;
	struct wk_rd hd;
	wk_rd_init(&hd, p, n);
	uint16_t id = wk_rd_be16(&hd);
	if (hd.bad) {
		r->st.bad++;
		return;
	}
	uint32_t k = r->ids[id];
	if (!k || r->v[k - 1].server != s) {
		r->st.bad++;
		return;
	}
	struct ent *e = &r->v[k - 1];
	if (!wk_rdns_qname(&e->a, qn, sizeof(qn))) {
		r->st.bad++;
		return;
	}
	switch (wk_rdns_parse(p, n, id, qn, name)) {
	case WK_RDNS_NAME:
		e->name = strdup(name);
		finish(r, k - 1, e->name ? &r->st.named : &r->st.failed);
		break;
	case WK_RDNS_NONAME:
		finish(r, k - 1, &r->st.noname);
		break;
	case WK_RDNS_FAIL:
		ask(r, k - 1, now);
		break;
	default: /* damaged or forged: the real answer may still come */
		r->st.bad++;
		break;
	}
}

static void drain(struct wk_rdns *r, unsigned s, uint64_t now)
{
	uint8_t buf[RBUF];
	for (int k = 0; k < 256; k++) {
		ssize_t got = recv(r->fd[s], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (got < 0) {
			if (errno == ECONNREFUSED)
				r->dead[s] = true; /* the in-flight ones move on at their timeout */
			return;
		}
		if ((size_t)got > sizeof(buf)) {
			r->st.replies++;
			r->st.bad++;
			continue;
		}
		on_reply(r, s, buf, (size_t)got, now);
	}
}

int wk_rdns_run(struct wk_rdns *r, struct wk_rdns_stats *st, struct wk_error *err)
{
	uint64_t t0 = wk_mono_ns();
	uint64_t cap = t0 + (uint64_t)r->o.total_ms * 1000000ull;
	uint64_t try_ns = (uint64_t)r->o.try_ms * 1000000ull;
	int rc = 0;
	sort_unique(r);
	r->st.asked = r->n;
	if (r->n && (rc = open_servers(r, err)))
		goto out;
	struct pollfd pf[WK_RDNS_MAX_SERVERS];
	while (r->next < r->n || r->nflight) {
		uint64_t now = wk_mono_ns();
		if (now >= cap || (r->o.stop && *r->o.stop) || !any_live(r))
			break;
		while (r->next < r->n && r->nflight < r->o.max_flight)
			ask(r, (uint32_t)r->next++, now);
		while (r->head != NONE && r->v[r->head].sent_ns + try_ns <= now)
			ask(r, r->head, now);
		uint64_t wake = cap;
		if (r->head != NONE && r->v[r->head].sent_ns + try_ns < wake)
			wake = r->v[r->head].sent_ns + try_ns;
		int ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if (ms > 50)
			ms = 50; /* look at *stop now and then */
		nfds_t np = 0;
		unsigned map[WK_RDNS_MAX_SERVERS];
		for (unsigned s = 0; s < r->o.nservers; s++)
			if (!r->dead[s]) {
				pf[np].fd = r->fd[s];
				pf[np].events = POLLIN;
				map[np++] = s;
			}
		int k = poll(pf, np, ms);
		if (k < 0 && errno != EINTR) {
			rc = wk_seterr_sys(err, errno, "reverse DNS: poll");
			break;
		}
		now = wk_mono_ns();
		for (nfds_t j = 0; k > 0 && j < np; j++)
			if (pf[j].revents)
				drain(r, map[j], now);
	}
	/* what is left ran out of time (or of servers) */
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].state != E_DONE)
			finish(r, (uint32_t)i, &r->st.timed_out);
out:
	r->st.elapsed = (double)(wk_mono_ns() - t0) / 1e9;
	if (st)
		*st = r->st;
	return rc;
}
