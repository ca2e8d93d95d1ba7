#!/usr/bin/env bash
# Install the Debian packages wirekit builds and tests with; only what is missing.
# Idempotent and near-instant when everything is there.
set -eu
pkgs=(meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev libcmocka-dev
      libpcap-dev libssl-dev libpcre2-dev tshark tcpdump python3 python3-scapy python3-dpkt iproute2
      ncat socat openssl nmap nmap-common ndiff xsltproc)
pkgs+=(nftables) # the scan labs' firewalls (drop, reject admin-prohibited)
case "${1:-}" in
--peers) pkgs+=(nmap masscan hping3 ncat socat openssl zmap) ;;
--lab)
	# Daemons for tests/net/test-service.sh (version detection against real servers;
	# nmap, its oracle, and nmap-common's nmap-service-probes are in the list above).
	pkgs+=(openssh-server nginx vsftpd redis-server memcached dnsmasq
	       snmpd lighttpd postfix)
	lab=1
	;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# postfix asks what kind of mail system this is: none (no main.cf is written, nothing is
# started; the service lab runs its master with a private configuration directory).
printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
	"postfix postfix/mailname string lab.test" | debconf-set-selections
# Lab daemons must not start on the host: a temporary policy-rc.d refuses every start
# during the install (invoke-rc.d exit 101), and is removed afterwards (also on failure).
if [ -n "${lab:-}" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
	{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
