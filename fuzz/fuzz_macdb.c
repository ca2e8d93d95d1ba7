/* Harness for the nmap-mac-prefixes reader (scan/macdb.c): a failure leaves nothing and
 * says why; what loads answers look-ups of the input's own first bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size); /* exactly the input: ASan sees any read past it */
	struct wk_error err = {0};
	struct wk_macdb *db = wk_macdb_parse(text, size, "fuzz", &err);
	if (!db) {
		if (!err.msg[0])
			abort();
	} else {
		uint8_t mac[6] = {0};
		memcpy(mac, data, size < 6 ? size : 6);
		const char *v = wk_macdb_vendor(db, mac);
		if (v && !*v)
			abort(); /* a vendor is never empty */
		wk_macdb_free(db);
	}
	free(text);
	return 0;
}
