#!/bin/bash
# CLI tests for "emauth report import", "list" and "summary" (issue #19),
# offline: crafted aggregate reports for shop.example from several
# receivers (sources: Mailchimp, Google Workspace, Amazon SES by its
# reverse DNS, an unknown bulk mailer grouped by its reverse-DNS base
# domain, an unknown address), imported from files, gzip, zip, a message,
# an mbox, a Maildir and standard input; the listing's fields; the
# summary's numbers, sources, advice and readiness, before and after the
# senders are fixed. Prints "ok cli/report-import/NAME" or "not ok ...".
# usage: tests/cli/cli_report_import.sh BUILD-DIR
AREA=report-import
. "$(dirname "$0")/../lib/cli.sh"
here=$top/tests/cli/report
dns="zone:$here/sources.zone,$here/forward.zone,$here/forward-uk.zone"
store=sqlite:$tmp/s.db
senders=$top/data/senders.map
day=1764633600 # 2025-12-02

# report ORG ID BEGIN "IP COUNT DKIM SPF DISP DKIMDOMAIN SPFDOMAIN" ...
report() {
	local org=$1 id=$2 begin=$3
	shift 3
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <report_metadata><org_name>$org</org_name><email>dmarc@$org</email>
    <report_id>$id</report_id>
    <date_range><begin>$begin</begin><end>$((begin + 86399))</end></date_range>
  </report_metadata>
  <policy_published><domain>shop.example</domain><p>none</p></policy_published>
XML
	local r
	for r in "$@"; do
		set -- $r
		cat <<XML
  <record>
    <row><source_ip>$1</source_ip><count>$2</count>
      <policy_evaluated><disposition>$5</disposition><dkim>$3</dkim><spf>$4</spf></policy_evaluated></row>
    <identifiers><header_from>shop.example</header_from></identifiers>
    <auth_results>
      <dkim><domain>$6</domain><selector>s1</selector><result>$( [ "$3" = pass ] && echo pass || echo ${8:-pass})</result></dkim>
      <spf><domain>$7</domain><scope>mfrom</scope><result>pass</result></spf>
    </auth_results>
  </record>
XML
	done
	echo "</feedback>"
}
# Mailchimp: SPF passes for mcsv.net (unaligned), DKIM by mcsv.net
# (unaligned): DMARC fails. Google Workspace: aligned DKIM. Amazon SES:
# known by reverse DNS, aligned. The bulk mailer and 198.51.100.99 fail.
report google.com g-1 $day \
	"198.2.130.5 1000 fail fail none mcsv.net mcsv.net" \
	"209.85.220.41 500 pass pass none shop.example shop.example" \
	"203.0.113.10 300 pass fail none shop.example amazonses.com" \
	>"$tmp/google.xml"
report yahoo.com y-1 $day \
	"203.0.113.21 40 fail fail none bulkmailer.co.uk bulkmailer.co.uk" \
	"203.0.113.22 60 fail fail none bulkmailer.co.uk bulkmailer.co.uk" \
	"198.51.100.99 100 fail fail none forged.example forged.example fail" \
	>"$tmp/yahoo.xml"
gzip -c "$tmp/yahoo.xml" >"$tmp/yahoo.xml.gz"
report outlook.com o-1 $day \
	"209.85.220.41 250 pass pass none shop.example shop.example" \
	>"$tmp/outlook.xml"
(cd "$tmp" && python3 -c 'import zipfile; z=zipfile.ZipFile("outlook.zip","w",zipfile.ZIP_DEFLATED); z.write("outlook.xml"); z.close()')
# A report mail (multipart, the zip attached in base64).
python3 - "$tmp/outlook.zip" "$tmp/outlook.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "noreply-dmarc-support@outlook.com"
m["To"] = "dmarc@shop.example"
m["Subject"] = "Report Domain: shop.example Submitter: outlook.com Report-ID: <o-1>"
m.set_content("This is a DMARC aggregate report.")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application", subtype="zip", filename="outlook.com!shop.example!1764633600!1764719999.zip")
open(sys.argv[2], "wb").write(bytes(m))
PY

run import-files 0 report import --store "$store" "$tmp/google.xml" "$tmp/yahoo.xml.gz" &&
	check import-files-says grep -q '^2 imported, 0 duplicates, 0 rejected$' "$tmp/out"
run import-message 0 report import --store "$store" "$tmp/outlook.eml" &&
	check import-message-source grep -q "imported aggregate outlook.com shop.example (o-1): 1 rows, 250 messages" "$tmp/out"
run import-again 0 report import --store "$store" "$tmp/google.xml" "$tmp/outlook.zip" &&
	check import-again-duplicates grep -q '^0 imported, 2 duplicates, 0 rejected$' "$tmp/out"
