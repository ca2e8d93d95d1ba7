#!/usr/bin/env bash
# configure.sh DIR [meson options]: set up DIR, or reconfigure it when the list of source
# files changed since the last configure (meson has no globbing). Developers and CI build
# with -Werror; a packager running meson directly does not.
set -eu
cd "$(dirname "$0")/.."
dir=$1
shift
sum=$(find src tests fuzz -name '*.c' -o -name 'test-*.sh' 2>/dev/null | LC_ALL=C sort | md5sum | cut -c1-32)
if [ ! -f "$dir/build.ninja" ]; then
	CC=${CC:-gcc} meson setup "$dir" -Dwerror=true "$@" >/dev/null
elif [ "$(cat "$dir/.sources" 2>/dev/null)" != "$sum" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
fi
echo "$sum" >"$dir/.sources"
