/* TLS client and server over non-blocking sockets with OpenSSL 3. Verification failures
 * are turned into one short reason (expired, wrong host, unknown CA, pin mismatch). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wirekit/addr.h"
#include "wirekit/tls.h"

struct wk_tls_ctx {
	SSL_CTX *ctx;
	bool server;
	bool verify_client;
	bool pinned;
	uint8_t pins[WK_TLS_MAX_PINS][32];
	size_t npins;
	uint8_t alpn_wire[256]; /* RFC 7301 section 3.1 ProtocolNameList, server side */
	size_t alpn_len;
};

struct wk_tls {
	SSL *ssl;
	struct wk_tls_ctx *ctx;
	char host[256];
	bool verified;
	X509 *leaf; /* the peer's certificate as seen by verification */
};

/* The most recent OpenSSL error as text; empties the queue. */
static const char *ossl_reason(char *buf, size_t n)
{
	unsigned long err = ERR_peek_last_error();
	buf[0] = '\0';
	if (err) {
		const char *r = ERR_reason_error_string(err);
		if (r)
			snprintf(buf, n, "%s", r);
		else
			ERR_error_string_n(err, buf, n);
	}
	ERR_clear_error();
	return buf[0] ? buf : "unknown error";
}

static int ossl_err(struct wk_error *e, int code, const char *what)
{
	char r[160];
	return wk_seterr(e, code, "%s: %s", what, ossl_reason(r, sizeof(r)));
}

int wk_tls_parse_sha256(const char *s, uint8_t out[32], struct wk_error *e)
{
	size_t n = 0;
	for (const char *p = s; *p;) {
		if (*p == ':') {
			p++;
			continue;
		}
		int hi = wk_hexval((unsigned char)p[0]),
		    lo = hi >= 0 ? wk_hexval((unsigned char)p[1]) : -1;
		if (hi < 0 || lo < 0 || n == 32)
			return wk_seterr(e, WK_EINVAL, "bad SHA-256 '%s' (want 64 hex digits)", s);
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n != 32)
		return wk_seterr(e, WK_EINVAL, "bad SHA-256 '%s' (want 64 hex digits)", s);
	return 0;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

/* Strict RFC 4648 section 4 base64 of exactly 32 bytes: 43 characters and one '='. */
static bool b64_sha256(const char *s, size_t len, uint8_t out[32])
{
	if (len != 44 || s[43] != '=')
		return false;
	uint32_t acc = 0;
	size_t bits = 0, k = 0;
	for (size_t i = 0; i < 43; i++) {
		int v = b64_val(s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (k == 32)
				return false;
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	/* the two bits left over must be zero (canonical encoding) */
	return k == 32 && (acc & ((1u << bits) - 1)) == 0;
}

void wk_tls_pin_fmt(const uint8_t h[32], char out[WK_TLS_PIN_STRLEN])
{
	size_t k = 0;
	memcpy(out, "sha256//", 8);
	k = 8;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16;
		if (i + 1 < 32)
			v |= (uint32_t)h[i + 1] << 8;
		if (i + 2 < 32)
			v |= h[i + 2];
		out[k++] = b64_alphabet[(v >> 18) & 63];
		out[k++] = b64_alphabet[(v >> 12) & 63];
		out[k++] = i + 1 < 32 ? b64_alphabet[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < 32 ? b64_alphabet[v & 63] : '=';
	}
	out[k] = '\0';
}

int wk_tls_parse_pins(const char *s, uint8_t out[][32], size_t max, size_t *n, struct wk_error *e)
{
	*n = 0;
	if (!s || !*s)
		return wk_seterr(e, WK_EINVAL, "empty pin (want sha256//BASE64 or 64 hex digits)");
	for (const char *p = s;;) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		char one[160];
		if (len == 0 || len >= sizeof(one))
			return wk_seterr(e, WK_EINVAL,
			                 "bad pin '%.100s' (want sha256//BASE64 or 64 hex digits)",
			                 p);
		if (*n == max)
			return wk_seterr(e, WK_EINVAL, "more than %zu pins", max);
		memcpy(one, p, len);
		one[len] = '\0';
		if (!strncmp(one, "sha256//", 8)) {
			if (!b64_sha256(one + 8, len - 8, out[*n]))
				return wk_seterr(
				    e, WK_EINVAL,
				    "bad pin '%s' (want sha256// and 44 base64 characters)", one);
		} else if (strstr(one, "//")) {
			return wk_seterr(e, WK_EINVAL, "bad pin '%s' (only sha256// pins exist)",
			                 one);
		} else if (wk_tls_parse_sha256(one, out[*n], NULL)) {
			return wk_seterr(
			    e, WK_EINVAL,
			    "bad pin '%s' (want sha256//BASE64 or 64 hex digits, ':' allowed)",
			    one);
		}
		(*n)++;
		if (!semi)
			return 0;
		p = semi + 1;
	}
}

/* "h2,http/1.1" -> RFC 7301 wire form: length-prefixed names. */
static int alpn_wire(const char *list, uint8_t *out, size_t outsz, size_t *len, struct wk_error *e)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == 0 || l > 255 || n + 1 + l > outsz)
			return wk_seterr(e, WK_EINVAL, "bad ALPN list '%s'", list);
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return wk_seterr(e, WK_EINVAL, "empty ALPN list");
	*len = n;
	return 0;
}

