/* nmap's -Pn host records: without host discovery every target counts as up, and nmap
 * reports it so ("Host is up, received user-set."), whether or not any port answered.
 * The records go out after the port scan, on the caller's thread (the engine's threads
 * have ended), so a port answer's host record is overridden by the user-set one at the
 * same rank, as nmap shows user-set for hosts that answered too. */
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "scan/scan_int.h"

int scan_hosts_user_set(const struct wk_scan_opts *o, struct wk_scan_summary *sum, int rc)
{
	if (rc || o->discovery || o->type == WK_SCAN_NONE || !o->targets)
		return rc;
	uint64_t n = wk_targets_count(o->targets);
	struct wk_scan_result r;
	struct timespec ts;
	for (uint64_t i = 0; i < n && o->on_result; i++) {
		memset(&r, 0, sizeof(r));
		wk_targets_at(o->targets, i, &r.addr);
		r.proto = WK_SCAN_HOST;
		r.state = WK_PS_HOST_UP;
		r.reason = WK_RS_USER_SET;
		clock_gettime(CLOCK_REALTIME, &ts);
		r.ts_sec = ts.tv_sec;
		r.ts_nsec = (uint32_t)ts.tv_nsec;
		o->on_result(o->ctx, &r);
	}
	if (sum)
		sum->hosts_up = sum->hosts_total;
	return rc;
}
