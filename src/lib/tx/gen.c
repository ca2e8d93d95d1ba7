/* Packets from a spec (tx.h, wk_txgen): defaults the spec leaves to us (random ports, IDs
 * and sequence numbers, the route's source address, link addresses), and the template
 * path: packet 0 built once, the fields that vary between packets resolved once to slots
 * and patched, checksums updated incrementally. */
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wirekit/pace.h"
#include "wirekit/send.h"
#include "wirekit/spec.h"
#include "wirekit/tx.h"

enum {
	MAX_DFLT = 2 * WK_BUILD_MAX_LAYERS,
	GEN_SCRATCH = 65536 + 256,
};

/* Fields that default to random numbers when the spec leaves them unset (scapy and
 * hping3 do the same, and replies can then be told apart): per packet, or one per run
 * (ICMP identifiers, as ping uses one per process), or counting packets (ICMP echo
 * sequence numbers, as ping). Source ports are found by role. */
enum dkind { D_RAND, D_RUNID, D_COUNT, D_SPORT, D_CLOCK };

static const struct {
	const char *field;
	enum dkind kind;
} random_fields[] = {
    {"ip.id", D_RAND},
    {"tcp.seq", D_RAND},
    {"icmp.id", D_RUNID},
    {"icmp6.id", D_RUNID},
    {"icmp.seq", D_COUNT},
    {"icmp6.seq", D_COUNT},
    /* the originate time of an ICMP timestamp request: now, in ms since midnight UT
     * (RFC 792; nping and scapy fill it the same way) */
    {"icmp.ts_ori", D_CLOCK},
};

struct dflt {
	unsigned layer;
	const struct wk_field *f;
	enum dkind kind;
	uint64_t mask;
	int slot;
};

struct wk_txgen {
	const struct wk_spec *s;
	struct wk_txgen_opts o;
	unsigned base; /* build layer of spec layer 0 */
	uint64_t rng, run_id, np;
	struct wk_build b;
	unsigned ndflt;
	struct dflt d[MAX_DFLT];
	/* the outermost network layer: where the route's source goes */
	int net;
	const struct wk_field *nsrc, *ndst;
	bool want_src;
	/* route and neighbour caches (the last destination looked up) */
	uint8_t rdst[16], rsrc[16];
	size_t rlen;
	int rrc;
	char rif[WK_IFNAME_MAX]; /* the route's interface and its MAC */
	uint8_t rmac[6];
	bool have_rmac;
	uint8_t ndstc[16], nmac[6];
	size_t nlen;
	/* the template path */
	struct wk_templ *t;
	int vslot[WK_BUILD_MAX_LAYERS * WK_BUILD_MAX_SET];
	uint64_t vals[MAX_DFLT];
	uint8_t *scratch; /* GEN_SCRATCH bytes: packets built on the side (no static buffers:
	                   * generators may live in several threads) */
};

static uint64_t rnd(struct wk_txgen *g)
{
	/* splitmix64: a fast generator for ports and numbers that need not be secret */
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The settable address (addr true) or number field of p with a role. */
static const struct wk_field *role_field(const struct wk_proto *p, enum wk_frole role, bool addr)
{
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *f = &p->fields[k];
		if (f->role != role || (f->flags & WK_FF_NOENC))
			continue;
		bool is_addr = f->type == WK_FT_IP4 || f->type == WK_FT_IP6 || f->type == WK_FT_MAC;
		if (is_addr == addr)
			return f;
	}
	return NULL;
}

/* The per-packet default values, in a fixed order, so that the template path and a fresh
 * encode draw the same random numbers. */
static void draw(struct wk_txgen *g, uint64_t n)
{
	for (unsigned j = 0; j < g->ndflt; j++) {
		const struct dflt *d = &g->d[j];
		uint64_t v;
		switch (d->kind) {
		case D_SPORT:
			v = 1024 + rnd(g) % 64512;
			break;
		case D_COUNT:
			v = n & d->mask;
			break;
		case D_CLOCK: {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			v = ((uint64_t)ts.tv_sec % 86400 * 1000 + (uint64_t)ts.tv_nsec / 1000000) &
			    d->mask;
			break;
		}
		default:
			v = (d->kind == D_RUNID ? g->run_id : rnd(g)) & d->mask;
			if (v == 0)
				v = 1; /* a raw IPv4 socket would replace an ID of 0 */
			break;
		}
		g->vals[j] = v;
	}
}

