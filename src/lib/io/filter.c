/* tcpdump filter expressions: compiled by libpcap on a dead handle of the capture's link
 * type, run per packet with pcap_offline_filter (files) or handed to the kernel. */
#include <pcap/pcap.h>
#include <stdlib.h>

#include "wirekit/filter.h"

struct wk_filter {
	struct bpf_program prog;
};

/* Files and our capture carry LINKTYPE_ values (tcpdump.org/linktypes.html); libpcap's
 * handles take its DLT_ values. They are the same number except for a few old types whose
 * DLT_ value differs between systems: those get the DLT_ of the system we run on. */
static int linktype_dlt(int linktype)
{
	static const struct {
		int linktype, dlt;
	} differ[] = {
	    {100, DLT_ATM_RFC1483}, /* LINKTYPE_ATM_RFC1483 */
	    {101, DLT_RAW},         /* LINKTYPE_RAW */
	    {102, DLT_SLIP_BSDOS},  /* LINKTYPE_SLIP_BSDOS */
	    {103, DLT_PPP_BSDOS},   /* LINKTYPE_PPP_BSDOS */
	    {106, DLT_ATM_CLIP},    /* LINKTYPE_ATM_CLIP */
	    {246, DLT_PFSYNC},      /* LINKTYPE_PFSYNC */
	    {258, DLT_PKTAP},       /* LINKTYPE_PKTAP */
	};
	for (size_t i = 0; i < WK_ARRAY_SIZE(differ); i++)
		if (differ[i].linktype == linktype)
			return differ[i].dlt;
	return linktype;
}

bool wk_linktype_name(int linktype, const char **name, const char **desc)
{
	int dlt = linktype_dlt(linktype);
	*name = pcap_datalink_val_to_name(dlt);
	*desc = pcap_datalink_val_to_description(dlt);
	return *name && *desc;
}

struct wk_filter *wk_filter_new(const char *expr, int linktype, uint32_t snaplen,
                                struct wk_error *err)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(
	    linktype_dlt(linktype), snaplen ? (int)snaplen : 262144, PCAP_TSTAMP_PRECISION_NANO);
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
