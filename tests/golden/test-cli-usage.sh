#!/usr/bin/env bash
# Issue 12 items 24, 25 and 27 as a user meets them, outside read (test-read-cli.sh has
# read's): conflicting or idle options refused or warned about, usage mistakes exit 2 with
# one line pointing to --help, and the small things (.PCAPNG, the ICMP redirect line, the
# man page's command list). Nothing here connects or sends: every refusal comes before
# that, and the commands that would connect run in a private network namespace when we
# may make one.
set -u
W=${WIREKIT:?WIREKIT not set}
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 n=0
ok() { n=$((n + 1)); echo "ok   $*"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $*"; }
# no network: in a namespace of our own when we may make one (a check that failed to
# refuse must not reach anything)
NS=()
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then NS=(unshare -n); fi
# usage NAME ARGS...: exit 2, one line on stderr, prefixed "wirekit CMD:", pointing to --help
usage() {
	local name=$1 got
	shift
	timeout 10 "${NS[@]}" "$W" "$@" </dev/null >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = 2 ]; then ok "$name (exit 2)"; else
		bad "$name: exit $got, expected 2"
		head -3 "$T/err"
		return
	fi
	[ "$(wc -l <"$T/err")" = 1 ] && ok "$name: one line" || bad "$name: $(wc -l <"$T/err") lines"
	grep -Eq "^wirekit( $1)?: " "$T/err" && ok "$name: prefixed 'wirekit $1:'" ||
		bad "$name: not prefixed: $(head -1 "$T/err")"
	grep -q -- "--help\|ip link" "$T/err" && ok "$name: points to help" ||
		bad "$name: no pointer: $(head -1 "$T/err")"
}
has() { # NAME FILE TEXT
	grep -qF -- "$3" "$2" && ok "$1" || { bad "$1: no '$3' in:"; head -3 "$2"; }
}
SPEC='ip(dst=198.18.0.2)/icmp()'

# 24. conflicting or idle options
usage "listen -k -w" listen -k -w 1 127.0.0.1 0
usage "listen --broker -w" listen --broker -w 1 127.0.0.1 0
usage "send --frag on IPv6" send --dry-run --frag 8 'ipv6(dst=2001:db8::1)/udp()/"0123456789"'
has "send --frag on IPv6: says why" "$T/err" "--frag fragments IPv4 packets"
"$W" send -w "$T/i.pcap" --interval 1 -c 2 "$SPEC" 2>"$T/err"
[ $? = 0 ] && ok "send -w --interval: writes" || bad "send -w --interval: exit $?"
has "send -w --interval: warned" "$T/err" "--interval ignored"
"$W" send --dry-run -q --rate 10 -c 2 "$SPEC" 2>"$T/err"
has "send --dry-run --rate: warned" "$T/err" "--rate ignored"

usage "read -v with -V" read -v -V "$TOP/tests/corpus/pcapplusplus-three_http_streams.pcap"
has "read -v -V: says why" "$T/err" "-v changes the one-line output only, not -V"
usage "read -vv with -T fields" read -vv -T fields -e ip.src "$TOP/tests/corpus/pcapplusplus-three_http_streams.pcap"
usage "read -v with --stats" read --stats -v "$TOP/tests/corpus/pcapplusplus-three_http_streams.pcap"

