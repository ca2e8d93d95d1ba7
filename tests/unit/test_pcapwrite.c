/* Unit tests for the pcap/pcapng writer: write-then-read round trips checked with our
 * reader, libpcap and tshark, and sticky errors (a full disk included). */
#include "pcap_test.h"

/* ---- writer ------------------------------------------------------------------------- */

static struct wk_pkt mkpkt(uint32_t i, uint32_t lt)
{
	struct wk_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = payload;
	p.caplen = 20 + i % 200;
	p.wirelen = p.caplen + i % 3;
	p.ts_sec = 1700000000 + i;
	p.ts_nsec = i * 1234567u % 1000000000u;
	p.linktype = lt;
	return p;
}

static const char *comment_for(uint32_t i)
{
	static const char *const c[] = {NULL, "first comment", "é ünïcode", "1234"};
	return c[i % 4];
}

/* Write n packets; pcapng files alternate link types 1 and 101 and carry comments. */
static void write_sample(const char *path, enum wk_pcap_format fmt, bool nsec, uint32_t n)
{
	struct wk_pcap_wopts o = {
	    .format = fmt, .linktype = 1, .nsec = nsec, .app = "wirekit test"};
	struct wk_error e;
	struct wk_pcap_writer *w = wk_pcap_wopen(path, &o, &e);
	if (!w)
		fail_msg("wopen: %s", e.msg);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lt = fmt == WK_PCAP_FMT_PCAPNG && i % 5 == 4 ? 101 : 1;
		struct wk_pkt p = mkpkt(i, lt);
		assert_int_equal(wk_pcap_write(w, &p, comment_for(i)), 0);
	}
	assert_int_equal(wk_pcap_wclose(w), 0);
}

static void check_sample(const char *path, enum wk_pcap_format fmt, bool nsec, uint32_t n)
{
	struct wk_error e;
	struct wk_pcap_reader *r = wk_pcap_open(path, &e);
	if (!r)
		fail_msg("open: %s", e.msg);
	assert_int_equal(wk_pcap_format(r), fmt);
	assert_int_equal(wk_pcap_linktype(r), 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lt = fmt == WK_PCAP_FMT_PCAPNG && i % 5 == 4 ? 101 : 1;
		struct wk_pkt want = mkpkt(i, lt);
		expect_pkt(r, i + 1, want.caplen, want.wirelen, want.ts_sec,
		           nsec ? want.ts_nsec : want.ts_nsec / 1000 * 1000, lt);
	}
	expect_end(r, WK_EEOF, NULL);
	wk_pcap_close(r);
}

/* libpcap reads what we wrote (it needs one link type per file: pcap only, and pcapng
 * written with one link type). */
static void check_libpcap(const char *path, uint32_t n, bool nsec)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p)
		fail_msg("libpcap: %s", eb);
	assert_int_equal(pcap_datalink(p), 1);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint32_t i = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct wk_pkt want = mkpkt(i, 1);
		assert_int_equal(h->caplen, want.caplen);
		assert_int_equal(h->len, want.wirelen);
		assert_int_equal(h->ts.tv_sec, want.ts_sec);
		assert_int_equal(h->ts.tv_usec, nsec ? want.ts_nsec : want.ts_nsec / 1000 * 1000);
		assert_memory_equal(d, payload, h->caplen);
		i++;
	}
	assert_int_equal(i, n);
	pcap_close(p);
}

