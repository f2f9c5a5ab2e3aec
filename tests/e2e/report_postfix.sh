#!/bin/bash
# DMARC reports end to end: a real Postfix (one smtpd with emauth-milter in
# Mode v, one without it for the reports, virtual(8) delivery into local
# Maildirs), a real NSD serving tests/e2e/report/zones, emauth-milter
# recording every DMARC evaluation into an SQLite store and sending
# failure reports, and "emauth report send" mailing the aggregate reports,
# all on 127.0.0.0/8 in a private network and mount namespace.
#
# Mail of three sending domains reaches mx.receiver.test:
#   good.test    from its server 127.0.0.1, signed: DMARC pass (twice)
#   forged.test  from a forger at 127.0.0.2: DMARC fail, p=reject, so
#                refused 550 5.7.26 (twice), with a failure report to its
#                ruf= each time (fo=1); and from its own signing server
#                127.0.0.4: pass
#   news.test    through the mailing list forwarder.test (127.0.0.3),
#                whose footer breaks the signature: DMARC fail,
#                p=quarantine, so held
# The aggregate reports of the day then go to dmarc@reports.test (outside
# the policy domains, which consents in DNS): one per policy domain,
# DKIM-signed by receiver.test, valid against RFC 9990's schema, with the
# counts and dispositions above; a second run sends nothing.
# Prints "ok report-e2e/NAME" or "not ok report-e2e/NAME".
# usage: tests/e2e/report_postfix.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in /usr/sbin/nsd /usr/sbin/postfix /usr/bin/swaks /usr/bin/sqlite3 \
	/usr/bin/xmllint; do
	if [ ! -x "$p" ]; then
		echo "not ok report-e2e/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 240 "$here/$(basename "$0")" "$build"
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
bench_netns_resolver "$tmp" || exit 1
bench_root_zone "$tmp"
zones=("$tmp/root.zone" "$here"/report/zones/*.zone)
bench_nsd_start "$tmp/nsd" "${zones[@]}" >nsd.log 2>&1 ||
	{ echo "not ok report-e2e/nsd-start"; cat nsd.log; exit 1; }
milter_pid=
cleanup() {
	[ -n "$milter_pid" ] && kill "$milter_pid" 2>/dev/null
	e2e_stop_all
	bench_nsd_stop
}
trap cleanup EXIT
fails=0
ok() { echo "ok report-e2e/$1"; }
bad() {
	echo "not ok report-e2e/$1${2:+: $2}"
	fails=$((fails + 1))
}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

# The receiver's configuration: verify only (Mode v: 127.0.0.1 is the
# default InternalHosts, which would otherwise sign), DMARC enforced, every
# evaluation recorded, failure reports on; and the key that signs the
# reports (the SigningTable's key for ReportEmail).
mkdir -p etc keys run store
chown nobody run store
cp "$top/examples/keys/demo2026.private" keys/rpt.private
chown nobody keys/rpt.private
chmod 600 keys/rpt.private
cat >etc/KeyTable <<KT
reports     receiver.test:rpt:$tmp/keys/rpt.private
KT
cat >etc/SigningTable <<ST
*@receiver.test    reports
ST
cat >etc/emauth-milter.conf <<CONF
Syslog                  yes
SyslogSuccess           yes
LogWhy                  yes
Mode                    v
Socket                  inet:8893@127.0.0.1
PidFile                 $tmp/run/milter.pid
UserID                  nobody
KeyTable                $tmp/etc/KeyTable
SigningTable            refile:$tmp/etc/SigningTable
AuthservID              mx.receiver.test
DMARCEnforce            reject
Nameservers             127.0.0.1
DNSTimeout              2

ReportStore             sqlite:$tmp/store/verdicts.db
ReportOrgName           Receiver Test Mail
ReportEmail             dmarc-reports@receiver.test
ReportSubmit            smtp://127.0.0.1:2527
ReportKeepDays          7
FailureReports          yes
FailureReportsPerHour   10
FailureReportsRedact    no
FailureReportsBody      yes
CONF
: >milter.log
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
"$build/emauth-milter" -f -c etc/emauth-milter.conf >>milter.log 2>&1 &
milter_pid=$!
for _ in $(seq 1 50); do
	grep -q 'started on' milter.log && break
	sleep 0.1
done
if grep -q 'started on' milter.log; then ok milter-start; else
	bad milter-start "$(cat milter.log)"
	exit 1
fi

# Postfix: 2525 with the milter (the MX), 2527 without it (where the
# reports are submitted); receiver.test and reports.test are delivered by
# virtual(8) into Maildirs under $tmp/mail.
pf=$tmp/pf
mail=$tmp/mail
mkdir -p "$pf/conf" "$pf/queue" "$pf/data" "$mail"
chown postfix "$pf/data"
chown 65534:65534 "$mail"
cat >"$pf/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.receiver.test
mydomain = receiver.test
myorigin = receiver.test
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit
smtp_dns_support_level = disabled
virtual_mailbox_domains = receiver.test, reports.test
virtual_mailbox_base = $mail
virtual_mailbox_maps = inline:{ bob@receiver.test=receiver/bob/, dmarc@reports.test=reports/dmarc/, ruf@reports.test=reports/ruf/ }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = virtual
milter_default_action = tempfail
alias_maps =
alias_database =
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
biff = no
smtputf8_enable = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
cat >"$pf/conf/master.cf" <<EOF
127.0.0.1:2525 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8893
127.0.0.1:2527 inet n - n - - smtpd
  -o smtpd_milters=
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
if postfix -c "$pf/conf" check >pf-check.log 2>&1 &&
	postfix -c "$pf/conf" start >pf-start.log 2>&1; then
	e2e_postfix_dirs+=("$pf")
	for _ in $(seq 1 100); do
		listening 2525 && listening 2527 && break
		sleep 0.1
	done
fi
if listening 2525 && listening 2527; then ok postfix-start; else
	bad postfix-start "$(cat pf-check.log pf-start.log)"
	exit 1
fi

# maildir_count DIR: the messages delivered into Maildir DIR.
maildir_count() {
	find "$1/new" -type f 2>/dev/null | wc -l
}
# wait_maildir DIR N SECONDS: until DIR holds N messages.
wait_maildir() {
	local _
	for _ in $(seq 1 $(($3 * 10))); do
		[ "$(maildir_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# in_maildir DIR MESSAGE-ID: the file of that message in Maildir DIR.
in_maildir() {
	grep -l "^Message-ID: <$2>" "$1"/new/* 2>/dev/null | head -1
}

# message NAME FROM-FIELD [BODY-LINE]: a message from FROM-FIELD's author
# to bob@receiver.test, as NAME.eml.
message() {
	printf 'From: %s\nTo: Bob <bob@receiver.test>\nSubject: test %s\n' \
		"$2" "$1"
	printf 'Date: %s\nMessage-ID: <%s@e2e.test>\nMIME-Version: 1.0\n' \
		"$(date -R)" "$1"
	printf 'Content-Type: text/plain; charset=us-ascii\n\n'
	printf 'Hello from %s.\n%s\n' "$1" "${3:-}"
}
# signed DOMAIN: standard input signed by DOMAIN's selector s1.
signed() {
	"$build/emauth" dkim sign --domain "$1" --selector s1 \
		--key "$top/examples/keys/demo2026.private" -
}
# send NAME CLIENT-IP MAIL-FROM: NAME.eml through the MX from CLIENT-IP;
# the SMTP dialogue goes to NAME.smtp.
send() {
	swaks --server 127.0.0.1:2525 --local-interface "$2" \
		--helo "client.test" --from "$3" --to bob@receiver.test \
		--data "$1.eml" >"$1.smtp" 2>&1
}
accepted() { grep -q '<- *250 .*queued as' "$1.smtp"; }

day=$(date -u +%F)
bob=$mail/receiver/bob
ruf=$mail/reports/ruf
rua=$mail/reports/dmarc

# 1. good.test: its own server, signed: DMARC pass, delivered.
for n in good1 good2; do
	message $n "Alice <alice@good.test>" | signed good.test >$n.eml
	send $n 127.0.0.1 alice@good.test
done
wait_maildir "$bob" 2 30
f1=$(in_maildir "$bob" good1@e2e.test)
f2=$(in_maildir "$bob" good2@e2e.test)
if accepted good1 && accepted good2 && [ -n "$f1" ] && [ -n "$f2" ] &&
	grep -A6 '^Authentication-Results: mx.receiver.test' "$f1" |
	tr -d '\n' | grep -q 'spf=pass.*dkim=pass.*dmarc=pass'; then
	ok good-delivered-dmarc-pass
else
	bad good-delivered-dmarc-pass "$(grep -E '^<' good1.smtp | tail -2)"
fi

# 2. forged.test from a forger: refused with DMARC's code (twice); from
# its own server, signed: delivered.
for n in forged1 forged2; do
	message $n "Forged.test CEO <ceo@forged.test>" >$n.eml
	send $n 127.0.0.2 ceo@forged.test
done
if grep -q '<\*\* *550 5.7.26 .*forged.test' forged1.smtp &&
	grep -q '<\*\* *550 5.7.26 .*forged.test' forged2.smtp; then
	ok forged-rejected-5.7.26
else
	bad forged-rejected-5.7.26 "$(grep -E '^<' forged1.smtp | tail -2)"
fi
message forgedlegit "Forged.test news <news@forged.test>" |
	signed forged.test >forgedlegit.eml
send forgedlegit 127.0.0.4 news@forged.test
wait_maildir "$bob" 3 30
f=$(in_maildir "$bob" forgedlegit@e2e.test)
if accepted forgedlegit && [ -n "$f" ] &&
	grep -A6 '^Authentication-Results: mx.receiver.test' "$f" |
	tr -d '\n' | grep -q 'dmarc=pass'; then
	ok forged-domain-own-server-delivered
else
	bad forged-domain-own-server-delivered \
		"$(grep -E '^<' forgedlegit.smtp | tail -2)"
fi

# 3. news.test through the list: the footer breaks the signature and the
# list's envelope sender does not align: DMARC fail, p=quarantine: taken
# and held by Postfix.
{
	message forwarded "News <letter@news.test>" | signed news.test
	printf -- '-- \nYou are on the forwarder.test list.\n'
} >forwarded.eml
send forwarded 127.0.0.3 list-bounces@forwarder.test
held=
for _ in $(seq 1 100); do
	held=$(find "$pf/queue/hold" -type f 2>/dev/null | head -1)
	[ -n "$held" ] && break
	sleep 0.1
done
if accepted forwarded && [ -n "$held" ] &&
	[ -z "$(in_maildir "$bob" forwarded@e2e.test)" ]; then
	ok forwarded-quarantined
else
	bad forwarded-quarantined "$(grep -E '^<' forwarded.smtp | tail -2)"
fi

# 4. The store: one row per message (6), by policy domain; the recorder
# writes about every second.
db=$tmp/store/verdicts.db
# Read-only: a query before the milter made the file must not create it
# (as root, which the milter, running as nobody, could not write).
q() { sqlite3 -readonly -batch -noheader "$db" "$1" 2>/dev/null; }
for _ in $(seq 1 100); do
	[ "$(q 'SELECT COUNT(*) FROM emauth_verdicts')" = 6 ] && break
	sleep 0.1
done
sleep 0.5 # nothing more comes
rows=$(q "SELECT policy_domain, ip, dmarc, disposition, COUNT(*)
	FROM emauth_verdicts GROUP BY 1, 2, 3, 4 ORDER BY 1, 2" | tr '\n' ' ')
want='forged.test|127.0.0.2|fail|reject|2 forged.test|127.0.0.4|pass|none|1 good.test|127.0.0.1|pass|none|2 news.test|127.0.0.3|fail|quarantine|1 '
if [ "$(q 'SELECT COUNT(*) FROM emauth_verdicts')" = 6 ] &&
	[ "$rows" = "$want" ]; then
	ok store-one-row-per-message
else
	bad store-one-row-per-message "rows: $rows"
fi

# 5. The failure reports: one for each forged message (fo=1), none for
# the passing ones, in ruf@reports.test's Maildir, as ARF.
wait_maildir "$ruf" 2 30
sleep 1 # a third would be wrong
nruf=$(maildir_count "$ruf")
arf_ok=0
for f in "$ruf"/new/*; do
	[ -f "$f" ] || continue
	if grep -q '^Content-Type: multipart/report; report-type=feedback-report' "$f" &&
		grep -q '^Feedback-Type: auth-failure' "$f" &&
		grep -q '^Source-IP: 127.0.0.2' "$f" &&
		grep -q '^Reported-Domain: forged.test' "$f" &&
		grep -q '^Auth-Failure: dmarc' "$f" &&
		grep -q '^Message-ID: <forged[12]@e2e.test>' "$f"; then
		arf_ok=$((arf_ok + 1))
	fi
done
if [ "$nruf" = 2 ] && [ "$arf_ok" = 2 ]; then
	ok failure-reports-arf
else
	bad failure-reports-arf "$nruf delivered, $arf_ok as expected"
fi
if grep -q 'failure report for forged.test sent to ruf@reports.test' milter.log; then
	ok failure-reports-logged
else
	bad failure-reports-logged
fi

# 6. The aggregate reports of the day: sent, one per policy domain.
"$build/emauth" report send -c etc/emauth-milter.conf \
	--dns server:127.0.0.1 --day "$day" >send1.out 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^3 sent, 0 failed, 0 not sent, 0 sent before' send1.out; then
	ok report-send
else
	bad report-send "exit $rc: $(cat send1.out)"
fi
wait_maildir "$rua" 3 30
sleep 1
nrua=$(maildir_count "$rua")
if [ "$nrua" = 3 ]; then ok reports-arrive; else
	bad reports-arrive "$nrua in dmarc@reports.test's Maildir"
fi

# Each report: signed by receiver.test (verified against NSD's key).
vpass=0
for f in "$rua"/new/*; do
	[ -f "$f" ] || continue
	out=$("$build/emauth" dkim verify --dns server:127.0.0.1 "$f" 2>&1)
	if grep -q '^DKIM-Signature:.* d=receiver.test;' "$f" &&
		grep -q 'dkim=pass d=receiver.test s=rpt ' <<<"$out" &&
		! grep -q fail <<<"$out"; then
		vpass=$((vpass + 1))
	else
		echo "# $f: $out"
	fi
done
if [ "$nrua" -gt 0 ] && [ "$vpass" = "$nrua" ]; then
	ok reports-dkim-pass
else
	bad reports-dkim-pass "$vpass of $nrua verify"
fi

# The attachments: decoded, validated against RFC 9990's schema, read.
mkdir -p xml
"$py" - "$rua/new" xml >reports.txt 2>reports.err <<'PY'
import email, email.policy, gzip, os, sys
import xml.etree.ElementTree as ET
src, out = sys.argv[1], sys.argv[2]
ns = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), "rb") as fh:
        m = email.message_from_binary_file(fh, policy=email.policy.default)
    gz = [p for p in m.walk() if p.get_content_type() == "application/gzip"]
    if len(gz) != 1:
        print("bad %s: %d gzip parts" % (name, len(gz)))
        continue
    fname = gz[0].get_filename() or ""
    data = gzip.decompress(gz[0].get_payload(decode=True))
    root = ET.fromstring(data)
    dom = root.findtext("d:policy_published/d:domain", namespaces=ns)
    with open(os.path.join(out, dom + ".xml"), "wb") as fh:
        fh.write(data)
    rid = root.findtext("d:report_metadata/d:report_id", namespaces=ns)
    print("report %s %s" % (dom, rid))
    print("subject %s %s" % (dom, " ".join(str(m["Subject"]).split())))
    print("file %s %s" % (dom, fname))
    print("from %s %s" % (dom, m["From"]))
    print("meta %s %s|%s|%s" % (dom,
        root.findtext("d:report_metadata/d:org_name", namespaces=ns),
        root.findtext("d:report_metadata/d:email", namespaces=ns),
        root.findtext("d:policy_published/d:p", namespaces=ns)))
    for r in root.findall("d:record", ns):
        g = lambda p: r.findtext(p, default="", namespaces=ns)
        dk = ",".join("%s/%s/%s" % (d.findtext("d:domain", namespaces=ns),
                                    d.findtext("d:selector", namespaces=ns),
                                    d.findtext("d:result", namespaces=ns))
                      for d in r.findall("d:auth_results/d:dkim", ns))
        print("record %s %s %s %s %s %s hfrom=%s efrom=%s dkim=%s spf=%s/%s" % (
            dom, g("d:row/d:source_ip"), g("d:row/d:count"),
            g("d:row/d:policy_evaluated/d:disposition"),
            g("d:row/d:policy_evaluated/d:dkim"),
            g("d:row/d:policy_evaluated/d:spf"),
            g("d:identifiers/d:header_from"),
            g("d:identifiers/d:envelope_from"), dk or "-",
            g("d:auth_results/d:spf/d:domain"),
            g("d:auth_results/d:spf/d:result")))
PY
if [ -s reports.err ] || grep -q '^bad ' reports.txt; then
	bad reports-decode "$(cat reports.err; grep '^bad ' reports.txt)"
fi
doms=$(awk '$1 == "report" {print $2}' reports.txt | sort | tr '\n' ' ')
if [ "$doms" = "forged.test good.test news.test " ]; then
	ok reports-one-per-domain
else
	bad reports-one-per-domain "domains: $doms"
fi
xsd=$top/tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd
nvalid=0
for x in xml/*.xml; do
	[ -f "$x" ] || continue
	if xmllint --noout --schema "$xsd" "$x" >xmllint.out 2>&1; then
		nvalid=$((nvalid + 1))
	else
		sed 's/^/# /' xmllint.out
	fi
done
if [ "$nvalid" = 3 ]; then ok reports-schema-valid; else
	bad reports-schema-valid "$nvalid of 3 valid"
fi
subj_ok=0
for d in good.test forged.test news.test; do
	rid=$(awk -v d="$d" '$1 == "report" && $2 == d {print $3}' reports.txt)
	[ -n "$rid" ] || continue
	grep -qxF "subject $d Report Domain: $d Submitter: receiver.test Report-ID: <$rid@receiver.test>" reports.txt &&
		grep -qE "^file $d receiver\.test!$d![0-9]+![0-9]+!$rid\.xml\.gz$" reports.txt &&
		grep -qxF "from $d Receiver Test Mail <dmarc-reports@receiver.test>" reports.txt &&
		subj_ok=$((subj_ok + 1))
done
if [ "$subj_ok" = 3 ]; then ok reports-subject-filename; else
	bad reports-subject-filename "$(grep -E '^(subject|file|from) ' reports.txt)"
fi
meta_ok=$(grep -c '^meta [a-z.]* Receiver Test Mail|dmarc-reports@receiver.test|' reports.txt)
if [ "$meta_ok" = 3 ] && grep -q '^meta news.test .*|quarantine$' reports.txt &&
	grep -q '^meta good.test .*|reject$' reports.txt; then
	ok reports-metadata
else
	bad reports-metadata "$(grep '^meta ' reports.txt)"
fi
got=$(grep '^record ' reports.txt | sort)
want=$(sort <<'EOF'
record good.test 127.0.0.1 2 pass pass pass hfrom=good.test efrom=good.test dkim=good.test/s1/pass spf=good.test/pass
record forged.test 127.0.0.2 2 reject fail fail hfrom=forged.test efrom=forged.test dkim=- spf=forged.test/fail
record forged.test 127.0.0.4 1 pass pass pass hfrom=forged.test efrom=forged.test dkim=forged.test/s1/pass spf=forged.test/pass
record news.test 127.0.0.3 1 quarantine fail fail hfrom=news.test efrom=forwarder.test dkim=news.test/s1/fail spf=forwarder.test/pass
EOF
)
if [ "$got" = "$want" ]; then ok reports-counts-dispositions; else
	bad reports-counts-dispositions "got:
$got"
fi

# 7. Again: nothing is sent twice.
"$build/emauth" report send -c etc/emauth-milter.conf \
	--dns server:127.0.0.1 --day "$day" >send2.out 2>&1
rc=$?
sleep 2
if [ "$rc" = 0 ] && [ "$(grep -c ': already sent$' send2.out)" = 3 ] &&
	grep -q '^0 sent, 0 failed, 0 not sent, 3 sent before' send2.out &&
	[ "$(maildir_count "$rua")" = 3 ]; then
	ok report-send-rerun-nothing-twice
else
	bad report-send-rerun-nothing-twice "exit $rc: $(cat send2.out)"
fi

# 8. SIGTERM: a clean stop; nothing reported by the sanitizers.
kill -TERM "$milter_pid"
wait "$milter_pid"
rc=$?
milter_pid=
if [ "$rc" = 0 ] && grep -q stopped milter.log; then ok milter-sigterm-clean
else bad milter-sigterm-clean "exit $rc"; fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' milter.log \
	send1.out send2.out; then
	bad sanitizers "$(grep -h -m3 -E 'Sanitizer|runtime error' milter.log send1.out send2.out)"
else
	ok sanitizers
fi
if [ "$fails" != 0 ]; then
	echo "# milter log:"
	sed 's/^/# /' milter.log | tail -30
	echo "# postfix log:"
	sed 's/^/# /' "$pf/maillog" | tail -30
	echo "# report send:"
	sed 's/^/# /' send1.out
	echo "# reports:"
	sed 's/^/# /' reports.txt
fi
exit $((fails > 0))
