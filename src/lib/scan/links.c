/* Where each target of a raw scan lies, decided per host as nmap does: one of our own
 * addresses (answered by us: localhost-response, probed through the loopback path), on
 * the local segment of the scan's interface (ARP or ND, frames to its own MAC, its MAC
 * reported), or behind a gateway. The facts are read once into short fixed lists: the
 * interface's gateway-less prefixes with the routes more specific than them (longest
 * prefix wins, /proc/net/route and /proc/net/ipv6_route), and the addresses getifaddrs
 * lists. Nothing is kept per target, so a /8 costs what a /24 does. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "scan/scan_int.h"
#include "wirekit/addr.h"

#define RTF_UP_FLAG 0x0001u
#define RTF_GW_FLAG 0x0002u

static void put4(uint8_t *p, uint32_t v)
{
	uint32_t be = htonl(v);
	memcpy(p, &be, 4);
}

/* Whether a (alen bytes) lies in the prefix p/len. */
static bool in_pfx(const uint8_t *a, const uint8_t *p, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;
	if (memcmp(a, p, full))
		return false;
	return !rest || !((a[full] ^ p[full]) & (uint8_t)(0xffu << (8 - rest)));
}

static void add_pfx(struct scan_links *l, bool v6, const uint8_t *a, unsigned len, bool onlink)
{
	struct scan_pfx *v = v6 ? l->r6 : l->r4;
	unsigned *n = v6 ? &l->n6 : &l->n4;
	if (*n >= SCAN_LINKS_MAX)
		return; /* more than SCAN_LINKS_MAX: the rest are taken as routed */
	memset(&v[*n], 0, sizeof(v[*n]));
	memcpy(v[*n].a, a, v6 ? 16 : 4);
	v[*n].len = (uint8_t)len;
	v[*n].onlink = onlink;
	(*n)++;
}

/* A route more specific than one of the on-link prefixes (its longest-prefix match can
 * take a target off the segment): pass 2 keeps those. */
static bool inside_onlink(const struct scan_links *l, bool v6, const uint8_t *a, unsigned len)
{
	const struct scan_pfx *v = v6 ? l->r6 : l->r4;
	unsigned n = v6 ? l->n6 : l->n4;
	for (unsigned i = 0; i < n; i++)
		if (v[i].onlink && len > v[i].len && in_pfx(a, v[i].a, v[i].len))
			return true;
	return false;
}

/* One line of /proc/net/route: true with the prefix and whether it is gateway-less. */
static bool line4(const char *line, char *ifn, uint8_t a[4], unsigned *len, bool *gw)
{
	unsigned d, g, fl, m;
	if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifn, &d, &g, &fl, &m) != 5 ||
	    !(fl & RTF_UP_FLAG))
		return false;
	/* network-order words printed on a little-endian host */
	uint32_t mn = ntohl(m);
	if ((uint32_t)((uint64_t)mn << __builtin_popcount(mn)))
		return false; /* not a prefix mask */
	memcpy(a, &d, 4);
	*len = (unsigned)__builtin_popcount(mn);
	*gw = g != 0;
	return true;
}

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

/* One line of /proc/net/ipv6_route (dst plen src srclen nexthop metric refcnt use flags
 * ifname); multicast and the link-local /64 are never a segment we scan. */
static bool line6(const char *line, char *ifn, uint8_t a[16], unsigned *len, bool *gw)
{
	char dst[33], nh[33];
	unsigned plen, flags;
	uint8_t g[16], z[16] = {0};
	if (sscanf(line, "%32s %x %*s %*x %32s %*x %*x %*x %x %63s", dst, &plen, nh, &flags, ifn) !=
	        5 ||
	    !(flags & RTF_UP_FLAG) || plen > 128 || hexbytes(dst, a, 16) || hexbytes(nh, g, 16) ||
	    a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80 && plen == 64))
		return false;
	*len = plen;
	*gw = (flags & RTF_GW_FLAG) || memcmp(g, z, 16);
	return true;
}

void scan_links_read(struct scan_links *l, bool v6, FILE *f, const char *ifname)
{
	char line[512], ifn[64];
	uint8_t a[16];
	unsigned len;
	bool gw;
	if (!f || !ifname || !strcmp(ifname, "lo"))
		return;
	/* pass 1: the interface's own segments; pass 2: what overrides part of them */
	while (fgets(line, sizeof(line), f))
		if ((v6 ? line6 : line4)(line, ifn, a, &len, &gw) && len && !gw &&
		    !strcmp(ifn, ifname))
			add_pfx(l, v6, a, len, true);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		if ((v6 ? line6 : line4)(line, ifn, a, &len, &gw) && inside_onlink(l, v6, a, len))
			add_pfx(l, v6, a, len, !gw && !strcmp(ifn, ifname));
}

