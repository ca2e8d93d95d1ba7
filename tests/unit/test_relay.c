/* Unit tests for io/relay (wirekit/relay.h) without a network: the local side is a pair of
 * pipes, the connections are socketpairs, the peers are this test (and a thread where the
 * order of events matters). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

/* the local side: what the relay reads (in[0]) and writes (out[1]) */
struct lab {
	int in[2], out[2];
	int peer[4]; /* the test's ends of the socketpairs */
	int conn[4]; /* the relay's ends */
	size_t n;
	struct wk_relay_opts o;
	char msgs[2048];
};

static void on_msg(void *ctx, enum wk_relay_msg kind, const char *text)
{
	struct lab *l = ctx;
	size_t len = strlen(l->msgs);
	snprintf(l->msgs + len, sizeof(l->msgs) - len, "%d:%s\n", (int)kind, text);
}

static void lab_open(struct lab *l, size_t nconn)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(pipe(l->in), 0);
	assert_int_equal(pipe(l->out), 0);
	for (size_t i = 0; i < nconn; i++) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		l->peer[i] = sv[0];
		l->conn[i] = sv[1];
	}
	l->n = nconn;
	wk_relay_opts_init(&l->o);
	l->o.in_fd = l->in[0];
	l->o.out_fd = l->out[1];
	l->o.msg = on_msg;
	l->o.msg_ctx = l;
}

static void lab_close(struct lab *l)
{
	int fds[] = {l->in[0], l->in[1], l->out[0], l->out[1]};
	for (size_t i = 0; i < WK_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; i < l->n; i++)
		if (l->peer[i] >= 0)
			close(l->peer[i]);
}

static void put(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		assert_true(k > 0);
		b += k;
		n -= (size_t)k;
	}
}

/* Everything up to EOF (at most cap bytes). */
static size_t slurp(int fd, uint8_t *b, size_t cap)
{
	size_t got = 0;
	for (;;) {
		ssize_t k = read(fd, b + got, cap - got);
		if (k < 0 && errno == EINTR)
			continue;
		assert_true(k >= 0);
		if (k == 0 || got + (size_t)k == cap)
			return got + (size_t)k;
		got += (size_t)k;
	}
}

static void close_in(struct lab *l)
{
	close(l->in[1]);
	l->in[1] = -1;
}

static int run(struct lab *l)
{
	int rc = wk_relay_fds(&l->o, l->conn, l->n, "pair");
	close(l->out[1]); /* the relay does not own the local side */
	l->out[1] = -1;
	return rc;
}

/* Both directions and both half-closes, with and without splice(2). */
static void both_ways(bool splice_on)
{
	struct lab l;
	lab_open(&l, 1);
	l.o.no_splice = !splice_on;
	put(l.in[1], "hello\n", 6);
	close_in(&l);
	put(l.peer[0], "world", 5);
	shutdown(l.peer[0], SHUT_WR);
	assert_int_equal(run(&l), 0);
	uint8_t b[64];
	assert_int_equal(slurp(l.out[0], b, sizeof(b)), 5);
	assert_memory_equal(b, "world", 5);
	assert_int_equal(slurp(l.peer[0], b, sizeof(b)), 6); /* then EOF: our FIN */
	assert_memory_equal(b, "hello\n", 6);
	assert_string_equal(l.msgs, "");
	lab_close(&l);
}

static void test_both_ways(void **state)
{
	(void)state;
	both_ways(false);
	both_ways(true);
}

/* --frame: local lines become length-prefixed frames; frames arrive as lines. */
static void test_framing(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 1);
	l.o.frame = true;
	put(l.in[1], "a\nbb\nccc", 8); /* the last line ends with the input */
	close_in(&l);
	static const uint8_t in[] = {0, 0, 0, 3, 'x', 'y', 'z', 0, 0, 0, 0, 0, 0, 0, 1, '!'};
	put(l.peer[0], in, sizeof(in));
	shutdown(l.peer[0], SHUT_WR);
	assert_int_equal(run(&l), 0);
	uint8_t b[64];
	assert_int_equal(slurp(l.out[0], b, sizeof(b)), 7);
	assert_memory_equal(b, "xyz\n\n!\n", 7);
	static const uint8_t want[] = {0,   0,   0, 1, 'a', 0, 0,   0,   2,
	                               'b', 'b', 0, 0, 0,   3, 'c', 'c', 'c'};
	assert_int_equal(slurp(l.peer[0], b, sizeof(b)), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	lab_close(&l);
}

/* A frame above --max-frame ends the relay with a message, before any allocation. */
static void test_frame_too_big(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 1);
	l.o.frame = true;
	l.o.max_frame = 100;
	close_in(&l);
	static const uint8_t big[] = {0, 0x10, 0, 0, 'x'};
	put(l.peer[0], big, sizeof(big));
	assert_true(run(&l) < 0);
	assert_non_null(strstr(l.msgs, "pair: "));
	assert_int_equal(l.msgs[0], '0' + WK_RELAY_ERROR);
	/* a frame cut short by the end of the connection */
	lab_close(&l);
	lab_open(&l, 1);
	l.o.frame = true;
	close_in(&l);
	static const uint8_t cut[] = {0, 0, 0, 9, 'x'};
	put(l.peer[0], cut, sizeof(cut));
	shutdown(l.peer[0], SHUT_WR);
	assert_true(run(&l) < 0);
	assert_non_null(strstr(l.msgs, "in the middle of a frame"));
	lab_close(&l);
}

