#!/bin/bash
# CLI tests for "emauth verify --record" and "emauth report send" (issue
# #18), offline: verdicts recorded into an SQLite store, reports written
# with --dry-run and "sent" through a sendmail stand-in that keeps each
# message (and can be told to fail); the report messages are verified
# with emauth's own DKIM verifier against the example zones. Prints
# "ok cli/report/NAME" or "not ok cli/report/NAME".
# usage: tests/cli/cli_report.sh BUILD-DIR
AREA=report
. "$(dirname "$0")/../lib/cli.sh"
ex=$top/examples
here=$top/tests/cli/report
dns="zone:$ex/zones/example.com.zone,$ex/zones/mailplatform.example.zone,$ex/zones/reverse.zone,$here/reports.example.zone"
schema=$top/tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd
day=2025-12-02
t0=1764633600
store=sqlite:$tmp/s.db

"$emauth" dkim sign --domain example.com --selector demo2026 \
	--key "$ex/keys/demo2026.private" "$ex/messages/newsletter.eml" \
	>"$tmp/signed.eml"
# The schema harness itself: the working group's example validates.
check schema-example xmllint --noout --schema "$schema" \
	"$top/tests/data/suites/dmarc-report-schema/example.xml"

rec() { # IP MAIL-FROM FILE [TIME]
	"$emauth" verify --dns "$dns" --ip "$1" --mail-from "$2" \
		--helo out7.mailplatform.example --rcpt-to bob@receiver.example \
		--record "$store" --time "${4:-$((t0 + 60))}" "$3" >/dev/null 2>"$tmp/rec.err"
}
msg_from() { # DOMAIN -> file
	printf 'From: <news@%s>\r\nTo: <bob@receiver.example>\r\nSubject: t\r\nDate: Tue, 02 Dec 2025 10:00:00 +0000\r\nMessage-ID: <t@%s>\r\n\r\nbody\r\n' "$1" "$1" >"$tmp/$1.eml"
	echo "$tmp/$1.eml"
}

# verify --record: the exit status still says the DMARC result; the rows
# are there.
rec 203.0.113.140 bounce@example.com "$tmp/signed.eml"
check record-pass-exit test $? -eq 0
rec 203.0.113.140 bounce@example.com "$tmp/signed.eml"
rec 192.0.2.199 b@bounces.mailplatform.example "$ex/messages/newsletter.eml"
check record-fail-exit test $? -eq 1
# A message of the previous day is in no report of this one.
rec 192.0.2.199 b@bounces.mailplatform.example "$ex/messages/newsletter.eml" $((t0 - 10))
for d in own.example ext-ok.example ext-no.example small.example two.example; do
	rec 192.0.2.10 "x@$d" "$(msg_from "$d")"
done
check record-rows test "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_verdicts')" = 9
check record-envelope-to test "$(sqlite3 "$tmp/s.db" "select distinct envelope_to from emauth_verdicts")" = receiver.example
check record-time test "$(sqlite3 "$tmp/s.db" "select min(t) from emauth_verdicts")" = $((t0 - 10))
check record-selector grep -q "demo2026" <(sqlite3 "$tmp/s.db" 'select dkim from emauth_verdicts')

run record-bad-store 2 verify --dns "$dns" --ip 203.0.113.140 \
	--mail-from bounce@example.com --record mysql://x "$tmp/signed.eml" &&
	check record-bad-store-says grep -q 'not a store' "$tmp/err"
run time-without-record 2 verify --dns "$dns" --ip 203.0.113.140 \
	--mail-from bounce@example.com --time 5 "$tmp/signed.eml"
run bad-time 2 verify --dns "$dns" --ip 203.0.113.140 \
	--mail-from bounce@example.com --record "$store" --time 12x "$tmp/signed.eml"

# The configuration: the reports are signed by example.com's demo2026 key
# (the SigningTable's key for ReportEmail), and "sent" by a stand-in.
mkdir -p "$tmp/sent" "$tmp/dry"
cat >"$tmp/sendmail" <<SH
#!/bin/sh
# Keeps the message and its arguments; fails when told to.
n=\$(ls "$tmp/sent" | wc -l)
printf '%s\n' "\$@" >"$tmp/sent/\$n.args"
cat >"$tmp/sent/\$n.eml"
for r in \$(cat "$tmp/fail-for" 2>/dev/null); do
	case " \$* " in *" \$r "*) rm -f "$tmp/sent/\$n.eml" "$tmp/sent/\$n.args"; exit 75 ;; esac
done
exit 0
SH
chmod +x "$tmp/sendmail"
cp "$ex/keys/demo2026.private" "$tmp/key.private"
chmod 600 "$tmp/key.private"
cat >"$tmp/c.conf" <<CONF
Mode v
ReportEmail dmarc@example.com
ReportOrgName Example Receiver
ReportSubmit $tmp/sendmail
ReportKeepDays 3650
Domain example.com
Selector demo2026
KeyFile $tmp/key.private
CONF

