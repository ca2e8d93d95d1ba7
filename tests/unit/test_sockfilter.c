/* Unit tests for io/sockfilter (ss's filter expressions), io/sock_unix (names, the stale
 * socket file check) and io/sockdiag_unix (a Unix listener seen in the socket table). */
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

static void set4(struct wk_sockaddr *a, const char *ip, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;
	memset(a, 0, sizeof(*a));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
	a->len = sizeof(*s);
}

static void set6(struct wk_sockaddr *a, const char *ip, uint16_t port)
{
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;
	memset(a, 0, sizeof(*a));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	a->len = sizeof(*s);
}

static bool m(const char *expr, const struct wk_sockinfo *s)
{
	struct wk_sockfilter *f = NULL;
	struct wk_error e;
	int rc = wk_sockfilter_parse(expr, &f, &e);
	if (rc)
		fail_msg("'%s': %s", expr, e.msg);
	bool r = wk_sockfilter_match(f, s);
	wk_sockfilter_free(f);
	return r;
}

static void test_filter_match(void **state)
{
	(void)state;
	struct wk_sockinfo s = {.family = AF_INET, .protocol = IPPROTO_TCP, .state = 1};
	set4(&s.local, "198.18.0.1", 7070);
	set4(&s.peer, "198.18.0.2", 22);
	assert_true(m("", &s));
	assert_true(m("sport = :7070", &s));
	assert_true(m("sport == 7070", &s));
	assert_true(m("sport=:7070", &s));
	assert_false(m("sport = :7071", &s));
	assert_true(m("dport eq :22", &s));
	assert_true(m("dst 198.18.0.2", &s));
	assert_true(m("src 198.18.0.0/24", &s));
	assert_false(m("src 198.18.1.0/24", &s));
	assert_true(m("src 198.18.0.1:7070", &s));
	assert_false(m("src 198.18.0.1:7071", &s));
	assert_true(m("sport gt :7000 and sport lt :8000", &s));
	assert_true(m("sport >= :7070 && sport <= :7070", &s));
	assert_false(m("sport != :7070", &s));
	assert_true(m("sport = :1 or dport = :22", &s));
	assert_false(m("not ( sport = :1 or dport = :22 )", &s));
	assert_true(m("!(sport = :1)", &s));
	assert_true(m("sport = :7070 dport = :22", &s)); /* side by side: and */
	/* and binds tighter than or */
	assert_true(m("sport = :1 and dport = :2 or dst 198.18.0.2", &s));
	assert_false(m("sport = :1 and ( dport = :2 or dst 198.18.0.2 )", &s));
	assert_true(m("src *:7070", &s));
	/* service names as ss takes them, from the services database (files, no resolver) */
	if (getservbyname("ssh", "tcp")) {
		assert_true(m("dport = :ssh", &s));
		assert_false(m("sport = :ssh", &s));
	} else {
		struct wk_error e;
		struct wk_sockfilter *f = NULL;
		assert_int_not_equal(wk_sockfilter_parse("dport = :ssh", &f, &e), 0);
	}
	/* ADDR:* is that address on any port, not any address */
	assert_true(m("src 198.18.0.1:*", &s));
	assert_false(m("src 198.18.0.9:*", &s));
	assert_false(m("dst [2001:db8::5]:*", &s));
	assert_true(m("sport = :*", &s));
	assert_false(m("src ::1", &s));
	/* a v4-mapped IPv6 socket matches an IPv4 address */
	struct wk_sockinfo v6 = {.family = AF_INET6, .protocol = IPPROTO_TCP};
	set6(&v6.local, "::ffff:198.18.0.1", 80);
	set6(&v6.peer, "2001:db8::5", 443);
	assert_true(m("src 198.18.0.1", &v6));
	assert_true(m("dst 2001:db8::/32", &v6));
	assert_true(m("dst [2001:db8::5]:443", &v6));
	assert_false(m("dst [2001:db8::5]:444", &v6));
	/* Unix: names by pattern, ports never */
	struct wk_sockinfo u = {.family = AF_UNIX, .type = SOCK_STREAM};
	struct wk_error e;
	assert_int_equal(wk_sock_unix_addr("/run/x.sock", &u.local, &e), 0);
	u.peer.ss.ss_family = AF_UNIX;
	u.peer.len = sizeof(sa_family_t);
	assert_true(m("src /run/*", &u));
	assert_false(m("src /tmp/*", &u));
	assert_false(m("sport = :0", &u));
	assert_false(m("src 127.0.0.1", &s) && m("src 127.0.0.1", &u));
}

static void test_filter_errors(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *says;
	} bad[] = {
	    {"bogus", "'bogus'"},
	    {"sport", "'sport' wants a value"},
	    {"sport = :99999", "':99999'"},
	    {"dst 300.1.1.1", "'300.1.1.1'"},
	    {"( sport = :1", "')' expected"},
	    {"sport = :1 )", "unexpected ')'"},
	    {"sport = :1 or", "a term expected"},
	    {"dst 10.0.0.0/33", "prefix"},
	    {"dst != 10.0.0.1", "not dst"},
	    {"sport = :1 and", "a term expected"},
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++) {
		struct wk_sockfilter *f = (struct wk_sockfilter *)1;
		struct wk_error e;
		assert_int_equal(wk_sockfilter_parse(bad[i].expr, &f, &e), WK_EINVAL);
		assert_null(f);
		if (!strstr(e.msg, bad[i].says))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].expr, e.msg, bad[i].says);
		assert_null(strchr(e.msg, '\n'));
	}
}

