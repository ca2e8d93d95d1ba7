/* nmap's --packet-trace lines (wk_scan_trace_line): each probe and reply as nmap's
 * lowest-detail packet summary shows it (libnetutil's ippackethdrinfo, ARP's who-has and
 * is-at lines, the connect scanner's CONN lines). The packet is dissected by proto/ and
 * every value is read through the protocols' field tables (wk_field_get), so a reply's
 * bytes are only ever read through the bounded cursor and the dissectors' checks. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "results/results_int.h"
#include "scan/scan_int.h"
#include "wirekit/proto.h"

/* The protocols and fields the lines show, looked up once. */
static struct {
	const struct wk_proto *ip, *ip6, *tcp, *udp, *icmp, *icmp6, *arp;
	const struct wk_field *ip_ttl, *ip_id, *ip_len, *ip_hl, *ip_frag, *ip_mf, *ip_src, *ip_dst,
	    *ip_proto, *ip_opts;
	const struct wk_field *v6_hlim, *v6_flow, *v6_plen, *v6_src, *v6_dst, *v6_nh;
	const struct wk_field *tcp_sport, *tcp_dport, *tcp_seq, *tcp_flags, *tcp_win, *tcp_kind,
	    *tcp_olen, *tcp_mss, *tcp_ws, *tcp_tsval, *tcp_tsecr, *tcp_sle, *tcp_sre;
	const struct wk_field *udp_sport, *udp_dport;
	const struct wk_field *icmp_type, *icmp_code, *icmp_id, *icmp_seq, *icmp_gw, *icmp_mtu,
	    *icmp_ts_ori, *icmp_ts_rx, *icmp_ts_tx, *icmp_mask;
	const struct wk_field *icmp6_type, *icmp6_code;
	const struct wk_field *arp_op, *arp_hwsrc, *arp_psrc, *arp_pdst;
} F;
static pthread_once_t f_once = PTHREAD_ONCE_INIT;

