/* ss's filter expressions over the socket table: sport, dport, src, dst terms with
 * comparisons, joined by and, or, not and parentheses, as in ss(8) "FILTER". Parsed by
 * recursive descent into a small array of nodes; matched against struct wk_sockinfo. */
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "sock_int.h"
#include "wirekit/sock.h"

#define MAX_TOK   128
#define MAX_NODES 128
#define TOK_LEN   128

enum node_kind { N_AND, N_OR, N_NOT, N_SPORT, N_DPORT, N_SRC, N_DST };
enum cmp { C_EQ, C_NE, C_LT, C_GT, C_LE, C_GE };

struct node {
	enum node_kind kind;
	int l, r;     /* children (N_AND, N_OR: both; N_NOT: l) */
	enum cmp cmp; /* ports */
	uint16_t port;
	bool has_port; /* src/dst with :PORT */
	bool any_addr; /* src/dst '*' or only a port */
	bool any_port; /* sport/dport '*', or ADDR:* */
	int family;    /* AF_INET, AF_INET6, AF_UNIX (a path pattern) */
	uint8_t addr[16];
	unsigned prefix;
	char pattern[TOK_LEN]; /* AF_UNIX: fnmatch(3) pattern, as ss matches Unix names */
};

struct wk_sockfilter {
	struct node n[MAX_NODES];
	int nn, root;
};

struct parser {
	char tok[MAX_TOK][TOK_LEN];
	int nt, pos;
	struct wk_sockfilter *f;
	struct wk_error *e;
};

static bool is_op_char(char c)
{
	return c == '=' || c == '!' || c == '<' || c == '>';
}

static int tokenize(struct parser *p, const char *s)
{
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		size_t n;
		if (*s == '(' || *s == ')')
			n = 1;
		else if ((s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|'))
			n = 2;
		else if (*s == '&' || *s == '|')
			n = 1;
		else if (is_op_char(*s))
			for (n = 0; is_op_char(s[n]); n++)
				;
		else
			for (n = 0; s[n] && !isspace((unsigned char)s[n]) &&
			            !strchr("()&|", s[n]) && !is_op_char(s[n]);
			     n++)
				;
		if (p->nt == MAX_TOK)
			return wk_seterr(p->e, WK_EINVAL, "filter: more than %d words", MAX_TOK);
		if (n >= TOK_LEN)
			return wk_seterr(p->e, WK_EINVAL, "filter: word too long: '%.40s...'", s);
		memcpy(p->tok[p->nt], s, n);
		p->tok[p->nt++][n] = '\0';
		s += n;
	}
	return 0;
}

static const char *peek(const struct parser *p)
{
	return p->pos < p->nt ? p->tok[p->pos] : NULL;
}

static bool is(const char *t, const char *a, const char *b, const char *c)
{
	return t && (!strcmp(t, a) || (b && !strcmp(t, b)) || (c && !strcmp(t, c)));
}

static int new_node(struct parser *p, enum node_kind k)
{
	if (p->f->nn == MAX_NODES) {
		wk_seterr(p->e, WK_EINVAL, "filter: too many terms");
		return -1;
	}
	struct node *n = &p->f->n[p->f->nn];
	memset(n, 0, sizeof(*n));
	n->kind = k;
	n->l = n->r = -1;
	return p->f->nn++;
}

static bool parse_cmp(const char *t, enum cmp *c)
{
	static const struct {
		const char *a, *b, *c;
		enum cmp v;
	} ops[] = {
	    {"=", "==", "eq", C_EQ}, {"!=", "ne", "neq", C_NE}, {"<", "lt", NULL, C_LT},
	    {">", "gt", NULL, C_GT}, {"<=", "le", "leq", C_LE}, {">=", "ge", "geq", C_GE},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is(t, ops[i].a, ops[i].b, ops[i].c)) {
			*c = ops[i].v;
			return true;
		}
	return false;
}

/* ":80", "80", "*" (any port) */
static int parse_portspec(struct parser *p, const char *key, const char *v, struct node *n)
{
	struct wk_error e;
	const char *d = v[0] == ':' ? v + 1 : v;
	if (!strcmp(d, "*")) {
		n->any_port = true;
		return 0;
	}
	if (wk_sock_parse_port(d, &n->port, &e)) {
		/* a service name, as ss takes it (/etc/services: files only, no resolver) */
		const struct servent *se = d[0] ? getservbyname(d, "tcp") : NULL;
		if (!se && d[0])
			se = getservbyname(d, "udp");
		if (!se)
			return wk_seterr(p->e, WK_EINVAL,
			                 "filter: %s: bad port '%s' (want :PORT or a service name)",
			                 key, v);
		n->port = ntohs((uint16_t)se->s_port);
	}
	n->has_port = true;
	return 0;
}

/* ADDR, ADDR/LEN, ADDR:PORT, [V6], [V6]:PORT, [V6]/LEN, :PORT, '*', /unix/path, @name */
static int parse_hostspec(struct parser *p, const char *key, const char *v, struct node *n)
{
	char a[TOK_LEN];
	const char *port = NULL, *plen = NULL;
	n->cmp = C_EQ;
	if (v[0] == '/' || v[0] == '@') {
		n->family = AF_UNIX;
		snprintf(n->pattern, sizeof(n->pattern), "%s", v);
		return 0;
	}
	if (!strcmp(v, "*")) {
		n->any_addr = true;
		return 0;
	}
	snprintf(a, sizeof(a), "%s", v);
	char *h = a;
	if (a[0] == '[') {
		char *end = strchr(a, ']');
		if (!end)
			return wk_seterr(p->e, WK_EINVAL, "filter: %s: bad address '%s'", key, v);
		*end = '\0';
		h = a + 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] == '/')
			plen = end + 2;
		else if (end[1])
			return wk_seterr(p->e, WK_EINVAL, "filter: %s: bad address '%s'", key, v);
	} else {
		char *sl = strchr(a, '/');
		if (sl) {
			*sl = '\0';
			plen = sl + 1;
		}
		char *c = strchr(a, ':');
		if (c && !strchr(c + 1, ':')) { /* one colon: v4 (or *) with a port */
			*c = '\0';
			port = c + 1;
		}
	}
	if (port && parse_portspec(p, key, port, n))
		return -1;
	if (h[0] == '\0' || !strcmp(h, "*")) {
		n->any_addr = true;
	} else if (inet_pton(AF_INET, h, n->addr) == 1) {
		n->family = AF_INET;
		n->prefix = 32;
	} else if (inet_pton(AF_INET6, h, n->addr) == 1) {
		n->family = AF_INET6;
		n->prefix = 128;
	} else {
		return wk_seterr(p->e, WK_EINVAL, "filter: %s: bad address '%s'", key, v);
	}
	if (plen) {
		char *end;
		unsigned long l = strtoul(plen, &end, 10);
		if (n->any_addr || !*plen || *end || l > n->prefix)
			return wk_seterr(p->e, WK_EINVAL, "filter: %s: bad prefix length in '%s'",
			                 key, v);
		n->prefix = (unsigned)l;
	}
	return 0;
}

