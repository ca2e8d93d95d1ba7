/* AF_PACKET capture back-end: a TPACKET_V3 block ring mapped once, the tcpdump filter
 * running in the kernel, promiscuous mode as a socket membership (so it ends with the
 * socket, whatever way the process ends), packets handed out where the kernel wrote them.
 * The kernel's ring headers are its ABI, written by the kernel, not network bytes; their
 * offsets are still checked against the block before any packet byte is touched. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/capture_int.h"

#define LINKTYPE_ETHERNET  1u
#define LINKTYPE_RAW       101u
#define LINKTYPE_LINUX_SLL 113u
#define SLL_HDR_LEN        16u
#define VLAN_TAG_LEN       4u
#define DEFAULT_BLOCK_TOV  20u
#define ETH_ADDRS_LEN      12u /* destination and source MAC: a VLAN tag goes after them */
#define ETHERTYPE_8021Q    0x8100u

struct afp {
	uint8_t *ring;
	size_t ring_len;
	struct wk_ring_geom g;
	uint32_t cur;    /* block we read next */
	uint8_t *blk;    /* block held by us (its packets are out), or NULL */
	uint32_t left;   /* packets of blk not handed out yet */
	uint32_t pos;    /* offset in blk of the next packet header */
	bool cooked;     /* SOCK_DGRAM: we rebuild a LINUX_SLL header in front */
	int lo_ifindex;  /* outgoing copies on loopback are duplicates of incoming ones */
	int ifindex;     /* 0 = any */
	uint32_t hdrlen; /* TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): sockaddr_ll follows */
};

static int open_err(struct wk_capture *c, int e, const char *what)
{
	if (e == EPERM || e == EACCES)
		return wk_seterr(&c->err, WK_EPERM, "%s: %s (capturing needs root or CAP_NET_RAW)",
		                 what, strerror(e));
	return wk_seterr_sys(&c->err, e, "%s", what);
}

/* The first interface that is up, running and not a loopback (tcpdump's default); when
 * there is none (a namespace with only lo up), "any", as tcpdump then listens on. */
static int default_ifname(struct wk_capture *c, int ioc)
{
	struct if_nameindex *ifs = if_nameindex();
	if (!ifs)
		return wk_seterr_sys(&c->err, errno, "listing interfaces");
	memcpy(c->ifname, "any", 4);
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		struct ifreq ifr = {0};
		size_t len = strnlen(i->if_name, IF_NAMESIZE - 1);
		memcpy(ifr.ifr_name, i->if_name, len);
		if (ioctl(ioc, SIOCGIFFLAGS, &ifr) < 0)
			continue;
		if ((ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING) &&
		    !(ifr.ifr_flags & IFF_LOOPBACK)) {
			memcpy(c->ifname, i->if_name, len);
			c->ifname[len] = '\0';
			break;
		}
	}
	if_freenameindex(ifs);
	return 0;
}

/* Which socket type and link type the interface needs: Ethernet-like devices keep their
 * header (SOCK_RAW); devices without one give IP (LINKTYPE_RAW); others get the cooked
 * LINUX_SLL form, as libpcap does. */
static int pick_link(struct wk_capture *c, struct afp *a, int ioc)
{
	if (!strcmp(c->ifname, "any")) {
		a->ifindex = 0;
		a->cooked = true;
		c->linktype = LINKTYPE_LINUX_SLL;
		return 0;
	}
	struct ifreq ifr = {0};
	memcpy(ifr.ifr_name, c->ifname, strnlen(c->ifname, IF_NAMESIZE - 1));
	if (ioctl(ioc, SIOCGIFINDEX, &ifr) < 0) {
		int e = errno;
		if (e == ENODEV)
			return wk_seterr(&c->err, WK_ENOTFOUND, "%s: no such interface", c->ifname);
		return wk_seterr_sys(&c->err, e, "%s", c->ifname);
	}
	a->ifindex = ifr.ifr_ifindex;
	if (ioctl(ioc, SIOCGIFHWADDR, &ifr) < 0)
		return wk_seterr_sys(&c->err, errno, "%s: hardware type", c->ifname);
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		c->linktype = LINKTYPE_ETHERNET;
		break;
	case ARPHRD_NONE:
		c->linktype = LINKTYPE_RAW;
		break;
	default:
		a->cooked = true;
		c->linktype = LINKTYPE_LINUX_SLL;
		break;
	}
	return 0;
}

