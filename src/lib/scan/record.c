/* The scan recorded as pcapng (--pcapng): the engine hands every probe it sends and every
 * reply it validated to this module, which writes them through the pcap writer
 * (capture/pcap writer: one interface per link type) with the verdict of each reply as
 * its EPB comment. The sender and the receiver thread write at the same time: one mutex. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scan/scan_int.h"
#include "wirekit/pcap.h"
#include "wirekit/proto.h"
#include "wirekit/send.h"
#include "wirekit/wirekit.h"

#define TAIL_CHUNK (64u << 10) /* bytes read at a time when looking for a partial block */

struct wk_scan_record {
	struct wk_pcap_writer *w;
	int fd; /* append mode: ours to close; else -1 */
	pthread_mutex_t mu;
	uint64_t probes, replies;
};

/* Before appending to the regular file fd (opened from path): cut a partial last block a
 * killed scan left, refuse a file that is not pcapng or is damaged before its end. */
static int trim_partial(int fd, const char *path, struct wk_error *err)
{
	struct stat st, rst;
	if (fstat(fd, &st))
		return wk_seterr_sys(err, errno, "fstat");
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (rfd < 0)
		return wk_seterr_sys(err, errno, "opening it to read");
	int rc = 0;
	uint64_t end = 0;
	if (fstat(rfd, &rst))
		rc = wk_seterr_sys(err, errno, "fstat");
	else if (rst.st_dev != st.st_dev || rst.st_ino != st.st_ino)
		rc = wk_seterr(err, WK_EINVAL, "it was replaced while opened");
	else
		rc = scan_record_whole_end(rfd, (uint64_t)st.st_size, TAIL_CHUNK, &end, err);
	close(rfd);
	if (!rc && end < (uint64_t)st.st_size && ftruncate(fd, (off_t)end))
		rc = wk_seterr_sys(err, errno, "cutting its partial last block at offset %" PRIu64,
		                   end);
	return rc;
}

struct wk_scan_record *wk_scan_record_open(const char *path, bool append, struct wk_error *err)
{
	struct wk_scan_record *r = calloc(1, sizeof(*r));
	if (!r) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	r->fd = -1;
	struct wk_pcap_wopts o = {.format = WK_PCAP_FMT_PCAPNG,
	                          .linktype = WK_LINKTYPE_ETHERNET,
	                          .nsec = true,
	                          .app = "wirekit " WIREKIT_VERSION " scan"};
	if (append && strcmp(path, "-")) {
		r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (r->fd < 0) {
			wk_seterr_sys(err, errno, "%s", path);
			free(r);
			return NULL;
		}
		if (trim_partial(r->fd, path, err)) {
			close(r->fd);
			free(r);
			return NULL;
		}
		r->w = wk_pcap_wopen_fd(r->fd, &o, err);
	} else
		r->w = wk_pcap_wopen(path, &o, err);
	/* the header goes out now: the file is complete even if no packet follows */
	if (!r->w || wk_pcap_flush(r->w)) {
		if (r->w)
			wk_pcap_wclose_err(r->w, err);
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

static void write_pkt(struct wk_scan_record *r, const struct wk_pkt *p, const char *comment,
                      uint64_t *count)
{
	pthread_mutex_lock(&r->mu);
	/* an output error is kept by the writer and returned by close; a refused packet
	 * (a link type pcapng cannot take) is not counted */
	if (!wk_pcap_write(r->w, p, comment))
		(*count)++;
	pthread_mutex_unlock(&r->mu);
}

void scan_record_probe(struct wk_scan_record *r, const uint8_t *p, size_t n, uint32_t linktype)
{
	struct timespec ts;
	struct wk_pkt pkt;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = p;
	pkt.caplen = pkt.wirelen = (uint32_t)n;
	pkt.ts_sec = ts.tv_sec;
	pkt.ts_nsec = (uint32_t)ts.tv_nsec;
	pkt.linktype = linktype;
	write_pkt(r, &pkt, NULL, &r->probes);
}

void scan_record_reply(struct wk_scan_record *r, const struct wk_pkt *pkt, const char *comment)
{
	write_pkt(r, pkt, comment, &r->replies);
}

void scan_record_probe_pkt(struct wk_scan_record *r, const struct wk_pkt *pkt)
{
	write_pkt(r, pkt, NULL, &r->probes);
}

void scan_record_other(struct wk_scan_record *r, const struct wk_pkt *pkt)
{
	uint64_t none = 0;
	write_pkt(r, pkt, NULL, &none);
}

void scan_record_verdict(struct wk_scan_record *r, const struct wk_pkt *pkt,
                         const struct wk_scan_addr *a, uint8_t proto, uint16_t port, uint8_t state,
                         uint8_t reason, bool dup)
{
	static const char *const pn[WK_SP_NPROTO] = {"tcp", "udp", "sctp"};
	char n[INET6_ADDRSTRLEN], c[160];
	bool v6 = a->family == AF_INET6, host = proto == WK_SCAN_HOST;
	inet_ntop(v6 ? AF_INET6 : AF_INET, a->b, n, sizeof(n));
	if (host)
		snprintf(c, sizeof(c), "%s %s %s%s", n, wk_port_state_name(state),
		         wk_reason_name(reason), dup ? " duplicate" : "");
	else /* [addr]:port for IPv6, as in URLs */
		snprintf(c, sizeof(c), v6 ? "[%s]:%u/%s %s %s%s" : "%s:%u/%s %s %s%s", n, port,
		         proto < WK_SP_NPROTO ? pn[proto] : "?", wk_port_state_name(state),
		         wk_reason_name(reason), dup ? " duplicate" : "");
	scan_record_reply(r, pkt, c);
}

void wk_scan_record_counts(const struct wk_scan_record *r, uint64_t *probes, uint64_t *replies)
{
	pthread_mutex_lock((pthread_mutex_t *)&r->mu);
	*probes = r->probes;
	*replies = r->replies;
	pthread_mutex_unlock((pthread_mutex_t *)&r->mu);
}

int wk_scan_record_close(struct wk_scan_record *r, struct wk_error *err)
{
	if (!r)
		return 0;
	int rc = wk_pcap_wclose_err(r->w, err);
	if (r->fd >= 0 && close(r->fd) && !rc)
		rc = wk_seterr_sys(err, errno, "close");
	pthread_mutex_destroy(&r->mu);
	free(r);
	return rc;
}
