/* Statistics over dissected packets: totals, per-category counts (the transport of the
 * outermost IP header, as scapy's and tshark's summaries count), a protocol hierarchy
 * and the busiest conversations, all in bounded memory. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/stats.h"

enum cat { C_TCP, C_UDP, C_ICMP, C_ICMP6, C_ARP, C_OTHER, C_MAX };
static const char *const cat_name[C_MAX] = {"tcp", "udp", "icmp", "icmpv6", "arp", "other"};

enum { MAX_NODES = 4096, ROLE_CACHE = 64, IDX_BITS = 24, PEND = 8 };
#define IDX_MASK ((UINT64_C(1) << IDX_BITS) - 1)

/* A protocol in the hierarchy. A packet is counted once, on the node its layer path ends
 * at (end_*); the totals of a node and all below it are summed when printed. */
struct node {
	const struct wk_proto *proto;
	int parent, child, sibling;
	uint64_t end_packets, end_bytes, packets, bytes;
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

_Static_assert(sizeof(struct ckey) == 48 && offsetof(struct ckey, pa) == 32 &&
                   offsetof(struct ckey, tproto) == 40,
               "keys are built, compared and hashed as six words");

/* The fields that play each role in one protocol, found once, and whether they are plain
 * bytes at fixed offsets (read straight from the packet, without the generic getter). */
struct roles {
	const struct wk_proto *proto;
	const struct wk_field *f[5]; /* indexed by enum wk_frole */
	bool plain_addr, plain_ports;
};

/* What a packet's statistics take from its protocol path alone. */
struct path_memo {
	enum cat cat;
	int net;                      /* the conversation's address layer, or -1 */
	int tl;                       /* the layer its ports are read from, or -1 */
	const struct wk_proto *label; /* what the conversation is listed as */
	struct roles nr, tr;          /* copies: the role cache may reuse its entries */
};

/* A conversation update waiting for its table slot to arrive in cache. */
struct pend {
	struct ckey k;
	uint64_t h;
	uint64_t packets, bytes;
};

struct wk_stats {
	uint64_t packets, bytes, caplen;
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	uint64_t cat[C_MAX];
	struct node nodes[MAX_NODES];
	int nnodes;
	uint64_t nodes_dropped;
	/* Conversations: an open-addressing index of (hash bits 24..63 | entry + 1) over a dense
	 * entry array, so probing touches 8 bytes a slot and stays in cache. Both grow by
	 * doubling (the index at most half full) up to maxconv entries. */
	uint64_t *slot;
	struct conv *conv;
	size_t nconv, maxconv, convcap, cap;
	uint64_t conv_dropped; /* packets whose conversation did not fit */
	struct pend pend[PEND];
	unsigned pend_head, npend;
	struct roles roles[ROLE_CACHE];
	/* The previous packet's path through the hierarchy (index 0 is the root): the nodes
	 * of its first npath layers; when all of its nlayers were found (path_len), also what
	 * depends on the layer protocols alone: category, conversation layer and roles. */
	const struct wk_proto *path_proto[WK_MAX_LAYERS];
	int path_node[WK_MAX_LAYERS];
	unsigned npath, path_len;
	struct path_memo memo;
	/* The protocols the categories are named after (NULL when not built in). */
	const struct wk_proto *ip, *ipv6, *arp, *cat_proto[C_ARP];
};

/* An empty index of n slots, every page written once: a fresh page of calloc'd memory is
 * the shared zero page until written, so the first probe (a read) and the first insert
 * (a write) would fault twice, and the second fault flushes the TLB on every processor
 * running a thread of this process. (A plain memset after malloc becomes calloc.) */
static uint64_t *new_index(size_t n)
{
	uint64_t *p = calloc(n, sizeof(*p));
	for (size_t i = 0; p && i < n; i += 4096 / sizeof(*p))
		((volatile uint64_t *)p)[i] = 0;
	return p;
}

struct wk_stats *wk_stats_new(size_t max_conversations)
{
	struct wk_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (max_conversations < 1)
		max_conversations = 1;
	if (max_conversations > ((size_t)1 << 22))
		max_conversations = (size_t)1 << 22; /* < 2^IDX_BITS */
	s->maxconv = max_conversations;
	s->convcap = max_conversations < 512 ? max_conversations : 512;
	s->cap = 1024;
	s->slot = new_index(s->cap);
	s->conv = malloc(s->convcap * sizeof(*s->conv));
	if (!s->slot || !s->conv) {
		wk_stats_free(s);
		return NULL;
	}
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

static bool plain(const struct wk_field *f)
{
	return f && !f->get && !f->mask && !(f->flags & (WK_FF_LE | WK_FF_SIGNED));
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
		const struct wk_field *a = r->f[WK_ROLE_SRC], *b = r->f[WK_ROLE_DST];
		r->plain_addr =
		    plain(a) && plain(b) && a->type == b->type && a->width == b->width &&
		    (a->type == WK_FT_IP4 || a->type == WK_FT_IP6 || a->type == WK_FT_MAC) &&
		    a->width > 0 && a->width <= 16;
		a = r->f[WK_ROLE_SPORT];
		b = r->f[WK_ROLE_DPORT];
		r->plain_ports = plain(a) && plain(b) && a->type == WK_FT_UINT && a->width == 2 &&
		                 b->type == WK_FT_UINT && b->width == 2;
	}
	return r;
}

static bool role_val(const struct roles *r, const struct wk_pkt *p, const struct wk_layer *l,
                     enum wk_frole role, struct wk_val *v)
{
	const struct wk_field *f = r->f[role];
	return f && wk_field_get(p, l, f, 0, v);
}

/* The source and destination address of layer l (n bytes each, n <= 16) as two words each,
 * zero-padded, in memory order (x[0] holds bytes 0..7), and their type. The plain table
 * entries are read straight from the packet; the others go through the generic getter. */
static bool addr_pair(const struct roles *r, const struct wk_pkt *p, const struct wk_layer *l,
                      uint64_t x[2], uint64_t y[2], unsigned *n, unsigned *type)
{
	const uint8_t *a, *b;
	struct wk_val va, vb;
	if (r->plain_addr) {
		const struct wk_field *f = r->f[WK_ROLE_SRC], *g = r->f[WK_ROLE_DST];
		a = wk_layer_bytes(p, l, f->off, f->width);
		b = wk_layer_bytes(p, l, g->off, g->width);
		*n = f->width;
		*type = f->type;
	} else {
		if (!role_val(r, p, l, WK_ROLE_SRC, &va) || !role_val(r, p, l, WK_ROLE_DST, &vb) ||
		    va.n != vb.n || va.n > 16)
			return false;
		a = va.p;
		b = vb.p;
		*n = (unsigned)va.n;
		*type = va.type;
	}
	if (!a || !b || *n == 0)
		return false;
	if (*n == 4) { /* the common sizes load directly */
		uint32_t u, v;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		x[0] = u;
		y[0] = v;
		x[1] = y[1] = 0;
	} else if (*n == 16) {
		memcpy(x, a, 16);
		memcpy(y, b, 16);
	} else {
		uint8_t t[16] = {0}, u[16] = {0};
		memcpy(t, a, *n);
		memcpy(u, b, *n);
		memcpy(x, t, 16);
		memcpy(y, u, 16);
	}
	return true;
}

static bool port_pair(const struct roles *r, const struct wk_pkt *p, const struct wk_layer *l,
                      uint16_t *sp, uint16_t *dp)
{
	if (r->plain_ports) {
		const uint8_t *a = wk_layer_bytes(p, l, r->f[WK_ROLE_SPORT]->off, 2);
		const uint8_t *b = wk_layer_bytes(p, l, r->f[WK_ROLE_DPORT]->off, 2);
		if (!a || !b)
			return false;
		*sp = (uint16_t)(a[0] << 8 | a[1]);
		*dp = (uint16_t)(b[0] << 8 | b[1]);
		return true;
	}
	struct wk_val a, b;
	if (!role_val(r, p, l, WK_ROLE_SPORT, &a) || !role_val(r, p, l, WK_ROLE_DPORT, &b))
		return false;
	*sp = (uint16_t)a.u;
	*dp = (uint16_t)b.u;
	return true;
}

/* memcmp's order of two zero-padded 16-byte addresses held as memory-order words */
static inline int cmp16(const uint64_t x[2], const uint64_t y[2])
{
	uint64_t a = __builtin_bswap64(x[0]), b = __builtin_bswap64(y[0]);
	if (a == b) {
		a = __builtin_bswap64(x[1]);
		b = __builtin_bswap64(y[1]);
	}
	return (a > b) - (a < b);
}

static inline void key_words(const struct ckey *k, uint64_t w[6])
{
	memcpy(w, k, sizeof(*k));
}

#ifdef __SIZEOF_INT128__
/* The two halves of a 128-bit product folded: every input bit reaches many output bits. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	__uint128_t m = (__uint128_t)a * b;
	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* Three independent multiplies, then one more: short dependency chains. */
static inline uint64_t key_hash(const uint64_t w[6])
{
	uint64_t h = fold_mul(w[0] ^ 0xa0761d6478bd642full, w[1] ^ 0xe7037ed1a0b428dbull) ^
	             fold_mul(w[2] ^ 0x8ebc6af09c88c6e3ull, w[3] ^ 0x589965cc75374cc3ull) ^
	             fold_mul(w[4] ^ 0x1d8e4e27c47d124full, w[5] ^ 0x9e3779b97f4a7c15ull);
	return fold_mul(h ^ 0xa0761d6478bd642full, 0xe7037ed1a0b428dbull);
}
#else
static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline uint64_t key_hash(const uint64_t w[6])
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 6; i++)
		h = mix(h, w[i]);
	return h;
}
#endif

