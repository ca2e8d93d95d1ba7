/* The packet language of `wirekit send`: layers joined by '/', each a protocol name with
 * fields in parentheses, then optionally a payload:
 *
 *   ip(dst=198.18.0.2,ttl=1-8)/udp(dport=33434,33435)/"probe\n"
 *
 * Field names are the shared field table names (short form within a layer: ttl for
 * ip.ttl; tshark aliases too). Values are numbers (decimal, 0x hex), value names
 * (echo-request), addresses, MACs, flag letters (SA, or sub-field names such as DF), hex
 * byte strings and text. Ranges (a-b, CIDR a/len) and lists (a,b,c) expand to the cross
 * product of every field's values, the last field varying fastest. Payloads are "text"
 * (C escapes), hex:0a0b... or @file. Everything is driven by the protocol descriptors:
 * no protocol is named in the parser. */
#ifndef WIREKIT_SPEC_H
#define WIREKIT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/build.h"
#include "wirekit/err.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	WK_SPEC_MAX_LEN = 65536,        /* bytes of spec text */
	WK_SPEC_MAX_LIST = 1024,        /* list items (ranges count once) of one field */
	WK_SPEC_MAX_PAYLOAD = 65535,    /* bytes of a payload */
	WK_SPEC_MAX_PACKETS = 1u << 24, /* packets one spec may expand to */
};

struct wk_spec;

/* Parse text. On failure returns NULL, fills err (for instance "unknown field 'tll' in
 * ip(); did you mean 'ttl'?") and *col (if not NULL) with the byte offset in text the
 * error is about, for a caret under it. @file payloads are read here. */
struct wk_spec *wk_spec_parse(const char *text, struct wk_error *err, size_t *col);
/* The same with flags: WK_SPEC_RESOLVE lets address fields take host names, resolved
 * once here with getaddrinfo (the first address of the field's family; /etc/hosts or
 * DNS), so this may wait on a resolver. Without it a name is a bad value. */
enum { WK_SPEC_RESOLVE = 1 << 0 };
struct wk_spec *wk_spec_parse_flags(const char *text, unsigned flags, struct wk_error *err,
                                    size_t *col);
void wk_spec_free(struct wk_spec *s);

/* Packets the spec expands to (>= 1). */
uint64_t wk_spec_count(const struct wk_spec *s);
unsigned wk_spec_nlayers(const struct wk_spec *s);
const struct wk_proto *wk_spec_proto(const struct wk_spec *s, unsigned i);
/* True when layer i of the spec sets the field (any accepted name). */
bool wk_spec_isset(const struct wk_spec *s, unsigned i, const char *field);
/* True when the field of layer i takes more than one value across the packets. */
bool wk_spec_varies(const struct wk_spec *s, unsigned i, const char *field);

/* The fields whose value changes across the spec's packets, resolved once (a packet
 * generator patches only these): field k (0 <= k < wk_spec_nvary) of spec layer *layer,
 * and its value in packet idx exactly as wk_spec_build sets it (numbers in u, addresses
 * and bytes in b[0..n)). */
unsigned wk_spec_nvary(const struct wk_spec *s);
const struct wk_field *wk_spec_vary(const struct wk_spec *s, unsigned k, unsigned *layer);
void wk_spec_vary_value(const struct wk_spec *s, unsigned k, uint64_t idx, struct wk_bval *v);

/* Append the layers of packet idx (0 <= idx < count) to b, with their set values and the
 * payload (which points into s: keep s alive until b is encoded). Layer i of the spec is
 * layer b->n + i of b, b->n taken on entry (a caller may add a link layer first). */
int wk_spec_build(const struct wk_spec *s, uint64_t idx, struct wk_build *b, struct wk_error *err);

/* Edit distance (insertions, deletions, substitutions, adjacent transpositions), used
 * for the did-you-mean suggestions; exposed for tests. Strings longer than 63 bytes
 * count as far apart. */
unsigned wk_spec_distance(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
