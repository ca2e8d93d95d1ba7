/* Protocols, fields and dissection. A dissected packet is a short array of layers
 * (protocol, offset, length, flags) over the original bytes: nothing is copied.
 * Each protocol is one constant struct wk_proto in src/lib/proto/<name>.c with its
 * field table; all generic code (field extraction, JSON, tree, spec) is driven by it. */
#ifndef WIREKIT_PROTO_H
#define WIREKIT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/cursor.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wk_pkt;
struct wk_layer;
struct wk_proto;
struct wk_line;

/* ---- values and fields ---------------------------------------------------------- */

enum wk_ftype {
	WK_FT_NONE,
	WK_FT_UINT,  /* u */
	WK_FT_BOOL,  /* u is 0 or 1 */
	WK_FT_IP4,   /* p[0..4) */
	WK_FT_IP6,   /* p[0..16) */
	WK_FT_MAC,   /* p[0..6) */
	WK_FT_BYTES, /* p[0..n) shown as hex */
	WK_FT_STR,   /* p[0..n) text (may hold any byte; writers escape) */
};

/* A value read from a packet. p points into the packet or into buf. */
struct wk_val {
	enum wk_ftype type;
	uint64_t u;
	const uint8_t *p;
	size_t n;
	uint8_t buf[256];
};

/* Name for a numeric value, e.g. ICMP type 8 = "echo-request". Arrays end with name NULL. */
struct wk_vname {
	uint32_t v;
	const char *name;
};

/* Field getter for what offset/width cannot express. Fills v for occurrence idx of the
 * field in layer l and returns true, or returns false when there is no such occurrence. */
typedef bool (*wk_field_get_fn)(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                                struct wk_val *v);

enum wk_frole {
	WK_ROLE_NONE,
	WK_ROLE_SRC, /* source address: conversations, line output */
	WK_ROLE_DST,
	WK_ROLE_SPORT, /* source port */
	WK_ROLE_DPORT,
};

enum wk_fflag {
	WK_FF_HEX = 1 << 0,    /* display in hex (0x..) */
	WK_FF_LEN = 1 << 1,    /* a length the encoder fills unless set */
	WK_FF_CSUM = 1 << 2,   /* a checksum the encoder fills unless set */
	WK_FF_NOENC = 1 << 3,  /* read-only (derived), not settable in a spec */
	WK_FF_LE = 1 << 4,     /* little-endian on the wire (radiotap) */
	WK_FF_SIGNED = 1 << 5, /* two's complement (radiotap dBm) */
	WK_FF_HIDDEN = 1 << 6, /* not shown in -V / JSON (aliases of the same bytes) */
	WK_FF_NAMEIN = 1 << 7, /* names are spellings a spec accepts, not shown: their
	                        * meaning depends on another field (ICMP codes by type) */
};

struct wk_field {
	const char *name;  /* full name: "ip.src" */
	const char *alias; /* other accepted names, space separated ("ip.addr" is not one) */
	const char *title; /* "Source Address" */
	enum wk_ftype type;
	uint16_t off;  /* byte offset from the layer start (when get is NULL) */
	uint8_t width; /* bytes: 1, 2, 3, 4, 6, 8 or the address size */
	uint8_t flags; /* enum wk_fflag */
	uint32_t mask; /* for bit fields: value = (read & mask) >> ctz(mask); 0 = whole */
	uint8_t role;  /* enum wk_frole */
	wk_field_get_fn get;
	const struct wk_vname *names;
};

/* ---- layers and packets ------------------------------------------------------------ */

enum wk_lflag {
	WK_LF_TRUNC = 1 << 0,   /* the capture ended inside this layer */
	WK_LF_INVALID = 1 << 1, /* an impossible value; why says which */
	WK_LF_QUOTED = 1 << 2,  /* inside an ICMP/ICMPv6 error: lengths are not enforced */
	WK_LF_FRAG = 1 << 3,    /* a non-first fragment: payload not dissected */
	WK_LF_MORE = 1 << 4,    /* a fragment with more to come (MF set or v6 M flag) */
	WK_LF_CSUM_BAD = 1 << 5,
};

