#!/bin/bash
# The DMARC verdict store on PostgreSQL, end to end: a throw-away cluster
# (Debian's postgresql 15: initdb and pg_ctl run as the postgres user, in a
# temporary directory, on a free port of 127.0.0.1) with two emauth-milter
# instances writing into it, driven by miltertest with DNS from the example
# zones.
#   1. The aggregate reports made from the cluster equal those made from a
#      single SQLite store fed the same mail by "emauth verify --record".
#   2. PostgreSQL stopped mid-test: mail keeps flowing with its normal
#      answers (nothing is tempfailed because of the store), the milter
#      says once that the store is unavailable, and when PostgreSQL returns
#      the backlog is written and the milter says so; SIGUSR1's statistics
#      show nothing dropped.
# Also: the rows the milters recorded equal those of emauth verify --record
# (but for their time). Prints "ok report-pg/NAME" or "not ok
# report-pg/NAME". KEEP=1 keeps the temporary directory (logs, stores).
# usage: tests/e2e/report_pg.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
emauth=$build/emauth
milter=$build/emauth-milter
pgbin=/usr/lib/postgresql/15/bin
fails=0
ok() { echo "ok report-pg/$1"; }
bad() {
	echo "not ok report-pg/$1${2:+: $2}"
	fails=$((fails + 1))
}
for p in "$pgbin/initdb" "$pgbin/pg_ctl" /usr/bin/psql /usr/bin/miltertest \
	/usr/bin/python3 "$emauth" "$milter"; do
	if [ ! -x "$p" ]; then
		echo "not ok report-pg/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
if ! id postgres >/dev/null 2>&1; then
	echo "not ok report-pg/setup (no postgres system user)"
	exit 1