/* Our certificate chain and its key (server, or a client certificate). */
static int load_cert_key(SSL_CTX *ctx, const char *cert, const char *key, struct wk_error *e)
{
	char r[160];
	if (!cert != !key)
		return wk_seterr(e, WK_EINVAL,
		                 "a certificate needs its key (and the other way round)");
	if (!cert)
		return 0;
	/* OpenSSL says "system lib" for a missing file; say what the system said */
	if (access(cert, R_OK))
		return wk_seterr_sys(e, errno, "certificate %s", cert);
	if (access(key, R_OK))
		return wk_seterr_sys(e, errno, "key %s", key);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return wk_seterr(e, WK_EINVAL, "certificate %s: %s", cert,
		                 ossl_reason(r, sizeof(r)));
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return wk_seterr(e, WK_EINVAL, "key %s: %s", key, ossl_reason(r, sizeof(r)));
	if (SSL_CTX_check_private_key(ctx) != 1)
		return wk_seterr(e, WK_EINVAL, "key %s does not match certificate %s", key, cert);
	return 0;
}

/* Keep the leaf the peer sent, so its facts can be shown when verification fails (OpenSSL
 * does not keep the peer certificate of a failed handshake). Always defers to OpenSSL's
 * verdict. */
static int keep_leaf(int ok, X509_STORE_CTX *sc)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct wk_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(sc);
	if (t && leaf && !t->leaf && X509_up_ref(leaf))
		t->leaf = leaf;
	return ok;
}

int wk_tls_ctx_client(struct wk_tls_ctx **out, const struct wk_tls_client_opts *o,
                      struct wk_error *e)
{
	int rc = 0;
	struct wk_tls_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return wk_seterr(e, WK_ENOMEM, "TLS context: out of memory");
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx) {
		rc = ossl_err(e, WK_ENOMEM, "SSL_CTX_new");
		goto out;
	}
	/* peers that close without close_notify are common; treat that as the end of data */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(c->ctx,
	                 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->pin_sha256) {
		rc = wk_tls_parse_pins(o->pin_sha256, c->pins, WK_TLS_MAX_PINS, &c->npins, e);
		if (rc)
			goto out;
		c->pinned = true;
	}
	if (o->alpn) {
		uint8_t w[256];
		size_t wl = 0;
		rc = alpn_wire(o->alpn, w, sizeof(w), &wl, e);
		if (rc)
			goto out;
		if (SSL_CTX_set_alpn_protos(c->ctx, w, (unsigned)wl) != 0) {
			rc = ossl_err(e, WK_EINVAL, "ALPN");
			goto out;
		}
	}
	rc = load_cert_key(c->ctx, o->cert_file, o->key_file, e);
	if (rc)
		goto out;
	if (o->insecure || c->pinned) {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, keep_leaf);
		if (o->ca_file) {
			if (access(o->ca_file, R_OK)) {
				rc = wk_seterr_sys(e, errno, "CA file %s", o->ca_file);
				goto out;
			}
			if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1) {
				char r[160];
				rc = wk_seterr(e, WK_EINVAL, "CA file %s: %s", o->ca_file,
				               ossl_reason(r, sizeof(r)));
				goto out;
			}
		} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
			rc = ossl_err(e, WK_ESYS, "system CA store");
			goto out;
		}
	}
	*out = c;
	c = NULL;
