/* The contract between the line printer (wk_print_line) and each protocol's line
 * callback: the context passed along the layers of one packet. */
#ifndef WIREKIT_LINE_H
#define WIREKIT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/ob.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Context passed to each protocol's line callback. A network layer calls
 * wk_line_addrs(); a following transport (WK_PF_PORTS) calls wk_line_ports() and gets
 * "src.sport > dst.dport: "; otherwise the generic code writes "src > dst: ". */
struct wk_line {
	struct wk_ob *ob;
	const uint8_t *src, *dst;
	enum wk_ftype atype;      /* WK_FT_IP4 / WK_FT_IP6 / WK_FT_MAC; NONE: nothing pending */
	unsigned layer;           /* index of the layer being printed */
	struct wk_flowtab *flows; /* per-flow state for relative numbers; NULL: absolute */
	bool link;                /* tcpdump -e: link layers print their header */
	unsigned named;   /* a layer whose name the link header printed ("ethertype IPv4"): it
	                   * leaves out its own ("IP "), as tcpdump -e does; 0 none */
	bool ports_only;  /* an IPv6 extension header came between the addresses and the
	                   * transport: tcpdump prints "sport > dport: " alone */
	unsigned verbose; /* tcpdump -v (1), -vv (2): header fields and checksum checks */
	bool quote;       /* an ICMP error's line asked for the packet it quotes (tcpdump -v):
	                   * the quoted layers print too */
};

/* Per-flow state a line callback may keep (tcpdump's relative TCP sequence numbers),
 * bounded: a fixed table of slots, a new flow takes the place of an old one when its
 * neighbourhood is full. Keys are at most WK_FLOW_KEYMAX bytes; values two words. */
enum { WK_FLOW_KEYMAX = 36 };
struct wk_flowtab;
struct wk_flowtab *wk_flowtab_new(size_t slots); /* rounded up to a power of two */
void wk_flowtab_free(struct wk_flowtab *t);
/* The two value words of key (n <= WK_FLOW_KEYMAX bytes); *fresh is true when the flow
 * was not known (the words are then zero). NULL when n is too long. */
uint32_t *wk_flowtab_get(struct wk_flowtab *t, const void *key, size_t n, bool *fresh);

void wk_line_addrs(struct wk_line *o, enum wk_ftype t, const uint8_t *src, const uint8_t *dst);
void wk_line_ports(struct wk_line *o, uint32_t sport, uint32_t dport);
/* "sport > dport: " without addresses (after IPv6 extension headers, as tcpdump). */
void wk_line_ports_only(struct wk_line *o, uint32_t sport, uint32_t dport);
void wk_line_flush_addrs(struct wk_line *o); /* "src > dst: " if pending */

#ifdef __cplusplus
}
#endif

#endif
