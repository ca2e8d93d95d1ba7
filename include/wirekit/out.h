/* Printers of dissected packets, built on the field tables and writing to the output
 * buffer (wirekit/ob.h): one line per packet, layer tree (-V), hex dump (-x), JSON, field
 * extraction (-T fields). Statistics are wirekit/stats.h. */
#ifndef WIREKIT_OUT_H
#define WIREKIT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirekit/err.h"
#include "wirekit/line.h"
#include "wirekit/ob.h"
#include "wirekit/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A value in tshark's -T fields form (decimal, dotted/colon addresses, hex bytes). */
void wk_ob_val(struct wk_ob *o, const struct wk_field *f, const struct wk_val *v);

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
	bool abs_seq;                /* tcpdump -S: absolute TCP numbers even when flows is set */
	bool link;                   /* tcpdump -e: the link-layer header on each line */
	int64_t first_sec, prev_sec; /* maintained by wk_print_line for REL / DELTA */
	uint32_t first_nsec, prev_nsec;
	bool have_first;
	/* per-flow state for relative numbers (wk_flowtab_new, owned by po); NULL: absolute */
	struct wk_flowtab *flows;
};
/* Free po->flows. */
void wk_print_opts_fini(struct wk_print_opts *po);

/* tcpdump -n style line, ending in '\n'. */
void wk_print_line(struct wk_ob *o, struct wk_print_opts *po, const struct wk_pkt *p);
/* Layer tree with every field (-V). */
void wk_print_tree(struct wk_ob *o, const struct wk_pkt *p);
/* Hex and ASCII (-x, -X) as tcpdump -X prints it: 16 bytes a row, space shown as a dot. */
void wk_print_hex(struct wk_ob *o, const uint8_t *data, size_t n);
/* One JSON object per packet, newline terminated. */
void wk_print_json(struct wk_ob *o, const struct wk_pkt *p);

/* ---- state across packets (struct wk_pkt_ctx) ----------------------------------------- */

struct wk_streams;
struct wk_fields;
/* tshark's tcp.stream numbering over a table of at most about `slots` flows. */
struct wk_streams *wk_streams_new(size_t slots);
void wk_streams_free(struct wk_streams *s);
/* Before a shown packet is printed (after wk_dissect): p->ctx = c, its stream number. */
void wk_pktctx_before(struct wk_pkt_ctx *c, struct wk_pkt *p);
/* After every packet read, shown (printed) or not (filtered out). */
void wk_pktctx_after(struct wk_pkt_ctx *c, const struct wk_pkt *p, bool shown);
/* Whether the -e names use tcp.stream (the caller then sets c->streams). */
bool wk_fields_need_streams(const struct wk_fields *f);

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

#ifdef __cplusplus
}
#endif

#endif
