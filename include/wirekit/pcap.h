/* pcap and pcapng files: our own mmap'd, zero-copy reader (both byte orders, micro- and
 * nanosecond pcap; pcapng SHB of either order, IDB with if_tsresol, EPB, SPB, obsolete
 * PB, other blocks skipped), a streaming reader for pipes ("-"), and writers. */
#ifndef WIREKIT_PCAP_H
#define WIREKIT_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wk_pcap_reader;

/* Formats read; the writer writes pcap and pcapng. snoop (RFC 1761) is read only. */
enum wk_pcap_format { WK_PCAP_FMT_PCAP, WK_PCAP_FMT_PCAPNG, WK_PCAP_FMT_SNOOP };

/* Open path ("-" = stdin). On failure returns NULL and fills err: the file cannot be
 * opened, is empty or too short for a header (WK_ETRUNC), or is not pcap/pcapng
 * (WK_EFORMAT, "unknown magic 0x... (not a pcap or pcapng file)"). A pcapng file's blocks
 * before its first packet are read here, so wk_pcap_linktype knows the first interface. */
struct wk_pcap_reader *wk_pcap_open(const char *path, struct wk_error *err);
/* Open over caller memory (not copied; must outlive the reader). */
struct wk_pcap_reader *wk_pcap_open_mem(const void *p, size_t n, struct wk_error *err);
void wk_pcap_close(struct wk_pcap_reader *r);

/* Next packet: fills data, caplen, wirelen, ts_sec, ts_nsec, linktype, ifid and number
 * of pkt (pkt->data points into the mapping or an internal buffer valid until the next
 * call) and returns 0; WK_EEOF at a clean end; WK_ETRUNC / WK_EFORMAT on damage, with a
 * message "truncated record at offset N" in wk_pcap_error(r). Packets already returned
 * stay valid. A caplen field larger than the file or than 256 MiB is damage, never an
 * allocation. */
int wk_pcap_next(struct wk_pcap_reader *r, struct wk_pkt *pkt);
const struct wk_error *wk_pcap_error(const struct wk_pcap_reader *r);
enum wk_pcap_format wk_pcap_format(const struct wk_pcap_reader *r);
/* Link type of the first interface (pcap: the file header's). -1 if none yet. */
int wk_pcap_linktype(const struct wk_pcap_reader *r);
uint32_t wk_pcap_snaplen(const struct wk_pcap_reader *r);
/* pcapng: the name of interface ifid of the current section as tshark gives it: its
 * if_name, else its if_description, else "unknown"; NULL when there is no such interface. */
const char *wk_pcap_ifname(const struct wk_pcap_reader *r, uint32_t ifid);
/* Offset in the file of the record wk_pcap_next will read next. */
uint64_t wk_pcap_offset(const struct wk_pcap_reader *r);
uint64_t wk_pcap_count(const struct wk_pcap_reader *r); /* packets returned so far */

/* Reading one big file in two threads. Right after opening a mapped pcap or pcapng file
 * (not a stream) of 16 MiB or more, wk_pcap_split guesses where a record starts
 * a little before the middle (a chain of sane record headers) and returns a second reader from
 * there; NULL when it cannot. r then ends with WK_EEOF where the second part starts, if
 * its own records lead exactly there: wk_pcap_split_reached(r) is then true, and the two
 * readers together read exactly the file. If they do not (the guess was inside a record,
 * or r met a pcapng interface or section block the second reader cannot know about),
 * r reads on to the end alone and the second reader's packets must be dropped. The
 * second reader numbers its packets from 1, its offsets are the file's, and it must be
 * closed before r. */
struct wk_pcap_reader *wk_pcap_split(struct wk_pcap_reader *r);
bool wk_pcap_split_reached(const struct wk_pcap_reader *r);
/* The second reader will not be used after all: r reads to the end alone (call it before
 * r has reached the second part). */
void wk_pcap_unsplit(struct wk_pcap_reader *r);

struct wk_pcap_writer;

struct wk_pcap_wopts {
	enum wk_pcap_format format;
	uint32_t linktype;
	uint32_t snaplen;   /* 0: 262144 */
	bool nsec;          /* pcap: nanosecond magic; pcapng: if_tsresol 9 */
	const char *app;    /* pcapng shb_userappl, may be NULL */
	const char *ifname; /* pcapng if_name of the first interface (sniff -i), may be NULL */
};

/* Open path for writing ("-" = stdout). */
struct wk_pcap_writer *wk_pcap_wopen(const char *path, const struct wk_pcap_wopts *o,
                                     struct wk_error *err);
/* Over an already open fd (not closed by wk_pcap_wclose). */
struct wk_pcap_writer *wk_pcap_wopen_fd(int fd, const struct wk_pcap_wopts *o,
                                        struct wk_error *err);
/* Append one packet (uses pkt data, caplen, wirelen, ts; comment may be NULL; pcap files
 * ignore comments). Buffered; returns 0 or a negative code with the message in the
 * writer. A packet of another link type than the writer's is WK_EINVAL for pcap; pcapng
 * adds an interface for it. caplen is cut to the snaplen. A refused packet (WK_EINVAL:
 * link type, timestamp out of the format's range) leaves the writer usable; an output
 * error (WK_ESYS "write: No space left on device"...) is final: every later call,
 * wk_pcap_flush and wk_pcap_wclose return it. */
int wk_pcap_write(struct wk_pcap_writer *w, const struct wk_pkt *pkt, const char *comment);
int wk_pcap_flush(struct wk_pcap_writer *w);
/* Flush and close; returns the first error seen (disk full...). Accepts NULL. */
int wk_pcap_wclose(struct wk_pcap_writer *w);
/* The same, copying that error's message to err (may be NULL) before the writer is gone. */
int wk_pcap_wclose_err(struct wk_pcap_writer *w, struct wk_error *err);
const struct wk_error *wk_pcap_werror(const struct wk_pcap_writer *w);

#ifdef __cplusplus
}
#endif

#endif
