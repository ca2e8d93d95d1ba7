#!/usr/bin/env bash
# TLS: wirekit connect --tls against openssl s_server, wirekit listen --tls against
# openssl s_client, and wirekit to wirekit; verified, wrong host, expired, untrusted,
# pinned, insecure, ALPN; -v certificate details.
. "$(dirname "$0")/lib.sh"
need openssl python3 ss timeout

# --- a CA, a server certificate for localhost, one for another name, an expired one
cd "$T" || exit 1
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*"; exit 1; }; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-out ca.pem -days 30 -subj "/CN=wirekit test CA"
mkdir -p db
: >db/index
echo 1000 >db/serial
cat >ca.cnf <<CNF
[ca]
default_ca = c
[c]
dir = $T/db
database = \$dir/index
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $T/ca.pem
private_key = $T/ca.key
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
[cext]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
CNF
mkcert() { # name CN SAN [startdate enddate]
	q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.csr" -subj "/CN=$2" -addext "subjectAltName=$3"
	local dates=(-days 30)
	[ -n "${4:-}" ] && dates=(-startdate "$4" -enddate "$5")
	q openssl ca -batch -config ca.cnf -extensions ext -in "$1.csr" -out "$1.pem" "${dates[@]}"
}
mkcert good localhost "DNS:localhost,IP:127.0.0.1"
mkcert other wrong.example "DNS:wrong.example"
mkcert old localhost "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20200201000000Z
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
	-out self.pem -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost"

# s_server PORT CERT [args]: one client, echoes lines back reversed (-rev)
s_server() {
	local p=$1 c=$2
	shift 2
	bg timeout 10 openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$p" -cert "$c.pem" \
		-key "$c.key" -rev "$@" </dev/null >/dev/null 2>&1
	wait_port "$p"
}

# --- verified against --ca, with SNI and -v details
p=$(free_port)
s_server "$p" good -alpn h2,http/1.1
printf 'hello tls\n' | timeout 10 "$W" connect -v --tls --ca ca.pem --alpn h2 localhost "$p" \
	>out 2>err
rc=$?
check "verified: exit 0" [ $rc = 0 ]
check "verified: the reversed line came back" grep -q '^slt olleh' out
check "-v: TLS version and cipher" grep -q 'TLSv1.3 TLS_' err
check "-v: ALPN" grep -q 'ALPN h2' err
check "-v: subject" grep -q 'subject: CN=localhost' err
check "-v: issuer" grep -q 'issuer: CN=wirekit test CA' err
check "-v: SANs" grep -q 'SANs: DNS:localhost, IP:127.0.0.1' err
check "-v: validity" grep -q 'valid: 20[0-9-]* [0-9:]* UTC to ' err
check "-v: key" grep -q 'key: EC prime256v1' err
fp=$(openssl x509 -in good.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr 'A-F' 'a-f')
check "-v: fingerprint matches openssl's" grep -q "sha256: $fp" err
check "-v: verified" grep -q 'verified: yes' err

# --- the failures, each with its reason and exit 1
fails() { # name cert host expect [connect options]
	local name=$1 cert=$2 host=$3 want=$4
	shift 4
	p=$(free_port)
	s_server "$p" "$cert"
	timeout 10 "$W" connect --tls "$@" "$host" "$p" </dev/null >out 2>err
	local rc=$?
	check "$name: exit 1" [ $rc = 1 ]
	check "$name: says '$want'" grep -q "$want" err
	check "$name: names the target" grep -q "$host:$p" err
	check "$name: nothing printed" [ ! -s out ]
}
fails "wrong host" other localhost "wrong host: certificate is not for 'localhost'" --ca ca.pem
fails "expired" old localhost "certificate has expired" --ca ca.pem
fails "untrusted" self localhost "unknown CA" --ca ca.pem
fails "not in the system store" good localhost "unknown CA"
fails "pin mismatch" good localhost "pin mismatch" --pin-sha256 "$(printf '%064d' 0)"

