#!/usr/bin/env bash
# wirekit connect/listen -U against ncat -U and socat UNIX-*/ABSTRACT-* on the same sockets:
# stream and datagram, both directions, abstract names (checked with ss -x), -k, --frame,
# a stale socket file, a live one and a plain file in the way; --sctp where the kernel has
# SCTP, one clear line where it does not. AF_UNIX needs no namespace: files live in $T.
. "$(dirname "$0")/lib.sh"
need ncat socat python3 ss timeout

printf 'server line 1\nserver line 2\n' >"$T/srv"
head -c 100000 /dev/urandom | base64 >"$T/cli"

# wait_sock NAME: until a listening Unix socket of that name shows in ss (5 s at most)
wait_sock() {
	local i
	for i in $(seq 250); do
		ss -Hxl 2>/dev/null | awk '{print $5}' | grep -qxF -- "$1" && return 0
		sleep 0.02
	done
	echo "nothing listens on $1" >&2
	return 1
}

# --- stream: ncat listens, wirekit connects
S=$T/ncat.sock
bg timeout 10 ncat -lU "$S" <"$T/srv" >"$T/ncat.got"
np=$BGPID
wait_sock "$S"
timeout 10 "$W" connect -U "$S" <"$T/cli" >"$T/wk.got"
rc=$?
wait_pid "$np" 5
check "stream: connect -U -> ncat -lU: exit 0" [ $rc = 0 ]
check "stream: ncat got our stream" same_file "$T/cli" "$T/ncat.got"
check "stream: we got ncat's lines" same_file "$T/srv" "$T/wk.got"

# --- stream: wirekit listens, ncat connects; the socket file is gone afterwards
S=$T/wk.sock
bg timeout 10 "$W" listen -U "$S" <"$T/srv" >"$T/wk.got"
wp=$BGPID
wait_sock "$S"
check "stream: the listener's file is a socket" [ -S "$S" ]
timeout 10 ncat -U "$S" <"$T/cli" >"$T/ncat.got"
wait "$wp"
rc=$?
check "stream: ncat -U -> listen -U: exit 0" [ $rc = 0 ]
check "stream: listener got ncat's stream" same_file "$T/cli" "$T/wk.got"
check "stream: ncat got listener's lines" same_file "$T/srv" "$T/ncat.got"
check "stream: listener removed its socket file" [ ! -e "$S" ]

# --- stream with socat both ways
S=$T/socat.sock
bg timeout 10 socat -t 2 "UNIX-LISTEN:$S" - <"$T/srv" >"$T/socat.got"
sp=$BGPID
wait_sock "$S"
timeout 10 "$W" connect -U "$S" <"$T/cli" >"$T/wk.got"
rc=$?
wait_pid "$sp" 5
check "stream: connect -U -> socat UNIX-LISTEN: exit 0" [ $rc = 0 ]
check "stream: socat got our stream" same_file "$T/cli" "$T/socat.got"
check "stream: we got socat's lines" same_file "$T/srv" "$T/wk.got"
S=$T/wk2.sock
bg timeout 10 "$W" listen -U "$S" <"$T/srv" >"$T/wk.got"
wp=$BGPID
wait_sock "$S"
timeout 10 socat -t 2 - "UNIX-CONNECT:$S" <"$T/cli" >"$T/socat.got"
wait "$wp"
rc=$?
check "stream: socat UNIX-CONNECT -> listen -U: exit 0" [ $rc = 0 ]
check "stream: listener got socat's stream" same_file "$T/cli" "$T/wk.got"
check "stream: socat got listener's lines" same_file "$T/srv" "$T/socat.got"

# --- abstract names: @NAME as ss and socat write it
N=wk-unix-test-$$
bg timeout 10 "$W" listen -U "@$N" <"$T/srv" >"$T/wk.got"
wp=$BGPID
wait_sock "@$N"
check "abstract: ss -x shows the listener as @$N" \
	sh -c "ss -Hxlp | grep -F '@$N ' | grep -q wirekit"
check "abstract: no file was made" [ ! -e "@$N" ]
timeout 10 socat -t 2 - "ABSTRACT-CONNECT:$N" <"$T/cli" >"$T/socat.got"
wait "$wp"
check "abstract: listener got socat's stream" same_file "$T/cli" "$T/wk.got"
check "abstract: socat got listener's lines" same_file "$T/srv" "$T/socat.got"
bg timeout 10 socat -t 2 "ABSTRACT-LISTEN:$N" - <"$T/srv" >"$T/socat.got"
sp=$BGPID
wait_sock "@$N"
timeout 10 "$W" connect -U "@$N" <"$T/cli" >"$T/wk.got"
rc=$?
wait_pid "$sp" 5
check "abstract: connect -U @name -> socat ABSTRACT-LISTEN: exit 0" [ $rc = 0 ]
check "abstract: socat got our stream" same_file "$T/cli" "$T/socat.got"
check "abstract: we got socat's lines" same_file "$T/srv" "$T/wk.got"

