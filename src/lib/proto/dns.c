/* Domain Name System messages (RFC 1035 section 4), over UDP 53, mDNS 5353 (RFC 6762)
 * and TCP 53, where each message is preceded by a two byte length (RFC 1035 4.2.2).
 *
 *   0       2       4        6        8        10       12
 *  +-------+-------+--------+--------+--------+--------+------------------------
 *  | id    | flags | qdcount| ancount| nscount| arcount| questions, answer,
 *  +-------+-------+--------+--------+--------+--------+ authority, additional RRs
 * flags: QR(15) opcode(14..11) AA TC RD RA Z AD CD rcode(3..0) (RFC 1035 4.1.1, 4035).
 * A question is name, type, class; a record is name, type, class, TTL, rdlength, rdata.
 * Names are length-prefixed labels ending in a zero byte, or a 14-bit pointer to an
 * earlier name (compression, RFC 1035 4.1.4). Every pointer must go strictly before the
 * start of the label run that contains it, so the targets strictly decrease and a chain of
 * pointers always ends; jumps and the 255 byte name size (RFC 1035 3.1) are bounded too.
 *
 * The dissector walks the whole message once to validate it; the field getters walk it
 * again from the start (messages are small) to find occurrence idx of a field. */
#include <string.h>

#include "proto/build_int.h"
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	DNS_HLEN = 12,
	DNS_NAME_MAX = 255, /* RFC 1035 3.1: wire size, length bytes and root included */
	DNS_MAX_JUMPS = 64,
	AUX_PREFIX = 0x3, /* bytes of TCP length prefix before the message */
	AUX_MDNS = 0x100, /* on UDP 5353: class top bit is the QU / cache flush bit */
	F_QR = 0x8000,
	F_AA = 0x0400,
	F_TC = 0x0200,
	F_RD = 0x0100,
	F_RA = 0x0080,
	F_AD = 0x0020,
	F_CD = 0x0010,
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_PTR = 12,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_SRV = 33,
	T_DNAME = 39,
	T_OPT = 41,
};

enum dns_rc {
	DNS_OK = 0,
	DNS_END = 1,
	DNS_TRUNC = -1,
	DNS_BAD = -2,
};

/* The message bytes of a DNS layer as captured (prefix skipped). */
struct dns_msg {
	const uint8_t *m;
	size_t n;
	bool mdns;
};

/* Decode the name at *pos. On success *pos is past the name where it is written (after
 * the first pointer when compressed) and out (if not NULL, 256 bytes) holds the labels
 * joined by dots, *outn bytes. */
static enum dns_rc name_read(const struct dns_msg *d, size_t *pos, uint8_t *out, size_t *outn,
                             const char **why)
{
	size_t cur = *pos, low = *pos, after = 0, wire = 0, o = 0;
	unsigned jumps = 0;
	bool jumped = false;
	for (;;) {
		if (cur >= d->n)
			return DNS_TRUNC;
		uint8_t c = d->m[cur];
		if ((c & 0xc0) == 0xc0) {
			if (cur + 1 >= d->n)
				return DNS_TRUNC;
			size_t t = (size_t)(c & 0x3f) << 8 | d->m[cur + 1];
			if (!jumped)
				after = cur + 2;
			jumped = true;
			if (t >= low) {
				*why = "compression pointer does not point backwards";
				return DNS_BAD;
			}
			if (++jumps > DNS_MAX_JUMPS) {
				*why = "too many compression pointers";
				return DNS_BAD;
			}
			low = t;
			cur = t;
			continue;
		}
		if (c & 0xc0) {
			*why = "unsupported label type";
			return DNS_BAD;
		}
		wire += (size_t)c + 1;
		if (wire > DNS_NAME_MAX) {
			*why = "name longer than 255 bytes";
			return DNS_BAD;
		}
		if (c == 0) {
			if (!jumped)
				after = cur + 1;
			break;
		}
		if (c >= d->n - cur)
			return DNS_TRUNC;
		if (out) {
			/* wire <= 255 bounds labels plus dots to 254 bytes */
			if (o)
				out[o++] = '.';
			memcpy(out + o, d->m + cur + 1, c);
			o += c;
		}
		cur += (size_t)c + 1;
	}
	*pos = after;
	if (out)
		*outn = o;
	return DNS_OK;
}

