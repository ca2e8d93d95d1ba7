/* The packet language (spec.h): a hand-written recursive descent parser over the spec
 * text, driven by the protocol descriptors and their field tables. Values are kept as
 * segments (a number range, or bytes whose last 4 or 8 bytes count through a range), so
 * dport=1-65535 costs one segment, not 65535 values; packet idx of the cross product is
 * built on demand by wk_spec_build. Every value is tried through the encoder of its
 * layer while parsing, so a value the encoder would refuse is reported at its column. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wirekit/addr.h"
#include "proto/spec_int.h"

/* Spec names that are not registry names (the list: scapy's Ether, and the
 * spellings people type for the IP versions). */
static const struct {
	const char *alias, *name;
} layer_alias[] = {
    {"ether", "eth"}, {"ipv4", "ip"},      {"ip4", "ip"},
    {"ip6", "ipv6"},  {"icmpv6", "icmp6"}, {"dot1q", "vlan"},
};

struct ps {
	const char *s;
	size_t n, i;
	struct wk_error *err;
	size_t col;
	struct wk_spec *sp;
	unsigned flags; /* WK_SPEC_RESOLVE */
};

static int perr(struct ps *ps, size_t col, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int perr(struct ps *ps, size_t col, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wk_vseterr(ps->err, code, fmt, ap);
	va_end(ap);
	ps->col = col;
	return code;
}

static void skip_ws(struct ps *ps)
{
	while (ps->i < ps->n && (ps->s[ps->i] == ' ' || ps->s[ps->i] == '\t' ||
	                         ps->s[ps->i] == '\n' || ps->s[ps->i] == '\r'))
		ps->i++;
}

static bool is_ident(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '.');
}

/* ---- layers ------------------------------------------------------------------------- */

static const struct wk_proto *layer_find(const char *name)
{
	for (size_t k = 0; k < WK_ARRAY_SIZE(layer_alias); k++)
		if (!strcmp(layer_alias[k].alias, name))
			return wk_proto_find(layer_alias[k].name);
	return wk_proto_find(name);
}

static int unknown_layer(struct ps *ps, size_t col, const char *name)
{
	struct near nr = {.want = name, .d = 1000};
	for (size_t k = 0; k < wk_proto_count(); k++) {
		const struct wk_proto *p = wk_proto_at(k);
		if (p->encode)
			spec_near_try(&nr, p->name, strlen(p->name));
	}
	for (size_t k = 0; k < WK_ARRAY_SIZE(layer_alias); k++)
		spec_near_try(&nr, layer_alias[k].alias, strlen(layer_alias[k].alias));
	if (nr.d < 1000)
		return perr(ps, col, WK_ENOTFOUND, "unknown layer '%s'; did you mean '%s'?", name,
		            nr.best);
	return perr(ps, col, WK_ENOTFOUND, "unknown layer '%s'", name);
}

/* The settable text field named "<p>.options", which takes option words (tcp's "nop",
 * "ts=1:0"), or NULL. */
static const struct wk_field *options_field(const struct wk_proto *p)
{
	const struct wk_field *f = wk_build_field(p, "options");
	return f && f->type == WK_FT_STR && !(f->flags & WK_FF_NOENC) ? f : NULL;
}

/* ---- trial encoding ------------------------------------------------------------------- */

static void bval_apply(struct wk_build *b, unsigned i, const struct wk_field *f,
                       const struct wk_bval *v, struct wk_error *err, int *rc)
{
	if (f->type == WK_FT_UINT || f->type == WK_FT_BOOL)
		*rc = wk_build_set_uint(b, i, f->name, v->u, err);
	else
		*rc = wk_build_set_bytes(b, i, f->name, v->b, v->n, err);
}

/* Build layer p alone with one field set (or with option words), to have the encoder
 * judge the value where the user wrote it. */
static int trial(const struct wk_proto *p, const struct wk_field *f, const struct wk_bval *v,
                 const char *opts, struct wk_error *err)
{
	struct wk_build *b = malloc(sizeof(*b));
	uint8_t out[1024];
	size_t len;
	int rc;
	if (!b)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	wk_build_init(b);
	rc = wk_build_add(b, p, err);
	if (rc >= 0) {
		if (opts)
			rc = wk_build_set_text(b, 0, options_field(p)->name, opts, err);
		else
			bval_apply(b, 0, f, v, err, &rc);
	}
	if (rc >= 0)
		rc = wk_build_encode(b, out, sizeof(out), &len, err);
	free(b);
	return rc < 0 ? rc : 0;
}

