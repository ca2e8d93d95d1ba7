/* wirekit scan: host discovery and port scanning with nmap's option spelling. Options and
 * printing only: targets, ports, the permutation, probes and replies are the library's
 * (include/wirekit/scan.h); the writers, resume file and progress line are scan_out.c. */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "parse.h"
#include "scan_args.h"
#include "scan_cli.h"
#include "scan_link.h"
#include "wirekit/pace.h"

#define DEFAULT_TOP 1000u
#define FAST_TOP    100u

static volatile int g_stop;
static volatile sig_atomic_t g_signal;
static volatile int64_t g_first_ns;

/* The first SIGINT/SIGTERM stops the scan (which then waits, writes and saves); another one
 * a second or more later ends the program at once. One closer to the first is the same
 * interruption seen twice: timeout(1) and a shell both signal the child and its group. */
static void on_signal(int sig)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	int64_t now = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
	if (g_stop) {
		if (now - g_first_ns >= 1000000000) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		return;
	}
	g_first_ns = now;
	g_signal = sig;
	g_stop = 1;
}

/* nmap's -T templates: rate, retries, wait in ms. */
static void timing(const struct args *a, struct wk_scan_opts *o)
{
	static const struct {
		double rate;
		unsigned retries, wait;
	} t[6] = {{1.0 / 300, 10, 5000}, {1.0 / 15, 10, 5000}, {2.5, 10, 2000},
	          {10000, 10, 1000},     {50000, 6, 500},      {200000, 2, 300}};
	int k = a->timing < 0 ? 3 : a->timing;
	o->rate = a->rate > 0 ? a->rate : (a->timing < 0 ? 0 : t[k].rate);
	o->min_rate = a->min_rate;
	o->max_rate = a->max_rate;
	if (a->scan_delay) { /* nmap's --scan-delay: at most one probe per delay */
		double r = 1000.0 / (double)a->scan_delay;
		o->max_rate = o->max_rate > 0 && o->max_rate < r ? o->max_rate : r;
		if (!(a->rate > 0) && (!o->rate || o->rate > r))
			o->rate = r;
	}
	o->retries = a->retries >= 0 ? (unsigned)a->retries : t[k].retries;
	o->wait_ms = a->wait >= 0 ? (unsigned)a->wait : t[k].wait;
	if (!o->wait_ms)
		o->wait_ms = 1; /* 0 is the engine's default */
	/* without --wait, the template's wait is a cap and the wait adapts to the replies'
	 * round trips as nmap's timeouts do (at least nmap's --min-rtt-timeout: 100 ms, T5
	 * 50 ms); --wait MS is waited whole */
	o->min_wait_ms = a->wait >= 0 ? 0 : k == 5 ? 50 : 100;
	/* nmap's bounds of its timeouts reshape that adaptive wait */
	if (a->wait < 0 && a->max_rtt)
		o->wait_ms = (unsigned)a->max_rtt;
	if (a->wait < 0 && a->min_rtt)
		o->min_wait_ms = (unsigned)a->min_rtt;
	if (o->min_wait_ms > o->wait_ms)
		o->min_wait_ms = o->wait_ms;
	if (a->wait < 0 && a->init_rtt)
		o->initial_wait_ms = (unsigned)a->init_rtt;
}

/* --exclude LIST: comma separated, as nmap splits it (an octet list such as 10.0.1,3.1
 * goes in a file: --excludefile). */
static int exclude_list(struct wk_targets *t, const char *list, struct wk_error *e)
{
	char tok[256];
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(tok))
			return wk_seterr(e, WK_EINVAL, "--exclude: bad entry in \"%.100s\"", list);
		memcpy(tok, p, n);
		tok[n] = '\0';
		int rc = wk_targets_exclude(t, tok, e);
		if (rc || !p[n])
			return rc;
		p += n + 1;
	}
}

