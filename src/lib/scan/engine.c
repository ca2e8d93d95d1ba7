/* The raw scan engine (wk_scan_run): host discovery, then the target x port space walked
 * in a keyed permutation (scan/perm.c), probes made from templates (probes.c) and paced
 * (wk_pace) onto AF_PACKET or a raw IP socket in batches, replies taken from a TPACKET_V3
 * ring by their own thread and validated statelessly by their cookie. Retransmission
 * passes walk the same permutation again and send only to positions nothing answered; an
 * answered position is one bit in a bitmap of the space (space / 8 bytes of address
 * space, mapped lazily: only the pages where answers land become resident). Positions
 * never answered are reported with the probe's no-response state at the end. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "core/rtt_int.h"
#include "scan/engine_int.h"
#include "wirekit/capture.h"
#include "wirekit/pace.h"
#include "wirekit/send.h"

#define DEFAULT_RATE     10000.0
#define DEFAULT_WAIT_MS  1000u
#define BATCH            64u
#define RX_BATCH         128u
#define NEIGH_TIMEOUT    500
#define DEFAULT_TCP_DISC 80u
#define DEFAULT_SYN_DISC 443u /* with -PA too: nmap's default discovery is -PS443 -PA80 */
#define DEFAULT_UDP_DISC 40125u
#define DEFAULT_IP_DISC  (WK_DISC_ECHO | WK_DISC_SYN | WK_DISC_ACK | WK_DISC_TSTAMP)
#define RX_BUFFER        (32u << 20)
#define RX_SNAPLEN       256u

/* ---- bitmaps of the space ----------------------------------------------------------- */

