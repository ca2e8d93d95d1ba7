/* Option values the subcommands share: one parser each for durations and sizes. */
#ifndef WK_CLI_PARSE_H
#define WK_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* "1.5" -> 1500: seconds with decimals (past milliseconds cut). false unless > 0 ms. */
bool cli_parse_secs(const char *s, uint64_t *ms);
/* A number of units, or with k/m/g a number of KiB, MiB, GiB. Digits first; no sign. */
bool cli_parse_size(const char *s, uint64_t unit, uint64_t *bytes);

#endif
