#!/bin/bash
# CLI tests for "emauth arc verify" and "emauth arc seal" (issue #21),
# offline (keys made by emauth keygen, served from a zone file): a message
# through two hops that each verify, note the result in their
# Authentication-Results, change the message (a subject tag, a footer) and
# seal; the chain passes, with each sealer and oldest-pass; a change after
# the last seal, a removed seal and a forged cv= fail; a message without
# ARC is none; sealing after a cv=fail seal adds nothing; the JSON fields;
# exit statuses; the new fields folded as they go into a message (no line
# over 998 octets, the seal and the results within 78), a word too long to
# fold refused. Prints "ok cli/arc/NAME" or "not ok cli/arc/NAME".
# usage: tests/cli/cli_arc.sh BUILD-DIR
AREA=arc
. "$(dirname "$0")/../lib/cli.sh"
emauth=$(cd "$build" && pwd)/emauth
msg=$top/examples/messages/newsletter.eml
cd "$tmp" || exit 1
for h in hop1 hop2; do
	"$emauth" keygen --domain "$h.example" --selector arc >/dev/null 2>&1 &&
		mv arc.private "$h.private" &&
		{ printf '$ORIGIN %s.example.\n@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n' "$h"; cat arc.txt; } >"$h.zone"
	rm -f arc.txt
done
dns="zone:$tmp/hop1.zone,$tmp/hop2.zone"

# hop N ID IN OUT EDIT: verify IN, add our Authentication-Results, apply
# the sed EDIT, seal.
hop() {
	local n=$1 id=$2 in=$3 out=$4 edit=$5 cv
	cv=$("$emauth" arc verify --dns "$dns" --json "$in" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["cv"])')
	{ printf 'Authentication-Results: %s; arc=%s\r\n' "$id" "$cv"; cat "$in"; } |
		sed "$edit" >"$tmp/pre$n.eml"
	"$emauth" arc seal --domain "hop$n.example" --selector arc \
		--key "$tmp/hop$n.private" --authserv-id "$id" --dns "$dns" \
		--timestamp 1764633600 "$tmp/pre$n.eml" >"$out"
}
# lines FILE: the lengths of the header lines of FILE, longest first, as
# "NAME LENGTH" for the field each line belongs to.
lines() {
	/usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read().split(b"\r\n\r\n")[0]
out, name = [], b""
for l in d.split(b"\r\n"):
    if l[:1] not in (b" ", b"\t"):
        name = l.split(b":")[0]
    out.append((len(l), name.decode()))
for n, f in sorted(out, reverse=True):
    print(f, n)' "$1"
}
sed 's/$/\r/' "$msg" >"$tmp/m0.eml"
if hop 1 mx.hop1.example m0.eml m1.eml 's/^Subject: /Subject: [list] /' &&
	hop 2 mx.hop2.example m1.eml m2.eml '$s/\r$/\r\n-- \r\nlist footer\r/'; then
	echo "ok cli/arc/two-hops-sealed"
else
	echo "not ok cli/arc/two-hops-sealed"
	fails=$((fails + 1))
fi
unfold "$tmp/m2.eml" >"$tmp/m2u.eml"
check first-set-on-top sh -c "head -3 '$tmp/m2u.eml' | cut -d: -f1 | tr '\r\n' '  ' | grep -q '^ARC-Seal ARC-Message-Signature ARC-Authentication-Results'"
check aar-from-our-results grep -q '^ARC-Authentication-Results: i=2; mx.hop2.example; arc=pass' "$tmp/m2u.eml"
check seal-cv-pass grep -q '^ARC-Seal: a=rsa-sha256; b=[^;]*; cv=pass; d=hop2.example; i=2; s=arc; t=1764633600' "$tmp/m2u.eml"
# Folded: every line of the new set within 78 octets (b= broken too).
lines "$tmp/m2.eml" >"$tmp/lines"
check seal-folded sh -c "[ \$(grep -c '^ARC-Seal ' '$tmp/lines') -gt 3 ] &&
	[ \$(grep -c '^ARC-Message-Signature ' '$tmp/lines') -gt 5 ] &&
	! grep -E '^ARC-[A-Za-z-]+ ([8-9][0-9]|79|[0-9]{3,})\$' '$tmp/lines'"
