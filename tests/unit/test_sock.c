/* Unit tests for io/sock, io/framing, io/ev, io/tls helpers and io/sockdiag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

/* ---- ports and addresses ------------------------------------------------------------ */

static void test_parse_port(void **state)
{
	(void)state;
	uint16_t p = 1;
	struct wk_error e;
	assert_int_equal(wk_sock_parse_port("0", &p, &e), 0);
	assert_int_equal(p, 0);
	assert_int_equal(wk_sock_parse_port("65535", &p, &e), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(wk_sock_parse_port("443", &p, &e), 0);
	assert_int_equal(p, 443);
	p = 7;
	static const char *const bad[] = {"",    "65536", "99999",  "-1",  "80x",
	                                  " 80", "1e3",   "000080", "http"};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++) {
		assert_int_equal(wk_sock_parse_port(bad[i], &p, &e), WK_EINVAL);
		assert_non_null(strstr(e.msg, "port"));
	}
	assert_int_equal(p, 7); /* untouched on error */
}

static void test_split_hostport(void **state)
{
	(void)state;
	char h[64];
	uint16_t p;
	struct wk_error e;
	assert_int_equal(wk_sock_split_hostport("example.org:80", h, sizeof(h), &p, &e), 0);
	assert_string_equal(h, "example.org");
	assert_int_equal(p, 80);
	assert_int_equal(wk_sock_split_hostport("[2001:db8::1]:8443", h, sizeof(h), &p, &e), 0);
	assert_string_equal(h, "2001:db8::1");
	assert_int_equal(p, 8443);
	assert_int_equal(wk_sock_split_hostport("10.0.0.1:0", h, sizeof(h), &p, &e), 0);
	assert_string_equal(h, "10.0.0.1");
	assert_int_equal(p, 0);
	/* an IPv6 literal without brackets is ambiguous */
	assert_int_equal(wk_sock_split_hostport("::1:80", h, sizeof(h), &p, &e), WK_EINVAL);
	assert_int_equal(wk_sock_split_hostport("[::1]80", h, sizeof(h), &p, &e), WK_EINVAL);
	assert_int_equal(wk_sock_split_hostport("host", h, sizeof(h), &p, &e), WK_EINVAL);
	assert_int_equal(wk_sock_split_hostport(":80", h, sizeof(h), &p, &e), WK_EINVAL);
	assert_int_equal(wk_sock_split_hostport("host:70000", h, sizeof(h), &p, &e), WK_EINVAL);
	/* host longer than the buffer */
	char small[4];
	assert_int_equal(wk_sock_split_hostport("abcdef:1", small, sizeof(small), &p, &e),
	                 WK_EINVAL);
}

