/* The scan result table (src/lib/results/table.c: precedence, host records, order) and
 * its writers (text, json, xml, grep) against expected output written out in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

#define T0 1765000000 /* Sat Dec  6 05:46:40 2025 UTC */

static char out[1 << 20];

static struct wk_scan_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct wk_scan_addr x = {.family = AF_INET};
	x.b[0] = a;
	x.b[1] = b;
	x.b[2] = c;
	x.b[3] = d;
	return x;
}

static struct wk_scan_addr v6(uint16_t last)
{
	struct wk_scan_addr x = {.family = AF_INET6};
	x.b[0] = 0x20;
	x.b[1] = 0x01;
	x.b[2] = 0x0d;
	x.b[3] = 0xb8;
	x.b[14] = (uint8_t)(last >> 8);
	x.b[15] = (uint8_t)last;
	return x;
}

static struct wk_scan_result port(struct wk_scan_addr a, uint8_t proto, uint16_t p, uint8_t st,
                                  uint8_t rs, uint8_t ttl)
{
	struct wk_scan_result r = {.addr = a,
	                           .proto = proto,
	                           .port = p,
	                           .state = st,
	                           .reason = rs,
	                           .ttl = ttl,
	                           .ts_sec = T0 + 1,
	                           .ts_nsec = 250000000};
	return r;
}

static struct wk_scan_result hostrec(struct wk_scan_addr a, uint8_t st, uint8_t rs, uint8_t ttl,
                                     uint32_t rtt)
{
	struct wk_scan_result r = port(a, WK_SCAN_HOST, 0, st, rs, ttl);
	r.rtt_us = rtt;
	return r;
}

static void add(struct wk_results *t, struct wk_scan_result r)
{
	struct wk_error err = {0};
	if (wk_results_add(t, &r, &err))
		fail_msg("add: %s", err.msg);
}

/* Run one writer over the table into out (NUL-terminated). */
static const char *run(const char *name, const struct wk_scan_info *info,
                       const struct wk_results *t, const struct wk_scan_summary *sum)
{
	const struct wk_scan_writer *w = wk_scan_writer_find(name);
	assert_non_null(w);
	struct wk_ob o;
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	assert_int_equal(w->begin(&o, info), 0);
	if (w->result)
		for (size_t i = 0; i < wk_results_count(t); i++)
			assert_int_equal(w->result(&o, info, wk_results_at(t, i)), 0);
	assert_int_equal(w->end(&o, info, t, sum), 0);
	out[o.len] = '\0';
	return out;
}

static void expect(const char *got, const char *want)
{
	if (strcmp(got, want)) {
		size_t i = 0;
		while (got[i] && got[i] == want[i])
			i++;
		fail_msg("differs at byte %zu\n--- got:\n%s\n--- want:\n%s", i, got, want);
	}
}

/* ---- names and registry ---- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(wk_port_state_name(WK_PS_OPEN_FILTERED), "open|filtered");
	assert_string_equal(wk_port_state_name(WK_PS_CLOSED_FILTERED), "closed|filtered");
	assert_string_equal(wk_port_state_name(WK_PS_HOST_UP), "up");
	assert_string_equal(wk_reason_name(WK_RS_SYN_ACK), "syn-ack");
	assert_string_equal(wk_reason_name(WK_RS_ADMIN_PROHIBITED), "admin-prohibited");
	assert_string_equal(wk_reason_name(WK_RS_LOCALHOST), "localhost-response");
	for (int r = 0; r < WK_RS_NREASON; r++)
		assert_non_null(wk_reason_name((enum wk_reason)r));
	assert_string_equal(wk_reason_name(WK_RS_NREASON), "unknown-response");
}

static void test_registry(void **state)
{
	(void)state;
	size_t n;
	const struct wk_scan_writer *const *w = wk_scan_writers(&n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(w[i]->begin);
		assert_non_null(w[i]->end);
		if (i)
			assert_true(strcmp(w[i - 1]->name, w[i]->name) < 0); /* sorted, unique */
		assert_ptr_equal(wk_scan_writer_find(w[i]->name), w[i]);
	}
	assert_null(wk_scan_writer_find("csv"));
	assert_null(wk_scan_writer_find(""));
}

/* ---- the table ---- */

