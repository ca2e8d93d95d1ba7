/* The reverse DNS client (src/lib/scan/rdns.c): question names, the query bytes, and the
 * reply reader on good replies (plain, compressed, CNAME chains), on replies that are not
 * ours, and on damaged ones (every truncation, pointer loops, forward pointers, bad
 * labels, lengths past the end, random byte flips): damaged input never yields a name
 * and never reads out of bounds (the ASan build runs this too). Server lists, resolv.conf,
 * and a server that never answers (the cap ends the run, every address timed out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/rdns.h"

#define Q5 "5.0.19.198.in-addr.arpa"
#define ID 0x4242

/* A reply builder: header, the question, then answers written by the test. */
struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put_name(struct msg *m, const char *s)
{
	while (*s) {
		const char *d = strchr(s, '.');
		size_t l = d ? (size_t)(d - s) : strlen(s);
		put8(m, (uint8_t)l);
		memcpy(m->b + m->n, s, l);
		m->n += l;
		s += l + (d ? 1 : 0);
	}
	put8(m, 0);
}

static void header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void question(struct msg *m, const char *q)
{
	put_name(m, q);
	put16(m, 12);
	put16(m, 1);
}

/* An RR whose owner is the question (pointer to offset 12) and RDATA a name. */
static void rr_name(struct msg *m, uint16_t type, const char *target)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	size_t at = m->n;
	put16(m, 0);
	put_name(m, target);
	size_t l = m->n - at - 2;
	m->b[at] = (uint8_t)(l >> 8);
	m->b[at + 1] = (uint8_t)l;
}

static void good(struct msg *m)
{
	header(m, ID, 0x8180, 1, 1);
	question(m, Q5);
	rr_name(m, 12, "web.lab");
}

static enum wk_rdns_verdict parse(const struct msg *m, char *name)
{
	return wk_rdns_parse(m->b, m->n, ID, Q5, name);
}

static void test_qname(void **state)
{
	(void)state;
	struct wk_scan_addr a = {.family = AF_INET, .b = {198, 19, 0, 5}};
	char b[WK_RDNS_NAME_MAX];
	assert_int_equal(wk_rdns_qname(&a, b, sizeof(b)), strlen(Q5));
	assert_string_equal(b, Q5);
	assert_int_equal(wk_rdns_qname(&a, b, 10), 0);
	struct wk_scan_addr six = {.family = AF_INET6, .b = {0x20, 0x01, 0x0d, 0xb8}};
	six.b[15] = 0x1f;
	assert_true(wk_rdns_qname(&six, b, sizeof(b)) > 0);
	assert_string_equal(
	    b, "f.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	struct wk_scan_addr none = {.family = 0};
	assert_int_equal(wk_rdns_qname(&none, b, sizeof(b)), 0);
}

static void test_query(void **state)
{
	(void)state;
	uint8_t q[512];
	size_t n = wk_rdns_query(q, sizeof(q), 0x1234, Q5);
	struct msg m;
	header(&m, 0x1234, 0x0100, 1, 0);
	question(&m, Q5);
	assert_int_equal(n, m.n);
	assert_memory_equal(q, m.b, n);
	assert_int_equal(wk_rdns_query(q, 20, 1, Q5), 0);            /* does not fit */
	assert_int_equal(wk_rdns_query(q, sizeof(q), 1, "a..b"), 0); /* empty label */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wk_rdns_query(q, sizeof(q), 1, big), 0); /* label over 63 */
}

static void test_good(void **state)
{
	(void)state;
	struct msg m;
	char name[WK_RDNS_NAME_MAX];
	good(&m);
	assert_int_equal(parse(&m, name), WK_RDNS_NAME);
	assert_string_equal(name, "web.lab");
	/* the question in other letter case is still ours (0x20 bit randomisation) */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, "5.0.19.198.IN-ADDR.ARPA");
	rr_name(&m, 12, "Web.Lab");
	assert_int_equal(parse(&m, name), WK_RDNS_NAME);
	assert_string_equal(name, "Web.Lab");
	/* RFC 2317: a CNAME into a classless zone, then the PTR there */
	header(&m, ID, 0x8180, 1, 2);
	question(&m, Q5);
	rr_name(&m, 5, "5.0-26.0.19.198.in-addr.arpa");
	put_name(&m, "5.0-26.0.19.198.in-addr.arpa");
	put16(&m, 12);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 9);
	put_name(&m, "web.lab");
	assert_int_equal(parse(&m, name), WK_RDNS_NAME);
	assert_string_equal(name, "web.lab");
	/* a PTR target compressed against the question's "in-addr.arpa" */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	put16(&m, 0xc00c);
	put16(&m, 12);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 6);
	put8(&m, 3);
	memcpy(m.b + m.n, "ptr", 3);
	m.n += 3;
	put16(&m, 0xc000 | 23); /* "in-addr.arpa" of the question */
	assert_int_equal(parse(&m, name), WK_RDNS_NAME);
	assert_string_equal(name, "ptr.in-addr.arpa");
}

