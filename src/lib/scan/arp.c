/* ARP discovery on the local segment (nmap's -PR): a broadcast who-has for each target,
 * answered by an is-at from the target itself (RFC 826). ARP carries no field we could
 * put a cookie in, so a reply is ours when it is addressed to our address and comes from
 * a target; its sender's hardware address is the MAC the results report. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "scan/engine_int.h"
#include "wirekit/cursor.h"
#include "wirekit/send.h"

enum {
	LT_ETHERNET = 1,
	ETH_ARP = 0x0806,
	ETH_IP = 0x0800,
	ARP_HW_ETHER = 1,
	ARP_REQUEST = 1,
	ARP_REPLY = 2,
	ARP_LEN = 28,
	ARP_TPA = SCAN_ETH_LEN + 24, /* offset of the target protocol address in the frame */
};

/* Ethernet broadcast + who-has (RFC 826) with the target address 0. */
static int arp_build(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct wk_wr w;
	wk_wr_init(&w, t->b, sizeof(t->b));
	wk_wr_bytes(&w, bcast, 6);
	wk_wr_bytes(&w, c->mac, 6);
	wk_wr_be16(&w, ETH_ARP);
	t->l3 = wk_wr_len(&w);
	wk_wr_be16(&w, ARP_HW_ETHER);
	wk_wr_be16(&w, ETH_IP);
	wk_wr_u8(&w, 6);
	wk_wr_u8(&w, 4);
	wk_wr_be16(&w, ARP_REQUEST);
	wk_wr_bytes(&w, c->mac, 6);
	wk_wr_be32(&w, c->src);
	wk_wr_zero(&w, 6);
	wk_wr_be32(&w, 0);
	if (w.bad)
		return wk_seterr(err, WK_EINVAL, "ARP template does not fit");
	t->len = wk_wr_len(&w);
	return 0;
}

static size_t arp_make(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
                       uint32_t dst, uint16_t dport)
{
	(void)c;
	(void)dport;
	memcpy(out, t->b, t->len);
	uint32_t be = htonl(dst);
	memcpy(out + ARP_TPA, &be, 4);
	return t->len;
}

static bool arp_classify(const struct scan_reply *r, const struct scan_ctx *c,
                         struct scan_verdict *v)
{
	if (!r->arp || r->dst != c->src)
		return false;
	v->target = r->src;
	v->port = 0;
	v->state = WK_PS_HOST_UP;
	v->reason = WK_RS_ARP_RESPONSE;
	return true;
}

const struct scan_probe scan_probe_arp = {
    .name = "arp",
    .ipproto = 0,
    .proto = 0xff,
    .silent = WK_PS_HOST_DOWN,
    .build = arp_build,
    .make = arp_make,
    .classify = arp_classify,
};

bool scan_parse_arp(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *o)
{
	struct wk_rd r;
	if (lt != LT_ETHERNET)
		return false;
	wk_rd_init(&r, p, n);
	wk_rd_skip(&r, 12);
	if (wk_rd_be16(&r) != ETH_ARP || r.bad)
		return false;
	uint16_t hw = wk_rd_be16(&r), pt = wk_rd_be16(&r);
	uint8_t hl = wk_rd_u8(&r), pl = wk_rd_u8(&r);
	uint16_t op = wk_rd_be16(&r);
	uint8_t sha[6];
	wk_rd_copy(&r, sha, 6);
	uint32_t spa = wk_rd_be32(&r);
	wk_rd_skip(&r, 6);
	uint32_t tpa = wk_rd_be32(&r);
	if (r.bad || hw != ARP_HW_ETHER || pt != ETH_IP || hl != 6 || pl != 4 || op != ARP_REPLY)
		return false;
	memset(o, 0, sizeof(*o));
	o->arp = true;
	o->src = spa;
	o->dst = tpa;
	memcpy(o->mac, sha, 6);
	return true;
}

/* The address of target i into a (16 bytes; IPv4 in the first 4). */
static void target_bytes(const struct eng *e, uint64_t i, uint8_t a[16])
{
	struct wk_scan_addr t;
	wk_targets_at(e->o->targets, i, &t);
	memset(a, 0, 16);
	memcpy(a, t.b, e->c.v6 ? 16 : 4);
}

int eng_arp_setup(struct eng *e, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	uint8_t lo[16], hi[16], s[16], mac[6];
	char ifname[WK_IFNAME_MAX] = "";
	struct wk_error e2;
	bool v6 = e->c.v6;
	int fam = v6 ? AF_INET6 : AF_INET;
	e->arp = false;
	target_bytes(e, 0, lo);
	target_bytes(e, e->ntargets - 1, hi);
	scan_links_load(&e->links);
	/* the interface is the one towards the targets: the first one that is not ours
	 * (the route to our own address is lo's) */
	memcpy(e->route_dst, lo, 16);
	if (scan_links_where(&e->links, v6, lo) == SCAN_OWN &&
	    scan_links_where(&e->links, v6, hi) != SCAN_OWN)
		memcpy(e->route_dst, hi, 16);
	e->own_span = scan_links_span_own(&e->links, v6, lo, hi);
	if (wk_route_src(fam, e->route_dst, s, ifname, &e2))
		return 0; /* open_io says why */
	if (o->ifname && *o->ifname)
		snprintf(ifname, sizeof(ifname), "%s", o->ifname);
	scan_links_routes(&e->links, v6, ifname);
	/* as nmap: ARP (ND) for the targets on the segment, unless turned off */
	if (!(o->discovery & (WK_DISC_ARP | WK_DISC_ND)) || !ifname[0] || !strcmp(ifname, "lo") ||
	    !scan_links_span_onlink(&e->links, v6, lo, hi) || wk_iface_mac(ifname, mac, NULL, &e2))
		return 0;
	return eng_macs_alloc(e, err);
}

/* The table of the MACs that answer ARP or ND: 6 bytes per target, resident only where
 * answers land. Shared with link6.c. */
int eng_macs_alloc(struct eng *e, struct wk_error *err)
{
	e->macs_len = (size_t)e->ntargets * 6;
	void *p = mmap(NULL, e->macs_len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		e->macs_len = 0;
		return wk_seterr_sys(err, errno, "MAC table of %llu targets",
		                     (unsigned long long)e->ntargets);
	}
	e->macs = p;
	e->arp = true;
	return 0;
}