int bits_alloc(struct bits *b, uint64_t n, struct wk_error *err)
{
	b->bytes = (size_t)((n + 63) / 64 * 8);
	if (!b->bytes)
		b->bytes = 8;
	/* MAP_NORESERVE: a /8 x 1000 ports is 2 GB of address space, resident only where
	 * answers are */
	void *p = mmap(NULL, b->bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return wk_seterr_sys(err, errno, "bitmap of %llu positions", (unsigned long long)n);
	b->w = p;
	return 0;
}

void bits_free(struct bits *b)
{
	if (b->w)
		munmap((void *)b->w, b->bytes);
	b->w = NULL;
}

/* ---- results --------------------------------------------------------------------------- */

void eng_emit(struct eng *e, uint32_t addr, uint8_t proto, uint16_t port, uint8_t state,
              uint8_t reason, uint8_t ttl)
{
	eng_emit_mac(e, addr, proto, port, state, reason, ttl, NULL, 0);
}

static void eng_addr(const struct eng *e, uint32_t addr, struct wk_scan_addr *out)
{
	if (e->c.v6) { /* IPv6 targets go by their index (probes6.c) */
		wk_targets_at(e->o->targets, addr, out);
	} else {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		uint32_t be = htonl(addr);
		memcpy(out->b, &be, 4);
	}
}

bool eng_reported(const struct eng *e, uint32_t addr, uint8_t proto, uint16_t port)
{
	if (!e->o->reported) /* the address only when there is something to ask */
		return false;
	struct wk_scan_addr a;
	eng_addr(e, addr, &a);
	return scan_reported(e->o, &a, proto, port);
}

void eng_emit_mac(struct eng *e, uint32_t addr, uint8_t proto, uint16_t port, uint8_t state,
                  uint8_t reason, uint8_t ttl, const uint8_t *mac, uint32_t rtt_us)
{
	struct wk_scan_result r;
	struct timespec ts;
	/* reported before a kill: in the interrupted scan's records already */
	if (eng_reported(e, addr, proto, port))
		return;
	memset(&r, 0, sizeof(r));
	eng_addr(e, addr, &r.addr);
	r.proto = proto;
	r.port = port;
	r.state = state;
	r.reason = reason;
	r.ttl = ttl;
	r.rtt_us = rtt_us;
	if (mac) {
		r.has_mac = true;
		memcpy(r.mac, mac, 6);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_sec = ts.tv_sec;
	r.ts_nsec = (uint32_t)ts.tv_nsec;
	pthread_mutex_lock(&e->mu);
	e->found++;
	if (e->o->on_result)
		e->o->on_result(e->o->ctx, &r);
	pthread_mutex_unlock(&e->mu);
}

/* Index of addr in the sorted target set: binary search with wk_targets_at. */
static bool target_index(const struct eng *e, uint32_t addr, uint64_t *idx)
{
	uint64_t lo = 0, hi = e->ntargets;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint32_t v = eng_target(e, mid);
		if (v == addr) {
			*idx = mid;
			return true;
		}
		if (v < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

enum scan_where eng_where(const struct eng *e, uint32_t dst)
{
	struct wk_scan_addr a;
	if (!e->c.v6)
		return scan_links_where4(&e->links, dst);
	wk_targets_at(e->o->targets, dst, &a);
	return scan_links_where(&e->links, true, a.b);
}

void eng_local_up(struct eng *e, struct phase *ph, uint64_t x)
{
	if (!bits_set(&ph->ans, x))
		return;
	atomic_fetch_add(&ph->answered, 1);
	bits_set(&ph->up, x);
	atomic_fetch_add(&ph->nup, 1);
	/* as nmap: our own address is up without a probe */
	eng_emit(e, eng_target(e, x), WK_SCAN_HOST, 0, WK_PS_HOST_UP, WK_RS_LOCALHOST, 0);
}

uint32_t eng_target(const struct eng *e, uint64_t i)
{
	struct wk_scan_addr a;
	if (e->c.v6)
		return (uint32_t)i;
	wk_targets_at(e->o->targets, i, &a);
	return (uint32_t)a.b[0] << 24 | (uint32_t)a.b[1] << 16 | (uint32_t)a.b[2] << 8 | a.b[3];
}

/* ---- receiving -------------------------------------------------------------------------- */

/* The verdict of a reply as its pcapng comment: "198.19.0.5:80/tcp open syn-ack". */
static void record_reply(struct eng *e, const struct wk_pkt *pkt, const struct scan_verdict *v,
                         uint8_t proto, bool host, bool dup)
{
	struct wk_scan_addr a = {.family = AF_INET};
	if (e->c.v6) { /* the target's index (probes6.c) */
		wk_targets_at(e->o->targets, v->target, &a);
	} else {
		uint32_t be = htonl(v->target);
		memcpy(a.b, &be, 4);
	}
	scan_record_verdict(e->o->record, pkt, &a, host ? WK_SCAN_HOST : proto, v->port,
	                    host ? WK_PS_HOST_UP : v->state, v->reason, dup);
}

/* --packet-trace: the probes of a batch once it has gone out (via3: sent without their
 * Ethernet header, as the record has them), one call each, serialised with on_result. */
void eng_trace_sent(struct eng *e, const uint8_t *const *ptr, const size_t *lens, const bool *via3,
                    unsigned n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct wk_scan_trace t = {
	    .kind = WK_TRACE_SENT, .ts_sec = ts.tv_sec, .ts_nsec = (uint32_t)ts.tv_nsec};
	pthread_mutex_lock(&e->mu);
	for (unsigned i = 0; i < n; i++) {
		t.pkt = via3[i] ? ptr[i] + SCAN_ETH_LEN : ptr[i];
		t.len = via3[i] ? lens[i] - SCAN_ETH_LEN : lens[i];
		t.linktype = !via3[i] ? e->rec_lt : e->c.v6 ? WK_LINKTYPE_IPV6 : WK_LINKTYPE_IPV4;
		e->o->on_trace(e->o->ctx, &t);
	}
	pthread_mutex_unlock(&e->mu);
}

/* --packet-trace: a reply matched to a probe, with its capture time. */
static void trace_rcvd(struct eng *e, const struct wk_pkt *pkt)
{
	struct wk_scan_trace t = {.kind = WK_TRACE_RCVD,
	                          .pkt = pkt->data,
	                          .len = pkt->caplen,
	                          .linktype = pkt->linktype,
	                          .ts_sec = pkt->ts_sec,
	                          .ts_nsec = pkt->ts_nsec};
	pthread_mutex_lock(&e->mu);
	e->o->on_trace(e->o->ctx, &t);
	pthread_mutex_unlock(&e->mu);
}

/* The MAC a result reports: the ARP (ND) answer's, or an IP reply's Ethernet source when
 * the reply comes from the target itself and the target is on the segment (a routed
 * target's frames carry the gateway's MAC, never the host's). */
static const uint8_t *reply_mac(const struct eng *e, const struct scan_reply *r, uint32_t target)
{
	if (r->arp || r->nd)
		return r->mac;
	if (!r->l2src)
		return NULL;
	if (r->v6) {
		struct wk_scan_addr a;
		wk_targets_at(e->o->targets, target, &a);
		if (memcmp(r->src6, a.b, 16))
			return NULL;
	} else if (r->src != target) {
		return NULL;
	}
	return eng_where(e, target) == SCAN_ONLINK ? r->mac : NULL;
}

/* The round trip of the reply pkt to position x of ph: the walk index that sent x (the
 * permutation inverted) and the send time of its batch, against the kernel's receive time
 * of the packet (both CLOCK_REALTIME); 0 when the batch has left the ring. */
static uint32_t reply_rtt(const struct eng *e, const struct phase *ph, uint64_t x,
                          const struct wk_pkt *pkt)
{
	uint64_t rx = (uint64_t)pkt->ts_sec * 1000000000ull + pkt->ts_nsec;
	uint64_t tx = sent_find(&e->sent_at, ph->id, wk_perm_inv(&ph->perm, x), rx);
	if (!tx)
		return 0;
	uint64_t us = (rx - tx) / 1000;
	return us < 1 ? 1 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* lo: a reply from one of our own addresses (the lo ring's thread): its round trip says
 * nothing of the network's, and the estimate keeps one writer. */
static void handle(struct eng *e, const struct scan_reply *r, const struct wk_pkt *pkt, bool lo)
{
	struct phase *ph = atomic_load(&e->ph);
	if (!ph)
		return;
	for (unsigned m = 0; m < ph->nmods; m++) {
		struct scan_verdict v;
		uint64_t t, x;
		uint8_t proto = ph->mods[m]->proto;
		if (!ph->mods[m]->classify(r, &e->c, &v) || !target_index(e, v.target, &t))
			continue;
		if (ph->per_host) {
			/* as nmap: an ICMP error quoting a ping probe decides nothing, except port
			 * or protocol unreachable from the target itself (it is up) */
			bool self = r->v6 ? !memcmp(r->src6, r->q_dst6, 16) : r->src == v.target;
			if (r->quoted && !(self && (v.reason == WK_RS_PORT_UNREACH ||
			                            v.reason == WK_RS_PROTO_UNREACH)))
				continue;
			x = t;
		} else {
			uint32_t j = proto < WK_SP_NPROTO && ph->pidx
			                 ? ph->pidx[(uint32_t)proto << 16 | v.port]
			                 : 0;
			if (!j || (e->up && !bits_get(e->up, t)))
				continue;
			x = t * ph->nslots + (j - 1);
		}
		atomic_fetch_add(&e->replies, 1);
		bool fresh = bits_set(&ph->ans, x);
		if (e->o->record)
			record_reply(e, pkt, &v, proto, ph->per_host, !fresh);
		if (e->o->on_trace)
			trace_rcvd(e, pkt);
		if (!fresh) {
			atomic_fetch_add(&e->dups, 1);
			return;
		}
		uint32_t rtt = reply_rtt(e, ph, x, pkt);
		if (rtt && !lo) { /* the estimate before the answer counts: the waiter reads both */
			uint32_t srtt = atomic_load(&e->srtt_us), var = atomic_load(&e->rttvar_us);
			rtt_fold(&srtt, &var, rtt);
			atomic_store(&e->rttvar_us, var);
			atomic_store(&e->srtt_us, srtt);
		}
		atomic_fetch_add(&ph->answered, 1);
		if (ph->per_host) {
			bool link = r->arp || r->nd;
			/* the MAC first: the sender reads it once it sees the host up (the bit
			 * is set with release, read with acquire) */
			if (link && e->macs)
				memcpy(e->macs + t * 6, r->mac, 6);
			bits_set(&ph->up, t);
			atomic_fetch_add(&ph->nup, 1);
			/* as nmap: a link-layer answer has no TTL to report */
			eng_emit_mac(e, v.target, WK_SCAN_HOST, 0, WK_PS_HOST_UP, v.reason,
			             link ? 0 : r->ttl, reply_mac(e, r, v.target), rtt);
		} else /* -Pn: the port answers carry the host's MAC (no discovery record) */
			eng_emit_mac(e, v.target, proto, v.port, v.state, v.reason, r->ttl,
			             e->o->discovery ? NULL : reply_mac(e, r, v.target), rtt);
		return;
	}
}

static void rx_loop(struct eng *e, struct wk_capture *cap, bool lo)
{
	struct wk_pkt pkts[RX_BATCH];
	uint32_t flags[RX_BATCH];
	uint32_t lt = (uint32_t)wk_capture_linktype(cap);
	while (!atomic_load(&e->rx_stop)) {
		int n = wk_capture_recv_batch(cap, pkts, flags, RX_BATCH, 20);
		if (n < 0) {
			atomic_store(&e->rx_err, n);
			break;
		}
		if (n == 0) /* caught up: every reply that came so far has been read */
			atomic_store(lo ? &e->rx_idle_lo_ns : &e->rx_idle_ns, wk_mono_ns());
		for (int i = 0; i < n; i++) {
			struct scan_reply r;
			if (!(flags[i] & WK_CAP_OUTGOING) &&
			    scan_parse(pkts[i].data, pkts[i].caplen, lt, &r)) {
				pkts[i].linktype = lt;
				handle(e, &r, &pkts[i], lo);
			}
		}
	}
}

static void *rx_main(void *arg)
{
	struct eng *e = arg;
	rx_loop(e, e->cap, false);
	return NULL;
}

/* Replies from our own addresses: the kernel answers them on lo. */
static void *rx_lo_main(void *arg)
{
	struct eng *e = arg;
	rx_loop(e, e->cap_lo, true);
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* The gateway towards dst from the kernel's main table (/proc/net/route, longest prefix);
 * 0 when dst is on link. */
static uint32_t gateway(uint32_t dst, const char *ifname)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512];
	uint32_t best_gw = 0;
	int best_len = -1;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char ifn[64];
		unsigned d, g, fl, m;
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifn, &d, &g, &fl, &m) != 5 ||
		    strcmp(ifn, ifname) || !(fl & 1))
			continue;
		/* the file holds network-order words printed on a little-endian host */
		uint32_t dn = ntohl(d), mn = ntohl(m), gn = ntohl(g);
		int len = __builtin_popcount(mn);
		if ((dst & mn) == dn && len > best_len) {
			best_len = len;
			best_gw = gn;
		}
	}
	fclose(f);
	return best_gw;
}

static void be32_to(uint8_t *p, uint32_t v)
{
	uint32_t be = htonl(v);
	memcpy(p, &be, 4);
}

struct wk_capture *eng_capture_open(const char *ifname, const char *filt, struct wk_error *err)
{
	struct wk_capture_opts co = {.ifname = ifname,
	                             .snaplen = RX_SNAPLEN,
	                             .buffer_size = RX_BUFFER,
	                             .filter = filt,
	                             .block_timeout_ms = 10};
	return wk_capture_open(&co, err);
}

/* Source address, interface, sender (AF_PACKET to the next hop's MAC when it is known,
 * else a raw IP socket) and the receive ring. */
static int open_io(struct eng *e, char *ifname, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	if (e->c.v6)
		return eng_open_io6(e, ifname, err);
	uint32_t first = eng_target(e, 0), last = eng_target(e, e->ntargets - 1);
	uint8_t s[4];
	int rc;
	if ((rc = wk_route_src(AF_INET, e->route_dst, s, ifname, err)))
		return rc;
	if (o->ifname && *o->ifname)
		snprintf(ifname, WK_IFNAME_MAX, "%s", o->ifname);
	if (o->source) {
		if (o->source->family != AF_INET)
			return wk_seterr(err, WK_EUNSUP, "-S: only IPv4 sources for raw scans");
		memcpy(s, o->source->b, 4);
	}
	if (!ifname[0])
		return wk_seterr(err, WK_ENOTFOUND, "no interface towards the targets (use -e)");
	uint32_t sbe;
	memcpy(&sbe, s, 4);
	e->c.src = ntohl(sbe);
	char filt[96], sa[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, s, sa, sizeof(sa));
	snprintf(filt, sizeof(filt), "dst host %s and (tcp or udp or icmp%s)", sa,
	         e->arp ? " or arp" : "");
	e->cap = eng_capture_open(ifname, filt, err);
	if (!e->cap)
		return err ? err->code : WK_ESYS;
	/* AF_PACKET when one next hop serves every target: the gateway, or the one target */
	uint8_t mymac[6], nmac[6];
	uint32_t gw = gateway(first, ifname);
	uint32_t hop = gw ? gw : (first == last ? first : 0);
	struct wk_error e2;
	if (e->arp && !wk_iface_mac(ifname, mymac, NULL, err)) {
		/* every frame to its target's MAC from the ARP reply (walk.c patches it) */
		memcpy(e->c.mac, mymac, 6);
		memcpy(e->c.eth + 6, mymac, 6);
		e->c.eth[12] = 0x08;
		e->c.eth[13] = 0x00;
		e->c.l2 = true;
	} else if (e->arp) {
		return err ? err->code : WK_ESYS;
	} else if (strcmp(ifname, "lo") && hop && (!gw || gateway(last, ifname) == gw) &&
	           !wk_iface_mac(ifname, mymac, NULL, &e2)) {
		uint8_t h[4];
		be32_to(h, hop);
		if (!wk_neigh_resolve(ifname, AF_INET, h, s, nmac, NEIGH_TIMEOUT, &e2)) {
			memcpy(e->c.eth, nmac, 6);
			memcpy(e->c.eth + 6, mymac, 6);
			e->c.eth[12] = 0x08;
			e->c.eth[13] = 0x00;
			e->c.l2 = true;
		}
	}
	e->tx = wk_tx_open(e->c.l2 ? WK_TX_L2 : WK_TX_IP4, ifname, err);
	if (!e->tx)
		return err ? err->code : WK_ESYS;
	return eng_open_more(e, ifname, filt, err);
}

int eng_open_more(struct eng *e, const char *ifname, const char *filt, struct wk_error *err)
{
	/* frames go to on-link targets (ARP, ND) or one next hop; routed targets next to
	 * ARP ones and our own addresses take the raw IP socket (bound like the others: the
	 * kernel still delivers our own addresses through lo) */
	if (e->c.l2 && (e->arp || e->own_span)) {
		e->tx3 = wk_tx_open(e->c.v6 ? WK_TX_IP6 : WK_TX_IP4, ifname, err);
		if (!e->tx3)
			return err ? err->code : WK_ESYS;
	}
	if (e->own_span && strcmp(ifname, "lo")) {
		e->cap_lo = eng_capture_open("lo", filt, err);
		if (!e->cap_lo)
			return err ? err->code : WK_ESYS;
	}
	return 0;
}

static void phase_free(struct phase *ph)
{
	free(ph->slots);
	free(ph->tmpl);
	free(ph->pidx);
	bits_free(&ph->ans);
	bits_free(&ph->up);
}

static int add_slot(struct phase *ph, const struct scan_probe *m, uint16_t port,
                    struct wk_error *err)
{
	struct slot *v = realloc(ph->slots, (ph->nslots + 1) * sizeof(*v));
	if (!v)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	ph->slots = v;
	v[ph->nslots++] = (struct slot){m, port};
	unsigned i = 0;
	while (i < ph->nmods && ph->mods[i] != m)
		i++;
	if (i == ph->nmods)
		ph->mods[ph->nmods++] = m;
	return 0;
}

static int phase_finish(struct eng *e, struct phase *ph, uint64_t n, bool sharded,
                        struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	int rc;
	ph->n = n;
	ph->shard_k = sharded && o->shard_of ? o->shard_k : 1;
	ph->shard_of = sharded && o->shard_of ? o->shard_of : 1;
	ph->resumable = sharded;
	ph->first = sharded ? o->resume_pos : 0;
	ph->start = sharded ? scan_decided0(o) : 0;
	ph->end = n;
	wk_perm_init_blocks(&ph->perm, n, o->ports_in_order && !ph->per_host ? ph->nslots : 1,
	                    o->seed);
	ph->tmpl = calloc(ph->nmods, sizeof(*ph->tmpl));
	if (!ph->tmpl)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	for (unsigned i = 0; i < ph->nmods; i++)
		if ((rc = ph->mods[i]->build(&ph->tmpl[i], &e->c, err)))
			return rc;
	if (ph->per_host && (rc = bits_alloc(&ph->up, n, err)))
		return rc;
	return bits_alloc(&ph->ans, n, err);
}

/* Discovery: one position per target, every -P probe sent to it. */
static int disc_phase(struct eng *e, struct phase *ph, bool sharded, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	unsigned d = o->discovery;
	int rc = 0;
	ph->per_host = true;
	/* as nmap, per host: ARP alone decides for a target on the local segment (walk.c sends
	 * it only the ARP slot), the IP probes for the others; -PR alone gives those nmap's
	 * default IP probes, as nmap does off the segment */
	if (e->arp)
		rc = add_slot(ph, &scan_probe_arp, 0, err);
	d &= ~(unsigned)WK_DISC_ARP;
	if (!d)
		d = DEFAULT_IP_DISC;
	if (!rc && (d & WK_DISC_ECHO))
		rc = add_slot(ph, &scan_probe_icmp_echo, 0, err);
	if (!rc && (d & WK_DISC_TSTAMP))
		rc = add_slot(ph, &scan_probe_icmp_tstamp, 0, err);
	const unsigned tcp[2] = {WK_DISC_SYN, WK_DISC_ACK};
	const struct scan_probe *tm[2] = {&scan_probe_tcp_syn, &scan_probe_tcp_ack};
	for (unsigned k = 0; k < 2 && !rc; k++) {
		if (!(d & tcp[k]))
			continue;
		bool any = false;
		for (uint32_t i = 0; o->disc_ports && i < o->disc_ports->n && !rc; i++)
			if (o->disc_ports->v[i].proto == WK_SP_TCP) {
				rc = add_slot(ph, tm[k], o->disc_ports->v[i].port, err);
				any = true;
			}
		if (!any && !rc)
			rc = add_slot(
			    ph, tm[k],
			    k == 0 && (d & WK_DISC_ACK) ? DEFAULT_SYN_DISC : DEFAULT_TCP_DISC, err);
	}
	if (!rc && (d & WK_DISC_UDP)) {
		bool any = false;
		for (uint32_t i = 0; o->disc_ports && i < o->disc_ports->n && !rc; i++)
			if (o->disc_ports->v[i].proto == WK_SP_UDP) {
				rc = add_slot(ph, &scan_probe_udp_unreach, o->disc_ports->v[i].port,
				              err);
				any = true;
			}
		if (!any && !rc)
			rc = add_slot(ph, &scan_probe_udp_unreach, DEFAULT_UDP_DISC, err);
	}
	if (!rc && e->c.v6)
		rc = eng_phase_v6(ph, err);
	if (rc)
		return rc;
	if (!ph->nslots)
		return wk_seterr(err, WK_EINVAL, "no discovery method given");
	if (ph->nslots > BATCH)
		return wk_seterr(err, WK_EINVAL,
		                 "too many discovery probes per host (%u, at most %u)", ph->nslots,
		                 BATCH);
	return phase_finish(e, ph, e->ntargets, sharded, err);
}

/* Port scan: positions are target x port; with also_udp the UDP ports of the list are
 * slots of their own next to the TCP ones (one walk over both protocols). */
static int port_phase(struct eng *e, struct phase *ph, struct wk_error *err)
{
	const struct wk_scan_opts *o = e->o;
	const struct scan_probe *m = o->type == WK_SCAN_ACK   ? &scan_probe_tcp_ack
	                             : o->type == WK_SCAN_UDP ? &scan_probe_udp
	                                                      : &scan_probe_tcp_syn;
	const struct scan_probe *mu = o->also_udp && m != &scan_probe_udp ? &scan_probe_udp : NULL;
	int rc;
	if (!o->ports || !o->ports->n)
		return wk_seterr(err, WK_EINVAL, "no ports to scan");
	/* (proto << 16 | port) -> 1 + slot index */
	ph->pidx = calloc((size_t)WK_SP_NPROTO << 16, sizeof(*ph->pidx));
	if (!ph->pidx)
		return wk_seterr(err, WK_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < o->ports->n; i++) {
		const struct wk_port *p = &o->ports->v[i];
		const struct scan_probe *pm = p->proto == m->proto          ? m
		                              : mu && p->proto == mu->proto ? mu
		                                                            : NULL;
		uint32_t k = (uint32_t)p->proto << 16 | p->port;
		if (!pm || p->proto >= WK_SP_NPROTO || ph->pidx[k])
			continue;
		if ((rc = add_slot(ph, pm, p->port, err)))
			return rc;
		ph->pidx[k] = ph->nslots;
	}
	if (!ph->nslots)
		return wk_seterr(err, WK_EINVAL, "no %s ports in the port list",
		                 mu                      ? "TCP or UDP"
		                 : m->proto == WK_SP_UDP ? "UDP"
		                                         : "TCP");
	if (e->c.v6 && (rc = eng_phase_v6(ph, err)))
		return rc;
	if (e->ntargets > UINT64_MAX / ph->nslots)
		return wk_seterr(err, WK_EINVAL, "target x port space too large");
	return phase_finish(e, ph, e->ntargets * ph->nslots, true, err);
}

static int check_opts(const struct wk_scan_opts *o, struct wk_error *err)
{
	if (!o->targets || !wk_targets_count(o->targets))
		return wk_seterr(err, WK_EINVAL, "no targets");
	struct wk_scan_addr a, b;
	wk_targets_at(o->targets, 0, &a);
	wk_targets_at(o->targets, wk_targets_count(o->targets) - 1, &b);
	if (a.family != b.family)
		return wk_seterr(err, WK_EUNSUP,
		                 "IPv4 and IPv6 targets in one raw scan (scan them apart, or -sT)");
	/* IPv6 positions carry the target's index in 32 bits (probes6.c) */
	if (a.family == AF_INET6 && wk_targets_count(o->targets) > UINT32_MAX)
		return wk_seterr(err, WK_EINVAL, "more than 2^32 IPv6 targets");
	if (o->shard_of && (o->shard_k < 1 || o->shard_k > o->shard_of))
		return wk_seterr(err, WK_EINVAL, "shard %u/%u", o->shard_k, o->shard_of);
	if (o->type != WK_SCAN_NONE && o->type != WK_SCAN_SYN && o->type != WK_SCAN_ACK &&
	    o->type != WK_SCAN_UDP)
		return wk_seterr(err, WK_EINVAL, "scan type %d", (int)o->type);
	if (o->type == WK_SCAN_NONE && !o->discovery)
		return wk_seterr(err, WK_EINVAL, "-sn with -Pn: nothing to do");
	if (o->also_udp && o->type != WK_SCAN_SYN && o->type != WK_SCAN_ACK &&
	    o->type != WK_SCAN_UDP)
		return wk_seterr(err, WK_EINVAL, "UDP ports go only with a SYN or ACK scan");
	return 0;
}

static double pick_rate(const struct wk_scan_opts *o)
{
	double r = o->rate > 0 ? o->rate : DEFAULT_RATE;
	if (o->min_rate > 0 && r < o->min_rate)
		r = o->min_rate;
	if (o->max_rate > 0 && r > o->max_rate)
		r = o->max_rate;
	return r;
}

int wk_scan_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                struct wk_error *err)
{
	int rc;
	if (o->type == WK_SCAN_LIST || (o->type == WK_SCAN_NONE && !o->discovery))
		return scan_hosts_list(o, sum, resume, err);
	if (o->type == WK_SCAN_CONNECT && (o->also_udp || o->discovery))
		rc = scan_mixed_run(o, sum, resume, err); /* discovery first, as nmap */
	else if (o->type == WK_SCAN_CONNECT)
		rc = wk_scan_connect_run(o, sum, resume, err);
	else if (o->type == WK_SCAN_NONE && o->discovery && !wk_scan_raw_allowed())
		rc = scan_cping_hosts(o, sum, resume, err); /* nmap's unprivileged -sn */
	else
		rc = scan_raw_run(o, sum, resume, NULL, err);
	return scan_hosts_user_set(o, sum, rc);
}

int scan_raw_run(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                 struct bits *up_out, struct wk_error *err)
{
	struct wk_scan_opts oo = *o;
	struct eng e;
	struct phase disc, ports;
	struct scan_payloads *pl = NULL;
	char ifname[WK_IFNAME_MAX] = "";
	pthread_t rx, rx_lo;
	bool rx_started = false, rx_lo_started = false;
	struct timespec t0, t1;
	int rc;
	memset(&e, 0, sizeof(e));
	memset(&disc, 0, sizeof(disc));
	memset(&ports, 0, sizeof(ports));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = check_opts(o, err)))
		return rc;
	if (!oo.wait_ms)
		oo.wait_ms = DEFAULT_WAIT_MS;
	e.o = &oo;
	e.ntargets = wk_targets_count(o->targets);
	struct wk_scan_addr fa;
	wk_targets_at(o->targets, 0, &fa);
	e.c.v6 = fa.family == AF_INET6;
	e.c.targets = o->targets;
	e.c.ntargets = e.ntargets;
	pthread_mutex_init(&e.mu, NULL);
	if (getrandom(e.c.key, sizeof(e.c.key), 0) != (ssize_t)sizeof(e.c.key)) {
		rc = wk_seterr_sys(err, errno, "getrandom");
		goto out;
	}
	if (o->source_port >= 0 && o->source_port <= 65535) {
		e.c.sport = (uint16_t)o->source_port;
		e.c.fixed_sport = true;
	} else {
		uint16_t r;
		memcpy(&r, e.c.key, 2);
		e.c.sport = (uint16_t)(32768 + r % 28000);
	}
	if ((o->type == WK_SCAN_UDP || o->also_udp) &&
	    (rc = scan_payloads_load(o->datadir, &pl, err)))
		goto out;
	e.c.payloads = pl;
	e.c.ttl = o->ttl, e.c.data_len = o->data_length, e.c.badsum = o->badsum;
	e.bufs = malloc((size_t)BATCH * SCAN_PKT_MAX);
	if (!e.bufs) {
		rc = wk_seterr(err, WK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sent_init(&e.sent_at, err)))
		goto out;
	/* every template and table before anything opens or is sent */
	bool sn = o->type == WK_SCAN_NONE;
	if ((rc = eng_arp_setup(&e, err)))
		goto out;
	if (o->discovery && (rc = disc_phase(&e, &disc, sn, err)))
		goto out;
	if (!sn && (rc = port_phase(&e, &ports, err)))
		goto out;
	if ((rc = open_io(&e, ifname, err)))
		goto out;
	/* templates again: the link header is known now */
	for (unsigned i = 0; i < disc.nmods && !rc; i++)
		rc = disc.mods[i]->build(&disc.tmpl[i], &e.c, err);
	for (unsigned i = 0; i < ports.nmods && !rc; i++)
		rc = ports.mods[i]->build(&ports.tmpl[i], &e.c, err);
	if (rc)
		goto out;
	/* everything is open: the caller may drop privileges now, while one thread runs */
	if (o->on_open && (rc = o->on_open(o->ctx, err)))
		goto out;
	e.rec_lt = e.c.l2 ? WK_LINKTYPE_ETHERNET : e.c.v6 ? WK_LINKTYPE_IPV6 : WK_LINKTYPE_IPV4;
	/* a bucket of a few batches lets the average rate catch up after a late wake-up */
	wk_pace_init(&e.pace, pick_rate(o), 4 * BATCH, wk_mono_ns());
	e.rate_mark_ns = e.last_progress_ns = wk_mono_ns();
	e.up = o->discovery && !sn ? &disc.up : NULL; /* read by the receiver in the port phase */
	if (pthread_create(&rx, NULL, rx_main, &e)) {
		rc = wk_seterr(err, WK_ESYS, "starting the receive thread");
		goto out;
	}
	rx_started = true;
	if (e.cap_lo) {
		if (pthread_create(&rx_lo, NULL, rx_lo_main, &e)) {
			rc = wk_seterr(err, WK_ESYS, "starting the receive thread");
			goto out;
		}
		rx_lo_started = true;
	}
	if (o->discovery && (rc = eng_phase_run(&e, &disc, sn ? resume : NULL, err)))
		goto out;
	if (!sn && !eng_stopped(&e))
		rc = eng_phase_run(&e, &ports, resume, err);
	else if (!sn && resume)
		*resume = o->resume_pos;