# Usage.
run no-store 2 report send -c "$tmp/c.conf" --dry-run "$tmp/dry" &&
	check no-store-says grep -q 'no store' "$tmp/err"
run bad-day 2 report send -c "$tmp/c.conf" --store "$store" --day 2025-02-30
run bad-day-form 2 report send -c "$tmp/c.conf" --store "$store" --day 12/02/2025
run dry-not-folder 2 report send -c "$tmp/c.conf" --store "$store" --day $day --dry-run "$tmp/nothere"
printf 'Mode v\n' >"$tmp/noemail.conf"
run no-report-email 2 report send -c "$tmp/noemail.conf" --store "$store" --day $day --dry-run "$tmp/dry" &&
	check no-report-email-says grep -q 'ReportEmail' "$tmp/err"
printf 'ReportStore mysql://x\n' >"$tmp/badstore.conf"
run config-bad-store 2 report send -c "$tmp/badstore.conf" &&
	check config-bad-store-line grep -q 'badstore.conf:1: ReportStore' "$tmp/err"
run report-no-verb 2 report
run report-unknown-verb 2 report mail

# --dry-run: one file per policy domain with rua=, valid, nothing marked.
if run dry-run 0 report send -c "$tmp/c.conf" --store "$store" --dns "$dns" --day $day --dry-run "$tmp/dry"; then
	check dry-run-files test "$(ls "$tmp/dry" | wc -l)" -eq 6
	check dry-run-says grep -q '^6 reports written, nothing marked sent$' "$tmp/out"
	f=$(ls "$tmp/dry"/*'!example.com!'*)
	check dry-run-file-name test "${f##*/}" = "example.com!example.com!$t0!$((t0 + 86399))!$(gzip -dc "$f" | sed -n 's:.*<report_id>\(.*\)</report_id>.*:\1:p').xml.gz"
	gzip -dc "$f" >"$tmp/ex.xml"
	check dry-run-schema xmllint --noout --schema "$schema" "$tmp/ex.xml"
	check dry-run-counts python3 - "$tmp/ex.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}
r = ET.parse(sys.argv[1]).getroot()
got = {(x.find("d:row/d:source_ip", ns).text, x.find("d:row/d:policy_evaluated/d:disposition", ns).text): int(x.find("d:row/d:count", ns).text) for x in r.findall("d:record", ns)}
sys.exit(0 if got == {("203.0.113.140", "pass"): 2, ("192.0.2.199", "reject"): 1} else 1)
PY
	check dry-run-nothing-marked test "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_reports')" = 0
fi
# emauth's own reader (issue #19) reads back what its sender wrote: each
# report's reporter, id, policy domain and period, and every record with
# its count, as the XML has them.
if run read-back 0 report import --store "sqlite:$tmp/back.db" "$tmp/dry"; then
	check read-back-all grep -q '^6 imported, 0 duplicates, 0 rejected$' "$tmp/out"
	check read-back-identical python3 - "$tmp/dry" "$tmp/back.db" <<'PY'
import glob, gzip, os, sqlite3, sys
import xml.etree.ElementTree as ET
ns = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}
db = sqlite3.connect(sys.argv[2])
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.xml.gz"))):
    r = ET.fromstring(gzip.decompress(open(f, "rb").read()))
    rid = r.find("d:report_metadata/d:report_id", ns).text
    it = db.execute("select id, org, policy_domain, begin_t, end_t from emauth_imports"
                    " where report_id = ? and status = 'imported'", (rid,)).fetchone()
    assert it, rid
    assert it[1] == r.find("d:report_metadata/d:org_name", ns).text
    assert it[2] == r.find("d:policy_published/d:domain", ns).text
    assert it[3] == int(r.find("d:report_metadata/d:date_range/d:begin", ns).text)
    assert it[4] == int(r.find("d:report_metadata/d:date_range/d:end", ns).text)
    want = sorted((x.find("d:row/d:source_ip", ns).text, int(x.find("d:row/d:count", ns).text),
                   x.find("d:row/d:policy_evaluated/d:disposition", ns).text,
                   x.find("d:row/d:policy_evaluated/d:dkim", ns).text,
                   x.find("d:row/d:policy_evaluated/d:spf", ns).text,
                   x.find("d:identifiers/d:header_from", ns).text)
                  for x in r.findall("d:record", ns))
    got = sorted(db.execute("select source_ip, count, disposition, dkim, spf, header_from"
                            " from emauth_agg_records where import_id = ?", (it[0],)).fetchall())
    assert want == got, (f, want, got)
