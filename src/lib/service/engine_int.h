/* The service engine's per-port job and per-run state (engine.c), and banner mode's
 * per-port knowledge (banner.c). */
#ifndef WK_SERVICE_ENGINE_INT_H
#define WK_SERVICE_ENGINE_INT_H

#include "service/service_int.h"
#include "wirekit/ev.h"
#include "wirekit/tls.h"

enum job_phase { J_IDLE, J_CONNECT, J_HANDSHAKE, J_WAIT, J_DONE };

struct run;

struct job {
	struct run *run;
	const struct wk_svc_target *t;
	size_t idx;
	uint32_t gen; /* bumped when the job ends, so callers up the stack can tell */
	enum job_phase phase;
	int fd;
	struct wk_ev_io io;
	struct wk_ev_timer timer;
	struct wk_tls *tls;
	bool ssl;            /* probing inside TLS */
	bool banner_mode;    /* --banners without -sV */
	unsigned bstage;     /* banner mode: 0 listen, 1 spoke first */
	bool early;          /* banner mode: connecting, watched for the greeting itself */
	bool post;           /* the follow-up step after a match (snmp.c) */
	bool cert_only;      /* -sV --banners: a TLS handshake only for the certificate facts */
	uint8_t cert_method; /* the answer that stands meanwhile (enum wk_svc_method) */
	size_t post_probe;
	size_t *order; /* probe indices in the order they are tried */
	size_t norder, pos;
	uint8_t *buf; /* this step's reply, cap bytes */
	size_t blen, cap;
	size_t sent; /* bytes of the payload written */
	bool eof;
	uint64_t connect_start, step_start, deadline;
	bool have_soft, have_sslm;
	struct wk_service_info soft; /* the softmatch that narrows the probes */
	struct wk_service_info sslm; /* the "ssl" match that opened the tunnel */
	struct wk_service_info cand; /* scratch for matching */
	struct wk_service_info si;   /* the answer being built (banner, TLS facts) */
};

struct run {
	struct wk_svc_opts o;
	const struct wk_svc_target *t;
	size_t n, next, done, active;
	struct wk_ev *ev;
	struct wk_tls_ctx *tls_ctx;
	struct job *jobs;
	size_t *freeslots, nfree;
	unsigned intensity, banner_wait, banner_idle, null_wait, idle, silent, connect_timeout;
	size_t max_reply;
	struct wk_svc_stats st;
};

/* banner.c: what to say to a port that stays silent, and which ports speak TLS first */
void svc_banner_hello(uint8_t proto, uint16_t port, const uint8_t **p, size_t *n);
bool svc_banner_tls_port(uint8_t proto, uint16_t port);

/* snmp.c: nmap -sV's SNMPv3 follow-up (its snmp-info script) */
int svc_snmp_enterprise(const uint8_t *reply, size_t n, uint32_t *ent);
void svc_enterprise_name(const char *datadir, uint32_t ent, char *out, size_t n);

#endif