out:
	atomic_store(&e.rx_stop, true);
	if (rx_lo_started)
		pthread_join(rx_lo, NULL);
	if (rx_started) {
		pthread_join(rx, NULL);
		if (!rc && atomic_load(&e.rx_err))
			rc = wk_seterr(err, atomic_load(&e.rx_err), "receiving: %s",
			               wk_capture_error(e.cap)->msg);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (up_out && !rc && o->discovery) { /* the caller takes the hosts found up */
		*up_out = disc.up;
		memset(&disc.up, 0, sizeof(disc.up));
	}
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->hosts_total = e.ntargets;
		sum->hosts_up = o->discovery ? atomic_load(&disc.nup) : e.ntargets;
		sum->end_sec = time(NULL);
		sum->elapsed =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		sum->probes_sent = e.sent;
		sum->replies = atomic_load(&e.replies);
		sum->srtt_us = atomic_load(&e.srtt_us);
		sum->rttvar_us = atomic_load(&e.rttvar_us);
	}
	wk_tx_close(e.tx);
	wk_tx_close(e.tx3);
	wk_capture_close(e.cap);
	wk_capture_close(e.cap_lo);
	scan_payloads_free(pl);
	phase_free(&disc);
	phase_free(&ports);
	free(e.bufs);
	sent_free(&e.sent_at);
	if (e.macs)
		munmap(e.macs, e.macs_len);
	pthread_mutex_destroy(&e.mu);
	return rc;
}
