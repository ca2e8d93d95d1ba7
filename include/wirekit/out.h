/* Output of dissected packets: a buffered byte sink with hand-written formatting (no
 * printf in the packet loop) and the writers built on the field tables: one line per
 * packet, layer tree (-V), hex dump (-x), JSON, field extraction (-T fields), stats. */
#ifndef WIREKIT_OUT_H
#define WIREKIT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/proto.h"

/* Output buffer. When full it calls flush(ctx, p, n); flush returns 0 or a negative code
 * (kept sticky in err). With flush NULL, bytes past the size are dropped and err set. */
struct wk_ob {
	char *p;
	size_t len, size;
	uint64_t flushed; /* bytes handed to flush so far: flushed + len is the position */
	int err;
	int (*flush)(void *ctx, const char *p, size_t n);
	void *ctx;
};

void wk_ob_init(struct wk_ob *o, char *mem, size_t size, int (*flush)(void *, const char *, size_t),
                void *ctx);
int wk_ob_flush(struct wk_ob *o);
void wk_ob_write(struct wk_ob *o, const void *p, size_t n);
void wk_ob_puts(struct wk_ob *o, const char *s);
static inline void wk_ob_putc(struct wk_ob *o, char c)
{
	if (o->len == o->size)
		wk_ob_flush(o);
	if (o->len < o->size)
		o->p[o->len++] = c;
}
void wk_ob_u64(struct wk_ob *o, uint64_t v);
void wk_ob_i64(struct wk_ob *o, int64_t v);
void wk_ob_hex(struct wk_ob *o, uint64_t v, unsigned min_digits); /* no 0x */
void wk_ob_ip4(struct wk_ob *o, const uint8_t a[4]);
void wk_ob_ip6(struct wk_ob *o, const uint8_t a[16]);
void wk_ob_mac(struct wk_ob *o, const uint8_t a[6]);
/* Printable ASCII as is, everything else as \xNN (for summaries of untrusted text). */
void wk_ob_safe(struct wk_ob *o, const uint8_t *p, size_t n);
/* JSON string body (no quotes): escapes per RFC 8259; invalid UTF-8 as \u00NN. */
void wk_ob_json_str(struct wk_ob *o, const uint8_t *p, size_t n);
/* A value in tshark's -T fields form (decimal, dotted/colon addresses, hex bytes). */
void wk_ob_val(struct wk_ob *o, const struct wk_field *f, const struct wk_val *v);

/* ---- one line per packet ------------------------------------------------------------ */

/* Context passed to each protocol's line callback. A network layer calls
 * wk_line_addrs(); a following transport (WK_PF_PORTS) calls wk_line_ports() and gets
 * "src.sport > dst.dport: "; otherwise the generic code writes "src > dst: ". */
struct wk_line {
	struct wk_ob *ob;
	const uint8_t *src, *dst;
	enum wk_ftype atype; /* WK_FT_IP4 / WK_FT_IP6 / WK_FT_MAC; NONE: nothing pending */
	unsigned layer;      /* index of the layer being printed */
};

void wk_line_addrs(struct wk_line *o, enum wk_ftype t, const uint8_t *src, const uint8_t *dst);
void wk_line_ports(struct wk_line *o, uint32_t sport, uint32_t dport);
void wk_line_flush_addrs(struct wk_line *o); /* "src > dst: " if pending */

enum wk_time_fmt {
	WK_TIME_ABS,   /* 12:34:56.123456 (UTC; tcpdump default) */
	WK_TIME_DATE,  /* 2024-01-02 12:34:56.123456 */
	WK_TIME_EPOCH, /* 1700000000.123456 */
	WK_TIME_REL,   /* seconds since the first packet */
	WK_TIME_DELTA, /* seconds since the previous packet */
	WK_TIME_NONE,
};

struct wk_print_opts {
	enum wk_time_fmt tfmt;
	int64_t first_sec, prev_sec; /* maintained by wk_print_line for REL / DELTA */
	uint32_t first_nsec, prev_nsec;
	bool have_first;
};

/* tcpdump -n style line, ending in '\n'. */
void wk_print_line(struct wk_ob *o, struct wk_print_opts *po, const struct wk_pkt *p);
/* Layer tree with every field (-V). */
void wk_print_tree(struct wk_ob *o, const struct wk_pkt *p);
/* Hex and ASCII (-x), 16 bytes a row. */
void wk_print_hex(struct wk_ob *o, const uint8_t *data, size_t n);
/* One JSON object per packet, newline terminated. */
void wk_print_json(struct wk_ob *o, const struct wk_pkt *p);

/* ---- field extraction (-T fields) ----------------------------------------------------- */

struct wk_fields;
/* names: the -e arguments. NULL with a message naming the unknown field. */
struct wk_fields *wk_fields_new(const char *const *names, size_t n, char sep, char occ_sep,
                                struct wk_error *err);
void wk_fields_free(struct wk_fields *f);
/* tshark's -E occurrence= and quote=: which values of a repeated field to show (0 all,
 * joined by occ_sep; N > 0 the N-th; -1 the last) and a quote character put around every
 * non-empty column ('"', '\'', or 0 for none). */
void wk_fields_format(struct wk_fields *f, int occurrence, char quote);
void wk_fields_print(struct wk_ob *o, const struct wk_fields *f, const struct wk_pkt *p);

/* ---- statistics --------------------------------------------------------------------- */

struct wk_stats;
/* Conversations beyond max_conversations (at most 2^22) are counted as not fitting; the
 * table grows with use, so a small capture costs little. */
#define WK_STATS_CONV_DEFAULT ((size_t)1 << 20)
struct wk_stats *wk_stats_new(size_t max_conversations);
void wk_stats_free(struct wk_stats *s);
void wk_stats_add(struct wk_stats *s, const struct wk_pkt *p);
/* Add src's counts to dst as if dst had gone on to count src's packets after its own
 * (how two threads that each read a part of a file combine what they counted). */
void wk_stats_merge(struct wk_stats *dst, struct wk_stats *src);
/* Prints the statistics (counting the last few conversation updates, which are queued). */
void wk_stats_print(struct wk_ob *o, struct wk_stats *s, size_t top);

#endif
