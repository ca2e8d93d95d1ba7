/* Internal layout of a target set (core/targets.c, core/targets_parse.c): IPv4 intervals of
 * host-order values, IPv6 intervals inside one /64 (prefixes stop at /112), and after
 * finish one table of both with the running count in front of each, for at(i). */
#ifndef WK_CORE_TARGETS_INT_H
#define WK_CORE_TARGETS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "wirekit/scan.h"

/* Bounds on what one token or one set may expand to (8 or 24 bytes an interval). */
#define TARGETS_TOKEN_MAX_IV (1u << 20)
#define TARGETS_MAX_IV       (1u << 23)

struct iv4 {
	uint32_t lo, hi;
};
struct iv6 {
	uint64_t net;    /* upper 64 bits, host order */
	uint64_t lo, hi; /* lower 64 bits, inclusive */
};

struct ivlist4 {
	struct iv4 *v;
	size_t n, cap;
};
struct ivlist6 {
	struct iv6 *v;
	size_t n, cap;
};

/* What one token parsed to: intervals appended to the two lists. */
struct targets_tok {
	struct ivlist4 *v4;
	struct ivlist6 *v6;
};

int targets_push4(struct ivlist4 *l, uint32_t lo, uint32_t hi);
int targets_push6(struct ivlist6 *l, uint64_t net, uint64_t lo, uint64_t hi);
/* Parse one token into the lists; special ranges are left out when skip_special and the
 * token names more than one address. A host name resolves to family (AF_UNSPEC: IPv4
 * first, else IPv6). Messages name the token. */
int targets_parse_token(const char *tok, struct ivlist4 *v4, struct ivlist6 *v6, bool skip_special,
                        int family, struct wk_error *err);

#endif
