#!/usr/bin/env bash
# regen.sh [NAME...]: rewrite expected outputs of golden cases with build/wirekit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
wk=$(realpath "${WIREKIT:-$here/../../build/wirekit}")
mkdir -p "$here/expected"
cd "$here/../corpus" # the captures by their names: outputs name the file (tcpdump's banner)
while IFS=$'\t' read -r name cap args filter; do
	case $name in '#'* | '') continue ;; esac
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
	# shellcheck disable=SC2086
	"$wk" read $args "$cap" $filter >"$here/expected/$name.out" 2>&1 || true
	echo "wrote expected/$name.out"
done <"$here/cases.tsv"
