/* MAC Security (IEEE 802.1AE-2018), EtherType 0x88E5: the SecTAG after the MAC addresses,
 * then the Secure Data, then the ICV (clause 9).
 *
 *   0               1               2                               6               14
 *  +-+-+-+-+-+-+-+-+-+-+-------------+-------------------------------+---------------+
 *  |V|ES|SC|SCB|E|C|AN| rsv | SL (6) |  packet number (32)           | SCI (8, if SC)|
 *  +-------------------+-------------+-------------------------------+---------------+
 *  | Secure Data: with E = C = 0 the user data as sent (EtherType + payload) | ICV (16) |
 * The short length SL (clause 9.7) gives the Secure Data length when it is under 48
 * bytes (0: 48 or more, the rest of the frame less the ICV). With E or C set the data is
 * encrypted or altered and is not dissected. The ICV of the default cipher suite
 * (GCM-AES-128, clause 14.5) is 16 bytes; it is a trailer, not payload. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	SECTAG_LEN = 6,
	SCI_LEN = 8,
	ICV_LEN = 16,
	TCI_V = 0x80,
	TCI_ES = 0x40,
	TCI_SC = 0x20,
	TCI_SCB = 0x10,
	TCI_E = 0x08,
	TCI_C = 0x04,
	SL_MASK = 0x3f,
	/* l->aux */
	AUX_ICV = 1,   /* the ICV follows the layer's bytes (the data length was known) */
	AUX_PLAIN = 2, /* the user data is plain: its EtherType ends the header */
};

static unsigned sectag_len(uint8_t tci)
{
	return tci & TCI_SC ? SECTAG_LEN + SCI_LEN : SECTAG_LEN;
}

static bool tci_of(const struct wk_pkt *p, const struct wk_layer *l, uint8_t *tci)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 1);
	if (!b)
		return false;
	*tci = b[0];
	return true;
}

static bool get_sci_system(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                           struct wk_val *v)
{
	uint8_t tci;
	return idx == 0 && tci_of(p, l, &tci) && (tci & TCI_SC) &&
	       hdr_bytes(p, l, SECTAG_LEN, 6, v);
}

static bool get_sci_port(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	uint8_t tci;
	return idx == 0 && tci_of(p, l, &tci) && (tci & TCI_SC) &&
	       hdr_uint(p, l, SECTAG_LEN + 6, 2, 0, v);
}

static bool get_etype(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                      struct wk_val *v)
{
	uint8_t tci;
	return idx == 0 && (l->aux & AUX_PLAIN) && tci_of(p, l, &tci) &&
	       hdr_uint(p, l, sectag_len(tci), 2, 0, v);
}