struct wk_layer {
	const struct wk_proto *proto;
	uint32_t off;    /* from the packet start */
	uint32_t hlen;   /* header bytes dissected (as captured) */
	uint32_t len;    /* bytes from off to the end of this layer's data, payload included */
	uint32_t aux;    /* protocol's own use (e.g. option/record count) */
	uint16_t flags;  /* enum wk_lflag */
	const char *why; /* static text when WK_LF_INVALID */
};

#define WK_MAX_LAYERS 24

/* What some fields need from outside the packet (tshark's frame.time_relative, .._delta,
 * frame.interface_name, tcp.stream): kept across packets by the printer (wirekit/out.h,
 * wk_pktctx_*); a packet without one (ctx NULL) has none of those fields. */
struct wk_pkt_ctx {
	/* the first packet read, the previous one read, the previous one shown */
	int64_t first_sec, prev_sec, shown_sec;
	uint32_t first_nsec, prev_nsec, shown_nsec;
	bool have_first, have_prev, have_shown;
	bool ifaces; /* the source numbers interfaces (pcapng): frame.interface_id */
	const char *(*ifname)(const void *arg, uint32_t ifid); /* NULL or NULL: unknown */
	const void *ifarg;
	struct wk_streams *streams; /* tcp.stream numbering (wk_streams_new); NULL: none */
	uint32_t tcp_stream;        /* of this packet's outermost TCP layer; UINT32_MAX: none */
};

struct wk_pkt {
	const uint8_t *data;
	uint32_t caplen;   /* bytes in data */
	uint32_t wirelen;  /* original length on the wire */
	int64_t ts_sec;    /* UTC seconds */
	uint32_t ts_nsec;  /* nanoseconds */
	uint32_t linktype; /* LINKTYPE_* (pcap link type) */
	uint32_t ifid;     /* pcapng interface id */
	uint64_t number;   /* 1-based frame number */
	uint8_t nlayers;
	struct wk_layer l[WK_MAX_LAYERS];
	uint32_t rest_off; /* first byte no layer claimed (payload) */
	uint32_t rest_len;
	const struct wk_pkt_ctx *ctx; /* NULL: no state across packets */
};

/* ---- dissection --------------------------------------------------------------------- */

/* Where the next layer is looked up: a number in a name space, as bound by protocols. */
enum wk_ns {
	WK_NS_NONE = 0,
	WK_NS_LINKTYPE,  /* pcap LINKTYPE_* */
	WK_NS_ETHERTYPE, /* also GRE protocol type, SLL protocol, VLAN inner type */
	WK_NS_IPPROTO,   /* IPv4 protocol / IPv6 next header */
	WK_NS_UDP,       /* UDP port */
	WK_NS_TCP,       /* TCP port */
	WK_NS_PPP,       /* PPP protocol number */
	WK_NS_LLC,       /* LLC DSAP */
	WK_NS_NLPID,     /* frame relay / OSI NLPID */
	WK_NS_CHDLC,     /* Cisco HDLC protocol (ethertype-like) */
	WK_NS_NULLFAM,   /* BSD loopback address family */
	WK_NS_PROTO,     /* key is an index into the registry (wk_proto_index) */
	WK_NS_MAX,
};

struct wk_next {
	uint8_t ns;
	uint8_t nkeys;  /* 1 or 2: keys tried in order (UDP tries dst then src port) */
	uint16_t flags; /* WK_LF_QUOTED etc. inherited by every inner layer */
	uint32_t key[2];
};

static inline void wk_next_set(struct wk_next *n, enum wk_ns ns, uint32_t key)
{
	n->ns = (uint8_t)ns;
	n->nkeys = 1;
	n->key[0] = key;
}

/* Dissector contract. On entry r->cur is the first byte of this layer and r->end the end
 * of the bytes available to it; l->off, l->proto and the inherited flags are set. The
 * function reads its header through r, sets WK_LF_TRUNC/WK_LF_INVALID (+why) on l, may
 * clip r->end to the declared payload length (wk_rd_clip), and returns with r->cur at
 * its payload. It names the next layer in *next (ns NONE: stop; the rest is payload).
 * It must not set next after a truncated or invalid header. It never allocates. */
typedef void (*wk_dissect_fn)(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r,
                              struct wk_next *next);

/* One-line summary (tcpdump -n style), see out.h for struct wk_line. */
typedef void (*wk_line_fn)(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l);

struct wk_bind {
	uint8_t ns;
	uint32_t key;
};