# --- datagrams: socat receives what we send (one datagram per read of stdin)
S=$T/recv.dg
bg timeout 10 socat -u "UNIX-RECV:$S" - >"$T/socat.got"
sp=$BGPID
for i in $(seq 250); do [ -S "$S" ] && break; sleep 0.02; done
printf 'datagram one\n' | timeout 5 "$W" connect -u -w 0.3 -U "$S"
rc=$?
check "dgram: connect -u -U -> socat UNIX-RECV: exit 0" [ $rc = 0 ]
wait_file "$T/socat.got" 13
check "dgram: socat got our datagram" [ "$(cat "$T/socat.got")" = "datagram one" ]
kill "$sp" 2>/dev/null
# wirekit listens; socat sends from a bound name, and the listener's answer reaches it
S=$T/wk.dg
mkfifo "$T/ans"
bg sh -c "timeout 10 '$W' listen -u -w 3 -U '$S' <'$T/ans' >'$T/wk.got'"
wp=$BGPID
exec 7>"$T/ans"
for i in $(seq 250); do [ -S "$S" ] && break; sleep 0.02; done
bg timeout 5 socat -t 2 "UNIX-SENDTO:$S,bind=$T/client.dg" - <<<'from socat' >"$T/socat.got"
cp_=$BGPID
for i in $(seq 250); do grep -q 'from socat' "$T/wk.got" 2>/dev/null && break; sleep 0.02; done
check "dgram: listen -u -U got socat's datagram" [ "$(cat "$T/wk.got")" = "from socat" ]
echo 'answer' >&7
exec 7>&-
wait_pid "$cp_" 5
check "dgram: the answer went back to socat's bound name" [ "$(cat "$T/socat.got")" = answer ]
wait_pid "$wp" 5
check "dgram: the datagram listener removed its file" [ ! -e "$S" ]
# wirekit to wirekit: the client's kernel-chosen abstract name gets the answer
S=$T/wk3.dg
bg timeout 10 "$W" listen -u -w 2 -U "$S" --send 'pong\n' >"$T/wk.got" 2>/dev/null
wp=$BGPID
for i in $(seq 250); do [ -S "$S" ] && break; sleep 0.02; done
out=$(printf 'ping\n' | timeout 5 "$W" connect -u -w 1 -U "$S")
wait_pid "$wp" 5
check "dgram: wirekit listener got the ping" [ "$(cat "$T/wk.got")" = ping ]
check "dgram: the client (autobound) got the pong" [ "$out" = pong ]

# --- -k: several clients at once, whole lines each
S=$T/keep.sock
bg timeout 10 "$W" listen -k -U "$S" --recv-only >"$T/wk.got" </dev/null
wp=$BGPID
wait_sock "$S"
for i in 1 2 3; do
	printf 'client %s line\n' "$i" | timeout 5 ncat -U --send-only "$S"
done
for i in $(seq 250); do [ "$(wc -l <"$T/wk.got")" -ge 3 ] && break; sleep 0.02; done
kill "$wp"
wait "$wp" 2>/dev/null
check "-k: three ncat clients' lines arrived" \
	[ "$(sort "$T/wk.got" | tr '\n' ,)" = "client 1 line,client 2 line,client 3 line," ]
check "-k: the socket file is removed after SIGTERM" [ ! -e "$S" ]

# --- --frame: 4-byte big-endian length + payload on the socket, as socat sees the bytes
S=$T/frame.sock
bg timeout 10 socat -u "UNIX-LISTEN:$S" - >"$T/socat.got"
sp=$BGPID
wait_sock "$S"
printf 'hello\nab\n' | timeout 5 "$W" connect --frame -U "$S"
wait_pid "$sp" 5
check "--frame: socat got two length-prefixed frames" \
	[ "$(od -An -tx1 "$T/socat.got" | tr -d ' \n')" = 0000000568656c6c6f000000026162 ]
S=$T/frame2.sock
bg timeout 10 "$W" listen --frame -U "$S" --recv-only >"$T/wk.got" </dev/null
wp=$BGPID
wait_sock "$S"
printf 'hello\nab\n' | timeout 5 "$W" connect --frame -U "$S" --send-only
wait_pid "$wp" 5
check "--frame: listen -U prints the frames one per line" [ "$(cat "$T/wk.got")" = "$(printf 'hello\nab')" ]