static void test_resolve_fmt(void **state)
{
	(void)state;
	struct wk_addrlist l;
	struct wk_error e;
	char s[WK_SOCKADDR_STRLEN];
	assert_int_equal(
	    wk_sock_resolve("192.0.2.7", 8080, AF_UNSPEC, SOCK_STREAM, WK_SOCK_NUMERIC, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(wk_sockaddr_family(&l.a[0]), AF_INET);
	assert_int_equal(wk_sockaddr_port(&l.a[0]), 8080);
	assert_string_equal(wk_sockaddr_fmt(&l.a[0], s, sizeof(s)), "192.0.2.7:8080");
	wk_addrlist_fini(&l);
	assert_int_equal(
	    wk_sock_resolve("2001:db8:0:0::1", 53, AF_UNSPEC, SOCK_DGRAM, WK_SOCK_NUMERIC, &l, &e),
	    0);
	assert_int_equal(l.n, 1);
	assert_string_equal(wk_sockaddr_fmt(&l.a[0], s, sizeof(s)), "[2001:db8::1]:53");
	wk_addrlist_fini(&l);
	/* an IPv4 client of a dual-stack listener: shown as IPv4, not [::ffff:a.b.c.d]
	 * (issue 12 item 27) */
	assert_int_equal(wk_sock_resolve("::ffff:127.0.0.1", 50264, AF_INET6, SOCK_STREAM,
	                                 WK_SOCK_NUMERIC, &l, &e),
	                 0);
	assert_string_equal(wk_sockaddr_fmt(&l.a[0], s, sizeof(s)), "127.0.0.1:50264");
	wk_addrlist_fini(&l);
	/* a literal of the wrong family */
	assert_true(
	    wk_sock_resolve("192.0.2.7", 1, AF_INET6, SOCK_STREAM, WK_SOCK_NUMERIC, &l, &e) < 0);
	assert_null(l.a);
	/* not an address at all, names forbidden */
	assert_int_equal(wk_sock_resolve("no.such.host.invalid", 1, AF_UNSPEC, SOCK_STREAM,
	                                 WK_SOCK_NUMERIC, &l, &e),
	                 WK_ENOTFOUND);
	assert_non_null(strstr(e.msg, "no.such.host.invalid"));
	/* passive with no host: the wildcard */
	assert_int_equal(wk_sock_resolve(NULL, 9, AF_INET, SOCK_STREAM, WK_SOCK_PASSIVE, &l, &e),
	                 0);
	assert_string_equal(wk_sockaddr_fmt(&l.a[0], s, sizeof(s)), "0.0.0.0:9");
	wk_addrlist_fini(&l);
	wk_addrlist_fini(NULL);
}

/* connect to a closed loopback port: refused, with the address in the message */
static void test_connect_refused(void **state)
{
	(void)state;
	struct wk_addrlist l;
	struct wk_error e;
	int lfd, fd = -1;
	assert_int_equal(
	    wk_sock_resolve("127.0.0.1", 0, AF_INET, SOCK_STREAM, WK_SOCK_NUMERIC, &l, &e), 0);
	/* find a free port by binding, then close it */
	assert_int_equal(wk_sock_listen(&l.a[0], SOCK_STREAM, 1, 0, &lfd, &e), 0);
	struct wk_sockaddr bound;
	assert_int_equal(wk_sock_local(lfd, &bound, &e), 0);
	assert_int_not_equal(wk_sockaddr_port(&bound), 0);
	/* while listening: connect works and accept sees it */
	assert_int_equal(wk_sock_connect(&bound, SOCK_STREAM, 2000, &fd, &e), 0);
	int afd = -1;
	struct wk_sockaddr peer;
	int rc;
	for (int i = 0; i < 100 && (rc = wk_sock_accept(lfd, &afd, &peer, &e)) == WK_SOCK_AGAIN;
	     i++)
		usleep(1000);
	assert_int_equal(rc, 0);
	assert_int_equal(write(fd, "x", 1), 1);
	char c = 0;
	for (int i = 0; i < 100 && read(afd, &c, 1) != 1; i++)
		usleep(1000);
	assert_int_equal(c, 'x');
	close(afd);
	close(fd);
	assert_int_equal(wk_sock_accept(lfd, &afd, &peer, &e), WK_SOCK_AGAIN);
	close(lfd);
	rc = wk_sock_connect(&bound, SOCK_STREAM, 2000, &fd, &e);
	assert_int_equal(rc, WK_ESYS);
	assert_non_null(strstr(e.msg, "connection refused"));
	assert_non_null(strstr(e.msg, "127.0.0.1:"));
	wk_addrlist_fini(&l);
}

/* ---- framing --------------------------------------------------------------------------- */

static void test_frame_put(void **state)
{
	(void)state;
	struct wk_buf b;
	struct wk_error e;
	wk_buf_init(&b, 0);
	assert_int_equal(wk_frame_put(&b, "hello", 5, 100, &e), 0);
	assert_int_equal(wk_frame_put(&b, "", 0, 100, &e), 0);
	const uint8_t want[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.p, want, sizeof(want));
	/* over the limit: refused, nothing appended */
	assert_int_equal(wk_frame_put(&b, "123456", 6, 5, &e), WK_EINVAL);
	assert_int_equal(b.len, sizeof(want));
	wk_buf_fini(&b);
}

/* Decode a stream fed in pieces of `step` bytes and collect the frames as "a|b|". */
static int decode_all(const uint8_t *p, size_t n, size_t step, size_t max, char *out, size_t outsz)
{
	struct wk_frame_dec d;
	struct wk_error e;
	size_t ol = 0;
	int rc = 0;
	wk_frame_dec_init(&d, max);
	out[0] = '\0';
	for (size_t off = 0; off < n && rc >= 0;) {
		size_t chunk = n - off < step ? n - off : step;
		const uint8_t *cp = p + off;
		while (chunk) {
			const uint8_t *f;
			size_t used, flen;
			rc = wk_frame_dec_feed(&d, cp, chunk, &used, &f, &flen, &e);
			if (rc < 0)
				break;
			assert_true(used <= chunk);
			if (rc == 1) {
				assert_true(ol + flen + 2 < outsz);
				memcpy(out + ol, f, flen);
				ol += flen;
				out[ol++] = '|';
				out[ol] = '\0';
			} else {
				assert_int_equal(used, chunk); /* 0: everything consumed */
			}
			cp += used;
			chunk -= used;
			off += used;
		}
	}
	if (rc >= 0 && wk_frame_dec_partial(&d))
		rc = WK_ETRUNC;
	wk_frame_dec_fini(&d);
	return rc < 0 ? rc : 0;
}

static void test_frame_decode(void **state)
{
	(void)state;
	const uint8_t s[] = {0, 0, 0, 3, 'a',  'b', 'c', 0, 0, 0,   0,
	                     0, 0, 0, 1, '\n', 0,   0,   0, 2, 'x', 'y'};
	char out[64];
	/* whole, byte at a time, and every other split size give the same frames */
	for (size_t step = 1; step <= sizeof(s); step++) {
		assert_int_equal(decode_all(s, sizeof(s), step, 16, out, sizeof(out)), 0);
		assert_string_equal(out, "abc||\n|xy|");
	}
	/* cut in the middle of a header or a body: partial */
	assert_int_equal(decode_all(s, 2, 1, 16, out, sizeof(out)), WK_ETRUNC);
	assert_int_equal(decode_all(s, 6, 1, 16, out, sizeof(out)), WK_ETRUNC);
	assert_int_equal(decode_all(s, 7, 3, 16, out, sizeof(out)), 0);
	assert_string_equal(out, "abc|");
}

static void test_frame_too_large(void **state)
{
	(void)state;
	struct wk_frame_dec d;
	struct wk_error e;
	const uint8_t *f;
	size_t used, flen;
	/* 0xffffffff announced against a 1 KiB limit: refused at the header */
	const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 'a', 'b'};
	wk_frame_dec_init(&d, 1024);
	assert_int_equal(wk_frame_dec_feed(&d, big, sizeof(big), &used, &f, &flen, &e), WK_EINVAL);
	assert_int_equal(used, 4);
	assert_non_null(strstr(e.msg, "4294967295"));
	assert_true(d.body.size == 0); /* nothing was allocated for it */
	/* the decoder stays refused */
	assert_int_equal(wk_frame_dec_feed(&d, big + 4, 2, &used, &f, &flen, &e), WK_EINVAL);
	wk_frame_dec_fini(&d);
	/* exactly the limit passes, one more does not; byte by byte too */
	uint8_t m[4 + 8];
	memset(m, 'z', sizeof(m));
	m[0] = m[1] = m[2] = 0;
	m[3] = 8;
	char out[32];
	assert_int_equal(decode_all(m, sizeof(m), 1, 8, out, sizeof(out)), 0);
	assert_string_equal(out, "zzzzzzzz|");
	assert_int_equal(decode_all(m, sizeof(m), 1, 7, out, sizeof(out)), WK_EINVAL);
	/* a large announced frame that only trickles in grows the buffer with the data,
	 * not to the announced size */
	const uint8_t hdr[] = {0x00, 0x80, 0x00, 0x00, 'q'}; /* 8 MiB announced */
	wk_frame_dec_init(&d, 16u << 20);
	assert_int_equal(wk_frame_dec_feed(&d, hdr, sizeof(hdr), &used, &f, &flen, &e), 0);
	assert_true(wk_frame_dec_partial(&d));
	assert_true(d.body.size < 4096);
	wk_frame_dec_fini(&d);
}

/* ---- event loop ---------------------------------------------------------------------- */

struct evlog {
	char s[64];
	size_t n;
};

static void log_c(struct evlog *l, char c)
{
	if (l->n + 1 < sizeof(l->s)) {
		l->s[l->n++] = c;
		l->s[l->n] = '\0';
	}
}

struct tm_case {
	struct wk_ev_timer t;
	struct evlog *l;
	char name;
};

static void on_named_timer(struct wk_ev *ev, struct wk_ev_timer *t)
{
	(void)ev;
	struct tm_case *c = t->ctx;
	log_c(c->l, c->name);
}

static void test_ev_timers(void **state)
{
	(void)state;
	struct wk_ev *ev;
	struct wk_error e;
	struct evlog l = {0};
	assert_int_equal(wk_ev_new(&ev, &e), 0);
	struct tm_case c[5];
	const uint64_t ms[5] = {30, 10, 50, 20, 40};
	for (int i = 0; i < 5; i++) {
		c[i].l = &l;
		c[i].name = (char)('a' + i);
		wk_ev_timer_init(&c[i].t, on_named_timer, &c[i]);
		assert_int_equal(wk_ev_timer_start(ev, &c[i].t, ms[i], &e), 0);
	}
	/* stop one, re-arm another later */
	wk_ev_timer_stop(ev, &c[2].t);
	assert_false(wk_ev_timer_armed(&c[2].t));
	assert_int_equal(wk_ev_timer_start(ev, &c[1].t, 60, &e), 0);
	assert_int_equal(wk_ev_run(ev, &e), 0); /* returns when nothing is left */
	assert_string_equal(l.s, "daeb");
	struct wk_ev_timer t;
	wk_ev_timer_init(&t, on_named_timer, &c[0]);
	wk_ev_timer_stop(ev, &t); /* not armed: no-op */
	assert_false(wk_ev_timer_armed(&t));
	wk_ev_free(ev);
}

struct pipe_case {
	struct wk_ev_io io;
	int fd;
	char got[16];
	size_t n;
	struct wk_ev_io *other; /* stopped from inside the callback */
	int calls;
};

static void on_pipe(struct wk_ev *ev, struct wk_ev_io *io, unsigned events)
{
	struct pipe_case *p = io->ctx;
	p->calls++;
	if (events & WK_EV_IN) {
		ssize_t n = read(io->fd, p->got + p->n, sizeof(p->got) - 1 - p->n);
		if (n > 0)
			p->n += (size_t)n;
		else
			wk_ev_io_stop(ev, io); /* EOF */
	}
	if (p->other) {
		wk_ev_io_stop(ev, p->other);
		p->other = NULL;
	}
}

static void test_ev_io(void **state)
{
	(void)state;
	struct wk_ev *ev;
	struct wk_error e;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(wk_ev_new(&ev, &e), 0);
	struct pipe_case pa = {.fd = a[0]}, pb = {.fd = b[0]};
	wk_ev_io_init(&pa.io, a[0], on_pipe, &pa);
	wk_ev_io_init(&pb.io, b[0], on_pipe, &pb);
	assert_int_equal(wk_ev_io_set(ev, &pa.io, WK_EV_IN, &e), 0);
	assert_int_equal(wk_ev_io_set(ev, &pb.io, WK_EV_IN, &e), 0);
	/* nothing ready: a bounded wait returns 0 callbacks */
	assert_int_equal(wk_ev_run_once(ev, 10, &e), 0);
	assert_int_equal(write(a[1], "hi", 2), 2);
	assert_int_equal(wk_ev_run_once(ev, 1000, &e), 1);
	assert_string_equal(pa.got, "hi");
	/* both ready; whichever runs first stops the other: only one callback runs */
	pa.other = &pb.io;
	pb.other = &pa.io;
	assert_int_equal(write(a[1], "1", 1), 1);
	assert_int_equal(write(b[1], "2", 1), 1);
	int calls_before = pa.calls + pb.calls;
	assert_int_equal(wk_ev_run_once(ev, 1000, &e), 1);
	assert_int_equal(pa.calls + pb.calls, calls_before + 1);
	/* paused (want 0): no callback although data waits */
	wk_ev_io_stop(ev, &pa.io);
	wk_ev_io_stop(ev, &pb.io);
	assert_int_equal(wk_ev_run_once(ev, 10, &e), 0);
	/* nothing watched, no timer: run returns at once */
	assert_int_equal(wk_ev_run(ev, &e), 0);
	/* a regular file cannot be watched by epoll: it is always ready */
	char path[] = "/tmp/wk-test-ev-XXXXXX";
	int f = mkstemp(path);
	assert_true(f >= 0);
	unlink(path);
	assert_int_equal(write(f, "file", 4), 4);
	lseek(f, 0, SEEK_SET);
	struct pipe_case pf = {.fd = f};
	wk_ev_io_init(&pf.io, f, on_pipe, &pf);
	assert_int_equal(wk_ev_io_set(ev, &pf.io, WK_EV_IN, &e), 0);
	assert_int_equal(wk_ev_run(ev, &e), 0); /* reads to EOF, stops itself, returns */
	assert_string_equal(pf.got, "file");
	close(f);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	wk_ev_free(ev);
	wk_ev_free(NULL);
}

/* ---- TLS helpers and sock_diag ------------------------------------------------------ */

static void test_tls_sha256_parse(void **state)
{
	(void)state;
	uint8_t h[32];
	struct wk_error e;
	const char *hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
	assert_int_equal(wk_tls_parse_sha256(hex, h, &e), 0);
	assert_int_equal(h[0], 0x00);
	assert_int_equal(h[9], 0x99);
	assert_int_equal(h[31], 0xff);
	assert_int_equal(wk_tls_parse_sha256("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	                                     "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
	                                     h, &e),
	                 0);
	assert_int_equal(h[10], 0xaa);
	assert_int_equal(wk_tls_parse_sha256("0011", h, &e), WK_EINVAL);
	assert_int_equal(wk_tls_parse_sha256("zz112233445566778899aabbccddeeff00112233445566778899"
	                                     "aabbccddeeff",
	                                     h, &e),
	                 WK_EINVAL);
	assert_int_equal(wk_tls_parse_sha256("00112233445566778899aabbccddeeff00112233445566778899"
	                                     "aabbccddeeff00",
	                                     h, &e),
	                 WK_EINVAL);
}

/* Pins as curl's --pinnedpubkey takes them: sha256//base64 or hex, a ';' list. */
static void test_tls_pins(void **state)
{
	(void)state;
	uint8_t h[32], pins[WK_TLS_MAX_PINS][32];
	size_t n = 0;
	struct wk_error e;
	char s[WK_TLS_PIN_STRLEN], list[200];
	for (size_t k = 0; k < 32; k++)
		h[k] = (uint8_t)(k * 37 + 1);
	wk_tls_pin_fmt(h, s);
	assert_int_equal(strlen(s), 52);
	assert_memory_equal(s, "sha256//", 8);
	assert_int_equal(s[51], '=');
	assert_int_equal(wk_tls_parse_pins(s, pins, WK_TLS_MAX_PINS, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(pins[0], h, 32);
	/* the all-zero hash in both forms, then a list */
	assert_int_equal(wk_tls_parse_pins("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	                                   pins, WK_TLS_MAX_PINS, &n, &e),
	                 0);
	assert_int_equal(pins[0][31], 0);
	snprintf(list, sizeof(list), "%064d;%s", 0, s);
	assert_int_equal(wk_tls_parse_pins(list, pins, WK_TLS_MAX_PINS, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(pins[1], h, 32);
	/* refused: empty, empty list element, non-canonical or short base64, other hashes */
	const char *bad[] = {"",
	                     ";",
	                     "sha256//",
	                     "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
	                     "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	                     "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=",
	                     "sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	                     "0011"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(wk_tls_parse_pins(bad[k], pins, WK_TLS_MAX_PINS, &n, &e),
		                 WK_EINVAL);
	snprintf(list, sizeof(list), "%s;%s;%s", s, s, s);
	assert_int_equal(wk_tls_parse_pins(list, pins, 2, &n, &e), WK_EINVAL);
}

static void test_tls_self_signed(void **state)
{
	(void)state;
	struct wk_tls_ctx *c = NULL;
	struct wk_error e;
	struct wk_tls_server_opts so = {.alpn = "h2,http/1.1"};
	assert_int_equal(wk_tls_ctx_server(&c, &so, &e), 0);
	uint8_t a[32], z[32] = {0};
	assert_int_equal(wk_tls_ctx_cert_sha256(c, a), 0);
	assert_memory_not_equal(a, z, 32);
	wk_tls_ctx_free(c);
	/* cert without key is refused; missing files name the file */
	struct wk_tls_server_opts half = {.cert_file = "/nonexistent.pem"};
	assert_int_equal(wk_tls_ctx_server(&c, &half, &e), WK_EINVAL);
	struct wk_tls_server_opts gone = {.cert_file = "/nonexistent.pem", .key_file = "/k.pem"};
	assert_int_equal(wk_tls_ctx_server(&c, &gone, &e), WK_ESYS);
	assert_non_null(strstr(e.msg, "/nonexistent.pem: No such file or directory"));
	struct wk_tls_client_opts ccert = {.cert_file = "/nonexistent.pem", .key_file = "/k.pem"};
	assert_int_equal(wk_tls_ctx_client(&c, &ccert, &e), WK_ESYS);
	assert_non_null(strstr(e.msg, "certificate /nonexistent.pem: No such file"));
	struct wk_tls_server_opts noca = {.client_ca = "/nonexistent-ca.pem"};
	assert_int_equal(wk_tls_ctx_server(&c, &noca, &e), WK_ESYS);
	assert_non_null(strstr(e.msg, "/nonexistent-ca.pem"));
	struct wk_tls_client_opts co = {.alpn = ",,"};
	assert_int_equal(wk_tls_ctx_client(&c, &co, &e), WK_EINVAL);
	wk_tls_ctx_free(NULL);
}

struct find_ctx {
	uint16_t port;
	int found;
	uint8_t state;
};

static int find_port(void *ctx, const struct wk_sockinfo *s)
{
	struct find_ctx *f = ctx;
	if (wk_sockaddr_port(&s->local) == f->port) {
		f->found++;
		f->state = s->state;
	}
	return 0;
}

static void test_sockdiag_sees_listener(void **state)
{
	(void)state;
	struct wk_addrlist l;
	struct wk_error e;
	int lfd;
	assert_int_equal(
	    wk_sock_resolve("127.0.0.1", 0, AF_INET, SOCK_STREAM, WK_SOCK_NUMERIC, &l, &e), 0);
	assert_int_equal(wk_sock_listen(&l.a[0], SOCK_STREAM, 5, 0, &lfd, &e), 0);
	struct wk_sockaddr bound;
	assert_int_equal(wk_sock_local(lfd, &bound, &e), 0);
	struct find_ctx f = {.port = wk_sockaddr_port(&bound)};
	assert_int_equal(
	    wk_sockdiag_dump(AF_INET, IPPROTO_TCP, 1u << WK_TCP_LISTEN, find_port, &f, &e), 0);
	assert_int_equal(f.found, 1);
	assert_int_equal(f.state, WK_TCP_LISTEN);
	assert_string_equal(wk_sockdiag_state_name(IPPROTO_TCP, f.state), "LISTEN");
	/* not in the ESTABLISHED-only list */
	f.found = 0;
	assert_int_equal(
	    wk_sockdiag_dump(AF_INET, IPPROTO_TCP, 1u << WK_TCP_ESTABLISHED, find_port, &f, &e), 0);
	assert_int_equal(f.found, 0);
	/* and we own it */
	struct wk_sockowners o;
	assert_int_equal(wk_sockowners_load(&o, &e), 0);
	bool mine = false;
	for (size_t i = 0; i < o.n; i++)
		if (o.o[i].pid == getpid() && o.o[i].fd == lfd)
			mine = true;
	assert_true(mine);
	assert_null(wk_sockowners_find(&o, UINT64_MAX));
	wk_sockowners_fini(&o);
	close(lfd);
	wk_addrlist_fini(&l);
	assert_string_equal(wk_sockdiag_state_name(IPPROTO_UDP, WK_TCP_CLOSE), "UNCONN");
	assert_string_equal(wk_sockdiag_state_name(IPPROTO_TCP, 99), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_port),
	    cmocka_unit_test(test_split_hostport),
	    cmocka_unit_test(test_resolve_fmt),
	    cmocka_unit_test(test_connect_refused),
	    cmocka_unit_test(test_frame_put),
	    cmocka_unit_test(test_frame_decode),
	    cmocka_unit_test(test_frame_too_large),
	    cmocka_unit_test(test_ev_timers),
	    cmocka_unit_test(test_ev_io),
	    cmocka_unit_test(test_tls_sha256_parse),
	    cmocka_unit_test(test_tls_pins),
	    cmocka_unit_test(test_tls_self_signed),
	    cmocka_unit_test(test_sockdiag_sees_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
