/* Stream and datagram sockets: name resolution, non-blocking connect with a timeout,
 * listening sockets, address formatting, length-prefixed message framing, and the
 * kernel's socket table (NETLINK_SOCK_DIAG). No printing; errors through struct wk_error. */
#ifndef WIREKIT_SOCK_H
#define WIREKIT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wirekit/buf.h"
#include "wirekit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returned (positive) by non-blocking calls that would block. */
#define WK_SOCK_AGAIN 1

/* A socket address of any family with its length. */
struct wk_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "1.2.3.4:80", "[2001:db8::1]:80", a Unix path, "@name" (abstract) or "(unnamed)":
 * needs WK_SOCKADDR_STRLEN bytes. */
#define WK_SOCKADDR_STRLEN 128

struct wk_addrlist {
	struct wk_sockaddr *a;
	size_t n;
};

enum wk_sock_flags {
	WK_SOCK_PASSIVE = 1u << 0, /* resolve for bind(); NULL host means the wildcard */
	WK_SOCK_NUMERIC = 1u << 1, /* host must be a literal address (no DNS) */
	WK_SOCK_V6ONLY = 1u << 2,  /* listen: an IPv6 socket does not accept IPv4 */
	WK_SOCK_SCTP = 1u << 3,    /* listen: an SCTP stream socket (IPPROTO_SCTP) */
};

/* Decimal port 0..65535, the whole string. */
int wk_sock_parse_port(const char *s, uint16_t *port, struct wk_error *e);
/* "host:port", "[v6]:port" or "v4:port" split into host (hostsz bytes) and port. */
int wk_sock_split_hostport(const char *s, char *host, size_t hostsz, uint16_t *port,
                           struct wk_error *e);

/* getaddrinfo wrapper: family AF_UNSPEC/AF_INET/AF_INET6, type SOCK_STREAM/SOCK_DGRAM.
 * The list keeps the resolver's order without duplicates. WK_ENOTFOUND for unknown names. */
int wk_sock_resolve(const char *host, uint16_t port, int family, int type, unsigned flags,
                    struct wk_addrlist *out, struct wk_error *e);
void wk_addrlist_fini(struct wk_addrlist *l);

char *wk_sockaddr_fmt(const struct wk_sockaddr *a, char *dst, size_t n);
uint16_t wk_sockaddr_port(const struct wk_sockaddr *a);
int wk_sockaddr_family(const struct wk_sockaddr *a);

/* A non-blocking, close-on-exec socket of the address's family. */
int wk_sock_open(int family, int type, int *fd, struct wk_error *e);
/* The same with a protocol (0, or IPPROTO_SCTP for SCTP streams). An SCTP socket where
 * the kernel has no SCTP fails with WK_EUNSUP and a message that says so. */
int wk_sock_open_proto(int family, int type, int proto, int *fd, struct wk_error *e);
/* Start a connect: 0 connected, WK_SOCK_AGAIN in progress (wait for writability, then
 * wk_sock_connect_finish), negative on error. */
int wk_sock_connect_start(int fd, const struct wk_sockaddr *a, struct wk_error *e);
int wk_sock_connect_finish(int fd, const struct wk_sockaddr *a, struct wk_error *e);
/* Open and connect with a timeout (ms, < 0 for none), waiting in poll(2). The socket is
 * left non-blocking. WK_ETIMEOUT on timeout. */
int wk_sock_connect(const struct wk_sockaddr *a, int type, int timeout_ms, int *fd,
                    struct wk_error *e);
int wk_sock_connect_proto(const struct wk_sockaddr *a, int type, int proto, int timeout_ms, int *fd,
                          struct wk_error *e);
/* Try each address in order; *which is the index that answered. */
int wk_sock_connect_list(const struct wk_addrlist *l, int type, int timeout_ms, int *fd,
                         size_t *which, struct wk_error *e);
int wk_sock_connect_list_proto(const struct wk_addrlist *l, int type, int proto, int timeout_ms,
                               int *fd, size_t *which, struct wk_error *e);

/* Bound (SO_REUSEADDR) and, for streams, listening non-blocking socket. An IPv6
 * wildcard also accepts IPv4 unless WK_SOCK_V6ONLY. */
