#!/bin/bash
# DMARC aggregate report interop: the reports "emauth report send" writes
# (RFC 9990 XML, gzipped) are read by two report readers from Debian, and
# what they read is what emauth recorded.
#   Mail::DMARC (libmail-dmarc-perl): its report receiver's parser, through
#     tests/interop/report/mail_dmarc_read.pl (no store, no network; see
#     there for how it copes with the RFC 9990 namespace)
#   dmarc-cat: its table of records, run with -N (no reverse DNS: with -N
#     it opens no socket and does not read resolv.conf) and -j 1: with its
#     default of two parallel jobs, dmarc-cat 0.15.0 now and then prints a
#     row's IP beside another row's count (5 runs in 200 on the same
#     report; none in 300 with -j 1), a race of its own that once failed
#     CI here
# Verdicts are recorded offline (the example zones) into a sqlite store by
# "emauth verify --record" for several sources over two UTC days, and each
# day's reports are written with --dry-run. Checked for each report: it is
# written and valid against the RFC 9990 schema; Mail::DMARC reads its org
# name, report id, date range, policy domain and p, and records whose
# (IP, count, disposition, DKIM, SPF) are those recorded; dmarc-cat reads
# the same per-IP counts. The expected values come from the mix below and
# are cross-checked with the store itself.
# Prints "ok interop/report/NAME" or "not ok interop/report/NAME".
# usage: tests/interop/report_peers.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
emauth=$build/emauth
ex=$top/examples
xsd=$top/tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok interop/report/$1"; }
nok() {
	echo "not ok interop/report/$1"
	shift
	local l
	for l in "$@"; do echo "  $l"; done
	fails=$((fails + 1))
}
# same NAME EXPECTED GOT: ok when equal, else both shown
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1" "expected: $(printf '%s' "$2" | tr '\n' '|')" \
			"got:      $(printf '%s' "$3" | tr '\n' '|')"
	fi
}

# The peers: a missing one is a failure.
have_dmarc_cat=0 have_mail_dmarc=0
if command -v dmarc-cat >/dev/null; then
	have_dmarc_cat=1
	ok dmarc-cat-present
else
	nok dmarc-cat-present "dmarc-cat is not installed (Debian package dmarc-cat)"
fi
if perl -MMail::DMARC -MMail::DMARC::Report::Receive -e1 2>"$tmp/perl.err"; then
	have_mail_dmarc=1
	ok mail-dmarc-present
else
	nok mail-dmarc-present "Mail::DMARC does not load (Debian package libmail-dmarc-perl):" \
		"$(head -c 300 "$tmp/perl.err")"
fi
if [ ! -x "$emauth" ] || ! command -v xmllint >/dev/null ||
	! command -v sqlite3 >/dev/null; then
	nok setup "$emauth, xmllint or sqlite3 missing"
	exit 1
fi

dns="zone:$ex/zones/example.com.zone,$ex/zones/mailplatform.example.zone,$ex/zones/reverse.zone"
dns="$dns,$ex/zones/clientfirm.example.zone,$ex/zones/brokerage.example.zone"
"$emauth" dkim sign --domain example.com --selector demo2026 \
	--key "$ex/keys/demo2026.private" "$ex/messages/newsletter.eml" \
	>"$tmp/signed.eml" || { nok setup "dkim sign failed"; exit 1; }
cp "$ex/messages/newsletter.eml" "$tmp/plain.eml"
sed 's/^From: .*/From: Client Firm <news@clientfirm.example>/' \
	"$ex/messages/newsletter.eml" >"$tmp/client.eml"

# The mix: DAY (seconds after 2025-12-02T00:00Z, the start of the day),
# how many, source IP, HELO, MAIL FROM, message, and what each gives:
# the From domain (the report's policy domain), the disposition as the
# store holds it (the report says "pass" for a "none" under an enforcing
# policy when DMARC passes), DMARC's aligned DKIM and SPF results.
d1=1764633600 d2=1764720000
cat >"$tmp/mix" <<EOF
$d1 7 203.0.113.140 out7.mailplatform.example bounce@example.com signed example.com none pass pass
$d1 3 192.0.2.199 mail.forger.example b@bounces.mailplatform.example plain example.com reject fail fail
$d1 2 198.51.100.7 office.example.com alice@example.com plain example.com none fail pass
$d2 2 203.0.113.140 out7.mailplatform.example bounce@example.com signed example.com none pass pass
$d2 1 203.0.113.140 out7.mailplatform.example b@bounces.mailplatform.example signed example.com none pass fail
$d2 5 192.0.2.199 mail.forger.example b@bounces.mailplatform.example plain example.com reject fail fail
$d2 4 198.51.100.7 office.example.com alice@example.com plain example.com none fail pass
$d2 3 198.51.100.70 mx.brokerage.example bounce@clientfirm.example client clientfirm.example none fail pass
$d2 2 192.0.2.199 mail.forger.example b@bounces.mailplatform.example client clientfirm.example quarantine fail fail
EOF
bad=0
k=0
while read -r day n ip helo from msg _; do
	for ((i = 0; i < n; i++)); do
		k=$((k + 1))
		"$emauth" verify --dns "$dns" --ip "$ip" --helo "$helo" \
			--mail-from "$from" --rcpt-to "user$k@receiver.example" \
			--record "sqlite:$tmp/s.db" --time $((day + 60 * k)) \
			"$tmp/$msg.eml" >/dev/null 2>"$tmp/verify.err"
		rc=$?
		# 0 DMARC passes, 1 it does not: both recorded
		if [ "$rc" -gt 1 ]; then
			bad=$((bad + 1))
			head -c 300 "$tmp/verify.err"
		fi
	done
