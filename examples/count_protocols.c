/* Read a capture (pcap, pcapng or snoop) and count the protocols its packets carry.
 *
 *   cc count_protocols.c $(pkg-config --cflags --libs wirekit) -o count_protocols
 *   ./count_protocols trace.pcap
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <wirekit/wirekit.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: count_protocols FILE\n");
		return 2;
	}
	struct wk_error err;
	struct wk_pcap_reader *r = wk_pcap_open(argv[1], &err);
	if (!r) {
		fprintf(stderr, "count_protocols: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	size_t nproto = wk_proto_count();
	uint64_t *count = calloc(nproto, sizeof(*count));
	uint64_t packets = 0;
	struct wk_pkt pkt;
	int rc;
	while (count && (rc = wk_pcap_next(r, &pkt)) == 0) {
		wk_dissect(&pkt); /* layers over the packet's bytes: nothing is copied */
		packets++;
		for (unsigned i = 0; i < pkt.nlayers; i++)
			count[wk_proto_index(pkt.l[i].proto)]++;
	}
	int status = 0;
	if (!count || rc != WK_EEOF) {
		fprintf(stderr, "count_protocols: %s: %s\n", argv[1],
		        count ? wk_pcap_error(r)->msg : "out of memory");
		status = 1;
	}
	printf("%" PRIu64 " packets\n", packets);
	/* busiest first; a protocol counts once per layer it appears in */
	for (;;) {
		size_t best = nproto;
		for (size_t i = 0; count && i < nproto; i++)
			if (count[i] && (best == nproto || count[i] > count[best]))
				best = i;
		if (best == nproto)
			break;
		printf("%-12s %" PRIu64 "\n", wk_proto_at(best)->name, count[best]);
		count[best] = 0;
	}
	free(count);
	wk_pcap_close(r);
	return status;
}
