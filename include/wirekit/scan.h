/* Host discovery and port scanning (wirekit scan): target sets that stay intervals (a /8 is
 * one entry, not 16M), nmap port lists and nmap's own nmap-services file, a keyed
 * permutation of the target x port space with shards and a resume position, stateless
 * reply validation (SipHash cookies), the scan engine (raw probes sent from templates,
 * replies from a TPACKET_V3 ring in their own thread; or kernel connects on the epoll
 * loop), and result records with nmap's states and reasons.
 *
 * This header is the contract between the scan modules; each section names its file. */
#ifndef WIREKIT_SCAN_H
#define WIREKIT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/out.h"
#include "wirekit/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- addresses of any family (core/targets.c) ------------------------------------------ */

struct wk_scan_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t b[16];  /* network order; IPv4 in b[0..4) */
};

/* ---- target sets (core/targets.c) ------------------------------------------------------ */

/* An ordered set of intervals of addresses. IPv4 intervals are [lo, hi] of host-order
 * 32-bit values; IPv6 intervals are a base plus a count (prefixes up to /112 only, so at
 * most 65,536 addresses each). Memory grows with the number of intervals the user wrote,
 * never with the number of addresses. */
struct wk_targets;

struct wk_targets *wk_targets_new(struct wk_error *err);
void wk_targets_free(struct wk_targets *t);
/* One target as a user types it: 198.18.0.2, 198.18.0.0/15, 198.18.0.1-50 (last octet
 * range), nmap octet ranges 198.18.0-3.1-254 (each octet a comma list of N, N-M, N-, -M or
 * '*'), 198.18.0.1-198.18.2.7, an IPv6 address or prefix (/112 .. /128), a host name
 * (resolved once here, getaddrinfo with AI_ADDRCONFIG off; the first IPv4 address, else
 * the first IPv6 one; "name/24" allowed). A token naming one address is kept even if it is
 * special; ranges and prefixes leave out multicast, 0.0.0.0/8, 240.0.0.0/4 and
 * 255.255.255.255 (IPv6: ff00::/8). One token expands to at most 2^20 intervals (one per
 * combination of the octets above the lowest partial one), a set to 2^23. WK_EINVAL
 * (message names the token) for bad syntax, WK_ENOTFOUND for a name that does not
 * resolve. */
int wk_targets_add(struct wk_targets *t, const char *token, struct wk_error *err);
/* Tokens separated by white space, commas or new lines from a file ("-": stdin); '#'
 * starts a comment. Errors name the file and line. (In a file a comma ends a token, so
 * octet lists such as 10.0.1,3.1 only work through wk_targets_add.) */
int wk_targets_add_file(struct wk_targets *t, const char *path, struct wk_error *err);
/* One family for the set (nmap's -4 and -6): AF_INET or AF_INET6 makes host names resolve
 * to that family only and refuses addresses of the other (WK_EINVAL naming the token);
 * AF_UNSPEC (the default) takes both, names resolving to IPv4 first. Applies to the tokens
 * added after it. WK_EINVAL for another value. */
int wk_targets_family(struct wk_targets *t, int family, struct wk_error *err);
/* Remove what a token (or a file of tokens) names, any syntax above. */
int wk_targets_exclude(struct wk_targets *t, const char *token, struct wk_error *err);
int wk_targets_exclude_file(struct wk_targets *t, const char *path, struct wk_error *err);
/* Sort, merge overlaps, apply the exclusions. WK_EINVAL "no targets left" when empty.
 * count, at and has read the set as the last finish left it (tokens added later need
 * another finish). IPv4 addresses come before IPv6 ones in at's order. */
int wk_targets_finish(struct wk_targets *t, struct wk_error *err);
/* Number of addresses (after finish). */
uint64_t wk_targets_count(const struct wk_targets *t);
/* The i-th address in sorted order, i < count: O(log intervals). */
void wk_targets_at(const struct wk_targets *t, uint64_t i, struct wk_scan_addr *out);
/* Whether a is in the set (replies from elsewhere are not results). */
bool wk_targets_has(const struct wk_targets *t, const struct wk_scan_addr *a);
/* Its index i (wk_targets_at(t, i) is a), false when a is not in the set: O(log
 * intervals). */
