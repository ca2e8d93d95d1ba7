/* The raw scanner's IPv6 set-up: source and interface from the route to the first target,
 * the receive ring (ours: TCP, UDP and ICMPv6 to our address), and the sender: frames when
 * neighbour discovery runs on link (then every probe goes to the MAC the advertisement
 * gave), a raw IPv6 socket otherwise (the kernel routes and resolves). Discovery on link
 * is nmap's: the targets all lie in a prefix the interface holds without a gateway
 * (/proc/net/ipv6_route), and a neighbour solicitation alone decides. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "scan/engine_int.h"
#include "wirekit/addr.h"
#include "wirekit/capture.h"
#include "wirekit/send.h"

#define RX_BUFFER  (32u << 20)
#define RX_SNAPLEN 256u
#define RTF_UP     0x0001u
#define RTF_GW     0x0002u

/* n bytes from 2n hex digits (/proc/net/ipv6_route writes addresses so). */
static int hexbytes(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = wk_hexval((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : wk_hexval((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool in_prefix(const uint8_t a[16], const uint8_t p[16], unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if ((a[i / 8] ^ p[i / 8]) & (0x80u >> (i % 8)))
			return false;
	return true;
}

bool scan_onlink6(const char *ifname, const uint8_t first[16], const uint8_t last[16])
{
	FILE *f = fopen("/proc/net/ipv6_route", "re");
	char line[512];
	bool ok = false;
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		char dst[33], nh[33], ifn[64];
		unsigned plen, flags;
		uint8_t d[16], g[16], z[16] = {0};
		/* dst plen src srclen nexthop metric refcnt use flags ifname */
		if (sscanf(line, "%32s %x %*s %*x %32s %*x %*x %*x %x %63s", dst, &plen, nh, &flags,
		           ifn) != 5 ||
		    strcmp(ifn, ifname) || !(flags & RTF_UP) || (flags & RTF_GW) || plen == 0 ||
		    plen > 128 || hexbytes(dst, d, 16) || hexbytes(nh, g, 16) || memcmp(g, z, 16) ||
		    d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80 && plen == 64))
			continue;
		ok = in_prefix(first, d, plen) && in_prefix(last, d, plen);
	}
	fclose(f);
	return ok;
}

int eng_nd_setup(struct eng *e, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	struct wk_scan_addr a, b;
	uint8_t s[16], mac[6];
	char ifname[WK_IFNAME_MAX] = "";
	struct wk_error e2;
	wk_targets_at(o->targets, 0, &a);
	wk_targets_at(o->targets, e->ntargets - 1, &b);
	if (wk_route_src(AF_INET6, a.b, s, ifname, &e2))
		return 0; /* open_io6 says why */
	if (o->ifname && *o->ifname)
		snprintf(ifname, sizeof(ifname), "%s", o->ifname);
	if (!ifname[0] || !strcmp(ifname, "lo") || !scan_onlink6(ifname, a.b, b.b) ||
	    wk_iface_mac(ifname, mac, NULL, &e2))
		return 0;
	return eng_macs_alloc(e, err);
}

int eng_open_io6(struct eng *e, char *ifname, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	struct wk_scan_addr a;
	uint8_t s[16], mymac[6];
	int rc;
	wk_targets_at(o->targets, 0, &a);
	if ((rc = wk_route_src(AF_INET6, a.b, s, ifname, err)))
		return rc;
	if (o->ifname && *o->ifname)
		snprintf(ifname, WK_IFNAME_MAX, "%s", o->ifname);
	if (o->source) {
		if (o->source->family != AF_INET6)
			return wk_seterr(err, WK_EINVAL, "-S: an IPv4 source for IPv6 targets");
		memcpy(s, o->source->b, 16);
	}
	if (!ifname[0])
		return wk_seterr(err, WK_ENOTFOUND, "no interface towards the targets (use -e)");
	memcpy(e->c.src6, s, 16);
	char filt[128], sa[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, s, sa, sizeof(sa));
	snprintf(filt, sizeof(filt), "dst host %s and (tcp or udp or icmp6)", sa);
	struct wk_capture_opts co = {.ifname = ifname,
	                             .snaplen = RX_SNAPLEN,
	                             .buffer_size = RX_BUFFER,
	                             .filter = filt,
	                             .block_timeout_ms = 10};
	e->cap = wk_capture_open(&co, err);
	if (!e->cap)
		return err ? err->code : WK_ESYS;
	if (e->arp) {
		if ((rc = wk_iface_mac(ifname, mymac, NULL, err)))
			return rc;
		memcpy(e->c.mac, mymac, 6);
		memcpy(e->c.eth + 6, mymac, 6);
		e->c.eth[12] = 0x86;
		e->c.eth[13] = 0xdd;
		e->c.l2 = true;
	}
	e->tx = wk_tx_open(e->c.l2 ? WK_TX_L2 : WK_TX_IP6, ifname, err);
	if (!e->tx)
		return err ? err->code : WK_ESYS;
	return 0;
}

int eng_phase_v6(struct phase *ph, struct wk_error *err)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < ph->nslots; i++) {
		const struct scan_probe *m = scan_probe_v6(ph->slots[i].m);
		if (!m) /* ICMP timestamp: nmap has no IPv6 form either */
			continue;
		ph->slots[k] = ph->slots[i];
		ph->slots[k++].m = m;
	}
	ph->nslots = k;
	unsigned n = 0;
	for (unsigned i = 0; i < ph->nmods; i++) {
		const struct scan_probe *m = scan_probe_v6(ph->mods[i]);
		if (m)
			ph->mods[n++] = m;
	}
	ph->nmods = n;
	if (ph->pidx && !ph->nslots)
		return wk_seterr(err, WK_EUNSUP, "no IPv6 form of this scan");
	return 0;
}
