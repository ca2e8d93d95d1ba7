#!/usr/bin/env bash
# wirekit connect/listen against ncat and socat on loopback: both directions, TCP and UDP,
# IPv4 and IPv6; error messages and exit codes; -z; --send/--recv banner grabs.
. "$(dirname "$0")/lib.sh"
need ncat socat python3 ss timeout

printf 'server line 1\nserver line 2\n' >"$T/srv"
head -c 200000 /dev/urandom | base64 >"$T/cli" # 270 KB, several reads

for fam in 4 6; do
	if [ $fam = 4 ]; then A=127.0.0.1; else A=::1; fi
	# --- TCP: ncat listens, wirekit connects
	p=$(free_port)
	bg timeout 10 ncat -$fam -l "$A" "$p" <"$T/srv" >"$T/ncat.got"
	np=$BGPID
	wait_port "$p"
	timeout 10 "$W" connect "$A" "$p" <"$T/cli" >"$T/wk.got"
	rc=$?
	wait_pid "$np" 5
	check "tcp$fam: connect -> ncat: exit 0" [ $rc = 0 ]
	check "tcp$fam: ncat got our stream" same_file "$T/cli" "$T/ncat.got"
	check "tcp$fam: we got ncat's lines" same_file "$T/srv" "$T/wk.got"

	# --- TCP: wirekit listens, ncat connects
	p=$(free_port)
	bg timeout 10 "$W" listen -$fam "$A" "$p" <"$T/srv" >"$T/wk.got"
	wp=$BGPID
	wait_port "$p"
	timeout 10 ncat -$fam "$A" "$p" <"$T/cli" >"$T/ncat.got"
	wait "$wp"
	rc=$?
	check "tcp$fam: ncat -> listen: exit 0" [ $rc = 0 ]
	check "tcp$fam: listener got ncat's stream" same_file "$T/cli" "$T/wk.got"
	check "tcp$fam: ncat got listener's lines" same_file "$T/srv" "$T/ncat.got"

	# --- TCP: socat both ways
	p=$(free_port)
	bg timeout 10 socat -t 2 "TCP$fam-LISTEN:$p,reuseaddr" - <"$T/srv" >"$T/socat.got"
	sp=$BGPID
	wait_port "$p"
	timeout 10 "$W" connect "$A" "$p" <"$T/cli" >"$T/wk.got"
	rc=$?
	wait_pid "$sp" 5
	check "tcp$fam: connect -> socat: exit 0" [ $rc = 0 ]
	check "tcp$fam: socat got our stream" same_file "$T/cli" "$T/socat.got"
	check "tcp$fam: we got socat's lines" same_file "$T/srv" "$T/wk.got"
	p=$(free_port)
	bg timeout 10 "$W" listen "$p" <"$T/srv" >"$T/wk.got" # wildcard, dual stack
	wp=$BGPID
	wait_port "$p"
	if [ $fam = 4 ]; then sa=127.0.0.1; else sa='[::1]'; fi
	timeout 10 socat -t 2 - "TCP$fam:$sa:$p" <"$T/cli" >"$T/socat.got"
	wait "$wp"
	rc=$?
	check "tcp$fam: socat -> listen on the wildcard: exit 0" [ $rc = 0 ]
	check "tcp$fam: listener got socat's stream" same_file "$T/cli" "$T/wk.got"
	check "tcp$fam: socat got listener's lines" same_file "$T/srv" "$T/socat.got"

	# --- UDP: ncat listens (it answers the first peer), wirekit sends one datagram
	p=$(free_port udp)
	bg timeout 10 ncat -$fam -u -l "$A" "$p" <"$T/srv" >"$T/ncat.got"
	np=$BGPID
	wait_port "$p" u
	printf 'ping\n' | timeout 10 "$W" connect -u -w 1 "$A" "$p" >"$T/wk.got"
	rc=$?
	check "udp$fam: connect -u -> ncat: exit 0" [ $rc = 0 ]
	check "udp$fam: ncat got our datagram" contains "$T/ncat.got" '^ping$'
	check "udp$fam: we got ncat's reply" contains "$T/wk.got" 'server line 1'
	kill "$np" 2>/dev/null

	# --- UDP: wirekit listens, socat sends and waits for the answer
	p=$(free_port udp)
	bg timeout 10 "$W" listen -u -w 3 "$A" "$p" <"$T/srv" >"$T/wk.got"
	wp=$BGPID
	wait_port "$p" u
	if [ $fam = 4 ]; then sa=127.0.0.1; else sa='[::1]'; fi
	printf 'hello udp\n' | timeout 10 socat -T 1 - "UDP$fam:$sa:$p" >"$T/socat.got"
	check "udp$fam: listener got socat's datagram" contains "$T/wk.got" '^hello udp$'
	check "udp$fam: socat got the answer to the last peer" contains "$T/socat.got" 'server line 2'
	kill "$wp" 2>/dev/null
	# wirekit to wirekit over UDP
	p=$(free_port udp)
	bg timeout 10 "$W" listen -u -w 2 "$A" "$p" </dev/null >"$T/wk.got"
	wp=$BGPID
	wait_port "$p" u
	printf 'a\n' | timeout 5 "$W" connect -u -w 0.3 "$A" "$p"
	wait "$wp"
	check "udp$fam: wirekit to wirekit, listener ends after -w idle with 0" [ $? = 0 ]
	check "udp$fam: wirekit to wirekit datagram" contains "$T/wk.got" '^a$'
