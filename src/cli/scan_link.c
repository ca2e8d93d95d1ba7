/* wirekit scan: ARP discovery options and MAC vendors (scan_link.h). */
#include <stdio.h>

#include "scan_link.h"

#define DEFAULT_IP_DISC (WK_DISC_ECHO | WK_DISC_SYN | WK_DISC_ACK | WK_DISC_TSTAMP)

unsigned scan_link_disc(unsigned disc, bool no_arp)
{
	if (!disc)
		return 0;
	if (!no_arp)
		return disc | WK_DISC_ARP;
	disc &= ~(unsigned)WK_DISC_ARP;
	/* -PR --send-ip: nmap's IP probes instead */
	return disc ? disc : DEFAULT_IP_DISC;
}

struct wk_macdb *scan_link_macdb(const char *datadir)
{
	struct wk_error e = {0};
	struct wk_macdb *db = wk_macdb_load(datadir, &e);
	if (!db && e.code != WK_ENOTFOUND)
		fprintf(stderr, "wirekit scan: warning: %s (vendors shown as Unknown)\n", e.msg);
	return db;
}