out:
	wk_tls_ctx_free(c);
	return rc;
}

/* RFC 7301 section 3.2: the server picks; we take our first choice the client offers. */
static int alpn_select(SSL *ssl, const unsigned char **outp, unsigned char *outlen,
                       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	struct wk_tls_ctx *c = arg;
	unsigned char *sel = NULL;
	if (SSL_select_next_proto(&sel, outlen, c->alpn_wire, (unsigned)c->alpn_len, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*outp = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A fresh P-256 key and a 30-day self-signed certificate for name, localhost's addresses
 * in the SANs so that pinned or --insecure clients on loopback just work. */
static int self_signed(SSL_CTX *ctx, const char *name, struct wk_error *e)
{
	int rc = 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	uint8_t serial[16];
	char san[512];
	if (!key || !x) {
		rc = ossl_err(e, WK_ENOMEM, "self-signed certificate");
		goto out;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		rc = ossl_err(e, WK_ESYS, "random serial");
		goto out;
	}
	serial[0] &= 0x7f; /* RFC 5280 section 4.1.2.2: positive */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	BN_free(bn);
	if (!sn || !X509_set_serialNumber(x, sn)) {
		ASN1_INTEGER_free(sn);
		rc = ossl_err(e, WK_ENOMEM, "serial");
		goto out;
	}
	ASN1_INTEGER_free(sn);
	if (!strcmp(name, "localhost"))
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1");
	else
		snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", name);
	X509_NAME *nm = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) || !X509_set_pubkey(x, key) ||
	    !X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"wirekit", -1,
	                                -1, 0) ||
	    !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1,
	                                0) ||
	    !X509_set_issuer_name(x, nm) || add_ext(x, NID_subject_alt_name, san) ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") || !X509_sign(x, key, EVP_sha256())) {
		rc = ossl_err(e, WK_EINVAL, "self-signed certificate");
		goto out;
	}
	if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		rc = ossl_err(e, WK_EINVAL, "self-signed certificate");
		goto out;
	}
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int wk_tls_ctx_server(struct wk_tls_ctx **out, const struct wk_tls_server_opts *o,
                      struct wk_error *e)
{
	int rc = 0;
	char r[160];
	struct wk_tls_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return wk_seterr(e, WK_ENOMEM, "TLS context: out of memory");
	c->server = true;
	c->ctx = SSL_CTX_new(TLS_server_method());
	if (!c->ctx) {
		rc = ossl_err(e, WK_ENOMEM, "SSL_CTX_new");
		goto out;
	}
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(c->ctx,
	                 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->cert_file || o->key_file)
		rc = load_cert_key(c->ctx, o->cert_file, o->key_file, e);
	else
		rc = self_signed(c->ctx, o->self_name ? o->self_name : "localhost", e);
	if (rc)
		goto out;
	if (o->client_ca && access(o->client_ca, R_OK)) {
		rc = wk_seterr_sys(e, errno, "client CA file %s", o->client_ca);
		goto out;
	}
	if (o->client_ca) {
		/* RFC 8446 section 4.3.2: ask for a certificate, name the CAs we take */
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->client_ca);
		if (!names || SSL_CTX_load_verify_locations(c->ctx, o->client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			rc = wk_seterr(e, WK_EINVAL, "client CA file %s: %s", o->client_ca,
			               ossl_reason(r, sizeof(r)));
			goto out;
		}
		SSL_CTX_set_client_CA_list(c->ctx, names);
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		                   keep_leaf);
		c->verify_client = true;
	}
	if (o->alpn) {
		rc = alpn_wire(o->alpn, c->alpn_wire, sizeof(c->alpn_wire), &c->alpn_len, e);
		if (rc)
			goto out;
		SSL_CTX_set_alpn_select_cb(c->ctx, alpn_select, c);
	}
	*out = c;
	c = NULL;
