/* wirekit scan's resume file and its journal (src/cli/scan_resume.c): the text round trip,
 * the files older versions and other tools leave, the in-place rewrite after -Z, and the
 * journal of 24-byte records a resume after a kill reads back. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
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

#include "scan_cli.h"

static char tmpdir[] = "/tmp/wk-scanresume-XXXXXX";

static const char *tpath(const char *name)
{
	static char buf[4][sizeof(tmpdir) + 256 + 1];
	static unsigned k;
	char *p = buf[k++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static void put_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

static void put_text(const char *path, const char *text)
{
	put_file(path, text, strlen(text));
}

/* -1: missing */
static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* The whole file, NUL-terminated; *n its length. */
static char *get_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65537);
	assert_non_null(buf);
	*n = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static unsigned dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void cli_init(struct scan_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->resume_fd = c->journal_fd = -1;
}

static struct wk_scan_addr v4(uint8_t last)
{
	struct wk_scan_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "198.18.0.0", a.b), 1);
	a.b[3] = last;
	return a;
}

static struct wk_scan_addr v6(uint8_t last)
{
	struct wk_scan_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::", a.b), 1);
	a.b[15] = last;
	return a;
}

static struct wk_scan_result res(struct wk_scan_addr a, uint8_t proto, uint16_t port, uint8_t state,
                                 uint8_t reason)
{
	struct wk_scan_result r;
	memset(&r, 0, sizeof(r));
	r.addr = a;
	r.proto = proto;
	r.port = port;
	r.state = state;
	r.reason = reason;
	return r;
}

/* ---- the resume file --------------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	(void)state;
	char *argv[] = {"scan", "-sS",        "-p",  "22,80,443", "--max-rate",
	                "100",  "two\nlines", "-oX", "out.xml",   "198.18.0.0/24"};
	struct scan_cli c;
	cli_init(&c);
	c.o.seed = 0xfedcba9876543210ull;
	c.o.shard_k = 2;
	c.o.shard_of = 3;
	c.argc = (int)(sizeof(argv) / sizeof(argv[0]));
	c.argv = argv;
	const char *path = tpath("rt.resume");
	unsigned before = dir_entries();
	assert_int_equal(scan_resume_save(&c, path, 123456789, 123456000), 0);
	/* written to a temporary name and renamed: only the file itself is left */
	assert_int_equal(dir_entries(), before + 1);
	size_t n;
	char *text = get_file(path, &n);
	assert_non_null(strstr(text, "\nshard=2/3\n"));
	assert_non_null(strstr(text, "\nseed=18364758544493064720\n"));
	free(text);

	struct scan_resume r;
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.seed == 0xfedcba9876543210ull);
	assert_true(r.pos == 123456789);
	assert_true(r.decided == 123456000);
	/* argv[0] is "scan", then every stored option but the one with a newline */
	assert_int_equal(r.argc, 9);
	assert_string_equal(r.argv[0], "scan");
	const char *want[] = {"-sS", "-p",  "22,80,443", "--max-rate",
	                      "100", "-oX", "out.xml",   "198.18.0.0/24"};
	for (int i = 0; i < 8; i++)
		assert_string_equal(r.argv[i + 1], want[i]);
	assert_null(r.argv[r.argc]);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);

	/* a second save replaces the file (rename over it) */
	c.o.shard_k = c.o.shard_of = 0;
	assert_int_equal(scan_resume_save(&c, path, 5, 5), 0);
	assert_int_equal(dir_entries(), before + 1);
	text = get_file(path, &n);
	assert_non_null(strstr(text, "\nshard=1/1\n"));
	free(text);
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.pos == 5 && r.decided == 5);
	assert_int_equal(r.argc, 9);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	unlink(path);
}