done <"$tmp/mix"
same recorded "$k" "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_verdicts' 2>&1)"
[ "$bad" -eq 0 ] || nok record "$bad verify runs failed"

# expect DAY DOMAIN: the records, one "IP COUNT DISPOSITION DKIM SPF" line
# each, sorted
expect() {
	awk -v d="$1" -v dom="$2" '$1==d && $7==dom {c[$3 " " $8 " " $9 " " $10]+=$2}
		END {for (k in c) {split(k, f, " "); print f[1], c[k], f[2], f[3], f[4]}}' \
		"$tmp/mix" | sort
}
# stored DAY DOMAIN: the same from the store
stored() {
	sqlite3 -separator ' ' "$tmp/s.db" "select ip, count(*), disposition,
		dkim_aligned, spf_aligned from emauth_verdicts where policy_domain='$2'
		and t >= $1 and t < $1 + 86400
		group by ip, disposition, dkim_aligned, spf_aligned" | sort
}
# stored_auth DAY DOMAIN: "IP COUNT SPF-DOMAIN SPF-RESULT DKIM-DOMAIN
# DKIM-RESULT" (the first signature; "-" for none) from the store, summed
stored_auth() {
	sqlite3 -separator ' ' "$tmp/s.db" "select ip, spf_domain, spf_result,
		replace(replace(dkim, char(10), ' '), char(9), ' ')
		from emauth_verdicts where policy_domain='$2'
		and t >= $1 and t < $1 + 86400" |
		awk '{k = $1 " " $2 " " $3 " " ($4 == "" ? "-" : $4) " " ($6 == "" ? "-" : $6); c[k]++}
			END {for (k in c) {split(k, f, " "); print f[1], c[k], f[2], f[3], f[4], f[5]}}' |
		sort
}
# per_ip: "IP TOTAL" lines, sorted, from "IP COUNT ..." lines
per_ip() { awk '{c[$1]+=$2} END {for (i in c) print i, c[i]}' | sort; }

printf 'ReportEmail dmarc@receiver.example\nReportOrgName Receiver Example\n' \
	>"$tmp/c.conf"
# Mail::DMARC reads its configuration only for its store, which is not
# used; keep it in $tmp all the same.
sed "s|^dsn *=.*|dsn = dbi:SQLite:dbname=$tmp/mail-dmarc.sqlite|" \
	/usr/share/perl5/auto/share/dist/Mail-DMARC/mail-dmarc.ini \
	>"$tmp/mail-dmarc.ini" 2>/dev/null
export MAIL_DMARC_CONFIG_FILE=$tmp/mail-dmarc.ini