/* One question or resource record. */
struct dns_rr {
	size_t name; /* offset of its name */
	bool question;
	uint16_t type, cls;
	uint32_t ttl;
	size_t rd;      /* rdata offset */
	uint16_t rdlen; /* rdata length */
};

struct dns_it {
	const struct dns_msg *d;
	size_t pos;
	uint32_t k, nq, total;
	const char *why;
};

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static bool dns_open(const struct wk_pkt *p, const struct wk_layer *l, struct dns_msg *d)
{
	size_t pre = l->aux & AUX_PREFIX;
	if (l->len < pre + DNS_HLEN)
		return false;
	d->m = wk_layer_bytes(p, l, pre, l->len - pre);
	d->n = l->len - pre;
	d->mdns = (l->aux & AUX_MDNS) != 0;
	return d->m != NULL;
}

static void it_init(struct dns_it *it, const struct dns_msg *d)
{
	it->d = d;
	it->pos = DNS_HLEN;
	it->k = 0;
	it->nq = be16(d->m + 4);
	it->total = it->nq + be16(d->m + 6) + be16(d->m + 8) + be16(d->m + 10);
	it->why = NULL;
}

static enum dns_rc it_next(struct dns_it *it, struct dns_rr *rr)
{
	const struct dns_msg *d = it->d;
	if (it->k >= it->total)
		return DNS_END;
	rr->question = it->k < it->nq;
	rr->name = it->pos;
	enum dns_rc rc = name_read(d, &it->pos, NULL, NULL, &it->why);
	if (rc != DNS_OK)
		return rc;
	size_t fixed = rr->question ? 4 : 10;
	if (d->n - it->pos < fixed)
		return DNS_TRUNC;
	const uint8_t *b = d->m + it->pos;
	rr->type = be16(b);
	rr->cls = be16(b + 2);
	rr->ttl = 0;
	rr->rd = 0;
	rr->rdlen = 0;
	it->pos += fixed;
	if (!rr->question) {
		rr->ttl = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
		rr->rdlen = be16(b + 8);
		rr->rd = it->pos;
		if (d->n - it->pos < rr->rdlen)
			return DNS_TRUNC;
		it->pos += rr->rdlen;
	}
	it->k++;
	return DNS_OK;
}

/* ---- field getters ------------------------------------------------------------------- */

static bool hdr16(const struct wk_pkt *p, const struct wk_layer *l, size_t off, uint32_t mask,
                  struct wk_val *v)
{
	return hdr_uint(p, l, (l->aux & AUX_PREFIX) + off, 2, mask, v);
}

static bool is_response(const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	return hdr16(p, l, 2, F_QR, &v) && v.u;
}

#define HDR_GET(fn, off, mask, cond)                                                               \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return idx == 0 && (cond) && hdr16(p, l, off, mask, v);                            \
	}

/* tshark shows the answer-only flags (AA, RA, AD, rcode) for responses only. */
HDR_GET(get_id, 0, 0, true)
HDR_GET(get_flags, 2, 0, true)
HDR_GET(get_f_qr, 2, 0x8000, true)
HDR_GET(get_f_opcode, 2, 0x7800, true)
HDR_GET(get_f_aa, 2, 0x0400, is_response(p, l))
HDR_GET(get_f_tc, 2, 0x0200, true)
HDR_GET(get_f_rd, 2, 0x0100, true)
HDR_GET(get_f_ra, 2, 0x0080, is_response(p, l))
HDR_GET(get_f_z, 2, 0x0040, true)
HDR_GET(get_f_ad, 2, 0x0020, is_response(p, l))
HDR_GET(get_f_cd, 2, 0x0010, true)
HDR_GET(get_f_rcode, 2, 0x000f, is_response(p, l))
HDR_GET(get_qdcount, 4, 0, true)
HDR_GET(get_ancount, 6, 0, true)
HDR_GET(get_nscount, 8, 0, true)
HDR_GET(get_arcount, 10, 0, true)