static void test_state_names(void **state)
{
	(void)state;
	uint32_t m = 0;
	assert_int_equal(wk_sockdiag_states("established", &m), 0);
	assert_int_equal(m, 1u << WK_TCP_ESTABLISHED);
	assert_int_equal(wk_sockdiag_states("listening", &m), 0);
	assert_int_equal(m, 1u << WK_TCP_LISTEN);
	assert_int_equal(wk_sockdiag_states("bucket", &m), 0);
	assert_int_equal(m, 1u << WK_TCP_SYN_RECV | 1u << WK_TCP_TIME_WAIT);
	assert_int_equal(wk_sockdiag_states("connected", &m), 0);
	assert_false(m & (1u << WK_TCP_LISTEN | 1u << WK_TCP_CLOSE));
	assert_true(m & 1u << WK_TCP_TIME_WAIT);
	assert_int_equal(wk_sockdiag_states("ESTABLISHED", &m), WK_EINVAL);
	assert_int_equal(wk_sockdiag_states("", &m), WK_EINVAL);
}

static void test_unix_addr(void **state)
{
	(void)state;
	struct wk_sockaddr a;
	struct wk_error e;
	char s[WK_SOCKADDR_STRLEN];
	assert_int_equal(wk_sock_unix_addr("/tmp/a.sock", &a, &e), 0);
	assert_int_equal(a.len, offsetof(struct sockaddr_un, sun_path) + 12);
	assert_string_equal(wk_sockaddr_fmt(&a, s, sizeof(s)), "/tmp/a.sock");
	assert_int_equal(wk_sock_unix_addr("@wk.abs", &a, &e), 0);
	assert_int_equal(a.len, offsetof(struct sockaddr_un, sun_path) + 7);
	assert_int_equal(((struct sockaddr_un *)&a.ss)->sun_path[0], '\0');
	assert_string_equal(wk_sockaddr_fmt(&a, s, sizeof(s)), "@wk.abs");
	assert_int_equal(wk_sock_unix_addr("", &a, &e), WK_EINVAL);
	assert_int_equal(wk_sock_unix_addr("@", &a, &e), WK_EINVAL);
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(wk_sock_unix_addr(longp, &a, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "too long"));
}

struct find {
	uint64_t ino;
	bool seen;
	uint8_t state;
};

static int find_cb(void *ctx, const struct wk_sockinfo *s)
{
	struct find *f = ctx;
	if (s->family == AF_UNIX && s->inode == f->ino) {
		f->seen = true;
		f->state = s->state;
	}
	return 0;
}

static void test_unix_listen_stale(void **state)
{
	(void)state;
	char dir[] = "/tmp/wk-unit-unix.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/s", dir);
	struct wk_sockaddr a;
	struct wk_error e;
	struct wk_sock_unix_file f1 = {0}, f2 = {0};
	assert_int_equal(wk_sock_unix_addr(path, &a, &e), 0);
	/* a stale file: bound, then the socket closed */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a.ss, a.len), 0);
	close(s);
	int fd = -1;
	assert_int_equal(wk_sock_unix_listen(&a, SOCK_STREAM, 4, &fd, &f1, &e), 0);
	assert_true(f1.owned);
	/* the table shows it listening */
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	struct find fi = {.ino = (uint64_t)st.st_ino};
	assert_int_equal(wk_sockdiag_dump_unix(WK_SOCKDIAG_ALL, find_cb, &fi, &e), 0);
	assert_true(fi.seen);
	assert_int_equal(fi.state, WK_TCP_LISTEN);
	/* live: a second listener is refused, and the first one keeps its file */
	int fd2 = -1;
	assert_int_equal(wk_sock_unix_listen(&a, SOCK_STREAM, 4, &fd2, &f2, &e), WK_ESYS);
	assert_non_null(strstr(e.msg, "in use"));
	assert_false(f2.owned);
	assert_int_equal(access(path, F_OK), 0);
	close(fd);
	wk_sock_unix_unlink(&a, &f1);
	assert_int_not_equal(access(path, F_OK), 0);
	/* not a socket: refused and untouched */
	FILE *pf = fopen(path, "w");
	assert_non_null(pf);
	fputs("data", pf);
	fclose(pf);
	assert_int_equal(wk_sock_unix_listen(&a, SOCK_STREAM, 4, &fd2, &f2, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "not a socket"));
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_match),      cmocka_unit_test(test_filter_errors),
	    cmocka_unit_test(test_state_names),       cmocka_unit_test(test_unix_addr),
	    cmocka_unit_test(test_unix_listen_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
