#!/usr/bin/env bash
# Oracle: our pcap/pcapng reader against libpcap's pcap_next_ex, record for record (count,
# lengths, timestamps, link type, bytes), over every capture in tests/corpus/ (else
# /work/shared/corpus) and over copies of each cut short, which must stop on damage after
# the same packet. Known differences: tests/oracle/pcap-libpcap.allow, each with its reason.
set -u
cmp=$BUILD/tests/pcap_compare
if [ ! -x "$cmp" ]; then
	echo "SKIP: $cmp is not built"
	exit 77
fi
dir=$TOP/tests/corpus
[ -d "$dir" ] || dir=/work/shared/corpus
if [ ! -d "$dir" ]; then
	echo "SKIP: no corpus (tests/corpus/ or /work/shared/corpus)"
	exit 77
fi
echo "corpus: $dir"
exec "$cmp" --cuts --allow "$TOP/tests/oracle/pcap-libpcap.allow" "$dir"
