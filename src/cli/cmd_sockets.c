/* wirekit sockets: the local TCP and UDP sockets from NETLINK_SOCK_DIAG, like ss -tunap. */
#include <arpa/inet.h>
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
    "usage: wirekit sockets [-t] [-u] [-l|-a] [-4|-6] [-H] [FILTER]\n"
    "\n"
    "List local sockets from the kernel (NETLINK_SOCK_DIAG) with their state, local and\n"
    "peer address, queues and owning processes, in the columns of ss -tunp.\n"
    "\n"
    "  -t, --tcp            TCP sockets (default: TCP and UDP)\n"
    "  -u, --udp            UDP sockets\n"
    "  -l, --listening      only listening (TCP LISTEN, unconnected UDP) sockets\n"
    "  -a, --all            all sockets (default: only connected ones, without TIME-WAIT)\n"
    "  -4, -6               IPv4 or IPv6 only\n"
    "  -n, -p               accepted for ss compatibility (always numeric, always processes)\n"
    "  -H, --no-header      no header line\n"
    "\n"
    "FILTER is a subset of ss's: terms joined by 'and', each one of sport, dport (':PORT'\n"
    "or 'PORT') or src, dst (an IPv4 or IPv6 address), with an optional '=', '==' or 'eq':\n"
    "'sport = :7070', 'dst 198.18.0.2 and dport = :80'.\n"
    "\n"
    "Processes are shown for the sockets whose /proc/PID/fd we may read (all, as root).\n";

/* One filter term: sport/dport compare the port, src/dst the address. */
enum term_key { T_SPORT, T_DPORT, T_SRC, T_DST };
struct term {
	enum term_key key;
	uint16_t port;
	int family;
	uint8_t addr[16];
};
#define MAX_TERMS 16

struct list_ctx {
	const struct wk_sockowners *own;
	size_t count;
	struct term terms[MAX_TERMS];
	size_t nterms;
};

/* Parse ss-style terms: KEY [=|==|eq] VALUE [and ...]. false with a message on stderr. */
static bool parse_filter(struct list_ctx *c, int argc, char **argv)
{
	for (int i = 0; i < argc;) {
		struct term t = {0};
		const char *k = argv[i++];
		if (c->nterms == MAX_TERMS) {
			fprintf(stderr, "wirekit sockets: more than %d filter terms\n", MAX_TERMS);
			return false;
		}
		if (!strcmp(k, "sport"))
			t.key = T_SPORT;
		else if (!strcmp(k, "dport"))
			t.key = T_DPORT;
		else if (!strcmp(k, "src"))
			t.key = T_SRC;
		else if (!strcmp(k, "dst"))
			t.key = T_DST;
		else {
			fprintf(stderr,
			        "wirekit sockets: filter: unknown '%s' (sport, dport, src, dst and "
			        "'and' are understood; see 'wirekit sockets --help')\n",
			        k);
			return false;
		}
		if (i < argc &&
		    (!strcmp(argv[i], "=") || !strcmp(argv[i], "==") || !strcmp(argv[i], "eq")))
			i++;
		if (i >= argc) {
			fprintf(stderr, "wirekit sockets: filter: '%s' wants a value\n", k);
			return false;
		}
		const char *v = argv[i++];
		struct wk_error e;
		if (t.key == T_SPORT || t.key == T_DPORT) {
			if (wk_sock_parse_port(v[0] == ':' ? v + 1 : v, &t.port, &e)) {
				fprintf(stderr, "wirekit sockets: filter: %s: %s\n", k, e.msg);
				return false;
			}
		} else if (inet_pton(AF_INET, v, t.addr) == 1) {
			t.family = AF_INET;
		} else if (inet_pton(AF_INET6, v, t.addr) == 1) {
			t.family = AF_INET6;
		} else {
			fprintf(stderr, "wirekit sockets: filter: %s: bad address '%s'\n", k, v);
			return false;
		}
		c->terms[c->nterms++] = t;
		if (i < argc) {
			if (strcmp(argv[i], "and") && strcmp(argv[i], "&&")) {
				fprintf(stderr,
				        "wirekit sockets: filter: 'and' expected before '%s'\n",
				        argv[i]);
				return false;
			}
			if (++i == argc) {
				fprintf(stderr,
				        "wirekit sockets: filter: a term expected after 'and'\n");
				return false;
			}
		}
	}
	return true;
}

