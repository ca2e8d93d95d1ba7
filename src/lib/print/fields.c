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
	int occurrence; /* 0 all, N the N-th (from 1), -1 the last */
	struct col *c;
};

void wk_fields_format(struct wk_fields *fs, int occurrence, char quote)
{
	fs->occurrence = occurrence;
	fs->quote = quote;
}

/* Value idx of column c, counting over the layers outermost first; false past the last. */
static bool col_value(const struct wk_pkt *p, const struct col *c, unsigned idx,
                      const struct wk_field **f, struct wk_val *v)
{
	unsigned seen = 0;
	for (unsigned li = 0; li < p->nlayers; li++) {
		const struct wk_layer *l = &p->l[li];
		unsigned a = 0;
		while (a < c->n && l->proto != c->proto[a])
			a++;
		if (a == c->n)
			continue;
		for (unsigned k = 0; k < 64 && wk_field_get(p, l, c->f[a], k, v); k++)
			if (seen++ == idx) {
				*f = c->f[a];
				return true;
			}
	}
	return false;
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

bool wk_fields_need_streams(const struct wk_fields *fs)
{
	for (size_t i = 0; fs && i < fs->n; i++)
		for (unsigned a = 0; a < fs->c[i].n; a++)
			if (!strcmp(fs->c[i].f[a]->name, "tcp.stream"))
				return true;
	return false;
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
	const struct wk_field *f;
	for (size_t i = 0; i < fs->n; i++) {
		if (i)
			wk_ob_putc(o, fs->sep);
		const struct col *c = &fs->c[i];
		unsigned from = 0, to = UINT32_MAX; /* the values shown: [from, to] */
		if (fs->occurrence > 0)
			from = to = (unsigned)fs->occurrence - 1;
		else if (fs->occurrence < 0) {
			unsigned n = 0;
			while (col_value(p, c, n, &f, &v))
				n++;
			if (!n)
				continue;
			from = to = n - 1;
		}
		for (unsigned k = from; k <= to && col_value(p, c, k, &f, &v); k++) {
			if (k == from && fs->quote)
				wk_ob_putc(o, fs->quote);
			if (k != from)
				wk_ob_putc(o, fs->occ);
			wk_ob_val(o, f, &v);
			if (fs->quote && (k == to || !col_value(p, c, k + 1, &f, &v)))
				wk_ob_putc(o, fs->quote);
		}
	}
	wk_ob_putc(o, '\n');
}