out:
	wk_tls_ctx_free(c);
	return rc;
}

int wk_tls_ctx_cert_sha256(const struct wk_tls_ctx *c, uint8_t out[32])
{
	X509 *x = SSL_CTX_get0_certificate(c->ctx);
	unsigned n = 32;
	if (!x || X509_digest(x, EVP_sha256(), out, &n) != 1 || n != 32)
		return WK_EINVAL;
	return 0;
}

void wk_tls_ctx_free(struct wk_tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

static bool is_ip_literal(const char *h)
{
	uint8_t buf[16];
	return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

int wk_tls_new(struct wk_tls **out, struct wk_tls_ctx *c, int fd, const char *host,
               struct wk_error *e)
{
	int rc = 0;
	struct wk_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return wk_seterr(e, WK_ENOMEM, "TLS: out of memory");
	t->ctx = c;
	t->ssl = SSL_new(c->ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
		rc = ossl_err(e, WK_ENOMEM, "SSL_new");
		goto out;
	}
	SSL_set_app_data(t->ssl, t);
	if (c->server) {
		SSL_set_accept_state(t->ssl);
	} else {
		SSL_set_connect_state(t->ssl);
		if (host && host[0]) {
			snprintf(t->host, sizeof(t->host), "%s", host);
			bool ip = is_ip_literal(host);
			if (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1) {
				rc = ossl_err(e, WK_EINVAL, "SNI");
				goto out;
			}
			X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
			int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host)
			            : X509_VERIFY_PARAM_set1_host(vp, host, 0);
			if (ok != 1) {
				rc = ossl_err(e, WK_EINVAL, "verification name");
				goto out;
			}
		}
	}
	*out = t;
	t = NULL;
out:
	wk_tls_free(t);
	return rc;
}

void wk_tls_free(struct wk_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	X509_free(t->leaf);
	free(t);
}

size_t wk_tls_pending(const struct wk_tls *t)
{
	return (size_t)SSL_pending(t->ssl);
}

static int verify_err(struct wk_tls *t, long v, struct wk_error *e)
{
	const char *bad = t->ctx->server ? "bad client certificate" : "bad certificate";
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return wk_seterr(e, WK_EINVAL, "%s: certificate has expired", bad);
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return wk_seterr(e, WK_EINVAL, "%s: certificate is not yet valid", bad);
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return wk_seterr(e, WK_EINVAL, "%s: wrong host: certificate is not for '%s'", bad,
		                 t->host);
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return wk_seterr(e, WK_EINVAL, "%s: unknown CA (%s)", bad,
		                 X509_verify_cert_error_string(v));
	default:
		return wk_seterr(e, WK_EINVAL, "%s: %s", bad, X509_verify_cert_error_string(v));
	}
}

