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

# The last "emauth verify" text says PATTERN (grep).
# usage: said NAME PATTERN
said() {
	if grep -q "$2" "$tmp/text"; then
		echo "ok scenario/$1"
	else
		echo "not ok scenario/$1"
		sed -n '/^what to change/,$p' "$tmp/text" | sed 's/^/  /'
		fails=$((fails + 1))
	fi
}

# The same with a fixed string (grep -F).
saidf() {
	if grep -qF -- "$2" "$tmp/text"; then
		echo "ok scenario/$1"
	else
		echo "not ok scenario/$1"
		sed -n '/^what to change/,$p' "$tmp/text" | sed 's/^/  /'
		fails=$((fails + 1))
	fi
}

# The last "emauth verify" text does not say PATTERN (grep -F).
not_said() {
	if grep -qF -- "$2" "$tmp/text"; then
		echo "not ok scenario/$1"
		sed -n '/^what to change/,$p' "$tmp/text" | sed 's/^/  /'
		fails=$((fails + 1))
	else
		echo "ok scenario/$1"
	fi
}

# Runs "emauth verify" for its text alone (then said, not_said).
# usage: advice NAME FILE IP MAIL-FROM HELO EXIT
advice() {
	local rc
	"$emauth" verify --ip "$3" --mail-from "$4" --helo "$5" \
		--dns "$zones" --authserv-id mx.receiver.example "$2" \
		>"$tmp/text" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$6" ]; then
		echo "ok scenario/$1"
	else
		echo "not ok scenario/$1"
		echo "  exit $rc (want $6); $(head -c 300 "$tmp/err")"
		fails=$((fails + 1))
	fi
}

# What Gmail and Yahoo answer when they refuse (issue #17).
gmail='"550 5.7.26 This message does not have authentication information or fails to pass authentication checks"'
yahoo='Yahoo "554 5.7.9 Message not accepted for policy reasons".'

