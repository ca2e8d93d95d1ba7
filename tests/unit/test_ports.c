/* Unit tests for nmap-services loading and nmap's -p syntax; --top-ports is compared with
 * nmap's own list (nmap prints it without sending anything when given no targets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirekit/scan.h"

#define T (1u << WK_SP_TCP)
#define U (1u << WK_SP_UDP)

static char tmpdir[] = "/tmp/wk_ports_XXXXXX";

static void write_services(const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/nmap-services", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A small nmap-services with the odd lines the real one has. */
static const char small_services[] = "# comment line\n"
                                     "\n"
                                     "tcpmux\t1/tcp\t0.001995\t# TCP Port Service Multiplexer\n"
                                     "echo\t7/tcp\t0.004855\n"
                                     "echo\t7/udp\t0.024679\n"
                                     "ssh\t22/tcp\t0.182286\t# Secure Shell Login\n"
                                     "http\t80/tcp\t0.484143\t# World Wide Web HTTP\n"
                                     "http\t80/udp\t0.035767\n"
                                     "zip\t6/ddp\t0.000000\t# Zone Information Protocol\n"
                                     "noweight\t99/tcp\n"
                                     "http-alt\t8080/tcp\t0.182286\n"
                                     "http-alt\t591/tcp\t0.182286\n"
                                     "https\t443/tcp\t0.208669\n"
                                     "netbios-ns\t137/udp\t0.365163\n"
                                     "sctp-x\t5060/sctp\t0.1\n";

static struct wk_services *load_small(void)
{
	write_services(small_services);
	struct wk_error err = {0};
	struct wk_services *s = wk_services_load(tmpdir, &err);
	if (!s)
		fail_msg("%s", err.msg);
	return s;
}

static char *fmt_ports(const struct wk_ports *p)
{
	static char buf[4096];
	size_t o = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < p->n && o < sizeof(buf) - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%c%u", i ? "," : "",
		                      "TUS"[p->v[i].proto], p -> v[i].port);
	return buf;
}

static void expect_ports(const char *spec, unsigned protos, const struct wk_services *s,
                         const char *want)
{
	struct wk_ports p = {0};
	struct wk_error err = {0};
	if (wk_ports_parse(&p, spec, protos, s, &err))
		fail_msg("%s: %s", spec, err.msg);
	if (strcmp(fmt_ports(&p), want))
		fail_msg("%s: got %s, wanted %s", spec, fmt_ports(&p), want);
	wk_ports_free(&p);
}

static void expect_bad(const char *spec, const struct wk_services *s, const char *msg)
{
	struct wk_ports p = {0};
	struct wk_error err = {0};
	int rc = wk_ports_parse(&p, spec, T, s, &err);
	if (rc != WK_EINVAL || !strstr(err.msg, msg))
		fail_msg("%s: got %d \"%s\", wanted \"%s\"", spec, rc, err.msg, msg);
	wk_ports_free(&p);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	expect_ports("22,80,443", T, NULL, "T22,T80,T443");
	expect_ports("443,22,80,22,20-23", T, NULL, "T20,T21,T22,T23,T80,T443");
	expect_ports("U:53,T:22-25", T, NULL, "T22,T23,T24,T25,U53");
	expect_ports("U:53,111,T:21", T, NULL, "T21,U53,U111");
	expect_ports("22", T | U, NULL, "T22,U22");
	expect_ports("S:9", T, NULL, "S9");
	expect_ports("-3", T, NULL, "T1,T2,T3");
	expect_ports("65533-", T, NULL, "T65533,T65534,T65535");
	struct wk_ports p = {0};
	struct wk_error err = {0};
	assert_int_equal(wk_ports_parse(&p, "-", T, NULL, &err), 0);
	assert_int_equal(p.n, 65535);
	assert_int_equal(p.v[0].port, 1);
	assert_int_equal(p.v[65534].port, 65535);
	/* appends: the list stays sorted and unique */
	assert_int_equal(wk_ports_parse(&p, "U:7,T:80", T, NULL, &err), 0);
	assert_int_equal(p.n, 65536);
	assert_int_equal(p.v[65535].proto, WK_SP_UDP);
	wk_ports_free(&p);
	assert_null(p.v);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_bad("0", NULL, "bad port \"0\" in \"0\": port 0 is not scanned");
	expect_bad("22,65536", NULL, "bad port \"65536\" in \"22,65536\": over 65535");
	expect_bad("0-100", NULL, "port 0");
	expect_bad("1-70000", NULL, "over 65535");
	expect_bad("99999999999999", NULL, "over 65535");
	expect_bad("25-22", NULL, "range end before its start");
	expect_bad("", NULL, "empty");
	expect_bad("22,", NULL, "ends with ','");
	expect_bad(",22", NULL, "an empty item");
	expect_bad("22,,80", NULL, "an empty item");
	expect_bad("[1-1024]", NULL, "not supported");
	expect_bad("1-2-3", NULL, "not a port or range");
	expect_bad("T:", NULL, "an empty item");
	expect_bad("http", NULL, "service names need nmap-services");
}

