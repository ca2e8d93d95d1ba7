/* Statistics over dissected packets: totals, per-category counts (the transport of the
 * outermost IP header, as scapy's and tshark's summaries count), a protocol hierarchy
 * and the busiest conversations, all in bounded memory. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/out.h"

enum cat { C_TCP, C_UDP, C_ICMP, C_ICMP6, C_ARP, C_OTHER, C_MAX };
static const char *const cat_name[C_MAX] = {"tcp", "udp", "icmp", "icmpv6", "arp", "other"};

enum { MAX_NODES = 4096, ROLE_CACHE = 64 };

struct node {
	const struct wk_proto *proto;
	int parent, child, sibling;
	uint64_t packets, bytes;
};

/* A conversation key: both endpoints in a canonical order, so both directions meet. */
struct ckey {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t atype, alen, ports, pad_;
	const struct wk_proto *tproto;
};

struct conv {
	struct ckey k;
	uint64_t packets, bytes;
};

/* The fields that play each role in one protocol, found once. */
struct roles {
	const struct wk_proto *proto;
	const struct wk_field *f[5]; /* indexed by enum wk_frole */
};

struct wk_stats {
	uint64_t packets, bytes, caplen;
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	uint64_t cat[C_MAX];
	struct node nodes[MAX_NODES];
	int nnodes;
	uint64_t nodes_dropped;
	/* Conversations: an open-addressing index of (hash << 32 | entry + 1) over a dense
	 * entry array, so probing touches 8 bytes a slot and stays in cache. */
	uint64_t *slot;
	struct conv *conv;
	size_t nconv, maxconv, cap;
	uint64_t conv_dropped; /* packets whose conversation did not fit */
	struct roles roles[ROLE_CACHE];
	/* the previous packet's path through the hierarchy (index 0 is the root) */
	const struct wk_proto *path_proto[WK_MAX_LAYERS];
	int path_node[WK_MAX_LAYERS];
	unsigned npath;
	/* The protocols the categories are named after (NULL when not built in). */
	const struct wk_proto *ip, *ipv6, *arp, *cat_proto[C_ARP];
};

struct wk_stats *wk_stats_new(size_t max_conversations)
{
	struct wk_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (max_conversations < 1)
		max_conversations = 1;
	if (max_conversations > ((size_t)1 << 22))
		max_conversations = (size_t)1 << 22;
	size_t cap = 16;
	while (cap < max_conversations * 2)
		cap <<= 1;
	s->slot = calloc(cap, sizeof(*s->slot));
	s->conv = calloc(max_conversations, sizeof(*s->conv));
	if (!s->slot || !s->conv) {
		wk_stats_free(s);
		return NULL;
	}
	s->cap = cap;
	s->maxconv = max_conversations;
	s->nodes[0] = (struct node){.parent = -1, .child = -1, .sibling = -1};
	s->nnodes = 1;
	s->ip = wk_proto_find("ip");
	s->ipv6 = wk_proto_find("ipv6");
	s->arp = wk_proto_find("arp");
	static const char *const tnames[C_ARP] = {"tcp", "udp", "icmp", "icmp6"};
	for (int c = 0; c < C_ARP; c++)
		s->cat_proto[c] = wk_proto_find(tnames[c]);
	return s;
}

void wk_stats_free(struct wk_stats *s)
{
	if (!s)
		return;
	free(s->slot);
	free(s->conv);
	free(s);
}

static int node_child(struct wk_stats *s, int parent, const struct wk_proto *pr)
{
	for (int c = s->nodes[parent].child; c >= 0; c = s->nodes[c].sibling)
		if (s->nodes[c].proto == pr)
			return c;
	if (s->nnodes == MAX_NODES)
		return -1;
	int n = s->nnodes++;
	s->nodes[n] = (struct node){
	    .proto = pr, .parent = parent, .child = -1, .sibling = s->nodes[parent].child};
	s->nodes[parent].child = n;
	return n;
}

static const struct roles *roles_of(struct wk_stats *s, const struct wk_proto *pr)
{
	/* Fibonacci hashing: descriptor addresses share their low bits */
	size_t h = (size_t)(((uint64_t)(uintptr_t)pr * 0x9e3779b97f4a7c15ull) >> 58) % ROLE_CACHE;
	struct roles *r = &s->roles[h];
	if (r->proto != pr) {
		memset(r, 0, sizeof(*r));
		r->proto = pr;
		for (size_t k = pr->nfields; k-- > 0;)
			if (pr->fields[k].role && pr->fields[k].role < 5)
				r->f[pr->fields[k].role] = &pr->fields[k];
	}
	return r;
}

