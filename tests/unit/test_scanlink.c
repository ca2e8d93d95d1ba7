/* Link-layer pieces of the raw scanner: the nmap-mac-prefixes reader (src/lib/scan/macdb.c)
 * on good text, on damaged text (each kind of damage is an error naming its line, nothing
 * half-loaded), on a file in a data directory; the ARP probe module and ARP reply parser
 * (src/lib/scan/arp.c): the who-has it sends, the is-at it accepts, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/scan_int.h"
#include "wirekit/scan.h"

static const char good[] = "# nmap-mac-prefixes sample\n"
                           "\n"
                           "00000C Cisco Systems\n"
                           "000000 Xerox\r\n"
                           "080027\tPCS Systemtechnik GmbH  \n"
                           "FCFFAA IEEE Registration Authority"; /* no final new line */

static void test_macdb_good(void **state)
{
	(void)state;
	struct wk_error e = {0};
	struct wk_macdb *db = wk_macdb_parse(good, strlen(good), "sample", &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 4);
	const uint8_t cisco[6] = {0x00, 0x00, 0x0c, 0x12, 0x34, 0x56};
	const uint8_t xerox[6] = {0, 0, 0, 1, 2, 3};
	const uint8_t vbox[6] = {0x08, 0x00, 0x27, 0, 0, 1};
	const uint8_t last[6] = {0xfc, 0xff, 0xaa, 0, 0, 0};
	const uint8_t local[6] = {0x02, 0, 0, 0, 0, 2};
	assert_string_equal(wk_macdb_vendor(db, cisco), "Cisco Systems");
	assert_string_equal(wk_macdb_vendor(db, xerox), "Xerox");
	assert_string_equal(wk_macdb_vendor(db, vbox), "PCS Systemtechnik GmbH");
	assert_string_equal(wk_macdb_vendor(db, last), "IEEE Registration Authority");
	assert_null(wk_macdb_vendor(db, local));
	assert_null(wk_macdb_vendor(NULL, cisco));
	wk_macdb_free(db);
	wk_macdb_free(NULL);
}