static int afp_setup_ring(struct wk_capture *c, struct afp *a, const struct wk_capture_opts *o)
{
	int v = TPACKET_V3;
	if (setsockopt(c->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return wk_seterr_sys(&c->err, errno, "TPACKET_V3");
	struct tpacket_req3 req = {
	    .tp_block_size = a->g.block_size,
	    .tp_block_nr = a->g.block_nr,
	    .tp_frame_size = a->g.frame_size,
	    .tp_frame_nr = a->g.frame_nr,
	    .tp_retire_blk_tov = o->block_timeout_ms ? o->block_timeout_ms : DEFAULT_BLOCK_TOV,
	};
	if (setsockopt(c->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return wk_seterr_sys(&c->err, errno, "PACKET_RX_RING of %u blocks of %u bytes",
		                     a->g.block_nr, a->g.block_size);
	a->ring_len = (size_t)a->g.block_size * a->g.block_nr;
	void *m =
	    mmap(NULL, a->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, c->fd, 0);
	if (m == MAP_FAILED) {
		a->ring_len = 0;
		return wk_seterr_sys(&c->err, errno, "mapping the ring");
	}
	a->ring = m;
	a->hdrlen = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	return 0;
}

static int afp_open(struct wk_capture *c, const struct wk_capture_opts *o)
{
	struct afp *a = calloc(1, sizeof(*a));
	if (!a)
		return wk_seterr(&c->err, WK_ENOMEM, "out of memory");
	c->be = a;
	int rc = 0;
	/* Interface questions go through a plain datagram socket: no privilege needed, so an
	 * unknown interface is reported as such even for an unprivileged user. */
	int ioc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioc < 0)
		return wk_seterr_sys(&c->err, errno, "socket");
	if (o->ifname && *o->ifname) {
		size_t len = strlen(o->ifname);
		if (len >= IF_NAMESIZE) {
			rc = wk_seterr(&c->err, WK_ENOTFOUND, "%s: no such interface", o->ifname);
			goto out;
		}
		memcpy(c->ifname, o->ifname, len + 1);
	} else if ((rc = default_ifname(c, ioc))) {
		goto out;
	}
	if ((rc = pick_link(c, a, ioc)))
		goto out;
	a->lo_ifindex = (int)if_nametoindex("lo");
	long ps = sysconf(_SC_PAGESIZE);
	rc = wk_ring_geometry(o->buffer_size ? o->buffer_size : WK_CAP_DEFAULT_BUFFER, c->snaplen,
	                      ps > 0 ? (size_t)ps : 4096, &a->g, &c->err);
	if (rc)
		goto out;
	c->snaplen = a->g.snaplen; /* the filter's accept length too */

	/* Protocol 0: the socket takes no packet until bind() names ETH_P_ALL. */
	c->fd = socket(AF_PACKET, (a->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = open_err(c, errno, "packet socket");
		goto out;
	}
	/* So the real filter goes on now, before the ring exists and before bind(): no
	 * packet can be queued unfiltered, and none is lost to a drop-all window (the
	 * drop-all, drain, attach order is for sockets that receive from socket() on, like
	 * the raw IP back-end's). */
	if ((rc = cap_attach_filter(c, o->filter, c->linktype, a->cooked)))
		goto out;
	if ((rc = afp_setup_ring(c, a, o)))
		goto out;
	if (o->promisc && a->ifindex) {
		struct packet_mreq mr = {.mr_ifindex = a->ifindex, .mr_type = PACKET_MR_PROMISC};
		if (setsockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			rc = open_err(c, errno, "promiscuous mode");
			goto out;
		}
	}
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = a->ifindex,
	};
	if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = open_err(c, errno, c->ifname);
		goto out;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr) {
		rc = wk_seterr_sys(&c->err, soerr, "%s", c->ifname);
		goto out;
	}
out:
	close(ioc);
	return rc;
}

/* Give the block back to the kernel and move to the next one. */
static void release_block(struct afp *a)
{
	struct tpacket_block_desc *d = (struct tpacket_block_desc *)a->blk;
	__atomic_store_n(&d->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	a->blk = NULL;
	a->cur = (a->cur + 1) % a->g.block_nr;
}

static int wait_block(struct wk_capture *c, struct afp *a, int timeout_ms)
{
	uint8_t *b = a->ring + (size_t)a->cur * a->g.block_size;
	struct tpacket_block_desc *d = (struct tpacket_block_desc *)b;
	if (!(__atomic_load_n(&d->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);
		if (r < 0)
			return errno == EINTR ? 0 : wk_seterr_sys(&c->err, errno, "poll");
		if (p.revents & (POLLERR | POLLNVAL)) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr)
				return wk_seterr_sys(&c->err, soerr, "%s", c->ifname);
		}
		if (!(__atomic_load_n(&d->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return 0;
	}
	uint32_t n = d->hdr.bh1.num_pkts, first = d->hdr.bh1.offset_to_first_pkt;
	a->blk = b;
	a->left = first < a->g.block_size ? n : 0;
	a->pos = first;
	return 1;
}

/* Cooked mode: write the 16-byte LINUX_SLL header the filter and the file expect in the
 * gap the kernel leaves in front of the network header (libpcap does the same). */
static void put_sll(uint8_t *h, const struct sockaddr_ll *sll)
{
	uint16_t hal = sll->sll_halen > 8 ? 8 : sll->sll_halen;
	h[0] = 0;
	h[1] = sll->sll_pkttype;
	h[2] = (uint8_t)(sll->sll_hatype >> 8);
	h[3] = (uint8_t)sll->sll_hatype;
	h[4] = 0;
	h[5] = (uint8_t)sll->sll_halen;
	memset(h + 6, 0, 8);
	memcpy(h + 6, sll->sll_addr, hal);
	memcpy(h + 14, &sll->sll_protocol, 2); /* already in network order */
}

static int afp_recv(struct wk_capture *c, struct wk_pkt *pkts, uint32_t *flags, unsigned max,
                    int timeout_ms)
{
	struct afp *a = c->be;
	if (a->blk && !a->left)
		release_block(a);
	if (!a->blk) {
		int r = wait_block(c, a, timeout_ms);
		if (r <= 0)
			return r;
	}
	unsigned n = 0;
	const uint32_t bs = a->g.block_size;
	while (a->left && n < max) {
		uint32_t at = a->pos;
		if (at > bs - a->hdrlen - sizeof(struct sockaddr_ll)) {
			a->left = 0; /* a header past the block: stop here, never read beyond */
			break;
		}
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)(a->blk + at);
		struct sockaddr_ll sll;
		memcpy(&sll, a->blk + at + a->hdrlen, sizeof(sll));
		uint32_t mac = h->tp_mac, snap = h->tp_snaplen, len = h->tp_len;
		uint32_t status = h->tp_status, next = h->tp_next_offset;
		a->left--;
		a->pos = next ? at + next : bs;
		if (mac > bs - at || snap > bs - at - mac || mac < a->hdrlen + sizeof(sll))
			continue;
		/* Loopback shows every packet twice (out, then in): keep the incoming one. */
		if (sll.sll_pkttype == PACKET_OUTGOING && sll.sll_ifindex == a->lo_ifindex)
			continue;
		uint8_t *data = a->blk + at + mac;
		uint32_t room =
		    mac - a->hdrlen - (uint32_t)sizeof(sll); /* free bytes before data */
		if (a->cooked) {
			if (room < SLL_HDR_LEN)
				continue;
			data -= SLL_HDR_LEN;
			put_sll(data, &sll);
			snap += SLL_HDR_LEN;
			len += SLL_HDR_LEN;
		} else if ((status & TP_STATUS_VLAN_VALID) &&
		           c->linktype == (int)LINKTYPE_ETHERNET && room >= VLAN_TAG_LEN &&
		           snap >= ETH_ADDRS_LEN) {
			/* The NIC took the 802.1Q tag out; put it back where it was on the wire
			 * (IEEE 802.1Q: TPID then TCI after the two MAC addresses). */
			uint16_t tpid = (status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid
			                    ? h->hv1.tp_vlan_tpid
			                    : ETHERTYPE_8021Q;
			uint16_t tci = (uint16_t)h->hv1.tp_vlan_tci;
			memmove(data - VLAN_TAG_LEN, data, ETH_ADDRS_LEN);
			data -= VLAN_TAG_LEN;
			data[12] = (uint8_t)(tpid >> 8);
			data[13] = (uint8_t)tpid;
			data[14] = (uint8_t)(tci >> 8);
			data[15] = (uint8_t)tci;
			snap += VLAN_TAG_LEN;
			len += VLAN_TAG_LEN;
		}
		struct wk_pkt *p = &pkts[n];
		p->data = data;
		p->caplen = snap;
		p->wirelen = len < snap ? snap : len;
		p->ts_sec = h->tp_sec;
		p->ts_nsec = h->tp_nsec;
		p->linktype = (uint32_t)c->linktype;
		p->ifid = 0;
		p->ctx = NULL;
		p->nlayers = 0;
		if (flags)
			flags[n] = ((status & TP_STATUS_CSUMNOTREADY) ? WK_CAP_CSUM_NOTREADY : 0) |
			           (sll.sll_pkttype == PACKET_OUTGOING ? WK_CAP_OUTGOING : 0);
		n++;
	}
	return (int)n;
}

static int afp_stats(struct wk_capture *c)
{
	struct tpacket_stats_v3 st = {0};
	socklen_t sl = sizeof(st);
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
		return wk_seterr_sys(&c->err, errno, "PACKET_STATISTICS");
	/* Reading resets the kernel's counters; tp_packets includes the drops. */
	c->kernel += st.tp_packets;
	c->dropped += st.tp_drops;
	return 0;
}

static void afp_close(struct wk_capture *c)
{
	struct afp *a = c->be;
	if (!a)
		return;
	if (a->ring)
		munmap(a->ring, a->ring_len);
	free(a);
	c->be = NULL;
}

const struct cap_ops cap_afpacket_ops = {
    .name = "afpacket",
    .open = afp_open,
    .recv = afp_recv,
    .stats = afp_stats,
    .close = afp_close,
};
