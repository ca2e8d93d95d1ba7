/* wirekit scan: host discovery and port scanning with nmap's option spelling. Options and
 * printing only: targets, ports, the permutation, probes and replies are the library's
 * (include/wirekit/scan.h); the writers, resume file and progress line are scan_out.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "parse.h"
#include "scan_cli.h"
#include "scan_link.h"
#include "wirekit/pace.h"

#define DEFAULT_RETRIES 3u /* 5% loss each way: 0.0975^4 = 9e-5 missed */
#define DEFAULT_WAIT_MS 1000u
#define DEFAULT_TOP     1000u
#define FAST_TOP        100u
#define DEFAULT_RESUME  "wirekit-scan.resume"

const char *const cmd_scan_usage =
    "usage: wirekit scan [options] TARGET...\n"
    "\n"
    "Host discovery and port scanning, stateless and in random order, with nmap's options.\n"
    "With no options: discovery (per host: ARP on the local segment, else -PE -PS443 -PA80\n"
    "-PP; our own addresses up unprobed), then the 1,000 most frequent TCP ports, SYN scan\n"
    "with CAP_NET_RAW, connect scan otherwise.\n"
    "\n"
    "Targets: 198.18.0.1  198.18.0.0/16  198.18.0.1-50  198.18.0-3.1-254  a host name\n"
    "  IPv6: 2001:db8::1  2001:db8::/112 (prefixes up to /112; one family per raw scan)\n"
    "  -iL FILE               targets from FILE ('-': stdin)\n"
    "  -6, -4                 IPv6 (IPv4) targets only: names resolve to that family\n"
    "  --exclude LIST         leave these out (comma separated)\n"
    "  --excludefile FILE     leave the targets in FILE out\n"
    "Ports:\n"
    "  -p LIST                22,80,443  1-1024  -  U:53,T:22-25  http,ssh\n"
    "  --top-ports N          the N most frequent ports (nmap-services)\n"
    "  -F                     the 100 most frequent ports\n"
    "  --exclude-ports LIST   leave these ports out\n"
    "Scan types:\n"
    "  -sS SYN (default as root)  -sA ACK  -sT connect  -sU UDP  -sn discovery only\n"
    "  -sL                    list the targets (with -R their names); nothing is sent\n"
    "  -sS -sU, -sA -sU       TCP and UDP in one walk (-p U:53,T:22-25; ports without U:\n"
    "                         or T: are scanned on both)\n"
    "  -sT -sU                connects for TCP, raw UDP probes (root), results per host\n"
    "Discovery:\n"
    "  -Pn                    no discovery: every target is up (reason user-set)\n"
    "  -PE, -PP               ICMP echo, ICMP timestamp\n"
    "  -PS[PORTS], -PA[PORTS] TCP SYN (default 80), TCP ACK (default 80)\n"
    "  -PU[PORTS]             UDP to a closed port (default 40125): up on port unreachable\n"
    "  -PR                    ARP (the default, alone, for each target on the local segment;\n"
    "                         -PR alone: -PE -PS443 -PA80 -PP for the others, as nmap)\n"
    "  --send-ip, --disable-arp-ping  IP probes on the local segment too\n"
    "Timing:\n"
    "  --rate PPS             probes per second (default 10000)\n"
    "  --min-rate, --max-rate PPS   bounds on the rate\n"
    "  -T0..5                 nmap's timing templates (rate, retries, wait)\n"
    "  --max-retries N        at most N retransmissions of an unanswered probe (default 10;\n"
    "                         fewer when the answers show no loss)\n"
    "  --wait MS              wait this long for late replies after each pass (default:\n"
    "                         adapts to the replies' round trips, at most 1000)\n"
    "Order, shards, resume:\n"
    "  --seed N               the permutation's seed (default random; -v prints it)\n"
    "  --shard K/N            scan the K-th of N disjoint parts\n"
    "  --resume FILE          continue an interrupted scan from its resume file\n"
    "  --resume-file FILE     rewrite FILE every 2 s (on SIGINT/SIGTERM: " DEFAULT_RESUME ")\n"
    "Source:\n"
    "  -S ADDR  -e IFACE  -g/--source-port PORT\n"
    "  -Z USER                run as USER once the sockets are open (default nobody as\n"
    "                         root; -Z root keeps root); output files are opened before\n"
    "                         the drop\n"
    "Services (after the port scan, on its open ports):\n"
    "  -sV                    service and version detection (nmap-service-probes)\n"
    "  --version-intensity N  probes up to rarity N, 0..9 (default 7)\n"
    "  --version-light        intensity 2      --version-all   intensity 9\n"
    "  --banners              the first bytes each server sends (TLS: certificate facts)\n"
    "  --banner-wait MS       silence before we speak first (default 400)\n"
    "  --max-parallelism N    -sV/--banners connections in flight (default 512)\n"
    "Output:\n"
    "  -oN FILE text  -oJ FILE JSON Lines  -oX FILE XML  -oG FILE grepable\n"
    "  -oA BASE               BASE.nmap, BASE.xml and BASE.gnmap\n"
    "  --pcapng FILE          every probe and reply, each reply commented with its verdict\n"
    "                         (-sT: the kernel's SYNs and their answers, captured: root)\n"
    "  --reason               print the reason of each state\n"
    "  -v                     print the seed and the resume position\n"
    "  --stats-every S        a progress line every S seconds (on a terminal: always)\n"
    "  --datadir DIR          nmap-services, nmap-payloads, nmap-mac-prefixes from DIR\n"
    "  -n                     no reverse DNS (the default)\n"
    "  -R                     names of the hosts found up (PTR, asynchronous)\n"
    "  --dns-servers LIST     servers to ask (default: /etc/resolv.conf)\n"
    "  --dns-timeout MS       cap on the whole lookup (default 5000)\n"
    "\n"
    "Bad input exits 2 before anything is sent. See wirekit-scan(1).\n";