# Standard input, an mbox of two messages, a Maildir.
report fastmail.com f-1 $day "209.85.220.41 5 pass pass none shop.example shop.example" >"$tmp/f.xml"
run import-stdin 0 report import --store "$store" - <"$tmp/f.xml" &&
	check import-stdin-source grep -q "imported aggregate fastmail.com" "$tmp/out"
{
	for id in m-1 m-2; do
		echo "From dmarc@mail.ru Tue Dec  2 10:00:00 2025"
		printf 'From: dmarc@mail.ru\nTo: dmarc@shop.example\nSubject: report %s\nMIME-Version: 1.0\nContent-Type: application/gzip; name="r.xml.gz"\nContent-Transfer-Encoding: base64\n\n' "$id"
		report mail.ru "$id" $day "209.85.220.41 7 pass pass none shop.example shop.example" | gzip -c | base64
		echo
	done
} >"$tmp/mbox"
run import-mbox 0 report import --store "$store" "$tmp/mbox" &&
	check import-mbox-two grep -q '^2 imported, 0 duplicates, 0 rejected$' "$tmp/out"
mkdir -p "$tmp/Maildir/new" "$tmp/Maildir/cur" "$tmp/Maildir/tmp"
report comcast.net c-1 $day "209.85.220.41 3 pass pass none shop.example shop.example" |
	python3 -c 'import sys; from email.message import EmailMessage; m=EmailMessage(); m["From"]="dmarc@comcast.net"; m["Subject"]="r"; m.add_attachment(sys.stdin.buffer.read(), maintype="text", subtype="xml", filename="r.xml"); sys.stdout.buffer.write(bytes(m))' \
	>"$tmp/Maildir/new/1.eml"
cp "$tmp/outlook.eml" "$tmp/Maildir/cur/2.eml:2,S"
run import-maildir 0 report import --store "$store" "$tmp/Maildir" &&
	check import-maildir-counts grep -q '^1 imported, 1 duplicates, 0 rejected$' "$tmp/out"
# What cannot be read is rejected with the reason; the batch goes on;
# the exit status says so.
printf 'hello\n' >"$tmp/junk.txt"
printf '<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>' >"$tmp/noid.xml"
head -c 100000 /dev/zero | gzip -c >"$tmp/zeros.gz"
run import-bad 1 report import --store "$store" "$tmp/junk.txt" "$tmp/noid.xml" "$tmp/f.xml" &&
	check import-bad-reason grep -q '^rejected .*noid.xml: the report has no report_id' "$tmp/out" &&
	check import-bad-goes-on grep -q '^0 imported, 1 duplicates, 2 rejected$' "$tmp/out"
run import-no-store 2 report import "$tmp/f.xml"
run import-imap-password 2 report import --store "$store" --imap imaps://u@127.0.0.1/INBOX

# The listing.
if run list-json 0 report list --store "$store" --json; then
	check list-fields python3 - "$tmp/out" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
keys = {"kind", "source", "status", "reason", "org", "report_id", "policy_domain",
        "begin", "end", "rows", "messages", "warnings"}
assert all(set(i) == keys for i in items), items[0].keys()
g = [i for i in items if i["org"] == "google.com" and i["status"] == "imported"][0]
assert g["kind"] == "aggregate" and g["rows"] == 3 and g["messages"] == 1800, g
assert g["begin"] == 1764633600 and g["end"] == 1764633600 + 86399
assert g["source"].endswith("google.xml") and g["policy_domain"] == "shop.example"
bad = [i for i in items if i["status"] == "rejected"]
assert len(bad) == 2 and all(i["reason"] for i in bad)
dup = [i for i in items if i["status"] == "duplicate"]
assert len(dup) == 4, len(dup)
PY
fi
run list-text 0 report list --store "$store" &&
	check list-text-lines test "$(wc -l <"$tmp/out")" -eq 13

# The summary.
if run summary-json 0 report summary --store "$store" --dns "$dns" --senders "$senders" --json; then
	cp "$tmp/out" "$tmp/summary1.json"
	check summary-numbers python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["domains"]
assert len(d) == 1 and d[0]["domain"] == "shop.example", d
d = d[0]
assert d["messages"] == 1000 + 500 + 300 + 40 + 60 + 100 + 250 + 5 + 14 + 3, d["messages"]
assert d["dmarc_pass"] == 500 + 300 + 250 + 5 + 14 + 3
assert d["reports"] == 7 and d["policy"] == "none"
src = {s["name"]: s for s in d["sources"]}
assert src["Mailchimp"]["kind"] == "known" and src["Mailchimp"]["messages"] == 1000
assert "SPF passes but unaligned" in src["Mailchimp"]["advice"]
assert "k2 and k3._domainkey" in src["Mailchimp"]["advice"], src["Mailchimp"]["advice"]
assert src["Amazon SES"]["messages"] == 300 and src["Amazon SES"]["dmarc_pass"] == 300
assert src["bulkmailer.co.uk"]["kind"] == "rdns" and src["bulkmailer.co.uk"]["ips"] == 2
assert src["bulkmailer.co.uk"]["messages"] == 100
assert src["198.51.100.99"]["kind"] == "ip"
r = d["readiness"]
assert r["would_reject"] == 1200 and r["known_senders_to_fix"] == 1000
assert r["unknown_sources"] == 200 and r["next_step"] == "fix senders", r
assert "Mailchimp (1000)" in r["why"]
PY
fi
run summary-text 0 report summary --store "$store" --dns "$dns" --senders "$senders" &&
	check summary-text-next grep -q 'next step: fix senders: 1200 of 2272 messages' "$tmp/out"
