/* Harness for the nmap-service-probes parser: the input is a probe file. What loads is
 * matched against the input itself with every probe, the engine's matcher and templates. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "service/service_int.h"
#include "wirekit/service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct wk_svc_db *db = NULL;
	struct wk_error err = {0};
	if (wk_svc_db_parse(&db, (const char *)data, size, "fuzz", &err)) {
		if (db || !err.msg[0])
			abort(); /* a failure leaves no database and says why */
		return 0;
	}
	struct wk_svc_db_stats st;
	wk_svc_db_stats(db, &st);
	struct wk_service_info *si = malloc(sizeof(*si));
	for (size_t i = 0; si && i < db->np && i < 8; i++)
		(void)svc_match_reply(db, &db->p[i], data, size < 512 ? size : 512, NULL, si);
	unsigned line;
	const char *why;
	for (size_t i = 0; wk_svc_db_refused(db, i, &line, &why); i++)
		if (!line || !why)
			abort();
	free(si);
	wk_svc_db_free(db);
	return 0;
}
