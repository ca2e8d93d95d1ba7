/* Reverse DNS for scan results (wirekit scan -R): a small asynchronous DNS client over
 * UDP that asks PTR questions (RFC 1035 section 3.5, in-addr.arpa; RFC 3596 ip6.arpa) of
 * the configured servers, many at once, and gives up on everything still open when its
 * total time cap runs out, so a resolver that never answers costs at most that cap.
 *
 * Replies are untrusted: they are read only through the bounds-checked cursor, must come
 * from the server asked (connected sockets), carry the query's random ID, repeat the
 * question, and name compression is followed with a bounded number of backward jumps.
 * (scan/rdns.c) */
#ifndef WIREKIT_RDNS_H
#define WIREKIT_RDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WK_RDNS_MAX_SERVERS 8
#define WK_RDNS_NAME_MAX    256 /* a presentation name, with its terminating zero */

/* ---- the wire format (pure functions, for the resolver and the tests) ------------------ */

/* The PTR question name of a: "5.0.19.198.in-addr.arpa" or the 32 nibbles of ip6.arpa.
 * Returns its length, or 0 when n is too small or the family unknown. */
size_t wk_rdns_qname(const struct wk_scan_addr *a, char *buf, size_t n);
/* A query for qname, type PTR class IN, recursion desired, with this ID. Returns its
 * length, or 0 when it does not fit in n or qname is not a valid name. */
size_t wk_rdns_query(uint8_t *buf, size_t n, uint16_t id, const char *qname);

enum wk_rdns_verdict {
	WK_RDNS_NAME = 0,    /* name set: the PTR target (the first one) */
	WK_RDNS_NONAME = 1,  /* NXDOMAIN or no PTR record: a definite "no name" */
	WK_RDNS_FAIL = 2,    /* SERVFAIL, REFUSED, ...: ask another server */
	WK_RDNS_BAD = 3,     /* damaged, truncated or not the answer to this question */
	WK_RDNS_NOTOURS = 4, /* the ID or the question does not match: ignore it */
};
/* Read the reply p[0..n) to the query (id, qname). On WK_RDNS_NAME, name gets the PTR
 * target in presentation form without the final dot ("host.lab"); labels may hold only
 * letters, digits, '-', '_' and '/' (anything else makes the reply WK_RDNS_BAD). CNAME
 * chains in the answer (RFC 2317 classless delegation) are followed, at most 8 links. */
enum wk_rdns_verdict wk_rdns_parse(const uint8_t *p, size_t n, uint16_t id, const char *qname,
                                   char name[WK_RDNS_NAME_MAX]);

/* Name servers from a resolv.conf ("nameserver ADDR" lines; IPv6 scope suffixes and
 * other lines are ignored), at most max. WK_ENOTFOUND when the file names none. */
int wk_rdns_resolv_conf(const char *path, struct wk_scan_addr *out, size_t max, size_t *n,
                        struct wk_error *err);
/* A comma separated list of server addresses (nmap's --dns-servers). */
int wk_rdns_servers_parse(const char *list, struct wk_scan_addr *out, size_t max, size_t *n,
                          struct wk_error *err);

/* ---- the resolver ---------------------------------------------------------------------- */

struct wk_rdns_opts {
	const struct wk_scan_addr *servers; /* at least one */
	size_t nservers;
	uint16_t port;            /* 0: 53 */
	unsigned total_ms;        /* the cap on the whole run; 0: 5000 */
	unsigned try_ms;          /* ask the next server after this long; 0: min(1000, total/3) */
	unsigned tries;           /* questions per address, servers in turn; 0: 2 + nservers */
	unsigned max_flight;      /* questions in flight at once; 0: 256 */
	const volatile int *stop; /* non-zero: give up at once (the rest stays unresolved) */
};

struct wk_rdns_stats {
	uint64_t asked, named, noname, failed, timed_out; /* per address */
	uint64_t sent, replies, bad;                      /* per datagram */
	double elapsed;
};

struct wk_rdns;
struct wk_rdns *wk_rdns_new(const struct wk_rdns_opts *o, struct wk_error *err);
void wk_rdns_free(struct wk_rdns *r);
/* Queue an address (duplicates are asked once). Memory: one small record per address. */
int wk_rdns_add(struct wk_rdns *r, const struct wk_scan_addr *a, struct wk_error *err);
/* Ask every queued address, until all have a verdict, the cap runs out or *stop. Returns
 * 0 also when some timed out (see the stats); an error only when no socket could be used. */
int wk_rdns_run(struct wk_rdns *r, struct wk_rdns_stats *st, struct wk_error *err);
/* The name found for a, or NULL (no name, not asked, not answered in time). */
const char *wk_rdns_name(const struct wk_rdns *r, const struct wk_scan_addr *a);

#ifdef __cplusplus
}
#endif

#endif