bool wk_targets_index(const struct wk_targets *t, const struct wk_scan_addr *a, uint64_t *idx);

/* ---- services and port lists (core/ports.c) -------------------------------------------- */

enum wk_scan_proto { WK_SP_TCP = 0, WK_SP_UDP = 1, WK_SP_SCTP = 2, WK_SP_NPROTO };

/* nmap's nmap-services: names and open frequencies per port. */
struct wk_services;
/* Load datadir/nmap-services (datadir NULL: $WIREKIT_DATADIR, then /usr/share/nmap).
 * WK_ENOTFOUND names the paths tried; WK_EFORMAT names the line. */
struct wk_services *wk_services_load(const char *datadir, struct wk_error *err);
void wk_services_free(struct wk_services *s);
/* Service name of a port ("http"), or NULL. s may be NULL. */
const char *wk_services_name(const struct wk_services *s, enum wk_scan_proto p, uint16_t port);
/* Port of a name for proto, or -1. */
int wk_services_port(const struct wk_services *s, enum wk_scan_proto p, const char *name);

/* A list of (proto, port), sorted by proto then port, no duplicates. */
struct wk_port {
	uint8_t proto; /* enum wk_scan_proto */
	uint16_t port;
};
struct wk_ports {
	struct wk_port *v;
	uint32_t n;
};
/* nmap -p syntax: "22,80,443", "1-1024", "-" (1-65535), "-100", "60000-", "U:53,T:22-25",
 * service names ("http,ssh", wildcards "http*", needs s), "[1-1024]" is not supported.
 * Ports without T:/U:/S: apply to every proto in protos (a bit mask of
 * 1 << enum wk_scan_proto; 0 means TCP). Port 0 and values above 65535 are WK_EINVAL naming
 * the culprit. Merges into out (which stays sorted and unique); out is unchanged on
 * error. */
int wk_ports_parse(struct wk_ports *out, const char *spec, unsigned protos,
                   const struct wk_services *s, struct wk_error *err);
/* The n most frequent ports of proto from nmap-services (nmap's --top-ports order: open
 * frequency descending, ties by port ascending; checked against nmap 7.93's own lists).
 * Merged into out, sorted by port; all of them when n is larger than the file has. */
int wk_ports_top(struct wk_ports *out, const struct wk_services *s, enum wk_scan_proto p,
                 unsigned n, struct wk_error *err);
/* Remove ports that are in ex (--exclude-ports). */
void wk_ports_remove(struct wk_ports *out, const struct wk_ports *ex);
void wk_ports_free(struct wk_ports *p);

/* ---- order, shards, resume (scan/perm.c) ----------------------------------------------- */

/* A keyed bijection of [0, n) (a Feistel network over the next power of four, cycle
 * walking back into range): pure function of (seed, n, i). */
struct wk_perm {
	uint64_t n; /* values permuted: the size of the space, or its number of blocks */
	uint64_t key[4];
	unsigned half_bits;
	uint64_t half_mask;
	uint64_t block; /* 1, or the block size of wk_perm_init_blocks */
};
void wk_perm_init(struct wk_perm *p, uint64_t n, uint64_t seed);
/* The space [0, n) as n / block blocks of block consecutive values (a host's ports: nmap's
 * -r): the blocks in keyed order, the values of each block in order, so
 * wk_perm_at(i) = P(i / block) * block + i % block with P a keyed bijection of the blocks.
 * block 0 or 1, or one that does not divide n, is wk_perm_init. */
void wk_perm_init_blocks(struct wk_perm *p, uint64_t n, uint64_t block, uint64_t seed);
uint64_t wk_perm_at(const struct wk_perm *p, uint64_t i);
/* The inverse: wk_perm_inv(p, wk_perm_at(p, i)) == i for i < n (x < n). */
uint64_t wk_perm_inv(const struct wk_perm *p, uint64_t x);

/* Shard k of N (1 <= k <= N): positions i with i % N == k - 1. Resuming stores the next
 * position (pos; start is rounded up to the shard's next position). wk_shard_next returns
 * false when the shard is done; k or N out of range gives an empty shard. */