static void f_init(void)
{
	static const struct {
		const char *name;
		const struct wk_field **f;
	} fields[] = {
	    {"ip.ttl", &F.ip_ttl},
	    {"ip.id", &F.ip_id},
	    {"ip.len", &F.ip_len},
	    {"ip.hl", &F.ip_hl},
	    {"ip.frag", &F.ip_frag},
	    {"ip.flags.mf", &F.ip_mf},
	    {"ip.src", &F.ip_src},
	    {"ip.dst", &F.ip_dst},
	    {"ip.proto", &F.ip_proto},
	    {"ip.options", &F.ip_opts},
	    {"ipv6.hlim", &F.v6_hlim},
	    {"ipv6.flow", &F.v6_flow},
	    {"ipv6.plen", &F.v6_plen},
	    {"ipv6.src", &F.v6_src},
	    {"ipv6.dst", &F.v6_dst},
	    {"ipv6.nh", &F.v6_nh},
	    {"tcp.sport", &F.tcp_sport},
	    {"tcp.dport", &F.tcp_dport},
	    {"tcp.seq", &F.tcp_seq},
	    {"tcp.flags", &F.tcp_flags},
	    {"tcp.window", &F.tcp_win},
	    {"tcp.option_kind", &F.tcp_kind},
	    {"tcp.option_len", &F.tcp_olen},
	    {"tcp.options.mss_val", &F.tcp_mss},
	    {"tcp.options.wscale.shift", &F.tcp_ws},
	    {"tcp.options.timestamp.tsval", &F.tcp_tsval},
	    {"tcp.options.timestamp.tsecr", &F.tcp_tsecr},
	    {"tcp.options.sack_le", &F.tcp_sle},
	    {"tcp.options.sack_re", &F.tcp_sre},
	    {"udp.sport", &F.udp_sport},
	    {"udp.dport", &F.udp_dport},
	    {"icmp.type", &F.icmp_type},
	    {"icmp.code", &F.icmp_code},
	    {"icmp.id", &F.icmp_id},
	    {"icmp.seq", &F.icmp_seq},
	    {"icmp.gw", &F.icmp_gw},
	    {"icmp.mtu", &F.icmp_mtu},
	    {"icmp.ts_ori", &F.icmp_ts_ori},
	    {"icmp.ts_rx", &F.icmp_ts_rx},
	    {"icmp.ts_tx", &F.icmp_ts_tx},
	    {"icmp.addr_mask", &F.icmp_mask},
	    {"icmp6.type", &F.icmp6_type},
	    {"icmp6.code", &F.icmp6_code},
	    {"arp.op", &F.arp_op},
	    {"arp.hwsrc", &F.arp_hwsrc},
	    {"arp.psrc", &F.arp_psrc},
	    {"arp.pdst", &F.arp_pdst},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		*fields[i].f = wk_field_find(fields[i].name, NULL);
	F.ip = wk_proto_find("ip");
	F.ip6 = wk_proto_find("ipv6");
	F.tcp = wk_proto_find("tcp");
	F.udp = wk_proto_find("udp");
	F.icmp = wk_proto_find("icmp");
	F.icmp6 = wk_proto_find("icmp6");
	F.arp = wk_proto_find("arp");
}

/* Occurrence idx of field f in layer li: false when the layer or the value is not there. */
static bool fget(const struct wk_pkt *p, int li, const struct wk_field *f, unsigned idx,
                 struct wk_val *v)
{
	memset(v, 0, offsetof(struct wk_val, buf));
	return li >= 0 && f && wk_field_get(p, &p->l[li], f, idx, v);
}

static bool fu(const struct wk_pkt *p, int li, const struct wk_field *f, unsigned idx, uint64_t *u)
{
	struct wk_val v;
	if (!fget(p, li, f, idx, &v))
		return false;
	*u = v.u;
	return true;
}

/* A value that should be there, 0 when it is not (a cut reply). */
static uint64_t fu0(const struct wk_pkt *p, int li, const struct wk_field *f)
{
	uint64_t u = 0;
	fu(p, li, f, 0, &u);
	return u;
}

/* An address field (n bytes) as text; "?" when it is not there. */
static void faddr(struct wk_ob *o, const struct wk_pkt *p, int li, const struct wk_field *f,
                  size_t n)
{
	struct wk_val v;
	if (!fget(p, li, f, 0, &v) || v.n < n || !v.p)
		wk_ob_putc(o, '?');
	else if (n == 16)
		wk_ob_ip6(o, v.p);
	else
		wk_ob_ip4(o, v.p);
}

/* The network layer of the packet: its layer index, IPv6 or not. */
struct net {
	int li;
	bool v6;
};

static void src(struct wk_ob *o, const struct wk_pkt *p, struct net n)
{
	faddr(o, p, n.li, n.v6 ? F.v6_src : F.ip_src, n.v6 ? 16 : 4);
}

static void dst(struct wk_ob *o, const struct wk_pkt *p, struct net n)
{
	faddr(o, p, n.li, n.v6 ? F.v6_dst : F.ip_dst, n.v6 ? 16 : 4);
}

/* nmap's ipinfo: "ttl=64 id=1 iplen=44 " (the space stands for absent IP options) or
 * "hopl=64 flow=0 payloadlen=24". */
static void ipinfo(struct wk_ob *o, const struct wk_pkt *p, struct net n)
{
	if (n.v6) {
		wk_ob_puts(o, "hopl=");
		wk_ob_u64(o, fu0(p, n.li, F.v6_hlim));
		wk_ob_puts(o, " flow=");
		wk_ob_hex(o, fu0(p, n.li, F.v6_flow), 1);
		wk_ob_puts(o, " payloadlen=");
		wk_ob_u64(o, fu0(p, n.li, F.v6_plen));
		return;
	}
	wk_ob_puts(o, "ttl=");
	wk_ob_u64(o, fu0(p, n.li, F.ip_ttl));
	wk_ob_puts(o, " id=");
	wk_ob_u64(o, fu0(p, n.li, F.ip_id));
	wk_ob_puts(o, " iplen=");
	wk_ob_u64(o, fu0(p, n.li, F.ip_len));
	uint64_t frag = fu0(p, n.li, F.ip_frag), mf = fu0(p, n.li, F.ip_mf);
	if (frag || mf) {
		wk_ob_puts(o, " frag offset=");
		wk_ob_u64(o, frag * 8);
		if (mf)
			wk_ob_putc(o, '+');
	}
	wk_ob_putc(o, ' ');
	struct wk_val v;
	if (fu0(p, n.li, F.ip_hl) > 5 && fget(p, n.li, F.ip_opts, 0, &v) && v.p) {
		/* nmap names each option; the bytes in hex say the same */
		wk_ob_puts(o, "ipopts={");
		for (size_t i = 0; i < v.n; i++) {
			wk_ob_puts(o, "\\x");
			wk_ob_hex(o, v.p[i], 2);
		}
		wk_ob_putc(o, '}');
	}
}

/* nmap's TCP options: "<mss 1460,sackOK,timestamp 1 0,nop,wscale 7>"; nothing when an
 * option is unknown or damaged, as nmap. */
static void tcp_opts(struct wk_ob *o, const struct wk_pkt *p, int li)
{
	char buf[256];
	struct wk_ob t;
	uint64_t kind, u, w;
	unsigned nmss = 0, nws = 0, nts = 0, nlen = 0, nsack = 0;
	wk_ob_init(&t, buf, sizeof(buf), NULL, NULL);
	for (unsigned k = 0; fu(p, li, F.tcp_kind, k, &kind); k++) {
		wk_ob_putc(&t, k ? ',' : '<');
		uint64_t len = 0;
		if (kind > 1 && !fu(p, li, F.tcp_olen, nlen++, &len))
			return;
		switch (kind) {
		case 0:
			wk_ob_puts(&t, "eol");
			break;
		case 1:
			wk_ob_puts(&t, "nop");
			break;
		case 2:
			if (!fu(p, li, F.tcp_mss, nmss++, &u))
				return;
			wk_ob_puts(&t, "mss ");
			wk_ob_u64(&t, u);
			break;
		case 3:
			if (!fu(p, li, F.tcp_ws, nws++, &u))
				return;
			wk_ob_puts(&t, "wscale ");
			wk_ob_u64(&t, u);
			break;
		case 4:
			wk_ob_puts(&t, "sackOK");
			break;
		case 5:
			if (len < 10 || (len - 2) % 8)
				return;
			wk_ob_puts(&t, "sack ");
			wk_ob_u64(&t, (len - 2) / 8);
			wk_ob_putc(&t, ' ');
			for (uint64_t b = 0; b < (len - 2) / 8; b++, nsack++) {
				if (!fu(p, li, F.tcp_sle, nsack, &u) ||
				    !fu(p, li, F.tcp_sre, nsack, &w))
					return;
				wk_ob_putc(&t, '{');
				wk_ob_u64(&t, u);
				wk_ob_putc(&t, ':');
				wk_ob_u64(&t, w);
				wk_ob_putc(&t, '}');
			}
			break;
		case 8:
			if (!fu(p, li, F.tcp_tsval, nts, &u) || !fu(p, li, F.tcp_tsecr, nts, &w))
				return;
			nts++;
			wk_ob_puts(&t, "timestamp ");
			wk_ob_u64(&t, u);
			wk_ob_putc(&t, ' ');
			wk_ob_u64(&t, w);
			break;
		default:
			return;
		}
		if (!kind)
			break;
	}
	if (!t.len || t.err)
		return;
	wk_ob_putc(&t, '>');
	if (!t.err)
		wk_ob_write(o, t.p, t.len);
}

/* "TCP 198.18.0.1:41523 > 198.19.0.1:80", "??" for ports that were not captured */
static void endpoints(struct wk_ob *o, const char *name, const struct wk_pkt *p, struct net n,
                      bool ports, uint64_t sport, uint64_t dport)
{
	wk_ob_puts(o, name);
	src(o, p, n);
	wk_ob_putc(o, ':');
	if (ports)
		wk_ob_u64(o, sport);
	else
		wk_ob_puts(o, "??");
	wk_ob_puts(o, " > ");
	dst(o, p, n);
	wk_ob_putc(o, ':');
	if (ports)
		wk_ob_u64(o, dport);
	else
		wk_ob_puts(o, "??");
}

static void tcp_line(struct wk_ob *o, const struct wk_pkt *p, struct net n, int li)
{
	static const struct {
		uint8_t bit;
		char c;
	} fl[] = {{0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'},
	          {0x10, 'A'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'C'}};
	uint64_t sport = 0, dport = 0, seq = 0, flags = 0, win = 0;
	bool ports = fu(p, li, F.tcp_sport, 0, &sport) && fu(p, li, F.tcp_dport, 0, &dport);
	bool whole = ports && fu(p, li, F.tcp_seq, 0, &seq) && fu(p, li, F.tcp_flags, 0, &flags) &&
	             fu(p, li, F.tcp_win, 0, &win);
	endpoints(o, "TCP ", p, n, ports, sport, dport);
	if (!whole) {
		wk_ob_puts(o, " ?? ");
		ipinfo(o, p, n);
		wk_ob_puts(o, " (incomplete)");
		return;
	}
	wk_ob_putc(o, ' ');
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (flags & fl[i].bit)
			wk_ob_putc(o, fl[i].c);
	wk_ob_putc(o, ' ');
	ipinfo(o, p, n);
	wk_ob_puts(o, " seq=");
	wk_ob_u64(o, seq);
	wk_ob_puts(o, " win=");
	wk_ob_u64(o, win);
	wk_ob_putc(o, ' ');
	tcp_opts(o, p, li);
}

static void udp_line(struct wk_ob *o, const struct wk_pkt *p, struct net n, int li)
{
	uint64_t sport = 0, dport = 0;
	bool ports = fu(p, li, F.udp_sport, 0, &sport) && fu(p, li, F.udp_dport, 0, &dport);
	endpoints(o, "UDP ", p, n, ports, sport, dport);
	wk_ob_putc(o, ' ');
	if (!ports)
		wk_ob_puts(o, "fragment ");
	ipinfo(o, p, n);
	if (!ports)
		wk_ob_puts(o, " (incomplete)");
}

/* nmap's words for ICMP destination unreachable codes; '%' marks where the quoted
 * datagram's destination goes, where nmap names it. */
static const char *const unreach[16] = {
    "Network % unreachable",
    "Host % unreachable",
    NULL, /* protocol */
    NULL, /* port */
    "Fragmentation required",
    "Source route failed",
    "Destination network % unknown",
    "Destination host % unknown",
    "Source host isolated",
    "Destination network % administratively prohibited",
    "Destination host % administratively prohibited",
    "Network % unreachable for TOS",
    "Host % unreachable for TOS",
    "Communication administratively prohibited by filtering",
    "Host precedence violation",
    "Precedence cutoff in effect",
};

static void icmp_id_seq(struct wk_ob *o, const struct wk_pkt *p, int li)
{
	wk_ob_puts(o, "id=");
	wk_ob_u64(o, fu0(p, li, F.icmp_id));
	wk_ob_puts(o, " seq=");
	wk_ob_u64(o, fu0(p, li, F.icmp_seq));
}

/* The ICMP message's name and fields; false when the message is too short for them (nmap
 * then prints the short form). */
static bool icmp_words(struct wk_ob *o, struct wk_ob *fields, const struct wk_pkt *p, int li,
                       unsigned type, unsigned code)
{
	uint64_t u;
	int q =
	    li + 1 < p->nlayers && (p->l[li + 1].flags & WK_LF_QUOTED) && p->l[li + 1].proto == F.ip
	        ? li + 1
	        : -1;
	switch (type) {
	case 0:
	case 8:
		wk_ob_puts(o, type ? "Echo request" : "Echo reply");
		icmp_id_seq(fields, p, li);
		return fu(p, li, F.icmp_seq, 0, &u);
	case 3: {
		struct net qn = {q, false};
		if (q < 0) {
			wk_ob_puts(o, "Destination unreachable");
			return false;
		}
		if (code == 2) {
			wk_ob_puts(o, "Protocol ");
			wk_ob_u64(o, fu0(p, q, F.ip_proto));
			wk_ob_puts(o, " unreachable");
		} else if (code == 3) {
			int t = q + 1 < p->nlayers ? q + 1 : -1;
			const struct wk_field *f = t < 0                    ? NULL
			                           : p->l[t].proto == F.tcp ? F.tcp_dport
			                           : p->l[t].proto == F.udp ? F.udp_dport
			                                                    : NULL;
			if (f && fu(p, t, f, 0, &u)) {
				wk_ob_puts(o, "Port ");
				wk_ob_u64(o, u);
				wk_ob_puts(o, " unreachable");
			} else {
				wk_ob_puts(o, "Port unreachable");
			}
		} else if (code < 16) {
			const char *s = unreach[code], *m = strchr(s, '%');
			wk_ob_write(o, s, m ? (size_t)(m - s) : strlen(s));
			if (m) {
				dst(o, p, qn);
				wk_ob_puts(o, m + 1);
			}
			if (code == 4) {
				wk_ob_puts(fields, "Next-Hop-MTU=");
				wk_ob_u64(fields, fu0(p, li, F.icmp_mtu));
			}
		} else {
			wk_ob_puts(o, "Destination unreachable (unknown code)");
		}
		return true;
	}
	case 4:
		wk_ob_puts(o, "Source quench");
		return true;
	case 5: {
		struct wk_val v;
		wk_ob_puts(o, code == 0   ? "Network redirect"
		              : code == 1 ? "Host redirect"
		                          : "Redirect (unknown code)");
		wk_ob_puts(fields, "addr=");
		if (fget(p, li, F.icmp_gw, 0, &v) && v.p && v.n >= 4)
			wk_ob_ip4(fields, v.p);
		return true;
	}
	case 9:
		wk_ob_puts(o, code == 16 ? "Router advertisement (Mobile Agent Only)"
		                         : "Router advertisement");
		return true;
	case 10:
		wk_ob_puts(o, "Router solicitation");
		return true;
	case 11:
		wk_ob_puts(o, code == 0   ? "TTL=0 during transit"
		              : code == 1 ? "TTL=0 during reassembly"
		                          : "TTL exceeded (unknown code)");
		return true;
	case 12:
		wk_ob_puts(o, code == 0   ? "Parameter problem (pointer indicates error)"
		              : code == 1 ? "Parameter problem (option missing)"
		              : code == 2 ? "Parameter problem (bad length)"
		                          : "Parameter problem (unknown code)");
		return true;
	case 13:
	case 14:
		wk_ob_puts(o, type == 13 ? "Timestamp request" : "Timestamp reply");
		icmp_id_seq(fields, p, li);
		wk_ob_puts(fields, " orig=");
		wk_ob_u64(fields, fu0(p, li, F.icmp_ts_ori));
		wk_ob_puts(fields, " recv=");
		wk_ob_u64(fields, fu0(p, li, F.icmp_ts_rx));
		wk_ob_puts(fields, " trans=");
		wk_ob_u64(fields, fu0(p, li, F.icmp_ts_tx));
		return fu(p, li, F.icmp_ts_tx, 0, &u);
	case 15:
	case 16:
		wk_ob_puts(o, type == 15 ? "Information request" : "Information reply");
		icmp_id_seq(fields, p, li);
		return true;
	case 17:
	case 18: {
		struct wk_val v;
		wk_ob_puts(o, type == 17 ? "Address mask request" : "Address mask reply");
		icmp_id_seq(fields, p, li);
		wk_ob_puts(fields, " mask=");
		if (fget(p, li, F.icmp_mask, 0, &v) && v.p && v.n >= 4)
			wk_ob_ip4(fields, v.p);
		return true;
	}
	case 30:
		wk_ob_puts(o, "Traceroute");
		return true;
	case 37:
		wk_ob_puts(o, "Domain name request");
		return true;
	case 38:
		wk_ob_puts(o, "Domain name reply");
		return true;
	case 40:
		wk_ob_puts(o, "Security failures");
		return true;
	default:
		wk_ob_puts(o, "Unknown type");
		return true;
	}
}

static void icmp_line(struct wk_ob *o, const struct wk_pkt *p, struct net n, int li)
{
	char wb[160], fb[160];
	struct wk_ob words, fields;
	uint64_t type, code;
	if (!fu(p, li, F.icmp_type, 0, &type) || !fu(p, li, F.icmp_code, 0, &code)) {
		wk_ob_puts(o, "ICMP ");
		src(o, p, n);
		wk_ob_puts(o, " > ");
		dst(o, p, n);
		wk_ob_puts(o, " [??] ");
		ipinfo(o, p, n);
		return;
	}
	wk_ob_init(&words, wb, sizeof(wb), NULL, NULL);
	wk_ob_init(&fields, fb, sizeof(fb), NULL, NULL);
	bool whole = icmp_words(&words, &fields, p, li, (unsigned)type, (unsigned)code);
	wk_ob_puts(o, whole ? "ICMP [" : "ICMP ");
	src(o, p, n);
	wk_ob_puts(o, " > ");
	dst(o, p, n);
	wk_ob_putc(o, ' ');
	wk_ob_write(o, words.p, words.len);
	wk_ob_puts(o, " (type=");
	wk_ob_u64(o, type);
	wk_ob_puts(o, "/code=");
	wk_ob_u64(o, code);
	wk_ob_puts(o, ") ");
	if (!whole) {
		ipinfo(o, p, n);
		return;
	}
	wk_ob_write(o, fields.p, fields.len);
	wk_ob_puts(o, "] IP [");
	ipinfo(o, p, n);
	wk_ob_putc(o, ']');
}

static void arp_line(struct wk_ob *o, const struct wk_pkt *p, int li)
{
	uint64_t op = fu0(p, li, F.arp_op);
	struct wk_val mac;
	wk_ob_puts(o, "ARP ");
	if (op == 1) {
		wk_ob_puts(o, "who-has ");
		faddr(o, p, li, F.arp_pdst, 4);
		wk_ob_puts(o, " tell ");
		faddr(o, p, li, F.arp_psrc, 4);
	} else if (op == 2) {
		wk_ob_puts(o, "reply ");
		faddr(o, p, li, F.arp_psrc, 4);
		wk_ob_puts(o, " is-at ");
		if (fget(p, li, F.arp_hwsrc, 0, &mac) && mac.p && mac.n >= 6)
			rmac(o, mac.p);
		else
			wk_ob_putc(o, '?');
	} else {
		wk_ob_puts(o, "operation ");
		wk_ob_u64(o, op);
		wk_ob_putc(o, ' ');
		faddr(o, p, li, F.arp_psrc, 4);
		wk_ob_puts(o, " > ");
		faddr(o, p, li, F.arp_pdst, 4);
	}
}

/* The summary of one packet, by its outermost network layer. */
static void packet(struct wk_ob *o, const struct wk_scan_trace *t)
{
	struct wk_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = t->pkt;
	p.caplen = p.wirelen = t->len > UINT32_MAX ? UINT32_MAX : (uint32_t)t->len;
	p.linktype = t->linktype;
	wk_dissect(&p);
	int li = -1;
	for (int i = 0; i < p.nlayers && li < 0; i++)
		if (p.l[i].proto == F.ip || p.l[i].proto == F.ip6 || p.l[i].proto == F.arp)
			li = i;
	if (li < 0) {
		wk_ob_puts(o, "unknown packet (");
		wk_ob_u64(o, t->len);
		wk_ob_puts(o, " bytes)");
		return;
	}
	if (p.l[li].proto == F.arp) {
		arp_line(o, &p, li);
		return;
	}
	struct net n = {li, p.l[li].proto == F.ip6};
	const struct wk_proto *next = li + 1 < p.nlayers ? p.l[li + 1].proto : NULL;
	uint64_t proto = fu0(&p, li, n.v6 ? F.v6_nh : F.ip_proto);
	if (next == F.tcp || (!next && proto == 6)) {
		tcp_line(o, &p, n, next ? li + 1 : -1);
	} else if (next == F.udp || (!next && proto == 17)) {
		udp_line(o, &p, n, next ? li + 1 : -1);
	} else if (next == F.icmp) {
		icmp_line(o, &p, n, li + 1);
	} else if (next == F.icmp6) {
		uint64_t type, code;
		bool ok = fu(&p, li + 1, F.icmp6_type, 0, &type) &&
		          fu(&p, li + 1, F.icmp6_code, 0, &code);
		struct scan_reply r;
		if (ok && type == 136 && scan_parse(t->pkt, t->len, t->linktype, &r) && r.nd) {
			/* nmap's words for a neighbour advertisement: its target and MAC as the
			 * scan's reply parser reads them (the option, else the frame's source) */
			wk_ob_puts(o, "neighbor advertisement ");
			src(o, &p, n);
			wk_ob_puts(o, " > ");
			dst(o, &p, n);
			wk_ob_putc(o, ' ');
			wk_ob_ip6(o, r.tgt6);
			wk_ob_puts(o, " is at ");
			wk_ob_mac(o, r.mac);
			return;
		}
		wk_ob_puts(o, "ICMPv6 (58) ");
		src(o, &p, n);
		wk_ob_puts(o, " > ");
		dst(o, &p, n);
		wk_ob_puts(o, " (type=");
		if (ok)
			wk_ob_u64(o, type);
		else
			wk_ob_putc(o, '?');
		wk_ob_puts(o, "/code=");
		if (ok)
			wk_ob_u64(o, code);
		else
			wk_ob_putc(o, '?');
		wk_ob_puts(o, ") ");
		ipinfo(o, &p, n);
	} else {
		wk_ob_puts(o, "Unknown protocol (");
		wk_ob_u64(o, proto);
		wk_ob_puts(o, ") ");
		src(o, &p, n);
		wk_ob_puts(o, " > ");
		dst(o, &p, n);
		wk_ob_puts(o, ": ");
		ipinfo(o, &p, n);
	}
}

/* "TCP localhost > 198.19.0.1:80 => Connection refused" */
static void conn(struct wk_ob *o, const struct wk_scan_trace *t)
{
	char eb[128];
	wk_ob_puts(o, "TCP localhost > ");
	if (!t->addr)
		wk_ob_putc(o, '?');
	else if (t->addr->family == AF_INET6)
		wk_ob_ip6(o, t->addr->b);
	else
		wk_ob_ip4(o, t->addr->b);
	wk_ob_putc(o, ':');
	wk_ob_u64(o, t->port);
	wk_ob_puts(o, " => ");
	wk_ob_puts(o, t->err ? strerror_r(t->err, eb, sizeof(eb)) : "Connected");
}

void wk_scan_trace_line(struct wk_ob *o, const struct wk_scan_trace *t, int64_t start_sec,
                        uint32_t start_nsec)
{
	pthread_once(&f_once, f_init);
	int64_t ns = (t->ts_sec - start_sec) * 1000000000ll + ((int64_t)t->ts_nsec - start_nsec);
	/* nmap's "%.4f": tenths of milliseconds, rounded */
	uint64_t tm = ns > 0 ? ((uint64_t)ns + 50000u) / 100000u : 0;
	wk_ob_puts(o, t->kind == WK_TRACE_SENT   ? "SENT ("
	              : t->kind == WK_TRACE_RCVD ? "RCVD ("
	                                         : "CONN (");
	wk_ob_u64(o, tm / 10000);
	wk_ob_putc(o, '.');
	char d[4];
	uint64_t f = tm % 10000;
	for (int i = 3; i >= 0; i--, f /= 10)
		d[i] = (char)('0' + f % 10);
	wk_ob_write(o, d, 4);
	wk_ob_puts(o, "s) ");
	if (t->kind == WK_TRACE_CONN)
		conn(o, t);
	else
		packet(o, t);
	wk_ob_putc(o, '\n');
}
