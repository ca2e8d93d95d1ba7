/* connect and listen: their shared options, and the library relay run with them. */
#ifndef WK_CLI_RELAY_H
#define WK_CLI_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "wirekit/relay.h"

struct relay_opts {
	const char *cmd; /* "connect" or "listen", for messages */
	bool listen;
	struct wk_relay_opts w;
	char *send, *until; /* owned: --send and --recv-until, unescaped */
};

/* Parse the options shared by connect and listen. Returns -1 to go on (positionals in
 * *pos, *npos of them), otherwise the exit status (help printed: 0, usage error: 2). */
int relay_parse(int argc, char **argv, struct relay_opts *o, const char *usage, char ***pos,
                int *npos);
void relay_opts_fini(struct relay_opts *o);

/* Run the relay; messages on stderr. Returns the exit status. */
int relay_connect(struct relay_opts *o, const char *host, const char *port);
int relay_listen(struct relay_opts *o, const char *addr, const char *port);

#endif
