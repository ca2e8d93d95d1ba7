/* Drives the connect scanner for the namespace tests and the benchmark, without the CLI:
 *   scan_connect_helper [-t MS] [-r RETRIES] [-P PARALLEL] [-R RATE] PORTS TARGET...
 * prints one line per result, "ADDR PORT STATE REASON", and a summary on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wirekit/scan.h"

static unsigned long num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "scan_connect_helper: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void on_result(void *ctx, const struct wk_scan_result *r)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(r->addr.family, r->addr.b, a, sizeof(a));
	fprintf(ctx, "%s %u %s %s\n", a, r->port, wk_port_state_name(r->state),
	        wk_reason_name(r->reason));
}

int main(int argc, char **argv)
{
	struct wk_scan_opts o;
	memset(&o, 0, sizeof(o));
	o.type = WK_SCAN_CONNECT;
	o.shard_k = o.shard_of = 1;
	o.source_port = -1;
	o.retries = 2;
	o.seed = 1;
	int c;
	while ((c = getopt(argc, argv, "t:r:P:R:")) != -1) {
		switch (c) {
		case 't':
			o.timeout_ms = (unsigned)num(optarg, "timeout");
			break;
		case 'r':
			o.retries = (unsigned)num(optarg, "retries");
			break;
		case 'P':
			o.max_parallel = (unsigned)num(optarg, "parallel");
			break;
		case 'R':
			o.rate = (double)num(optarg, "rate");
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: scan_connect_helper [-t MS] [-r N] [-P N] [-R PPS] PORTS "
		                "TARGET...\n");
		return 2;
	}
	struct wk_error e = {0};
	struct wk_ports ports = {0};
	struct wk_targets *t = wk_targets_new(&e);
	int rc = t ? 0 : e.code;
	for (int i = optind + 1; i < argc && !rc; i++)
		rc = wk_targets_add(t, argv[i], &e);
	if (!rc)
		rc = wk_targets_finish(t, &e);
	if (!rc)
		rc = wk_ports_parse(&ports, argv[optind], 1u << WK_SP_TCP, NULL, &e);
	if (rc) {
		fprintf(stderr, "scan_connect_helper: %s\n", e.msg);
		wk_targets_free(t);
		return 2;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	o.targets = t;
	o.ports = &ports;
	o.on_result = on_result;
	o.ctx = stdout;
	struct wk_scan_summary sum;
	rc = wk_scan_connect_run(&o, &sum, NULL, &e);
	fflush(stdout);
	if (rc)
		fprintf(stderr, "scan_connect_helper: %s\n", e.msg);
	else
		fprintf(stderr, "elapsed %.3f s, %llu connects, %llu replies, %llu/%llu hosts up\n",
		        sum.elapsed, (unsigned long long)sum.probes_sent,
		        (unsigned long long)sum.replies, (unsigned long long)sum.hosts_up,
		        (unsigned long long)sum.hosts_total);
	wk_ports_free(&ports);
	wk_targets_free(t);
	return rc ? 1 : 0;
}
