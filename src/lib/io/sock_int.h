/* Internal names shared by the socket files (sock.c, sock_unix.c). */
#ifndef WIREKIT_SOCK_INT_H
#define WIREKIT_SOCK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wirekit/cursor.h"
#include "wirekit/sock.h"

/* A Unix address as ss writes it: the path, "@name" for the abstract namespace (NUL bytes
 * inside the name shown as '@'), "(unnamed)" for an unbound socket. */
void sock_unix_fmt(const struct wk_sockaddr *a, char *dst, size_t n);

/* sockdiag.c: send one NETLINK_SOCK_DIAG dump request (req: netlink header included) and
 * hand each reply body to parse, which fills si (0) or skips it (non-zero); fn then sees
 * it. A non-zero fn return stops the walk and is returned. */
typedef int (*sockdiag_parse_fn)(struct wk_rd *body, const void *pctx, struct wk_sockinfo *si);
int sockdiag_run(const uint8_t *req, size_t reqlen, sockdiag_parse_fn parse, const void *pctx,
                 wk_sockdiag_fn fn, void *ctx, struct wk_error *e);
/* A host-order 32-bit netlink field. */
uint32_t sockdiag_rd_h32(struct wk_rd *r);

#endif
