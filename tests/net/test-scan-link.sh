#!/usr/bin/env bash
# wirekit scan on one Ethernet segment: a bridge namespace joins the scanner (198.18.0.1)
# and two hosts (198.18.0.2 with a locally administered MAC, 198.18.0.3 with a Cisco OUI)
# by veth; no default route anywhere. nmap -n is the oracle on the same targets: -sn -PR
# and the default discovery (ARP alone on the local segment) agree on the hosts up, the
# reason (arp-response), the MAC and its vendor (nmap-mac-prefixes read at run time), in
# text, JSON Lines and XML; --send-ip and --disable-arp-ping use IP probes instead; a
# port scan after ARP discovery reaches the hosts; a damaged nmap-mac-prefixes is one
# warning and vendors print as Unknown; -PR alone to targets off the segment sends nmap's
# default IP probes there, as nmap does.
# IPv6 on the same segment (2001:db8::/64, documentation prefix): -sn finds the hosts by
# neighbour solicitation (nd-response), -sS and -sU after it, and -sS / ICMPv6 echo
# discovery through a router to a /112 (2001:db8:1::/112, raw IPv6 socket) agree with
# nmap -6 -n on every host's state and reason and every port's state and reason.
. "$(dirname "$0")/lib.sh"
need ip python3 timeout nmap
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
. "$(dirname "$0")/link-lab.sh"
link_lab_up || exit 1
TG=198.18.0.2-9

# 1. -sn -PR against nmap -sn -PR
inS "$W" scan -sn -PR "$TG" --reason -oX "$T/pr.xml" -oJ "$T/pr.json" >"$T/pr.out" 2>"$T/pr.err"
echo $? >"$T/pr.rc"
inS nmap -n -sn -PR "$TG" -oX "$T/npr.xml" >/dev/null 2>&1
hosts_of "$T/pr.xml" | sort >"$T/pr.h"
hosts_of "$T/npr.xml" | sort >"$T/npr.h"
check "-sn -PR exits 0" [ "$(cat "$T/pr.rc")" = 0 ]
check "-sn -PR finds the two hosts of the segment" [ "$(wc -l <"$T/pr.h")" = 2 ]
if diff "$T/npr.h" "$T/pr.h" >"$T/pr.diff"; then ok "-sn -PR agrees with nmap (host, state, reason, MAC, vendor)"; else
	bad "-sn -PR agrees with nmap"
	sed 's/^/    /' "$T/pr.diff"
fi
check "text: MAC Address line with nmap's vendor" grep -q '^MAC Address: 00:00:0C:12:34:56 (Cisco Systems)$' "$T/pr.out"
check "text: Unknown vendor of a locally administered MAC" grep -q '^MAC Address: 02:00:00:00:00:02 (Unknown)$' "$T/pr.out"
check "JSON: mac, vendor and reason arp-response" python3 -c '
import json, sys
r = {o["ip"]: o for o in map(json.loads, open(sys.argv[1])) if "ip" in o}
assert r["198.18.0.3"]["mac"] == "00:00:0c:12:34:56" and r["198.18.0.3"]["vendor"] == "Cisco Systems", r
assert r["198.18.0.2"]["reason"] == "arp-response" and "vendor" not in r["198.18.0.2"], r
assert all(r[a]["state"] == "down" and r[a]["reason"] == "no-response" for a in r if a not in ("198.18.0.2", "198.18.0.3")), r
' "$T/pr.json"

# 2. the default discovery on the local segment is ARP alone, as nmap's
inS "$W" scan -sn "$TG" -oX "$T/def.xml" >/dev/null 2>&1
inS nmap -n -sn "$TG" -oX "$T/ndef.xml" >/dev/null 2>&1
hosts_of "$T/def.xml" | sort >"$T/def.h"
hosts_of "$T/ndef.xml" | sort >"$T/ndef.h"
check "default discovery on the segment agrees with nmap (arp-response)" \
	sh -c "diff '$T/ndef.h' '$T/def.h' >/dev/null && grep -c arp-response '$T/def.h' | grep -qx 2"
# -PE given: still ARP on the local segment (nmap does the same)
inS "$W" scan -sn -PE "$TG" -oX "$T/pe.xml" >/dev/null 2>&1
check "-PE on the segment: still ARP" sh -c "$(declare -f hosts_of); hosts_of '$T/pe.xml' | grep -c arp-response | grep -qx 2"

