/* wirekit send SPEC: forge packets from the packet language (spec.h), print them, write
 * them to a capture file, or send them through raw sockets and match the replies. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "output.h"
#include "parse.h"
#include "wirekit/build.h"
#include "wirekit/pace.h"
#include "wirekit/send.h"
#include "wirekit/spec.h"
#include "wirekit/tx.h"
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
    "numbers (decimal, 0x hex), names (type=echo-request, code=port-unreachable),\n"
    "addresses or host names (resolved once, before sending), MACs, TCP flag letters\n"
    "SAFRPUEC or flags=0x12, IP flags=DF, several joined by + (flags=DF+MF); ranges 20-25,\n"
    "198.18.0.0/30 and lists 1,2,4 expand to the cross product. TCP options in the order\n"
    "given: mss=, wscale=, sackok, ts=VAL:ECR, nop, options=\"mss 1460,nop\".\n"
    "dns(qname=example.test,qtype=A). Payloads: \"text\" (C escapes), hex:0a0b..., @file.\n"
    "Unset: source address from the route to the destination (and the route interface's\n"
    "MAC for ether() and arp hwsrc), random source port, IP ID and TCP sequence, one ICMP\n"
    "identifier per run, ICMP echo sequence counting packets, tcp flags=S, icmp\n"
    "echo-request. Lengths and checksums are computed unless set (chksum=0xdead, len=20).\n"
    "\n"
    "options:\n"
    "  --dry-run         print each packet's summary line instead of sending\n"
    "  -V                print each packet's layer tree (with --dry-run, or what is sent)\n"
    "  -x                print each packet's bytes\n"
    "  --json            JSON records (packets; with --wait, probe/reply pairs)\n"
    "  -w FILE           write the packets to FILE instead of sending (pcap; pcapng when\n"
    "                    FILE ends in .pcapng, any case, or with --pcapng)\n"
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
	FRAG_MAX = 64,
	WAIT_MAX_PROBES = 1 << 18,
};

static volatile int stop;

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
	struct wk_txgen *g;
	uint64_t seed;
	bool prepend_eth;
	uint32_t linktype;
	enum wk_tx_kind kind;
	char ifname[WK_IFNAME_MAX];
	uint8_t mymac[6];
	bool have_mymac;
	/* output */
	struct wk_ob ob;
	struct wk_print_opts po;
	/* matching */
	struct wk_rx *rx;
	struct wk_match *match;
	struct probe *probes;
	uint8_t *blob;
	size_t nprobes, nblob, capblob;
	uint64_t answered, nsent;
	struct wk_error err;
};

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
/* (Re)make the packet generator for the current options: link addresses are filled only
 * for frames we send ourselves, the route's source address always (a failed look-up is an
 * error only when sending). */