/* The ICV lies just past the layer's (clipped) bytes, when captured. */
static bool get_icv(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	if (idx || !(l->aux & AUX_ICV))
		return false;
	struct wk_rd r;
	wk_rd_init(&r, p->data, p->caplen);
	wk_rd_skip(&r, (size_t)l->off + l->len);
	const uint8_t *b = wk_rd_bytes(&r, ICV_LEN);
	if (!b)
		return false;
	v->p = b;
	v->n = ICV_LEN;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "macsec.TCI",
     .title = "TAG Control Information",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .mask = 0xfc},
    {.name = "macsec.TCI.V",
     .title = "Version",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .mask = TCI_V},
    {.name = "macsec.TCI.ES",
     .title = "End Station",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = TCI_ES},
    {.name = "macsec.TCI.SC",
     .title = "Secure Channel",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = TCI_SC},
    {.name = "macsec.TCI.SCB",
     .title = "Single Copy Broadcast",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = TCI_SCB},
    {.name = "macsec.TCI.E",
     .title = "Encryption",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = TCI_E},
    {.name = "macsec.TCI.C",
     .title = "Changed Text",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = TCI_C},
    {.name = "macsec.AN",
     .title = "Association Number",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .mask = 0x03},
    WK_F_UINT("macsec.SL", NULL, "Short length", 1, 1),
    WK_F_UINT("macsec.PN", NULL, "Packet number", 2, 4),
    {.name = "macsec.SCI.system_identifier",
     .title = "System Identifier",
     .type = WK_FT_MAC,
     .width = 6,
     .get = get_sci_system},
    {.name = "macsec.SCI.port_identifier",
     .title = "Port Identifier",
     .type = WK_FT_UINT,
     .width = 2,
     .get = get_sci_port},
    {.name = "macsec.etype",
     .title = "Ethertype",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_etype},
    {.name = "macsec.ICV", .title = "ICV", .type = WK_FT_BYTES, .get = get_icv},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	uint8_t tci = wk_rd_u8(r);
	uint8_t sl = wk_rd_u8(r) & SL_MASK;
	wk_rd_skip(r, 4);
	if (tci & TCI_SC)
		wk_rd_skip(r, SCI_LEN);
	if (r->bad)
		return;
	if (tci & TCI_V) {
		l->flags |= WK_LF_INVALID;
		l->why = "version is not 0";
		return;
	}
	/* Bytes left on the wire: the capture may have cut the ICV off. */
	size_t left = wk_rd_left(r);
	size_t wire = left;
	if (r->end == p->data + p->caplen && p->wirelen > p->caplen)
		wire += p->wirelen - p->caplen;
	size_t data = sl;
	if (sl == 0) {
		if (wire < ICV_LEN) {
			l->flags |= WK_LF_INVALID;
			l->why = "shorter than its ICV";
			return;
		}
		data = wire - ICV_LEN;
	}
	if (wk_rd_clip(r, data))
		l->aux |= AUX_ICV;
	if (tci & (TCI_E | TCI_C))
		return; /* encrypted or changed text: opaque */
	if ((l->aux & AUX_ICV) && data < 2) {
		l->flags |= WK_LF_INVALID;
		l->why = "user data shorter than an EtherType";
		return;
	}
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	l->aux |= AUX_PLAIN;
	wk_next_set(next, WK_NS_ETHERTYPE, type);
}

/* tcpdump prints the SecTAG only when it cannot decode the data (without -e):
 * "src > dst 802.1AE MACsec, an 0, pn 6, flags CI, sci 2eb73f3995c3006f, ". We end with
 * the data length instead of tcpdump's hex dump. */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if (layer_has_inner(p, l))
		return;
	const uint8_t *b = wk_layer_bytes(p, l, 0, SECTAG_LEN);
	if (!b)
		return;
	struct wk_ob *ob = o->ob;
	unsigned i = layer_index(p, l);
	const uint8_t *mac = i > 0 && p->l[i - 1].proto == &wk_proto_eth
	                         ? wk_layer_bytes(p, &p->l[i - 1], 0, 12)
	                         : NULL;
	if (mac) {
		wk_ob_mac(ob, mac + 6);
		wk_ob_puts(ob, " > ");
		wk_ob_mac(ob, mac);
		wk_ob_putc(ob, ' ');
	}
	wk_ob_puts(ob, "802.1AE MACsec, an ");
	wk_ob_u64(ob, b[0] & 0x03);
	wk_ob_puts(ob, ", pn ");
	wk_ob_u64(ob, (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	wk_ob_puts(ob, ", flags ");
	static const struct {
		uint8_t bit;
		char c;
	} letters[] = {{TCI_E, 'E'}, {TCI_C, 'C'}, {TCI_ES, 'S'}, {TCI_SCB, 'B'}, {TCI_SC, 'I'}};
	bool any = false;
	for (size_t k = 0; k < WK_ARRAY_SIZE(letters); k++)
		if (b[0] & letters[k].bit) {
			wk_ob_putc(ob, letters[k].c);
			any = true;
		}
	if (!any)
		wk_ob_puts(ob, "none");
	if (b[1] & SL_MASK) {
		wk_ob_puts(ob, ", sl ");
		wk_ob_u64(ob, b[1] & SL_MASK);
	}
	const uint8_t *sci = (b[0] & TCI_SC) ? wk_layer_bytes(p, l, SECTAG_LEN, SCI_LEN) : NULL;
	if (sci) {
		wk_ob_puts(ob, ", sci ");
		for (int k = 0; k < SCI_LEN; k++)
			wk_ob_hex(ob, sci[k], 2);
	}
	if (l->hlen >= sectag_len(b[0])) {
		wk_ob_puts(ob, ", length ");
		wk_ob_u64(ob, l->len - l->hlen);
	}
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x88e5},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_macsec = {
    .name = "macsec",
    .title = "802.1AE Security tag",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = SECTAG_LEN,
};
