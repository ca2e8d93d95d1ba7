/* wirekit sockets: the local TCP, UDP and Unix sockets from NETLINK_SOCK_DIAG, like ss. The
 * filter expression is the library's (wk_sockfilter); this file holds options and printing. */
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmds.h"
#include "wirekit/sock.h"

const char *const cmd_sockets_usage =
    "usage: wirekit sockets [-t] [-u] [-x] [-l|-a] [-4|-6] [-H] [-e] [-o] [-s] [--json]\n"
    "                       [FILTER]\n"
    "\n"
    "List local sockets from the kernel (NETLINK_SOCK_DIAG) with their state, local and\n"
    "peer address, queues and owning processes, in the columns of ss -tunxp.\n"
    "\n"
    "  -t, --tcp            TCP sockets (default: TCP and UDP)\n"
    "  -u, --udp            UDP sockets\n"
    "  -x, --unix           Unix sockets (stream, datagram, seqpacket): the path or @name,\n"
    "                       the inode, and the peer's inode, as ss -x\n"
    "  -l, --listening      only listening (LISTEN, unconnected UDP and Unix datagram) sockets\n"
    "  -a, --all            all sockets (default: only connected ones, without TIME-WAIT)\n"
    "  -4, -6               IPv4 or IPv6 only\n"
    "  -e, --extended       uid, inode and socket cookie (Unix: shutdown as <->)\n"
    "  -o, --options        TCP timers: timer:(NAME,TIME,RETRANSMITS)\n"
    "  -s, --summary        counts per protocol and state (every state) instead of the list\n"
    "  -H, --no-header      no header line\n"
    "  --json               one JSON object per socket, one per line\n"
    "  -n, -p               accepted for ss compatibility (always numeric, always processes)\n"
    "\n"
    "FILTER is ss's expression: terms 'sport OP :PORT', 'dport OP :PORT' (OP: = == eq,\n"
    "!= ne, < lt, > gt, <= le, >= ge) and 'src ADDR', 'dst ADDR' (ADDR: an address,\n"
    "ADDR/LEN, ADDR:PORT, [IPv6]:PORT, or a Unix path or @name with * and ? wildcards),\n"
    "joined by and (&&), or (||), not (!) and parentheses, in one argument or many:\n"
    "  wirekit sockets -t 'sport = :7070'\n"
    "  wirekit sockets -ta '( dport eq :22 or dst 198.18.0.0/24 ) and not src 127.0.0.1'\n"
    "Before it, 'state NAME' and 'exclude NAME' (repeatable) pick states as ss does: a TCP\n"
    "state (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed,\n"
    "close-wait, last-ack, listening, closing) or all, connected, synchronized, bucket, big.\n"
    "A bad filter is a usage error (exit 2) naming the word at fault.\n"
    "\n"
    "Processes are shown for the sockets whose /proc/PID/fd we may read (all, as root).\n";

struct list_ctx {
	const struct wk_sockowners *own;
	const struct wk_sockfilter *filter;
	bool ext, timers, json, summary;
	size_t count;
	/* -s: [0] IPv4, [1] IPv6 per protocol; TCP per state */
	size_t tcp[2], udp[2], unx[3], tcp_state[16];
};

/* ss's form: addr:port, [v6]:port, '*' for a wildcard that takes both families */
static void addr_col(char *dst, size_t n, const struct wk_sockaddr *a, uint32_t ifindex, bool peer,
                     bool dual)
{
	char s[WK_SOCKADDR_STRLEN];
	wk_sockaddr_fmt(a, s, sizeof(s));
	char *colon = strrchr(s, ':');
	if (!colon)
		return;
	*colon = '\0';
	if (dual && !strcmp(s, "[::]"))
		snprintf(s, sizeof(s), "*");
	char ifn[IF_NAMESIZE + 1] = "";
	if (ifindex && !peer && if_indextoname(ifindex, ifn + 1))
		ifn[0] = '%';
	if (peer && wk_sockaddr_port(a) == 0)
		snprintf(dst, n, "%s:*", s);
	else
		snprintf(dst, n, "%s%s:%u", s, ifn, wk_sockaddr_port(a));
}