struct wk_shard {
	uint64_t n; /* size of the space */
	uint32_t k, of;
	uint64_t pos; /* next position in [0, n) */
};
void wk_shard_init(struct wk_shard *s, uint64_t n, uint32_t k, uint32_t of, uint64_t start);
bool wk_shard_next(struct wk_shard *s, uint64_t *pos);
/* Positions of this shard still to visit. */
uint64_t wk_shard_left(const struct wk_shard *s);

/* ---- stateless validation (core/siphash.c, scan/cookie.c) ------------------------------- */

/* SipHash-2-4 (Aumasson and Bernstein) of p[0..n) under a 128-bit key. */
uint64_t wk_siphash24(const uint8_t key[16], const void *p, size_t n);
/* The cookie of a flow: SipHash over (family, src, dst, sport, dport, proto) with both
 * ports big-endian and 4 or 16 address bytes by dst->family; its two halves xor-ed. */
uint32_t wk_scan_cookie(const uint8_t key[16], const struct wk_scan_addr *src,
                        const struct wk_scan_addr *dst, uint16_t sport, uint16_t dport,
                        uint8_t proto);

/* ---- results (results/) ----------------------------------------------------------------- */

enum wk_port_state {
	WK_PS_OPEN,
	WK_PS_CLOSED,
	WK_PS_FILTERED,
	WK_PS_UNFILTERED,
	WK_PS_OPEN_FILTERED,
	WK_PS_CLOSED_FILTERED,
	WK_PS_HOST_UP, /* a host-discovery result, no port */
	WK_PS_HOST_DOWN,
	WK_PS_HOST_UNKNOWN, /* listed, not probed (-sL) */
};
const char *wk_port_state_name(enum wk_port_state s); /* "open", "open|filtered", "up" ... */

/* nmap's reason names (nmap's --reason vocabulary). */
enum wk_reason {
	WK_RS_NONE,
	WK_RS_SYN_ACK,          /* "syn-ack" */
	WK_RS_RESET,            /* "reset" */
	WK_RS_NO_RESPONSE,      /* "no-response" */
	WK_RS_CONN_REFUSED,     /* "conn-refused" */
	WK_RS_UDP_RESPONSE,     /* "udp-response" */
	WK_RS_PORT_UNREACH,     /* "port-unreach" */
	WK_RS_HOST_UNREACH,     /* "host-unreach" */
	WK_RS_NET_UNREACH,      /* "net-unreach" */
	WK_RS_PROTO_UNREACH,    /* "proto-unreach" */
	WK_RS_ADMIN_PROHIBITED, /* "admin-prohibited" */
	WK_RS_HOST_PROHIBITED,  /* "host-prohibited" */
	WK_RS_NET_PROHIBITED,   /* "net-prohibited" */
	WK_RS_ECHO_REPLY,       /* "echo-reply" */
	WK_RS_TIMESTAMP_REPLY,  /* "timestamp-reply" */
	WK_RS_ARP_RESPONSE,     /* "arp-response" */
	WK_RS_ND_RESPONSE,      /* "nd-response" */
	WK_RS_USER_SET,         /* "user-set" (-Pn) */
	WK_RS_LOCALHOST,        /* "localhost-response" */
	WK_RS_TIME_EXCEEDED,    /* "time-exceeded" */
	WK_RS_NREASON
};
const char *wk_reason_name(enum wk_reason r);

/* What service detection (-sV) or banner grabbing (--banners) learned about a port. All
 * pointers may be NULL; wk_results_add copies the strings and the banner into the table,
 * so the caller's buffers may be reused at once. */
#define WK_SCAN_MAX_CPE 4
struct wk_scan_service {
	const char *name;                 /* "ssh"; NULL: the port's nmap-services name */
	const char *product, *version;    /* nmap's p/ and v/ */
	const char *extra;                /* i/ (XML extrainfo=) */
	const char *hostname, *ostype;    /* h/ o/ */
	const char *devicetype;           /* d/ */
	const char *cpe[WK_SCAN_MAX_CPE]; /* "cpe:/a:openbsd:openssh:9.2p1"; unused ones NULL */
	bool probed;                      /* XML method="probed" (else "table") */
	bool ssl;                         /* found inside TLS: "ssl/http", XML tunnel="ssl" */
	uint8_t conf;                     /* nmap's 0..10 confidence (XML conf=) */
	const char *probe;                /* the probe that matched ("NULL", "GetRequest") */
	uint32_t match_line;              /* its match line in nmap-service-probes, 0: none */
	const uint8_t *banner;            /* raw first bytes the server sent, untrusted */
	uint32_t banner_len;
	/* TLS session and certificate facts (--banners on a TLS port), NULL: none. Writers
	 * show them as nmap's ssl-cert script and a tls-session line. */
	const struct wk_tls_info *tls;
};