/* ---- the parser ----------------------------------------------------------------------- */

static int add_seg(struct ps *ps, struct assign *a, const struct seg *g, size_t col)
{
	if (a->nseg >= WK_SPEC_MAX_LIST)
		return perr(ps, col, WK_ENOMEM, "more than %d values in one list",
		            WK_SPEC_MAX_LIST);
	if (a->nseg == a->cap) {
		unsigned nc = a->cap ? a->cap * 2 : 4;
		struct seg *ns = realloc(a->seg, nc * sizeof(*ns));
		if (!ns)
			return perr(ps, col, WK_ENOMEM, "out of memory");
		a->seg = ns;
		a->cap = nc;
	}
	uint64_t c = spec_seg_count(g);
	if (c == 0 || c > WK_SPEC_MAX_PACKETS) {
		/* c == 0: the whole 64-bit range (an IPv6 /64) */
		unsigned bits = c ? 64 - (unsigned)__builtin_clzll(c - 1) : 64;
		if (g->n == 16)
			return perr(ps, col, WK_ENOMEM,
			            "%s stands for 2^%u addresses: a spec expands to at most 2^24 "
			            "packets (an IPv6 prefix of /104 or longer)",
			            a->f->name, bits);
		return perr(ps, col, WK_ENOMEM,
		            "%s stands for 2^%u values: a spec expands to at most 2^24 packets",
		            a->f->name, bits);
	}
	a->seg[a->nseg++] = *g;
	if (a->count + c > WK_SPEC_MAX_PACKETS)
		return perr(ps, col, WK_ENOMEM, "more than %u values", WK_SPEC_MAX_PACKETS);
	a->count += c;
	return 0;
}

/* A value token: "quoted" (C escapes; returned unescaped in buf) or bare, up to ',' or
 * ')' at the top level. */
