/* Internal names of the raw scan engine (src/lib/scan): probe modules, probe templates,
 * replies reduced to the numbers a probe module checks, and UDP payloads. */
#ifndef WIREKIT_SCAN_INT_H
#define WIREKIT_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirekit/err.h"
#include "wirekit/scan.h"

#define SCAN_PKT_MAX 1600u /* a probe with the largest UDP payload fits */
#define SCAN_ETH_LEN 14u

/* What every probe of a scan shares: our address, source port, cookie key, link header. */
struct scan_ctx {
	uint32_t src;     /* our IPv4 address, host order */
	uint16_t sport;   /* TCP source port (UDP when fixed_sport) */
	bool fixed_sport; /* -g given: UDP keeps it instead of carrying the cookie */
	uint8_t key[16];  /* SipHash key of this run */
	bool l2;          /* frames start with an Ethernet header */
	uint8_t eth[SCAN_ETH_LEN];
	uint8_t mac[6]; /* ours, for ARP requests (arp.c) */
	/* IPv6 scans (probes6.c): a probe's "address" is the target's index in targets */
	bool v6;
	uint8_t src6[16];
	const struct wk_targets *targets;
	uint64_t ntargets;
	const struct scan_payloads *payloads; /* UDP payloads by port; may be NULL */
	/* probe shaping (wk_scan_opts): TTL (0: 64), extra data bytes, wrong checksums */
	uint8_t ttl;
	uint16_t data_len;
	bool badsum;
};

/* A probe made once: the bytes with destination, port and cookie fields zero, and the
 * checksums over that; each probe copies it and patches what varies (RFC 1624). */
struct scan_tmpl {
	uint8_t b[SCAN_PKT_MAX];
	size_t len;
	size_t l3; /* offset of the IPv4 header */
};

/* A received IPv4 packet reduced to what validation looks at. */
struct scan_reply {
	uint32_t src, dst; /* host order */
	uint8_t ttl, proto;
	uint16_t sport, dport; /* TCP/UDP */
	uint32_t seq, ack;     /* TCP */
	uint8_t flags;         /* TCP */
	uint8_t itype, icode;  /* ICMP */
	uint16_t iid, iseq;    /* ICMP echo/timestamp replies */
	bool quoted;           /* an ICMP error with a quoted IPv4 header + 8 bytes */
	uint32_t q_src, q_dst;
	uint8_t q_proto;
	uint16_t q_sport, q_dport; /* quoted TCP/UDP ports */
	uint32_t q_seq;            /* quoted TCP sequence number */
	uint8_t q_itype;           /* quoted ICMP type */
	uint16_t q_iid, q_iseq;    /* quoted ICMP identifier and sequence */
	bool arp;                  /* an ARP reply (RFC 826): src is its sender's address */
	uint8_t mac[6];            /* the ARP sender's hardware address; ND: the target's;
	                            * else with l2src the Ethernet source of the frame */
	bool l2src;                /* an IP reply in an Ethernet frame: mac is its source */
	/* IPv6 (reply6.c): proto is the next header (58 for ICMPv6); itype, icode, iid,
	 * iseq, q_* as for IPv4, addresses in the 16-byte fields */
	bool v6;
	bool nd; /* a neighbour advertisement (RFC 4861 4.4): tgt6 and mac */
	uint8_t src6[16], dst6[16], q_src6[16], q_dst6[16], tgt6[16];
};

/* What a probe module made of a reply: the target, the probe's port and the verdict. */
struct scan_verdict {
	uint32_t target; /* host order */
	uint16_t port;   /* the probed port (0 for ICMP probes) */
	uint8_t state;   /* enum wk_port_state as a port result */
	uint8_t reason;  /* enum wk_reason */
};

/* One probe type (zmap's probe modules): a template, the per-probe patch and the check of
 * replies. classify returns false for a reply that is not the answer to one of our probes
 * (wrong cookie, wrong numbers). */
struct scan_probe {
	const char *name;
	uint8_t ipproto;
	uint8_t proto;             /* enum wk_scan_proto of port results, 0xff for ICMP probes */
	enum wk_port_state silent; /* state of a probe without answer */
	int (*build)(struct scan_tmpl *t, const struct scan_ctx *c, struct wk_error *err);
	/* Write the probe for (dst, dport) into out (room SCAN_PKT_MAX); returns its length. */
	size_t (*make)(uint8_t *out, const struct scan_tmpl *t, const struct scan_ctx *c,
	               uint32_t dst, uint16_t dport);
	bool (*classify)(const struct scan_reply *r, const struct scan_ctx *c,
	                 struct scan_verdict *v);
};

