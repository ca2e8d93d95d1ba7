/* The search for nmap's data files, and reading one whole (see core/datafile_int.h). */
#include "core/datafile_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

FILE *datafile_open(const char *datadir, const char *name, char *path, size_t plen, char *tried,
                    size_t tlen)
{
	const char *dirs[2] = {datadir, NULL};
	size_t nd = 1;
	if (!datadir || !*datadir) {
		const char *env = getenv("WIREKIT_DATADIR");
		nd = 0;
		if (env && *env)
			dirs[nd++] = env;
		dirs[nd++] = DATAFILE_DIR;
	}
	if (tried && tlen)
		tried[0] = '\0';
	for (size_t i = 0; i < nd; i++) {
		snprintf(path, plen, "%s/%s", dirs[i], name);
		if (tried && tlen) {
			size_t tl = strlen(tried);
			snprintf(tried + tl, tlen - tl, "%s%s", tl ? " and " : "", path);
		}
		FILE *f = fopen(path, "rb");
		if (f)
			return f;
	}
	return NULL;
}

int datafile_slurp(FILE *f, const char *path, size_t max, char **text, size_t *n,
                   struct wk_error *err)
{
	*text = NULL;
	*n = 0;
	char *buf = malloc(max);
	if (!buf) {
		fclose(f);
		return wk_seterr(err, WK_ENOMEM, "%s: out of memory", path);
	}
	size_t got = fread(buf, 1, max, f);
	int eno = ferror(f) ? errno : 0;
	fclose(f);
	if (eno || got == max) {
		free(buf);
		return eno ? wk_seterr_sys(err, eno, "reading %s", path)
		           : wk_seterr(err, WK_EFORMAT, "%s: larger than %zu bytes", path, max - 1);
	}
	*text = buf;
	*n = got;
	return 0;
}
