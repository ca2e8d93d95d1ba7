# The service lab (sourced by tests/net/test-service.sh and bench/service.sh after lib.sh):
# two namespaces joined by a veth pair, no default route, 198.18.77.0/24 only. Real daemons
# from Debian packages run in the target namespace, each started by hand with a config
# file in $T and stopped by PID (lib.sh's cleanup), each on its usual port, and some on
# an unusual one too (version detection must not lean on the port number).
#   lab_up: sets SNS (scanner namespace), TNS, TADDR, TCP_PORTS, UDP_PORTS, LAB_DAEMONS
SNS=wksvs$$
TNS=wksvt$$
TADDR=198.18.77.2
SADDR=198.18.77.1
TCP_PORTS=()
UDP_PORTS=()
LAB_DAEMONS=()

lab_net() {
	ip netns add "$SNS" && NETNS+=("$SNS") || return 1
	ip netns add "$TNS" && NETNS+=("$TNS") || return 1
	ip link add wksv$$a netns "$SNS" type veth peer name wksv$$b netns "$TNS" || return 1
	ip -n "$SNS" addr add "$SADDR/24" dev wksv$$a
	ip -n "$TNS" addr add "$TADDR/24" dev wksv$$b
	for ns in "$SNS" "$TNS"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$SNS" link set wksv$$a up
	ip -n "$TNS" link set wksv$$b up
}

# lab_daemon NAME PROTO:PORT... -- CMD...: start CMD in the target namespace (by PID)
lab_daemon() {
	local name=$1 ports=() p
	shift
	while [ "$1" != -- ]; do
		ports+=("$1")
		shift
	done
	shift
	command -v "$1" >/dev/null || [ -x "$1" ] || {
		echo "lab: $name not installed ($1), left out"
		return 0
	}
	bg ip netns exec "$TNS" "$@" </dev/null >"$T/$name.out" 2>&1
	local ok=1
	for p in "${ports[@]}"; do
		wait_port "${p#*:}" "${p%%:*}" "$TNS" 2>/dev/null || ok=0
	done
	if [ $ok = 0 ]; then
		echo "lab: $name did not start: $(tail -3 "$T/$name.out" | tr '\n' ' ')"
		return 0
	fi
	LAB_DAEMONS+=("$name")
	for p in "${ports[@]}"; do
		if [ "${p%%:*}" = t ]; then TCP_PORTS+=("${p#*:}"); else UDP_PORTS+=("${p#*:}"); fi
	done
}

lab_up() {
	lab_net || return 1
	# OpenSSH: the usual port and 40022
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_host_ed25519_key"
	cat >"$T/sshd_config" <<-EOF
		Port 22
		Port 40022
		ListenAddress $TADDR
		HostKey $T/ssh_host_ed25519_key
		PidFile $T/sshd.pid
		UsePAM no
	EOF
	lab_daemon sshd t:22 t:40022 -- /usr/sbin/sshd -D -e -f "$T/sshd_config"

	# nginx: HTTP on 80 and 40080, HTTPS (a certificate made here) on 443 and 40443
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
		-days 30 -subj /CN=lab.test -addext subjectAltName=DNS:lab.test 2>/dev/null
	mkdir -p "$T/ngx"
	cat >"$T/nginx.conf" <<-EOF
		daemon off;
		pid $T/nginx.pid;
		error_log $T/nginx.err;
		worker_processes 1;
		events { worker_connections 256; }
		http {
		  access_log off;
		  client_body_temp_path $T/ngx/body; proxy_temp_path $T/ngx/proxy;
		  fastcgi_temp_path $T/ngx/fcgi; uwsgi_temp_path $T/ngx/uwsgi; scgi_temp_path $T/ngx/scgi;
		  server { listen $TADDR:80; listen $TADDR:40080; location / { return 200 "lab\n"; } }
		  server { listen $TADDR:443 ssl; listen $TADDR:40443 ssl;
		    ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
		    location / { return 200 "lab tls\n"; } }
		}
	EOF
	lab_daemon nginx t:80 t:40080 t:443 t:40443 -- /usr/sbin/nginx -e "$T/nginx.err" -p "$T/ngx" -c "$T/nginx.conf"

	# vsftpd on 21
	mkdir -p "$T/ftp-empty"
	chmod 555 "$T/ftp-empty"
	cat >"$T/vsftpd.conf" <<-EOF
		listen=YES
		listen_address=$TADDR
		listen_port=21
		background=NO
		anonymous_enable=YES
		anon_root=$T/ftp-empty
		no_anon_password=YES
		local_enable=NO
		seccomp_sandbox=NO
		secure_chroot_dir=$T/ftp-empty
		xferlog_enable=NO
		vsftpd_log_file=$T/vsftpd.log
	EOF
	lab_daemon vsftpd t:21 -- /usr/sbin/vsftpd "$T/vsftpd.conf"

	# lighttpd on 81
	mkdir -p "$T/www"
	echo lab >"$T/www/index.html"
	cat >"$T/lighttpd.conf" <<-EOF
		server.document-root = "$T/www"
		server.bind = "$TADDR"
		server.port = 81
		server.pid-file = "$T/lighttpd.pid"
		server.errorlog = "$T/lighttpd.err"
	EOF
	lab_daemon lighttpd t:81 -- /usr/sbin/lighttpd -D -f "$T/lighttpd.conf"

	lab_daemon redis t:6379 -- /usr/bin/redis-server --bind "$TADDR" --port 6379 --save '' \
		--appendonly no --dir "$T" --daemonize no --protected-mode no --logfile "$T/redis.log"
	lab_daemon memcached t:11211 -- /usr/bin/memcached -u nobody -l "$TADDR" -p 11211 -U 0
	lab_daemon dnsmasq t:53 u:53 -- /usr/sbin/dnsmasq -k -C /dev/null --port=53 \
		--listen-address="$TADDR" --bind-interfaces --no-resolv --no-hosts \
		--pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log"
	printf 'rocommunity public default\n' >"$T/snmpd.conf"
	lab_daemon snmpd u:161 -- /usr/sbin/snmpd -f -Lf "$T/snmpd.log" -C -c "$T/snmpd.conf" \
		-p "$T/snmpd.pid" "udp:$TADDR:161"
	lab_postfix
	return 0
}