static bool get_length(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	return idx == 0 && (l->aux & AUX_PREFIX) && hdr_uint(p, l, 0, 2, 0, v);
}

/* What a getter wants from the idx-th matching record. */
enum rr_what {
	RR_NAME,
	RR_TYPE,
	RR_CLASS,
	RR_TTL,
	RR_RDLEN,
	RR_RDATA_NAME, /* a name at the start of rdata (CNAME, NS, PTR) */
	RR_RDATA_ADDR, /* the rdata itself (A, AAAA) */
};

static bool name_val(const struct dns_msg *d, size_t pos, struct wk_val *v)
{
	const char *why;
	size_t n = 0;
	if (name_read(d, &pos, v->buf, &n, &why) != DNS_OK)
		return false;
	if (n == 0) {
		static const char root[] = "<Root>";
		memcpy(v->buf, root, sizeof(root) - 1);
		n = sizeof(root) - 1;
	}
	v->type = WK_FT_STR;
	v->p = v->buf;
	v->n = n;
	return true;
}

/* Occurrence idx among questions (question true) or records, optionally of one type
 * (type 0: any; addrlen: required rdata size). */
static bool rr_get(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, bool question,
                   uint16_t type, size_t addrlen, enum rr_what what, struct wk_val *v)
{
	struct dns_msg d;
	struct dns_it it;
	struct dns_rr rr;
	if (!dns_open(p, l, &d))
		return false;
	it_init(&it, &d);
	unsigned seen = 0;
	while (it_next(&it, &rr) == DNS_OK) {
		if (rr.question != question || (type && rr.type != type))
			continue;
		if (addrlen && rr.rdlen != addrlen)
			continue;
		/* OPT's class and TTL are the UDP size and extended flags (RFC 6891): tshark
		 * shows them under other names, and so do we not show them as class/TTL. */
		if ((what == RR_CLASS || what == RR_TTL) && rr.type == T_OPT)
			continue;
		if (seen++ != idx)
			continue;
		uint16_t cls = d.mdns ? rr.cls & 0x7fff : rr.cls;
		switch (what) {
		case RR_NAME:
			return name_val(&d, rr.name, v);
		case RR_TYPE:
			v->u = rr.type;
			return true;
		case RR_CLASS:
			v->u = cls;
			return true;
		case RR_TTL:
			v->u = rr.ttl;
			return true;
		case RR_RDLEN:
			v->u = rr.rdlen;
			return true;
		case RR_RDATA_NAME:
			return name_val(&d, rr.rd, v);
		case RR_RDATA_ADDR:
			v->p = d.m + rr.rd;
			v->n = rr.rdlen;
			return true;
		}
	}
	return false;
}

#define RR_GET(fn, q, type, alen, what)                                                            \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		return rr_get(p, l, idx, q, type, alen, what, v);                                  \
	}

RR_GET(get_qry_name, true, 0, 0, RR_NAME)
RR_GET(get_qry_type, true, 0, 0, RR_TYPE)
RR_GET(get_qry_class, true, 0, 0, RR_CLASS)
RR_GET(get_resp_name, false, 0, 0, RR_NAME)
RR_GET(get_resp_type, false, 0, 0, RR_TYPE)
RR_GET(get_resp_class, false, 0, 0, RR_CLASS)
RR_GET(get_resp_ttl, false, 0, 0, RR_TTL)
RR_GET(get_resp_len, false, 0, 0, RR_RDLEN)
RR_GET(get_a, false, T_A, 4, RR_RDATA_ADDR)
RR_GET(get_aaaa, false, T_AAAA, 16, RR_RDATA_ADDR)
RR_GET(get_cname, false, T_CNAME, 0, RR_RDATA_NAME)
RR_GET(get_ns, false, T_NS, 0, RR_RDATA_NAME)
RR_GET(get_ptr, false, T_PTR, 0, RR_RDATA_NAME)