/* Half-close: our end of data reaches the peer while it keeps talking afterwards. */
struct half {
	struct lab *l;
	int rc;
};

static void *half_relay(void *arg)
{
	struct half *h = arg;
	h->rc = run(h->l);
	return NULL;
}

static void test_half_close(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 1);
	l.o.no_splice = true;
	struct half h = {&l, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, half_relay, &h), 0);
	put(l.in[1], "ping", 4);
	close_in(&l);
	uint8_t b[64];
	assert_int_equal(slurp(l.peer[0], b, sizeof(b)), 4); /* "ping", then our FIN */
	assert_memory_equal(b, "ping", 4);
	put(l.peer[0], "pong", 4); /* the other direction still works */
	shutdown(l.peer[0], SHUT_WR);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(h.rc, 0);
	assert_int_equal(slurp(l.out[0], b, sizeof(b)), 4);
	assert_memory_equal(b, "pong", 4);
	lab_close(&l);
}

/* Queues: 8 MiB through the bounded queues (and through splice), byte for byte. */
#define BULK (8u << 20)

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void *bulk_writer(void *arg)
{
	int fd = *(int *)arg;
	uint8_t b[65536];
	for (size_t off = 0; off < BULK; off += sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = pattern(off + i);
		put(fd, b, sizeof(b));
	}
	close(fd);
	return NULL;
}

static void bulk(bool splice_on)
{
	struct lab l;
	lab_open(&l, 1);
	l.o.no_splice = !splice_on;
	shutdown(l.peer[0], SHUT_WR);
	pthread_t w, rl;
	struct half h = {&l, -1};
	assert_int_equal(pthread_create(&w, NULL, bulk_writer, &l.in[1]), 0);
	assert_int_equal(pthread_create(&rl, NULL, half_relay, &h), 0);
	uint8_t *b = malloc(BULK + 1);
	assert_non_null(b);
	size_t got = slurp(l.peer[0], b, BULK + 1);
	assert_int_equal(got, BULK);
	for (size_t i = 0; i < BULK; i++)
		if (b[i] != pattern(i))
			fail_msg("byte %zu differs", i);
	free(b);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(rl, NULL), 0);
	l.in[1] = -1; /* closed by the writer */
	assert_int_equal(h.rc, 0);
	lab_close(&l);
}

static void test_queues(void **state)
{
	(void)state;
	bulk(false);
	bulk(true);
}

/* --recv-until: the reply ends with the match, even across reads. */
static void test_recv_until(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 1);
	l.o.has_until = true;
	l.o.until = "\r\n\r\n";
	l.o.until_len = 4;
	l.o.has_send = true;
	l.o.send = "HEAD / HTTP/1.0\r\n\r\n";
	l.o.send_len = 19;
	put(l.peer[0], "HTTP/1.0 200 OK\r\nA: b\r\n\r\nbody", 29);
	assert_int_equal(run(&l), 0);
	uint8_t b[64];
	assert_int_equal(slurp(l.out[0], b, sizeof(b)), 25);
	assert_memory_equal(b, "HTTP/1.0 200 OK\r\nA: b\r\n\r\n", 25);
	assert_int_equal(read(l.peer[0], b, sizeof(b)), 19);
	assert_memory_equal(b, "HEAD / HTTP/1.0\r\n\r\n", 19);
	lab_close(&l);
}

/* -k: every connection's lines reach the local side whole; the relay ends when all close. */
static void test_keep_open(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 2);
	l.o.keep = true;
	l.o.listen = true;
	close_in(&l);
	put(l.peer[0], "one\n", 4);
	put(l.peer[1], "two\n", 4);
	shutdown(l.peer[0], SHUT_WR);
	shutdown(l.peer[1], SHUT_WR);
	assert_int_equal(run(&l), 0);
	uint8_t b[64];
	size_t n = slurp(l.out[0], b, sizeof(b));
	assert_int_equal(n, 8);
	assert_true(!memcmp(b, "one\ntwo\n", 8) || !memcmp(b, "two\none\n", 8));
	lab_close(&l);
}

/* --broker: one client's line goes to every other client, not back to it. */
static void test_broker(void **state)
{
	(void)state;
	struct lab l;
	lab_open(&l, 3);
	l.o.broker = true;
	l.o.keep = true;
	l.o.listen = true;
	close_in(&l);
	put(l.peer[0], "hi all\n", 7);
	shutdown(l.peer[0], SHUT_WR);
	struct half h = {&l, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, half_relay, &h), 0);
	uint8_t b[64];
	for (size_t i = 1; i < 3; i++) {
		size_t got = 0;
		while (got < 7) {
			ssize_t k = read(l.peer[i], b + got, sizeof(b) - got);
			assert_true(k > 0);
			got += (size_t)k;
		}
		assert_int_equal(got, 7);
		assert_memory_equal(b, "hi all\n", 7);
		shutdown(l.peer[i], SHUT_WR);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(h.rc, 0);
	assert_int_equal(slurp(l.peer[0], b, sizeof(b)), 0); /* nothing echoed back */
	assert_int_equal(slurp(l.out[0], b, sizeof(b)), 0);  /* broker: not to the local side */
	lab_close(&l);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_both_ways),     cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_frame_too_big), cmocka_unit_test(test_half_close),
	    cmocka_unit_test(test_queues),        cmocka_unit_test(test_recv_until),
	    cmocka_unit_test(test_keep_open),     cmocka_unit_test(test_broker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
