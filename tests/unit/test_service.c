/* Service detection: the probe-file parser, the template expander, the matcher (fed one
 * byte at a time too), nmap's real file when installed, and the engine against small
 * servers on loopback run by a child process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/service_int.h"
#include "wirekit/service.h"

static char small_path[512];

static struct wk_svc_db *load_small(void)
{
	struct wk_svc_db *db = NULL;
	struct wk_error e = {0};
	int rc = wk_svc_db_load(&db, small_path, &e);
	if (rc)
		fail_msg("load %s: %s", small_path, e.msg);
	return db;
}

static void test_parse_small(void **st)
{
	(void)st;
	struct wk_svc_db *db = load_small();
	struct wk_svc_db_stats s;
	wk_svc_db_stats(db, &s);
	assert_int_equal(s.probes, 5);
	assert_int_equal(s.tcp_probes, 4);
	assert_int_equal(s.udp_probes, 1);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.softmatches, 2);
	assert_int_equal(s.matches, 9);
	unsigned line = 0;
	const char *why = NULL;
	assert_true(wk_svc_db_refused(db, 0, &line, &why));
	assert_int_equal(line, 29); /* "match broken m|^(unclosed|" */
	assert_non_null(strstr(why, "regex refused"));
	assert_false(wk_svc_db_refused(db, 1, &line, &why));
	assert_true(wk_svc_db_excluded(db, WK_SP_TCP, 9101));
	assert_false(wk_svc_db_excluded(db, WK_SP_TCP, 9103));
	assert_true(wk_svc_db_excluded(db, WK_SP_UDP, 30000));
	const struct svc_probe *g = svc_probe_find(db, "GetRequest", false);
	assert_non_null(g);
	assert_int_equal(g->plen, 18);
	assert_true(svc_ranges_has(&g->ports, 8005));
	assert_false(svc_ranges_has(&g->ports, 8011));
	assert_true(svc_ranges_has(&g->sslports, 443));
	const struct svc_probe *h = svc_probe_find(db, "Hello", false);
	assert_int_equal(h->rarity, 8);
	assert_int_equal(h->nfb, 1);
	assert_ptr_equal(&db->p[h->fb[0]], g);
	assert_int_equal(db->p[db->null_tcp].waitms, 6000);
	const struct svc_probe *u = svc_probe_find(db, "Ping", true);
	assert_int_equal(u->plen, 6);
	assert_memory_equal(u->payload, "\x01\x02PING", 6);
	wk_svc_db_free(db);
}

static void test_match_fields(void **st)
{
	(void)st;
	struct wk_svc_db *db = load_small();
	struct wk_service_info si;
	const char *r = "220 FooFTP 1.2.3 ready\r\n";
	assert_int_equal(wk_svc_db_match(db, "NULL", false, (const uint8_t *)r, strlen(r), &si), 1);
	assert_string_equal(si.name, "fooftp");
	assert_string_equal(si.product, "FooFTP");
	assert_string_equal(si.version, "1.2.3");
	assert_string_equal(si.ostype, "Unix");
	assert_int_equal(si.ncpe, 1);
	assert_string_equal(si.cpe[0], "cpe:/a:foo:fooftp:1.2.3");
	assert_string_equal(si.probe, "NULL");
	assert_int_equal(si.line, 8);
	char buf[256];
	assert_string_equal(wk_service_version_text(&si, buf, sizeof(buf)), "FooFTP 1.2.3");

	/* softmatch only: the banner is FooFTP but not in the form the hard match wants */
	r = "220 FooFTP is busy\r\n";
	assert_int_equal(wk_svc_db_match(db, "NULL", false, (const uint8_t *)r, strlen(r), &si), 2);
	assert_int_equal(si.method, WK_SVC_SOFT);
	assert_string_equal(si.name, "fooftp");

	r = "+QUUX v4.17 host=db7.lab\r\n";
	assert_int_equal(wk_svc_db_match(db, "NULL", false, (const uint8_t *)r, strlen(r), &si), 1);
	assert_string_equal(si.version, "4.17");
	assert_string_equal(si.hostname, "db7.lab");
	assert_string_equal(si.cpe[0], "cpe:/a:quux:keystore:4.17");

	/* GetRequest: own lines, then (TCP) the NULL probe's lines */
	r = "HTTP/1.1 200 OK\r\nServer: Bar/2.4\r\n\r\n";
	assert_int_equal(
	    wk_svc_db_match(db, "GetRequest", false, (const uint8_t *)r, strlen(r), &si), 1);
	assert_string_equal(si.product, "Bar httpd");
	assert_string_equal(si.version, "2.4");
	r = "220 FooFTP 9 ready\r\n";
	assert_int_equal(
	    wk_svc_db_match(db, "GetRequest", false, (const uint8_t *)r, strlen(r), &si), 1);
	assert_string_equal(si.name, "fooftp");
	assert_string_equal(si.probe, "GetRequest");
	/* Hello falls back to GetRequest's lines */
	r = "HTTP/1.0 404 Nope\r\n\r\n";
	assert_int_equal(wk_svc_db_match(db, "Hello", false, (const uint8_t *)r, strlen(r), &si),
	                 2);
	assert_string_equal(si.name, "http");
	/* the line PCRE2 refused is gone; the next one of the probe still works */
	assert_int_equal(wk_svc_db_match(db, "Broken", false, (const uint8_t *)"OK", 2, &si), 1);
	assert_string_equal(si.product, "Fine");
	assert_int_equal(wk_svc_db_match(db, "Nope", false, (const uint8_t *)"OK", 2, &si),
	                 WK_ENOTFOUND);
	wk_svc_db_free(db);
}