static int check_pin(struct wk_tls *t, struct wk_error *e)
{
	struct wk_tls_info i;
	if (wk_tls_get_info(t, &i) || !i.has_cert)
		return wk_seterr(e, WK_EINVAL, "bad certificate: the server sent none");
	for (size_t k = 0; k < t->ctx->npins; k++)
		if (!memcmp(i.spki_sha256, t->ctx->pins[k], 32) ||
		    !memcmp(i.sha256, t->ctx->pins[k], 32))
			return 0;
	char hex[65], pin[WK_TLS_PIN_STRLEN];
	for (size_t k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", i.sha256[k]);
	wk_tls_pin_fmt(i.spki_sha256, pin);
	return wk_seterr(e, WK_EINVAL,
	                 "bad certificate: pin mismatch: the server's key pin is %s, its "
	                 "certificate sha256 %s",
	                 pin, hex);
}

/* Map SSL_get_error for a call that returned r <= 0. */
static int io_err(struct wk_tls *t, int r, const char *what, struct wk_error *e)
{
	int se = SSL_get_error(t->ssl, r);
	char rs[160];
	switch (se) {
	case SSL_ERROR_WANT_READ:
		return WK_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return WK_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return wk_seterr(e, WK_EEOF, "%s: end of data", what);
	case SSL_ERROR_SYSCALL:
		if (errno && ERR_peek_last_error() == 0)
			return wk_seterr_sys(e, errno, "%s", what);
		if (ERR_peek_last_error() == 0)
			return wk_seterr(e, WK_EEOF, "%s: connection closed", what);
		return wk_seterr(e, WK_ESYS, "%s: %s", what, ossl_reason(rs, sizeof(rs)));
	default:
		return wk_seterr(e, WK_EINVAL, "%s: %s", what, ossl_reason(rs, sizeof(rs)));
	}
}

int wk_tls_handshake(struct wk_tls *t, struct wk_error *e)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		if (t->ctx->pinned) {
			int prc = check_pin(t, e);
			t->verified = prc == 0;
			return prc;
		}
		t->verified = (!t->ctx->server || t->ctx->verify_client) &&
		              SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE &&
		              SSL_get_verify_result(t->ssl) == X509_V_OK;
		return 0;
	}
	int rc = io_err(t, r, "handshake", e);
	if (rc > 0)
		return rc;
	long v = SSL_get_verify_result(t->ssl);
	if ((!t->ctx->server || t->ctx->verify_client) && v != X509_V_OK)
		return verify_err(t, v, e);
	if (rc == WK_EEOF)
		return wk_seterr(e, WK_ESYS, "handshake failure: connection closed by peer");
	/* io_err said "handshake: reason"; make it "handshake failure: reason" */
	char tmp[WK_ERRMSG_MAX];
	snprintf(tmp, sizeof(tmp), "%s", e ? e->msg : "");
	const char *why = strncmp(tmp, "handshake: ", 11) == 0 ? tmp + 11 : tmp;
	return wk_seterr(e, rc, "handshake failure: %s", why);
}

int wk_tls_read(struct wk_tls *t, void *p, size_t n, size_t *got, struct wk_error *e)
{
	ERR_clear_error();
	errno = 0;
	*got = 0;
	int r = SSL_read_ex(t->ssl, p, n, got);
	if (r == 1)
		return 0;
	return io_err(t, 0, "TLS read", e);
}

int wk_tls_write(struct wk_tls *t, const void *p, size_t n, size_t *put, struct wk_error *e)
{
	ERR_clear_error();
	errno = 0;
	*put = 0;
	int r = SSL_write_ex(t->ssl, p, n, put);
	if (r == 1)
		return 0;
	return io_err(t, 0, "TLS write", e);
}

int wk_tls_close_notify(struct wk_tls *t, struct wk_error *e)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN)
		return 0;
	int r = SSL_shutdown(t->ssl);
	if (r >= 0)
		return 0; /* 0: sent, the peer's close_notify not yet seen; that is fine */
	return io_err(t, r, "TLS close_notify", e);
}

/* Copy untrusted certificate text, replacing anything non-printable. */
static void safe_copy(char *dst, size_t n, const char *src, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[k] = '\0';
}

static void name_str(const X509_NAME *nm, char *dst, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	dst[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		long l = BIO_get_mem_data(b, &p);
		if (l > 0 && p)
			safe_copy(dst, n, p, (size_t)l);
	}
	BIO_free(b);
}

