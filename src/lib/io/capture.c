/* Live capture: the generic part of the packet port (open picks a back-end, recv, stats,
 * close), the kernel filter attachment shared by the back-ends and the ring geometry. */
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/capture_int.h"

/* LINKTYPE_LINUX_SLL header length: a cooked socket's filter addresses the packet as if
 * this header preceded the network layer. */
#define SLL_HDR_LEN 16u
/* Per packet and per block bytes the ring spends besides the packet: block descriptor
 * (48), tpacket3_hdr and sockaddr_ll aligned (80), room for a link header we rebuild
 * (SLL or a VLAN tag, 16) and alignment. */
#define RING_OVERHEAD 160u
#define RING_FRAME    2048u

int wk_ring_geometry(size_t bufsize, uint32_t snaplen, size_t pagesize, struct wk_ring_geom *g,
                     struct wk_error *err)
{
	if (!pagesize || (pagesize & (pagesize - 1)) || pagesize > WK_RING_MAX_BLOCK)
		return wk_seterr(err, WK_EINVAL, "page size %zu is not a power of two", pagesize);
	if (!snaplen)
		return wk_seterr(err, WK_EINVAL, "snap length 0");
	if (bufsize > WK_RING_MAX_BYTES)
		return wk_seterr(err, WK_EINVAL, "buffer of %zu bytes is over the %zu MiB limit",
		                 bufsize, WK_RING_MAX_BYTES >> 20);
	/* A block holds at least one whole packet: the kernel cuts what does not fit. Blocks
	 * of at least 128 KiB keep the per-block cost (one poll, one status write) small. */
	uint64_t need = (uint64_t)snaplen + RING_OVERHEAD;
	uint32_t bs = (uint32_t)pagesize;
	while ((bs < need || bs < (128u << 10)) && bs < WK_RING_MAX_BLOCK)
		bs <<= 1;
	/* A small buffer gets smaller blocks rather than fewer: with under four blocks the
	 * kernel has nowhere to write while we read one. */
	while (bs > pagesize && bs > RING_FRAME && (uint64_t)bs * WK_RING_MIN_BLOCKS > bufsize &&
	       bs / 2 >= (uint32_t)RING_OVERHEAD + 64u)
		bs >>= 1;
	uint64_t nr = bufsize / bs;
	if (nr < WK_RING_MIN_BLOCKS)
		nr = WK_RING_MIN_BLOCKS;
	g->block_size = bs;
	g->block_nr = (uint32_t)nr;
	g->frame_size = bs < RING_FRAME ? bs : RING_FRAME;
	g->frame_nr = (uint32_t)(nr * (bs / g->frame_size));
	g->snaplen = snaplen;
	if ((uint64_t)g->snaplen + RING_OVERHEAD > bs)
		g->snaplen = bs - RING_OVERHEAD;
	return 0;
}

/* A cooked socket's program sees the packet from the network header on, while libpcap
 * compiled it for LINUX_SLL. Loads beyond the SLL header move down by its length; the two
 * SLL fields the kernel has as ancillary data (packet type at 0, protocol at 14) become
 * those loads; any other SLL field cannot be done in the kernel (false). The accept
 * length shrinks by the header too. */
static bool fix_cooked(struct sock_filter *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct sock_filter *p = &f[i];
		unsigned cls = BPF_CLASS(p->code), mode = BPF_MODE(p->code);
		if ((cls == BPF_LD || cls == BPF_LDX) &&
		    (mode == BPF_ABS || mode == BPF_IND || mode == BPF_MSH)) {
			if (p->k >= SLL_HDR_LEN)
				p->k -= SLL_HDR_LEN;
			else if (p->k == 0 && mode == BPF_ABS && BPF_SIZE(p->code) == BPF_H)
				p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
			else if (p->k == 14 && mode == BPF_ABS && BPF_SIZE(p->code) == BPF_H)
				p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
			else
				return false;
		} else if (cls == BPF_RET && BPF_RVAL(p->code) == BPF_K && p->k > SLL_HDR_LEN) {
			p->k -= SLL_HDR_LEN;
		}
	}
	return true;
}

