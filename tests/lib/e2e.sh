# shellcheck shell=bash
# lib.sh: real servers on loopback for the end-to-end tests, each started
# in a temporary directory and stopped by e2e_stop_all. Source it inside
# "unshare -mn" (a network namespace of its own: 127.0.0.0/8 only).
#
#   e2e_postfix DIR PORT MILTER RELAY  a throw-away Postfix on 127.0.0.1:PORT
#                                      with smtpd_milters MILTER, relaying
#                                      all mail to [127.0.0.1]:RELAY
#   e2e_sink DIR PORT                  smtp-sink on 127.0.0.1:PORT, one file
#                                      per message in DIR
#   e2e_wait_files DIR N SECONDS       waits for N files in DIR

e2e_pids=()
e2e_postfix_dirs=()

e2e_sink() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postfix "$dir"
	smtp-sink -u postfix -d "$dir/%Y%m%d%H%M%S." "127.0.0.1:$port" 256 \
		>"$dir.log" 2>&1 &
	e2e_pids+=($!)
}

e2e_postfix() {
	local dir=$1 port=$2 milter=$3 relay=$4
	mkdir -p "$dir/conf" "$dir/queue" "$dir/data"
	chmod 755 "$dir"
	chown postfix "$dir/data"
	cat >"$dir/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.receiver.test
mydomain = receiver.test
myorigin = receiver.test
mydestination =
relay_domains = receiver.test
relayhost = [127.0.0.1]:$relay
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit
smtp_dns_support_level = disabled
smtpd_milters = $milter
milter_default_action = tempfail
alias_maps =
alias_database =
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
biff = no
smtputf8_enable = no
default_process_limit = 50
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
	cat >"$dir/conf/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	postfix -c "$dir/conf" check >"$dir/check.log" 2>&1 || {
		cat "$dir/check.log" >&2
		return 1
	}
	postfix -c "$dir/conf" start >"$dir/start.log" 2>&1 || {
		cat "$dir/start.log" >&2
		return 1
	}
	e2e_postfix_dirs+=("$dir")
	local _
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "postfix did not listen on $port" >&2
	return 1
}

e2e_wait_files() {
	local dir=$1 n=$2 secs=$3 _
	for _ in $(seq 1 $((secs * 10))); do
		[ "$(find "$dir" -type f | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

e2e_stop_all() {
	local d p
	for d in "${e2e_postfix_dirs[@]}"; do
		postfix -c "$d/conf" stop >/dev/null 2>&1
	done
	for p in "${e2e_pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	e2e_pids=()
	e2e_postfix_dirs=()
}