/* The reply arrives one byte at a time, as on a slow link: nothing matches early, the
 * hard match appears exactly when its last byte does. */
static void test_match_bytewise(void **st)
{
	(void)st;
	struct wk_svc_db *db = load_small();
	const char *r = "220 FooFTP 1.2.3 ready\r\n";
	size_t n = strlen(r);
	for (size_t i = 0; i <= n; i++) {
		struct wk_service_info si;
		int rc = wk_svc_db_match(db, "NULL", false, (const uint8_t *)r, i, &si);
		if (i < 10)
			assert_int_equal(rc, 0);
		else if (i < n)
			assert_int_equal(rc, 2); /* "220 FooFTP" softmatches until the line ends */
		else
			assert_int_equal(rc, 1);
	}
	wk_svc_db_free(db);
}

static void test_templates(void **st)
{
	(void)st;
	struct wk_svc_db *db = load_small();
	struct wk_service_info si;
	const uint8_t bin[] = {0, 7, 'B', 'I', 'N', 0x01, 0x02, 0x10, 0x00, 0x00, 0x00};
	assert_int_equal(wk_svc_db_match(db, "NULL", false, bin, sizeof(bin), &si), 1);
	assert_string_equal(si.version, "258.16"); /* 0x0102 big endian, 0x00000010 little */
	assert_string_equal(si.extrainfo, "");     /* $P keeps printable bytes only */
	const char *r = "SUB a_b_c\n";
	assert_int_equal(wk_svc_db_match(db, "NULL", false, (const uint8_t *)r, strlen(r), &si), 1);
	assert_string_equal(si.version, "a.b.c");

	const uint8_t subj[] = "abcXYZ";
	size_t ov[6] = {0, 6, 0, 3, 3, 6};
	char out[32];
	assert_int_equal(svc_expand("[$1|$2|$3]", subj, 6, ov, 3, out, sizeof(out)), 10);
	assert_string_equal(out, "[abc|XYZ|]"); /* $3 did not take part: empty */
	assert_int_equal(svc_expand("$P(2)-$SUBST(1,\"b\",\"BB\")", subj, 6, ov, 3, out, 32), 8);
	assert_string_equal(out, "XYZ-aBBc");
	assert_int_equal(svc_expand("cost $5 and $", subj, 6, ov, 3, out, 32), 11);
	assert_string_equal(out, "cost  and $");
	assert_int_equal(svc_expand("$I(1,\"x\")", subj, 6, ov, 3, out, 32), -1);
	assert_int_equal(svc_expand("$SUBST(1,\"a\"", subj, 6, ov, 3, out, 32), -1);
	assert_int_equal(svc_expand("$P(0)", subj, 6, ov, 3, out, 32), -1);
	/* truncation keeps the terminator */
	assert_int_equal(svc_expand("$1$2$1$2", subj, 6, ov, 3, out, 5), 4);
	assert_string_equal(out, "abcX");
	wk_svc_db_free(db);
}

