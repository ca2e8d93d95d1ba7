/* Harness for the packet language: the input is a spec; what parses is expanded (a few
 * packets from each end of the cross product) and encoded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirekit/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	struct wk_build *b = malloc(sizeof(*b));
	uint8_t *out = malloc(70000);
	if (!text || !b || !out)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @file payloads would read the fuzzer's file system: not what is being tested */
	if (memchr(text, '@', size))
		goto out;
	struct wk_error err = {0};
	size_t col = 0, len;
	struct wk_spec *s = wk_spec_parse(text, &err, &col);
	if (!s) {
		if (col > size)
			abort(); /* the caret must point into the text */
		goto out;
	}
	uint64_t n = wk_spec_count(s);
	for (uint64_t i = 0; i < n && i < 4; i++)
		for (int end = 0; end < 2; end++) {
			wk_build_init(b);
			if (!wk_spec_build(s, end ? n - 1 - i : i, b, &err))
				(void)wk_build_encode(b, out, 70000, &len, &err);
		}
	wk_spec_free(s);
out:
	free(text);
	free(b);
	free(out);
	return 0;
}
