/* pcap and pcapng writers: records are built with the wk_wr cursor into a 256 KiB buffer
 * that goes out in one write() when full. The first write error (disk full...) is kept:
 * every later call returns it, and so does wk_pcap_wclose. Files are little-endian. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io_int.h"
#include "wirekit/cursor.h"
#include "wirekit/pcap.h"

#define WBUF_SIZE       (256u << 10)
#define DEFAULT_SNAPLEN 262144u
#define NSEC_PER_SEC    1000000000u
#define MAX_COMMENT     65532u /* option length is 16 bits; keep the padded length in range */
#define PAD4(n)         (((n) + 3u) & ~(size_t)3u)

struct wk_pcap_writer {
	uint8_t *buf;
	size_t len;
	int fd;
	bool own_fd;
	bool ng;
	bool nsec;
	uint32_t linktype; /* pcap: the file's; pcapng: the first interface's */
	uint32_t snaplen;
	char ifname[64]; /* pcapng: if_name of interface 0; "" none */
	/* pcapng: link type of each interface written so far, index = interface id */
	uint32_t *ifs;
	uint32_t nif, capif;
	uint32_t last_if; /* interface of the previous packet: the usual answer */
	int state;        /* first output error, returned from then on */
	struct wk_error err;
};

static int wflush(struct wk_pcap_writer *w)
{
	if (w->state)
		return w->state;
	size_t done = 0;
	while (done < w->len) {
		ssize_t k = write(w->fd, w->buf + done, w->len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;
			w->len = 0;
			w->state = wk_seterr_sys(&w->err, e, "write");
			return w->state;
		}
		done += (size_t)k;
	}
	w->len = 0;
	return 0;
}

/* Append n bytes, flushing as the buffer fills (packets larger than it go in pieces). */
static int wput(struct wk_pcap_writer *w, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n > 0) {
		if (w->len == WBUF_SIZE) {
			int rc = wflush(w);
			if (rc)
				return rc;
		}
		size_t k = WBUF_SIZE - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
	return w->state;
}

static int wpad(struct wk_pcap_writer *w, size_t n)
{
	static const uint8_t zero[4];
	return wput(w, zero, PAD4(n) - n);
}

/* One option (code, length, value, padding) into wr; values longer than the room left
 * mark wr bad. */
static void wr_opt(struct wk_wr *wr, uint16_t code, const void *v, uint16_t len)
{
	wk_wr_le16(wr, code);
	wk_wr_le16(wr, len);
	wk_wr_bytes(wr, v, len);
	wk_wr_zero(wr, PAD4(len) - len);
}

/* Interface Description Block (draft-ietf-opsawg-pcapng section 4.2). */
static int write_idb(struct wk_pcap_writer *w, uint32_t linktype)
{
	uint8_t b[128];
	struct wk_wr wr;
	wk_wr_init(&wr, b, sizeof(b));
	size_t nlen = w->nif == 0 ? strlen(w->ifname) : 0;
	uint32_t opts = (nlen ? 4 + PAD4(nlen) : 0) + (w->nsec ? 8 : 0);
	uint32_t blen = 20 + (opts ? opts + 4 : 0);
	wk_wr_le32(&wr, PCAPNG_IDB);
	wk_wr_le32(&wr, blen);
	wk_wr_le16(&wr, (uint16_t)linktype);
	wk_wr_le16(&wr, 0);
	wk_wr_le32(&wr, w->snaplen);
	if (nlen)
		wr_opt(&wr, PCAPNG_IF_NAME, w->ifname, (uint16_t)nlen);
	if (w->nsec) {
		uint8_t resol = 9; /* 10^-9 s units */
		wr_opt(&wr, PCAPNG_IF_TSRESOL, &resol, 1);
	}
	if (opts)
		wr_opt(&wr, PCAPNG_OPT_END, NULL, 0);
	wk_wr_le32(&wr, blen);
	if (wr.bad || wk_wr_len(&wr) != blen)
		return wk_seterr(&w->err, WK_EINVAL, "internal: IDB layout");
	if (w->nif == w->capif) {
		uint32_t ncap = w->capif ? w->capif * 2 : 4;
		uint32_t *n = realloc(w->ifs, ncap * sizeof(*n));
		if (!n)
			return wk_seterr(&w->err, WK_ENOMEM, "out of memory");
		w->ifs = n;
		w->capif = ncap;
	}
	w->ifs[w->nif++] = linktype;
	return wput(w, b, blen);
}

