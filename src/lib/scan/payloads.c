/* UDP payloads from nmap's nmap-payloads: "udp PORTS" followed by one or more C-style
 * quoted strings (concatenated) and optional "source PORT" lines; '#' starts a comment.
 * The first payload listed for a port is kept. The file is read once per scan; the table
 * is one array of 65,536 offsets into one byte store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile_int.h"
#include "scan/scan_int.h"
#include "wirekit/addr.h"

#define PAYLOAD_MAX   1400u
#define PAYLOADS_FILE (4u << 20)

struct scan_payloads {
	uint32_t off[65536]; /* 0: none; else 1 + offset of a 2-byte length + bytes */
	uint8_t *store;
	size_t len, cap;
};

struct lex {
	const char *p, *end;
	unsigned line;
};

static void skip_space(struct lex *l)
{
	while (l->p < l->end) {
		if (*l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
		} else if (*l->p == '\n') {
			l->line++;
			l->p++;
		} else if (*l->p == ' ' || *l->p == '\t' || *l->p == '\r') {
			l->p++;
		} else {
			return;
		}
	}
}

/* A bare word (up to space or quote) into w. */
static size_t word(struct lex *l, char *w, size_t cap)
{
	size_t n = 0;
	while (l->p < l->end && !strchr(" \t\r\n\"#", *l->p)) {
		if (n + 1 < cap)
			w[n++] = *l->p;
		l->p++;
	}
	w[n] = '\0';
	return n;
}

/* A quoted string with nmap's escapes (\xHH, \0, \n, \r, \t, \\, \") appended to buf. */
static int quoted(struct lex *l, uint8_t *buf, size_t *n, struct wk_error *err)
{
	l->p++;
	while (l->p < l->end && *l->p != '"') {
		int c = (unsigned char)*l->p++;
		if (c == '\n')
			return wk_seterr(err, WK_EFORMAT,
			                 "nmap-payloads line %u: unterminated string", l->line);
		if (c == '\\' && l->p < l->end) {
			char e = *l->p++;
			switch (e) {
			case 'x': {
				int h = l->p < l->end ? wk_hexval((unsigned char)l->p[0]) : -1;
				int lo = l->p + 1 < l->end ? wk_hexval((unsigned char)l->p[1]) : -1;
				if (h < 0 || lo < 0)
					return wk_seterr(err, WK_EFORMAT,
					                 "nmap-payloads line %u: bad \\x escape",
					                 l->line);
				c = h * 16 + lo;
				l->p += 2;
				break;
			}
			case '0':
				c = 0;
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			default:
				c = (unsigned char)e;
			}
		}
		if (*n >= PAYLOAD_MAX)
			return wk_seterr(err, WK_EFORMAT, "nmap-payloads line %u: payload too long",
			                 l->line);
		buf[(*n)++] = (uint8_t)c;
	}
	if (l->p >= l->end)
		return wk_seterr(err, WK_EFORMAT, "nmap-payloads line %u: unterminated string",
		                 l->line);
	l->p++;
	return 0;
}

static int store(struct scan_payloads *t, const char *ports, const uint8_t *b, size_t n,
                 unsigned line, struct wk_error *err)
{
	if (t->len + n + 2 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 4096) + n + 2;
		uint8_t *s = realloc(t->store, cap);
		if (!s)
			return wk_seterr(err, WK_ENOMEM, "out of memory");
		t->store = s;
		t->cap = cap;
	}
	size_t at = t->len;
	t->store[at] = (uint8_t)(n >> 8);
	t->store[at + 1] = (uint8_t)n;
	memcpy(t->store + at + 2, b, n);
	t->len += n + 2;
	/* ports: 7,9,53-55 */
	const char *p = ports;
	while (*p) {
		char *e;
		errno = 0;
		unsigned long lo = strtoul(p, &e, 10), hi = lo;
		if (e == p || errno || lo > 65535)
			return wk_seterr(err, WK_EFORMAT, "nmap-payloads line %u: bad port list",
			                 line);
		if (*e == '-') {
			p = e + 1;
			hi = strtoul(p, &e, 10);
			if (e == p || hi > 65535 || hi < lo)
				return wk_seterr(err, WK_EFORMAT,
				                 "nmap-payloads line %u: bad port range", line);
		}
		for (unsigned long port = lo; port <= hi; port++)
			if (!t->off[port])
				t->off[port] = (uint32_t)at + 1;
		if (*e == ',')
			e++;
		else if (*e)
			return wk_seterr(err, WK_EFORMAT, "nmap-payloads line %u: bad port list",
			                 line);
		p = e;
	}
	return 0;
}

int scan_payloads_parse(const char *text, size_t n, struct scan_payloads **out,
                        struct wk_error *err)
{
	struct scan_payloads *t = calloc(1, sizeof(*t));
	uint8_t *buf = malloc(PAYLOAD_MAX);
	struct lex l = {text, text + n, 1};
	char w[512], ports[512];
	int rc = 0;
	if (!t || !buf) {
		rc = wk_seterr(err, WK_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		skip_space(&l);
		if (l.p >= l.end)
			break;
		unsigned line = l.line;
		word(&l, w, sizeof(w));
		skip_space(&l);
		if (strcmp(w, "udp") && strcmp(w, "tcp") && strcmp(w, "sctp")) {
			rc = wk_seterr(err, WK_EFORMAT, "nmap-payloads line %u: unexpected '%s'",
			               line, w);
			goto out;
		}
		bool udp = !strcmp(w, "udp");
		word(&l, ports, sizeof(ports));
		size_t len = 0;
		skip_space(&l);
		while (l.p < l.end && *l.p == '"') {
			if ((rc = quoted(&l, buf, &len, err)))
				goto out;
			skip_space(&l);
		}
		/* "source PORT" (nmap's per-payload source port) is not used here */
		const char *save = l.p;
		unsigned sline = l.line;
		word(&l, w, sizeof(w));
		if (!strcmp(w, "source")) {
			skip_space(&l);
			word(&l, w, sizeof(w));
		} else {
			l.p = save;
			l.line = sline;
		}
		if (udp && (rc = store(t, ports, buf, len, line, err)))
			goto out;
	}
out:
	free(buf);
	if (rc) {
		scan_payloads_free(t);
		t = NULL;
	}
	*out = t;
	return rc;
}

int scan_payloads_load(const char *datadir, struct scan_payloads **out, struct wk_error *err)
{
	char path[4096], *text;
	size_t n;
	*out = NULL;
	/* no file: UDP probes go out with nmap's empty datagram */
	FILE *f = datafile_open(datadir, "nmap-payloads", path, sizeof(path), NULL, 0);
	if (!f)
		return 0;
	int rc = datafile_slurp(f, path, PAYLOADS_FILE, &text, &n, err);
	if (!rc)
		rc = scan_payloads_parse(text, n, out, err);
	free(text);
	return rc;
}

void scan_payloads_free(struct scan_payloads *p)
{
	if (!p)
		return;
	free(p->store);
	free(p);
}

const uint8_t *scan_payloads_get(const struct scan_payloads *p, uint16_t port, size_t *len)
{
	*len = 0;
	if (!p || !p->off[port])
		return NULL;
	const uint8_t *s = p->store + p->off[port] - 1;
	*len = (size_t)(s[0] << 8 | s[1]);
	return s + 2;
}