static void test_write_roundtrip(void **state)
{
	(void)state;
	char path[256];
	for (int nsec = 0; nsec < 2; nsec++) {
		for (int ng = 0; ng < 2; ng++) {
			enum wk_pcap_format fmt = ng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP;
			tmp_path(path, sizeof(path), ng ? ".pcapng" : ".pcap");
			/* enough to go through the 256 KiB buffer several times */
			write_sample(path, fmt, nsec, 5000);
			check_sample(path, fmt, nsec, 5000);
			if (!ng)
				check_libpcap(path, 5000, nsec);
			unlink(path);
		}
	}
	/* pcapng with one link type: libpcap reads it too. */
	tmp_path(path, sizeof(path), ".pcapng");
	struct wk_pcap_wopts o = {.format = WK_PCAP_FMT_PCAPNG, .linktype = 1, .nsec = true};
	struct wk_error e;
	struct wk_pcap_writer *w = wk_pcap_wopen(path, &o, &e);
	assert_non_null(w);
	for (uint32_t i = 0; i < 100; i++) {
		struct wk_pkt p = mkpkt(i, 1);
		assert_int_equal(wk_pcap_write(w, &p, comment_for(i)), 0);
	}
	assert_int_equal(wk_pcap_wclose(w), 0);
	check_libpcap(path, 100, true);
	unlink(path);
}

/* sniff names its interface in the pcapng IDB (if_name); our reader and libpcap read the
 * file, and a second link type's interface has no name. */
static void test_write_ifname(void **state)
{
	(void)state;
	char path[256];
	for (int nsec = 0; nsec < 2; nsec++) {
		tmp_path(path, sizeof(path), ".pcapng");
		struct wk_pcap_wopts o = {.format = WK_PCAP_FMT_PCAPNG,
		                          .linktype = 1,
		                          .nsec = nsec,
		                          .ifname = "veth-wk0"};
		struct wk_error e;
		struct wk_pcap_writer *w = wk_pcap_wopen(path, &o, &e);
		assert_non_null(w);
		struct wk_pkt p = mkpkt(1, 1), q = mkpkt(2, 101);
		assert_int_equal(wk_pcap_write(w, &p, NULL), 0);
		assert_int_equal(wk_pcap_write(w, &q, NULL), 0);
		assert_int_equal(wk_pcap_wclose(w), 0);
		struct wk_pcap_reader *r = wk_pcap_open(path, &e);
		assert_non_null(r);
		struct wk_pkt got;
		assert_int_equal(wk_pcap_next(r, &got), 0);
		assert_int_equal(got.ifid, 0);
		assert_string_equal(wk_pcap_ifname(r, 0), "veth-wk0");
		assert_int_equal(wk_pcap_next(r, &got), 0);
		assert_int_equal(got.ifid, 1);
		assert_string_equal(wk_pcap_ifname(r, 1), "unknown"); /* tshark's word */
		assert_null(wk_pcap_ifname(r, 2));
		wk_pcap_close(r);
		unlink(path);
	}
}

static void test_write_errors(void **state)
{
	(void)state;
	struct wk_pcap_wopts o = {.format = WK_PCAP_FMT_PCAP, .linktype = 1};
	struct wk_error e;
	char path[256];
	tmp_path(path, sizeof(path), ".pcap");
	struct wk_pcap_writer *w = wk_pcap_wopen(path, &o, &e);
	assert_non_null(w);
	struct wk_pkt p = mkpkt(0, 113);
	assert_int_equal(wk_pcap_write(w, &p, NULL), WK_EINVAL);
	assert_string_equal(wk_pcap_werror(w)->msg,
	                    "link type 113 differs from the file's 1 (pcap has one)");
	p = mkpkt(0, 1);
	p.ts_sec = 1ll << 33;
	assert_int_equal(wk_pcap_write(w, &p, NULL), WK_EINVAL);
	p = mkpkt(0, 1);
	assert_int_equal(wk_pcap_write(w, &p, NULL), 0); /* refusals are not sticky */
	assert_int_equal(wk_pcap_wclose(w), 0);
	unlink(path);

	o.format = WK_PCAP_FMT_PCAPNG;
	o.linktype = 70000;
	assert_null(wk_pcap_wopen(path, &o, &e));
	assert_int_equal(e.code, WK_EINVAL);
	assert_null(wk_pcap_wopen("/nonexistent/dir/x.pcap", &o, &e));
	assert_null(wk_pcap_wopen(path, NULL, &e));
	assert_int_equal(wk_pcap_wclose(NULL), 0);
}

