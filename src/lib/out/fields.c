/* Field extraction like tshark -T fields: one column per -e name; a field present in
 * several layers (tunnels, ICMP quotes) or several times in one layer gives every value,
 * outermost first, joined by the occurrence separator; an absent field is empty. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/err.h"
#include "wirekit/out.h"

struct wk_fields {
	size_t n;
	char sep, occ;
	const struct wk_field **f;
	const struct wk_proto **proto;
};

struct wk_fields *wk_fields_new(const char *const *names, size_t n, char sep, char occ_sep,
                                struct wk_error *err)
{
	struct wk_fields *fs = calloc(1, sizeof(*fs));
	if (!fs)
		goto nomem;
	fs->f = calloc(n ? n : 1, sizeof(*fs->f));
	fs->proto = calloc(n ? n : 1, sizeof(*fs->proto));
	if (!fs->f || !fs->proto)
		goto nomem;
	fs->n = n;
	fs->sep = sep;
	fs->occ = occ_sep;
	for (size_t i = 0; i < n; i++) {
		fs->f[i] = wk_field_find(names[i], &fs->proto[i]);
		if (!fs->f[i]) {
			wk_seterr(err, WK_ENOTFOUND, "unknown field '%s'", names[i]);
			wk_fields_free(fs);
			return NULL;
		}
	}
	return fs;
nomem:
	wk_fields_free(fs);
	wk_seterr(err, WK_ENOMEM, "out of memory");
	return NULL;
}

void wk_fields_free(struct wk_fields *fs)
{
	if (!fs)
		return;
	free(fs->f);
	free(fs->proto);
	free(fs);
}

void wk_fields_print(struct wk_ob *o, const struct wk_fields *fs, const struct wk_pkt *p)
{
	struct wk_val v;
	for (size_t i = 0; i < fs->n; i++) {
		if (i)
			wk_ob_putc(o, fs->sep);
		bool first = true;
		for (unsigned li = 0; li < p->nlayers; li++) {
			const struct wk_layer *l = &p->l[li];
			if (l->proto != fs->proto[i])
				continue;
			for (unsigned k = 0; k < 64 && wk_field_get(p, l, fs->f[i], k, &v); k++) {
				if (!first)
					wk_ob_putc(o, fs->occ);
				first = false;
				wk_ob_val(o, fs->f[i], &v);
			}
		}
	}
	wk_ob_putc(o, '\n');
}
