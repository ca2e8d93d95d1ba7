/* Internal names shared by the live-capture back-ends (afpacket.c, capture_rawip.c): the port
 * ops table and the handle. */
#ifndef WIREKIT_CAPTURE_INT_H
#define WIREKIT_CAPTURE_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirekit/capture.h"
#include "wirekit/filter.h"

struct cap_ops {
	const char *name;
	/* Set up c (fd, linktype, snaplen, ifname); on failure fill c->err and return it. */
	int (*open)(struct wk_capture *c, const struct wk_capture_opts *o);
	int (*recv)(struct wk_capture *c, struct wk_pkt *pkts, uint32_t *flags, unsigned max,
	            int timeout_ms);
	/* Add the kernel's counters since the last call to c->kernel and c->dropped. */
	int (*stats)(struct wk_capture *c);
	void (*close)(struct wk_capture *c); /* release back-end state (not c itself) */
};

struct wk_capture {
	const struct cap_ops *ops;
	int fd;
	int linktype;
	uint32_t snaplen;
	char ifname[IF_NAMESIZE];
	uint64_t number;   /* frame numbers handed out */
	uint64_t received; /* packets handed out */
	uint64_t kernel, dropped;
	/* A filter the kernel cannot run for us (rare: cooked-mode link fields); run here. */
	struct wk_filter *ufilter;
	void *be; /* back-end state */
	struct wk_error err;
};

extern const struct cap_ops cap_afpacket_ops;
extern const struct cap_ops cap_rawip_ops;

/* Compile expr (may be NULL: keep every packet) for linktype, fix it up for a cooked
 * (SOCK_DGRAM, LINUX_SLL) socket when asked, and attach it to fd. When the program cannot
 * run in the kernel, a snaplen-only program is attached and c->ufilter is set. */
int cap_attach_filter(struct wk_capture *c, const char *expr, int linktype, bool cooked);
/* Attach a program that accepts nothing (closes the window before the real filter). */
int cap_attach_drop_all(struct wk_capture *c);

#endif
