# The connect scanner's lab, shared by tests/net/test-scan-connect.sh and bench/scan-connect.sh
# (sourced; the caller removes the namespaces and ends the listener, by name and PID).

# scanlab_up S TN: scanner namespace S (198.18.0.1) and target namespace TN (198.18.0.2,
# and 198.19.0.0/24 through a local route on its lo) on a veth pair, no default route,
# the target's ICMP rate limits off (every reject must come back)
scanlab_up() {
	local s=$1 tn=$2
	ip netns add "$s" || return 1
	ip netns add "$tn" || return 1
	ip link add "${s}a" netns "$s" type veth peer name "${tn}b" netns "$tn" &&
		ip -n "$s" addr add 198.18.0.1/24 dev "${s}a" &&
		ip -n "$tn" addr add 198.18.0.2/24 dev "${tn}b" &&
		ip -n "$s" link set lo up && ip -n "$tn" link set lo up &&
		ip -n "$s" link set "${s}a" up && ip -n "$tn" link set "${tn}b" up &&
		ip -n "$tn" route add local 198.19.0.0/24 dev lo &&
		ip -n "$s" route add 198.19.0.0/24 via 198.18.0.2 &&
		ip netns exec "$tn" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000 \
			net.core.somaxconn=4096
}

# scanlab_listener FILE: writes a python listener to FILE; run it as
# `python3 FILE PORT...` in the target: it listens on every address, accepts and closes at
# once (an unaccepted queue would fill and drop SYNs), and creates FILE.ready when set
scanlab_listener() {
	cat >"$1" <<'PY'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for p in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(p)))
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
open(sys.argv[0] + ".ready", "w").close()
while True:
    for k, _ in sel.select():
        try:
            c, _ = k.fileobj.accept()
            c.close()
        except OSError:
            pass
PY
}

# scanlab_norm_nmap GNMAP LO HI: "HOST PORT STATE" for every port LO..HI of every host in
# a grepable (-oG) file: the ports it lists, and the rest in its "Ignored State"
scanlab_norm_nmap() {
	python3 - "$@" <<'PY'
import re, sys
lo, hi = int(sys.argv[2]), int(sys.argv[3])
for line in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: ([^\t]*)(?:\tIgnored State: (\S+))?", line)
    if not m:
        continue
    listed = {}
    for e in filter(None, m.group(2).split(", ")):
        f = e.split("/")
        listed[int(f[0])] = f[1]
    for p in range(lo, hi + 1):
        print(m.group(1), p, listed.get(p, m.group(3)))
PY
}