static const struct wk_vname type_names[] = {
    {1, "A"},         {2, "NS"},     {5, "CNAME"}, {6, "SOA"},     {12, "PTR"},   {13, "HINFO"},
    {15, "MX"},       {16, "TXT"},   {17, "RP"},   {18, "AFSDB"},  {24, "SIG"},   {25, "KEY"},
    {28, "AAAA"},     {29, "LOC"},   {33, "SRV"},  {35, "NAPTR"},  {36, "KX"},    {37, "CERT"},
    {38, "A6"},       {39, "DNAME"}, {41, "OPT"},  {42, "APL"},    {43, "DS"},    {44, "SSHFP"},
    {45, "IPSECKEY"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {50, "NSEC3"}, {52, "TLSA"},
    {64, "SVCB"},     {65, "HTTPS"}, {99, "SPF"},  {249, "TKEY"},  {250, "TSIG"}, {251, "IXFR"},
    {252, "AXFR"},    {255, "ANY"},  {256, "URI"}, {257, "CAA"},   {0, NULL},
};

static const struct wk_vname class_names[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}, {0, NULL},
};

static const struct wk_vname opcode_names[] = {
    {0, "Standard query"},           {1, "Inverse query"},  {2, "Server status request"},
    {4, "Zone change notification"}, {5, "Dynamic update"}, {0, NULL},
};

static const struct wk_vname rcode_names[] = {
    {0, "No error"},     {1, "Format error"},    {2, "Server failure"},
    {3, "No such name"}, {4, "Not implemented"}, {5, "Refused"},
    {0, NULL},
};

#define BOOLF(nm, ti, fn)                                                                          \
	{                                                                                          \
		.name = nm, .title = ti, .type = WK_FT_BOOL, .flags = WK_FF_NOENC, .get = fn       \
	}

