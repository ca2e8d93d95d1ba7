/* Dissection of link layers (vlan, mpls, cfp, vntag, pbb, llc, snap, sll, sll2, null, raw, ppp,
 * pppoe, chdlc, fddi, frelay, slip, arcnet, nflog, ipnet, juniper, wlan, radiotap, ppi,
 * macsec) over hand-made frames written as hex, one group of bytes per header; the comment above
 * each is its dissection. Every frame is also cut at every byte count, and every field of every
 * layer read and every line printed, to prove the link dissectors and their field getters stay
 * inside the capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

/* IPv4 / UDP 192.0.2.1:12345 > 198.51.100.2:53, 28 bytes, no payload */
#define IP4UDP "4500001c 00010000 40110000 c0000201 c6336402  30390035 00080000"
/* IPv6 / UDP 2001:db8::1:5353 > 2001:db8::2:5353, 48 bytes */
#define IP6UDP                                                                                     \
	"60000000 00081140 20010db8000000000000000000000001 20010db8000000000000000000000002 "     \
	"14e914e9 00080000"

struct frame {
	const char *name;
	uint32_t linktype;
	const char *hex;
	const char *layers; /* expected chain after "frame", ':' separated */
};

static const struct frame frames[] = {
    /* Ether / Dot1Q vlan 100 prio 5 / IPv4 / UDP */
    {"vlan", 1, "ffffffffffff 020000000001 8100  a064 0800 " IP4UDP, "eth:vlan:ip:udp"},
    /* Ether / Dot1AD vlan 10 / Dot1Q vlan 20 / IPv6 / UDP */
    {"qinq", 1, "ffffffffffff 020000000001 88a8  000a 8100  0014 86dd " IP6UDP,
     "eth:vlan:vlan:ipv6:udp"},
    /* Ether / Dot1Q vlan 7 / 802.3 length 36 / LLC aa aa 03 / SNAP 000000 0800 / IPv4 /
     * UDP / 2 bytes of padding */
    {"vlan-llc", 1, "ffffffffffff 020000000001 8100  0007 0024  aaaa03  0000000800 " IP4UDP " 0000",
     "eth:vlan:llc:snap:ip:udp"},
    /* Ether / MPLS label 16 / MPLS label 17 S ttl 63 / IPv4 / UDP */
    {"mpls", 1, "ffffffffffff 020000000001 8847  0001 00ff  0001 113f " IP4UDP,
     "eth:mpls:mpls:ip:udp"},
    /* Ether / MPLS label 100 S / PW control word / Ether / IPv4 / UDP */
    {"mpls-pw", 1,
     "ffffffffffff 020000000001 8847  00064140  00000000  ffffffffffff 020000000002 0800 " IP4UDP,
     "eth:mpls:eth:ip:udp"},
    /* Ether / FabricPath ftag 1 ttl 32 / Ether / IPv4 / UDP */
    {"cfp", 1, "ffffffffffff 020000000001 8903  0060  ffffffffffff 020000000002 0800 " IP4UDP,
     "eth:cfp:eth:ip:udp"},
    /* Ether / VN-Tag dvif 5 svif 7 / IPv4 / UDP */
    {"vntag", 1, "ffffffffffff 020000000001 8926  00050007 0800 " IP4UDP, "eth:vntag:ip:udp"},
    /* Ether / 802.1ah I-SID 0x123456 / customer addresses / IPv6 / UDP */
    {"pbb", 1, "ffffffffffff 020000000001 88e7  00123456 ffffffffffff 020000000002 86dd " IP6UDP,
     "eth:pbb:ipv6:udp"},
    /* SLL v1: outgoing, ARPHRD_ETHER, MAC 02:..:01 / IPv4 / UDP */
    {"sll", 113, "0004 0001 0006 020000000001 0000 0800 " IP4UDP, "sll:ip:udp"},
    /* SLL v1 on a GRE tunnel (ARPHRD_IPGRE 778), address 10.0.0.1 / IPv6 / UDP */
    {"sll-gre", 113, "0000 030a 0004 0a000001 00000000 86dd " IP6UDP, "sll:ipv6:udp"},
    /* SLL v1, protocol 0x0004 802.2 / LLC 06 06 03 / IPv4 / UDP */
    {"sll-llc", 113, "0000 0001 0006 020000000001 0000 0004  060603 " IP4UDP, "sll:llc:ip:udp"},
    /* SLL v2: IPv6, ifindex 3, ARPHRD_ETHER, incoming / IPv6 / UDP */
    {"sll2", 276, "86dd 0000 00000003 0001 00 06 020000000001 0000 " IP6UDP, "sll2:ipv6:udp"},
    /* BSD loopback, AF_INET little-endian / IPv4 / UDP */
    {"null-le", 0, "02000000 " IP4UDP, "null:ip:udp"},
    /* BSD loopback, AF_INET6 = 30 (Darwin) big-endian / IPv6 / UDP */
    {"null-be6", 0, "0000001e " IP6UDP, "null:ipv6:udp"},
    /* OpenBSD loop: AF_INET6 = 24 network order / IPv6 / UDP */
    {"loop", 108, "00000018 " IP6UDP, "null:ipv6:udp"},
    /* Raw IP (LINKTYPE_RAW): version 6 */
    {"raw6", 101, IP6UDP, "raw:ipv6:udp"},
    /* DLT_RAW 12: version 4 */
    {"raw12", 12, IP4UDP, "raw:ip:udp"},
    /* PPP ff 03 0021 / IPv4 / UDP */
    {"ppp", 9, "ff03 0021 " IP4UDP, "ppp:ip:udp"},
    /* PPP with address/control and protocol compressed: 57 / IPv6 / UDP */
    {"ppp-acfc-pfc", 9, "57 " IP6UDP, "ppp:ipv6:udp"},
    /* PPP_HDLC link carrying Cisco HDLC 0f 00 0800 / IPv4 / UDP */
    {"ppp-chdlc", 50, "0f00 0800 " IP4UDP, "ppp:chdlc:ip:udp"},
    /* PPP ff 03 0281 / MPLS label 5 S / IPv4 / UDP */
    {"ppp-mpls", 9, "ff03 0281  000051ff " IP4UDP, "ppp:mpls:ip:udp"},
    /* Ether / PPPoE session 0x1234 length 30 / PPP 0021 / IPv4 / UDP / padding */
    {"pppoe", 1, "ffffffffffff 020000000001 8864  11 00 1234 001e  0021 " IP4UDP " 000000000000",
     "eth:pppoe:ppp:ip:udp"},
    /* Ether / PPPoE PADI, one Service-Name tag */
    {"pppoe-padi", 1, "ffffffffffff 020000000001 8863  11 09 0000 0004  0101 0000", "eth:pppoe"},
    /* Cisco HDLC 8f 00 86dd / IPv6 / UDP */
    {"chdlc", 104, "8f00 86dd " IP6UDP, "chdlc:ipv6:udp"},
    /* FDDI fc 0x50 (async LLC), bit-reversed addresses / LLC aa aa 03 / SNAP / IPv4 */
    {"fddi", 10, "50 aa0004008301 aa000400833f  aaaa03 0000000800 " IP4UDP, "fddi:llc:snap:ip:udp"},
    /* Frame relay DLCI 16, UI, NLPID 0xcc / IPv4 / UDP */
    {"fr", 107, "0401 03 cc " IP4UDP, "frelay:ip:udp"},
    /* Frame relay 3-byte address, Cisco encapsulation 86dd / IPv6 / UDP */
    {"fr-cisco", 107, "8000 e5 86dd " IP6UDP, "frelay:ipv6:udp"},
    /* Frame relay DLCI 16, UI, pad, NLPID 0x80 / SNAP 000000 0800 / IPv4 / UDP */
    {"fr-snap", 107, "0401 03 00 80  0000000800 " IP4UDP, "frelay:snap:ip:udp"},
    /* SLIP: received, TYPE_IP, 14 bytes of compressed header / IPv4 / UDP */
    {"slip", 8, "00 40 0000000000000000000000000000 " IP4UDP, "slip:ip:udp"},
    /* ARCNET RFC 1201: src 0x01 dst 0x02 offset, IP 0xd4, split 0, seq 5 / IPv4 / UDP */
    {"arcnet", 129, "01 02 0000 d4 00 0005 " IP4UDP, "arcnet:ip:udp"},
    /* ARCNET RFC 1051: IP 0xf0, no split flag / IPv4 / UDP */
    {"arcnet-1051", 129, "01 02 0000 f0 " IP4UDP, "arcnet:ip:udp"},
    /* NFLOG AF_INET v0 res 5 / TLV prefix "fw" (len 7, padded) / TLV payload (len 32) /
     * IPv4 / UDP */
    {"nflog", 239, "02 00 0005  0700 0a00 66770000  2000 0900 " IP4UDP, "nflog:ip:udp"},
    /* IPNET v1 AF_INET6 (26) / IPv6 / UDP */
    {"ipnet", 226, "01 1a 0000 00000030 00000002 00000000 00000000 00000000 " IP6UDP,
     "ipnet:ipv6:udp"},
    /* Juniper MGC, extensions (4 bytes of TLV) / Ether / IPv4 / UDP */
    {"juniper", 178, "4d4743 81 0004 03010100  ffffffffffff 020000000001 0800 " IP4UDP,
     "juniper:eth:ip:udp"},
    /* 802.11 data, To DS, seq 1 / LLC / SNAP / IPv4 / UDP */
    {"wlan", 105,
     "0801 3a01 000000000003 020000000001 000000000002 1000  aaaa03 0000000800 " IP4UDP,
     "wlan:llc:snap:ip:udp"},
    /* 802.11 QoS data, From DS, TID 0 / LLC / SNAP / IPv6 / UDP */
    {"wlan-qos", 105,
     "8802 0000 000000000002 000000000003 020000000001 2000 0000  aaaa03 00000086dd " IP6UDP,
     "wlan:llc:snap:ipv6:udp"},
    /* 802.11 data, protected: the body is not dissected */
    {"wlan-wep", 105, "0841 0000 000000000003 020000000001 000000000002 1000 deadbeef", "wlan"},
    /* 802.11 beacon header */
    {"wlan-beacon", 105, "8000 0000 ffffffffffff 020000000009 020000000009 2000 00", "wlan"},
    /* Radiotap v0 len 22: TSFT, Flags 0x10 (FCS at end), Rate, Channel 2437 / 802.11 data
     * / LLC / SNAP / IPv4 / UDP / FCS */
    {"radiotap", 127,
     "00 00 1600 0f000000 0102030405060708 10 02 8509 a000 "
     " 0801 3a01 000000000003 020000000001 000000000002 1000  aaaa03 0000000800 " IP4UDP
     " 11223344",
     "radiotap:wlan:llc:snap:ip:udp"},
    /* Radiotap len 12: Flags 0x20 (data padding) / 802.11 QoS data header 26 bytes + 2 pad
     * / LLC / SNAP / IPv4 / UDP */
    {"radiotap-pad", 127,
     "00 00 0c00 02000000 20 000000 "
     " 8801 0000 000000000003 020000000001 000000000002 1000 0000 0000  aaaa03 0000000800 " IP4UDP,
     "radiotap:wlan:llc:snap:ip:udp"},
    /* PPI v0 len 32, DLT 105, 802.11-common (20 bytes) flags FCS / 802.11 / LLC / SNAP /
     * IPv4 / UDP / FCS */
    {"ppi", 192,
     "00 00 2000 69000000  0200 1400 0000000000000000 0100 0200 6c09 0000 00 00 00 00 "
     " 0801 3a01 000000000003 020000000001 000000000002 1000  aaaa03 0000000800 " IP4UDP
     " 11223344",
     "ppi:wlan:llc:snap:ip:udp"},
    /* Ether / MACsec TCI SC, AN 1, SL 30, PN 5, SCI 02:00:00:00:00:01 port 1, integrity
     * only / EtherType 0800 / IPv4 / UDP / ICV (16) / 4 bytes of Ethernet padding */
    {"macsec", 1,
     "ffffffffffff 020000000001 88e5  21 1e 00000005 020000000001 0001  0800 " IP4UDP
     " 000102030405060708090a0b0c0d0e0f 00000000",
     "eth:macsec:ip:udp"},
    /* Ether / MACsec no SCI, SL 0 (48 bytes or more: to the ICV), PN 0x01020304 /
     * EtherType 86dd / IPv6 / UDP / ICV */
    {"macsec-nosci", 1,
     "ffffffffffff 020000000001 88e5  00 00 01020304  86dd " IP6UDP
     " f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     "eth:macsec:ipv6:udp"},
    /* Ether / MACsec TCI SC E C (encrypted), PN 72 / 20 bytes of secure data / ICV */
    {"macsec-enc", 1,
     "ffffffffffff 020000000001 88e5  2c 00 00000048 020000000002 0007 "
     " 50c68aabf6822b69adc7f4bca4d8af675437 64c9 00112233445566778899aabbccddeeff",
     "eth:macsec"},
};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1); /* an odd number of hex digits is a typo */
	return n;
}

