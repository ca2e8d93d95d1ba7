#!/usr/bin/env bash
# check-umbrella.sh INCLUDEDIR: wirekit/wirekit.h includes every public header, so a user
# who includes the umbrella (and cxx_headers, which compiles it as C++) sees all of them.
set -eu
dir=$1/wirekit
missing=0
for h in "$dir"/*.h; do
	b=$(basename "$h")
	[ "$b" = wirekit.h ] && continue
	if ! grep -q "^#include \"wirekit/$b\"" "$dir/wirekit.h"; then
		echo "check-umbrella: wirekit.h does not include wirekit/$b" >&2
		missing=$((missing + 1))
	fi
done
[ "$missing" -eq 0 ] || exit 1
echo "check-umbrella: wirekit.h includes all $(ls "$dir"/*.h | wc -l) headers but itself"
