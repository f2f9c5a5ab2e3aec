#!/bin/bash
# CLI tests for "emauth verify": the JSON document (every key the issue
# names), the score, the advice, and bad usage, on the example zones and
# messages (offline). Prints "ok cli/verify/NAME" or "not ok cli/verify/NAME".
# usage: tests/cli/cli_verify.sh BUILD-DIR
AREA=verify
. "$(dirname "$0")/../lib/cli.sh"
ex=$top/examples
dns="zone:$ex/zones/example.com.zone,$ex/zones/mailplatform.example.zone,$ex/zones/reverse.zone"

jkeys() {
	/usr/bin/python3 -c 'import json,sys
o=json.load(open(sys.argv[1]))
for k in filter(None, sys.argv[2].split(".")):
    o=o[int(k)] if isinstance(o,list) else o[k]
missing=[k for k in sys.argv[3].split(",") if k not in o]
sys.exit(1 if missing else 0)' "$tmp/out" "$1" "$2"
}

"$emauth" dkim sign --domain example.com --selector demo2026 \
	--key "$ex/keys/demo2026.private" "$ex/messages/newsletter.eml" \
	>"$tmp/signed.eml"
common=(--dns "$dns" --authserv-id mx.receiver.example --ip 203.0.113.140
	--helo out7.mailplatform.example)

if run pass-json 0 verify "${common[@]}" --mail-from bounce@example.com --json "$tmp/signed.eml"; then
	check json-keys jkeys "" iprev,spf,spf_helo,dkim,dmarc,authentication_results,score,advice
	check json-dmarc-keys jkeys dmarc result,policy,disposition,from_domain,policy_domain,organizational_domain,spf_aligned,dkim_aligned,reason
	check json-dkim-keys jkeys dkim.0 domain,selector,algorithm,result,reason,body_length,testing
	check json-spf-keys jkeys spf result,domain
	check json-iprev jfield iprev.result '"pass"'
	check json-spf jfield spf.result '"pass"'
	check json-spf-domain jfield spf.domain '"example.com"'
	check json-dkim jfield dkim.0.result '"pass"'
	check json-dmarc jfield dmarc.result '"pass"'
	check json-dmarc-policy jfield dmarc.policy '"reject"'
	check json-dmarc-disposition jfield dmarc.disposition '"none"'
	check json-dmarc-from jfield dmarc.from_domain '"example.com"'
	check json-dmarc-org jfield dmarc.organizational_domain '"example.com"'
	check json-aligned jfield dmarc.dkim_aligned 'true'
	check json-score jfield score '10'
	check json-advice jfield advice '[]'
	check json-authres python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["authentication_results"]; sys.exit(0 if a.startswith("Authentication-Results: mx.receiver.example;") and "dmarc=pass" in a else 1)' "$tmp/out"
fi
if run fail-text 1 verify "${common[@]}" --mail-from b@bounces.mailplatform.example "$ex/messages/newsletter.eml"; then
	check fail-verdict grep -q '^verdict: DMARC fail, disposition reject (policy p=reject of example.com)$' "$tmp/out"
	check fail-score grep -q '^score: 5/10$' "$tmp/out"
	check fail-diagnosis grep -q 'DMARC fails: SPF passes for bounces.mailplatform.example, which is not aligned with the From domain example.com; no DKIM signature passes. Receivers that enforce DMARC reject this (p=reject).' "$tmp/out"
	# Issue #17: what Gmail and Yahoo answer, quoted.
	check fail-refused-gmail grep -qF -- '- Gmail and Yahoo refuse this message: DMARC fails and they enforce the p=reject policy of example.com. Gmail answers "550 5.7.26 This message does not have authentication information or fails to pass authentication checks"' "$tmp/out"
	check fail-refused-yahoo grep -qF 'Yahoo "554 5.7.9 Message not accepted for policy reasons".' "$tmp/out"
fi
# Issue #17: a signature whose selector has no key record: the name to
# publish and the command that prints the record.
"$emauth" dkim sign --domain example.com --selector missing2026 \
	--key "$ex/keys/demo2026.private" "$ex/messages/newsletter.eml" \
	>"$tmp/nokey.eml"
if run dkim-no-key 1 verify "${common[@]}" --mail-from b@bounces.mailplatform.example "$tmp/nokey.eml"; then
	check dkim-no-key-record grep -qF 'DKIM permerror for d=example.com s=missing2026: no key record at missing2026._domainkey.example.com (NXDOMAIN). Publish the key as a TXT record at missing2026._domainkey.example.com: "emauth record dkim --key FILE --selector missing2026 --domain example.com" prints it' "$tmp/out"
	check dkim-no-key-fix grep -qF 'Fix: publish the key of the selector that failed, missing2026._domainkey.example.com' "$tmp/out"
