/* Unit tests for scan/connect.c, the connect scanner, on loopback: listeners opened here
 * on some ports (open), bound but not listening sockets on others (closed, nothing else
 * can take them meanwhile), a listener with a full accept queue (its SYNs are dropped:
 * filtered, no-response); exact states and reasons, shards, stop and resume, pacing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/pace.h"
#include "wirekit/scan.h"

/* ---- the lab: sockets bound on loopback ---------------------------------------------------- */

#define MAXP 400

enum want { W_OPEN, W_CLOSED, W_FILTERED };

struct lab {
	int family;
	int fd[MAXP];
	uint16_t port[MAXP];
	enum want want[MAXP];
	unsigned n;
	int filler[8]; /* the connections that fill the full listeners' queues */
	unsigned nfiller;
};

static int bind_any(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* n ports: every k-th open, the rest closed; and nfull listeners whose queue is full */
static int lab_open(struct lab *l, int family, unsigned n, unsigned k, unsigned nfull)
{
	memset(l, 0, sizeof(*l));
	l->family = family;
	for (unsigned i = 0; i < n; i++) {
		int fd = bind_any(family);
		if (fd < 0)
			return -1;
		l->fd[i] = fd;
		l->n = i + 1;
		l->port[i] = port_of(fd);
		l->want[i] = W_CLOSED;
		if (i % k == 0) {
			assert_int_equal(listen(fd, 64), 0);
			l->want[i] = W_OPEN;
		}
	}
	for (unsigned j = 0; j < nfull && j < WK_ARRAY_SIZE(l->filler); j++) {
		/* backlog 0 queues one connection; with it there, further SYNs are dropped */
		int fd = bind_any(family);
		assert_true(fd >= 0);
		assert_int_equal(listen(fd, 0), 0);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
		int c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(c, (struct sockaddr *)&ss, sl), 0);
		l->filler[l->nfiller++] = c;
		l->fd[l->n] = fd;
		l->port[l->n] = port_of(fd);
		l->want[l->n] = W_FILTERED;
		l->n++;
	}
	return 0;
}

static void lab_close(struct lab *l)
{
	for (unsigned i = 0; i < l->n; i++)
		close(l->fd[i]);
	for (unsigned j = 0; j < l->nfiller; j++)
		close(l->filler[j]);
}

static int cmp_port(const void *a, const void *b)
{
	const struct wk_port *x = a, *y = b;
	return (int)x->port - (int)y->port;
}

static void lab_ports(const struct lab *l, struct wk_ports *p)
{
	p->v = calloc(l->n, sizeof(*p->v));
	assert_non_null(p->v);
	for (unsigned i = 0; i < l->n; i++)
		p->v[i] = (struct wk_port){WK_SP_TCP, l->port[i]};
	p->n = l->n;
	qsort(p->v, p->n, sizeof(*p->v), cmp_port);
}

/* ---- what the scanner reported ----------------------------------------------------------- */

struct seen {
	const struct lab *lab;
	uint8_t host0; /* last byte of the first IPv4 target (127.0.0.host0) */
	unsigned nhosts;
	uint8_t count[16][MAXP];
	uint8_t state[16][MAXP], reason[16][MAXP];
	unsigned total, stop_after;
	volatile int stop;
	unsigned progress_calls;
	/* descriptor shortage: at result hog_at every free descriptor is taken, and given
	 * back at the next progress report (about a second later) */
	unsigned hog_at;
	int hog[4096];
	unsigned nhog;
	bool hogged;
};

static void on_result(void *ctx, const struct wk_scan_result *r)
{
	struct seen *s = ctx;
	assert_int_equal(r->proto, WK_SP_TCP);
	assert_int_equal(r->addr.family, s->lab->family);
	unsigned h = 0;
	if (r->addr.family == AF_INET) {
		h = (unsigned)(r->addr.b[3] - s->host0);
		assert_true(h < s->nhosts);
	}
	unsigned i;
	for (i = 0; i < s->lab->n; i++)
		if (s->lab->port[i] == r->port)
			break;
	assert_true(i < s->lab->n);
	s->count[h][i]++;
	s->state[h][i] = r->state;
	s->reason[h][i] = r->reason;
	assert_true(r->ts_sec > 0);
	if (r->reason == WK_RS_NO_RESPONSE)
		assert_int_equal(r->rtt_us, 0);
	else
		assert_true(r->rtt_us > 0 && r->rtt_us < 5000000);
	s->total++;
	if (s->stop_after && s->total == s->stop_after)
		__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED); /* read by the other workers */
	if (s->hog_at && s->total == s->hog_at) {
		int fd;
		while (s->nhog < WK_ARRAY_SIZE(s->hog) && (fd = dup(0)) >= 0)
			s->hog[s->nhog++] = fd;
		assert_int_equal(errno, EMFILE);
		s->hogged = true;
	}
}