/* Key x equal to the key whose words are b? */
static inline bool key_eq(const struct ckey *x, const uint64_t b[6])
{
	uint64_t a[6];
	key_words(x, a);
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
	         (a[5] ^ b[5]));
}

/* Doubles the entry array and the index (rehashing from the tags kept in the index).
 * False when memory is short: the table then stays as it is. */
static bool grow(struct wk_stats *s)
{
	size_t ncap = s->convcap * 2 > s->maxconv ? s->maxconv : s->convcap * 2;
	struct conv *nc = realloc(s->conv, ncap * sizeof(*nc));
	if (!nc)
		return false;
	s->conv = nc;
	size_t scap = s->cap;
	while (scap < ncap * 2)
		scap <<= 1;
	uint64_t *ns = scap == s->cap ? NULL : new_index(scap);
	if (!ns && scap != s->cap)
		return false; /* the index must stay at most half full */
	s->convcap = ncap;
	if (!ns)
		return true;
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t v = s->slot[i];
		if (!v)
			continue;
		size_t j = (size_t)(v >> IDX_BITS) & (scap - 1);
		while (ns[j])
			j = (j + 1) & (scap - 1);
		ns[j] = v;
	}
	free(s->slot);
	s->slot = ns;
	s->cap = scap;
	return true;
}