static void test_services_small(void **state)
{
	(void)state;
	struct wk_services *s = load_small();
	assert_string_equal(wk_services_name(s, WK_SP_TCP, 22), "ssh");
	assert_string_equal(wk_services_name(s, WK_SP_UDP, 137), "netbios-ns");
	assert_null(wk_services_name(s, WK_SP_UDP, 22));
	assert_null(wk_services_name(NULL, WK_SP_TCP, 22));
	assert_string_equal(wk_services_name(s, WK_SP_TCP, 99), "noweight");
	assert_int_equal(wk_services_port(s, WK_SP_TCP, "https"), 443);
	assert_int_equal(wk_services_port(s, WK_SP_UDP, "https"), -1);
	expect_ports("http,ssh", T, s, "T22,T80");
	expect_ports("http", T | U, s, "T80,U80");
	expect_ports("U:http", T, s, "U80");
	expect_ports("http*", T, s, "T80,T443,T591,T8080");
	expect_ports("http-*", T, s, "T591,T8080");
	expect_ports("netbios-ns,22", U, s, "U22,U137");
	expect_bad("nosuch", s, "bad port \"nosuch\" in \"nosuch\": unknown service");
	/* frequency order, ties by port: 80, 443, then 22/591/8080 (equal) by port */
	struct wk_ports p = {0};
	struct wk_error err = {0};
	assert_int_equal(wk_ports_top(&p, s, WK_SP_TCP, 3, &err), 0);
	assert_string_equal(fmt_ports(&p), "T22,T80,T443");
	wk_ports_free(&p);
	assert_int_equal(wk_ports_top(&p, s, WK_SP_TCP, 4, &err), 0);
	assert_string_equal(fmt_ports(&p), "T22,T80,T443,T591");
	wk_ports_free(&p);
	assert_int_equal(wk_ports_top(&p, s, WK_SP_TCP, 1000, &err), 0);
	assert_int_equal(p.n, 8);
	wk_ports_free(&p);
	assert_int_equal(wk_ports_top(&p, s, WK_SP_UDP, 1, &err), 0);
	assert_string_equal(fmt_ports(&p), "U137");
	wk_ports_free(&p);
	wk_services_free(s);
}

static void test_services_damage(void **state)
{
	(void)state;
	struct wk_error err = {0};
	const char *bad[] = {"ok\t1/tcp\t0.1\nbroken line\n", "x\t70000/tcp\t0.1\n",
	                     "x\t7/tcp\tfast\n", "ok\t1/tcp\n# c\nx\t/tcp\t0.1\n"};
	const unsigned line[] = {2, 1, 1, 3};
	for (size_t i = 0; i < WK_ARRAY_SIZE(bad); i++) {
		write_services(bad[i]);
		assert_null(wk_services_load(tmpdir, &err));
		assert_int_equal(err.code, WK_EFORMAT);
		char want[128];
		snprintf(want, sizeof(want), "%s/nmap-services:%u: ", tmpdir, line[i]);
		if (strncmp(err.msg, want, strlen(want)))
			fail_msg("case %zu: %s", i, err.msg);
	}
	assert_null(wk_services_load("/nonexistent", &err));
	assert_int_equal(err.code, WK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/nmap-services"));
}

static void test_remove(void **state)
{
	(void)state;
	struct wk_ports p = {0}, ex = {0};
	struct wk_error err = {0};
	assert_int_equal(wk_ports_parse(&p, "1-10,U:5", T, NULL, &err), 0);
	assert_int_equal(wk_ports_parse(&ex, "2-9,U:6", T, NULL, &err), 0);
	wk_ports_remove(&p, &ex);
	assert_string_equal(fmt_ports(&p), "T1,T10,U5");
	wk_ports_free(&p);
	wk_ports_free(&ex);
}

/* Expand nmap's "1,3-4,6" into a list of ports. */
static void expand(const char *s, struct wk_ports *out)
{
	struct wk_error err = {0};
	assert_int_equal(wk_ports_parse(out, s, T, NULL, &err), 0);
}

static void test_top_matches_nmap(void **state)
{
	(void)state;
	struct wk_error err = {0};
	struct wk_services *s = wk_services_load(NULL, &err);
	if (!s || system("command -v nmap >/dev/null 2>&1") != 0) {
		wk_services_free(s);
		skip();
	}
	const unsigned ns[] = {1, 10, 100, 1000, 1200, 5000};
	for (size_t k = 0; k < WK_ARRAY_SIZE(ns); k++) {
		char cmd[200];
		/* no targets: nmap prints its port list in <scaninfo> and sends nothing */
		snprintf(cmd, sizeof(cmd),
		         "nmap -sT -n --top-ports %u -oX - -iL /dev/null 2>/dev/null", ns[k]);
		FILE *f = popen(cmd, "r");
		assert_non_null(f);
		static char xml[1 << 20];
		size_t n = fread(xml, 1, sizeof(xml) - 1, f);
		xml[n] = '\0';
		pclose(f);
		char *p = strstr(xml, " services=\"");
		assert_non_null(p);
		p += strlen(" services=\"");
		char *q = strchr(p, '"');
		assert_non_null(q);
		*q = '\0';
		struct wk_ports want = {0}, got = {0};
		expand(p, &want);
		assert_int_equal(wk_ports_top(&got, s, WK_SP_TCP, ns[k], &err), 0);
		assert_int_equal(got.n, want.n);
		for (uint32_t i = 0; i < want.n; i++) {
			assert_int_equal(got.v[i].proto, want.v[i].proto);
			assert_int_equal(got.v[i].port, want.v[i].port);
		}
		wk_ports_free(&want);
		wk_ports_free(&got);
	}
	wk_services_free(s);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "%s/nmap-services", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_numbers),  cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_services_small), cmocka_unit_test(test_services_damage),
	    cmocka_unit_test(test_remove),         cmocka_unit_test(test_top_matches_nmap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
