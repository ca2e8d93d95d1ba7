#!/usr/bin/env bash
# check-exports.sh LIB.so [LIB.a]: every symbol the installed libraries define for others
# starts with wk_ (the shared one through src/lib/wirekit.map, the static one through
# scripts/static-lib.sh); prints the counts and any other name.
set -eu
check() { # $1 label, $2 names
	local total bad
	total=$(printf '%s\n' "$2" | grep -c . || true)
	bad=$(printf '%s\n' "$2" | grep -v '^wk_' | grep . || true)
	if [ -n "$bad" ]; then
		echo "check-exports: names outside wk_ defined for others by $1:" >&2
		printf '  %s\n' $bad >&2
		exit 1
	fi
	[ "$total" -gt 100 ] || { echo "check-exports: only $total names in $1" >&2; exit 1; }
	echo "check-exports: $1: $total names, all wk_"
}
check "$1" "$(nm -D --defined-only "$1" | awk '{print $3}')"
if [ $# -gt 1 ]; then
	check "$2" "$(nm -g --defined-only "$2" | awk 'NF == 3 {print $3}')"
fi
