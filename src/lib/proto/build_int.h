/* Internal to src/lib/proto: helpers the protocol encoders share (see build.h). */
#ifndef WK_BUILD_INT_H
#define WK_BUILD_INT_H

#include "proto/proto_int.h"
#include "wirekit/build.h"
#include "wirekit/csum.h"

/* The value set for name in layer i, marked as consumed, or NULL. */
struct wk_bval *build_take(struct wk_build *b, unsigned i, const char *name);
/* The number set for name in layer i (marked consumed), else dflt. */
uint64_t build_uint(struct wk_build *b, unsigned i, const char *name, uint64_t dflt);
bool build_isset(const struct wk_build *b, unsigned i, const char *name);
/* The first key the protocol of layer i + 1 is bound to in ns (e.g. its EtherType), so a
 * header's "next protocol" field defaults to what follows it. When there is a layer i + 1
 * without a key in ns, the build records it and wk_build_encode refuses the packet. */
bool build_next_key(struct wk_build *b, unsigned i, enum wk_ns ns, uint32_t *key);
/* Pseudo-header sum (RFC 9293 3.1, RFC 768, RFC 8200 8.1) for layer i carried as upper
 * protocol proto with len bytes, from the nearest outer network layer's addresses.
 * False when there is none (the checksum then covers the layer alone). */
bool build_pseudo(const struct wk_build *b, unsigned i, uint8_t proto, uint32_t len, uint32_t *sum);
/* Store a computed checksum (host order) at byte off of layer i unless the user set
 * field name; WK_BUILD_BADSUM stores a value that cannot verify. */
void build_csum_store(struct wk_build *b, unsigned i, const char *name, size_t off, uint16_t c);
/* The transport checksum of layer i (TCP, UDP, ICMPv6): pseudo-header of the nearest outer
 * network layer (when there is one) plus the layer and its payload, stored at off unless
 * the user set name. zero_as_ffff: UDP sends a computed 0 as 0xffff (RFC 768). */
void build_l4_csum(struct wk_build *b, unsigned i, uint8_t proto, const char *name, size_t off,
                   bool zero_as_ffff);
/* Store v at byte off of layer i unless field name was set. */
void build_len_store(struct wk_build *b, unsigned i, const char *name, size_t off, uint16_t v);

static inline uint8_t *build_at(const struct wk_build *b, unsigned i)
{
	return b->out + b->l[i].off;
}

/* Bytes from layer i's first byte to the end of the packet. */
static inline size_t build_span(const struct wk_build *b, unsigned i)
{
	return b->len - b->l[i].off;
}

#endif
