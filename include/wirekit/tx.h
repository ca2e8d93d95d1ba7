/* The TX engine: a probe built once (struct wk_build, build.h) and patched per packet.
 *
 * A template holds the encoded bytes of a probe and learns "slots": the bytes of one field
 * (the destination address, a port, the TCP sequence number, the IP ID, the ICMP
 * identifier...) together with every checksum those bytes take part in (the IPv4 header
 * checksum, the transport checksum through its pseudo-header). Setting a slot in a copy of
 * the template writes the new value and fixes each of those checksums incrementally
 * (RFC 1624 eqn. 3), so a packet costs a memcpy and a few additions instead of an encode.
 *
 * Slots are learned from the encoder itself, with no protocol named here: the build is
 * encoded with two values of the field, the bytes that differ locate the field and its
 * checksums, and the patched template must then equal both fresh encodings byte for
 * byte, or the field is refused (WK_EUNSUP: a field that changes a length or the layout,
 * for instance). Typical use by a scanner:
 *
 *   struct wk_build b;  ... wk_build_add(&b, ip) ... set fields ... wk_build_add(&b, tcp) ...
 *   struct wk_templ *t = wk_templ_new(&b, &err);
 *   int dst = wk_templ_slot(t, WK_TEMPL_DST, &err), dport = wk_templ_slot(t, WK_TEMPL_DPORT, &err);
 *   int seq = wk_templ_slot(t, WK_TEMPL_SEQ, &err);
 *   for each target:
 *       uint8_t *pkt = batch[n]; size_t len = wk_templ_copy(t, pkt);
 *       wk_templ_set_bytes(t, pkt, dst, addr); wk_templ_set(t, pkt, dport, port);
 *       wk_templ_set(t, pkt, seq, cookie);
 *   wk_tx_send(tx, batch, lens, n, ...);          (send.h)
 */
#ifndef WIREKIT_TX_H
#define WIREKIT_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/build.h"
#include "wirekit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Well-known slots, found by role in the build: the outermost network layer (a protocol
 * flagged WK_PF_NETWORK: ip, ipv6) and the layer right after it (tcp, udp, icmp, icmp6). */
enum wk_templ_kind {
	WK_TEMPL_SRC,   /* network source address (4 or 16 bytes) */
	WK_TEMPL_DST,   /* network destination address */
	WK_TEMPL_SPORT, /* source port of the layer after the network layer */
	WK_TEMPL_DPORT, /* destination port */
	WK_TEMPL_IPID,  /* the network layer's "id" (IPv4 identification) */
	WK_TEMPL_SEQ,   /* the next layer's "seq": TCP sequence number, ICMP echo sequence */
	WK_TEMPL_ID,    /* the next layer's "id": ICMP/ICMPv6 echo identifier */
	WK_TEMPL_NKIND,
};

enum {
	WK_TEMPL_MAX_SLOTS = 32,
	/* wk_templ_set*: a patched checksum came out as 0x0000 or 0xffff, the two zeros of
	 * one's complement. Both verify, but a fresh encode stores one of them by its own
	 * rule (UDP sends a computed 0 as 0xffff, RFC 768): rebuild the packet when the exact
	 * bytes matter. The packet is valid either way for TCP and ICMP. */
	WK_TEMPL_CSUM_ZERO = 1,
};

struct wk_templ;

/* Encode b once and keep the bytes and a copy of b (payload pointers are borrowed: they
 * must outlive the template). WK_EUNSUP for a build with WK_BUILD_BADSUM (a wrong
 * checksum cannot be updated incrementally into the wrong value a fresh encode gives). */
struct wk_templ *wk_templ_new(const struct wk_build *b, struct wk_error *err);
void wk_templ_free(struct wk_templ *t);

/* Learn the slot of a well-known field or of any field of layer i by name ("ttl",
 * "ip.tos", "tcp.window"). Returns the slot number (>= 0; asking twice returns the same
 * one), WK_ENOTFOUND when the build has no such field, or WK_EUNSUP when the field
 * cannot be patched in place. */
int wk_templ_slot(struct wk_templ *t, enum wk_templ_kind kind, struct wk_error *err);
int wk_templ_field(struct wk_templ *t, unsigned layer, const char *name, struct wk_error *err);
/* Width of a slot's value in bytes (addresses: 4, 6 or 16), 0 for no such slot. */
unsigned wk_templ_width(const struct wk_templ *t, int slot);

/* The template's bytes and length. */
const uint8_t *wk_templ_bytes(const struct wk_templ *t, size_t *len);
/* Copy the template into pkt (room for wk_templ_bytes' length); returns the length. */
size_t wk_templ_copy(const struct wk_templ *t, uint8_t *pkt);
/* Set slot to v (a number in the field's own units, masks and byte order applied) or to
 * the bytes of an address, fixing the checksums it is part of. pkt must hold a copy of the
 * template whose other slots may have been set. Returns 0, WK_TEMPL_CSUM_ZERO (see
 * above), or WK_EINVAL (no such slot, a number that does not fit, a byte slot set as a
 * number or the other way round). */
int wk_templ_set(const struct wk_templ *t, uint8_t *pkt, int slot, uint64_t v);
int wk_templ_set_bytes(const struct wk_templ *t, uint8_t *pkt, int slot, const uint8_t *v);
/* The value of a number slot in pkt. */
uint64_t wk_templ_get(const struct wk_templ *t, const uint8_t *pkt, int slot);

#ifdef __cplusplus
}
#endif

#endif