static const char *netid(const struct wk_sockinfo *s)
{
	if (s->family == AF_UNIX)
		return s->type == SOCK_STREAM ? "u_str" : s->type == SOCK_DGRAM ? "u_dgr" : "u_seq";
	return s->protocol == IPPROTO_TCP ? "tcp" : "udp";
}

/* A Unix socket's name as ss prints it: the path, @name, or '*' when unbound. */
static void unix_name(char *dst, size_t n, const struct wk_sockaddr *a)
{
	if (a->len <= sizeof(sa_family_t))
		snprintf(dst, n, "*");
	else
		wk_sockaddr_fmt(a, dst, n);
}

/* ss -o: the time left (ms below a second, whole seconds, minutes from five minutes) */
static void print_timer(FILE *f, const struct wk_sockinfo *s)
{
	static const char *const names[] = {"off", "on", "keepalive", "timewait", "persist"};
	const char *nm = s->timer < sizeof(names) / sizeof(names[0]) ? names[s->timer] : "unknown";
	uint32_t ms = s->expires_ms, sec = ms / 1000;
	fprintf(f, " timer:(%s,", nm);
	if (sec >= 300)
		fprintf(f, "%umin", sec / 60);
	else if (sec)
		fprintf(f, "%usec", sec);
	else
		fprintf(f, "%ums", ms);
	fprintf(f, ",%u)", s->retrans);
}

