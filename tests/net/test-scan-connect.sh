#!/usr/bin/env bash
# The connect scanner (-sT) in a lab: a scanner namespace and a target namespace on a veth
# pair (198.18.0.1 - 198.18.0.2, no default route), the target also answering for
# 198.19.0.0/24 (a local route on lo). Listeners on some ports, nftables drops on others
# (filtered no-response) and rejects with admin-prohibited on others; whole hosts dropped,
# host-prohibited and net-prohibited; an unrouted address (net-unreach). Every state and
# reason must match the lab's configuration exactly: 15 hosts x 1,000 ports, then one host
# x 65,535 ports; no TIME_WAIT left behind; nmap -sT agrees on the states of a slice; and
# `wirekit scan -sT` (when the CLI has it) gives the same open ports.
. "$(dirname "$0")/lib.sh"
netns_or_skip
need ip nft python3 ss timeout
HELPER=${SCAN_HELPER:-${BUILD:?BUILD not set}/tests/scan_connect_helper}
[ -x "$HELPER" ] || { echo "SKIP: $HELPER not built"; exit 77; }

S=wkcs$$ TN=wkct$$
OPEN="1 22 80 443 1000 3306 8080 40000 65535"
DROP="25 111 3000 3001 3002 3003 3004 60001"
REJECT="135 139 445 5000 5001 5002 65534"

lab_up() {
	ip netns add "$S" && NETNS+=("$S")
	ip netns add "$TN" && NETNS+=("$TN")
	ip link add "${S}a" netns "$S" type veth peer name "${TN}b" netns "$TN"
	ip -n "$S" addr add 198.18.0.1/24 dev "${S}a"
	ip -n "$TN" addr add 198.18.0.2/24 dev "${TN}b"
	ip -n "$S" link set lo up
	ip -n "$TN" link set lo up
	ip -n "$S" link set "${S}a" up
	ip -n "$TN" link set "${TN}b" up
	ip -n "$TN" route add local 198.19.0.0/24 dev lo
	ip -n "$S" route add 198.19.0.0/24 via 198.18.0.2
	ip netns exec "$TN" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 \
		net.ipv4.icmp_msgs_burst=1000000 net.core.somaxconn=4096
	ip netns exec "$TN" nft -f - <<-EOF
		table ip wkc {
			chain input {
				type filter hook input priority 0; policy accept;
				ip daddr 198.19.0.9 drop
				ip daddr 198.19.0.10 reject with icmp type host-prohibited
				ip daddr 198.19.0.11 reject with icmp type net-prohibited
				tcp dport { $(echo $DROP | tr ' ' ,) } drop
				tcp dport { $(echo $REJECT | tr ' ' ,) } reject with icmp type admin-prohibited
			}
		}
	EOF
}
lab_up || { echo "FAIL lab setup"; exit 1; }

# listeners on every OPEN port of every address of the target: accept and close at once
cat >"$T/listen.py" <<'PY'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for p in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(p)))
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for k, _ in sel.select():
        try:
            c, _ = k.fileobj.accept()
            c.close()
        except OSError:
            pass
PY
bg timeout 600 ip netns exec "$TN" python3 "$T/listen.py" $OPEN
for p in $OPEN; do wait_port "$p" t "$TN" || { echo "FAIL listener $p"; exit 1; }; done

# truth HOST... PORTSPEC: the lab's answer for every (host, port), sorted
truth() {
	python3 - "$OPEN" "$DROP" "$REJECT" "$@" <<'PY'
import sys
opn, drop, rej = (set(map(int, a.split())) for a in sys.argv[1:4])
spec, hosts = sys.argv[-1], sys.argv[4:-1]
lo, hi = map(int, spec.split("-"))
out = []
for h in hosts:
    for p in range(lo, hi + 1):
        if h == "198.18.5.5":
            v = "filtered net-unreach"
        elif h == "198.19.0.9":
            v = "filtered no-response"
        elif h == "198.19.0.10":
            v = "filtered host-prohibited"
        elif h == "198.19.0.11":
            v = "filtered net-prohibited"
        elif p in drop:
            v = "filtered no-response"
        elif p in rej:
            v = "filtered admin-prohibited"
        elif p in opn:
            v = "open syn-ack"
        else:
            v = "closed conn-refused"
        out.append(f"{h} {p} {v}")
print("\n".join(sorted(out)))
PY
}