static const struct wk_field fields[] = {
    {.name = "dns.length",
     .title = "Length (TCP)",
     .type = WK_FT_UINT,
     .flags = WK_FF_LEN,
     .get = get_length},
    {.name = "dns.id",
     .title = "Transaction ID",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_id},
    {.name = "dns.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_flags},
    BOOLF("dns.flags.response", "Response", get_f_qr),
    {.name = "dns.flags.opcode",
     .title = "Opcode",
     .type = WK_FT_UINT,
     .get = get_f_opcode,
     .flags = WK_FF_NOENC,
     .names = opcode_names},
    BOOLF("dns.flags.authoritative", "Authoritative", get_f_aa),
    BOOLF("dns.flags.truncated", "Truncated", get_f_tc),
    BOOLF("dns.flags.recdesired", "Recursion desired", get_f_rd),
    BOOLF("dns.flags.recavail", "Recursion available", get_f_ra),
    BOOLF("dns.flags.z", "Z", get_f_z),
    BOOLF("dns.flags.authenticated", "Answer authenticated", get_f_ad),
    BOOLF("dns.flags.checkdisable", "Checking disabled", get_f_cd),
    {.name = "dns.flags.rcode",
     .title = "Reply code",
     .type = WK_FT_UINT,
     .get = get_f_rcode,
     .flags = WK_FF_NOENC,
     .names = rcode_names},
    {.name = "dns.count.queries", .title = "Questions", .type = WK_FT_UINT, .get = get_qdcount},
    {.name = "dns.count.answers", .title = "Answer RRs", .type = WK_FT_UINT, .get = get_ancount},
    {.name = "dns.count.auth_rr", .title = "Authority RRs", .type = WK_FT_UINT, .get = get_nscount},
    {.name = "dns.count.add_rr", .title = "Additional RRs", .type = WK_FT_UINT, .get = get_arcount},
    {.name = "dns.qry.name",
     .alias = "dns.qname",
     .title = "Query name",
     .type = WK_FT_STR,
     .get = get_qry_name},
    {.name = "dns.qry.type",
     .alias = "dns.qtype",
     .title = "Query type",
     .type = WK_FT_UINT,
     .get = get_qry_type,
     .names = type_names},
    {.name = "dns.qry.class",
     .alias = "dns.qclass",
     .title = "Query class",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_qry_class,
     .names = class_names},
    {.name = "dns.resp.name", .title = "Record name", .type = WK_FT_STR, .get = get_resp_name},
    {.name = "dns.resp.type",
     .title = "Record type",
     .type = WK_FT_UINT,
     .get = get_resp_type,
     .names = type_names},
    {.name = "dns.resp.class",
     .title = "Record class",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_resp_class,
     .names = class_names},
    {.name = "dns.resp.ttl", .title = "Time to live", .type = WK_FT_UINT, .get = get_resp_ttl},
    {.name = "dns.resp.len", .title = "Data length", .type = WK_FT_UINT, .get = get_resp_len},
    {.name = "dns.a", .title = "Address", .type = WK_FT_IP4, .width = 4, .get = get_a},
    {.name = "dns.aaaa", .title = "AAAA Address", .type = WK_FT_IP6, .width = 16, .get = get_aaaa},
    {.name = "dns.cname", .title = "CNAME", .type = WK_FT_STR, .get = get_cname},
    {.name = "dns.ns", .title = "Name server", .type = WK_FT_STR, .get = get_ns},
    {.name = "dns.ptr.domain_name", .title = "Domain name", .type = WK_FT_STR, .get = get_ptr},
};

/* ---- dissection ------------------------------------------------------------------------ */

static bool udp_port_is(const struct wk_pkt *p, const struct wk_layer *l, uint16_t port)
{
	unsigned i = layer_index(p, l);
	if (i == 0 || p->l[i - 1].proto != &wk_proto_udp)
		return false;
	const uint8_t *b = wk_layer_bytes(p, &p->l[i - 1], 0, 4);
	return b && (be16(b) == port || be16(b + 2) == port);
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)next;
	unsigned i = layer_index(p, l);
	if (i > 0 && p->l[i - 1].proto == &wk_proto_tcp) {
		/* RFC 1035 4.2.2: a two byte message length first. A segment holding a
		 * message's tail cannot be told apart; like tshark without reassembly we
		 * read it from the start. */
		uint16_t len = wk_rd_be16(r);
		if (r->bad)
			return;
		l->aux = 2;
		wk_rd_clip(r, len); /* a longer message than captured: truncation, below */
	} else if (udp_port_is(p, l, 5353)) {
		l->aux = AUX_MDNS;
	}
	struct dns_msg d = {.m = r->cur, .n = wk_rd_left(r), .mdns = (l->aux & AUX_MDNS) != 0};
	if (!wk_rd_skip(r, DNS_HLEN))
		return;
	struct dns_it it;
	struct dns_rr rr;
	it_init(&it, &d);
	enum dns_rc rc;
	while ((rc = it_next(&it, &rr)) == DNS_OK)
		;
	if (rc == DNS_END) {
		r->cur = d.m + it.pos; /* bytes after the records are left as payload */
		return;
	}
	r->cur = r->end;
	if (rc == DNS_BAD) {
		l->flags |= WK_LF_INVALID;
		l->why = it.why;
	} else if ((l->flags & WK_LF_QUOTED) || p->caplen < p->wirelen) {
		l->flags |= WK_LF_TRUNC;
	} else {
		/* The whole datagram was captured: the counts promise more than it holds. */
		l->flags |= WK_LF_INVALID;
		l->why = "records exceed the message";
	}
}

