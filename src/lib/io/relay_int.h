/* The relay's insides, shared by relay.c (setup, loop, connect, listen) and relay_pump.c
 * (queues, endpoints, routing, reading and writing). */
#ifndef WK_IO_RELAY_INT_H
#define WK_IO_RELAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wirekit/ev.h"
#include "wirekit/relay.h"
#include "wirekit/sock.h"
#include "wirekit/tls.h"

#define HIWAT      (256u << 10) /* a queue above this stops its sources */
#define SCRATCH    (256u << 10)
#define UDP_CHUNK  8192u /* one read of stdin, one datagram */
#define UDP_MAXDG  65536u
#define PIPE_SIZE  (1u << 20)
#define LINE_CAP   (64u << 10) /* -k/--broker: longer lines are passed on in pieces */
#define UDP_LINGER 1000        /* ms to wait for replies after stdin EOF (no -w) */
#define TLS_LINGER 1000        /* ms to wait for the peer's end after our close_notify */

enum ep_kind { EP_STDIO, EP_TCP, EP_UDP, EP_UDPL };

struct q {
	uint8_t *p;
	size_t head, tail, size;
};

struct ep {
	struct relay *r;
	enum ep_kind kind;
	int rfd, wfd;
	struct wk_ev_io rio, wio; /* wio only for stdio (fd 1) */
	struct wk_tls *tls;
	bool hs; /* TLS handshake in progress */
	unsigned hs_need, rd_need, wr_need;
	bool rd_eof, wr_dead;
	bool shut_done;
	bool closing; /* -k: peer done, close once its queue is empty */
	bool gone;
	struct q out;
	struct q acc; /* line assembly of what this endpoint sends us */
	struct wk_frame_dec dec;
	bool dec_on;
	/* splice: the output queue is a kernel pipe */
	bool spl;
	int pfd[2];
	size_t plen;
	bool pfull;
	struct wk_sockaddr peer;
	bool have_peer;
	char name[WK_SOCKADDR_STRLEN];
	struct ep *next;
};

struct relay {
	const struct wk_relay_opts *o;
	const char *target;
	struct wk_ev *ev;
	struct ep *io;    /* stdin/stdout */
	struct ep *conns; /* sockets */
	size_t nconns;
	int lfd[8];
	struct wk_ev_io lio[8];
	size_t nlfd;
	bool accepting;
	struct wk_tls_ctx *tls_ctx;
	const char *tls_host;
	struct wk_ev_timer idle;
	bool idle_fired;
	int sigfd;
	struct wk_ev_io sio;
	int signo;
	bool done, fatal;
	int status; /* 0, 1 (failed) or 128 + signal, as the CLI exits */
	int code;   /* the enum wk_err for a failure */
	uint8_t *scratch;
	size_t recv_count;
	size_t *kmp; /* --recv-until failure table */
	size_t kmp_m;
	bool recv_done;
	int saved_fl[2];
	bool connected_once;
	bool stdin_tty;
	uint64_t activity;            /* bumped whenever the pump moved something */
	struct wk_sockaddr unix_addr; /* listen -U: the socket file we made, removed at the end */
	struct wk_sock_unix_file unix_file;
};

/* relay.c: messages through the callback */
void relay_say(struct relay *r, enum wk_relay_msg kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void relay_fail(struct relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* relay_pump.c */
int relay_q_add(struct q *q, const void *p, size_t n);
bool relay_is_tty(int fd);
void relay_on_io(struct wk_ev *ev, struct wk_ev_io *io, unsigned got);
void relay_ep_free(struct relay *r, struct ep *e);
struct ep *relay_ep_new(struct relay *r, enum ep_kind kind, int rfd, int wfd);
bool relay_ep_splice_on(struct ep *e);
bool relay_ep_handshake(struct relay *r, struct ep *c);
void relay_set_interest(struct relay *r, struct ep *e);
bool relay_ep_write(struct relay *r, struct ep *e);
bool relay_pump(struct relay *r);
const char *relay_sock_reason(int err);

#endif
