/* The options connect and listen share, and the bridge from them to the library's relay
 * (wirekit/relay.h): messages printed as "wirekit CMD: ...", the result as an exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"
#include "relay.h"
#include "wirekit/addr.h"
#include "wirekit/sock.h"
#include "wirekit/tls.h"

/* ---- options ----------------------------------------------------------------------------------
 */

/* C-style escapes: \n \r \t \0 \\ \" \' \xH or \xHH. Returns a malloc'ed buffer and its
 * length, or NULL with *bad pointing at a backslash that starts no escape (a '\xZZ' must
 * not go out as "xZZ"; nothing is sent then). */
static char *unescape(const char *s, size_t *len, const char **bad)
{
	size_t n = strlen(s), k = 0;
	char *d = malloc(n + 1);
	*bad = NULL;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			d[k++] = s[i];
			continue;
		}
		if (i + 1 == n) {
			*bad = s + i;
			free(d);
			return NULL;
		}
		char c = s[++i];
		switch (c) {
		case 'n':
			d[k++] = '\n';
			break;
		case 'r':
			d[k++] = '\r';
			break;
		case 't':
			d[k++] = '\t';
			break;
		case '0':
			d[k++] = '\0';
			break;
		case '\\':
		case '"':
		case '\'':
			d[k++] = c;
			break;
		case 'x': {
			int v = 0, got = 0;
			while (got < 2 && i + 1 < n) {
				int x = wk_hexval((unsigned char)s[i + 1]);
				if (x < 0)
					break;
				v = v * 16 + x;
				got++;
				i++;
			}
			if (!got) {
				*bad = s + i - 1;
				free(d);
				return NULL;
			}
			d[k++] = (char)v;
			break;
		}
		default:
			*bad = s + i - 1;
			free(d);
			return NULL;
		}
	}
	d[k] = '\0';
	*len = k;
	return d;
}

