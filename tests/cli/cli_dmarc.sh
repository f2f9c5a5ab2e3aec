#!/bin/bash
# CLI tests for "emauth dmarc": the discovery steps, the policy and the
# Organizational Domain, diagnostics, JSON fields and exit status, against
# the DMARC test zones (offline). Each case prints "ok cli/dmarc/NAME" or
# "not ok cli/dmarc/NAME".
# usage: tests/cli/cli_dmarc.sh BUILD-DIR
AREA=dmarc
. "$(dirname "$0")/../lib/cli.sh"
z=$top/tests/data/zones/dmarc
zones="zone:$z/example.com.zone,$z/bank.zone,$z/test.zone,$z/co.uk.zone"

if run np-text 0 dmarc ghost.example.com --dns "$zones"; then
	check np-text-policy grep -q '^  policy: np=reject applies to ghost.example.com (the domain does not exist)$' "$tmp/out"
	check np-text-steps grep -q '^    _dmarc.example.com  *record$' "$tmp/out"
	check np-text-org grep -q '^  organizational domain: example.com$' "$tmp/out"
fi
if run sp-json 0 dmarc mail.example.com --dns "$zones" --json; then
	check sp-json-policy jfield policy '"quarantine"'
	check sp-json-tag jfield policy_tag '"sp"'
	check sp-json-policy-domain jfield policy_domain '"example.com"'
	check sp-json-org jfield organizational_domain '"example.com"'
	check sp-json-step0 jfield discovery.0.query '"_dmarc.mail.example.com"'
	check sp-json-rua jfield record.rua '"mailto:dmarc@example.com"'
fi
if run psd-json 0 dmarc www.first.bank --dns "$zones" --json; then
	check psd-json-policy-domain jfield policy_domain '"bank"'
	check psd-json-org jfield organizational_domain '"first.bank"'
fi
# RFC 7489 mode: the Public Suffix List; the PSD record is not seen.
if run psl-json 1 dmarc www.first.bank --dns "$zones" --dmarc-mode rfc7489 --json; then
	check psl-json-status jfield status '"none"'
	check psl-json-org jfield organizational_domain '"first.bank"'
fi
# A record with mistakes: each named, with its fix; no policy: exit 1.
if run diagnostics 1 dmarc nopolicy.test --dns "$zones"; then
	check diag-p grep -q 'p=rejct is not a policy; did you mean p=reject?' "$tmp/out"
	check diag-rua grep -q 'unknown URI scheme "emailto:".*did you mean mailto:?' "$tmp/out"
	check diag-none grep -q 'policy: none: the record sets no policy' "$tmp/out"
fi
if run diagnostics-json 1 dmarc nopolicy.test --dns "$zones" --json; then
	check diag-json-tag jfield record.diagnostics.0.tag '"p"'
	check diag-json-kind jfield record.diagnostics.0.kind '"error"'
fi
if run obsolete 0 dmarc pct.test --dns "$zones"; then
	check obsolete-pct grep -q 'obsolete: pct was removed by RFC 9989 and is ignored; to test a policy use t=y' "$tmp/out"
fi
if run no-dmarc 1 dmarc nodmarc.test --dns "$zones"; then
	check no-dmarc-text grep -q 'policy: none: no DMARC record for nodmarc.test or its parents' "$tmp/out"
fi
run bad-mode 2 dmarc example.com --dmarc-mode rfc1234 --dns "$zones" &&
	check bad-mode-msg grep -q "not rfc9989 or rfc7489" "$tmp/err"
run bad-domain 2 dmarc 'bad..example' --dns "$zones" &&
	check bad-domain-msg grep -q "is not a domain name" "$tmp/err"
run no-domain 2 dmarc --dns "$zones" &&
	check no-domain-msg grep -q "exactly one DOMAIN" "$tmp/err"
[ "$fails" -eq 0 ]
