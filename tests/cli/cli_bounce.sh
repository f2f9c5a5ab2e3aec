#!/bin/bash
# CLI tests for "emauth bounce" and "emauth bounce route" (issue #20),
# offline: bounces of the Sisimai corpus read as JSON and as a table (the
# fields each recipient has, the exit status for a bounce, a message that
# is not one, bad input); route with rules choosing by the returned
# message's From domain, a header, the recipient's domain, a region table
# and a default, recording into the report store and forwarding the bounce
# unchanged through a sendmail stand-in; a forwarding failure exits 75
# (EX_TEMPFAIL) so that Postfix keeps the bounce.
# Prints "ok cli/bounce/NAME" or "not ok cli/bounce/NAME".
# usage: tests/cli/cli_bounce.sh BUILD-DIR
AREA=bounce
. "$(dirname "$0")/../lib/cli.sh"
corpus=$top/tests/data/suites/bounces-sisimai
md=$corpus/maildir
[ -d "$md" ] || { echo "not ok cli/bounce/corpus (no $md)"; exit 1; }

# A standard DSN (RFC 3464), as JSON: one object per recipient.
dsn=$(ls "$md"/rfc3464-*.eml | head -1)
if run json 0 bounce --json "$dsn"; then
	check json-fields python3 - "$tmp/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows, "no recipient"
keys = {"file", "recipient", "action", "status", "reply_code", "diagnostic",
        "reason", "hard", "remote_mta", "original_message_id", "original_from"}
for r in rows:
    assert keys <= set(r), set(r)
    assert "@" in r["recipient"] and r["status"].count(".") == 2, r
    assert isinstance(r["hard"], bool) and r["reason"], r
PY
fi
run table 0 bounce "$dsn" &&
	check table-lines grep -q '@' "$tmp/out"
# Postfix's own bounce: the status and reason Sisimai's table expects.
pf=$md/lhost-postfix-01.eml
want=$(awk -F'\t' '$1 == "lhost-postfix-01.eml" { print $2 " " $4; exit }' "$corpus/expected.tsv")
if run postfix 0 bounce --json "$pf"; then
	check postfix-status python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); sys.exit(0 if r["status"]+" "+r["reason"]==sys.argv[2] else 1)' "$tmp/out" "$want"
fi
# Not bounces: exit 1 and says so.
notb=$(ls "$corpus"/not/* | head -1)
run not-a-bounce 1 bounce "$notb" &&
	check not-a-bounce-says grep -q 'not a bounce' "$tmp/out"
run several 1 bounce "$dsn" "$notb"
run missing 2 bounce "$tmp/nothere.eml"
run stdin 0 bounce --json - <"$dsn"

# Routing.
mkdir -p "$tmp/sent"
cat >"$tmp/sendmail" <<SH
#!/bin/sh
n=\$(ls "$tmp/sent" | wc -l)
[ -e "$tmp/down" ] && exit 75
printf '%s\n' "\$@" >"$tmp/sent/\$n.args"
cat >"$tmp/sent/\$n.eml"
SH
chmod +x "$tmp/sendmail"
# The region of a bounce is its returned message's From domain's: take a
# corpus bounce whose original From emauth reads, and put its domain in
# the eu region.
jp=
jpdom=
for f in "$md"/lhost-postfix-*.eml "$md"/rfc3464-*.eml; do
	d=$("$emauth" bounce --json "$f" 2>/dev/null | python3 -c 'import json,sys
l=sys.stdin.readline()
o=json.loads(l) if l else {}
a=o.get("original_from","")
print(a.rsplit("@",1)[1].strip(">").lower() if "@" in a else "")')
	if [ -n "$d" ]; then jp=$f; jpdom=$d; break; fi
done
printf '%s eu\nexample.org us\n' "${jpdom:-none.example}" >"$tmp/regions"
cat >"$tmp/rules" <<RULES
# the first rule that matches wins
header X-Platform-Tenant:acme  acme-bounces@platform.example
sender-domain  shop.example     shop-bounces@platform.example
region-map     $tmp/regions
region         eu               bounces-eu@platform.example
region         us               bounces-us@platform.example
rcpt-domain    example.net      net-bounces@platform.example
default        bounces@platform.example
RULES
printf 'ReportStore sqlite:%s/s.db\nReportSubmit %s/sendmail\n' "$tmp" "$tmp" >"$tmp/c.conf"
check region-sample test -n "$jp"
if [ -n "$jp" ] && run route-region 0 bounce route -c "$tmp/c.conf" --rules "$tmp/rules" - <"$jp"; then
	check route-region-to grep -q '^forwarded to bounces-eu@platform.example$' "$tmp/out"
	m=$(ls "$tmp"/sent/*.eml | tail -1)
	check route-unchanged cmp "$m" "$jp"
	check route-null-sender grep -qx '<>' "${m%.eml}.args"
	check route-recorded test "$(sqlite3 "$tmp/s.db" "select count(*) from emauth_imports where kind = 'bounce' and status = 'imported'")" -ge 1
	check route-recipients test "$(sqlite3 "$tmp/s.db" 'select count(*) from emauth_bounces')" -ge 1
fi
# The default, for a bounce no other rule matches.
cp "$dsn" "$tmp/plain.eml"
run route-default 0 bounce route -c "$tmp/c.conf" --rules "$tmp/rules" - <"$tmp/plain.eml"
# A header of the returned message chooses.
python3 - "$dsn" "$tmp/tenant.eml" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
# The tenant header, in the returned message's header block (after the
# first Message-ID of the attached message), as a platform adds it.
i = d.find(b"Content-Type: message/rfc822")
if i < 0:
    i = d.find(b"Content-Type: text/rfc822-headers")
j = d.find(b"\n\n", i) + 2 if i >= 0 else len(d)
d = d[:j] + b"X-Platform-Tenant: acme\n" + d[j:]
open(sys.argv[2], "wb").write(d)
PY
run route-header 0 bounce route -c "$tmp/c.conf" --rules "$tmp/rules" - <"$tmp/tenant.eml" &&
	check route-header-to grep -q '^forwarded to acme-bounces@platform.example$' "$tmp/out"
# The target down: 75, nothing lost (the bounce stays with the MTA).
touch "$tmp/down"
run route-tempfail 75 bounce route -c "$tmp/c.conf" --rules "$tmp/rules" - <"$tmp/plain.eml"
rm -f "$tmp/down"
# Bad rules: no default; a bad line (exit 75 too: the MTA keeps the bounce
# while the rules are fixed).
printf 'sender-domain shop.example a@b.example\n' >"$tmp/nodefault"
run route-no-default 75 bounce route --rules "$tmp/nodefault" - <"$tmp/plain.eml" &&
	check route-no-default-says grep -q 'no default rule' "$tmp/err"
printf 'frobnicate x y\ndefault a@b.example\n' >"$tmp/badrule"
run route-bad-rule 75 bounce route --rules "$tmp/badrule" - <"$tmp/plain.eml" &&
	check route-bad-rule-line grep -q 'badrule:1: not a rule' "$tmp/err"
# "report import" recognises bounces and records them the same way.
run import-bounce 0 report import --store "sqlite:$tmp/i.db" "$dsn" &&
	check import-bounce-kind grep -q '^imported bounce ' "$tmp/out"

[ "$fails" -eq 0 ]