/* One finding. Port results have proto and port; host results (state HOST_UP/DOWN) have
 * proto 0xff and port 0. */
#define WK_SCAN_HOST 0xff
struct wk_scan_result {
	struct wk_scan_addr addr;
	uint8_t proto; /* enum wk_scan_proto, or 0xff for a host result */
	uint16_t port;
	uint8_t state;  /* enum wk_port_state */
	uint8_t reason; /* enum wk_reason */
	uint8_t ttl;    /* of the reply, 0 when none */
	bool has_mac;
	uint8_t mac[6]; /* of the replying neighbour (ARP, ND, on-link replies) */
	int64_t ts_sec; /* when decided (wall clock) */
	uint32_t ts_nsec;
	/* Probe to reply in microseconds, 0 unknown. In the table (wk_results_add) a host
	 * record holds nmap's smoothed RTT of its host (srtt) and rttvar_us its variation:
	 * every timed answer of the host, its own and its ports', folded in as nmap's
	 * timing.cc does. A host record added with rtt_us and rttvar_us 0 is one sample; with
	 * rttvar_us set it is a table record copied back and replaces both. */
	uint32_t rtt_us;
	uint32_t rttvar_us;
	const struct wk_scan_service *svc; /* NULL: none yet (the table keeps a copy) */
	const char *hostname;              /* host records: the PTR name (-R), NULL none (the table
	                                    * keeps a copy; a later record without one keeps it) */
};

/* ---- vendors of MAC addresses (scan/macdb.c) ------------------------------------------- */

/* nmap's nmap-mac-prefixes: "XXXXXX Vendor name" lines (24-bit OUI in hex), '#' comments.
 * Read at run time, never copied. */
struct wk_macdb;
/* Load datadir/nmap-mac-prefixes (datadir NULL: $WIREKIT_DATADIR, then /usr/share/nmap).
 * WK_ENOTFOUND names the paths tried; WK_EFORMAT names the file and the bad line. */
struct wk_macdb *wk_macdb_load(const char *datadir, struct wk_error *err);
/* The same from text in memory (name is used in messages). */
struct wk_macdb *wk_macdb_parse(const char *text, size_t n, const char *name, struct wk_error *err);
void wk_macdb_free(struct wk_macdb *db);
/* Number of prefixes. */
size_t wk_macdb_count(const struct wk_macdb *db);
/* The vendor of mac's OUI ("Xerox"), or NULL; db may be NULL. */
const char *wk_macdb_vendor(const struct wk_macdb *db, const uint8_t mac[6]);

/* Writers of results (results/text.c, jsonl.c, xml.c, grep.c): one const table each. A
 * writer gets the scan's description at start, each result as it is decided (JSON Lines
 * writes and flushes it at once), and the whole sorted result table at the end (text, XML
 * and grepable output group ports under their host as nmap does). */
