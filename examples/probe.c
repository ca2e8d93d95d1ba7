/* Forge one probe from a spec, send it through a raw socket and wait for its reply, like
 * scapy's sr1(). Needs CAP_NET_RAW. The source address comes from the kernel's route.
 *
 *   ./probe 'ip(dst=198.18.0.2)/icmp(id=7,seq=1)/"ping"'
 *   ./probe 'ip(dst=198.18.0.2)/tcp(dport=80,flags=S)'
 */
#include <stdio.h>
#include <sys/socket.h>

#include <wirekit/wirekit.h>

static int to_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : WK_ESYS;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: probe SPEC\n");
		return 2;
	}
	struct wk_error err;
	struct wk_spec *spec = wk_spec_parse(argv[1], &err, NULL);
	if (!spec) {
		fprintf(stderr, "probe: %s\n", err.msg);
		return 2;
	}
	static struct wk_build b;
	uint8_t pkt[2048];
	size_t len = 0;
	struct wk_tx *tx = NULL;
	struct wk_rx *rx = NULL;
	struct wk_match *m = NULL;
	int status = 1;
	wk_build_init(&b);
	if (wk_spec_build(spec, 0, &b, &err))
		goto out;
	/* an IPv4 probe without ip.src gets the address the kernel would send from */
	const struct wk_bval *dst = wk_build_get(&b, 0, "dst");
	if (b.l[0].proto != wk_proto_find("ip") || !dst) {
		wk_seterr(&err, WK_EINVAL, "this example sends ip(dst=...)/... probes");
		goto out;
	}
	uint8_t src[4];
	if (!wk_build_get(&b, 0, "src") && (wk_route_src(AF_INET, dst->b, src, NULL, &err) ||
	                                    wk_build_set_bytes(&b, 0, "src", src, 4, &err)))
		goto out;
	if (wk_build_encode(&b, pkt, sizeof(pkt), &len, &err))
		goto out;
	/* what a reply must carry: learnt from the probe itself */
	struct wk_pkt probe = {.data = pkt, .caplen = (uint32_t)len, .wirelen = (uint32_t)len};
	probe.linktype = WK_LINKTYPE_IPV4;
	wk_dissect(&probe);
	if (!(m = wk_match_new(1, &err)) || wk_match_add(m, 0, &probe, &err))
		goto out;
	/* listen before sending, so no reply is missed */
	if (!(rx = wk_rx_open(&err)) || !(tx = wk_tx_open(WK_TX_IP4, NULL, &err)))
		goto out;
	const uint8_t *pkts[1] = {pkt};
	if (wk_tx_send(tx, pkts, &len, 1, NULL, &err) != 1)
		goto out;
	char mem[4096];
	struct wk_ob ob;
	wk_ob_init(&ob, mem, sizeof(mem), to_stdout, NULL);
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	fputs("sent:  ", stdout);
	fflush(stdout);
	wk_print_line(&ob, &po, &probe);
	wk_ob_flush(&ob);
	for (int waited = 0; waited < 20; waited++) { /* 2 s in all */
		struct wk_pkt reply;
		uint32_t id;
		int got = wk_rx_next(rx, &reply, 100, &err);
		if (got < 0)
			goto out;
		if (got == 0)
			continue;
		wk_dissect(&reply);
		if (wk_match_reply(m, &reply, &id)) {
			fputs("reply: ", stdout);
			fflush(stdout);
			wk_print_line(&ob, &po, &reply);
			wk_ob_flush(&ob);
			status = 0;
			goto out;
		}
	}
	wk_seterr(&err, WK_ETIMEOUT, "no reply within 2 s");
out:
	if (status)
		fprintf(stderr, "probe: %s\n", err.msg);
	wk_match_free(m);
	wk_tx_close(tx);
	wk_rx_close(rx);
	wk_spec_free(spec);
	return status;
}