static int route_src(struct wk_txgen *g, const struct wk_bval *dv, struct wk_error *err)
{
	size_t al = g->ndst->type == WK_FT_IP4 ? 4 : 16;
	if (g->rlen != al || memcmp(g->rdst, dv->b, al)) {
		struct wk_error e = {0};
		memcpy(g->rdst, dv->b, al);
		g->rlen = al;
		char ifname[WK_IFNAME_MAX] = "";
		g->rrc = wk_route_src(al == 4 ? AF_INET : AF_INET6, dv->b, g->rsrc, ifname, &e);
		if (g->rrc && g->o.route_strict) {
			g->rlen = 0;
			return wk_seterr(err, g->rrc, "%s", e.msg);
		}
		if (!g->rrc && strcmp(ifname, g->rif)) {
			memcpy(g->rif, ifname, sizeof(g->rif));
			g->have_rmac = ifname[0] && !wk_iface_mac(ifname, g->rmac, NULL, &e);
		}
	}
	if (!g->rrc)
		return wk_build_set_bytes(&g->b, (unsigned)g->net, g->nsrc->name, g->rsrc, al, err);
	return 0;
}

/* Link-layer addresses of a frame we send ourselves: our MAC, the neighbour's. */
static int link_addrs(struct wk_txgen *g, struct wk_error *err)
{
	struct wk_build *b = &g->b;
	const struct wk_proto *lp = b->l[0].proto;
	const struct wk_field *src = role_field(lp, WK_ROLE_SRC, true);
	const struct wk_field *dst = role_field(lp, WK_ROLE_DST, true);
	int rc;
	if (src && !wk_build_get(b, 0, src->name) &&
	    (rc = wk_build_set_bytes(b, 0, src->name, g->o.mac, 6, err)))
		return rc;
	if (!dst || wk_build_get(b, 0, dst->name) || g->net < 0)
		return 0;
	const struct wk_bval *dv =
	    g->ndst ? wk_build_get(b, (unsigned)g->net, g->ndst->name) : NULL;
	const struct wk_bval *sv =
	    g->nsrc ? wk_build_get(b, (unsigned)g->net, g->nsrc->name) : NULL;
	if (!dv || !sv || dv->n != sv->n)
		return 0; /* broadcast, the encoder's default */
	if (g->nlen != dv->n || memcmp(g->ndstc, dv->b, dv->n)) {
		rc = wk_neigh_resolve(g->o.ifname, dv->n == 4 ? AF_INET : AF_INET6, dv->b, sv->b,
		                      g->nmac, 2000, err);
		if (rc)
			return rc;
		memcpy(g->ndstc, dv->b, dv->n);
		g->nlen = dv->n;
	}
	return wk_build_set_bytes(b, 0, dst->name, g->nmac, 6, err);
}

/* MAC fields that default to the MAC of the route's interface when the spec leaves them
 * unset (scapy fills them the same way): the link layer's source by role, and these. */
static const char *const route_mac_fields[] = {"arp.hwsrc"};

static int route_mac(struct wk_txgen *g, struct wk_error *err)
{
	struct wk_build *b = &g->b;
	int rc;
	const struct wk_field *ls = role_field(b->l[0].proto, WK_ROLE_SRC, true);
	if ((b->l[0].proto->flags & WK_PF_LINK) && ls && ls->type == WK_FT_MAC &&
	    !wk_build_get(b, 0, ls->name) &&
	    (rc = wk_build_set_bytes(b, 0, ls->name, g->rmac, 6, err)))
		return rc;
	for (size_t k = 0; k < WK_ARRAY_SIZE(route_mac_fields); k++) {
		const struct wk_proto *p = b->l[g->net].proto;
		const struct wk_field *f = wk_build_field(p, route_mac_fields[k]);
		if (f && f->type == WK_FT_MAC && !wk_build_get(b, (unsigned)g->net, f->name) &&
		    (rc = wk_build_set_bytes(b, (unsigned)g->net, f->name, g->rmac, 6, err)))
			return rc;
	}
	return 0;
}

