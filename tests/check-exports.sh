#!/usr/bin/env bash
# check-exports.sh LIB: every symbol the shared library defines for others starts with wk_
# (src/lib/wirekit.map); prints the count and any other name.
set -eu
lib=$1
names=$(nm -D --defined-only "$lib" | awk '{print $3}')
total=$(printf '%s\n' "$names" | grep -c . || true)
bad=$(printf '%s\n' "$names" | grep -v '^wk_' | grep . || true)
if [ -n "$bad" ]; then
	echo "check-exports: names outside wk_ exported by $lib:" >&2
	printf '  %s\n' $bad >&2
	exit 1
fi
[ "$total" -gt 100 ] || { echo "check-exports: only $total names exported" >&2; exit 1; }
echo "check-exports: $total names, all wk_"
