#!/usr/bin/env bash
# wirekit sockets against ss: for sockets this test opens (TCP and UDP listeners on IPv4
# and IPv6, an established connection), the lines must agree on state, queues, addresses
# and owning processes.
. "$(dirname "$0")/lib.sh"
need ncat ss python3 timeout

p1=$(free_port)
p2=$(free_port)
p3=$(free_port udp)
p4=$(free_port)
bg timeout 20 "$W" listen -k 127.0.0.1 "$p1" </dev/null >/dev/null
bg timeout 20 ncat -6 -l -k ::1 "$p2" </dev/null >/dev/null
bg timeout 20 ncat -u -l 127.0.0.1 "$p3" </dev/null >/dev/null
bg timeout 20 "$W" listen "$p4" </dev/null >/dev/null # dual stack wildcard
wait_port "$p1" && wait_port "$p2" && wait_port "$p3" u && wait_port "$p4"
# an established pair: ncat client to our -k listener, kept open
bg timeout 20 ncat 127.0.0.1 "$p1" < <(sleep 20) >/dev/null
for i in $(seq 100); do
	ss -Htn state established "dport = :$p1" | grep -q . && break
	sleep 0.02
done
ports="$p1|$p2|$p3|$p4"

# normalise: squeeze blanks, keep lines that mention our ports, sort
# (ss leaves out the Netid column when one protocol is asked for; put it back)
norm() {
	tr -s ' ' | grep -E ":($ports)( |$)" | sed 's/ $//' |
		awk -v id="$1" '$1 == "tcp" || $1 == "udp" { print; next } { print id, $0 }' | sort
}
cmp_ss() { # name, our flags, ss flags, netid
	local name=$1 ours=$2 theirs=$3 id=${4:-}
	# shellcheck disable=SC2086
	timeout 10 "$W" sockets $ours | tail -n +2 | norm "$id" >"$T/ours"
	# shellcheck disable=SC2086
	ss -Hn $theirs | norm "$id" >"$T/ss"
	if [ -s "$T/ss" ] && same_file "$T/ours" "$T/ss"; then
		ok "sockets $ours = ss $theirs ($(wc -l <"$T/ss") lines)"
	else
		bad "sockets $ours = ss $theirs"
		diff "$T/ours" "$T/ss" | head -20
	fi
}
cmp_ss listening "-tul" "-tulp"
cmp_ss "tcp listening v4" "-tl -4" "-tlp -4" tcp
cmp_ss "tcp listening v6" "-tl -6" "-tlp -6" tcp
cmp_ss "udp" "-ul" "-ulp" udp
cmp_ss connected "-t" "-tp" tcp
cmp_ss all "-tua" "-tuap"
"$W" sockets --bogus >/dev/null 2>&1
check "unknown option: exit 2" [ $? = 2 ]
"$W" sockets -h | grep -q 'usage: wirekit sockets'
check "-h: usage" [ $? = 0 ]
# -H and ss's filter expressions, as one argument or many, against ss on the same sockets
cmp_f() { # name, our flags, ss flags, netid, filter...
	local name=$1 ours=$2 theirs=$3 id=$4
	shift 4
	# shellcheck disable=SC2086
	timeout 10 "$W" sockets -H $ours "$@" | norm "$id" >"$T/ours"
	# shellcheck disable=SC2086
	ss -Hn $theirs "$@" | norm "$id" >"$T/ss"
	if [ -s "$T/ss" ] && same_file "$T/ours" "$T/ss"; then
		ok "filter $name: as ss ($(wc -l <"$T/ss") lines)"
	else
		bad "filter $name: as ss"
		diff "$T/ours" "$T/ss" | head -20
	fi
}
cmp_f "sport = :P" "-tl" "-tlp" tcp "sport = :$p1"
cmp_f "sport = :P, words apart" "-tl" "-tlp" tcp sport = ":$p1"
cmp_f "dst and dport" "-t" "-tp" tcp "dst 127.0.0.1 and dport = :$p1"
cmp_f "src and sport" "-t" "-tp" tcp "src 127.0.0.1 and sport = :$p1"
"$W" sockets -H -tl "sport = :$p1" >"$T/h"
check "-H: no header line" sh -c "! grep -q '^Netid' '$T/h' && [ -s '$T/h' ]"
"$W" sockets -tl "sport = :$p1" | head -1 | grep -q '^Netid'
check "without -H: the header" [ $? = 0 ]
"$W" sockets -H -tl "dst 198.18.0.2" >"$T/none"
check "dst 198.18.0.2 on a listener: nothing" [ ! -s "$T/none" ]
for f in "bogus" "sport" "sport = :99999" "dst 300.1.1.1" "sport = :1 or dport = :2"; do
	"$W" sockets "$f" >/dev/null 2>"$T/ferr"
	check "bad filter '$f': exit 2" [ $? = 2 ]
	check "bad filter '$f': says filter" grep -q 'filter' "$T/ferr"
done
finish