/* Section Header Block (section 4.1) with shb_userappl, then the first interface. */
static int write_ng_header(struct wk_pcap_writer *w, const char *app)
{
	size_t alen = app ? strnlen(app, 256) : 0;
	uint8_t b[28 + 4 + 256 + 4 + 4];
	struct wk_wr wr;
	wk_wr_init(&wr, b, sizeof(b));
	uint32_t blen = (uint32_t)(28 + (alen ? 4 + PAD4(alen) + 4 : 0));
	wk_wr_le32(&wr, PCAPNG_SHB);
	wk_wr_le32(&wr, blen);
	wk_wr_le32(&wr, PCAPNG_BOM);
	wk_wr_le16(&wr, 1);
	wk_wr_le16(&wr, 0);
	wk_wr_le32(&wr, 0xffffffffu); /* section length -1: not given */
	wk_wr_le32(&wr, 0xffffffffu);
	if (alen) {
		wr_opt(&wr, PCAPNG_SHB_USERAPPL, app, (uint16_t)alen);
		wr_opt(&wr, PCAPNG_OPT_END, NULL, 0);
	}
	wk_wr_le32(&wr, blen);
	if (wr.bad || wk_wr_len(&wr) != blen)
		return wk_seterr(&w->err, WK_EINVAL, "internal: SHB layout");
	int rc = wput(w, b, blen);
	return rc ? rc : write_idb(w, w->linktype);
}

static int write_pcap_header(struct wk_pcap_writer *w)
{
	uint8_t b[24];
	struct wk_wr wr;
	wk_wr_init(&wr, b, sizeof(b));
	wk_wr_le32(&wr, w->nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC);
	wk_wr_le16(&wr, 2);
	wk_wr_le16(&wr, 4);
	wk_wr_le32(&wr, 0); /* thiszone */
	wk_wr_le32(&wr, 0); /* sigfigs */
	wk_wr_le32(&wr, w->snaplen);
	wk_wr_le32(&wr, w->linktype);
	return wput(w, b, sizeof(b));
}

static struct wk_pcap_writer *writer_new(int fd, bool own, const struct wk_pcap_wopts *o,
                                         struct wk_error *err)
{
	struct wk_pcap_writer *w = calloc(1, sizeof(*w));
	uint8_t *buf = malloc(WBUF_SIZE);
	if (!w || !buf) {
		free(w);
		free(buf);
		if (own)
			close(fd);
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	w->buf = buf;
	w->fd = fd;
	w->own_fd = own;
	w->ng = o->format == WK_PCAP_FMT_PCAPNG;
	w->nsec = o->nsec;
	if (o->ifname) {
		size_t k = strnlen(o->ifname, sizeof(w->ifname) - 1);
		memcpy(w->ifname, o->ifname, k);
		w->ifname[k] = 0;
	}
	w->linktype = o->linktype;
	w->snaplen = o->snaplen ? o->snaplen : DEFAULT_SNAPLEN;
	int rc = w->ng ? write_ng_header(w, o->app) : write_pcap_header(w);
	if (rc) {
		if (err)
			*err = w->err;
		wk_pcap_wclose(w);
		return NULL;
	}
	return w;
}

static int check_opts(const struct wk_pcap_wopts *o, struct wk_error *err)
{
	if (!o)
		return wk_seterr(err, WK_EINVAL, "no writer options");
	if (o->format != WK_PCAP_FMT_PCAP && o->format != WK_PCAP_FMT_PCAPNG)
		return wk_seterr(err, WK_EINVAL, "unknown capture file format %d", (int)o->format);
	if (o->format == WK_PCAP_FMT_PCAPNG && o->linktype > 0xffff)
		return wk_seterr(err, WK_EINVAL, "link type %u does not fit pcapng", o->linktype);
	return 0;
}

struct wk_pcap_writer *wk_pcap_wopen_fd(int fd, const struct wk_pcap_wopts *o, struct wk_error *err)
{
	if (check_opts(o, err))
		return NULL;
	if (fd < 0) {
		wk_seterr(err, WK_EINVAL, "bad file descriptor %d", fd);
		return NULL;
	}
	return writer_new(fd, false, o, err);
}

struct wk_pcap_writer *wk_pcap_wopen(const char *path, const struct wk_pcap_wopts *o,
                                     struct wk_error *err)
{
	if (check_opts(o, err))
		return NULL;
	if (!path) {
		wk_seterr(err, WK_EINVAL, "NULL path");
		return NULL;
	}
	if (strcmp(path, "-") == 0)
		return writer_new(STDOUT_FILENO, false, o, err);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		wk_seterr_sys(err, errno, "open");
		return NULL;
	}
	return writer_new(fd, true, o, err);
}

/* Interface id for a link type, adding an IDB the first time it is seen. */
static int ng_iface(struct wk_pcap_writer *w, uint32_t linktype, uint32_t *ifid)
{
	if (w->ifs[w->last_if] == linktype) {
		*ifid = w->last_if;
		return 0;
	}
	for (uint32_t i = 0; i < w->nif; i++) {
		if (w->ifs[i] == linktype) {
			*ifid = w->last_if = i;
			return 0;
		}
	}
	if (linktype > 0xffff)
		return wk_seterr(&w->err, WK_EINVAL, "link type %u does not fit pcapng", linktype);
	int rc = write_idb(w, linktype);
	if (rc)
		return rc;
	*ifid = w->last_if = w->nif - 1;
	return 0;
}

