/* A bounded table of per-flow state for the line printer's protocols (relative TCP
 * sequence numbers): open addressing over a fixed slot array, allocated once. */
#include <stdlib.h>
#include <string.h>

#include "wirekit/line.h"

enum { PROBE = 8 }; /* slots looked at before a new flow evicts the first of them */

struct slot {
	uint8_t n; /* key length; 0 = empty */
	uint8_t key[WK_FLOW_KEYMAX];
	uint32_t v[2];
};

struct wk_flowtab {
	size_t mask;
	unsigned next; /* which of the PROBE slots a full neighbourhood gives up next */
	struct slot s[];
};

struct wk_flowtab *wk_flowtab_new(size_t slots)
{
	size_t n = PROBE;
	while (n < slots && n < ((size_t)1 << 24))
		n <<= 1;
	struct wk_flowtab *t = calloc(1, sizeof(*t) + n * sizeof(struct slot));
	if (t)
		t->mask = n - 1;
	return t;
}

void wk_flowtab_free(struct wk_flowtab *t)
{
	free(t);
}

/* FNV-1a: keys are short and the table bounded, so a weak hash costs a probe, not memory. */
static uint64_t hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

uint32_t *wk_flowtab_get(struct wk_flowtab *t, const void *key, size_t n, bool *fresh)
{
	if (!t || n == 0 || n > WK_FLOW_KEYMAX)
		return NULL;
	size_t h = (size_t)hash(key, n);
	struct slot *empty = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &t->s[(h + i) & t->mask];
		if (s->n == n && !memcmp(s->key, key, n)) {
			*fresh = false;
			return s->v;
		}
		if (!s->n && !empty)
			empty = s;
	}
	if (!empty) { /* full here: the bound holds, an old flow goes */
		empty = &t->s[(h + t->next) & t->mask];
		t->next = (t->next + 1) % PROBE;
	}
	empty->n = (uint8_t)n;
	memcpy(empty->key, key, n);
	empty->v[0] = empty->v[1] = 0;
	*fresh = true;
	return empty->v;
}