/* ---- line output (tcpdump -n) ---------------------------------------------------------- */

static const char *const op_str[16] = {
    "",     " inv_q",   " stat",    " op3",      " notify",  " update",   " op6",      " op7",
    " op8", " updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef",
};

static const char *const rcode_str[16] = {
    "",          " FormErr", " ServFail", " NXDomain", " NotImp",  " Refused",
    " YXDomain", " YXRRSet", " NXRRSet",  " NotAuth",  " NotZone", " Resp11",
    " Resp12",   " Resp13",  " Resp14",   " NoChange",
};

static void put_type(struct wk_ob *o, uint16_t type)
{
	const char *nm = wk_vname_find(type_names, type);
	if (nm) {
		wk_ob_puts(o, nm);
	} else {
		wk_ob_puts(o, "Type");
		wk_ob_u64(o, type);
	}
}

static void put_name(struct wk_ob *o, const struct dns_msg *d, size_t pos)
{
	struct wk_val v;
	if (!name_val(d, pos, &v)) {
		wk_ob_puts(o, "<bad name>");
		return;
	}
	if (v.n == 6 && !memcmp(v.buf, "<Root>", 6)) {
		wk_ob_putc(o, '.');
		return;
	}
	wk_ob_safe(o, v.p, v.n);
	wk_ob_putc(o, '.');
}

static void put_class(struct wk_ob *o, const struct dns_msg *d, uint16_t cls, bool question)
{
	uint16_t c = d->mdns ? cls & 0x7fff : cls;
	if (c != 1) {
		const char *nm = wk_vname_find(class_names, c);
		wk_ob_putc(o, ' ');
		if (nm) {
			wk_ob_puts(o, nm);
		} else {
			wk_ob_puts(o, "(Class ");
			wk_ob_u64(o, c);
			wk_ob_putc(o, ')');
		}
	}
	if (d->mdns && question)
		wk_ob_puts(o, cls & 0x8000 ? " (QU)" : " (QM)");
	else if (d->mdns && (cls & 0x8000))
		wk_ob_puts(o, " (Cache flush)");
}

/* tcpdump -v shows each record's owner name, and an SOA's names and numbers. */
static void put_rr(struct wk_ob *o, const struct dns_msg *d, const struct dns_rr *rr, bool v)
{
	if (v) {
		wk_ob_putc(o, ' ');
		put_name(o, d, rr->name);
	}
	if (rr->type != T_OPT)
		put_class(o, d, rr->cls, false);
	wk_ob_putc(o, ' ');
	put_type(o, rr->type);
	const uint8_t *rd = d->m + rr->rd;
	switch (rr->type) {
	case T_A:
		if (rr->rdlen == 4) {
			wk_ob_putc(o, ' ');
			wk_ob_ip4(o, rd);
		}
		break;
	case T_AAAA:
		if (rr->rdlen == 16) {
			wk_ob_putc(o, ' ');
			wk_ob_ip6(o, rd);
		}
		break;
	case T_NS:
	case T_CNAME:
	case T_PTR:
	case T_DNAME:
		wk_ob_putc(o, ' ');
		put_name(o, d, rr->rd);
		break;
	case T_MX:
		if (rr->rdlen > 2) {
			wk_ob_putc(o, ' ');
			put_name(o, d, rr->rd + 2);
			wk_ob_putc(o, ' ');
			wk_ob_u64(o, be16(rd));
		}
		break;
	case T_SRV:
		if (rr->rdlen > 6) {
			wk_ob_putc(o, ' ');
			put_name(o, d, rr->rd + 6);
			wk_ob_putc(o, ':');
			wk_ob_u64(o, be16(rd + 4));
			wk_ob_putc(o, ' ');
			wk_ob_u64(o, be16(rd));
			wk_ob_putc(o, ' ');
			wk_ob_u64(o, be16(rd + 2));
		}
		break;
	case T_TXT:
		/* character-strings: a length byte each (RFC 1035 3.3.14) */
		for (size_t k = 0; k < rr->rdlen;) {
			size_t n = rd[k];
			if (n >= rr->rdlen - k)
				n = rr->rdlen - k - 1;
			wk_ob_puts(o, " \"");
			wk_ob_safe(o, rd + k + 1, n);
			wk_ob_putc(o, '"');
			k += n + 1;
		}
		break;
	case T_SOA: {
		const char *why;
		size_t pos = rr->rd;
		if (!v || name_read(d, &pos, NULL, NULL, &why) != DNS_OK)
			break;
		size_t pos2 = pos;
		if (name_read(d, &pos2, NULL, NULL, &why) != DNS_OK ||
		    pos2 + 20 > rr->rd + rr->rdlen)
			break;
		wk_ob_putc(o, ' ');
		put_name(o, d, rr->rd);
		wk_ob_putc(o, ' ');
		put_name(o, d, pos);
		for (size_t k = 0; k < 5; k++) { /* serial, refresh, retry, expire, minimum */
			const uint8_t *x = d->m + pos2 + 4 * k;
			wk_ob_putc(o, ' ');
			wk_ob_u64(o, (uint64_t)be16(x) << 16 | be16(x + 2));
		}
		break;
	}
	case T_OPT:
		wk_ob_puts(o, " UDPsize=");
		wk_ob_u64(o, rr->cls);
		break;
	default:
		break;
	}
}