static int regen(struct ctx *c)
{
	bool sending = !c->dry && !c->wpath;
	struct wk_txgen_opts o = {.seed = c->seed,
	                          .badsum = c->badsum,
	                          .prepend_eth = c->prepend_eth,
	                          .route_src = true,
	                          .route_strict = sending,
	                          .link_addrs = sending && c->kind == WK_TX_L2 && c->have_mymac};
	snprintf(o.ifname, sizeof(o.ifname), "%s", c->ifname);
	memcpy(o.mac, c->mymac, 6);
	wk_txgen_free(c->g);
	c->g = wk_txgen_new(c->spec, &o, &c->err);
	return c->g ? 0 : c->err.code;
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
/* --flood over a raw IP socket pays a route lookup and a header rewrite in the kernel per
 * packet. When the destination is on the link (its neighbour answers within 300 ms), send
 * whole frames over AF_PACKET instead, as masscan does; otherwise stay on the IP socket.
 * Returns true when c now sends frames. */
static bool auto_l2(struct ctx *c)
{
	char ifname[WK_IFNAME_MAX];
	uint8_t mac[6], mymac[6];
	struct wk_error e = {0};
	if (wk_txgen_route(c->g, ifname, 300, mac, mymac, &e))
		return false;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	memcpy(c->mymac, mymac, 6);
	c->have_mymac = true;
	c->prepend_eth = true;
	c->kind = WK_TX_L2;
	c->linktype = WK_LINKTYPE_ETHERNET;
	return regen(c) == 0;
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
/* Wait until mono time t taking replies (wk_txrun's wait callback with --wait). */
static int wait_until(void *ctx, uint64_t t)
{
	struct ctx *c = ctx;
	for (uint64_t now = wk_mono_ns(); now < t && !stop; now = wk_mono_ns()) {
		int rc = drain(c, c->rx, (int)((t - now + 999999) / 1000000));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* wk_txrun's per-packet callback: errors, -V/-x output, probes to match. */
static int on_sent(void *ctx, uint64_t n, const uint8_t *whole, size_t wlen,
                   const uint8_t *const *pkt, const size_t *len, unsigned npkt,
                   const struct timespec *ts, int r, int e)
{
	struct ctx *c = ctx;
	int rc;
	if ((r < 0 || (unsigned)r < npkt) && !c->quiet)
		fprintf(stderr, "wirekit send: packet %llu: %s\n", (unsigned long long)n + 1,
		        r < 0 ? c->err.msg : strerror(e ? e : EIO));
	if (r > 0)
		c->nsent++;
	if (c->tree || c->hex) {
		for (unsigned k = 0; k < npkt; k++) {
			struct wk_pkt p;
			dissect(&p, pkt[k], len[k], c->linktype, ts, c->nsent);
			show(c, &p);
		}
		wk_ob_flush(&c->ob);
	}
	if (c->match && r > 0) {
		/* the probe as built (before any fragmenting) is what replies answer */
		if ((rc = add_probe(c, whole, wlen, ts)))
			return rc;
		if ((rc = drain(c, c->rx, 0)) < 0)
			return rc;
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

/* --dry-run, -w: the packets printed or written, nothing sent. */
static int dry_run(struct ctx *c, uint64_t total)
{
	static uint8_t pkt[PKT_MAX];
	static uint8_t frags[FRAG_MAX * 1600 + PKT_MAX];
	struct wk_pcap_writer *w = NULL;
	int rc = 0, status = 0;
	bool display = !c->quiet && (c->dry || c->tree || c->hex || c->json);
	if (c->wpath) {
		bool ng = c->pcapng || out_pcapng_name(c->wpath);
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
	struct timespec ts = {0};
	for (uint64_t i = 0; i < total && !stop; i++) {
		size_t len;
		if ((rc = wk_txgen_make(c->g, i, pkt, sizeof(pkt), &len, &c->err))) {
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
		/* the clock costs as much as building a packet: written without being shown,
		 * packets share the time of their group of 64 */
		if (display || i % 64 == 0)
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
			if (display) {
				dissect(&p, ptr[k], lens[k], c->linktype, &ts, ++number);
			} else {
				/* the writer needs the bytes and the time, not the layers */
				memset(&p, 0, offsetof(struct wk_pkt, l));
				p.data = ptr[k];
				p.caplen = p.wirelen = (uint32_t)lens[k];
				p.linktype = c->linktype;
				p.ts_sec = ts.tv_sec;
				p.ts_nsec = (uint32_t)ts.tv_nsec;
				p.number = ++number;
				p.ctx = NULL;
			}
			if (w && wk_pcap_write(w, &p, NULL)) {
				fprintf(stderr, "wirekit send: %s: %s\n", c->wpath,
				        wk_pcap_werror(w)->msg);
				status = 1;
				goto out;
			}
			if (display)
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
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:VxI:w:qh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!cli_parse_u64(optarg, &c->count) || c->count == 0) {
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
			if (!cli_parse_num(optarg, 1e7, &v) || (opt == OPT_RATE && v <= 0)) {
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
			if (!cli_parse_u64(optarg, &v) || v < 8 || v > 65528 || v % 8) {
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
			if (optopt && optopt < 256)
				fprintf(stderr, "wirekit send: unknown or incomplete option '-%c'",
				        optopt);
			else
				fprintf(stderr, "wirekit send: unknown or incomplete option '%s'",
				        argv[optind - 1]);
			fputs(" (see 'wirekit send --help')\n", stderr);
			status = 2;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "wirekit send: no packet spec given (see 'wirekit send --help')\n");
		status = 2;
		goto out;
	}
	if (c->ifname_opt && !if_nametoindex(c->ifname_opt)) {
		fprintf(stderr, "wirekit send: -I %s: no such interface (see 'ip link')\n",
		        c->ifname_opt);
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
	c->spec = wk_spec_parse_flags(text, WK_SPEC_RESOLVE, &c->err, &col);
	if (!c->spec) {
		spec_error(text, &c->err, col);
		status = 2;
		goto out;
	}
	if (getrandom(&c->seed, sizeof(c->seed), 0) != sizeof(c->seed))
		c->seed = wk_mono_ns() ^ (uint64_t)getpid() << 32;
	c->seed |= 1; /* 0 would ask the generator to draw its own */

	/* What the first layer is decides the socket: a link layer goes out whole over
	 * AF_PACKET, IPv4/IPv6 over raw IP sockets (or AF_PACKET with --l2), anything else
	 * (arp) gets an Ethernet header. The pcap link type comes from the same binding. */
	const struct wk_proto *first = wk_spec_proto(c->spec, 0);
	if (c->frag) {
		bool v4 = false;
		for (unsigned i = 0; i < wk_spec_nlayers(c->spec) && !v4; i++)
			v4 = !strcmp(wk_spec_proto(c->spec, i)->name, "ip");
		if (!v4) {
			fprintf(stderr,
			        "wirekit send: --frag fragments IPv4 packets; this spec has "
			        "no ip() layer (see 'wirekit send --help')\n");
			status = 2;
			goto out;
		}
	}
	uint32_t lt = 0;
	bool link = (first->flags & WK_PF_LINK) != 0;
	if (!link && (c->l2 || !bound(first, WK_NS_LINKTYPE, &lt)))
		c->prepend_eth = true;
	uint32_t et;
	if (c->prepend_eth && !link && !bound(first, WK_NS_ETHERTYPE, &et)) {
		/* tcp(), udp()/dns(), icmp(): scapy would need an IP layer too */
		fprintf(stderr,
		        "wirekit send: %s() cannot start a packet: start with the layer that "
		        "carries it, e.g. ip(dst=...)/%s() or ipv6(dst=...)/%s()\n",
		        first->name, first->name, first->name);
		status = 2;
		goto out;
	}
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
	if (regen(c)) {
		fprintf(stderr, "wirekit send: %s\n", c->err.msg);
		status = 1;
		goto out;
	}
	uint64_t np = wk_spec_count(c->spec);
	uint64_t total = have_count ? c->count : (c->flood ? 0 : np);
	bool sending = !c->dry && !c->wpath;
	if (!sending) {
		if (c->flood || c->wait > 0 || c->interval > 0 || c->rate > 0)
			fprintf(
			    stderr,
			    "wirekit send: nothing is sent with --dry-run or -w: %s ignored (the "
			    "packets are %s at once)\n",
			    c->flood      ? "--flood"
			    : c->wait > 0 ? "--wait"
			    : c->rate > 0 ? "--rate"
			                  : "--interval",
			    c->wpath ? "written" : "printed");
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
			rc = wk_txgen_route(c->g, c->ifname, 0, NULL, NULL, &c->err);
			if (rc && rc != WK_ENOTFOUND) {
				fprintf(stderr, "wirekit send: %s (give -I IFACE)\n", c->err.msg);
				status = 1;
				goto out;
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
		if (regen(c)) {
			fprintf(stderr, "wirekit send: %s\n", c->err.msg);
			status = 1;
			goto out;
		}
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
		c->rx = rx = wk_rx_open(&c->err);
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
			if (wk_txgen_make(c->g, i, pkt, sizeof(pkt), &len, &c->err)) {
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
	struct wk_txrun_opts ro = {.total = total,
	                           .flood = c->flood,
	                           .rate = c->rate,
	                           .interval = c->interval,
	                           .frag = c->frag,
	                           .linktype = c->linktype,
	                           .badsum = c->badsum,
	                           .stop = &stop,
	                           .ctx = c,
	                           .sent = on_sent,
	                           .wait = c->rx ? wait_until : NULL};
	struct wk_txrun_stats st;
	uint64_t t0 = wk_mono_ns();
	rc = wk_txrun(c->g, tx, &ro, &st, &c->err);
	uint64_t sent = st.sent, errors = st.errors;
	double elapsed = (double)(wk_mono_ns() - t0) / 1e9;
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
		uint64_t until = wk_mono_ns() + (uint64_t)(c->wait * 1e9);
		while (!stop && c->answered < c->nprobes && wk_mono_ns() < until)
			if (wait_until(c, until) < 0 || c->answered >= c->nprobes)
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
	wk_txgen_free(c->g);
	free(c);
	free(text);
	return status;
}
