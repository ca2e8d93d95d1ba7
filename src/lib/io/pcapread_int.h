/* The pcap/pcapng/snoop reader's insides, shared by pcapread.c (opening, the stream buffer,
 * outcomes), one file per format (pcapread_pcap.c, pcapread_ng.c, pcapread_snoop.c) and
 * pcapread_ahead.c (the read-ahead thread and wk_pcap_split). */
#ifndef WIREKIT_IO_PCAPREAD_INT_H
#define WIREKIT_IO_PCAPREAD_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io_int.h"
#include "wirekit/cursor.h"
#include "wirekit/pcap.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define STREAM_BUF_INIT (256u << 10)
#define STREAM_BUF_MAX  PCAPNG_MAX_BLOCK
/* Interface Description Blocks kept per section; each costs 40 bytes. */
#define MAX_IFACES 65536u

/* How an interface's timestamp units become seconds + nanoseconds (if_tsresol). */
enum ts_kind {
	TS_USEC,    /* 10^-6, the default */
	TS_NSEC,    /* 10^-9 */
	TS_DEC_MUL, /* 10^-r, r < 9: fraction * scale */
	TS_DEC_DIV, /* 10^-r, 9 < r <= 19: fraction / scale */
	TS_BIN,     /* 2^-shift */
};

struct ng_if {
	uint64_t div;   /* units per second (TS_DEC_*) */
	uint64_t scale; /* see enum ts_kind */
	uint64_t tsoffset;
	uint32_t linktype;
	uint32_t snaplen; /* 0: no limit */
	uint8_t kind;
	uint8_t shift;
	char name[64]; /* if_name, else if_description, else "" (longer names cut) */
};

struct wk_pcap_reader {
	/* Hot: the window of bytes at hand and the format's record reader. */
	const uint8_t *cur; /* next record */
	const uint8_t *end; /* end of the bytes at hand (the file end when mapped) */
	int (*next)(struct wk_pcap_reader *r, struct wk_pkt *pkt);
	uint64_t count;
	bool be; /* pcap file or current pcapng section is big-endian */
	/* pcap */
	bool quirks;      /* record header is not the plain 16 bytes of v2.4 */
	uint8_t rechdr;   /* 16, or 24 in Kuznetsov's format */
	uint8_t lenswap;  /* 1: v2.3 (swap when caplen > len), 2: before v2.3 (always) */
	uint32_t tsmul;   /* 1000 (microsecond file) or 1 (nanosecond) */
	uint32_t fraclim; /* 1000000 or 1000000000 */
	/* pcapng: interfaces of the current section */
	struct ng_if *ifs;
	uint32_t nif, capif;
	/* common */
	int linktype; /* first interface's, -1 before one is seen */
	uint32_t snaplen;
	enum wk_pcap_format fmt;
	int state; /* once the end or damage is reached: what every later call returns */
	/* source */
	const uint8_t *base; /* origin of offsets: the mapping, caller memory or buf */
	uint64_t boff;       /* file offset of base */
	void *map;
	size_t maplen;
	uint8_t *buf; /* stream buffer */
	size_t bufcap;
	int fd;
	bool own_fd;
	bool stream;
	bool eof; /* stream: read() returned 0 */
	struct wk_error err;
	/* A big mapping is faulted in by a second thread ahead of the reader (prefault). */
	struct prefault *pf;
	size_t pf_report; /* offset at which to tell it the next progress */
	/* wk_pcap_split: this reader stops where the second part starts, if it gets there */
	const uint8_t *split;
	bool split_reached;
};

/* ---- prefaulting ------------------------------------------------------------------------ */

/* Reading a mapped file costs a page fault every few pages; on a big file that is a good
 * part of the time (about half of a bare walk over the record headers). A second thread
 * maps the pages in ahead of the reader with MADV_POPULATE_READ (Linux 5.14), a window at
 * most PF_WINDOW ahead so a file bigger than memory is not thrashed; the reader then
 * rarely faults. Where the kernel refuses, the thread ends and faults happen as usual. */
enum { PF_MIN = 32 << 20, PF_CHUNK = 2 << 20, PF_WINDOW = 64 << 20 };

struct prefault {
	pthread_t thread;
	const uint8_t *base;
	size_t len;
	size_t consumed; /* atomic: the reader's offset */
	bool stop;       /* atomic */
};

#define SNOOP_MAGIC0 0x6f6f6e73u /* "snoo" read little-endian */

static inline uint64_t offset_of(const struct wk_pcap_reader *r, const uint8_t *p)
{
	return r->boff + (uint64_t)(p - r->base);
}

static inline uint16_t rd16(struct wk_rd *rd, bool be)
{
	return be ? wk_rd_be16(rd) : wk_rd_le16(rd);
}

static inline uint32_t rd32(struct wk_rd *rd, bool be)
{
	return be ? wk_rd_be32(rd) : wk_rd_le32(rd);
}

int pcapr_next_stuck(struct wk_pcap_reader *r, struct wk_pkt *pkt);
int pcapr_stick(struct wk_pcap_reader *r, int code);
int pcapr_damage(struct wk_pcap_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool pcapr_split_stop(struct wk_pcap_reader *r);
int pcapr_truncated(struct wk_pcap_reader *r);
int pcapr_at_eof(struct wk_pcap_reader *r);
int pcapr_refill(struct wk_pcap_reader *r, size_t n);

static inline int ensure(struct wk_pcap_reader *r, size_t n)
{
	if (likely((size_t)(r->end - r->cur) >= n))
		return 1;
	return r->stream ? pcapr_refill(r, n) : 0;
}

/* one reader per format: open_hdr reads the file header and sets r->next */
int pcapr_pcap_open_hdr(struct wk_pcap_reader *r, uint32_t magic);
int pcapr_pcap_next(struct wk_pcap_reader *r, struct wk_pkt *pkt);
int pcapr_ng_open_hdr(struct wk_pcap_reader *r);
int pcapr_ng_next(struct wk_pcap_reader *r, struct wk_pkt *pkt);
int pcapr_snoop_open_hdr(struct wk_pcap_reader *r);
int pcapr_snoop_next(struct wk_pcap_reader *r, struct wk_pkt *pkt);

/* a reader with nothing read yet (pcapread.c) */
struct wk_pcap_reader *pcapr_reader_new(void);

/* pcapread_ahead.c */
void pcapr_prefault_start(struct wk_pcap_reader *r);
void pcapr_prefault_stop(struct wk_pcap_reader *r);

#endif
