/* wirekit scan: the link-layer side of the options (scan_link.c): ARP discovery on the
 * local segment and the vendors of the MAC addresses it finds. */
#ifndef WK_CLI_SCAN_LINK_H
#define WK_CLI_SCAN_LINK_H

#include <stdbool.h>

#include "wirekit/scan.h"

/* The discovery mask the engine gets: ARP added (nmap: on the local segment ARP decides
 * whatever -P options were given) unless no_arp (--send-ip, --disable-arp-ping), which
 * also removes an explicit -PR. 0 (-Pn) stays 0. */
unsigned scan_link_disc(unsigned disc, bool no_arp);
/* nmap-mac-prefixes from datadir (NULL: the default places); NULL when it is missing, with
 * a warning on stderr when it is there but damaged (vendors then print as Unknown). */
struct wk_macdb *scan_link_macdb(const char *datadir);

#endif
