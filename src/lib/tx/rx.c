/* The receive side of wirekit send: one AF_PACKET socket in cooked mode (SOCK_DGRAM) sees
 * the network-layer packet of every frame arriving on any interface of the namespace,
 * with its kernel timestamp (SO_TIMESTAMPNS). Our own outgoing packets are skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wirekit/send.h"

enum { RX_MAX = 65536 };

struct wk_rx {
	int fd;
	uint64_t n;
	uint8_t buf[RX_MAX];
};

struct wk_rx *wk_rx_open(struct wk_error *err)
{
	struct wk_rx *r = calloc(1, sizeof(*r));
	if (!r) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	r->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (r->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			wk_seterr(err, WK_EPERM, "raw sockets need root or CAP_NET_RAW");
		else
			wk_seterr_sys(err, e, "packet socket");
		free(r);
		return NULL;
	}
	int one = 1, sz = 8 << 20;
	(void)setsockopt(r->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	(void)setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	return r;
}

void wk_rx_close(struct wk_rx *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

int wk_rx_fd(const struct wk_rx *r)
{
	return r->fd;
}

int wk_rx_next(struct wk_rx *r, struct wk_pkt *pkt, int timeout_ms, struct wk_error *err)
{
	for (;;) {
		struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0) {
			if (errno == EINTR)
				return 0;
			return wk_seterr_sys(err, errno, "poll");
		}
		if (pr == 0)
			return 0;
		struct sockaddr_ll sll;
		union {
			char b[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = {.iov_base = r->buf, .iov_len = sizeof(r->buf)};
		struct msghdr mh = {.msg_name = &sll,
		                    .msg_namelen = sizeof(sll),
		                    .msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = cbuf.b,
		                    .msg_controllen = sizeof(cbuf.b)};
		ssize_t k = recvmsg(r->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return wk_seterr_sys(err, errno, "recv");
		}
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		uint16_t proto = ntohs(sll.sll_protocol);
		if (proto != ETH_P_IP && proto != ETH_P_IPV6)
			continue;
		struct timespec ts = {0};
		bool have = false;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				have = true;
			}
		if (!have)
			clock_gettime(CLOCK_REALTIME, &ts);
		memset(pkt, 0, offsetof(struct wk_pkt, nlayers));
		pkt->data = r->buf;
		pkt->wirelen = (uint32_t)k;
		pkt->caplen = (uint32_t)((size_t)k < sizeof(r->buf) ? (size_t)k : sizeof(r->buf));
		pkt->ts_sec = ts.tv_sec;
		pkt->ts_nsec = (uint32_t)ts.tv_nsec;
		pkt->linktype = proto == ETH_P_IP ? WK_LINKTYPE_IPV4 : WK_LINKTYPE_IPV6;
		pkt->number = ++r->n;
		pkt->ctx = NULL;
		return 1;
	}
}