struct dissected {
	uint8_t buf[512];
	struct wk_pkt p;
};

static void dissect_n(struct dissected *d, uint32_t linktype, const uint8_t *b, size_t n,
                      size_t wire)
{
	memset(&d->p, 0, sizeof(d->p));
	memcpy(d->buf, b, n);
	d->p.data = d->buf;
	d->p.caplen = (uint32_t)n;
	d->p.wirelen = (uint32_t)wire;
	d->p.linktype = linktype;
	d->p.number = 1;
	wk_dissect(&d->p);
}

static const struct frame *find(const char *name)
{
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		if (!strcmp(frames[i].name, name))
			return &frames[i];
	fail_msg("no frame %s", name);
	return NULL;
}

static void dissect_frame(struct dissected *d, const char *name)
{
	const struct frame *f = find(name);
	uint8_t b[512];
	size_t n = unhex(f->hex, b, sizeof(b));
	dissect_n(d, f->linktype, b, n, n);
}

/* "eth:vlan:ip" for the layers after the frame pseudo layer. */
static void chain(const struct wk_pkt *p, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (unsigned i = 1; i < p->nlayers; i++) {
		int k = snprintf(out + n, cap - n, "%s%s", i > 1 ? ":" : "", p->l[i].proto->name);
		assert_true(k > 0 && (size_t)k < cap - n);
		n += (size_t)k;
	}
}

