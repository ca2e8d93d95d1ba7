/* wirekit send SPEC: forge packets from the packet language (spec.h), print them, write
 * them to a capture file, or send them through raw sockets and match the replies. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "output.h"
#include "wirekit/build.h"
#include "wirekit/send.h"
#include "wirekit/spec.h"
#include "wirekit/wirekit.h"

const char *const cmd_send_usage =
    "usage: wirekit send [options] SPEC\n"
    "\n"
    "Build packets from SPEC and send them (raw sockets: root or CAP_NET_RAW), or print\n"
    "or write them without sending (no privileges needed). SPEC is layers joined by '/',\n"
    "fields in parentheses, then an optional payload:\n"
    "\n"
    "  'ip(dst=198.18.0.2,ttl=64)/tcp(dport=80,flags=S)/\"hello\"'\n"
    "  'ip(dst=198.18.0.2,ttl=1-8)/udp(dport=33434)'       a TTL sweep (traceroute)\n"
    "  'ether()/ipv6(dst=2001:db8::1)/icmp6()'\n"
    "\n"
    "Layers: ether (eth), vlan, arp, ip, ipv6, icmp, icmp6, tcp, udp, dns. Fields are the\n"
    "field names of 'read -T fields', short within a layer (ttl for ip.ttl). Values:\n"
    "numbers (decimal, 0x hex), names (type=echo-request), addresses, MACs, TCP flag letters\n"
    "SAFRPUEC or flags=0x12, IP flags=DF; ranges 20-25, 198.18.0.0/30 and lists 1,2,4 expand\n"
    "to the cross product. TCP options: mss=, wscale=, sackok, ts=VAL:ECR, nop,\n"
    "options=\"mss 1460,nop\". dns(qname=example.test,qtype=A). Payloads: \"text\" (C escapes),\n"
    "hex:0a0b..., @file. Unset: source address from the route to the destination, random\n"
    "source port, IP ID, TCP sequence and ICMP identifier, tcp flags=S, icmp echo-request.\n"
    "Lengths and checksums are computed unless set (chksum=0xdead, len=20).\n"
    "\n"
    "options:\n"
    "  --dry-run         print each packet's summary line instead of sending\n"
    "  -V                print each packet's layer tree (with --dry-run, or what is sent)\n"
    "  -x                print each packet's bytes\n"
    "  --json            JSON records (packets; with --wait, probe/reply pairs)\n"
    "  -w FILE           write the packets to FILE instead of sending (pcap; pcapng when\n"
    "                    FILE ends in .pcapng or with --pcapng)\n"
    "  -c N              send N packets (cycling through the spec's packets; default: each\n"
    "                    once, or until interrupted with --flood)\n"
    "  --interval SEC    pause between packets\n"
    "  --rate PPS        packets per second (token bucket)\n"
    "  --flood           as fast as possible, in batches (sendmmsg); an IP spec whose\n"
    "                    destination is on the link goes out as frames (AF_PACKET)\n"
    "  --wait SEC        listen for replies while sending and SEC seconds after; print each\n"
    "                    probe with its reply and round-trip time, then the unanswered ones\n"
    "  --badsum          store every checksum wrong on purpose\n"
    "  --frag SIZE       fragment IPv4 packets, SIZE payload bytes each (multiple of 8)\n"
    "  --l2              send whole frames over AF_PACKET (adds ether() unless the spec\n"
    "                    starts with it; destination MAC from the neighbour table, else an\n"
    "                    ARP or neighbour solicitation)\n"
    "  -I IFACE          interface for --l2 / ether() specs, or to bind raw sockets to\n"
    "  -q                no per-packet output and no final line\n"
    "  -h, --help        this help\n"
    "\n"
    "Raw IPv4 sockets (IP_HDRINCL): the kernel rewrites the total length and the header\n"
    "checksum always, and the IP ID and the source address when they are 0. Use --l2\n"
    "to send the IP header exactly as built. IPv6 packets and frames go out unchanged.\n"
    "\n"
    "Exit status: 0 ok, 1 send or write errors, 2 usage or SPEC errors (nothing is sent),\n"
    "3 no privilege for raw sockets.\n";

enum {
	OPT_DRY = 256,
	OPT_JSON,
	OPT_PCAPNG,
	OPT_INTERVAL,
	OPT_RATE,
	OPT_FLOOD,
	OPT_WAIT,
	OPT_BADSUM,
	OPT_FRAG,
	OPT_L2,
};

enum {
	PKT_MAX = 65536 + 64,
	BATCH = 64,
	FRAG_MAX = 64,
	TEMPL_MAX = 256,
	WAIT_MAX_PROBES = 1 << 18,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct probe {
	size_t off, len; /* bytes in the probe blob */
	uint32_t linktype;
	struct timespec ts;
};

struct ctx {
	/* options */
	bool dry, tree, hex, json, pcapng, flood, badsum, l2, quiet;
	uint64_t count;
	double interval, rate, wait;
	size_t frag;
	const char *wpath, *ifname_opt;
	/* the packets */
	struct wk_spec *spec;
	struct wk_build *b;
	bool prepend_eth;
	uint32_t linktype;
	enum wk_tx_kind kind;
	char ifname[WK_IFNAME_MAX];
	uint8_t mymac[6];
	bool have_mymac;
	/* route and neighbour caches (the last destination looked up) */
	uint8_t rdst[16], rsrc[16];
	size_t rlen;
	int rrc;
	uint8_t ndst[16], nmac[6];
	size_t nlen;
	/* randomness */
	uint64_t rng, run_id;
	/* output */
	struct wk_ob ob;
	struct wk_print_opts po;
	/* matching */
	struct wk_match *match;
	struct probe *probes;
	uint8_t *blob;
	size_t nprobes, nblob, capblob;
	uint64_t answered;
	struct wk_error err;
};