# --- the socket file in the way
S=$T/stale.sock
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$S"
check "stale: a dead listener left a socket file" [ -S "$S" ]
bg timeout 10 "$W" listen -v -U "$S" <"$T/srv" >"$T/wk.got" 2>"$T/err"
wp=$BGPID
wait_sock "$S"
timeout 10 ncat -U "$S" </dev/null >"$T/ncat.got"
wait "$wp"
rc=$?
check "stale: listen -U replaced the stale socket and served: exit 0" [ $rc = 0 ]
check "stale: the client got the data" same_file "$T/srv" "$T/ncat.got"
S=$T/plain.file
echo keep me >"$S"
timeout 5 "$W" listen -U "$S" </dev/null >/dev/null 2>"$T/err"
rc=$?
check "not a socket: exit 1" [ $rc = 1 ]
check "not a socket: one line naming it" \
	[ "$(cat "$T/err")" = "wirekit listen: $S exists and is not a socket (not removed)" ]
check "not a socket: the file is intact" [ "$(cat "$S")" = "keep me" ]
S=$T/live.sock
bg timeout 10 ncat -lU "$S" </dev/null >"$T/ncat.got"
np=$BGPID
wait_sock "$S"
timeout 5 "$W" listen -U "$S" </dev/null >/dev/null 2>"$T/err"
rc=$?
check "live: exit 1" [ $rc = 1 ]
check "live: says it is in use" contains "$T/err" "in use"
echo 'still there' | timeout 5 "$W" connect -U "$S"
wait_pid "$np" 5
check "live: ncat's socket was left alone and still serves" [ "$(cat "$T/ncat.got")" = "still there" ]
S=$T/dglive.dg
bg timeout 10 socat -u "UNIX-RECV:$S" - >/dev/null
sp=$BGPID
for i in $(seq 250); do [ -S "$S" ] && break; sleep 0.02; done
timeout 5 "$W" listen -U "$S" </dev/null >/dev/null 2>"$T/err"
rc=$?
check "live datagram socket: a stream listen -U refuses it (exit 1)" [ $rc = 1 ]
check "live datagram socket: left in place" [ -S "$S" ]
kill "$sp" 2>/dev/null

# --- errors
timeout 5 "$W" connect -U "$T/none.sock" </dev/null 2>"$T/err"
rc=$?
check "no such socket: exit 1" [ $rc = 1 ]
check "no such socket: one line" [ "$(cat "$T/err")" = "wirekit connect: $T/none.sock: no such socket" ]
S=$T/ref.sock
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$S"
timeout 5 "$W" connect -U "$S" </dev/null 2>"$T/err"
check "stale socket: connect says nothing listens" contains "$T/err" "connection refused (nothing listening)"
timeout 5 "$W" connect -U "$T/$(printf 'x%.0s' $(seq 120))" </dev/null 2>"$T/err"
rc=$?
check "path too long: exit 1 with the reason" sh -c "[ $rc = 1 ] && grep -q 'too long' '$T/err'"
timeout 5 "$W" connect -U -4 "$S" </dev/null 2>"$T/err"
check "-U with -4: usage error, exit 2" [ $? = 2 ]
timeout 5 "$W" listen -U "$S" 80 </dev/null 2>"$T/err"
check "listen -U PATH PORT: usage error, exit 2" [ $? = 2 ]
timeout 5 "$W" connect -U --tls "$S" </dev/null 2>"$T/err"
check "-U with --tls: usage error, exit 2" [ $? = 2 ]

# --- SCTP: what this kernel has
if python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)' 2>/dev/null; then
	p=$(free_port)
	if ncat --help 2>&1 | grep -q -- --sctp; then
		bg timeout 10 ncat --sctp -l 127.0.0.1 "$p" <"$T/srv" >"$T/ncat.got"
		np=$BGPID
		sleep 0.5
		timeout 10 "$W" connect --sctp 127.0.0.1 "$p" <"$T/cli" >"$T/wk.got"
		rc=$?
		wait_pid "$np" 5
		check "sctp: connect --sctp -> ncat --sctp: exit 0" [ $rc = 0 ]
		check "sctp: ncat got our stream" same_file "$T/cli" "$T/ncat.got"
		check "sctp: we got ncat's lines" same_file "$T/srv" "$T/wk.got"
	else
		echo "skip sctp oracle: ncat has no --sctp"
	fi
else
	echo "note: this kernel has no SCTP (socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails): checking the message"
	timeout 5 "$W" connect --sctp 127.0.0.1 9 </dev/null 2>"$T/err"
	rc=$?
	check "no sctp: connect --sctp exits 1" [ $rc = 1 ]
	check "no sctp: connect says so in one line" \
		[ "$(cat "$T/err")" = "wirekit connect: SCTP is not available in this kernel (socket: Protocol not supported)" ]
	timeout 5 "$W" listen --sctp 127.0.0.1 9 </dev/null 2>"$T/err"
	rc=$?
	check "no sctp: listen --sctp exits 1" [ $rc = 1 ]
	check "no sctp: listen says so in one line" \
		sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'SCTP is not available in this kernel' '$T/err'"
fi
timeout 5 "$W" connect --sctp -u 127.0.0.1 9 </dev/null 2>/dev/null
check "--sctp with -u: usage error, exit 2" [ $? = 2 ]
finish
