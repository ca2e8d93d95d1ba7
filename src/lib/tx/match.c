/* Matching replies to probes (wirekit send --wait, scapy's sr): each probe is reduced to
 * the flow key a reply must mirror, kept in a chained hash table. TCP answers swap
 * addresses and ports and acknowledge the probe's sequence number plus what it occupied
 * (RFC 9293 3.4), or reset; UDP answers swap addresses and ports; ICMP echo replies carry
 * the request's identifier and sequence number (RFC 792, RFC 4443 4.2); ICMP errors quote
 * the probe's IP header and at least 8 bytes after it (RFC 792, RFC 4443 2.4), which give
 * its ports or echo numbers. Everything is read from dissected layers. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/send.h"

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_ICMP6 = 58 };

struct key {
	uint8_t v6;
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t a, b; /* ports, or ICMP identifier and sequence */
};

struct probe {
	struct key k;
	uint32_t seq_end; /* TCP: seq + SYN + FIN + data */
	uint16_t ipid;
	bool tcp_ack_ok; /* a RST answering a non-SYN acknowledges nothing */
	bool answered;
	bool used;
	uint32_t next; /* chain, UINT32_MAX ends */
};

struct wk_match {
	size_t max, nbucket;
	struct probe *p;
	uint32_t *bucket;
};

struct view {
	bool v6;
	const uint8_t *ip; /* the IP header */
	size_t iplen;
	const uint8_t *l4;
	size_t l4len;
	uint8_t proto;
};

static const struct wk_proto *pr(const char *n)
{
	return wk_proto_find(n);
}