# A message sent by the attacker's own mine.example (SPF passes, no DKIM),
# with From fields that try to get past DMARC; DMARC_LINE is the last line
# of the Authentication-Results field.
# usage: mine NAME FILE DMARC DISPOSITION DMARC_LINE
mine() {
	scenario "$1" "$2" 192.0.2.66 x@mine.example mail.mine.example 1 \
		"$3" "$4" "Authentication-Results: mx.receiver.example;
	iprev=permerror policy.iprev=192.0.2.66;
	spf=pass (ip4:192.0.2.66) smtp.mailfrom=x@mine.example;
	spf=none smtp.helo=mail.mine.example;
	dkim=none (no signature);
	$5"
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
# Relaxed alignment (the default) accepts the bounce subdomain: nothing to
# change.
said platform-with-cname-in-order 'Everything is in order'

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
said platform-without-cname-advice 'Fix: publish the DKIM selector of platform.example for nocname.example'
# Issue #17: no selector name is made up from the platform's own (pf).
not_said platform-without-cname-no-made-up-selector 'pf._domainkey.nocname.example'

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
# Issue #17: refused by Gmail and Yahoo, with their replies.
saidf forged-from-refused "Gmail and Yahoo refuse this message: DMARC fails and they enforce the p=reject policy of customer.example. Gmail answers $gmail"
saidf forged-from-refused-yahoo "$yahoo"

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
# Issue #17: neither SPF nor DKIM passes: refused whatever the volume.
saidf display-name-address-refused "Gmail and Yahoo refuse this message: neither SPF nor DKIM passes, and every sender must pass at least one of them. Gmail answers $gmail, $yahoo"

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
# Issue #17: a From problem: refused too.
saidf two-from-fields-refused "Gmail and Yahoo refuse this message: it has no single From address to authenticate, and they require RFC 5322 messages of every sender. Gmail answers $gmail"

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
# Issue #17: t=y lowers the disposition, not Gmail's and Yahoo's rule.
saidf testing-t-y-refused "Gmail and Yahoo refuse this message: neither SPF nor DKIM passes"

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
said emailto-typo-advice 'unknown URI scheme "emailto:".*did you mean mailto:?'

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
said no-dmarc-advice 'publish a TXT record at _dmarc.nodmarc.others.example'
# Issue #17: authenticated but without DMARC: refused from bulk senders.
saidf no-dmarc-refused "Gmail and Yahoo refuse this message from a bulk sender (for Gmail: close to 5,000 or more messages a day to personal Gmail accounts): nodmarc.others.example publishes no DMARC record, and bulk senders must authenticate with SPF and DKIM, publish DMARC and pass it. Gmail answers $gmail, $yahoo"

# 13. The From-field bypass (issue #15): four addresses at the attacker's
# own domains, which pass, then the victim's. Every domain is evaluated;
# the victim's reject holds (it used to be dropped as the fifth domain).
message 'x@mine.example, x@a.mine.example, x@b.mine.example, x@c.mine.example, ceo@customer.example' >"$tmp/m13.eml"
mine from-five-domains "$tmp/m13.eml" fail reject \
	"dmarc=fail (p=reject sp=quarantine dis=reject) header.from=customer.example policy.dmarc=reject"

# 14. Eight addresses (the cap) with the victim last: still evaluated.
message 'x@mine.example, x@a.mine.example, x@b.mine.example, x@c.mine.example, y@mine.example, y@a.mine.example, y@b.mine.example, ceo@customer.example' >"$tmp/m14.eml"
mine from-eight-addresses "$tmp/m14.eml" fail reject \
	"dmarc=fail (p=reject sp=quarantine dis=reject) header.from=customer.example policy.dmarc=reject"

# 15. Nine addresses (the cap + 1): not evaluated on a subset; permerror,
# reject, even though every address is the attacker's own.
message 'x@mine.example, x@a.mine.example, x@b.mine.example, x@c.mine.example, y@mine.example, y@a.mine.example, y@b.mine.example, y@c.mine.example, z@mine.example' >"$tmp/m15.eml"
mine from-nine-addresses "$tmp/m15.eml" permerror reject \
	"dmarc=permerror (the From field has too many addresses)"

# 16. A DMARC record over 4096 bytes at the From domain: an invalid record
# there (permerror), not mine.example's record as if there were none.
message 'x@big.mine.example' >"$tmp/m16.eml"
mine dmarc-record-over-cap "$tmp/m16.eml" permerror none \
	"dmarc=permerror header.from=big.mine.example"
said dmarc-record-over-cap-advice 'DMARC permerror: the DMARC policy cannot be read: the DMARC record at _dmarc.big.mine.example is longer than 4096 bytes'

# 17. A header line without a colon: a verdict (permerror, reject), not an
# error exit without one.
printf 'From: ceo@customer.example\nThis line has no colon\nSubject: x\n\nHello\n' >"$tmp/m17.eml"
mine header-without-colon "$tmp/m17.eml" permerror reject \
	"dmarc=permerror (the message header cannot be read)"
said header-without-colon-reason 'message line 2:4: header line without a field name and colon'

# 18. A header field of 64 KiB + 1 byte (the reader's cap + 1): the same.
{ printf 'From: ceo@customer.example\nX-Big: '
  head -c $((65536 - 7 + 1)) /dev/zero | tr '\0' a
  printf '\nSubject: x\n\nHello\n'; } >"$tmp/m18.eml"
mine header-field-over-cap "$tmp/m18.eml" permerror reject \
	"dmarc=permerror (the message header cannot be read)"

# Issue #17, what Gmail and Yahoo do with DMARC failures that are not
# p=reject. 19. p=quarantine (sp=) from a sender whose own SPF passes:
# spam, and refused from bulk senders.
message 'shop@shop.customer.example' >"$tmp/m19.eml"
mine quarantine-authenticated "$tmp/m19.eml" fail quarantine \
	"dmarc=fail (p=reject sp=quarantine dis=quarantine) header.from=shop.customer.example policy.dmarc=quarantine"
saidf quarantine-authenticated-refused "Gmail and Yahoo put this message in spam (p=quarantine of customer.example), and refuse it from a bulk sender (for Gmail: close to 5,000 or more messages a day to personal Gmail accounts), who must pass DMARC: Gmail answers $gmail, $yahoo"

# 20. p=none: delivered for now, refused from bulk senders.
message 'x@mine.example' >"$tmp/m20.eml"
advice pnone-unaligned "$tmp/m20.eml" 192.0.2.93 a@nodmarc.others.example \
	nodmarc.others.example 1
saidf pnone-unaligned-refused "Gmail and Yahoo refuse this message from a bulk sender (for Gmail: close to 5,000 or more messages a day to personal Gmail accounts): neither SPF nor DKIM passes aligned with the From domain mine.example (DMARC fails)"
saidf pnone-unaligned-gmail "Gmail answers $gmail"

# 21. Issue #17: the customer's selector s1 has no key record (no CNAME to
# the platform yet) while the platform's own signature passes: the advice
# names the selector that failed, s1, never the platform's pf, and says
# how to publish it.
message 'News <news@nocname.example>' |
	"$emauth" dkim sign --domain nocname.example --selector s1 --key "$key" \
		--domain platform.example --selector pf --key "$key" - >"$tmp/m21.eml"
advice failed-selector-named "$tmp/m21.eml" 203.0.113.10 \
	bounce@bounce.platform.example out1.platform.example 1
saidf failed-selector-fix "Fix: publish the key of the selector that failed, s1._domainkey.nocname.example (for a platform's key, the CNAME it documents), or use a return path under nocname.example."
not_said failed-selector-not-other 'pf._domainkey.nocname.example'
saidf failed-selector-record 'DKIM permerror for d=nocname.example s=s1: no key record at s1._domainkey.nocname.example (NXDOMAIN). Publish the key as a TXT record at s1._domainkey.nocname.example: "emauth record dkim --key FILE --selector s1 --domain nocname.example" prints it'

# 22-24. Issue #17: strict alignment (strict.example: aspf=s, adkim=s).
# An SPF pass for the bounce subdomain while DKIM passes aligned: DMARC
# passes, but SPF is not "in order".
message 'a@strict.example' | sign strict.example s1 >"$tmp/m22.eml"
advice strict-spf "$tmp/m22.eml" 192.0.2.94 bounce@bounce.strict.example \
	mail.strict.example 0
saidf strict-spf-advice 'SPF passes for bounce.strict.example but fails strict alignment: the DMARC record of strict.example sets aspf=s, so the MAIL FROM domain must be exactly strict.example. Send with a MAIL FROM address at that domain, or relax the record to aspf=r.'
not_said strict-spf-not-in-order 'Everything is in order'
# A DKIM pass for the mail subdomain while SPF passes aligned.
message 'a@strict.example' | sign mail.strict.example s1 >"$tmp/m23.eml"
advice strict-dkim "$tmp/m23.eml" 192.0.2.94 a@strict.example \
	mail.strict.example 0
saidf strict-dkim-advice 'DKIM passes for d=mail.strict.example s=s1 but fails strict alignment: the DMARC record of strict.example sets adkim=s, so d= must be exactly strict.example. Sign with d=strict.example, or relax the record to adkim=r.'
not_said strict-dkim-not-in-order 'Everything is in order'
# Both: DMARC fails, and the diagnosis says strict alignment is why.
advice strict-both "$tmp/m23.eml" 192.0.2.94 b@bounce.strict.example \
	mail.strict.example 1
saidf strict-both-spf 'SPF passes for bounce.strict.example, which is not aligned with the From domain strict.example under strict alignment (aspf=s)'
saidf strict-both-fix 'Fix: sign with d=strict.example instead of d=mail.strict.example, or relax the record to adkim=r, or use a return path at exactly strict.example (aspf=s; or relax the record to aspf=r).'

# 25. Issue #17: an IPv6 client that the SPF record lacks: the ip6: term
# to add, in standard form; IPv4-mapped IPv6 is ip4: to SPF.
advice spf-ipv6-fail "$tmp/m2.eml" 2001:DB8:0::25 a@nocname.example \
	mail.nocname.example 1
saidf spf-ipv6-fail-term 'SPF fail: 2001:DB8:0::25 is not authorized by the SPF record of nocname.example (-all). Add "ip6:2001:db8::25" to it'
advice spf-ipv6-none "$tmp/m2.eml" 2001:db8::25 a@evil.example \
	mail.evil.example 1
saidf spf-ipv6-none-term '"v=spf1 ip6:2001:db8::25 -all"'
advice spf-mapped-fail "$tmp/m2.eml" ::ffff:192.0.2.7 a@nocname.example \
	mail.nocname.example 1
saidf spf-mapped-fail-term 'Add "ip4:192.0.2.7" to it'

[ "$fails" -eq 0 ]
