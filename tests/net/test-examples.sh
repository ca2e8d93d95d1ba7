#!/usr/bin/env bash
# The examples/ programs in a namespace lab (veth pair, 198.18.0.0/24, no default route):
# probe forges an ICMP echo request and a TCP SYN and prints the replies it matched;
# live_capture on the other side sees them through its filter; tls_client talks to
# wirekit listen --tls over the lab. Built against the shared library (examples/meson.build).
. "$(dirname "$0")/lib.sh"
need ip timeout
netns_or_skip
EX=${BUILD:?BUILD not set}/examples
A=wkea$$
B=wkeb$$
VA=vea$$
VB=veb$$
veth_lab "$A" "$B" "$VA" "$VB"

# live capture in B: the echo request and reply, nothing else (the filter is icmp)
bg timeout 20 ip netns exec "$B" "$EX/live_capture" "$VB" icmp 2 >"$T/cap.out" 2>"$T/cap.err"
cap=$BGPID
sleep 0.5
timeout 10 ip netns exec "$A" "$EX/probe" 'ip(dst=198.18.0.2)/icmp(id=7,seq=1)/"ping"' \
	>"$T/icmp.out" 2>"$T/icmp.err"
check "probe: ICMP echo answered" test $? = 0
cat "$T/icmp.out"
check "probe: the reply line" grep -q '^reply: IP 198.18.0.2 > 198.18.0.1: ICMP echo reply, id 7, seq 1' "$T/icmp.out"
timeout 10 ip netns exec "$A" "$EX/probe" 'ip(dst=198.18.0.2)/tcp(dport=9,flags=S)' >"$T/tcp.out" 2>&1
check "probe: TCP SYN to a closed port answered" test $? = 0
cat "$T/tcp.out"
check "probe: RST back" grep -q '^reply: IP 198.18.0.2.9 > 198.18.0.1.*Flags \[R' "$T/tcp.out"
wait "$cap"
check "live_capture: exit 0" test $? = 0
cat "$T/cap.out" "$T/cap.err"
check "live_capture: two ICMP lines" test "$(grep -c ICMP "$T/cap.out")" = 2
check "live_capture: nothing else" test "$(wc -l <"$T/cap.out")" = 2

# a TLS client on the relay, against wirekit listen --tls in B
port=4433
echo "hello from the listener" >"$T/greet"
bg timeout 20 ip netns exec "$B" "$W" listen --tls -w 5 198.18.0.2 "$port" <"$T/greet" >"$T/lis.out" 2>"$T/lis.err"
lis=$BGPID
wait_port "$port" t "$B"
timeout 10 ip netns exec "$A" "$EX/tls_client" --insecure 198.18.0.2 "$port" 'hello from tls_client\n' \
	>"$T/tls.out" 2>"$T/tls.err"
check "tls_client: exit 0" test $? = 0
wait "$lis"
cat "$T/tls.out" "$T/tls.err"
check "tls_client: the listener's line" grep -qx 'hello from the listener' "$T/tls.out"
check "tls_client: its request arrived" grep -qx 'hello from tls_client' "$T/lis.out"
check "tls_client: TLS 1.3 reported" grep -q 'TLSv1.3' "$T/tls.err"
finish
