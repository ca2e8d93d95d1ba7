# The Ethernet segment lab of test-scan-link.sh and test-scan-perhost.sh (sourced after
# lib.sh; not a test itself): a bridge namespace joins the scanner (198.18.0.1,
# 2001:db8::100, TCP 22 listening) and two hosts (198.18.0.2 with a locally administered
# MAC, routing 198.19.0.0/24 and 2001:db8:1::/112 for the scanner, TCP 22 and UDP 53
# listening; 198.18.0.3 with a Cisco OUI) by veth; no default route anywhere. Helpers
# read hosts and ports from our XML and nmap's and compare them.
S=wkls$$  # scanner
B=wklb$$  # bridge
H1=wkla$$ # 198.18.0.2
H2=wklc$$ # 198.18.0.3
link_lab_up() {
	local n i=1
	for n in "$S" "$B" "$H1" "$H2"; do
		ip netns add "$n" || { echo "SKIP: cannot create network namespaces"; exit 77; }
		NETNS+=("$n")
		ip -n "$n" link set lo up
	done
	ip -n "$B" link add br0 type bridge
	ip -n "$B" link set br0 up
	for n in "$S" "$H1" "$H2"; do
		ip link add "lv$i$$" netns "$n" type veth peer name "lp$i$$" netns "$B"
		ip -n "$B" link set "lp$i$$" master br0
		ip -n "$B" link set "lp$i$$" up
		i=$((i + 1))
	done
	ip -n "$H1" link set "lv2$$" address 02:00:00:00:00:02
	ip -n "$H2" link set "lv3$$" address 00:00:0c:12:34:56
	for n in "$S" "$H1" "$H2"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.icmp.ratelimit=0
	done
	ip -n "$S" addr add 2001:db8::100/64 dev "lv1$$" nodad
	ip -n "$H1" addr add 2001:db8::2/64 dev "lv2$$" nodad
	ip -n "$H2" addr add 2001:db8::3/64 dev "lv3$$" nodad
	ip -n "$S" addr add 198.18.0.1/24 dev "lv1$$"
	ip -n "$H1" addr add 198.18.0.2/24 dev "lv2$$"
	ip -n "$H2" addr add 198.18.0.3/24 dev "lv3$$"
	for n in "$S" "$H1" "$H2"; do
		ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0
	done
	ip -n "$S" link set "lv1$$" up
	ip -n "$H1" link set "lv2$$" up
	ip -n "$H2" link set "lv3$$" up
	ip -n "$H1" -6 route add local 2001:db8:1::/112 dev lo
	ip -n "$S" -6 route add 2001:db8:1::/112 via 2001:db8::2
	ip -n "$H1" route add local 198.19.0.0/24 dev lo
	ip -n "$S" route add 198.19.0.0/24 via 198.18.0.2
	# a listener on H1 TCP 22 for the port scan after ARP discovery
	bg timeout 300 ip netns exec "$H1" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 22)); s.listen(64)
s6 = socket.socket(socket.AF_INET6); s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", 22)); s6.listen(64)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("2001:db8::2", 53))
while True:
    d, a = u6.recvfrom(2048)
    u6.sendto(b"x", a)'
	wait_port 22 t "$H1" || return 1
	# the scanner's own TCP 22 (v4 and v6) for the scans of its own address
	bg timeout 300 ip netns exec "$S" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 22)); s.listen(64)
time.sleep(300)'
	wait_port 22 t "$S" || return 1
}
inS() { timeout "${TMO:-60}" ip netns exec "$S" "$@"; }

ok() { echo "ok: $1"; }
bad() {
	echo "FAIL: $1"
	FAILS=$((FAILS + 1))
}
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# host facts from an XML file (ours or nmap's): "addr state reason mac vendor" lines
hosts_of() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    st = h.find("status")
    ip = mac = vendor = "-"
    for a in h.findall("address"):
        if a.get("addrtype") in ("ipv4", "ipv6"):
            ip = a.get("addr")
        elif a.get("addrtype") == "mac":
            mac, vendor = a.get("addr"), a.get("vendor", "-")
    if st.get("state") == "up":
        print(ip, st.get("state"), st.get("reason"), mac, vendor.replace(" ", "_"))
PY
}
ports_of() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    ip = [a.get("addr") for a in h.findall("address") if a.get("addrtype") in ("ipv4", "ipv6")][0]
    for p in h.iter("port"):
        s = p.find("state")
        print(ip, p.get("portid"), s.get("state"), s.get("reason"))
PY
}
agree() { # agree NAME OURS NMAPS (files of sorted lines)
	if diff "$3" "$2" >"$T/agree.diff"; then ok "$1"; else
		bad "$1"
		sed 's/^/    /' "$T/agree.diff"
	fi
}
both() { # both TAG ARGS...: our scan and nmap's on the same targets, hosts and ports files
	local tag=$1 six=
	shift
	case "$*" in *::*) six=-6 ;; esac
	inS "$W" scan "$@" --reason -oX "$T/$tag.xml" >/dev/null 2>"$T/$tag.err"
	echo $? >"$T/$tag.rc"
	inS nmap $six -n "$@" --reason -oX "$T/n$tag.xml" >/dev/null 2>&1
	hosts_of "$T/$tag.xml" | sort >"$T/$tag.h"
	hosts_of "$T/n$tag.xml" | sort >"$T/n$tag.h"
	ports_of "$T/$tag.xml" | sort >"$T/$tag.p"
	ports_of "$T/n$tag.xml" | sort >"$T/n$tag.p"
}
