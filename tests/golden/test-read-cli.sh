#!/usr/bin/env bash
# wirekit read as a tcpdump user drives it (issue 12): what it refuses, the exit status
# and the one message it prints, and that it never damages its input.
set -u
W=${WIREKIT:?WIREKIT not set}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
C=$TOP/tests/corpus
fail=0 n=0
ok() { n=$((n + 1)); echo "ok   $*"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $*"; }
# expect NAME STATUS CMD...: CMD exits with STATUS (stdout in $T/out, stderr in $T/err)
expect() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else
		bad "$name: exit $got, expected $want"
		head -5 "$T/err"
	fi
}
# has NAME FILE TEXT: FILE contains TEXT
has() { if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: no '$3' in: $(head -3 "$2")"; fi; }

# 1. -w onto the input itself (the name, a symbolic link, a hard link, stdout on it):
# refused before anything is opened for writing, the input intact.
cp "$C/gopacket-test_ethernet.pcap" "$T/s.pcap"
sum=$(sha256sum <"$T/s.pcap")
ln -s s.pcap "$T/sym.pcap"
ln "$T/s.pcap" "$T/hard.pcap"
for o in s.pcap sym.pcap hard.pcap; do
	expect "same file -w $o" 2 "$W" read -w "$T/$o" "$T/s.pcap"
	has "same file -w $o: message" "$T/err" "is the input file"
	expect "same file --pcapng -w $o" 2 "$W" read --pcapng -w "$T/$o" "$T/s.pcap"
done
expect "same file -w - onto the input" 2 sh -c '"$0" read -w - "$1" 1<>"$1"' "$W" "$T/s.pcap"
[ "$(sha256sum <"$T/s.pcap")" = "$sum" ] && ok "input intact" || bad "input changed"

# 4. a pcapng file mixing link types written as pcap: refused before anything is written
# (pcap holds one link type), with the way out; what fits is written whole.
M=$C/pcapplusplus-many_interfaces-1.pcapng # packets 3 and 4 are link type 0, the rest 1
expect "mixed link types to pcap" 2 "$W" read -w "$T/m.pcap" "$M"
has "mixed link types to pcap: suggests --pcapng" "$T/err" "--pcapng"
[ ! -e "$T/m.pcap" ] && ok "mixed link types to pcap: nothing written" || bad "m.pcap was created"
expect "mixed link types, -c 2 (one link type) to pcap" 0 "$W" read -c 2 -w "$T/m.pcap" "$M"
[ "$("$W" read "$T/m.pcap" | wc -l)" = 2 ] && ok "-c 2: 2 packets" || bad "-c 2: not 2 packets"
expect "mixed link types to pcapng" 0 "$W" read --pcapng -w "$T/m.pcapng" "$M"
[ "$("$W" read "$T/m.pcapng" | wc -l)" = "$("$W" read "$M" | wc -l)" ] &&
	ok "--pcapng: every packet" || bad "--pcapng: packets missing"

# 23. standard output that cannot be written: said once, exit 1
H=$C/pcapplusplus-three_http_streams.pcap
for o in "" "--stats" "-c 1" "-V"; do
	# shellcheck disable=SC2086
	expect "lines to /dev/full ($o)" 1 sh -c '"$0" read $1 "$2" >/dev/full' "$W" "$o" "$H"
	c=$(grep -c 'standard output: write: No space left on device' "$T/err")
	[ "$c" = 1 ] && ok "/dev/full ($o): said once" || bad "/dev/full ($o): said $c times"
done

# 25. usage mistakes: exit 2, one line naming the mistake and pointing to --help
usage_line() { # NAME ARGS...: exit 2, one line on stderr, prefixed, pointing to --help
	local name=$1
	shift
	expect "$name" 2 "$W" "$@"
	[ "$(wc -l <"$T/err")" = 1 ] && ok "$name: one line" || bad "$name: $(wc -l <"$T/err") lines"
	has "$name: prefixed" "$T/err" "wirekit "
	has "$name: points to --help" "$T/err" "--help"
}
usage_line "unknown long option" read --bogus "$H"
has "unknown long option: names it" "$T/err" "wirekit read: unknown option '--bogus'"
usage_line "unknown short option" read -Q "$H"
usage_line "missing value" read "$H" -c
usage_line "no file" read
usage_line "help bogus" help bogus
usage_line "unknown command" bogus
usage_line "sniff: unknown option" sniff --bogus
usage_line "conflicting outputs --stats --json" read --stats --json "$H"
usage_line "conflicting outputs -V -T fields" read -V -T fields -e ip.src "$H"
# 24. idle options refused
expect "--top without --stats" 2 "$W" read --top 3 "$H"
expect "-x with --json" 2 "$W" read -x --json "$H"
expect "--stats --top 3" 0 "$W" read --stats --top 3 "$H"

# 16. options anywhere, as tcpdump takes them; "--" ends them; the filter named in errors
expect "options after the file and the filter" 0 "$W" read "$H" tcp -c 2 -t none
[ "$(wc -l <"$T/out")" = 2 ] && ok "-c 2 after the filter: 2 lines" || bad "not 2 lines"
has "-t none after the filter" "$T/out" "IP 172.16.133.132"
expect "-- ends the options" 2 "$W" read "$H" -- -c 2
has "-- ends the options: -c 2 is filter text, named" "$T/err" "filter '-c 2'"
expect "bad filter" 2 "$W" read "$H" tcp port
has "bad filter: the expression shown" "$T/err" "wirekit read: filter 'tcp port': "

# 14. tshark's -E occurrence=, aggregator=, header=, quote= (outputs as tshark 3.x prints
# them for these options on this capture: two IPv4 headers, Geneve in between)
G=$C/libpcap-geneve.pcap
fields() { "$W" read -c 1 -T fields -e ip.src -e ip.ttl -e udp.dstport "$@" "$G" 2>&1; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$2', expected '$3'"; fi; }
same "-E occurrence=f" "$(fields -E occurrence=f)" "$(printf '20.0.0.1\t64\t6081')"
same "-E occurrence=l" "$(fields -E occurrence=l)" "$(printf '30.0.0.1\t64\t6081')"
same "-E occurrence=2" "$(fields -E occurrence=2)" "$(printf '30.0.0.1\t64\t')"
same "-E aggregator=/s" "$(fields -E aggregator=/s)" "$(printf '20.0.0.1 30.0.0.1\t64 64\t6081')"
same "-E header=y -E quote=d" "$(fields -E header=y -E quote=d)" \
	"$(printf 'ip.src\tip.ttl\tudp.dstport\n"20.0.0.1,30.0.0.1"\t"64,64"\t"6081"')"
same "-E quote=s -E separator=," "$(fields -E quote=s -E separator=,)" "'20.0.0.1,30.0.0.1','64,64','6081'"
expect "-E occurrence=x refused" 2 "$W" read -T fields -e ip.src -E occurrence=x "$G"

echo "$n checks, $fail failed"
[ "$fail" -eq 0 ]