/* Every value of a field, outermost first, joined by ',' as -T fields prints them. */
static const char *field(const struct wk_pkt *p, const char *name)
{
	static char out[512];
	const struct wk_proto *proto;
	const struct wk_field *f = wk_field_find(name, &proto);
	if (!f)
		fail_msg("unknown field %s", name);
	struct wk_ob o;
	wk_ob_init(&o, out, sizeof(out) - 1, NULL, NULL);
	struct wk_val v;
	bool first = true;
	for (unsigned i = 0; i < p->nlayers; i++) {
		if (p->l[i].proto != proto)
			continue;
		for (unsigned k = 0; k < 8 && wk_field_get(p, &p->l[i], f, k, &v); k++) {
			if (!first)
				wk_ob_putc(&o, ',');
			first = false;
			wk_ob_val(&o, f, &v);
		}
	}
	out[o.len] = 0;
	return out;
}

static void test_chains(void **state)
{
	(void)state;
	struct dissected d;
	char got[256];
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		dissect_frame(&d, frames[i].name);
		chain(&d.p, got, sizeof(got));
		if (strcmp(got, frames[i].layers))
			fail_msg("%s: layers %s, want %s", frames[i].name, got, frames[i].layers);
		for (unsigned k = 0; k < d.p.nlayers; k++)
			if (d.p.l[k].flags & (WK_LF_TRUNC | WK_LF_INVALID))
				fail_msg("%s: layer %s flagged 0x%x", frames[i].name,
				         d.p.l[k].proto->name, d.p.l[k].flags);
	}
}