static int build_targets(const struct args *a, char **pos, int npos, struct wk_targets **out)
{
	struct wk_error e = {0};
	struct wk_targets *t = wk_targets_new(&e);
	int rc = t ? 0 : WK_ENOMEM;
	if (!rc && a->family)
		rc = wk_targets_family(t, a->family, &e);
	for (int i = 0; !rc && i < npos; i++)
		rc = wk_targets_add(t, pos[i], &e);
	for (unsigned i = 0; !rc && i < a->niL; i++)
		rc = wk_targets_add_file(t, a->iL[i], &e);
	for (unsigned i = 0; !rc && i < a->nexcl; i++)
		rc = exclude_list(t, a->excl[i], &e);
	for (unsigned i = 0; !rc && i < a->nexclfile; i++)
		rc = wk_targets_exclude_file(t, a->exclfile[i], &e);
	if (!rc && !npos && !a->niL) {
		fprintf(stderr, "wirekit scan: no targets (see wirekit scan --help)\n");
		wk_targets_free(t);
		return 2;
	}
	if (!rc)
		rc = wk_targets_finish(t, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		wk_targets_free(t);
		return rc == WK_ENOMEM ? 1 : 2;
	}
	*out = t;
	return 0;
}

static int build_ports(const struct args *a, enum wk_scan_type type, const struct wk_services *svc,
                       struct wk_ports *ports, struct wk_ports *disc)
{
	struct wk_error e = {0};
	unsigned mask = scan_mix_protos(type, a->udp_too);
	int rc = 0;
	if (type == WK_SCAN_LIST && (a->ports || a->fast || a->top || a->exclude_ports))
		return scan_usage_err("%s",
		                      "-sL lists the targets: no ports (-p, -F, --top-ports)");
	/* nmap's rules: ports only with a port scan, -F or -p or --top-ports, not two */
	if (type == WK_SCAN_NONE && (a->ports || a->fast || a->top))
		return scan_usage_err("%s", "-sn is host discovery only: no ports (-p, -F, "
		                            "--top-ports; discovery ports go with -PS, -PA, -PU)");
	if ((a->ports != NULL) + a->fast + (a->top != 0) > 1)
		return scan_usage_err("%s", "-p, -F and --top-ports: one of them");
	if (type != WK_SCAN_NONE && type != WK_SCAN_LIST) {
		if (a->ports)
			rc = wk_ports_parse(ports, a->ports, mask, svc, &e);
		else if (!svc)
			return scan_usage_err("%s",
			                      "no nmap-services for the default ports (use -p or "
			                      "--datadir)");
		else
			for (unsigned p = 0; !rc && p < WK_SP_NPROTO; p++)
				if (mask >> p & 1)
					rc = wk_ports_top(ports, svc, p,
					                  a->top    ? a->top
					                  : a->fast ? FAST_TOP
					                            : DEFAULT_TOP,
					                  &e);
		if (!rc)
			scan_mix_fit(ports, mask);
		if (!rc && a->exclude_ports) {
			struct wk_ports ex = {0};
			rc = wk_ports_parse(&ex, a->exclude_ports,
			                    1u << WK_SP_TCP | 1u << WK_SP_UDP, svc, &e);
			if (!rc)
				wk_ports_remove(ports, &ex);
			wk_ports_free(&ex);
		}
		if (!rc && !ports->n)
			return scan_usage_err("%s", "no ports left to scan");
	}
	for (unsigned i = 0; !rc && i < a->ndisc_tcp; i++)
		rc = wk_ports_parse(disc, a->disc_tcp[i], 1u << WK_SP_TCP, svc, &e);
	for (unsigned i = 0; !rc && i < a->ndisc_udp; i++)
		rc = wk_ports_parse(disc, a->disc_udp[i], 1u << WK_SP_UDP, svc, &e);
	if (rc) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		return rc == WK_ENOMEM ? 1 : 2;
	}
	return 0;
}

