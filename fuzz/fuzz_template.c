/* Harness for the version template expander ($1..$9, $P(), $SUBST(), $I()): the input is
 * one byte of capture count, the template up to a NUL, then the subject; capture bounds
 * come from the subject's own bytes, some of them out of range or unset on purpose. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 8192)
		return 0;
	unsigned ncap = data[0] % 11;
	const uint8_t *nul = memchr(data + 1, 0, size - 1);
	size_t tlen = nul ? (size_t)(nul - data - 1) : size - 1;
	char *tmpl = malloc(tlen + 1);
	if (!tmpl)
		return 0;
	memcpy(tmpl, data + 1, tlen);
	tmpl[tlen] = '\0';
	const uint8_t *subj = nul ? nul + 1 : data + size;
	size_t slen = (size_t)(data + size - subj);
	size_t ov[20];
	for (unsigned i = 0; i < 20; i++) {
		uint8_t b = slen ? subj[i % slen] : 0;
		ov[i] = b == 0xff ? PCRE2_UNSET : (size_t)b % (slen + 3);
	}
	char out[64];
	int n = svc_expand(tmpl, subj, slen, ov, ncap, out, sizeof(out));
	if (n >= (int)sizeof(out) || strlen(out) >= sizeof(out))
		abort();
	free(tmpl);
	return 0;
}