static void test_vlan_mpls_fields(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "vlan");
	assert_string_equal(field(&d.p, "vlan.id"), "100");
	assert_string_equal(field(&d.p, "vlan.priority"), "5");
	assert_string_equal(field(&d.p, "vlan.dei"), "0");
	assert_string_equal(field(&d.p, "vlan.etype"), "0x0800");
	assert_string_equal(field(&d.p, "vlan.len"), "");
	assert_string_equal(field(&d.p, "ip.src"), "192.0.2.1");
	dissect_frame(&d, "qinq");
	assert_string_equal(field(&d.p, "vlan.id"), "10,20");
	assert_string_equal(field(&d.p, "vlan.etype"), "0x8100,0x86dd");
	dissect_frame(&d, "vlan-llc");
	assert_string_equal(field(&d.p, "vlan.len"), "36");
	assert_string_equal(field(&d.p, "llc.dsap"), "0xaa");
	assert_string_equal(field(&d.p, "llc.control"), "0x0003");
	assert_string_equal(field(&d.p, "llc.type"), "0x0800");
	assert_string_equal(field(&d.p, "llc.pid"), "");
	/* The 802.3 length ends the LLC payload: the 2 padding bytes belong to no layer. */
	int llc = wk_pkt_find(&d.p, wk_proto_find("llc"), 0);
	assert_true(llc > 0);
	assert_int_equal(d.p.l[llc].len, 36);
	dissect_frame(&d, "mpls");
	assert_string_equal(field(&d.p, "mpls.label"), "16,17");
	assert_string_equal(field(&d.p, "mpls.bottom"), "0,1");
	assert_string_equal(field(&d.p, "mpls.ttl"), "255,63");
	assert_string_equal(field(&d.p, "mpls.exp"), "0,0");
	dissect_frame(&d, "mpls-pw");
	assert_string_equal(field(&d.p, "mpls.label"), "100");
	assert_string_equal(field(&d.p, "eth.dst"), "ff:ff:ff:ff:ff:ff,ff:ff:ff:ff:ff:ff");
	dissect_frame(&d, "cfp");
	assert_string_equal(field(&d.p, "cfp.ftag"), "1");
	assert_string_equal(field(&d.p, "cfp.ttl"), "32");
	dissect_frame(&d, "vntag");
	assert_string_equal(field(&d.p, "vntag.svif_id"), "7");
	dissect_frame(&d, "pbb");
	assert_string_equal(field(&d.p, "ieee8021ah.isid"), "1193046");
}