run verify-pass 0 arc verify --dns "$dns" "$tmp/m2.eml" &&
	check verify-pass-text grep -q 'arc=pass (2 ARC sets verified)' "$tmp/out"
# The first hop's message signature no longer verifies (the footer came
# after it): oldest-pass is 2.
run verify-json 0 arc verify --dns "$dns" --json "$tmp/m2.eml" &&
	check verify-json-fields /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["cv"] == "pass" and o["instances"] == 2 and o["oldest_pass"] == 2, o
s = {x["i"]: x for x in o["sets"]}
assert s[1]["seal_domain"] == "hop1.example" and s[2]["seal_domain"] == "hop2.example"
assert s[1]["seal"] == "pass" and s[2]["seal"] == "pass" and s[2]["ams"] == "pass"
assert s[1]["ams"] == "fail" and s[1]["cv"] == "none" and s[2]["cv"] == "pass"
assert s[2]["aar"].startswith(" mx.hop2.example; arc=pass"), s[2]["aar"]
' "$tmp/out"
# LF line endings read as CRLF.
tr -d '\r' <"$tmp/m2.eml" >"$tmp/m2lf.eml"
run verify-lf 0 arc verify --dns "$dns" "$tmp/m2lf.eml"

# Broken on purpose.
sed 's/^list footer/list f00ter/' "$tmp/m2.eml" >"$tmp/body.eml"
run body-changed 1 arc verify --dns "$dns" "$tmp/body.eml" &&
	check body-changed-why grep -q 'arc=fail (instance 2: ARC-Message-Signature: body hash mismatch)' "$tmp/out"
awk 'NR == 1 && /^ARC-Seal:/ {skip = 1; next} skip && /^[ \t]/ {next} {skip = 0; print}' \
	"$tmp/m2.eml" >"$tmp/noseal.eml"
run seal-removed 1 arc verify --dns "$dns" "$tmp/noseal.eml" &&
	check seal-removed-why grep -q 'instance 2 has no ARC-Seal' "$tmp/out"
sed '0,/cv=none/s//cv=pass/' "$tmp/m2.eml" >"$tmp/forged.eml"
run cv-forged 1 arc verify --dns "$dns" "$tmp/forged.eml" &&
	check cv-forged-why grep -q 'cv=pass where cv=none belongs' "$tmp/out"
run none 1 arc verify --dns "$dns" "$tmp/m0.eml" &&
	check none-text grep -q 'arc=none (no ARC sets)' "$tmp/out"
# A key that is not there: fail, with the name looked up.
run no-key 1 arc verify --dns "zone:$tmp/hop1.zone" "$tmp/m2.eml" &&
	check no-key-why grep -q 'no key record at arc._domainkey.hop2.example' "$tmp/out"

# After a cv=fail seal nothing is added.
{ printf 'Authentication-Results: mx.hop3.example; arc=fail\r\n'; cat "$tmp/body.eml"; } >"$tmp/pre3.eml"
run seal-fail-chain 0 arc seal --domain hop2.example --selector arc --key "$tmp/hop2.private" \
	--authserv-id mx.hop3.example --dns "$dns" "$tmp/pre3.eml" &&
	unfold "$tmp/out" >"$tmp/outu" &&
	check seal-fail-chain-cv grep -q '^ARC-Seal: .*cv=fail; d=hop2.example; i=3' "$tmp/outu" &&
	cp "$tmp/out" "$tmp/m3.eml"
# A chain that says it failed is not verified, but its sets are shown.
run verify-cv-fail-json 1 arc verify --dns "$dns" --json "$tmp/m3.eml" &&
	check verify-cv-fail-sets /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["cv"] == "fail" and o["reason"] == "the newest ARC-Seal says cv=fail", o
