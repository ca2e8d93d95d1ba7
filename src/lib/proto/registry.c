/* The protocol registry: every protocol descriptor, sorted by name, and the bind tables
 * (name space, number) -> protocol built from the descriptors' binds at first use.
 * Adding a protocol: one new file and one X(name) line in WK_PROTO_LIST (proto_int.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"

#define X(n) &wk_proto_##n,
static const struct wk_proto *const all[] = {WK_PROTO_LIST(X)};
#undef X

/* The protocols, sorted by name; built once. */
const struct wk_proto *proto_sorted[WK_ARRAY_SIZE(all)];
static size_t nprotos;
_Static_assert(WK_ARRAY_SIZE(all) < 255, "bind tables hold the registry index in a byte");

struct bindent {
	uint32_t key;
	uint8_t ns;
	uint8_t idx;
};
static struct bindent binds[512];
static size_t nbinds;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool ready; /* set (release) at the end of build(): skips pthread_once when hot */

/* Direct tables for 16-bit keys (EtherTypes, IP protocols, ports, link types): one byte per
 * key holding the registry index + 1. Only the pages of keys in use are ever touched. */
uint8_t proto_direct[WK_NS_MAX][65536];
/* One bit per key of the direct tables: ports are looked up for both ends of every UDP and
 * TCP packet and mostly bound to nothing; 8 KiB of bits stay in cache where 64 KiB don't. */
uint64_t proto_bound[WK_NS_MAX][65536 / 64];

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
		proto_sorted[nprotos++] = all[i];
	qsort(proto_sorted, nprotos, sizeof(proto_sorted[0]), cmp_proto);
	for (size_t i = 0; i < nprotos; i++) {
		const struct wk_bind *b = proto_sorted[i]->binds;
		for (; b && b->ns != WK_NS_NONE && nbinds < WK_ARRAY_SIZE(binds); b++)
			binds[nbinds++] = (struct bindent){b->key, b->ns, (uint8_t)i};
	}
	qsort(binds, nbinds, sizeof(binds[0]), cmp_bind);
	/* The first protocol bound to a key wins, as in the binary search (sorted by index). */
	for (size_t i = nbinds; i-- > 0;)
		if (binds[i].key < 65536 && binds[i].ns < WK_NS_MAX) {
			proto_direct[binds[i].ns][binds[i].key] = (uint8_t)(binds[i].idx + 1);
			proto_bound[binds[i].ns][binds[i].key / 64] |= UINT64_C(1)
			                                               << (binds[i].key % 64);
		}
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
}

static inline void init(void)
{
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		pthread_once(&once, build);
}

void proto_registry_init(void)
{
	init();
}

size_t wk_proto_count(void)
{
	init();
	return nprotos;
}

const struct wk_proto *wk_proto_at(size_t i)
{
	init();
	return i < nprotos ? proto_sorted[i] : NULL;
}

int wk_proto_index(const struct wk_proto *p)
{
	init();
	if (!p)
		return -1;
	size_t lo = 0, hi = nprotos; /* sorted by name: binary search */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(proto_sorted[mid]->name, p->name);
		if (c == 0)
			return proto_sorted[mid] == p ? (int)mid : -1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct wk_proto *wk_proto_find(const char *name)
{
	init();
	for (size_t i = 0; i < nprotos; i++)
		if (!strcmp(proto_sorted[i]->name, name) ||
		    (proto_sorted[i]->tshark && !strcmp(proto_sorted[i]->tshark, name)))
			return proto_sorted[i];
	return NULL;
}

const struct wk_proto *wk_proto_lookup(enum wk_ns ns, uint32_t key)
{
	init();
	if (ns == WK_NS_PROTO)
		return key < nprotos ? proto_sorted[key] : NULL;
	if (key < 65536 && (unsigned)ns < WK_NS_MAX) {
		if (!(proto_bound[ns][key / 64] >> (key % 64) & 1))
			return NULL;
		uint8_t d = proto_direct[ns][key];
		return d ? proto_sorted[d - 1] : NULL;
	}
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
		return proto_sorted[binds[lo].idx];
	return NULL;
}

size_t proto_bind_count(void)
{
	init();
	return nbinds;
}
