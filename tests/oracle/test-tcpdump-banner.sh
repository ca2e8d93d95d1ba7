#!/usr/bin/env bash
# Oracle: `wirekit read` prints tcpdump's banner on stderr ("reading from file F,
# link-type EN10MB (Ethernet), snapshot length N") exactly as tcpdump -r does, over every
# 7th capture of tests/corpus and the ones with odd snapshot lengths (0, over 2^31).
set -u
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
cd "$TOP/tests/corpus" || exit 1
files=$(ls | grep -E '\.(pcap|pcapng|cap|dmp|snoop)$' | awk 'NR % 7 == 0')
files="$files gopacket-le-test902.pcapng tcpdump-lisp_invalid_length.pcap pcapplusplus-Sll2PacketLLC.pcap"
n=0 bad=0
for f in $files; do
	[ -f "$f" ] || continue
	want=$(timeout 20 tcpdump -n -c 1 -r "$f" 2>&1 >/dev/null | grep '^reading from file')
	[ -n "$want" ] || continue # tcpdump cannot read it
	got=$(timeout 20 "$WIREKIT" read -c 1 "$f" 2>&1 >/dev/null | head -n 1)
	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		bad=$((bad + 1))
		echo "FAIL $f"
		echo "  tcpdump: $want"
		echo "  wirekit: $got"
	fi
done
# -T fields, --stats and --json are tshark's habits: no banner there
extra=$("$WIREKIT" read -T fields -e frame.number -c 1 gopacket-le-test902.pcapng 2>&1 >/dev/null)
[ -z "$extra" ] || { echo "FAIL: -T fields printed '$extra' on stderr"; bad=$((bad + 1)); }
echo "$n banners compared, $bad differ"
[ "$bad" -eq 0 ] && [ "$n" -gt 50 ]
