/* Statistics over dissected packets: totals, per-category counts (the transport of the
 * outermost IP header, as scapy's and tshark's summaries count), a protocol hierarchy
 * and the busiest conversations, all in bounded memory. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/out.h"

enum cat { C_TCP, C_UDP, C_ICMP, C_ICMP6, C_ARP, C_OTHER, C_MAX };
static const char *const cat_name[C_MAX] = {"tcp", "udp", "icmp", "icmpv6", "arp", "other"};

enum { MAX_NODES = 4096, KEY_MAX = 40 };

struct node {
	const struct wk_proto *proto;
	int parent, child, sibling;
	uint64_t packets, bytes;
};

struct conv {
	uint8_t key[KEY_MAX]; /* atype, alen, a, b, transport index, pa, pb */
	uint8_t used;
	uint64_t packets, bytes;
	const struct wk_proto *tproto;
};

struct wk_stats {
	uint64_t packets, bytes, caplen;
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	uint64_t cat[C_MAX];
	struct node nodes[MAX_NODES];
	int nnodes;
	uint64_t nodes_dropped;
	struct conv *conv;
	size_t nconv, cap;
	uint64_t conv_dropped; /* packets whose conversation did not fit */
};

struct wk_stats *wk_stats_new(size_t max_conversations)
{
	struct wk_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	size_t cap = 16;
	while (cap < max_conversations * 2 && cap < ((size_t)1 << 24))
		cap <<= 1;
	s->conv = calloc(cap, sizeof(*s->conv));
	if (!s->conv) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	s->nodes[0] = (struct node){.parent = -1, .child = -1, .sibling = -1};
	s->nnodes = 1;
	return s;
}

void wk_stats_free(struct wk_stats *s)
{
	if (!s)
		return;
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
	s->nodes[n] = (struct node){.proto = pr, .parent = parent, .child = -1,
				    .sibling = s->nodes[parent].child};
	s->nodes[parent].child = n;
	return n;
}

/* FNV-1a: conversation keys come from the packets, but the table is bounded and probing
 * is capped, so a hostile capture can only make us stop tracking, not slow down badly. */
