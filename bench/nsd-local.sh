# shellcheck shell=bash
# nsd-local.sh: start and stop an NSD that serves zone files on
# 127.0.0.1:53, for the benchmark's real-DNS-server runs. Source it, then:
#
#   bench_nsd_start WORKDIR ZONEFILE...   (each file is NAME.zone;
#                                         root.zone is the root zone)
#   bench_nsd_stop
#
# It listens on port 53 of the current network namespace, so run it inside
# "unshare -mn" (run-spf.sh does) unless port 53 is free and meant for it.
# NSD runs in the foreground as this user, with no database, logging to
# WORKDIR/nsd.log.

bench_nsd_pid=

# bench_in_netns SECONDS SCRIPT ARGS...: outside a namespace, runs SCRIPT
# ARGS again inside "unshare -mn" (at most SECONDS) with a temporary
# directory in EMAUTH_TMP, removed afterwards, and exits with its status.
# Inside, sets tmp to that directory and changes to it.
bench_in_netns() {
	local secs=$1 script=$2 t rc
	shift 2
	if [ "${EMAUTH_IN_NS:-}" != 1 ]; then
		t=$(mktemp -d)
		chmod 755 "$t" # for the daemons that drop privileges
		EMAUTH_IN_NS=1 EMAUTH_TMP=$t timeout "$secs" \
			unshare -mn "$script" "$@"
		rc=$?
		rm -rf "$t"
		exit "$rc"
	fi
	tmp=$EMAUTH_TMP
	cd "$tmp" || exit 1
}

bench_nsd_start() {
	local dir=$1
	shift
	local conf=$dir/nsd.conf f name _
	mkdir -p "$dir"
	cat >"$conf" <<EOF
server:
	ip-address: 127.0.0.1@53
	do-ip6: no
	username: ""
	database: ""
	zonesdir: "$dir"
	pidfile: "$dir/nsd.pid"
	logfile: "$dir/nsd.log"
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	server-count: 1
	verbosity: 1
	hide-version: yes
	# No response rate limiting: the benchmark sends thousands of
	# queries a second from one address.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
EOF
	for f in "$@"; do
		name=$(basename "$f" .zone)
		# "root.zone" serves the root, so that names outside the other
		# zones get NXDOMAIN instead of REFUSED.
		[ "$name" = root ] && name=.
		f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
			"$name" "$f" >>"$conf"
	done
	nsd-checkconf "$conf" || return 1
	: >"$dir/nsd.log"
	nsd -d -c "$conf" >>"$dir/nsd.log" 2>&1 &
	bench_nsd_pid=$!
	# Ready when it says so (it loads the zones first).
	for _ in $(seq 1 100); do
		if grep -q 'nsd started' "$dir/nsd.log"; then
			return 0
		fi
		if ! kill -0 "$bench_nsd_pid" 2>/dev/null; then
			echo "nsd exited; log:" >&2
			cat "$dir/nsd.log" >&2
			bench_nsd_pid=
			return 1
		fi
		sleep 0.1
	done
	echo "nsd did not start within 10 s; log:" >&2
	cat "$dir/nsd.log" >&2
	bench_nsd_stop
	return 1
}

bench_nsd_stop() {
	if [ -n "$bench_nsd_pid" ]; then
		kill "$bench_nsd_pid" 2>/dev/null
		wait "$bench_nsd_pid" 2>/dev/null
		bench_nsd_pid=
	fi
}

# bench_netns_resolver DIR: inside "unshare -mn", brings the loopback up
# and makes /etc/resolv.conf say "nameserver 127.0.0.1" (DIR/resolv.conf
# bind-mounted over it, seen only in this namespace).
bench_netns_resolver() {
	ip link set lo up || return 1
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' \
		>"$1/resolv.conf"
	mount --bind "$1/resolv.conf" /etc/resolv.conf
}

# bench_root_zone DIR: writes DIR/root.zone, an empty root zone, so that
# NSD answers NXDOMAIN for names outside the other zones, as a recursive
# resolver would, instead of REFUSED.
bench_root_zone() {
	printf '$ORIGIN .\n$TTL 300\n. IN SOA ns.root.test. h.root.test. 1 3600 600 86400 300\n. IN NS ns.root.test.\n' \
		>"$1/root.zone"
}
