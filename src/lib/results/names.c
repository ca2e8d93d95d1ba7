/* nmap's names for port states and reasons, and the registry of result writers. */
#include <string.h>

#include "results/results_int.h"
#include "wirekit/scan.h"

const char *wk_port_state_name(enum wk_port_state s)
{
	static const char *const names[] = {
	    [WK_PS_OPEN] = "open",
	    [WK_PS_CLOSED] = "closed",
	    [WK_PS_FILTERED] = "filtered",
	    [WK_PS_UNFILTERED] = "unfiltered",
	    [WK_PS_OPEN_FILTERED] = "open|filtered",
	    [WK_PS_CLOSED_FILTERED] = "closed|filtered",
	    [WK_PS_HOST_UP] = "up",
	    [WK_PS_HOST_DOWN] = "down",
	    [WK_PS_HOST_UNKNOWN] = "unknown",
	};
	return (unsigned)s < WK_ARRAY_SIZE(names) ? names[s] : "unknown";
}

/* Spelled as nmap's portreasons.cc spells them (singular forms). */
const char *wk_reason_name(enum wk_reason r)
{
	static const char *const names[WK_RS_NREASON] = {
	    [WK_RS_NONE] = "unknown-response",
	    [WK_RS_SYN_ACK] = "syn-ack",
	    [WK_RS_RESET] = "reset",
	    [WK_RS_NO_RESPONSE] = "no-response",
	    [WK_RS_CONN_REFUSED] = "conn-refused",
	    [WK_RS_UDP_RESPONSE] = "udp-response",
	    [WK_RS_PORT_UNREACH] = "port-unreach",
	    [WK_RS_HOST_UNREACH] = "host-unreach",
	    [WK_RS_NET_UNREACH] = "net-unreach",
	    [WK_RS_PROTO_UNREACH] = "proto-unreach",
	    [WK_RS_ADMIN_PROHIBITED] = "admin-prohibited",
	    [WK_RS_HOST_PROHIBITED] = "host-prohibited",
	    [WK_RS_NET_PROHIBITED] = "net-prohibited",
	    [WK_RS_ECHO_REPLY] = "echo-reply",
	    [WK_RS_TIMESTAMP_REPLY] = "timestamp-reply",
	    [WK_RS_ARP_RESPONSE] = "arp-response",
	    [WK_RS_ND_RESPONSE] = "nd-response",
	    [WK_RS_USER_SET] = "user-set",
	    [WK_RS_LOCALHOST] = "localhost-response",
	    [WK_RS_TIME_EXCEEDED] = "time-exceeded",
	};
	return (unsigned)r < WK_ARRAY_SIZE(names) && names[r] ? names[r] : "unknown-response";
}

/* Sorted by name; tests/unit/test_results.c checks the order and uniqueness. */
static const struct wk_scan_writer *const writers[] = {
    &results_grep_writer, &results_json_writer, &results_normal_writer,
    &results_text_writer, &results_xml_writer,
};

const struct wk_scan_writer *const *wk_scan_writers(size_t *n)
{
	*n = WK_ARRAY_SIZE(writers);
	return writers;
}

const struct wk_scan_writer *wk_scan_writer_find(const char *name)
{
	size_t lo = 0, hi = WK_ARRAY_SIZE(writers);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, writers[mid]->name);
		if (c == 0)
			return writers[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
