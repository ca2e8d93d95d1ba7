/* wirekit listen: accept TCP, UDP, TLS, SCTP or Unix socket clients and relay them with
 * stdin and stdout. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmds.h"
#include "relay.h"

const char *const cmd_listen_usage =
    "usage: wirekit listen [options] [ADDR] PORT\n"
    "       wirekit listen [options] -U PATH\n"
    "\n"
    "Listen on PORT (on every address, IPv6 and IPv4, unless ADDR or -4/-6 say otherwise),\n"
    "accept one client and relay stdin to it and its data to stdout, like nc -l.\n"
    "\n"
    "  -4, -6               IPv4 or IPv6 only\n"
    "  -u, --udp            UDP: print datagrams; stdin goes to the last peer heard from\n"
    "  -U, --unixsock       listen on the Unix socket PATH (stream; with -u datagram), or\n"
    "                       on the abstract name @NAME. A socket file left by a listener\n"
    "                       that died is removed first; a live socket, or a file that\n"
    "                       is not a socket, is refused. The file is removed at the end\n"
    "  --sctp               SCTP instead of TCP (where the kernel has SCTP)\n"
    "  -k, --keep-open      keep accepting and serve many clients at once: their data goes\n"
    "                       to stdout whole lines at a time (lines never mix), stdin goes\n"
    "                       to all of them; the end of stdin does not end the clients\n"
    "  --broker             relay each client's data to all the other clients (implies -k)\n"
    "  --max-conns N        with -k or --broker, at most N clients at once (default 1000)\n"
    "  -w, --wait SEC       give up after SEC seconds without a client or traffic\n"
    "                       (not with -k or --broker)\n"
    "  -v, --verbose        addresses and connections on stderr\n"
    "  --send TEXT          send TEXT to each client instead of reading stdin\n"
    "  --recv N, --recv-until STR\n"
    "                       print the first N bytes, or up to STR, then exit\n"
    "  --recv-only          never read stdin; --send-only: never print what arrives\n"
    "  --frame, --frame-bytes N, --max-frame N\n"
    "                       length-prefixed messages, as for wirekit connect\n"
    "  --tls                TLS server: with --cert FILE --key FILE (PEM), or else a fresh\n"
    "                       self-signed certificate made in memory whose SHA-256 is printed\n"
    "                       (use it with 'wirekit connect --tls --pin-sha256')\n"
    "  --verify-client CA   require a client certificate issued by the PEM CAs in CA\n"
    "                       (-v prints its facts)\n"
    "  --alpn LIST          ALPN protocols we accept, in our order of preference\n"
    "  --no-splice          move data with read/write instead of splice(2)\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage error.\n";

int cmd_listen(int argc, char **argv)
{
	struct relay_opts o = {.cmd = "listen", .listen = true};
	char **pos;
	int npos;
	int rc = relay_parse(argc, argv, &o, cmd_listen_usage, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (o.w.family == AF_UNIX) {
		if (npos != 1) {
			fprintf(stderr,
			        "wirekit listen: want -U PATH (see 'wirekit listen --help')\n");
			rc = 2;
			goto out;
		}
		rc = relay_listen(&o, pos[0], NULL);
		goto out;
	}
	if (npos != 1 && npos != 2) {
		fprintf(stderr, "wirekit listen: want [ADDR] PORT (see 'wirekit listen --help')\n");
		rc = 2;
		goto out;
	}
	const char *port = pos[npos - 1];
	if (npos == 1 && (!*port || strspn(port, "0123456789") != strlen(port))) {
		/* "listen 127.0.0.1": the port was forgotten */
		fprintf(stderr,
		        "wirekit listen: '%s' is not a port: want [ADDR] PORT (see 'wirekit listen "
		        "--help')\n",
		        port);
		rc = 2;
		goto out;
	}
	rc = relay_listen(&o, npos == 2 ? pos[0] : NULL, port);
out:
	relay_opts_fini(&o);
	return rc;
}