static bool addr_is(const struct wk_sockaddr *a, const struct term *t)
{
	if (a->ss.ss_family != t->family)
		return false;
	if (t->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr, t->addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr, t->addr, 16);
}

static bool matches(const struct list_ctx *c, const struct wk_sockinfo *s)
{
	for (size_t i = 0; i < c->nterms; i++) {
		const struct term *t = &c->terms[i];
		bool ok = t->key == T_SPORT   ? wk_sockaddr_port(&s->local) == t->port
		          : t->key == T_DPORT ? wk_sockaddr_port(&s->peer) == t->port
		          : t->key == T_SRC   ? addr_is(&s->local, t)
		                              : addr_is(&s->peer, t);
		if (!ok)
			return false;
	}
	return true;
}

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

static int print_one(void *ctx, const struct wk_sockinfo *s)
{
	struct list_ctx *c = ctx;
	if (!matches(c, s))
		return 0;
	char loc[WK_SOCKADDR_STRLEN + IF_NAMESIZE + 2], peer[WK_SOCKADDR_STRLEN + 2];
	bool dual = s->family == AF_INET6 && !s->v6only;
	addr_col(loc, sizeof(loc), &s->local, s->ifindex, false, dual);
	addr_col(peer, sizeof(peer), &s->peer, 0, true, dual);
	printf("%-5s %-10s %-6u %-6u %-40s %-40s", s->protocol == IPPROTO_TCP ? "tcp" : "udp",
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
	putchar('\n');
	c->count++;
	return 0;
}

int cmd_sockets(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"tcp", no_argument, NULL, 't'},
	    {"udp", no_argument, NULL, 'u'},
	    {"listening", no_argument, NULL, 'l'},
	    {"all", no_argument, NULL, 'a'},
	    {"numeric", no_argument, NULL, 'n'},
	    {"processes", no_argument, NULL, 'p'},
	    {"no-header", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	bool tcp = false, udp = false, listening = false, all = false, header = true;
	int family = AF_UNSPEC, c, rc = 0;
	struct wk_sockowners own = {0};
	struct wk_error e;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "tula46nphH", lo, NULL)) != -1) {
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
		default:
			fprintf(stderr,
			        "wirekit sockets: unknown option '%s' (see 'wirekit sockets "
			        "--help')\n",
			        argv[optind - 1]);
			return 2;
		}
	}
	/* ss takes the expression as one argument or as many: split on blanks */
	char buf[1024], *tok[64];
	size_t blen = 0;
	int ntok = 0;
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (blen + l + 1 >= sizeof(buf)) {
			fprintf(stderr, "wirekit sockets: filter too long\n");
			return 2;
		}
		memcpy(buf + blen, argv[i], l);
		blen += l;
		buf[blen++] = ' ';
	}
	for (size_t i = 0; i < blen; i++) {
		if (buf[i] == ' ' || buf[i] == '\t') {
			buf[i] = '\0';
			continue;
		}
		if (i == 0 || buf[i - 1] == '\0') {
			if (ntok == (int)WK_ARRAY_SIZE(tok)) {
				fprintf(stderr, "wirekit sockets: filter too long\n");
				return 2;
			}
			tok[ntok++] = buf + i;
		}
	}
	struct list_ctx ctx = {.own = &own};
	if (!parse_filter(&ctx, ntok, tok))
		return 2;
	if (!tcp && !udp)
		tcp = udp = true;
	/* ss's defaults: connected sockets only, TIME-WAIT and SYN-RECV left out */
	uint32_t tcp_states, udp_states;
	if (all) {
		tcp_states = udp_states = WK_SOCKDIAG_ALL;
	} else if (listening) {
		tcp_states = 1u << WK_TCP_LISTEN;
		udp_states = 1u << WK_TCP_CLOSE;
	} else {
		tcp_states = WK_SOCKDIAG_ALL & ~(1u << WK_TCP_LISTEN | 1u << WK_TCP_CLOSE |
		                                 1u << WK_TCP_TIME_WAIT | 1u << WK_TCP_SYN_RECV);
		udp_states = tcp_states;
	}
	if (wk_sockowners_load(&own, &e))
		fprintf(stderr, "wirekit sockets: %s (processes not shown)\n", e.msg);
	if (header)
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
out:
	wk_sockowners_fini(&own);
	fflush(stdout);
	return rc;
}
