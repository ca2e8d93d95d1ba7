/* A port's --banners findings as nmap's script output: "banner" (the first bytes, escaped
 * as nmap's banner.nse does), "ssl-cert" (certificate facts in its field names and order)
 * and "tls-session" (negotiated version, cipher, ALPN; nmap has no such script). The text
 * writer prints the lines under the port row, the XML writer puts them in output= and
 * adds nmap's structured tables. */
#include <stdio.h>
#include <string.h>

#include "results/results_int.h"

/* RFC 4514 / RFC 2253 short names and the long names nmap prints (OpenSSL's long names). */
static const struct {
	const char *sn, *ln;
} dn_names[] = {
    {"CN", "commonName"},        {"O", "organizationName"},     {"OU", "organizationalUnitName"},
    {"C", "countryName"},        {"ST", "stateOrProvinceName"}, {"L", "localityName"},
    {"STREET", "streetAddress"}, {"DC", "domainComponent"},     {"UID", "userId"},
};

bool rdn_next(const char **cur, char *key, size_t kn, char *val, size_t vn)
{
	const char *s = *cur;
	size_t k = 0, v = 0;
	if (!*s || !kn || !vn)
		return false;
	while (*s && *s != '=') {
		if (k + 1 < kn)
			key[k++] = *s;
		s++;
	}
	key[k] = '\0';
	if (*s == '=')
		s++;
	/* the value ends at an unescaped ',' or '+' (a multi-valued RDN, kept as one) */
	while (*s && *s != ',' && *s != '+') {
		if (*s == '\\' && s[1])
			s++;
		if (v + 1 < vn)
			val[v++] = *s;
		s++;
	}
	val[v] = '\0';
	if (*s)
		s++;
	*cur = s;
	for (size_t i = 0; i < WK_ARRAY_SIZE(dn_names); i++)
		if (!strcmp(key, dn_names[i].sn)) {
			snprintf(key, kn, "%s", dn_names[i].ln);
			break;
		}
	return true;
}

/* "commonName=lab.test/organizationName=Lab" */
static void dn_nmap(char *out, size_t n, const char *dn)
{
	char k[64], v[256];
	size_t at = 0;
	out[0] = '\0';
	while (rdn_next(&dn, k, sizeof(k), v, sizeof(v)) && at < n) {
		int w = snprintf(out + at, n - at, "%s%s=%s", at ? "/" : "", k, v);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

void rkey_split(const char *key, char *type, size_t tn, unsigned *bits)
{
	size_t i = 0;
	*bits = 0;
	for (; key[i] && key[i] != ' ' && i + 1 < tn; i++)
		type[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] - 'A' + 'a' : key[i]);
	type[i] = '\0';
	const char *rest = strchr(key, ' ');
	if (!rest)
		return;
	rest++;
	/* "RSA 2048", "ED25519 256"; for "EC prime256v1" / "EC secp384r1" the curve's size */
	const char *d = rest;
	while (*d && (*d < '0' || *d > '9'))
		d++;
	unsigned b = 0;
	for (; *d >= '0' && *d <= '9' && b < 100000; d++)
		b = b * 10 + (unsigned)(*d - '0');
	*bits = b;
}

void rtls_time(char *out, size_t n, const char *t)
{
	/* "2026-12-06 18:40:00 UTC" -> nmap's "2026-12-06T18:40:00" */
	snprintf(out, n, "%.19s", t);
	if (strlen(out) > 10 && out[10] == ' ')
		out[10] = 'T';
}

/* Append one line to a script's text ('\n' between lines). */
static void add(struct rscript *s, const char *label, const char *value)
{
	size_t l = strlen(s->text);
	if (l + 2 >= sizeof(s->text))
		return;
	snprintf(s->text + l, sizeof(s->text) - l, "%s%s%s", l ? "\n" : "", label, value);
}

/* nmap's banner.nse escaping: printable ASCII as is, every other byte as \xHH. */
static void banner_text(struct rscript *s, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t at = 0, room = sizeof(s->text) - 4; /* "..." when it does not fit */
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		size_t need = c >= 0x20 && c < 0x7f ? 1 : 4;
		if (at + need > room) {
			memcpy(s->text + at, "...", 3);
			at += 3;
			break;
		}
		if (need == 1) {
			s->text[at++] = (char)c;
		} else {
			s->text[at++] = '\\';
			s->text[at++] = 'x';
			s->text[at++] = hex[c >> 4];
			s->text[at++] = hex[c & 15];
		}
	}
	s->text[at] = '\0';
}

void rsha256_hex(char out[65], const uint8_t h[32])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
}

size_t rscripts(const struct wk_scan_service *svc, struct rscript *out, size_t max)
{
	size_t n = 0;
	if (!svc)
		return 0;
	if (svc->banner_len && n < max) {
		out[n].id = "banner";
		banner_text(&out[n], svc->banner, svc->banner_len);
		n++;
	}
	const struct wk_tls_info *t = svc->tls;
	if (t && t->has_cert && n < max) {
		struct rscript *s = &out[n++];
		char dn[600], type[48], num[16], tb[32], fp[65], grouped[80];
		unsigned bits;
		s->id = "ssl-cert";
		s->text[0] = '\0';
		dn_nmap(dn, sizeof(dn), t->subject);
		add(s, "Subject: ", dn);
		if (t->sans[0])
			add(s, "Subject Alternative Name: ", t->sans);
		dn_nmap(dn, sizeof(dn), t->issuer);
		add(s, "Issuer: ", dn);
		rkey_split(t->key, type, sizeof(type), &bits);
		add(s, "Public Key type: ", type);
		snprintf(num, sizeof(num), "%u", bits);
		add(s, "Public Key bits: ", num);
		rtls_time(tb, sizeof(tb), t->not_before);
		add(s, "Not valid before: ", tb);
		rtls_time(tb, sizeof(tb), t->not_after);
		add(s, "Not valid after:  ", tb);
		/* grouped by four digits as nmap prints MD5 and SHA-1 */
		rsha256_hex(fp, t->sha256);
		size_t g = 0;
		for (size_t i = 0; i < 64; i += 4) {
			if (i)
				grouped[g++] = ' ';
			memcpy(grouped + g, fp + i, 4);
			g += 4;
		}
		grouped[g] = '\0';
		add(s, "SHA-256: ", grouped);
	}
	if (t && t->version[0] && n < max) {
		struct rscript *s = &out[n++];
		s->id = "tls-session";
		s->text[0] = '\0';
		char line[96];
		snprintf(line, sizeof(line), "%s %s", t->version, t->cipher);
		add(s, "", line);
		if (t->alpn[0])
			add(s, "ALPN: ", t->alpn);
	}
	return n;
}