static void json_str(const char *p)
{
	putchar('"');
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(struct list_ctx *c, const struct wk_sockinfo *s, const char *loc,
                       const char *peer)
{
	printf("{\"netid\":\"%s\",\"state\":\"%s\",\"recv_q\":%u,\"send_q\":%u,\"local\":",
	       netid(s), wk_sockdiag_state_name(s->protocol, s->state), s->rqueue, s->wqueue);
	json_str(loc);
	fputs(",\"peer\":", stdout);
	json_str(peer);
	if (s->family != AF_UNIX)
		printf(",\"local_port\":%u,\"peer_port\":%u", wk_sockaddr_port(&s->local),
		       wk_sockaddr_port(&s->peer));
	else
		printf(",\"peer_inode\":%llu", (unsigned long long)s->peer_inode);
	printf(",\"inode\":%llu,\"cookie\":%llu", (unsigned long long)s->inode,
	       (unsigned long long)s->cookie);
	if (s->uid != UINT32_MAX)
		printf(",\"uid\":%u", s->uid);
	if (s->family != AF_UNIX && s->timer) {
		static const char *const names[] = {"off", "on", "keepalive", "timewait",
		                                    "persist"};
		printf(",\"timer\":\"%s\",\"expires_ms\":%u,\"retrans\":%u",
		       s->timer < 5 ? names[s->timer] : "unknown", s->expires_ms, s->retrans);
	}
	const struct wk_sockowner *o = c->own ? wk_sockowners_find(c->own, s->inode) : NULL;
	fputs(",\"users\":[", stdout);
	if (o) {
		const struct wk_sockowner *end = c->own->o + c->own->n;
		for (const struct wk_sockowner *p = o; p < end && p->inode == s->inode; p++) {
			printf("%s{\"comm\":", p == o ? "" : ",");
			json_str(p->comm);
			printf(",\"pid\":%d,\"fd\":%d}", p->pid, p->fd);
		}
	}
	fputs("]}\n", stdout);
}

static void count_one(struct list_ctx *c, const struct wk_sockinfo *s)
{
	int v6 = s->family == AF_INET6;
	if (s->family == AF_UNIX)
		c->unx[s->type == SOCK_STREAM ? 0 : s->type == SOCK_DGRAM ? 1 : 2]++;
	else if (s->protocol == IPPROTO_TCP) {
		c->tcp[v6]++;
		c->tcp_state[s->state & 15]++;
	} else
		c->udp[v6]++;
}

static int print_one(void *ctx, const struct wk_sockinfo *s)
{
	struct list_ctx *c = ctx;
	if (!wk_sockfilter_match(c->filter, s))
		return 0;
	c->count++;
	if (c->summary) {
		count_one(c, s);
		return 0;
	}
	char loc[WK_SOCKADDR_STRLEN + IF_NAMESIZE + 24], peer[WK_SOCKADDR_STRLEN + 24];
	if (s->family == AF_UNIX) {
		char nm[WK_SOCKADDR_STRLEN];
		unix_name(nm, sizeof(nm), &s->local);
		if (c->json) {
			print_json(c, s, nm, "*");
			return 0;
		}
		snprintf(loc, sizeof(loc), "%s %llu", nm, (unsigned long long)s->inode);
		snprintf(peer, sizeof(peer), "* %llu", (unsigned long long)s->peer_inode);
	} else {
		bool dual = s->family == AF_INET6 && !s->v6only;
		addr_col(loc, sizeof(loc), &s->local, s->ifindex, false, dual);
		addr_col(peer, sizeof(peer), &s->peer, 0, true, dual);
		if (c->json) {
			print_json(c, s, loc, peer);
			return 0;
		}
	}
	printf("%-5s %-10s %-6u %-6u %-40s %-40s", netid(s),
	       wk_sockdiag_state_name(s->protocol, s->state), s->rqueue, s->wqueue, loc, peer);
	const struct wk_sockowner *o = c->own ? wk_sockowners_find(c->own, s->inode) : NULL;
	if (o) {
		fputs(" users:(", stdout);
		const struct wk_sockowner *end = c->own->o + c->own->n;
		for (const struct wk_sockowner *p = o; p < end && p->inode == s->inode; p++)
			printf("%s(\"%s\",pid=%d,fd=%d)", p == o ? "" : ",", p->comm, p->pid,
			       p->fd);
		fputs(")", stdout);
	}
	if (c->timers && s->family != AF_UNIX && s->timer)
		print_timer(stdout, s);
	if (c->ext && s->family == AF_UNIX)
		printf(" %c-%c", s->shutdown & 1 ? '-' : '<', s->shutdown & 2 ? '-' : '>');
	else if (c->ext) {
		if (s->uid)
			printf(" uid:%u", s->uid);
		printf(" ino:%llu sk:%llx", (unsigned long long)s->inode,
		       (unsigned long long)s->cookie);
	}
	putchar('\n');
	return 0;
}

static void print_summary(const struct list_ctx *c, bool tcp, bool udp, bool unx)
{
	printf("Total: %zu\n", c->count);
	if (tcp)
		printf("TCP:   %zu (estab %zu, closed %zu, timewait %zu, listen %zu)\n",
		       c->tcp[0] + c->tcp[1], c->tcp_state[WK_TCP_ESTABLISHED],
		       c->tcp_state[WK_TCP_CLOSE], c->tcp_state[WK_TCP_TIME_WAIT],
		       c->tcp_state[WK_TCP_LISTEN]);
	printf("\n%-9s %-9s %-9s %s\n", "Transport", "Total", "IP", "IPv6");
	if (udp)
		printf("%-9s %-9zu %-9zu %zu\n", "UDP", c->udp[0] + c->udp[1], c->udp[0],
		       c->udp[1]);
	if (tcp)
		printf("%-9s %-9zu %-9zu %zu\n", "TCP", c->tcp[0] + c->tcp[1], c->tcp[0],
		       c->tcp[1]);
	if (tcp || udp) {
		size_t v4 = c->tcp[0] + c->udp[0], v6 = c->tcp[1] + c->udp[1];
		printf("%-9s %-9zu %-9zu %zu\n", "INET", v4 + v6, v4, v6);
	}
	if (unx)
		printf("%-9s %-9zu (stream %zu, dgram %zu, seqpacket %zu)\n", "UNIX",
		       c->unx[0] + c->unx[1] + c->unx[2], c->unx[0], c->unx[1], c->unx[2]);
}

/* ss takes the expression as one argument or as many: joined with blanks */
static bool join_args(char *buf, size_t n, int argc, char **argv)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (len + l + 2 > n)
			return false;
		memcpy(buf + len, argv[i], l);
		len += l;
		buf[len++] = ' ';
		buf[len] = '\0';
	}
	return true;
}