static void on_progress(void *ctx, const struct wk_scan_progress *p)
{
	struct seen *s = ctx;
	assert_true(p->sent <= p->total);
	s->progress_calls++;
	while (s->nhog)
		close(s->hog[--s->nhog]);
}

/* Every (host, port) seen exactly once (or at least once: times), with the lab's state;
 * on hosts other than the first, every port is closed (nothing listens there). */
static void check_exact(const struct seen *s, unsigned times)
{
	for (unsigned h = 0; h < s->nhosts; h++)
		for (unsigned i = 0; i < s->lab->n; i++) {
			if (times == 1)
				assert_int_equal(s->count[h][i], 1);
			else
				assert_true(s->count[h][i] >= 1);
			enum want w = h == 0 ? s->lab->want[i] : W_CLOSED;
			switch (w) {
			case W_OPEN:
				assert_int_equal(s->state[h][i], WK_PS_OPEN);
				assert_int_equal(s->reason[h][i], WK_RS_SYN_ACK);
				break;
			case W_CLOSED:
				assert_int_equal(s->state[h][i], WK_PS_CLOSED);
				assert_int_equal(s->reason[h][i], WK_RS_CONN_REFUSED);
				break;
			case W_FILTERED:
				assert_int_equal(s->state[h][i], WK_PS_FILTERED);
				assert_int_equal(s->reason[h][i], WK_RS_NO_RESPONSE);
				break;
			}
		}
}

static struct wk_targets *targets_of(const char *const *tok, size_t n)
{
	struct wk_error e;
	struct wk_targets *t = wk_targets_new(&e);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(wk_targets_add(t, tok[i], &e), 0);
	assert_int_equal(wk_targets_finish(t, &e), 0);
	return t;
}

static void opts_init(struct wk_scan_opts *o, struct wk_targets *t, struct wk_ports *p,
                      struct seen *s)
{
	memset(o, 0, sizeof(*o));
	o->targets = t;
	o->ports = p;
	o->type = WK_SCAN_CONNECT;
	o->seed = 42;
	o->shard_k = o->shard_of = 1;
	o->source_port = -1;
	o->retries = 1;
	o->on_result = on_result;
	o->on_progress = on_progress;
	o->ctx = s;
	o->stop = &s->stop;
}

/* ---- a lab, its targets and the options, together ------------------------------------------ */

struct fx {
	struct lab l;
	struct wk_ports p;
	struct wk_targets *t;
	struct seen s;
	struct wk_scan_opts o;
	struct wk_scan_summary sum;
	struct wk_error e;
};

/* n ports, every k-th open; targets tok[0..ntok) whose first address is 127.0.0.host0
 * (IPv4) and which name nhosts addresses. Returns -1 when the family is not available. */
static int fx_open(struct fx *f, int family, unsigned n, unsigned k, unsigned nfull,
                   const char *const *tok, size_t ntok, unsigned nhosts)
{
	memset(f, 0, sizeof(*f));
	if (lab_open(&f->l, family, n, k, nfull) < 0) {
		lab_close(&f->l);
		return -1;
	}
	lab_ports(&f->l, &f->p);
	f->t = targets_of(tok, ntok);
	f->s.lab = &f->l;
	f->s.host0 = 1;
	f->s.nhosts = nhosts;
	opts_init(&f->o, f->t, &f->p, &f->s);
	return 0;
}

static void fx_close(struct fx *f)
{
	wk_targets_free(f->t);
	free(f->p.v);
	lab_close(&f->l);
}

static const char *const lo1[] = {"127.0.0.1"};