# scan NAME PORTSPEC HOST...: the helper in the scanner namespace, compared with the truth
scan() {
	local name=$1 spec=$2
	shift 2
	truth "$@" "$spec" >"$T/$name.want"
	timeout 120 ip netns exec "$S" "$HELPER" "$spec" "$@" >"$T/$name.raw" 2>"$T/$name.err"
	local rc=$?
	sort "$T/$name.raw" >"$T/$name.got"
	echo "     $name: $(cat "$T/$name.err")"
	check "$name: helper exit 0" [ $rc = 0 ]
	check "$name: $(wc -l <"$T/$name.want") results, exact states and reasons" \
		same_file "$T/$name.want" "$T/$name.got"
	if ! same_file "$T/$name.want" "$T/$name.got"; then
		diff "$T/$name.want" "$T/$name.got" | head -20
	fi
}

hosts=(198.18.0.2 198.18.5.5)
for i in $(seq 1 13); do hosts+=("198.19.0.$i"); done
scan hosts15x1000 1-1000 "${hosts[@]}"
scan all-ports 1-65535 198.19.0.1
tw=$(ip netns exec "$S" ss -Htan state time-wait | wc -l)
check "no TIME_WAIT left in the scanner's namespace ($tw)" [ "$tw" = 0 ]

# nmap -sT on a slice: the same states (nmap says host-unreach where we read the ICMP code)
if command -v nmap >/dev/null; then
	nh="198.19.0.1 198.19.0.9 198.19.0.10"
	timeout 120 ip netns exec "$S" nmap -n -Pn -sT -T4 --max-retries 2 -p 1-300 -oG "$T/nmap.gnmap" \
		$nh >/dev/null 2>&1
	# every port of the range: the ones nmap lists, the rest in its "Ignored State"
	python3 - "$T/nmap.gnmap" 300 <<'PY' | sort >"$T/nmap.got"
import re, sys
hi = int(sys.argv[2])
for line in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: ([^\t]*)(?:\tIgnored State: (\S+))?", line)
    if not m:
        continue
    listed = {}
    for e in filter(None, m.group(2).split(", ")):
        f = e.split("/")
        listed[int(f[0])] = f[1]
    for p in range(1, hi + 1):
        print(m.group(1), p, listed.get(p, m.group(3)))
PY
	for h in $nh; do grep "^$h " "$T/hosts15x1000.got"; done | awk '$2 <= 300 {print $1, $2, $3}' |
		sort >"$T/ours.states"
	n=$(wc -l <"$T/nmap.got")
	check "nmap -sT agrees on the states of 3 hosts x 300 ports ($n)" [ "$n" = 900 ] &&
		check "  (same states)" same_file "$T/nmap.got" "$T/ours.states"
	same_file "$T/nmap.got" "$T/ours.states" || diff "$T/nmap.got" "$T/ours.states" | head
fi

# through the CLI, when it has -sT
if "$W" scan --help 2>&1 | grep -q -- '-sT'; then
	timeout 120 ip netns exec "$S" "$W" scan -sT -n -Pn --reason -p 1-1000 198.19.0.1 \
		>"$T/cli.out" 2>"$T/cli.err"
	rc=$?
	check "wirekit scan -sT: exit 0" [ $rc = 0 ]
	grep -E '^[0-9]+/tcp +open' "$T/cli.out" | cut -d/ -f1 | sort -n >"$T/cli.open"
	grep '^198.19.0.1 ' "$T/hosts15x1000.want" | awk '$3 == "open" {print $2}' | sort -n \
		>"$T/cli.want"
	check "wirekit scan -sT: the open ports of 198.19.0.1" same_file "$T/cli.want" "$T/cli.open"
else
	echo "     (wirekit scan -sT not in this build: the CLI part is skipped)"
fi
finish