fi
# initdb refuses root; as another user, run PostgreSQL as that user.
if [ "$(id -u)" -eq 0 ]; then
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
mpids=()
# shellcheck disable=SC2034 # (set by start, through eval)
pid_a=
pid_b=
pg_up=false
cleanup() {
	for p in "${mpids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${mpids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if $pg_up || [ -f "$tmp/pg/data/postmaster.pid" ]; then
		as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop \
			>/dev/null 2>&1
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The cluster.
mkdir -p "$tmp/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp/pg"
pgport=$(free_port)
if ! as_pg "$pgbin/initdb" -D "$tmp/pg/data" -U postgres -A trust \
	--locale=C -E UTF8 >"$tmp/pg/initdb.log" 2>&1; then
	bad cluster-initdb "$(tail -n 3 "$tmp/pg/initdb.log")"
	exit 1
fi
pg_start() {
	as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w \
		-t 30 -o "-c listen_addresses=127.0.0.1 -p $pgport \
-c unix_socket_directories=$tmp/pg -c fsync=off" start >/dev/null
}
pg_stop() {
	as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -m fast -w -t 30 stop >/dev/null
}
if pg_start; then
	pg_up=true
	ok cluster-started
else
	bad cluster-started "$(tail -n 5 "$tmp/pg/server.log")"
	exit 1
fi
pgurl="postgresql://postgres@127.0.0.1:$pgport/postgres"

dns="zone:$top/examples/zones/example.com.zone,$top/examples/zones/mailplatform.example.zone,$top/examples/zones/reverse.zone"
# One day for everything: the rows are stamped with the time they are
# received; in the last minute of a UTC day, wait for the next one.
s=$(($(date -u +%s) % 86400))
if [ "$s" -gt $((86400 - 60)) ]; then
	sleep $((86400 - s + 2))
fi
day=$(date -u +%F)

# The mail: the newsletter signed by example.com, the same tampered with,
# unsigned, without a From field, and from a domain without DMARC.
"$emauth" dkim sign --domain example.com --selector demo2026 \
	--key "$top/examples/keys/demo2026.private" \
	"$top/examples/messages/newsletter.eml" >"$tmp/signed.eml" ||
	{ bad sign; exit 1; }
sed 's/never ask/sometimes ask/' "$tmp/signed.eml" >"$tmp/tampered.eml"
cp "$top/examples/messages/newsletter.eml" "$tmp/unsigned.eml"
grep -v '^From:' "$tmp/unsigned.eml" >"$tmp/nofrom.eml"
sed 's/^From: .*/From: Platform <news@mailplatform.example>/' \
	"$tmp/unsigned.eml" >"$tmp/platform.eml"

# miltertest script: one message through the milter at -D sock, from -D ip
# (-D helo, -D from, -D rcpt) with the message in -D file; prints the reply.
cat >"$tmp/send.lua" <<'LUA'
local f = assert(io.open(file, "rb"))
local data = f:read("*a")
f:close()
data = string.gsub(data, "\r\n", "\n")
local head, body = string.match(data, "^(.-)\n\n(.*)$")
local fields = {}
for line in string.gmatch(head .. "\n", "(.-)\n") do
	if string.match(line, "^[ \t]") then
		fields[#fields][2] = fields[#fields][2] .. "\n" .. line
	else
		local n, v = string.match(line, "^([^:]+):[ ]?(.*)$")
		fields[#fields + 1] = {n, v}
	end
end
body = string.gsub(body, "\n", "\r\n")
local conn = mt.connect(sock, 20, 0.1)
assert(conn ~= nil, "connect to " .. sock)
assert(mt.conninfo(conn, helo, ip) == nil, "conninfo")
assert(mt.helo(conn, helo) == nil, "helo")
mt.macro(conn, SMFIC_MAIL, "i", qid)
if from == "-" then from = "" end
assert(mt.mailfrom(conn, "<" .. from .. ">") == nil, "mailfrom")
assert(mt.rcptto(conn, "<" .. rcpt .. ">") == nil, "rcptto")
for _, h in ipairs(fields) do
	assert(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
end
assert(mt.eoh(conn) == nil, "eoh")
assert(mt.bodystring(conn, body) == nil, "body")
assert(mt.eom(conn) == nil, "eom")
local r = mt.getreply(conn)
if r == SMFIR_ACCEPT then
	print("reply accept")
elseif r == SMFIR_REPLYCODE then
	print("reply replycode")
elseif r == SMFIR_TEMPFAIL then
	print("reply tempfail")
elseif r == SMFIR_REJECT then
	print("reply reject")
else
	print("reply other " .. tostring(r))
end
mt.disconnect(conn)
LUA

# The messages: ip helo mail-from ("-": the null reverse-path) file and
# the milter's answer. The same list goes through the two milters (in turn)
# and into the SQLite store.
msgs=(
	"203.0.113.140 out7.mailplatform.example bounce@example.com signed.eml accept"
	"203.0.113.140 out7.mailplatform.example b@bounces.mailplatform.example signed.eml accept"
	"192.0.2.199 mail.forger.example b@bounces.mailplatform.example unsigned.eml reject"
	"203.0.113.140 out7.mailplatform.example bounce@example.com unsigned.eml accept"
	"192.0.2.199 mail.forger.example ceo@example.com tampered.eml reject"
	"198.51.100.7 office.example.com news@example.com unsigned.eml accept"
	"203.0.113.140 out7.mailplatform.example b@bounces.mailplatform.example signed.eml accept"
	"192.0.2.199 mail.forger.example b@bounces.mailplatform.example unsigned.eml reject"
	"192.0.2.199 mail.forger.example b@bounces.mailplatform.example signed.eml accept"
	"203.0.113.140 out7.mailplatform.example b@bounces.mailplatform.example tampered.eml reject"
	"203.0.113.140 out7.mailplatform.example - signed.eml accept"
	"203.0.113.140 out7.mailplatform.example bounce@example.com nofrom.eml reject"
	"203.0.113.140 out7.mailplatform.example x@bounces.mailplatform.example platform.eml accept"
)
rcpt=bob@receiver.test

# conf NAME PORT STORE: an emauth-milter configuration.
conf() {
	cat >"$tmp/$1.conf" <<CONF
Mode                    v
Socket                  inet:$2@127.0.0.1
AuthservID              mx.receiver.test
DMARCEnforce            reject
TempFailOnDNSError      yes
Syslog                  no
SyslogSuccess           yes
LogWhy                  yes
DNS                     $dns
ReportStore             $3
ReportEmail             dmarc@receiver.example
ReportOrgName           Receiver Example
CONF
}
# start NAME STORE: runs emauth-milter on a free port; sets port_NAME.
start() {
	local name=$1 port
	port=$(free_port)
	conf "$name" "$port" "$2"
	"$milter" -f -c "$tmp/$name.conf" >"$tmp/$name.log" 2>&1 &
	mpids+=($!)
	eval "pid_$name=$!"
	eval "port_$name=$port"
	for _ in $(seq 50); do
		if /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' \
			"$port" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# send NAME N QID: message N of msgs through milter NAME as queue id QID;
# prints its answer (accept, reject, tempfail) as the reply and the
# milter's log say.
send() {
	local name=$1 qid=$3 ip helo from file want port reply
	read -r ip helo from file want <<<"${msgs[$2]}"
	eval "port=\$port_$name"
	reply=$(miltertest -D sock="inet:$port@127.0.0.1" -D ip="$ip" \
		-D helo="$helo" -D from="$from" -D rcpt="$rcpt" \
		-D file="$tmp/$file" -D qid="$qid" -s "$tmp/send.lua" 2>&1)
	case $reply in
	*"reply accept"*) echo accept ;;
	*"reply replycode"*)
		# The action the milter logged for the message (its qid).
		local i
		for i in $(seq 20); do
			if grep -q "^emauth-milter: $qid: .*action=" "$tmp/$name.log"; then
				break
			fi
			sleep 0.05
		done
		sed -n "s/^emauth-milter: $qid: .*action=\([a-z]*\).*/\1/p" \
			"$tmp/$name.log" | head -n 1
		;;
	*"reply tempfail"*) echo tempfail ;;
	*) echo "error: $(echo "$reply" | tail -n 2 | tr '\n' ' ')" ;;
	esac
}

# stats NAME: SIGUSR1 to milter NAME; prints its statistics line.
stats() {
	local pid before i
	eval "pid=\$pid_$1"
	before=$(grep -c 'statistics:' "$tmp/$1.log")
	kill -USR1 "$pid"
	for i in $(seq 40); do
		[ "$(grep -c 'statistics:' "$tmp/$1.log")" -gt "$before" ] && break
		sleep 0.05
	done
	grep 'statistics:' "$tmp/$1.log" | tail -n 1
}
# rows-file STORE OUT: every row of the store but its id and time, one a
# line (fields joined by US, with their tabs and newlines shown), sorted.
cols="ip, header_from, envelope_from, envelope_to, spf_domain, spf_scope,
 spf_result, dkim, dkim_total, policy_domain, p, sp, np, adkim, aspf,
 testing, psd, discovery, rua, ruf, fo, dmarc, dkim_aligned, spf_aligned,
 disposition, override_type, override_comment"
rows_file() {
	if [ "${1#sqlite:}" != "$1" ]; then
		/usr/bin/python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT " + sys.argv[2] + " FROM emauth_verdicts"):
    sys.stdout.write("\x1f".join(str(c) for c in r) + "\x1e")' \
			"${1#sqlite:}" "$cols"
	else
		# (psql ends its output with a newline.)
		psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -XAtq \
			-F $'\x1f' -R $'\x1e' -c "SELECT $cols FROM emauth_verdicts" |
			/usr/bin/python3 -c 'import sys
d = sys.stdin.read()
sys.stdout.write((d[:-1] if d.endswith("\n") else d) + "\x1e")'
	fi | /usr/bin/python3 -c 'import sys
rs = [r for r in sys.stdin.read().split("\x1e") if r]
for r in sorted(rs):
    print(r.replace("\t", "\\t").replace("\n", "\\n").replace("\x1f", " | "))' >"$2"
}
# report DIR STORE: the day's reports, written into DIR and decompressed.
report() {
	mkdir -p "$1"
	"$emauth" report send -c "$tmp/a.conf" --store "$2" --dns "$dns" \
		--day "$day" --dry-run "$1" >"$1.out" 2>&1 || return 1
	local f
	for f in "$1"/*.xml.gz; do
		[ -f "$f" ] || return 1
		gzip -dc "$f" >"${f%.gz}" || return 1
	done
}
# messages DIR: how many messages the reports in DIR count.
messages() {
	sed -n 's/.*: \([0-9]*\) messages in .*/\1/p' "$1.out" |
		awk '{ n += $1 } END { print n + 0 }'
}
# pg_rows: the rows in the cluster's store.
pg_rows() {
	psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -XAtqc \
		'SELECT count(*) FROM emauth_verdicts' 2>&1
}

# 1. Two milters into PostgreSQL, the same mail into SQLite: the same
# rows, the same reports.
if start a "$pgurl" && start b "$pgurl"; then
	ok milters-started
else
	bad milters-started "$(tail -n 3 "$tmp/a.log" "$tmp/b.log")"
	exit 1
fi
n=${#msgs[@]}
answers_ok=true
verify_ok=true
for i in "${!msgs[@]}"; do
	read -r ip helo from file want <<<"${msgs[$i]}"
	if [ $((i % 2)) -eq 0 ]; then m=a; else m=b; fi
	got=$(send "$m" "$i" "Q1x$i")
	if [ "$got" != "$want" ]; then
		answers_ok=false
		echo "  message $i ($ip $from $file) via $m: $got, expected $want"
	fi
	[ "$from" = - ] && from=
	"$emauth" verify --dns "$dns" --ip "$ip" --helo "$helo" \
		--mail-from "$from" --rcpt-to "$rcpt" --time "$(date +%s)" \
		--record "sqlite:$tmp/s.db" "$tmp/$file" >"$tmp/verify.out" 2>&1
	rc=$?
	if [ "$rc" -gt 1 ]; then
		verify_ok=false
		echo "  message $i: emauth verify --record: exit $rc: $(tail -n 2 "$tmp/verify.out")"
	fi
done
if $answers_ok; then ok milters-answers; else bad milters-answers; fi
if $verify_ok; then ok sqlite-recorded; else bad sqlite-recorded; fi
# The recorders write within a second.
rows=
for _ in $(seq 50); do
	rows=$(pg_rows)
	[ "$rows" = "$n" ] && break
	sleep 0.2
done
if [ "$rows" = "$n" ]; then
	ok pg-rows-written
else
	bad pg-rows-written "$rows rows in emauth_verdicts, expected $n"
fi
# Each milter wrote its share.
na=$(((n + 1) / 2))
nb=$((n / 2))
sa=$(stats a)
sb=$(stats b)
if [[ $sa == *"report-store=on recorded=$na written=$na pending=0 dropped=0 "* &&
	$sb == *"report-store=on recorded=$nb written=$nb pending=0 dropped=0 "* ]]; then
	ok both-milters-wrote
else
	bad both-milters-wrote "a: ${sa#*report-store=} b: ${sb#*report-store=}"
fi
# The rows themselves, but for their time: what the milter recorded is
# what emauth verify --record did.
rows_file "$pgurl" "$tmp/rows-pg"
rows_file "sqlite:$tmp/s.db" "$tmp/rows-sqlite"
if [ "$(wc -l <"$tmp/rows-pg")" -eq "$n" ] &&
	diff -u "$tmp/rows-sqlite" "$tmp/rows-pg" >"$tmp/rows.diff"; then
	ok rows-equal
else
	bad rows-equal
	sed 's/^/  /' "$tmp/rows.diff" | head -n 40
fi
if report "$tmp/rep-pg" "$pgurl" &&
	report "$tmp/rep-sqlite" "sqlite:$tmp/s.db"; then
	ok reports-generated
else
	bad reports-generated "$(tail -q -n 2 "$tmp/rep-pg.out" "$tmp/rep-sqlite.out" 2>/dev/null)"
fi
lp=$(cd "$tmp/rep-pg" 2>/dev/null && ls -- *.xml 2>/dev/null)
lsq=$(cd "$tmp/rep-sqlite" 2>/dev/null && ls -- *.xml 2>/dev/null)
if [ -n "$lp" ] && [ "$lp" = "$lsq" ]; then
	ok reports-same-files
else
	bad reports-same-files "postgresql: [$lp] sqlite: [$lsq]"
fi
same=true
while IFS= read -r f; do
	[ -n "$f" ] || continue
	if ! diff -u "$tmp/rep-sqlite/$f" "$tmp/rep-pg/$f" >"$tmp/rep.diff" 2>&1; then
		same=false
		sed 's/^/  /' "$tmp/rep.diff" | head -n 60
	fi
done <<<"$lp"
if [ -n "$lp" ] && $same; then
	ok reports-equal
else
	bad reports-equal
fi
# Every message with a reportable policy (rua=) is counted.
want_rep=$(psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -XAtqc \
	"SELECT count(*) FROM emauth_verdicts WHERE rua <> '' AND policy_domain <> ''")
got_rep=$(messages "$tmp/rep-pg")
if [ "$got_rep" = "$want_rep" ] && [ "$got_rep" -gt 0 ]; then
	ok report-counts-all
else
	bad report-counts-all "$got_rep messages in the reports, expected $want_rep"
fi
echo "  $n messages; $(wc -l <<<"$lp") report(s), $got_rep messages in them"

# 2. PostgreSQL stopped under milter a: the mail flows with its normal
# answers, the outage is logged once, the backlog is written when the
# cluster returns.
kill "$pid_b" 2>/dev/null
wait "$pid_b" 2>/dev/null
if pg_stop; then
	pg_up=false
	ok cluster-stopped
else
	bad cluster-stopped
fi
down_at=$(date +%s)
down_re='report store unavailable\|report store write failed'
before=$(grep -c "$down_re" "$tmp/a.log")
N=16
flow_ok=true
for k in $(seq 0 $((N - 1))); do
	i=$((k % n))
	read -r ip helo from file want <<<"${msgs[$i]}"
	got=$(send a "$i" "Q2x$k")
	if [ "$got" != "$want" ]; then
		flow_ok=false
		echo "  store down: message $i ($ip $from $file): $got, expected $want"
	fi
	# Over several of the recorder's batches and retries.
	[ $((k % 4)) -eq 3 ] && sleep 1
done
if $flow_ok; then ok store-down-mail-flows; else bad store-down-mail-flows; fi
# Down for two of the recorder's retries (every 5 s) at least.
while [ $(($(date +%s) - down_at)) -lt 12 ]; do sleep 0.5; done
sa=$(stats a)
if grep -q 'action=tempfail' "$tmp/a.log" ||
	[[ $sa != *" tempfailed=0 "* ]]; then
	bad store-down-no-tempfail "${sa#*statistics: }"
else
	ok store-down-no-tempfail
fi
after=$(grep -c "$down_re" "$tmp/a.log")
if [ $((after - before)) -eq 1 ]; then
	ok store-down-logged-once
else
	bad store-down-logged-once "$((after - before)) lines: $(grep 'report store' "$tmp/a.log" | tail -n 3)"
fi
if [[ $sa == *"report-store=on recorded=$((na + N)) written=$na pending=$N dropped=0 "* ]]; then
	ok store-down-backlog-held
else
	bad store-down-backlog-held "${sa#*report-store=}"
fi
if pg_start; then
	pg_up=true
	ok cluster-restarted
else
	bad cluster-restarted "$(tail -n 5 "$tmp/pg/server.log")"
fi
up_at=$(date +%s)
total=$((n + N))
rows=
for _ in $(seq 80); do
	rows=$(pg_rows)
	[ "$rows" = "$total" ] && break
	sleep 0.25
done
if [ "$rows" = "$total" ]; then
	ok backlog-written
	echo "  backlog of $N written $(($(date +%s) - up_at)) s after the restart"
else
	bad backlog-written "$rows rows, expected $total"
fi
back=$(grep -c 'report store available again' "$tmp/a.log")
if [ "$back" -eq 1 ]; then
	ok store-back-logged
else
	bad store-back-logged "$back lines: $(grep 'report store' "$tmp/a.log" | tail -n 3)"
fi
sa=$(stats a)
echo "  milter a: ${sa#*statistics: }"
if [[ $sa == *"report-store=on recorded=$((na + N)) written=$((na + N)) pending=0 dropped=0 "* ]]; then
	ok stats-dropped-0
else
	bad stats-dropped-0 "${sa#*report-store=}"
fi
rows=$(pg_rows)
if [ "$rows" = "$total" ]; then
	ok backlog-written-once
else
	bad backlog-written-once "$rows rows, expected $total"
fi
# The day's report now counts the mail of the outage too.
if report "$tmp/rep-after" "$pgurl"; then
	want_rep=$(psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -XAtqc \
		"SELECT count(*) FROM emauth_verdicts WHERE rua <> '' AND policy_domain <> ''")
	m=$(messages "$tmp/rep-after")
	if [ "$m" = "$want_rep" ] && [ "$m" -gt "$got_rep" ]; then
		ok report-after-outage
	else
		bad report-after-outage "$m messages reported, expected $want_rep"
	fi
else
	bad report-after-outage "$(tail -n 3 "$tmp/rep-after.out")"
fi

[ "$fails" -eq 0 ]