extern const struct scan_probe scan_probe_tcp_syn, scan_probe_tcp_ack, scan_probe_udp,
    scan_probe_udp_unreach, scan_probe_icmp_echo, scan_probe_icmp_tstamp, scan_probe_arp;
/* The IPv6 forms (probes6.c), outside the name table: the engine swaps them in. */
extern const struct scan_probe scan_probe_tcp_syn6, scan_probe_tcp_ack6, scan_probe_udp6,
    scan_probe_udp_unreach6, scan_probe_icmp6_echo, scan_probe_nd;
/* The IPv6 form of an IPv4 probe module, NULL when there is none (ICMP timestamp). */
const struct scan_probe *scan_probe_v6(const struct scan_probe *m);
/* Index of a in c->targets, false when it is not a target. */
bool scan_index6(const struct scan_ctx *c, const uint8_t a[16], uint32_t *idx);
/* Every module, sorted by name (the unit test checks names are unique). */
extern const struct scan_probe *const scan_probes[];
extern const size_t scan_nprobes;
const struct scan_probe *scan_probe_find(const char *name);

/* Reduce a captured frame (link type lt) to a scan_reply. False when it is not IPv4 or
 * is too short or malformed; every byte is read through the bounded cursor. */
bool scan_parse(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *r);

/* An Ethernet frame holding an ARP reply (arp.c): fills r->arp, src, dst and mac. */
bool scan_parse_arp(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *r);
/* An IPv6 packet (reply6.c): Ethernet, cooked or raw IPv6; TCP, UDP, ICMPv6 with the
 * header an error quotes, neighbour advertisements. */
bool scan_parse6(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *r);
/* Where a run starts deciding: the resume position, or after a kill the start of the
 * interrupted scan's undecided positions (wk_scan_opts.resume_from). */
static inline uint64_t scan_decided0(const struct wk_scan_opts *o)
{
	return o->reported && o->resume_from < o->resume_pos ? o->resume_from : o->resume_pos;
}
/* Whether a result was reported before a kill (wk_scan_opts.reported), and so must not be
 * reported again. Only positions count: -sn's hosts, else ports (a port scan's host
 * records are not positions and are always reported). */
static inline bool scan_reported(const struct wk_scan_opts *o, const struct wk_scan_addr *a,
                                 uint8_t proto, uint16_t port)
{
	return o->reported && (proto == WK_SCAN_HOST) == (o->type == WK_SCAN_NONE) &&
	       o->reported(o->ctx, a, proto, port);
}
/* Big-endian stores into a probe template at an offset known to fit (probes.c,
 * probes6.c). */
static inline void scan_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void scan_put32(uint8_t *p, uint32_t v)
{
	scan_put16(p, (uint16_t)(v >> 16));
	scan_put16(p + 2, (uint16_t)v);
}
struct wk_rd;
/* Position r at the IP header of version ver (4, 6) under link type lt (Ethernet with up
 * to two VLAN tags, Linux cooked v1/v2, raw IP); mac (or NULL) gets the Ethernet source.
 * False for any other packet (reply.c, used by reply6.c). */
bool scan_link_skip(struct wk_rd *r, uint32_t lt, unsigned ver, uint8_t mac[6]);
/* The transport header quoted by an ICMP or ICMPv6 (icmp_proto) error, into o's q_
 * fields; o->quoted when it was all there (reply.c). */
void scan_quoted_l4(struct wk_rd *r, struct scan_reply *o, uint8_t icmp_proto);
/* Where a target lies (links.c), decided per host: one of our addresses, on the local
 * segment of the scan's interface, or behind a gateway. The lists are short and fixed
 * (nothing per target): the interface's gateway-less prefixes and the routes more
 * specific than them (longest prefix wins), and our addresses. */
#define SCAN_LINKS_MAX 32
struct scan_pfx {
	uint8_t a[16]; /* IPv4 in the first 4 bytes */
	uint8_t len;
	bool onlink; /* gateway-less on the scan's interface */
};
struct scan_links {
	struct scan_pfx r4[SCAN_LINKS_MAX], r6[SCAN_LINKS_MAX];
	unsigned n4, n6;
	uint8_t own4[SCAN_LINKS_MAX][4], own6[SCAN_LINKS_MAX][16];
	unsigned nown4, nown6;
};
enum scan_where { SCAN_ROUTED, SCAN_ONLINK, SCAN_OWN };
/* Our addresses (getifaddrs), the lists emptied first. */
void scan_links_load(struct scan_links *l);
/* The routes of one family (v6) from /proc/net/route or /proc/net/ipv6_route; ifname
 * "lo" has no segment. */
