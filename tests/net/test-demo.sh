#!/usr/bin/env bash
# make demo stays working: scripts/demo.sh runs to the end with the built program, and its
# labs show what they are there to show (the scan lab's states and reasons included).
# usage: WIREKIT=path test-demo.sh (meson sets it)
set -u
W=${WIREKIT:?WIREKIT is the program to run}
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: the demo's labs need root"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0
check() { # $1 what, rest: grep -E pattern that must be in the output
	if grep -qE "$2" "$out"; then echo "ok: $1"; else echo "FAIL: $1 (no /$2/)"; fail=1; fi
}
timeout 120 bash "$top/scripts/demo.sh" "$W" >"$out" 2>&1
rc=$?
[ "$rc" = 0 ] && echo "ok: demo exits 0" || { echo "FAIL: demo exit $rc"; tail -20 "$out"; fail=1; }
check "read prints the capture" '^ *[0-9:.]+ IP .* > .*: Flags'
check "TLS client got the line" 'hello from the listener'
check "sniff lab captured the TCP exchange" 'A got: HELLO FROM A'
check "send matched a reply" 'Flags \[S\.\]'
check "scan discovery: 8 of 16 up" '16 IP addresses \(8 hosts up\)'
check "scan: open ssh by syn-ack" '^22/tcp +open +ssh +syn-ack'
check "scan: dropped port filtered" '^25/tcp +filtered +smtp +no-response'
check "scan: admin-prohibited" '^110/tcp +filtered +pop3 +admin-prohibited'
check "scan: UDP answer" '^53/udp +open +domain +udp-response'
check "scan: UDP port unreachable" '^500/udp +closed +isakmp +port-unreach'
if grep -q 'RTNETLINK\|Traceback' "$out"; then echo "FAIL: errors in the demo output"; grep 'RTNETLINK\|Traceback' "$out" | head -3; fail=1; fi
exit $fail
