/* Oracle helper: encode a fixed set of packets with wk_build and write them to a pcap,
 * plus a TSV of every field our own dissector reads back (packet, field, value), so
 * test-build-scapy.sh can have scapy and tshark parse the same bytes and compare.
 * usage: build_sample OUT.pcap OUT.tsv [--badsum] */
#include <stdio.h>
#include <string.h>

#include "wirekit/build.h"
#include "wirekit/wirekit.h"

struct kv {
	const char *k, *v;
};

struct layer {
	const char *proto;
	struct kv set[12];
	const char *payload;
};

struct sample {
	struct layer l[6];
};

static const struct sample samples[] = {
    {{{"eth", {{"src", "02:00:00:00:00:01"}, {"dst", "02:00:00:00:00:02"}}},
      {"ip", {{"src", "198.18.0.1"}, {"dst", "198.18.0.2"}, {"ttl", "61"}, {"id", "4660"}}},
      {"tcp",
       {{"sport", "40000"},
        {"dport", "80"},
        {"seq", "1000"},
        {"mss", "1460"},
        {"sackok", "1"},
        {"tsval", "12345"},
        {"tsecr", "0"},
        {"wscale", "7"}}}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ip",
       {{"src", "198.18.0.1"},
        {"dst", "198.18.0.2"},
        {"tos", "16"},
        {"flags.df", "1"},
        {"id", "0xbeef"}}},
      {"tcp",
       {{"sport", "40000"},
        {"dport", "8080"},
        {"seq", "4000000000"},
        {"ack", "77"},
        {"flags", "PA"},
        {"window", "502"},
        {"options", "nop,nop,TS val 100 ecr 200"}},
       "hello, world"}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ip", {{"src", "198.18.0.1"}, {"dst", "198.18.0.2"}, {"options", "07070400000000"}}},
      {"udp", {{"sport", "33333"}, {"dport", "7777"}}, "udp payload"}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ip", {{"src", "198.18.0.1"}, {"dst", "198.18.0.2"}}},
      {"icmp",
       {{"type", "echo-request"}, {"id", "4242"}, {"seq", "7"}},
       "0123456789abcdef0123456789abcdef0123456789abcdef01234567"}}},
    {{{"eth", {{"src", "02:00:00:00:00:02"}}},
      {"ip", {{"src", "198.18.0.2"}, {"dst", "198.18.0.1"}}},
      {"icmp", {{"type", "3"}, {"code", "3"}}},
      {"ip", {{"src", "198.18.0.1"}, {"dst", "198.18.0.2"}}},
      {"udp", {{"sport", "33333"}, {"dport", "53"}}}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ipv6", {{"src", "2001:db8::1"}, {"dst", "2001:db8::2"}, {"hlim", "9"}, {"fl", "74565"}}},
      {"tcp", {{"sport", "40001"}, {"dport", "443"}, {"mss", "1440"}, {"wscale", "8"}}}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ipv6", {{"src", "2001:db8::1"}, {"dst", "2001:db8::2"}, {"tc", "32"}}},
      {"udp", {{"sport", "5000"}, {"dport", "5001"}}, "six"}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ipv6", {{"src", "2001:db8::1"}, {"dst", "2001:db8::2"}}},
      {"icmp6", {{"type", "128"}, {"id", "99"}, {"seq", "3"}}, "ping6 payload"}}},
    {{{"eth", {{"src", "02:00:00:00:00:01"}}},
      {"ipv6", {{"src", "2001:db8::1"}, {"dst", "2001:db8::2"}}},
      {"ipv6_hopopts", {{NULL, NULL}}},
      {"ipv6_dstopts", {{NULL, NULL}}},
      {"udp", {{"sport", "1000"}, {"dport", "2000"}}, "x"}}},
    {{{"eth", {{"src", "02:00:00:00:00:02"}, {"dst", "02:00:00:00:00:01"}}},
      {"arp",
       {{"op", "2"},
        {"hwsrc", "02:00:00:00:00:02"},
        {"psrc", "198.18.0.2"},
        {"hwdst", "02:00:00:00:00:01"},
        {"pdst", "198.18.0.1"}}}}},
};

/* Every field of every layer as -T fields prints it, hex as 0x.. (python's int(x, 0)). */
static void dump(FILE *f, unsigned n, const struct wk_pkt *p)
{
	char mem[512];
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		for (size_t k = 0; k < l->proto->nfields; k++) {
			const struct wk_field *fd = &l->proto->fields[k];
			struct wk_val v;
			if (!wk_field_get(p, l, fd, 0, &v))
				continue;
			struct wk_ob o;
			wk_ob_init(&o, mem, sizeof(mem) - 1, NULL, NULL);
			wk_ob_val(&o, fd, &v);
			mem[o.len] = 0;
			fprintf(f, "%u\t%u\t%s\t%s\n", n, i, fd->name, mem);
		}
	}
}

int main(int argc, char **argv)
{
	struct wk_error err = {0};
	int rc = 1;
	bool bad = argc > 3 && !strcmp(argv[3], "--badsum");
	if (argc < 3) {
		fprintf(stderr, "usage: build_sample OUT.pcap OUT.tsv [--badsum]\n");
		return 2;
	}
	struct wk_pcap_wopts wo = {.format = WK_PCAP_FMT_PCAP, .linktype = 1};
	struct wk_pcap_writer *w = wk_pcap_wopen(argv[1], &wo, &err);
	FILE *tsv = fopen(argv[2], "w");
	static struct wk_build b;
	static uint8_t buf[2048];
	if (!w || !tsv) {
		fprintf(stderr, "build_sample: %s\n", w ? "cannot open tsv" : err.msg);
		goto out;
	}
	for (unsigned s = 0; s < WK_ARRAY_SIZE(samples); s++) {
		wk_build_init(&b);
		b.flags = bad ? WK_BUILD_BADSUM : 0;
		for (unsigned i = 0; i < 6 && samples[s].l[i].proto; i++) {
			const struct layer *sl = &samples[s].l[i];
			int li = wk_build_add(&b, wk_proto_find(sl->proto), &err);
			if (li < 0)
				goto fail;
			for (unsigned k = 0; k < 12 && sl->set[k].k; k++)
				if (wk_build_set_text(&b, (unsigned)li, sl->set[k].k, sl->set[k].v,
				                      &err))
					goto fail;
			if (sl->payload)
				wk_build_payload(&b, (unsigned)li, sl->payload, strlen(sl->payload),
				                 NULL);
		}
		size_t n = 0;
		if (wk_build_encode(&b, buf, sizeof(buf), &n, &err))
			goto fail;
		struct wk_pkt p;
		memset(&p, 0, sizeof(p));
		p.data = buf;
		p.caplen = p.wirelen = (uint32_t)n;
		p.linktype = 1;
		p.number = s + 1;
		p.ts_sec = 1700000000 + s;
		if (wk_pcap_write(w, &p, NULL)) {
			fprintf(stderr, "build_sample: %s\n", wk_pcap_werror(w)->msg);
			goto out;
		}
		wk_dissect(&p);
		dump(tsv, s + 1, &p);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "build_sample: %s\n", err.msg);
out:
	if (tsv && fclose(tsv))
		rc = 1;
	if (wk_pcap_wclose(w))
		rc = 1;
	return rc;
}