static void time_str(const ASN1_TIME *t, char *dst, size_t n)
{
	struct tm tm;
	dst[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(dst, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void append(char *dst, size_t n, const char *pre, const char *s, size_t len)
{
	size_t l = strlen(dst);
	if (l + 8 >= n)
		return;
	snprintf(dst + l, n - l, "%s%s", l ? ", " : "", pre);
	l = strlen(dst);
	safe_copy(dst + l, n - l, s, len);
}

static void sans_str(X509 *x, char *dst, size_t n)
{
	dst[0] = '\0';
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (!g)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(g); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(g, i);
		if (gn->type == GEN_DNS) {
			const ASN1_IA5STRING *s = gn->d.dNSName;
			append(dst, n, "DNS:", (const char *)ASN1_STRING_get0_data(s),
			       (size_t)ASN1_STRING_length(s));
		} else if (gn->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = gn->d.iPAddress;
			char ip[INET6_ADDRSTRLEN] = "?";
			int len = ASN1_STRING_length(s);
			const unsigned char *d = ASN1_STRING_get0_data(s);
			if (len == 4)
				inet_ntop(AF_INET, d, ip, sizeof(ip));
			else if (len == 16)
				inet_ntop(AF_INET6, d, ip, sizeof(ip));
			append(dst, n, "IP:", ip, strlen(ip));
		} else if (gn->type == GEN_EMAIL) {
			const ASN1_IA5STRING *s = gn->d.rfc822Name;
			append(dst, n, "email:", (const char *)ASN1_STRING_get0_data(s),
			       (size_t)ASN1_STRING_length(s));
		}
	}
	GENERAL_NAMES_free(g);
}

static void key_str(X509 *x, char *dst, size_t n)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	dst[0] = '\0';
	if (!k)
		return;
	int id = EVP_PKEY_get_base_id(k);
	char grp[64];
	size_t gl = 0;
	if (id == EVP_PKEY_EC && EVP_PKEY_get_group_name(k, grp, sizeof(grp), &gl) == 1)
		snprintf(dst, n, "EC %.40s", grp);
	else if (id == EVP_PKEY_RSA)
		snprintf(dst, n, "RSA %d", EVP_PKEY_get_bits(k));
	else
		snprintf(dst, n, "%s %d", OBJ_nid2sn(id), EVP_PKEY_get_bits(k));
}

int wk_tls_get_info(const struct wk_tls *t, struct wk_tls_info *i)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->version, sizeof(i->version), "%s", SSL_get_version(t->ssl));
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
	snprintf(i->cipher, sizeof(i->cipher), "%s", c ? SSL_CIPHER_get_name(c) : "(none)");
	const unsigned char *ap = NULL;
	unsigned al = 0;
	SSL_get0_alpn_selected(t->ssl, &ap, &al);
	if (ap && al)
		safe_copy(i->alpn, sizeof(i->alpn), (const char *)ap, al);
	i->verified = t->verified;
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	if (!x)
		x = t->leaf; /* verification failed: what the peer sent all the same */
	if (!x)
		return 0;
	i->has_cert = true;
	name_str(X509_get_subject_name(x), i->subject, sizeof(i->subject));
	name_str(X509_get_issuer_name(x), i->issuer, sizeof(i->issuer));
	sans_str(x, i->sans, sizeof(i->sans));
	time_str(X509_get0_notBefore(x), i->not_before, sizeof(i->not_before));
	time_str(X509_get0_notAfter(x), i->not_after, sizeof(i->not_after));
	key_str(x, i->key, sizeof(i->key));
	unsigned n = 32;
	X509_digest(x, EVP_sha256(), i->sha256, &n);
	/* the pin is over the whole DER SubjectPublicKeyInfo (RFC 7469 section 2.4), algorithm
	 * included; X509_pubkey_digest would hash only the key's bit string */
	unsigned char *der = NULL;
	int dl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (dl > 0)
		EVP_Digest(der, (size_t)dl, i->spki_sha256, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return 0;
}