static uint64_t hash(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static bool role_val(const struct wk_pkt *p, const struct wk_layer *l, enum wk_frole role,
		     struct wk_val *v)
{
	for (size_t k = 0; k < l->proto->nfields; k++)
		if (l->proto->fields[k].role == role)
			return wk_field_get(p, l, &l->proto->fields[k], 0, v);
	return false;
}

static void add_conv(struct wk_stats *s, const struct wk_pkt *p, int net)
{
	const struct wk_layer *nl = &p->l[net];
	struct wk_val a, b, pa = {0}, pb = {0};
	if (!role_val(p, nl, WK_ROLE_SRC, &a) || !role_val(p, nl, WK_ROLE_DST, &b) || a.n != b.n ||
	    a.n > 16)
		return;
	const struct wk_proto *tp = NULL;
	if (net + 1 < p->nlayers && (p->l[net + 1].proto->flags & WK_PF_PORTS)) {
		const struct wk_layer *tl = &p->l[net + 1];
		if (role_val(p, tl, WK_ROLE_SPORT, &pa) && role_val(p, tl, WK_ROLE_DPORT, &pb))
			tp = tl->proto;
	}
	/* Order the two endpoints so both directions share one entry. */
	int c = memcmp(a.p, b.p, a.n);
	bool swap = c > 0 || (c == 0 && pa.u > pb.u);
	uint8_t key[KEY_MAX] = {0};
	key[0] = (uint8_t)a.type;
	key[1] = (uint8_t)a.n;
	memcpy(key + 2, swap ? b.p : a.p, a.n);
	memcpy(key + 18, swap ? a.p : b.p, a.n);
	uint32_t p1 = (uint32_t)(swap ? pb.u : pa.u), p2 = (uint32_t)(swap ? pa.u : pb.u);
	memcpy(key + 34, &p1, 2);
	memcpy(key + 36, &p2, 2);
	int ti = tp ? wk_proto_index(tp) : -1;
	key[38] = (uint8_t)(ti + 1);
	size_t mask = s->cap - 1;
	size_t h = (size_t)hash(key, sizeof(key));
	for (size_t i = 0; i < 64; i++) {
		struct conv *cv = &s->conv[(h + i) & mask];
		if (!cv->used) {
			if (s->nconv * 2 >= s->cap)
				break;
			memcpy(cv->key, key, sizeof(key));
			cv->used = 1;
			cv->tproto = tp;
			s->nconv++;
		} else if (memcmp(cv->key, key, sizeof(key))) {
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

	int node = 0;
	for (unsigned i = 1; i < p->nlayers && node >= 0; i++) {
		node = node_child(s, node, p->l[i].proto);
		if (node >= 0) {
			s->nodes[node].packets++;
			s->nodes[node].bytes += p->wirelen;
		} else {
			s->nodes_dropped++;
		}
	}

	/* Category: the layer after the outermost IP header (its extension headers skipped). */
	enum cat cat = C_OTHER;
	int net = -1;
	for (unsigned i = 1; i < p->nlayers; i++) {
		const char *nm = p->l[i].proto->name;
		if (!strcmp(nm, "ip") || !strcmp(nm, "ipv6")) {
			net = (int)i;
			unsigned j = i + 1;
			while (j < p->nlayers && !strncmp(p->l[j].proto->name, "ipv6_", 5))
				j++;
			if (j < p->nlayers) {
				const char *t = p->l[j].proto->name;
				for (int c = 0; c < C_ARP; c++)
					if (!strcmp(t, c == C_ICMP6 ? "icmp6" : cat_name[c]))
						cat = (enum cat)c;
			}
			break;
		}
		if (!strcmp(nm, "arp")) {
			cat = C_ARP;
			break;
		}
	}
	s->cat[cat]++;
	if (net < 0)
		for (unsigned i = 1; i < p->nlayers; i++)
			if (p->l[i].proto->flags & WK_PF_NETWORK) {
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

static int cmp_conv(const void *a, const void *b)
{
	const struct conv *x = *(const struct conv *const *)a, *y = *(const struct conv *const *)b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return memcmp(x->key, y->key, KEY_MAX);
}

static void endpoint(struct wk_ob *o, const uint8_t *key, const uint8_t *a, uint16_t port,
		     bool ports)
{
	if (key[0] == WK_FT_IP4)
		wk_ob_ip4(o, a);
	else if (key[0] == WK_FT_IP6)
		wk_ob_ip6(o, a);
	else if (key[0] == WK_FT_MAC && key[1] == 6)
		wk_ob_mac(o, a);
	else
		for (unsigned i = 0; i < key[1]; i++)
			wk_ob_hex(o, a[i], 2);
	if (ports) {
		wk_ob_putc(o, key[0] == WK_FT_IP6 ? '.' : ':');
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
	size_t n = 0;
	const struct conv **v = malloc((s->nconv ? s->nconv : 1) * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < s->cap; i++)
		if (s->conv[i].used)
			v[n++] = &s->conv[i];
	qsort(v, n, sizeof(*v), cmp_conv);
	wk_ob_puts(o, "\nconversations: ");
	wk_ob_u64(o, n);
	wk_ob_puts(o, n > top ? ", top " : "");
	if (n > top)
		wk_ob_u64(o, top);
	wk_ob_puts(o, " by bytes\n");
	for (size_t i = 0; i < n && i < top; i++) {
		const struct conv *c = v[i];
		bool ports = c->tproto != NULL;
		uint16_t p1, p2;
		memcpy(&p1, c->key + 34, 2);
		memcpy(&p2, c->key + 36, 2);
		wk_ob_puts(o, "  ");
		wk_ob_puts(o, c->tproto ? c->tproto->name : "-");
		wk_ob_putc(o, ' ');
		endpoint(o, c->key, c->key + 2, p1, ports);
		wk_ob_puts(o, " <-> ");
		endpoint(o, c->key, c->key + 18, p2, ports);
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
