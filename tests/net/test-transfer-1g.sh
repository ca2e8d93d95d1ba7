#!/usr/bin/env bash
# A 1 GiB stream through wirekit listen <- wirekit connect on loopback: the sha256 of what
# was sent equals the sha256 of what arrived. The bytes are a keyed AES-CTR stream (not
# zeros), hashed on both sides on the fly, so nothing touches the disk.
. "$(dirname "$0")/lib.sh"
need openssl sha256sum timeout ss python3

gen() { openssl enc -aes-128-ctr -nosalt -pass pass:wirekit -pbkdf2 </dev/zero 2>/dev/null | head -c 1G; }
p=$(free_port)
bg timeout 180 sh -c "\"$W\" listen 127.0.0.1 $p </dev/null | sha256sum | cut -c1-64 >\"$T/got\""
lp=$BGPID
wait_port "$p"
gen | tee >(sha256sum | cut -c1-64 >"$T/sent") | timeout 180 "$W" connect 127.0.0.1 "$p" >/dev/null
rc=$?
wait "$lp"
check "1 GiB: connect exit 0" [ "$rc" = 0 ]
for _ in $(seq 100); do [ -s "$T/sent" ] && break; sleep 0.05; done
same_sum() { [ -s "$T/sent" ] && [ "$(cat "$T/sent")" = "$(cat "$T/got")" ]; }
check "1 GiB: sha256 sent = sha256 received" same_sum
echo "sha256 $(cat "$T/sent")"
finish
