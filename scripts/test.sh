#!/usr/bin/env bash
# The whole test run: debug build and ASan+UBSan build, every suite on both, the clang
# (fuzz) and gcc -O3 (release) configurations compiled, then the clang-format and
# banned-function checks. Ends with "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh --lab || exit 1 # --lab: daemons and nmap for tests/net/test-service.sh
pass=0 fail=0 skip=0
failed_names=()

count() { # $1 build dir: add meson's counts
	local log=$1/meson-logs/testlog.json
	[ -f "$log" ] || { fail=$((fail + 1)); failed_names+=("$1: no test log"); return; }
	local p f s
	p=$(grep -c '"result": "OK"' "$log")
	s=$(grep -c '"result": "SKIP"' "$log")
	f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log")
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
	while read -r n; do failed_names+=("$1: $n"); done < <(python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] not in ("OK", "SKIP"):
        print(t["name"], t["result"])
PY
	)
}

run_build() { # $1 dir, rest meson options
	local dir=$1
	shift
	echo "== build $dir"
	if ! bash scripts/configure.sh "$dir" "$@" || ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
		cat "$dir/ninja.log" 2>/dev/null | tail -40
		fail=$((fail + 1))
		failed_names+=("$dir: build")
		return
	fi
	echo "== tests $dir"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$dir" --print-errorlogs --num-processes 2 -t 1 2>&1 |
		grep -E '^ *[0-9]+/[0-9]+ |^Ok:|^Fail:|^Skipped:|^-+$|^stdout:|^stderr:|^[^ ]' | tail -n 400
	count "$dir"
}

mkdir -p build build-asan
run_build build
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false

# The libFuzzer configuration (make fuzz) built with clang, compile only: it runs no
# fuzzing here, but a warning clang makes an error of cannot creep in unseen.
echo "== build build-fuzz (clang, compile only)"
if ! command -v clang >/dev/null; then
	echo "SKIP: clang not installed (scripts/deps.sh installs it)"
	skip=$((skip + 1))
else
	mkdir -p build-fuzz
	if CC=clang bash scripts/configure.sh build-fuzz -Dfuzz=true --buildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false && ninja -C build-fuzz >build-fuzz/ninja.log 2>&1; then
		pass=$((pass + 1))
	else
		tail -40 build-fuzz/ninja.log 2>/dev/null
		fail=$((fail + 1))
		failed_names+=("build-fuzz: clang build")
	fi
fi

# The release configuration (gcc -O3, what a packager or `meson setup --buildtype=release`
# gets), compile only: -O3 inlining brings warnings (-Wstringop-overflow ...) the debug
# build never shows, and -Werror here keeps them from reaching users unseen.
echo "== build build-release (gcc -O3, compile only)"
mkdir -p build-release
if bash scripts/configure.sh build-release --buildtype=release &&
	ninja -C build-release >build-release/ninja.log 2>&1; then
	pass=$((pass + 1))
else
	tail -40 build-release/ninja.log 2>/dev/null
	fail=$((fail + 1))
	failed_names+=("build-release: gcc -O3 build")
fi

echo "== clang-format"
bad=$(git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run -Werror 2>&1 | grep -c 'error:' || true)
if [ "$bad" = 0 ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); failed_names+=("clang-format: $bad places (run make format)")
	git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run -Werror 2>&1 | grep 'error:' | head
fi

echo "== banned functions"
banned=$(git ls-files '*.c' '*.h' | xargs -r grep -n -E '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok)\s*\(' || true)
if [ -z "$banned" ]; then pass=$((pass + 1)); else
	fail=$((fail + 1)); failed_names+=("banned functions"); echo "$banned"
fi

for n in "${failed_names[@]}"; do echo "FAILED: $n"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
