#!/usr/bin/env bash
# Oracle: our -T fields and --stats categories agree with tshark over tests/corpus, except
# for the differences listed, with their reasons, in known-differences.tsv.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/fields_vs_tshark.py" "$WIREKIT" "$TOP/tests/corpus" \
	"$here/known-differences.tsv"