static void test_cooked_loop_raw(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "sll");
	assert_string_equal(field(&d.p, "sll.pkttype"), "4");
	assert_string_equal(field(&d.p, "sll.etype"), "0x0800");
	assert_string_equal(field(&d.p, "sll.src.eth"), "02:00:00:00:00:01");
	assert_string_equal(field(&d.p, "sll.gretype"), "");
	dissect_frame(&d, "sll-gre");
	assert_string_equal(field(&d.p, "sll.gretype"), "0x86dd");
	assert_string_equal(field(&d.p, "sll.etype"), "");
	assert_string_equal(field(&d.p, "sll.src.ipv4"), "10.0.0.1");
	dissect_frame(&d, "sll-llc");
	assert_string_equal(field(&d.p, "sll.ltype"), "0x0004");
	dissect_frame(&d, "sll2");
	assert_string_equal(field(&d.p, "sll2.ifindex"), "3");
	assert_string_equal(field(&d.p, "sll2.protocol"), "0x86dd");
	assert_string_equal(field(&d.p, "ipv6.dst"), "2001:db8::2");
	dissect_frame(&d, "null-le");
	assert_string_equal(field(&d.p, "null.family"), "2");
	dissect_frame(&d, "null-be6");
	assert_string_equal(field(&d.p, "null.family"), "30");
	dissect_frame(&d, "loop");
	assert_string_equal(field(&d.p, "null.family"), "24");

	/* A null header carrying an EtherType (value > 1500), written little-endian. */
	uint8_t b[128];
	size_t n = unhex("dd860000 " IP6UDP, b, sizeof(b));
	dissect_n(&d, 0, b, n, n);
	assert_string_equal(field(&d.p, "null.type"), "0x86dd");
	assert_string_equal(field(&d.p, "null.family"), "");
	assert_string_equal(field(&d.p, "udp.dstport"), "5353");

	/* Raw IP whose version nibble is neither 4 nor 6. */
	n = unhex("5500001c", b, sizeof(b));
	dissect_n(&d, 101, b, n, n);
	assert_int_equal(d.p.nlayers, 2);
	assert_true(d.p.l[1].flags & WK_LF_INVALID);
}

static void test_ppp_family(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "ppp");
	assert_string_equal(field(&d.p, "ppp.address"), "0xff");
	assert_string_equal(field(&d.p, "ppp.protocol"), "0x0021");
	dissect_frame(&d, "ppp-acfc-pfc");
	assert_string_equal(field(&d.p, "ppp.address"), "");
	assert_string_equal(field(&d.p, "ppp.protocol"), "0x0057");
	dissect_frame(&d, "ppp-chdlc");
	assert_string_equal(field(&d.p, "chdlc.address"), "0x0f");
	assert_string_equal(field(&d.p, "chdlc.protocol"), "0x0800");
	dissect_frame(&d, "ppp-mpls");
	assert_string_equal(field(&d.p, "mpls.label"), "5");
	dissect_frame(&d, "pppoe");
	assert_string_equal(field(&d.p, "pppoe.session_id"), "0x1234");
	assert_string_equal(field(&d.p, "pppoe.payload_length"), "30");
	assert_string_equal(field(&d.p, "pppoe.code"), "0x00");
	/* The payload length clips the Ethernet padding off the PPP layer. */
	int ppp = wk_pkt_find(&d.p, wk_proto_find("ppp"), 0);
	assert_true(ppp > 0);
	assert_int_equal(d.p.l[ppp].len, 30);
	dissect_frame(&d, "pppoe-padi");
	assert_string_equal(field(&d.p, "pppoe.code"), "0x09");
	dissect_frame(&d, "chdlc");
	assert_string_equal(field(&d.p, "chdlc.address"), "0x8f");
}