/* Counts one packet of conversation k (hash h). The table is bounded and probing stops at
 * the first free slot, so hostile keys cost at most a walk to a free slot (the index is
 * never more than half full), never unbounded work. */
static void conv_count(struct wk_stats *s, const struct ckey *k, uint64_t h, uint64_t packets,
                       uint64_t bytes)
{
	uint64_t kw[6];
	key_words(k, kw);
	uint64_t tag = h & ~IDX_MASK;
	size_t mask = s->cap - 1;
	for (size_t i = (size_t)(h >> IDX_BITS) & mask;; i = (i + 1) & mask) {
		uint64_t v = s->slot[i];
		struct conv *cv;
		if (!v) {
			if (s->nconv == s->convcap && (s->nconv == s->maxconv || !grow(s)))
				break;
			/* when grow() rebuilt the index, find the free slot again */
			if (s->cap != mask + 1) {
				mask = s->cap - 1;
				i = (size_t)(h >> IDX_BITS) & mask;
				while (s->slot[i])
					i = (i + 1) & mask;
			}
			cv = &s->conv[s->nconv++];
			cv->k = *k;
			cv->packets = 0;
			cv->bytes = 0;
			s->slot[i] = tag | s->nconv;
		} else {
			if ((v & ~IDX_MASK) != tag)
				continue;
			cv = &s->conv[(v & IDX_MASK) - 1];
			if (!key_eq(&cv->k, kw))
				continue;
		}
		cv->packets += packets;
		cv->bytes += bytes;
		return;
	}
	s->conv_dropped += packets;
}