static void test_dir_complete_long(void **state)
{
	(void)state;
	/* a -p list of thousands of ports: one line longer than any fixed buffer */
	size_t big = 40000;
	char *ports = malloc(big + 1);
	assert_non_null(ports);
	size_t k = 0;
	for (unsigned p = 1; k + 7 < big; p++)
		k += (size_t)snprintf(ports + k, big + 1 - k, "%u,", p);
	ports[k - 1] = '\0';
	char *argv[] = {"scan", "-p", ports, "198.18.0.1"};
	struct scan_cli c;
	cli_init(&c);
	c.argc = 4;
	c.argv = argv;
	const char *path = tpath("dc.resume");
	assert_int_equal(scan_resume_save(&c, path, 7, 3), 0);
	struct scan_resume r;
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_int_equal(r.argc, 4);
	assert_string_equal(r.argv[2], ports);
	assert_false(r.complete);
	/* the directory the scan ran in, for its relative paths */
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(r.dir);
	assert_string_equal(r.dir, cwd);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	/* the last save of a finished scan says so, and a resume refuses it */
	c.complete = true;
	assert_int_equal(scan_resume_save(&c, path, 9, 9), 0);
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.complete);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	assert_int_equal(scan_resume_begin(&c, path, &r), 2);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	free(ports);
	unlink(path);
}

static void test_crlf_and_dir_journal(void **state)
{
	(void)state;
	/* a file edited where lines end in CR LF still loads */
	const char *path = tpath("crlf.resume");
	const char text[] = "seed=5\r\nposition=10\r\ndecided=4\r\narg=198.18.0.1\r\n";
	put_file(path, text, sizeof(text) - 1);
	struct scan_resume r;
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.seed == 5 && r.pos == 10 && r.decided == 4);
	assert_int_equal(r.argc, 2);
	assert_string_equal(r.argv[1], "198.18.0.1");
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	/* a directory where the journal should be is refused, not read as empty */
	const char *jdir = tpath("crlf.resume.done");
	assert_int_equal(mkdir(jdir, 0700), 0);
	struct scan_cli c;
	cli_init(&c);
	struct scan_resume rs = {.pos = 10, .decided = 4};
	assert_int_equal(scan_journal_load(&c, path, &rs), 2);
	assert_null(c.done);
	rmdir(jdir);
	unlink(path);
}

static void test_no_decided(void **state)
{
	(void)state;
	/* the file an older version wrote: every position before it was decided */
	const char *path = tpath("old.resume");
	put_text(path, "# wirekit scan resume file: wirekit scan --resume old.resume\n"
	               "seed=42\nshard=1/1\nposition=777\narg=-sU\narg=198.18.0.1\n");
	struct scan_resume r;
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.seed == 42);
	assert_true(r.pos == 777);
	assert_true(r.decided == 777);
	assert_int_equal(r.argc, 3);
	assert_string_equal(r.argv[0], "scan");
	assert_string_equal(r.argv[1], "-sU");
	assert_string_equal(r.argv[2], "198.18.0.1");
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);

	/* no options at all: argv is "scan" alone */
	put_text(path, "seed=1\nposition=0\ndecided=0\n");
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_int_equal(r.argc, 1);
	assert_string_equal(r.argv[0], "scan");
	assert_null(r.argv[1]);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	unlink(path);
}

static void test_decided_after_position(void **state)
{
	(void)state;
	const char *path = tpath("bad.resume");
	struct scan_resume r;
	put_text(path, "seed=1\nposition=10\ndecided=11\narg=-sS\n");
	assert_int_not_equal(scan_resume_load(path, &r), 0);
	/* equal is fine */
	put_text(path, "seed=1\nposition=10\ndecided=10\narg=-sS\n");
	assert_int_equal(scan_resume_load(path, &r), 0);
	assert_true(r.decided == 10);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	unlink(path);
}