static int set_source(const struct args *a, struct wk_scan_addr *src, struct wk_scan_opts *o)
{
	if (!a->source)
		return 0;
	memset(src, 0, sizeof(*src));
	if (inet_pton(AF_INET, a->source, src->b) == 1)
		src->family = AF_INET;
	else if (inet_pton(AF_INET6, a->source, src->b) == 1)
		src->family = AF_INET6;
	else
		return scan_usage_err("-S: not an address: '%s'", a->source);
	o->source = src;
	return 0;
}

static int set_shard(const struct args *a, struct wk_scan_opts *o)
{
	o->shard_k = o->shard_of = 1;
	if (!a->shard)
		return 0;
	unsigned k, n;
	char c;
	if (sscanf(a->shard, "%u/%u%c", &k, &n, &c) != 2 || !n || !k || k > n)
		return scan_usage_err("--shard: not K/N with 1 <= K <= N: '%s'", a->shard);
	o->shard_k = k;
	o->shard_of = n;
	return 0;
}

static const char *type_name(enum wk_scan_type t)
{
	switch (t) {
	case WK_SCAN_SYN:
		return "syn";
	case WK_SCAN_ACK:
		return "ack";
	case WK_SCAN_CONNECT:
		return "connect";
	case WK_SCAN_UDP:
		return "udp";
	case WK_SCAN_LIST:
		return "list";
	default:
		return "ping";
	}
}

static char *join_args(int argc, char **argv)
{
	size_t n = 8;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n + 8);
	if (!s)
		return NULL;
	size_t l = (size_t)snprintf(s, n, "wirekit");
	for (int i = 0; i < argc && l < n; i++)
		l += (size_t)snprintf(s + l, n - l, " %s", argv[i]);
	return s;
}

