#!/bin/bash
# The DMARC scenario suite: whole messages with their envelope, evaluated
# by "emauth verify" against the zones in tests/scenarios/dmarc/ (offline).
# Each scenario checks the Authentication-Results field the receiver adds
# (header.b, which changes with the signing time, is masked), the DMARC
# result and disposition in the JSON, and the exit status.
# Prints "ok scenario/NAME" or "not ok scenario/NAME".
# usage: tests/scenarios/dmarc.sh BUILD-DIR
set -u
build=${1:?build dir}
top=$(cd "$(dirname "$0")/../.." && pwd)
emauth=$build/emauth
dir=$top/tests/scenarios/dmarc
zones="zone:$(ls "$dir"/*.zone | paste -sd, -)"
key=$top/examples/keys/demo2026.private
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# message FROM-FIELD...: a plain message with the given From field(s).
message() {
	for f in "$@"; do printf 'From: %s\n' "$f"; done
	printf 'To: reader@receiver.example\nSubject: November news\n'
	printf 'Date: Mon, 30 Nov 2026 09:00:00 +0000\n'
	printf 'Message-ID: <n1@scenario.example>\n\nHello, reader.\n'
}

# sign DOMAIN SELECTOR < in > out
sign() {
	"$emauth" dkim sign --domain "$1" --selector "$2" --key "$key" -
}

