/* svc_probe: runs the library's service scan (wk_service_scan) over (address, proto, port)
 * targets given on the command line and prints one tab-separated line per port, for the
 * lab test (tests/net/test-service.sh) and the benchmark until `wirekit scan -sV` exists.
 *
 *   svc_probe [-sV] [--banners] [--version-intensity N] [--datadir DIR] [-P PARALLEL] [-q]
 *             ADDR[/PREFIX] T:22,80 U:53
 *
 * An IPv4 ADDR/PREFIX (16..32) probes every address of the block (bench/service.sh's AnyIP
 * lab). -q prints no lines, only the summary: results, those with a banner, seconds and
 * connections per second (banners lost = results without a banner).
 *
 * Columns: proto port label product version extrainfo method probe:line ostype cpes
 *          tls(version|cipher|alpn|subject|key|sha256) ms-after-start banner(hex) */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "wirekit/addr.h"
#include "wirekit/service.h"

static struct timespec t_start;
static bool quiet;
static unsigned long n_results, n_banners;

static double ms_since(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t_start.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t_start.tv_nsec) / 1e6;
}

static void on_result(void *ctx, const struct wk_svc_target *t, const struct wk_service_info *si)
{
	(void)ctx;
	n_results++;
	n_banners += si->banner_len > 0;
	if (quiet)
		return;
	static const char *methods[] = {"none", "probed", "soft", "tcpwrapped"};
	char label[80], hex[2 * WK_SVC_BANNER_MAX + 1], fp[65];
	printf("%s\t%u\t%s\t%s\t%s\t%s\t%s\t%s:%u\t%s\t", t->proto == WK_SP_UDP ? "udp" : "tcp",
	       t->port, wk_service_label(si, label, sizeof(label)), si->product, si->version,
	       si->extrainfo, methods[si->method & 3], si->probe, si->line, si->ostype);
	for (unsigned i = 0; i < si->ncpe; i++)
		printf("%s%s", i ? "," : "", si->cpe[i]);
	wk_hex_fmt(fp, si->tls.sha256, 32, 0);
	wk_hex_fmt(hex, si->banner, si->banner_len, 0);
	if (si->has_tls)
		printf("\t%s|%s|%s|%s|%s|%s", si->tls.version, si->tls.cipher, si->tls.alpn,
		       si->tls.subject, si->tls.key, fp);
	else
		printf("\t-");
	printf("\t%.0f\t%s\n", ms_since(), hex);
	fflush(stdout);
}