static uint64_t rnd(struct ctx *c)
{
	/* splitmix64: a fast generator for ports and numbers that need not be secret */
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool parse_sec(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e7)
		return false;
	*out = v;
	return true;
}

/* The first key a protocol is bound to in ns (its link type, for instance). */
static bool bound(const struct wk_proto *p, enum wk_ns ns, uint32_t *key)
{
	for (const struct wk_bind *bd = p->binds; bd && bd->ns != WK_NS_NONE; bd++)
		if (bd->ns == ns) {
			*key = bd->key;
			return true;
		}
	return false;
}

/* Address fields of p by role: the fixed-offset ones a builder can set. */
static const struct wk_field *role_field(const struct wk_proto *p, enum wk_frole role, bool addr)
{
	for (size_t k = 0; k < p->nfields; k++) {
		const struct wk_field *f = &p->fields[k];
		if (f->role != role || (f->flags & WK_FF_NOENC))
			continue;
		bool is_addr = f->type == WK_FT_IP4 || f->type == WK_FT_IP6 || f->type == WK_FT_MAC;
		if (is_addr == addr && (!addr || !f->get))
			return f;
	}
	return NULL;
}

/* Fields that default to random numbers when the spec leaves them unset (scapy and
 * hping3 do the same, and replies can then be told apart): per packet, or one per run
 * (ICMP identifiers, as ping uses one per process). Source ports are found by role. */
static const struct {
	const char *field;
	bool per_run;
} random_fields[] = {
    {"ip.id", false},
    {"tcp.seq", false},
    {"icmp.id", true},
    {"icmp6.id", true},
};

static int set_defaults(struct ctx *c, unsigned base, uint64_t idx, struct wk_error *err)
{
	struct wk_build *b = c->b;
	int rc;
	for (unsigned i = base; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		for (size_t k = 0; k < WK_ARRAY_SIZE(random_fields); k++) {
			const struct wk_field *f = wk_build_field(p, random_fields[k].field);
			if (!f || wk_build_get(b, i, f->name))
				continue;
			uint64_t v = random_fields[k].per_run ? c->run_id : rnd(c);
			unsigned bits =
			    f->mask ? (unsigned)__builtin_popcount(f->mask) : f->width * 8u;
			if (f->width == 0)
				bits = 16;
			if (bits < 64)
				v &= (1ull << bits) - 1;
			if (v == 0)
				v = 1; /* a raw IPv4 socket would replace an ID of 0 */
			if ((rc = wk_build_set_uint(b, i, f->name, v, err)))
				return rc;
		}
		const struct wk_field *sp = role_field(p, WK_ROLE_SPORT, false);
		if (sp && !wk_build_get(b, i, sp->name) &&
		    (rc = wk_build_set_uint(b, i, sp->name, 1024 + rnd(c) % 64512, err)))
			return rc;
	}
	(void)idx;
	/* the source address of the outermost network layer: the route's */
	for (unsigned i = base; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		if (!(p->flags & WK_PF_NETWORK))
			continue;
		const struct wk_field *src = role_field(p, WK_ROLE_SRC, true);
		const struct wk_field *dst = role_field(p, WK_ROLE_DST, true);
		if (!src || !dst || src->type == WK_FT_MAC || wk_build_get(b, i, src->name))
			break;
		const struct wk_bval *dv = wk_build_get(b, i, dst->name);
		if (!dv)
			break;
		size_t al = dst->type == WK_FT_IP4 ? 4 : 16;
		if (c->rlen != al || memcmp(c->rdst, dv->b, al)) {
			struct wk_error e = {0};
			memcpy(c->rdst, dv->b, al);
			c->rlen = al;
			c->rrc =
			    wk_route_src(al == 4 ? AF_INET : AF_INET6, dv->b, c->rsrc, NULL, &e);
			if (c->rrc && !c->dry && !c->wpath) {
				wk_seterr(err, c->rrc, "%s", e.msg);
				c->rlen = 0;
				return c->rrc;
			}
		}
		if (!c->rrc && (rc = wk_build_set_bytes(b, i, src->name, c->rsrc, al, err)))
			return rc;
		break;
	}
	return 0;
}

/* Link-layer addresses of a frame we send ourselves: our MAC, the neighbour's. */
static int set_l2(struct ctx *c, unsigned li, struct wk_error *err)
{
	struct wk_build *b = c->b;
	const struct wk_proto *lp = b->l[li].proto;
	const struct wk_field *src = role_field(lp, WK_ROLE_SRC, true);
	const struct wk_field *dst = role_field(lp, WK_ROLE_DST, true);
	int rc;
	if (!c->have_mymac)
		return 0;
	if (src && !wk_build_get(b, li, src->name) &&
	    (rc = wk_build_set_bytes(b, li, src->name, c->mymac, 6, err)))
		return rc;
	if (!dst || wk_build_get(b, li, dst->name))
		return 0;
	/* the destination of the first network layer that has one */
	for (unsigned i = li + 1; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		if (!(p->flags & WK_PF_NETWORK))
			continue;
		const struct wk_field *nd = role_field(p, WK_ROLE_DST, true);
		const struct wk_field *ns = role_field(p, WK_ROLE_SRC, true);
		const struct wk_bval *dv = nd ? wk_build_get(b, i, nd->name) : NULL;
		const struct wk_bval *sv = ns ? wk_build_get(b, i, ns->name) : NULL;
		if (!dv || !sv || dv->n != sv->n)
			return 0; /* broadcast, the encoder's default */
		if (c->nlen != dv->n || memcmp(c->ndst, dv->b, dv->n)) {
			rc = wk_neigh_resolve(c->ifname, dv->n == 4 ? AF_INET : AF_INET6, dv->b,
			                      sv->b, c->nmac, 2000, err);
			if (rc)
				return rc;
			memcpy(c->ndst, dv->b, dv->n);
			c->nlen = dv->n;
		}
		return wk_build_set_bytes(b, li, dst->name, c->nmac, 6, err);
	}
	return 0;
}