static int value_token(struct ps *ps, char *buf, size_t cap, size_t *len, size_t *col)
{
	skip_ws(ps);
	*col = ps->i;
	size_t k = 0;
	if (ps->i < ps->n && ps->s[ps->i] == '"') {
		ps->i++;
		while (ps->i < ps->n && ps->s[ps->i] != '"') {
			char c = ps->s[ps->i++];
			if (c == '\\' && ps->i < ps->n)
				c = ps->s[ps->i++];
			if (k + 1 >= cap)
				return perr(ps, *col, WK_EINVAL, "value too long");
			buf[k++] = c;
		}
		if (ps->i >= ps->n)
			return perr(ps, *col, WK_EINVAL, "unterminated quoted value");
		ps->i++;
	} else {
		while (ps->i < ps->n && ps->s[ps->i] != ',' && ps->s[ps->i] != ')' &&
		       ps->s[ps->i] != '(') {
			if (k + 1 >= cap)
				return perr(ps, *col, WK_EINVAL, "value too long");
			buf[k++] = ps->s[ps->i++];
		}
		while (k && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
			k--;
	}
	buf[k] = '\0';
	*len = k;
	if (k == 0)
		return perr(ps, *col, WK_EINVAL, "missing value");
	return 0;
}

/* After a ',' inside a value list: does an assignment start here ("name=" or a bare
 * name that is no value of the field being listed)? */
static bool assignment_ahead(struct ps *ps, const struct wk_proto *p, const struct wk_field *f)
{
	size_t j = ps->i;
	while (j < ps->n && (ps->s[j] == ' ' || ps->s[j] == '\t'))
		j++;
	size_t st = j;
	if (j >= ps->n || !is_ident(ps->s[j], true))
		return false;
	while (j < ps->n && is_ident(ps->s[j], false))
		j++;
	size_t end = j;
	while (j < ps->n && (ps->s[j] == ' ' || ps->s[j] == '\t'))
		j++;
	if (j < ps->n && ps->s[j] == '=')
		return true;
	if (j < ps->n && ps->s[j] != ',' && ps->s[j] != ')')
		return false; /* e.g. an IPv6 address or a range: a value */
	char name[64];
	if (!spec_cstr(ps->s + st, end - st, name, sizeof(name)))
		return false;
	if (f->type == WK_FT_STR)
		return wk_build_field(p, name) != NULL;
	struct seg g;
	return !spec_parse_value(p, f, name, strlen(name), &g);
}

/* After a ',' in a list: a bare flag name (DF in flags=DF,MF; recdesired after
 * qname=a.test) could be another value or another flag; refuse it (issue 12 item 13). */
static int bare_flag(struct ps *ps, const struct wk_proto *p, const struct wk_field *f,
                     const char *prev)
{
	size_t j = ps->i;
	while (j < ps->n && (ps->s[j] == ' ' || ps->s[j] == '\t'))
		j++;
	size_t st = j;
	while (j < ps->n && is_ident(ps->s[j], false))
		j++;
	size_t e = j;
	while (j < ps->n && (ps->s[j] == ' ' || ps->s[j] == '\t'))
		j++;
	if (e == st || (j < ps->n && ps->s[j] != ',' && ps->s[j] != ')'))
		return 0;
	const struct wk_field *g = spec_flag_named(p, ps->s + st, e - st);
	if (!g)
		return 0;
	int n = (int)(e - st);
	size_t fl = strlen(f->name);
	if (!strncmp(g->name, f->name, fl) && g->name[fl] == '.')
		return perr(ps, st, WK_EINVAL,
		            "'%.*s' after '%s' is ambiguous: write %s=%s+%.*s for both flags, "
		            "or quote it (\"%.*s\") for one packet each",
		            n, ps->s + st, prev, f->name, prev, n, ps->s + st, n, ps->s + st);
	size_t pn = strlen(p->name);
	const char *shortname = !strncmp(g->name, p->name, pn) ? g->name + pn + 1 : g->name;
	if (g->flags & WK_FF_NOENC || g->get) {
		int pl = (int)(strrchr(g->name, '.') - g->name);
		return perr(ps, st, WK_EINVAL,
		            "'%.*s' after a list value of %s is ambiguous: it names a flag of %.*s "
		            "(set that field instead), or quote it (\"%.*s\") to make it a value",
		            n, ps->s + st, f->name, pl, g->name, n, ps->s + st);
	}
	return perr(ps, st, WK_EINVAL,
	            "'%.*s' after a list value of %s is ambiguous: set the flag with %s=1, or "
	            "quote it (\"%.*s\") to make it a value",
	            n, ps->s + st, f->name, shortname, n, ps->s + st);
}

/* Field names scapy users type that are spelt differently here (issue 12 item 26). */
static const struct {
	const char *proto, *scapy, *ours;
} scapy_names[] = {
    {"vlan", "prio", "priority"},
    {"vlan", "vlan", "id"},
    {"ip", "ihl", "hdr_len"},
    {"tcp", "dataofs", "hdr_len"},
    {"dns", "qdcount", "count.queries"},
    {"dns", "ancount", "count.answers"},
    {"dns", "nscount", "count.auth_rr"},
    {"dns", "arcount", "count.add_rr"},
    {"dns", "rd", "flags"},
    {"dns", "qr", "flags"},
    {"ipv6", "nh", "nxt"},
    {"icmp6", "ptr", "pointer"},
};

/* An unknown field name: scapy's spelling of one of ours, else the closest name. */
static int unknown_field(struct ps *ps, const struct slayer *l, const char *name, size_t col,
                         const char *what)
{
	for (size_t k = 0; k < WK_ARRAY_SIZE(scapy_names); k++)
		if (!strcmp(scapy_names[k].proto, l->p->name) &&
		    !strcmp(scapy_names[k].scapy, name) &&
		    wk_build_field(l->p, scapy_names[k].ours))
			return perr(ps, col, WK_ENOTFOUND,
			            "unknown %s '%s' in %s(): scapy's '%s' is '%s' here", what,
			            name, l->p->name, name, scapy_names[k].ours);
	struct near nr = {.want = name, .d = 1000};
	spec_near_fields(&nr, l->p);
	if (nr.d < 1000)
		return perr(ps, col, WK_ENOTFOUND, "unknown %s '%s' in %s(); did you mean '%s'?",
		            what, name, l->p->name, nr.best);
	return perr(ps, col, WK_ENOTFOUND, "unknown %s '%s' in %s()", what, name, l->p->name);
}

static int add_option_word(struct ps *ps, struct slayer *l, const char *name, const char *val,
                           size_t col)
{
	char word[160];
	int w = val ? snprintf(word, sizeof(word), "%s=%s", name, val)
	            : snprintf(word, sizeof(word), "%s", name);
	if (w < 0 || (size_t)w >= sizeof(word))
		return perr(ps, col, WK_EINVAL, "option too long");
	struct wk_error e = {0};
	if (trial(l->p, NULL, NULL, word, &e)) /* not an option either: a misspelt field? */
		return unknown_field(ps, l, name, col, "field or option");
	size_t need = l->nopts + (size_t)w + 2;
	char *no = realloc(l->opts, need);
	if (!no)
		return perr(ps, col, WK_ENOMEM, "out of memory");
	l->opts = no;
	if (l->nopts)
		l->opts[l->nopts++] = ',';
	memcpy(l->opts + l->nopts, word, (size_t)w + 1);
	l->nopts += (size_t)w;
	return 0;
}

/* One "name[=values]" inside a layer's parentheses. */
static int parse_assign(struct ps *ps, struct slayer *l)
{
	char name[64], tok[WK_BUILD_VAL_MAX * 4 + 8];
	size_t ncol = ps->i, tlen, tcol;
	size_t k = 0;
	if (ps->i >= ps->n || !is_ident(ps->s[ps->i], true))
		return perr(ps, ps->i, WK_EINVAL, "expected a field name in %s()", l->p->name);
	while (ps->i < ps->n && is_ident(ps->s[ps->i], false)) {
		if (k + 1 >= sizeof(name))
			return perr(ps, ncol, WK_EINVAL, "field name too long");
		name[k++] = ps->s[ps->i++];
	}
	name[k] = '\0';
	skip_ws(ps);
	bool has_val = ps->i < ps->n && ps->s[ps->i] == '=';
	if (has_val)
		ps->i++;
	const struct wk_field *f = wk_build_field(l->p, name);
	if (!f) {
		if (!l->optf)
			return unknown_field(ps, l, name, ncol, "field");
		int rc = 0;
		if (has_val)
			rc = value_token(ps, tok, sizeof(tok), &tlen, &tcol);
		return rc ? rc : add_option_word(ps, l, name, has_val ? tok : NULL, ncol);
	}
	if (f->flags & WK_FF_NOENC)
		return perr(ps, ncol, WK_EINVAL, "field '%s' of %s() is read-only (computed)", name,
		            l->p->name);
	for (unsigned j = 0; j < l->nas; j++)
		if (l->as[j].f == f)
			return perr(ps, ncol, WK_EINVAL, "field '%s' set twice", name);
	if (l->optf && f != l->optf && f->get) {
		/* an option that is also a field (tcp's mss=, wscale=, sackok): one value goes
		 * in as an option word, so options keep the order the user gave them in (probe
		 * fingerprints depend on it); lists and ranges stay fields and expand */
		size_t save = ps->i;
		char word[WK_BUILD_VAL_MAX * 4 + 72];
		int w = -1;
		if (!has_val) {
			w = snprintf(word, sizeof(word), "%s", name);
		} else if (!value_token(ps, tok, sizeof(tok), &tlen, &tcol)) {
			skip_ws(ps);
			bool list = ps->i < ps->n && ps->s[ps->i] == ',' &&
			            (ps->i++, !assignment_ahead(ps, l->p, f));
			if (!list)
				w = snprintf(word, sizeof(word), "%s=%s", name, tok);
		}
		struct wk_error e = {0};
		if (w > 0 && (size_t)w < sizeof(word) && !trial(l->p, NULL, NULL, word, &e)) {
			ps->i = save;
			if (has_val)
				value_token(ps, tok, sizeof(tok), &tlen, &tcol);
			return add_option_word(ps, l, name, has_val ? tok : NULL, ncol);
		}
		ps->i = save;
	}
	if (f == l->optf) {
		/* options="mss 1460,nop": verbatim words, checked by the encoder */
		if (!has_val)
			return perr(ps, ncol, WK_EINVAL, "'%s' needs a value", name);
		int rc = value_token(ps, tok, sizeof(tok), &tlen, &tcol);
		if (rc)
			return rc;
		if (trial(l->p, NULL, NULL, tok, ps->err))
			return perr(ps, tcol, WK_EINVAL, "bad options '%s' for %s", tok, f->name);
		char *word = tok;
		size_t need = l->nopts + tlen + 2;
		char *no = realloc(l->opts, need);
		if (!no)
			return perr(ps, ncol, WK_ENOMEM, "out of memory");
		l->opts = no;
		if (l->nopts)
			l->opts[l->nopts++] = ',';
		memcpy(l->opts + l->nopts, word, tlen + 1);
		l->nopts += tlen;
		return 0;
	}
	if (l->nas >= WK_BUILD_MAX_SET)
		return perr(ps, ncol, WK_ENOMEM, "more than %d fields in %s()", WK_BUILD_MAX_SET,
		            l->p->name);
	struct assign *a = &l->as[l->nas++];
	memset(a, 0, sizeof(*a));
	a->f = f;
	a->col = ncol;
	if (!has_val) {
		if (f->type != WK_FT_BOOL)
			return perr(ps, ncol, WK_EINVAL, "field '%s' of %s() needs a value", name,
			            l->p->name);
		struct seg g = {.lo = 1, .hi = 1};
		return add_seg(ps, a, &g, ncol);
	}
	for (;;) {
		int rc = value_token(ps, tok, sizeof(tok), &tlen, &tcol);
		if (rc)
			return rc;
		struct seg g;
		char reason[128];
		int named = 1;
		if (!spec_parse_value(l->p, f, tok, tlen, &g) && (ps->flags & WK_SPEC_RESOLVE) &&
		    (named = spec_resolve(f, tok, tlen, &g, reason, sizeof(reason))) < 0)
			return perr(ps, tcol, WK_EINVAL, "cannot resolve '%s' for %s: %s", tok,
			            f->name, reason);
		if (named > 0 && !spec_parse_value(l->p, f, tok, tlen, &g)) {
			struct near nr = {.want = tok, .d = 1000};
			for (const struct wk_vname *nm = f->names; nm && nm->name; nm++)
				spec_near_try(&nr, nm->name, strlen(nm->name));
			if (nr.d < 1000)
				return perr(ps, tcol, WK_EINVAL,
				            "bad value '%s' for %s; did you mean '%s'?", tok,
				            f->name, nr.best);
			return perr(ps, tcol, WK_EINVAL, "bad value '%s' for %s", tok, f->name);
		}
		for (int end = 0; end < 2; end++) {
			struct wk_bval v;
			spec_seg_value(&g, end ? spec_seg_count(&g) - 1 : 0, &v);
			struct wk_error e = {0};
			if (trial(l->p, f, &v, NULL, &e)) {
				/* the encoder's message names the field already */
				size_t fl = strlen(f->name);
				const char *why = e.msg;
				if (!strncmp(why, f->name, fl) && why[fl] == ':')
					why += fl + 2;
				return perr(ps, tcol, WK_EINVAL, "bad value '%s' for %s: %s", tok,
				            f->name, why);
			}
		}
		rc = add_seg(ps, a, &g, tcol);
		if (rc)
			return rc;
		skip_ws(ps);
		if (ps->i < ps->n && ps->s[ps->i] == ',') {
			ps->i++;
			if (assignment_ahead(ps, l->p, f)) {
				ps->i--; /* the caller consumes the ',' */
				return 0;
			}
			if ((rc = bare_flag(ps, l->p, f, tok)))
				return rc;
			continue;
		}
		return 0;
	}
}

static int parse_layer(struct ps *ps)
{
	struct wk_spec *sp = ps->sp;
	char name[64];
	size_t col = ps->i, k = 0;
	while (ps->i < ps->n && (is_ident(ps->s[ps->i], false) || ps->s[ps->i] == '-')) {
		if (k + 1 >= sizeof(name))
			return perr(ps, col, WK_EINVAL, "layer name too long");
		name[k++] = spec_lower(ps->s[ps->i++]);
	}
	name[k] = '\0';
	if (k == 0 || !is_ident(name[0], true))
		return perr(ps, col, WK_EINVAL,
		            "expected a layer name, \"text\", hex:... or @file");
	const struct wk_proto *p = layer_find(name);
	if (!p)
		return unknown_layer(ps, col, name);
	if (!p->encode)
		return perr(ps, col, WK_EUNSUP, "layer '%s' cannot be built", name);
	if (sp->n >= WK_BUILD_MAX_LAYERS)
		return perr(ps, col, WK_ENOMEM, "more than %d layers", WK_BUILD_MAX_LAYERS);
	struct slayer *l = &sp->l[sp->n++];
	memset(l, 0, sizeof(*l));
	l->p = p;
	l->col = col;
	l->optf = options_field(p);
	skip_ws(ps);
	if (ps->i >= ps->n || ps->s[ps->i] != '(')
		return 0;
	size_t open = ps->i++;
	skip_ws(ps);
	if (ps->i < ps->n && ps->s[ps->i] == ')') {
		ps->i++;
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		int rc = parse_assign(ps, l);
		if (rc)
			return rc;
		skip_ws(ps);
		if (ps->i >= ps->n)
			return perr(ps, open, WK_EINVAL, "unclosed '(' of %s()", p->name);
		if (ps->s[ps->i] == ')') {
			ps->i++;
			return 0;
		}
		if (ps->s[ps->i] != ',')
			return perr(ps, ps->i, WK_EINVAL, "expected ',' or ')' in %s()", p->name);
		ps->i++;
	}
}

static int read_file(struct ps *ps, const char *path, size_t col)
{
	struct wk_spec *sp = ps->sp;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		ps->col = col;
		return wk_seterr_sys(ps->err, e, "payload file %s", path);
	}
	int rc = 0;
	sp->payload = malloc(WK_SPEC_MAX_PAYLOAD + 1);
	if (!sp->payload) {
		rc = perr(ps, col, WK_ENOMEM, "out of memory");
		goto out;
	}
	size_t n = 0;
	while (n <= WK_SPEC_MAX_PAYLOAD) {
		ssize_t k = read(fd, sp->payload + n, WK_SPEC_MAX_PAYLOAD + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			ps->col = col;
			rc = wk_seterr_sys(ps->err, e, "payload file %s", path);
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > WK_SPEC_MAX_PAYLOAD) {
		rc = perr(ps, col, WK_EINVAL, "payload file %s is larger than %d bytes", path,
		          WK_SPEC_MAX_PAYLOAD);
		goto out;
	}
	sp->npayload = n;
out:
	close(fd);
	return rc;
}

/* "text" with C escapes, hex:..., or @file; always the last element. */
static int parse_payload(struct ps *ps)
{
	struct wk_spec *sp = ps->sp;
	size_t col = ps->i;
	sp->has_payload = true;
	char c = ps->s[ps->i];
	if (c == '@') {
		size_t st = ps->i + 1, end = ps->n;
		while (end > st && (ps->s[end - 1] == ' ' || ps->s[end - 1] == '\n'))
			end--;
		char *path = malloc(end - st + 1);
		if (!path)
			return perr(ps, col, WK_ENOMEM, "out of memory");
		memcpy(path, ps->s + st, end - st);
		path[end - st] = '\0';
		int rc = end > st ? read_file(ps, path, col)
		                  : perr(ps, col, WK_EINVAL, "@ needs a file name");
		free(path);
		ps->i = ps->n;
		return rc;
	}
	sp->payload = malloc(ps->n + 1);
	if (!sp->payload)
		return perr(ps, col, WK_ENOMEM, "out of memory");
	if (c != '"') {
		size_t st = ps->i, end = ps->n;
		while (end > st && (ps->s[end - 1] == ' ' || ps->s[end - 1] == '\n'))
			end--;
		if (!spec_parse_hex(ps->s + st, end - st, sp->payload, ps->n, &sp->npayload))
			return perr(ps, col, WK_EINVAL, "bad hex payload (pairs of hex digits)");
		ps->i = ps->n;
		return 0;
	}
	size_t k = 0;
	ps->i++;
	for (;;) {
		if (ps->i >= ps->n)
			return perr(ps, col, WK_EINVAL, "unterminated \"text\" payload");
		char ch = ps->s[ps->i++];
		if (ch == '"')
			break;
		if (ch != '\\') {
			sp->payload[k++] = (uint8_t)ch;
			continue;
		}
		size_t ecol = ps->i - 1;
		if (ps->i >= ps->n)
			return perr(ps, ecol, WK_EINVAL, "escape at the end of the text");
		ch = ps->s[ps->i++];
		switch (ch) {
		case 'n':
			sp->payload[k++] = '\n';
			break;
		case 'r':
			sp->payload[k++] = '\r';
			break;
		case 't':
			sp->payload[k++] = '\t';
			break;
		case '0':
			sp->payload[k++] = 0;
			break;
		case 'a':
			sp->payload[k++] = 7;
			break;
		case 'e':
			sp->payload[k++] = 27;
			break;
		case '\\':
		case '"':
		case '\'':
		case '/':
			sp->payload[k++] = (uint8_t)ch;
			break;
		case 'x': {
			int hi = ps->i < ps->n ? wk_hexval((unsigned char)ps->s[ps->i]) : -1;
			int lo =
			    ps->i + 1 < ps->n ? wk_hexval((unsigned char)ps->s[ps->i + 1]) : -1;
			if (hi < 0 || lo < 0)
				return perr(ps, ecol, WK_EINVAL, "\\x needs two hex digits");
			sp->payload[k++] = (uint8_t)(hi << 4 | lo);
			ps->i += 2;
			break;
		}
		default:
			return perr(ps, ecol, WK_EINVAL, "unknown escape '\\%c'", ch);
		}
	}
	sp->npayload = k;
	if (k > WK_SPEC_MAX_PAYLOAD)
		return perr(ps, col, WK_EINVAL, "payload larger than %d bytes",
		            WK_SPEC_MAX_PAYLOAD);
	return 0;
}

void wk_spec_free(struct wk_spec *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		for (unsigned k = 0; k < s->l[i].nas; k++)
			free(s->l[i].as[k].seg);
		free(s->l[i].opts);
	}
	free(s->payload);
	free(s);
}