/* Packet idx of the spec with the drawn defaults, encoded afresh. */
static int fresh(struct wk_txgen *g, uint64_t idx, uint8_t *out, size_t cap, size_t *len,
                 struct wk_error *err)
{
	struct wk_build *b = &g->b;
	int rc;
	wk_build_init(b);
	b->flags = g->o.badsum ? WK_BUILD_BADSUM : 0;
	if (g->o.prepend_eth && (rc = wk_build_add(b, wk_proto_find("eth"), err)) < 0)
		return rc;
	if ((rc = wk_spec_build(g->s, idx, b, err)))
		return rc;
	for (unsigned j = 0; j < g->ndflt; j++)
		if ((rc = wk_build_set_default(b, g->d[j].layer, g->d[j].f->name, g->vals[j], err)))
			return rc;
	if (g->want_src) {
		const struct wk_bval *dv = wk_build_get(b, (unsigned)g->net, g->ndst->name);
		if (dv && (rc = route_src(g, dv, err)))
			return rc;
	}
	if (g->o.link_addrs && (rc = link_addrs(g, err)))
		return rc;
	if (g->want_src && !g->rrc && g->have_rmac && (rc = route_mac(g, err)))
		return rc;
	return wk_build_encode(b, out, cap, len, err);
}

/* Whether layer i of packet 0 (as the spec builds it) has field f: a field read through a
 * getter may exist only for some values of others (the ICMP identifier and sequence
 * number of echo and timestamp messages, not the pointer of a parameter problem). */
static bool present(struct wk_txgen *g, unsigned i, const struct wk_field *f)
{
	uint8_t *pkt = g->scratch;
	struct wk_error e = {0};
	size_t len;
	if (!f->get)
		return true;
	struct wk_build *b = malloc(sizeof(*b));
	if (!b)
		return true;
	*b = g->b;
	bool has = true;
	if (!wk_build_encode(b, pkt, GEN_SCRATCH, &len, &e)) {
		struct wk_pkt p;
		memset(&p, 0, offsetof(struct wk_pkt, l));
		p.data = pkt;
		p.caplen = p.wirelen = (uint32_t)len;
		for (const struct wk_bind *bd = b->l[0].proto->binds; bd && bd->ns != WK_NS_NONE;
		     bd++)
			if (bd->ns == WK_NS_LINKTYPE) {
				p.linktype = bd->key;
				break;
			}
		if (p.linktype) {
			wk_dissect(&p);
			struct wk_val v;
			has = false;
			for (unsigned k = 0; k < p.nlayers; k++)
				if (p.l[k].off == b->l[i].off && p.l[k].proto == b->l[i].proto)
					has = wk_field_get(&p, &p.l[k], f, 0, &v);
		}
	}
	free(b);
	return has;
}

