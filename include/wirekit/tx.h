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
#include <time.h>

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

/* ---- packets from a spec (wirekit send) ---------------------------------------------- */

struct wk_spec;

/* What a generator fills in that the spec leaves unset. Always: a random IP ID, TCP
 * sequence number and source port per packet, one ICMP identifier per run (as ping), the
 * ICMP echo sequence counting packets from 0. */
struct wk_txgen_opts {
	uint64_t seed;     /* of those random numbers; 0: from getrandom() */
	bool badsum;       /* every checksum wrong on purpose (WK_BUILD_BADSUM) */
	bool prepend_eth;  /* an Ethernet header before the spec's first layer */
	bool route_src;    /* the network source address from the route to the destination */
	bool route_strict; /* ... and a failed look-up is an error (else the encoder's default) */
	bool link_addrs;   /* Ethernet source = mac, destination = the neighbour of the
	                    * network destination on ifname (its table, else ARP/NS) */
	char ifname[16];
	uint8_t mac[6];
	bool fresh; /* encode every packet afresh (comparisons; slower) */
};

struct wk_txgen;

/* A generator over the spec's packets. It builds packet 0 as a template and learns a slot
 * for every field that varies (wk_spec_vary) and every default above, so a packet is the
 * template patched; specs it cannot patch (a varying field that changes a length, a
 * destination range whose source or link addresses come from routes, --badsum) are
 * encoded afresh per packet. Both ways give the same bytes for the same seed. s must
 * outlive the generator. */
struct wk_txgen *wk_txgen_new(const struct wk_spec *s, const struct wk_txgen_opts *o,
                              struct wk_error *err);
void wk_txgen_free(struct wk_txgen *g);
/* Packet n of the run (spec packet n % count) into out[0..cap). */
int wk_txgen_make(struct wk_txgen *g, uint64_t n, uint8_t *out, size_t cap, size_t *len,
                  struct wk_error *err);
/* True when packets are patched templates. */
bool wk_txgen_templated(const struct wk_txgen *g);
/* The route defaults of packet 0's outermost network destination: the interface the
 * route uses (WK_ENOTFOUND when the packet has no network destination), and with
 * timeout_ms > 0 whether that destination is on the link: its MAC (neighbour table, else
 * ARP/NS within timeout_ms) and ours, WK_ENOTFOUND when it is not (or on lo). */
int wk_txgen_route(struct wk_txgen *g, char ifname[16], int timeout_ms, uint8_t mac[6],
                   uint8_t mymac[6], struct wk_error *err);

/* ---- sending loops ------------------------------------------------------------------ */

struct wk_tx;

struct wk_txrun_opts {
	uint64_t total;           /* packets to send; 0 with flood: until *stop */
	bool flood;               /* batches of up to 64, as fast as the socket takes them */
	double rate;              /* packets per second (token bucket, pace.h); 0: no limit */
	double interval;          /* seconds between packets; 0: none */
	size_t frag;              /* cut IPv4 packets into fragments of this many payload bytes */
	uint32_t linktype;        /* of the generated packets (to find the IPv4 header for frag) */
	bool badsum;              /* fragments' header checksums wrong too */
	const volatile int *stop; /* ends the run when it becomes non-zero (a signal handler) */
	void *ctx;
	/* Paced runs: after packet n (whole[0..wlen)) went to the socket as npkt pieces
	 * (more than one when fragmented), at wall-clock time ts. r is what wk_tx_send
	 * returned, e its errno. A negative return ends the run with that code. */
	int (*sent)(void *ctx, uint64_t n, const uint8_t *whole, size_t wlen,
	            const uint8_t *const *pkt, const size_t *len, unsigned npkt,
	            const struct timespec *ts, int r, int e);
	/* Paced runs: wait until monotonic time until_ns (replies may be taken meanwhile);
	 * NULL sleeps. A negative return ends the run. */
	int (*wait)(void *ctx, uint64_t until_ns);
};

struct wk_txrun_stats {
	uint64_t sent;   /* packets the kernel took */
	uint64_t errors; /* packets (paced) or batches (flood) not taken in full */
};

/* Send packets 0, 1, ... of g through tx as o says. Returns 0, or the first hard error
 * (WK_EPERM, a packet that cannot be built, a callback's code); counts in st. */
int wk_txrun(struct wk_txgen *g, struct wk_tx *tx, const struct wk_txrun_opts *o,
             struct wk_txrun_stats *st, struct wk_error *err);

#ifdef __cplusplus
}
#endif

#endif