int wk_sock_listen(const struct wk_sockaddr *a, int type, int backlog, unsigned flags, int *fd,
                   struct wk_error *e);
/* 0 with *fd set, WK_SOCK_AGAIN when no connection is waiting, negative on error. */
int wk_sock_accept(int lfd, int *fd, struct wk_sockaddr *peer, struct wk_error *e);
int wk_sock_local(int fd, struct wk_sockaddr *a, struct wk_error *e);
int wk_sock_peer(int fd, struct wk_sockaddr *a, struct wk_error *e);

/* ---- Unix domain sockets (AF_UNIX) --------------------------------------------------- */

/* A path, or "@name" for a name in the abstract namespace (as ss and socat write it).
 * WK_EINVAL when empty or too long for sun_path. */
int wk_sock_unix_addr(const char *name, struct wk_sockaddr *a, struct wk_error *e);
/* Open and connect a Unix socket (SOCK_STREAM or SOCK_DGRAM), waiting at most timeout_ms
 * (< 0: no limit) while a listener's backlog is full. A datagram socket is first bound to
 * a kernel-chosen abstract name so that the peer can answer. Left non-blocking. */
int wk_sock_unix_connect(const struct wk_sockaddr *a, int type, int timeout_ms, int *fd,
                         struct wk_error *e);
/* Identity of the socket file a listener created, so that only that file is removed. */
struct wk_sock_unix_file {
	uint64_t dev, ino;
	bool owned;
};
/* Bind (and for streams listen on) a Unix socket. An existing file at the path is refused
 * unless it is a socket that nothing answers on (a stale one left by a dead listener),
 * which is removed first; a live socket, or a file that is not a socket, is never touched. */
int wk_sock_unix_listen(const struct wk_sockaddr *a, int type, int backlog, int *fd,
                        struct wk_sock_unix_file *f, struct wk_error *e);
/* Remove the socket file f came from, if the path still names that very file. */
void wk_sock_unix_unlink(const struct wk_sockaddr *a, struct wk_sock_unix_file *f);

/* ---- message framing: 4-byte big-endian length, then the payload ------------------- */

#define WK_FRAME_HDR         4
#define WK_FRAME_MAX_DEFAULT (16u << 20)

/* Append one frame to out. WK_EINVAL when n > max. */
int wk_frame_put(struct wk_buf *out, const void *p, size_t n, size_t max, struct wk_error *e);

enum wk_frame_state { WK_FRAME_S_HDR, WK_FRAME_S_BODY, WK_FRAME_S_BAD };

/* Incremental decoder. The payload buffer grows with the bytes that arrive, never to the
 * announced length in advance, and a length above max is refused before any allocation. */
struct wk_frame_dec {
	enum wk_frame_state st;
	uint8_t hdr[WK_FRAME_HDR];
	size_t nhdr;
	size_t want; /* announced payload length */
	size_t max;
	struct wk_buf body;
};

void wk_frame_dec_init(struct wk_frame_dec *d, size_t max);
void wk_frame_dec_fini(struct wk_frame_dec *d);
/* Consume bytes from p[0..n) and stop after one complete frame: returns 1 with *frame and
 * *len set (valid until the next call), 0 when all input was used without completing a
 * frame, negative on error (frame too large: WK_EINVAL; the decoder then stays bad).
 * *used is how many bytes were consumed in either case. */
int wk_frame_dec_feed(struct wk_frame_dec *d, const uint8_t *p, size_t n, size_t *used,
                      const uint8_t **frame, size_t *len, struct wk_error *e);
/* True when the decoder holds a partial frame (EOF now would truncate it). */
bool wk_frame_dec_partial(const struct wk_frame_dec *d);

/* ---- the kernel's socket table (NETLINK_SOCK_DIAG: inet_diag, unix_diag) ------------ */

