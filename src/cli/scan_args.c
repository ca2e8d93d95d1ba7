/* wirekit scan's options: the usage text and nmap's option spelling parsed into struct args
 * (scan_args.h). */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmds.h"
#include "parse.h"
#include "scan_args.h"
#include "scan_link.h"

const char *const cmd_scan_usage =
    "usage: wirekit scan [options] TARGET...\n"
    "\n"
    "Host discovery and port scanning, stateless and in random order, with nmap's options.\n"
    "With no options: discovery (per host: ARP on the local segment, else -PE -PS443 -PA80\n"
    "-PP; our own addresses up unprobed), then the 1,000 most frequent TCP ports, SYN scan\n"
    "with CAP_NET_RAW, connect scan otherwise (discovery then by connects to 80 and 443).\n"
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
    "  (without CAP_NET_RAW: connects to TCP 80, 443 or the -PS/-PA ports, up on syn-ack\n"
    "  or conn-refused, as nmap's unprivileged discovery)\n"
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
    "  --min-rtt-timeout T, --max-rtt-timeout T, --initial-rtt-timeout T\n"
    "                         bounds of that adaptive wait, and the wait before any reply\n"
    "                         is timed (T: 500ms, 2s, 1m; a bare number is seconds)\n"
    "  --scan-delay T         at least T between probes (a rate of 1/T)\n"
    "Order, shards, resume:\n"
    "  --seed N               the permutation's seed (default random; -v prints it)\n"
    "  -r                     each host's ports in order (the hosts stay in random order)\n"
    "  --randomize-hosts      accepted: the hosts are always in random order\n"
    "  --shard K/N            scan the K-th of N disjoint parts\n"
    "  --resume FILE          continue an interrupted scan from its resume file\n"
    "  --resume-file FILE     rewrite FILE every 2 s, results journaled in FILE.done (on\n"
    "                         SIGINT/SIGTERM without it: " DEFAULT_RESUME ")\n"
    "Source:\n"
    "  -S ADDR  -e IFACE  -g/--source-port PORT\n"
    "  -Z USER                run as USER once the sockets are open (default nobody as\n"
    "                         root; -Z root keeps root); output files are opened before\n"
    "                         the drop\n"
    "Probes (raw IPv4 scans):\n"
    "  --ttl N                IP TTL of every probe, 1..255 (default 64)\n"
    "  --data-length N        N random bytes after each probe's header (UDP: instead of\n"
    "                         the port's payload), 0..1400\n"
    "  --badsum               wrong TCP/UDP checksums (hosts drop them: what answers did\n"
    "                         not check)\n"
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
    "  --open                 only ports that are (or may be) open: open, open|filtered,\n"
    "                         unfiltered; only hosts with such a port\n"
    "  --reason               print the reason of each state\n"
    "  --packet-trace         nmap's SENT and RCVD lines on stdout (and -oN): each probe\n"
    "                         and each reply matched to one (-sT: CONN lines, connect())\n"
    "  -v                     \"Discovered open port\" lines as ports are found, down hosts\n"
    "                         listed (\"[host down]\"), the seed and the resume position;\n"
    "                         \"Not shown\" over 50 ports of a state (25); -vv: every port,\n"
    "                         with reasons\n"
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
	OPT_MIN_RTT,
	OPT_MAX_RTT,
	OPT_INIT_RTT,
	OPT_SCAN_DELAY,
	OPT_MAX_SCAN_DELAY,
	OPT_SEED,
	OPT_SHARD,
	OPT_RESUME,
	OPT_RESUME_FILE,
	OPT_REASON,
	OPT_PACKET_TRACE,
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
	OPT_OPEN,
	OPT_RANDOM_HOSTS,
	OPT_TTL,
	OPT_DATA_LEN,
	OPT_BADSUM,
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
    {"min-rtt-timeout", required_argument, NULL, OPT_MIN_RTT},
    {"max-rtt-timeout", required_argument, NULL, OPT_MAX_RTT},
    {"initial-rtt-timeout", required_argument, NULL, OPT_INIT_RTT},
    {"scan-delay", required_argument, NULL, OPT_SCAN_DELAY},
    {"max-scan-delay", required_argument, NULL, OPT_MAX_SCAN_DELAY},
    {"seed", required_argument, NULL, OPT_SEED},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"resume-file", required_argument, NULL, OPT_RESUME_FILE},
    {"source-port", required_argument, NULL, 'g'},
    {"reason", no_argument, NULL, OPT_REASON},
    {"packet-trace", no_argument, NULL, OPT_PACKET_TRACE},
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
    {"open", no_argument, NULL, OPT_OPEN},
    {"randomize-hosts", no_argument, NULL, OPT_RANDOM_HOSTS},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"data-length", required_argument, NULL, OPT_DATA_LEN},
    {"badsum", no_argument, NULL, OPT_BADSUM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int scan_usage_err(const char *fmt, ...)
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
			return scan_usage_err("%s given too many times", opt);                     \
		(arr)[(n)++] = (v);                                                                \
	} while (0)