/* The next blank-separated word of *p into buf (n bytes, cut if longer; buf is "" at the
 * end); *p moves past it. */
static bool next_word(const char **p, char *buf, size_t n)
{
	const char *s = *p;
	size_t k = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s && *s != ' ' && *s != '\t'; s++)
		if (k + 1 < n)
			buf[k++] = *s;
	buf[k] = '\0';
	*p = s;
	return k > 0;
}

enum { OPT_JSON = 256 };

int cmd_sockets(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"help", no_argument, NULL, 'h'},      {"tcp", no_argument, NULL, 't'},
	    {"udp", no_argument, NULL, 'u'},       {"unix", no_argument, NULL, 'x'},
	    {"listening", no_argument, NULL, 'l'}, {"all", no_argument, NULL, 'a'},
	    {"numeric", no_argument, NULL, 'n'},   {"processes", no_argument, NULL, 'p'},
	    {"no-header", no_argument, NULL, 'H'}, {"extended", no_argument, NULL, 'e'},
	    {"options", no_argument, NULL, 'o'},   {"summary", no_argument, NULL, 's'},
	    {"json", no_argument, NULL, OPT_JSON}, {NULL, 0, NULL, 0},
	};
	bool tcp = false, udp = false, unx = false, listening = false, all = false, header = true;
	int family = AF_UNSPEC, c, rc = 0;
	struct wk_sockowners own = {0};
	struct wk_sockfilter *filter = NULL;
	struct wk_error e;
	struct list_ctx ctx = {.own = &own};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "tuxla46nphHeos", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_sockets_usage, stdout);
			return 0;
		case 't':
			tcp = true;
			break;
		case 'u':
			udp = true;
			break;
		case 'x':
			unx = true;
			break;
		case 'l':
			listening = true;
			break;
		case 'a':
			all = true;
			break;
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'n':
		case 'p':
			break;
		case 'H':
			header = false;
			break;
		case 'e':
			ctx.ext = true;
			break;
		case 'o':
			ctx.timers = true;
			break;
		case 's':
			ctx.summary = true;
			break;
		case OPT_JSON:
			ctx.json = true;
			break;
		default:
			fprintf(stderr,
			        "wirekit sockets: unknown option '%s' (see 'wirekit sockets "
			        "--help')\n",
			        argv[optind - 1]);
			return 2;
		}
	}
	if (ctx.json && ctx.summary) {
		fprintf(stderr, "wirekit sockets: --json and -s exclude each other (see 'wirekit "
		                "sockets --help')\n");
		return 2;
	}
	char text[4096];
	if (!join_args(text, sizeof(text), argc - optind, argv + optind)) {
		fprintf(stderr,
		        "wirekit sockets: filter too long (see 'wirekit sockets --help')\n");
		return 2;
	}
	/* ss: FILTER := [ state STATE-FILTER | exclude STATE-FILTER ]... [ EXPRESSION ] */
	uint32_t want = 0;
	bool have_state = false;
	char *expr = text;
	for (;;) {
		char word[32], name[32];
		const char *at = expr;
		if (!next_word(&at, word, sizeof(word)))
			break;
		bool excl = !strcmp(word, "exclude");
		if (!excl && strcmp(word, "state"))
			break;
		uint32_t m;
		if (!next_word(&at, name, sizeof(name)) || wk_sockdiag_states(name, &m)) {
			fprintf(stderr,
			        "wirekit sockets: filter: '%s' wants a state name, not '%s' (see "
			        "'wirekit sockets --help')\n",
			        word, name);
			return 2;
		}
		if (!have_state && excl)
			want = WK_SOCKDIAG_ALL;
		want = excl ? want & ~m : want | m;
		have_state = true;
		expr = (char *)at;
	}
	if (wk_sockfilter_parse(expr, &filter, &e)) {
		fprintf(stderr, "wirekit sockets: %s (see 'wirekit sockets --help')\n", e.msg);
		return 2;
	}
	ctx.filter = filter;
	if (!tcp && !udp && !unx)
		tcp = udp = true;
	if (family != AF_UNSPEC && !tcp && !udp) {
		fprintf(stderr, "wirekit sockets: -4 and -6 need -t or -u (see 'wirekit sockets "
		                "--help')\n");
		rc = 2;
		goto out;
	}
	/* ss's defaults: connected sockets only, TIME-WAIT and SYN-RECV left out; a summary
	 * (ss -s) counts sockets in every state */
	uint32_t tcp_states, udp_states;
	if (have_state) {
		tcp_states = udp_states = want;
	} else if (all || ctx.summary) {
		tcp_states = udp_states = WK_SOCKDIAG_ALL;
	} else if (listening) {
		tcp_states = 1u << WK_TCP_LISTEN;
		udp_states = 1u << WK_TCP_CLOSE;
	} else {
		tcp_states = WK_SOCKDIAG_ALL & ~(1u << WK_TCP_LISTEN | 1u << WK_TCP_CLOSE |
		                                 1u << WK_TCP_TIME_WAIT | 1u << WK_TCP_SYN_RECV);
		udp_states = tcp_states;
	}
	if (!ctx.summary && wk_sockowners_load(&own, &e))
		fprintf(stderr, "wirekit sockets: %s (processes not shown)\n", e.msg);
	if (header && !ctx.json && !ctx.summary)
		printf("%-5s %-10s %-6s %-6s %-40s %-40s %s\n", "Netid", "State", "Recv-Q",
		       "Send-Q", "Local Address:Port", "Peer Address:Port", "Process");
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	static const int fams[] = {AF_INET, AF_INET6};
	for (size_t i = 0; i < WK_ARRAY_SIZE(protos); i++) {
		if ((protos[i] == IPPROTO_TCP && !tcp) || (protos[i] == IPPROTO_UDP && !udp))
			continue;
		for (size_t k = 0; k < WK_ARRAY_SIZE(fams); k++) {
			if (family != AF_UNSPEC && family != fams[k])
				continue;
			uint32_t st = protos[i] == IPPROTO_TCP ? tcp_states : udp_states;
			if (wk_sockdiag_dump(fams[k], protos[i], st, print_one, &ctx, &e)) {
				fprintf(stderr, "wirekit sockets: %s\n", e.msg);
				rc = 1;
				goto out;
			}
		}
	}
	if (unx && family == AF_UNSPEC) {
		/* ss -x: connected by default; -l listening and unbound datagram; -a all */
		uint32_t st = have_state  ? want
		              : all       ? WK_SOCKDIAG_ALL
		              : listening ? (1u << WK_TCP_LISTEN | 1u << WK_TCP_CLOSE)
		                          : tcp_states;
		if (wk_sockdiag_dump_unix(st, print_one, &ctx, &e)) {
			fprintf(stderr, "wirekit sockets: %s\n", e.msg);
			rc = 1;
			goto out;
		}
	}
	if (ctx.summary)
		print_summary(&ctx, tcp, udp, unx);
out:
	wk_sockfilter_free(filter);
	wk_sockowners_fini(&own);
	fflush(stdout);
	return rc;
}