/* Build packet idx of the spec into out. */
static int make(struct ctx *c, uint64_t idx, uint8_t *out, size_t cap, size_t *len,
                struct wk_error *err)
{
	struct wk_build *b = c->b;
	int rc;
	wk_build_init(b);
	b->flags = c->badsum ? WK_BUILD_BADSUM : 0;
	unsigned base = 0;
	if (c->prepend_eth) {
		rc = wk_build_add(b, wk_proto_find("eth"), err);
		if (rc < 0)
			return rc;
		base = 1;
	}
	if ((rc = wk_spec_build(c->spec, idx, b, err)) || (rc = set_defaults(c, base, idx, err)))
		return rc;
	if (c->kind == WK_TX_L2 && !c->dry && !c->wpath && (rc = set_l2(c, 0, err)))
		return rc;
	return wk_build_encode(b, out, cap, len, err);
}

static void dissect(struct wk_pkt *p, const uint8_t *d, size_t n, uint32_t linktype,
                    const struct timespec *ts, uint64_t number)
{
	memset(p, 0, sizeof(*p));
	p->data = d;
	p->caplen = p->wirelen = (uint32_t)n;
	p->linktype = linktype;
	p->ts_sec = ts->tv_sec;
	p->ts_nsec = (uint32_t)ts->tv_nsec;
	p->number = number;
	wk_dissect(p);
}

/* --flood over a raw IP socket pays a route lookup and a header rewrite in the kernel per
 * packet. When the destination is on the link (its neighbour answers within 300 ms), send
 * whole frames over AF_PACKET instead, as masscan does; otherwise stay on the IP socket.
 * Returns true when c now sends frames. */
static bool auto_l2(struct ctx *c)
{
	static uint8_t pkt[PKT_MAX];
	size_t len;
	struct wk_pkt p;
	struct timespec z = {0};
	struct wk_error e = {0};
	if (make(c, 0, pkt, sizeof(pkt), &len, &e))
		return false;
	dissect(&p, pkt, len, c->linktype, &z, 1);
	for (unsigned i = 0; i < p.nlayers; i++) {
		const struct wk_proto *pp = p.l[i].proto;
		if (!(pp->flags & WK_PF_NETWORK))
			continue;
		const struct wk_field *fs = role_field(pp, WK_ROLE_SRC, true);
		const struct wk_field *fd = role_field(pp, WK_ROLE_DST, true);
		struct wk_val vs, vd;
		if (!fs || !fd || (fd->type != WK_FT_IP4 && fd->type != WK_FT_IP6) ||
		    !wk_field_get(&p, &p.l[i], fs, 0, &vs) ||
		    !wk_field_get(&p, &p.l[i], fd, 0, &vd) || vs.n != vd.n)
			return false;
		int fam = fd->type == WK_FT_IP4 ? AF_INET : AF_INET6;
		char ifname[WK_IFNAME_MAX] = "";
		uint8_t rsrc[16], mac[6], mymac[6];
		if (wk_route_src(fam, vd.p, rsrc, ifname, &e) || !ifname[0] ||
		    !strcmp(ifname, "lo") || wk_iface_mac(ifname, mymac, NULL, &e) ||
		    wk_neigh_resolve(ifname, fam, vd.p, vs.p, mac, 300, &e))
			return false;
		snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
		memcpy(c->mymac, mymac, 6);
		c->have_mymac = true;
		memcpy(c->ndst, vd.p, vd.n);
		c->nlen = vd.n;
		memcpy(c->nmac, mac, 6);
		c->prepend_eth = true;
		c->kind = WK_TX_L2;
		c->linktype = WK_LINKTYPE_ETHERNET;
		return true;
	}
	return false;
}

/* A summary line without its newline, appended to the output. */
static void line_of(struct ctx *c, const struct wk_pkt *p)
{
	char mem[4096];
	struct wk_ob o;
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE, .abs_seq = true};
	wk_ob_init(&o, mem, sizeof(mem), NULL, NULL);
	wk_print_line(&o, &po, p);
	size_t n = o.len;
	while (n && mem[n - 1] == '\n')
		n--;
	wk_ob_write(&c->ob, mem, n);
}

static void json_of(struct ctx *c, const struct wk_pkt *p)
{
	static char mem[1 << 16];
	struct wk_ob o;
	wk_ob_init(&o, mem, sizeof(mem), NULL, NULL);
	wk_print_json(&o, p);
	size_t n = o.len;
	while (n && mem[n - 1] == '\n')
		n--;
	wk_ob_write(&c->ob, mem, n);
}

/* Per-packet output of what is built (dry run, or -V/-x while sending). */
static void show(struct ctx *c, const struct wk_pkt *p)
{
	if (c->quiet)
		return;
	if (c->json && !c->wait) {
		json_of(c, p);
		wk_ob_putc(&c->ob, '\n');
	} else if (c->tree) {
		wk_print_tree(&c->ob, p);
	} else if (c->dry) {
		wk_print_line(&c->ob, &c->po, p);
	}
	if (c->hex)
		wk_print_hex(&c->ob, p->data, p->caplen);
}

