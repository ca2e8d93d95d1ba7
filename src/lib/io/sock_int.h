/* Internal names shared by the socket files (sock.c, sock_unix.c). */
#ifndef WIREKIT_SOCK_INT_H
#define WIREKIT_SOCK_INT_H

#include <stddef.h>

#include "wirekit/sock.h"

/* A Unix address as ss writes it: the path, "@name" for the abstract namespace (NUL bytes
 * inside the name shown as '@'), "(unnamed)" for an unbound socket. */
void sock_unix_fmt(const struct wk_sockaddr *a, char *dst, size_t n);

#endif
