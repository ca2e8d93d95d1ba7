/* Printer helpers: the bounded flow table behind relative TCP sequence numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/wirekit.h"

static void test_flowtab_fresh_then_known(void **state)
{
	(void)state;
	struct wk_flowtab *t = wk_flowtab_new(16);
	assert_non_null(t);
	bool fresh;
	uint32_t *v = wk_flowtab_get(t, "abcd", 4, &fresh);
	assert_non_null(v);
	assert_true(fresh);
	assert_int_equal(v[0], 0);
	v[0] = 7;
	v = wk_flowtab_get(t, "abcd", 4, &fresh);
	assert_false(fresh);
	assert_int_equal(v[0], 7);
	v = wk_flowtab_get(t, "abce", 4, &fresh); /* another key is another flow */
	assert_true(fresh);
	uint8_t big[WK_FLOW_KEYMAX + 1] = {0};
	assert_null(wk_flowtab_get(t, big, sizeof(big), &fresh));
	wk_flowtab_free(t);
}

/* Far more flows than slots: memory stays what it was, lookups keep working, and the most
 * recent flow is still known. */
static void test_flowtab_bounded(void **state)
{
	(void)state;
	struct wk_flowtab *t = wk_flowtab_new(64);
	bool fresh;
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t *v = wk_flowtab_get(t, &i, sizeof(i), &fresh);
		assert_non_null(v);
		v[1] = i;
	}
	uint32_t last = 99999;
	uint32_t *v = wk_flowtab_get(t, &last, sizeof(last), &fresh);
	assert_false(fresh);
	assert_int_equal(v[1], last);
	wk_flowtab_free(t);
	wk_flowtab_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flowtab_fresh_then_known),
	    cmocka_unit_test(test_flowtab_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
