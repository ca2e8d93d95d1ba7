/* svc_probe: runs the library's service scan (wk_service_scan) over (address, proto, port)
 * targets given on the command line and prints one tab-separated line per port, for the
 * lab test (tests/net/test-service.sh) and the benchmark until `wirekit scan -sV` exists.
 *
 *   svc_probe [-sV] [--banners] [--version-intensity N] [--datadir DIR] ADDR T:22,80 U:53
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
                     const char *spec)
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
		struct wk_svc_target *nt = realloc(*t, (*n + 1) * sizeof(*nt));
		if (!nt)
			return -1;
		*t = nt;
		nt[*n] = (struct wk_svc_target){.addr = *a, .proto = proto, .port = (uint16_t)p};
		(*n)++;
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
		else if (!have_addr) {
			a.family = AF_INET;
			if (inet_pton(AF_INET, s, a.b) != 1) {
				a.family = AF_INET6;
				if (inet_pton(AF_INET6, s, a.b) != 1) {
					fprintf(stderr, "svc_probe: bad address %s\n", s);
					return 2;
				}
			}
			have_addr = true;
		} else if (add_ports(&t, &n, &a, s)) {
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