s = o["sets"]
assert [x["i"] for x in s] == [1, 2, 3] and s[2]["cv"] == "fail" and s[2]["seal"] == "none", s
assert s[0]["seal_domain"] == "hop1.example" and s[2]["seal_domain"] == "hop2.example", s
' "$tmp/out"
run seal-after-fail 0 arc seal --domain hop2.example --selector arc --key "$tmp/hop2.private" \
	--authserv-id mx.hop4.example --dns "$dns" "$tmp/m3.eml" &&
	check seal-after-fail-nothing cmp "$tmp/out" "$tmp/m3.eml" &&
	check seal-after-fail-said grep -q 'nothing added' "$tmp/err"
# Without our Authentication-Results the message is verified first.
run seal-computes 0 arc seal --domain hop2.example --selector arc --key "$tmp/hop2.private" \
	--authserv-id other.example --dns "$dns" "$tmp/m2.eml" &&
	unfold "$tmp/out" >"$tmp/outu" &&
	check seal-computes-aar grep -q '^ARC-Authentication-Results: i=3; other.example; arc=pass header.oldest-pass=2; dkim=none' "$tmp/outu"

# Long results are folded where they have blanks: the set verifies, and no
# line is over 78 octets.
{
	printf 'Authentication-Results: mx.hop1.example; arc=none'
	for i in $(seq 1 40); do printf '; dkim=pass header.d=signer%s.example header.s=sel%s' "$i" "$i"; done
	printf '\r\n'
	cat "$tmp/m0.eml"
} >"$tmp/long.eml"
run seal-long-results 0 arc seal --domain hop1.example --selector arc --key "$tmp/hop1.private" \
	--authserv-id mx.hop1.example --dns "$dns" "$tmp/long.eml" &&
	cp "$tmp/out" "$tmp/long-sealed.eml" &&
	lines "$tmp/long-sealed.eml" >"$tmp/lines" &&
	check seal-long-results-folded sh -c "[ \$(grep -c '^ARC-Authentication-Results ' '$tmp/lines') -gt 20 ] &&
		! grep -E '^ARC-[A-Za-z-]+ ([8-9][0-9]|79|[0-9]{3,})\$' '$tmp/lines'" &&
	run seal-long-results-verify 0 arc verify --dns "$dns" "$tmp/long-sealed.eml"
# A word of the results is never broken, even one that starts like b=.
tok=b=$(printf 'Q%.0s' $(seq 1 120))
printf 'Authentication-Results: mx.hop1.example; arc=none; x-note=pass %s\r\n' "$tok" |
	cat - "$tmp/m0.eml" >"$tmp/btok.eml"
run seal-results-word-whole 0 arc seal --domain hop1.example --selector arc --key "$tmp/hop1.private" \
	--authserv-id mx.hop1.example --dns "$dns" "$tmp/btok.eml" &&
	unfold "$tmp/out" >"$tmp/outu" &&
	check seal-results-word-whole-aar grep -q "^ARC-Authentication-Results: i=1; .* $tok" "$tmp/outu"
# A word of 1,000 octets cannot be folded: refused, nothing written.
{
	printf 'Authentication-Results: mx.hop1.example; dkim=pass header.d=%s.example\r\n' "$(printf 'a%.0s' $(seq 1 1000))"
	cat "$tmp/m0.eml"
} >"$tmp/word.eml"
run seal-word-too-long 2 arc seal --domain hop1.example --selector arc --key "$tmp/hop1.private" \
	--authserv-id mx.hop1.example --dns "$dns" "$tmp/word.eml" &&
	check seal-word-too-long-why grep -q 'ARC-Authentication-Results.*line over 998 octets' "$tmp/err" &&
	check seal-word-too-long-nothing test ! -s "$tmp/out"

# emauth verify: arc= in Authentication-Results; a trusted forwarder's
# passing chain overrides the DMARC failure (example.com: p=reject), and
# --record stores it as trusted_forwarder.
vdns="$dns,$top/examples/zones/example.com.zone"
run verify-arc-authres 1 verify --dns "$vdns" --ip 192.0.2.99 --mail-from bounce@hop2.example \
	--helo mx.hop2.example --authserv-id mx.receiver.test "$tmp/m2.eml" &&
	check verify-arc-authres-field grep -q 'arc=pass (2 ARC sets verified) smtp.remote-ip=192.0.2.99 header.oldest-pass=2' "$tmp/out" &&
	check verify-arc-no-override sh -c "! grep -q 'trusted forwarder' '$tmp/out'"
