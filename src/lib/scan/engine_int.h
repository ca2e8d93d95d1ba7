/* Internal state of the raw scan engine (engine.c, walk.c). */
#ifndef WIREKIT_ENGINE_INT_H
#define WIREKIT_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "scan/scan_int.h"
#include "wirekit/pace.h"

/* A bitmap over a space, one bit per position, set by the receiver, read by the sender. */
struct bits {
	_Atomic uint64_t *w;
	size_t bytes;
};
int bits_alloc(struct bits *b, uint64_t n, struct wk_error *err);
void bits_free(struct bits *b);
/* Bits shared by the receive thread (sets) and the sender (reads): set with release and
 * read with acquire, so what the receiver wrote before setting a bit (a host's MAC) is
 * there for the sender that sees it (on x86 both cost what relaxed does). */
static inline bool bits_get(const struct bits *b, uint64_t i)
{
	return atomic_load_explicit(&b->w[i / 64], memory_order_acquire) >> (i % 64) & 1u;
}
/* Set bit i; true when it was clear. */
static inline bool bits_set(struct bits *b, uint64_t i)
{
	uint64_t m = (uint64_t)1 << (i % 64);
	return !(atomic_fetch_or_explicit(&b->w[i / 64], m, memory_order_acq_rel) & m);
}

/* The send times of the last SENT_RING flushed batches (sent.c). Written by the sender
 * before the batch goes out, read by the receiver to time a reply: the walk index i of
 * the reply's position (wk_perm_inv) names the batch that sent it. seq is the entry's
 * number + 1 (0: being written or never), the rest is read only between two equal
 * loads of it. */
#define SENT_RING 65536u
struct sent_batch {
	_Atomic uint64_t seq;
	_Atomic uint64_t key;    /* phase << 32 | pass */
	_Atomic uint64_t lo, hi; /* first and last walk index of the batch */
	_Atomic uint64_t ns;     /* CLOCK_REALTIME (the clock of captured packets) */
	_Atomic uint64_t end;    /* when its last packet had gone, 0: not yet */
};
struct sent_ring {
	struct sent_batch *b;
	_Atomic uint64_t head; /* entries written */
};
int sent_init(struct sent_ring *r, struct wk_error *err);
void sent_free(struct sent_ring *r);
/* Sender: walk indices lo..hi of (phase, pass) go out at ns. Phases and passes only grow,
 * and a pass walks its indices upwards. */
void sent_add(struct sent_ring *r, uint32_t phase, uint32_t pass, uint64_t lo, uint64_t hi,
              uint64_t ns);
/* Sender: the batch added last has gone out at ns. */
void sent_done(struct sent_ring *r, uint64_t ns);
/* Receiver: when walk index i of phase went out in the latest pass that sent it at or
 * before ns (a reply's time): its place in the batch's span from ns to end, at most ns;
 * 0 when no batch still in the ring did. */
uint64_t sent_find(const struct sent_ring *r, uint32_t phase, uint64_t i, uint64_t ns);

/* The raw engine without -Pn's host records (engine.c): with up_out (and discovery), the
 * bitmap of the targets found up (by target index) is handed to the caller, who frees it
 * with bits_free. */
int scan_raw_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                 struct bits *up_out, struct wk_error *err);
/* The connect scan's record (tap.c, --pcapng): a capture of the SYNs the kernel sends
 * and of their answers, written to o->record. Open it before the first connect and before
 * on_open (it needs CAP_NET_RAW: WK_EPERM without); *out stays NULL when o->record is
 * NULL. start (inflight: the connects in flight at most, which size its flow table)
 * drops what the capture holds from before and starts its thread; stop waits for the
 * packets of the last verdicts and ends the thread (a receive error, else 0); close
 * accepts NULL. */
struct scan_tap;
int scan_tap_open(const struct wk_scan_opts *o, struct scan_tap **out, struct wk_error *err);
int scan_tap_start(struct scan_tap *t, unsigned inflight, struct wk_error *err);
int scan_tap_stop(struct scan_tap *t, struct wk_error *err);
void scan_tap_close(struct scan_tap *t);
/* The connect scanner (connect.c) probing only the targets set in up (NULL: every one),
 * recording through tap (NULL: no record). */
int scan_connect_run_up(const struct wk_scan_opts *o, const struct bits *up, struct scan_tap *tap,
                        struct wk_scan_summary *sum, uint64_t *resume, struct wk_error *err);
/* Host discovery by connects (cping.c, no raw sockets): every target (sharded: the
 * targets of -sn's shard from its resume position) gets connects to the TCP ports of
 * disc_ports (none: 80 and 443); up (allocated here, the caller frees it) gets the targets
 * that answered, whose host records go to on_result (up, syn-ack or conn-refused), the
 * others' too (down, no-response) unless stopped. No record, no on_open. */
int scan_cping_run(const struct wk_scan_opts *o, bool sharded, struct bits *up,
                   struct wk_scan_summary *sum, struct wk_error *err);
/* -sn without raw sockets (cping.c): on_open, then scan_cping_run. Positions are the raw
 * -sn's (one per target); a stopped run resumes from where it started. */
int scan_cping_hosts(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                     struct wk_error *err);
/* -sT with discovery, -sT -sU (mixed.c): discovery (raw, else by connects), UDP by the
 * raw engine, TCP by connects to the up hosts, one position space. */
int scan_mixed_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                   struct wk_error *err);

/* One probe of a position: a module and the port it probes. */
struct slot {
	const struct scan_probe *m;
	uint16_t port;
};

#define PHASE_MAXMODS 6

/* One walk of a space: discovery (a position is a host; every slot is sent to it) or a
 * port scan (a position is host x slot). */