PY
fi
# A day without traffic: no report.
run empty-day 0 report send -c "$tmp/c.conf" --store "$store" --dns "$dns" --day 2025-11-01 --dry-run "$tmp/dry" &&
	check empty-day-none grep -q '^0 reports written' "$tmp/out"

# Sending: two.example's second destination fails (a temporary failure of
# the submission, exit 75): it is retried on the next run, the rest is not
# sent again.
echo b@two.example >"$tmp/fail-for"
run send-partial 1 report send -c "$tmp/c.conf" --store "$store" --dns "$dns" --day $day
check send-sent grep -q 'example.com -> dmarc-reports@example.com: sent' "$tmp/out"
check send-own-org grep -q 'own.example -> dmarc@reports.own.example: sent' "$tmp/out"
check send-external-authorized grep -q 'ext-ok.example -> agg@collector.example: sent' "$tmp/out"
check send-external-refused grep -q 'ext-no.example -> agg@stranger.example: skipped: stranger.example does not publish ext-no.example._report._dmarc.stranger.example' "$tmp/out"
check send-size-limit grep -q 'small.example -> dmarc@small.example: not sent: the report message is [0-9]* bytes, over the destination.s limit of 1024 (!size)' "$tmp/out"
check send-two-first grep -q 'two.example -> a@two.example: sent' "$tmp/out"
check send-two-second-failed grep -q 'two.example -> b@two.example: failed: .*exited with status 75; retried next run' "$tmp/out"
check send-summary grep -q '^4 sent, 1 failed, 2 not sent, 0 sent before' "$tmp/out"
check send-messages test "$(ls "$tmp"/sent/*.eml | wc -l)" -eq 4
m=$(grep -l '^To: <dmarc-reports@example.com>' "$tmp"/sent/*.eml)
check send-args grep -qx -- '-f' "${m%.eml}.args"
check send-envelope-from grep -qx 'dmarc@example.com' "${m%.eml}.args"
check send-subject grep -q "^Subject: Report Domain: example.com Submitter: example.com Report-ID: <[0-9a-f]*@example.com>" "$m"
check send-multipart grep -q '^Content-Type: multipart/mixed; boundary=' "$m"
check send-attachment grep -q '^Content-Type: application/gzip; name="example.com!example.com!' "$m"
check send-crlf python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d.count(b"\n")==d.count(b"\r\n") else 1)' "$m"
# The DKIM signature of the reporting domain verifies.
run send-signed 0 dkim verify --dns "$dns" "$m" &&
	check send-signed-by grep -q 'd=example.com s=demo2026' "$tmp/out"
# The attachment is the report that --dry-run wrote.
python3 - "$m" "$tmp/att.gz" <<'PY'
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in msg.walk():
    if p.get_content_type() == "application/gzip":
        open(sys.argv[2], "wb").write(p.get_payload(decode=True))
PY
check send-attachment-is-report cmp <(gzip -dc "$tmp/att.gz") "$tmp/ex.xml"

: >"$tmp/fail-for"
run send-again 0 report send -c "$tmp/c.conf" --store "$store" --dns "$dns" --day $day
check resend-only-failed grep -q '^1 sent, 0 failed, 0 not sent, 6 sent before; 0 old rows pruned' "$tmp/out"
check resend-second grep -q 'two.example -> b@two.example: sent' "$tmp/out"
check resend-not-twice grep -q 'example.com -> dmarc-reports@example.com: already sent' "$tmp/out"
check resend-messages test "$(ls "$tmp"/sent/*.eml | wc -l)" -eq 5
# The retried report is the same report (same id) as the first attempt's.
id1=$(sed -n 's/^Subject: .*Report-ID: <\(.*\)>.*/\1/p' "$(grep -l '^To: <a@two.example>' "$tmp"/sent/*.eml)")
id2=$(sed -n 's/^Subject: .*Report-ID: <\(.*\)>.*/\1/p' "$(grep -l '^To: <b@two.example>' "$tmp"/sent/*.eml)")
check resend-same-id test -n "$id1" -a "$id1" = "$id2"

# Retention: with ReportKeepDays 1 the day is long past: its rows, all
# reported (or given up), go; the previous day's row, never reported,
# stays. Nothing is sent again.
sed 's/^ReportKeepDays .*/ReportKeepDays 1/' "$tmp/c.conf" >"$tmp/c1.conf"
run prune 0 report send -c "$tmp/c1.conf" --store "$store" --dns "$dns" --day $day
check pruned-says grep -q '^0 sent, 0 failed, 0 not sent, 7 sent before; 8 old rows pruned$' "$tmp/out"
check pruned test "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_verdicts')" = 1
check pruned-kept-unreported test "$(sqlite3 "$tmp/s.db" 'select t from emauth_verdicts')" = $((t0 - 10))

[ "$fails" -eq 0 ]