/* The IP layer at or after index from and the transport layer that follows it. */
static bool view_at(const struct wk_pkt *p, unsigned from, struct view *v, unsigned *ipi)
{
	const struct wk_proto *ip4 = pr("ip"), *ip6 = pr("ipv6");
	for (unsigned i = from; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		if (l->proto != ip4 && l->proto != ip6)
			continue;
		v->v6 = l->proto == ip6;
		v->ip = wk_layer_bytes(p, l, 0, v->v6 ? 40 : 20);
		if (!v->ip)
			return false;
		v->iplen = l->len;
		v->proto = v->v6 ? v->ip[6] : v->ip[9];
		v->l4 = NULL;
		v->l4len = 0;
		*ipi = i;
		const struct wk_proto *want[] = {pr("tcp"), pr("udp"), pr("icmp"), pr("icmp6")};
		for (unsigned j = i + 1; j < p->nlayers; j++) {
			const struct wk_layer *t = &p->l[j];
			if (t->proto == ip4 || t->proto == ip6)
				break;
			for (size_t k = 0; k < 4; k++)
				if (t->proto == want[k] && want[k]) {
					v->l4 = p->data + t->off;
					v->l4len = t->len;
					if (k == 0)
						v->proto = P_TCP;
					else if (k == 1)
						v->proto = P_UDP;
					else
						v->proto = k == 2 ? P_ICMP : P_ICMP6;
					return true;
				}
		}
		return true;
	}
	return false;
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The key of a packet as sent (src -> dst). */
static void key_of(const struct view *v, struct key *k)
{
	memset(k, 0, sizeof(*k));
	k->v6 = v->v6;
	k->proto = v->proto;
	size_t al = v->v6 ? 16 : 4;
	memcpy(k->src, v->ip + (v->v6 ? 8 : 12), al);
	memcpy(k->dst, v->ip + (v->v6 ? 24 : 16), al);
	if ((v->proto == P_TCP || v->proto == P_UDP) && v->l4 && v->l4len >= 4) {
		k->a = be16(v->l4);
		k->b = be16(v->l4 + 2);
	} else if ((v->proto == P_ICMP || v->proto == P_ICMP6) && v->l4 && v->l4len >= 8) {
		k->a = be16(v->l4 + 4);
		k->b = be16(v->l4 + 6);
	}
}

static size_t key_hash(const struct key *k, size_t nb)
{
	/* FNV-1a over the key bytes: the table holds our own probes, not attacker input */
	uint64_t h = 1469598103934665603ull;
	const uint8_t *b = (const uint8_t *)k;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return (size_t)(h % nb);
}

struct wk_match *wk_match_new(size_t max, struct wk_error *err)
{
	struct wk_match *m = calloc(1, sizeof(*m));
	if (!m || max == 0 || max > (1u << 26)) {
		free(m);
		wk_seterr(err, m ? WK_EINVAL : WK_ENOMEM, "cannot track %zu probes", max);
		return NULL;
	}
	m->max = max;
	m->nbucket = max * 2 + 1;
	m->p = calloc(max, sizeof(*m->p));
	m->bucket = malloc(m->nbucket * sizeof(*m->bucket));
	if (!m->p || !m->bucket) {
		wk_match_free(m);
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	memset(m->bucket, 0xff, m->nbucket * sizeof(*m->bucket));
	return m;
}

void wk_match_free(struct wk_match *m)
{
	if (!m)
		return;
	free(m->p);
	free(m->bucket);
	free(m);
}

int wk_match_add(struct wk_match *m, uint32_t id, const struct wk_pkt *probe, struct wk_error *err)
{
	struct view v;
	unsigned ipi;
	if (id >= m->max)
		return wk_seterr(err, WK_EINVAL, "probe %u beyond %zu", id, m->max);
	if (!view_at(probe, 0, &v, &ipi))
		return wk_seterr(err, WK_EUNSUP, "no IP header to match replies to");
	struct probe *p = &m->p[id];
	if (p->used)
		return wk_seterr(err, WK_EINVAL, "probe %u added twice", id);
	memset(p, 0, sizeof(*p));
	key_of(&v, &p->k);
	p->used = true;
	if (!v.v6)
		p->ipid = be16(v.ip + 4);
	if (v.proto == P_TCP && v.l4 && v.l4len >= 20) {
		size_t hl = (size_t)(v.l4[12] >> 4) * 4;
		uint8_t fl = v.l4[13];
		uint32_t occ = (fl & 0x02 ? 1 : 0) + (fl & 0x01 ? 1 : 0);
		if (hl >= 20 && hl <= v.l4len)
			occ += (uint32_t)(v.l4len - hl);
		p->seq_end = be32(v.l4 + 4) + occ;
		p->tcp_ack_ok = occ != 0;
	}
	size_t h = key_hash(&p->k, m->nbucket);
	p->next = m->bucket[h];
	m->bucket[h] = id;
	return 0;
}

/* First unanswered probe with key k accepted by ok(). */
static bool lookup(struct wk_match *m, const struct key *k, const struct view *r,
                   bool (*ok)(const struct probe *, const struct view *), uint32_t *id)
{
	for (uint32_t i = m->bucket[key_hash(k, m->nbucket)]; i != UINT32_MAX; i = m->p[i].next) {
		struct probe *p = &m->p[i];
		if (p->answered || memcmp(&p->k, k, sizeof(*k)) || (ok && !ok(p, r)))
			continue;
		p->answered = true;
		*id = i;
		return true;
	}
	return false;
}

static bool tcp_ok(const struct probe *p, const struct view *r)
{
	if (r->l4len < 14)
		return false;
	uint8_t fl = r->l4[13];
	if (fl & 0x04)
		return true; /* RST: the port is closed (or the connection unknown) */
	return (fl & 0x10) && p->tcp_ack_ok && be32(r->l4 + 8) == p->seq_end;
}

/* A quoted IPv4 probe header carries the identification we sent. */
static bool quote_ok(const struct probe *p, const struct view *q)
{
	return q->v6 || be16(q->ip + 4) == p->ipid;
}

static void swap(struct key *k)
{
	uint8_t t[16];
	memcpy(t, k->src, 16);
	memcpy(k->src, k->dst, 16);
	memcpy(k->dst, t, 16);
	uint16_t x = k->a;
	k->a = k->b;
	k->b = x;
}

bool wk_match_reply(struct wk_match *m, const struct wk_pkt *reply, uint32_t *id)
{
	struct view v, q;
	unsigned ipi, qi;
	struct key k;
	if (!m || !view_at(reply, 0, &v, &ipi))
		return false;
	key_of(&v, &k);
	switch (v.proto) {
	case P_TCP:
		swap(&k);
		return lookup(m, &k, &v, tcp_ok, id);
	case P_UDP:
		swap(&k);
		return lookup(m, &k, &v, NULL, id);
	case P_ICMP:
	case P_ICMP6: {
		if (!v.l4 || v.l4len < 8)
			return false;
		uint8_t t = v.l4[0];
		bool echo_reply = v.proto == P_ICMP ? t == 0 : t == 129;
		if (echo_reply) {
			/* the request went dst -> src with the same identifier and sequence */
			uint8_t tmp[16];
			memcpy(tmp, k.src, 16);
			memcpy(k.src, k.dst, 16);
			memcpy(k.dst, tmp, 16);
			return lookup(m, &k, &v, NULL, id);
		}
		bool error = v.proto == P_ICMP ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
		                               : (t >= 1 && t <= 4);
		if (!error || !view_at(reply, ipi + 1, &q, &qi))
			return false;
		/* the quoted header is the probe as sent */
		key_of(&q, &k);
		return lookup(m, &k, &q, quote_ok, id);
	}
	default:
		swap(&k);
		return lookup(m, &k, &v, NULL, id);
	}
}

bool wk_match_answered(const struct wk_match *m, uint32_t id)
{
	return m && id < m->max && m->p[id].answered;
}