static void test_serial_and_others(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "fddi");
	assert_string_equal(field(&d.p, "fddi.fc"), "0x50");
	/* aa 00 04 00 83 3f bit-reversed per byte */
	assert_string_equal(field(&d.p, "fddi.src"), "55:00:20:00:c1:fc");
	dissect_frame(&d, "fr");
	assert_string_equal(field(&d.p, "fr.dlci"), "16");
	assert_string_equal(field(&d.p, "fr.nlpid"), "0xcc");
	assert_string_equal(field(&d.p, "fr.chdlctype"), "");
	dissect_frame(&d, "fr-cisco");
	/* 80 00 e5: DLCI ((0x80 & 0xfc) << 2 | 0) << 6 | 0xe5 >> 2 */
	assert_string_equal(field(&d.p, "fr.dlci"), "32825");
	assert_string_equal(field(&d.p, "fr.chdlctype"), "0x86dd");
	dissect_frame(&d, "fr-snap");
	assert_string_equal(field(&d.p, "fr.nlpid"), "0x80");
	assert_string_equal(field(&d.p, "llc.oui"), "0x000000");
	dissect_frame(&d, "slip");
	assert_string_equal(field(&d.p, "slip.type"), "0x40");
	dissect_frame(&d, "arcnet");
	assert_string_equal(field(&d.p, "arcnet.protID"), "0xd4");
	assert_string_equal(field(&d.p, "arcnet.sequence"), "5");
	dissect_frame(&d, "arcnet-1051");
	assert_string_equal(field(&d.p, "arcnet.split_flag"), "");
	dissect_frame(&d, "nflog");
	assert_string_equal(field(&d.p, "nflog.res_id"), "5");
	assert_string_equal(field(&d.p, "nflog.prefix"), "fw");
	assert_string_equal(field(&d.p, "udp.srcport"), "12345");
	dissect_frame(&d, "ipnet");
	assert_string_equal(field(&d.p, "ipnet.family"), "26");
	dissect_frame(&d, "juniper");
	assert_string_equal(field(&d.p, "juniper.ext_total_len"), "4");
	assert_string_equal(field(&d.p, "juniper.direction"), "0x01");
}

static void test_wireless(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "wlan");
	assert_string_equal(field(&d.p, "wlan.fc.type_subtype"), "0x0020");
	assert_string_equal(field(&d.p, "wlan.bssid"), "00:00:00:00:00:03");
	assert_string_equal(field(&d.p, "wlan.sa"), "02:00:00:00:00:01");
	assert_string_equal(field(&d.p, "wlan.da"), "00:00:00:00:00:02");
	assert_string_equal(field(&d.p, "wlan.ta"), "02:00:00:00:00:01");
	assert_string_equal(field(&d.p, "wlan.duration"), "314");
	assert_string_equal(field(&d.p, "wlan.seq"), "1");
	dissect_frame(&d, "wlan-qos");
	assert_string_equal(field(&d.p, "wlan.fc.type_subtype"), "0x0028");
	assert_string_equal(field(&d.p, "wlan.sa"), "02:00:00:00:00:01");
	assert_string_equal(field(&d.p, "wlan.bssid"), "00:00:00:00:00:03");
	assert_string_equal(field(&d.p, "wlan.qos"), "0x0000");
	dissect_frame(&d, "wlan-wep");
	assert_string_equal(field(&d.p, "wlan.fc.protected"), "1");
	dissect_frame(&d, "radiotap");
	assert_string_equal(field(&d.p, "radiotap.length"), "22");
	assert_string_equal(field(&d.p, "radiotap.flags"), "0x10");
	assert_string_equal(field(&d.p, "radiotap.flags.fcs"), "1");
	assert_string_equal(field(&d.p, "radiotap.datarate"), "1");
	assert_string_equal(field(&d.p, "radiotap.channel.freq"), "2437");
	assert_string_equal(field(&d.p, "radiotap.mactime"), "578437695752307201");
	/* The FCS is not part of the 802.11 layer. */
	int w = wk_pkt_find(&d.p, wk_proto_find("wlan"), 0);
	assert_true(w > 0);
	assert_int_equal(d.p.l[w].off + d.p.l[w].len, d.p.caplen - 4);
	dissect_frame(&d, "radiotap-pad");
	assert_string_equal(field(&d.p, "ip.dst"), "198.51.100.2");
	dissect_frame(&d, "ppi");
	assert_string_equal(field(&d.p, "ppi.dlt"), "105");
	w = wk_pkt_find(&d.p, wk_proto_find("wlan"), 0);
	assert_true(w > 0);
	assert_int_equal(d.p.l[w].off + d.p.l[w].len, d.p.caplen - 4);
}

