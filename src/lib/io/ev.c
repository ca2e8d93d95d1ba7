/* epoll event loop with caller-owned watchers and a binary min-heap of timers. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "wirekit/ev.h"

#define EV_BATCH 256

struct wk_ev {
	int epfd;
	uint64_t now;
	bool stop;
	size_t nwatched; /* ios with want != 0 */
	/* events of the current turn; stopping a watcher clears its entries here */
	struct epoll_event evs[EV_BATCH];
	int nev, cur;
	/* descriptors epoll refused (regular files, /dev/null): always ready */
	struct wk_ev_io **always;
	size_t nalways, szalways;
	/* timer heap ordered by when */
	struct wk_ev_timer **heap;
	size_t nheap, szheap;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int wk_ev_new(struct wk_ev **out, struct wk_error *e)
{
	struct wk_ev *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return wk_seterr(e, WK_ENOMEM, "event loop: out of memory");
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		int rc = wk_seterr_sys(e, errno, "epoll_create1");
		free(ev);
		return rc;
	}
	ev->now = mono_ms();
	*out = ev;
	return 0;
}

void wk_ev_free(struct wk_ev *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->nheap; i++)
		ev->heap[i]->slot = SIZE_MAX;
	close(ev->epfd);
	free(ev->always);
	free(ev->heap);
	free(ev);
}

uint64_t wk_ev_now(struct wk_ev *ev)
{
	return ev->now;
}

void wk_ev_break(struct wk_ev *ev)
{
	ev->stop = true;
}

void wk_ev_io_init(struct wk_ev_io *io, int fd, wk_ev_io_fn fn, void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->fn = fn;
	io->ctx = ctx;
}

static uint32_t to_epoll(unsigned want)
{
	return ((want & WK_EV_IN) ? EPOLLIN | EPOLLRDHUP : 0) | ((want & WK_EV_OUT) ? EPOLLOUT : 0);
}

static int always_add(struct wk_ev *ev, struct wk_ev_io *io, struct wk_error *e)
{
	if (ev->nalways == ev->szalways) {
		size_t n = ev->szalways ? ev->szalways * 2 : 8;
		struct wk_ev_io **p = realloc(ev->always, n * sizeof(*p));
		if (!p)
			return wk_seterr(e, WK_ENOMEM, "event loop: out of memory");
		ev->always = p;
		ev->szalways = n;
	}
	ev->always[ev->nalways++] = io;
	io->always = true;
	return 0;
}

int wk_ev_io_set(struct wk_ev *ev, struct wk_ev_io *io, unsigned want, struct wk_error *e)
{
	want &= WK_EV_IN | WK_EV_OUT;
	bool was = io->want != 0;
	if (io->always) {
		io->want = want;
		goto count;
	}
	if (io->added && io->want == want)
		return 0;
	struct epoll_event ee = {.events = to_epoll(want), .data.ptr = io};
	if (epoll_ctl(ev->epfd, io->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, io->fd, &ee) < 0) {
		if (errno == EPERM && !io->added) {
			int rc = always_add(ev, io, e);
			if (rc)
				return rc;
			io->want = want;
			goto count;
		}
		return wk_seterr_sys(e, errno, "epoll_ctl fd %d", io->fd);
	}
	io->added = true;
	io->want = want;
count:
	if (was && !want)
		ev->nwatched--;
	else if (!was && want)
		ev->nwatched++;
	return 0;
}

/* Forget io; del: tell epoll (not needed when the descriptor is closed next and not shared) */
static void io_forget(struct wk_ev *ev, struct wk_ev_io *io, bool del)
{
	if (io->want)
		ev->nwatched--;
	io->want = 0;
	if (io->added && del)
		epoll_ctl(ev->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->added = false;
	if (io->always) {
		for (size_t i = 0; i < ev->nalways; i++)
			if (ev->always[i] == io)
				ev->always[i] = NULL; /* compacted after the turn */
		io->always = false;
	}
	for (int i = ev->cur; i < ev->nev; i++)
		if (ev->evs[i].data.ptr == io)
			ev->evs[i].data.ptr = NULL;
}

void wk_ev_io_stop(struct wk_ev *ev, struct wk_ev_io *io)
{
	io_forget(ev, io, true);
}

void wk_ev_io_close(struct wk_ev *ev, struct wk_ev_io *io)
{
	io_forget(ev, io, false);
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* ---- timers: binary heap keyed by when ---------------------------------------------- */

void wk_ev_timer_init(struct wk_ev_timer *t, wk_ev_timer_fn fn, void *ctx)
{
	t->when = 0;
	t->fn = fn;
	t->ctx = ctx;
	t->slot = SIZE_MAX;
}

bool wk_ev_timer_armed(const struct wk_ev_timer *t)
{
	return t->slot != SIZE_MAX;
}

static void heap_set(struct wk_ev *ev, size_t i, struct wk_ev_timer *t)
{
	ev->heap[i] = t;
	t->slot = i;
}

static void heap_up(struct wk_ev *ev, size_t i)
{
	struct wk_ev_timer *t = ev->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (ev->heap[p]->when <= t->when)
			break;
		heap_set(ev, i, ev->heap[p]);
		i = p;
	}
	heap_set(ev, i, t);
}

static void heap_down(struct wk_ev *ev, size_t i)
{
	struct wk_ev_timer *t = ev->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ev->nheap)
			break;
		if (c + 1 < ev->nheap && ev->heap[c + 1]->when < ev->heap[c]->when)
			c++;
		if (t->when <= ev->heap[c]->when)
			break;
		heap_set(ev, i, ev->heap[c]);
		i = c;
	}
	heap_set(ev, i, t);
}

