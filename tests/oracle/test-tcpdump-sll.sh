#!/usr/bin/env bash
# Oracle: Linux cooked (SLL, SLL2) line prefixes as tcpdump prints them (interface name
# and direction; with -e the whole link header). See sll_vs_tcpdump.py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/sll_vs_tcpdump.py" "$WIREKIT" "$TOP/tests/corpus"
