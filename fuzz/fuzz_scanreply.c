/* Harness for the raw scanner's reply parsers (scan/reply.c, arp.c, reply6.c): the first
 * byte picks the link type, the rest is the frame. Whatever parses is shown to every probe
 * module, IPv4 and IPv6 forms, which must never claim a target outside the set. Every frame
 * is also written as a --packet-trace line (scan/trace.c), which must be one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan_int.h"
#include "wirekit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t lts[] = {1, 101, 113, 228, 229, 276};

static const struct scan_ctx *ctx(void)
{
	static struct scan_ctx c;
	static int done;
	if (done)
		return c.targets ? &c : NULL;
	done = 1;
	struct wk_targets *t = wk_targets_new(NULL);
	if (!t || wk_targets_add(t, "2001:db8::/126", NULL) || wk_targets_finish(t, NULL))
		return NULL;
	c.targets = t;
	c.ntargets = wk_targets_count(t);
	c.src = 0xc6120001u;
	c.src6[0] = 0x20;
	c.src6[1] = 0x01;
	c.src6[2] = 0x0d;
	c.src6[3] = 0xb8;
	c.src6[15] = 0x64;
	c.sport = 40000;
	return &c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > 4096)
		return 0;
	const struct scan_ctx *c = ctx();
	uint8_t *p = malloc(size - 1 ? size - 1 : 1);
	if (!p || !c) {
		free(p);
		return 0;
	}
	memcpy(p, data + 1, size - 1); /* exactly the frame: ASan sees any read past it */
	uint32_t lt = lts[data[0] % (sizeof(lts) / sizeof(lts[0]))];
	static char line[2048];
	struct wk_ob o;
	struct wk_scan_trace t = {.kind = WK_TRACE_RCVD, .pkt = p, .len = size - 1, .linktype = lt};
	wk_ob_init(&o, line, sizeof(line), NULL, NULL);
	wk_scan_trace_line(&o, &t, 0, 0);
	if (o.err || !o.len || line[o.len - 1] != '\n' || memchr(line, '\n', o.len - 1))
		abort();
	struct scan_reply r;
	if (scan_parse(p, size - 1, lt, &r)) {
		static const struct scan_probe *const six[] = {
		    &scan_probe_tcp_syn6,     &scan_probe_tcp_ack6,   &scan_probe_udp6,
		    &scan_probe_udp_unreach6, &scan_probe_icmp6_echo, &scan_probe_nd};
		struct scan_verdict v;
		for (size_t i = 0; i < sizeof(six) / sizeof(six[0]); i++)
			if (six[i]->classify(&r, c, &v) && v.target >= c->ntargets)
				abort();
		for (size_t i = 0; i < scan_nprobes; i++)
			(void)scan_probes[i]->classify(&r, c, &v);
	}
	free(p);
	return 0;
}