/* -oN FILE etc.: the file is the next argument. */
static int parse_o(struct args *a, const char *kind, int argc, char **argv)
{
	static const char *const names[][2] = {
	    {"N", "normal"}, {"J", "json"}, {"X", "xml"}, {"G", "grep"}, {"A", ""}};
	if (optind >= argc)
		return scan_usage_err("-o%s needs a file name", kind);
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
					return scan_usage_err("%s: too many outputs", "-oA");
				a->outs[a->nouts][0] = ext[k][1];
				a->outs[a->nouts++][1] = bufs[k];
			}
			return 0;
		}
		if (a->nouts == SCAN_MAX_OUTS)
			return scan_usage_err("-o%s: too many outputs", kind);
		a->outs[a->nouts][0] = names[i][1];
		a->outs[a->nouts++][1] = path;
		return 0;
	}
	return scan_usage_err("unknown output -o%s (N, J, X, G, A)", kind);
}

/* nmap options wirekit does not have, named so that a command line copied from nmap fails
 * with a reason instead of "unknown option". NULL: not one of them. */
static const char *nmap_unsupported(const char *opt)
{
	static const struct {
		const char *opt, *why;
	} t[] = {
	    {"-A", "not supported (OS detection and scripts are not in wirekit yet; -sV is)"},
	    {"-O", "OS detection is not supported yet"},
	    {"--osscan-guess", "OS detection is not supported yet"},
	    {"--osscan-limit", "OS detection is not supported yet"},
	    {"--script", "NSE scripts are not supported (--banners grabs banners, -sV versions)"},
	    {"--script-args", "NSE scripts are not supported"},
	    {"--traceroute", "not supported yet (wirekit send 'ip(ttl=1-30)/...' traces a path)"},
	    {"-f", "fragmented probes are not supported"},
	    {"--mtu", "fragmented probes are not supported"},
	    {"-D", "decoys are not supported"},
	    {"--spoof-mac", "not supported"},
	    {"--data-string", "not supported (--data-length appends random bytes)"},
	    {"--data", "not supported (--data-length appends random bytes)"},
	    {"--ip-options", "not supported"},
	    {"--proxies", "not supported"},
	    {"--host-timeout", "not supported: the raw scan keeps no per-host state to time out "
	                       "(--max-retries and --max-rtt-timeout bound the scan)"},
	    {"-d", "debugging output is not supported (-v, -vv, --packet-trace are)"},
	};
	size_t n = strcspn(opt, "=");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].opt) == n && !strncmp(opt, t[i].opt, n))
			return t[i].why;
	return NULL;
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
				return scan_usage_err("-s%c: one scan type per run", ch);
			a->type = types[i].t;
			a->type_set = true;
			return 0;
		}
	static const char *const nmap_types[][2] = {
	    {"X", "Xmas scan"},   {"N", "null scan"},        {"F", "FIN scan"},
	    {"M", "Maimon scan"}, {"W", "window scan"},      {"I", "idle scan"},
	    {"Y", "SCTP INIT"},   {"Z", "SCTP COOKIE-ECHO"}, {"O", "IP protocol scan"},
	    {"C", "NSE scripts"}, {"R", "RPC scan"}};
	for (size_t i = 0; i < WK_ARRAY_SIZE(nmap_types); i++)
		if (ch == nmap_types[i][0][0])
			return scan_usage_err(
			    "-s%c (%s) is not supported: -sS, -sA, -sT, -sU, -sn, "
			    "-sL and -sV are",
			    ch, nmap_types[i][1]);
	return scan_usage_err("unknown or unsupported scan type -s%c (S, A, T, U, n, L, V)", ch);
}

