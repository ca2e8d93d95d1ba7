/* Field extraction like tshark -T fields: one column per -e name; a field present in
 * several layers (tunnels, ICMP quotes) or several times in one layer gives every value,
 * outermost first, joined by the occurrence separator; an absent field is empty. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/err.h"
#include "wirekit/out.h"

/* What one -e name stands for: a field of each protocol that knows the name. */
enum { MAX_ALT = 4 };
struct col {
	unsigned n;
	const struct wk_field *f[MAX_ALT];
	const struct wk_proto *proto[MAX_ALT];
};

struct wk_fields {
	size_t n;
	char sep, occ;
	char quote;     /* 0: none */
	int occurrence; /* 0 all, -1 last, N the Nth */
	struct col *c;
};

void wk_fields_pick(struct wk_fields *fs, int occurrence, char quote)
{
	fs->occurrence = occurrence;
	fs->quote = quote;
}

struct wk_fields *wk_fields_new(const char *const *names, size_t n, char sep, char occ_sep,
                                struct wk_error *err)
{
	struct wk_fields *fs = calloc(1, sizeof(*fs));
	if (!fs)
		goto nomem;
	fs->c = calloc(n ? n : 1, sizeof(*fs->c));
	if (!fs->c)
		goto nomem;
	fs->n = n;
	fs->sep = sep;
	fs->occ = occ_sep;
	for (size_t i = 0; i < n; i++) {
		size_t k = wk_field_find_all(names[i], fs->c[i].f, fs->c[i].proto, MAX_ALT);
		fs->c[i].n = (unsigned)(k < MAX_ALT ? k : MAX_ALT);
		if (!k) {
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
	free(fs->c);
	free(fs);
}

void wk_fields_print(struct wk_ob *o, const struct wk_fields *fs, const struct wk_pkt *p)
{
	struct wk_val v;
	for (size_t i = 0; i < fs->n; i++) {
		if (i)
			wk_ob_putc(o, fs->sep);
		bool first = true;
		const struct col *c = &fs->c[i];
		int nth = 0; /* occurrences seen */
		const struct wk_layer *last_l = NULL;
		unsigned last_a = 0, last_k = 0;
		for (unsigned li = 0; li < p->nlayers; li++) {
			const struct wk_layer *l = &p->l[li];
			unsigned a = 0;
			while (a < c->n && l->proto != c->proto[a])
				a++;
			if (a == c->n)
				continue;
			for (unsigned k = 0; k < 64 && wk_field_get(p, l, c->f[a], k, &v); k++) {
				nth++;
				if (fs->occurrence < 0) {
					last_l = l, last_a = a, last_k = k;
					continue;
				}
				if (fs->occurrence > 0 && nth != fs->occurrence)
					continue;
				if (first && fs->quote)
					wk_ob_putc(o, fs->quote);
				if (!first)
					wk_ob_putc(o, fs->occ);
				first = false;
				wk_ob_val(o, c->f[a], &v);
			}
		}
		if (last_l && wk_field_get(p, last_l, c->f[last_a], last_k, &v)) {
			if (fs->quote)
				wk_ob_putc(o, fs->quote);
			first = false;
			wk_ob_val(o, c->f[last_a], &v);
		}
		if (!first && fs->quote)
			wk_ob_putc(o, fs->quote);
	}
	wk_ob_putc(o, '\n');
}
