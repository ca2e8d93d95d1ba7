/* Internal to the link-layer protocol files: helpers shared between two encapsulations
 * of the same payload naming scheme. */
#ifndef WK_LINK_INT_H
#define WK_LINK_INT_H

#include "proto/proto_int.h"

/* An Ethernet type/length field (IEEE 802.3 clause 3.2.6) to the next layer: above 1500 an
 * EtherType; up to 1500 the length of an 802.2 LLC payload, so r is clipped to it (what
 * follows is padding). Ethernet, 802.1Q, 802.1ah and VN-Tag end with this field. */
void eth_next(struct wk_rd *r, struct wk_next *next, uint16_t type);

/* Linux cooked capture (SLL v1 and v2): next layer from the ARPHRD type and the
 * protocol field (an EtherType, or a Linux ETH_P_* value <= 1536). */
void sll_next(struct wk_next *next, uint16_t hatype, uint16_t protocol);

/* tcpdump's name of an EtherType ("IPv4", "ARP"), NULL when it has none. */
const char *eth_type_name(unsigned type);

/* tcpdump's line for a Linux cooked header (print-sll.c): v2 (ifindex >= 0) always starts
 * with the interface name (this host's, as tcpdump looks it up) and the direction; with -e
 * both versions print the direction, v2 the interface index, then the link address,
 * the protocol and the frame length. */
void sll_line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l, int64_t ifindex,
              unsigned pkttype, const uint8_t *addr, unsigned halen, unsigned proto);

/* PPP protocol number (RFC 1661 section 2, IANA "PPP DLL Protocol Numbers") to the
 * next layer: network protocols go through their EtherType, so ip/ipv6/mpls files need
 * no PPP binding; anything else is looked up in WK_NS_PPP. */
void ppp_next(struct wk_next *next, uint16_t protocol);

/* True when the AF value in a BSD loopback / PPI / NFLOG style header is an IPv6 family
 * on some system (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin, 10 Linux). */
bool af_is_inet6(uint32_t af);

#endif
