#!/usr/bin/env bash
# --stats over a big pcap or pcapng file is counted by two threads, each reading a part of
# the file (wk_pcap_split). Whatever the file, it must print exactly what one thread
# reading the same bytes from a pipe prints (a stream is never split): with and without a
# filter, on a file damaged in its second half (same message, same exit status), on a
# file whose middle lies inside one big record that holds something like a chain of record
# headers, and on a pcapng file with an interface block in its first part (in both the
# first thread must read on alone).
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 n=0
srcs=$(ls "$TOP"/tests/corpus/*.pcap | head -300)
/usr/bin/python3 "$TOP/bench/mkpcap.py" "$T/big.pcap" 90000 $srcs
size=$(stat -c %s "$T/big.pcap")
[ "$size" -ge $((16 << 20)) ] || {
	echo "FAIL: the test capture is only $size bytes, too small to be split"
	exit 1
}

# same NAME FILE OPTIONS [FILTER...]: split (file) and unsplit (pipe) runs agree: output,
# messages (the file named '-' in the second) and status
same() {
	local name=$1 file=$2 opts=$3 s1 s2
	shift 3
	n=$((n + 1))
	# shellcheck disable=SC2086
	"$WIREKIT" read --stats $opts "$file" "$@" >"$T/a.out" 2>"$T/a.err"
	s1=$?
	sed -i "s|$file|-|" "$T/a.err"
	# shellcheck disable=SC2086
	cat "$file" | "$WIREKIT" read --stats $opts - "$@" >"$T/b.out" 2>"$T/b.err"
	s2=$?
	if [ "$s1" != "$s2" ] || ! cmp -s "$T/a.out" "$T/b.out" || ! cmp -s "$T/a.err" "$T/b.err"; then
		echo "FAIL $name: split (exit $s1) and stream (exit $s2) differ"
		diff "$T/a.out" "$T/b.out" | head -20
		diff "$T/a.err" "$T/b.err" | head -5
		fail=$((fail + 1))
	else
		echo "ok   $name (exit $s1, $(head -1 "$T/a.out"))"
	fi
}

same "whole file" "$T/big.pcap" ""
same "with a filter" "$T/big.pcap" "" udp or icmp
same "top 50" "$T/big.pcap" "--top 50"
# damaged in the second half: cut inside a record 3/4 of the way through
head -c $((size * 3 / 4)) "$T/big.pcap" >"$T/cut.pcap"
same "damaged second half" "$T/cut.pcap" ""
grep -q "truncated record at offset" "$T/a.err" || {
	echo "FAIL damaged second half: no damage message"
	fail=$((fail + 1))
}

# One record of 4 MiB across the middle of the file, its bytes a run of sane-looking
# record headers: the second thread starts inside it, and its packets must not count.
/usr/bin/python3 - "$T/big.pcap" "$T/trap.pcap" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
hdr, off, recs = data[:24], 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append(data[off:off + 16 + incl])
    off += 16 + incl
half = len(recs) // 2
one = struct.pack("<IIII", 1700000000, 0, 64, 64) + b"\x00" * 64
body = (one * ((4 << 20) // len(one) + 1))[:4 << 20]
big = struct.pack("<IIII", 1700000000, 5, len(body), len(body)) + body
# the middle of the output file falls inside the big record
out = [hdr] + recs[:half - 2000] + [big] + recs[half - 2000:]
open(dst, "wb").write(b"".join(out))
PY
same "middle inside a record" "$T/trap.pcap" ""

# pcapng (written by our own writer): split like pcap; and with a second interface
# described in the first half, which the second reader cannot know about (the first
# reader must then read on alone)
"$WIREKIT" read -w "$T/big.pcapng" --pcapng "$T/big.pcap"
same "pcapng" "$T/big.pcapng" ""
same "pcapng with a filter" "$T/big.pcapng" "" tcp
/usr/bin/python3 - "$T/big.pcapng" "$T/idb.pcapng" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
blocks, off = [], 0
while off + 12 <= len(data):
    blen = struct.unpack("<I", data[off + 4:off + 8])[0]
    blocks.append(data[off:off + blen])
    off += blen
idb = next(b for b in blocks if struct.unpack("<I", b[:4])[0] == 1)
at = len(blocks) // 4  # in the first part: a second interface, then packets on it
def on_if1(i, b):  # one Enhanced Packet Block in 997 moved to interface 1
    if struct.unpack("<I", b[:4])[0] != 6 or i % 997:
        return b
    return b[:8] + struct.pack("<I", 1) + b[12:]
out = blocks[:at] + [idb] + [on_if1(i, b) for i, b in enumerate(blocks[at:])]
open(sys.argv[2], "wb").write(b"".join(out))
PY
same "pcapng, an interface block in the first half" "$T/idb.pcapng" ""
grep -q "unknown interface" "$T/a.err" "$T/b.err" && {
	echo "FAIL pcapng, an interface block in the first half: a packet was read without it"
	fail=$((fail + 1))
}

# the split did happen: a second thread was started (the file is below the prefault size)
if command -v strace >/dev/null; then
	n=$((n + 1))
	c=$(strace -f -qq -e trace=clone,clone3 "$WIREKIT" read --stats "$T/big.pcap" 2>&1 >/dev/null |
		grep -c 'clone')
	if [ "$c" -ge 1 ]; then
		echo "ok   a second thread counted ($c clone)"
	else
		echo "FAIL no second thread was started"
		fail=$((fail + 1))
	fi
fi

echo "$n split cases, $fail failed"
[ "$fail" -eq 0 ]