static void expect_bad(const char *text, const char *want)
{
	struct wk_svc_db *db = NULL;
	struct wk_error e = {0};
	assert_int_equal(wk_svc_db_parse(&db, text, strlen(text), "t.txt", &e), WK_EFORMAT);
	assert_null(db);
	if (!strstr(e.msg, want))
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

static void test_damaged(void **st)
{
	(void)st;
	expect_bad("match x m|a|\n", "t.txt line 1: match before any Probe");
	expect_bad("Probe TCP NULL q||\nmatch x m|abc\n", "line 2: regex is not closed");
	expect_bad("Probe SCTP X q||\n", "line 1: Probe protocol");
	expect_bad("Probe TCP X q|abc\n", "line 1: probe string is not closed");
	expect_bad("Probe TCP X q|\\x4|\n", "bad \\x escape");
	expect_bad("# c\n\nProbe TCP X q||\nrarity 12\n", "line 4: bad number");
	expect_bad("Probe TCP X q||\nports 80-70\n", "line 2: bad port range");
	expect_bad("Probe TCP X q||\nfallback Nope\n", "line 2: fallback names an unknown probe");
	expect_bad("Probe TCP X q||\nmatch x m|a| z/b/\n", "line 2: unknown version field");
	expect_bad("Probe TCP X q||\nmatch x m|a| p/b\n", "line 2: version field is not closed");
	expect_bad("Probe TCP X q||\nwhatever\n", "line 2: unknown directive");
	expect_bad("# only comments\n", "no Probe in the file");
	struct wk_svc_db *db = NULL;
	struct wk_error e = {0};
	assert_int_equal(wk_svc_db_load(&db, "/nonexistent/nmap-service-probes", &e), WK_ENOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent/nmap-service-probes"));
	char buf[256];
	assert_string_equal(wk_svc_db_path("/x", buf, sizeof(buf)), "/x/nmap-service-probes");
}

/* nmap's own file, when nmap-common is installed: it loads, and what PCRE2 refuses is
 * counted and listed (not fatal). */
static void test_real_file(void **st)
{
	(void)st;
	char path[256];
	wk_svc_db_path(NULL, path, sizeof(path));
	if (access(path, R_OK)) {
		print_message("skipped: %s not installed\n", path);
		return;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct wk_svc_db *db = NULL;
	struct wk_error e = {0};
	int rc = wk_svc_db_load(&db, path, &e);
	if (rc)
		fail_msg("%s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	struct wk_svc_db_stats s;
	wk_svc_db_stats(db, &s);
	print_message("%s: %zu probes (%zu TCP, %zu UDP), %zu matches, %zu softmatches, "
	              "%zu refused, %zu Exclude ranges, %.0f ms\n",
	              path, s.probes, s.tcp_probes, s.udp_probes, s.matches, s.softmatches,
	              s.refused, s.excluded,
	              (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	unsigned line;
	const char *why;
	for (size_t i = 0; wk_svc_db_refused(db, i, &line, &why); i++)
		print_message("  refused line %u: %s\n", line, why);
	assert_true(s.probes > 100);
	assert_true(s.matches > 10000);
	assert_true(s.refused < 20);
	assert_true(db->null_tcp != SIZE_MAX);
	struct wk_service_info si;
	const char *ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
	assert_int_equal(wk_svc_db_match(db, "NULL", false, (const uint8_t *)ssh, strlen(ssh), &si),
	                 1);
	assert_string_equal(si.name, "ssh");
	assert_string_equal(si.product, "OpenSSH");
	assert_string_equal(si.version, "9.2p1 Debian 2+deb12u3");
	wk_svc_db_free(db);
}

/* ---- the engine against a child process serving four loopback ports ---------------- */

enum { SRV_FTP, SRV_HTTP, SRV_WRAP, SRV_SILENT, SRV_FLOOD, SRV_N };

static int listen_any(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static void serve(int lfd[SRV_N])
{
	alarm(20);
	signal(SIGCHLD, SIG_IGN);
	int nheld = 0; /* accepted connections kept open (not closed): FTP and SILENT */
	for (;;) {
		fd_set rs;
		FD_ZERO(&rs);
		for (int i = 0; i < SRV_N; i++)
			FD_SET(lfd[i], &rs);
		if (select(FD_SETSIZE, &rs, NULL, NULL, NULL) < 0)
			_exit(1);
		for (int i = 0; i < SRV_N; i++) {
			if (!FD_ISSET(lfd[i], &rs))
				continue;
			int c = accept(lfd[i], NULL, NULL);
			if (c < 0)
				continue;
			if (i == SRV_FTP) {
				const char *b = "220 FooFTP 1.2.3 ready\r\n";
				(void)!write(c, b, strlen(b));
			} else if (i == SRV_HTTP) {
				/* silent until asked; answers GET with a Bar server line (in a
				 * child, so the other ports are served meanwhile) */
				if (fork() != 0) {
					close(c);
					continue;
				}
				char req[256];
				fd_set one;
				FD_ZERO(&one);
				FD_SET(c, &one);
				struct timeval tv = {3, 0};
				if (select(c + 1, &one, NULL, NULL, &tv) == 1 &&
				    read(c, req, sizeof(req)) > 0 && !strncmp(req, "GET ", 4)) {
					const char *r =
					    "HTTP/1.0 200 OK\r\nServer: Bar/2.4\r\n\r\n";
					(void)!write(c, r, strlen(r));
				}
				_exit(0);
			} else if (i == SRV_FLOOD) {
				/* a server that sends without end: the engine must cap and move on
				 */
				if (fork() != 0) {
					close(c);
					continue;
				}
				static char junk[65536];
				memset(junk, 'x', sizeof(junk));
				while (write(c, junk, sizeof(junk)) > 0)
					;
				_exit(0);
			} else if (i == SRV_WRAP) {
				close(c);
				continue;
			}
			if (nheld < 64)
				nheld++;
			else
				close(c);
		}
	}
}

struct got {
	struct wk_service_info si[SRV_N];
	uint16_t port[SRV_N];
	int n;
};

static void on_result(void *ctx, const struct wk_svc_target *t, const struct wk_service_info *si)
{
	struct got *g = ctx;
	for (int i = 0; i < SRV_N; i++)
		if (g->port[i] == t->port)
			g->si[i] = *si;
	g->n++;
}

static void test_engine(void **st)
{
	(void)st;
	int lfd[SRV_N];
	struct got g = {0};
	for (int i = 0; i < SRV_N; i++) {
		lfd[i] = listen_any(&g.port[i]);
		assert_true(lfd[i] >= 0);
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve(lfd);
	for (int i = 0; i < SRV_N; i++)
		close(lfd[i]);
	struct wk_svc_db *db = load_small();
	int jrc = wk_svc_db_jit(db);
	assert_true(jrc == 0 || jrc == WK_EUNSUP);
	struct wk_svc_target t[SRV_N];
	for (int i = 0; i < SRV_N; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].addr.family = AF_INET;
		memcpy(t[i].addr.b, "\x7f\x00\x00\x01", 4);
		t[i].proto = WK_SP_TCP;
		t[i].port = g.port[i];
	}
	struct wk_svc_opts o = {.db = db,
	                        .version = true,
	                        .intensity = 7,
	                        .null_wait_ms = 300,
	                        .idle_ms = 200,
	                        .on_result = on_result,
	                        .ctx = &g};
	struct wk_svc_stats s;
	struct wk_error e = {0};
	int rc = wk_service_scan(t, SRV_N, &o, &s, &e);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	if (rc)
		fail_msg("%s", e.msg);
	assert_int_equal(g.n, SRV_N);
	assert_int_equal(g.si[SRV_FTP].method, WK_SVC_PROBED);
	assert_string_equal(g.si[SRV_FTP].product, "FooFTP");
	assert_memory_equal(g.si[SRV_FTP].banner, "220 FooFTP", 10);
	assert_int_equal(g.si[SRV_HTTP].method, WK_SVC_PROBED);
	assert_string_equal(g.si[SRV_HTTP].name, "http");
	assert_string_equal(g.si[SRV_HTTP].version, "2.4");
	assert_string_equal(g.si[SRV_HTTP].probe, "GetRequest");
	assert_int_equal(g.si[SRV_WRAP].method, WK_SVC_WRAPPED);
	char lb[64];
	assert_string_equal(wk_service_label(&g.si[SRV_WRAP], lb, sizeof(lb)), "tcpwrapped");
	assert_int_equal(g.si[SRV_SILENT].method, WK_SVC_NONE);
	assert_int_equal(g.si[SRV_FLOOD].method, WK_SVC_NONE);
	assert_int_equal(g.si[SRV_FLOOD].banner_len, WK_SVC_BANNER_MAX);
	assert_memory_equal(g.si[SRV_FLOOD].banner, "xxxxxxxx", 8);
	assert_int_equal(s.matched, 2);
	assert_int_equal(s.wrapped, 1);
	wk_svc_db_free(db);
}

static void test_bad_opts(void **st)
{
	(void)st;
	struct wk_svc_target t = {.proto = WK_SP_TCP, .port = 1};
	struct wk_svc_opts o = {.version = true};
	struct wk_error e = {0};
	assert_int_equal(wk_service_scan(&t, 1, &o, NULL, &e), WK_EINVAL);
	o.banners = true;
	o.version = false;
	o.intensity = 10;
	assert_int_equal(wk_service_scan(&t, 1, &o, NULL, &e), WK_EINVAL);
	o.intensity = 0;
	t.proto = WK_SP_SCTP;
	assert_int_equal(wk_service_scan(&t, 1, &o, NULL, &e), WK_EINVAL);
}

int main(void)
{
	const char *top = getenv("TOP");
	snprintf(small_path, sizeof(small_path), "%s/tests/service/probes-small.txt",
	         top ? top : ".");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_small),    cmocka_unit_test(test_match_fields),
	    cmocka_unit_test(test_match_bytewise), cmocka_unit_test(test_templates),
	    cmocka_unit_test(test_damaged),        cmocka_unit_test(test_real_file),
	    cmocka_unit_test(test_engine),         cmocka_unit_test(test_bad_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
