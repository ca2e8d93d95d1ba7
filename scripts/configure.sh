#!/usr/bin/env bash
# configure.sh DIR [meson options]: set DIR up once (later changes to meson.build are picked
# up by ninja itself). Developers and CI build with -Werror; a packager running meson
# directly does not.
set -eu
cd "$(dirname "$0")/.."
dir=$1
shift
if [ ! -f "$dir/build.ninja" ]; then
	CC=${CC:-gcc} meson setup "$dir" -Dwerror=true "$@" >/dev/null
fi
