/* Field lookup and reading, driven by the field tables: the one place that knows how an
 * offset/width/mask entry becomes a value. */
#include <string.h>

#include "proto/proto_int.h"

bool proto_alias_has(const char *alias, const char *name)
{
	size_t n = strlen(name);
	for (const char *a = alias; a && *a;) {
		const char *e = strchr(a, ' ');
		size_t len = e ? (size_t)(e - a) : strlen(a);
		if (len == n && !memcmp(a, name, n))
			return true;
		if (!e)
			break;
		a = e + 1;
	}
	return false;
}

const struct wk_field *wk_field_find(const char *name, const struct wk_proto **proto)
{
	size_t np = wk_proto_count();
	/* Exact names first, then aliases, so an alias can never shadow a real name. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < np; i++) {
			const struct wk_proto *pr = wk_proto_at(i);
			for (size_t k = 0; k < pr->nfields; k++) {
				const struct wk_field *f = &pr->fields[k];
				if (pass == 0 ? !strcmp(f->name, name)
				              : proto_alias_has(f->alias, name)) {
					if (proto)
						*proto = pr;
					return f;
				}
			}
		}
	return NULL;
}

size_t wk_field_find_all(const char *name, const struct wk_field **f, const struct wk_proto **proto,
                         size_t max)
{
	size_t n = 0;
	const struct wk_proto *named = NULL;
	const struct wk_field *exact = wk_field_find(name, &named);
	if (exact && !strcmp(exact->name, name)) {
		if (n < max) {
			f[n] = exact;
			proto[n] = named;
		}
		n++;
	} else {
		named = NULL;
	}
	for (size_t i = 0; i < wk_proto_count(); i++) {
		const struct wk_proto *pr = wk_proto_at(i);
		if (pr == named)
			continue; /* an alias never shadows a real name of its protocol */
		for (size_t k = 0; k < pr->nfields; k++)
			if (proto_alias_has(pr->fields[k].alias, name)) {
				if (n < max) {
					f[n] = &pr->fields[k];
					proto[n] = pr;
				}
				n++;
				break;
			}
	}
	return n;
}

bool wk_field_get(const struct wk_pkt *p, const struct wk_layer *l, const struct wk_field *f,
                  unsigned idx, struct wk_val *v)
{
	v->type = f->type;
	v->u = 0;
	v->p = NULL;
	v->n = 0;
	if (f->get)
		return f->get(p, l, idx, v);
	if (idx > 0)
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, f->off, f->width);
	if (!b)
		return false;
	switch (f->type) {
	case WK_FT_UINT:
	case WK_FT_BOOL: {
		uint64_t u = 0;
		if (f->flags & WK_FF_LE)
			for (int i = f->width - 1; i >= 0; i--)
				u = u << 8 | b[i];
		else
			for (unsigned i = 0; i < f->width; i++)
				u = u << 8 | b[i];
		if (f->mask)
			u = (u & f->mask) >> __builtin_ctz(f->mask);
		if ((f->flags & WK_FF_SIGNED) && f->width < 8 && (u >> (f->width * 8 - 1)))
			u |= ~(uint64_t)0 << (f->width * 8);
		v->u = f->type == WK_FT_BOOL ? u != 0 : u;
		return true;
	}
	default:
		v->p = b;
		v->n = f->width;
		return true;
	}
}

const char *wk_vname_find(const struct wk_vname *names, uint64_t v)
{
	for (; names && names->name; names++)
		if (names->v == v)
			return names->name;
	return NULL;
}

const char *wk_field_vname(const struct wk_field *f, uint64_t v)
{
	if (f->flags & WK_FF_NAMEIN)
		return NULL;
	return wk_vname_find(f->names, v);
}