static void test_precedence(void **state)
{
	(void)state;
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_addr a = v4(198, 19, 0, 5);
	struct wk_error err = {0};

	/* no-response, then an answer: the answer wins, and makes the host up */
	add(t, port(a, WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_NO_RESPONSE, 0));
	assert_null(wk_results_find(t, &a, WK_SCAN_HOST, 0));
	add(t, port(a, WK_SP_TCP, 80, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	const struct wk_scan_result *r = wk_results_find(t, &a, WK_SP_TCP, 80);
	assert_int_equal(r->state, WK_PS_OPEN);
	const struct wk_scan_result *h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_non_null(h);
	assert_int_equal(h->state, WK_PS_HOST_UP);
	assert_int_equal(h->reason, WK_RS_SYN_ACK);
	assert_int_equal(h->ttl, 64);
	/* a late no-response (a retransmission that timed out) does not undo it */
	add(t, port(a, WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_NO_RESPONSE, 0));
	assert_int_equal(wk_results_find(t, &a, WK_SP_TCP, 80)->state, WK_PS_OPEN);
	/* an ICMP error does not override an answer from the port, but beats no-response */
	add(t, port(a, WK_SP_TCP, 80, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 60));
	assert_int_equal(wk_results_find(t, &a, WK_SP_TCP, 80)->state, WK_PS_OPEN);
	add(t, port(a, WK_SP_TCP, 81, WK_PS_FILTERED, WK_RS_NO_RESPONSE, 0));
	add(t, port(a, WK_SP_TCP, 81, WK_PS_FILTERED, WK_RS_HOST_PROHIBITED, 60));
	assert_int_equal(wk_results_find(t, &a, WK_SP_TCP, 81)->reason, WK_RS_HOST_PROHIBITED);
	/* equal rank: the later answer wins */
	add(t, port(a, WK_SP_UDP, 53, WK_PS_CLOSED, WK_RS_PORT_UNREACH, 64));
	add(t, port(a, WK_SP_UDP, 53, WK_PS_OPEN, WK_RS_UDP_RESPONSE, 64));
	assert_int_equal(wk_results_find(t, &a, WK_SP_UDP, 53)->state, WK_PS_OPEN);
	assert_int_equal(wk_results_count(t), 4); /* host, 80, 81, udp 53 */

	/* service details: copied, kept when a later record has none */
	char name[8] = "ssh";
	uint8_t banner[] = "SSH-2.0-x\r\n";
	struct wk_scan_service svc = {.name = name,
	                              .product = "OpenSSH",
	                              .probed = true,
	                              .conf = 10,
	                              .banner = banner,
	                              .banner_len = 11};
	struct wk_scan_result s = port(a, WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
	s.svc = &svc;
	add(t, s);
	memcpy(name, "xxx", 4); /* the table has its own copy */
	banner[0] = 'X';
	add(t, port(a, WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	r = wk_results_find(t, &a, WK_SP_TCP, 22);
	assert_non_null(r->svc);
	assert_string_equal(r->svc->name, "ssh");
	assert_string_equal(r->svc->product, "OpenSSH");
	assert_null(r->svc->version);
	assert_memory_equal(r->svc->banner, "SSH-2.0-x\r\n", 11);
	/* a newer service record replaces the old one */
	svc.name = "http";
	svc.banner_len = 0;
	add(t, s);
	assert_string_equal(wk_results_find(t, &a, WK_SP_TCP, 22)->svc->name, "http");
	assert_null(wk_results_find(t, &a, WK_SP_TCP, 22)->svc->banner);

	/* host records: up beats down in either order */
	struct wk_scan_addr b = v4(198, 19, 0, 6), c = v4(198, 19, 0, 7);
	add(t, hostrec(b, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE, 0, 0));
	add(t, hostrec(b, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 100));
	add(t, hostrec(c, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 100));
	add(t, hostrec(c, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE, 0, 0));
	assert_int_equal(wk_results_find(t, &b, WK_SCAN_HOST, 0)->state, WK_PS_HOST_UP);
	assert_int_equal(wk_results_find(t, &c, WK_SCAN_HOST, 0)->state, WK_PS_HOST_UP);

	/* bad records */
	struct wk_scan_result bad = port(a, WK_SP_TCP, 1, WK_PS_HOST_UP, WK_RS_SYN_ACK, 0);
	assert_int_equal(wk_results_add(t, &bad, &err), WK_EINVAL);
	bad = port(a, WK_SCAN_HOST, 0, WK_PS_OPEN, WK_RS_SYN_ACK, 0);
	assert_int_equal(wk_results_add(t, &bad, &err), WK_EINVAL);
	bad = port(a, 7, 1, WK_PS_OPEN, WK_RS_SYN_ACK, 0);
	assert_int_equal(wk_results_add(t, &bad, &err), WK_EINVAL);
	bad = port(a, WK_SP_TCP, 1, WK_PS_OPEN, WK_RS_NREASON, 0);
	assert_int_equal(wk_results_add(t, &bad, &err), WK_EINVAL);
	bad = port(a, WK_SP_TCP, 1, WK_PS_OPEN, WK_RS_SYN_ACK, 0);
	bad.addr.family = 0;
	assert_int_equal(wk_results_add(t, &bad, &err), WK_EINVAL);

	/* order: hosts by address, host record first, then tcp before udp by port */
	static const struct {
		uint8_t last, proto;
		uint16_t port;
	} want[] = {{5, WK_SCAN_HOST, 0}, {5, WK_SP_TCP, 22}, {5, WK_SP_TCP, 80},
	            {5, WK_SP_TCP, 81},   {5, WK_SP_UDP, 53}, {6, WK_SCAN_HOST, 0},
	            {7, WK_SCAN_HOST, 0}};
	assert_int_equal(wk_results_count(t), WK_ARRAY_SIZE(want));
	for (size_t i = 0; i < WK_ARRAY_SIZE(want); i++) {
		r = wk_results_at(t, i);
		assert_int_equal(r->addr.b[3], want[i].last);
		assert_int_equal(r->proto, want[i].proto);
		assert_int_equal(r->port, want[i].port);
	}
	assert_null(wk_results_at(t, WK_ARRAY_SIZE(want)));
	wk_results_free(t);
	wk_results_free(NULL);
}

static void test_latency(void **state)
{
	(void)state;
	static const struct {
		uint32_t us;
		const char *s;
	} c[] = {{0, "0.00"},      {5, "0.0000050"}, {12, "0.000012"}, {120, "0.00012"},
	         {125, "0.00013"}, {999, "0.00100"}, {1500, "0.0015"}, {250000, "0.25"},
	         {1234567, "1.2"}, {12345678, "12"}, {99999999, "100"}};
	char buf[32];
	for (size_t i = 0; i < WK_ARRAY_SIZE(c); i++) {
		rlatency(buf, sizeof(buf), c[i].us);
		assert_string_equal(buf, c[i].s);
	}
}

/* ---- a scan to write: 1,000 TCP ports on four hosts ---- */

static struct wk_port ports_v[1000];
static struct wk_ports ports1000 = {ports_v, 1000};

static struct wk_results *fixture(struct wk_scan_info *info, struct wk_scan_summary *sum)
{
	static const struct wk_scan_service ssh = {
	    .name = "ssh",
	    .product = "OpenSSH",
	    .version = "9.2p1 Debian 2+deb12u3",
	    .extra = "protocol 2.0",
	    .probed = true,
	    .conf = 10,
	    .cpe = {"cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel"}};
	for (uint16_t i = 0; i < 1000; i++)
		ports_v[i] = (struct wk_port){WK_SP_TCP, (uint16_t)(i + 1)};
	*info = (struct wk_scan_info){.args = "wirekit scan -p 1-1000 198.19.0.0/28 2001:db8::1",
	                              .scan_type = "syn",
	                              .ports = &ports1000,
	                              .start_sec = T0};
	*sum = (struct wk_scan_summary){.hosts_total = 17,
	                                .hosts_up = 3,
	                                .end_sec = T0 + 5,
	                                .elapsed = 5.004,
	                                .probes_sent = 17000,
	                                .replies = 1001};
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_addr a = v4(198, 19, 0, 5), b = v4(198, 19, 0, 7), d = v4(198, 19, 0, 9);
	/* .5: ssh open (with -sV details), 80 open, 25 filtered by a firewall, the rest closed */
	for (uint16_t p = 1000; p >= 1; p--)
		if (p != 22 && p != 25 && p != 80)
			add(t, port(a, WK_SP_TCP, p, WK_PS_CLOSED, WK_RS_RESET, 64));
	struct wk_scan_result s = port(a, WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
	s.svc = &ssh;
	add(t, s);
	add(t, port(a, WK_SP_TCP, 80, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	add(t, port(a, WK_SP_TCP, 25, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 63));
	add(t, hostrec(a, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 120)); /* after: replaces */
	/* .7: only 443 answers; its host record comes from that answer */
	add(t, port(b, WK_SP_TCP, 443, WK_PS_OPEN, WK_RS_SYN_ACK, 63));
	/* .9: down */
	add(t, hostrec(d, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE, 0, 0));
	/* 2001:db8::1: up, every port silent */
	struct wk_scan_result h6 = hostrec(v6(1), WK_PS_HOST_UP, WK_RS_ND_RESPONSE, 255, 1500);
	h6.has_mac = true;
	memcpy(h6.mac, "\x02\x00\x5e\x10\xab\xcd", 6);
	add(t, h6);
	return t;
}

static void test_text(void **state)
{
	(void)state;
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	expect(run("text", &info, t, &sum),
	       "Starting wirekit " WIREKIT_VERSION " at 2025-12-06 05:46 UTC\n"
	       "wirekit scan report for 198.19.0.5\n"
	       "Host is up (0.00012s latency).\n"
	       "Not shown: 997 closed tcp ports (reset)\n"
	       "PORT   STATE    SERVICE\n"
	       "22/tcp open     ssh\n"
	       "25/tcp filtered unknown\n"
	       "80/tcp open     unknown\n"
	       "\n"
	       "wirekit scan report for 198.19.0.7\n"
	       "Host is up.\n"
	       "Not shown: 999 filtered tcp ports (no-response)\n"
	       "PORT    STATE SERVICE\n"
	       "443/tcp open  unknown\n"
	       "\n"
	       "wirekit scan report for 2001:db8::1\n"
	       "Host is up (0.0015s latency).\n"
	       "All 1000 scanned ports on 2001:db8::1 are in ignored states.\n"
	       "Not shown: 1000 filtered tcp ports (no-response)\n"
	       "MAC Address: 02:00:5E:10:AB:CD (Unknown)\n"
	       "\n"
	       "wirekit done: 17 IP addresses (3 hosts up) scanned in 5.00 seconds\n");

	info.reasons = true;
	info.versions = true;
	run("text", &info, t, &sum);
	const char *tab = strstr(out, "PORT   STATE    SERVICE REASON");
	assert_non_null(tab);
	expect(strstr(out, "Host is up, received echo-reply ttl 64 (0.00012s latency).\n")
	           ? tab
	           : "missing host line",
	       "PORT   STATE    SERVICE REASON                  VERSION\n"
	       "22/tcp open     ssh     syn-ack ttl 64          OpenSSH 9.2p1 Debian 2+deb12u3 "
	       "(protocol 2.0)\n"
	       "25/tcp filtered unknown admin-prohibited ttl 63\n"
	       "80/tcp open     unknown syn-ack ttl 64\n"
	       "Service Info: CPE: cpe:/o:linux:linux_kernel\n" /* nmap's, under -sV */
	       "\n"
	       "wirekit scan report for 198.19.0.7\n"
	       "Host is up, received syn-ack ttl 63.\n"
	       "Not shown: 999 filtered tcp ports (no-response)\n"
	       "PORT    STATE SERVICE REASON         VERSION\n"
	       "443/tcp open  unknown syn-ack ttl 63\n"
	       "\n"
	       "wirekit scan report for 2001:db8::1\n"
	       "Host is up, received nd-response ttl 255 (0.0015s latency).\n"
	       "All 1000 scanned ports on 2001:db8::1 are in ignored states.\n"
	       "Not shown: 1000 filtered tcp ports (no-response)\n"
	       "MAC Address: 02:00:5E:10:AB:CD (Unknown)\n"
	       "\n"
	       "wirekit done: 17 IP addresses (3 hosts up) scanned in 5.00 seconds\n");
	wk_results_free(t);
}

/* A state collapses when it has more than 25 ports (10 filtered stay listed); collapsed
 * states are listed most first, split by proto and reason; UDP silence is open|filtered.
 * "1 closed udp ports": nmap takes the plural from the state's total (31), not the part. */
static void test_text_collapse(void **state)
{
	(void)state;
	struct wk_port pv[80];
	struct wk_ports ps = {pv, 0};
	for (uint16_t i = 1; i <= 40; i++)
		pv[ps.n++] = (struct wk_port){WK_SP_TCP, i};
	for (uint16_t i = 1; i <= 40; i++)
		pv[ps.n++] = (struct wk_port){WK_SP_UDP, i};
	struct wk_scan_info info = {.args = "x", .scan_type = "syn", .ports = &ps, .start_sec = T0};
	struct wk_scan_summary sum = {.hosts_total = 1, .hosts_up = 1, .end_sec = T0, .elapsed = 1};
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_addr a = v4(198, 19, 0, 1);
	for (uint16_t i = 1; i <= 30; i++)
		add(t, port(a, WK_SP_TCP, i, WK_PS_CLOSED, WK_RS_RESET, 64));
	add(t, port(a, WK_SP_UDP, 7, WK_PS_CLOSED, WK_RS_PORT_UNREACH, 64));
	add(t, port(a, WK_SP_UDP, 53, WK_PS_OPEN, WK_RS_UDP_RESPONSE, 64)); /* not scanned */
	expect(run("text", &info, t, &sum),
	       "Starting wirekit " WIREKIT_VERSION " at 2025-12-06 05:46 UTC\n"
	       "wirekit scan report for 198.19.0.1\n"
	       "Host is up.\n"
	       "Not shown: 39 open|filtered udp ports (no-response), 30 closed tcp ports (reset), "
	       "1 closed udp ports (port-unreach)\n"
	       "PORT   STATE    SERVICE\n"
	       "31/tcp filtered unknown\n"
	       "32/tcp filtered unknown\n"
	       "33/tcp filtered unknown\n"
	       "34/tcp filtered unknown\n"
	       "35/tcp filtered unknown\n"
	       "36/tcp filtered unknown\n"
	       "37/tcp filtered unknown\n"
	       "38/tcp filtered unknown\n"
	       "39/tcp filtered unknown\n"
	       "40/tcp filtered unknown\n"
	       "53/udp open     unknown\n"
	       "\n"
	       "wirekit done: 1 IP address (1 host up) scanned in 1.00 seconds\n");
	/* -sS -sU: the JSON summary names both scans */
	assert_non_null(strstr(run("json", &info, t, &sum),
	                       "\"scan_type\":\"syn+udp\",\"scan_types\":[\"syn\",\"udp\"],"));
	info.scan_type = "ack";
	assert_non_null(strstr(run("json", &info, t, &sum),
	                       "\"scan_type\":\"ack+udp\",\"scan_types\":[\"ack\",\"udp\"],"));
	wk_results_free(t);
}

static void test_text_ping(void **state)
{
	(void)state;
	struct wk_scan_info info = {
	    .args = "wirekit scan -sn 198.19.0.0/30", .scan_type = "ping", .start_sec = T0};
	struct wk_scan_summary sum = {
	    .hosts_total = 4, .hosts_up = 2, .end_sec = T0 + 2, .elapsed = 2.5};
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_result h =
	    hostrec(v4(198, 19, 0, 2), WK_PS_HOST_UP, WK_RS_ARP_RESPONSE, 0, 0);
	h.has_mac = true;
	memcpy(h.mac, "\x02\x00\x00\x00\x00\x02", 6);
	add(t, h);
	add(t, hostrec(v4(198, 19, 0, 1), WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 80));
	add(t, hostrec(v4(198, 19, 0, 3), WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE, 0, 0));
	expect(run("text", &info, t, &sum),
	       "Starting wirekit " WIREKIT_VERSION " at 2025-12-06 05:46 UTC\n"
	       "wirekit scan report for 198.19.0.1\n"
	       "Host is up (0.000080s latency).\n"
	       "wirekit scan report for 198.19.0.2\n"
	       "Host is up.\n"
	       "MAC Address: 02:00:00:00:00:02 (Unknown)\n"
	       "wirekit done: 4 IP addresses (2 hosts up) scanned in 2.50 seconds\n");
	expect(run("grep", &info, t, &sum),
	       "# wirekit " WIREKIT_VERSION " scan initiated Sat Dec  6 05:46:40 2025 as: "
	       "wirekit scan -sn 198.19.0.0/30\n"
	       "Host: 198.19.0.1 ()\tStatus: Up\n"
	       "Host: 198.19.0.2 ()\tStatus: Up\n"
	       "# wirekit done at Sat Dec  6 05:46:42 2025 -- 4 IP addresses (2 hosts up) scanned "
	       "in 2.50 seconds\n");
	wk_results_free(t);
}

static void test_json(void **state)
{
	(void)state;
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	run("json", &info, t, &sum);
	/* one object per record and the summary */
	size_t lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, wk_results_count(t) + 1);
	const char *first =
	    "{\"ip\":\"198.19.0.5\",\"state\":\"up\",\"reason\":\"echo-reply\",\"ttl\":64,"
	    "\"ts\":\"2025-12-06T05:46:41.250000Z\",\"rtt_us\":120}\n"
	    "{\"ip\":\"198.19.0.5\",\"proto\":\"tcp\",\"port\":1,\"state\":\"closed\","
	    "\"reason\":\"reset\",\"ttl\":64,\"ts\":\"2025-12-06T05:46:41.250000Z\"}\n";
	assert_memory_equal(out, first, strlen(first));
	assert_non_null(strstr(
	    out,
	    "{\"ip\":\"198.19.0.5\",\"proto\":\"tcp\",\"port\":22,\"state\":\"open\",\"reason\":"
	    "\"syn-ack\",\"ttl\":64,\"ts\":\"2025-12-06T05:46:41.250000Z\",\"service\":{"
	    "\"method\":\"probed\",\"conf\":10,\"name\":\"ssh\",\"product\":\"OpenSSH\","
	    "\"version\":\"9.2p1 Debian 2+deb12u3\",\"extra\":\"protocol 2.0\",\"cpe\":["
	    "\"cpe:/a:openbsd:openssh:9.2p1\",\"cpe:/o:linux:linux_kernel\"]}}\n"));
	assert_non_null(strstr(out,
	                       "{\"ip\":\"2001:db8::1\",\"state\":\"up\",\"reason\":"
	                       "\"nd-response\",\"ttl\":255,\"ts\":\"2025-12-06T05:46:41.250000Z\","
	                       "\"rtt_us\":1500,\"mac\":\"02:00:5e:10:ab:cd\"}\n"));
	assert_non_null(strstr(out, "{\"ip\":\"198.19.0.9\",\"state\":\"down\",\"reason\":"
	                            "\"no-response\",\"ttl\":0,"));
	const char *last = strstr(out, "{\"type\":\"summary\"");
	assert_non_null(last);
	expect(last,
	       "{\"type\":\"summary\",\"scanner\":\"wirekit\",\"version\":\"" WIREKIT_VERSION
	       "\",\"args\":\"wirekit scan -p 1-1000 198.19.0.0/28 2001:db8::1\",\"scan_type\":"
	       "\"syn\",\"scan_types\":[\"syn\"],\"start\":1765000000,\"end\":1765000005,"
	       "\"elapsed\":5.00,"
	       "\"hosts_total\":17,\"hosts_up\":3,\"probes_sent\":17000,\"replies\":1001,"
	       "\"results\":1005}\n");
	wk_results_free(t);
}

/* Each JSON line reaches the sink whole, at once. */
static size_t flushes;
static int count_flush(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	assert_true(n > 0 && p[n - 1] == '\n');
	flushes++;
	return 0;
}

static void test_json_flush_and_escape(void **state)
{
	(void)state;
	char mem[4096];
	struct wk_ob o;
	wk_ob_init(&o, mem, sizeof(mem), count_flush, NULL);
	struct wk_scan_info info = {.scan_type = "syn"};
	const struct wk_scan_writer *w = wk_scan_writer_find("json");
	static const uint8_t raw[] = {'H', 'i', '"', '\\', '\n', 0x00, 0xff, 'x'};
	struct wk_scan_service svc = {.name = "we\"ird\x01",
	                              .probe = "GetRequest",
	                              .match_line = 7,
	                              .banner = raw,
	                              .banner_len = 8};
	struct wk_scan_result r =
	    port(v4(198, 19, 0, 5), WK_SP_TCP, 7, WK_PS_OPEN, WK_RS_SYN_ACK, 1);
	r.svc = &svc;
	assert_int_equal(w->begin(&o, &info), 0);
	assert_int_equal(w->result(&o, &info, &r), 0);
	assert_int_equal(flushes, 1);
	assert_int_equal(o.len, 0);
	assert_int_equal(w->result(&o, &info, &r), 0);
	assert_int_equal(flushes, 2);
	/* the escaping, checked on a memory buffer */
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	w->result(&o, &info, &r);
	out[o.len] = '\0';
	assert_non_null(strstr(
	    out, "\"name\":\"we\\\"ird\\u0001\",\"probe\":\"GetRequest\",\"match_line\":7}"));
	assert_non_null(strstr(out, "\"banner\":\"Hi\\\"\\\\\\u000a\\u0000\\u00ffx\""));
	assert_non_null(strstr(out, "\"banner_b64\":\"SGkiXAoA/3g=\"}\n"));
}

static void test_xml(void **state)
{
	(void)state;
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	expect(
	    run("xml", &info, t, &sum),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
	    "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n"
	    "<!-- wirekit " WIREKIT_VERSION " scan initiated Sat Dec  6 05:46:40 2025 as: "
	    "wirekit scan -p 1-1000 198.19.0.0/28 2001:db8::1 -->\n"
	    "<nmaprun scanner=\"wirekit\" args=\"wirekit scan -p 1-1000 198.19.0.0/28 "
	    "2001:db8::1\" start=\"1765000000\" startstr=\"Sat Dec  6 05:46:40 2025\" "
	    "version=\"" WIREKIT_VERSION "\" xmloutputversion=\"1.05\">\n"
	    "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1000\" services=\"1-1000\"/>\n"
	    "<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n"
	    "<host starttime=\"1765000001\" endtime=\"1765000001\"><status state=\"up\" "
	    "reason=\"echo-reply\" reason_ttl=\"64\"/>\n"
	    "<address addr=\"198.19.0.5\" addrtype=\"ipv4\"/>\n"
	    "<hostnames>\n</hostnames>\n"
	    "<ports><extraports state=\"closed\" count=\"997\">\n"
	    "<extrareasons reason=\"reset\" count=\"997\" proto=\"tcp\" "
	    "ports=\"1-21,23-24,26-79,81-1000\"/>\n"
	    "</extraports>\n"
	    "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\" "
	    "reason_ttl=\"64\"/><service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1 Debian "
	    "2+deb12u3\" extrainfo=\"protocol 2.0\" method=\"probed\" conf=\"10\">"
	    "<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe>"
	    "</service></port>\n"
	    "<port protocol=\"tcp\" portid=\"25\"><state state=\"filtered\" "
	    "reason=\"admin-prohibited\" reason_ttl=\"63\"/></port>\n"
	    "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" "
	    "reason_ttl=\"64\"/></port>\n"
	    "</ports>\n"
	    "<times srtt=\"120\" rttvar=\"5000\" to=\"100000\"/>\n"
	    "</host>\n"
	    "<host starttime=\"1765000001\" endtime=\"1765000001\"><status state=\"up\" "
	    "reason=\"syn-ack\" reason_ttl=\"63\"/>\n"
	    "<address addr=\"198.19.0.7\" addrtype=\"ipv4\"/>\n"
	    "<hostnames>\n</hostnames>\n"
	    "<ports><extraports state=\"filtered\" count=\"999\">\n"
	    "<extrareasons reason=\"no-response\" count=\"999\" proto=\"tcp\" "
	    "ports=\"1-442,444-1000\"/>\n"
	    "</extraports>\n"
	    "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\" reason=\"syn-ack\" "
	    "reason_ttl=\"63\"/></port>\n"
	    "</ports>\n"
	    "</host>\n"
	    "<host starttime=\"1765000001\" endtime=\"1765000001\"><status state=\"up\" "
	    "reason=\"nd-response\" reason_ttl=\"255\"/>\n"
	    "<address addr=\"2001:db8::1\" addrtype=\"ipv6\"/>\n"
	    "<address addr=\"02:00:5E:10:AB:CD\" addrtype=\"mac\"/>\n"
	    "<hostnames>\n</hostnames>\n"
	    "<ports><extraports state=\"filtered\" count=\"1000\">\n"
	    "<extrareasons reason=\"no-response\" count=\"1000\" proto=\"tcp\" "
	    "ports=\"1-1000\"/>\n"
	    "</extraports>\n"
	    "</ports>\n"
	    "<times srtt=\"1500\" rttvar=\"5000\" to=\"100000\"/>\n"
	    "</host>\n"
	    "<runstats><finished time=\"1765000005\" timestr=\"Sat Dec  6 05:46:45 2025\" "
	    "summary=\"wirekit done at Sat Dec  6 05:46:45 2025; 17 IP addresses (3 hosts up) "
	    "scanned in 5.00 seconds\" elapsed=\"5.00\" exit=\"success\"/><hosts up=\"3\" "
	    "down=\"14\" total=\"17\"/>\n"
	    "</runstats>\n</nmaprun>\n");
	wk_results_free(t);
}

/* A host's round trip is nmap's srtt over every timed answer, its own and its ports'
 * (timing.cc: the first sets srtt and rttvar = max(5 ms, srtt); then srtt += d / 8,
 * rttvar += (|d| - rttvar) / 4); a later record without one (-Pn's user-set) keeps it, a
 * port added again (with its service) is not counted twice, a copy of the table's record
 * replaces both. */
static void test_rtt_fold(void **state)
{
	(void)state;
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_addr a = v4(198, 19, 0, 5), b = v4(198, 19, 0, 6);
	struct wk_scan_result p = port(a, WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
	p.rtt_us = 400; /* -Pn: the port answer makes the host record */
	add(t, p);
	const struct wk_scan_result *h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_non_null(h);
	assert_int_equal(h->rtt_us, 400);
	assert_int_equal(h->rttvar_us, 5000);
	p = port(a, WK_SP_TCP, 23, WK_PS_CLOSED, WK_RS_RESET, 64);
	p.rtt_us = 80; /* d = -320: srtt 400 - 40, rttvar 5000 + (320 - 5000) / 4 */
	add(t, p);
	h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 360);
	assert_int_equal(h->rttvar_us, 3830);
	add(t, p); /* the same answer again: no second sample */
	h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 360);
	p = port(a, WK_SP_TCP, 25, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 63);
	p.rtt_us = 9000000; /* 9 s: nmap ignores it */
	add(t, p);
	h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 360);
	/* -Pn's user-set record after the scan: its reason, the round trip kept */
	add(t, hostrec(a, WK_PS_HOST_UP, WK_RS_USER_SET, 0, 0));
	h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_int_equal(h->reason, WK_RS_USER_SET);
	assert_int_equal(h->rtt_us, 360);
	assert_int_equal(h->rttvar_us, 3830);
	/* a copy of the record (the CLI adds one with its -R name) replaces, not folds */
	struct wk_scan_result c = *h;
	c.hostname = "a.lab";
	add(t, c);
	h = wk_results_find(t, &a, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 360);
	assert_int_equal(h->rttvar_us, 3830);
	assert_string_equal(h->hostname, "a.lab");
	/* discovery: the host's own answer first, then its ports' */
	add(t, hostrec(b, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 1000));
	p = port(b, WK_SP_TCP, 80, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
	p.rtt_us = 2000; /* d = 1000: srtt 1125, rttvar 5000 + (1000 - 5000) / 4 */
	add(t, p);
	h = wk_results_find(t, &b, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 1125);
	assert_int_equal(h->rttvar_us, 4000);
	/* a host without any timed answer has none (no latency, no <times>) */
	struct wk_scan_addr z = v4(198, 19, 0, 7);
	add(t, port(z, WK_SP_TCP, 80, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	h = wk_results_find(t, &z, WK_SCAN_HOST, 0);
	assert_int_equal(h->rtt_us, 0);
	assert_int_equal(h->rttvar_us, 0);
	wk_results_free(t);
}

static void test_xml_escape(void **state)
{
	(void)state;
	struct wk_scan_info info = {.args = "wirekit scan --reason -p 1 \"<a&b>\" 'x'",
	                            .scan_type = "connect"};
	struct wk_scan_summary sum = {.hosts_total = 1, .hosts_up = 1};
	struct wk_results *t = wk_results_new(NULL);
	struct wk_scan_service svc = {
	    .name = "ht<tp", .product = "a\"b&c\x01\xe9\n", .probed = true};
	struct wk_scan_result r =
	    port(v4(198, 19, 0, 5), WK_SP_TCP, 1, WK_PS_OPEN, WK_RS_SYN_ACK, 1);
	r.svc = &svc;
	add(t, r);
	run("xml", &info, t, &sum);
	assert_non_null(strstr(out,
	                       "as: wirekit scan -&#45;reason -p 1 &quot;&lt;a&amp;b&gt;&quot; "
	                       "&apos;x&apos; -->\n"));
	assert_non_null(strstr(out, " args=\"wirekit scan --reason -p 1 &quot;&lt;a&amp;b&gt;"
	                            "&quot; &apos;x&apos;\""));
	assert_non_null(
	    strstr(out, "<service name=\"ht&lt;tp\" product=\"a&quot;b&amp;c\\x01\\xe9&#10;\" "
	                "method=\"probed\" conf=\"0\"/>"));
	/* the connect scan names its type; a port result with no ports list still shows */
	assert_non_null(strstr(out, "<port protocol=\"tcp\" portid=\"1\">"));
	wk_results_free(t);
}

/* --banners: the banner and the TLS facts as nmap's script output in text, JSON and XML */
static void test_scripts(void **state)
{
	(void)state;
	struct wk_scan_info info = {.args = "wirekit scan --banners", .scan_type = "syn"};
	struct wk_scan_summary sum = {.hosts_total = 1, .hosts_up = 1};
	struct wk_results *t = wk_results_new(NULL);
	struct wk_tls_info tls = {.version = "TLSv1.3",
	                          .cipher = "TLS_AES_256_GCM_SHA384",
	                          .alpn = "http/1.1",
	                          .has_cert = true,
	                          .subject = "CN=lab.test,O=A\\, B",
	                          .issuer = "CN=ca<x>",
	                          .sans = "DNS:lab.test, IP:198.18.0.1",
	                          .not_before = "2026-12-06 18:40:00 UTC",
	                          .not_after = "2027-01-05 18:40:00 UTC",
	                          .key = "EC prime256v1"};
	for (int i = 0; i < 32; i++)
		tls.sha256[i] = (uint8_t)(i * 17);
	static const uint8_t ban[] = "HTTP/1.1 400\r\n\x00<&";
	struct wk_scan_service svc = {.banner = ban, .banner_len = sizeof(ban) - 1, .tls = &tls};
	struct wk_scan_result r =
	    port(v4(198, 18, 0, 2), WK_SP_TCP, 443, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
	r.svc = &svc;
	add(t, hostrec(v4(198, 18, 0, 2), WK_PS_HOST_UP, WK_RS_SYN_ACK, 64, 0));
	add(t, r);
	run("text", &info, t, &sum);
	assert_non_null(
	    strstr(out, "443/tcp open  unknown\n"
	                "|_banner: HTTP/1.1 400\\x0D\\x0A\\x00<&\n"
	                "| ssl-cert: Subject: commonName=lab.test/organizationName=A, B\n"
	                "| Subject Alternative Name: DNS:lab.test, IP:198.18.0.1\n"
	                "| Issuer: commonName=ca<x>\n"
	                "| Public Key type: ec\n"
	                "| Public Key bits: 256\n"
	                "| Not valid before: 2026-12-06T18:40:00\n"
	                "| Not valid after:  2027-01-05T18:40:00\n"
	                "|_SHA-256: 0011 2233 4455 6677 8899 aabb ccdd eeff 1021 3243 5465 7687 "
	                "98a9 bacb dced fe0f\n"
	                "| tls-session: TLSv1.3 TLS_AES_256_GCM_SHA384\n"
	                "|_ALPN: http/1.1\n"));
	run("json", &info, t, &sum);
	assert_non_null(strstr(out,
	                       ",\"banner\":\"HTTP/1.1 400\\u000d\\u000a\\u0000<&\","
	                       "\"banner_b64\":\"SFRUUC8xLjEgNDAwDQoAPCY=\",\"tls\":{"
	                       "\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_256_GCM_SHA384\","
	                       "\"alpn\":\"http/1.1\",\"subject\":\"CN=lab.test,O=A\\\\, B\","));
	assert_non_null(strstr(out, "\"key_type\":\"ec\",\"key_bits\":256,\"sha256\":\"0011"));
	run("xml", &info, t, &sum);
	assert_non_null(strstr(out, "<script id=\"banner\" output=\"HTTP/1.1 "
	                            "400\\x0D\\x0A\\x00&lt;&amp;\"/>"));
	assert_non_null(strstr(out, "<script id=\"ssl-cert\" output=\"Subject: "
	                            "commonName=lab.test/organizationName=A, B&#10;Subject "));
	assert_non_null(strstr(out, "<table key=\"subject\"><elem key=\"commonName\">lab.test"
	                            "</elem><elem key=\"organizationName\">A, B</elem></table>"
	                            "<table key=\"issuer\"><elem key=\"commonName\">ca&lt;x&gt;"));
	assert_non_null(strstr(out, "<table key=\"pubkey\"><elem key=\"type\">ec</elem>"
	                            "<elem key=\"bits\">256</elem></table>"));
	assert_non_null(strstr(out, "<table key=\"validity\"><elem key=\"notBefore\">"
	                            "2026-12-06T18:40:00</elem>"));
	assert_non_null(strstr(out, "<script id=\"tls-session\" output=\"TLSv1.3 "
	                            "TLS_AES_256_GCM_SHA384&#10;ALPN: http/1.1\"><elem "
	                            "key=\"version\">TLSv1.3</elem>"));
	wk_results_free(t);
}

/* Random certificate strings and banners (what servers send) through every writer: no
 * overrun (ASan), and every text line made printable. */
static void rnd_str(char *d, size_t n, uint32_t *x)
{
	size_t len = (*x = *x * 1103515245u + 12345u) % n;
	for (size_t i = 0; i < len; i++) {
		*x = *x * 1103515245u + 12345u;
		d[i] = (char)(1 + (*x >> 16) % 255); /* any byte but NUL */
	}
	d[len] = '\0';
}

static void test_scripts_random(void **state)
{
	(void)state;
	struct wk_scan_info info = {.args = "wirekit scan --banners", .scan_type = "syn"};
	struct wk_scan_summary sum = {.hosts_total = 1, .hosts_up = 1};
	static uint8_t ban[4096];
	uint32_t x = 7;
	for (int round = 0; round < 300; round++) {
		struct wk_tls_info tls = {.has_cert = true};
		rnd_str(tls.version, sizeof(tls.version), &x);
		rnd_str(tls.cipher, sizeof(tls.cipher), &x);
		rnd_str(tls.alpn, sizeof(tls.alpn), &x);
		rnd_str(tls.subject, sizeof(tls.subject), &x);
		rnd_str(tls.issuer, sizeof(tls.issuer), &x);
		rnd_str(tls.sans, sizeof(tls.sans), &x);
		rnd_str(tls.not_before, sizeof(tls.not_before), &x);
		rnd_str(tls.not_after, sizeof(tls.not_after), &x);
		rnd_str(tls.key, sizeof(tls.key), &x);
		size_t bl = (x = x * 1103515245u + 12345u) % sizeof(ban);
		for (size_t i = 0; i < bl; i++)
			ban[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
		struct wk_scan_service svc = {
		    .banner = ban, .banner_len = (uint32_t)bl, .tls = &tls};
		struct wk_results *t = wk_results_new(NULL);
		struct wk_scan_result r =
		    port(v4(198, 18, 0, 2), WK_SP_TCP, 443, WK_PS_OPEN, WK_RS_SYN_ACK, 64);
		r.svc = &svc;
		add(t, r);
		run("json", &info, t, &sum);
		run("xml", &info, t, &sum);
		run("text", &info, t, &sum);
		for (const char *c = out; *c; c++)
			if ((unsigned char)*c >= 0x7f || ((unsigned char)*c < 0x20 && *c != '\n'))
				fail_msg("round %d: byte 0x%02x in text output", round,
				         (unsigned char)*c);
		wk_results_free(t);
	}
}

static void test_grep(void **state)
{
	(void)state;
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	expect(
	    run("grep", &info, t, &sum),
	    "# wirekit " WIREKIT_VERSION " scan initiated Sat Dec  6 05:46:40 2025 as: "
	    "wirekit scan -p 1-1000 198.19.0.0/28 2001:db8::1\n"
	    "Host: 198.19.0.5 ()\tStatus: Up\n"
	    "Host: 198.19.0.5 ()\tPorts: 22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u3 "
	    "(protocol 2.0)/, 25/filtered/tcp/////, 80/open/tcp/////\tIgnored State: closed (997)\n"
	    "Host: 198.19.0.7 ()\tStatus: Up\n"
	    "Host: 198.19.0.7 ()\tPorts: 443/open/tcp/////\tIgnored State: filtered (999)\n"
	    "Host: 2001:db8::1 ()\tStatus: Up\n"
	    "Host: 2001:db8::1 ()\tPorts: \tIgnored State: filtered (1000)\n"
	    "# wirekit done at Sat Dec  6 05:46:45 2025 -- 17 IP addresses (3 hosts up) scanned "
	    "in 5.00 seconds\n");
	wk_results_free(t);
}

/* -oN: nmap's file form, the hosts of the screen's between the comment lines of -oG; a
 * host whose ports are all shown gets an empty line where "Not shown" would be, as nmap. */
static void test_normal(void **state)
{
	(void)state;
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	static struct wk_port two_v[2] = {{WK_SP_TCP, 22}, {WK_SP_TCP, 25}};
	static struct wk_ports two = {two_v, 2};
	info.ports = &two;
	wk_results_free(t);
	t = wk_results_new(NULL);
	struct wk_scan_addr a = v4(198, 19, 0, 5);
	add(t, port(a, WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	add(t, hostrec(a, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 0));
	expect(run("normal", &info, t, &sum),
	       "# wirekit " WIREKIT_VERSION " scan initiated Sat Dec  6 05:46:40 2025 as: "
	       "wirekit scan -p 1-1000 198.19.0.0/28 2001:db8::1\n"
	       "wirekit scan report for 198.19.0.5\n"
	       "Host is up.\n"
	       "\n"
	       "PORT   STATE    SERVICE\n"
	       "22/tcp open     unknown\n"
	       "25/tcp filtered unknown\n"
	       "\n"
	       "# wirekit done at Sat Dec  6 05:46:45 2025 -- 17 IP addresses (3 hosts up) scanned "
	       "in 5.00 seconds\n");
	wk_results_free(t);
}

/* With nmap's nmap-services loaded the SERVICE column and XML <service> name the port
 * (skipped when nmap-common is not installed). */
static void test_services(void **state)
{
	(void)state;
	struct wk_services *svcs = wk_services_load(NULL, NULL);
	if (!svcs)
		skip();
	struct wk_scan_info info;
	struct wk_scan_summary sum;
	struct wk_results *t = fixture(&info, &sum);
	info.services = svcs;
	run("text", &info, t, &sum);
	assert_non_null(strstr(out, "PORT   STATE    SERVICE\n"
	                            "22/tcp open     ssh\n"
	                            "25/tcp filtered smtp\n"
	                            "80/tcp open     http\n"));
	assert_non_null(strstr(out, "443/tcp open  https\n"));
	run("xml", &info, t, &sum);
	assert_non_null(strstr(out, "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\" "
	                            "reason=\"syn-ack\" reason_ttl=\"64\"/><service name=\"http\" "
	                            "method=\"table\" conf=\"3\"/></port>"));
	run("grep", &info, t, &sum);
	assert_non_null(strstr(out, "25/filtered/tcp//smtp///, 80/open/tcp//http///"));
	wk_results_free(t);
	wk_services_free(svcs);
}

/* -Pn's walk: the table's hosts merged in order with the targets that have no record,
 * which get a user-set host record; a target with port records only gets one too; a
 * table host outside the set keeps its place. */
static void test_rwalk(void **state)
{
	(void)state;
	struct wk_error err = {0};
	struct wk_targets *set = wk_targets_new(&err);
	assert_non_null(set);
	assert_int_equal(wk_targets_add(set, "198.19.0.1-5", &err), 0);
	assert_int_equal(wk_targets_finish(set, &err), 0);
	struct wk_results *t = wk_results_new(&err);
	assert_non_null(t);
	add(t, port(v4(198, 19, 0, 2), WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64));
	add(t, port(v4(198, 19, 0, 4), WK_SP_TCP, 22, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 64));
	add(t, hostrec(v4(198, 19, 0, 9), WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, 100));
	struct wk_ports ps = {0};
	assert_int_equal(wk_ports_parse(&ps, "22", 0, NULL, &err), 0);
	struct wk_scan_info info = {.scan_type = "syn", .ports = &ps, .user_set = set};
	struct wk_scan_summary sum = {.end_sec = T0 + 9};
	static const struct {
		uint8_t last, reason;
		unsigned stored; /* records of the table in the group */
	} want[] = {{1, WK_RS_USER_SET, 0}, {2, WK_RS_SYN_ACK, 2},  {3, WK_RS_USER_SET, 0},
	            {4, WK_RS_USER_SET, 1}, {5, WK_RS_USER_SET, 0}, {9, WK_RS_ECHO_REPLY, 1}};
	struct rwalk w;
	struct rhost h;
	rwalk_begin(&w, t, &info, &sum);
	size_t k = 0;
	while (rwalk_next(&w, &h)) {
		assert_true(k < WK_ARRAY_SIZE(want));
		assert_true(h.up);
		assert_int_equal(h.host->addr.b[3], want[k].last);
		assert_int_equal(h.host->reason, want[k].reason);
		assert_int_equal(h.end - h.begin, want[k].stored);
		if (want[k].reason == WK_RS_USER_SET)
			assert_int_equal(h.host->ts_sec, T0 + 9);
		struct rport_iter it;
		struct rport rp;
		rport_begin(&it, t, &info, &h);
		assert_true(rport_next(&it, &rp));
		assert_int_equal(rp.port, 22);
		/* .2 and .4 keep their stored port; the others show the scan's default */
		assert_int_equal(rp.reason, want[k].last == 2   ? WK_RS_SYN_ACK
		                            : want[k].last == 4 ? WK_RS_ADMIN_PROHIBITED
		                                                : WK_RS_NO_RESPONSE);
		assert_false(rport_next(&it, &rp));
		k++;
	}
	assert_int_equal(k, WK_ARRAY_SIZE(want));
	/* stored: .2 host and port, .4 port, .9 host; made: .1 .3 .4 .5 */
	assert_int_equal(rwalk_count(t, &info), 8);
	info.user_set = NULL;
	rwalk_begin(&w, t, &info, &sum);
	for (k = 0; rwalk_next(&w, &h); k++)
		;
	assert_int_equal(k, 3);
	assert_int_equal(rwalk_count(t, &info), 4);
	wk_ports_free(&ps);
	wk_results_free(t);
	wk_targets_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_latency),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_text_collapse),
	    cmocka_unit_test(test_text_ping),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_flush_and_escape),
	    cmocka_unit_test(test_xml),
	    cmocka_unit_test(test_xml_escape),
	    cmocka_unit_test(test_rtt_fold),
	    cmocka_unit_test(test_scripts),
	    cmocka_unit_test(test_scripts_random),
	    cmocka_unit_test(test_grep),
	    cmocka_unit_test(test_normal),
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_rwalk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