static void test_no_name(void **state)
{
	(void)state;
	struct msg m;
	char name[WK_RDNS_NAME_MAX];
	header(&m, ID, 0x8183, 1, 0); /* NXDOMAIN */
	question(&m, Q5);
	assert_int_equal(parse(&m, name), WK_RDNS_NONAME);
	header(&m, ID, 0x8180, 1, 0); /* no answer */
	question(&m, Q5);
	assert_int_equal(parse(&m, name), WK_RDNS_NONAME);
	header(&m, ID, 0x8182, 1, 0); /* SERVFAIL */
	question(&m, Q5);
	assert_int_equal(parse(&m, name), WK_RDNS_FAIL);
	header(&m, ID, 0x8185, 0, 0); /* REFUSED without the question */
	assert_int_equal(parse(&m, name), WK_RDNS_FAIL);
	header(&m, ID, 0x8380, 1, 0); /* truncated, no answer: another server */
	question(&m, Q5);
	assert_int_equal(parse(&m, name), WK_RDNS_FAIL);
	/* a PTR for another owner answers nothing */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	put_name(&m, "6.0.19.198.in-addr.arpa");
	put16(&m, 12);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 9);
	put_name(&m, "evil.lab");
	assert_int_equal(parse(&m, name), WK_RDNS_NONAME);
	/* an A record in the answer is not a name */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	put16(&m, 0xc00c);
	put16(&m, 1);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 4);
	put16(&m, 0x0102);
	put16(&m, 0x0304);
	assert_int_equal(parse(&m, name), WK_RDNS_NONAME);
}

static void test_not_ours(void **state)
{
	(void)state;
	struct msg m;
	char name[WK_RDNS_NAME_MAX];
	good(&m);
	assert_int_equal(wk_rdns_parse(m.b, m.n, ID + 1, Q5, name), WK_RDNS_NOTOURS);
	assert_int_equal(wk_rdns_parse(m.b, m.n, ID, "6.0.19.198.in-addr.arpa", name),
	                 WK_RDNS_NOTOURS);
	m.b[2] &= 0x7f; /* a query, not a reply */
	assert_int_equal(parse(&m, name), WK_RDNS_NOTOURS);
	header(&m, ID, 0x8180, 1, 1); /* asked for type A */
	put_name(&m, Q5);
	put16(&m, 1);
	put16(&m, 1);
	rr_name(&m, 12, "web.lab");
	assert_int_equal(parse(&m, name), WK_RDNS_NOTOURS);
}

static void test_truncations(void **state)
{
	(void)state;
	struct msg m;
	char name[WK_RDNS_NAME_MAX];
	good(&m);
	for (size_t n = 0; n < m.n; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
		memcpy(copy, m.b, n);
		enum wk_rdns_verdict v = wk_rdns_parse(copy, n, ID, Q5, name);
		assert_int_not_equal(v, WK_RDNS_NAME);
		free(copy);
	}
}

static void test_damaged(void **state)
{
	(void)state;
	struct msg m;
	char name[WK_RDNS_NAME_MAX];
	/* a pointer to itself, and a pointer forward */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	size_t at = m.n;
	put16(&m, (uint16_t)(0xc000 | at));
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	m.b[at + 1] = (uint8_t)(at + 4);
	put16(&m, 0xc00c);
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* two pointers pointing at each other through the RDATA */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	put16(&m, 0xc00c);
	put16(&m, 12);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 60);
	put16(&m, 2);
	put16(&m, (uint16_t)(0xc000 | m.n));
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* extended label types 01 and 10 */
	for (uint8_t t = 0x40; t; t = (uint8_t)(t == 0x40 ? 0x80 : 0)) {
		header(&m, ID, 0x8180, 1, 1);
		question(&m, Q5);
		rr_name(&m, 12, "web.lab");
		m.b[m.n - 9] = t | 3;
		assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	}
	/* characters a host name does not have: space, a dot inside a label, NUL, 0xff */
	const uint8_t bad_chars[] = {' ', '.', 0, 0xff, '<', '"'};
	for (size_t i = 0; i < sizeof(bad_chars); i++) {
		good(&m);
		m.b[m.n - 8] = bad_chars[i]; /* the 'w' of web */
		assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	}
	/* RDLENGTH past the end, and a name that runs past RDLENGTH */
	good(&m);
	m.b[m.n - 10] = 0x40;
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	good(&m);
	m.b[m.n - 10] = 4;
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* a name of more than 255 bytes */
	header(&m, ID, 0x8180, 1, 1);
	question(&m, Q5);
	/* five labels of 59 bytes: 299 bytes with the dots */
	char longname[300];
	size_t ln = 0;
	for (int i = 0; i < 5; i++) {
		if (i)
			longname[ln++] = '.';
		memset(longname + ln, 'a', 59);
		ln += 59;
	}
	longname[ln] = '\0';
	rr_name(&m, 12, longname);
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* a CNAME chain longer than 8 links */
	header(&m, ID, 0x8180, 1, 10);
	question(&m, Q5);
	char owner[64], target[64];
	rr_name(&m, 5, "c1.lab");
	for (int i = 1; i < 10; i++) {
		snprintf(owner, sizeof(owner), "c%d.lab", i);
		snprintf(target, sizeof(target), "c%d.lab", i + 1);
		put_name(&m, owner);
		put16(&m, 5);
		put16(&m, 1);
		put16(&m, 0);
		put16(&m, 60);
		put16(&m, (uint16_t)(strlen(target) + 2));
		put_name(&m, target);
	}
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* opcode other than QUERY */
	good(&m);
	m.b[2] |= 0x10;
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
	/* two questions */
	good(&m);
	m.b[5] = 2;
	assert_int_equal(parse(&m, name), WK_RDNS_BAD);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= WK_RDNS_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/.",
		            *s))
			return false;
	return true;
}

