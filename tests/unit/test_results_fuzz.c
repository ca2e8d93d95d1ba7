/* Robustness of the result table (src/lib/results/table.c) at scale: 100,000 random
 * results (IPv4 and IPv6, tcp/udp/sctp, every state and reason, repeated keys) must come
 * back strictly ordered, each key once, none lost, every answering host up; the writers
 * must get through the whole table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

#define N 100000

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A key as the test sees it, independent of the table's own order. */
struct key {
	uint8_t fam, proto; /* proto: 0 host record, else 1 + wk_scan_proto */
	uint8_t b[16];
	uint16_t port;
};

static int cmp_key(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	int c = memcmp(a->b, b->b, 16);
	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static struct key key_of(const struct wk_scan_result *r)
{
	struct key k;
	memset(&k, 0, sizeof(k));
	k.fam = r->addr.family == AF_INET ? 4 : 6;
	memcpy(k.b, r->addr.b, r->addr.family == AF_INET ? 4 : 16);
	k.proto = r->proto == WK_SCAN_HOST ? 0 : (uint8_t)(r->proto + 1);
	k.port = r->port;
	return k;
}

static bool answered(const struct wk_scan_result *r)
{
	switch (r->reason) {
	case WK_RS_NONE:
	case WK_RS_NO_RESPONSE:
	case WK_RS_HOST_UNREACH:
	case WK_RS_NET_UNREACH:
	case WK_RS_PROTO_UNREACH:
	case WK_RS_ADMIN_PROHIBITED:
	case WK_RS_HOST_PROHIBITED:
	case WK_RS_NET_PROHIBITED:
	case WK_RS_TIME_EXCEEDED:
		return false;
	default:
		return true;
	}
}

static struct wk_scan_result gen(void)
{
	struct wk_scan_result r;
	memset(&r, 0, sizeof(r));
	uint64_t x = next();
	if (x % 8 == 0) {
		r.addr.family = AF_INET6;
		r.addr.b[0] = 0x20;
		r.addr.b[1] = 0x01;
		r.addr.b[2] = 0x0d;
		r.addr.b[3] = 0xb8;
		r.addr.b[14] = (uint8_t)(x >> 8);
		r.addr.b[15] = (uint8_t)(x >> 16);
	} else {
		r.addr.family = AF_INET;
		r.addr.b[0] = 198;
		r.addr.b[1] = (uint8_t)(18 + (x >> 8) % 2);
		r.addr.b[2] = (uint8_t)(x >> 16);
		r.addr.b[3] = (uint8_t)(x >> 24);
	}
	uint64_t y = next();
	if (y % 10 == 0) {
		r.proto = WK_SCAN_HOST;
		r.state = (uint8_t)(y % 20 == 0 ? WK_PS_HOST_UP : WK_PS_HOST_DOWN);
	} else {
		r.proto = (uint8_t)(y >> 8) % WK_SP_NPROTO;
		r.port = (uint16_t)(1 + (y >> 16) % 65535);
		r.state = (uint8_t)((y >> 32) % (WK_PS_CLOSED_FILTERED + 1));
	}
	r.reason = (uint8_t)((y >> 40) % WK_RS_NREASON);
	r.ttl = (uint8_t)(y >> 48);
	r.ts_sec = 1765000000;
	return r;
}

static size_t lines;
static int count_lines(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return 0;
}

static void test_100k(void **state)
{
	(void)state;
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_result *in = calloc(N, sizeof(*in));
	struct key *want = calloc(2 * N, sizeof(*want));
	assert_non_null(t);
	assert_non_null(in);
	assert_non_null(want);
	size_t nw = 0;
	struct wk_error err = {0};
	for (size_t i = 0; i < N; i++) {
		/* one in five repeats an earlier key with another verdict */
		if (i > 0 && next() % 5 == 0) {
			struct wk_scan_result o = gen();
			in[i] = in[next() % i];
			if (in[i].proto != WK_SCAN_HOST)
				in[i].state = o.state % (WK_PS_CLOSED_FILTERED + 1);
			in[i].reason = o.reason;
		} else {
			in[i] = gen();
		}
		assert_int_equal(wk_results_add(t, &in[i], &err), 0);
		want[nw++] = key_of(&in[i]);
		if (in[i].proto != WK_SCAN_HOST && answered(&in[i])) {
			struct wk_scan_result h = in[i];
			h.proto = WK_SCAN_HOST;
			h.port = 0;
			want[nw++] = key_of(&h);
		}
	}
	/* the expected key set: sorted, unique */
	qsort(want, nw, sizeof(*want), cmp_key);
	size_t u = 0;
	for (size_t i = 0; i < nw; i++)
		if (!u || cmp_key(&want[u - 1], &want[i]))
			want[u++] = want[i];
	assert_int_equal(wk_results_count(t), u);
	for (size_t i = 0; i < u; i++) {
		const struct wk_scan_result *r = wk_results_at(t, i);
		struct key k = key_of(r);
		if (cmp_key(&k, &want[i]))
			fail_msg("record %zu out of order or missing", i);
	}
	assert_null(wk_results_at(t, u));
	/* every key is found; every host with an answering port is up */
	size_t up = 0;
	for (size_t i = 0; i < N; i++) {
		const struct wk_scan_result *r =
		    wk_results_find(t, &in[i].addr, in[i].proto, in[i].port);
		assert_non_null(r);
		if (in[i].proto != WK_SCAN_HOST && answered(&in[i])) {
			const struct wk_scan_result *h =
			    wk_results_find(t, &in[i].addr, WK_SCAN_HOST, 0);
			assert_non_null(h);
			assert_int_equal(h->state, WK_PS_HOST_UP);
			assert_int_not_equal(r->reason, WK_RS_NO_RESPONSE); /* never downgraded */
		}
	}
	for (size_t i = 0; i < u; i++)
		up += want[i].proto == 0 && wk_results_at(t, i)->state == WK_PS_HOST_UP;

	/* every writer over the whole table; text has one report line per host that is up */
	struct wk_port pv[] = {{WK_SP_TCP, 22}, {WK_SP_TCP, 80}, {WK_SP_UDP, 53}};
	struct wk_ports ps = {pv, 3};
	struct wk_scan_info info = {.args = "fuzz", .scan_type = "syn", .ports = &ps};
	struct wk_scan_summary sum = {.hosts_total = 200000, .hosts_up = up};
	size_t n;
	const struct wk_scan_writer *const *w = wk_scan_writers(&n);
	char mem[65536];
	for (size_t i = 0; i < n; i++) {
		struct wk_ob o;
		wk_ob_init(&o, mem, sizeof(mem), count_lines, NULL);
		lines = 0;
		assert_int_equal(w[i]->begin(&o, &info), 0);
		if (w[i]->result)
			for (size_t k = 0; k < u; k++)
				assert_int_equal(w[i]->result(&o, &info, wk_results_at(t, k)), 0);
		assert_int_equal(w[i]->end(&o, &info, t, &sum), 0);
		assert_int_equal(o.err, 0);
		if (!strcmp(w[i]->name, "json"))
			assert_int_equal(lines, u + 1);
		if (!strcmp(w[i]->name, "grep"))
			assert_true(lines >= 2 * up + 2);
	}
	free(in);
	free(want);
	wk_results_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_100k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