/* A size in bytes (K, M, G: binary multiples) that fits a size_t. */
static bool parse_size(const char *s, size_t *out)
{
	uint64_t v;
	if (!cli_parse_size(s, 1, &v) || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

/* Seconds (decimals past milliseconds cut), up to 30 days, as milliseconds. */
static bool parse_secs(const char *s, int *ms)
{
	uint64_t v;
	if (!cli_parse_secs(s, &v) || v > 86400ull * 30 * 1000)
		return false;
	*ms = (int)v;
	return true;
}

enum {
	OPT_TLS = 256,
	OPT_ALPN,
	OPT_CA,
	OPT_INSECURE,
	OPT_PIN,
	OPT_CERT,
	OPT_KEY,
	OPT_SEND,
	OPT_RECV,
	OPT_UNTIL,
	OPT_FRAME,
	OPT_FRAME_BYTES,
	OPT_MAX_FRAME,
	OPT_BROKER,
	OPT_RECV_ONLY,
	OPT_SEND_ONLY,
	OPT_MAX_CONNS,
	OPT_NO_SPLICE,
	OPT_VERIFY_CLIENT,
	OPT_SCTP,
};

static int usage_err(const struct relay_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_err(const struct relay_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "wirekit %s: ", o->cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'wirekit %s --help')\n", o->cmd);
	va_end(ap);
	return 2;
}

int relay_parse(int argc, char **argv, struct relay_opts *o, const char *usage, char ***pos,
                int *npos)
{
	static const struct option lo[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"udp", no_argument, NULL, 'u'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"wait", required_argument, NULL, 'w'},
	    {"keep-open", no_argument, NULL, 'k'},
	    {"tls", no_argument, NULL, OPT_TLS},
	    {"alpn", required_argument, NULL, OPT_ALPN},
	    {"ca", required_argument, NULL, OPT_CA},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"pin-sha256", required_argument, NULL, OPT_PIN},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"send", required_argument, NULL, OPT_SEND},
	    {"recv", required_argument, NULL, OPT_RECV},
	    {"recv-until", required_argument, NULL, OPT_UNTIL},
	    {"frame", no_argument, NULL, OPT_FRAME},
	    {"frame-bytes", required_argument, NULL, OPT_FRAME_BYTES},
	    {"max-frame", required_argument, NULL, OPT_MAX_FRAME},
	    {"broker", no_argument, NULL, OPT_BROKER},
	    {"recv-only", no_argument, NULL, OPT_RECV_ONLY},
	    {"send-only", no_argument, NULL, OPT_SEND_ONLY},
	    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	    {"no-splice", no_argument, NULL, OPT_NO_SPLICE},
	    {"verify-client", required_argument, NULL, OPT_VERIFY_CLIENT},
	    {"unixsock", no_argument, NULL, 'U'},
	    {"sctp", no_argument, NULL, OPT_SCTP},
	    {NULL, 0, NULL, 0},
	};
	const char *only = NULL; /* an option of the other subcommand */
	const char *bad = NULL;  /* a bad escape in --send or --recv-until */
	wk_relay_opts_init(&o->w);
	o->w.listen = o->listen;
	optind = 0;
	opterr = 0;
	int c;
	bool unix_sock = false, ipfam = false;
	while ((c = getopt_long(argc, argv, o->listen ? "46Uuvw:kh" : "46Uuvw:zh", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		case '4':
			o->w.family = AF_INET;
			ipfam = true;
			break;
		case '6':
			o->w.family = AF_INET6;
			ipfam = true;
			break;
		case 'U':
			unix_sock = true;
			break;
		case OPT_SCTP:
			o->w.sctp = true;
			break;
		case 'u':
			o->w.udp = true;
			break;
		case 'v':
			o->w.verbose = true;
			break;
		case 'w':
			if (!parse_secs(optarg, &o->w.wait_ms))
				return usage_err(o, "bad -w '%s' (seconds > 0)", optarg);
			break;
		case 'z':
			o->w.zero = true;
			break;
		case 'k':
			if (!o->listen)
				only = "-k";
			o->w.keep = true;
			break;
		case OPT_TLS:
			o->w.tls = true;
			break;
		case OPT_ALPN:
			o->w.alpn = optarg;
			break;
		case OPT_CA:
			o->w.ca = optarg;
			only = o->listen ? "--ca" : only;
			break;
		case OPT_INSECURE:
			o->w.insecure = true;
			only = o->listen ? "--insecure" : only;
			break;
		case OPT_PIN:
			o->w.pin = optarg;
			only = o->listen ? "--pin-sha256" : only;
			break;
		case OPT_CERT:
			o->w.cert = optarg;
			break;
		case OPT_KEY:
			o->w.key = optarg;
			break;
		case OPT_VERIFY_CLIENT:
			o->w.verify_client = optarg;
			only = o->listen ? only : "--verify-client";
			break;
		case OPT_SEND:
			free(o->send);
			o->send = unescape(optarg, &o->w.send_len, &bad);
			if (bad)
				return usage_err(
				    o,
				    "--send: bad escape '%.4s' in '%s' (\\n \\r \\t \\0 "
				    "\\\\ \\xHH)",
				    bad, optarg);
			o->w.has_send = o->send != NULL;
			break;
		case OPT_RECV:
			if (!parse_size(optarg, &o->w.recv_n) || o->w.recv_n == 0)
				return usage_err(o, "bad --recv '%s' (bytes > 0)", optarg);
			o->w.has_recv_n = true;
			break;
		case OPT_UNTIL:
			free(o->until);
			o->until = unescape(optarg, &o->w.until_len, &bad);
			if (bad)
				return usage_err(
				    o,
				    "--recv-until: bad escape '%.4s' in '%s' (\\n \\r \\t "
				    "\\0 \\\\ \\xHH)",
				    bad, optarg);
			if (!o->until || o->w.until_len == 0)
				return usage_err(o, "empty --recv-until");
			o->w.has_until = true;
			break;
		case OPT_FRAME:
			o->w.frame = true;
			break;
		case OPT_FRAME_BYTES:
			if (!parse_size(optarg, &o->w.frame_bytes) || o->w.frame_bytes == 0)
				return usage_err(o, "bad --frame-bytes '%s'", optarg);
			o->w.frame = true;
			break;
		case OPT_MAX_FRAME:
			if (!parse_size(optarg, &o->w.max_frame) || o->w.max_frame == 0 ||
			    o->w.max_frame > UINT32_MAX)
				return usage_err(o, "bad --max-frame '%s' (1 to 4G-1 bytes)",
				                 optarg);
			break;
		case OPT_BROKER:
			only = o->listen ? only : "--broker";
			o->w.broker = true;
			break;
		case OPT_RECV_ONLY:
			o->w.recv_only = true;
			break;
		case OPT_SEND_ONLY:
			o->w.send_only = true;
			break;
		case OPT_MAX_CONNS:
			if (!parse_size(optarg, &o->w.max_conns) || o->w.max_conns == 0)
				return usage_err(o, "bad --max-conns '%s'", optarg);
			only = o->listen ? only : "--max-conns";
			break;
		case OPT_NO_SPLICE:
			o->w.no_splice = true;
			break;
		case '?':
		default:
			if (optopt && optopt < 256)
				return usage_err(o, "unknown or incomplete option '-%c'", optopt);
			return usage_err(o, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (only)
		return usage_err(o, "%s is not an option of %s", only, o->cmd);
	if (unix_sock && ipfam)
		return usage_err(o, "-U does not go with -4 or -6");
	if (unix_sock && (o->w.tls || o->w.sctp))
		return usage_err(o, "-U does not go with --tls or --sctp");
	if (o->w.sctp && o->w.udp)
		return usage_err(o, "--sctp does not go with -u");
	if (unix_sock)
		o->w.family = AF_UNIX;
	if (o->w.broker)
		o->w.keep = true;
	if (o->listen && o->w.keep && o->w.wait_ms >= 0)
		return usage_err(o, "-w does not go with -k or --broker (they keep listening)");
	if (o->w.udp && (o->w.tls || o->w.frame || o->w.keep || o->w.broker))
		return usage_err(o, "-u does not go with --tls, --frame, -k or --broker");
	if (o->w.frame && (o->w.has_recv_n || o->w.has_until))
		return usage_err(o, "--frame does not go with --recv or --recv-until");
	if ((o->w.keep || o->w.broker) && (o->w.has_recv_n || o->w.has_until || o->w.has_send))
		return usage_err(o, "-k and --broker do not go with --send or --recv");
	if (o->w.recv_only && o->w.send_only)
		return usage_err(o, "--recv-only and --send-only exclude each other");
	if (o->w.insecure && o->w.pin)
		return usage_err(o, "--insecure and --pin-sha256 exclude each other");
	if (o->w.pin) {
		/* checked here, so that a typo is a usage error and costs no connection */
		uint8_t pins[WK_TLS_MAX_PINS][32];
		size_t npins;
		struct wk_error e;
		if (wk_tls_parse_pins(o->w.pin, pins, WK_TLS_MAX_PINS, &npins, &e))
			return usage_err(o, "--pin-sha256: %s", e.msg);
	}
	if (!o->w.tls && (o->w.alpn || o->w.ca || o->w.insecure || o->w.pin || o->w.cert ||
	                  o->w.key || o->w.verify_client))
		return usage_err(o, "TLS options need --tls");
	if (!o->w.cert != !o->w.key)
		return usage_err(o, "--cert and --key go together");
	if (o->w.has_until && o->w.has_recv_n)
		return usage_err(o, "--recv and --recv-until exclude each other");
	o->w.send = o->send;
	o->w.until = o->until;
	*pos = argv + optind;
	*npos = argc - optind;
	return -1;
}

void relay_opts_fini(struct relay_opts *o)
{
	free(o->send);
	free(o->until);
	o->send = o->until = NULL;
}

static void relay_print(void *ctx, enum wk_relay_msg kind, const char *text)
{
	const char *cmd = ctx;
	if (kind == WK_RELAY_DETAIL)
		fputs(text, stderr);
	else
		fprintf(stderr, "wirekit %s: %s\n", cmd, text);
}

/* 0 ok, 1 failure, 128 + N after signal N, as a shell reports it */
static int exit_status(int rc)
{
	return rc == 0 ? 0 : rc > 0 ? 128 + rc : 1;
}

static void relay_bind_cli(struct relay_opts *o)
{
	o->w.msg = relay_print;
	o->w.msg_ctx = (void *)o->cmd;
	o->w.signals = true;
}

int relay_connect(struct relay_opts *o, const char *host, const char *port)
{
	relay_bind_cli(o);
	return exit_status(wk_relay_connect(&o->w, host, port));
}

int relay_listen(struct relay_opts *o, const char *addr, const char *port)
{
	relay_bind_cli(o);
	return exit_status(wk_relay_listen(&o->w, addr, port));
}
