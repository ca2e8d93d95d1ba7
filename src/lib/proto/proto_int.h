/* Internal to src/lib/proto: the registry list and helpers shared by protocol files. */
#ifndef WK_PROTO_INT_H
#define WK_PROTO_INT_H

#include "wirekit/err.h"
#include "wirekit/proto.h"

/* tcpdump's name of an IP protocol number in -v lines ("TCP", "ICMPv6"; "unknown"),
 * shared by ip.c and ipv6.c. */
const char *ip_proto_vname(unsigned proto);

/* Every protocol, one X(name) each, for the descriptor `const struct wk_proto
 * wk_proto_<name>` defined in <name>.c. Keep sorted. A test checks that every one exists
 * and that names are unique. */
#define WK_PROTO_LIST(X)                                                                           \
	X(ah)                                                                                      \
	X(arcnet)                                                                                  \
	X(arp)                                                                                     \
	X(ayiya)                                                                                   \
	X(capwap)                                                                                  \
	X(cfp)                                                                                     \
	X(chdlc)                                                                                   \
	X(dns)                                                                                     \
	X(erspan)                                                                                  \
	X(eth)                                                                                     \
	X(fddi)                                                                                    \
	X(frame)                                                                                   \
	X(frelay)                                                                                  \
	X(geneve)                                                                                  \
	X(gre)                                                                                     \
	X(gtp)                                                                                     \
	X(icmp)                                                                                    \
	X(icmp6)                                                                                   \
	X(ip)                                                                                      \
	X(ipnet)                                                                                   \
	X(ipv6)                                                                                    \
	X(ipv6_dstopts)                                                                            \
	X(ipv6_fraghdr)                                                                            \
	X(ipv6_hopopts)                                                                            \
	X(ipv6_routing)                                                                            \
	X(juniper)                                                                                 \
	X(l2tp)                                                                                    \
	X(lisp)                                                                                    \
	X(llc)                                                                                     \
	X(macsec)                                                                                  \
	X(mpls)                                                                                    \
	X(nflog)                                                                                   \
	X(nsh)                                                                                     \
	X(null)                                                                                    \
	X(pbb)                                                                                     \
	X(pim)                                                                                     \
	X(ppi)                                                                                     \
	X(ppp)                                                                                     \
	X(pppoe)                                                                                   \
	X(radiotap)                                                                                \
	X(raw)                                                                                     \
	X(slip)                                                                                    \
	X(sll)                                                                                     \
	X(sll2)                                                                                    \
	X(snap)                                                                                    \
	X(tcp)                                                                                     \
	X(teredo)                                                                                  \
	X(udp)                                                                                     \
	X(vlan)                                                                                    \
	X(vntag)                                                                                   \
	X(vxlan)                                                                                   \
	X(wlan)

size_t proto_bind_count(void);

/* Whether name is one of the space-separated names in alias (NULL: none); field.c. */
bool proto_alias_has(const char *alias, const char *name);

/* Every descriptor, for protocol files that refer to another directly. */
#define X(n) extern const struct wk_proto wk_proto_##n;
WK_PROTO_LIST(X)
#undef X

/* Field table entry helpers: a fixed-offset unsigned field, an address, a bit field. */
#define WK_F_UINT(nm, al, ti, o, w)                                                                \
	{                                                                                          \
		.name = nm, .alias = al, .title = ti, .type = WK_FT_UINT, .off = o, .width = w     \
	}
#define WK_F_BITS(nm, al, ti, o, w, m)                                                             \
	{                                                                                          \
		.name = nm, .alias = al, .title = ti, .type = WK_FT_UINT, .off = o, .width = w,    \
		.mask = m                                                                          \
	}

/* The registry's direct bind tables (registry.c), for the dissection loop's inlined
 * lookup; valid once proto_registry_init() has returned. */
extern const struct wk_proto *proto_sorted[];
extern uint8_t proto_direct[WK_NS_MAX][65536];
extern uint64_t proto_bound[WK_NS_MAX][65536 / 64];
void proto_registry_init(void);

/* wk_proto_lookup() with the common case (a 16-bit key bound to nothing, or bound in a
 * direct table) inline. */
static inline const struct wk_proto *proto_lookup_fast(enum wk_ns ns, uint32_t key)
{
	if (key < 65536 && (unsigned)ns < WK_NS_MAX && ns != WK_NS_PROTO) {
		if (!(proto_bound[ns][key / 64] >> (key % 64) & 1))
			return NULL;
		return proto_sorted[proto_direct[ns][key] - 1];
	}
	return wk_proto_lookup(ns, key);
}

#endif