fi
# The null reverse-path: SPF checks the HELO name, which DMARC then uses.
if run null-sender 1 verify "${common[@]}" --mail-from '' --json "$ex/messages/newsletter.eml"; then
	check null-sender-spf jfield spf.domain '"out7.mailplatform.example"'
	check null-sender-helo jfield spf_helo 'null'
fi
# RFC 7489 mode gives the same verdict here.
run mode-7489 1 verify "${common[@]}" --mail-from b@bounces.mailplatform.example --dmarc-mode rfc7489 --json "$ex/messages/newsletter.eml" &&
	check mode-7489 jfield dmarc.disposition '"reject"'
# Bad usage and unreadable input: 2, with a message.
run no-ip 2 verify --mail-from a@example.com "$tmp/signed.eml" &&
	check no-ip grep -q -- '--ip is required' "$tmp/err"
run bad-ip 2 verify --dns "$dns" --ip 300.1.1.1 --mail-from a@example.com "$tmp/signed.eml" &&
	check bad-ip grep -q 'not an IP address' "$tmp/err"
run null-no-helo 2 verify --ip 192.0.2.1 --mail-from '' "$tmp/signed.eml" &&
	check null-no-helo grep -q 'needs --helo' "$tmp/err"
run missing-file 2 verify --dns "$dns" --ip 192.0.2.1 --mail-from a@example.com "$tmp/nope.eml" &&
	check missing-file grep -q 'nope.eml' "$tmp/err"
run bad-authserv 2 verify --dns "$dns" --ip 192.0.2.1 --mail-from a@example.com --authserv-id 'a;b' "$tmp/signed.eml" &&
	check bad-authserv grep -q 'not a host name' "$tmp/err"
printf 'no colon here\n\nbody\n' >"$tmp/bad.eml"
# A message that cannot be read still gets a verdict (issue #15): DMARC
# permerror, exit 1, the reader's diagnostic on standard error and in the
# advice.
run bad-message 1 verify --dns "$dns" --ip 192.0.2.1 --mail-from a@example.com "$tmp/bad.eml" &&
	check bad-message grep -q 'header line without a field name' "$tmp/err" &&
	check bad-message-verdict grep -q 'dmarc=permerror (the message header cannot be read)' "$tmp/out"
# Five From fields (one past the four kept, all counted): not judged on
# the four kept, but "several From fields", DMARC permerror, exit 1.
{ for i in 1 2 3 4 5; do printf 'From: x%d@example.com\n' "$i"; done
  printf 'Subject: five\n\nbody\n'; } >"$tmp/five.eml"
run five-from-fields 1 verify --dns "$dns" --ip 192.0.2.1 --mail-from a@example.com "$tmp/five.eml" &&
	check five-from-fields grep -q 'dmarc=permerror (the message has several From fields)' "$tmp/out"

# Issues B1 and B11: 16 DKIM signatures with 253-byte d= and s=, a
# 250-byte local part at a 253-byte domain and a 253-byte HELO make an
# Authentication-Results field over the 8 KiB the CLI used to have (it
# then said "--authserv-id: ... is not a host name" and exited 2); the
# field is written whole. The advice runs past the 24 lines it used to
# keep (iprev, SPF, 16 signatures, 10 DMARC record notes, the DMARC
# diagnosis, what Gmail and Yahoo do): all 30 are printed, the last two
# last.
l63=$(printf '%063d' 0 | tr 0 a)
nd="news-$(printf '%055d' 0 | tr 0 n).big.test"
cat >"$tmp/big.test.zone" <<ZONE
\$ORIGIN big.test.
\$TTL 300
@        IN SOA ns hostmaster 1 3600 600 86400 300
@        IN NS  ns
ns       IN A   192.0.2.53
_dmarc.${nd%.big.test} IN TXT "v=DMARC1; p=reject; x1=1; x2=1; x3=1; x4=1; x5=1; x6=1; x7=1; x8=1; x9=1; x10=1"
ZONE
printf 'From: News <news@%s>\r\nTo: a@example.net\r\nSubject: many signatures\r\n\r\nHello.\r\n' \
	"$nd" >"$tmp/many.eml"
signers=()
for i in $(seq -w 1 16); do
	signers+=(--domain "$l63.$l63.$l63.d$i$(printf '%050d' 0 | tr 0 c).example"
		--selector "$l63.$l63.$l63.s$i$(printf '%058d' 0 | tr 0 e)"
		--key "$ex/keys/demo2026.private")
