/* Shared by the result writers: host groups over the sorted table, the port view that
 * merges what answered with the ports that did not, and small formatting helpers. */
#ifndef WK_RESULTS_INT_H
#define WK_RESULTS_INT_H

#include "wirekit/scan.h"

/* The writers (text.c, jsonl.c, xml.c, grep.c). */
extern const struct wk_scan_writer results_text_writer, results_json_writer, results_xml_writer,
    results_grep_writer, results_normal_writer;

/* Records [begin, end) of one host in the sorted table. host: its host record or NULL. */
struct rhost {
	size_t begin, end;
	const struct wk_scan_result *host, *first;
	bool up;
};
/* When a host's records were decided: the earliest and the latest (XML starttime/endtime,
 * the -vv "Scanned at ... for Ns" line). */
void rhost_span(const struct wk_results *all, const struct rhost *h, int64_t *first, int64_t *last);
/* The host group starting at record i (i < count); returns the index after it. */
size_t rhost_at(const struct wk_results *all, size_t i, struct rhost *h);

/* Every host to report, in order: the table's host groups merged with the addresses of
 * info->user_set that have no record (-Pn), which get a host record made here (up,
 * user-set, time sum->end_sec; with info->list state unknown, as -sL's) and an empty
 * range [begin, begin). */
struct rwalk {
	const struct wk_results *all;
	const struct wk_targets *set;
	size_t i, n;
	uint64_t ti, tn;
	int64_t ts;
	bool list; /* -sL: the set's hosts are listed, state unknown */
	struct wk_scan_result virt;
};
void rwalk_begin(struct rwalk *w, const struct wk_results *all, const struct wk_scan_info *info,
                 const struct wk_scan_summary *sum);
bool rwalk_next(struct rwalk *w, struct rhost *h);
/* Records a report holds: the table's plus the host records rwalk makes. */
uint64_t rwalk_count(const struct wk_results *all, const struct wk_scan_info *info);

/* One scanned port of a host: a stored record, or the default for a port that did not
 * answer (state from the scan type, reason no-response). */
struct rport {
	uint8_t proto;
	uint16_t port;
	uint8_t state, reason, ttl;
	const struct wk_scan_result *rec; /* NULL for a default */
};
/* Walks info->ports and the host's stored port records together, in (proto, port) order. */
struct rport_iter {
	const struct wk_results *all;
	const struct wk_scan_info *info;
	size_t ri, rend; /* stored records */
	uint32_t pi;     /* info->ports */
};
void rport_begin(struct rport_iter *it, const struct wk_results *all,
                 const struct wk_scan_info *info, const struct rhost *h);
bool rport_next(struct rport_iter *it, struct rport *out);
/* The state of a port that did not answer (filtered for TCP and SCTP; open|filtered for
 * UDP and for TCP in null/fin/xmas/maimon scans). */
uint8_t rport_default_state(const struct wk_scan_info *info, uint8_t proto);

/* nmap's view of one host: per state its count, whether it is collapsed ("Not shown"),
 * and per (reason, proto) the counts of a collapsed state. */
#define RSTATES 6 /* open .. closed|filtered */
struct rsummary {
	uint32_t total;
	uint32_t count[RSTATES];
	bool ignored[RSTATES];
	uint8_t order[RSTATES]; /* ignored states, most ports first, ties as nmap orders */
	unsigned nignored;
	uint32_t nshown;
};
void rsummary_make(struct rsummary *s, const struct wk_results *all,
                   const struct wk_scan_info *info, const struct rhost *h);
/* The states --open shows (nmap's PortList::hasOpenPorts): open, open|filtered and
 * unfiltered. */
bool rstate_openish(uint8_t state);
/* Whether a host of a port scan with summary s is reported: with info->open_only only when
 * one of its ports is in such a state. */
bool rhost_listed(const struct wk_scan_info *info, const struct rsummary *s);
/* Per (reason, proto) counts of one state over the host's ports, most first; equal counts
 * in the reverse order of their first port, as nmap's merge sort (reason.cc) leaves them. */
struct rreason {
	uint8_t reason, proto;
	uint32_t count;
	uint32_t seen; /* order of first appearance in port order */
};
size_t rreasons(struct rreason *out, size_t max, const struct wk_results *all,
                const struct wk_scan_info *info, const struct rhost *h, uint8_t state);

const char *rproto_name(uint8_t proto); /* "tcp", "udp", "sctp" */
/* nmap's scan type of the ports of proto: "udp" for UDP whatever the TCP scan is (-sS -sU),
 * info->scan_type ("syn" when unset) for TCP. */
const char *rproto_scan_type(const struct wk_scan_info *info, uint8_t proto);
/* The service name a port shows: the detected one, else nmap-services, else NULL. */
const char *rservice_name(const struct wk_scan_info *info, const struct rport *p);
/* "product version (extra)" as nmap's VERSION column; "" when nothing known. */
void rversion(char *buf, size_t n, const struct wk_scan_service *svc);
void raddr(struct wk_ob *o, const struct wk_scan_addr *a);
/* A MAC address as nmap writes it: upper-case hex, colons. */
void rmac(struct wk_ob *o, const uint8_t mac[6]);
/* Times: "2026-12-06 04:40 UTC", ctime's "Sun Dec  6 04:40:00 2026", ISO 8601 with µs. */
void rtime_short(char *buf, size_t n, int64_t sec);
void rtime_ctime(char *buf, size_t n, int64_t sec);
/* "2026-12-06 22:36:48 UTC" (nmap's -vv "Scanned at"). */
void rtime_seconds(char *buf, size_t n, int64_t sec);
void rtime_iso(char *buf, size_t n, int64_t sec, uint32_t nsec);
/* nmap's num_to_string_sigdigits(rtt, 2) for a latency in microseconds. */
void rlatency(char *buf, size_t n, uint32_t us);
/* "N IP address(es) (M host(s) up) scanned in X.XX seconds" */
void rdone(char *buf, size_t n, const struct wk_scan_summary *sum);
/* The comment lines that open and close nmap's -oN and -oG files: "# wirekit VERSION scan
 * initiated DATE as: ARGS" and "# wirekit done at DATE -- N IP addresses (...)"; the
 * second flushes. */
int rcomment_begin(struct wk_ob *o, const struct wk_scan_info *info);
int rcomment_done(struct wk_ob *o, const struct wk_scan_summary *sum);

/* scripts.c: a port's --banners findings as nmap script output ("banner", "ssl-cert",
 * "tls-session"): text lines separated by '\n', without the "| " prefixes. */
struct rscript {
	const char *id;
	char text[2048];
};
size_t rscripts(const struct wk_scan_service *svc, struct rscript *out, size_t max);
/* One attribute of an RFC 2253 name, advancing *cur; short names become nmap's long names
 * ("CN" -> "commonName"). False at the end. */
bool rdn_next(const char **cur, char *key, size_t kn, char *val, size_t vn);
/* "RSA 2048" -> "rsa", 2048; "EC prime256v1" -> "ec", 256 */
void rkey_split(const char *key, char *type, size_t tn, unsigned *bits);
/* "2026-12-06 18:40:00 UTC" -> "2026-12-06T18:40:00" */
void rtls_time(char *out, size_t n, const char *t);
void rsha256_hex(char out[65], const uint8_t h[32]);

#endif
