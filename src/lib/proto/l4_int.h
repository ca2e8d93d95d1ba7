/* Internal to src/lib/proto: field getters and line output shared by the transports
 * (tcp.c, udp.c). */
#ifndef WK_L4_INT_H
#define WK_L4_INT_H

#include "proto_int.h"
#include "wirekit/csum.h"
#include "wirekit/line.h"
#include "wirekit/proto.h"

/* Getter of tcp.port / udp.port: both ports, source first (the first two 16-bit words). */
static inline bool l4_get_port(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                               struct wk_val *v)
{
	const uint8_t *h = idx < 2 ? wk_layer_bytes(p, l, 2 * idx, 2) : NULL;
	if (!h)
		return false;
	v->u = (uint64_t)(h[0] << 8 | h[1]);
	return true;
}

/* The addresses of the nearest network layer outside transport layer l (by field role);
 * false when there is none with both. */
static inline bool l4_net_addrs(const struct wk_pkt *p, const struct wk_layer *l, enum wk_ftype *t,
                                const uint8_t **src, const uint8_t **dst)
{
	for (int i = (int)(l - p->l) - 1; i > 0; i--) {
		const struct wk_proto *pr = p->l[i].proto;
		if (!(pr->flags & WK_PF_NETWORK))
			continue;
		*src = *dst = NULL;
		for (size_t k = 0; k < pr->nfields; k++) {
			const struct wk_field *f = &pr->fields[k];
			if (f->get || (f->type != WK_FT_IP4 && f->type != WK_FT_IP6))
				continue;
			const uint8_t *a = wk_layer_bytes(p, &p->l[i], f->off, f->width);
			if (f->role == WK_ROLE_SRC)
				*src = a, *t = f->type;
			else if (f->role == WK_ROLE_DST)
				*dst = a;
		}
		return *src && *dst;
	}
	return false;
}

/* tcpdump prints "src.sport > dst.dport" even when something (AH) already used the
 * network layer's addresses: take them again from the nearest outer network layer when
 * none are pending. After IPv6 extension headers it prints the ports alone. */
static inline void l4_line_ports(struct wk_line *o, const struct wk_pkt *p,
                                 const struct wk_layer *l, uint32_t sport, uint32_t dport)
{
	if (o->ports_only && o->atype == WK_FT_NONE) {
		wk_line_ports_only(o, sport, dport);
		return;
	}
	enum wk_ftype t = WK_FT_NONE;
	const uint8_t *src, *dst;
	if (o->atype == WK_FT_NONE && l4_net_addrs(p, l, &t, &src, &dst))
		wk_line_addrs(o, t, src, dst);
	wk_line_ports(o, sport, dport);
}

/* Bytes of transport layer l on the wire, as tcpdump and tshark count them: from the
 * nearest outer IP header's length (IPv4 total length, IPv6 payload length), so a snapped
 * capture still counts what it left out and link-layer padding or an FCS never counts.
 * Without such a length (0 after segmentation offload, jumbograms, other carriers) the
 * captured bytes plus what the capture cut off. */
static inline uint64_t l4_wire_len(const struct wk_pkt *p, const struct wk_layer *l)
{
	for (int i = (int)(l - p->l) - 1; i > 0 && !(l->flags & WK_LF_QUOTED); i--) {
		const struct wk_layer *n = &p->l[i];
		if (!(n->proto->flags & WK_PF_NETWORK))
			continue;
		const uint8_t *h = NULL;
		uint64_t end = 0;
		if (n->proto == &wk_proto_ip && (h = wk_layer_bytes(p, n, 2, 2)))
			end = (uint64_t)(h[0] << 8 | h[1]);
		else if (n->proto == &wk_proto_ipv6 && (h = wk_layer_bytes(p, n, 4, 2)))
			end = (uint64_t)(h[0] << 8 | h[1]) + (h[0] | h[1] ? 40u : 0u);
		if (!end)
			break;
		end += n->off;
		return end > l->off ? end - l->off : 0;
	}
	return wk_layer_wirelen(p, l);
}

/* tshark's checksum status values (PROTO_CHECKSUM_E_*). */
enum { L4_CSUM_BAD = 0, L4_CSUM_GOOD = 1, L4_CSUM_UNVERIFIED = 2, L4_CSUM_NONE = 3 };

/* Verify the checksum at offset coff of transport layer l (IP protocol proto): over the
 * pseudo-header of the nearest outer IPv4/IPv6 header when pseudo is set (ICMP: none).
 * Unverified when the segment is not all captured, a fragment or quoted in an ICMP
 * error. *should is the value the field should hold. Returns -1 when the field is not
 * there. */
static inline int l4_csum_check(const struct wk_pkt *p, const struct wk_layer *l, uint8_t proto,
                                bool pseudo, unsigned coff, uint16_t *should)
{
	const uint8_t *c = wk_layer_bytes(p, l, coff, 2);
	if (!c)
		return -1;
	uint16_t field = (uint16_t)(c[0] << 8 | c[1]);
	*should = field;
	/* the length from the nearest outer IP header, also inside an ICMP error's quote */
	const struct wk_layer *n = l - 1;
	while (n > p->l && !(n->proto->flags & WK_PF_NETWORK))
		n--;
	const uint8_t *h = NULL;
	uint64_t len = 0;
	if (n->proto == &wk_proto_ip && (h = wk_layer_bytes(p, n, 2, 2)))
		len = (uint64_t)(h[0] << 8 | h[1]);
	else if (n->proto == &wk_proto_ipv6 && (h = wk_layer_bytes(p, n, 4, 2)))
		len = (uint64_t)(h[0] << 8 | h[1]) + (h[0] | h[1] ? 40u : 0u);
	len = len ? n->off + len > l->off ? n->off + len - l->off : 0 : l4_wire_len(p, l);
	if (len > 0xffff || len < coff + 2u || len > l->len || l->off + len > p->caplen)
		return L4_CSUM_UNVERIFIED;
	for (const struct wk_layer *x = n; x < l; x++)
		if (x->flags & (WK_LF_MORE | WK_LF_FRAG))
			return L4_CSUM_UNVERIFIED; /* an IPv6 fragment */
	uint32_t sum = 0;
	if (pseudo) {
		const uint8_t *a;
		if (n->proto == &wk_proto_ip && (a = wk_layer_bytes(p, n, 6, 14))) {
			if ((a[0] & 0x3f) | a[1])
				return L4_CSUM_UNVERIFIED; /* a fragment */
			sum = wk_csum_pseudo4(a + 6, a + 10, proto, (uint32_t)len);
		} else if (n->proto == &wk_proto_ipv6 && (a = wk_layer_bytes(p, n, 8, 32)))
			sum = wk_csum_pseudo6(a, a + 16, proto, (uint32_t)len);
		else
			return L4_CSUM_UNVERIFIED;
	}
	sum = wk_csum_partial(p->data + l->off, (size_t)len, sum);
	*should = wk_csum_fold(sum + (uint16_t)~field);
	if (proto == 17 && *should == 0)
		*should = 0xffff;
	return wk_csum_fold(sum) == 0 ? L4_CSUM_GOOD : L4_CSUM_BAD;
}

#endif
