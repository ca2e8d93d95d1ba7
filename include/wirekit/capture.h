/* Live capture: a packet port that hands out batches of received packets. Back-ends: an
 * AF_PACKET socket with a TPACKET_V3 mmap'd block ring (link layer, promiscuous mode,
 * BPF filter in the kernel) and a plain SOCK_RAW IP socket of one protocol (IP header
 * and up, LINKTYPE_RAW) for hosts where packet sockets are not allowed. */
#ifndef WIREKIT_CAPTURE_H
#define WIREKIT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wk_capture;

/* Per-packet flags filled next to each packet by wk_capture_recv_batch. */
enum wk_cap_pflag {
	/* The kernel has not computed the checksum yet (TP_STATUS_CSUMNOTREADY: checksum
	 * offload on an outgoing or locally forwarded packet), so a wrong-looking transport
	 * checksum is not an error. */
	WK_CAP_CSUM_NOTREADY = 1 << 0,
	WK_CAP_OUTGOING = 1 << 1, /* sent by this host */
};

#define WK_CAP_DEFAULT_SNAPLEN 262144u
#define WK_CAP_DEFAULT_BUFFER  (8u << 20)

struct wk_capture_opts {
	/* Interface name; NULL or "" for the first interface that is up and not a loopback;
	 * "any" for all interfaces (LINKTYPE_LINUX_SLL, no promiscuous mode). */
	const char *ifname;
	uint32_t snaplen;   /* 0: WK_CAP_DEFAULT_SNAPLEN */
	size_t buffer_size; /* ring bytes; 0: WK_CAP_DEFAULT_BUFFER */
	bool promisc;       /* PACKET_ADD_MEMBERSHIP PACKET_MR_PROMISC; ends with the socket */
	const char *filter; /* tcpdump expression run in the kernel; NULL or "" for none */
	/* Block retire timeout of the ring in ms (latency of a quiet link); 0: 20 ms. */
	unsigned block_timeout_ms;
	/* 0: AF_PACKET. IPPROTO_ICMP, IPPROTO_TCP or IPPROTO_UDP: a raw IPv4 socket of that
	 * protocol instead (incoming packets only, no promiscuous mode, ring options unused). */
	int raw_ip_proto;
};

/* Open the port. The filter is compiled for the port's link type and attached before the
 * socket takes any packet, so nothing unfiltered is ever queued. On failure returns NULL
 * and fills err: WK_EPERM without CAP_NET_RAW, WK_ENOTFOUND for an unknown interface,
 * WK_EINVAL for a filter that does not compile, WK_ESYS otherwise. */
struct wk_capture *wk_capture_open(const struct wk_capture_opts *o, struct wk_error *err);
/* Close the socket and unmap the ring (promiscuous mode ends here). Accepts NULL. */
void wk_capture_close(struct wk_capture *c);

/* Receive up to max packets. Waits at most timeout_ms (-1: no limit) when none is ready.
 * Returns the number of packets written to pkts (0 on timeout or when a signal
 * interrupted the wait), or a negative code with the message in wk_capture_error.
 * pkts[i].data points into the ring and stays valid until the next call or close;
 * flags[i] (flags may be NULL) gets enum wk_cap_pflag bits. Frame numbers count from 1
 * over the life of the port. */
int wk_capture_recv_batch(struct wk_capture *c, struct wk_pkt *pkts, uint32_t *flags, unsigned max,
                          int timeout_ms);

struct wk_capture_stats {
	uint64_t received; /* packets handed out by wk_capture_recv_batch */
	uint64_t kernel;   /* packets that passed the kernel filter (handed out or not) */
	uint64_t dropped;  /* dropped by the kernel: ring full (PACKET_STATISTICS) or socket
	                    * buffer overflow (SO_RXQ_OVFL) */
};
/* Totals since open (the kernel counters are read and accumulated here). */
int wk_capture_stats(struct wk_capture *c, struct wk_capture_stats *st);

int wk_capture_linktype(const struct wk_capture *c);
uint32_t wk_capture_snaplen(const struct wk_capture *c);   /* effective (ring may cut it) */
const char *wk_capture_ifname(const struct wk_capture *c); /* "any" or the interface */
int wk_capture_fd(const struct wk_capture *c);
const struct wk_error *wk_capture_error(const struct wk_capture *c);

/* TPACKET_V3 ring geometry for a buffer of bufsize bytes, packets up to snaplen bytes and
 * the given page size: blocks are a power of two pages, hold at least one packet of
 * snaplen (cut to WK_RING_MAX_BLOCK otherwise, and snaplen with it), and there are at
 * least WK_RING_MIN_BLOCKS of them. Pure computation; 0 or WK_EINVAL. */
struct wk_ring_geom {
	uint32_t block_size, block_nr;
	uint32_t frame_size, frame_nr; /* what the kernel checks for V3; frames are virtual */
	uint32_t snaplen;              /* packets longer than this are cut */
};
#define WK_RING_MIN_BLOCKS 4u
#define WK_RING_MAX_BLOCK  (4u << 20)
#define WK_RING_MAX_BYTES  ((size_t)1 << 30)
int wk_ring_geometry(size_t bufsize, uint32_t snaplen, size_t pagesize, struct wk_ring_geom *g,
                     struct wk_error *err);

#ifdef __cplusplus
}
#endif

#endif