/* The pending conversation updates, oldest first: the table slot of each was prefetched
 * when it was queued, so by its turn the cache miss has been served. */
static void conv_drain(struct wk_stats *s, unsigned keep)
{
	while (s->npend > keep) {
		const struct pend *q = &s->pend[s->pend_head];
		conv_count(s, &q->k, q->h, q->packets, q->bytes);
		s->pend_head = (s->pend_head + 1) % PEND;
		s->npend--;
	}
}

static void add_conv(struct wk_stats *s, const struct wk_pkt *p, const struct path_memo *m)
{
	const struct wk_layer *nl = &p->l[m->net];
	uint64_t x[2], y[2];
	unsigned n, type;
	if (!addr_pair(&m->nr, p, nl, x, y, &n, &type))
		return;
	uint16_t sp = 0, dp = 0;
	bool ports = m->tl >= 0 && port_pair(&m->tr, p, &p->l[m->tl], &sp, &dp);
	/* Both directions on one entry: the lesser endpoint first. The key is built as the
	 * six words of struct ckey (a, b, then pa pb atype alen ports pad, then the label). */
	int c = cmp16(x, y);
	bool swap = c > 0 || (c == 0 && sp > dp);
	uint64_t w[6] = {swap ? y[0] : x[0], swap ? y[1] : x[1], swap ? x[0] : y[0],
	                 swap ? x[1] : y[1]};
	uint16_t pa = swap ? dp : sp, pb = swap ? sp : dp;
	/* pa pb atype alen ports pad as the word they make in memory (composed in a register:
	 * a word read back from byte stores would stall) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[4] = (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)(type & 0xff) << 32 |
	       (uint64_t)(n & 0xff) << 40 | (uint64_t)ports << 48;
#else
	w[4] = (uint64_t)pa << 48 | (uint64_t)pb << 32 | (uint64_t)(type & 0xff) << 24 |
	       (uint64_t)(n & 0xff) << 16 | (uint64_t)ports << 8;
#endif
	w[5] = (uint64_t)(uintptr_t)m->label;
	/* The same conversation as the packet before (a burst): add to its queued update. */
	if (s->npend) {
		struct pend *last = &s->pend[(s->pend_head + s->npend - 1) % PEND];
		if (key_eq(&last->k, w)) {
			last->packets++;
			last->bytes += p->wirelen;
			return;
		}
	}
	uint64_t h = key_hash(w);
	__builtin_prefetch(&s->slot[(size_t)(h >> IDX_BITS) & (s->cap - 1)]);
	conv_drain(s, PEND - 1);
	struct pend *q = &s->pend[(s->pend_head + s->npend) % PEND];
	memcpy(&q->k, w, sizeof(q->k));
	q->h = h;
	q->packets = 1;
	q->bytes = p->wirelen;
	s->npend++;
}

/* Category: the layer after the outermost IP header, its IPv6 extension headers skipped
 * (as tshark's and scapy's summaries count). Conversation: the addresses of that IP header,
 * otherwise of the outermost network layer with addresses (ARP), else of the link layer;
 * listed as the protocol after it (extension headers skipped) with its ports if it has
 * them, or as that layer itself when nothing follows. */