static void test_not_resume(void **state)
{
	(void)state;
	const char *path = tpath("nmap.gnmap");
	struct scan_resume r;
	put_text(path, "# Nmap 7.94SVN scan initiated Mon Jan  1 00:00:00 2024 as: nmap -oG x "
	               "198.18.0.1\n"
	               "Host: 198.18.0.1 ()\tStatus: Up\n"
	               "Host: 198.18.0.1 ()\tPorts: 22/open/tcp//ssh///\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	/* one foreign line among good ones */
	put_text(path, "seed=1\nposition=3\nport=22\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	/* no seed, no position, numbers that are not numbers */
	put_text(path, "position=3\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	put_text(path, "seed=3\narg=-sS\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	put_text(path, "seed=3\nposition=12x\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	put_text(path, "seed=3\nposition=-1\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	put_text(path, "seed=3\nposition=18446744073709551616\n");
	assert_int_equal(scan_resume_load(path, &r), 2);
	put_text(path, "");
	assert_int_equal(scan_resume_load(path, &r), 2);
	unlink(path);
	/* missing */
	assert_int_equal(scan_resume_load(path, &r), 2);
}

static void test_in_place(void **state)
{
	(void)state;
	char *argv[] = {"scan", "-sS", "-p-", "198.18.0.0/16"};
	struct scan_cli c;
	cli_init(&c);
	c.o.seed = 9;
	c.argc = 4;
	c.argv = argv;
	const char *path = tpath("inplace.resume");
	c.resume_file = path;
	/* what the file held before: longer than the text, must not survive */
	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	put_file(path, junk, sizeof(junk));
	/* as scan_open_prepare does before -Z's drop */
	c.resume_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(c.resume_fd >= 0);
	struct stat st0;
	assert_int_equal(stat(path, &st0), 0);
	unsigned before = dir_entries();

	const uint64_t cases[][2] = {
	    {0, 0},          {1, 0},
	    {12345, 12},     {UINT64_MAX, UINT64_MAX},
	    {UINT64_MAX, 7}, {65536ull * 65536, 1000000},
	};
	long len = -1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(scan_resume_save(&c, path, cases[i][0], cases[i][1]), 0);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		/* the same file (no rename: the directory may not be ours), no temporary */
		assert_true(st.st_ino == st0.st_ino);
		assert_int_equal(dir_entries(), before);
		if (len < 0)
			len = (long)st.st_size;
		assert_int_equal((long)st.st_size, len);
		struct scan_resume r;
		assert_int_equal(scan_resume_load(path, &r), 0);
		assert_true(r.seed == 9);
		assert_true(r.pos == cases[i][0]);
		assert_true(r.decided == cases[i][1]);
		assert_int_equal(r.argc, 4);
		assert_string_equal(r.argv[1], "-sS");
		assert_string_equal(r.argv[3], "198.18.0.0/16");
		scan_resume_free(r.argc, r.argv);
		scan_resume_end(&r);
	}
	assert_true(len > 0 && len < (long)sizeof(junk));

	/* another path than the one opened: the usual temporary + rename */
	const char *other = tpath("other.resume");
	assert_int_equal(scan_resume_save(&c, other, 3, 2), 0);
	struct stat st1;
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal((long)st1.st_size, len);
	struct scan_resume r;
	assert_int_equal(scan_resume_load(other, &r), 0);
	assert_true(r.pos == 3 && r.decided == 2);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	close(c.resume_fd);
	unlink(other);
	unlink(path);
}

/* ---- the journal ------------------------------------------------------------------------- */

static void journal_start(struct scan_cli *c, const char *resume, enum wk_scan_type type)
{
	c->resume_file = resume;
	c->o.type = type;
	assert_int_equal(scan_journal_open(c), 0);
	assert_true(c->journal_fd >= 0);
}

static bool has(struct scan_cli *c, struct wk_scan_addr a, uint8_t proto, uint16_t port)
{
	return scan_journal_has(c, &a, proto, port);
}

/* A resume file's numbers that ask for no notice (every position decided). */
static const struct scan_resume nors;

/* Five port results of a SYN scan, two of them silent. */
static void journal_five(struct scan_cli *c)
{
	struct wk_scan_result r[] = {
	    res(v4(1), WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK),
	    res(v4(1), WK_SP_TCP, 23, WK_PS_CLOSED, WK_RS_RESET),
	    res(v4(2), WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_NO_RESPONSE),
	    res(v6(5), WK_SP_TCP, 443, WK_PS_OPEN, WK_RS_SYN_ACK),
	    res(v4(3), WK_SP_UDP, 53, WK_PS_OPEN_FILTERED, WK_RS_NO_RESPONSE),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		scan_journal_add(c, &r[i]);
}

static void check_five(struct scan_cli *c)
{
	assert_non_null(c->done);
	assert_true(has(c, v4(1), WK_SP_TCP, 22));
	assert_true(has(c, v4(1), WK_SP_TCP, 23));
	assert_true(has(c, v4(2), WK_SP_TCP, 80));
	assert_true(has(c, v6(5), WK_SP_TCP, 443));
	assert_true(has(c, v4(3), WK_SP_UDP, 53));
	/* their states came back too */
	struct wk_scan_addr a = v4(2);
	const struct wk_scan_result *f = wk_results_find(c->done, &a, WK_SP_TCP, 80);
	assert_non_null(f);
	assert_int_equal(f->state, WK_PS_FILTERED);
	assert_int_equal(f->reason, WK_RS_NO_RESPONSE);
	a = v6(5);
	f = wk_results_find(c->done, &a, WK_SP_TCP, 443);
	assert_non_null(f);
	assert_int_equal(f->state, WK_PS_OPEN);
	assert_int_equal(f->reason, WK_RS_SYN_ACK);
	/* and nothing else */
	assert_false(has(c, v4(1), WK_SP_TCP, 80));
	assert_false(has(c, v4(1), WK_SP_UDP, 22));
	assert_false(has(c, v4(2), WK_SP_UDP, 80));
	assert_false(has(c, v4(4), WK_SP_TCP, 22));
	assert_false(has(c, v4(3), WK_SP_TCP, 53));
	assert_false(has(c, v6(6), WK_SP_TCP, 443));
	assert_false(has(c, v6(5), WK_SP_TCP, 444));
	assert_false(has(c, v4(2), WK_SCAN_HOST, 0)); /* silent: the host is not known up */
}

static void test_journal_roundtrip(void **state)
{
	(void)state;
	const char *resume = tpath("j.resume");
	const char *jpath = tpath("j.resume.done");
	struct scan_cli c;
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_SYN);
	journal_five(&c);
	scan_journal_close(&c);
	assert_int_equal(c.journal_fd, -1);
	assert_int_equal(file_size(jpath), 5 * 24);

	/* the record layout older files have: family, proto, state, reason, port, 0 0, addr */
	size_t n;
	char *raw = get_file(jpath, &n);
	const uint8_t want0[24] = {
	    4,   WK_SP_TCP, WK_PS_OPEN, WK_RS_SYN_ACK,
	    0,   22,        0,          0, /* port 22 */
	    198, 18,        0,          1, /* 198.18.0.1, then 12 zero bytes */
	};
	assert_memory_equal(raw, want0, 24);
	assert_int_equal((uint8_t)raw[3 * 24], 6);
	free(raw);

	struct scan_cli l;
	cli_init(&l);
	assert_int_equal(scan_journal_load(&l, resume, &nors), 0);
	check_five(&l);

	/* a resume after a kill (c->done set) keeps the journal and adds to it */
	l.resume_file = resume;
	l.o.type = WK_SCAN_SYN;
	assert_int_equal(scan_journal_open(&l), 0);
	struct wk_scan_result more = res(v4(7), WK_SP_TCP, 8080, WK_PS_CLOSED, WK_RS_RESET);
	scan_journal_add(&l, &more);
	scan_journal_close(&l);
	assert_null(l.done);
	assert_int_equal(file_size(jpath), 6 * 24);
	cli_init(&l);
	assert_int_equal(scan_journal_load(&l, resume, &nors), 0);
	check_five(&l);
	assert_true(has(&l, v4(7), WK_SP_TCP, 8080));
	scan_journal_close(&l);

	/* any other run starts it empty */
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_SYN);
	assert_int_equal(file_size(jpath), 0);
	scan_journal_close(&c);

	/* without a resume file there is no journal, and adding is harmless */
	cli_init(&c);
	assert_int_equal(scan_journal_open(&c), 0);
	assert_int_equal(c.journal_fd, -1);
	journal_five(&c);
	scan_journal_close(&c);
	assert_int_equal(file_size(jpath), 0);
	unlink(jpath);
}

static void test_journal_at_once(void **state)
{
	(void)state;
	/* every record is in the file as soon as it is added, silent ones too (-oJ has its
	 * line already: a kill must not make the resume report it again) */
	const char *resume = tpath("f.resume");
	const char *jpath = tpath("f.resume.done");
	struct scan_cli c;
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_SYN);
	struct wk_scan_result r = res(v4(9), WK_SP_TCP, 25, WK_PS_FILTERED, WK_RS_NO_RESPONSE);
	scan_journal_add(&c, &r);
	assert_int_equal(file_size(jpath), 24);
	struct scan_cli l;
	cli_init(&l);
	assert_int_equal(scan_journal_load(&l, resume, &nors), 0);
	assert_true(has(&l, v4(9), WK_SP_TCP, 25));
	scan_journal_close(&l);
	scan_journal_close(&c);
	assert_int_equal(file_size(jpath), 24);
	unlink(jpath);
}

static void test_journal_partial(void **state)
{
	(void)state;
	const char *resume = tpath("p.resume");
	const char *jpath = tpath("p.resume.done");
	struct scan_cli c;
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_SYN);
	journal_five(&c);
	scan_journal_close(&c);
	/* a record cut short by a full disk: the first 10 bytes of a sixth */
	size_t n;
	char *raw = get_file(jpath, &n);
	assert_int_equal(n, 5 * 24);
	char *big = malloc(6 * 24);
	assert_non_null(big);
	memcpy(big, raw, n);
	memcpy(big + n, raw, 24);
	big[n + 5] = 99; /* a port of its own, so a whole sixth record would be found */
	put_file(jpath, big, n + 10);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	check_five(&c);
	assert_false(has(&c, v4(1), WK_SP_TCP, 99));
	scan_journal_close(&c);
	/* the same sixth record whole is found */
	put_file(jpath, big, n + 24);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	check_five(&c);
	assert_true(has(&c, v4(1), WK_SP_TCP, 99));
	scan_journal_close(&c);
	/* less than one record: nothing */
	put_file(jpath, raw, 23);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_null(c.done);
	free(big);
	free(raw);
	unlink(jpath);
}