# 3. --send-ip / --disable-arp-ping: IP probes (echo-reply), no MAC from ARP
for o in --send-ip --disable-arp-ping; do
	inS "$W" scan -sn -PE "$o" "$TG" -oJ "$T/ip.json" >/dev/null 2>&1
	check "$o: ICMP echo discovery instead of ARP" python3 -c '
import json, sys
r = [o for o in map(json.loads, open(sys.argv[1])) if "ip" in o and o["state"] == "up"]
assert sorted(o["ip"] for o in r) == ["198.18.0.2", "198.18.0.3"], r
assert all(o["reason"] == "echo-reply" for o in r), r' "$T/ip.json"
done

# 4. a SYN scan after ARP discovery: probes reach the hosts by the MAC ARP gave; nmap agrees
inS "$W" scan -sS -p 22,80 "$TG" --reason -oX "$T/syn.xml" >/dev/null 2>&1
inS nmap -n -sS -p 22,80 "$TG" --reason -oX "$T/nsyn.xml" >/dev/null 2>&1
ports_of "$T/syn.xml" | sort >"$T/syn.p"
ports_of "$T/nsyn.xml" | sort >"$T/nsyn.p"
check "-sS after ARP discovery: 22 open on .2, the rest closed" \
	sh -c "grep -qx '198.18.0.2 22 open syn-ack' '$T/syn.p' && [ \$(wc -l <'$T/syn.p') = 4 ]"
if diff "$T/nsyn.p" "$T/syn.p" >"$T/syn.diff"; then ok "-sS states and reasons agree with nmap"; else
	bad "-sS states and reasons agree with nmap"
	sed 's/^/    /' "$T/syn.diff"
fi

# 5. a damaged nmap-mac-prefixes: one warning, vendors Unknown, the scan still right
mkdir "$T/dd"
ln -s /usr/share/nmap/nmap-services "$T/dd/nmap-services"
printf '000000 Xerox\n00000C Cisco Systems\n0000ZZ broken\n' >"$T/dd/nmap-mac-prefixes"
inS "$W" scan -sn -PR "$TG" --datadir "$T/dd" >"$T/dmg.out" 2>"$T/dmg.err"
echo $? >"$T/dmg.rc"
check "damaged nmap-mac-prefixes: exit 0" [ "$(cat "$T/dmg.rc")" = 0 ]
check "damaged nmap-mac-prefixes: a warning naming the line" grep -q 'nmap-mac-prefixes line 3' "$T/dmg.err"
check "damaged nmap-mac-prefixes: vendors Unknown" grep -q '^MAC Address: 00:00:0C:12:34:56 (Unknown)$' "$T/dmg.out"

# 6. -PR alone towards targets off the segment: nmap sends its default IP probes there
inS "$W" scan -sn -PR 198.19.0.1-3 -oX "$T/off.xml" >/dev/null 2>"$T/off.err"
echo $? >"$T/off.rc"
inS nmap -n -sn -PR 198.19.0.1-3 -oX "$T/noff.xml" >/dev/null 2>&1
hosts_of "$T/off.xml" | sort >"$T/off.h"
hosts_of "$T/noff.xml" | sort >"$T/noff.h"
check "-PR off the segment: exit 0, 3 hosts up by echo-reply, no MAC" sh -c \
	"[ \$(cat '$T/off.rc') = 0 ] && [ \$(grep -c ' up echo-reply - -\$' '$T/off.h') = 3 ]"
if diff "$T/noff.h" "$T/off.h" >"$T/off.diff"; then ok "-PR off the segment agrees with nmap"; else
	bad "-PR off the segment agrees with nmap"
	sed 's/^/    /' "$T/off.diff"
fi

