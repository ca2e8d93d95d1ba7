#!/usr/bin/env bash
# The bench scripts with their peers missing (issue 12 #29): each says which peer is
# missing and exits 1 before measuring anything, instead of printing wirekit's rows alone.
# Runs them with a PATH that holds only the basic tools, none of the peers.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/bin"
for t in bash dirname python3 numfmt mktemp id rm cat; do
	ln -s "$(command -v "$t")" "$T/bin/$t"
done
# python3 without the dpkt module either
mkdir "$T/py" && printf 'raise ImportError("hidden")\n' >"$T/py/dpkt.py"
fail=0
check() { # SCRIPT PEER: exits 1 naming PEER
	local out st
	out=$(cd "$T" && PATH="$T/bin" PYTHONPATH="$T/py" bash "$TOP/bench/$1" "$T/none" 2>&1 </dev/null)
	st=$?
	if [ "$st" = 1 ] && printf '%s' "$out" | grep -q "peer missing: .*$2"; then
		echo "ok   $1: exit 1, names $2"
	else
		echo "FAIL $1: exit $st: $(printf '%s' "$out" | head -3)"
		fail=$((fail + 1))
	fi
}
check send.sh hping3
check send.sh masscan
check read.sh tcpdump
check read.sh python3-dpkt
check sniff.sh tcpdump
check relay.sh ncat
[ ! -e "$T/paused.conf" ] || { echo "FAIL paused.conf written in the working directory"; fail=$((fail + 1)); }
[ "$fail" = 0 ]
