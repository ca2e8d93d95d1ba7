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
	RTF_UP_FLAG = 1,
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

bool scan_onlink(const char *ifname, uint32_t first, uint32_t last)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512];
	bool ok = false;
	if (!f || !strcmp(ifname, "lo")) {
		if (f)
			fclose(f);
		return false;
	}
	while (!ok && fgets(line, sizeof(line), f)) {
		char ifn[64];
		unsigned d, g, fl, m;
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifn, &d, &g, &fl, &m) != 5 ||
		    strcmp(ifn, ifname) || !(fl & RTF_UP_FLAG) || g)
			continue;
		/* network-order words printed on a little-endian host */
		uint32_t dn = ntohl(d), mn = ntohl(m);
		ok = mn && (first & mn) == dn && (last & mn) == dn;
	}
	fclose(f);
	return ok;
}

int eng_arp_setup(struct eng *e, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	uint8_t d[4], s[4], mac[6];
	char ifname[WK_IFNAME_MAX] = "";
	struct wk_error e2;
	e->arp = false;
	if (!(o->discovery & (WK_DISC_ARP | WK_DISC_ND)))
		return 0;
	if (e->c.v6)
		return eng_nd_setup(e, err);
	uint32_t first = eng_target(e, 0), last = eng_target(e, e->ntargets - 1);
	uint32_t be = htonl(first);
	memcpy(d, &be, 4);
	if (wk_route_src(AF_INET, d, s, ifname, &e2))
		return 0; /* open_io says why */
	if (o->ifname && *o->ifname)
		snprintf(ifname, sizeof(ifname), "%s", o->ifname);
	if (!ifname[0] || !scan_onlink(ifname, first, last) || wk_iface_mac(ifname, mac, NULL, &e2))
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