done
"$emauth" dkim sign "${signers[@]}" "$tmp/many.eml" >"$tmp/many-signed.eml"
md="$l63.$l63.$l63.$(printf '%056d' 0 | tr 0 m).test"
big=(--dns "zone:$tmp/big.test.zone" --authserv-id mx.receiver.example
	--ip 192.0.2.77 --helo "$md"
	--mail-from "$(printf '%0250d' 0 | tr 0 x)@$md")
if run authres-over-8k-written 1 verify "${big[@]}" --json "$tmp/many-signed.eml"; then
	check authres-over-8k-written python3 -c 'import json,sys
a=json.load(open(sys.argv[1]))["authentication_results"]
sys.exit(0 if len(a) > 8192 and a.count("\tdkim=") == 16 and "\tdmarc=fail (p=reject" in a else 1)' "$tmp/out"
	check advice-over-24-lines-kept python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))["advice"]
sys.exit(0 if len(v) == 30 and v[-2].startswith("DMARC fails:") and v[-1].startswith("Gmail and Yahoo refuse") else 1)' "$tmp/out"
fi
if run advice-over-24-lines-text 1 verify "${big[@]}" "$tmp/many-signed.eml"; then
	check advice-over-24-lines-text bash -c \
		"[ \$(grep -c '^- ' '$tmp/out') -eq 30 ] && tail -2 '$tmp/out' | head -1 | grep -q '^- DMARC fails:' && tail -1 '$tmp/out' | grep -q '^- Gmail and Yahoo refuse'"
fi
# Issue #17: --ip, --helo and --mail-from from a saved message: the client
# and HELO from the topmost Received field naming a client (a loopback
# hop above it passed over), MAIL FROM from Return-Path; standard error
# and the JSON say where each came from.
received() { # FIELD...: the signed message under these trace fields
	for f in "$@"; do printf '%s\n' "$f"; done
	cat "$tmp/signed.eml"
}
postfix_out7='Received: from out7.mailplatform.example (out7.mailplatform.example [203.0.113.140])
	by mx.receiver.example (Postfix) with ESMTPS id 4XyZ; Mon, 23 Nov 2026 09:00:02 +0000 (UTC)'
loopback='Received: from localhost (localhost [127.0.0.1])
	by mx.receiver.example (Postfix) with ESMTP id 4XyA; Mon, 23 Nov 2026 09:00:03 +0000 (UTC)'
received 'Return-Path: <bounce@example.com>' "$loopback" "$postfix_out7" >"$tmp/rcv.eml"
rcv=(--dns "$dns" --authserv-id mx.receiver.example)
if run received-json 0 verify "${rcv[@]}" --json "$tmp/rcv.eml"; then
	check received-json-ip jfield envelope.ip '{"value": "203.0.113.140", "source": "received"}'
	check received-json-helo jfield envelope.helo '{"value": "out7.mailplatform.example", "source": "received"}'
	check received-json-mail-from jfield envelope.mail_from '{"value": "bounce@example.com", "source": "return-path"}'
	check received-json-field jfield envelope.received.index '2'
	check received-json-by jfield envelope.received.by '"mx.receiver.example"'
	check received-json-spf jfield spf.domain '"example.com"'
	check received-json-dmarc jfield dmarc.result '"pass"'
	check received-stderr-ip grep -qF -- '--ip 203.0.113.140 from Received field 2 of 2' "$tmp/err"
	check received-stderr-helo grep -qF -- '--helo out7.mailplatform.example from Received field 2' "$tmp/err"
	check received-stderr-mail-from grep -qF -- "--mail-from 'bounce@example.com' from Return-Path" "$tmp/err"
fi
# The same verdict as with the options written out.
if run received-text 0 verify "${rcv[@]}" "$tmp/rcv.eml"; then
	sed -n '1,/^$/p' "$tmp/out" >"$tmp/rcv.ar"
	run received-options 0 verify "${common[@]}" --mail-from bounce@example.com "$tmp/rcv.eml" &&
		check received-same-as-options bash -c "sed -n '1,/^\$/p' '$tmp/out' | cmp -s - '$tmp/rcv.ar'"
fi
# From standard input too.
run received-stdin 0 verify "${rcv[@]}" - <"$tmp/rcv.eml" &&
	check received-stdin grep -qF -- '--ip 203.0.113.140 from Received field' "$tmp/err"
