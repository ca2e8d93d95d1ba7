/* tcpdump filter expressions, compiled with libpcap's compiler on a dead handle and run
 * per packet (files) or attached in the kernel (live capture). */
#ifndef WIREKIT_FILTER_H
#define WIREKIT_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "wirekit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wk_filter;

/* Compile expr for link type and snap length; NULL with libpcap's message in err. */
struct wk_filter *wk_filter_new(const char *expr, int linktype, uint32_t snaplen,
                                struct wk_error *err);
void wk_filter_free(struct wk_filter *f);
/* true when the packet matches. */
bool wk_filter_match(const struct wk_filter *f, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);
/* libpcap's name and description of a link type ("EN10MB", "Ethernet"), as tcpdump
 * prints them; false when libpcap has none. */
bool wk_linktype_name(int linktype, const char **name, const char **desc);
/* The compiled program as struct sock_fprog-compatible instructions (for SO_ATTACH_FILTER). */
const void *wk_filter_insns(const struct wk_filter *f, unsigned *count);

#ifdef __cplusplus
}
#endif

#endif
