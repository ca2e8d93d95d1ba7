/* Writes a hand-made scan result in every result format, for test-scan-formats.sh:
 * scan_sample DIR a|b writes DIR/scan.txt, scan.json, scan.xml and scan.gnmap. Variant b
 * is a later scan of the same network: 198.19.0.5 port 80 went from open to closed,
 * 198.19.0.7 is gone and 198.19.0.8 came up with ssh open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

static int to_file(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : WK_ESYS;
}

static struct wk_scan_addr v4(uint8_t d)
{
	struct wk_scan_addr a = {.family = AF_INET, .b = {198, 19, 0, d}};
	return a;
}

static int add(struct wk_results *t, struct wk_scan_addr a, uint8_t proto, uint16_t port,
               uint8_t st, uint8_t rs, uint8_t ttl, const struct wk_scan_service *svc)
{
	struct wk_scan_result r = {.addr = a,
	                           .proto = proto,
	                           .port = port,
	                           .state = st,
	                           .reason = rs,
	                           .ttl = ttl,
	                           .ts_sec = 1765000001,
	                           .svc = svc};
	struct wk_error err = {0};
	if (proto == WK_SCAN_HOST)
		r.rtt_us = 230;
	if (wk_results_add(t, &r, &err)) {
		fprintf(stderr, "scan_sample: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "a") && strcmp(argv[2], "b"))) {
		fprintf(stderr, "usage: scan_sample DIR a|b\n");
		return 2;
	}
	bool b = argv[2][0] == 'b';
	static struct wk_port pv[101];
	struct wk_ports ports = {pv, 0};
	for (uint16_t p = 1; p <= 100; p++)
		pv[ports.n++] = (struct wk_port){WK_SP_TCP, p};
	pv[ports.n++] = (struct wk_port){WK_SP_UDP, 53};
	static const struct wk_scan_service ssh = {.name = "ssh",
	                                           .product = "OpenSSH",
	                                           .version = "9.2p1 Debian 2+deb12u3",
	                                           .extra = "protocol 2.0",
	                                           .probed = true,
	                                           .conf = 10,
	                                           .cpe = {"cpe:/a:openbsd:openssh:9.2p1"}};
	static const uint8_t banner[] = "HTTP/1.1 200 OK\r\nServer: <\"evil\" & 'co'>\r\n\x01\xff";
	static const struct wk_scan_service http = {.name = "http",
	                                            .product = "nginx <1.22>",
	                                            .probed = true,
	                                            .conf = 10,
	                                            .banner = banner,
	                                            .banner_len = sizeof(banner) - 1};
	struct wk_scan_info info = {.args = "wirekit scan -sS -sU -p T:1-100,U:53 --reason "
	                                    "198.19.0.0/29",
	                            .scan_type = "syn",
	                            .ports = &ports,
	                            .start_sec = b ? 1765100000 : 1765000000,
	                            .reasons = true,
	                            .versions = true};
	struct wk_results *t = wk_results_new(NULL);
	int rc = !t;
	/* .5: 22 ssh, 80 http (b: closed), 53/udp open, the rest of tcp closed */
	for (uint16_t p = 1; p <= 100 && !rc; p++)
		if (p != 22 && p != 80)
			rc |= add(t, v4(5), WK_SP_TCP, p, WK_PS_CLOSED, WK_RS_RESET, 64, NULL);
	rc |= add(t, v4(5), WK_SCAN_HOST, 0, WK_PS_HOST_UP, WK_RS_ECHO_REPLY, 64, NULL);
	rc |= add(t, v4(5), WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64, &ssh);
	if (b)
		rc |= add(t, v4(5), WK_SP_TCP, 80, WK_PS_CLOSED, WK_RS_RESET, 64, NULL);
	else
		rc |= add(t, v4(5), WK_SP_TCP, 80, WK_PS_OPEN, WK_RS_SYN_ACK, 64, &http);
	rc |= add(t, v4(5), WK_SP_UDP, 53, WK_PS_OPEN, WK_RS_UDP_RESPONSE, 64, NULL);
	/* .7 (a only): up by ARP, everything silent but 443 filtered by a firewall */
	if (!b) {
		rc |= add(t, v4(7), WK_SCAN_HOST, 0, WK_PS_HOST_UP, WK_RS_ARP_RESPONSE, 0, NULL);
		rc |=
		    add(t, v4(7), WK_SP_TCP, 99, WK_PS_FILTERED, WK_RS_ADMIN_PROHIBITED, 63, NULL);
	}
	/* .8 (b only): ssh open */
	if (b)
		rc |= add(t, v4(8), WK_SP_TCP, 22, WK_PS_OPEN, WK_RS_SYN_ACK, 64, &ssh);
	rc |= add(t, v4(6), WK_SCAN_HOST, 0, WK_PS_HOST_DOWN, WK_RS_NO_RESPONSE, 0, NULL);
	struct wk_scan_summary sum = {.hosts_total = 8,
	                              .hosts_up = 2,
	                              .end_sec = info.start_sec + 3,
	                              .elapsed = 3.14,
	                              .probes_sent = 808,
	                              .replies = 202};
	static const struct {
		const char *writer, *file;
	} outs[] = {{"text", "scan.txt"},
	            {"json", "scan.json"},
	            {"xml", "scan.xml"},
	            {"grep", "scan.gnmap"}};
	for (size_t i = 0; i < WK_ARRAY_SIZE(outs) && !rc; i++) {
		char path[4096], mem[65536];
		snprintf(path, sizeof(path), "%s/%s", argv[1], outs[i].file);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			rc = 1;
			break;
		}
		const struct wk_scan_writer *w = wk_scan_writer_find(outs[i].writer);
		struct wk_ob o;
		wk_ob_init(&o, mem, sizeof(mem), to_file, f);
		rc |= w->begin(&o, &info) != 0;
		if (w->result)
			for (size_t k = 0; k < wk_results_count(t); k++)
				rc |= w->result(&o, &info, wk_results_at(t, k)) != 0;
		rc |= w->end(&o, &info, t, &sum) != 0;
		rc |= wk_ob_flush(&o) != 0;
		rc |= fclose(f) != 0;
	}
	wk_results_free(t);
	return rc;
}
