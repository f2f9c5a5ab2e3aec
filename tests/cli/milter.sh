#!/bin/bash
# emauth-milter without an MTA: configuration checks (-n: every error
# names its file and line, unsafe key files are refused) and miltertest
# (OpenDKIM's milter test harness, scripted in Lua: tests/milter/lua/)
# driving the daemon over the milter protocol, DNS from the offline zones
# in tests/milter/zones.
# usage: tests/cli/milter.sh BUILD-DIR
AREA=milter
. "$(dirname "$0")/../lib/cli.sh"
milter=$build/emauth-milter
lua=$top/tests/milter/lua
zones="zone:$(ls "$top"/tests/milter/zones/*.zone | paste -sd, -)"

# run (tests/lib/cli.sh) runs $emauth: here, the milter.
emauth=$milter

mkdir -p "$tmp/keys"
cp "$top/examples/keys/demo2026.private" "$tmp/keys/internal.private"
cp "$top/examples/keys/demo2026e.private" "$tmp/keys/platform.private"
chmod 600 "$tmp"/keys/*
cat >"$tmp/KeyTable" <<KT
internal  internal.example:demo2026:$tmp/keys/internal.private
platform  platform.example:demo2026e:$tmp/keys/platform.private
KT
printf '*@internal.example internal\n*@internal.example platform\n' \
	>"$tmp/SigningTable"
# conf PORT ENFORCE [EXTRA-LINE]
conf() {
	cat <<CONF
Mode sv
Socket inet:$1@127.0.0.1
KeyTable $tmp/KeyTable
SigningTable refile:$tmp/SigningTable
InternalHosts 127.0.0.1
AuthservID mx.receiver.test
DMARCEnforce $2
Syslog no
AutoRestart yes
DNS $zones
${3:-}
CONF
}
conf 0 reject >"$tmp/good.conf"

# -n: the configuration and its keys.
if run check-good 0 -n -c "$tmp/good.conf"; then
	check check-good grep -q 'configuration and 2 keys good' "$tmp/out"
	check check-ignored-key-notice \
		grep -q 'good.conf:9: AutoRestart is accepted and ignored' "$tmp/err"
fi
conf 0 reject "Frobnicate yes" >"$tmp/unknown.conf"
run unknown-key 0 -n -c "$tmp/unknown.conf" &&
	check unknown-key grep -q \
		"unknown.conf:11: Frobnicate is not a key emauth-milter knows; ignored" \
		"$tmp/err"
conf 0 sometimes >"$tmp/bad.conf"
run malformed 1 -n -c "$tmp/bad.conf" &&
	check malformed grep -q \
		"bad.conf:7: DMARCEnforce: 'sometimes' is not none, quarantine or reject" \
		"$tmp/err"
chmod 644 "$tmp/keys/platform.private"
run key-readable-by-others 1 -n -c "$tmp/good.conf" &&
	check key-readable-by-others grep -q \
		"KeyTable entry platform: key file $tmp/keys/platform.private: mode 644 lets others read" \
		"$tmp/err"
chmod 600 "$tmp/keys/platform.private"
mv "$tmp/keys/internal.private" "$tmp/keys/moved"
run key-missing 1 -n -c "$tmp/good.conf" &&
	check key-missing grep -q \
		"KeyTable entry internal: key file $tmp/keys/internal.private: No such file" \
		"$tmp/err"
mv "$tmp/keys/moved" "$tmp/keys/internal.private"
printf 'garbage\n' >"$tmp/keys/bad.private"
chmod 600 "$tmp/keys/bad.private"
printf 'x internal.example:s:%s\n' "$tmp/keys/bad.private" >"$tmp/KT2"
printf 'KeyTable %s\nSocket inet:0@127.0.0.1\n' "$tmp/KT2" >"$tmp/notkey.conf"
run key-not-a-key 1 -n -c "$tmp/notkey.conf" &&
	check key-not-a-key grep -q "key file $tmp/keys/bad.private: " "$tmp/err"
printf '*@internal.example internal\n*@internal.example nosuch\n' \
	>"$tmp/ST2"
sed "s|refile:$tmp/SigningTable|refile:$tmp/ST2|" "$tmp/good.conf" \
	>"$tmp/st2.conf"
run signingtable-names-missing-key 1 -n -c "$tmp/st2.conf" &&
	check signingtable-names-missing-key grep -q \
		"$tmp/ST2:2: the SigningTable names key 'nosuch', which the KeyTable does not have" \
		"$tmp/err"
# The shipped example parses up to the files it names.
run example-conf 1 -n -c "$top/examples/emauth-milter.conf" &&
	check example-conf grep -q \
		"emauth-milter.conf:.*KeyTable /etc/emauth-milter/KeyTable" "$tmp/err"
run no-socket 1 -c "$tmp/notkey.conf.none" &&
	check no-config-file grep -q 'notkey.conf.none: No such file' "$tmp/err"

# miltertest against a running daemon.
if ! command -v miltertest >/dev/null; then
	echo "not ok cli/$AREA/miltertest (miltertest missing: scripts/install-deps test)"
	exit 1
fi
# start CONF: runs emauth-milter on a free port; sets mpid and sock.
start() {
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sed "s|^Socket inet:0@|Socket inet:$port@|" "$1" >"$1.run"
	"$milter" -f -c "$1.run" >"$tmp/milter.log" 2>&1 &
	mpid=$!
	sock="inet:$port@127.0.0.1"
	for _ in $(seq 1 50); do
		grep -q 'started on' "$tmp/milter.log" && return 0
		sleep 0.1
	done
	return 1
}
stop() {
	kill -TERM "$mpid"
	wait "$mpid"
}
# lt SCRIPT [LABEL]: runs tests/milter/lua/SCRIPT.lua against $sock.
lt() {
	local name=$1 label=${2:-$1}
	if miltertest -D sock="$sock" -D dir="$lua" -s "$lua/$name.lua" \
		>"$tmp/out" 2>"$tmp/err"; then
		echo "ok cli/$AREA/miltertest-$label"
	else
		echo "not ok cli/$AREA/miltertest-$label"
		echo "  $(tail -c 400 "$tmp/err")"
		fails=$((fails + 1))
	fi
}
if start "$tmp/good.conf"; then
	for t in sign auth forged authres nofrom stream forgedmany; do
		lt "$t"
	done
	check forged-logged-reject grep -q \
		'ip=127.0.0.2 from=bank.example .*dmarc=fail action=reject' \
		"$tmp/milter.log"
	check nofrom-logged-reject grep -q \
		'from=(none) .*dmarc=permerror action=reject' "$tmp/milter.log"
	check forgedmany-logged-reject grep -q \
		'action=reject: over 1000 forged Authentication-Results' \
		"$tmp/milter.log"
	stop
	check sigterm-exit-0 [ $? -eq 0 ]
	check no-sanitizer-report \
		bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/milter.log'"
else
	check milter-start false
fi
conf 0 quarantine >"$tmp/q.conf"
if start "$tmp/q.conf"; then
	lt quarantine
	stop
else
	check milter-start-quarantine false
fi
sed 's/^Mode sv/Mode v/' "$tmp/good.conf" >"$tmp/v.conf"
if start "$tmp/v.conf"; then
	lt verifyonly
	stop
else
	check milter-start-verify-only false
fi
sed 's/^Mode sv/Mode s/' "$tmp/good.conf" >"$tmp/s.conf"
if start "$tmp/s.conf"; then
	lt signonly
	# SIGTERM while a message is in flight: it is finished, then the
	# milter exits.
	miltertest -D sock="$sock" -D dir="$lua" -s "$lua/inflight.lua" \
		>"$tmp/inflight.out" 2>&1 &
	mtpid=$!
	sleep 1
	kill -TERM "$mpid"
	wait "$mtpid"
	check sigterm-message-in-flight-finished [ $? -eq 0 ]
	wait "$mpid"
	check sigterm-after-message-exit-0 [ $? -eq 0 ]
else
	check milter-start-sign-only false
fi

# In the background (no -f) on a local socket: the pid file, the socket's
# mode from UMask, signing through it, and SIGTERM.
sed -e "s|^Socket .*|Socket local:$tmp/m.sock|" "$tmp/good.conf" >"$tmp/bg.conf"
printf 'PidFile %s/m.pid\nUMask 007\n' "$tmp" >>"$tmp/bg.conf"
"$milter" -c "$tmp/bg.conf" >"$tmp/bg.out" 2>&1
check background-start [ $? -eq 0 ]
for _ in $(seq 1 50); do
	[ -s "$tmp/m.pid" ] && [ -S "$tmp/m.sock" ] && break
	sleep 0.1
done
bgpid=$(cat "$tmp/m.pid" 2>/dev/null)
# A pid or nothing: "kill 0" would signal this script's own process group.
case $bgpid in '' | *[!0-9]* | 0) bgpid= ;; esac
check background-pidfile bash -c "[ -n '$bgpid' ] && kill -0 '$bgpid'"
check local-socket-umask [ "$(stat -c %a "$tmp/m.sock" 2>/dev/null)" = 770 ]
sock="local:$tmp/m.sock"
lt sign sign-local-socket
if [ -n "$bgpid" ]; then
	kill -TERM "$bgpid"
	for _ in $(seq 1 100); do
		kill -0 "$bgpid" 2>/dev/null || break
		sleep 0.1
	done
fi
check background-sigterm bash -c "[ -n '$bgpid' ] && ! kill -0 '$bgpid' 2>/dev/null && [ ! -e '$tmp/m.pid' ]"
[ "$fails" -eq 0 ]
