/* Option values the subcommands share: whole numbers, decimal numbers, durations and
 * sizes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

bool cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

bool cli_parse_num(const char *s, double max, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_secs(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	unsigned digits = 0, fd = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > (UINT64_MAX / 1000 - 9) / 10)
			return false;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fd++)
			if (fd < 3)
				frac = frac * 10 + (uint64_t)(*p - '0');
	}
	if (*p || (digits == 0 && fd == 0))
		return false;
	for (unsigned i = fd; i < 3; i++)
		frac *= 10;
	*ms = whole * 1000 + frac;
	return *ms > 0;
}

bool cli_parse_time(const char *s, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
	size_t n = strspn(s, "0123456789.");
	char num[32];
	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	double v;
	if (!cli_parse_num(num, 86400000.0, &v))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + n, units[i].suffix)) {
			double t = v * units[i].ms;
			if (t < 1 || t > 86400000.0)
				return false;
			*ms = (uint64_t)t;
			return true;
		}
	return false;
}

bool cli_parse_size(const char *s, uint64_t unit, uint64_t *bytes)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		switch (*end) {
		case 'k':
		case 'K':
			unit = 1024;
			break;
		case 'm':
		case 'M':
			unit = 1024 * 1024;
			break;
		case 'g':
		case 'G':
			unit = 1024 * 1024 * 1024;
			break;
		default:
			return false;
		}
		if (end[1])
			return false;
	}
	if (v > UINT64_MAX / unit)
		return false;
	*bytes = v * unit;
	return true;
}
