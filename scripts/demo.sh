#!/usr/bin/env bash
# make demo: the main job on an embedded default. Reads a capture shipped in the repo,
# one line per packet and then the statistics. Sends nothing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
wk=${1:-$top/build/wirekit}
cap=$top/tests/corpus/pcapplusplus-three_http_streams.pcap
dns=$top/tests/corpus/pcapplusplus-Dns.pcap
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say wirekit read -c 12 "${cap#$top/}"
"$wk" read -c 12 "$cap"
say wirekit read "${dns#$top/}"
"$wk" read "$dns"
say wirekit read -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e frame.len -c 5 "${cap#$top/}" tcp port 80
"$wk" read -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e frame.len -c 5 "$cap" tcp port 80
say wirekit read --stats --top 5 "${cap#$top/}"
"$wk" read --stats --top 5 "$cap"