static void bracket(struct wk_ob *o, unsigned n, const char *what)
{
	wk_ob_puts(o, " [");
	wk_ob_u64(o, n);
	wk_ob_puts(o, what);
	wk_ob_putc(o, ']');
}

static void line(struct wk_line *lo, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_ob *o = lo->ob;
	struct dns_msg d;
	if (!dns_open(p, l, &d))
		return;
	uint16_t id = be16(d.m), fl = be16(d.m + 2);
	unsigned qd = be16(d.m + 4), an = be16(d.m + 6), ns = be16(d.m + 8), ar = be16(d.m + 10);
	wk_ob_u64(o, id);
	wk_ob_puts(o, op_str[(fl >> 11) & 0xf]);
	struct dns_it it;
	struct dns_rr rr;
	it_init(&it, &d);
	if (fl & F_QR) {
		wk_ob_puts(o, rcode_str[fl & 0xf]);
		if (fl & F_AA)
			wk_ob_putc(o, '*');
		if (!(fl & F_RA))
			wk_ob_putc(o, '-');
		if (fl & F_TC)
			wk_ob_putc(o, '|');
		if (fl & F_AD)
			wk_ob_putc(o, '$');
		if (qd != 1)
			bracket(o, qd, "q");
		wk_ob_putc(o, ' ');
		wk_ob_u64(o, an);
		wk_ob_putc(o, '/');
		wk_ob_u64(o, ns);
		wk_ob_putc(o, '/');
		wk_ob_u64(o, ar);
		/* answers only, as tcpdump without -v */
		unsigned shown = 0;
		while (it_next(&it, &rr) == DNS_OK && it.k <= qd + an) {
			if (rr.question)
				continue;
			if (shown++)
				wk_ob_putc(o, ',');
			put_rr(o, &d, &rr, lo->verbose);
		}
	} else {
		if (fl & F_RD)
			wk_ob_putc(o, '+');
		if (fl & F_CD)
			wk_ob_putc(o, '%');
		if (fl & 0x6cf) { /* AA, TC, RA, Z or rcode set in a query */
			wk_ob_puts(o, " [b2&3=0x");
			wk_ob_hex(o, fl, 1);
			wk_ob_putc(o, ']');
		}
		if (an)
			bracket(o, an, "a");
		if (qd != 1)
			bracket(o, qd, "q");
		if (ns)
			bracket(o, ns, "n");
		if (ar)
			bracket(o, ar, "au");
		unsigned shown = 0;
		while (it_next(&it, &rr) == DNS_OK && rr.question) {
			if (shown++)
				wk_ob_putc(o, ',');
			wk_ob_putc(o, ' ');
			put_type(o, rr.type);
			put_class(o, &d, rr.cls, true);
			wk_ob_puts(o, "? ");
			put_name(o, &d, rr.name);
		}
	}
	wk_ob_puts(o, " (");
	wk_ob_u64(o, d.n);
	wk_ob_putc(o, ')');
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 53},
    {WK_NS_UDP, 5353}, /* multicast DNS, RFC 6762 */
    {WK_NS_TCP, 53},
    {WK_NS_NONE, 0},
};