static int add_ports(struct wk_svc_target **t, size_t *n, const struct wk_scan_addr *a,
                     unsigned count, const char *spec)
{
	uint8_t proto = WK_SP_TCP;
	if ((spec[0] == 'T' || spec[0] == 'U') && spec[1] == ':') {
		proto = spec[0] == 'U' ? WK_SP_UDP : WK_SP_TCP;
		spec += 2;
	}
	while (*spec) {
		char *end;
		unsigned long p = strtoul(spec, &end, 10);
		if (end == spec || p == 0 || p > 65535)
			return -1;
		struct wk_svc_target *nt = realloc(*t, (*n + count) * sizeof(*nt));
		if (!nt)
			return -1;
		*t = nt;
		for (unsigned k = 0; k < count; k++) {
			struct wk_scan_addr ak = *a;
			if (count > 1) { /* the k-th address of an IPv4 block */
				uint32_t v = ((uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
				              (uint32_t)a->b[2] << 8 | a->b[3]) +
				             k;
				ak.b[0] = (uint8_t)(v >> 24);
				ak.b[1] = (uint8_t)(v >> 16);
				ak.b[2] = (uint8_t)(v >> 8);
				ak.b[3] = (uint8_t)v;
			}
			nt[*n] =
			    (struct wk_svc_target){.addr = ak, .proto = proto, .port = (uint16_t)p};
			(*n)++;
		}
		spec = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct wk_svc_opts o = {.intensity = 7, .on_result = on_result};
	const char *datadir = NULL;
	struct wk_scan_addr a = {0};
	struct wk_svc_target *t = NULL;
	size_t n = 0;
	bool have_addr = false, jit = false;
	unsigned count = 1;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-sV"))
			o.version = true;
		else if (!strcmp(s, "--banners"))
			o.banners = true;
		else if (!strcmp(s, "--version-intensity") && i + 1 < argc)
			o.intensity = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(s, "--version-all"))
			o.intensity = 9;
		else if (!strcmp(s, "--version-light"))
			o.intensity = 2;
		else if (!strcmp(s, "--banner-wait") && i + 1 < argc)
			o.banner_wait_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(s, "--jit"))
			jit = true;
		else if (!strcmp(s, "--null-wait") && i + 1 < argc)
			o.null_wait_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(s, "--silent-wait") && i + 1 < argc)
			o.silent_wait_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(s, "--datadir") && i + 1 < argc)
			datadir = argv[++i];
		else if (!strcmp(s, "-P") && i + 1 < argc)
			o.max_parallel = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(s, "-q"))
			quiet = true;
		else if (!have_addr) {
			char host[64];
			snprintf(host, sizeof(host), "%s", s);
			char *slash = strchr(host, '/');
			if (slash) {
				unsigned long pl = strtoul(slash + 1, NULL, 10);
				*slash = '\0';
				if (pl < 16 || pl > 32) {
					fprintf(stderr, "svc_probe: prefix /16../32 only: %s\n", s);
					return 2;
				}
				count = 1u << (32 - pl);
			}
			s = host;
			a.family = AF_INET;
			if (inet_pton(AF_INET, s, a.b) != 1) {
				if (count > 1) {
					fprintf(stderr, "svc_probe: IPv4 blocks only: %s\n",
					        argv[i]);
					return 2;
				}
				a.family = AF_INET6;
				if (inet_pton(AF_INET6, s, a.b) != 1) {
					fprintf(stderr, "svc_probe: bad address %s\n", s);
					return 2;
				}
			}
			have_addr = true;
		} else if (add_ports(&t, &n, &a, count, s)) {
			fprintf(stderr, "svc_probe: bad ports %s\n", s);
			return 2;
		}
	}
	if (!n || (!o.version && !o.banners)) {
		fprintf(stderr, "usage: svc_probe [-sV] [--banners] ADDR T:ports U:ports\n");
		return 2;
	}
	struct wk_error e = {0};
	struct wk_svc_db *db = NULL;
	int rc = 0;
	if (o.version) {
		char path[512];
		rc = wk_svc_db_load(&db, wk_svc_db_path(datadir, path, sizeof(path)), &e);
		if (rc)
			goto out;
		if (jit && wk_svc_db_jit(db))
			fprintf(stderr, "svc_probe: no PCRE2 JIT here, interpreting\n");
		o.db = db;
	}
	struct wk_svc_stats st;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	rc = wk_service_scan(t, n, &o, &st, &e);
	double secs = ms_since() / 1e3;
	if (!rc && quiet)
		printf("results %lu banners %lu lost %lu connects %llu seconds %.3f conn/s %.0f\n",
		       n_results, n_banners, (unsigned long)n - n_banners,
		       (unsigned long long)st.connects, secs, (double)st.connects / secs);
	if (!rc)
		fprintf(
		    stderr,
		    "svc_probe: %zu ports, %llu connects, %llu probes, %llu matched, %llu soft, "
		    "%llu tcpwrapped, %llu unknown\n",
		    n, (unsigned long long)st.connects, (unsigned long long)st.probes_sent,
		    (unsigned long long)st.matched, (unsigned long long)st.soft,
		    (unsigned long long)st.wrapped, (unsigned long long)st.unknown);
out:
	if (rc)
		fprintf(stderr, "svc_probe: %s\n", e.msg);
	wk_svc_db_free(db);
	free(t);
	return rc ? 1 : 0;
}