struct phase {
	bool per_host;
	struct slot *slots;
	uint32_t nslots;
	struct scan_tmpl *tmpl; /* one per module, parallel to mods */
	const struct scan_probe *mods[PHASE_MAXMODS];
	unsigned nmods;
	uint32_t *pidx; /* proto << 16 | port -> 1 + slot index (port scans) */
	uint64_t n;     /* positions */
	struct wk_perm perm;
	uint32_t shard_k, shard_of;
	/* this run: positions [start, end) of the shard were sent, those before first by the
	 * scan a kill interrupted (wk_scan_opts.resume_from); first == start otherwise */
	uint64_t start, first, end;
	bool resumable;  /* the phase the resume position counts (-sn's discovery, else ports) */
	struct bits ans; /* decided positions */
	struct bits up;  /* discovery: hosts found up */
	_Atomic uint64_t answered, nup;
	uint64_t eligible; /* positions probed in the first pass */
	uint32_t id;       /* 1, 2, ... in the order the phases run (sent.c keys) */
};

struct eng {
	const struct wk_scan_opts *o;
	struct scan_ctx c;
	struct wk_tx *tx;
	struct wk_capture *cap;
	uint64_t ntargets;
	_Atomic(struct phase *) ph; /* the phase the receiver validates against */
	struct bits *up;            /* hosts found up by discovery; NULL: all (-Pn) */
	pthread_mutex_t mu;         /* on_result and on_progress, one at a time */
	atomic_bool rx_stop;
	_Atomic int rx_err;
	_Atomic uint64_t replies, dups;
	uint64_t found; /* under mu */
	struct wk_pace pace;
	uint64_t sent, retransmits, last_progress_ns, rate_mark_ns, rate_mark_sent;
	double cur_rate;
	uint8_t *bufs;          /* BATCH probes of SCAN_PKT_MAX */
	uint32_t rec_lt;        /* link type of the probes in the pcapng record */
	const char *phase_name; /* of the phase walking, for wk_scan_progress.phase */
	bool arp;      /* ARP (ND) discovery for the targets on the local segment (arp.c) */
	uint8_t *macs; /* with arp: 6 bytes per target, its MAC once it answered */
	size_t macs_len;
	struct sent_ring sent_at; /* when each batch went out: replies' round-trip times */
	/* nmap's estimate over every timed reply (core/rtt.c): written by the interface's
	 * receiver only (not lo's), read by the sender's adaptive wait (walk.c) */
	_Atomic uint32_t srtt_us, rttvar_us;
	_Atomic uint64_t rx_idle_ns;    /* the receiver last found its ring empty (monotonic) */
	_Atomic uint64_t rx_idle_lo_ns; /* the same for the lo ring (cap_lo) */
	uint32_t phases;                /* phases started */
	struct scan_links links;        /* where each target lies (links.c), read once */
	uint8_t route_dst[16];          /* the target whose route picks interface and source */
	bool own_span;                  /* some target may be one of our own addresses */
	struct wk_tx *tx3;              /* raw IP next to frames: routed and own targets (walk.c) */
	struct wk_capture *cap_lo;      /* replies from our own addresses (their path is lo) */
};

uint32_t eng_target(const struct eng *e, uint64_t i);
/* Where the target dst (an IPv4 address, or an IPv6 target's index) lies. */
enum scan_where eng_where(const struct eng *e, uint32_t dst);
/* Discovery of one of our own addresses (position x): up, localhost-response, unprobed. */
void eng_local_up(struct eng *e, struct phase *ph, uint64_t x);
void eng_emit(struct eng *e, uint32_t addr, uint8_t proto, uint16_t port, uint8_t state,
              uint8_t reason, uint8_t ttl);
/* scan_reported for a target as the engine names it (IPv4 address, or IPv6 index). */
bool eng_reported(const struct eng *e, uint32_t addr, uint8_t proto, uint16_t port);
void eng_emit_mac(struct eng *e, uint32_t addr, uint8_t proto, uint16_t port, uint8_t state,
                  uint8_t reason, uint8_t ttl, const uint8_t *mac, uint32_t rtt_us);
/* Where the targets lie (links.c's lists, the interface from the route to the first
 * target that is not ours) and whether ARP (ND) discovery runs for those on the local
 * segment; when so, the MAC table (arp.c). */
int eng_arp_setup(struct eng *e, struct wk_error *err);
/* The receive ring on ifname with the BPF filter filt (engine.c). */
struct wk_capture *eng_capture_open(const char *ifname, const char *filt, struct wk_error *err);
/* The raw IP sender next to frames and the capture on lo, when the targets need them
 * (filt: the receive filter, engine.c). */
int eng_open_more(struct eng *e, const char *ifname, const char *filt, struct wk_error *err);
/* IPv6 (link6.c): the sockets, and a phase's probe modules swapped for their IPv6 forms
 * (those without one dropped). */
/* The MAC table of the link-layer discovery, one entry per target (arp.c). */
int eng_macs_alloc(struct eng *e, struct wk_error *err);
int eng_open_io6(struct eng *e, char *ifname, struct wk_error *err);
int eng_phase_v6(struct phase *ph, struct wk_error *err);
/* --packet-trace (o->on_trace set): the n probes of a batch that has gone out (engine.c). */
void eng_trace_sent(struct eng *e, const uint8_t *const *ptr, const size_t *lens, const bool *via3,
                    unsigned n);
/* Walk the phase: the first pass, retransmissions, the wait, the no-response report. */
int eng_phase_run(struct eng *e, struct phase *ph, uint64_t *resume, struct wk_error *err);
bool eng_stopped(const struct eng *e);

#endif
