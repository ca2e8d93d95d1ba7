/* Service and version detection (nmap -sV) and banner grabbing (--banners): a parser of
 * nmap's nmap-service-probes file (read at run time, never shipped), a matcher over PCRE2
 * with nmap's p/ v/ i/ h/ o/ d/ cpe: templates, and an engine that probes every open port
 * in parallel on the epoll loop (kernel connects, TLS through tls.c).
 *
 * Results are one struct wk_service_info per (address, proto, port); the results writers
 * print it next to struct wk_scan_result (VERSION column, JSON, XML <service>/<cpe>). */
#ifndef WIREKIT_SERVICE_H
#define WIREKIT_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/scan.h"
#include "wirekit/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the probe database (service/probes.c) ---------------------------------------------- */

struct wk_svc_db;

struct wk_svc_db_stats {
	size_t probes, tcp_probes, udp_probes;
	size_t matches, softmatches; /* compiled and usable */
	size_t refused;              /* patterns PCRE2 refused (skipped, see wk_svc_db_refused) */
	size_t excluded;             /* port ranges of the Exclude directive */
};

/* Path of nmap-service-probes: datadir/nmap-service-probes when datadir is given, else
 * the first of $WIREKIT_DATADIR and /usr/share/nmap that has it (the last one when none
 * has). Writes into buf (n bytes), returns buf. */
const char *wk_svc_db_path(const char *datadir, char *buf, size_t n);
/* Load and compile a probe file. A line that cannot be understood fails the load with
 * WK_EFORMAT and "FILE line N: why"; a regex PCRE2 refuses is skipped and remembered.
 * WK_ENOTFOUND when the file is missing. */
int wk_svc_db_load(struct wk_svc_db **out, const char *path, struct wk_error *e);
/* The same from memory (name is used in messages). */
int wk_svc_db_parse(struct wk_svc_db **out, const char *text, size_t n, const char *name,
                    struct wk_error *e);
void wk_svc_db_free(struct wk_svc_db *db);
void wk_svc_db_stats(const struct wk_svc_db *db, struct wk_svc_db_stats *s);
/* The i-th refused pattern: false past the end. */
bool wk_svc_db_refused(const struct wk_svc_db *db, size_t i, unsigned *line, const char **why);
/* JIT-compile every pattern (PCRE2 JIT). Loading compiles for the interpreter only: on
 * this file the JIT pass costs ~0.7 s and one short reply is matched faster by the
 * interpreter, so JIT pays only for scans of many ports. WK_EUNSUP without JIT support. */
int wk_svc_db_jit(struct wk_svc_db *db);
/* Whether the Exclude directive names (proto, port). */
bool wk_svc_db_excluded(const struct wk_svc_db *db, uint8_t proto, uint16_t port);

/* ---- one port's answer -------------------------------------------------------------------- */

#define WK_SVC_STR        160
#define WK_SVC_CPES       6
#define WK_SVC_BANNER_MAX 1024

enum wk_svc_method {
	WK_SVC_NONE,    /* nothing known (no reply that matched) */
	WK_SVC_PROBED,  /* a match line of the probe file (nmap's method="probed") */
	WK_SVC_SOFT,    /* only a softmatch: service name without version */
	WK_SVC_WRAPPED, /* tcpwrapped: the server closed at once without a word */
};

struct wk_service_info {
	uint8_t method; /* enum wk_svc_method */
	bool ssl;       /* found inside a TLS tunnel (nmap: tunnel="ssl", text "ssl/http") */
	char name[48];  /* "ssh", "http", ... ("" when unknown) */
	char product[WK_SVC_STR];
	char version[WK_SVC_STR];
	char extrainfo[WK_SVC_STR];
	char hostname[WK_SVC_STR];
	char ostype[64];
	char devicetype[64];
	char cpe[WK_SVC_CPES][WK_SVC_STR]; /* "cpe:/a:openbsd:openssh:9.2p1" */
	unsigned ncpe;
	char probe[48]; /* the probe whose reply matched ("NULL", "GetRequest") */
	unsigned line;  /* line of the match in the probe file */
	/* banner: the first reply bytes, raw, capped (--banners; -sV keeps the matched reply) */
	uint8_t banner[WK_SVC_BANNER_MAX];
	size_t banner_len;
	bool banner_sent; /* banner mode: we had to speak first (the server said nothing) */
	bool has_tls;     /* a TLS handshake completed; tls has its facts */
	struct wk_tls_info tls;
};

/* Match a reply against one probe's match lines (then its fallbacks, then for TCP the NULL
 * probe's), as the engine does. 1: hard match, 2: softmatch only, 0: none; fields filled. */
int wk_svc_db_match(const struct wk_svc_db *db, const char *probe, bool udp, const uint8_t *reply,
                    size_t n, struct wk_service_info *out);

/* ---- the engine (service/engine.c, banner.c) --------------------------------------------- */

struct wk_svc_target {
	struct wk_scan_addr addr;
	uint8_t proto; /* WK_SP_TCP or WK_SP_UDP */
	uint16_t port;
};

typedef void (*wk_svc_result_fn)(void *ctx, const struct wk_svc_target *t,
                                 const struct wk_service_info *si);

struct wk_svc_opts {
	const struct wk_svc_db *db; /* needed for version detection; NULL with banners only */
	bool version;               /* -sV */
	bool banners;               /* --banners (with version: the banner is filled too) */
	unsigned intensity;         /* 0..9 (--version-light 2, --version-all 9); default 7 */
	unsigned max_parallel;      /* ports in flight; 0: 512 */
	unsigned banner_wait_ms;    /* banners: silence before we speak first; 0: 400 */
	/* How long the NULL probe waits for a server to speak first; 0: 1000. nmap waits the
	 * NULL probe's totalwaitms (6 s): a server that greets later than this is identified
	 * by the probes that follow instead. */
	unsigned null_wait_ms;
	/* After a reply that matched nothing, the next probe starts once the server has been
	 * quiet this long (nmap waits out totalwaitms); 0: 600. */
	unsigned idle_ms;
	/* A probe that hears nothing at all ends after this (nmap waits its totalwaitms, 5 s
	 * for most); a reply that has started gets the probe's full totalwaitms. 0: 1000. */
	unsigned silent_wait_ms;
	unsigned connect_timeout_ms; /* 0: 3000 */
	unsigned max_reply;          /* bytes kept per reply for matching; 0: 16 KiB */
	bool all_ports;              /* ignore the Exclude directive (nmap --allports) */
	const char *datadir;         /* nmap's data (enterprise numbers); NULL: as wk_svc_db_path */
	wk_svc_result_fn on_result;  /* once per target, in the order answers are decided */
	void *ctx;
	const volatile int *stop;
};

struct wk_svc_stats {
	uint64_t connects, probes_sent, bytes_read;
	uint64_t matched, soft, wrapped, unknown;
};

/* Probe n targets (open ports) and call on_result once for each. All targets progress in
 * parallel (up to max_parallel); no wait is ever serial across targets. Returns 0 or a
 * negative code (bad options, the loop failed); a target that cannot be reached is a
 * result with method WK_SVC_NONE, not an error. st may be NULL. */
int wk_service_scan(const struct wk_svc_target *t, size_t n, const struct wk_svc_opts *o,
                    struct wk_svc_stats *st, struct wk_error *e);

/* "ssh", "ssl/http", "tcpwrapped", or "" */
const char *wk_service_label(const struct wk_service_info *si, char *buf, size_t n);
/* nmap's VERSION column: product version (extrainfo), "" when none. */
const char *wk_service_version_text(const struct wk_service_info *si, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
