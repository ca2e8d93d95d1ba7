/* wirekit connect: talk to a TCP, UDP, TLS, SCTP or Unix socket service with stdin and
 * stdout. */
#include <stdio.h>
#include <sys/socket.h>

#include "cmds.h"
#include "relay.h"

const char *const cmd_connect_usage =
    "usage: wirekit connect [options] HOST PORT\n"
    "       wirekit connect [options] -U PATH\n"
    "\n"
    "Connect to HOST PORT and relay stdin to the socket and the socket to stdout.\n"
    "Every address HOST resolves to is tried in order. At the end of stdin the\n"
    "sending side is shut down (half-close); wirekit exits when the peer closes.\n"
    "\n"
    "  -4, -6               IPv4 or IPv6 only\n"
    "  -u, --udp            UDP: each read of stdin (up to 8 KiB) is one datagram; after\n"
    "                       the end of stdin, replies are awaited for -w SEC (default 1 s)\n"
    "  -U, --unixsock       PATH is a Unix socket (stream; with -u datagram, answered at a\n"
    "                       kernel-chosen abstract name); @NAME is an abstract name\n"
    "  --sctp               SCTP instead of TCP (where the kernel has SCTP)\n"
    "  -w, --wait SEC       connect timeout, and give up after SEC seconds of silence\n"
    "  -z                   only check that the port accepts a connection (exit 0 or 1);\n"
    "                       with --tls, that the handshake and verification succeed\n"
    "  -v, --verbose        connection details (and the TLS certificate) on stderr\n"
    "  --send TEXT          send TEXT instead of reading stdin (escapes \\r \\n \\t \\0 \\\\\n"
    "                       \\xHH); without --recv*, the sending side is then shut down\n"
    "  --recv N             print the first N bytes of the reply, then exit\n"
    "  --recv-until STR     print the reply up to and including STR, then exit\n"
    "  --recv-only          never read stdin; --send-only: never print what arrives\n"
    "  --frame              one message per stdin line as a 4-byte big-endian length\n"
    "                       plus payload; incoming frames are printed one per line\n"
    "                       (a frame holding a newline is an error)\n"
    "  --frame-bytes N      binary: one message per N bytes of stdin, and incoming\n"
    "                       frames written as they are (nothing added)\n"
    "  --max-frame N        largest frame accepted or sent (default 16M)\n"
    "  --tls                TLS (OpenSSL): SNI from HOST, verified against the system store\n"
    "  --alpn LIST          offer these ALPN protocols (comma-separated)\n"
    "  --ca FILE            verify against the CA certificates in FILE instead\n"
    "  --pin-sha256 PIN     accept exactly the server whose public key has this pin,\n"
    "                       instead of CA and name checks: sha256//BASE64 or hex of the\n"
    "                       SubjectPublicKeyInfo's SHA-256 (as curl --pinnedpubkey), or\n"
    "                       the certificate's fingerprint in hex; several with ';'\n"
    "  --insecure           no certificate verification at all\n"
    "  --cert FILE --key FILE  our client certificate and its key (PEM)\n"
    "  -v with --tls        the server's certificate facts, also when verification fails\n"
    "  --no-splice          move data with read/write instead of splice(2)\n"
    "\n"
    "Exit status: 0 ok, 1 failure (unknown host, refused, timeout, bad certificate),\n"
    "2 usage error.\n";

int cmd_connect(int argc, char **argv)
{
	struct relay_opts o = {.cmd = "connect"};
	char **pos;
	int npos;
	int rc = relay_parse(argc, argv, &o, cmd_connect_usage, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (o.w.family == AF_UNIX) {
		if (npos != 1) {
			fprintf(stderr,
			        "wirekit connect: want -U PATH (see 'wirekit connect --help')\n");
			rc = 2;
			goto out;
		}
		rc = relay_connect(&o, pos[0], NULL);
		goto out;
	}
	if (npos != 2) {
		fprintf(stderr, "wirekit connect: want HOST PORT (see 'wirekit connect --help')\n");
		rc = 2;
		goto out;
	}
	rc = relay_connect(&o, pos[0], pos[1]);
out:
	relay_opts_fini(&o);
	return rc;
}
