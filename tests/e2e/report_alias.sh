#!/bin/bash
# DMARC reports in by mail, end to end: a real Postfix whose local(8)
# delivery agent pipes everything sent to dmarc@reports.test into
# "emauth report import -" through an alias (the way an operator wires it
# up: aliases(5), postalias, the command run as default_privs = nobody),
# on 127.0.0.1 in a private network and mount namespace.
#
# Sent to dmarc@reports.test with swaks:
#   stalwart's aggregate/100.eml (a zip attachment, google.com, stalw.art)
#   parsedmarc's borschow.com report (a zip attachment, google.com)
#   stalwart's arf/003.eml (a failure report, example.net)
#   a message with no report: recorded as rejected, with the reason, and
#     neither bounced nor retried
#   100.eml again: a duplicate
#   a failure report with a line of text that starts with "From ": local(8)
#     hands the command the message after an mbox "From sender date" line
#     and does not quote such lines, so the importer may not take them for
#     the start of another message
# The alias maps "report import"'s exit status onto what local(8) makes
# of it: 0 (imported, duplicates) and 1 (something rejected: recorded in
# the store, nothing to retry) are delivered; 2 (the store failed) becomes
# EX_TEMPFAIL (75), so that Postfix retries instead of bouncing a report.
# Left as it is, exit 1 is no sysexits(3) code, and local(8) bounces the
# message ("Command died with status 1"): dmarc-plain@ shows it (a note,
# not a test). dmarc-broken@ (a store nobody can write) shows the
# deferral.
# Prints "ok report-alias/NAME" or "not ok report-alias/NAME".
# usage: tests/e2e/report_alias.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in /usr/sbin/postfix /usr/sbin/postalias /usr/bin/swaks \
	/usr/sbin/runuser; do
	if [ ! -x "$p" ]; then
		echo "not ok report-alias/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 120 "$here/$(basename "$0")" "$build"
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
ip link set lo up || { echo "not ok report-alias/setup (loopback)"; exit 1; }
trap e2e_stop_all EXIT
fails=0
ok() { echo "ok report-alias/$1"; }
bad() {
	echo "not ok report-alias/$1${2:+: $2}"
	fails=$((fails + 1))
}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
suites=$top/tests/data/suites

# The command runs as nobody (default_privs, since root owns the alias
# database): it must be able to run the build. When the build directory
# is closed to it, a copy of the program and its library is.
emauth=$build/emauth
envset=
if ! runuser -u nobody -- "$emauth" --version >/dev/null 2>&1; then
	mkdir -p bin
	cp "$build/emauth" bin/
	cp -P "$build"/src/libemauth.so* bin/ 2>/dev/null
	chmod -R a+rX bin
	emauth=$tmp/bin/emauth
	envset="LD_LIBRARY_PATH=$tmp/bin "
	if ! runuser -u nobody -- env LD_LIBRARY_PATH="$tmp/bin" \
		"$emauth" --version >/dev/null 2>&1; then
		echo "not ok report-alias/setup (nobody cannot run $build/emauth)"
		exit 1
	fi
fi
mkdir -p store broken
chown nobody store
chmod 755 broken # root's: nobody cannot create a store in it
db=$tmp/store/s.db
import="$envset$emauth report import --store sqlite:$db -"

# Postfix: reports.test is local (local(8), aliases only); sender.test,
# where the reports come from and where bounces would go back to, is
# delivered by virtual(8) into a Maildir.
pf=$tmp/pf
mail=$tmp/mail
mkdir -p "$pf/conf" "$pf/queue" "$pf/data" "$mail"
chown postfix "$pf/data"
chown 65534:65534 "$mail"
cat >"$pf/conf/aliases" <<EOF
# The way to wire it: rejected (1) is delivered, errors (2) are retried.
dmarc: "|$import; r=\$?; case \$r in 0|1) exit 0;; esac; exit 75"
# Left as it is.
dmarc-plain: "|$import"
# A store that cannot be opened, wired as dmarc@ is.
dmarc-broken: "|$envset$emauth report import --store sqlite:$tmp/broken/s.db -; r=\$?; case \$r in 0|1) exit 0;; esac; exit 75"
postmaster: postmaster@sender.test
MAILER-DAEMON: postmaster@sender.test
EOF
cat >"$pf/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.reports.test
mydomain = reports.test
myorigin = reports.test
mydestination = reports.test
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit
smtp_dns_support_level = disabled
alias_maps = hash:$pf/conf/aliases
alias_database = hash:$pf/conf/aliases
local_recipient_maps = \$alias_maps
allow_mail_to_commands = alias
default_privs = nobody
local_transport = local
virtual_mailbox_domains = sender.test
virtual_mailbox_base = $mail
virtual_mailbox_maps = inline:{ reporter@sender.test=reporter/, postmaster@sender.test=postmaster/ }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = virtual
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
biff = no
smtputf8_enable = no
delay_warning_time = 0
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
cat >"$pf/conf/master.cf" <<EOF
127.0.0.1:2525 inet n - n - - smtpd
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
local     unix - n n - - local
virtual   unix - n n - - virtual
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if postalias "$pf/conf/aliases" >pf-alias.log 2>&1 &&
	postfix -c "$pf/conf" check >pf-check.log 2>&1 &&
	postfix -c "$pf/conf" start >pf-start.log 2>&1; then
	e2e_postfix_dirs+=("$pf")
	for _ in $(seq 1 100); do
		listening 2525 && break
		sleep 0.1
	done
