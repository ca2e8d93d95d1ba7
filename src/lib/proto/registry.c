/* The protocol registry: every protocol descriptor, sorted by name, and the bind tables
 * (name space, number) -> protocol built from the descriptors' binds at first use.
 * Adding a protocol: one new file and one line in each list below. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"


#define X(n) &wk_proto_##n,
static const struct wk_proto *const all[] = {WK_PROTO_LIST(X)};
#undef X

/* Present protocols, sorted by name; built once. */
static const struct wk_proto *protos[WK_ARRAY_SIZE(all)];
static size_t nprotos;

struct bindent {
	uint32_t key;
	uint8_t ns;
	uint8_t idx;
};
static struct bindent binds[512];
static size_t nbinds;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_proto(const void *a, const void *b)
{
	const struct wk_proto *pa = *(const struct wk_proto *const *)a;
	const struct wk_proto *pb = *(const struct wk_proto *const *)b;
	return strcmp(pa->name, pb->name);
}

static int cmp_bind(const void *a, const void *b)
{
	const struct bindent *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void build(void)
{
	for (size_t i = 0; i < WK_ARRAY_SIZE(all); i++)
		if (all[i])
			protos[nprotos++] = all[i];
	qsort(protos, nprotos, sizeof(protos[0]), cmp_proto);
	for (size_t i = 0; i < nprotos; i++) {
		const struct wk_bind *b = protos[i]->binds;
		for (; b && b->ns != WK_NS_NONE && nbinds < WK_ARRAY_SIZE(binds); b++)
			binds[nbinds++] = (struct bindent){b->key, b->ns, (uint8_t)i};
	}
	qsort(binds, nbinds, sizeof(binds[0]), cmp_bind);
}

static inline void init(void)
{
	pthread_once(&once, build);
}

size_t wk_proto_count(void)
{
	init();
	return nprotos;
}

const struct wk_proto *wk_proto_at(size_t i)
{
	init();
	return i < nprotos ? protos[i] : NULL;
}

int wk_proto_index(const struct wk_proto *p)
{
	init();
	for (size_t i = 0; i < nprotos; i++)
		if (protos[i] == p)
			return (int)i;
	return -1;
}

const struct wk_proto *wk_proto_find(const char *name)
{
	init();
	for (size_t i = 0; i < nprotos; i++)
		if (!strcmp(protos[i]->name, name) ||
		    (protos[i]->tshark && !strcmp(protos[i]->tshark, name)))
			return protos[i];
	return NULL;
}

const struct wk_proto *wk_proto_lookup(enum wk_ns ns, uint32_t key)
{
	init();
	if (ns == WK_NS_PROTO)
		return key < nprotos ? protos[key] : NULL;
	size_t lo = 0, hi = nbinds;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct bindent *b = &binds[mid];
		if (b->ns < ns || (b->ns == ns && b->key < key))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nbinds && binds[lo].ns == ns && binds[lo].key == key)
		return protos[binds[lo].idx];
	return NULL;
}

size_t proto_bind_count(void)
{
	init();
	return nbinds;
}
