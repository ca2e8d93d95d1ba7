#!/usr/bin/env bash
# run.sh BUILD SECONDS [NAME...]: run each libFuzzer harness (BUILD/fuzz/fuzz_NAME, from a
# build configured with CC=clang -Dfuzz=true) for SECONDS on a scratch copy of its seed
# corpus fuzz/corpus/NAME/. New inputs stay in the copy; crashes are written to
# BUILD/fuzz-out/NAME/ (add each one to fuzz/corpus/NAME/ once fixed). Exits non-zero
# when any harness found a crash.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: run.sh BUILD SECONDS [NAME...]}
secs=${2:?usage: run.sh BUILD SECONDS [NAME...]}
shift 2
if [ $# -eq 0 ]; then
	set -- $(cd "$top/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
rc=0
for name in "$@"; do
	exe=$build/fuzz/fuzz_$name
	if [ ! -x "$exe" ]; then
		echo "run.sh: $exe missing (configure with CC=clang -Dfuzz=true)" >&2
		rc=1
		continue
	fi
	out=$build/fuzz-out/$name
	work=$(mktemp -d)
	mkdir -p "$out"
	cp -r "$top/fuzz/corpus/$name/." "$work/" 2>/dev/null
	echo "== $name: ${secs}s"
	if ! "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$out/" -print_final_stats=1 "$work" 2>"$out/log"; then
		echo "$name: crash, see $out/log and $out/" >&2
		rc=1
	fi
	grep -E 'stat::number_of_executed_units|stat::new_units_added' "$out/log" || true
	rm -rf "$work"
done
exit $rc