static bool role_val(const struct roles *r, const struct wk_pkt *p, const struct wk_layer *l,
                     enum wk_frole role, struct wk_val *v)
{
	const struct wk_field *f = r->f[role];
	if (!f)
		return false;
	/* Fast path for the common table entries (an address, a plain 16-bit port): read the
	 * captured bytes directly instead of going through the generic getter. */
	if (!f->get && !f->mask && !(f->flags & (WK_FF_LE | WK_FF_SIGNED))) {
		const uint8_t *b = wk_layer_bytes(p, l, f->off, f->width);
		if (!b)
			return false;
		v->type = f->type;
		if (f->type == WK_FT_UINT && f->width == 2) {
			v->u = (uint64_t)(b[0] << 8 | b[1]);
			v->p = NULL;
			v->n = 0;
			return true;
		}
		if (f->type == WK_FT_IP4 || f->type == WK_FT_IP6 || f->type == WK_FT_MAC) {
			v->u = 0;
			v->p = b;
			v->n = f->width;
			return true;
		}
	}
	return wk_field_get(p, l, f, 0, v);
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* Up to 16 address bytes as two words; the common sizes load directly. */
static inline void words(const uint8_t *a, size_t n, uint64_t w[2])
{
	uint32_t u;
	if (n == 4) {
		memcpy(&u, a, 4);
		w[0] = u;
		w[1] = 0;
	} else if (n == 16) {
		memcpy(w, a, 16);
	} else {
		uint8_t t[16] = {0};
		memcpy(t, a, n);
		memcpy(w, t, 16);
	}
}

/* The table is bounded and probing stops at the first free slot, so hostile keys cost at
 * most a walk to a free slot (the table is never more than half full), never unbounded
 * work. The key is only written out when a conversation is new. */
static void add_conv(struct wk_stats *s, const struct wk_pkt *p, int net)
{
	const struct wk_layer *nl = &p->l[net];
	struct wk_val a, b, pa, pb;
	const struct roles *nr = roles_of(s, nl->proto);
	if (!role_val(nr, p, nl, WK_ROLE_SRC, &a) || !role_val(nr, p, nl, WK_ROLE_DST, &b) ||
	    a.n != b.n || a.n == 0 || a.n > 16 || !a.p || !b.p)
		return;
	const struct wk_proto *tp = NULL;
	if (net + 1 < p->nlayers && (p->l[net + 1].proto->flags & WK_PF_PORTS)) {
		const struct wk_layer *tl = &p->l[net + 1];
		const struct roles *tr = roles_of(s, tl->proto);
		if (role_val(tr, p, tl, WK_ROLE_SPORT, &pa) &&
		    role_val(tr, p, tl, WK_ROLE_DPORT, &pb))
			tp = tl->proto;
	}
	uint16_t sp = tp ? (uint16_t)pa.u : 0, dp = tp ? (uint16_t)pb.u : 0;
	int c = memcmp(a.p, b.p, a.n);
	bool swap = c > 0 || (c == 0 && sp > dp);
	const uint8_t *x = swap ? b.p : a.p, *y = swap ? a.p : b.p;
	uint16_t px = swap ? dp : sp, py = swap ? sp : dp;
	uint64_t wx[2], wy[2];
	words(x, a.n, wx);
	words(y, a.n, wy);
	uint64_t h = 0x9e3779b97f4a7c15ull;
	h = mix(h, wx[0]);
	h = mix(h, wx[1]);
	h = mix(h, wy[0]);
	h = mix(h, wy[1]);
	h = mix(h, (uint64_t)px << 32 | (uint64_t)py << 16 | (uint64_t)a.type << 8 | a.n);
	h = mix(h, (uint64_t)(uintptr_t)tp);
	uint32_t tag = (uint32_t)(h >> 32);
	size_t mask = s->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint64_t v = s->slot[i];
		struct conv *cv;
		if (!v) {
			if (s->nconv == s->maxconv)
				break;
			cv = &s->conv[s->nconv];
			memset(&cv->k, 0, sizeof(cv->k));
			memcpy(cv->k.a, x, a.n);
			memcpy(cv->k.b, y, a.n);
			cv->k.pa = px;
			cv->k.pb = py;
			cv->k.atype = (uint8_t)a.type;
			cv->k.alen = (uint8_t)a.n;
			cv->k.ports = tp != NULL;
			cv->k.tproto = tp;
			s->nconv++;
			s->slot[i] = (uint64_t)tag << 32 | s->nconv;
		} else {
			if ((uint32_t)(v >> 32) != tag)
				continue;
			cv = &s->conv[(uint32_t)v - 1];
			if (cv->k.tproto != tp || cv->k.pa != px || cv->k.pb != py ||
			    cv->k.alen != a.n || cv->k.atype != a.type || memcmp(cv->k.a, x, a.n) ||
			    memcmp(cv->k.b, y, a.n))
				continue;
		}
		cv->packets++;
		cv->bytes += p->wirelen;
		return;
	}
	s->conv_dropped++;
}