done

# --- errors: one line naming the target and the reason, exit 1; usage errors exit 2
p=$(free_port)
timeout 5 "$W" connect 127.0.0.1 "$p" </dev/null 2>"$T/err"
rc=$?
check "refused: exit 1" [ $rc = 1 ]
check "refused: says so, names the target" grep -q "127.0.0.1:$p: connection refused" "$T/err"
check "refused: one line" [ "$(wc -l <"$T/err")" = 1 ]
timeout 5 "$W" connect 127.0.0.1 99999 </dev/null 2>"$T/err"
rc=$?
check "bad port: exit 1 and a reason" [ $rc = 1 ]
check "bad port: named" grep -q "127.0.0.1:99999: bad port '99999'" "$T/err"
timeout 5 "$W" connect 127.0.0.1 </dev/null 2>"$T/err"
check "missing PORT: usage, exit 2" [ $? = 2 ]
timeout 5 "$W" connect --bogus 127.0.0.1 1 </dev/null 2>"$T/err"
check "unknown option: exit 2" [ $? = 2 ]
timeout 5 "$W" connect -k 127.0.0.1 1 </dev/null 2>"$T/err"
check "listen-only option on connect: exit 2" [ $? = 2 ]
timeout 5 "$W" connect --help >"$T/help"
check "--help: exit 0" [ $? = 0 ]
check "--help: prints the usage" grep -q 'usage: wirekit connect' "$T/help"
timeout 5 "$W" listen -h >"$T/help"
check "listen -h: usage" grep -q 'usage: wirekit listen' "$T/help"
# a name that resolves nowhere; in a fresh network namespace so no DNS query leaves
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	timeout 10 unshare -n "$W" connect no-such-host.invalid 80 </dev/null 2>"$T/err"
	rc=$?
	check "unknown host: exit 1" [ $rc = 1 ]
	check "unknown host: names the host" grep -q 'no-such-host.invalid:80: .*no-such-host.invalid' "$T/err"
else
	echo "skip unknown host (needs root for a network namespace without DNS)"
fi
# timeout: a listener whose accept queue is full drops our SYN
p=$(free_port)
python3 - "$p" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(0)
fill = []
for i in range(4):  # fill the queue; later SYNs are dropped
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(8)
PY
pyp=$!
PIDS+=("$pyp")
wait_port "$p"
sleep 0.3
t0=$(date +%s%N)
timeout 10 "$W" connect -w 0.5 127.0.0.1 "$p" </dev/null 2>"$T/err"
rc=$?
t1=$(date +%s%N)
check "timeout: exit 1" [ $rc = 1 ]
check "timeout: says timed out" grep -q "127.0.0.1:$p: connection timed out" "$T/err"
check "timeout: honours -w (under 3 s)" [ $(((t1 - t0) / 1000000)) -lt 3000 ]
kill "$pyp" 2>/dev/null

# --- -z
p=$(free_port)
bg timeout 10 ncat -l -k 127.0.0.1 "$p" </dev/null >/dev/null
zp=$BGPID
wait_port "$p"
timeout 5 "$W" connect -z 127.0.0.1 "$p"
check "-z open port: 0" [ $? = 0 ]
kill "$zp"
wait "$zp" 2>/dev/null
timeout 5 "$W" connect -z 127.0.0.1 "$p" 2>/dev/null
check "-z closed port: 1" [ $? = 1 ]
p=$(free_port udp)
timeout 5 "$W" connect -z -u -w 0.5 127.0.0.1 "$p" 2>/dev/null
check "-z -u closed port (ICMP unreachable): 1" [ $? = 1 ]

# --- banner grab: --recv-until, --send + --recv against an echo server
p=$(free_port)
bg timeout 10 ncat -l 127.0.0.1 "$p" < <(printf 'SSH-2.0-wktest\r\nafter the banner\n'; sleep 3)
wait_port "$p"
timeout 5 "$W" connect --recv-until '\r\n' 127.0.0.1 "$p" >"$T/banner"
rc=$?
printf 'SSH-2.0-wktest\r\n' >"$T/banner.want"
check "--recv-until: exit 0" [ $rc = 0 ]
check "--recv-until: exactly through the delimiter" same_file "$T/banner" "$T/banner.want"
p=$(free_port)
bg timeout 10 socat "TCP-LISTEN:$p,reuseaddr,bind=127.0.0.1" EXEC:cat
wait_port "$p"
timeout 5 "$W" connect --send 'GET / HTTP/1.0\r\n\r\n' --recv 5 127.0.0.1 "$p" >"$T/reply"
rc=$?
check "--send/--recv N: exit 0" [ $rc = 0 ]
check "--send/--recv N: first N bytes" [ "$(cat "$T/reply")" = "GET /" ]
p=$(free_port)
bg timeout 10 ncat --send-only -l 127.0.0.1 "$p" < <(printf 'short')
wait_port "$p"
timeout 5 "$W" connect --recv 100 127.0.0.1 "$p" >"$T/reply" 2>"$T/err"
rc=$?
check "--recv N, peer closes early: exit 1" [ $rc = 1 ]
check "--recv N, peer closes early: what came is printed" [ "$(cat "$T/reply")" = short ]
finish