static void test_flips(void **state)
{
	(void)state;
	struct msg g, m;
	char name[WK_RDNS_NAME_MAX];
	uint32_t x = 12345;
	good(&g);
	for (int it = 0; it < 20000; it++) {
		m = g;
		int flips = 1 + it % 4;
		for (int k = 0; k < flips; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % m.n;
			m.b[at] ^= (uint8_t)(1u << (x >> 4 & 7));
		}
		uint8_t *copy = malloc(m.n);
		memcpy(copy, m.b, m.n);
		if (wk_rdns_parse(copy, m.n, ID, Q5, name) == WK_RDNS_NAME)
			assert_true(valid_name(name));
		free(copy);
	}
}

static void test_servers(void **state)
{
	(void)state;
	struct wk_scan_addr s[WK_RDNS_MAX_SERVERS];
	size_t n;
	struct wk_error e;
	assert_int_equal(wk_rdns_servers_parse("198.18.1.2,2001:db8::1", s, 8, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].family, AF_INET);
	assert_int_equal(s[1].family, AF_INET6);
	assert_int_equal(wk_rdns_servers_parse("198.18.1.x", s, 8, &n, &e), WK_EINVAL);
	assert_non_null(strstr(e.msg, "198.18.1.x"));
	assert_int_equal(wk_rdns_servers_parse("1.1.1.1,", s, 8, &n, &e), WK_EINVAL);
	assert_int_equal(wk_rdns_servers_parse(",1.1.1.1", s, 8, &n, &e), WK_EINVAL);
	assert_int_equal(wk_rdns_servers_parse("", s, 8, &n, &e), WK_EINVAL);
	assert_int_equal(wk_rdns_servers_parse("1.1.1.1,2.2.2.2,3.3.3.3", s, 2, &n, &e), WK_EINVAL);

	char path[] = "/tmp/wk-resolv.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char conf[] = "# comment\nsearch lab\nnameserver 198.18.1.2\n"
	                    "nameserver fe80::1%eth0\nnameserver bogus\noptions ndots:1\n";
	assert_int_equal(write(fd, conf, sizeof(conf) - 1), (ssize_t)sizeof(conf) - 1);
	close(fd);
	assert_int_equal(wk_rdns_resolv_conf(path, s, 8, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].b[3], 2);
	assert_int_equal(s[1].family, AF_INET6);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "search lab\n", 11), 11);
	close(fd);
	assert_int_equal(wk_rdns_resolv_conf(path, s, 8, &n, &e), WK_ENOTFOUND);
	unlink(path);
	assert_int_not_equal(wk_rdns_resolv_conf(path, s, 8, &n, &e), 0);
}

/* A server on loopback that reads the questions and never answers: the run ends at its
 * cap with every address timed out and nothing named. */
static void test_silent_server(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	struct wk_scan_addr srv = {.family = AF_INET, .b = {127, 0, 0, 1}};
	struct wk_rdns_opts o = {.servers = &srv,
	                         .nservers = 1,
	                         .port = ntohs(sa.sin_port),
	                         .total_ms = 300,
	                         .max_flight = 4};
	struct wk_error e;
	struct wk_rdns *r = wk_rdns_new(&o, &e);
	assert_non_null(r);
	for (int i = 1; i <= 10; i++) {
		struct wk_scan_addr a = {.family = AF_INET, .b = {198, 19, 0, (uint8_t)i}};
		assert_int_equal(wk_rdns_add(r, &a, &e), 0);
		assert_int_equal(wk_rdns_add(r, &a, &e), 0); /* asked once */
	}
	struct wk_rdns_stats st;
	assert_int_equal(wk_rdns_run(r, &st, &e), 0);
	assert_int_equal(st.asked, 10);
	assert_int_equal(st.named + st.noname, 0);
	assert_int_equal(st.timed_out + st.failed, 10);
	assert_true(st.sent >= 4);
	struct wk_scan_addr a = {.family = AF_INET, .b = {198, 19, 0, 1}};
	assert_null(wk_rdns_name(r, &a));
	wk_rdns_free(r);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qname),    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_good),     cmocka_unit_test(test_no_name),
	    cmocka_unit_test(test_not_ours), cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_damaged),  cmocka_unit_test(test_flips),
	    cmocka_unit_test(test_servers),  cmocka_unit_test(test_silent_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
