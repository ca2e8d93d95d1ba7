/* Internal to the packet language (spec.h): the parsed spec and the value parsers shared
 * by the parser (spec.c) and the value parsers (spec_value.c). */
#ifndef WK_SPEC_INT_H
#define WK_SPEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/spec.h"

/* One run of values: numbers lo..hi (n == 0), or the bytes b[0..n) whose last tail bytes
 * are replaced by the big-endian numbers lo..hi (addresses). */
struct seg {
	uint64_t lo, hi;
	uint16_t n;
	uint8_t tail;
	uint8_t b[WK_BUILD_VAL_MAX];
};

struct assign {
	const struct wk_field *f;
	size_t col;
	unsigned nseg, cap;
	struct seg *seg;
	uint64_t count;
};

struct slayer {
	const struct wk_proto *p;
	size_t col;
	unsigned nas;
	struct assign as[WK_BUILD_MAX_SET];
	const struct wk_field *optf; /* the layer's options text field, if it has one */
	char *opts;                  /* option words collected for optf (NUL terminated) */
	size_t nopts;
};

struct wk_spec {
	unsigned n;
	struct slayer l[WK_BUILD_MAX_LAYERS];
	uint8_t *payload;
	size_t npayload;
	bool has_payload;
	uint64_t count;
	/* the assignments with more than one value, with the product of the counts of the
	 * assignments that vary faster (the last layer's last field varies fastest) */
	unsigned nvary;
	struct vary {
		unsigned layer;
		const struct assign *a;
		uint64_t stride;
	} vary[WK_BUILD_MAX_LAYERS * WK_BUILD_MAX_SET];
};

/* Keeps the closest candidate seen, if close enough to be a likely typo. */
struct near {
	const char *want;
	char best[64];
	unsigned d;
};

static inline uint64_t spec_seg_count(const struct seg *g)
{
	return g->hi - g->lo + 1;
}

char spec_lower(char c);
/* Value k of segment g into a build value. */
void spec_seg_value(const struct seg *g, uint64_t k, struct wk_bval *v);
/* Hex bytes, optionally "0x" or "hex:" first, with ':', '-' or spaces between bytes. */
bool spec_parse_hex(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len);
/* A whole unsigned number (decimal or 0x hex). */
bool spec_parse_num(const char *s, size_t n, uint64_t *out);
bool spec_cstr(const char *s, size_t n, char *buf, size_t cap);
/* A host name as the value of an address field f, resolved (getaddrinfo) into g: 0, 1
 * when s is no host name, or a negative code with the resolver's reason in msg. */
int spec_resolve(const struct wk_field *f, const char *s, size_t n, struct seg *g, char *msg,
                 size_t cap);
/* One value token of field f into g; false when it is not a value of f. */
bool spec_parse_value(const struct wk_proto *p, const struct wk_field *f, const char *s, size_t n,
                      struct seg *g);
/* The one-bit sub-field of p whose last name part is s[0..n) ("df" for ip.flags.df,
 * "recdesired" for dns.flags.recdesired), or NULL. */
const struct wk_field *spec_flag_named(const struct wk_proto *p, const char *s, size_t n);
/* Did-you-mean: keep cand (n bytes) when it is the closest to nr->want so far. */
void spec_near_try(struct near *nr, const char *cand, size_t n);
/* Short names of the settable fields of p (full names and aliases without "p."). */
void spec_near_fields(struct near *nr, const struct wk_proto *p);

#endif
