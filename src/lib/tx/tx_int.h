/* Internal to the TX engine (src/lib/tx/): small helpers route.c and neigh.c share.
 * Static inline, so nothing here leaves the library. */
#ifndef WIREKIT_TX_INT_H
#define WIREKIT_TX_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wirekit/addr.h"

/* Address length in bytes for AF_INET or AF_INET6. */
static inline size_t tx_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The printable form of an address (buf holds WK_IP6_STRLEN). */
static inline void tx_addr_str(int family, const uint8_t *a, char *buf)
{
	if (family == AF_INET)
		wk_ip4_fmt(buf, a);
	else
		wk_ip6_fmt(buf, a);
}

#endif