void wk_ev_timer_stop(struct wk_ev *ev, struct wk_ev_timer *t)
{
	size_t i = t->slot;
	if (i == SIZE_MAX || i >= ev->nheap || ev->heap[i] != t)
		return;
	t->slot = SIZE_MAX;
	ev->nheap--;
	if (i == ev->nheap)
		return;
	struct wk_ev_timer *m = ev->heap[ev->nheap];
	heap_set(ev, i, m);
	heap_down(ev, i);
	heap_up(ev, m->slot);
}

int wk_ev_timer_start(struct wk_ev *ev, struct wk_ev_timer *t, uint64_t ms, struct wk_error *e)
{
	wk_ev_timer_stop(ev, t);
	if (ev->nheap == ev->szheap) {
		size_t n = ev->szheap ? ev->szheap * 2 : 16;
		struct wk_ev_timer **p = realloc(ev->heap, n * sizeof(*p));
		if (!p)
			return wk_seterr(e, WK_ENOMEM, "event loop: out of memory");
		ev->heap = p;
		ev->szheap = n;
	}
	t->when = mono_ms() + ms;
	heap_set(ev, ev->nheap++, t);
	heap_up(ev, ev->nheap - 1);
	return 0;
}

/* ---- the loop ------------------------------------------------------------------------ */

static unsigned from_epoll(uint32_t ev)
{
	unsigned r = 0;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLPRI))
		r |= WK_EV_IN;
	if (ev & EPOLLOUT)
		r |= WK_EV_OUT;
	if (ev & EPOLLERR)
		r |= WK_EV_ERR;
	if (ev & EPOLLHUP)
		r |= WK_EV_HUP;
	if (ev & EPOLLRDHUP)
		r |= WK_EV_RDHUP;
	return r;
}

int wk_ev_run_once(struct wk_ev *ev, int max_wait_ms, struct wk_error *e)
{
	int ran = 0;
	bool ready_always = false;
	for (size_t i = 0; i < ev->nalways; i++)
		if (ev->always[i] && ev->always[i]->want)
			ready_always = true;
	ev->now = mono_ms();
	int wait = max_wait_ms;
	if (ev->nheap) {
		uint64_t w = ev->heap[0]->when;
		int left = w > ev->now ? (int)(w - ev->now) : 0;
		if (wait < 0 || left < wait)
			wait = left;
	}
	if (ready_always)
		wait = 0;
	int n = epoll_wait(ev->epfd, ev->evs, EV_BATCH, wait);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return wk_seterr_sys(e, errno, "epoll_wait");
	}
	ev->now = mono_ms();
	ev->nev = n;
	for (ev->cur = 0; ev->cur < ev->nev; ev->cur++) {
		struct wk_ev_io *io = ev->evs[ev->cur].data.ptr;
		if (!io)
			continue;
		unsigned got = from_epoll(ev->evs[ev->cur].events);
		/* errors and hang-ups wake whoever waits; plain readiness only its asker */
		unsigned deliver = (got & io->want) | (got & (WK_EV_ERR | WK_EV_HUP));
		if (deliver & WK_EV_IN)
			deliver |= got & WK_EV_RDHUP;
		if (!deliver || !io->want)
			continue;
		io->fn(ev, io, deliver);
		ran++;
	}
	ev->nev = ev->cur = 0;
	/* index loop: callbacks may add entries (realloc) or clear them */
	for (size_t i = 0; i < ev->nalways; i++) {
		struct wk_ev_io *io = ev->always[i];
		if (io && io->want) {
			io->fn(ev, io, io->want);
			ran++;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < ev->nalways; i++)
		if (ev->always[i])
			ev->always[k++] = ev->always[i];
	ev->nalways = k;
	while (ev->nheap && ev->heap[0]->when <= ev->now) {
		struct wk_ev_timer *t = ev->heap[0];
		wk_ev_timer_stop(ev, t);
		t->fn(ev, t);
		ran++;
	}
	return ran;
}

int wk_ev_run(struct wk_ev *ev, struct wk_error *e)
{
	ev->stop = false;
	while (!ev->stop && (ev->nwatched || ev->nheap)) {
		int rc = wk_ev_run_once(ev, -1, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}
