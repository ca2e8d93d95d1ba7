#!/usr/bin/env bash
# bench/csum.sh: the Internet checksum against a byte-at-a-time loop (prints ratios).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -I"$top/include" -o "$tmp/csum" "$top/bench/csum.c" "$top/src/lib/core/csum.c"
"$tmp/csum"
