/* Harness for target tokens: the input is one token; what parses is finished, and at() and
 * has() must agree at both ends of the set. Inputs that would be host names are skipped: a
 * fuzzer must not query DNS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 512)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	bool letter = false;
	for (size_t i = 0; i < size; i++)
		letter |= ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z');
	struct wk_error err = {0};
	struct wk_targets *t = wk_targets_new(&err);
	if (!t || (letter && !memchr(text, ':', size)))
		goto out;
	/* the input is also tried as an exclusion of what it adds */
	if (wk_targets_add(t, text, &err) == 0 && wk_targets_finish(t, &err) == 0) {
		uint64_t n = wk_targets_count(t);
		for (uint64_t i = 0; i < n && i < 4; i++) {
			struct wk_scan_addr a;
			wk_targets_at(t, i, &a);
			if (!wk_targets_has(t, &a))
				abort();
			wk_targets_at(t, n - 1 - i, &a);
			if (!wk_targets_has(t, &a))
				abort();
		}
		if (wk_targets_exclude(t, text, &err) != 0)
			abort(); /* what parsed once parses again */
		if (wk_targets_finish(t, &err) == 0)
			abort(); /* and removes everything */
	}
	if (strlen(err.msg) >= sizeof(err.msg))
		abort();
out:
	wk_targets_free(t);
	free(text);
	return 0;
}
