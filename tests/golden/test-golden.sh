#!/usr/bin/env bash
# Golden output: each case of cases.tsv run through wirekit read must print exactly
# expected/NAME.out. After a deliberate change: tests/golden/regen.sh NAME (or no name for
# all), then review the diff before committing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
corpus=$TOP/tests/corpus
cd "$corpus" || exit 1 # the captures by their names: outputs name the file (tcpdump's banner)
fail=0 n=0
while IFS=$'\t' read -r name cap args filter; do
	case $name in '#'* | '') continue ;; esac
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! "$WIREKIT" read $args "$cap" $filter 2>&1 | diff -u "$here/expected/$name.out" - >"/tmp/golden.$$.diff"; then
		echo "FAIL $name"
		head -40 "/tmp/golden.$$.diff"
		fail=$((fail + 1))
	fi
done <"$here/cases.tsv"
rm -f "/tmp/golden.$$.diff"
echo "$n golden cases, $fail failed"
[ "$fail" -eq 0 ] && [ "$n" -gt 0 ]