static int add_probe(struct ctx *c, const uint8_t *d, size_t n, const struct timespec *ts)
{
	if (c->nprobes >= WAIT_MAX_PROBES)
		return 0; /* sent, but not tracked: checked up front */
	if (c->nblob + n > c->capblob) {
		size_t nc = c->capblob ? c->capblob * 2 : 1 << 16;
		while (nc < c->nblob + n)
			nc *= 2;
		uint8_t *nb = realloc(c->blob, nc);
		if (!nb)
			return wk_seterr(&c->err, WK_ENOMEM, "out of memory");
		c->blob = nb;
		c->capblob = nc;
	}
	memcpy(c->blob + c->nblob, d, n);
	struct probe *pr = &c->probes[c->nprobes];
	pr->off = c->nblob;
	pr->len = n;
	pr->linktype = c->linktype;
	pr->ts = *ts;
	c->nblob += n;
	struct wk_pkt p;
	dissect(&p, c->blob + pr->off, n, pr->linktype, ts, c->nprobes + 1);
	int rc = wk_match_add(c->match, (uint32_t)c->nprobes, &p, &c->err);
	if (rc == WK_EUNSUP)
		rc = 0; /* nothing to match (ARP...): listed as unanswered */
	c->nprobes++;
	return rc;
}

static void print_match(struct ctx *c, uint32_t id, const struct wk_pkt *reply)
{
	const struct probe *pr = &c->probes[id];
	struct wk_pkt p;
	dissect(&p, c->blob + pr->off, pr->len, pr->linktype, &pr->ts, id + 1);
	double rtt = (double)(reply->ts_sec - pr->ts.tv_sec) * 1e3 +
	             ((double)reply->ts_nsec - (double)pr->ts.tv_nsec) / 1e6;
	c->answered++;
	if (c->quiet)
		return;
	if (c->json) {
		char num[64];
		wk_ob_puts(&c->ob, "{\"probe\":");
		json_of(c, &p);
		wk_ob_puts(&c->ob, ",\"reply\":");
		json_of(c, reply);
		snprintf(num, sizeof(num), ",\"rtt_ms\":%.3f}\n", rtt);
		wk_ob_puts(&c->ob, num);
	} else {
		char num[64];
		line_of(c, &p);
		wk_ob_puts(&c->ob, "  =>  ");
		line_of(c, reply);
		snprintf(num, sizeof(num), "  (%.3f ms)\n", rtt);
		wk_ob_puts(&c->ob, num);
	}
	wk_ob_flush(&c->ob);
}

/* Take the replies that are there (or arrive within timeout_ms). */
static int drain(struct ctx *c, struct wk_rx *rx, int timeout_ms)
{
	struct wk_pkt p;
	for (int first = 1;; first = 0) {
		int r = wk_rx_next(rx, &p, first ? timeout_ms : 0, &c->err);
		if (r <= 0)
			return r;
		wk_dissect(&p);
		uint32_t id;
		if (wk_match_reply(c->match, &p, &id))
			print_match(c, id, &p);
	}
}

