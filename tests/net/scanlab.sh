# The scan lab (sourced by tests/net/test-scan.sh and tests/oracle/test-scan-nmap.sh after
# lib.sh): lab_up makes namespace $S (scanner, 198.18.0.1) and $G (target, 198.18.0.2,
# answering for 198.19.0.0/24 through a local route on lo), listeners on TCP 22 80 443
# 8080 and UDP 53 9999 (answering from the address asked), and the nftables rules whose
# truth tests/net/scanlab.py writes out. Namespaces and listeners are removed by lib.sh's
# trap. Defines inS (a bounded command in $S).
lab_up() {
	ip netns add "$S" || { echo "SKIP: cannot create network namespaces"; exit 77; }
	NETNS+=("$S")
	ip netns add "$G"
	NETNS+=("$G")
	ip link add "es$$" netns "$S" type veth peer name "et$$" netns "$G"
	ip -n "$S" addr add 198.18.0.1/24 dev "es$$"
	ip -n "$G" addr add 198.18.0.2/24 dev "et$$"
	for n in "$S" "$G"; do
		ip -n "$n" link set lo up
		ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 \
			net.ipv4.icmp_msgs_burst=1000000
	done
	ip -n "$S" link set "es$$" up
	ip -n "$G" link set "et$$" up
	ip -n "$G" route add local 198.19.0.0/24 dev lo
	ip -n "$S" route add 198.19.0.0/16 via 198.18.0.2
	inS() { timeout "${TMO:-60}" ip netns exec "$S" "$@"; }

	ip netns exec "$G" nft -f - <<-NFT
		table inet wkeng {
			chain in {
				type filter hook input priority 0; policy accept;
				ip saddr 198.18.0.1 ip daddr 198.19.0.20-198.19.0.23 drop
				ip saddr 198.18.0.1 ip daddr 198.19.0.24 reject with icmp type admin-prohibited
				tcp dport 25 drop
				tcp dport 110 reject with icmp type admin-prohibited
				tcp dport 111 reject with icmp type host-prohibited
				udp dport 500 drop
				udp dport 501 reject with icmp type admin-prohibited
			}
		}
	NFT
	bg timeout 600 ip netns exec "$G" python3 "$(dirname "${BASH_SOURCE[0]}")/scanlab_listen.py"
	local p
	for p in 22 80 443 8080; do wait_port "$p" t "$G" || return 1; done
	wait_port 53 u "$G" || return 1
}
