/* Capture live packets matching a tcpdump filter and print each as tcpdump -n does.
 * Needs CAP_NET_RAW.
 *
 *   ./live_capture eth0 'icmp or tcp port 80' 10
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <wirekit/wirekit.h>

static int to_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : WK_ESYS;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: live_capture IFACE FILTER COUNT\n");
		return 2;
	}
	struct wk_capture_opts o = {.ifname = argv[1], .promisc = true, .filter = argv[2]};
	long want = strtol(argv[3], NULL, 10);
	struct wk_error err;
	struct wk_capture *c = wk_capture_open(&o, &err);
	if (!c) {
		fprintf(stderr, "live_capture: %s\n", err.msg);
		return err.code == WK_EPERM ? 3 : 1;
	}
	char mem[1 << 16];
	struct wk_ob ob;
	wk_ob_init(&ob, mem, sizeof(mem), to_stdout, NULL);
	struct wk_print_opts po = {.tfmt = WK_TIME_NONE};
	struct wk_pkt pkts[16];
	long got = 0;
	int idle = 0, status = 0;
	while (got < want && idle < 10) { /* give up after 10 quiet seconds */
		int n = wk_capture_recv_batch(c, pkts, NULL, 16, 1000);
		if (n < 0) {
			fprintf(stderr, "live_capture: %s\n", wk_capture_error(c)->msg);
			status = 1;
			break;
		}
		idle = n ? 0 : idle + 1;
		for (int i = 0; i < n && got < want; i++, got++) {
			wk_dissect(&pkts[i]);
			wk_print_line(&ob, &po, &pkts[i]);
		}
		wk_ob_flush(&ob);
		fflush(stdout);
	}
	struct wk_capture_stats st;
	if (!wk_capture_stats(c, &st))
		fprintf(stderr, "%llu packets captured, %llu dropped\n",
		        (unsigned long long)st.received, (unsigned long long)st.dropped);
	wk_capture_close(c);
	return status;
}