enum {
	OPT_TOP = 256,
	OPT_EXCLUDE_PORTS,
	OPT_EXCLUDE,
	OPT_EXCLUDEFILE,
	OPT_RATE,
	OPT_MIN_RATE,
	OPT_MAX_RATE,
	OPT_RETRIES,
	OPT_WAIT,
	OPT_SEED,
	OPT_SHARD,
	OPT_RESUME,
	OPT_RESUME_FILE,
	OPT_REASON,
	OPT_DATADIR,
	OPT_STATS,
	OPT_VINTENSITY,
	OPT_VLIGHT,
	OPT_VALL,
	OPT_BANNERS,
	OPT_BANNER_WAIT,
	OPT_NO_ARP,
	OPT_DNS_SERVERS,
	OPT_DNS_TIMEOUT,
	OPT_MAX_PAR,
	OPT_PCAPNG,
};

static const struct option lopts[] = {
    {"top-ports", required_argument, NULL, OPT_TOP},
    {"exclude-ports", required_argument, NULL, OPT_EXCLUDE_PORTS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"excludefile", required_argument, NULL, OPT_EXCLUDEFILE},
    {"rate", required_argument, NULL, OPT_RATE},
    {"min-rate", required_argument, NULL, OPT_MIN_RATE},
    {"max-rate", required_argument, NULL, OPT_MAX_RATE},
    {"max-retries", required_argument, NULL, OPT_RETRIES},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"resume-file", required_argument, NULL, OPT_RESUME_FILE},
    {"source-port", required_argument, NULL, 'g'},
    {"reason", no_argument, NULL, OPT_REASON},
    {"datadir", required_argument, NULL, OPT_DATADIR},
    {"stats-every", required_argument, NULL, OPT_STATS},
    {"version-intensity", required_argument, NULL, OPT_VINTENSITY},
    {"version-light", no_argument, NULL, OPT_VLIGHT},
    {"version-all", no_argument, NULL, OPT_VALL},
    {"banners", no_argument, NULL, OPT_BANNERS},
    {"banner-wait", required_argument, NULL, OPT_BANNER_WAIT},
    {"send-ip", no_argument, NULL, OPT_NO_ARP},
    {"disable-arp-ping", no_argument, NULL, OPT_NO_ARP},
    {"dns-servers", required_argument, NULL, OPT_DNS_SERVERS},
    {"dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT},
    {"max-parallelism", required_argument, NULL, OPT_MAX_PAR},
    {"pcapng", required_argument, NULL, OPT_PCAPNG},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static volatile int g_stop;
static volatile sig_atomic_t g_signal;
static volatile int64_t g_first_ns;

/* The first SIGINT/SIGTERM stops the scan (which then waits, writes and saves); another one
 * a second or more later ends the program at once. One closer to the first is the same
 * interruption seen twice: timeout(1) and a shell both signal the child and its group. */
static void on_signal(int sig)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	int64_t now = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
	if (g_stop) {
		if (now - g_first_ns >= 1000000000) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		return;
	}
	g_first_ns = now;
	g_signal = sig;
	g_stop = 1;
}