struct wk_scan_info {
	const char *args;      /* the command line, for XML's args= and the text banner */
	const char *scan_type; /* nmap's names: "syn", "connect", "ack", "udp", "ping" */
	const struct wk_ports *ports;
	const struct wk_services *services; /* names in the SERVICE column; may be NULL */
	int64_t start_sec;
	uint64_t seed;
	bool reasons;     /* --reason */
	bool show_closed; /* list every port: nmap collapses a state of more than 25 ports
	                   * (never "open") into "Not shown" and <extraports> */
	bool versions;    /* -sV: a VERSION column in text output */
	const struct wk_macdb *macdb; /* vendors of MAC addresses; NULL: "Unknown" */
	/* -Pn: every address of this set is up with reason user-set. Hosts of it without a
	 * record in the table are not stored: the writers make their host record from the
	 * set as they walk the table (in address order), so memory does not grow with the
	 * number of targets. NULL: only the table's hosts. */
	const struct wk_targets *user_set;
	/* -sL: every address of user_set is listed (state unknown, reason user-set) as nmap's
	 * list scan shows it; the table holds only the records named by -R. */
	bool list;
	/* --open (nmap's rule, PortList::isIgnoredState): every state but open, open|filtered
	 * and unfiltered is folded into "Not shown" / <extraports>, whatever its count, and a
	 * host of a port scan without a port in those three states is left out of the text,
	 * XML and grepable reports (host discovery alone, -sn, lists its up hosts as usual).
	 * JSON Lines leaves out the port records of the other states and the down hosts. */
	bool open_only;
	/* -v (how many): the text and grepable writers list each down host as it is decided
	 * ("... [host down]", "Status: Down"), unless open_only; as nmap, "Not shown" takes a
	 * state of more than 50 ports at -v (25 without) and none from -vv on. */
	unsigned verbose;
};

struct wk_scan_summary {
	uint64_t hosts_total, hosts_up;
	int64_t end_sec;
	double elapsed;
	uint64_t probes_sent, replies;
	/* raw scans: nmap's round-trip estimate of the replies timed (us), 0 when none was */
	uint32_t srtt_us, rttvar_us;
	/* NULL: the scan ran to its end. Else why it ended early, for the reports (set by the
	 * caller, not by wk_scan_run): XML's <finished exit="error" errormsg="...">, the JSON
	 * summary's "stopped" */
	const char *stopped;
};

struct wk_results; /* the table of results, by host then port */
struct wk_results *wk_results_new(struct wk_error *err);
void wk_results_free(struct wk_results *r);
/* Add or replace, one record per (address, proto, port) and one host record per host.
 * Precedence: an answer from the port itself (syn-ack, reset, udp-response, port-unreach,
 * ...) beats an ICMP error from on the way (admin-prohibited, host-unreach, ...), which
 * beats no-response; at equal rank the later record wins, keeping the earlier one's
 * service details when the later has none. host-up beats host-down; a port answer makes
 * its host up (a host record with the port's reason is added when there is none).
 * Storage is one hash-indexed array of what was added (nothing for ports never
 * mentioned); sorting happens once, at the first wk_results_at after a change. */
int wk_results_add(struct wk_results *r, const struct wk_scan_result *res, struct wk_error *err);
size_t wk_results_count(const struct wk_results *r);
/* In order: hosts by family then address; within a host its host record first, then
 * ports by proto and port. The pointer is valid until the next wk_results_add. The first
 * call after a change sorts the table in place: one thread at a time, like wk_results_add. */
const struct wk_scan_result *wk_results_at(const struct wk_results *r, size_t i);
/* The record of (addr, proto, port) (proto WK_SCAN_HOST: the host record), or NULL. */
const struct wk_scan_result *wk_results_find(const struct wk_results *r,
                                             const struct wk_scan_addr *addr, uint8_t proto,
                                             uint16_t port);

struct wk_scan_writer {
	const char *name; /* "text", "json", "xml", "grep" */
	int (*begin)(struct wk_ob *o, const struct wk_scan_info *info);
	int (*result)(struct wk_ob *o, const struct wk_scan_info *info,
	              const struct wk_scan_result *r); /* may be NULL */
	int (*end)(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
	           const struct wk_scan_summary *sum);
};
const struct wk_scan_writer *wk_scan_writer_find(const char *name);
/* The registered writers in name order (n set to their number), for usage text and tests. */
const struct wk_scan_writer *const *wk_scan_writers(size_t *n);

/* ---- the engine (scan/engine.c: raw probes; scan/connect.c: kernel connects) ------------ */

enum wk_scan_type {
	WK_SCAN_NONE,    /* -sn: host discovery only */
	WK_SCAN_SYN,     /* -sS */
	WK_SCAN_ACK,     /* -sA */
	WK_SCAN_CONNECT, /* -sT: no privilege needed */
	WK_SCAN_UDP,     /* -sU */
	WK_SCAN_LIST,    /* -sL: every target reported with state unknown; nothing is sent */
};

