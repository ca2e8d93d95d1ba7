#!/usr/bin/env bash
# --frame: the bytes on the wire (4-byte big-endian length + payload), round trips between
# two wirekits (lines and --frame-bytes chunks, a 1 MiB message), and a frame above
# --max-frame refused with exit 1.
. "$(dirname "$0")/lib.sh"
need ncat python3 ss timeout

# what connect --frame sends, captured raw by ncat
p=$(free_port)
bg timeout 10 ncat -l 127.0.0.1 "$p" </dev/null >"$T/raw"
np=$BGPID
wait_port "$p"
printf 'one\n\nthree3\nlast-no-newline' | timeout 10 "$W" connect --frame 127.0.0.1 "$p"
wait_pid "$np" 5
python3 - "$T/raw" >"$T/raw.ok" <<'PY'
import struct, sys
want = b"".join(struct.pack(">I", len(m)) + m for m in [b"one", b"", b"three3", b"last-no-newline"])
print("yes" if open(sys.argv[1], "rb").read() == want else "no")
PY
check "frames on the wire: length-prefixed, one per line" [ "$(cat "$T/raw.ok")" = yes ]

# frames from a raw sender are printed one per line
p=$(free_port)
bg timeout 10 "$W" listen --frame 127.0.0.1 "$p" </dev/null >"$T/got"
lp=$BGPID
wait_port "$p"
python3 -c '
import struct, sys
sys.stdout.buffer.write(b"".join(struct.pack(">I", len(m)) + m for m in [b"alpha", b"", b"beta"]))' |
	timeout 10 ncat --send-only 127.0.0.1 "$p"
wait "$lp"
check "incoming frames: exit 0" [ $? = 0 ]
check "incoming frames: one per line" [ "$(cat "$T/got")" = "$(printf 'alpha\n\nbeta')" ]

# wirekit to wirekit: lines, including a 1 MiB one, both ways
python3 -c '
import random
random.seed(1)
for i in range(200): print("m%d " % i + "y" * random.randint(0, 3000))
print("z" * (1 << 20))' >"$T/msgs"
p=$(free_port)
bg timeout 20 "$W" listen --frame 127.0.0.1 "$p" <"$T/msgs" >"$T/l.out"
lp=$BGPID
wait_port "$p"
timeout 20 "$W" connect --frame 127.0.0.1 "$p" <"$T/msgs" >"$T/c.out"
wait "$lp"
check "round trip: listener got every message" same_file "$T/msgs" "$T/l.out"
check "round trip: client got every message" same_file "$T/msgs" "$T/c.out"

# --frame-bytes: fixed chunks, the last one short
p=$(free_port)
bg timeout 10 "$W" listen --frame 127.0.0.1 "$p" </dev/null >"$T/chunks"
lp=$BGPID
wait_port "$p"
printf 'abcdefghij' | timeout 10 "$W" connect --frame-bytes 4 127.0.0.1 "$p"
wait "$lp"
check "--frame-bytes 4: chunks" [ "$(cat "$T/chunks")" = "$(printf 'abcd\nefgh\nij')" ]

# too large: announced 2 GiB against the default 16 MiB, and 2 KiB against --max-frame 1K
for case in "2147483648 " "2048 --max-frame 1K"; do
	set -- $case
	n=$1
	shift
	p=$(free_port)
	bg timeout 10 "$W" listen --frame "$@" 127.0.0.1 "$p" </dev/null >"$T/big.out" 2>"$T/big.err"
	lp=$BGPID
	wait_port "$p"
	python3 -c '
import struct, sys
n = int(sys.argv[1])
sys.stdout.buffer.write(struct.pack(">I", 3) + b"ok!" + struct.pack(">I", n) + b"x" * min(n, 4096))' "$n" |
		timeout 10 ncat 127.0.0.1 "$p" >/dev/null 2>&1
	wait "$lp"
	rc=$?
	check "frame of $n ($*): refused with exit 1" [ $rc = 1 ]
	check "frame of $n: the reason names the size" grep -q "frame of $n bytes exceeds" "$T/big.err"
	check "frame of $n: the frame before it was printed" [ "$(cat "$T/big.out")" = ok! ]
done
# and a line too long to send
p=$(free_port)
bg timeout 10 ncat -l 127.0.0.1 "$p" </dev/null >/dev/null
wait_port "$p"
head -c 3000 /dev/zero | tr '\0' a | timeout 10 "$W" connect --frame --max-frame 1K 127.0.0.1 "$p" 2>"$T/err"
check "outgoing line above --max-frame: exit 1" [ $? = 1 ]
check "outgoing line above --max-frame: says so" grep -q 'max-frame' "$T/err"
# --frame-bytes receives binary: exactly the payload bytes, no separator (100,000 bytes in,
# the same 100,000 out), both ways, and from a raw sender whose frames hold newlines
head -c 100000 /dev/urandom >"$T/bin"
p=$(free_port)
bg timeout 20 "$W" listen --frame-bytes 1000 127.0.0.1 "$p" <"$T/bin" >"$T/bin.l"
lp=$BGPID
wait_port "$p"
timeout 20 "$W" connect --frame-bytes 4096 127.0.0.1 "$p" <"$T/bin" >"$T/bin.c"
crc=$?
wait "$lp"
check "--frame-bytes binary: client exit 0" [ $crc = 0 ]
check "--frame-bytes binary: listener wrote exactly 100000 bytes" [ "$(stat -c %s "$T/bin.l")" = 100000 ]
check "--frame-bytes binary: listener's copy is identical" same_file "$T/bin" "$T/bin.l"
check "--frame-bytes binary: client's copy is identical" same_file "$T/bin" "$T/bin.c"
p=$(free_port)
bg timeout 10 "$W" listen --frame-bytes 1 127.0.0.1 "$p" </dev/null >"$T/raw.l"
lp=$BGPID
wait_port "$p"
python3 -c '
import struct, sys
sys.stdout.buffer.write(b"".join(struct.pack(">I", len(m)) + m for m in [b"a\nb", b"", b"\n\n", b"c"]))' |
	timeout 10 ncat --send-only 127.0.0.1 "$p"
wait "$lp"
check "--frame-bytes: frames with newlines written as they are" \
	[ "$(od -An -c "$T/raw.l" | tr -d ' ')" = "$(printf 'a\nb\n\nc' | od -An -c | tr -d ' ')" ]

# --frame (text) prints one frame per line, so a frame holding a newline is refused (it
# would read as two), after the frames before it
p=$(free_port)
bg timeout 10 "$W" listen --frame 127.0.0.1 "$p" </dev/null >"$T/nl.out" 2>"$T/nl.err"
lp=$BGPID
wait_port "$p"
python3 -c '
import struct, sys
sys.stdout.buffer.write(b"".join(struct.pack(">I", len(m)) + m for m in [b"fine", b"two\nlines", b"after"]))' |
	timeout 10 ncat 127.0.0.1 "$p" >/dev/null 2>&1
wait "$lp"
rc=$?
check "--frame: frame with a newline: exit 1" [ $rc = 1 ]
check "--frame: frame with a newline: says so" grep -q 'newline.*--frame-bytes' "$T/nl.err"
check "--frame: frame with a newline: only the frame before it printed" [ "$(cat "$T/nl.out")" = fine ]

finish