/* -sS, and as nmap several letters in one: -sSU, -sSV, -sUV */
static int parse_s(struct args *a, const char *v)
{
	if (!*v)
		return scan_usage_err("-s needs a scan type (S, A, T, U, n, L, V)");
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
			return scan_usage_err("unknown option -P%s", v);
		a->no_ping = true;
		return 0;
	case 'E':
	case 'P':
		if (v[1])
			return scan_usage_err("unknown option -P%s", v);
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
			return scan_usage_err("unknown option -P%s", v);
		a->disc |= WK_DISC_ARP;
		break;
	default:
		return scan_usage_err("unknown discovery option -P%s (n, E, P, S, A, U, R)", v);
	}
	a->disc_set = true;
	return 0;
}

int scan_args_parse(struct args *a, int argc, char **argv, bool from_resume)
{
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:P:p:T:o:i:e:S:g:Z:nRrvFh46", lopts, NULL)) !=
	       -1) {
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
				return scan_usage_err("-T%s: timing templates are -T0 .. -T5",
				                      optarg);
			a->timing = optarg[0] - '0';
			break;
		case 'o':
			rc = parse_o(a, optarg, argc, argv);
			break;
		case 'i':
			if (strcmp(optarg, "L"))
				return scan_usage_err("unknown option -i%s (-iL FILE)", optarg);
			if (optind >= argc)
				return scan_usage_err("%s needs a file name", "-iL");
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
				return scan_usage_err("-g: not a port: '%s'", optarg);
			a->sport = (int)u;
			break;
		case 'Z':
			if (!*optarg)
				return scan_usage_err("%s", "-Z: empty user name");
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
				return scan_usage_err("%s",
				                      "-4 and -6: one address family per scan");
			a->family = opt == '4' ? AF_INET : AF_INET6;
			break;
		case OPT_DNS_SERVERS:
			a->host.servers_arg = optarg;
			break;
		case OPT_DNS_TIMEOUT:
			if (!cli_parse_u64(optarg, &u) || !u || u > 3600000)
				return scan_usage_err("--dns-timeout: not a time in ms: '%s'",
				                      optarg);
			a->host.timeout_ms = (unsigned)u;
			break;
		case 'v':
			a->verbose += a->verbose < 9;
			break;
		case 'F':
			a->fast = true;
			break;
		case 'h':
			fputs(cmd_scan_usage, stdout);
			return -1;
		case OPT_TOP:
			if (!cli_parse_u64(optarg, &u) || !u || u > 65535)
				return scan_usage_err("--top-ports: not a count 1..65535: '%s'",
				                      optarg);
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
				return scan_usage_err("not a rate in packets per second: '%s'",
				                      optarg);
			*(opt == OPT_RATE       ? &a->rate
			  : opt == OPT_MIN_RATE ? &a->min_rate
			                        : &a->max_rate) = d;
			break;
		}
		case OPT_RETRIES:
			if (!cli_parse_u64(optarg, &u) || u > 50)
				return scan_usage_err("--max-retries: not a count 0..50: '%s'",
				                      optarg);
			a->retries = (long)u;
			break;
		case OPT_WAIT:
			if (!cli_parse_u64(optarg, &u) || u > 3600000)
				return scan_usage_err("--wait: not a time in ms: '%s'", optarg);
			a->wait = (long)u;
			break;
		case OPT_MIN_RTT:
		case OPT_MAX_RTT:
		case OPT_INIT_RTT:
		case OPT_SCAN_DELAY:
		case OPT_MAX_SCAN_DELAY: {
			static const char *const names[] = {
			    [OPT_MIN_RTT - OPT_MIN_RTT] = "--min-rtt-timeout",
			    [OPT_MAX_RTT - OPT_MIN_RTT] = "--max-rtt-timeout",
			    [OPT_INIT_RTT - OPT_MIN_RTT] = "--initial-rtt-timeout",
			    [OPT_SCAN_DELAY - OPT_MIN_RTT] = "--scan-delay",
			    [OPT_MAX_SCAN_DELAY - OPT_MIN_RTT] = "--max-scan-delay"};
			if (!cli_parse_time(optarg, &u))
				return scan_usage_err("%s: not a time (500ms, 2s, 1m): '%s'",
				                      names[opt - OPT_MIN_RTT], optarg);
			/* --max-scan-delay bounds how far nmap slows down on drops; our delay
			 * never grows on its own, so the bound always holds */
			uint64_t *dst[] = {&a->min_rtt, &a->max_rtt, &a->init_rtt, &a->scan_delay,
			                   NULL};
			if (dst[opt - OPT_MIN_RTT])
				*dst[opt - OPT_MIN_RTT] = u;
			break;
		}
		case OPT_SEED:
			if (!cli_parse_u64(optarg, &a->seed))
				return scan_usage_err("--seed: not a number: '%s'", optarg);
			a->seed_set = true;
			break;
		case OPT_SHARD:
			a->shard = optarg;
			break;
		case OPT_RESUME:
			if (from_resume)
				return scan_usage_err("%s inside a resume file", "--resume");
			a->resume = optarg;
			break;
		case OPT_RESUME_FILE:
			a->resume_file = optarg;
			break;
		case OPT_REASON:
			a->reason = true;
			break;
		case OPT_PACKET_TRACE:
			a->packet_trace = true;
			break;
		case OPT_OPEN:
			a->open_only = true;
			break;
		case 'r':
			a->ports_in_order = true;
			break;
		case OPT_RANDOM_HOSTS: /* the targets are always in random order */
			break;
		case OPT_TTL:
			if (!cli_parse_u64(optarg, &u) || !u || u > 255)
				return scan_usage_err("--ttl: not a TTL 1..255: '%s'", optarg);
			a->ttl = (unsigned)u;
			break;
		case OPT_DATA_LEN:
			if (!cli_parse_u64(optarg, &u) || u > WK_SCAN_DATA_MAX)
				return scan_usage_err(
				    "--data-length: not a length 0..%u (every probe in one "
				    "Ethernet frame): '%s'",
				    WK_SCAN_DATA_MAX, optarg);
			a->data_len = (unsigned)u;
			break;
		case OPT_BADSUM:
			a->badsum = true;
			break;
		case OPT_DATADIR:
			a->datadir = optarg;
			break;
		case OPT_STATS:
			if (!cli_parse_num(optarg, HUGE_VAL, &a->stats) || a->stats <= 0)
				return scan_usage_err("--stats-every: not a time in seconds: '%s'",
				                      optarg);
			break;
		case OPT_VINTENSITY:
			if (!cli_parse_u64(optarg, &u) || u > 9)
				return scan_usage_err("--version-intensity: not 0..9: '%s'",
				                      optarg);
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
				return scan_usage_err(
				    "--banner-wait: not a time in ms 1..60000: '%s'", optarg);
			a->svc.banner_wait_ms = (unsigned)u;
			break;
		case OPT_MAX_PAR:
			if (!cli_parse_u64(optarg, &u) || !u || u > 65536)
				return scan_usage_err("--max-parallelism: not 1..65536: '%s'",
				                      optarg);
			a->svc.max_parallel = (unsigned)u;
			break;
		case ':':
			if (optopt)
				return scan_usage_err("option -%c needs a value", optopt);
			return scan_usage_err("option %s needs a value", argv[optind - 1]);
		default: {
			/* a short option getopt refused is optopt (in "-dd" argv[optind - 1] is
			 * still the word before it); a long one is the word itself */
			char shortopt[3] = {'-', (char)optopt, '\0'};
			if (optopt >= '0' && optopt <= '9')
				return scan_usage_err(
				    "-%c: not an option (nmap's -v3 is -vvv here)", optopt);
			const char *name = optopt ? shortopt : argv[optind - 1];
			const char *hint = nmap_unsupported(name);
			if (hint)
				return scan_usage_err("%s: %s", name, hint);
			return scan_usage_err("unknown option '%s'", name);
		}
		}
		if (rc)
			return rc;
	}
	return 0;
}