/* Host discovery methods (-P*), a bit mask; 0 with -Pn (every target is taken as up). */
enum wk_disc {
	WK_DISC_ECHO = 1u << 0,   /* -PE ICMP echo */
	WK_DISC_TSTAMP = 1u << 1, /* -PP ICMP timestamp */
	WK_DISC_SYN = 1u << 2,    /* -PS ports */
	WK_DISC_ACK = 1u << 3,    /* -PA ports */
	WK_DISC_UDP = 1u << 4,    /* -PU ports: up when an ICMP port-unreachable quotes our probe */
	WK_DISC_ARP = 1u << 5,    /* -PR, on the local segment (default there, as nmap) */
	WK_DISC_ND = 1u << 6,     /* IPv6 neighbour solicitation on link */
};

struct wk_scan_progress {
	uint64_t sent, total; /* probes sent / to send in this pass */
	uint64_t pos;         /* resume position: every position before it has been sent */
	/* every position before it has its verdict reported (<= pos): where a resume after a
	 * kill must start deciding again (wk_scan_opts.resume_from) */
	uint64_t decided;
	uint32_t pass;  /* 0 first pass, then retransmission passes */
	double rate;    /* probes per second, recent */
	uint64_t found; /* results reported */
	uint64_t retransmits;
	uint64_t rx_drops; /* kernel drops on the receive ring */
	/* The phase running, by nmap's name for it: "ARP Ping Scan", "Ping Scan", "SYN Stealth
	 * Scan", "ACK Scan", "UDP Scan", "SYN Stealth Scan + UDP Scan" (one walk),
	 * "Connect Scan". sent and total count this phase (and pass) only, so a scan of two
	 * phases (discovery then ports; -sT -sU: UDP then connects) starts again from 0 %
	 * in each, as nmap's timing lines do. Never NULL. */
	const char *phase;
};

struct wk_scan_record; /* below */
struct wk_scan_trace;  /* below */

