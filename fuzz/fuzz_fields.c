/* Harness for the -T fields name list: the input is field names, one a line (at most
 * MAX_NAMES). Known lists are then used to print a fixed frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/err.h"
#include "wirekit/out.h"
#include "wirekit/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_NAMES = 64 };

/* Ethernet / IPv4 / UDP 53 / DNS query for "a.example" type A. */
static const uint8_t frame[] = {
    0x02, 0,    0,    0,    0,   0x02, 0x02, 0,   0,   0,   0, 0x01, 0x08, 0x00, /* eth */
    0x45, 0,    0,    0x33, 0,   1,    0,    0,   64,  17,  0, 0,    198,  18,   0,
    1,    198,  18,   0,    2,                                    /* ip */
    0x30, 0x39, 0,    53,   0,   0x1f, 0,    0,                   /* udp */
    0x12, 0x34, 0x01, 0x00, 0,   1,    0,    0,   0,   0,   0, 0, /* dns header */
    1,    'a',  7,    'e',  'x', 'a',  'm',  'p', 'l', 'e', 0, 0,    1,    0,    1,
};

static int sink(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	const char *names[MAX_NAMES];
	size_t n = 0;
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *s = copy; n < MAX_NAMES;) {
		char *e = strchr(s, '\n');
		names[n++] = s;
		if (!e)
			break;
		*e = '\0';
		s = e + 1;
	}
	struct wk_error err = {0};
	struct wk_fields *fs = wk_fields_new(names, n, '\t', ',', &err);
	if (fs) {
		static struct wk_pkt pkt;
		static char mem[1024];
		memset(&pkt, 0, sizeof(pkt));
		pkt.data = frame;
		pkt.caplen = pkt.wirelen = sizeof(frame);
		pkt.linktype = 1;
		wk_dissect(&pkt);
		struct wk_ob o;
		wk_ob_init(&o, mem, sizeof(mem), sink, NULL);
		wk_fields_print(&o, fs, &pkt);
		wk_ob_flush(&o);
	}
	wk_fields_free(fs);
	free(copy);
	return 0;
}