/* What the spec leaves unset, found once on the layers of packet 0. */
static int plan(struct wk_txgen *g, struct wk_error *err)
{
	struct wk_build *b = &g->b;
	int rc;
	wk_build_init(b);
	if (g->o.prepend_eth && (rc = wk_build_add(b, wk_proto_find("eth"), err)) < 0)
		return rc;
	g->base = b->n;
	if ((rc = wk_spec_build(g->s, 0, b, err)))
		return rc;
	for (unsigned i = g->base; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		const struct wk_field *fs[WK_ARRAY_SIZE(random_fields) + 1];
		enum dkind ks[WK_ARRAY_SIZE(random_fields) + 1];
		unsigned nf = 0;
		for (size_t k = 0; k < WK_ARRAY_SIZE(random_fields); k++) {
			const struct wk_field *f = wk_build_field(p, random_fields[k].field);
			if (f && !wk_build_get(b, i, f->name) && present(g, i, f)) {
				fs[nf] = f;
				ks[nf++] = random_fields[k].kind;
			}
		}
		const struct wk_field *sp = role_field(p, WK_ROLE_SPORT, false);
		if (sp && !wk_build_get(b, i, sp->name)) {
			fs[nf] = sp;
			ks[nf++] = D_SPORT;
		}
		for (unsigned k = 0; k < nf && g->ndflt < MAX_DFLT; k++) {
			struct dflt *d = &g->d[g->ndflt++];
			const struct wk_field *f = fs[k];
			unsigned bits =
			    f->mask ? (unsigned)__builtin_popcount(f->mask) : f->width * 8u;
			if (f->width == 0)
				bits = 16;
			d->layer = i;
			d->f = f;
			d->kind = ks[k];
			d->mask = bits < 64 ? (1ull << bits) - 1 : ~0ull;
			d->slot = -1;
		}
	}
	/* the source address of the outermost network layer: the route's */
	g->net = -1;
	for (unsigned i = g->base; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		if (!(p->flags & WK_PF_NETWORK))
			continue;
		g->net = (int)i;
		g->nsrc = role_field(p, WK_ROLE_SRC, true);
		g->ndst = role_field(p, WK_ROLE_DST, true);
		g->want_src = g->o.route_src && g->nsrc && g->ndst && g->nsrc->type != WK_FT_MAC &&
		              !wk_build_get(b, i, g->nsrc->name) &&
		              wk_build_get(b, i, g->ndst->name);
		break;
	}
	return 0;
}

/* The template path, when every varying field and default can be patched in place. */
static void try_template(struct wk_txgen *g)
{
	uint8_t *tmp = g->scratch;
	struct wk_error e = {0};
	size_t len;
	if (g->o.fresh || g->o.badsum)
		return;
	unsigned nv = wk_spec_nvary(g->s);
	for (unsigned k = 0; k < nv; k++) {
		unsigned layer;
		wk_spec_vary(g->s, k, &layer);
		/* a destination that varies moves the route's source and the neighbour */
		if (g->net >= 0 && layer + g->base == (unsigned)g->net &&
		    (g->want_src || g->o.link_addrs))
			return;
	}
	draw(g, 0);
	if (fresh(g, 0, tmp, GEN_SCRATCH, &len, &e))
		return;
	struct wk_templ *t = wk_templ_new(&g->b, &e);
	if (!t)
		return;
	for (unsigned k = 0; k < nv; k++) {
		unsigned layer;
		const struct wk_field *f = wk_spec_vary(g->s, k, &layer);
		if ((g->vslot[k] = wk_templ_field(t, layer + g->base, f->name, &e)) < 0)
			goto no;
	}
	for (unsigned j = 0; j < g->ndflt; j++)
		if ((g->d[j].slot = wk_templ_field(t, g->d[j].layer, g->d[j].f->name, &e)) < 0)
			goto no;
	g->t = t;
	return;
no:
	wk_templ_free(t);
}

struct wk_txgen *wk_txgen_new(const struct wk_spec *s, const struct wk_txgen_opts *o,
                              struct wk_error *err)
{
	struct wk_txgen *g = calloc(1, sizeof(*g));
	if (g && !(g->scratch = malloc(GEN_SCRATCH))) {
		free(g);
		g = NULL;
	}
	if (!g) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	g->s = s;
	g->o = *o;
	g->np = wk_spec_count(s);
	uint64_t seed = o->seed;
	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = wk_mono_ns() ^ (uint64_t)getpid() << 32;
	g->rng = seed;
	g->run_id = rnd(g);
	if (plan(g, err)) {
		wk_txgen_free(g);
		return NULL;
	}
	uint64_t start = g->rng;
	try_template(g);
	g->rng = start;
	return g;
}

void wk_txgen_free(struct wk_txgen *g)
{
	if (!g)
		return;
	wk_templ_free(g->t);
	free(g->scratch);
	free(g);
}