struct wk_scan_opts {
	const struct wk_targets *targets;
	const struct wk_ports *ports; /* port scans; unused by -sn */
	enum wk_scan_type type;
	unsigned discovery; /* enum wk_disc; 0: no discovery (-Pn) */
	const struct wk_ports
	    *disc_ports; /* for -PS/-PA/-PU; NULL: nmap's defaults (80, 443; 40125) */
	double rate;     /* probes per second; 0: the engine's default */
	double min_rate, max_rate;
	unsigned retries; /* retransmission passes for unanswered probes */
	/* After the last probe of a pass, wait at most wait_ms for replies (less when every
	 * position sent to has its answer). With min_wait_ms > 0 the wait adapts as nmap's
	 * does: it ends once nmap's retransmission timeout of the replies timed so far
	 * (srtt + 4 rttvar, at least min_wait_ms; wait_ms before any reply is timed) has
	 * passed since the last probe and the receiver has read every reply that came. */
	unsigned wait_ms;
	unsigned min_wait_ms;
	/* adaptive: the wait before any reply is timed (0: wait_ms); the connect scanner's
	 * timeout before it has timed a connect (0: 1 s; -sT after raw discovery: from the
	 * round trips discovery timed, as nmap) */
	unsigned initial_wait_ms;
	unsigned timeout_ms;   /* connect: per-connection timeout */
	unsigned max_parallel; /* connect: connections in flight */
	uint64_t seed;
	uint32_t shard_k, shard_of; /* 1/1 when not sharded */
	uint64_t resume_pos;
	/* A scan resumed after a kill (SIGKILL, a crash, a power cut): the interrupted scan
	 * had sent positions [resume_from, resume_pos) but not reported all their verdicts
	 * (a raw scan reports its silent positions at the end of a phase). With reported set,
	 * the raw engine counts those positions as sent once: each gets the retransmission
	 * passes and its no-response verdict as if the scan had gone on, and the ones
	 * reported() says were already reported are neither probed nor reported again. Every
	 * engine also leaves out a result reported() knows (the interrupted scan's last
	 * seconds are probed twice). reported is called from the engine's threads, at once:
	 * it must only read. NULL: every position before resume_pos counts as decided. */
	uint64_t resume_from;
	bool (*reported)(void *ctx, const struct wk_scan_addr *a, uint8_t proto, uint16_t port);
	const char *ifname;                /* NULL: from the route to the first target */
	const struct wk_scan_addr *source; /* NULL: from the route */
	int source_port;                   /* -1: random per scan */
	/* Called from the engine's threads one at a time (serialised by the engine). */
	void (*on_result)(void *ctx, const struct wk_scan_result *r);
	void (*on_progress)(void *ctx, const struct wk_scan_progress *p); /* about once a second */
	void *ctx;
	const volatile int *stop; /* non-zero: stop sending, wait, report, return */
	const char *datadir; /* nmap-payloads for -sU; NULL: $WIREKIT_DATADIR, /usr/share/nmap */
	/* With WK_SCAN_SYN or WK_SCAN_ACK: the UDP ports of the list are scanned too, as -sU
	 * does, in the same walk (nmap's -sS -sU); positions are target x (TCP and UDP
	 * ports). With WK_SCAN_CONNECT (nmap's -sT -sU, needs raw sockets): the raw engine
	 * scans the UDP ports after discovery, then connects go to the TCP ports of the hosts
	 * found up (every target with -Pn); positions are the UDP walk's, then the TCP
	 * walk's. */
	bool also_udp;
	/* --pcapng (scan/record.c): every probe sent and every validated reply, NULL: none.
	 * A connect scan's packets are the kernel's: they are captured (scan/tap.c) on the
	 * interface towards the targets, which needs CAP_NET_RAW (WK_EPERM without). */
	struct wk_scan_record *record;
	/* Called once the sockets and capture rings that need privileges are open (raw scans:
	 * before the first probe and the receive thread; connect scans: before the first
	 * connect, after the --pcapng capture; -sT -sU: in its raw phase, the capture of its
	 * connects opened before), the place to drop privileges. Non-zero ends the scan with
	 * that code (the callback fills err). NULL: nothing. */
	int (*on_open)(void *ctx, struct wk_error *err);
	/* -r (nmap's "don't randomize ports"): the ports of each target are probed in list
	 * order (proto, then port); the targets stay in keyed random order. Positions, shards
	 * and resume work as without it (the walk is wk_perm_init_blocks). */
	bool ports_in_order;
	/* Probe shaping of the raw IPv4 probes (nmap's options; WK_EINVAL with the connect
	 * scanner and with IPv6 targets): ttl the IP TTL (0: 64); data_length random bytes
	 * (one draw per scan, as nmap) after the TCP and ICMP headers, and as the UDP payload
	 * instead of nmap-payloads' (at most WK_SCAN_DATA_MAX); badsum a wrong TCP or UDP
	 * checksum (hosts drop such probes: what answers is a middlebox that did not check). */
	uint8_t ttl;
	uint16_t data_length;
	bool badsum;
	/* nmap's --packet-trace (scan/trace.c): each probe after its batch has gone out,
	 * each reply the receiver matched to a probe (the ones --pcapng records, duplicates
	 * too), and each connect() of the connect scanner with its outcome. Called one at a
	 * time, serialised with on_result. NULL: nothing is done per packet. */
	void (*on_trace)(void *ctx, const struct wk_scan_trace *t);
};
/* The largest --data-length: every probe still fits one 1500-byte Ethernet frame (nmap
 * allows 65400 and lets the kernel fragment). */
#define WK_SCAN_DATA_MAX 1400u

/* ---- nmap's --packet-trace (scan/trace.c) ----------------------------------------------- */

enum wk_scan_trace_kind {
	WK_TRACE_SENT, /* a probe: "SENT" */
	WK_TRACE_RCVD, /* a reply: "RCVD" */
	WK_TRACE_CONN, /* a connect() and its outcome: "CONN" */
};

struct wk_scan_trace {
	uint8_t kind; /* enum wk_scan_trace_kind */
	/* SENT, RCVD: the packet as it went out or was captured (a reply's bytes are
	 * untrusted), with its pcap link type (Ethernet, raw IPv4 or IPv6, cooked) */
	const uint8_t *pkt;
	size_t len;
	uint32_t linktype;
	/* CONN: the target, its port and what connect() said: 0 connected, EINPROGRESS
	 * (the first call), or the error (ECONNREFUSED, EHOSTUNREACH ...) */
	const struct wk_scan_addr *addr;
	uint16_t port;
	int err;
	int64_t ts_sec; /* CLOCK_REALTIME: when sent (the batch), captured, or returned */
	uint32_t ts_nsec;
};

