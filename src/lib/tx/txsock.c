/* Senders for wirekit send: raw IPv4 sockets with IP_HDRINCL, raw IPv6 sockets and
 * AF_PACKET, all through sendmmsg in batches. On a raw IPv4 socket Linux rewrites the
 * total length and the header checksum always, and the identification and the source
 * address when they are zero (raw(7)); an AF_PACKET frame goes out as built. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wirekit/send.h"

enum { TX_BATCH = 64 };

struct wk_tx {
	enum wk_tx_kind kind;
	int fd;
	int ifindex;
};

struct wk_tx *wk_tx_open(enum wk_tx_kind kind, const char *ifname, struct wk_error *err)
{
	struct wk_tx *t = calloc(1, sizeof(*t));
	if (!t) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	t->kind = kind;
	t->fd = -1;
	if (ifname) {
		t->ifindex = (int)if_nametoindex(ifname);
		if (!t->ifindex) {
			wk_seterr_sys(err, errno, "interface %s", ifname);
			goto fail;
		}
	} else if (kind == WK_TX_L2) {
		wk_seterr(err, WK_EINVAL, "sending frames needs an interface (-I)");
		goto fail;
	}
	switch (kind) {
	case WK_TX_IP4:
		/* IPPROTO_RAW implies IP_HDRINCL (raw(7)) */
		t->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		break;
	case WK_TX_IP6:
		/* Linux: IPPROTO_RAW on an IPv6 raw socket means the header is included */
		t->fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		break;
	case WK_TX_L2:
		/* protocol 0: a send-only socket, it queues nothing we would have to drain */
		t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		break;
	}
	if (t->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			wk_seterr(err, WK_EPERM, "raw sockets need root or CAP_NET_RAW");
		else
			wk_seterr_sys(err, e, "raw socket");
		goto fail;
	}
	if (ifname && kind != WK_TX_L2 &&
	    setsockopt(t->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname))) {
		wk_seterr_sys(err, errno, "bind to %s", ifname);
		goto fail;
	}
	if (kind == WK_TX_L2) {
		/* Straight to the driver: no qdisc, as masscan and zmap do (packet(7)). */
		int one = 1;
		(void)setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	}
	int sz = 4 << 20;
	(void)setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return t;
fail:
	wk_tx_close(t);
	return NULL;
}

void wk_tx_close(struct wk_tx *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

union tx_addr {
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_ll ll;
};

/* Destination of one packet, read from its own header. */
static bool tx_dest(const struct wk_tx *t, const uint8_t *p, size_t n, union tx_addr *a,
                    socklen_t *alen)
{
	memset(a, 0, sizeof(*a));
	switch (t->kind) {
	case WK_TX_IP4:
		if (n < 20)
			return false;
		a->in.sin_family = AF_INET;
		memcpy(&a->in.sin_addr, p + 16, 4);
		*alen = sizeof(a->in);
		return true;
	case WK_TX_IP6:
		if (n < 40)
			return false;
		a->in6.sin6_family = AF_INET6;
		memcpy(&a->in6.sin6_addr, p + 24, 16);
		a->in6.sin6_scope_id = (uint32_t)t->ifindex;
		*alen = sizeof(a->in6);
		return true;
	case WK_TX_L2:
		if (n < 14)
			return false;
		a->ll.sll_family = AF_PACKET;
		a->ll.sll_ifindex = t->ifindex;
		a->ll.sll_halen = 6;
		memcpy(a->ll.sll_addr, p, 6);
		memcpy(&a->ll.sll_protocol, p + 12, 2); /* already network order */
		*alen = sizeof(a->ll);
		return true;
	}
	return false;
}

int wk_tx_send(struct wk_tx *t, const uint8_t *const *pkts, const size_t *lens, unsigned n,
               int *err_out, struct wk_error *err)
{
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];
	union tx_addr addr[TX_BATCH];
	unsigned done = 0;
	if (err_out)
		*err_out = 0;
	while (done < n) {
		unsigned k = 0;
		for (; k < TX_BATCH && done + k < n; k++) {
			socklen_t alen = 0;
			if (!tx_dest(t, pkts[done + k], lens[done + k], &addr[k], &alen)) {
				if (k == 0) {
					if (err_out)
						*err_out = EINVAL;
					if (done)
						return (int)done;
					return wk_seterr(err, WK_EINVAL,
					                 "packet too short to send");
				}
				break;
			}
			iov[k].iov_base = (void *)pkts[done + k];
			iov[k].iov_len = lens[done + k];
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_name = &addr[k];
			mm[k].msg_hdr.msg_namelen = alen;
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(t->fd, mm, k, 0);
		if (r < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			if (err_out)
				*err_out = e;
			if (done)
				return (int)done;
			return wk_seterr_sys(err, e, "send");
		}
		done += (unsigned)r;
		if ((unsigned)r < k) {
			/* the next one failed: report its errno on the next call */
			continue;
		}
	}
	return (int)done;
}