# The reverse names were cached in the store: without DNS, the same.
run summary-cached 0 report summary --store "$store" --no-lookup --senders "$senders" --json &&
	check summary-cached-same cmp "$tmp/out" "$tmp/summary1.json"
# Mailchimp fixed (its DKIM now aligned): p=quarantine comes next.
report google.com g-2 $((day + 86400)) \
	"198.2.130.5 1000 pass fail none shop.example mcsv.net" >"$tmp/g2.xml"
run import-fixed 0 report import --store "$store" "$tmp/g2.xml"
run summary-since 0 report summary --store "$store" --dns "$dns" --senders "$senders" --since 2025-12-03 --json &&
	check summary-ready python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["domains"][0]; r=d["readiness"]; assert d["messages"]==1000 and r["next_step"]=="p=quarantine", r' "$tmp/out"
run summary-domain 0 report summary --store "$store" --no-lookup --domain other.example --json &&
	check summary-domain-none python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["domains"]==[]' "$tmp/out"
printf 'Broken line without bars\n' >"$tmp/bad.map"
run summary-bad-map 2 report summary --store "$store" --senders "$tmp/bad.map" &&
	check summary-bad-map-line grep -q 'senders map line 1: not NAME|RULES|FIX' "$tmp/err"
run summary-bad-since 2 report summary --store "$store" --since yesterday
# A senders map one byte over 1 MiB is refused whole, never read cut short.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$tmp/big.map"
run summary-map-over-cap 2 report summary --store "$store" --senders "$tmp/big.map" &&
	check summary-map-over-cap-said grep -q 'big.map: cannot read it (at most 1 MiB)' "$tmp/err"
/usr/bin/python3 -c 'open(__import__("sys").argv[1], "w").write(("#" * 63 + "\n") * 16384)' "$tmp/edge.map"
run summary-map-at-cap 0 report summary --store "$store" --no-lookup --senders "$tmp/edge.map"

# A large report is read as it comes: the peak memory of importing 32 MB
# of XML, or its gzip, is that of importing 1 MB (within 8 MiB; read whole
# it would be 31 MB more). ASan's quarantine of freed memory is turned
# down for the measure. A gzip cut short is rejected whole: none of its
# records stay (the cap and a failing source: unit_report's
# test_import_read).
/usr/bin/python3 "$top/bench/report_gen.py" big --mb 32 "$tmp/big.xml" >/dev/null &&
	/usr/bin/python3 "$top/bench/report_gen.py" big --mb 1 "$tmp/small.xml" >/dev/null &&
	gzip -c "$tmp/big.xml" >"$tmp/big.xml.gz"
peak() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
		/usr/bin/python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
		"$emauth" report import --store "sqlite:$tmp/$1.db" "$tmp/$2"
}
read -r rc_small kib_small < <(peak m1 small.xml)
read -r rc_big kib_big < <(peak m2 big.xml)
read -r rc_gz kib_gz < <(peak m3 big.xml.gz)
check stream-flat-memory test "$rc_small$rc_big$rc_gz" = 000 -a \
	"$kib_big" -lt $((kib_small + 8192)) -a "$kib_gz" -lt $((kib_small + 8192))
echo "# peak RSS: 1 MB ${kib_small} KiB, 32 MB ${kib_big} KiB, 32 MB gzip ${kib_gz} KiB"
recs=$(sqlite3 "$tmp/m2.db" 'select rows_n from emauth_imports')
check stream-all-records test -n "$recs" -a "$recs" -gt 40000 -a \
	"$(sqlite3 "$tmp/m3.db" 'select count(*) from emauth_agg_records')" = "$recs"
head -c $(($(stat -c %s "$tmp/big.xml.gz") / 2)) "$tmp/big.xml.gz" >"$tmp/cut.xml.gz"
run stream-cut-gzip 1 report import --store "sqlite:$tmp/m4.db" "$tmp/cut.xml.gz" &&
	check stream-cut-gzip-rejected grep -q '^rejected .*cut.xml.gz: gzip: truncated gzip data' "$tmp/out" &&
	check stream-cut-gzip-nothing-kept test "$(sqlite3 "$tmp/m4.db" 'select count(*) from emauth_agg_records')" = 0

[ "$fails" -eq 0 ]