# 7. IPv6 on link: neighbour solicitation discovery, then -sS and -sU, against nmap -6
TG6=2001:db8::/125 # ::0-7: hosts ::2 and ::3, nothing else (our ::100 is outside)
inS "$W" scan -sn "$TG6" --reason -oX "$T/nd.xml" -oJ "$T/nd.json" >"$T/nd.out" 2>"$T/nd.err"
echo $? >"$T/nd.rc"
inS nmap -6 -n -sn "$TG6" -oX "$T/nnd.xml" >/dev/null 2>&1
hosts_of "$T/nd.xml" | sort >"$T/nd.h"
hosts_of "$T/nnd.xml" | sort >"$T/nnd.h"
check "-sn IPv6 on link: exit 0" [ "$(cat "$T/nd.rc")" = 0 ]
check "-sn IPv6 on link: ::2 and ::3 up by nd-response" sh -c "[ \$(grep -c ' up nd-response ' '$T/nd.h') = 2 ]"
agree "-sn IPv6 on link agrees with nmap -6 (host, reason, MAC, vendor)" "$T/nd.h" "$T/nnd.h"
check "JSON: the 6 others down, no-response" python3 -c '
import json, sys
r = [o for o in map(json.loads, open(sys.argv[1])) if "ip" in o]
d = sorted(o["ip"] for o in r if o["state"] == "down" and o["reason"] == "no-response")
assert d == ["2001:db8::", "2001:db8::1", "2001:db8::4", "2001:db8::5", "2001:db8::6", "2001:db8::7"], d
' "$T/nd.json"
inS "$W" scan -sS -p 22,80 "$TG6" --reason -oX "$T/s6.xml" >/dev/null 2>&1
inS nmap -6 -n -sS -p 22,80 "$TG6" --reason -oX "$T/ns6.xml" >/dev/null 2>&1
ports_of "$T/s6.xml" | sort >"$T/s6.p"
ports_of "$T/ns6.xml" | sort >"$T/ns6.p"
check "-sS IPv6 on link: 22 open on ::2" grep -qx '2001:db8::2 22 open syn-ack' "$T/s6.p"
agree "-sS IPv6 on link agrees with nmap -6 (ports, states, reasons)" "$T/s6.p" "$T/ns6.p"
inS "$W" scan -sU -p 53,99 2001:db8::2 --reason -oX "$T/u6.xml" >/dev/null 2>&1
inS nmap -6 -n -sU -p 53,99 2001:db8::2 --reason -oX "$T/nu6.xml" >/dev/null 2>&1
ports_of "$T/u6.xml" | sort >"$T/u6.p"
ports_of "$T/nu6.xml" | sort >"$T/nu6.p"
check "-sU IPv6: 53 open (udp-response), 99 closed (port-unreach)" sh -c \
	"grep -qx '2001:db8::2 53 open udp-response' '$T/u6.p' && grep -qx '2001:db8::2 99 closed port-unreach' '$T/u6.p'"
agree "-sU IPv6 agrees with nmap -6" "$T/u6.p" "$T/nu6.p"

# 8. IPv6 through a router (raw IPv6 socket): ICMPv6 echo discovery and -sS to a prefix
TR6=2001:db8:1::/126
inS "$W" scan -sS -p 22,80 "$TR6" --reason -oX "$T/r6.xml" >/dev/null 2>&1
inS nmap -6 -n -sS -p 22,80 "$TR6" --reason -oX "$T/nr6.xml" >/dev/null 2>&1
hosts_of "$T/r6.xml" | sort >"$T/r6.h"
hosts_of "$T/nr6.xml" | sort >"$T/nr6.h"
ports_of "$T/r6.xml" | sort >"$T/r6.p"
ports_of "$T/nr6.xml" | sort >"$T/nr6.p"
check "IPv6 off link: 4 hosts up by echo-reply, 8 ports" sh -c \
	"[ \$(grep -c ' up echo-reply ' '$T/r6.h') = 4 ] && [ \$(wc -l <'$T/r6.p') = 8 ]"
agree "IPv6 off link: hosts agree with nmap -6" "$T/r6.h" "$T/nr6.h"
agree "IPv6 off link: ports agree with nmap -6" "$T/r6.p" "$T/nr6.p"
# --send-ip on link: ICMPv6 echo, not ND
inS "$W" scan -sn -PE --send-ip "$TG6" -oX "$T/e6.xml" >/dev/null 2>&1
check "IPv6 --send-ip: echo-reply instead of nd-response" sh -c \
	"$(declare -f hosts_of); [ \$(hosts_of '$T/e6.xml' | grep -c ' up echo-reply ') = 2 ]"
# one raw scan takes one family
inS "$W" scan -sn 198.18.0.2 2001:db8::2 >/dev/null 2>"$T/mix.err"
check "IPv4 and IPv6 targets in one raw scan: an error naming it" grep -q 'IPv4 and IPv6 targets' "$T/mix.err"

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
