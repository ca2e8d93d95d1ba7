/* Dissector and printer harness. Input: one selector byte, then the frame.
 * Selector bits 0..6 pick the link type from linktypes[] (modulo its size; keep the table
 * in step with scripts/fuzz-seeds.py), bit 7 claims the frame was longer on the wire
 * than captured (so truncated and complete-but-short frames both get exercised).
 * Every layer then goes through every writer: line, JSON, tree and -T fields, and the
 * packet into statistics that live across inputs (so consecutive packets of different
 * layer paths meet), printed and started afresh every 256 inputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/out.h"
#include "wirekit/proto.h"
#include "wirekit/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pcap LINKTYPE_* values with a dissector, plus one without (147, USER0). */
static const uint32_t linktypes[] = {
    0,   /* NULL */
    1,   /* ETHERNET */
    8,   /* SLIP */
    9,   /* PPP */
    10,  /* FDDI */
    12,  /* RAW (DLT 12) */
    14,  /* RAW (OpenBSD) */
    50,  /* PPP_HDLC */
    51,  /* PPP_ETHER */
    101, /* RAW */
    104, /* C_HDLC */
    105, /* IEEE802_11 */
    107, /* FRELAY */
    108, /* LOOP */
    112, /* CHDLC (old) */
    113, /* LINUX_SLL */
    127, /* IEEE802_11_RADIOTAP */
    129, /* ARCNET_LINUX */
    192, /* PPI */
    228, /* IPV4 */
    229, /* IPV6 */
    239, /* NFLOG */
    276, /* LINUX_SLL2 */
    147, /* USER0: no dissector */
};

static int sink(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* Fields of every protocol in one -T fields set, built once. */
static struct wk_fields *all_fields(void)
{
	static struct wk_fields *fs;
	static int done;
	if (done)
		return fs;
	done = 1;
	size_t n = 0;
	for (size_t i = 0; i < wk_proto_count(); i++)
		n += wk_proto_at(i)->nfields;
	const char **names = calloc(n ? n : 1, sizeof(*names));
	if (!names)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < wk_proto_count(); i++) {
		const struct wk_proto *pr = wk_proto_at(i);
		for (size_t j = 0; j < pr->nfields; j++)
			names[k++] = pr->fields[j].name;
	}
	fs = wk_fields_new(names, k, '\t', ',', NULL);
	free(names);
	return fs; /* kept for the life of the process */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wk_pkt pkt;
	static char mem[4096];
	if (size < 1)
		return 0;
	memset(&pkt, 0, sizeof(pkt));
	pkt.linktype = linktypes[(data[0] & 0x7f) % (sizeof(linktypes) / sizeof(linktypes[0]))];
	pkt.data = data + 1;
	pkt.caplen = (uint32_t)(size - 1);
	pkt.wirelen = pkt.caplen + ((data[0] & 0x80) ? 100 : 0);
	pkt.number = 1;
	pkt.ts_sec = 1700000000;
	wk_dissect(&pkt);

	struct wk_ob o;
	wk_ob_init(&o, mem, sizeof(mem), sink, NULL);
	struct wk_print_opts po = {.tfmt = WK_TIME_ABS};
	wk_print_line(&o, &po, &pkt);
	wk_print_json(&o, &pkt);
	wk_print_tree(&o, &pkt);
	struct wk_fields *fs = all_fields();
	if (fs)
		wk_fields_print(&o, fs, &pkt);
	static struct wk_stats *st;
	static unsigned nst;
	if (!st)
		st = wk_stats_new(64);
	if (st) {
		wk_stats_add(st, &pkt);
		if (++nst % 256 == 0) {
			wk_stats_print(&o, st, 10);
			wk_stats_free(st);
			st = NULL;
		}
	}
	wk_ob_flush(&o);
	return 0;
}