/* One line as nmap's --packet-trace prints it, newline included, into o: "SENT (0.0421s) "
 * then, as nmap's lowest-detail packet summary, "TCP 198.18.0.1:41523 > 198.19.0.1:80 S
 * ttl=64 id=1234 iplen=44  seq=2381914 win=1024 <mss 1460>", "UDP a:p > b:q ttl=.. id=..
 * iplen=.. ", "ICMP [a > b Echo request (type=8/code=0) id=.. seq=..] IP [ttl=.. id=..
 * iplen=.. ]", "ICMPv6 (58) a > b (type=135/code=0) hopl=.. flow=.. payloadlen=..",
 * "ARP who-has a tell b", "ARP reply a is-at 02:00:5E:..", or "CONN (..s) TCP localhost >
 * b:80 => Connected". The time is seconds since start (CLOCK_REALTIME). The packet is
 * dissected (proto/) and read through its field table only. */
void wk_scan_trace_line(struct wk_ob *o, const struct wk_scan_trace *t, int64_t start_sec,
                        uint32_t start_nsec);

/* ---- the scan recorded as pcapng (scan/record.c) ----------------------------------------- */

/* A pcapng file of the scan: each probe as it is sent, each reply the engine validated
 * with an EPB comment naming its verdict ("198.19.0.5:80/tcp open syn-ack",
 * "198.19.0.5 up echo-reply"; a reply to a position already decided has " duplicate"
 * appended). Probes and replies are counted as sum->probes_sent and sum->replies count
 * them. A connect scan's record is captured: each SYN the kernel sends for a connect as a
 * probe, the SYN-ACK, RST or ICMP error answering it with its verdict ("open syn-ack",
 * "closed conn-refused", "filtered admin-prohibited" ...), and the connection's other
 * packets (a retransmitted SYN, our ACK and RST) without a comment and not counted.
 * Safe to call from the engine's sender and receiver threads at once. */
struct wk_scan_record;
/* Open path for writing ("-": stdout); the file exists when this returns. append: add a new
 * pcapng section after what the file holds (a resumed scan continues the record of the
 * interrupted one; readers such as tshark read every section). A non-empty regular file
 * opened with append is first walked block by block (headers and trailing lengths only):
 * a last block that runs past the end of the file (a scan killed by SIGKILL leaves one: the
 * writer buffers) is cut off, so the new section follows the last whole block. A file that
 * does not begin with a pcapng Section Header Block (not a record: someone's other file),
 * or with a damaged block before its end, is refused (NULL, WK_EINVAL, the message names
 * the problem and its offset) and left unchanged. */
struct wk_scan_record *wk_scan_record_open(const char *path, bool append, struct wk_error *err);
/* Probes and replies written so far. */
void wk_scan_record_counts(const struct wk_scan_record *r, uint64_t *probes, uint64_t *replies);
/* Flush and close; the first write error (disk full ...), else 0. Accepts NULL. */
int wk_scan_record_close(struct wk_scan_record *r, struct wk_error *err);

/* Run a scan to the end (or until *stop). Results go to on_result as they are decided;
 * unanswered probes are reported at the end with their no-response state. sum gets the
 * totals; *resume (may be NULL) the position to resume from (the end when complete).
 * WK_EPERM when raw sockets are needed and not allowed (the caller may fall back to
 * WK_SCAN_CONNECT), WK_EINVAL for options that do not fit together. Host discovery (-sT,
 * -sn) without raw sockets is nmap's unprivileged one: connects to TCP 80 and 443 (the
 * TCP ports of disc_ports when given), a host up when one is accepted or refused; -sT
 * then connects to the up hosts only (with raw sockets: after the raw discovery). */
int wk_scan_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                struct wk_error *err);
/* Whether raw sockets may be opened here (CAP_NET_RAW). */
bool wk_scan_raw_allowed(void);
/* The connect scanner alone (wk_scan_run calls it for WK_SCAN_CONNECT with -Pn). */
int wk_scan_connect_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                        struct wk_error *err);

#ifdef __cplusplus
}
#endif

#endif