# An internal relay's field on top: by default it is the topmost naming a
# client; --trusted-received takes the one the receiver itself added.
received 'Return-Path: <bounce@example.com>' 'Received: from relay.internal.example (relay.internal.example [198.51.100.9])
	by mx2.receiver.example (Postfix) with ESMTP id 5; Mon, 23 Nov 2026 09:00:04 +0000' \
	"$postfix_out7" >"$tmp/relay.eml"
run received-topmost 0 verify "${rcv[@]}" --json "$tmp/relay.eml" &&
	check received-topmost jfield envelope.ip.value '"198.51.100.9"'
if run trusted-received 0 verify "${rcv[@]}" --trusted-received mx.receiver.example --json "$tmp/relay.eml"; then
	check trusted-received-ip jfield envelope.ip.value '"203.0.113.140"'
	check trusted-received-field jfield envelope.received.index '2'
	check trusted-received-host jfield envelope.received.trusted_host '"mx.receiver.example"'
fi
run trusted-received-absent 2 verify "${rcv[@]}" --trusted-received mx9.receiver.example "$tmp/relay.eml" &&
	check trusted-received-absent grep -qF -- '--ip is required: no Received field added by mx9.receiver.example names a client address (the message has 2 Received fields)' "$tmp/err"
run trusted-received-bad 2 verify "${rcv[@]}" --trusted-received 'a b' "$tmp/relay.eml" &&
	check trusted-received-bad grep -q 'not a host name' "$tmp/err"
# --ip given: the HELO name of a field about another client is not used.
run received-other-client 0 verify "${rcv[@]}" --ip 192.0.2.1 --json "$tmp/rcv.eml" &&
	check received-other-client jfield envelope.helo '{"value": null, "source": null}'
# Exim's shape with IPv6 and a port; the null reverse-path in Return-Path
# (SPF then checks the HELO name from the field).
received 'Return-Path: <>' 'Received: from out7.mailplatform.example ([2001:db8:25::26]:2525 helo=out7.mailplatform.example)
	by mx.receiver.example with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.96)
	(envelope-from <>)
	id 1rAbCd-000123-4E; Mon, 23 Nov 2026 09:00:05 +0000' >"$tmp/exim.eml"
if run received-exim 0 verify "${rcv[@]}" --json "$tmp/exim.eml"; then
	check received-exim-ip jfield envelope.ip.value '"2001:db8:25::26"'
	check received-exim-helo jfield envelope.helo.value '"out7.mailplatform.example"'
	check received-exim-null jfield envelope.mail_from '{"value": "", "source": "return-path"}'
	check received-exim-spf jfield spf.identity '"helo"'
fi
# A field that names two different clients (a HELO name carrying a
# comment): refused, never guessed; --ip still works.
received 'Return-Path: <bounce@example.com>' 'Received: from x(fake.example [198.51.100.1]) (out7.mailplatform.example [203.0.113.140])
	by mx.receiver.example (Postfix) with ESMTP id 6; Mon, 23 Nov 2026 09:00:06 +0000' >"$tmp/hostile.eml"
run received-hostile 2 verify "${rcv[@]}" "$tmp/hostile.eml" &&
	check received-hostile grep -qF -- '--ip is required: Received field 1 cannot be read: received:' "$tmp/err" &&
	check received-hostile-why grep -qF 'two different client addresses' "$tmp/err"
run received-hostile-ip 0 verify "${common[@]}" "$tmp/hostile.eml"
run received-none 2 verify "${rcv[@]}" "$tmp/signed.eml" &&
	check received-none grep -qF -- '--ip is required: the message has no Received field' "$tmp/err"
received "$loopback" >"$tmp/loop.eml"
run received-loopback-only 2 verify "${rcv[@]}" "$tmp/loop.eml" &&
	check received-loopback-only grep -qF 'none of the 1 Received field names a client address other than loopback' "$tmp/err"
received "$postfix_out7" >"$tmp/norp.eml"
run no-return-path 2 verify "${rcv[@]}" "$tmp/norp.eml" &&
	check no-return-path grep -qF -- '--mail-from is required' "$tmp/err"
received 'Return-Path: <MAILER-DAEMON>' "$postfix_out7" >"$tmp/badrp.eml"
run bad-return-path 2 verify "${rcv[@]}" "$tmp/badrp.eml" &&
	check bad-return-path grep -qF -- '--mail-from is required: the Return-Path field cannot be read: return-path:' "$tmp/err"
run bad-return-path-option 0 verify "${rcv[@]}" --mail-from bounce@example.com "$tmp/badrp.eml"
[ "$fails" -eq 0 ]
