/* A TLS client on the relay: connect, verify (or pin) the certificate, send a request,
 * print the reply up to a marker. The relay's messages come through a callback.
 *
 *   ./tls_client example.org 443 'HEAD / HTTP/1.0\r\nHost: example.org\r\n\r\n'
 *   ./tls_client --insecure 127.0.0.1 4433 'hello\n'
 */
#include <stdio.h>
#include <string.h>

#include <wirekit/wirekit.h>

static void on_msg(void *ctx, enum wk_relay_msg kind, const char *text)
{
	(void)ctx;
	fprintf(stderr, kind == WK_RELAY_DETAIL ? "%s" : "tls_client: %s\n", text);
}

/* \r and \n escapes, in place */
static size_t unescape(char *s)
{
	size_t k = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 'r'))
			s[k++] = s[++i] == 'n' ? '\n' : '\r';
		else
			s[k++] = s[i];
	}
	return k;
}

int main(int argc, char **argv)
{
	struct wk_relay_opts o;
	wk_relay_opts_init(&o);
	int a = 1;
	if (argc > 1 && !strcmp(argv[1], "--insecure")) {
		o.insecure = true;
		a++;
	}
	if (argc - a != 3) {
		fprintf(stderr, "usage: tls_client [--insecure] HOST PORT REQUEST\n");
		return 2;
	}
	o.tls = true;
	o.verbose = true; /* the certificate's facts on stderr */
	o.wait_ms = 5000;
	o.send = argv[a + 2];
	o.send_len = unescape(argv[a + 2]);
	o.has_send = true; /* instead of stdin; then the sending side is shut down */
	o.in_fd = -1;
	o.signals = true;
	o.msg = on_msg;
	int rc = wk_relay_connect(&o, argv[a], argv[a + 1]);
	return rc == 0 ? 0 : 1;
}