struct wk_spec *wk_spec_parse(const char *text, struct wk_error *err, size_t *col)
{
	return wk_spec_parse_flags(text, 0, err, col);
}

struct wk_spec *wk_spec_parse_flags(const char *text, unsigned flags, struct wk_error *err,
                                    size_t *col)
{
	struct ps ps = {.s = text, .err = err, .flags = flags};
	struct wk_spec *sp = NULL;
	int rc = 0;
	if (!text) {
		rc = perr(&ps, 0, WK_EINVAL, "no spec");
		goto out;
	}
	ps.n = strnlen(text, WK_SPEC_MAX_LEN + 1);
	if (ps.n > WK_SPEC_MAX_LEN) {
		rc = perr(&ps, 0, WK_EINVAL, "spec longer than %d bytes", WK_SPEC_MAX_LEN);
		goto out;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		rc = perr(&ps, 0, WK_ENOMEM, "out of memory");
		goto out;
	}
	ps.sp = sp;
	for (;;) {
		skip_ws(&ps);
		if (ps.i >= ps.n) {
			rc = perr(&ps, ps.i, WK_EINVAL,
			          sp->n ? "expected a layer or payload after '/'"
			                : "empty spec: expected a layer such as ip(dst=...)");
			goto out;
		}
		char c = ps.s[ps.i];
		if (c == '"' || c == '@' ||
		    (ps.n - ps.i >= 4 && !strncmp(ps.s + ps.i, "hex:", 4))) {
			if (sp->n == 0) {
				rc =
				    perr(&ps, ps.i, WK_EINVAL, "a payload needs a layer before it");
				goto out;
			}
			rc = parse_payload(&ps);
			if (rc)
				goto out;
			skip_ws(&ps);
			if (ps.i < ps.n) {
				rc = perr(&ps, ps.i, WK_EINVAL, "the payload must come last");
				goto out;
			}
			break;
		}
		rc = parse_layer(&ps);
		if (rc)
			goto out;
		skip_ws(&ps);
		if (ps.i >= ps.n)
			break;
		if (ps.s[ps.i] != '/') {
			rc = perr(&ps, ps.i, WK_EINVAL, "expected '/' between layers");
			goto out;
		}
		ps.i++;
	}
	sp->count = 1;
	for (unsigned i = 0; i < sp->n; i++)
		for (unsigned k = 0; k < sp->l[i].nas; k++) {
			const struct assign *a = &sp->l[i].as[k];
			if (sp->count * a->count > WK_SPEC_MAX_PACKETS) {
				rc = perr(&ps, a->col, WK_ENOMEM,
				          "the spec expands to more than %u packets",
				          WK_SPEC_MAX_PACKETS);
				goto out;
			}
			sp->count *= a->count;
		}
	for (unsigned i = sp->n; i-- > 0;) {
		for (unsigned k = sp->l[i].nas; k-- > 0;) {
			const struct assign *a = &sp->l[i].as[k];
			if (a->count < 2)
				continue;
			struct vary *v = &sp->vary[sp->nvary++];
			v->layer = i;
			v->a = a;
		}
	}
	/* strides: the first entry found (the last field) varies fastest */
	for (unsigned k = 0; k < sp->nvary; k++)
		sp->vary[k].stride = k ? sp->vary[k - 1].stride * sp->vary[k - 1].a->count : 1;
	/* the layers together: the first and last packet must encode */
	for (int end = 0; end < 2; end++) {
		struct wk_build *b = malloc(sizeof(*b));
		uint8_t *out = malloc(70000);
		size_t len;
		if (!b || !out) {
			free(b);
			free(out);
			rc = perr(&ps, 0, WK_ENOMEM, "out of memory");
			goto out;
		}
		wk_build_init(b);
		rc = wk_spec_build(sp, end ? sp->count - 1 : 0, b, err);
		if (!rc)
			rc = wk_build_encode(b, out, 70000, &len, err);
		/* a layer its outer layer has no number for: the caret under it */
		size_t at = rc && b->nokey && b->nokey < sp->n ? sp->l[b->nokey].col : 0;
		free(b);
		free(out);
		if (rc) {
			ps.col = at;
			goto out;
		}
	}
out:
	if (col)
		*col = ps.col;
	if (rc) {
		wk_spec_free(sp);
		return NULL;
	}
	return sp;
}

