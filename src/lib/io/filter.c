/* tcpdump filter expressions: compiled by libpcap on a dead handle of the capture's link
 * type, run per packet with pcap_offline_filter (files) or handed to the kernel. */
#include <pcap/pcap.h>
#include <stdlib.h>

#include "wirekit/filter.h"

struct wk_filter {
	struct bpf_program prog;
};

struct wk_filter *wk_filter_new(const char *expr, int linktype, uint32_t snaplen,
                                struct wk_error *err)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(
	    linktype, snaplen ? (int)snaplen : 262144, PCAP_TSTAMP_PRECISION_NANO);
	if (!dead) {
		wk_seterr(err, WK_ENOMEM, "cannot create a libpcap handle");
		return NULL;
	}
	struct wk_filter *f = calloc(1, sizeof(*f));
	if (!f) {
		pcap_close(dead);
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	if (pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		wk_seterr(err, WK_EINVAL, "%s", pcap_geterr(dead));
		pcap_close(dead);
		free(f);
		return NULL;
	}
	pcap_close(dead);
	return f;
}

void wk_filter_free(struct wk_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}

bool wk_filter_match(const struct wk_filter *f, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
	return bpf_filter(f->prog.bf_insns, data, wirelen, caplen) != 0;
}

const void *wk_filter_insns(const struct wk_filter *f, unsigned *count)
{
	*count = f->prog.bf_len;
	return f->prog.bf_insns;
}
