/* The stdin/stdout <-> socket relay behind `wirekit connect` and `wirekit listen`. */
#ifndef WK_CLI_RELAY_H
#define WK_CLI_RELAY_H

#include <stdbool.h>
#include <stddef.h>

struct relay_opts {
	const char *cmd; /* "connect" or "listen", for messages */
	bool listen;
	int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
	bool udp;
	bool verbose;
	int wait_ms; /* -w: connect and idle timeout, -1 for none */
	bool zero;   /* -z */
	bool keep, broker;
	size_t max_conns;
	bool recv_only, send_only, no_splice;
	char *send;
	size_t send_len;
	bool has_send;
	size_t recv_n;
	bool has_recv_n;
	char *until;
	size_t until_len;
	bool has_until;
	bool frame;
	size_t frame_bytes; /* 0: one frame per line */
	size_t max_frame;
	bool tls, insecure;
	const char *alpn, *ca, *pin, *cert, *key;
};

/* Parse the options shared by connect and listen. Returns -1 to go on (positionals in
 * *pos, *npos of them), otherwise the exit status (help printed: 0, usage error: 2). */
int relay_parse(int argc, char **argv, struct relay_opts *o, const char *usage, char ***pos,
                int *npos);
void relay_opts_fini(struct relay_opts *o);

int relay_connect(struct relay_opts *o, const char *host, const char *port);
int relay_listen(struct relay_opts *o, const char *addr, const char *port);

#endif
