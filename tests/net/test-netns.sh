#!/usr/bin/env bash
# wirekit connect/listen across a namespace pair (veth, 198.18.0.0/15, no default route):
# TCP and UDP with ncat and socat as the other end, and a 16 MiB stream checked by sha256.
. "$(dirname "$0")/lib.sh"
need ncat socat ip python3 timeout sha256sum
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
netns_or_skip
A=wk5a$$
B=wk5b$$
ip netns add "$A" || { echo "SKIP: cannot create network namespaces"; exit 77; }
NETNS+=("$A")
ip netns add "$B"
NETNS+=("$B")
ip link add "va$$" netns "$A" type veth peer name "vb$$" netns "$B"
ip -n "$A" addr add 198.18.0.1/24 dev "va$$"
ip -n "$B" addr add 198.18.0.2/24 dev "vb$$"
for n in "$A" "$B"; do
	ip -n "$n" link set lo up
done
ip -n "$A" link set "va$$" up
ip -n "$B" link set "vb$$" up
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
printf 'line from B\n' >"$T/b"
printf 'line from A\n' >"$T/a"
# wait until the link answers
for i in $(seq 100); do inA ping -c1 -W1 198.18.0.2 >/dev/null 2>&1 && break; sleep 0.05; done

# TCP: ncat in B listens, wirekit in A connects; then the other way with socat
p=4000
bg timeout 10 ip netns exec "$B" ncat -l 198.18.0.2 $p <"$T/b" >"$T/b.got"
np=$BGPID
wait_port $p t "$B"
timeout 10 ip netns exec "$A" "$W" connect 198.18.0.2 $p <"$T/a" >"$T/a.got"
check "netns tcp: connect exit 0" [ $? = 0 ]
wait_pid "$np" 5
check "netns tcp: ncat got our line" same_file "$T/a" "$T/b.got"
check "netns tcp: we got ncat's line" same_file "$T/b" "$T/a.got"
p=4001
bg timeout 10 ip netns exec "$A" "$W" listen -4 $p <"$T/a" >"$T/a.got"
wp=$BGPID
wait_port $p t "$A"
timeout 10 ip netns exec "$B" socat -t 2 - TCP4:198.18.0.1:$p <"$T/b" >"$T/b.got"
wait "$wp"
check "netns tcp: listen exit 0" [ $? = 0 ]
check "netns tcp: listener got socat's line" same_file "$T/b" "$T/a.got"
check "netns tcp: socat got the listener's line" same_file "$T/a" "$T/b.got"

# UDP both ways
p=4002
bg timeout 10 ip netns exec "$B" ncat -u -l 198.18.0.2 $p <"$T/b" >"$T/b.got"
np=$BGPID
wait_port $p u "$B"
printf 'udp ping\n' | timeout 10 ip netns exec "$A" "$W" connect -u -w 1 198.18.0.2 $p >"$T/a.got"
check "netns udp: connect exit 0" [ $? = 0 ]
check "netns udp: ncat got the datagram" grep -qx 'udp ping' "$T/b.got"
check "netns udp: we got ncat's reply" grep -qx 'line from B' "$T/a.got"
kill "$np" 2>/dev/null
p=4003
bg timeout 10 ip netns exec "$A" "$W" listen -u -w 3 198.18.0.1 $p <"$T/a" >"$T/a.got"
wp=$BGPID
wait_port $p u "$A"
printf 'udp hello\n' | timeout 10 ip netns exec "$B" socat -T 1 - UDP4:198.18.0.1:$p >"$T/b.got"
check "netns udp: listener got socat's datagram" grep -qx 'udp hello' "$T/a.got"
check "netns udp: socat got the answer" grep -qx 'line from A' "$T/b.got"
kill "$wp" 2>/dev/null

# 16 MiB across the veth, wirekit at both ends
head -c 16M /dev/urandom >"$T/big"
p=4004
bg timeout 30 ip netns exec "$B" "$W" listen 198.18.0.2 $p </dev/null >"$T/big.got"
wp=$BGPID
wait_port $p t "$B"
timeout 30 ip netns exec "$A" "$W" connect 198.18.0.2 $p <"$T/big"
wait "$wp"
check "netns 16 MiB: sha256 matches" [ "$(sha256sum <"$T/big" | cut -c1-64)" = "$(sha256sum <"$T/big.got" | cut -c1-64)" ]
# refused across the link
timeout 5 ip netns exec "$A" "$W" connect 198.18.0.2 4999 </dev/null 2>"$T/err"
check "netns refused: exit 1" [ $? = 1 ]
check "netns refused: reason" grep -q '198.18.0.2:4999: connection refused' "$T/err"
finish