static int parse_or(struct parser *p);

static int parse_term(struct parser *p)
{
	const char *t = peek(p);
	if (!t)
		return wk_seterr(p->e, WK_EINVAL, "filter: a term expected at the end"), -1;
	if (is(t, "not", "!", NULL)) {
		p->pos++;
		int c = parse_term(p);
		if (c < 0)
			return -1;
		int n = new_node(p, N_NOT);
		if (n >= 0)
			p->f->n[n].l = c;
		return n;
	}
	if (!strcmp(t, "(")) {
		p->pos++;
		int c = parse_or(p);
		if (c < 0)
			return -1;
		if (!is(peek(p), ")", NULL, NULL)) {
			wk_seterr(p->e, WK_EINVAL, "filter: ')' expected%s%s%s",
			          peek(p) ? " before '" : " at the end", peek(p) ? peek(p) : "",
			          peek(p) ? "'" : "");
			return -1;
		}
		p->pos++;
		return c;
	}
	enum node_kind k;
	if (!strcmp(t, "sport"))
		k = N_SPORT;
	else if (!strcmp(t, "dport"))
		k = N_DPORT;
	else if (!strcmp(t, "src"))
		k = N_SRC;
	else if (!strcmp(t, "dst"))
		k = N_DST;
	else {
		wk_seterr(p->e, WK_EINVAL,
		          "filter: unknown '%s' (sport, dport, src, dst, and, or, not, "
		          "parentheses)",
		          t);
		return -1;
	}
	p->pos++;
	int n = new_node(p, k);
	if (n < 0)
		return -1;
	struct node *nd = &p->f->n[n];
	enum cmp c = C_EQ;
	if (parse_cmp(peek(p), &c))
		p->pos++;
	const char *v = peek(p);
	if (!v || !strcmp(v, "(") || !strcmp(v, ")")) {
		wk_seterr(p->e, WK_EINVAL, "filter: '%s' wants a value", t);
		return -1;
	}
	p->pos++;
	if (k == N_SPORT || k == N_DPORT) {
		nd->cmp = c;
		if (parse_portspec(p, t, v, nd))
			return -1;
		return n;
	}
	if (c != C_EQ) {
		/* as ss: "not dst ADDR", never "dst != ADDR" */
		wk_seterr(p->e, WK_EINVAL, "filter: %s takes only '=' (use 'not %s ADDR')", t, t);
		return -1;
	}
	if (parse_hostspec(p, t, v, nd))
		return -1;
	return n;
}