static void test_journal_garbage(void **state)
{
	(void)state;
	const char *resume = tpath("g.resume");
	const char *jpath = tpath("g.resume.done");
	const uint8_t good[24] = {
	    4,   WK_SP_TCP, WK_PS_OPEN, WK_RS_SYN_ACK,
	    0,   22,        0,          0, /* port 22 */
	    198, 18,        0,          1, /* 198.18.0.1, then 12 zero bytes */
	};
	/* one field spoiled each: byte, value */
	const uint8_t spoil[][2] = {
	    {0, 5},                      /* family neither 4 nor 6 */
	    {0, 0},                      /* family 0 */
	    {2, WK_PS_HOST_UP},          /* a host state on a port */
	    {1, WK_SCAN_HOST},           /* a port state on a host record */
	    {1, 7},                      /* no such protocol */
	    {3, WK_RS_NREASON},          /* no such reason */
	    {2, WK_PS_HOST_UNKNOWN + 1}, /* no such state */
	};
	for (size_t i = 0; i < sizeof(spoil) / sizeof(spoil[0]); i++) {
		uint8_t buf[48];
		memcpy(buf, good, 24);
		memcpy(buf + 24, good, 24);
		buf[24 + 5] = 23;
		buf[24 + spoil[i][0]] = spoil[i][1];
		/* alone and after a good record */
		put_file(jpath, buf + 24, 24);
		struct scan_cli c;
		cli_init(&c);
		assert_int_equal(scan_journal_load(&c, resume, &nors), 2);
		scan_journal_close(&c);
		put_file(jpath, buf, 48);
		cli_init(&c);
		assert_int_equal(scan_journal_load(&c, resume, &nors), 2);
		scan_journal_close(&c);
	}
	/* text is not a journal */
	put_text(jpath, "seed=1\nposition=2\ndecided=2\narg=-sS\n");
	struct scan_cli c;
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 2);
	scan_journal_close(&c);
	/* the good record alone loads */
	put_file(jpath, good, 24);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_true(has(&c, v4(1), WK_SP_TCP, 22));
	scan_journal_close(&c);
	unlink(jpath);
}