int cmd_scan(int argc, char **argv)
{
	struct args a = SCAN_ARGS_INIT;
	struct scan_cli c;
	struct wk_targets *tg = NULL;
	struct wk_services *svc = NULL;
	struct wk_macdb *macdb = NULL;
	struct wk_ports ports = {0}, disc = {0};
	struct wk_scan_addr src;
	struct wk_scan_summary sum = {0};
	struct wk_error e = {0};
	int rargc = 0, status;
	char **rargv = NULL, *cmdline = NULL;
	uint64_t rpos = 0, rdecided = 0, pos = 0;
	struct scan_resume rs = {0};
	memset(&c, 0, sizeof(c));
	c.resume_fd = c.journal_fd = -1;
	/* the command line as typed, for the report headers, before getopt permutes argv
	 * (options after the targets move before them) */
	cmdline = join_args(argc, argv);
	status = scan_args_parse(&a, argc, argv, false);
	if (status) {
		free(cmdline);
		return status < 0 ? 0 : status;
	}
	char **posv = argv + optind;
	int npos = argc - optind;
	c.argc = argc;
	c.argv = argv;
	if (a.resume) {
		free(cmdline);
		cmdline = NULL;
		if (argc > 3 || npos)
			return scan_usage_err("%s takes no other options (they are in the file)",
			                      "--resume");
		status = scan_resume_begin(&c, a.resume, &rs);
		rargc = rs.argc, rargv = rs.argv, rpos = rs.pos, rdecided = rs.decided;
		if (status)
			goto out;
		const char *rf = rs.path;
		a = (struct args)SCAN_ARGS_INIT;
		status = scan_args_parse(&a, rargc, rargv, true);
		if (status) {
			status = status < 0 ? 0 : status;
			goto out;
		}
		posv = rargv + optind;
		npos = rargc - optind;
		a.seed = rs.seed;
		a.seed_set = true;
		if (!a.resume_file)
			a.resume_file = rf;
		c.argc = rargc;
		c.argv = rargv;
	}
	/* the port list comes first in nmap's errors too, then the targets (names resolve) */
	svc = wk_services_load(a.datadir, &e);
	if (!a.type_set)
		a.type = WK_SCAN_SYN;
	if ((status = build_ports(&a, a.type, svc, &ports, &disc)))
		goto out;
	if ((status = build_targets(&a, posv, npos, &tg)))
		goto out;
	if (a.host.resolve && (status = scan_host_servers(&a.host)))
		goto out;
	struct wk_scan_opts *o = &c.o;
	o->targets = tg;
	o->ports = &ports;
	o->type = a.type;
	o->discovery = a.no_ping    ? 0
	               : a.disc_set ? a.disc
	                            : WK_DISC_ECHO | WK_DISC_SYN | WK_DISC_ACK | WK_DISC_TSTAMP;
	o->discovery = scan_link_disc(o->discovery, a.no_arp);
	o->disc_ports = disc.n ? &disc : NULL;
	if (a.min_rate > 0 && a.max_rate > 0 && a.min_rate > a.max_rate) {
		status =
		    scan_usage_err("--min-rate %g is above --max-rate %g", a.min_rate, a.max_rate);
		goto out;
	}
	timing(&a, o);
	o->source_port = a.sport;
	o->ifname = a.ifname;
	o->datadir = a.datadir;
	o->resume_pos = rpos;
	/* after a kill: decide what the interrupted scan sent and did not report; leave out
	 * what it reported */
	if (rdecided < rpos || c.done) {
		o->resume_from = rdecided;
		o->reported = scan_journal_has;
	}
	if ((status = set_source(&a, &src, o)) || (status = set_shard(&a, o)))
		goto out;
	if (o->type == WK_SCAN_LIST && (a.svc.version || a.svc.banners || a.pcapng)) {
		status =
		    scan_usage_err("%s", "-sL sends nothing: not with -sV, --banners or --pcapng");
		goto out;
	}
	if (a.seed_set)
		o->seed = a.seed;
	else if (getrandom(&o->seed, sizeof(o->seed), 0) != (ssize_t)sizeof(o->seed))
		o->seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	o->also_udp = a.udp_too;
	o->ports_in_order = a.ports_in_order;
	o->ttl = (uint8_t)a.ttl;
	o->data_length = (uint16_t)a.data_len;
	o->badsum = a.badsum;
	bool shaped = a.ttl || a.data_len || a.badsum;
	if (shaped && (o->type == WK_SCAN_CONNECT || o->type == WK_SCAN_LIST)) {
		status =
		    scan_usage_err("%s", "--ttl, --data-length, --badsum: raw probes only, not "
		                         "-sT or -sL");
		goto out;
	}
	bool sends = o->type != WK_SCAN_LIST && (o->type != WK_SCAN_NONE || o->discovery);
	if (sends && (o->type != WK_SCAN_CONNECT || a.udp_too) && !wk_scan_raw_allowed()) {
		/* -sn without raw sockets: the library's connect pings (nmap's unprivileged way) */
		if ((o->type != WK_SCAN_SYN && o->type != WK_SCAN_NONE) || a.udp_too) {
			fprintf(stderr, "wirekit scan: -s%c needs CAP_NET_RAW (root)\n",
			        o->type == WK_SCAN_ACK ? 'A' : 'U');
			status = 3;
			goto out;
		}
		if (shaped) {
			fprintf(stderr, "wirekit scan: --ttl, --data-length, --badsum need "
			                "CAP_NET_RAW (root)\n");
			status = 3;
			goto out;
		}
		if (o->type == WK_SCAN_SYN) {
			fprintf(
			    stderr,
			    "wirekit scan: no CAP_NET_RAW: connect scan (-sT) instead of SYN\n");
			o->type = WK_SCAN_CONNECT;
		}
	}
	c.table = wk_results_new(&e);
	if (!c.table) {
		fprintf(stderr, "wirekit scan: %s\n", e.msg);
		status = 1;
		goto out;
	}
	if ((status = scan_journal_fill(&c)))
		goto out;
	const char *paths[SCAN_MAX_OUTS + 2];
	size_t np = 0;
	for (unsigned i = 0; i < a.nouts; i++)
		paths[np++] = a.outs[i][1];
	paths[np++] = a.pcapng;
	paths[np++] = a.resume_file;
	const char *ins[16];
	size_t ni = 0;
	for (unsigned i = 0; i < a.niL; i++)
		ins[ni++] = a.iL[i];
	for (unsigned i = 0; i < a.nexclfile; i++)
		ins[ni++] = a.exclfile[i];
	if ((status = scan_paths_check(paths, np, ins, ni)))
		goto out;
	bool stdout_used = false;
	c.discovered_lines = true;
	for (unsigned i = 0; i < a.nouts; i++) {
		if ((status = scan_out_add(&c, a.outs[i][0], a.outs[i][1], rargv != NULL)))
			goto out;
		stdout_used |= !strcmp(a.outs[i][1], "-");
		if (!strcmp(a.outs[i][1], "-") && strcmp(a.outs[i][0], "text"))
			c.discovered_lines = false; /* -oX - and the like: stdout is theirs */
	}
	if (!stdout_used && (status = scan_out_add(&c, "text", "-", false)))
		goto out;
	if (!cmdline) /* resumed: the interrupted scan's command line */
		cmdline = join_args(c.argc, c.argv);
	c.info.args = cmdline ? cmdline : "wirekit scan";
	c.info.scan_type = type_name(o->type);
	c.info.ports = o->type == WK_SCAN_NONE || o->type == WK_SCAN_LIST ? NULL : &ports;
	if (o->type == WK_SCAN_LIST) { /* the writers list the set; the table only -R's names */
		c.info.list = true;
		c.info.user_set = tg;
	}
	c.info.services = svc;
	c.info.start_sec = time(NULL);
	c.info.seed = o->seed;
	c.info.reasons = a.reason || a.verbose >= 2; /* nmap's -vv shows reasons */
	c.info.open_only = a.open_only;
	c.info.verbose = a.verbose;
	c.info.versions = a.svc.version;
	c.info.macdb = macdb = scan_link_macdb(a.datadir);
	c.resume_file = a.resume_file;
	c.tty = isatty(2);
	c.stats_every = a.stats;
	c.verbose = a.verbose;
	c.last_save_ns = c.last_stats_ns = wk_mono_ns();
	if ((status = scan_open_prepare(&c, a.pcapng, a.user, rargv != NULL)) ||
	    (status = scan_journal_open(&c)))
		goto out;
	/* a kill before the first periodic save still leaves a file to resume from */
	if (c.resume_file &&
	    scan_resume_save(&c, c.resume_file, rpos, o->reported ? rdecided : rpos)) {
		fprintf(stderr, "wirekit scan: could not write %s: %s\n", c.resume_file,
		        strerror(errno));
		status = 1;
		goto out;
	}
	o->on_result = scan_out_result;
	o->on_progress = scan_out_progress;
	o->on_trace = a.packet_trace ? scan_out_trace : NULL;
	c.trace = a.packet_trace;
	o->ctx = &c;
	o->stop = &g_stop;
	if (a.verbose)
		fprintf(stderr,
		        "wirekit scan: seed %" PRIu64 ", shard %u/%u, position %" PRIu64 "\n",
		        o->seed, o->shard_k, o->shard_of, o->resume_pos);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* what the engine would refuse only after the reports began: bad input, exit 2 */
	if (a.ifname && !if_nametoindex(a.ifname)) {
		status = scan_usage_err("-e %s: no such interface", a.ifname);
		goto out;
	}
	if (o->type != WK_SCAN_CONNECT && o->type != WK_SCAN_LIST) {
		struct wk_scan_addr f, l;
		wk_targets_at(tg, 0, &f);
		wk_targets_at(tg, wk_targets_count(tg) - 1, &l);
		if (f.family != l.family) {
			status = scan_usage_err("%s", "IPv4 and IPv6 targets in one raw scan (scan "
			                              "them apart, or with -sT)");
			goto out;
		}
	}
	uint64_t t0 = wk_mono_ns();
	scan_out_begin(&c);
	if (scan_open_before_run(&c)) {
		status = 1;
		goto out;
	}
	/* the handler stays to the end: -sV, --banners and -R stop at g_stop, and a signal
	 * that comes just after the scan (timeout(1) signals twice) must still let the
	 * outputs close and the resume file be written */
	int rc = wk_scan_run(o, &sum, &pos, &e);
	if (rc) {
		scan_out_end(&c, &sum);
		fprintf(stderr, "wirekit scan: %s\n", e.msg[0] ? e.msg : wk_strerror(rc));
		status = rc == WK_EPERM ? 3 : rc == WK_EINVAL ? 2 : 1;
		goto out;
	}
	if ((a.svc.version || a.svc.banners) && !g_stop) {
		a.svc.datadir = a.datadir;
		a.svc.stop = &g_stop;
		if (scan_svc_run(&c, &a.svc)) {
			scan_out_end(&c, &sum);
			status = 1;
			goto out;
		}
	}
	a.host.verbose = a.verbose;
	if (a.host.resolve && !g_stop && scan_host_rdns(&c, &a.host, &g_stop)) {
		scan_out_end(&c, &sum);
		status = 1;
		goto out;
	}
	/* "scanned in" is the whole run, as nmap's: the scan, -sV or --banners, and -R */
	sum.elapsed = (double)(wk_mono_ns() - t0) / 1e9;
	sum.end_sec = time(NULL);
	char why[96];
	if (g_stop) { /* the reports say so: XML exit="error" errormsg=, JSON "stopped" */
		snprintf(why, sizeof(why), "interrupted (%s) at position %" PRIu64,
		         g_signal == SIGTERM ? "SIGTERM" : "SIGINT", pos);
		sum.stopped = why;
	}
	status = scan_out_end(&c, &sum) ? 1 : 0;
	if (g_stop) {
		const char *rf = a.resume_file ? a.resume_file : DEFAULT_RESUME;
		char alt[4096];
		int bad = scan_resume_save(&c, rf, pos, pos);
		if (bad && !a.resume_file) {
			/* after -Z the directory may not be the dropped user's: not lost, in /tmp
			 */
			const char *tmp = getenv("TMPDIR");
			snprintf(alt, sizeof(alt), "%s/wirekit-scan-%ld.resume",
			         tmp && *tmp ? tmp : "/tmp", (long)getpid());
			fprintf(stderr, "wirekit scan: could not write %s: %s; writing %s\n", rf,
			        strerror(errno), alt);
			rf = alt;
			bad = scan_resume_save(&c, rf, pos, pos);
		}
		if (bad) {
			fprintf(stderr, "wirekit scan: could not write %s: %s\n", rf,
			        strerror(errno));
		} else {
			scan_journal_clear(&c);
			fprintf(stderr,
			        "wirekit scan: stopped at position %" PRIu64
			        "; resume with: wirekit scan --resume %s\n",
			        pos, rf);
		}
		status = 128 + g_signal;
	} else if (a.resume_file) {
		c.complete = true;
		if (!scan_resume_save(&c, a.resume_file, pos, pos))
			scan_journal_clear(&c);
	}
	if (a.verbose)
		fprintf(stderr,
		        "wirekit scan: seed %" PRIu64 ", position %" PRIu64 ", %" PRIu64
		        " probes, %" PRIu64 " replies, %.2f s\n",
		        o->seed, pos, sum.probes_sent, sum.replies, sum.elapsed);
out:
	if (scan_open_close(&c) && !status)
		status = 1;
	scan_out_close(&c);
	scan_journal_close(&c);
	wk_results_free(c.table);
	wk_targets_free(tg);
	wk_services_free(svc);
	wk_macdb_free(macdb);
	wk_ports_free(&ports);
	wk_ports_free(&disc);
	scan_resume_free(rargc, rargv);
	scan_resume_end(&rs);
	free(cmdline);
	return status;
}
