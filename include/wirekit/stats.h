/* Statistics over dissected packets: totals, categories, a protocol hierarchy and
 * conversations, in bounded memory, with mergeable halves. */
#ifndef WIREKIT_STATS_H
#define WIREKIT_STATS_H

#include <stddef.h>

#include "wirekit/ob.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wk_stats;
/* Conversations beyond max_conversations (at most 2^22) are counted as not fitting; the
 * table grows with use, so a small capture costs little. */
#define WK_STATS_CONV_DEFAULT ((size_t)1 << 20)
struct wk_stats *wk_stats_new(size_t max_conversations);
void wk_stats_free(struct wk_stats *s);
void wk_stats_add(struct wk_stats *s, const struct wk_pkt *p);
/* Add src's counts to dst as if dst had gone on to count src's packets after its own
 * (how two threads that each read a part of a file combine what they counted). */
void wk_stats_merge(struct wk_stats *dst, struct wk_stats *src);
/* Prints the statistics (counting the last few conversation updates, which are queued). */
void wk_stats_print(struct wk_ob *o, struct wk_stats *s, size_t top);

#ifdef __cplusplus
}
#endif

#endif
