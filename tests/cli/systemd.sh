#!/bin/bash
# The systemd unit for emauth-milter (contrib/systemd/, configured into the
# build with the installed sbindir; issue #16):
# - "systemd-analyze verify" finds nothing to say about it (it needs no
#   running systemd; ExecStart must exist, so a copy names the built
#   milter), and does speak up on a broken copy, so silence means
#   something;
# - it reloads with SIGHUP, keeps its socket directory as RuntimeDirectory,
#   runs the milter in the foreground and has the hardening asked for;
# - "systemd-analyze security --offline" rates it below 4.0 ("OK");
# - in the foreground with standard error on the journal (JOURNAL_STREAM),
#   the milter writes each line once with its priority ("<5>started on ..."
#   names the version, the configuration and the keys), and SIGHUP reloads.
# usage: tests/cli/systemd.sh BUILD-DIR
AREA=systemd
. "$(dirname "$0")/../lib/cli.sh"
build=$(cd "$build" && pwd)
unit=$build/emauth-milter.service
milter=$build/emauth-milter

if ! command -v systemd-analyze >/dev/null; then
	echo "not ok cli/systemd/systemd-analyze (missing: scripts/install-deps test)"
	exit 1
fi
check unit-configured test -f "$unit"
mkdir -p "$tmp/u"
sed "s|^ExecStart=[^ ]*/emauth-milter |ExecStart=$milter |" "$unit" \
	>"$tmp/u/emauth-milter.service"
check unit-copy-names-built-milter grep -q "^ExecStart=$milter -f " \
	"$tmp/u/emauth-milter.service"
verify() {
	(cd "$tmp/u" && systemd-analyze verify --man=no "./$1") \
		>"$tmp/out" 2>&1
}
if verify emauth-milter.service && [ ! -s "$tmp/out" ]; then
	echo "ok cli/systemd/verify-clean"
else
	echo "not ok cli/systemd/verify-clean"
	head -c 1500 "$tmp/out" | sed 's/^/    /'
	fails=$((fails + 1))
fi
sed 's/^ProtectHome=/ProtectHme=/; s/^Type=exec/Type=sometimes/' \
	"$tmp/u/emauth-milter.service" >"$tmp/u/broken.service"
verify broken.service
check verify-speaks-on-broken-copy grep -q "Unknown key 'ProtectHme'" \
	"$tmp/out"

# The directives issue #16 names.
has() {
	check "has-$1" grep -qx -- "$2" "$unit"
}
has foreground '^ExecStart=/.*/emauth-milter -f -c /etc/emauth-milter.conf$'
has reload-sighup 'ExecReload=/bin/kill -HUP \$MAINPID'
has runtime-directory 'RuntimeDirectory=emauth-milter'
has no-new-privileges 'NoNewPrivileges=yes'
has protect-system-strict 'ProtectSystem=strict'
has protect-home 'ProtectHome=yes'
has private-tmp 'PrivateTmp=yes'
has private-devices 'PrivateDevices=yes'
has address-families 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
check no-read-write-paths sh -c "! grep -q '^ReadWritePaths=' '$unit'"
# The example configuration's PidFile is in the runtime directory.
check example-pidfile-in-runtime-directory grep -q \
	'^PidFile *\/run\/emauth-milter\/' "$top/examples/emauth-milter.conf"

(cd "$tmp/u" && systemd-analyze security --offline=yes \
	./emauth-milter.service) >"$tmp/out" 2>&1
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	"$tmp/out")
echo "# systemd-analyze security: exposure ${level:-?}"
check security-exposure-below-4 awk -v l="${level:-99}" \
	'BEGIN { exit !(l + 0 < 4.0) }'

# Issue #18: the daily DMARC aggregate reports: a oneshot service running
# "emauth report send" with the milter's configuration, and its timer;
# both verify clean, and the milter's unit keeps the store's folder.
rsvc=$build/emauth-report.service
check report-unit-configured test -f "$rsvc"
sed "s|^ExecStart=[^ ]*/emauth |ExecStart=$build/emauth |" "$rsvc" \
	>"$tmp/u/emauth-report.service"
cp "$top/contrib/systemd/emauth-report.timer" "$tmp/u/"
if verify emauth-report.service && [ ! -s "$tmp/out" ] &&
	verify emauth-report.timer && [ ! -s "$tmp/out" ]; then
	echo "ok cli/systemd/report-verify-clean"
else
	echo "not ok cli/systemd/report-verify-clean"
	head -c 1500 "$tmp/out" | sed 's/^/    /'
	fails=$((fails + 1))
fi
check report-unit-execstart grep -qx \
	'ExecStart=/.*/emauth report send -c /etc/emauth-milter.conf' "$rsvc"
check report-unit-oneshot grep -qx 'Type=oneshot' "$rsvc"
check report-timer-daily grep -qx 'OnCalendar=\*-\*-\* 01:00:00 UTC' \
	"$top/contrib/systemd/emauth-report.timer"
check report-timer-persistent grep -qx 'Persistent=true' \
	"$top/contrib/systemd/emauth-report.timer"
check milter-unit-state-directory grep -qx 'StateDirectory=emauth' "$unit"

# The journal: JOURNAL_STREAM names standard error's device and inode.
cat >"$tmp/v.conf" <<CONF
Mode v
Socket inet:0@127.0.0.1
AuthservID mx.receiver.test
Syslog yes
DNS zone:$top/examples/zones/example.com.zone
CONF
: >"$tmp/journal"
js=$(stat -c '%d:%i' "$tmp/journal")
JOURNAL_STREAM=$js "$milter" -f -c "$tmp/v.conf" 2>>"$tmp/journal" &
mpid=$!
for _ in $(seq 1 50); do
	grep -q 'started on' "$tmp/journal" && break
	sleep 0.1
done
ver=$("$build/emauth" --version | cut -d' ' -f2)
check journal-startup-line grep -qxF \
	"<5>started on inet:0@127.0.0.1 (version $ver, configuration $tmp/v.conf, mode v, 0 keys)" \
	"$tmp/journal"
kill -HUP "$mpid"
for _ in $(seq 1 50); do
	grep -q 'reloaded' "$tmp/journal" && break
	sleep 0.1
done
check journal-sighup-reloads grep -qxF "<5>reloaded $tmp/v.conf (0 keys)" \
	"$tmp/journal"
kill -TERM "$mpid"
wait "$mpid"
check journal-stop-status test $? -eq 0
check journal-no-plain-prefix sh -c "! grep -q '^emauth-milter: ' '$tmp/journal'"

[ "$fails" -eq 0 ]