# --- IP literal: no SNI, checked against the IP SAN
p=$(free_port)
s_server "$p" good
printf 'ip\n' | timeout 10 "$W" connect --tls --ca ca.pem 127.0.0.1 "$p" >out 2>err
check "IP literal checked against IP SANs" grep -q '^pi' out

# --- the standard public-key pin (curl --pinnedpubkey, HPKP): SHA-256 of the DER
# SubjectPublicKeyInfo, as hex (colons allowed) or as sha256//base64; a list with ';'
spki_hex=$(openssl x509 -in self.pem -pubkey -noout | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n')
spki_b64=$(openssl x509 -in self.pem -pubkey -noout | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -binary | openssl base64 -A)
check "setup: SPKI pin computed" [ ${#spki_hex} = 64 ] && [ ${#spki_b64} = 44 ]
pin_ok() { # name pin
	p=$(free_port)
	s_server "$p" self
	printf 'pin\n' | timeout 10 "$W" connect --tls --pin-sha256 "$2" localhost "$p" >out 2>err
	local rc=$?
	check "$1: exit 0" [ $rc = 0 ]
	check "$1: data came back" grep -q '^nip' out
}
pin_ok "SPKI pin, hex" "$spki_hex"
pin_ok "SPKI pin, hex with colons" "$(echo "$spki_hex" | sed 's/../&:/g; s/:$//')"
pin_ok "SPKI pin, sha256//base64" "sha256//$spki_b64"
pin_ok "pin list, second matches" "sha256//$(printf '%043d=' 0);sha256//$spki_b64"
# -v shows the key pin in the form curl takes
p=$(free_port)
s_server "$p" self
timeout 10 "$W" connect -v --tls --insecure localhost "$p" </dev/null >out 2>err
check "-v: public key pin as sha256//base64" grep -q "pin-sha256: sha256//$spki_b64" err
check "-v: public key sha256 is the SPKI hash" grep -q "public key sha256: $spki_hex" err
# mismatch names the key pin and the certificate fingerprint
p=$(free_port)
s_server "$p" self
timeout 10 "$W" connect --tls --pin-sha256 "sha256//$(printf '%043d=' 0)" localhost "$p" \
	</dev/null >out 2>err
check "pin mismatch: exit 1" [ $? = 1 ]
check "pin mismatch: names the key pin" grep -q "pin mismatch.*sha256//$spki_b64" err
sfp_lc=$(openssl x509 -in self.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : |
	tr 'A-F' 'a-f')
check "pin mismatch: names the certificate fingerprint" grep -q "certificate sha256 $sfp_lc" err
# bad pin syntax: usage error before any connection is tried (port with no listener)
p=$(free_port)
for bad in 0011 "sha256//notbase64!" "sha256//$(printf '%040d' 0)" "sha1//$spki_b64" ""; do
	timeout 10 "$W" connect --tls --pin-sha256 "$bad" 127.0.0.1 "$p" </dev/null >out 2>err
	rc=$?
	check "bad pin '$bad': exit 2" [ $rc = 2 ]
	check "bad pin '$bad': says pin" grep -q 'pin' err
	check "bad pin '$bad': no connection tried" sh -c '! grep -q refused err'
done

# --- pinned and insecure accept what the CA check refuses
p=$(free_port)
s_server "$p" self
sfp=$(openssl x509 -in self.pem -noout -fingerprint -sha256 | cut -d= -f2)
printf 'pinned\n' | timeout 10 "$W" connect --tls --pin-sha256 "$sfp" localhost "$p" >out 2>err
check "pinned self-signed: works" grep -q '^dennip' out
p=$(free_port)
s_server "$p" self
printf 'insecure\n' | timeout 10 "$W" connect --tls --insecure localhost "$p" >out 2>err
check "--insecure: works" grep -q '^erucesni' out

# --- handshake failure: an ALPN the server refuses
p=$(free_port)
s_server "$p" good -alpn h2
timeout 10 "$W" connect --tls --ca ca.pem --alpn foo localhost "$p" </dev/null >out 2>err
check "handshake failure: exit 1" [ $? = 1 ]
check "handshake failure: says so" grep -q 'handshake failure' err
# plain TCP server: TLS handshake fails with a reason, not a hang
p=$(free_port)
bg timeout 10 python3 -c '
import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1)
c,_=s.accept(); c.recv(4096); c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n"); c.close()' "$p"
wait_port "$p"
timeout 10 "$W" connect --tls -w 3 --insecure 127.0.0.1 "$p" </dev/null >out 2>err
check "not TLS at all: exit 1" [ $? = 1 ]
check "not TLS at all: handshake failure" grep -q 'handshake failure' err

# --- our TLS server with openssl s_client, both directions
p=$(free_port)
# The server's input stays open 4 s: at its end the server sends close_notify, and
# s_client quits on it, so a slow handshake (a loaded machine) lost the client's line.
bg timeout 10 "$W" listen --tls --cert good.pem --key good.key 127.0.0.1 "$p" \
	< <(printf 'from server\n'; sleep 4) >srv.out 2>srv.err
wp=$BGPID
wait_port "$p"
(printf 'from client\n'; sleep 1) | timeout 10 openssl s_client -quiet -verify_return_error \
	-CAfile ca.pem -servername localhost -connect "127.0.0.1:$p" >cli.out 2>cli.err
wait_pid "$wp" 5
check "s_client -> listen --tls: server got the line" grep -q '^from client$' srv.out
check "s_client -> listen --tls: client got the line" grep -q '^from server$' cli.out
check "s_client verified our certificate" grep -q 'verify return:1' cli.err

# --- self-signed in memory: fingerprint printed, pinned client accepts, s_client refuses
p=$(free_port)
bg timeout 10 "$W" listen --tls 127.0.0.1 "$p" </dev/null >srv.out 2>srv.err
wp=$BGPID
wait_port "$p"
fp=$(sed -n 's/.*self-signed certificate sha256 \([0-9a-f]*\).*/\1/p' srv.err)
check "self-signed: fingerprint printed" [ ${#fp} = 64 ]
printf 'pinned to memory\n' | timeout 10 "$W" connect --tls --pin-sha256 "$fp" 127.0.0.1 "$p" >out 2>err
rc=$?
wait_pid "$wp" 5
check "self-signed + pin: exit 0" [ $rc = 0 ]
check "self-signed + pin: data arrived" grep -q '^pinned to memory$' srv.out
p=$(free_port)
bg timeout 10 "$W" listen --tls 127.0.0.1 "$p" </dev/null >srv.out 2>srv.err
wp=$BGPID
wait_port "$p"
timeout 10 openssl s_client -verify_return_error -connect "127.0.0.1:$p" </dev/null >cli.out 2>cli.err
check "self-signed: s_client without trust refuses" [ $? != 0 ]
kill "$wp" 2>/dev/null

# --- wirekit to wirekit: 8 MiB both ways over TLS, sha256 on both ends, half-close
head -c 8M /dev/urandom >big
p=$(free_port)
bg timeout 20 "$W" listen --tls --cert good.pem --key good.key 127.0.0.1 "$p" <big >srv.out 2>srv.err
wp=$BGPID
wait_port "$p"
timeout 20 "$W" connect --tls --ca ca.pem localhost "$p" <big >cli.out 2>cli.err
rc=$?
wait "$wp"
check "tls 8 MiB: client exit 0" [ $rc = 0 ]
check "tls 8 MiB: server got it intact" same_file big srv.out
check "tls 8 MiB: client got it intact" same_file big cli.out
# -z --tls: handshake and verification
p=$(free_port)
s_server "$p" good
timeout 10 "$W" connect -z --tls --ca ca.pem localhost "$p"
check "-z --tls verified: 0" [ $? = 0 ]
p=$(free_port)
s_server "$p" old
timeout 10 "$W" connect -z --tls --ca ca.pem localhost "$p" 2>err
check "-z --tls expired: 1" [ $? = 1 ]
# --- client certificates: connect --cert/--key against s_server -Verify, listen
# --verify-client against s_client -cert and against ourselves; refusals with reasons
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key \
	-out client.csr -subj "/CN=wirekit client"
q openssl ca -batch -config ca.cnf -extensions cext -in client.csr -out client.pem -days 30
p=$(free_port)
s_server "$p" good -Verify 1 -CAfile ca.pem -verify_return_error
printf 'with cert\n' | timeout 10 "$W" connect --tls --ca ca.pem --cert client.pem \
	--key client.key localhost "$p" >out 2>err
check "--cert to s_server -Verify: exit 0" [ $? = 0 ]
check "--cert to s_server -Verify: the line came back" grep -q '^trec htiw' out
p=$(free_port)
s_server "$p" good -Verify 1 -CAfile ca.pem -verify_return_error
printf 'no cert\n' | timeout 10 "$W" connect --tls --ca ca.pem localhost "$p" >out 2>err
check "no --cert to s_server -Verify: exit 1" [ $? = 1 ]
check "no --cert to s_server -Verify: nothing came back" [ ! -s out ]
timeout 5 "$W" connect --tls --cert client.pem 127.0.0.1 9 </dev/null 2>err
check "--cert without --key: exit 2" [ $? = 2 ]
timeout 5 "$W" connect --tls --cert nonexistent.pem --key client.key 127.0.0.1 "$p" </dev/null 2>err
check "--cert missing file: exit 1" [ $? = 1 ]
check "--cert missing file: names it" grep -q 'nonexistent.pem' err
check "--cert missing file: says why" grep -q 'No such file or directory' err
timeout 5 "$W" listen --tls --cert good.pem --key nokey.pem 127.0.0.1 "$p" </dev/null 2>err
check "listen --key missing file: says why" grep -q 'key nokey.pem: No such file or directory' err
timeout 5 "$W" listen --tls --verify-client noca.pem 127.0.0.1 "$p" </dev/null 2>err
check "listen --verify-client missing file: says why" grep -q 'noca.pem: No such file or directory' err
timeout 5 "$W" connect --verify-client ca.pem 127.0.0.1 9 </dev/null 2>err
check "connect --verify-client: exit 2" [ $? = 2 ]
# listen --verify-client with openssl s_client presenting a certificate
p=$(free_port)
bg timeout 10 "$W" listen -v --tls --cert good.pem --key good.key --verify-client ca.pem \
	127.0.0.1 "$p" < <(printf 'to client\n') >srv.out 2>srv.err
wp=$BGPID
wait_port "$p"
(printf 'client with cert\n'; sleep 1) | timeout 10 openssl s_client -quiet -CAfile ca.pem \
	-cert client.pem -key client.key -connect "127.0.0.1:$p" >cli.out 2>cli.err
wait_pid "$wp" 5
check "s_client -cert -> listen --verify-client: data arrived" grep -q '^client with cert$' srv.out
check "s_client -cert -> listen --verify-client: client got the line" grep -q '^to client$' cli.out
check "listen -v --verify-client: the client's subject" grep -q 'subject: CN=wirekit client' srv.err
check "listen -v --verify-client: verified yes" grep -q 'verified: yes' srv.err
# wirekit to wirekit, with and without a certificate, and one from an unknown CA
vc() { # name expect-rc connect-options...
	local name=$1 want=$2
	shift 2
	p=$(free_port)
	bg timeout 10 "$W" listen -v --tls --cert good.pem --key good.key --verify-client ca.pem \
		127.0.0.1 "$p" </dev/null >srv.out 2>srv.err
	wp=$BGPID
	wait_port "$p"
	printf 'hi\n' | timeout 10 "$W" connect --tls --ca ca.pem "$@" localhost "$p" >out 2>err
	local rc=$?
	wait_pid "$wp" 5
	check "$name: connect exit $want" [ $rc = "$want" ]
}
vc "--verify-client, client with cert" 0 --cert client.pem --key client.key
check "--verify-client, client with cert: data arrived" grep -q '^hi$' srv.out
vc "--verify-client, client without cert" 1
check "--verify-client, no cert: the listener says so" grep -q 'did not return a certificate\|no client certificate\|certificate required' srv.err
check "--verify-client, no cert: no data" [ ! -s srv.out ]
vc "--verify-client, client cert from another CA" 1 --cert self.pem --key self.key
check "--verify-client, unknown CA: the listener says why" grep -q 'bad client certificate: unknown CA' srv.err
check "--verify-client, unknown CA: no data" [ ! -s srv.out ]

# --- connect -v --tls shows the certificate's facts also when verification fails
p=$(free_port)
s_server "$p" old
timeout 10 "$W" connect -v --tls --ca ca.pem localhost "$p" </dev/null >out 2>err
check "-v, failed verification: exit 1" [ $? = 1 ]
check "-v, failed verification: the reason" grep -q 'certificate has expired' err
check "-v, failed verification: subject" grep -q 'subject: CN=localhost' err
check "-v, failed verification: validity" grep -q 'valid: 2020-01-01' err
check "-v, failed verification: fingerprint" grep -q 'sha256: ' err
check "-v, failed verification: verified: the reason" grep -q 'verified: .*expired' err

# --- close_notify (RFC 8446 section 6.1) on every way a TLS connection ends: -z, the end
# of stdin, --recv, --recv-until, an idle timeout. The server says how the client ended:
# close_notify, eof (FIN without it) or reset
cat >tlsend.py <<'PY'
import socket, ssl, sys
port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.settimeout(10)
how = "?"
try:
    t = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
    t.sendall(b"hello\n")
    while t.recv(4096):
        pass
    how = "close_notify"
except ssl.SSLEOFError:
    how = "eof"
except ConnectionResetError:
    how = "reset"
except Exception as e:
    how = "error " + type(e).__name__
open(out, "w").write(how + "\n")
PY
ends() { # name stdin-command connect-options...
	local name=$1 feed=$2
	shift 2
	p=$(free_port)
	bg timeout 15 python3 tlsend.py "$p" good.pem good.key how
	local sp=$BGPID
	wait_port "$p"
	rm -f how
	sh -c "$feed" | timeout 10 "$W" connect --tls --ca ca.pem "$@" localhost "$p" >/dev/null 2>&1
	wait_pid "$sp" 5
	check "$name: the server saw close_notify" [ "$(cat how 2>/dev/null)" = close_notify ]
}
ends "-z --tls" ":" -z
ends "end of stdin" "printf 'x\\n'"
ends "--recv 3" "sleep 3" --recv 3
ends "--recv-until" "sleep 3" --recv-until hel
ends "-w 1 idle timeout" "sleep 3" -w 1
# and openssl s_server's own words: DONE for close_notify, ERROR without
p=$(free_port)
bg sh -c "sleep 4 | timeout 10 openssl s_server -naccept 1 -accept 127.0.0.1:$p -cert good.pem \
	-key good.key >sv.out 2>&1"
sp=$BGPID
wait_port "$p"
timeout 10 "$W" connect -z --tls --ca ca.pem localhost "$p"
check "-z --tls against s_server: exit 0" [ $? = 0 ]
wait_pid "$sp" 6
check "-z --tls against s_server: DONE, not ERROR" sh -c 'grep -q "^DONE" sv.out && ! grep -q "^ERROR" sv.out'
finish