run verify-arc-trusted 1 verify --dns "$vdns" --ip 192.0.2.99 --mail-from bounce@hop2.example \
	--helo mx.hop2.example --authserv-id mx.receiver.test --arc-trusted-sealers hop2.example \
	--record "sqlite:$tmp/v.db" --time 1764669600 "$tmp/m2.eml" &&
	check verify-arc-trusted-said grep -q 'trusted forwarder.s (arc=pass, sealed by hop2.example (i=2))' "$tmp/out" &&
	check verify-arc-trusted-dis-none grep -q 'dis=none) header.from=example.com policy.dmarc=none' "$tmp/out" &&
	check verify-arc-trusted-recorded test "$(sqlite3 "$tmp/v.db" 'select disposition, override_type, override_comment from emauth_verdicts')" = \
		'none|trusted_forwarder|arc=pass, sealed by hop2.example (i=2)'
# The day's aggregate report says so: the override, trusted_forwarder, with
# its comment, valid against RFC 9990's schema.
printf 'Mode v\nReportEmail dmarc@receiver.test\nReportOrgName Receiver\n' >"$tmp/r.conf"
mkdir -p "$tmp/dry"
run report-trusted-forwarder 0 report send -c "$tmp/r.conf" --store "sqlite:$tmp/v.db" \
	--dns "$vdns" --day 2025-12-02 --dry-run "$tmp/dry" &&
	check report-trusted-forwarder-xml sh -c "gzip -dc '$tmp'/dry/*.xml.gz | tr -d ' \n' |
		grep -q '<reason><type>trusted_forwarder</type><comment>arc=pass,sealedbyhop2.example(i=2)</comment></reason>'" &&
	check report-trusted-forwarder-valid sh -c "gzip -dc '$tmp'/dry/*.xml.gz |
		xmllint --noout --schema '$top/tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd' - 2>/dev/null"
# Only the newest sealer counts: hop1 sealed first, hop2 handed it over.
run verify-arc-older-sealer 1 verify --dns "$vdns" --ip 192.0.2.99 --mail-from bounce@hop2.example \
	--helo mx.hop2.example --authserv-id mx.receiver.test --arc-trusted-sealers hop1.example --json "$tmp/m2.eml" &&
	check verify-arc-older-sealer-json /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["arc"]["cv"] == "pass" and o["arc"]["oldest_pass"] == 2, o["arc"]
assert o["arc"]["trusted_override"] is None, o["arc"]
assert o["dmarc"]["result"] == "fail"
' "$tmp/out"
# A broken chain is never trusted.
run verify-arc-broken 1 verify --dns "$vdns" --ip 192.0.2.99 --mail-from bounce@hop2.example \
	--helo mx.hop2.example --authserv-id mx.receiver.test --arc-trusted-sealers hop2.example --json "$tmp/body.eml" &&
	check verify-arc-broken-json /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["arc"]["cv"] == "fail" and o["arc"]["trusted_override"] is None, o["arc"]
' "$tmp/out"
run verify-arc-bad-sealers 2 verify --arc-trusted-sealers 'bad;name' "$tmp/m2.eml"

# Usage.
run seal-no-key 2 arc seal --domain hop1.example --selector arc --authserv-id x "$tmp/m0.eml"
run seal-bad-id 2 arc seal --domain hop1.example --selector arc --key "$tmp/hop1.private" \
	--authserv-id 'bad id;' "$tmp/m0.eml"
run seal-bad-alg 2 arc seal --domain hop1.example --selector arc --key "$tmp/hop1.private" \
	--authserv-id x --algorithm ed25519-sha256 "$tmp/m0.eml"
run verify-missing 2 arc verify --dns "$dns" "$tmp/nonexistent.eml"
run unknown-sub 2 arc frobnicate
[ "$fails" -eq 0 ]
