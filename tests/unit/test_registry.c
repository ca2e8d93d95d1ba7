/* The protocol registry: every listed protocol exists, names and field names are unique,
 * each field is named after its protocol, and no (name space, number) is bound twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto_int.h"
#include "wirekit/wirekit.h"

#define X(n) #n,
static const char *const listed[] = {WK_PROTO_LIST(X)};
#undef X
#define X(n) &wk_proto_##n,
static const struct wk_proto *const descs[] = {WK_PROTO_LIST(X)};
#undef X

static void test_all_present(void **state)
{
	(void)state;
	for (size_t i = 0; i < WK_ARRAY_SIZE(listed); i++) {
		if (!descs[i])
			fail_msg("protocol %s is listed but src/lib/proto/%s.c does not define it",
			         listed[i], listed[i]);
		if (i)
			assert_true(strcmp(listed[i - 1], listed[i]) < 0); /* sorted, unique */
	}
	assert_int_equal(wk_proto_count(), WK_ARRAY_SIZE(listed));
}

static void test_names_unique(void **state)
{
	(void)state;
	size_t n = wk_proto_count();
	for (size_t i = 0; i < n; i++) {
		const struct wk_proto *p = wk_proto_at(i);
		assert_non_null(p->name);
		assert_non_null(p->title);
		assert_non_null(p->dissect);
		assert_ptr_equal(wk_proto_find(p->name), p);
		for (size_t k = 0; k < p->nfields; k++) {
			const struct wk_field *f = &p->fields[k];
			const struct wk_proto *owner = NULL;
			/* named "<proto>." or "<tshark name>." */
			size_t ln = strlen(p->name);
			size_t lt = p->tshark ? strlen(p->tshark) : 0;
			/* extension headers of a family (ipv6_hopopts) may use its prefix */
			size_t lf = strcspn(p->name, "_");
			bool prefixed =
			    (!strncmp(f->name, p->name, ln) && f->name[ln] == '.') ||
			    (lt && !strncmp(f->name, p->tshark, lt) && f->name[lt] == '.') ||
			    (lf < ln && !strncmp(f->name, p->name, lf) && f->name[lf] == '.');
			if (!prefixed)
				fail_msg("field %s is not named after protocol %s", f->name,
				         p->name);
			if (wk_field_find(f->name, &owner) != f)
				fail_msg("field name %s is defined twice", f->name);
			assert_ptr_equal(owner, p);
			assert_true(f->get || f->width > 0);
		}
	}
}

/* A name shared by protocols (tshark's sll.* for both Linux cooked captures) stands for a
 * field of each; a real name is never shadowed by an alias of its own protocol. */
static void test_find_all(void **state)
{
	(void)state;
	const struct wk_field *f[4];
	const struct wk_proto *pr[4];
	assert_int_equal(wk_field_find_all("sll.pkttype", f, pr, 4), 2);
	assert_ptr_equal(pr[0], wk_proto_find("sll"));
	assert_string_equal(f[0]->name, "sll.pkttype");
	assert_ptr_equal(pr[1], wk_proto_find("sll2"));
	assert_string_equal(f[1]->name, "sll2.pkttype");
	assert_int_equal(wk_field_find_all("sll.pkttype", f, pr, 1), 2); /* counts past max */
	assert_ptr_equal(pr[0], wk_proto_find("sll"));
	assert_int_equal(wk_field_find_all("ip.src", f, pr, 4), 1);
	assert_string_equal(f[0]->name, "ip.src");
	assert_int_equal(wk_field_find_all("tcp.srcport", f, pr, 4), 1); /* an alias only */
	assert_string_equal(f[0]->name, "tcp.sport");
	assert_int_equal(wk_field_find_all("no.such.field", f, pr, 4), 0);
}

static void test_binds_unique(void **state)
{
	(void)state;
	size_t n = wk_proto_count();
	for (size_t i = 0; i < n; i++) {
		const struct wk_proto *p = wk_proto_at(i);
		for (const struct wk_bind *b = p->binds; b && b->ns != WK_NS_NONE; b++) {
			const struct wk_proto *q = wk_proto_lookup((enum wk_ns)b->ns, b->key);
			if (q != p)
				fail_msg("ns %u key 0x%x bound by both %s and %s", b->ns, b->key,
				         p->name, q ? q->name : "?");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_present),
	    cmocka_unit_test(test_names_unique),
	    cmocka_unit_test(test_binds_unique),
	    cmocka_unit_test(test_find_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
