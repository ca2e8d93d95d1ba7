/* Packet building: a list of layers, outermost first, each a protocol plus the fields the
 * user set and optional payload bytes. wk_build_encode() asks every protocol to write its
 * header with defaults (.encode), applies the set values through the field tables, then
 * lets each protocol fill lengths and checksums innermost first (.finish) unless the user
 * set them. Everything is driven by the protocol descriptors (proto.h). */
#ifndef WIREKIT_BUILD_H
#define WIREKIT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	WK_BUILD_MAX_LAYERS = 16,
	WK_BUILD_MAX_SET = 24, /* set fields per layer */
	WK_BUILD_VAL_MAX = 64, /* bytes of an address, byte string or text value */
};

/* One value the user set for a field of a layer. */
struct wk_bval {
	const struct wk_field *f;
	uint64_t u;                  /* WK_FT_UINT / WK_FT_BOOL */
	uint16_t n;                  /* bytes in b (addresses, WK_FT_BYTES, WK_FT_STR) */
	bool used;                   /* consumed by the protocol (getter-only fields) */
	bool soft;                   /* a default (wk_build_set_default): ignored, not refused,
	                              * where the message has no such field */
	uint8_t b[WK_BUILD_VAL_MAX]; /* addresses in network order; text not terminated */
};

struct wk_blayer {
	const struct wk_proto *proto;
	unsigned nset;
	struct wk_bval set[WK_BUILD_MAX_SET];
	const uint8_t *payload; /* not copied: must outlive wk_build_encode */
	size_t npayload;
	/* Filled by wk_build_encode: where the layer sits in the output. */
	uint32_t off;
	uint32_t hlen; /* header bytes its encode wrote (payload excluded) */
};

enum wk_build_flag {
	WK_BUILD_BADSUM = 1 << 0, /* store every computed checksum wrong (tests of receivers) */
};

struct wk_build {
	unsigned n;
	unsigned flags; /* enum wk_build_flag */
	struct wk_blayer l[WK_BUILD_MAX_LAYERS];
	/* During wk_build_encode: the output and its length so far. */
	uint8_t *out;
	size_t len;
	/* 1 + the first layer whose encoder found no number for the layer after it (an
	 * EtherType for tcp(), an IP protocol for arp()): the packet is refused. */
	unsigned nokey;
	enum wk_ns nokey_ns;
};

void wk_build_init(struct wk_build *b);
/* Append a layer; returns its index or a negative code. */
int wk_build_add(struct wk_build *b, const struct wk_proto *p, struct wk_error *err);
/* Field of p by full name ("ip.src"), alias ("ip.checksum") or short name ("src"). */
const struct wk_field *wk_build_field(const struct wk_proto *p, const char *name);
/* Set a field of layer i (setting twice replaces). Read-only fields are WK_EINVAL. */
int wk_build_set_uint(struct wk_build *b, unsigned i, const char *name, uint64_t v,
                      struct wk_error *err);
int wk_build_set_bytes(struct wk_build *b, unsigned i, const char *name, const void *p, size_t n,
                       struct wk_error *err);
/* A default the caller fills (a packet generator's random or counted numbers): set as
 * wk_build_set_uint, but a getter field the message turns out not to have (the originate
 * time of an ICMP type other than timestamp) is left out instead of refused. */
int wk_build_set_default(struct wk_build *b, unsigned i, const char *name, uint64_t v,
                         struct wk_error *err);
/* Set from text as a user types it: numbers (decimal or 0x hex), value names of the field
 * ("echo-request"), addresses, hex byte strings; text fields (tcp.options) verbatim. */
int wk_build_set_text(struct wk_build *b, unsigned i, const char *name, const char *text,
                      struct wk_error *err);
/* Bytes written right after layer i's header (before any inner layer). */
int wk_build_payload(struct wk_build *b, unsigned i, const void *p, size_t n, struct wk_error *err);
/* The value set for name in layer i, or NULL. */
const struct wk_bval *wk_build_get(const struct wk_build *b, unsigned i, const char *name);

/* Encode into out[0..cap); *len gets the packet length. WK_ENOMEM when cap is too small,
 * WK_EINVAL for a value that does not fit its field, a layer that cannot be built, or a
 * layer its outer layer has no number for (ether()/tcp(): no EtherType says TCP; the
 * frame would carry a made-up type). */
int wk_build_encode(struct wk_build *b, uint8_t *out, size_t cap, size_t *len,
                    struct wk_error *err);

#ifdef __cplusplus
}
#endif

#endif