void wk_stats_add(struct wk_stats *s, const struct wk_pkt *p)
{
	if (!s->packets) {
		s->first_sec = p->ts_sec;
		s->first_nsec = p->ts_nsec;
	}
	s->last_sec = p->ts_sec;
	s->last_nsec = p->ts_nsec;
	s->packets++;
	s->bytes += p->wirelen;
	s->caplen += p->caplen;

	/* Consecutive packets mostly share their layer path: reuse the nodes found for the
	 * previous packet as long as the protocols agree. */
	int node = 0;
	for (unsigned i = 1; i < p->nlayers && node >= 0; i++) {
		if (i < s->npath && s->path_proto[i] == p->l[i].proto) {
			node = s->path_node[i];
		} else {
			node = node_child(s, node, p->l[i].proto);
			s->path_proto[i] = p->l[i].proto;
			s->path_node[i] = node;
			s->npath = node >= 0 ? i + 1 : i;
		}
		if (node >= 0) {
			s->nodes[node].packets++;
			s->nodes[node].bytes += p->wirelen;
		} else {
			s->nodes_dropped++;
		}
	}

	/* Category: the layer after the outermost IP header, its IPv6 extension headers
	 * skipped (as tshark's and scapy's summaries count). */
	enum cat cat = C_OTHER;
	int net = -1;
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_proto *pr = p->l[i].proto;
		if (pr == s->ip || pr == s->ipv6) {
			net = (int)i;
			unsigned j = i + 1;
			while (j < p->nlayers && (p->l[j].proto->flags & WK_PF_EXTHDR))
				j++;
			if (j < p->nlayers)
				for (int c = 0; c < C_ARP; c++)
					if (p->l[j].proto == s->cat_proto[c])
						cat = (enum cat)c;
			break;
		}
		if (pr == s->arp) {
			cat = C_ARP;
			break;
		}
	}
	s->cat[cat]++;
	/* Otherwise the outermost network layer with addresses (ARP), else the link layer. */
	for (uint32_t want = WK_PF_NETWORK; net < 0 && want;
	     want = want == WK_PF_NETWORK ? WK_PF_LINK : 0)
		for (unsigned i = 1; i < p->nlayers; i++)
			if (p->l[i].proto->flags & want) {
				net = (int)i;
				break;
			}
	if (net >= 0)
		add_conv(s, p, net);
}

static void pad(struct wk_ob *o, size_t n)
{
	while (n--)
		wk_ob_putc(o, ' ');
}

static void print_nodes(struct wk_ob *o, const struct wk_stats *s, int n, unsigned depth)
{
	/* children are linked newest first; print them in order of first appearance */
	int kids[256];
	int nk = 0;
	for (int c = s->nodes[n].child; c >= 0 && nk < 256; c = s->nodes[c].sibling)
		kids[nk++] = c;
	for (int i = nk - 1; i >= 0; i--) {
		const struct node *nd = &s->nodes[kids[i]];
		size_t w = 2 * depth + strlen(nd->proto->name);
		pad(o, 2 * depth);
		wk_ob_puts(o, nd->proto->name);
		pad(o, w < 32 ? 32 - w : 1);
		wk_ob_puts(o, "packets:");
		wk_ob_u64(o, nd->packets);
		wk_ob_puts(o, " bytes:");
		wk_ob_u64(o, nd->bytes);
		wk_ob_putc(o, '\n');
		if (depth < 24)
			print_nodes(o, s, kids[i], depth + 1);
	}
}

static int cmp_conv(const void *x_, const void *y_)
{
	const struct conv *x = *(const struct conv *const *)x_,
	                  *y = *(const struct conv *const *)y_;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return memcmp(x->k.a, y->k.a, sizeof(x->k.a) + sizeof(x->k.b));
}

