#!/usr/bin/env bash
# Oracle: frame times, pcapng interfaces, tcp.stream, tcp.payload, data.data and the
# checksum status fields of -T fields agree with tshark run on the same captures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/ctx_fields_vs_tshark.py" "$WIREKIT" "$TOP/tests/corpus"
