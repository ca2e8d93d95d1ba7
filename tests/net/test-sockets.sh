#!/usr/bin/env bash
# wirekit sockets against ss: for sockets this test opens (TCP and UDP listeners on IPv4
# and IPv6, an established connection, Unix stream and datagram sockets, a TIME-WAIT
# socket), the lines must agree on state, queues, addresses, inodes and owning processes;
# ss's filter expressions, -e, -o, -s and --json are checked against ss on the same sockets.
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
for f in "bogus" "sport" "sport = :99999" "dst 300.1.1.1" "( sport = :1" "sport = :1 or" \
	"dst 10.0.0.0/33" "sport = :1 )" "dst != 10.0.0.1"; do
	"$W" sockets "$f" >/dev/null 2>"$T/ferr"
	check "bad filter '$f': exit 2" [ $? = 2 ]
	check "bad filter '$f': one line that says filter" \
		sh -c "[ \$(wc -l <'$T/ferr') = 1 ] && grep -q 'filter' '$T/ferr'"
done
"$W" sockets "sport = :1 and bogus = 2" 2>"$T/ferr"
check "bad filter: the culprit is named" grep -q "unknown 'bogus'" "$T/ferr"
"$W" sockets "dst 300.1.1.1" 2>"$T/ferr"
check "bad address: the culprit is named" grep -q "'300.1.1.1'" "$T/ferr"

# or, not, parentheses, comparisons and prefixes, as ss evaluates them
cmp_f "or" "-tl" "-tlp" tcp "sport = :$p1 or sport = :$p2"
cmp_f "parentheses, or, and" "-t" "-tp" tcp "( sport = :$p1 or dport = :$p1 ) and dst 127.0.0.1"
cmp_f "not" "-tul" "-tulp" "" "not sport = :$p1"
cmp_f "! and &&" "-tul" "-tulp" "" "! sport = :$p1 && ! sport = :$p3"
cmp_f "dport eq" "-t" "-tp" tcp "dport eq :$p1"
cmp_f "prefix" "-t" "-tp" tcp "dst 127.0.0.0/8"
cmp_f "v6 prefix" "-tl" "-tlp" tcp "src ::1/128"
cmp_f "sport ge / le" "-tl" "-tlp" tcp "sport ge :$p1 and sport le :$p1"
cmp_f "src ADDR:PORT" "-t" "-tp" tcp "src 127.0.0.1:$p1"
cmp_f "src [v6]:PORT" "-tl" "-tlp" tcp "src [::1]:$p2"
cmp_f "sport != " "-tl" "-tlp" tcp "sport != :$p1"

# ss's state filters before the expression (ss drops its State column for one state, so
# the local and peer addresses are compared)
st_cmp() { # name, flags, filter words...
	local name=$1 fl=$2
	shift 2
	# shellcheck disable=SC2086
	timeout 10 "$W" sockets -H $fl "$@" | sed 's/ users:.*//' | awk '{print $(NF-1), $NF}' |
		grep -E ":($ports)( |$)" | sort >"$T/ours"
	# shellcheck disable=SC2086
	ss -Hn $fl "$@" | sed 's/ users:.*//' | awk '{print $(NF-1), $NF}' |
		grep -E ":($ports)( |$)" | sort >"$T/ss"
	if [ -s "$T/ss" ] && same_file "$T/ours" "$T/ss"; then
		ok "state filter $name: as ss ($(wc -l <"$T/ss") lines)"
	else
		bad "state filter $name: as ss"
		diff "$T/ours" "$T/ss" | head -20
	fi
}
st_cmp "established" -t state established
st_cmp "listening and an expression" -t state listening "( sport = :$p1 or sport = :$p2 )"
st_cmp "connected" -t state connected "dport = :$p1"
st_cmp "exclude" -t exclude listening exclude time-wait
st_cmp "two states" -t state listening state established
"$W" sockets -t state bogus 2>"$T/ferr"
check "bad state: exit 2" [ $? = 2 ]
check "bad state: one line naming it" sh -c "[ \$(wc -l <'$T/ferr') = 1 ] && grep -q \"'bogus'\" '$T/ferr'"

# -e: the same inode as ss -e, and the uid
ino_ss=$(ss -Htlne "sport = :$p1" | grep -o 'ino:[0-9]*')
ino_wk=$("$W" sockets -Htle "sport = :$p1" | grep -o 'ino:[0-9]*')
check "-e: inode as ss -e ($ino_ss)" [ -n "$ino_ss" ] && [ "$ino_ss" = "$ino_wk" ]
"$W" sockets -Htle "sport = :$p1" | grep -q 'sk:[0-9a-f]'
check "-e: socket cookie shown" [ $? = 0 ]