void scan_links_routes(struct scan_links *l, bool v6, const char *ifname);
/* The route part from an open file of that format (unit tests feed their own). */
void scan_links_read(struct scan_links *l, bool v6, FILE *f, const char *ifname);
/* Add one of our addresses (family AF_INET or AF_INET6). */
void scan_links_own(struct scan_links *l, int family, const uint8_t *a);
/* Where the address a (4 or 16 bytes, network order) lies; 127/8 and ::1 are ours. */
enum scan_where scan_links_where(const struct scan_links *l, bool v6, const uint8_t *a);
enum scan_where scan_links_where4(const struct scan_links *l, uint32_t a_host_order);
/* Whether some address of [lo, hi] may be on the segment, or ours. */
bool scan_links_span_onlink(const struct scan_links *l, bool v6, const uint8_t *lo,
                            const uint8_t *hi);
bool scan_links_span_own(const struct scan_links *l, bool v6, const uint8_t *lo, const uint8_t *hi);

/* UDP payloads from nmap-payloads (payloads.c): the first payload listed for a port. */
struct scan_payloads;
/* Load datadir/nmap-payloads (datadir NULL: $WIREKIT_DATADIR, then /usr/share/nmap).
 * A missing file is no error: *out is NULL and probes go out empty. */
int scan_payloads_load(const char *datadir, struct scan_payloads **out, struct wk_error *err);
/* Parse the text of an nmap-payloads file (for the unit test). */
int scan_payloads_parse(const char *text, size_t n, struct scan_payloads **out,
                        struct wk_error *err);
void scan_payloads_free(struct scan_payloads *p);
/* The payload for port, or NULL (len 0). */
const uint8_t *scan_payloads_get(const struct scan_payloads *p, uint16_t port, size_t *len);

/* The pcapng record (record.c): a probe as sent (link type of the sender), a validated
 * reply with its verdict as the packet comment. */
struct wk_pkt;
void scan_record_probe(struct wk_scan_record *r, const uint8_t *p, size_t n, uint32_t linktype);
void scan_record_reply(struct wk_scan_record *r, const struct wk_pkt *pkt, const char *comment);
/* A validated reply with its verdict as the comment, in the one form every scan type writes:
 * "198.19.0.5:80/tcp open syn-ack", "[2001:db8::1]:22/tcp ...", "198.19.0.5 up echo-reply"
 * (proto WK_SCAN_HOST: a host verdict), " duplicate" appended when dup. */
void scan_record_verdict(struct wk_scan_record *r, const struct wk_pkt *pkt,
                         const struct wk_scan_addr *a, uint8_t proto, uint16_t port, uint8_t state,
                         uint8_t reason, bool dup);
/* The connect scan's record (tap.c): a captured SYN as a probe (counted as probes are), and a
 * packet of a recorded connection that is neither probe nor answer (not counted). */
void scan_record_probe_pkt(struct wk_scan_record *r, const struct wk_pkt *pkt);
void scan_record_other(struct wk_scan_record *r, const struct wk_pkt *pkt);
/* Where a record opened for append may be written after (record_tail.c): the end of the last
 * whole block of the pcapng file fd of size bytes (read with pread, chunk bytes at a time).
 * A block is whole when its length is at least 12 (28 for a Section Header Block), a
 * multiple of 4, fits in the file, and its trailing length equals it; each section's byte
 * order comes from its SHB. A last block that runs past the end (or a tail shorter than a
 * block header: what a killed writer leaves) is not counted in *end. WK_EINVAL with a
 * message when the file does not begin with an SHB (not pcapng), or when a block before the
 * end is damaged (a bad length, magic or trailing length: no kill leaves that). */
int scan_record_whole_end(int fd, uint64_t size, size_t chunk, uint64_t *end, struct wk_error *err);

/* nmap's reason for an ICMP destination unreachable code (probes.c; connect.c too). */
uint8_t scan_unreach_reason(uint8_t code);

/* -Pn (hosts.c): after a port scan without discovery that ended with rc 0, every target is
 * reported up with nmap's reason user-set (also those that answered nothing) and the
 * summary counts them all up. Returns rc. */
int scan_hosts_user_set(const struct wk_scan_opts *o, struct wk_scan_summary *sum, int rc);
/* One host record for target i (its index in o->targets) to o->on_result (hosts.c). */
void scan_host_report(const struct wk_scan_opts *o, uint64_t i, uint8_t state, uint8_t reason);
/* -sL (hosts.c): every target reported with state unknown, reason user-set; -sn -Pn: every
 * target up, user-set (as nmap). No packet, no socket, no privilege. */
int scan_hosts_list(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                    struct wk_error *err);

#endif
