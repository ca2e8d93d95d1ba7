#!/bin/sh
# Print the files under DIR matching PATTERN, sorted, one per line (meson has no glob;
# the Makefile reconfigures when the list changes).
dir=$1
pat=$2
cd "$(dirname "$0")/.." && find "$dir" -name "$pat" -type f 2>/dev/null | LC_ALL=C sort