static int parse_and(struct parser *p)
{
	int l = parse_term(p);
	while (l >= 0) {
		const char *t = peek(p);
		if (!t || !strcmp(t, ")") || is(t, "or", "||", "|"))
			return l;
		if (is(t, "and", "&&", "&"))
			p->pos++; /* ss also takes terms side by side as 'and' */
		int r = parse_term(p);
		if (r < 0)
			return -1;
		int n = new_node(p, N_AND);
		if (n < 0)
			return -1;
		p->f->n[n].l = l;
		p->f->n[n].r = r;
		l = n;
	}
	return l;
}

static int parse_or(struct parser *p)
{
	int l = parse_and(p);
	while (l >= 0 && is(peek(p), "or", "||", "|")) {
		p->pos++;
		int r = parse_and(p);
		if (r < 0)
			return -1;
		int n = new_node(p, N_OR);
		if (n < 0)
			return -1;
		p->f->n[n].l = l;
		p->f->n[n].r = r;
		l = n;
	}
	return l;
}

int wk_sockfilter_parse(const char *text, struct wk_sockfilter **out, struct wk_error *e)
{
	struct parser *p = calloc(1, sizeof(*p));
	struct wk_sockfilter *f = calloc(1, sizeof(*f));
	int rc = 0;
	*out = NULL;
	if (!p || !f) {
		rc = wk_seterr(e, WK_ENOMEM, "filter: out of memory");
		goto out;
	}
	p->f = f;
	p->e = e;
	f->root = -1;
	if ((rc = tokenize(p, text ? text : "")))
		goto out;
	if (p->nt > 0) {
		f->root = parse_or(p);
		if (f->root < 0) {
			rc = WK_EINVAL;
			goto out;
		}
		if (p->pos < p->nt) {
			rc = wk_seterr(e, WK_EINVAL, "filter: unexpected '%s'", p->tok[p->pos]);
			goto out;
		}
	}
	*out = f;
	f = NULL;
out:
	free(p);
	free(f);
	return rc;
}

void wk_sockfilter_free(struct wk_sockfilter *f)
{
	free(f);
}

static bool cmp_port(enum cmp c, uint16_t have, uint16_t want)
{
	switch (c) {
	case C_EQ:
		return have == want;
	case C_NE:
		return have != want;
	case C_LT:
		return have < want;
	case C_GT:
		return have > want;
	case C_LE:
		return have <= want;
	default:
		return have >= want;
	}
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

static bool host_match(const struct node *n, const struct wk_sockaddr *a)
{
	int fam = a->ss.ss_family;
	if (n->family == AF_UNIX) {
		char name[WK_SOCKADDR_STRLEN];
		if (fam != AF_UNIX)
			return false;
		sock_unix_fmt(a, name, sizeof(name));
		return fnmatch(n->pattern, name, 0) == 0;
	}
	if (fam != AF_INET && fam != AF_INET6)
		return false;
	if (n->has_port && wk_sockaddr_port(a) != n->port)
		return false;
	if (n->any_addr)
		return true;
	const uint8_t *ip;
	uint8_t mapped[16];
	if (fam == AF_INET) {
		ip = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
		if (n->family == AF_INET6) {
			/* an IPv4 socket against a v4-mapped pattern */
			memset(mapped, 0, 10);
			mapped[10] = mapped[11] = 0xff;
			memcpy(mapped + 12, ip, 4);
			ip = mapped;
		}
	} else {
		ip = (const uint8_t *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
		if (n->family == AF_INET) {
			static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
			if (memcmp(ip, pre, 12))
				return false;
			ip += 12; /* a v4-mapped address matches an IPv4 pattern, as in ss */
		}
	}
	return prefix_eq(ip, n->addr, n->prefix);
}

static bool eval(const struct wk_sockfilter *f, int i, const struct wk_sockinfo *s)
{
	const struct node *n = &f->n[i];
	switch (n->kind) {
	case N_AND:
		return eval(f, n->l, s) && eval(f, n->r, s);
	case N_OR:
		return eval(f, n->l, s) || eval(f, n->r, s);
	case N_NOT:
		return !eval(f, n->l, s);
	case N_SPORT:
	case N_DPORT:
		if (s->family == AF_UNIX)
			return false;
		if (n->any_port)
			return true;
		return cmp_port(n->cmp, wk_sockaddr_port(n->kind == N_SPORT ? &s->local : &s->peer),
		                n->port);
	case N_SRC:
		return host_match(n, &s->local);
	default:
		return host_match(n, &s->peer);
	}
}

bool wk_sockfilter_match(const struct wk_sockfilter *f, const struct wk_sockinfo *s)
{
	return !f || f->root < 0 || eval(f, f->root, s);
}