uint64_t wk_spec_count(const struct wk_spec *s)
{
	return s ? s->count : 0;
}

unsigned wk_spec_nlayers(const struct wk_spec *s)
{
	return s ? s->n : 0;
}

const struct wk_proto *wk_spec_proto(const struct wk_spec *s, unsigned i)
{
	return s && i < s->n ? s->l[i].p : NULL;
}

static const struct assign *find_assign(const struct wk_spec *s, unsigned i, const char *field)
{
	if (!s || i >= s->n)
		return NULL;
	const struct wk_field *f = wk_build_field(s->l[i].p, field);
	for (unsigned k = 0; f && k < s->l[i].nas; k++)
		if (s->l[i].as[k].f == f)
			return &s->l[i].as[k];
	return NULL;
}

bool wk_spec_isset(const struct wk_spec *s, unsigned i, const char *field)
{
	if (find_assign(s, i, field))
		return true;
	if (!s || i >= s->n || !s->l[i].optf || !s->l[i].opts)
		return false;
	return wk_build_field(s->l[i].p, field) == s->l[i].optf;
}

bool wk_spec_varies(const struct wk_spec *s, unsigned i, const char *field)
{
	const struct assign *a = find_assign(s, i, field);
	return a && a->count > 1;
}

int wk_spec_build(const struct wk_spec *s, uint64_t idx, struct wk_build *b, struct wk_error *err)
{
	if (!s || idx >= s->count)
		return wk_seterr(err, WK_EINVAL, "no packet %llu in the spec",
		                 (unsigned long long)idx);
	unsigned base = b->n;
	for (unsigned i = 0; i < s->n; i++) {
		int rc = wk_build_add(b, s->l[i].p, err);
		if (rc < 0)
			return rc;
	}
	/* the last field varies fastest */
	for (unsigned i = s->n; i-- > 0;) {
		const struct slayer *l = &s->l[i];
		for (unsigned k = l->nas; k-- > 0;) {
			const struct assign *a = &l->as[k];
			uint64_t digit = idx % a->count;
			idx /= a->count;
			const struct seg *g = a->seg;
			while (digit >= spec_seg_count(g)) {
				digit -= spec_seg_count(g);
				g++;
			}
			struct wk_bval v;
			int rc = 0;
			spec_seg_value(g, digit, &v);
			bval_apply(b, base + i, a->f, &v, err, &rc);
			if (rc)
				return rc;
		}
		if (l->opts) {
			int rc = wk_build_set_text(b, base + i, l->optf->name, l->opts, err);
			if (rc)
				return rc;
		}
	}
	if (s->has_payload)
		return wk_build_payload(b, b->n - 1, s->payload, s->npayload, err);
	return 0;
}

unsigned wk_spec_nvary(const struct wk_spec *s)
{
	return s ? s->nvary : 0;
}

const struct wk_field *wk_spec_vary(const struct wk_spec *s, unsigned k, unsigned *layer)
{
	if (!s || k >= s->nvary)
		return NULL;
	*layer = s->vary[k].layer;
	return s->vary[k].a->f;
}

void wk_spec_vary_value(const struct wk_spec *s, unsigned k, uint64_t idx, struct wk_bval *v)
{
	const struct vary *y = &s->vary[k];
	uint64_t digit = idx / y->stride % y->a->count;
	const struct seg *g = y->a->seg;
	while (digit >= spec_seg_count(g)) {
		digit -= spec_seg_count(g);
		g++;
	}
	v->f = y->a->f;
	spec_seg_value(g, digit, v);
}
