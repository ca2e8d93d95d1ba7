/* The relay: a local side (two descriptors, stdin and stdout by default) moved to and from
 * TCP, UDP or TLS connections, as `wirekit connect` and `wirekit listen` do, with bounded
 * queues, splice(2) for a single plain connection, length framing, keep-open and broker.
 * It reports through a message callback and never prints. */
#ifndef WIREKIT_RELAY_H
#define WIREKIT_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum wk_relay_msg {
	WK_RELAY_INFO,   /* progress, only with verbose ("connected to ...") */
	WK_RELAY_NOTICE, /* always (the self-signed certificate's fingerprint) */
	WK_RELAY_ERROR,  /* what ended the relay, or a connection with -k */
	WK_RELAY_DETAIL, /* verbose multi-line text, newlines included (certificate facts) */
};

/* One message; text is a single line without newline, except for WK_RELAY_DETAIL. */
typedef void (*wk_relay_msg_fn)(void *ctx, enum wk_relay_msg kind, const char *text);

struct wk_relay_opts {
	bool listen;  /* server side: TLS as server, messages as a listener */
	int family;   /* AF_UNSPEC, AF_INET, AF_INET6, or AF_UNIX: host (or addr) is a
	               * path or an abstract "@name", port is NULL */
	bool udp;     /* datagrams: one read of the local side is one datagram */
	bool sctp;    /* SCTP streams (IPPROTO_SCTP) instead of TCP */
	bool verbose; /* WK_RELAY_INFO and WK_RELAY_DETAIL messages */
	int wait_ms;  /* connect and idle timeout, -1 for none */
	bool zero;    /* only check that the port accepts (connect) */
	bool keep;    /* serve many connections; each one's lines go out whole */
	bool broker;  /* each connection's data to all the others (implies keep) */
	size_t max_conns;
	bool recv_only;   /* never read the local side */
	bool send_only;   /* never write the local side */
	bool no_splice;   /* read/write even where splice(2) would do */
	const void *send; /* with has_send: sent instead of reading the local side */
	size_t send_len;
	bool has_send;
	size_t recv_n; /* with has_recv_n: stop after this many bytes of reply */
	bool has_recv_n;
	const void *until; /* with has_until: stop after the reply contains this */
	size_t until_len;
	bool has_until;
	bool frame;         /* 4-byte big-endian length framing on the connections */
	size_t frame_bytes; /* frames of this many local bytes, and frames received written
	                     * as they are; 0: one frame per line both ways (a received frame
	                     * holding a newline ends the relay, or the connection with keep) */
	size_t max_frame;
	bool tls, insecure;
	const char *alpn, *ca, *pin, *cert, *key; /* cert, key: ours (server or client) */
	const char *verify_client; /* listen: require client certificates from this CA file */
	int in_fd, out_fd;         /* the local side; -1: none. Made non-blocking while running */
	bool signals;              /* SIGINT, SIGTERM, SIGHUP end the relay (blocked, read from a
	                            * signalfd); SIGPIPE ignored. Without it, the caller ignores SIGPIPE */
	wk_relay_msg_fn msg;
	void *msg_ctx;
};

/* Defaults: stdin/stdout, no timeout, 16 MiB frames, 1000 connections, no signals. */
void wk_relay_opts_init(struct wk_relay_opts *o);

/* Each returns 0 when the relay ended normally, a negative enum wk_err when it failed
 * (the reason went to the message callback), or a signal number (o->signals) that
 * ended it. */
int wk_relay_connect(const struct wk_relay_opts *o, const char *host, const char *port);
/* With AF_UNIX, listen removes a stale socket file first (never a live one, never a file
 * that is not a socket) and removes the file it made when it ends. */
int wk_relay_listen(const struct wk_relay_opts *o, const char *addr, const char *port);
/* Relay with n already connected stream sockets, which the relay takes over and closes.
 * With keep or broker it ends once every connection has closed. name labels messages. */
int wk_relay_fds(const struct wk_relay_opts *o, const int *fds, size_t n, const char *name);

#ifdef __cplusplus
}
#endif

#endif