static void damaged(const char *text, size_t n, const char *want)
{
	struct wk_error e = {0};
	struct wk_macdb *db = wk_macdb_parse(text, n, "dmg", &e);
	assert_null(db);
	assert_int_equal(e.code, WK_EFORMAT);
	if (!strstr(e.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
}

static void test_macdb_damaged(void **state)
{
	(void)state;
	damaged("000000 Xerox\n00000G Bad hex\n", 27, "dmg line 2");
	damaged("000000 Xerox\n00000\n", 19, "line 2");   /* short prefix */
	damaged("00000C\n", 7, "line 1");                 /* no name */
	damaged("00000CCisco\n", 12, "line 1");           /* no blank */
	damaged("00000C   \t \n", 12, "line 1");          /* name only blanks */
	damaged("#ok\n000000 Xe\x01rox\n", 17, "line 2"); /* control character */
	damaged("000000 Xerox\n0000", 17, "line 2");      /* cut in the prefix */
	const char nul[] = "000000 Xer\0ox\n";
	damaged(nul, sizeof(nul) - 1, "line 1"); /* a NUL inside the name */
	char big[400];
	memset(big, 'A', sizeof(big));
	memcpy(big, "00000C ", 7);
	damaged(big, sizeof(big), "line 1"); /* a name longer than any vendor */
	/* every cut of a good file either parses or fails cleanly */
	for (size_t n = 0; n <= strlen(good); n++) {
		struct wk_error e = {0};
		wk_macdb_free(wk_macdb_parse(good, n, "cut", &e));
	}
}

static void test_macdb_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/wk-macdb.XXXXXX", path[64];
	struct wk_error e = {0};
	assert_non_null(mkdtemp(dir));
	assert_null(wk_macdb_load(dir, &e));
	assert_int_equal(e.code, WK_ENOTFOUND);
	assert_non_null(strstr(e.msg, dir));
	snprintf(path, sizeof(path), "%s/nmap-mac-prefixes", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("00000C Cisco Systems\nnot a line\n", f);
	fclose(f);
	assert_null(wk_macdb_load(dir, &e));
	assert_int_equal(e.code, WK_EFORMAT);
	assert_non_null(strstr(e.msg, "nmap-mac-prefixes line 2"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("00000C Cisco Systems\n", f);
	fclose(f);
	struct wk_macdb *db = wk_macdb_load(dir, &e);
	assert_non_null(db);
	assert_int_equal(wk_macdb_count(db), 1);
	wk_macdb_free(db);
	unlink(path);
	rmdir(dir);
}

#define SRC 0xc6120001u /* 198.18.0.1 */
#define DST 0xc6120003u /* 198.18.0.3 */

static void test_arp_probe(void **state)
{
	(void)state;
	struct scan_ctx c;
	struct scan_tmpl t;
	struct wk_error e = {0};
	uint8_t pk[SCAN_PKT_MAX];
	memset(&c, 0, sizeof(c));
	c.src = SRC;
	memcpy(c.mac, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(scan_probe_arp.build(&t, &c, &e), 0);
	size_t n = scan_probe_arp.make(pk, &t, &c, DST, 0);
	/* Ethernet broadcast, ARP who-has 198.18.0.3 tell 198.18.0.1 (RFC 826) */
	static const uint8_t want[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,   0,  0, 0, 0,
	                                 1,    0x08, 0x06, 0,    1,    8,    0,   6,  4, 0, 1,
	                                 2,    0,    0,    0,    0,    1,    198, 18, 0, 1, 0,
	                                 0,    0,    0,    0,    0,    198,  18,  0,  3};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(pk, want, sizeof(want));

	/* the is-at of 198.18.0.3 (00:00:0c:12:34:56) to us */
	uint8_t rp[60] = {2,   0,  0, 0, 0, 1, 0, 0, 0x0c, 0x12, 0x34, 0x56, 0x08, 0x06,
	                  0,   1,  8, 0, 6, 4, 0, 2, 0,    0,    0x0c, 0x12, 0x34, 0x56,
	                  198, 18, 0, 3, 2, 0, 0, 0, 0,    1,    198,  18,   0,    1};
	struct scan_reply r;
	struct scan_verdict v;
	assert_true(scan_parse(rp, sizeof(rp), 1, &r));
	assert_true(r.arp);
	assert_memory_equal(r.mac, "\x00\x00\x0c\x12\x34\x56", 6);
	assert_true(scan_probe_arp.classify(&r, &c, &v));
	assert_int_equal(v.target, DST);
	assert_int_equal(v.reason, WK_RS_ARP_RESPONSE);
	assert_int_equal(v.state, WK_PS_HOST_UP);
	/* no other module takes it */
	for (size_t i = 0; i < scan_nprobes; i++)
		if (scan_probes[i] != &scan_probe_arp)
			assert_false(scan_probes[i]->classify(&r, &c, &v));
	/* an is-at to someone else, a who-has, a cut frame, a cooked capture: not ours */
	uint8_t x[60];
	memcpy(x, rp, sizeof(x));
	x[41] = 9;
	assert_true(scan_parse(x, sizeof(x), 1, &r));
	assert_false(scan_probe_arp.classify(&r, &c, &v));
	memcpy(x, rp, sizeof(x));
	x[21] = 1;
	assert_false(scan_parse(x, sizeof(x), 1, &r) && r.arp);
	for (size_t k = 0; k < 42; k++)
		assert_false(scan_parse(rp, k, 1, &r) && r.arp);
	assert_false(scan_parse(rp, sizeof(rp), 113, &r) && r.arp);
	memcpy(x, rp, sizeof(x));
	x[18] = 8; /* hardware address length 8 */
	assert_false(scan_parse(x, sizeof(x), 1, &r) && r.arp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_macdb_good),
	    cmocka_unit_test(test_macdb_damaged),
	    cmocka_unit_test(test_macdb_load),
	    cmocka_unit_test(test_arp_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