static const char *line_of(const struct wk_pkt *p)
{
	static char mem[1024];
	struct wk_ob o;
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	wk_ob_init(&o, mem, sizeof(mem) - 1, NULL, NULL);
	wk_print_line(&o, &po, p);
	mem[o.len] = 0;
	return mem;
}

static void test_macsec(void **state)
{
	(void)state;
	struct dissected d;
	dissect_frame(&d, "macsec");
	assert_string_equal(field(&d.p, "macsec.TCI"), "0x08");
	assert_string_equal(field(&d.p, "macsec.TCI.SC"), "1");
	assert_string_equal(field(&d.p, "macsec.TCI.E"), "0");
	assert_string_equal(field(&d.p, "macsec.AN"), "0x01");
	assert_string_equal(field(&d.p, "macsec.SL"), "30");
	assert_string_equal(field(&d.p, "macsec.PN"), "5");
	assert_string_equal(field(&d.p, "macsec.SCI.system_identifier"), "02:00:00:00:00:01");
	assert_string_equal(field(&d.p, "macsec.SCI.port_identifier"), "1");
	assert_string_equal(field(&d.p, "macsec.etype"), "0x0800");
	assert_string_equal(field(&d.p, "macsec.ICV"), "000102030405060708090a0b0c0d0e0f");
	assert_string_equal(field(&d.p, "udp.dstport"), "53");
	/* The short length ends the data: neither the ICV nor the padding is payload. */
	int m = wk_pkt_find(&d.p, wk_proto_find("macsec"), 0);
	assert_int_equal(d.p.l[m].hlen, 16);
	assert_int_equal(d.p.l[m].len, 16 + 28);
	/* tcpdump prints only the inner packet when it decodes it */
	assert_string_equal(line_of(&d.p), "IP 192.0.2.1.12345 > 198.51.100.2.53: UDP, length 0\n");

	dissect_frame(&d, "macsec-nosci");
	assert_string_equal(field(&d.p, "macsec.SCI.system_identifier"), "");
	assert_string_equal(field(&d.p, "macsec.PN"), "16909060");
	assert_string_equal(field(&d.p, "macsec.ICV"), "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	assert_string_equal(field(&d.p, "ipv6.dst"), "2001:db8::2");
	m = wk_pkt_find(&d.p, wk_proto_find("macsec"), 0);
	assert_int_equal(d.p.l[m].hlen, 8);
	assert_int_equal(d.p.l[m].len, 8 + 48);

	dissect_frame(&d, "macsec-enc");
	assert_string_equal(field(&d.p, "macsec.TCI.E"), "1");
	assert_string_equal(field(&d.p, "macsec.etype"), "");
	assert_string_equal(field(&d.p, "macsec.ICV"), "00112233445566778899aabbccddeeff");
	m = wk_pkt_find(&d.p, wk_proto_find("macsec"), 0);
	assert_int_equal(d.p.l[m].len, 14 + 20);
	assert_string_equal(line_of(&d.p),
	                    "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff 802.1AE MACsec, an "
	                    "0, pn 72, flags ECI, sci 0200000000020007, length 20\n");

	/* Captured up to the middle of the ICV (the wire had all of it): the data is whole,
	 * the ICV not shown. */
	const struct frame *f = find("macsec-nosci");
	uint8_t b[512];
	size_t n = unhex(f->hex, b, sizeof(b));
	dissect_n(&d, 1, b, n - 5, n);
	assert_string_equal(field(&d.p, "udp.dstport"), "5353");
	assert_string_equal(field(&d.p, "macsec.ICV"), "");
	/* Version 1 is not MACsec as we know it. */
	b[14] = 0x80;
	dissect_n(&d, 1, b, n, n);
	m = wk_pkt_find(&d.p, wk_proto_find("macsec"), 0);
	assert_true(d.p.l[m].flags & WK_LF_INVALID);
	assert_int_equal(d.p.nlayers, m + 1);
	/* SL 1 cannot hold the EtherType of plain data. */
	b[14] = 0x00;
	b[15] = 0x01;
	dissect_n(&d, 1, b, n, n);
	assert_true(d.p.l[m].flags & WK_LF_INVALID);
}

/* Read every field of every layer and print the line and tree: exercises the getters. */
static void touch_all(const struct wk_pkt *p)
{
	char mem[4096];
	struct wk_ob o;
	wk_ob_init(&o, mem, sizeof(mem), NULL, NULL);
	struct wk_val v;
	for (unsigned i = 0; i < p->nlayers; i++) {
		const struct wk_proto *pr = p->l[i].proto;
		for (size_t k = 0; k < pr->nfields; k++)
			for (unsigned j = 0;
			     j < 4 && wk_field_get(p, &p->l[i], &pr->fields[k], j, &v); j++)
				wk_ob_val(&o, &pr->fields[k], &v);
	}
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	o.len = 0;
	wk_print_line(&o, &po, p);
	o.len = 0;
	wk_print_tree(&o, p);
}

static void test_truncation(void **state)
{
	(void)state;
	struct dissected d;
	uint8_t b[512];
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		size_t n = unhex(frames[i].hex, b, sizeof(b));
		dissect_n(&d, frames[i].linktype, b, n, n);
		unsigned full = d.p.nlayers;
		uint32_t link_hlen = d.p.l[1].hlen;
		for (size_t cut = 0; cut <= n; cut++) {
			dissect_n(&d, frames[i].linktype, b, cut, n);
			assert_true(d.p.nlayers >= 1 && d.p.nlayers <= full);
			for (unsigned k = 0; k < d.p.nlayers; k++) {
				const struct wk_layer *l = &d.p.l[k];
				assert_true(l->off + l->len <= cut);
				assert_true(l->hlen <= l->len);
			}
			/* A cut inside the link header is reported as truncation. */
			if (cut > 0 && cut < link_hlen) {
				assert_int_equal(d.p.nlayers, 2);
				if (!(d.p.l[1].flags & WK_LF_TRUNC))
					fail_msg("%s cut at %zu: link layer not truncated",
					         frames[i].name, cut);
			}
			touch_all(&d.p);
		}
	}
}