fi
if listening 2525; then ok postfix-start; else
	bad postfix-start "$(cat pf-alias.log pf-check.log pf-start.log 2>/dev/null)"
	exit 1
fi

# send NAME FILE [RCPT]: FILE from reporter@sender.test to RCPT
# (dmarc@reports.test); the SMTP dialogue goes to NAME.smtp.
send() {
	swaks --server 127.0.0.1:2525 --helo reporter.sender.test \
		--from reporter@sender.test --to "${3:-dmarc@reports.test}" \
		--data "$2" >"$1.smtp" 2>&1
}
accepted() { grep -q '<- *250 .*queued as' "$1.smtp"; }
queue_id() { sed -n 's/.*<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$1.smtp"; }
# status NAME: Postfix's last word on NAME's message to its recipient
# (sent, bounced, deferred), from the mail log.
status() {
	local id
	id=$(queue_id "$1")
	[ -n "$id" ] || return 0
	grep " $id: to=<$2>" "$pf/maillog" 2>/dev/null | tail -1 |
		sed -n 's/.* status=\([a-z]*\).*/\1/p'
}
# wait_status NAME RCPT SECONDS: until Postfix has tried NAME's message.
wait_status() {
	local _
	for _ in $(seq 1 $(($3 * 10))); do
		[ -n "$(status "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}
# list: the store's entries, one JSON object a line (read as nobody, the
# store's writer: SQLite in WAL mode makes its -wal and -shm files as
# whoever opens it first).
list() {
	runuser -u nobody -- ${envset:+env $envset} "$emauth" report list \
		--store "sqlite:$db" --json 2>/dev/null
}
# entries: the number of entries in the store.
entries() { list | grep -c '^{'; }
wait_entries() {
	local _
	for _ in $(seq 1 $(($2 * 10))); do
		[ "$(entries)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# entry N: the store's Nth entry (from 1), as
# "kind|status|org|report_id|policy_domain|rows|source|reason", where a
# source "(stdin):1" (the first message of an mbox on standard input:
# local(8) puts a "From sender date" line before the message) is shown as
# "(stdin)".
entry() {
	list | sed -n "${1}p" | "$py" -c '
import json, re, sys
for l in sys.stdin:
    o = json.loads(l)
    o["source"] = re.sub(r"^\(stdin\)(:1)?", "(stdin)", o["source"])
    print("|".join(str(o[k] if o[k] is not None else "") for k in
        ("kind", "status", "org", "report_id", "policy_domain", "rows",
         "source", "reason")))'
}
bounces() { find "$mail/reporter/new" -type f 2>/dev/null | wc -l; }

if runuser -u nobody -- ${envset:+env $envset} "$emauth" --version \
	>/dev/null 2>&1; then
	ok nobody-runs-emauth
else
	bad nobody-runs-emauth
fi

# 1. An aggregate report (a zip attachment): imported, as "(stdin)".
send agg1 "$suites/dmarc-reports-stalwart/aggregate/100.eml"
wait_status agg1 dmarc@reports.test 30
wait_entries 1 10
e=$(entry 1)
if accepted agg1 && [ "$(status agg1 dmarc@reports.test)" = sent ] &&
	[[ "$e" == "aggregate|imported|google.com|5264580628977113351|stalw.art|1|(stdin)"* ]]; then
	ok aggregate-imported
else
	bad aggregate-imported "status $(status agg1 dmarc@reports.test): $e"
fi
# Its source names the input: standard input, the attachment, the file
# in the zip.
if [[ "$e" == *"|(stdin)#1 google.com!stalw.art!1669507200!1669593599.zip/google.com!stalw.art!1669507200!1669593599.xml|" ]]; then
	ok aggregate-source-stdin
else
	bad aggregate-source-stdin "$e"
fi

# 2. parsedmarc's Google report (a zip attachment, in a second part).
send agg2 "$suites/dmarc-reports-parsedmarc/aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml"
wait_status agg2 dmarc@reports.test 30
wait_entries 2 10
e=$(entry 2)
if accepted agg2 && [ "$(status agg2 dmarc@reports.test)" = sent ] &&
	[[ "$e" == "aggregate|imported|google.com|949348866075514174|borschow.com|1|(stdin)#2 google.com!borschow.com!1549929600!1550015999.zip/google.com!borschow.com!1549929600!1550015999.xml|" ]]; then
	ok aggregate-zip-imported
else
	bad aggregate-zip-imported "status $(status agg2 dmarc@reports.test): $e"
fi

# 3. A failure report (ARF).
send arf "$suites/dmarc-reports-stalwart/arf/003.eml"
wait_status arf dmarc@reports.test 30
wait_entries 3 10
e=$(entry 3)
if accepted arf && [ "$(status arf dmarc@reports.test)" = sent ] &&
	[ "$e" = "failure|imported|SomeDKIMFilter/1.0|This is a test@1271272531|example.net|1|(stdin)|" ]; then
	ok failure-imported
else
	bad failure-imported "status $(status arf dmarc@reports.test): $e"
fi

# 4. A message with no report: recorded as rejected with its reason; the
# message is delivered (to the command), neither bounced nor deferred.
printf 'From: Someone <someone@sender.test>\nTo: dmarc@reports.test\nSubject: Hello\nDate: %s\nMessage-ID: <noreport@sender.test>\n\nNot a report.\n' \
	"$(date -R)" >noreport.eml
send noreport noreport.eml
wait_status noreport dmarc@reports.test 30
wait_entries 4 10
e=$(entry 4)
if accepted noreport &&
	[[ "$e" == "aggregate|rejected||||0|(stdin)|no report in the message "* ]]; then
	ok non-report-rejected-reason
else
	bad non-report-rejected-reason "$e"
fi
st=$(status noreport dmarc@reports.test)
if [ "$st" = sent ]; then ok non-report-not-bounced; else
	bad non-report-not-bounced "status=$st"
fi

# 5. The first report again: a duplicate, delivered.
send again "$suites/dmarc-reports-stalwart/aggregate/100.eml"
wait_status again dmarc@reports.test 30
wait_entries 5 10
e=$(entry 5)
if accepted again && [ "$(status again dmarc@reports.test)" = sent ] &&
	[[ "$e" == "aggregate|duplicate|google.com|5264580628977113351|stalw.art|0|(stdin)#1 "* ]]; then
	ok duplicate
else
	bad duplicate "status $(status again dmarc@reports.test): $e"
fi
n=$(list | grep -c '"status":"imported"')
if [ "$n" = 3 ]; then ok three-imported; else bad three-imported "$n"; fi

# 6. A failure report whose text has a line that starts with "From " (as
# prose can: "From IP 192.0.2.1 on ..."). local(8) hands the message to
# the command after a "From sender date" line and quotes nothing in it:
# the report is one message all the same.
sed -e 's/^from IP 192.0.2.1/From IP 192.0.2.1/' \
	-e 's/This is a test/A second test/' \
	"$suites/dmarc-reports-stalwart/arf/003.eml" >arf-from.eml
send arffrom arf-from.eml
wait_status arffrom dmarc@reports.test 30
wait_entries 6 10
sleep 0.3 # all of it
e=$(list | sed -n '6,$p' | tr '\n' ' ')
if accepted arffrom && [ "$(entries)" = 6 ] &&
	[ "$(entry 6)" = "failure|imported|SomeDKIMFilter/1.0|A second test@1271272531|example.net|1|(stdin)|" ]; then
	ok failure-from-line-imported
else
	bad failure-from-line-imported "$e"
fi

# 7. A store that cannot be written: Postfix is told to try again later
# (deferred), the report is not bounced.
send broken "$suites/dmarc-reports-stalwart/aggregate/101.eml" \
	dmarc-broken@reports.test
wait_status broken dmarc-broken@reports.test 30
st=$(status broken dmarc-broken@reports.test)
if accepted broken && [ "$st" = deferred ]; then
	ok store-error-deferred
else
	bad store-error-deferred "status=$st"
fi

# 8. The alias without the exit status mapped: what Postfix does with a
# message that is no report (a note, not a test).
send plain noreport.eml dmarc-plain@reports.test
wait_status plain dmarc-plain@reports.test 30
id=$(queue_id plain)
echo "# dmarc-plain@ (report import's own exit status), a message with no report:"
grep " $id: to=<dmarc-plain@reports.test>" "$pf/maillog" | tail -1 |
	sed 's/.* status=/#   status=/'
for _ in $(seq 1 30); do
	[ "$(bounces)" -ge 1 ] && break
	sleep 0.1
done
echo "#   bounces back to reporter@sender.test: $(bounces)"

# Nothing but that note's bounce went back to the sender.
sleep 0.5
nb=$(bounces)
plain_st=$(status plain dmarc-plain@reports.test)
want=0
[ "$plain_st" = bounced ] && want=1
if [ "$nb" = "$want" ]; then ok no-bounce-to-reporter; else
	bad no-bounce-to-reporter "$nb bounces (dmarc-plain@ $plain_st)"
fi

if [ "$fails" != 0 ]; then
	echo "# store:"
	list | sed 's/^/# /'
	echo "# postfix log:"
	sed 's/^/# /' "$pf/maillog" | tail -40
fi
exit $((fails > 0))