/* /dev/full fails every write with ENOSPC: the error shows at the first flush, sticks,
 * and comes back from close with its message. */
static void test_write_full_disk(void **state)
{
	(void)state;
	for (int ng = 0; ng < 2; ng++) {
		struct wk_pcap_wopts o = {.format = ng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP,
		                          .linktype = 1};
		struct wk_error e;
		struct wk_pcap_writer *w = wk_pcap_wopen("/dev/full", &o, &e);
		if (!w)
			fail_msg("/dev/full: %s", e.msg);
		int rc = 0;
		uint32_t i;
		for (i = 0; i < 100000 && rc == 0; i++) {
			struct wk_pkt p = mkpkt(i, 1);
			rc = wk_pcap_write(w, &p, NULL);
		}
		assert_int_equal(rc, WK_ESYS);
		assert_true(i > 100); /* buffered: the first writes cost no system call */
		assert_string_equal(wk_pcap_werror(w)->msg, "write: No space left on device");
		struct wk_pkt p = mkpkt(0, 1);
		assert_int_equal(wk_pcap_write(w, &p, NULL), WK_ESYS);
		assert_int_equal(wk_pcap_flush(w), WK_ESYS);
		memset(&e, 0, sizeof(e));
		assert_int_equal(wk_pcap_wclose_err(w, &e), WK_ESYS);
		assert_string_equal(e.msg, "write: No space left on device");

		/* A small file: the error comes at close. */
		w = wk_pcap_wopen("/dev/full", &o, &e);
		assert_non_null(w);
		assert_int_equal(wk_pcap_write(w, &p, "c"), 0);
		assert_int_equal(wk_pcap_wclose(w), WK_ESYS);
	}
}

/* tshark must read our files as we meant them: lengths, times, interfaces, comments. */
static void test_tshark_reads_ours(void **state)
{
	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	const uint32_t n = 40;
	for (int ng = 0; ng < 2; ng++) {
		for (int nsec = 0; nsec < 2; nsec++) {
			char path[256], cmd[512];
			enum wk_pcap_format fmt = ng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP;
			tmp_path(path, sizeof(path), ng ? ".pcapng" : ".pcap");
			write_sample(path, fmt, nsec, n);
			snprintf(
			    cmd, sizeof(cmd),
			    "tshark -r '%s' -T fields -E separator=, -e frame.cap_len -e frame.len "
			    "-e frame.time_epoch -e frame.interface_id -e frame.comment 2>&1",
			    path);
			FILE *f = popen(cmd, "r");
			assert_non_null(f);
			char line[512];
			uint32_t i = 0;
			while (fgets(line, sizeof(line), f)) {
				if (strstr(line, "Running as user")) /* tshark's root warning */
					continue;
				line[strcspn(line, "\n")] = '\0';
				assert_true(i < n);
				struct wk_pkt p = mkpkt(i, 1);
				const char *c = ng ? comment_for(i) : NULL;
				uint32_t ns = nsec ? p.ts_nsec : p.ts_nsec / 1000 * 1000;
				char want[512];
				snprintf(want, sizeof(want), "%u,%u,%lld.%09u,%s,%s", p.caplen,
				         p.wirelen, (long long)p.ts_sec, ns,
				         ng ? (i % 5 == 4 ? "1" : "0") : "", c ? c : "");
				assert_string_equal(line, want);
				i++;
			}
			assert_int_equal(pclose(f), 0);
			assert_int_equal(i, n);
			unlink(path);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_roundtrip),   cmocka_unit_test(test_write_ifname),
	    cmocka_unit_test(test_write_errors),      cmocka_unit_test(test_write_full_disk),
	    cmocka_unit_test(test_tshark_reads_ours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
