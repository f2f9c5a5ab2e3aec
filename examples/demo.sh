#!/bin/sh
# make demo: evaluates SPF for example.com, served offline from the zone
# files in examples/zones, for a sender the record allows and a forged one;
# signs a message with DKIM (RSA and Ed25519) and verifies it, intact and
# tampered; shows the DMARC policy of example.com; and gives the whole
# receiver's verdict (iprev, SPF, DKIM, DMARC) on the newsletter sent by the
# platform, signed and unsigned; and audits a good and a broken domain.
set -eu
emauth=${1:-build/emauth}
here=$(cd "$(dirname "$0")" && pwd)
dns="zone:$here/zones/example.com.zone,$here/zones/mailplatform.example.zone,$here/zones/reverse.zone"

run() {
	echo "\$ emauth spf $*"
	"$emauth" spf "$@" --dns "$dns"
	echo
}

echo "== SPF for example.com (v=spf1 ip4:198.51.100.0/26 mx include:_spf.mailplatform.example -all)"
echo
echo "-- 1. The sending platform, sending for example.com: allowed"
run --ip 203.0.113.140 --mail-from newsletter@example.com --helo out7.mailplatform.example
echo "-- 2. A forger on another network claiming example.com: rejected"
run --ip 192.0.2.199 --mail-from ceo@example.com --helo mail.forger.example
echo "-- 3. The same forgery as JSON, for scripts"
run --ip 192.0.2.199 --mail-from ceo@example.com --json
echo "-- 4. A bounce (null reverse-path) from the company's MX over IPv6"
run --ip 2001:db8:25::26 --mail-from '' --helo example.com

echo "== DKIM for example.com: sign with RSA and Ed25519 together, verify offline"
echo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "\$ emauth dkim sign --domain example.com --selector demo2026 --key rsa.private --selector demo2026e --key ed25519.private newsletter.eml"
"$emauth" dkim sign --domain example.com \
	--selector demo2026 --key "$here/keys/demo2026.private" \
	--selector demo2026e --key "$here/keys/demo2026e.private" \
	"$here/messages/newsletter.eml" >"$tmp/signed.eml"
sed -n '1,/^Subject:/p' "$tmp/signed.eml"
echo "..."
echo
echo "-- 5. The signed message verifies"
echo "\$ emauth dkim verify signed.eml"
"$emauth" dkim verify --dns "$dns" "$tmp/signed.eml" || true
echo
echo "-- 6. Someone changes the body on the way: both signatures fail"
sed 's/never ask/sometimes ask/' "$tmp/signed.eml" >"$tmp/tampered.eml"
echo "\$ emauth dkim verify tampered.eml"
"$emauth" dkim verify --dns "$dns" "$tmp/tampered.eml" || true

echo
echo "== DMARC for example.com"
echo
echo "\$ emauth dmarc example.com"
"$emauth" dmarc --dns "$dns" example.com || true
echo
echo "== The receiver's verdict on the newsletter, sent by the platform"
echo
echo "-- 7. Signed by example.com, bounce address at example.com: all pass"
echo "\$ emauth verify --ip 203.0.113.140 --mail-from bounce@example.com --helo out7.mailplatform.example signed.eml"
"$emauth" verify --dns "$dns" --authserv-id mx.receiver.example \
	--ip 203.0.113.140 --mail-from bounce@example.com \
	--helo out7.mailplatform.example "$tmp/signed.eml" || true
echo
echo "-- 8. Unsigned, with the platform's bounce address: DMARC fails, and why"
echo "\$ emauth verify --ip 203.0.113.140 --mail-from b@bounces.mailplatform.example --helo out7.mailplatform.example newsletter.eml"
"$emauth" verify --dns "$dns" --authserv-id mx.receiver.example \
	--ip 203.0.113.140 --mail-from b@bounces.mailplatform.example \
	--helo out7.mailplatform.example "$here/messages/newsletter.eml" || true

echo
echo "== Auditing domains: a good one and a broken one"
echo
echo "\$ emauth check example.com --selector demo2026 --selector demo2026e --ip 203.0.113.140"
"$emauth" check --no-color --dns "$dns" --selector demo2026 --selector demo2026e \
	--ip 203.0.113.140 example.com || true
echo
echo "\$ emauth check broken.example --selector s1 --selector old"
"$emauth" check --no-color --dns "$dns,$here/zones/broken.example.zone" \
	--selector s1 --selector old broken.example || true

echo
echo "== The receiver's DMARC aggregate report (RFC 9990) for example.com"
echo
echo "-- 9. Three messages recorded into a verdict store (as emauth-milter does)"
for m in "203.0.113.140 bounce@example.com $tmp/signed.eml" \
	"203.0.113.140 bounce@example.com $tmp/signed.eml" \
	"192.0.2.199 b@bounces.mailplatform.example $here/messages/newsletter.eml"; do
	set -- $m
	echo "\$ emauth verify --ip $1 --mail-from $2 --record sqlite:verdicts.db --time 1764633600 ${3##*/}"
	"$emauth" verify --dns "$dns" --ip "$1" --mail-from "$2" \
		--helo out7.mailplatform.example --rcpt-to bob@receiver.example \
		--record "sqlite:$tmp/verdicts.db" --time 1764633600 "$3" \
		>/dev/null || true
done
printf 'ReportEmail dmarc@receiver.example\nReportOrgName Receiver Example\n' \
	>"$tmp/report.conf"
mkdir -p "$tmp/reports"
echo
echo "-- 10. The day's report, written instead of mailed"
echo "\$ emauth report send -c report.conf --store sqlite:verdicts.db --day 2025-12-02 --dry-run reports"
"$emauth" report send -c "$tmp/report.conf" --store "sqlite:$tmp/verdicts.db" \
	--dns "$dns" --day 2025-12-02 --dry-run "$tmp/reports" |
	sed "s|$tmp/||"
gzip -dc "$tmp"/reports/*.xml.gz | sed -n '/<policy_published>/,$p' | head -40
