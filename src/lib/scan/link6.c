/* The raw scanner's IPv6 set-up: source and interface from the route to the first target
 * that is not ours, the receive ring (ours: TCP, UDP and ICMPv6 to our address), and the
 * sender: frames when neighbour discovery runs for the targets on link (every probe to
 * such a target goes to the MAC its advertisement gave; the others through a raw IPv6
 * socket next to it, walk.c), a raw IPv6 socket otherwise (the kernel routes and
 * resolves). Which targets are on link is links.c's per-host answer, as nmap decides:
 * a neighbour solicitation alone decides for them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "scan/engine_int.h"
#include "wirekit/addr.h"
#include "wirekit/capture.h"
#include "wirekit/send.h"

int eng_open_io6(struct eng *e, char *ifname, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	uint8_t s[16], mymac[6];
	int rc;
	if ((rc = wk_route_src(AF_INET6, e->route_dst, s, ifname, err)))
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
	e->cap = eng_capture_open(ifname, filt, err);
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
	return eng_open_more(e, ifname, filt, err);
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