static struct path_memo memo_of(struct wk_stats *s, const struct wk_pkt *p)
{
	struct path_memo m = {.cat = C_OTHER, .net = -1, .tl = -1};
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_proto *pr = p->l[i].proto;
		if (pr == s->ip || pr == s->ipv6) {
			m.net = (int)i;
			unsigned j = i + 1;
			while (j < p->nlayers && (p->l[j].proto->flags & WK_PF_EXTHDR))
				j++;
			if (j < p->nlayers)
				for (int c = 0; c < C_ARP; c++)
					if (p->l[j].proto == s->cat_proto[c])
						m.cat = (enum cat)c;
			break;
		}
		if (pr == s->arp) {
			m.cat = C_ARP;
			break;
		}
	}
	for (uint32_t want = WK_PF_NETWORK; m.net < 0 && want;
	     want = want == WK_PF_NETWORK ? WK_PF_LINK : 0)
		for (unsigned i = 1; i < p->nlayers; i++)
			if (p->l[i].proto->flags & want) {
				m.net = (int)i;
				break;
			}
	if (m.net >= 0) {
		m.nr = *roles_of(s, p->l[m.net].proto);
		unsigned j = (unsigned)m.net + 1;
		while (j < p->nlayers && (p->l[j].proto->flags & WK_PF_EXTHDR))
			j++;
		m.label = j < p->nlayers ? p->l[j].proto : p->l[m.net].proto;
		if (j < p->nlayers && (p->l[j].proto->flags & WK_PF_PORTS)) {
			m.tl = (int)j;
			m.tr = *roles_of(s, p->l[j].proto);
		}
	}
	return m;
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
	unsigned i = 1;
	while (i < p->nlayers && i < s->npath && s->path_proto[i] == p->l[i].proto)
		i++;
	int node = i > 1 ? s->path_node[i - 1] : 0;
	if (i == p->nlayers && i == s->path_len) { /* the same path: the same memo */
		s->nodes[node].end_packets++;
		s->nodes[node].end_bytes += p->wirelen;
		s->cat[s->memo.cat]++;
		if (s->memo.net >= 0)
			add_conv(s, p, &s->memo);
		return;
	}
	s->path_len = 0;
	for (; i < p->nlayers; i++) {
		int c = node_child(s, node, p->l[i].proto);
		if (c < 0) {
			s->nodes_dropped += p->nlayers - i;
			break;
		}
		node = c;
		s->path_proto[i] = p->l[i].proto;
		s->path_node[i] = node;
		s->npath = i + 1;
	}
	s->nodes[node].end_packets++; /* the deepest layer that has a node */
	s->nodes[node].end_bytes += p->wirelen;
	struct path_memo m = memo_of(s, p);
	if (i == p->nlayers) { /* (a shorter packet's path is a prefix of the cached one) */
		s->path_len = p->nlayers;
		s->memo = m;
	}
	s->cat[m.cat]++;
	if (m.net >= 0)
		add_conv(s, p, &m);
}

void wk_stats_merge(struct wk_stats *d, struct wk_stats *s)
{
	conv_drain(d, 0);
	conv_drain(s, 0);
	if (!s->packets)
		return;
	if (!d->packets) {
		d->first_sec = s->first_sec;
		d->first_nsec = s->first_nsec;
	}
	d->last_sec = s->last_sec;
	d->last_nsec = s->last_nsec;
	d->packets += s->packets;
	d->bytes += s->bytes;
	d->caplen += s->caplen;
	for (int c = 0; c < C_MAX; c++)
		d->cat[c] += s->cat[c];
	/* s's nodes in the order s created them (a parent before its children): the ones d
	 * lacks are created in that order, as if d had gone on counting s's packets. Counts
	 * of a node d has no room for go to its nearest ancestor that fits. */
	d->nodes_dropped += s->nodes_dropped;
	int map[MAX_NODES];
	map[0] = 0;
	d->nodes[0].end_packets += s->nodes[0].end_packets;
	d->nodes[0].end_bytes += s->nodes[0].end_bytes;
	for (int n = 1; n < s->nnodes; n++) {
		const struct node *sn = &s->nodes[n];
		int par = map[sn->parent];
		int m = par >= 0 ? node_child(d, par, sn->proto) : -1;
		map[n] = m;
		int at = m;
		for (int a = sn->parent; at < 0; a = s->nodes[a].parent)
			at = map[a]; /* the root always maps */
		d->nodes[at].end_packets += sn->end_packets;
		d->nodes[at].end_bytes += sn->end_bytes;
		if (m < 0)
			d->nodes_dropped += sn->end_packets;
	}
	/* conversations in the order s first saw them: new ones fit while d has room */
	for (size_t i = 0; i < s->nconv; i++) {
		const struct conv *c = &s->conv[i];
		uint64_t w[6];
		key_words(&c->k, w);
		conv_count(d, &c->k, key_hash(w), c->packets, c->bytes);
	}
	d->conv_dropped += s->conv_dropped;
}

static void pad(struct wk_ob *o, size_t n)
{
	while (n--)
		wk_ob_putc(o, ' ');
}

/* The column the counters start in: 32, or further right when a deeply nested name
 * would reach it, so that they stay in one column. */
