/* Vendors of MAC addresses from nmap's nmap-mac-prefixes, read at run time: a sorted array
 * of 24-bit OUIs with their names in one string store, looked up by binary search. The
 * file is untrusted text: read through the bounded cursor, a bad line is an error naming
 * it (nothing half-loaded is returned). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile_int.h"
#include "wirekit/addr.h"
#include "wirekit/cursor.h"
#include "wirekit/scan.h"

#define MACDB_FILE_MAX (16u << 20) /* the real file is under 1 MB */
#define MACDB_NAME_MAX 200u

struct mac_ent {
	uint32_t oui;
	uint32_t name; /* offset in store */
};

struct wk_macdb {
	struct mac_ent *v;
	size_t n, cap;
	char *store;
	size_t slen, scap;
};

void wk_macdb_free(struct wk_macdb *db)
{
	if (!db)
		return;
	free(db->v);
	free(db->store);
	free(db);
}

size_t wk_macdb_count(const struct wk_macdb *db)
{
	return db ? db->n : 0;
}

static int add(struct wk_macdb *db, uint32_t oui, const uint8_t *name, size_t len)
{
	if (db->n == db->cap) {
		size_t c = db->cap ? db->cap * 2 : 1024;
		struct mac_ent *v = realloc(db->v, c * sizeof(*v));
		if (!v)
			return -1;
		db->v = v;
		db->cap = c;
	}
	if (db->slen + len + 1 > db->scap) {
		size_t c = db->scap ? db->scap * 2 : 16384;
		while (c < db->slen + len + 1)
			c *= 2;
		char *s = realloc(db->store, c);
		if (!s)
			return -1;
		db->store = s;
		db->scap = c;
	}
	db->v[db->n++] = (struct mac_ent){oui, (uint32_t)db->slen};
	memcpy(db->store + db->slen, name, len);
	db->slen += len;
	db->store[db->slen++] = '\0';
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct mac_ent *x = a, *y = b;
	return x->oui < y->oui ? -1 : x->oui > y->oui;
}

/* One line without its end: "" or "#..." is nothing, else six hex digits, blanks, a name of
 * printable characters. Returns 0, 1 (bad line) or -1 (no memory). */
static int line(struct wk_macdb *db, struct wk_rd *r)
{
	uint8_t c;
	uint32_t oui = 0;
	if (!wk_rd_left(r) || (wk_rd_peek_u8(r, 0, &c) && c == '#'))
		return 0;
	for (int i = 0; i < 6; i++) {
		int h = wk_hexval(wk_rd_u8(r));
		if (r->bad || h < 0)
			return 1;
		oui = oui << 4 | (uint32_t)h;
	}
	size_t blanks = 0;
	while (wk_rd_peek_u8(r, 0, &c) && (c == ' ' || c == '\t')) {
		wk_rd_skip(r, 1);
		blanks++;
	}
	size_t len = wk_rd_left(r);
	while (len && wk_rd_peek_u8(r, len - 1, &c) && (c == ' ' || c == '\t' || c == '\r'))
		len--;
	if (!blanks || !len || len > MACDB_NAME_MAX)
		return 1;
	const uint8_t *name = wk_rd_bytes(r, len);
	for (size_t i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] == 0x7f)
			return 1;
	return add(db, oui, name, len) ? -1 : 0;
}

struct wk_macdb *wk_macdb_parse(const char *text, size_t n, const char *name, struct wk_error *err)
{
	struct wk_macdb *db = calloc(1, sizeof(*db));
	struct wk_rd r;
	unsigned lineno = 0;
	if (!db) {
		wk_seterr(err, WK_ENOMEM, "out of memory");
		return NULL;
	}
	wk_rd_init(&r, text, n);
	while (wk_rd_left(&r)) {
		size_t len = 0;
		uint8_t c;
		while (wk_rd_peek_u8(&r, len, &c) && c != '\n')
			len++;
		bool nl = len < wk_rd_left(&r);
		struct wk_rd l = wk_rd_sub(&r, len, NULL);
		if (nl)
			wk_rd_skip(&r, 1);
		lineno++;
		int rc = line(db, &l);
		if (rc) {
			if (rc < 0)
				wk_seterr(err, WK_ENOMEM, "out of memory");
			else
				wk_seterr(
				    err, WK_EFORMAT,
				    "%s line %u: not \"XXXXXX Vendor\" (six hex digits, a name)",
				    name, lineno);
			wk_macdb_free(db);
			return NULL;
		}
	}
	if (db->n) /* an empty file has no array at all */
		qsort(db->v, db->n, sizeof(*db->v), cmp_ent);
	return db;
}

struct wk_macdb *wk_macdb_load(const char *datadir, struct wk_error *err)
{
	char path[4096], tried[8200], *text;
	size_t n;
	FILE *f =
	    datafile_open(datadir, "nmap-mac-prefixes", path, sizeof(path), tried, sizeof(tried));
	if (!f) {
		wk_seterr(err, WK_ENOTFOUND, "no nmap-mac-prefixes (tried %s)", tried);
		return NULL;
	}
	if (datafile_slurp(f, path, MACDB_FILE_MAX, &text, &n, err))
		return NULL;
	struct wk_macdb *db = wk_macdb_parse(text, n, path, err);
	free(text);
	return db;
}

const char *wk_macdb_vendor(const struct wk_macdb *db, const uint8_t mac[6])
{
	if (!db || !db->n)
		return NULL;
	uint32_t oui = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	size_t lo = 0, hi = db->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (db->v[mid].oui == oui)
			return db->store + db->v[mid].name;
		if (db->v[mid].oui < oui)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