# check_report NAME DAY YYYY-MM-DD DOMAIN P: the report of DOMAIN for DAY,
# written to $tmp/out-YYYY-MM-DD by then
check_report() {
	local name=$1 day=$2 date=$3 dom=$4 p=$5
	local end=$((day + 86399)) f id want
	f=$(ls "$tmp/out-$date/receiver.example!$dom!$day!$end!"*.xml.gz 2>/dev/null)
	if [ -z "$f" ] || [ "$(printf '%s\n' "$f" | wc -l)" -ne 1 ]; then
		nok "$name-written" "no (or more than one) report for $dom in $tmp/out-$date:" \
			"$(find "$tmp/out-$date" -type f 2>&1 | tr '\n' ' ')"
		return
	fi
	ok "$name-written"
	id=${f##*!}
	id=${id%.xml.gz}
	want=$(expect "$day" "$dom")
	same "$name-store" "$want" "$(stored "$day" "$dom")"
	if xmllint --noout --schema "$xsd" "$f" >"$tmp/xmllint.out" 2>&1; then
		ok "$name-schema"
	else
		nok "$name-schema" "$(head -c 600 "$tmp/xmllint.out")"
	fi
	if [ "$have_mail_dmarc" -eq 1 ]; then
		local md=$tmp/$name.mail-dmarc
		if perl "$here/report/mail_dmarc_read.pl" "$f" >"$md" 2>"$md.err"; then
			ok "$name-mail-dmarc-reads"
			field() { awk -v k="$1" '$1==k {sub(/^[^ ]* ?/, ""); print; exit}' "$md"; }
			[ "$name" = day1 ] && echo "# Mail::DMARC: $(field namespace)"
			same "$name-mail-dmarc-org-name" "Receiver Example" "$(field org_name)"
			same "$name-mail-dmarc-email" "dmarc@receiver.example" "$(field email)"
			same "$name-mail-dmarc-report-id" "$id" "$(field report_id)"
			same "$name-mail-dmarc-date-range" "$day $end" "$(field begin) $(field end)"
			same "$name-mail-dmarc-policy-domain" "$dom" "$(field domain)"
			same "$name-mail-dmarc-policy-p" "$p" "$(field p)"
			same "$name-mail-dmarc-records" "$(printf '%s\n' "$want" | wc -l)" "$(field records)"
			same "$name-mail-dmarc-per-ip" "$(printf '%s\n' "$want" | per_ip)" \
				"$(awk '$1=="record" {print $2, $3}' "$md" | per_ip)"
			# The disposition: RFC 9990 writes "pass" for a message
			# that passes DMARC under an enforcing policy; Mail::DMARC
			# knows only none, quarantine and reject and reads anything
			# else as none (Receive.pm do_node_record), which is also
			# what the store holds for it.
			same "$name-mail-dmarc-rows" "$want" \
				"$(awk '$1=="record" {print $2, $3, $4, $5, $6}' "$md" | sort)"
			same "$name-mail-dmarc-auth-results" "$(stored_auth "$day" "$dom")" \
				"$(awk '$1=="auth" {k = $2 " " $4 " " $5 " " $6 " " $7; c[k] += $3}
					END {for (k in c) {split(k, f, " "); print f[1], c[k], f[2], f[3], f[4], f[5]}}' "$md" | sort)"
			same "$name-mail-dmarc-identifiers" "$dom receiver.example" \
				"$(awk '$1=="record" {print $7, $9}' "$md" | sort -u)"
		else
			nok "$name-mail-dmarc-reads" "$(head -c 600 "$md.err")"
		fi
	fi
	if [ "$have_dmarc_cat" -eq 1 ]; then
		local dc=$tmp/$name.dmarc-cat
		if (cd "$tmp" && TZ=UTC timeout 20 dmarc-cat -N -j 1 "$f") >"$dc" 2>"$dc.err"; then
			ok "$name-dmarc-cat-reads"
			same "$name-dmarc-cat-per-ip" "$(printf '%s\n' "$want" | per_ip)" \
				"$(awk '/^IP +Count/ {r=1; next} r && NF >= 2 && $2 ~ /^[0-9]+$/ {print $1, $2}' "$dc" | per_ip)"
			same "$name-dmarc-cat-header" \
				"Reporting by: Receiver Example — dmarc@receiver.example|From $date 00:00:00 +0000 UTC to $date 23:59:59 +0000 UTC|Domain: $dom|Policy: p=$p; dkim=r; spf=r|Reports($(printf '%s\n' "$want" | wc -l)):" \
				"$(grep -E '^(Reporting by|From|Domain|Policy|Reports\()' "$dc" | paste -sd '|')"
		else
			nok "$name-dmarc-cat-reads" "$(head -c 600 "$dc.err")"
		fi
	fi
}

# send_day YYYY-MM-DD HOW-MANY: write the day's reports
send_day() {
	mkdir -p "$tmp/out-$1"
	if "$emauth" report send -c "$tmp/c.conf" --store "sqlite:$tmp/s.db" \
		--dns "$dns" --day "$1" --dry-run "$tmp/out-$1" \
		>"$tmp/send.out" 2>&1 &&
		[ "$(find "$tmp/out-$1" -name '*.xml.gz' | wc -l)" -eq "$2" ]; then
		ok "send-$1"
	else
		nok "send-$1" "expected $2 report(s): $(head -c 600 "$tmp/send.out")"
	fi
}

send_day 2025-12-02 1
check_report day1 "$d1" 2025-12-02 example.com reject
# Another day, another mix: the same IP in two records, and a second
# policy domain (p=quarantine) with its own report.
send_day 2025-12-03 2
check_report day2 "$d2" 2025-12-03 example.com reject
check_report day2-client "$d2" 2025-12-03 clientfirm.example quarantine
[ "$fails" -eq 0 ]