static int attach(struct wk_capture *c, struct sock_filter *ins, unsigned n)
{
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = ins};
	if (setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return wk_seterr_sys(&c->err, errno, "SO_ATTACH_FILTER");
	return 0;
}

int cap_attach_drop_all(struct wk_capture *c)
{
	struct sock_filter none[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	return attach(c, none, 1);
}

int cap_attach_filter(struct wk_capture *c, const char *expr, int linktype, bool cooked)
{
	struct sock_filter snap[] = {BPF_STMT(BPF_RET | BPF_K, c->snaplen)};
	if (!expr || !*expr)
		return attach(c, snap, 1);
	struct wk_error ferr = {0};
	struct wk_filter *f = wk_filter_new(expr, linktype, c->snaplen, &ferr);
	if (!f) /* the expression is named: the user may not have typed it in one piece */
		return wk_seterr(&c->err, WK_EINVAL, "filter '%s': %s", expr, ferr.msg);
	unsigned n = 0;
	const void *src = wk_filter_insns(f, &n);
	if (n == 0 || n > BPF_MAXINSNS) {
		wk_filter_free(f);
		return wk_seterr(&c->err, WK_EINVAL, "filter of %u instructions", n);
	}
	/* libpcap's struct bpf_insn and the kernel's struct sock_filter are the same layout
	 * (u16 code, u8 jt, u8 jf, u32 k); copy so the cooked fix-up can change it. */
	struct sock_filter *ins = calloc(n, sizeof(*ins));
	if (!ins) {
		wk_filter_free(f);
		return wk_seterr(&c->err, WK_ENOMEM, "out of memory");
	}
	memcpy(ins, src, n * sizeof(*ins));
	int rc;
	if (cooked && !fix_cooked(ins, n)) {
		/* Run the whole program on our side, over the SLL header we rebuild. */
		c->ufilter = f;
		f = NULL;
		rc = attach(c, snap, 1);
	} else {
		rc = attach(c, ins, n);
	}
	free(ins);
	wk_filter_free(f);
	return rc;
}

struct wk_capture *wk_capture_open(const struct wk_capture_opts *o, struct wk_error *err)
{
	struct wk_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->ops = o->raw_ip_proto ? &cap_rawip_ops : &cap_afpacket_ops;
	c->snaplen = o->snaplen ? o->snaplen : WK_CAP_DEFAULT_SNAPLEN;
	int rc = c->ops->open(c, o);
	if (rc) {
		if (err)
			*err = c->err;
		wk_capture_close(c);
		return NULL;
	}
	return c;
}

void wk_capture_close(struct wk_capture *c)
{
	if (!c)
		return;
	c->ops->close(c);
	if (c->fd >= 0)
		close(c->fd);
	wk_filter_free(c->ufilter);
	free(c);
}

int wk_capture_recv_batch(struct wk_capture *c, struct wk_pkt *pkts, uint32_t *flags, unsigned max,
                          int timeout_ms)
{
	if (!max)
		return 0;
	int n = c->ops->recv(c, pkts, flags, max, timeout_ms);
	if (n <= 0)
		return n;
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (c->ufilter &&
		    !wk_filter_match(c->ufilter, pkts[i].data, pkts[i].caplen, pkts[i].wirelen))
			continue;
		if (k != i) {
			pkts[k] = pkts[i];
			if (flags)
				flags[k] = flags[i];
		}
		pkts[k].number = ++c->number;
		k++;
	}
	c->received += (uint64_t)k;
	return k;
}

int wk_capture_stats(struct wk_capture *c, struct wk_capture_stats *st)
{
	int rc = c->ops->stats(c);
	st->received = c->received;
	st->kernel = c->kernel;
	st->dropped = c->dropped;
	return rc;
}

int wk_capture_linktype(const struct wk_capture *c)
{
	return c->linktype;
}

uint32_t wk_capture_snaplen(const struct wk_capture *c)
{
	return c->snaplen;
}

const char *wk_capture_ifname(const struct wk_capture *c)
{
	return c->ifname;
}

int wk_capture_fd(const struct wk_capture *c)
{
	return c->fd;
}

const struct wk_error *wk_capture_error(const struct wk_capture *c)
{
	return &c->err;
}