# postfix (SMTP) on 25 and 40025: `postfix start-fg` (the master in the foreground, the
# same PID through postfix-script's exec) with a private configuration directory (-c),
# queue and data directories in $T, its log on stdout ($T/postfix.out; no syslog here),
# stopped by PID like the others.
lab_postfix() {
	local pf=$T/postfix q=$T/postfix/queue
	[ -x /usr/lib/postfix/sbin/master ] && id postfix >/dev/null 2>&1 || {
		echo "lab: postfix not installed, left out"
		return 0
	}
	mkdir -p "$pf" "$q/public" "$q/private" "$q/maildrop" "$q/pid" "$pf/data"
	chown postfix "$q/public" "$q/private" "$pf/data"
	chown postfix:postdrop "$q/maildrop"
	chmod 730 "$q/maildrop"
	chmod 710 "$q/public"
	chmod 700 "$q/private"
	chmod 755 "$T" "$pf" "$q"
	cat >"$pf/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $q
		data_directory = $pf/data
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = lab.test
		mydestination =
		inet_interfaces = $TADDR
		inet_protocols = ipv4
		smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
		maillog_file = /dev/stdout
		biff = no
	EOF
	# type private unpriv chroot wakeup maxproc command
	cat >"$pf/master.cf" <<-EOF
		25 inet n - n - - smtpd
		40025 inet n - n - - smtpd
		cleanup unix n - n - 0 cleanup
		qmgr unix n - n 300 1 qmgr
		rewrite unix - - n - - trivial-rewrite
		bounce unix - - n - 0 bounce
		defer unix - - n - 0 bounce
		trace unix - - n - 0 bounce
		proxymap unix - - n - - proxymap
		anvil unix - - n - 1 anvil
		scache unix - - n - 1 scache
		postlog unix-dgram n - n - 1 postlogd
	EOF
	lab_daemon postfix t:25 t:40025 -- /usr/sbin/postfix -c "$pf" start-fg
	# the master's own PID too, in case postfix-script forked it instead of exec'ing
	local mp
	mp=$(tr -dc 0-9 <"$q/pid/master.pid" 2>/dev/null)
	[ -n "$mp" ] && PIDS+=("$mp")
	return 0
}

lab_portspec() { # T:a,b U:c,d (empty lists left out)
	local s
	s=$(IFS=,; echo "${TCP_PORTS[*]}")
	[ -n "$s" ] && printf 'T:%s ' "$s"
	s=$(IFS=,; echo "${UDP_PORTS[*]}")
	[ -n "$s" ] && printf 'U:%s' "$s"
	echo
}
