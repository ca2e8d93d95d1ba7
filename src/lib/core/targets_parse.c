/* One target token as a user types it (nmap's syntax): an address, a CIDR prefix, nmap octet
 * ranges (198.18.0-3.1-254, 10.0.0,2.*), a full range (a.b.c.d-e.f.g.h), an IPv6 address or
 * prefix up to /112, or a host name resolved once. Every error names the token. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/targets_int.h"
#include "wirekit/addr.h"

#define TOKEN_MAX 255

/* 0.0.0.0/8 below, and 224.0.0.0/4 (multicast), 240.0.0.0/4 and the broadcast above. */
#define V4_USABLE_LO 0x01000000u
#define V4_USABLE_HI 0xdfffffffu

static int bad(struct wk_error *err, const char *tok, const char *why)
{
	return wk_seterr(err, WK_EINVAL, "bad target \"%.100s\": %s", tok, why);
}

/* Room for one more element in an interval array, doubling up to TARGETS_MAX_IV. */
static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	if (nc > TARGETS_MAX_IV)
		return WK_ENOMEM;
	void *nv = realloc(*v, nc * elem);
	if (!nv)
		return WK_ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

int targets_push4(struct ivlist4 *l, uint32_t lo, uint32_t hi)
{
	if (grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return WK_ENOMEM;
	l->v[l->n++] = (struct iv4){lo, hi};
	return 0;
}

int targets_push6(struct ivlist6 *l, uint64_t net, uint64_t lo, uint64_t hi)
{
	if (grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return WK_ENOMEM;
	l->v[l->n++] = (struct iv6){net, lo, hi};
	return 0;
}

static int push4(struct ivlist4 *l, uint32_t lo, uint32_t hi, bool skip_special, const char *tok,
                 struct wk_error *err)
{
	if (skip_special) {
		if (lo < V4_USABLE_LO)
			lo = V4_USABLE_LO;
		if (hi > V4_USABLE_HI)
			hi = V4_USABLE_HI;
		if (lo > hi)
			return 0;
	}
	if (targets_push4(l, lo, hi))
		return wk_seterr(err, WK_ENOMEM, "target \"%.100s\": too many ranges (at most %u)",
		                 tok, TARGETS_MAX_IV);
	return 0;
}

/* Decimal of at most maxdig digits; advances *s. -1 when there is none or it is too long. */
static long number(const char **s, int maxdig)
{
	long v = 0;
	int d = 0;
	while (**s >= '0' && **s <= '9') {
		if (++d > maxdig)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	return d ? v : -1;
}

/* The prefix length after '/', whole rest of the token. */
static int prefix_len(const char *p, int max, const char *tok, struct wk_error *err)
{
	const char *s = p;
	long v = number(&s, 3);
	if (v < 0 || *s)
		return bad(err, tok, "prefix length is not a number");
	if (v > max)
		return bad(err, tok,
		           max == 32 ? "prefix length over 32" : "prefix length over 128");
	return (int)v;
}

/* One octet: items '*', N, N-M, N-, -M separated by commas, into a 256-bit set. Stops at
 * '.', '/' or the end. */
static int octet_set(const char **s, uint64_t set[4], const char *tok, struct wk_error *err)
{
	const char *p = *s;
	memset(set, 0, 4 * sizeof(uint64_t));
	for (;;) {
		long a, b;
		if (*p == '*') {
			a = 0;
			b = 255;
			p++;
		} else {
			a = *p == '-' ? 0 : number(&p, 3);
			if (a < 0)
				return bad(err, tok, "an octet is empty or not a number");
			b = a;
			if (*p == '-') {
				p++;
				b = (*p >= '0' && *p <= '9') ? number(&p, 3) : 255;
				if (b < 0)
					return bad(err, tok, "an octet is not a number");
			}
		}
		if (a > 255 || b > 255)
			return bad(err, tok, "octet over 255");
		if (a > b)
			return bad(err, tok, "octet range end before its start");
		for (long v = a; v <= b; v++)
			set[v >> 6] |= 1ull << (v & 63);
		if (*p != ',')
			break;
		p++;
	}
	*s = p;
	return 0;
}

static unsigned set_count(const uint64_t set[4])
{
	return (unsigned)(__builtin_popcountll(set[0]) + __builtin_popcountll(set[1]) +
	                  __builtin_popcountll(set[2]) + __builtin_popcountll(set[3]));
}

static bool set_has(const uint64_t set[4], unsigned v)
{
	return set[v >> 6] >> (v & 63) & 1;
}

static unsigned set_runs(const uint64_t set[4])
{
	unsigned runs = 0;
	for (unsigned v = 0; v < 256; v++)
		if (set_has(set, v) && (v == 0 || !set_has(set, v - 1)))
			runs++;
	return runs;
}

/* Intervals for octets 0..j-1 fixed by cursor vals and runs of octet j, lower octets full. */
static int emit_octets(struct ivlist4 *l, uint64_t sets[4][4], int j, bool skip, const char *tok,
                       struct wk_error *err)
{
	unsigned shift = 8u * (unsigned)(3 - j);
	uint32_t fill = (uint32_t)((1ull << shift) - 1);
	unsigned val[3] = {0, 0, 0}, nruns = 0;
	uint8_t run_lo[128], run_hi[128]; /* runs of octet j: at most 128 in 256 values */
	for (unsigned v = 0; v < 256; v++) {
		if (!set_has(sets[j], v) || (v > 0 && set_has(sets[j], v - 1)))
			continue;
		unsigned e = v;
		while (e < 255 && set_has(sets[j], e + 1))
			e++;
		run_lo[nruns] = (uint8_t)v;
		run_hi[nruns++] = (uint8_t)e;
	}
	/* first value of each of octets 0..j-1 */
	for (int i = 0; i < j; i++)
		while (!set_has(sets[i], val[i]))
			val[i]++;
	for (;;) {
		uint32_t pre = 0;
		for (int i = 0; i < j; i++)
			pre |= (uint32_t)val[i] << (8u * (unsigned)(3 - i));
		for (unsigned r = 0; r < nruns; r++) {
			uint32_t lo = pre | (uint32_t)run_lo[r] << shift;
			uint32_t hi = pre | (uint32_t)run_hi[r] << shift | fill;
			int rc = push4(l, lo, hi, skip, tok, err);
			if (rc)
				return rc;
		}
		/* next combination of octets 0..j-1, last one fastest */
		int i = j - 1;
		for (; i >= 0; i--) {
			unsigned v = val[i] + 1;
			while (v < 256 && !set_has(sets[i], v))
				v++;
			if (v < 256) {
				val[i] = v;
				break;
			}
			val[i] = 0;
			while (!set_has(sets[i], val[i]))
				val[i]++;
		}
		if (i < 0)
			return 0;
	}
}

static int parse_v4(const char *tok, struct ivlist4 *l, bool skip, struct wk_error *err)
{
	uint64_t sets[4][4];
	const char *p = tok;
	for (int i = 0; i < 4; i++) {
		int rc = octet_set(&p, sets[i], tok, err);
		if (rc)
			return rc;
		if (i < 3) {
			if (*p != '.')
				return bad(err, tok, "needs four octets");
			p++;
		}
	}
	if (*p == '/') {
		uint32_t a = 0;
		for (int i = 0; i < 4; i++) {
			if (set_count(sets[i]) != 1)
				return bad(err, tok, "a prefix needs a single address before '/'");
			unsigned v = 0;
			while (!set_has(sets[i], v))
				v++;
			a = a << 8 | v;
		}
		int len = prefix_len(p + 1, 32, tok, err);
		if (len < 0)
			return len;
		uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
		return push4(l, a & mask, (a & mask) | ~mask, skip && len < 32, tok, err);
	}
	if (*p)
		return bad(err, tok, "unexpected characters after the address");
	uint64_t addrs = 1, ivs = 1;
	int j = -1;
	for (int i = 0; i < 4; i++) {
		addrs *= set_count(sets[i]);
		if (set_count(sets[i]) != 256)
			j = i;
	}
	if (j < 0)
		return push4(l, 0, 0xffffffffu, skip, tok, err);
	for (int i = 0; i < j; i++)
		ivs *= set_count(sets[i]);
	ivs *= set_runs(sets[j]);
	if (ivs > TARGETS_TOKEN_MAX_IV)
		return wk_seterr(err, WK_EINVAL,
		                 "bad target \"%.100s\": expands to %llu ranges (at most %u)", tok,
		                 (unsigned long long)ivs, TARGETS_TOKEN_MAX_IV);
	return emit_octets(l, sets, j, skip && addrs > 1, tok, err);
}

static uint32_t v4_value(const struct wk_ip4 *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

/* a.b.c.d-e.f.g.h: true when tok is of that shape (then rc holds the result). */
static bool full_range(const char *tok, struct ivlist4 *l, bool skip, struct wk_error *err, int *rc)
{
	const char *dash = strchr(tok, '-');
	if (!dash || strchr(dash + 1, '-') || (size_t)(dash - tok) > 15)
		return false;
	char left[16];
	memcpy(left, tok, (size_t)(dash - tok));
	left[dash - tok] = '\0';
	struct wk_ip4 a, b;
	if (!wk_ip4_parse(left, &a) || !wk_ip4_parse(dash + 1, &b))
		return false;
	uint32_t lo = v4_value(&a), hi = v4_value(&b);
	if (lo > hi)
		*rc = bad(err, tok, "range end before its start");
	else
		*rc = push4(l, lo, hi, skip && lo != hi, tok, err);
	return true;
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static int push6(struct ivlist6 *l, const uint8_t b[16], int len, bool skip, const char *tok,
                 struct wk_error *err)
{
	uint64_t lo = be64(b + 8), mask = len >= 128 ? 0 : (1ull << (128 - len)) - 1;
	if (skip && len < 128 && b[0] == 0xff)
		return 0; /* multicast prefix */
	if (targets_push6(l, be64(b), lo & ~mask, (lo & ~mask) | mask))
		return wk_seterr(err, WK_ENOMEM, "target \"%.100s\": too many ranges (at most %u)",
		                 tok, TARGETS_MAX_IV);
	return 0;
}

static int v6_len(const char *slash, const char *tok, struct wk_error *err)
{
	if (!slash)
		return 128;
	int len = prefix_len(slash + 1, 128, tok, err);
	if (len >= 0 && len < 112)
		return wk_seterr(err, WK_EINVAL,
		                 "bad target \"%.100s\": IPv6 prefix too large (/%d): at most /112",
		                 tok, len);
	return len;
}

static int parse_v6(const char *tok, struct ivlist6 *l, bool skip, struct wk_error *err)
{
	const char *slash = strchr(tok, '/');
	size_t alen = slash ? (size_t)(slash - tok) : strlen(tok);
	char abuf[64];
	struct wk_ip6 a;
	if (alen >= sizeof(abuf))
		return bad(err, tok, "not an IPv6 address");
	memcpy(abuf, tok, alen);
	abuf[alen] = '\0';
	if (!wk_ip6_parse(abuf, &a))
		return bad(err, tok, "not an IPv6 address");
	int len = v6_len(slash, tok, err);
	if (len < 0)
		return len;
	return push6(l, a.b, len, skip, tok, err);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* A host name, optionally with /len: resolved once, the first IPv4 address if any. */
static int parse_name(const char *tok, struct ivlist4 *v4, struct ivlist6 *v6, bool skip,
                      int family, struct wk_error *err)
{
	const char *slash = strchr(tok, '/');
	size_t nlen = slash ? (size_t)(slash - tok) : strlen(tok);
	char name[TOKEN_MAX + 1];
	bool letter = false;
	for (size_t i = 0; i < nlen; i++) {
		if (!name_char(tok[i]))
			return bad(err, tok, "not an address, range or host name");
		letter |= (tok[i] | 0x20) >= 'a' && (tok[i] | 0x20) <= 'z';
	}
	if (!letter || nlen == 0 || tok[0] == '-' || tok[0] == '.')
		return bad(err, tok, "not an address, range or host name");
	memcpy(name, tok, nlen);
	name[nlen] = '\0';
	struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int g = getaddrinfo(name, NULL, &hints, &res);
	if (g != 0 || !res)
		return wk_seterr(err, WK_ENOTFOUND, "cannot resolve \"%.100s\": %s", name,
		                 g ? gai_strerror(g) : "no address");
	const struct addrinfo *pick = NULL;
	for (const struct addrinfo *ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			pick = ai;
	for (const struct addrinfo *ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET6)
			pick = ai;
	int rc;
	if (!pick) {
		rc = wk_seterr(err, WK_ENOTFOUND, "cannot resolve \"%.100s\": no IP address", name);
	} else if (pick->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)pick->ai_addr;
		uint32_t a = ntohl(sin->sin_addr.s_addr);
		int len = slash ? prefix_len(slash + 1, 32, tok, err) : 32;
		if (len < 0) {
			rc = len;
		} else {
			uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
			rc = push4(v4, a & mask, (a & mask) | ~mask, skip && len < 32, tok, err);
		}
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)pick->ai_addr;
		int len = v6_len(slash, tok, err);
		rc = len < 0 ? len : push6(v6, sin6->sin6_addr.s6_addr, len, skip, tok, err);
	}
	freeaddrinfo(res);
	return rc;
}

int targets_parse_token(const char *tok, struct ivlist4 *v4, struct ivlist6 *v6, bool skip_special,
                        int family, struct wk_error *err)
{
	size_t len = strlen(tok);
	if (len == 0)
		return wk_seterr(err, WK_EINVAL, "bad target \"\": empty");
	if (len > TOKEN_MAX)
		return bad(err, tok, "longer than 255 characters");
	if (strchr(tok, ':'))
		return parse_v6(tok, v6, skip_special, err);
	int rc;
	if (full_range(tok, v4, skip_special, err, &rc))
		return rc;
	bool numeric = true;
	for (const char *p = tok; *p && *p != '/'; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == ',' || *p == '*'))
			numeric = false;
	if (numeric)
		return parse_v4(tok, v4, skip_special, err);
	return parse_name(tok, v4, v6, skip_special, family, err);
}
