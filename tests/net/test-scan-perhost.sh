#!/usr/bin/env bash
# wirekit scan decides ARP (ND) per host, as nmap, on the lab of test-scan-link.sh
# (link-lab.sh); nmap -n (-6) is the oracle on the same targets for hosts, states,
# reasons, MACs and vendors, ports, states and reasons.
# Per host, as nmap (H1 routes 198.19.0.0/24 and 2001:db8:1::/112 for the scanner): IP
# probes to on-link hosts (--send-ip, --disable-arp-ping, -Pn) still report their MAC from
# the replies' Ethernet source, a routed host never gets the gateway's; a target set mixing
# on-link and routed hosts gets ARP (ND) for the first, IP probes for the others, port
# probes to each; the scanner's own address (listening on TCP 22) is up with
# localhost-response, unprobed, and its ports are scanned through lo.
. "$(dirname "$0")/lib.sh"
need ip python3 timeout nmap
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
. "$(dirname "$0")/link-lab.sh"
link_lab_up || exit 1

# 1. MAC of on-link hosts without ARP: the Ethernet source of their replies, as nmap prints
# it; a routed host (its frames come from the gateway) gets none
for o in --send-ip --disable-arp-ping; do
	both mi -sn -PE "$o" 198.18.0.2-4 198.19.0.1
	check "$o: MACs of the on-link hosts, none for the routed one" sh -c \
		"grep -qx '198.18.0.2 up echo-reply 02:00:00:00:00:02 -' '$T/mi.h' &&
		 grep -qx '198.18.0.3 up echo-reply 00:00:0C:12:34:56 Cisco_Systems' '$T/mi.h' &&
		 grep -qx '198.19.0.1 up echo-reply - -' '$T/mi.h'"
	agree "$o: hosts, reasons and MACs agree with nmap" "$T/mi.h" "$T/nmi.h"
done
both pn -Pn --disable-arp-ping -sS -p 22,80 198.18.0.2-3 198.19.0.1
check "-Pn --disable-arp-ping: user-set with the MAC from the port answers" sh -c \
	"grep -qx '198.18.0.2 up user-set 02:00:00:00:00:02 -' '$T/pn.h' &&
	 grep -qx '198.19.0.1 up user-set - -' '$T/pn.h'"
agree "-Pn --disable-arp-ping: hosts and MACs agree with nmap" "$T/pn.h" "$T/npn.h"
agree "-Pn --disable-arp-ping: ports agree with nmap" "$T/pn.p" "$T/npn.p"
inS "$W" scan -Pn --disable-arp-ping -sS -p 22 198.18.0.2 -oJ "$T/pn.json" >/dev/null 2>&1
check "JSON -Pn: the port answer carries the MAC" python3 -c '
import json, sys
r = [o for o in map(json.loads, open(sys.argv[1])) if o.get("port") == 22]
assert r and r[0]["mac"] == "02:00:00:00:00:02", r' "$T/pn.json"
both mi6 -sn -PE --send-ip 2001:db8::2 2001:db8::3 2001:db8:1::1
check "IPv6 --send-ip: MACs of the on-link hosts, none for the routed one" sh -c \
	"grep -qx '2001:db8::3 up echo-reply 00:00:0C:12:34:56 Cisco_Systems' '$T/mi6.h' &&
	 grep -qx '2001:db8:1::1 up echo-reply - -' '$T/mi6.h'"
agree "IPv6 --send-ip: hosts, reasons and MACs agree with nmap -6" "$T/mi6.h" "$T/nmi6.h"
both pn6 -Pn --disable-arp-ping -sS -p 22,80 2001:db8::2 2001:db8:1::1
agree "IPv6 -Pn --disable-arp-ping: hosts and MACs agree with nmap -6" "$T/pn6.h" "$T/npn6.h"
agree "IPv6 -Pn --disable-arp-ping: ports agree with nmap -6" "$T/pn6.p" "$T/npn6.p"

# 2. on-link and routed targets in one scan: ARP for the first, IP probes for the others
both mx -sn 198.18.0.2-7 198.19.0.1-2
check "mixed -sn: arp-response on the segment, echo-reply behind the gateway" sh -c \
	"[ \$(grep -c ' up arp-response ' '$T/mx.h') = 2 ] && [ \$(grep -c ' up echo-reply - -\$' '$T/mx.h') = 2 ]"
agree "mixed -sn agrees with nmap" "$T/mx.h" "$T/nmx.h"
both mxr -sn -PR 198.18.0.2-3 198.19.0.1
check "mixed -sn -PR: exit 0" [ "$(cat "$T/mxr.rc")" = 0 ]
agree "mixed -sn -PR agrees with nmap (default IP probes for the routed one)" "$T/mxr.h" "$T/nmxr.h"
both mxs -sS -p 22,80 198.18.0.2-4 198.19.0.1
check "mixed -sS: every host up has its two ports" sh -c "[ \$(wc -l <'$T/mxs.p') = 6 ]"
agree "mixed -sS: hosts agree with nmap" "$T/mxs.h" "$T/nmxs.h"
agree "mixed -sS: ports agree with nmap" "$T/mxs.p" "$T/nmxs.p"
both mxs6 -sS -p 22,80 2001:db8::2 2001:db8::3 2001:db8:1::1
agree "IPv6 mixed -sS: hosts agree with nmap -6" "$T/mxs6.h" "$T/nmxs6.h"
agree "IPv6 mixed -sS: ports agree with nmap -6" "$T/mxs6.p" "$T/nmxs6.p"

# 3. our own address: up with localhost-response, its ports scanned through lo
both own -sn 198.18.0.0/29
check "-sn over our subnet: 198.18.0.1 up by localhost-response" \
	grep -qx '198.18.0.1 up localhost-response - -' "$T/own.h"
agree "-sn over our subnet agrees with nmap" "$T/own.h" "$T/nown.h"
both ownp -sS -p 22,80 198.18.0.1-3
check "-sS of our address: 22 open syn-ack, 80 closed reset" sh -c \
	"grep -qx '198.18.0.1 22 open syn-ack' '$T/ownp.p' && grep -qx '198.18.0.1 80 closed reset' '$T/ownp.p'"
agree "-sS with our address: hosts agree with nmap" "$T/ownp.h" "$T/nownp.h"
agree "-sS with our address: ports agree with nmap" "$T/ownp.p" "$T/nownp.p"
both ownu -Pn -sS -p 22,80 198.18.0.1
agree "-Pn -sS of our address: hosts agree with nmap (user-set)" "$T/ownu.h" "$T/nownu.h"
agree "-Pn -sS of our address: ports agree with nmap" "$T/ownu.p" "$T/nownu.p"
both own6 -sS -p 22,80 2001:db8::100 2001:db8::2
check "IPv6 -sS of our address: localhost-response, 22 open" sh -c \
	"grep -qx '2001:db8::100 up localhost-response - -' '$T/own6.h' && grep -qx '2001:db8::100 22 open syn-ack' '$T/own6.p'"
agree "IPv6 -sS with our address: hosts agree with nmap -6" "$T/own6.h" "$T/nown6.h"
agree "IPv6 -sS with our address: ports agree with nmap -6" "$T/own6.p" "$T/nown6.p"

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
