/* IPv4, IPv6 and MAC addresses: one-field structs so byte orders cannot mix, parse and
 * fast format (no printf; the packet loop calls these). */
#ifndef WIREKIT_ADDR_H
#define WIREKIT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wk_ip4 {
	uint8_t b[4]; /* network order */
};
struct wk_ip6 {
	uint8_t b[16];
};
struct wk_mac {
	uint8_t b[6];
};

enum {
	WK_IP4_STRLEN = 16, /* "255.255.255.255" + NUL */
	WK_IP6_STRLEN = 46,
	WK_MAC_STRLEN = 18,
};

/* Parse; true on success. Strings must be the whole address (no trailing bytes). */
bool wk_ip4_parse(const char *s, struct wk_ip4 *out);
bool wk_ip6_parse(const char *s, struct wk_ip6 *out);
bool wk_mac_parse(const char *s, struct wk_mac *out); /* aa:bb:.. or aa-bb-.. */
/* The value of a hex digit (0-15), -1 for any other character. */
int wk_hexval(int c);

/* Format into dst (room for the *_STRLEN constant) and return the end (at the NUL). */
char *wk_ip4_fmt(char *dst, const uint8_t a[4]);
char *wk_ip6_fmt(char *dst, const uint8_t a[16]); /* RFC 5952 canonical form */
char *wk_mac_fmt(char *dst, const uint8_t a[6]);

/* Unsigned decimal; dst needs 21 bytes. Returns the end (at the NUL). */
char *wk_u64_fmt(char *dst, uint64_t v);
/* Lower-case hex of n bytes (2n + 1 bytes of room); sep 0 for none. */
char *wk_hex_fmt(char *dst, const uint8_t *p, size_t n, char sep);

#ifdef __cplusplus
}
#endif

#endif