static int write_epb(struct wk_pcap_writer *w, const struct wk_pkt *pkt, uint32_t caplen,
                     const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0;
	if (clen > MAX_COMMENT)
		return wk_seterr(&w->err, WK_EINVAL, "comment longer than %u bytes", MAX_COMMENT);
	uint64_t units = w->nsec ? NSEC_PER_SEC : 1000000u;
	uint64_t frac = w->nsec ? pkt->ts_nsec : pkt->ts_nsec / 1000u;
	if (pkt->ts_sec < 0 || (uint64_t)pkt->ts_sec > (UINT64_MAX - frac) / units)
		return wk_seterr(&w->err, WK_EINVAL, "timestamp %lld out of range for pcapng",
		                 (long long)pkt->ts_sec);
	uint64_t t = (uint64_t)pkt->ts_sec * units + frac;
	uint32_t ifid = 0;
	int rc = ng_iface(w, pkt->linktype, &ifid);
	if (rc)
		return rc;
	size_t optlen = clen ? 4 + PAD4(clen) + 4 : 0;
	uint32_t blen = (uint32_t)(32 + PAD4(caplen) + optlen);
	uint8_t h[28];
	struct wk_wr wr;
	wk_wr_init(&wr, h, sizeof(h));
	wk_wr_le32(&wr, PCAPNG_EPB);
	wk_wr_le32(&wr, blen);
	wk_wr_le32(&wr, ifid);
	wk_wr_le32(&wr, (uint32_t)(t >> 32));
	wk_wr_le32(&wr, (uint32_t)t);
	wk_wr_le32(&wr, caplen);
	wk_wr_le32(&wr, pkt->wirelen);
	wput(w, h, sizeof(h));
	wput(w, pkt->data, caplen);
	wpad(w, caplen);
	if (clen) {
		uint8_t oh[4];
		wk_wr_init(&wr, oh, sizeof(oh));
		wk_wr_le16(&wr, PCAPNG_OPT_COMMENT);
		wk_wr_le16(&wr, (uint16_t)clen);
		wput(w, oh, sizeof(oh));
		wput(w, comment, clen);
		wpad(w, clen);
		static const uint8_t endopt[4];
		wput(w, endopt, sizeof(endopt));
	}
	uint8_t tr[4];
	wk_wr_init(&wr, tr, sizeof(tr));
	wk_wr_le32(&wr, blen);
	return wput(w, tr, sizeof(tr));
}

static int write_rec(struct wk_pcap_writer *w, const struct wk_pkt *pkt, uint32_t caplen)
{
	if (pkt->linktype != w->linktype)
		return wk_seterr(&w->err, WK_EINVAL,
		                 "link type %u differs from the file's %u (pcap has one)",
		                 pkt->linktype, w->linktype);
	if (pkt->ts_sec < 0 || pkt->ts_sec > UINT32_MAX)
		return wk_seterr(&w->err, WK_EINVAL, "timestamp %lld out of range for pcap",
		                 (long long)pkt->ts_sec);
	uint8_t h[16];
	struct wk_wr wr;
	wk_wr_init(&wr, h, sizeof(h));
	wk_wr_le32(&wr, (uint32_t)pkt->ts_sec);
	wk_wr_le32(&wr, w->nsec ? pkt->ts_nsec : pkt->ts_nsec / 1000u);
	wk_wr_le32(&wr, caplen);
	wk_wr_le32(&wr, pkt->wirelen);
	wput(w, h, sizeof(h));
	return wput(w, pkt->data, caplen);
}

int wk_pcap_write(struct wk_pcap_writer *w, const struct wk_pkt *pkt, const char *comment)
{
	if (w->state)
		return w->state;
	if (!pkt || (!pkt->data && pkt->caplen))
		return wk_seterr(&w->err, WK_EINVAL, "no packet data");
	if (pkt->ts_nsec >= NSEC_PER_SEC)
		return wk_seterr(&w->err, WK_EINVAL, "ts_nsec %u is a second or more",
		                 pkt->ts_nsec);
	/* A capture never holds more than its snapshot length (libpcap would cut it). */
	uint32_t caplen = pkt->caplen < w->snaplen ? pkt->caplen : w->snaplen;
	return w->ng ? write_epb(w, pkt, caplen, comment) : write_rec(w, pkt, caplen);
}

int wk_pcap_flush(struct wk_pcap_writer *w)
{
	return wflush(w);
}

int wk_pcap_wclose_err(struct wk_pcap_writer *w, struct wk_error *err)
{
	if (!w)
		return 0;
	int rc = wflush(w);
	if (w->own_fd && close(w->fd) != 0 && rc == 0)
		rc = w->state = wk_seterr_sys(&w->err, errno, "close");
	if (err && rc)
		*err = w->err;
	free(w->buf);
	free(w->ifs);
	free(w);
	return rc;
}

int wk_pcap_wclose(struct wk_pcap_writer *w)
{
	return wk_pcap_wclose_err(w, NULL);
}

const struct wk_error *wk_pcap_werror(const struct wk_pcap_writer *w)
{
	return &w->err;
}
