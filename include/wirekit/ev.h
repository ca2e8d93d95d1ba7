/* A small event loop over epoll(7): file descriptor watchers and one-shot timers, both in
 * caller-owned structs (no allocation per watcher), level-triggered. Descriptors that
 * epoll refuses (regular files, /dev/null) are treated as always ready, which is what
 * poll(2) reports for them. Callbacks may start and stop any watcher or timer, including
 * their own. */
#ifndef WIREKIT_EV_H
#define WIREKIT_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	WK_EV_IN = 1u << 0,
	WK_EV_OUT = 1u << 1,
	WK_EV_ERR = 1u << 2,   /* reported, never requested */
	WK_EV_HUP = 1u << 3,   /* reported, never requested */
	WK_EV_RDHUP = 1u << 4, /* reported with WK_EV_IN: the peer's FIN was in when sampled */
};

struct wk_ev;
struct wk_ev_io;
struct wk_ev_timer;

typedef void (*wk_ev_io_fn)(struct wk_ev *ev, struct wk_ev_io *io, unsigned events);
typedef void (*wk_ev_timer_fn)(struct wk_ev *ev, struct wk_ev_timer *t);

struct wk_ev_io {
	int fd;
	wk_ev_io_fn fn;
	void *ctx;
	/* private */
	unsigned want;
	bool added;  /* registered with epoll */
	bool always; /* epoll refused it: polled every turn */
};

struct wk_ev_timer {
	uint64_t when; /* ms on the loop's monotonic clock */
	wk_ev_timer_fn fn;
	void *ctx;
	/* private */
	size_t slot; /* index in the heap, SIZE_MAX when not armed */
};

int wk_ev_new(struct wk_ev **out, struct wk_error *e);
void wk_ev_free(struct wk_ev *ev);

void wk_ev_io_init(struct wk_ev_io *io, int fd, wk_ev_io_fn fn, void *ctx);
/* Watch io for want (WK_EV_IN | WK_EV_OUT, 0 to pause). The first call registers it. */
int wk_ev_io_set(struct wk_ev *ev, struct wk_ev_io *io, unsigned want, struct wk_error *e);
/* Forget io (call before closing its descriptor). Pending events for it are dropped. */
void wk_ev_io_stop(struct wk_ev *ev, struct wk_ev_io *io);
/* Forget io and close its descriptor, which must not be shared (dup, fork): the kernel
 * then drops it from epoll by itself, which saves wk_ev_io_stop's EPOLL_CTL_DEL (the
 * connect scanner closes thousands of sockets a second). io->fd becomes -1. */
void wk_ev_io_close(struct wk_ev *ev, struct wk_ev_io *io);

void wk_ev_timer_init(struct wk_ev_timer *t, wk_ev_timer_fn fn, void *ctx);
/* Arm (or re-arm) t to fire once after ms milliseconds. */
int wk_ev_timer_start(struct wk_ev *ev, struct wk_ev_timer *t, uint64_t ms, struct wk_error *e);
void wk_ev_timer_stop(struct wk_ev *ev, struct wk_ev_timer *t);
bool wk_ev_timer_armed(const struct wk_ev_timer *t);

/* Monotonic milliseconds, refreshed once per loop turn. */
uint64_t wk_ev_now(struct wk_ev *ev);

/* One turn: wait at most max_wait_ms (< 0: until an event or timer), dispatch what is
 * ready. Returns the number of callbacks run, or a negative code. An interrupted wait
 * (signal) returns 0. */
int wk_ev_run_once(struct wk_ev *ev, int max_wait_ms, struct wk_error *e);
/* Turn until wk_ev_break or until nothing is watched and no timer is armed. */
int wk_ev_run(struct wk_ev *ev, struct wk_error *e);
void wk_ev_break(struct wk_ev *ev);

#ifdef __cplusplus
}
#endif

#endif
