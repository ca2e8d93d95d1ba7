/* Linux netfilter NFLOG (LINKTYPE_NFLOG 239): a 4-byte header and netlink attributes,
 * one of which (NFULA_PAYLOAD) holds the logged network-layer packet.
 *
 *  +--------+---------+-----------------+------------------------------------------
 *  | family | version | resource id (2) | TLVs: length (2) type (2) value, pad to 4
 *  +--------+---------+-----------------+------------------------------------------
 * https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html. The TLV length (header
 * included) and type are in the byte order of the capturing host, little-endian in
 * practice (readers swap them for files written the other way); the resource id is big-
 * endian. family is AF_INET (2) or AF_INET6 (10) for packets we can name. */
#include "proto/link_int.h"
#include "wirekit/line.h"

enum {
	NFLOG_HLEN = 4,
	TLV_HLEN = 4,
	NFULA_PREFIX = 10,
	NFULA_PAYLOAD = 9,
	TLV_TYPE_MASK = 0x7fff, /* the high bit flags nested attributes */
	AF_LINUX_INET = 2,
	AF_LINUX_INET6 = 10,
};

struct tlv {
	uint16_t type;
	const uint8_t *val;
	size_t len;
};

/* Next TLV from r; false at the end or on a malformed length (*bad set then). */
static bool tlv_next(struct wk_rd *r, struct tlv *t, bool *bad)
{
	*bad = false;
	if (wk_rd_left(r) < TLV_HLEN)
		return false;
	uint16_t len = wk_rd_le16(r);
	t->type = wk_rd_le16(r) & TLV_TYPE_MASK;
	if (len < TLV_HLEN || (size_t)(len - TLV_HLEN) > wk_rd_left(r)) {
		*bad = true;
		t->len = len; /* the bad length itself */
		return false;
	}
	t->len = len - TLV_HLEN;
	t->val = wk_rd_bytes(r, t->len);
	size_t pad = (4 - len % 4) % 4;
	wk_rd_skip(r, pad < wk_rd_left(r) ? pad : wk_rd_left(r));
	return true;
}

static bool get_prefix(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, l->hlen);
	if (idx || !b || l->hlen < NFLOG_HLEN)
		return false;
	struct wk_rd r;
	wk_rd_init(&r, b + NFLOG_HLEN, l->hlen - NFLOG_HLEN);
	struct tlv t;
	bool bad;
	while (tlv_next(&r, &t, &bad))
		if (t.type == NFULA_PREFIX) {
			size_t n = 0;
			while (n < t.len && t.val[n]) /* NUL terminated */
				n++;
			v->p = t.val;
			v->n = n;
			return true;
		}
	return false;
}

static const struct wk_field fields[] = {
    WK_F_UINT("nflog.family", NULL, "Family", 0, 1),
    WK_F_UINT("nflog.version", NULL, "Version", 1, 1),
    WK_F_UINT("nflog.res_id", NULL, "Resource id", 2, 2),
    {.name = "nflog.prefix",
     .title = "Prefix",
     .type = WK_FT_STR,
     .flags = WK_FF_NOENC,
     .get = get_prefix},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	uint8_t family = wk_rd_u8(r);
	wk_rd_skip(r, 3);
	if (r->bad)
		return;
	struct tlv t = {0};
	bool bad = false;
	bool found = false;
	while (!found && tlv_next(r, &t, &bad))
		found = t.type == NFULA_PAYLOAD;
	bool cut = p->caplen < p->wirelen; /* the record lost bytes to the snap length */
	if (found) {
		/* The header spans the TLVs before the payload value. */
		r->cur = t.val;
		r->end = t.val + t.len;
	} else if (bad && (t.len < TLV_HLEN || !cut)) {
		l->flags |= WK_LF_INVALID;
		l->why = "bad TLV length";
		return;
	} else if (bad && t.type == NFULA_PAYLOAD) {
		found = true; /* the capture ended inside the payload: r is at its start */
	} else if (bad || wk_rd_left(r) > 0 || cut) {
		r->bad = true; /* the capture ended inside a TLV or before the payload */
		return;
	}
	if (!found)
		return;
	if (family == AF_LINUX_INET)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (family == AF_LINUX_INET6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 239}, /* LINKTYPE_NFLOG */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_nflog = {
    .name = "nflog",
    .title = "Linux Netfilter NFLOG",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = NFLOG_HLEN,
};
