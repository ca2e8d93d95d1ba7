/* Banner mode's knowledge of ports: which speak TLS from the first byte, and what to say
 * to a server that stays silent (HTTP GET / by default, as masscan and zgrab2 do). */
#include <string.h>

#include "service/engine_int.h"

static const uint16_t tls_ports[] = {261,  443,  448,  465,  563,  585,  614,  636,  853,
                                     989,  990,  992,  993,  994,  995,  3269, 4443, 5061,
                                     5986, 6679, 6697, 8443, 8883, 9443, 10443};

bool svc_banner_tls_port(uint8_t proto, uint16_t port)
{
	if (proto != WK_SP_TCP)
		return false;
	for (size_t i = 0; i < WK_ARRAY_SIZE(tls_ports); i++)
		if (tls_ports[i] == port)
			return true;
	return false;
}

/* RFC 1035 section 4.2.2: TCP messages carry a 2-byte length. A CHAOS TXT query for
 * version.bind (what servers answer with their version). */
static const uint8_t dns_tcp[] = {0x00, 0x1e, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x07, 'v',  'e',  'r',  's',  'i',  'o',  'n',
                                  0x04, 'b',  'i',  'n',  'd',  0x00, 0x00, 0x10, 0x00, 0x03};

static const struct hello {
	uint8_t proto;
	uint16_t port;
	const char *text;
	const uint8_t *bin;
	size_t binlen;
} hellos[] = {
    {WK_SP_TCP, 53, NULL, dns_tcp, sizeof(dns_tcp)},
    {WK_SP_UDP, 53, NULL, dns_tcp + 2, sizeof(dns_tcp) - 2},
    {WK_SP_TCP, 6379, "*1\r\n$4\r\nPING\r\n", NULL, 0},
    {WK_SP_TCP, 11211, "version\r\n", NULL, 0},
    {WK_SP_UDP, 11211, NULL, NULL, 0},
};

void svc_banner_hello(uint8_t proto, uint16_t port, const uint8_t **p, size_t *n)
{
	static const char get[] = "GET / HTTP/1.0\r\n\r\n";
	for (size_t i = 0; i < WK_ARRAY_SIZE(hellos); i++) {
		if (hellos[i].proto != proto || hellos[i].port != port)
			continue;
		if (hellos[i].text) {
			*p = (const uint8_t *)hellos[i].text;
			*n = strlen(hellos[i].text);
		} else {
			*p = hellos[i].bin;
			*n = hellos[i].binlen;
		}
		return;
	}
	*p = (const uint8_t *)get;
	*n = sizeof(get) - 1;
}