bool wk_txgen_templated(const struct wk_txgen *g)
{
	return g->t != NULL;
}

int wk_txgen_make(struct wk_txgen *g, uint64_t n, uint8_t *out, size_t cap, size_t *len,
                  struct wk_error *err)
{
	uint64_t idx = n % g->np;
	draw(g, n);
	if (!g->t)
		return fresh(g, idx, out, cap, len, err);
	size_t tl;
	wk_templ_bytes(g->t, &tl);
	if (tl > cap)
		return wk_seterr(err, WK_ENOMEM, "packet longer than the %zu byte buffer", cap);
	wk_templ_copy(g->t, out);
	int z = 0;
	unsigned nv = wk_spec_nvary(g->s);
	for (unsigned k = 0; k < nv; k++) {
		struct wk_bval v;
		wk_spec_vary_value(g->s, k, idx, &v);
		z |= v.n ? wk_templ_set_bytes(g->t, out, g->vslot[k], v.b)
		         : wk_templ_set(g->t, out, g->vslot[k], v.u);
	}
	for (unsigned j = 0; j < g->ndflt; j++)
		z |= wk_templ_set(g->t, out, g->d[j].slot, g->vals[j]);
	if (z) /* a checksum on one's complement zero, or a value refused: the encoder decides */
		return fresh(g, idx, out, cap, len, err);
	*len = tl;
	return 0;
}

int wk_txgen_route(struct wk_txgen *g, char ifname[16], int timeout_ms, uint8_t mac[6],
                   uint8_t mymac[6], struct wk_error *err)
{
	uint8_t *pkt = g->scratch;
	size_t len;
	struct wk_pkt p;
	int rc;
	uint64_t rng = g->rng;
	draw(g, 0);
	g->rng = rng;
	if ((rc = fresh(g, 0, pkt, GEN_SCRATCH, &len, err)))
		return rc;
	memset(&p, 0, sizeof(p));
	p.data = pkt;
	p.caplen = p.wirelen = (uint32_t)len;
	/* the link type the first layer is bound to (Ethernet, raw IPv4, raw IPv6) */
	for (const struct wk_bind *bd = g->b.l[0].proto->binds; bd && bd->ns != WK_NS_NONE; bd++)
		if (bd->ns == WK_NS_LINKTYPE) {
			p.linktype = bd->key;
			break;
		}
	wk_dissect(&p);
	for (unsigned i = 0; i < p.nlayers; i++) {
		const struct wk_proto *pp = p.l[i].proto;
		if (!(pp->flags & WK_PF_NETWORK))
			continue;
		const struct wk_field *fs = role_field(pp, WK_ROLE_SRC, true);
		const struct wk_field *fd = role_field(pp, WK_ROLE_DST, true);
		struct wk_val vs, vd;
		if (!fd || (fd->type != WK_FT_IP4 && fd->type != WK_FT_IP6) ||
		    !wk_field_get(&p, &p.l[i], fd, 0, &vd))
			continue;
		const uint8_t *da = vd.p ? vd.p : vd.buf;
		int fam = fd->type == WK_FT_IP4 ? AF_INET : AF_INET6;
		uint8_t rsrc[16];
		ifname[0] = '\0';
		if ((rc = wk_route_src(fam, da, rsrc, ifname, err)))
			return rc;
		if (timeout_ms <= 0)
			return ifname[0] ? 0 : wk_seterr(err, WK_ENOTFOUND, "no interface");
		if (!fs || !wk_field_get(&p, &p.l[i], fs, 0, &vs) || vs.n != vd.n || !ifname[0] ||
		    !strcmp(ifname, "lo"))
			return wk_seterr(err, WK_ENOTFOUND, "not on a link");
		const uint8_t *sa = vs.p ? vs.p : vs.buf;
		if ((rc = wk_iface_mac(ifname, mymac, NULL, err)) ||
		    (rc = wk_neigh_resolve(ifname, fam, da, sa, mac, timeout_ms, err)))
			return rc;
		return 0;
	}
	return wk_seterr(err, WK_ENOTFOUND, "no network destination");
}