/* Sleep until mono time t, taking replies meanwhile. */
static int wait_until(struct ctx *c, struct wk_rx *rx, uint64_t t)
{
	for (uint64_t now = mono_ns(); now < t && !stop; now = mono_ns()) {
		uint64_t left = t - now;
		if (rx) {
			int rc = drain(c, rx, (int)((left + 999999) / 1000000));
			if (rc < 0)
				return rc;
		} else {
			struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
			                      .tv_nsec = (long)(left % 1000000000ull)};
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

static void spec_error(const char *text, const struct wk_error *err, size_t col)
{
	fprintf(stderr, "wirekit send: %s\n", err->msg);
	/* the spec with a caret under the column (tabs kept so the caret lines up) */
	size_t n = strlen(text);
	if (n > 200 || strchr(text, '\n'))
		return;
	fprintf(stderr, "  %s\n  ", text);
	for (size_t i = 0; i < col && i < n; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* Sport and checksum positions of a template, for patching in --flood. */
struct templ {
	uint8_t *p;
	size_t n;
	long sport_off, csum_off;
};

static void templ_patch(struct templ *t, uint8_t *dst, uint16_t sport)
{
	memcpy(dst, t->p, t->n);
	if (t->sport_off < 0)
		return;
	uint16_t old = (uint16_t)(dst[t->sport_off] << 8 | dst[t->sport_off + 1]);
	dst[t->sport_off] = (uint8_t)(sport >> 8);
	dst[t->sport_off + 1] = (uint8_t)sport;
	if (t->csum_off >= 0) {
		/* RFC 1624: the checksum follows the port without summing the packet again */
		uint16_t cs = (uint16_t)(dst[t->csum_off] << 8 | dst[t->csum_off + 1]);
		cs = wk_csum_update16(cs, old, sport);
		dst[t->csum_off] = (uint8_t)(cs >> 8);
		dst[t->csum_off + 1] = (uint8_t)cs;
	}
}

/* Where the transport's source port and checksum sit in the packet just built, when the
 * spec left the port to us. */
static void templ_find(struct ctx *c, struct templ *t)
{
	struct wk_build *b = c->b;
	t->sport_off = t->csum_off = -1;
	unsigned base = c->prepend_eth ? 1 : 0;
	for (unsigned i = 0; i < b->n; i++) {
		const struct wk_proto *p = b->l[i].proto;
		if (!(p->flags & WK_PF_PORTS))
			continue;
		const struct wk_field *sp = role_field(p, WK_ROLE_SPORT, false);
		if (!sp || sp->get || sp->width != 2 || i < base ||
		    wk_spec_isset(c->spec, i - base, sp->name))
			return;
		t->sport_off = (long)(b->l[i].off + sp->off);
		for (size_t k = 0; k < p->nfields; k++) {
			const struct wk_field *f = &p->fields[k];
			if ((f->flags & WK_FF_CSUM) && !f->get && f->width == 2 &&
			    !wk_spec_isset(c->spec, i - base, f->name))
				t->csum_off = (long)(b->l[i].off + f->off);
		}
		return;
	}
}

/* --flood: templates built once, the source port walked and patched per packet. */
static int flood(struct ctx *c, struct wk_tx *tx, uint64_t total, uint64_t *sent, uint64_t *errors)
{
	uint64_t np = wk_spec_count(c->spec);
	size_t nt = np < TEMPL_MAX ? (size_t)np : TEMPL_MAX;
	struct templ *t = calloc(nt, sizeof(*t));
	uint8_t *bufs = malloc((size_t)BATCH * PKT_MAX);
	int rc = 0;
	if (!t || !bufs) {
		rc = wk_seterr(&c->err, WK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		size_t len;
		if ((rc = make(c, i, bufs, PKT_MAX, &len, &c->err)))
			goto out;
		templ_find(c, &t[i]);
		t[i].p = malloc(len);
		if (!t[i].p) {
			rc = wk_seterr(&c->err, WK_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(t[i].p, bufs, len);
		t[i].n = len;
	}
	const uint8_t *ptr[BATCH];
	size_t lens[BATCH];
	uint16_t port = (uint16_t)(1024 + rnd(c) % 64512);
	uint64_t k = 0;
	while (!stop && (!total || *sent < total)) {
		unsigned n = 0;
		for (; n < BATCH && (!total || *sent + n < total); n++) {
			uint8_t *dst = bufs + (size_t)n * PKT_MAX;
			uint64_t idx = k++ % np;
			if (idx < nt) {
				templ_patch(&t[idx], dst, port);
				lens[n] = t[idx].n;
			} else if ((rc = make(c, idx, dst, PKT_MAX, &lens[n], &c->err))) {
				goto out;
			}
			ptr[n] = dst;
			port = port == 65535 ? 1024 : (uint16_t)(port + 1);
		}
		int e = 0;
		int r = wk_tx_send(tx, ptr, lens, n, &e, &c->err);
		if (r < 0) {
			if (r == WK_EPERM) {
				rc = r;
				goto out;
			}
			/* ENOBUFS and friends: the queue is full, count and go on */
			(*errors)++;
			continue;
		}
		*sent += (uint64_t)r;
		if ((unsigned)r < n)
			(*errors)++;
	}
out:
	for (size_t i = 0; t && i < nt; i++)
		free(t[i].p);
	free(t);
	free(bufs);
	return rc;
}

/* Paced sending (each packet once, -c, --interval, --rate), with replies taken
 * meanwhile when waiting for them. */
static int paced(struct ctx *c, struct wk_tx *tx, struct wk_rx *rx, uint64_t total, uint64_t *sent,
                 uint64_t *errors)
{
	static uint8_t pkt[PKT_MAX];
	static uint8_t frags[FRAG_MAX * 1600 + PKT_MAX];
	uint64_t np = wk_spec_count(c->spec), start = mono_ns();
	int rc = 0;
	for (uint64_t i = 0; i < total && !stop; i++) {
		if (c->interval > 0 && i > 0)
			rc = wait_until(c, rx, start + (uint64_t)(c->interval * 1e9 * (double)i));
		else if (c->rate > 0)
			rc = wait_until(c, rx, start + (uint64_t)(1e9 / c->rate * (double)i));
		if (rc || stop)
			break;
		size_t len;
		if ((rc = make(c, i % np, pkt, sizeof(pkt), &len, &c->err)))
			return rc;
		const uint8_t *ptr[FRAG_MAX];
		size_t lens[FRAG_MAX];
		unsigned nf = 1;
		ptr[0] = pkt;
		lens[0] = len;
		if (c->frag) {
			struct wk_pkt p;
			struct timespec z = {0};
			dissect(&p, pkt, len, c->linktype, &z, 0);
			int ipi = wk_pkt_find(&p, wk_proto_find("ip"), 0);
			if (ipi >= 0) {
				if ((rc = wk_ip4_fragment(pkt, len, p.l[ipi].off, c->frag,
				                          c->badsum, frags, sizeof(frags), lens,
				                          FRAG_MAX, &nf, &c->err)))
					return rc;
				for (unsigned k = 0, off = 0; k < nf; off += (unsigned)lens[k], k++)
					ptr[k] = frags + off;
			}
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int e = 0;
		int r = wk_tx_send(tx, ptr, lens, nf, &e, &c->err);
		if (r == WK_EPERM)
			return r;
		if (r < 0 || (unsigned)r < nf) {
			(*errors)++;
			if (!c->quiet)
				fprintf(stderr, "wirekit send: packet %llu: %s\n",
				        (unsigned long long)i + 1,
				        r < 0 ? c->err.msg : strerror(e ? e : EIO));
		}
		if (r > 0)
			(*sent)++;
		if (c->tree || c->hex) {
			for (unsigned k = 0; k < nf; k++) {
				struct wk_pkt p;
				dissect(&p, ptr[k], lens[k], c->linktype, &ts, *sent);
				show(c, &p);
			}
			wk_ob_flush(&c->ob);
		}
		if (c->match && r > 0) {
			if ((rc = add_probe(c, pkt, len, &ts)))
				return rc;
			if ((rc = drain(c, rx, 0)) < 0)
				return rc;
		}
	}
	return 0;
}

static int dry_run(struct ctx *c, uint64_t total)
{
	static uint8_t pkt[PKT_MAX];
	static uint8_t frags[FRAG_MAX * 1600 + PKT_MAX];
	struct wk_pcap_writer *w = NULL;
	uint64_t np = wk_spec_count(c->spec);
	int rc = 0, status = 0;
	if (c->wpath) {
		size_t wl = strlen(c->wpath);
		bool ng = c->pcapng || (wl > 7 && !strcmp(c->wpath + wl - 7, ".pcapng"));
		struct wk_pcap_wopts wo = {.format = ng ? WK_PCAP_FMT_PCAPNG : WK_PCAP_FMT_PCAP,
		                           .linktype = c->linktype,
		                           .nsec = true,
		                           .app = "wirekit " WIREKIT_VERSION};
		w = wk_pcap_wopen(c->wpath, &wo, &c->err);
		if (!w) {
			fprintf(stderr, "wirekit send: %s: %s\n", c->wpath, c->err.msg);
			return 1;
		}
	}
	uint64_t number = 0;
	for (uint64_t i = 0; i < total && !stop; i++) {
		size_t len;
		if ((rc = make(c, i % np, pkt, sizeof(pkt), &len, &c->err))) {
			fprintf(stderr, "wirekit send: packet %llu: %s\n",
			        (unsigned long long)i + 1, c->err.msg);
			status = 1;
			break;
		}
		const uint8_t *ptr[FRAG_MAX];
		size_t lens[FRAG_MAX];
		unsigned nf = 1;
		ptr[0] = pkt;
		lens[0] = len;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct wk_pkt p;
		if (c->frag) {
			dissect(&p, pkt, len, c->linktype, &ts, 0);
			int ipi = wk_pkt_find(&p, wk_proto_find("ip"), 0);
			if (ipi >= 0 &&
			    (rc = wk_ip4_fragment(pkt, len, p.l[ipi].off, c->frag, c->badsum, frags,
			                          sizeof(frags), lens, FRAG_MAX, &nf, &c->err))) {
				fprintf(stderr, "wirekit send: %s\n", c->err.msg);
				status = 1;
				break;
			}
			for (unsigned k = 0, off = 0; ipi >= 0 && k < nf;
			     off += (unsigned)lens[k], k++)
				ptr[k] = frags + off;
		}
		for (unsigned k = 0; k < nf; k++) {
			dissect(&p, ptr[k], lens[k], c->linktype, &ts, ++number);
			if (w && wk_pcap_write(w, &p, NULL)) {
				fprintf(stderr, "wirekit send: %s: %s\n", c->wpath,
				        wk_pcap_werror(w)->msg);
				status = 1;
				goto out;
			}
			if (c->dry || c->tree || c->hex || c->json)
				show(c, &p);
		}
		if (c->ob.err) {
			status = 1;
			break;
		}
	}
out:
	wk_ob_flush(&c->ob);
	if (w && wk_pcap_wclose_err(w, &c->err) && !status) {
		fprintf(stderr, "wirekit send: %s: %s\n", c->wpath, c->err.msg);
		status = 1;
	}
	return status;
}

int cmd_send(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"dry-run", no_argument, NULL, OPT_DRY},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"pcapng", no_argument, NULL, OPT_PCAPNG},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"rate", required_argument, NULL, OPT_RATE},
	    {"flood", no_argument, NULL, OPT_FLOOD},
	    {"wait", required_argument, NULL, OPT_WAIT},
	    {"badsum", no_argument, NULL, OPT_BADSUM},
	    {"frag", required_argument, NULL, OPT_FRAG},
	    {"l2", no_argument, NULL, OPT_L2},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char obmem[1 << 16];
	struct ctx *c = calloc(1, sizeof(*c));
	struct wk_tx *tx = NULL;
	struct wk_rx *rx = NULL;
	char *text = NULL;
	int status = 0, rc;
	int outfd = 1;
	if (!c) {
		fprintf(stderr, "wirekit send: out of memory\n");
		return 1;
	}
	wk_ob_init(&c->ob, obmem, sizeof(obmem), out_fd_flush, &outfd);
	c->po.tfmt = WK_TIME_NONE;
	c->po.abs_seq = true; /* the numbers as built */
	bool have_count = false;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:VxI:w:qh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!out_parse_u64(optarg, &c->count) || c->count == 0) {
				fprintf(stderr, "wirekit send: -c: not a positive count: '%s'\n",
				        optarg);
				status = 2;
				goto out;
			}
			have_count = true;
			break;
		case 'V':
			c->tree = true;
			break;
		case 'x':
			c->hex = true;
			break;
		case 'I':
			c->ifname_opt = optarg;
			break;
		case 'w':
			c->wpath = optarg;
			break;
		case 'q':
			c->quiet = true;
			break;
		case OPT_DRY:
			c->dry = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_PCAPNG:
			c->pcapng = true;
			break;
		case OPT_FLOOD:
			c->flood = true;
			break;
		case OPT_BADSUM:
			c->badsum = true;
			break;
		case OPT_L2:
			c->l2 = true;
			break;
		case OPT_INTERVAL:
		case OPT_RATE:
		case OPT_WAIT: {
			double v;
			if (!parse_sec(optarg, &v) || (opt == OPT_RATE && v <= 0)) {
				fprintf(stderr, "wirekit send: --%s: bad number '%s'\n",
				        opt == OPT_RATE   ? "rate"
				        : opt == OPT_WAIT ? "wait"
				                          : "interval",
				        optarg);
				status = 2;
				goto out;
			}
			*(opt == OPT_RATE   ? &c->rate
			  : opt == OPT_WAIT ? &c->wait
			                    : &c->interval) = v;
			break;
		}
		case OPT_FRAG: {
			uint64_t v;
			if (!out_parse_u64(optarg, &v) || v < 8 || v > 65528 || v % 8) {
				fprintf(stderr,
				        "wirekit send: --frag: SIZE must be a multiple of 8 from 8 "
				        "to 65528, not '%s'\n",
				        optarg);
				status = 2;
				goto out;
			}
			c->frag = (size_t)v;
			break;
		}
		case 'h':
			fputs(cmd_send_usage, stdout);
			goto out;
		default:
			fputs(cmd_send_usage, stderr);
			status = 2;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "wirekit send: no packet spec given\n%s", cmd_send_usage);
		status = 2;
		goto out;
	}
	int pacing = (c->flood ? 1 : 0) + (c->rate > 0 ? 1 : 0) + (c->interval > 0 ? 1 : 0);
	if (pacing > 1) {
		fprintf(stderr,
		        "wirekit send: --flood, --rate and --interval exclude each other\n");
		status = 2;
		goto out;
	}
	if (c->flood && c->wait > 0) {
		fprintf(stderr, "wirekit send: --wait does not go with --flood\n");
		status = 2;
		goto out;
	}
	text = out_join_args(argc - optind, argv + optind);
	if (!text) {
		fprintf(stderr, "wirekit send: out of memory\n");
		status = 1;
		goto out;
	}
	size_t col = 0;
	c->spec = wk_spec_parse(text, &c->err, &col);
	if (!c->spec) {
		spec_error(text, &c->err, col);
		status = 2;
		goto out;
	}
	c->b = malloc(sizeof(*c->b));
	if (!c->b) {
		fprintf(stderr, "wirekit send: out of memory\n");
		status = 1;
		goto out;
	}
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = mono_ns() ^ (uint64_t)getpid() << 32;
	c->rng = seed;
	c->run_id = rnd(c);

	/* What the first layer is decides the socket: a link layer goes out whole over
	 * AF_PACKET, IPv4/IPv6 over raw IP sockets (or AF_PACKET with --l2), anything else
	 * (arp) gets an Ethernet header. The pcap link type comes from the same binding. */
	const struct wk_proto *first = wk_spec_proto(c->spec, 0);
	uint32_t lt = 0;
	bool link = (first->flags & WK_PF_LINK) != 0;
	if (!link && (c->l2 || !bound(first, WK_NS_LINKTYPE, &lt)))
		c->prepend_eth = true;
	if (c->prepend_eth || link) {
		c->kind = WK_TX_L2;
		if (!bound(c->prepend_eth ? wk_proto_find("eth") : first, WK_NS_LINKTYPE, &lt)) {
			fprintf(stderr, "wirekit send: %s() cannot start a frame\n", first->name);
			status = 2;
			goto out;
		}
	} else {
		c->kind = lt == WK_LINKTYPE_IPV6 ? WK_TX_IP6 : WK_TX_IP4;
	}
	c->linktype = lt;
	uint64_t np = wk_spec_count(c->spec);
	uint64_t total = have_count ? c->count : (c->flood ? 0 : np);
	bool sending = !c->dry && !c->wpath;
	if (!sending) {
		if (c->flood || c->wait > 0)
			fprintf(stderr, "wirekit send: nothing is sent with --dry-run or -w: "
			                "--flood/--wait ignored\n");
		if (total == 0)
			total = np;
		status = dry_run(c, total);
		goto out;
	}
	if (c->wait > 0 && total > WAIT_MAX_PROBES) {
		fprintf(stderr, "wirekit send: --wait tracks at most %d probes (this is %llu)\n",
		        WAIT_MAX_PROBES, (unsigned long long)total);
		status = 2;
		goto out;
	}

	/* the interface of frames: -I, else the one the route to the destination uses */
	if (c->kind == WK_TX_L2) {
		if (c->ifname_opt) {
			snprintf(c->ifname, sizeof(c->ifname), "%s", c->ifname_opt);
		} else {
			static uint8_t pkt[PKT_MAX];
			size_t len;
			struct wk_pkt p;
			struct timespec z = {0};
			uint8_t src[16];
			c->kind = WK_TX_IP4; /* no link addresses yet */
			rc = make(c, 0, pkt, sizeof(pkt), &len, &c->err);
			c->kind = WK_TX_L2;
			if (rc) {
				fprintf(stderr, "wirekit send: %s\n", c->err.msg);
				status = 1;
				goto out;
			}
			dissect(&p, pkt, len, c->linktype, &z, 1);
			for (unsigned i = 0; i < p.nlayers && !c->ifname[0]; i++) {
				if (!(p.l[i].proto->flags & WK_PF_NETWORK))
					continue;
				const struct wk_proto *pp = p.l[i].proto;
				for (size_t k = 0; k < pp->nfields; k++) {
					const struct wk_field *f = &pp->fields[k];
					struct wk_val v;
					if (f->role != WK_ROLE_DST ||
					    (f->type != WK_FT_IP4 && f->type != WK_FT_IP6) ||
					    !wk_field_get(&p, &p.l[i], f, 0, &v))
						continue;
					const uint8_t *a = v.p ? v.p : v.buf;
					if (wk_route_src(f->type == WK_FT_IP4 ? AF_INET : AF_INET6,
					                 a, src, c->ifname, &c->err)) {
						fprintf(stderr,
						        "wirekit send: %s (give -I IFACE)\n",
						        c->err.msg);
						status = 1;
						goto out;
					}
					break;
				}
			}
			if (!c->ifname[0]) {
				fprintf(stderr,
				        "wirekit send: frames need an interface: give -I IFACE\n");
				status = 2;
				goto out;
			}
		}
		if (wk_iface_mac(c->ifname, c->mymac, NULL, &c->err)) {
			fprintf(stderr, "wirekit send: %s\n", c->err.msg);
			status = 1;
			goto out;
		}
		c->have_mymac = true;
	}
	if (c->flood && c->kind != WK_TX_L2 && !c->ifname_opt && auto_l2(c) && !c->quiet)
		fprintf(stderr, "wirekit send: destination on the link: flooding frames on %s\n",
		        c->ifname);
	tx = wk_tx_open(c->kind, c->kind == WK_TX_L2 ? c->ifname : c->ifname_opt, &c->err);
	if (!tx) {
		if (c->err.code == WK_EPERM) {
			fprintf(stderr, "wirekit send: raw sockets need root or CAP_NET_RAW (try "
			                "--dry-run or -w FILE)\n");
			status = 3;
		} else {
			fprintf(stderr, "wirekit send: %s\n", c->err.msg);
			status = 1;
		}
		goto out;
	}
	if (c->wait > 0) {
		rx = wk_rx_open(&c->err);
		c->match = rx ? wk_match_new(total, &c->err) : NULL;
		c->probes = c->match ? calloc(total, sizeof(*c->probes)) : NULL;
		if (!rx || !c->match || !c->probes) {
			fprintf(stderr, "wirekit send: %s\n",
			        c->err.msg[0] ? c->err.msg : "out of memory");
			status = c->err.code == WK_EPERM ? 3 : 1;
			goto out;
		}
	}
	/* every spec packet must build before the first one leaves (nothing is sent if
	 * any fails): the route and neighbour look-ups happen here too */
	{
		static uint8_t pkt[PKT_MAX];
		size_t len;
		uint64_t check = np < 4096 ? np : 4096;
		for (uint64_t i = 0; i < check; i++)
			if (make(c, i, pkt, sizeof(pkt), &len, &c->err)) {
				fprintf(stderr, "wirekit send: packet %llu: %s\n",
				        (unsigned long long)i + 1, c->err.msg);
				status = c->err.code == WK_EPERM ? 3 : 1;
				goto out;
			}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	uint64_t sent = 0, errors = 0, t0 = mono_ns();
	if (c->flood)
		rc = flood(c, tx, total, &sent, &errors);
	else
		rc = paced(c, tx, rx, total, &sent, &errors);
	double elapsed = (double)(mono_ns() - t0) / 1e9;
	if (rc == WK_EPERM) {
		fprintf(stderr, "wirekit send: raw sockets need root or CAP_NET_RAW (try --dry-run "
		                "or -w FILE)\n");
		status = 3;
		goto out;
	}
	if (rc) {
		wk_ob_flush(&c->ob);
		fprintf(stderr, "wirekit send: %s\n", c->err.msg);
		status = 1;
	}
	if (rx && !rc) {
		uint64_t until = mono_ns() + (uint64_t)(c->wait * 1e9);
		while (!stop && c->answered < c->nprobes && mono_ns() < until)
			if (wait_until(c, rx, until) < 0 || c->answered >= c->nprobes)
				break;
		/* wait_until returns at the deadline or stop; answered probes end it early */
	}
	if (c->match && !c->quiet) {
		for (size_t i = 0; i < c->nprobes; i++) {
			/* a probe is answered when the matcher will no longer give it out */
			struct wk_pkt p;
			const struct probe *pr = &c->probes[i];
			if (pr->len == 0)
				continue;
			dissect(&p, c->blob + pr->off, pr->len, pr->linktype, &pr->ts, i + 1);
			if (wk_match_answered(c->match, (uint32_t)i))
				continue;
			if (c->json) {
				wk_ob_puts(&c->ob, "{\"probe\":");
				json_of(c, &p);
				wk_ob_puts(&c->ob, ",\"reply\":null}\n");
			} else {
				wk_ob_puts(&c->ob, "unanswered: ");
				line_of(c, &p);
				wk_ob_putc(&c->ob, '\n');
			}
		}
	}
	wk_ob_flush(&c->ob);
	if (!c->quiet) {
		double pps = elapsed > 0 ? (double)sent / elapsed : 0;
		fprintf(stderr,
		        "wirekit send: sent %llu, errors %llu, elapsed %.3f s, rate %.0f pps",
		        (unsigned long long)sent, (unsigned long long)errors, elapsed, pps);
		if (c->match)
			fprintf(stderr, "; answered %llu, unanswered %llu",
			        (unsigned long long)c->answered,
			        (unsigned long long)(c->nprobes - c->answered));
		fputc('\n', stderr);
	}
	if (errors && !status)
		status = 1;
out:
	wk_ob_flush(&c->ob);
	wk_tx_close(tx);
	wk_rx_close(rx);
	wk_match_free(c->match);
	wk_spec_free(c->spec);
	free(c->probes);
	free(c->blob);
	free(c->b);
	free(c);
	free(text);
	return status;
}