# --json: one object per socket, the same inode and port
"$W" sockets --json -tl "sport = :$p1" >"$T/json"
check "--json: valid, the listener with ss's inode" python3 - "$T/json" "$p1" "${ino_ss#ino:}" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
ok = len(objs) == 1 and objs[0]["local_port"] == int(sys.argv[2]) \
    and objs[0]["state"] == "LISTEN" and str(objs[0]["inode"]) == sys.argv[3] \
    and objs[0]["users"] and objs[0]["users"][0]["comm"] == "wirekit"
sys.exit(0 if ok else 1)
PY

# -o: a TIME-WAIT socket's timer, named as ss names it
tw=$(python3 - <<'PY'
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
port = c.getsockname()[1]
c.close(); a.recv(1); a.close()
print(port)
PY
)
ss -Htano "sport = :$tw" | grep -o 'timer:([a-z]*' >"$T/ss.timer"
"$W" sockets -Htao "sport = :$tw" | grep -o 'timer:([a-z]*' >"$T/wk.timer"
check "-o: TIME-WAIT timer named as ss ($(cat "$T/ss.timer"))" \
	sh -c "[ -s '$T/ss.timer' ] && cmp -s '$T/ss.timer' '$T/wk.timer'"
"$W" sockets -Htao "sport = :$tw" | grep -q 'TIME-WAIT'
check "-a shows the TIME-WAIT socket" [ $? = 0 ]

# -x: Unix sockets, against ss -x on the same sockets (names, inodes, peers, processes)
U=$T/sockets.sock
bg timeout 20 "$W" listen -k -U "$U" </dev/null >/dev/null
bg timeout 20 socat -u "UNIX-RECV:$T/dgram.sock" - >/dev/null
for i in $(seq 250); do [ -S "$U" ] && [ -S "$T/dgram.sock" ] && break; sleep 0.02; done
bg timeout 20 ncat -U "$U" < <(sleep 20) >/dev/null
for i in $(seq 100); do
	[ "$(ss -Hx | grep -cF "$U")" -ge 1 ] && break
	sleep 0.02
done
unorm() { tr -s ' ' | sed 's/ $//' | awk -v id="$1" '$1 ~ /^u_/ { print; next } { print id, $0 }' | sort; }
xcmp() { # name, our flags, ss flags, netid, filter
	local name=$1 ours=$2 theirs=$3 id=$4 f=$5
	# shellcheck disable=SC2086
	timeout 10 "$W" sockets -H $ours "$f" | unorm "$id" >"$T/ours"
	# shellcheck disable=SC2086
	ss -Hn $theirs "$f" | unorm "$id" >"$T/ss"
	if [ -s "$T/ss" ] && same_file "$T/ours" "$T/ss"; then
		ok "-x $name: as ss ($(wc -l <"$T/ss") lines)"
	else
		bad "-x $name: as ss"
		diff "$T/ours" "$T/ss" | head -20
	fi
}
xcmp "listening stream and datagram" "-xl" "-xlp" "" "src $T/*"
xcmp "connected" "-x" "-xp" "" "src $U"
xcmp "all" "-xa" "-xap" "" "src $T/*"
# the client end: unbound ('*'), its peer inode is the accepted socket's inode
acc=$(ss -Hx "src $U" | awk '{print $6}')
peer=$("$W" sockets -Hx | awk -v a="$acc" '$8 == a {print $5}')
check "-x: an unbound client shows '*' with the accepted socket as its peer" [ "$peer" = "*" ]
"$W" sockets -Hxe "src $U" | grep -q '<->'
check "-x -e: shutdown marks as ss" [ $? = 0 ]

# -s: counts agree with the list, and with ss on the same sockets
"$W" sockets -s -t "sport = :$p1 or dport = :$p1" >"$T/sum"
n_ss=$(ss -Htn state established "( sport = :$p1 or dport = :$p1 )" | wc -l)
check "-s: TCP estab count as ss ($n_ss)" grep -q "estab $n_ss," "$T/sum"
# ss -s counts every state, not only the connected sockets a list shows without -a
n_l=$(ss -Htln "sport = :$p1" | wc -l)
check "-s: counts listeners without -a ($n_l, as ss)" sh -c "[ $n_l -ge 1 ] && grep -q 'listen $n_l)' '$T/sum'"
n_x=$(ss -Hxa "src $T/*" | wc -l)
"$W" sockets -s -xa "src $T/*" >"$T/sumx"
check "-s -x: Unix count as ss ($n_x)" grep -qE "^UNIX +$n_x " "$T/sumx"
"$W" sockets -s --json >/dev/null 2>&1
check "-s with --json: usage error" [ $? = 2 ]
finish