enum wk_pflag {
	WK_PF_PORTS = 1 << 0,   /* a transport: its line output consumes pending addresses */
	WK_PF_NETWORK = 1 << 1, /* carries addresses (conversations use the outermost one) */
	WK_PF_LINK = 1 << 2,
	WK_PF_EMPTY_OK = 1 << 3,  /* dissected even with no bytes left (headers of length 0) */
	WK_PF_EXTHDR = 1 << 4,    /* an IPv6 extension header: statistics look through it */
	WK_PF_DUMP_REST = 1 << 5, /* as the last layer, its payload follows the line in hex
	                           * (tcpdump's default print of an unknown type) */
};

struct wk_build;
/* Encode contract (see build.h): write this layer's header with defaults and any
 * values the spec set into w; lengths and checksums may be written as 0 and are
 * patched by finish once the payload is known (finish runs innermost first). */
typedef int (*wk_encode_fn)(struct wk_build *b, unsigned i, struct wk_wr *w);
typedef int (*wk_finish_fn)(struct wk_build *b, unsigned i);

struct wk_proto {
	const char *name;   /* short name used for field prefixes and the spec: "ip" */
	const char *title;  /* "Internet Protocol Version 4" */
	const char *tshark; /* tshark's protocol name when it differs ("eth" for ether) */
	uint32_t flags;     /* enum wk_pflag */
	const struct wk_field *fields;
	size_t nfields;
	const struct wk_bind *binds; /* where this protocol is found; ns NONE ends */
	wk_dissect_fn dissect;
	wk_line_fn line;
	wk_encode_fn encode; /* NULL: cannot be built */
	wk_finish_fn finish;
	uint16_t min_hlen; /* encoder: header size without options */
};

/* Registry: every protocol, sorted by name. */
size_t wk_proto_count(void);
const struct wk_proto *wk_proto_at(size_t i);
const struct wk_proto *wk_proto_find(const char *name); /* name or tshark name */
const struct wk_proto *wk_proto_lookup(enum wk_ns ns, uint32_t key);
int wk_proto_index(const struct wk_proto *p);

/* Field lookup by full name or alias ("ip.src", "tcp.srcport"). Pseudo fields of the
 * frame ("frame.len", "frame.number", ...) belong to the proto named "frame". */
const struct wk_field *wk_field_find(const char *name, const struct wk_proto **proto);
/* Every field a name stands for, at most max: the field of that name and the fields of
 * other protocols that take it as an alias (tshark names the fields of Linux cooked
 * capture v1 and v2 alike, sll.*). Returns how many there are (may exceed max). */
size_t wk_field_find_all(const char *name, const struct wk_field **f, const struct wk_proto **proto,
                         size_t max);
/* Read occurrence idx of field f in layer l; false when absent or not captured. */
bool wk_field_get(const struct wk_pkt *p, const struct wk_layer *l, const struct wk_field *f,
                  unsigned idx, struct wk_val *v);
/* Name of a value from f->names, or NULL. */
const char *wk_field_vname(const struct wk_field *f, uint64_t v);
const char *wk_vname_find(const struct wk_vname *names, uint64_t v);

/* Dissect p->data[0..caplen) as link type p->linktype into p->l. Never fails: damage is
 * recorded on the layers. */
void wk_dissect(struct wk_pkt *p);

/* Convenience: first layer of proto (by pointer) at or after index from; -1 if none. */
int wk_pkt_find(const struct wk_pkt *p, const struct wk_proto *proto, int from);

/* Read helpers for dissectors and getters: bytes of layer l at off..off+n, or NULL when
 * not captured. */
static inline const uint8_t *wk_layer_bytes(const struct wk_pkt *p, const struct wk_layer *l,
                                            size_t off, size_t n)
{
	if (off > l->len || n > l->len - off)
		return NULL;
	return p->data + l->off + off;
}

/* Length of layer l as it was on the wire: its captured bytes, plus what the capture cut
 * off when the layer runs to the end of the capture (summaries print this, as tcpdump). */
static inline uint64_t wk_layer_wirelen(const struct wk_pkt *p, const struct wk_layer *l)
{
	uint64_t len = l->len;
	if (l->off + l->len >= p->caplen && p->wirelen > p->caplen)
		len += p->wirelen - p->caplen;
	return len;
}

#ifdef __cplusplus
}
#endif

#endif