struct wk_sockinfo {
	uint8_t family;   /* AF_INET, AF_INET6, AF_UNIX */
	uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP; 0 for AF_UNIX */
	uint8_t type;     /* AF_UNIX: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;    /* TCP state numbers (linux/tcp_states.h); UDP and Unix use them too */
	struct wk_sockaddr local, peer; /* AF_UNIX: local is the bound name (len 2: none) */
	uint64_t peer_inode;            /* AF_UNIX: the connected peer's inode, 0 for none */
	uint64_t vfs_dev, vfs_ino;      /* AF_UNIX bound to a path: the socket file's identity */
	uint64_t cookie;                /* the kernel's socket cookie */
	uint8_t timer;                  /* inet: 0 off, 1 retransmit, 2 keepalive, 3 time-wait,
	                                 * 4 zero-window probe */
	uint8_t retrans;
	uint32_t expires_ms; /* the timer's time left */
	uint8_t shutdown;    /* AF_UNIX: 1 receive side shut, 2 send side shut */
	uint32_t ifindex;    /* bound device, 0 for none */
	uint32_t rqueue, wqueue;
	uint32_t uid;
	uint64_t inode;
	bool v6only; /* an IPv6 socket that refuses IPv4 (INET_DIAG_SKV6ONLY) */
};

/* Kernel TCP state numbers used in the states mask (1u << state). */
enum wk_tcp_state {
	WK_TCP_ESTABLISHED = 1,
	WK_TCP_SYN_SENT,
	WK_TCP_SYN_RECV,
	WK_TCP_FIN_WAIT1,
	WK_TCP_FIN_WAIT2,
	WK_TCP_TIME_WAIT,
	WK_TCP_CLOSE,
	WK_TCP_CLOSE_WAIT,
	WK_TCP_LAST_ACK,
	WK_TCP_LISTEN,
	WK_TCP_CLOSING,
};
#define WK_SOCKDIAG_ALL 0xfffu

typedef int (*wk_sockdiag_fn)(void *ctx, const struct wk_sockinfo *s);

/* Dump sockets of family (AF_INET/AF_INET6) and protocol (IPPROTO_TCP/UDP) whose state bit
 * is in states; fn is called for each, a non-zero return stops the walk and is returned. */
int wk_sockdiag_dump(int family, int protocol, uint32_t states, wk_sockdiag_fn fn, void *ctx,
                     struct wk_error *e);
/* Unix sockets of every type whose state bit is in states (ESTABLISHED, LISTEN, CLOSE ...),
 * with name, peer, queues, file identity and owner uid. */
int wk_sockdiag_dump_unix(uint32_t states, wk_sockdiag_fn fn, void *ctx, struct wk_error *e);
/* ss's filter expressions (ss(8) FILTER): terms sport/dport [OP] [:]PORT (OP: = == eq,
 * != ne, < lt, > gt, <= le, >= ge) and src/dst [=] ADDR[/LEN][:PORT] ([v6] in brackets,
 * '*' any, a Unix path or @name pattern with fnmatch wildcards), joined by and (&&, or
 * side by side), or (||), not (!) and parentheses. Empty text matches everything.
 * WK_EINVAL with a message naming the word at fault. */
struct wk_sockfilter;
int wk_sockfilter_parse(const char *text, struct wk_sockfilter **f, struct wk_error *e);
bool wk_sockfilter_match(const struct wk_sockfilter *f, const struct wk_sockinfo *s);
void wk_sockfilter_free(struct wk_sockfilter *f);
/* The states mask for one of ss's state names (ss(8) STATE-FILTER): a TCP state
 * (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait,
 * last-ack, listening, closing) or a group (all, connected, synchronized, bucket, big).
 * WK_EINVAL for anything else. */
int wk_sockdiag_states(const char *name, uint32_t *mask);
/* ss's name for a state: "ESTAB", "LISTEN", "UNCONN" (UDP close) ... */
const char *wk_sockdiag_state_name(int protocol, int state);

/* Which processes hold which socket inodes, from /proc/PID/fd (only what we may read). */
struct wk_sockowner {
	uint64_t inode;
	int pid;
	int fd;
	char comm[32];
};
struct wk_sockowners {
	struct wk_sockowner *o; /* sorted by inode, then pid, then fd */
	size_t n;
};
int wk_sockowners_load(struct wk_sockowners *t, struct wk_error *e);
void wk_sockowners_fini(struct wk_sockowners *t);
/* First entry for inode (the others follow it), or NULL. */
const struct wk_sockowner *wk_sockowners_find(const struct wk_sockowners *t, uint64_t inode);

#ifdef __cplusplus
}
#endif

#endif