static size_t name_column(const struct wk_stats *s)
{
	size_t col = 32;
	for (int n = 1; n < s->nnodes; n++) {
		size_t depth = 0;
		for (int p = n; p > 0 && depth <= WK_MAX_LAYERS; p = s->nodes[p].parent)
			depth++;
		size_t w = 2 * depth + strlen(s->nodes[n].proto->name) + 1;
		if (w > col)
			col = w;
	}
	return col;
}

static void print_nodes(struct wk_ob *o, const struct wk_stats *s, int n, unsigned depth,
                        size_t col)
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
		pad(o, col - w);
		wk_ob_puts(o, "packets:");
		wk_ob_u64(o, nd->packets);
		wk_ob_puts(o, " bytes:");
		wk_ob_u64(o, nd->bytes);
		wk_ob_putc(o, '\n');
		if (depth < 24)
			print_nodes(o, s, kids[i], depth + 1, col);
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
	/* then by key, so the order (and the top k) is the same whatever the table order */
	int c = memcmp(x->k.a, y->k.a, sizeof(x->k.a) + sizeof(x->k.b));
	if (c)
		return c;
	if (x->k.pa != y->k.pa || x->k.pb != y->k.pb)
		return x->k.pa != y->k.pa ? (x->k.pa < y->k.pa ? -1 : 1)
		                          : (x->k.pb < y->k.pb ? -1 : 1);
	if (x->k.atype != y->k.atype || x->k.alen != y->k.alen)
		return x->k.atype != y->k.atype ? x->k.atype - y->k.atype : x->k.alen - y->k.alen;
	if (x->k.tproto != y->k.tproto)
		return !x->k.tproto   ? -1
		       : !y->k.tproto ? 1
		                      : strcmp(x->k.tproto->name, y->k.tproto->name);
	return 0;
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
void wk_stats_print(struct wk_ob *o, struct wk_stats *s, size_t top)
{
	conv_drain(s, 0);
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
	/* a child is always created after its parent: one backward pass sums the subtrees */
	for (int n = s->nnodes; n-- > 0;) {
		s->nodes[n].packets = s->nodes[n].end_packets;
		s->nodes[n].bytes = s->nodes[n].end_bytes;
	}
	for (int n = s->nnodes; n-- > 1;) {
		s->nodes[s->nodes[n].parent].packets += s->nodes[n].packets;
		s->nodes[s->nodes[n].parent].bytes += s->nodes[n].bytes;
	}
	print_nodes(o, s, 0, 1, name_column(s));
	if (s->nodes_dropped) {
		wk_ob_puts(o, "  (");
		wk_ob_u64(o, s->nodes_dropped);
		wk_ob_puts(o, " layers beyond the hierarchy's capacity not counted)\n");
	}
	size_t n = s->nconv, k = n < top ? n : top;
	const struct conv **v = malloc((k ? k : 1) * sizeof(*v));
	if (!v)
		return;
	/* the k busiest: a min-heap of k entries over the table, then sorted */
	for (size_t i = 0; i < n; i++) {
		const struct conv *c = &s->conv[i];
		size_t j;
		if (i < k) {
			for (j = i; j > 0 && cmp_conv(&v[(j - 1) / 2], &c) < 0; j = (j - 1) / 2)
				v[j] = v[(j - 1) / 2];
			v[j] = c;
		} else if (k && cmp_conv(&c, &v[0]) < 0) {
			for (j = 0;;) { /* replace the root (the least busy kept) and sift down */
				size_t m = 2 * j + 1;
				if (m >= k)
					break;
				if (m + 1 < k && cmp_conv(&v[m + 1], &v[m]) > 0)
					m++;
				if (cmp_conv(&c, &v[m]) >= 0)
					break;
				v[j] = v[m];
				j = m;
			}
			v[j] = c;
		}
	}
	qsort(v, k, sizeof(*v), cmp_conv);
	wk_ob_puts(o, "\nconversations: ");
	wk_ob_u64(o, n);
	wk_ob_puts(o, n > top ? ", top " : "");
	if (n > top)
		wk_ob_u64(o, top);
	wk_ob_puts(o, " by bytes\n");
	for (size_t i = 0; i < k; i++) {
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