static void test_journal_empty(void **state)
{
	(void)state;
	const char *resume = tpath("e.resume");
	const char *jpath = tpath("e.resume.done");
	struct scan_cli c;
	cli_init(&c);
	assert_int_equal(file_size(jpath), -1);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_null(c.done);
	assert_false(has(&c, v4(1), WK_SP_TCP, 22));
	put_file(jpath, "", 0);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_null(c.done);
	unlink(jpath);
}

static void test_journal_clear(void **state)
{
	(void)state;
	const char *resume = tpath("c.resume");
	const char *jpath = tpath("c.resume.done");
	struct scan_cli c;
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_SYN);
	struct wk_scan_result r[] = {
	    res(v4(1), WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK),
	    res(v4(1), WK_SP_TCP, 23, WK_PS_CLOSED, WK_RS_RESET),
	    res(v4(2), WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_NO_RESPONSE),
	};
	for (size_t i = 0; i < 3; i++)
		scan_journal_add(&c, &r[i]);
	scan_journal_clear(&c);
	assert_int_equal(file_size(jpath), 0);
	/* what comes after is written from the start of the emptied file */
	struct wk_scan_result after = res(v4(4), WK_SP_TCP, 21, WK_PS_OPEN, WK_RS_SYN_ACK);
	scan_journal_add(&c, &after);
	assert_int_equal(file_size(jpath), 24);
	scan_journal_close(&c);
	assert_int_equal(file_size(jpath), 24);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_true(has(&c, v4(4), WK_SP_TCP, 21));
	assert_false(has(&c, v4(1), WK_SP_TCP, 22));
	assert_false(has(&c, v4(2), WK_SP_TCP, 80));
	scan_journal_close(&c);
	unlink(jpath);
}

