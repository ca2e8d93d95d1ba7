/* nmap's -sL list scan: every target reported, state unknown and reason user-set, and
 * nothing sent. nmap's -Pn host records: without host discovery every target counts as up, and nmap
 * reports it so ("Host is up, received user-set."), whether or not any port answered.
 * The records go out after the port scan, on the caller's thread (the engine's threads
 * have ended), so a port answer's host record is overridden by the user-set one at the
 * same rank, as nmap shows user-set for hosts that answered too. */
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "scan/scan_int.h"

void scan_host_report(const struct wk_scan_opts *o, uint64_t i, uint8_t state, uint8_t reason)
{
	struct wk_scan_result r;
	struct timespec ts;
	if (!o->on_result)
		return;
	memset(&r, 0, sizeof(r));
	wk_targets_at(o->targets, i, &r.addr);
	r.proto = WK_SCAN_HOST;
	r.state = state;
	r.reason = reason;
	if (scan_reported(o, &r.addr, r.proto, 0)) /* -sn resumed after a kill */
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_sec = ts.tv_sec;
	r.ts_nsec = (uint32_t)ts.tv_nsec;
	o->on_result(o->ctx, &r);
}

/* Every target to on_result as a host record with state and reason user-set. */
static void each_target(const struct wk_scan_opts *o, uint8_t state)
{
	uint64_t n = wk_targets_count(o->targets);
	for (uint64_t i = 0; i < n && o->on_result && !(o->stop && *o->stop); i++)
		scan_host_report(o, i, state, WK_RS_USER_SET);
}

int scan_hosts_user_set(const struct wk_scan_opts *o, struct wk_scan_summary *sum, int rc)
{
	if (rc || o->discovery || o->type == WK_SCAN_NONE || o->type == WK_SCAN_LIST || !o->targets)
		return rc;
	each_target(o, WK_PS_HOST_UP);
	if (sum)
		sum->hosts_up = sum->hosts_total;
	return rc;
}

int scan_hosts_list(const struct wk_scan_opts *o, struct wk_scan_summary *sum, uint64_t *resume,
                    struct wk_error *err)
{
	struct timespec t0, t1;
	if (!o->targets || !wk_targets_count(o->targets))
		return wk_seterr(err, WK_EINVAL, "no targets");
	bool up = o->type == WK_SCAN_NONE; /* -sn -Pn: nmap lists every target up, user-set */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	each_target(o, up ? WK_PS_HOST_UP : WK_PS_HOST_UNKNOWN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->hosts_total = wk_targets_count(o->targets);
		sum->hosts_up = up ? sum->hosts_total : 0;
		sum->end_sec = time(NULL);
		sum->elapsed =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	if (resume)
		*resume = 0;
	return 0;
}