void scan_links_own(struct scan_links *l, int family, const uint8_t *a)
{
	if (family == AF_INET && l->nown4 < SCAN_LINKS_MAX)
		memcpy(l->own4[l->nown4++], a, 4);
	else if (family == AF_INET6 && l->nown6 < SCAN_LINKS_MAX)
		memcpy(l->own6[l->nown6++], a, 16);
}

void scan_links_load(struct scan_links *l)
{
	struct ifaddrs *ifa = NULL;
	memset(l, 0, sizeof(*l));
	if (getifaddrs(&ifa))
		return;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			scan_links_own(
			    l, AF_INET,
			    (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		else if (i->ifa_addr->sa_family == AF_INET6)
			scan_links_own(
			    l, AF_INET6,
			    (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr);
	}
	freeifaddrs(ifa);
}

void scan_links_routes(struct scan_links *l, bool v6, const char *ifname)
{
	FILE *f = fopen(v6 ? "/proc/net/ipv6_route" : "/proc/net/route", "re");
	if (!f)
		return;
	scan_links_read(l, v6, f, ifname);
	fclose(f);
}

enum scan_where scan_links_where(const struct scan_links *l, bool v6, const uint8_t *a)
{
	static const uint8_t lo6[16] = {[15] = 1};
	/* the kernel answers all of 127/8 itself (its local table), nmap calls it localhost */
	if (v6 ? !memcmp(a, lo6, 16) : a[0] == 127)
		return SCAN_OWN;
	unsigned nown = v6 ? l->nown6 : l->nown4;
	for (unsigned i = 0; i < nown; i++)
		if (!memcmp(a, v6 ? l->own6[i] : l->own4[i], v6 ? 16 : 4))
			return SCAN_OWN;
	const struct scan_pfx *v = v6 ? l->r6 : l->r4, *best = NULL;
	unsigned n = v6 ? l->n6 : l->n4;
	for (unsigned i = 0; i < n; i++)
		if ((!best || v[i].len > best->len) && in_pfx(a, v[i].a, v[i].len))
			best = &v[i];
	return best && best->onlink ? SCAN_ONLINK : SCAN_ROUTED;
}

enum scan_where scan_links_where4(const struct scan_links *l, uint32_t a)
{
	uint8_t b[4];
	put4(b, a);
	return scan_links_where(l, false, b);
}

/* Whether [lo, hi] (16 bytes, big-endian; IPv4 in the first 4) meets the prefix. */
static bool span_meets(const struct scan_pfx *p, bool v6, const uint8_t *lo, const uint8_t *hi)
{
	unsigned n = v6 ? 16 : 4;
	uint8_t first[16], last[16];
	for (unsigned i = 0; i < n; i++) {
		unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
		first[i] = p->a[i] & m;
		last[i] = (uint8_t)(p->a[i] | (uint8_t)~m);
	}
	return memcmp(first, hi, n) <= 0 && memcmp(last, lo, n) >= 0;
}

bool scan_links_span_onlink(const struct scan_links *l, bool v6, const uint8_t *lo,
                            const uint8_t *hi)
{
	const struct scan_pfx *v = v6 ? l->r6 : l->r4;
	unsigned n = v6 ? l->n6 : l->n4;
	for (unsigned i = 0; i < n; i++)
		if (v[i].onlink && span_meets(&v[i], v6, lo, hi))
			return true;
	return false;
}

bool scan_links_span_own(const struct scan_links *l, bool v6, const uint8_t *lo, const uint8_t *hi)
{
	static const uint8_t lo6[16] = {[15] = 1};
	unsigned n = v6 ? 16 : 4, nown = v6 ? l->nown6 : l->nown4;
	if (v6 ? memcmp(lo6, lo, 16) >= 0 && memcmp(lo6, hi, 16) <= 0
	       : lo[0] <= 127 && hi[0] >= 127)
		return true;
	for (unsigned i = 0; i < nown; i++) {
		const uint8_t *a = v6 ? l->own6[i] : l->own4[i];
		if (memcmp(a, lo, n) >= 0 && memcmp(a, hi, n) <= 0)
			return true;
	}
	return false;
}
