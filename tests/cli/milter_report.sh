#!/bin/bash
# emauth-milter's DMARC reporting without an MTA (issue #18): miltertest
# drives the daemon; every DMARC evaluation lands in the SQLite store
# (with the envelope recipient's domain and the disposition applied), and
# failure reports (FailureReports yes) go through a sendmail stand-in: as
# fo= asks, at most FailureReportsPerHour to one destination domain (the
# rest counted), the failed message's header block (and its body when
# FailureReportsBody is on and the body is at most 64 KiB), local parts
# redacted on request; none for a policy without ruf=.
# usage: tests/cli/milter_report.sh BUILD-DIR
AREA=milter-report
. "$(dirname "$0")/../lib/cli.sh"
milter=$build/emauth-milter
lua=$top/tests/milter/lua
zones="zone:$(ls "$top"/tests/milter/zones/*.zone | paste -sd, -),$top/tests/cli/report/ruf.example.zone"
if ! command -v miltertest >/dev/null; then
	echo "not ok cli/$AREA/miltertest (missing: scripts/install-deps test)"
	exit 1
fi
mkdir -p "$tmp/sent"
cat >"$tmp/sendmail" <<SH
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
printf '%s\n' "\$@" >"$tmp/sent/\$n.args"
cat >"$tmp/sent/\$n.eml"
SH
chmod +x "$tmp/sendmail"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/m.conf" <<CONF
Mode v
Socket inet:$port@127.0.0.1
AuthservID mx.receiver.test
DMARCEnforce reject
Syslog no
DNS $zones
ReportStore sqlite:$tmp/s.db
ReportEmail dmarc@receiver.test
ReportSubmit $tmp/sendmail
FailureReports yes
FailureReportsPerHour 2
FailureReportsBody yes
FailureReportsRedact yes
CONF
"$milter" -f -c "$tmp/m.conf" >"$tmp/milter.log" 2>&1 &
mpid=$!
sock="inet:$port@127.0.0.1"
for _ in $(seq 1 50); do
	grep -q 'started on' "$tmp/milter.log" && break
	sleep 0.1
done
check started grep -q 'started on' "$tmp/milter.log"

# Three forged messages for ruf.example (the third over the hourly limit),
# two for body.example (a small body, then one over 64 KiB), one for
# quiet.example (no ruf=), one passing (bank.example, nothing to report).
cat >"$tmp/r.lua" <<'LUA'
dofile(dir .. "/common.lua")
-- The body in chunks of 16 KiB: a milter command holds at most 64 KiB.
local function one(ip, from, body)
	local conn = open(ip, "mail.sender.test", "<x@" .. from .. ">")
	local h = {{"From", "Alice <alice.secret@" .. from .. ">"},
		{"To", "Bob <bob@receiver.test>"},
		{"Subject", "quarterly figures"},
		{"Message-ID", "<m1@" .. from .. ">"}}
	for _, f in ipairs(h) do
		check(mt.header(conn, f[1], f[2]) == nil, "header " .. f[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	for i = 1, #body, 16384 do
		check(mt.bodystring(conn, string.sub(body, i, i + 16383)) == nil,
		    "body")
	end
	check(mt.eom(conn) == nil, "eom")
	check(mt.getreply(conn) == SMFIR_ACCEPT or
	    mt.getreply(conn) == SMFIR_CONTINUE, "accepted: " .. from)
	mt.disconnect(conn)
end
one("127.0.0.9", "ruf.example", "hello\r\n")
one("127.0.0.9", "ruf.example", "hello\r\n")
one("127.0.0.9", "ruf.example", "hello\r\n")
one("127.0.0.9", "body.example", "the small body\r\n")
one("127.0.0.9", "body.example", string.rep("0123456789abcdef", 4200) .. "\r\n")
one("127.0.0.9", "quiet.example", "hello\r\n")
LUA
if miltertest -D sock="$sock" -D dir="$lua" -s "$tmp/r.lua" >"$tmp/out" 2>"$tmp/err"; then
	echo "ok cli/$AREA/miltertest"
else
	echo "not ok cli/$AREA/miltertest"
	echo "  $(tail -c 400 "$tmp/out") $(tail -c 400 "$tmp/err")"
	fails=$((fails + 1))
fi
# The reports go from a thread of their own: wait for them.
for _ in $(seq 1 50); do
	[ "$(ls "$tmp"/sent/*.eml 2>/dev/null | wc -l)" -ge 4 ] && break
	sleep 0.1
done
sleep 0.5
kill -USR1 "$mpid"
for _ in $(seq 1 50); do
	grep -q 'statistics:' "$tmp/milter.log" && break
	sleep 0.1
done
check stats-limited grep -q 'failure-reports-sent=4 failure-reports-limited=1 failure-reports-dropped=0' "$tmp/milter.log"
check reports-sent test "$(ls "$tmp"/sent/*.eml | wc -l)" -eq 4
ruf=$(grep -l '^To: <ruf@ruf.example>' "$tmp"/sent/*.eml | head -1)
check ruf-hourly-limit test "$(grep -l '^To: <ruf@ruf.example>' "$tmp"/sent/*.eml | wc -l)" -eq 2
check ruf-arf grep -q '^Content-Type: multipart/report; report-type=feedback-report;' "$ruf"
check ruf-feedback-type grep -q '^Feedback-Type: auth-failure' "$ruf"
check ruf-auth-failure grep -q '^Auth-Failure: dmarc' "$ruf"
check ruf-source-ip grep -q '^Source-IP: 127.0.0.9' "$ruf"
check ruf-reported-domain grep -q '^Reported-Domain: ruf.example' "$ruf"
check ruf-headers-part grep -q '^Content-Type: message/rfc822' "$ruf"
check ruf-subject-copied grep -q '^Subject: quarterly figures' "$ruf"
check ruf-redacted grep -q '^From: Alice <redacted@ruf.example>' "$ruf"
check ruf-not-secret sh -c "! grep -q 'alice.secret' '$ruf'"
check ruf-envelope grep -qx 'dmarc@receiver.test' "${ruf%.eml}.args"
check ruf-original-mail-from grep -q '^Original-Mail-From: <redacted@ruf.example>' "$ruf"
small=$(grep -l 'the small body' "$tmp"/sent/*.eml)
check body-kept test -n "$small"
check body-external-consented grep -q '^To: <failures@collector.example>' "${small:-/dev/null}"
big=$(grep -l '^To: <failures@collector.example>' "$tmp"/sent/*.eml | grep -v "${small:-none}")
check body-over-64k-headers-only grep -q '^Content-Type: text/rfc822-headers' "${big:-/dev/null}"
check body-over-64k-no-body sh -c "! grep -q 0123456789abcdef '${big:-/dev/null}'"
check no-ruf-no-report sh -c "! grep -q 'quiet.example' $tmp/sent/*.eml"

kill -TERM "$mpid"
wait "$mpid"
check stop-status test $? -eq 0
# Every evaluation is in the store, written at the stop at the latest.
check store-rows test "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_verdicts')" = 6
check store-recipient-domain test "$(sqlite3 "$tmp/s.db" 'select distinct envelope_to from emauth_verdicts')" = receiver.test
check store-envelope-from test "$(sqlite3 "$tmp/s.db" "select envelope_from from emauth_verdicts where header_from = 'quiet.example'")" = quiet.example
check store-disposition test "$(sqlite3 "$tmp/s.db" "select distinct disposition from emauth_verdicts")" = none
check store-ip test "$(sqlite3 "$tmp/s.db" "select distinct ip from emauth_verdicts")" = 127.0.0.9

[ "$fails" -eq 0 ]
