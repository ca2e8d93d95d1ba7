/* Internal to src/lib/proto: the registry list and helpers shared by protocol files. */
#ifndef WK_PROTO_INT_H
#define WK_PROTO_INT_H

#include "wirekit/err.h"
#include "wirekit/proto.h"

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

/* Descriptors other protocol files refer to directly (weak while being written). */
#define X(n) extern const struct wk_proto wk_proto_##n __attribute__((weak));
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

#endif