/* ---- tests ------------------------------------------------------------------------------- */

static void test_loopback_exact(void **state)
{
	(void)state;
	static const char *const tok[] = {"127.0.0.1-3"};
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 300, 7, 1, tok, 1, 3), 0);
	f.o.timeout_ms = 200;
	uint64_t resume = 7;
	assert_int_equal(wk_scan_connect_run(&f.o, &f.sum, &resume, &f.e), 0);
	check_exact(&f.s, 1);
	unsigned n = f.l.n;
	assert_int_equal(f.s.total, 3 * n);
	assert_int_equal(resume, 3 * (uint64_t)n);
	assert_int_equal(f.sum.hosts_total, 3);
	assert_int_equal(f.sum.hosts_up, 3);
	/* every port once, the silent one twice (one retry) */
	assert_int_equal(f.sum.probes_sent, 3 * n + 1);
	assert_int_equal(f.sum.replies, 3 * n - 1);
	fx_close(&f);
}

static void test_loopback6_exact(void **state)
{
	(void)state;
	static const char *const tok[] = {"::1"};
	struct fx f;
	if (fx_open(&f, AF_INET6, 200, 5, 0, tok, 1, 1) < 0)
		skip(); /* no IPv6 loopback here */
	assert_int_equal(wk_scan_connect_run(&f.o, &f.sum, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	assert_int_equal(f.sum.hosts_up, 1);
	assert_true(f.sum.elapsed < 5);
	fx_close(&f);
}

/* A handful of connects in flight at a time still gives the exact answer. */
static void test_few_in_flight(void **state)
{
	(void)state;
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 150, 3, 0, lo1, 1, 1), 0);
	f.o.max_parallel = 3;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	fx_close(&f);
}

/* Shards 1/3, 2/3, 3/3 together: every (host, port) exactly once. */
static void test_shards(void **state)
{
	(void)state;
	static const char *const tok[] = {"127.0.0.1", "127.0.0.2"};
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 120, 4, 0, tok, 2, 2), 0);
	unsigned before = 0;
	for (uint32_t k = 1; k <= 3; k++) {
		f.o.shard_k = k;
		f.o.shard_of = 3;
		assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), 0);
		assert_true(f.s.total - before >= 2 * f.l.n / 3 - 1);
		before = f.s.total;
	}
	check_exact(&f.s, 1);
	f.o.shard_k = 4;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), WK_EINVAL);
	fx_close(&f);
}

/* Stopped after a third, resumed from the position it gave: everything covered. */
static void test_stop_resume(void **state)
{
	(void)state;
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 300, 6, 0, lo1, 1, 1), 0);
	f.s.stop_after = 100;
	f.o.max_parallel = 8;
	uint64_t resume = 0;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, &resume, &f.e), 0);
	assert_true(f.s.total >= 100);
	assert_true(f.s.total < f.l.n);
	assert_true(resume > 0 && resume < f.l.n);
	f.s.stop = 0;
	f.s.stop_after = 0;
	f.o.resume_pos = resume;
	uint64_t r2 = 0;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, &r2, &f.e), 0);
	assert_int_equal(r2, f.l.n);
	check_exact(&f.s, 2);
	assert_true(f.s.total <= f.l.n + 8 + 1); /* at most what was in flight, twice */
	fx_close(&f);
}

/* --rate: 300 connects at 1,500 per second take about 0.2 s. */
static void test_rate(void **state)
{
	(void)state;
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 300, 10, 0, lo1, 1, 1), 0);
	f.o.rate = 1500;
	assert_int_equal(wk_scan_connect_run(&f.o, &f.sum, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	/* the bucket holds one token at the start: 299 more at 1,500/s cannot take less
	 * than 0.199 s (a bound the pacing guarantees, not a speed asserted) */
	assert_true(f.sum.elapsed > 0.15);
	fx_close(&f);
}

/* 16 hosts x 300 ports is big enough for a worker per processor: still exactly once each,
 * and a stop in the middle resumes to cover everything. */
static void test_workers(void **state)
{
	(void)state;
	static const char *const tok[] = {"127.0.0.1-16"};
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 300, 9, 0, tok, 1, 16), 0);
	assert_int_equal(wk_scan_connect_run(&f.o, &f.sum, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	assert_int_equal(f.sum.probes_sent, 16 * f.l.n);
	assert_int_equal(f.sum.hosts_up, 16);
	memset(f.s.count, 0, sizeof(f.s.count));
	f.s.total = 0;
	f.s.stop_after = 1500;
	uint64_t resume = 0;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, &resume, &f.e), 0);
	assert_true(f.s.total >= 1500 && f.s.total < 16 * f.l.n);
	assert_true(resume < 16 * f.l.n);
	f.s.stop = 0;
	f.s.stop_after = 0;
	f.o.resume_pos = resume;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, &resume, &f.e), 0);
	assert_int_equal(resume, 16 * f.l.n);
	check_exact(&f.s, 2);
	fx_close(&f);
}