static void endpoint(struct wk_ob *o, const struct ckey *k, const uint8_t *a, uint16_t port)
{
	if (k->atype == WK_FT_IP4)
		wk_ob_ip4(o, a);
	else if (k->atype == WK_FT_IP6)
		wk_ob_ip6(o, a);
	else if (k->atype == WK_FT_MAC && k->alen == 6)
		wk_ob_mac(o, a);
	else
		for (unsigned i = 0; i < k->alen; i++)
			wk_ob_hex(o, a[i], 2);
	if (k->ports) {
		wk_ob_putc(o, k->atype == WK_FT_IP6 ? '.' : ':');
		wk_ob_u64(o, port);
	}
}
void wk_stats_print(struct wk_ob *o, const struct wk_stats *s, size_t top)
{
	wk_ob_puts(o, "packets: ");
	wk_ob_u64(o, s->packets);
	wk_ob_puts(o, "  bytes: ");
	wk_ob_u64(o, s->bytes);
	wk_ob_puts(o, "  captured bytes: ");
	wk_ob_u64(o, s->caplen);
	if (s->packets) {
		int64_t sec = s->last_sec - s->first_sec;
		int64_t ns = (int64_t)s->last_nsec - s->first_nsec;
		if (ns < 0) {
			ns += 1000000000;
			sec--;
		}
		wk_ob_puts(o, "  duration: ");
		wk_ob_i64(o, sec);
		wk_ob_putc(o, '.');
		wk_ob_u64(o, (uint64_t)ns / 100000000);
		wk_ob_u64(o, (uint64_t)ns / 10000000 % 10);
		wk_ob_u64(o, (uint64_t)ns / 1000000 % 10);
		wk_ob_puts(o, " s");
	}
	wk_ob_putc(o, '\n');
	/* scapy's PacketList summary */
	wk_ob_puts(o, "TCP:");
	wk_ob_u64(o, s->cat[C_TCP]);
	wk_ob_puts(o, " UDP:");
	wk_ob_u64(o, s->cat[C_UDP]);
	wk_ob_puts(o, " ICMP:");
	wk_ob_u64(o, s->cat[C_ICMP]);
	wk_ob_puts(o, " Other:");
	wk_ob_u64(o, s->packets - s->cat[C_TCP] - s->cat[C_UDP] - s->cat[C_ICMP]);
	wk_ob_putc(o, '\n');
	wk_ob_puts(o, "categories (transport of the outermost IP header):");
	for (int c = 0; c < C_MAX; c++) {
		wk_ob_putc(o, ' ');
		wk_ob_puts(o, cat_name[c]);
		wk_ob_putc(o, '=');
		wk_ob_u64(o, s->cat[c]);
	}
	wk_ob_puts(o, "\n\nprotocol hierarchy:\n");
	print_nodes(o, s, 0, 1);
	if (s->nodes_dropped) {
		wk_ob_puts(o, "  (");
		wk_ob_u64(o, s->nodes_dropped);
		wk_ob_puts(o, " layers beyond the hierarchy's capacity not counted)\n");
	}
	size_t n = s->nconv;
	const struct conv **v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = &s->conv[i];
	qsort(v, n, sizeof(*v), cmp_conv);
	wk_ob_puts(o, "\nconversations: ");
	wk_ob_u64(o, n);
	wk_ob_puts(o, n > top ? ", top " : "");
	if (n > top)
		wk_ob_u64(o, top);
	wk_ob_puts(o, " by bytes\n");
	for (size_t i = 0; i < n && i < top; i++) {
		const struct conv *c = v[i];
		wk_ob_puts(o, "  ");
		wk_ob_puts(o, c->k.tproto ? c->k.tproto->name : "-");
		wk_ob_putc(o, ' ');
		endpoint(o, &c->k, c->k.a, c->k.pa);
		wk_ob_puts(o, " <-> ");
		endpoint(o, &c->k, c->k.b, c->k.pb);
		wk_ob_puts(o, "  packets:");
		wk_ob_u64(o, c->packets);
		wk_ob_puts(o, " bytes:");
		wk_ob_u64(o, c->bytes);
		wk_ob_putc(o, '\n');
	}
	if (s->conv_dropped) {
		wk_ob_puts(o, "  (");
		wk_ob_u64(o, s->conv_dropped);
		wk_ob_puts(o, " packets in conversations beyond the table's capacity)\n");
	}
	free(v);
}
