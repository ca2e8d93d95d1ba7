#!/usr/bin/env bash
# static-lib.sh OUT.a IN.a: the installed static library. The internal archive's objects
# are linked into one relocatable object (ld -r) and every global name but wk_* is made
# local (objcopy -G), as the version script does for the shared library.
set -eu
out=$1 in=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ld -r --whole-archive "$in" -o "$tmp/wirekit.o"
objcopy --wildcard --keep-global-symbol='wk_*' "$tmp/wirekit.o" "$tmp/libwirekit.o"
rm -f "$out"
ar rcsD "$out" "$tmp/libwirekit.o"