/* Out of descriptors mid-scan (EMFILE): the probes wait and go out later, none is lost
 * or reported twice. */
static void test_no_descriptors(void **state)
{
	(void)state;
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = 1024; /* the hog must be able to take them all */
	if (rl.rlim_cur > old.rlim_max)
		rl.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	struct fx f;
	/* silent ports hold descriptors in flight, so the scan needs new ones after the hog */
	assert_int_equal(fx_open(&f, AF_INET, 200, 2, 6, lo1, 1, 1), 0);
	f.s.hog_at = 20;
	f.o.max_parallel = 16;
	f.o.timeout_ms = 300;
	assert_int_equal(wk_scan_connect_run(&f.o, &f.sum, NULL, &f.e), 0);
	assert_true(f.s.hogged);
	check_exact(&f.s, 1);
	assert_int_equal(f.sum.probes_sent, f.l.n + 6); /* a retry for each silent port */
	fx_close(&f);
	setrlimit(RLIMIT_NOFILE, &old);
}

/* -S: connects come from the source address (of the targets' family; another family's is
 * not used); a source that is not ours is an error naming it. */
static void test_source(void **state)
{
	(void)state;
	struct fx f;
	assert_int_equal(fx_open(&f, AF_INET, 60, 4, 0, lo1, 1, 1), 0);
	struct wk_scan_addr src = {.family = AF_INET, .b = {127, 0, 0, 2}};
	f.o.source = &src;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	/* the first open port's listener holds our (reset) connection: from 127.0.0.2 */
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int c = accept4(f.l.fd[0], (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(c >= 0);
	assert_int_equal(ntohl(peer.sin_addr.s_addr), 0x7f000002);
	close(c);
	struct wk_scan_addr v6 = {.family = AF_INET6, .b = {[15] = 1}};
	f.o.source = &v6;
	memset(f.s.count, 0, sizeof(f.s.count));
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), 0);
	check_exact(&f.s, 1);
	struct wk_scan_addr far = {.family = AF_INET, .b = {198, 18, 255, 254}};
	f.o.source = &far;
	assert_int_equal(wk_scan_connect_run(&f.o, NULL, NULL, &f.e), WK_ESYS);
	assert_non_null(strstr(f.e.msg, "source"));
	fx_close(&f);
}

/* Nothing to scan, or no TCP port in the list: WK_EINVAL with a message. */
static void test_bad_opts(void **state)
{
	(void)state;
	struct wk_targets *t = targets_of(lo1, 1);
	struct wk_port up = {WK_SP_UDP, 53};
	struct wk_ports p = {&up, 1};
	struct seen s = {0};
	struct wk_scan_opts o;
	opts_init(&o, t, &p, &s);
	struct wk_error e;
	assert_int_equal(wk_scan_connect_run(&o, NULL, NULL, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "TCP"));
	o.ports = NULL;
	assert_int_equal(wk_scan_connect_run(&o, NULL, NULL, &e), WK_EINVAL);
	assert_int_equal(s.total, 0);
	wk_targets_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_exact), cmocka_unit_test(test_loopback6_exact),
	    cmocka_unit_test(test_few_in_flight),  cmocka_unit_test(test_shards),
	    cmocka_unit_test(test_stop_resume),    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_workers),        cmocka_unit_test(test_no_descriptors),
	    cmocka_unit_test(test_source),         cmocka_unit_test(test_bad_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