/* Everything the options name, before anything is resolved or opened. */
struct args {
	const char *ports, *exclude_ports, *datadir, *resume, *shard;
	const char *iL[8], *excl[16], *exclfile[8], *tgt_disc[3];
	unsigned niL, nexcl, nexclfile;
	unsigned top; /* 0: default */
	bool fast, type_set, disc_set, no_ping, reason, no_arp;
	int timing; /* -1 none */
	double rate, min_rate, max_rate, stats;
	long retries, wait; /* -1: default */
	bool seed_set;
	uint64_t seed;
	const char *source, *ifname;
	int sport;
	enum wk_scan_type type;
	unsigned disc;
	const char *disc_tcp[8], *disc_udp[8];
	unsigned ndisc_tcp, ndisc_udp;
	const char *outs[SCAN_MAX_OUTS][2];
	unsigned nouts;
	const char *resume_file;
	bool verbose;
	struct scan_svc_args svc;   /* -sV, --banners */
	struct scan_host_args host; /* -R */
	bool udp_too;               /* -sU with -sS or -sA */
	const char *pcapng, *user;
	int family; /* -4, -6: AF_INET, AF_INET6; 0 both */
};

__attribute__((format(printf, 1, 2))) static int usage_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("wirekit scan: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 2;
}

#define PUSH(arr, n, v, opt)                                                                       \
	do {                                                                                       \
		if ((n) == WK_ARRAY_SIZE(arr))                                                     \
			return usage_err("%s given too many times", opt);                          \
		(arr)[(n)++] = (v);                                                                \
	} while (0)

/* -oN FILE etc.: the file is the next argument. */
static int parse_o(struct args *a, const char *kind, int argc, char **argv)
{
	static const char *const names[][2] = {
	    {"N", "normal"}, {"J", "json"}, {"X", "xml"}, {"G", "grep"}, {"A", ""}};
	if (optind >= argc)
		return usage_err("-o%s needs a file name", kind);
	const char *path = argv[optind++];
	for (size_t i = 0; i < WK_ARRAY_SIZE(names); i++) {
		if (strcmp(kind, names[i][0]))
			continue;
		if (!*names[i][1]) {
			/* -oA BASE: nmap's three */
			static char bufs[3][4096];
			static const char *const ext[3][2] = {
			    {".nmap", "normal"}, {".xml", "xml"}, {".gnmap", "grep"}};
			for (int k = 0; k < 3; k++) {
				snprintf(bufs[k], sizeof(bufs[k]), "%s%s", path, ext[k][0]);
				if (a->nouts == SCAN_MAX_OUTS)
					return usage_err("%s: too many outputs", "-oA");
				a->outs[a->nouts][0] = ext[k][1];
				a->outs[a->nouts++][1] = bufs[k];
			}
			return 0;
		}
		if (a->nouts == SCAN_MAX_OUTS)
			return usage_err("-o%s: too many outputs", kind);
		a->outs[a->nouts][0] = names[i][1];
		a->outs[a->nouts++][1] = path;
		return 0;
	}
	return usage_err("unknown output -o%s (N, J, X, G, A)", kind);
}

static int parse_s1(struct args *a, char ch)
{
	static const struct {
		char c;
		enum wk_scan_type t;
	} types[] = {{'S', WK_SCAN_SYN}, {'A', WK_SCAN_ACK},  {'T', WK_SCAN_CONNECT},
	             {'U', WK_SCAN_UDP}, {'n', WK_SCAN_NONE}, {'P', WK_SCAN_NONE},
	             {'L', WK_SCAN_LIST}};
	if (ch == 'V') { /* -sV goes with any port scan type */
		a->svc.version = true;
		return 0;
	}
	for (size_t i = 0; i < WK_ARRAY_SIZE(types); i++)
		if (ch == types[i].c) {
			if (scan_mix_type(&a->type, &a->udp_too, a->type_set, types[i].t)) {
				a->type_set = true;
				return 0;
			}
			if (a->type_set && a->type != types[i].t)
				return usage_err("-s%c: one scan type per run", ch);
			a->type = types[i].t;
			a->type_set = true;
			return 0;
		}
	return usage_err("unknown or unsupported scan type -s%c (S, A, T, U, n, L, V)", ch);
}