# 25. usage mistakes
usage "listen ADDR without a port" listen 127.0.0.1
has "listen ADDR: names it" "$T/err" "'127.0.0.1' is not a port"
usage "connect --max-frame 0" connect --max-frame 0 127.0.0.1 9
usage "listen --max-frame 0" listen --max-frame 0 127.0.0.1 0
usage "connect --send '\\xZZ'" connect --send '\xZZ' 127.0.0.1 9
has "--send '\\xZZ': names the escape" "$T/err" "bad escape '\xZZ'"
usage "connect --send ending in '\\'" connect --send 'abc\' 127.0.0.1 9
usage "connect --recv-until '\\q'" connect --recv-until '\q' 127.0.0.1 9
usage "connect bad --pin-sha256" connect --tls --pin-sha256 zz 127.0.0.1 9
usage "send -I nosuchif0" send -I nosuchif0 --dry-run "$SPEC"
usage "send unknown option" send --bogus "$SPEC"
usage "send no spec" send
# a spec error is its line, the spec and a caret under the name
timeout 10 "${NS[@]}" "$W" send --dry-run 'ip(dst=no-such-host.invalid)/icmp()' 2>"$T/err"
[ $? = 2 ] && ok "send unresolvable host name (exit 2)" || bad "send unresolvable host name: not exit 2"
has "send unresolvable host name: says so" "$T/err" "wirekit send: cannot resolve 'no-such-host.invalid' for ip.dst"
"$W" send --dry-run 'ip(src=198.18.0.1,dst=localhost)/icmp()' >"$T/out" 2>&1
has "send host name from /etc/hosts" "$T/out" "IP 198.18.0.1 > 127.0.0.1: ICMP echo request"
usage "help bogus" help bogus
# read's and sniff's value errors point to --help too
usage "read -c x" read -c x "$T/i.pcap"
usage "read -t bogus" read -t bogus "$T/i.pcap"
usage "read -T x" read -T x "$T/i.pcap"
usage "read --top 3 without --stats" read --top 3 "$T/i.pcap"
usage "sniff -c 0" sniff -c 0
# escapes that are fine still work (a listener in the namespace receives them)
if [ ${#NS[@]} -gt 0 ]; then
	timeout 10 unshare -n sh -c '
		ip link set lo up
		"$0" listen -w 3 127.0.0.1 7070 >"$1/got" & l=$!
		sleep 0.3
		"$0" connect --send "a\tb\x41\\\\\n" 127.0.0.1 7070 </dev/null
		wait $l' "$W" "$T"
	[ "$(od -An -c "$T/got" | tr -s ' ')" = " a \t b A \\ \n" ] && ok "--send escapes sent" ||
		bad "--send escapes: got '$(od -An -c "$T/got")'"
fi

# 27. small things
"$W" send --dry-run -q -w "$T/up.PCAPNG" "$SPEC" && [ "$(od -An -tx1 -N4 "$T/up.PCAPNG")" = " 0a 0d 0d 0a" ] &&
	ok "send -w X.PCAPNG writes pcapng" || bad "send -w X.PCAPNG: not pcapng"
"$W" read -w "$T/r.PcapNg" "$T/i.pcap" && [ "$(od -An -tx1 -N4 "$T/r.PcapNg")" = " 0a 0d 0d 0a" ] &&
	ok "read -w X.PcapNg writes pcapng" || bad "read -w X.PcapNg: not pcapng"
"$W" read -w "$T/r.pcap" "$T/r.PcapNg" && [ "$(od -An -tx1 -N4 "$T/r.pcap")" != " 0a 0d 0d 0a" ] &&
	ok "read -w X.pcap still writes pcap" || bad "read -w X.pcap: not pcap"
line=$("$W" send --dry-run 'ip(src=198.18.0.1,dst=198.18.0.2)/icmp(type=redirect,gw=198.18.0.9)')
[ "$line" = "IP 198.18.0.1 > 198.18.0.2: ICMP redirect to net 198.18.0.9, length 8" ] &&
	ok "redirect without a quote: one space" || bad "redirect line: '$line'"
# sniff without -i in a namespace with only lo up: 'any', as tcpdump (before: "no
# interface is up"); one ICMP echo to 127.0.0.1 inside that namespace is captured
if [ ${#NS[@]} -gt 0 ]; then
	timeout 20 unshare -n sh -c '
		ip link set lo up
		timeout 10 "$0" sniff -c 1 icmp >"$1/sn.out" 2>"$1/sn.err" & s=$!
		sleep 0.5
		"$0" send -q "ip(dst=127.0.0.1)/icmp()"
		wait $s' "$W" "$T"
	has "sniff with only lo up: listens on any" "$T/sn.err" "listening on any"
	has "sniff with only lo up: captures" "$T/sn.out" "IP 127.0.0.1 > 127.0.0.1: ICMP echo"
fi
man=$TOP/docs/wirekit.1
cmds=$("$W" 2>&1 | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')

[ "$(printf '%s\n' "$cmds" | grep -c .)" -ge 7 ] && ok "commands listed by wirekit: $(echo $cmds)" ||
	bad "could not list the commands: '$cmds'"
for c in $cmds; do
	[ "$c" = help ] && continue
	sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man" | grep -qx "\.B $c" &&
		ok "wirekit.1 COMMANDS has $c" || bad "wirekit.1 COMMANDS lacks $c"
done
for p in "$TOP"/docs/wirekit-*.1; do
	b=$(basename "$p" .1)
	sed -n '/^\.SH SEE ALSO/,$p' "$man" | grep -q "^\.BR $b (1)" &&
		ok "wirekit.1 SEE ALSO has $b" || bad "wirekit.1 SEE ALSO lacks $b"
done

echo "$n checks, $fail failed"
[ "$fail" -eq 0 ]
