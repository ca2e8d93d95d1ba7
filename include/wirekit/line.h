/* The contract between the line printer (wk_print_line) and each protocol's line
 * callback: the context passed along the layers of one packet. */
#ifndef WIREKIT_LINE_H
#define WIREKIT_LINE_H

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
	enum wk_ftype atype; /* WK_FT_IP4 / WK_FT_IP6 / WK_FT_MAC; NONE: nothing pending */
	unsigned layer;      /* index of the layer being printed */
};

void wk_line_addrs(struct wk_line *o, enum wk_ftype t, const uint8_t *src, const uint8_t *dst);
void wk_line_ports(struct wk_line *o, uint32_t sport, uint32_t dport);
void wk_line_flush_addrs(struct wk_line *o); /* "src > dst: " if pending */

#ifdef __cplusplus
}
#endif

#endif
