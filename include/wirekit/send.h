/* Putting built packets on the wire and matching their replies (wirekit send): raw IPv4
 * sockets with IP_HDRINCL, raw IPv6 sockets, AF_PACKET for whole frames, a receive socket
 * that sees every packet of the namespace, route and neighbour look-ups, and the probe ->
 * reply matcher (scapy's sr/sr1). */
#ifndef WIREKIT_SEND_H
#define WIREKIT_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pcap link types of what the sockets carry. */
enum {
	WK_LINKTYPE_ETHERNET = 1,
	WK_LINKTYPE_IPV4 = 228,
	WK_LINKTYPE_IPV6 = 229,
};

/* ---- sending ------------------------------------------------------------------------ */

enum wk_tx_kind {
	WK_TX_IP4, /* raw IPv4, IP_HDRINCL: packets start with the IPv4 header */
	WK_TX_IP6, /* raw IPv6 (IPPROTO_RAW): packets start with the IPv6 header */
	WK_TX_L2,  /* AF_PACKET on one interface: packets are Ethernet frames */
};

struct wk_tx;

/* Open a sender. ifname is required for WK_TX_L2 and optional otherwise (binds the
 * socket to the device). Without CAP_NET_RAW: NULL and WK_EPERM. */
struct wk_tx *wk_tx_open(enum wk_tx_kind kind, const char *ifname, struct wk_error *err);
/* Send n packets (sendmmsg; the destination of raw IP packets is read from their
 * header). Returns how many the kernel took (>= 0, stops at the first error: then
 * *err_out, if not NULL, gets the errno) or a negative code when none could be sent. */
int wk_tx_send(struct wk_tx *t, const uint8_t *const *pkts, const size_t *lens, unsigned n,
               int *err_out, struct wk_error *err);
void wk_tx_close(struct wk_tx *t);

/* Cut the IPv4 datagram at pkt + l3off (pkt[0..l3off) is a link header copied to every
 * piece) into fragments of size bytes of payload (rounded down to a multiple of 8), laid
 * out one after another in out; lens gets each length, *nfrag their number (<= max). */
int wk_ip4_fragment(const uint8_t *pkt, size_t n, size_t l3off, size_t size, bool badsum,
                    uint8_t *out, size_t cap, size_t *lens, unsigned max, unsigned *nfrag,
                    struct wk_error *err);

/* ---- receiving ---------------------------------------------------------------------- */

struct wk_rx;

/* Every IPv4/IPv6 packet arriving in this network namespace (AF_PACKET, cooked), our own
 * outgoing ones excluded. Open it before sending so no reply is missed. */
struct wk_rx *wk_rx_open(struct wk_error *err);
/* Wait up to timeout_ms (0: poll) for one packet; fills pkt (data valid until the next
 * call; linktype WK_LINKTYPE_IPV4/IPV6, ts from the kernel) and returns 1, 0 on
 * timeout, or a negative code. */
int wk_rx_next(struct wk_rx *r, struct wk_pkt *pkt, int timeout_ms, struct wk_error *err);
int wk_rx_fd(const struct wk_rx *r);
void wk_rx_close(struct wk_rx *r);

/* ---- routes, interfaces, neighbours -------------------------------------------------- */

enum { WK_IFNAME_MAX = 16 };

/* The source address the kernel would use towards dst (family AF_INET: 4 bytes,
 * AF_INET6: 16), and the interface holding it (ifname may be NULL). Sends nothing. */
int wk_route_src(int family, const uint8_t *dst, uint8_t *src, char *ifname, struct wk_error *err);
/* The interface's MAC address and index. */
int wk_iface_mac(const char *ifname, uint8_t mac[6], int *ifindex, struct wk_error *err);
/* Link-layer address of addr on ifname: the kernel's neighbour table, else an ARP
 * request (IPv4) or a neighbour solicitation (IPv6) of our own, waiting up to
 * timeout_ms for the answer. src is our address on that link. */
int wk_neigh_resolve(const char *ifname, int family, const uint8_t *addr, const uint8_t *src,
                     uint8_t mac[6], int timeout_ms, struct wk_error *err);

/* ---- matching replies to probes ------------------------------------------------------ */

struct wk_match;

/* Room for max probes. */
struct wk_match *wk_match_new(size_t max, struct wk_error *err);
void wk_match_free(struct wk_match *m);
/* Record probe id (0..max-1, the caller's index) from its dissected packet: what a reply
 * must carry to be its answer. WK_EUNSUP when the packet has no IPv4/IPv6 layer. */
int wk_match_add(struct wk_match *m, uint32_t id, const struct wk_pkt *probe, struct wk_error *err);
/* The probe a dissected packet answers: TCP with swapped addresses and ports and
 * ack = seq + 1 (+ data), or RST; UDP with swapped addresses and ports; ICMP/ICMPv6
 * echo replies by identifier and sequence; ICMP/ICMPv6 errors by the header they quote.
 * Returns true and sets *id for a probe not answered before. */
bool wk_match_reply(struct wk_match *m, const struct wk_pkt *reply, uint32_t *id);
/* Whether probe id has been answered. */
bool wk_match_answered(const struct wk_match *m, uint32_t id);

#ifdef __cplusplus
}
#endif

#endif
