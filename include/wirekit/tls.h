/* TLS over a connected non-blocking socket (OpenSSL 3): client contexts that verify against
 * the system store, a CA file, or a pinned SHA-256 fingerprint; server contexts from PEM
 * files or a self-signed certificate made in memory; the peer certificate's facts. */
#ifndef WIREKIT_TLS_H
#define WIREKIT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Positive returns of the non-blocking calls: wait for the socket, then call again. */
#define WK_TLS_WANT_READ  1
#define WK_TLS_WANT_WRITE 2

struct wk_tls_ctx;
struct wk_tls;

struct wk_tls_client_opts {
	const char *ca_file;    /* PEM bundle instead of the system store */
	const char *alpn;       /* comma-separated protocol list ("h2,http/1.1") */
	const char *pin_sha256; /* pins as wk_tls_parse_pins takes them: the connection is
	                         * accepted if and only if one matches the server's public key
	                         * (SubjectPublicKeyInfo) or its certificate */
	bool insecure;          /* no verification at all */
	const char *cert_file;  /* our client certificate (PEM chain), with key_file */
	const char *key_file;
};

struct wk_tls_server_opts {
	const char *cert_file; /* PEM chain; NULL with key_file NULL: self-signed in memory */
	const char *key_file;
	const char *alpn;      /* protocols we accept, in our order of preference */
	const char *self_name; /* self-signed: subject CN and DNS SAN (default "localhost") */
	const char *client_ca; /* require a client certificate that chains to these PEM CAs */
};

int wk_tls_ctx_client(struct wk_tls_ctx **out, const struct wk_tls_client_opts *o,
                      struct wk_error *e);
int wk_tls_ctx_server(struct wk_tls_ctx **out, const struct wk_tls_server_opts *o,
                      struct wk_error *e);
/* SHA-256 of our own (server) certificate, DER encoded. */
int wk_tls_ctx_cert_sha256(const struct wk_tls_ctx *c, uint8_t out[32]);
void wk_tls_ctx_free(struct wk_tls_ctx *c);

/* host: the name we connect to, used for SNI (not for IP literals, RFC 6066 section 3)
 * and for verification; NULL on the server side. */
int wk_tls_new(struct wk_tls **out, struct wk_tls_ctx *c, int fd, const char *host,
               struct wk_error *e);
void wk_tls_free(struct wk_tls *t);

/* 0 done, WK_TLS_WANT_*, or negative with the reason: "certificate has expired",
 * "certificate is for other names", "unknown CA", "handshake failure: ...". */
int wk_tls_handshake(struct wk_tls *t, struct wk_error *e);
/* 0 with *got > 0, WK_EEOF at the end of the peer's data, WK_TLS_WANT_*, negative. */
int wk_tls_read(struct wk_tls *t, void *p, size_t n, size_t *got, struct wk_error *e);
/* 0 with *put > 0 (possibly fewer than n), WK_TLS_WANT_*, negative. */
int wk_tls_write(struct wk_tls *t, const void *p, size_t n, size_t *put, struct wk_error *e);
/* Send close_notify (our half-close); reading stays possible. 0 or WK_TLS_WANT_*. */
int wk_tls_close_notify(struct wk_tls *t, struct wk_error *e);
/* Decrypted bytes waiting inside the TLS object (epoll cannot see them). */
size_t wk_tls_pending(const struct wk_tls *t);

struct wk_tls_info {
	char version[16]; /* "TLSv1.3" */
	char cipher[64];
	char alpn[64];
	bool has_cert;
	char subject[256]; /* RFC 2253 form; non-printable bytes shown as '?' */
	char issuer[256];
	char sans[512];                     /* "DNS:a, IP:1.2.3.4" */
	char not_before[32], not_after[32]; /* "2025-01-31 12:00:00 UTC" */
	char key[48];                       /* "RSA 2048", "EC prime256v1", "ED25519" */
	uint8_t sha256[32];                 /* of the certificate (DER) */
	uint8_t spki_sha256[32];            /* of its SubjectPublicKeyInfo */
	bool verified; /* chain and name checked, or pin matched; on a server, the client's
	                * certificate checked against client_ca */
};

/* Facts of the session and of the peer's leaf certificate (after the handshake). */
int wk_tls_get_info(const struct wk_tls *t, struct wk_tls_info *i);

/* Parse a SHA-256 hex string (64 digits, ':' allowed between pairs). */
int wk_tls_parse_sha256(const char *s, uint8_t out[32], struct wk_error *e);

#define WK_TLS_MAX_PINS   8
#define WK_TLS_PIN_STRLEN 54 /* "sha256//" + 44 base64 characters + NUL */

/* Parse a pin list as curl's --pinnedpubkey takes it: pins separated by ';', each either
 * "sha256//" and the base64 of the SHA-256 of the DER SubjectPublicKeyInfo (what
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256
 * -binary | base64` prints), or the same hash in hex (64 digits, ':' allowed), which may
 * also be the certificate's fingerprint. At most WK_TLS_MAX_PINS; *n gets the count. */
int wk_tls_parse_pins(const char *s, uint8_t out[][32], size_t max, size_t *n, struct wk_error *e);
/* "sha256//" and the base64 of h: the pin form of a SHA-256. */
void wk_tls_pin_fmt(const uint8_t h[32], char out[WK_TLS_PIN_STRLEN]);

#ifdef __cplusplus
}
#endif

#endif