/* ---- encoder (wirekit send: a query) --------------------------------------------------- */

/* RFC 1035 3.1: a name as length-prefixed labels of 1..63 bytes ending in the root label,
 * 255 bytes at most on the wire; "" and "." are the root. */
static int name_write(struct wk_wr *w, const uint8_t *s, size_t n)
{
	size_t wire = 1;
	if (n && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n;) {
		const uint8_t *dot = memchr(s + i, '.', n - i);
		size_t len = dot ? (size_t)(dot - (s + i)) : n - i;
		wire += len + 1;
		if (len == 0 || len > 63 || wire > DNS_NAME_MAX)
			return WK_EINVAL;
		wk_wr_u8(w, (uint8_t)len);
		wk_wr_bytes(w, s + i, len);
		i += len + 1;
	}
	wk_wr_u8(w, 0);
	return 0;
}

/* Header with recursion desired and one question (qname, qtype A, qclass IN by default);
 * over TCP the two byte length prefix first (filled by finish). */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	static const uint8_t dflt[] = "example.test";
	const struct wk_bval *name = build_take(b, i, "dns.qry.name");
	uint64_t v[8] = {
	    build_uint(b, i, "dns.id", 0),
	    build_uint(b, i, "dns.flags", F_RD),
	    build_uint(b, i, "dns.count.queries", 1),
	    build_uint(b, i, "dns.count.answers", 0),
	    build_uint(b, i, "dns.count.auth_rr", 0),
	    build_uint(b, i, "dns.count.add_rr", 0),
	    build_uint(b, i, "dns.qry.type", T_A),
	    build_uint(b, i, "dns.qry.class", 1),
	};
	uint64_t len = build_uint(b, i, "dns.length", 0);
	for (size_t k = 0; k < WK_ARRAY_SIZE(v); k++)
		if (v[k] > 0xffff)
			return WK_EINVAL;
	if (i > 0 && b->l[i - 1].proto == &wk_proto_tcp) {
		if (len > 0xffff)
			return WK_EINVAL;
		wk_wr_be16(w, (uint16_t)len); /* RFC 1035 4.2.2; finish fills it */
	}
	for (size_t k = 0; k < 6; k++)
		wk_wr_be16(w, (uint16_t)v[k]);
	int rc = name ? name_write(w, name->b, name->n) : name_write(w, dflt, sizeof(dflt) - 1);
	if (rc)
		return rc;
	wk_wr_be16(w, (uint16_t)v[6]);
	wk_wr_be16(w, (uint16_t)v[7]);
	return 0;
}

static int finish(struct wk_build *b, unsigned i)
{
	size_t n = build_span(b, i);
	if (i == 0 || b->l[i - 1].proto != &wk_proto_tcp || n < 2)
		return 0;
	if (n - 2 > 0xffff)
		return WK_EINVAL;
	build_len_store(b, i, "dns.length", 0, (uint16_t)(n - 2));
	return 0;
}

const struct wk_proto wk_proto_dns = {
    .name = "dns",
    .title = "Domain Name System",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .finish = finish,
    .min_hlen = DNS_HLEN,
};
