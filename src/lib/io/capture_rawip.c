/* Raw IP capture back-end: a plain SOCK_RAW IPv4 socket of one protocol (ICMP, TCP or
 * UDP), the classic sniffer for hosts where packet sockets are not allowed. The kernel
 * delivers each incoming packet of that protocol from the IP header on (LINKTYPE_RAW);
 * recvmmsg takes a batch at a time with kernel timestamps and the overflow counter. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/capture_int.h"

#define LINKTYPE_RAW 101u
#define RAW_BATCH    64u
#define RAW_MAXPKT   65535u /* an IPv4 datagram is never longer (RFC 791 total length) */
#define RAW_CMSG     128u

struct rawip {
	uint8_t *buf; /* RAW_BATCH buffers of bufsz bytes */
	uint32_t bufsz;
	struct mmsghdr msg[RAW_BATCH];
	struct iovec iov[RAW_BATCH];
	union {
		struct cmsghdr align;
		uint8_t b[RAW_CMSG];
	} cmsg[RAW_BATCH];
	uint32_t ovfl; /* SO_RXQ_OVFL: the socket's drops so far (a running total) */
};

static int rawip_open(struct wk_capture *c, const struct wk_capture_opts *o)
{
	int proto = o->raw_ip_proto;
	if (proto != IPPROTO_ICMP && proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return wk_seterr(&c->err, WK_EINVAL,
		                 "raw IP capture: protocol %d (icmp, tcp or udp)", proto);
	struct rawip *r = calloc(1, sizeof(*r));
	if (!r)
		return wk_seterr(&c->err, WK_ENOMEM, "out of memory");
	c->be = r;
	c->linktype = LINKTYPE_RAW;
	if (c->snaplen > RAW_MAXPKT)
		c->snaplen = RAW_MAXPKT;
	r->bufsz = c->snaplen;
	r->buf = malloc((size_t)r->bufsz * RAW_BATCH);
	if (!r->buf)
		return wk_seterr(&c->err, WK_ENOMEM, "out of memory");
	const char *ifn = o->ifname && *o->ifname ? o->ifname : "any";
	size_t len = strnlen(ifn, IF_NAMESIZE - 1);
	memcpy(c->ifname, ifn, len);
	c->ifname[len] = '\0';

	c->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (c->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			return wk_seterr(&c->err, WK_EPERM,
			                 "raw IP socket: %s (capturing needs root or CAP_NET_RAW)",
			                 strerror(e));
		return wk_seterr_sys(&c->err, e, "raw IP socket");
	}
	/* This socket receives from socket() on: close the window with a drop-all program,
	 * drain what came in before it, then put the real filter on. */
	int rc = cap_attach_drop_all(c);
	if (rc)
		return rc;
	if (strcmp(c->ifname, "any") &&
	    setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname, (socklen_t)len) < 0) {
		int e = errno;
		if (e == ENODEV)
			return wk_seterr(&c->err, WK_ENOTFOUND, "%s: no such interface", c->ifname);
		return wk_seterr_sys(&c->err, e, "%s", c->ifname);
	}
	uint8_t junk[64];
	while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	int on = 1;
	if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0)
		return wk_seterr_sys(&c->err, errno, "socket options");
	return cap_attach_filter(c, o->filter, LINKTYPE_RAW, false);
}

static void rawip_meta(struct rawip *r, struct msghdr *m, struct wk_pkt *p)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SO_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			p->ts_sec = ts.tv_sec;
			p->ts_nsec = (uint32_t)ts.tv_nsec;
		} else if (cm->cmsg_type == SO_RXQ_OVFL &&
		           cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			memcpy(&r->ovfl, CMSG_DATA(cm), sizeof(uint32_t));
		}
	}
}

static int rawip_recv(struct wk_capture *c, struct wk_pkt *pkts, uint32_t *flags, unsigned max,
                      int timeout_ms)
{
	struct rawip *r = c->be;
	if (max > RAW_BATCH)
		max = RAW_BATCH;
	for (unsigned i = 0; i < max; i++) {
		r->iov[i].iov_base = r->buf + (size_t)i * r->bufsz;
		r->iov[i].iov_len = r->bufsz;
		r->msg[i].msg_hdr = (struct msghdr){
		    .msg_iov = &r->iov[i],
		    .msg_iovlen = 1,
		    .msg_control = r->cmsg[i].b,
		    .msg_controllen = sizeof(r->cmsg[i].b),
		};
		r->msg[i].msg_len = 0;
	}
	int n = recvmmsg(c->fd, r->msg, max, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int k = poll(&p, 1, timeout_ms);
		if (k < 0)
			return errno == EINTR ? 0 : wk_seterr_sys(&c->err, errno, "poll");
		if (k == 0)
			return 0;
		n = recvmmsg(c->fd, r->msg, max, MSG_DONTWAIT | MSG_TRUNC, NULL);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return wk_seterr_sys(&c->err, errno, "recvmmsg");
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	for (int i = 0; i < n; i++) {
		struct wk_pkt *p = &pkts[i];
		uint32_t got = r->msg[i].msg_len; /* with MSG_TRUNC: the datagram's real length */
		p->data = r->iov[i].iov_base;
		p->caplen = got < r->bufsz ? got : r->bufsz;
		p->wirelen = got;
		p->ts_sec = now.tv_sec; /* unless the kernel's stamp comes with it */
		p->ts_nsec = (uint32_t)now.tv_nsec;
		p->linktype = LINKTYPE_RAW;
		p->ifid = 0;
		p->ctx = NULL;
		p->nlayers = 0;
		rawip_meta(r, &r->msg[i].msg_hdr, p);
		if (flags)
			flags[i] = 0;
	}
	return n;
}

static int rawip_stats(struct wk_capture *c)
{
	struct rawip *r = c->be;
	c->dropped = r->ovfl;
	c->kernel = c->received + c->dropped;
	return 0;
}

static void rawip_close(struct wk_capture *c)
{
	struct rawip *r = c->be;
	if (!r)
		return;
	free(r->buf);
	free(r);
	c->be = NULL;
}

const struct cap_ops cap_rawip_ops = {
    .name = "rawip",
    .open = rawip_open,
    .recv = rawip_recv,
    .stats = rawip_stats,
    .close = rawip_close,
};