static void test_journal_kinds(void **state)
{
	(void)state;
	const char *resume = tpath("k.resume");
	const char *jpath = tpath("k.resume.done");
	struct wk_scan_result host_up =
	    res(v4(1), WK_SCAN_HOST, 0, WK_PS_HOST_UP, WK_RS_ECHO_REPLY);
	struct wk_scan_result host_down =
	    res(v6(2), WK_SCAN_HOST, 0, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE);
	struct wk_scan_result port = res(v4(3), WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_NO_RESPONSE);

	/* -sn: the positions are hosts */
	struct scan_cli c;
	cli_init(&c);
	journal_start(&c, resume, WK_SCAN_NONE);
	scan_journal_add(&c, &host_up);
	scan_journal_add(&c, &port);
	scan_journal_add(&c, &host_down);
	scan_journal_close(&c);
	assert_int_equal(file_size(jpath), 2 * 24);
	cli_init(&c);
	assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
	assert_true(has(&c, v4(1), WK_SCAN_HOST, 0));
	assert_true(has(&c, v6(2), WK_SCAN_HOST, 0));
	assert_false(has(&c, v4(3), WK_SP_TCP, 80));
	assert_false(has(&c, v4(3), WK_SCAN_HOST, 0));
	scan_journal_close(&c);

	/* a port scan (its discovery's host records are not positions) */
	const enum wk_scan_type types[] = {WK_SCAN_SYN, WK_SCAN_CONNECT, WK_SCAN_UDP};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cli_init(&c);
		journal_start(&c, resume, types[i]);
		scan_journal_add(&c, &host_up);
		scan_journal_add(&c, &port);
		scan_journal_add(&c, &host_down);
		scan_journal_close(&c);
		assert_int_equal(file_size(jpath), 24);
		cli_init(&c);
		assert_int_equal(scan_journal_load(&c, resume, &nors), 0);
		assert_false(has(&c, v4(1), WK_SCAN_HOST, 0));
		assert_false(has(&c, v6(2), WK_SCAN_HOST, 0));
		assert_true(has(&c, v4(3), WK_SP_TCP, 80));
		scan_journal_close(&c);
	}
	unlink(jpath);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Everything in the directory, also what a failed test left. */
static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlink(tpath(e->d_name));
		closedir(d);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_dir_complete_long),
	    cmocka_unit_test(test_crlf_and_dir_journal),
	    cmocka_unit_test(test_no_decided),
	    cmocka_unit_test(test_decided_after_position),
	    cmocka_unit_test(test_not_resume),
	    cmocka_unit_test(test_in_place),
	    cmocka_unit_test(test_journal_roundtrip),
	    cmocka_unit_test(test_journal_at_once),
	    cmocka_unit_test(test_journal_partial),
	    cmocka_unit_test(test_journal_garbage),
	    cmocka_unit_test(test_journal_empty),
	    cmocka_unit_test(test_journal_clear),
	    cmocka_unit_test(test_journal_kinds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
