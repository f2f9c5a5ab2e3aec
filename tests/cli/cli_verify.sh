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
	check fail-diagnosis grep -q 'DMARC fails: SPF passes for bounces.mailplatform.example, which is not aligned with the From domain example.com; no DKIM signature passes. Receivers that enforce DMARC (Gmail, Yahoo) reject this: 550 5.7.26.' "$tmp/out"
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
# keep (iprev, SPF, 16 signatures, 10 DMARC record notes): all 29 are
# printed, the DMARC diagnosis last.
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
sys.exit(0 if len(v) == 29 and v[-1].startswith("DMARC fails:") else 1)' "$tmp/out"
fi
if run advice-over-24-lines-text 1 verify "${big[@]}" "$tmp/many-signed.eml"; then
	check advice-over-24-lines-text bash -c \
		"[ \$(grep -c '^- ' '$tmp/out') -eq 29 ] && tail -1 '$tmp/out' | grep -q '^- DMARC fails:'"
fi
[ "$fails" -eq 0 ]
