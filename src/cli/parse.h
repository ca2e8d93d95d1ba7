/* Option values the subcommands share: one parser each for whole numbers, decimal numbers,
 * durations and sizes. */
#ifndef WK_CLI_PARSE_H
#define WK_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* A whole decimal number that fits 64 bits; no sign, nothing after it. */
bool cli_parse_u64(const char *s, uint64_t *out);
/* A decimal number (strtod syntax) from 0 to max; no sign, nothing after it, not NaN. */
bool cli_parse_num(const char *s, double max, double *out);
/* "1.5" -> 1500: seconds with decimals (past milliseconds cut). false unless > 0 ms. */
bool cli_parse_secs(const char *s, uint64_t *ms);
/* nmap's time specification: a decimal number of seconds, or with ms, s, m or h after it
 * ("500ms", "2s", "1.5m"); into milliseconds (past milliseconds cut), at most a day.
 * false unless > 0 ms. */
bool cli_parse_time(const char *s, uint64_t *ms);
/* A number of units, or with k/m/g a number of KiB, MiB, GiB. Digits first; no sign. */
bool cli_parse_size(const char *s, uint64_t unit, uint64_t *bytes);

#endif
