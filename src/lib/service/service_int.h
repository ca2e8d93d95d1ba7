/* Internals of the service module: the parsed probe file and the template expander, shared
 * by probes.c (parser), match.c (matcher, templates) and engine.c. */
#ifndef WK_SERVICE_INT_H
#define WK_SERVICE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/service.h"

#define SVC_DEFAULT_WAITMS    5000 /* a probe without totalwaitms (nmap's default) */
#define SVC_DEFAULT_WRAPPEDMS 3000
#define SVC_MAX_FALLBACK      8

struct svc_range {
	uint16_t lo, hi;
};

struct svc_ranges {
	struct svc_range *v;
	size_t n;
};

/* version fields in the order of enum svc_field */
enum svc_field { SVC_F_P, SVC_F_V, SVC_F_I, SVC_F_H, SVC_F_O, SVC_F_D, SVC_NFIELD };

struct svc_match {
	char *service;
	pcre2_code *re;
	bool soft;
	unsigned line;
	char *f[SVC_NFIELD]; /* raw templates, NULL when absent */
	char *cpe[WK_SVC_CPES];
	unsigned ncpe;
};

struct svc_probe {
	char *name;
	bool udp;
	uint8_t *payload;
	size_t plen;
	unsigned rarity; /* 1..9; probes without rarity count as 1 */
	unsigned waitms, wrappedms;
	unsigned line;
	struct svc_ranges ports, sslports;
	char *fallback; /* names as written, resolved after the whole file is read */
	unsigned fb_line;
	size_t fb[SVC_MAX_FALLBACK];
	size_t nfb;
	struct svc_match *m;
	size_t nm, capm;
};

struct svc_refused {
	unsigned line;
	char why[200];
};

struct wk_svc_db {
	struct svc_probe *p;
	size_t np, capp;
	struct svc_ranges excl[2]; /* Exclude, per WK_SP_TCP / WK_SP_UDP */
	struct svc_refused *ref;
	size_t nref, capref;
	size_t null_tcp; /* index of the TCP NULL probe, SIZE_MAX when absent */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

bool svc_ranges_has(const struct svc_ranges *r, uint16_t port);
const struct svc_probe *svc_probe_find(const struct wk_svc_db *db, const char *name, bool udp);

/* Expand a version template (p/ v/ ... text) with the captures of one match: $1..$9,
 * $P(n) (printable bytes only), $SUBST(n,"from","to"), $I(n,">") / $I(n,"<") (unsigned
 * integer, big or little endian, up to 8 bytes). ov holds ncap (start, end) pairs over
 * subject; pair 0 is the whole match. Output is always terminated, truncated at outsz.
 * Returns the length written, or -1 for a template that does not parse (out then holds
 * what was expanded before the fault). */
int svc_expand(const char *tmpl, const uint8_t *subject, size_t slen, const size_t *ov,
               unsigned ncap, char *out, size_t outsz);

/* Match reply against probe p (its own lines, its fallbacks, then for TCP the NULL probe).
 * only: when not NULL, a softmatch narrowed the service and only lines for it count.
 * Returns 1 hard, 2 soft, 0 none; on 1 and 2 out's name/product/... are filled. */
int svc_match_reply(const struct wk_svc_db *db, const struct svc_probe *p, const uint8_t *reply,
                    size_t n, const char *only, struct wk_service_info *out);
/* Whether p has any match line (own or fallback) for service. */
bool svc_probe_serves(const struct wk_svc_db *db, const struct svc_probe *p, const char *service);

#endif