/* -sS, and as nmap several letters in one: -sSU, -sSV, -sUV */
static int parse_s(struct args *a, const char *v)
{
	if (!*v)
		return usage_err("-s needs a scan type (S, A, T, U, n, L, V)");
	for (; *v; v++) {
		int rc = parse_s1(a, *v);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_p(struct args *a, const char *v)
{
	char kind = *v;
	const char *ports = v + (kind ? 1 : 0);
	switch (kind) {
	case 'n':
		if (v[1])
			return usage_err("unknown option -P%s", v);
		a->no_ping = true;
		return 0;
	case 'E':
	case 'P':
		if (v[1])
			return usage_err("unknown option -P%s", v);
		a->disc |= kind == 'E' ? WK_DISC_ECHO : WK_DISC_TSTAMP;
		break;
	case 'S':
	case 'A':
		a->disc |= kind == 'S' ? WK_DISC_SYN : WK_DISC_ACK;
		if (*ports)
			PUSH(a->disc_tcp, a->ndisc_tcp, ports, "-PS/-PA");
		break;
	case 'U':
		a->disc |= WK_DISC_UDP;
		if (*ports)
			PUSH(a->disc_udp, a->ndisc_udp, ports, "-PU");
		break;
	case 'R':
		if (v[1])
			return usage_err("unknown option -P%s", v);
		a->disc |= WK_DISC_ARP;
		break;
	default:
		return usage_err("unknown discovery option -P%s (n, E, P, S, A, U, R)", v);
	}
	a->disc_set = true;
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv, bool from_resume)
{
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:P:p:T:o:i:e:S:g:Z:nRvFh46", lopts, NULL)) != -1) {
		int rc = 0;
		uint64_t u;
		switch (opt) {
		case 's':
			rc = parse_s(a, optarg);
			break;
		case 'P':
			rc = parse_p(a, optarg);
			break;
		case 'p':
			a->ports = optarg;
			break;
		case 'T':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '5')
				return usage_err("-T%s: timing templates are -T0 .. -T5", optarg);
			a->timing = optarg[0] - '0';
			break;
		case 'o':
			rc = parse_o(a, optarg, argc, argv);
			break;
		case 'i':
			if (strcmp(optarg, "L"))
				return usage_err("unknown option -i%s (-iL FILE)", optarg);
			if (optind >= argc)
				return usage_err("%s needs a file name", "-iL");
			PUSH(a->iL, a->niL, argv[optind++], "-iL");
			break;
		case 'e':
			a->ifname = optarg;
			break;
		case 'S':
			a->source = optarg;
			break;
		case 'g':
			if (!cli_parse_u64(optarg, &u) || u > 65535)
				return usage_err("-g: not a port: '%s'", optarg);
			a->sport = (int)u;
			break;
		case 'Z':
			if (!*optarg)
				return usage_err("%s", "-Z: empty user name");
			a->user = optarg;
			break;
		case OPT_PCAPNG:
			a->pcapng = optarg;
			break;
		case 'n':
		case 'R':
			a->host.resolve = opt == 'R';
			break;
		case '4':
		case '6':
			if (a->family && a->family != (opt == '4' ? AF_INET : AF_INET6))
				return usage_err("%s", "-4 and -6: one address family per scan");
			a->family = opt == '4' ? AF_INET : AF_INET6;
			break;
		case OPT_DNS_SERVERS:
			a->host.servers_arg = optarg;
			break;
		case OPT_DNS_TIMEOUT:
			if (!cli_parse_u64(optarg, &u) || !u || u > 3600000)
				return usage_err("--dns-timeout: not a time in ms: '%s'", optarg);
			a->host.timeout_ms = (unsigned)u;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'F':
			a->fast = true;
			break;
		case 'h':
			fputs(cmd_scan_usage, stdout);
			return -1;
		case OPT_TOP:
			if (!cli_parse_u64(optarg, &u) || !u || u > 65535)
				return usage_err("--top-ports: not a count 1..65535: '%s'", optarg);
			a->top = (unsigned)u;
			break;
		case OPT_EXCLUDE_PORTS:
			a->exclude_ports = optarg;
			break;
		case OPT_EXCLUDE:
			PUSH(a->excl, a->nexcl, optarg, "--exclude");
			break;
		case OPT_EXCLUDEFILE:
			PUSH(a->exclfile, a->nexclfile, optarg, "--excludefile");
			break;
		case OPT_RATE:
		case OPT_MIN_RATE:
		case OPT_MAX_RATE: {
			double d;
			if (!cli_parse_num(optarg, HUGE_VAL, &d) || d <= 0)
				return usage_err("not a rate in packets per second: '%s'", optarg);
			*(opt == OPT_RATE       ? &a->rate
			  : opt == OPT_MIN_RATE ? &a->min_rate
			                        : &a->max_rate) = d;
			break;
		}
		case OPT_RETRIES:
			if (!cli_parse_u64(optarg, &u) || u > 50)
				return usage_err("--max-retries: not a count 0..50: '%s'", optarg);
			a->retries = (long)u;
			break;
		case OPT_WAIT:
			if (!cli_parse_u64(optarg, &u) || u > 3600000)
				return usage_err("--wait: not a time in ms: '%s'", optarg);
			a->wait = (long)u;
			break;
		case OPT_SEED:
			if (!cli_parse_u64(optarg, &a->seed))
				return usage_err("--seed: not a number: '%s'", optarg);
			a->seed_set = true;
			break;
		case OPT_SHARD:
			a->shard = optarg;
			break;
		case OPT_RESUME:
			if (from_resume)
				return usage_err("%s inside a resume file", "--resume");
			a->resume = optarg;
			break;
		case OPT_RESUME_FILE:
			a->resume_file = optarg;
			break;
		case OPT_REASON:
			a->reason = true;
			break;
		case OPT_DATADIR:
			a->datadir = optarg;
			break;
		case OPT_STATS:
			if (!cli_parse_num(optarg, HUGE_VAL, &a->stats) || a->stats <= 0)
				return usage_err("--stats-every: not a time in seconds: '%s'",
				                 optarg);
			break;
		case OPT_VINTENSITY:
			if (!cli_parse_u64(optarg, &u) || u > 9)
				return usage_err("--version-intensity: not 0..9: '%s'", optarg);
			a->svc.intensity = (unsigned)u;
			break;
		case OPT_VLIGHT:
		case OPT_VALL:
			a->svc.intensity = opt == OPT_VALL ? 9 : 2;
			break;
		case OPT_NO_ARP:
			a->no_arp = true;
			break;
		case OPT_BANNERS:
			a->svc.banners = true;
			break;
		case OPT_BANNER_WAIT:
			if (!cli_parse_u64(optarg, &u) || !u || u > 60000)
				return usage_err("--banner-wait: not a time in ms 1..60000: '%s'",
				                 optarg);
			a->svc.banner_wait_ms = (unsigned)u;
			break;
		case OPT_MAX_PAR:
			if (!cli_parse_u64(optarg, &u) || !u || u > 65536)
				return usage_err("--max-parallelism: not 1..65536: '%s'", optarg);
			a->svc.max_parallel = (unsigned)u;
			break;
		case ':':
			return usage_err("option %s needs a value", argv[optind - 1]);
		default:
			return usage_err("unknown option '%s'", argv[optind - 1]);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static bool raw_allowed(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* nmap's -T templates: rate, retries, wait in ms. */
static void timing(const struct args *a, struct wk_scan_opts *o)
{
	static const struct {
		double rate;
		unsigned retries, wait;
	} t[6] = {{1.0 / 300, 10, 5000}, {1.0 / 15, 10, 5000}, {2.5, 10, 2000},
	          {10000, 10, 1000},     {50000, 6, 500},      {200000, 2, 300}};
	int k = a->timing < 0 ? 3 : a->timing;
	o->rate = a->rate > 0 ? a->rate : (a->timing < 0 ? 0 : t[k].rate);
	o->min_rate = a->min_rate;
	o->max_rate = a->max_rate;
	o->retries = a->retries >= 0 ? (unsigned)a->retries : t[k].retries;
	o->wait_ms = a->wait >= 0 ? (unsigned)a->wait : t[k].wait;
	if (!o->wait_ms)
		o->wait_ms = 1; /* 0 is the engine's default */
	/* without --wait, the template's wait is a cap and the wait adapts to the replies'
	 * round trips as nmap's timeouts do (at least nmap's --min-rtt-timeout: 100 ms, T5
	 * 50 ms); --wait MS is waited whole */
	o->min_wait_ms = a->wait >= 0 ? 0 : k == 5 ? 50 : 100;
}

/* --exclude LIST: comma separated, as nmap splits it (an octet list such as 10.0.1,3.1
 * goes in a file: --excludefile). */
static int exclude_list(struct wk_targets *t, const char *list, struct wk_error *e)
{
	char tok[256];
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(tok))
			return wk_seterr(e, WK_EINVAL, "--exclude: bad entry in \"%.100s\"", list);
		memcpy(tok, p, n);
		tok[n] = '\0';
		int rc = wk_targets_exclude(t, tok, e);
		if (rc || !p[n])
			return rc;
		p += n + 1;
	}
}

static int build_targets(const struct args *a, char **pos, int npos, struct wk_targets **out)
{
	struct wk_error e = {0};
	struct wk_targets *t = wk_targets_new(&e);
	int rc = t ? 0 : WK_ENOMEM;
	if (!rc && a->family)
		rc = wk_targets_family(t, a->family, &e);
	for (int i = 0; !rc && i < npos; i++)
		rc = wk_targets_add(t, pos[i], &e);
	for (unsigned i = 0; !rc && i < a->niL; i++)
		rc = wk_targets_add_file(t, a->iL[i], &e);
	for (unsigned i = 0; !rc && i < a->nexcl; i++)
		rc = exclude_list(t, a->excl[i], &e);
	for (unsigned i = 0; !rc && i < a->nexclfile; i++)
		rc = wk_targets_exclude_file(t, a->exclfile[i], &e);
	if (!rc && !npos && !a->niL) {
		fprintf(stderr, "wirekit scan: no targets (see wirekit scan --help)\n");
		wk_targets_free(t);
		return 2;
	}
	if (!rc)
		rc = wk_targets_finish(t, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		wk_targets_free(t);
		return rc == WK_ENOMEM ? 1 : 2;
	}
	*out = t;
	return 0;
}

static int build_ports(const struct args *a, enum wk_scan_type type, const struct wk_services *svc,
                       struct wk_ports *ports, struct wk_ports *disc)
{
	struct wk_error e = {0};
	unsigned mask = scan_mix_protos(type, a->udp_too);
	int rc = 0;
	if (type == WK_SCAN_LIST && (a->ports || a->fast || a->top || a->exclude_ports))
		return usage_err("%s", "-sL lists the targets: no ports (-p, -F, --top-ports)");
	if (type != WK_SCAN_NONE && type != WK_SCAN_LIST) {
		if (a->ports)
			rc = wk_ports_parse(ports, a->ports, mask, svc, &e);
		else if (!svc)
			return usage_err("%s", "no nmap-services for the default ports (use -p or "
			                       "--datadir)");
		else
			for (unsigned p = 0; !rc && p < WK_SP_NPROTO; p++)
				if (mask >> p & 1)
					rc = wk_ports_top(ports, svc, p,
					                  a->top    ? a->top
					                  : a->fast ? FAST_TOP
					                            : DEFAULT_TOP,
					                  &e);
		if (!rc)
			scan_mix_fit(ports, mask);
		if (!rc && a->exclude_ports) {
			struct wk_ports ex = {0};
			rc = wk_ports_parse(&ex, a->exclude_ports,
			                    1u << WK_SP_TCP | 1u << WK_SP_UDP, svc, &e);
			if (!rc)
				wk_ports_remove(ports, &ex);
			wk_ports_free(&ex);
		}
		if (!rc && !ports->n)
			return usage_err("%s", "no ports left to scan");
	}
	for (unsigned i = 0; !rc && i < a->ndisc_tcp; i++)
		rc = wk_ports_parse(disc, a->disc_tcp[i], 1u << WK_SP_TCP, svc, &e);
	for (unsigned i = 0; !rc && i < a->ndisc_udp; i++)
		rc = wk_ports_parse(disc, a->disc_udp[i], 1u << WK_SP_UDP, svc, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		return rc == WK_ENOMEM ? 1 : 2;
	}
	return 0;
}

static int set_source(const struct args *a, struct wk_scan_addr *src, struct wk_scan_opts *o)
{
	if (!a->source)
		return 0;
	memset(src, 0, sizeof(*src));
	if (inet_pton(AF_INET, a->source, src->b) == 1)
		src->family = AF_INET;
	else if (inet_pton(AF_INET6, a->source, src->b) == 1)
		src->family = AF_INET6;
	else
		return usage_err("-S: not an address: '%s'", a->source);
	o->source = src;
	return 0;
}

static int set_shard(const struct args *a, struct wk_scan_opts *o)
{
	o->shard_k = o->shard_of = 1;
	if (!a->shard)
		return 0;
	unsigned k, n;
	char c;
	if (sscanf(a->shard, "%u/%u%c", &k, &n, &c) != 2 || !n || !k || k > n)
		return usage_err("--shard: not K/N with 1 <= K <= N: '%s'", a->shard);
	o->shard_k = k;
	o->shard_of = n;
	return 0;
}

static const char *type_name(enum wk_scan_type t)
{
	switch (t) {
	case WK_SCAN_SYN:
		return "syn";
	case WK_SCAN_ACK:
		return "ack";
	case WK_SCAN_CONNECT:
		return "connect";
	case WK_SCAN_UDP:
		return "udp";
	case WK_SCAN_LIST:
		return "list";
	default:
		return "ping";
	}
}

static char *join_args(int argc, char **argv)
{
	size_t n = 8;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n + 8);
	if (!s)
		return NULL;
	size_t l = (size_t)snprintf(s, n, "wirekit");
	for (int i = 0; i < argc && l < n; i++)
		l += (size_t)snprintf(s + l, n - l, " %s", argv[i]);
	return s;
}

int cmd_scan(int argc, char **argv)
{
	struct args a = {.timing = -1, .retries = -1, .wait = -1, .sport = -1, .svc.intensity = 7};
	struct scan_cli c;
	struct wk_targets *tg = NULL;
	struct wk_services *svc = NULL;
	struct wk_macdb *macdb = NULL;
	struct wk_ports ports = {0}, disc = {0};
	struct wk_scan_addr src;
	struct wk_scan_summary sum = {0};
	struct wk_error e = {0};
	int rargc = 0, status;
	char **rargv = NULL, *cmdline = NULL;
	uint64_t rseed = 0, rpos = 0, pos = 0;
	memset(&c, 0, sizeof(c));
	c.resume_fd = -1;
	/* the command line as typed, for the report headers, before getopt permutes argv
	 * (options after the targets move before them) */
	cmdline = join_args(argc, argv);
	status = parse_args(&a, argc, argv, false);
	if (status) {
		free(cmdline);
		return status < 0 ? 0 : status;
	}
	char **posv = argv + optind;
	int npos = argc - optind;
	c.argc = argc;
	c.argv = argv;
	if (a.resume) {
		const char *rf = a.resume;
		free(cmdline);
		cmdline = NULL;
		if (argc > 3 || npos)
			return usage_err("%s takes no other options (they are in the file)",
			                 "--resume");
		if ((status = scan_resume_load(rf, &rargc, &rargv, &rseed, &rpos)))
			return status;
		memset(&a, 0, sizeof(a));
		a.timing = -1, a.retries = -1, a.wait = -1, a.sport = -1, a.svc.intensity = 7;
		status = parse_args(&a, rargc, rargv, true);
		if (status) {
			status = status < 0 ? 0 : status;
			goto out;
		}
		posv = rargv + optind;
		npos = rargc - optind;
		a.seed = rseed;
		a.seed_set = true;
		if (!a.resume_file)
			a.resume_file = rf;
		c.argc = rargc;
		c.argv = rargv;
	}
	/* the port list comes first in nmap's errors too, then the targets (names resolve) */
	svc = wk_services_load(a.datadir, &e);
	if (!a.type_set)
		a.type = WK_SCAN_SYN;
	if ((status = build_ports(&a, a.type, svc, &ports, &disc)))
		goto out;
	if ((status = build_targets(&a, posv, npos, &tg)))
		goto out;
	if (a.host.resolve && (status = scan_host_servers(&a.host)))
		goto out;
	struct wk_scan_opts *o = &c.o;
	o->targets = tg;
	o->ports = &ports;
	o->type = a.type;
	o->discovery = a.no_ping    ? 0
	               : a.disc_set ? a.disc
	                            : WK_DISC_ECHO | WK_DISC_SYN | WK_DISC_ACK | WK_DISC_TSTAMP;
	o->discovery = scan_link_disc(o->discovery, a.no_arp);
	o->disc_ports = disc.n ? &disc : NULL;
	timing(&a, o);
	o->source_port = a.sport;
	o->ifname = a.ifname;
	o->datadir = a.datadir;
	o->resume_pos = rpos;
	if ((status = set_source(&a, &src, o)) || (status = set_shard(&a, o)))
		goto out;
	if (o->type == WK_SCAN_LIST && (a.svc.version || a.svc.banners || a.pcapng)) {
		status = usage_err("%s", "-sL sends nothing: not with -sV, --banners or --pcapng");
		goto out;
	}
	if (o->type == WK_SCAN_NONE && !o->discovery) {
		status = usage_err("%s", "-sn with -Pn: nothing to do");
		goto out;
	}
	if (a.seed_set)
		o->seed = a.seed;
	else if (getrandom(&o->seed, sizeof(o->seed), 0) != (ssize_t)sizeof(o->seed))
		o->seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	o->also_udp = a.udp_too;
	if (o->type != WK_SCAN_LIST && (o->type != WK_SCAN_CONNECT || a.udp_too) &&
	    !raw_allowed()) {
		if (o->type != WK_SCAN_SYN || a.udp_too) {
			fprintf(stderr, "wirekit scan: -s%c needs CAP_NET_RAW (root)\n",
			        o->type == WK_SCAN_ACK                ? 'A'
			        : o->type == WK_SCAN_UDP || a.udp_too ? 'U'
			                                              : 'n');
			status = 3;
			goto out;
		}
		fprintf(stderr,
		        "wirekit scan: no CAP_NET_RAW: connect scan (-sT) instead of SYN\n");
		o->type = WK_SCAN_CONNECT;
	}
	c.table = wk_results_new(&e);
	if (!c.table) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg);
		status = 1;
		goto out;
	}
	bool stdout_used = false;
	for (unsigned i = 0; i < a.nouts; i++) {
		if ((status = scan_out_add(&c, a.outs[i][0], a.outs[i][1], rargv != NULL)))
			goto out;
		stdout_used |= !strcmp(a.outs[i][1], "-");
	}
	if (!stdout_used && (status = scan_out_add(&c, "text", "-", false)))
		goto out;
	if (!cmdline) /* resumed: the interrupted scan's command line */
		cmdline = join_args(c.argc, c.argv);
	c.info.args = cmdline ? cmdline : "wirekit scan";
	c.info.scan_type = type_name(o->type);
	c.info.ports = o->type == WK_SCAN_NONE || o->type == WK_SCAN_LIST ? NULL : &ports;
	if (o->type == WK_SCAN_LIST) { /* the writers list the set; the table only -R's names */
		c.info.list = true;
		c.info.user_set = tg;
	}
	c.info.services = svc;
	c.info.start_sec = time(NULL);
	c.info.seed = o->seed;
	c.info.reasons = a.reason;
	c.info.versions = a.svc.version;
	c.info.macdb = macdb = scan_link_macdb(a.datadir);
	c.resume_file = a.resume_file;
	c.tty = isatty(2);
	c.stats_every = a.stats;
	c.verbose = a.verbose;
	c.last_save_ns = c.last_stats_ns = wk_mono_ns();
	if ((status = scan_open_prepare(&c, a.pcapng, a.user, rargv != NULL)))
		goto out;
	o->on_result = scan_out_result;
	o->on_progress = scan_out_progress;
	o->ctx = &c;
	o->stop = &g_stop;
	if (a.verbose)
		fprintf(stderr,
		        "wirekit scan: seed %" PRIu64 ", shard %u/%u, position %" PRIu64 "\n",
		        o->seed, o->shard_k, o->shard_of, o->resume_pos);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	scan_out_begin(&c);
	if (scan_open_before_run(&c)) {
		status = 1;
		goto out;
	}
	int rc = wk_scan_run(o, &sum, &pos, &e);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (rc) {
		scan_out_end(&c, &sum);
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		status = rc == WK_EPERM ? 3 : rc == WK_EINVAL ? 2 : 1;
		goto out;
	}
	if ((a.svc.version || a.svc.banners) && !g_stop) {
		a.svc.datadir = a.datadir;
		a.svc.stop = &g_stop;
		if (scan_svc_run(&c, &a.svc)) {
			scan_out_end(&c, &sum);
			status = 1;
			goto out;
		}
	}
	a.host.verbose = a.verbose;
	if (a.host.resolve && !g_stop && scan_host_rdns(&c, &a.host, &g_stop)) {
		scan_out_end(&c, &sum);
		status = 1;
		goto out;
	}
	status = scan_out_end(&c, &sum) ? 1 : 0;
	if (g_stop) {
		const char *rf = a.resume_file ? a.resume_file : DEFAULT_RESUME;
		if (scan_resume_save(&c, rf, pos))
			fprintf(stderr, "wirekit scan: could not write %s: %s\n", rf,
			        strerror(errno));
		else
			fprintf(stderr,
			        "wirekit scan: stopped at position %" PRIu64
			        "; resume with: wirekit scan "
			        "--resume %s\n",
			        pos, rf);
		status = 128 + g_signal;
	} else if (a.resume_file) {
		scan_resume_save(&c, a.resume_file, pos);
	}
	if (a.verbose)
		fprintf(stderr,
		        "wirekit scan: seed %" PRIu64 ", position %" PRIu64 ", %" PRIu64
		        " probes, %" PRIu64 " replies, %.2f s\n",
		        o->seed, pos, sum.probes_sent, sum.replies, sum.elapsed);
out:
	if (scan_open_close(&c) && !status)
		status = 1;
	scan_out_close(&c);
	wk_results_free(c.table);
	wk_targets_free(tg);
	wk_services_free(svc);
	wk_macdb_free(macdb);
	wk_ports_free(&ports);
	wk_ports_free(&disc);
	scan_resume_free(rargc, rargv);
	free(cmdline);
	return status;
}