/* Bytes of every value at every length: damaged headers must not crash either. */
static void test_garbage(void **state)
{
	(void)state;
	static const uint32_t linktypes[] = {0,   8,   9,   10,  12,  50,  101, 104, 105, 107,
	                                     108, 113, 127, 129, 178, 192, 226, 239, 276};
	struct dissected d;
	uint8_t b[96];
	uint32_t x = 12345;
	for (size_t t = 0; t < sizeof(linktypes) / sizeof(linktypes[0]); t++)
		for (int round = 0; round < 300; round++) {
			for (size_t i = 0; i < sizeof(b); i++) {
				x = x * 1103515245u + 12345u;
				b[i] = (uint8_t)(x >> 16);
			}
			/* Plausible starts now and then so the inner dissectors run too. */
			if (round % 3 == 0)
				b[round % 24] = 0x45;
			size_t n = (size_t)round % sizeof(b);
			dissect_n(&d, linktypes[t], b, n, sizeof(b));
			for (unsigned k = 0; k < d.p.nlayers; k++)
				assert_true(d.p.l[k].off + d.p.l[k].len <= n);
			touch_all(&d.p);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chains),
	    cmocka_unit_test(test_vlan_mpls_fields),
	    cmocka_unit_test(test_cooked_loop_raw),
	    cmocka_unit_test(test_ppp_family),
	    cmocka_unit_test(test_serial_and_others),
	    cmocka_unit_test(test_wireless),
	    cmocka_unit_test(test_macsec),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
