#!/usr/bin/env bash
# Oracle: read -v / -vv lines against tcpdump -n -v / -vv on the captures listed in
# verbose-captures.txt (see verbose_vs_tcpdump.py; WK_SURVEY=1 adds the whole-corpus
# agreement and the kinds of differences left, not asserted; WK_SURVEY_DIR another corpus).
set -u
here=$(cd "$(dirname "$0")" && pwd)
command -v tcpdump >/dev/null || { echo "tcpdump not installed"; exit 77; }
extra=()
[ "${WK_SURVEY:-0}" = 1 ] && extra=(--survey)
exec /usr/bin/python3 "$here/verbose_vs_tcpdump.py" "$WIREKIT" "$TOP" "${extra[@]}"