# scenario NAME FILE IP MAIL-FROM HELO EXIT RESULT DISPOSITION AR
scenario() {
	local name=$1 file=$2 ip=$3 mfrom=$4 helo=$5 want_rc=$6 want_res=$7
	local want_dis=$8 want_ar=$9 rc ok=1
	"$emauth" verify --ip "$ip" --mail-from "$mfrom" --helo "$helo" \
		--dns "$zones" --authserv-id mx.receiver.example "$file" \
		>"$tmp/text" 2>"$tmp/err"
	rc=$?
	"$emauth" verify --ip "$ip" --mail-from "$mfrom" --helo "$helo" \
		--dns "$zones" --authserv-id mx.receiver.example --json \
		"$file" >"$tmp/json" 2>>"$tmp/err"
	sed -n '1,/^$/p' "$tmp/text" | sed '/^$/d' |
		sed 's/header\.b=[^;]*/header.b=X/' >"$tmp/ar"
	printf '%s\n' "$want_ar" >"$tmp/want"
	local got
	got=$(/usr/bin/python3 -c 'import json,sys
o=json.load(open(sys.argv[1]))
print(o["dmarc"]["result"], o["dmarc"]["disposition"])' "$tmp/json" 2>&1)
	[ "$rc" -eq "$want_rc" ] || ok=0
	[ "$got" = "$want_res $want_dis" ] || ok=0
	cmp -s "$tmp/ar" "$tmp/want" || ok=0
	if [ $ok -eq 1 ]; then
		echo "ok scenario/$name"
	else
		echo "not ok scenario/$name"
		echo "  exit $rc (want $want_rc); dmarc $got (want $want_res $want_dis)"
		diff "$tmp/want" "$tmp/ar" | sed 's/^/  /'
		head -c 300 "$tmp/err"
		fails=$((fails + 1))
	fi
}

# 1. A platform sends for a customer that published the platform's DKIM
# selector (CNAME) and SPF include: both aligned.
message 'Customer News <news@customer.example>' |
	sign customer.example s1 >"$tmp/m1.eml"
scenario platform-with-cname "$tmp/m1.eml" 203.0.113.10 \
	bounce@bounce.customer.example out1.platform.example 0 pass none \
	"Authentication-Results: mx.receiver.example;
	iprev=pass (out1.platform.example) policy.iprev=203.0.113.10;
	spf=pass (include:_spf.platform.example) smtp.mailfrom=bounce@bounce.customer.example;
	spf=none smtp.helo=out1.platform.example;
	dkim=pass (2048-bit key) header.d=customer.example header.s=s1 header.a=rsa-sha256 header.b=X;
	dmarc=pass (p=reject sp=quarantine dis=none) header.from=customer.example policy.dmarc=none"

# 2. The same platform for a customer without the CNAME and include: only
# the platform's identifiers pass, neither aligned: reject.
message 'News <news@nocname.example>' |
	sign platform.example pf >"$tmp/m2.eml"
scenario platform-without-cname "$tmp/m2.eml" 203.0.113.10 \
	bounce@bounce.platform.example out1.platform.example 1 fail reject \
	"Authentication-Results: mx.receiver.example;
	iprev=pass (out1.platform.example) policy.iprev=203.0.113.10;
	spf=pass (include:_spf.platform.example) smtp.mailfrom=bounce@bounce.platform.example;
	spf=none smtp.helo=out1.platform.example;
	dkim=pass (2048-bit key) header.d=platform.example header.s=pf header.a=rsa-sha256 header.b=X;
	dmarc=fail (p=reject sp=reject dis=reject) header.from=nocname.example policy.dmarc=reject"
grep -q 'Fix: publish the DKIM selector of platform.example for nocname.example' "$tmp/text" &&
	echo "ok scenario/platform-without-cname-advice" ||
	{ echo "not ok scenario/platform-without-cname-advice"; fails=$((fails + 1)); }

# 3. A relay re-sends the customer's signed mail from its own address:
# SPF fails, the aligned DKIM signature survives: pass.
scenario relay-dkim-survives "$tmp/m1.eml" 198.51.100.7 \
	bounce@customer.example relay.platform.example 0 pass none \
	"Authentication-Results: mx.receiver.example;
	iprev=pass (relay.platform.example) policy.iprev=198.51.100.7;
	spf=fail (-all) smtp.mailfrom=bounce@customer.example;
	spf=none smtp.helo=relay.platform.example;
	dkim=pass (2048-bit key) header.d=customer.example header.s=s1 header.a=rsa-sha256 header.b=X;
	dmarc=pass (p=reject sp=quarantine dis=none) header.from=customer.example policy.dmarc=none"

# 4. The relay adds a footer (a mailing list): the signature breaks too.
{ cat "$tmp/m1.eml"; printf -- '-- \nlist footer\n'; } >"$tmp/m4.eml"
scenario relay-footer "$tmp/m4.eml" 198.51.100.7 \
	bounce@customer.example relay.platform.example 1 fail reject \
	"Authentication-Results: mx.receiver.example;
	iprev=pass (relay.platform.example) policy.iprev=198.51.100.7;
	spf=fail (-all) smtp.mailfrom=bounce@customer.example;
	spf=none smtp.helo=relay.platform.example;
	dkim=fail (body hash mismatch) header.d=customer.example header.s=s1 header.a=rsa-sha256 header.b=X;
	dmarc=fail (p=reject sp=quarantine dis=reject) header.from=customer.example policy.dmarc=reject"

# 5. A forged From from an unknown network, unsigned; Authentication-Results
# and Received-SPF in the message claim a pass and are ignored.
{ printf 'Authentication-Results: mx.receiver.example; dmarc=pass header.from=customer.example\n'
  printf 'Received-SPF: pass (forged)\n'
  message 'CEO <ceo@customer.example>'; } >"$tmp/m5.eml"
scenario forged-from "$tmp/m5.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 fail reject \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=fail (p=reject sp=quarantine dis=reject) header.from=customer.example policy.dmarc=reject"

# 6. A display name holding an address: the real address is the one in
# brackets, evil.example, which has no DMARC.
message '"ceo@customer.example" <ceo@evil.example>' >"$tmp/m6.eml"
scenario display-name-address "$tmp/m6.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 none none \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=none header.from=evil.example"

# 7. Two From fields: not evaluated against either domain; permerror,
# reject.
message 'a@customer.example' 'b@evil.example' >"$tmp/m7.eml"
scenario two-from-fields "$tmp/m7.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 permerror reject \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=permerror (the message has several From fields)"

# 8. A subdomain that exists, covered by sp=quarantine.
message 'shop@shop.customer.example' >"$tmp/m8.eml"
scenario subdomain-sp "$tmp/m8.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 fail quarantine \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=fail (p=reject sp=quarantine dis=quarantine) header.from=shop.customer.example policy.dmarc=quarantine"

# 9. A subdomain that does not exist, covered by np=reject.
message 'billing@ghost.customer.example' >"$tmp/m9.eml"
scenario nonexistent-np "$tmp/m9.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 fail reject \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=fail (p=reject sp=quarantine dis=reject) header.from=ghost.customer.example policy.dmarc=reject"

# 10. t=y: quarantine lowered to none.
message 'a@testing.others.example' >"$tmp/m10.eml"
scenario testing-t-y "$tmp/m10.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 fail none \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=fail (p=quarantine sp=quarantine dis=none) header.from=testing.others.example policy.dmarc=none"

# 11. A record with emailto: still sets p=reject; the advice names the
# mistake.
message 'a@typo.others.example' >"$tmp/m11.eml"
scenario emailto-typo "$tmp/m11.eml" 192.0.2.199 \
	attacker@evil.example mail.evil.example 1 fail reject \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.199;
	spf=none smtp.mailfrom=attacker@evil.example;
	spf=none smtp.helo=mail.evil.example;
	dkim=none (no signature);
	dmarc=fail (p=reject sp=reject dis=reject) header.from=typo.others.example policy.dmarc=reject"
grep -q 'unknown URI scheme "emailto:".*did you mean mailto:?' "$tmp/text" &&
	echo "ok scenario/emailto-typo-advice" ||
	{ echo "not ok scenario/emailto-typo-advice"; fails=$((fails + 1)); }

# 12. A domain without DMARC, sending correctly otherwise: SPF aligned,
# but DMARC none (exit 1), and the advice says to publish a record.
message 'a@nodmarc.others.example' >"$tmp/m12.eml"
scenario no-dmarc "$tmp/m12.eml" 192.0.2.93 \
	a@nodmarc.others.example nodmarc.others.example 1 none none \
	"Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.93;
	spf=pass (ip4:192.0.2.93) smtp.mailfrom=a@nodmarc.others.example;
	spf=pass (ip4:192.0.2.93) smtp.helo=nodmarc.others.example;
	dkim=none (no signature);
	dmarc=none header.from=nodmarc.others.example"
grep -q 'publish a TXT record at _dmarc.nodmarc.others.example' "$tmp/text" &&
	echo "ok scenario/no-dmarc-advice" ||
	{ echo "not ok scenario/no-dmarc-advice"; fails=$((fails + 1)); }

[ "$fails" -eq 0 ]
