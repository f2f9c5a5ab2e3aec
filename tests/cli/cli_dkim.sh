#!/bin/bash
# CLI tests for "emauth keygen", "emauth dkim sign", "emauth dkim verify"
# and "emauth dkim testkey": files and modes, exit status, JSON fields,
# several files, and clear errors. Offline: the keys are served from a zone
# file.
# usage: tests/cli/cli_dkim.sh BUILD-DIR
set -u
build=${1:?build dir}
emauth=$(cd "$build" && pwd)/emauth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok cli/dkim/$1"; }
no() {
	echo "not ok cli/dkim/$1"
	shift
	echo "  $*"
	fails=$((fails + 1))
}
# check NAME COMMAND...
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else no "$name" "failed: $*"; fi
}
jq_() {
	/usr/bin/python3 -c 'import json,sys
for line in open(sys.argv[1]):
    o=json.loads(line)
    print(eval(sys.argv[2]))' "$@"
}

cd "$tmp" || exit 1
check keygen-rsa "$emauth" keygen --domain example.com --selector r1
check keygen-ed25519 "$emauth" keygen --domain example.com --selector e1 --algorithm ed25519 --testing
check keygen-files test -f r1.private -a -f r1.txt -a -f e1.private -a -f e1.txt
check keygen-mode [ "$(stat -c %a r1.private)" = 600 ]
check keygen-strings-255 /usr/bin/python3 -c 'import re,sys
s=open("r1.txt").read()
parts=re.findall(r"\"([^\"]*)\"",s)
sys.exit(0 if parts and max(map(len,parts))<=255 and "".join(parts).startswith("v=DKIM1; k=rsa; p=") else 1)'
check keygen-testing grep -q 't=y' e1.txt
"$emauth" keygen --domain example.com --selector r1 >out 2>err
check keygen-no-overwrite test $? -eq 2
check keygen-no-overwrite-msg grep -q 'use --force' err
check keygen-force "$emauth" keygen --domain example.com --selector r1 --force
"$emauth" keygen --domain example.com --selector r9 --bits 512 >out 2>err
check keygen-bits-range test $? -eq 2
check keygen-bits-msg grep -q 'not 1024 to 4096' err
# --bits bounds the key written (an RSA 4096 PEM of about 3.3 KB, in a
# buffer of 8 KB): 4096 is written whole, 4097 refused.
check keygen-bits-4096 "$emauth" keygen --domain example.com --selector r4096 --bits 4096
check keygen-bits-4096-pem grep -q -- '-----END PRIVATE KEY-----' r4096.private
check keygen-bits-4096-record grep -q 'DKIM key r4096 for example.com' r4096.txt
"$emauth" keygen --domain example.com --selector r4097 --bits 4097 >out 2>err
check keygen-bits-4097 test $? -eq 2
check keygen-bits-4097-msg grep -q "'4097' is not 1024 to 4096" err
check keygen-bits-4097-nothing-written test ! -e r4097.private -a ! -e r4097.txt
"$emauth" keygen --domain 'bad domain' --selector x >out 2>err
check keygen-bad-domain test $? -eq 2
# Under 2048 bits: written, with a warning on stderr (RFC 8301 makes 1024
# the minimum; receivers such as Gmail expect 2048).
"$emauth" keygen --domain example.com --selector r5 --bits 1024 >out 2>err
check keygen-1024-exit test $? -eq 0
check keygen-1024-written test -f r5.private -a -f r5.txt
check keygen-1024-warning grep -q 'warning: a 1024-bit RSA key: receivers such as Gmail expect 2048-bit RSA keys' err
"$emauth" keygen --domain example.com --selector r6 --bits 2047 >out 2>err
check keygen-2047-warning grep -q 'warning: a 2047-bit RSA key' err
"$emauth" keygen --domain example.com --selector r7 --bits 2048 >out 2>err
check keygen-2048-no-warning test ! -s err
"$emauth" keygen --domain example.com --selector e7 --algorithm ed25519 >out 2>err
check keygen-ed25519-no-warning test ! -s err

{
	printf '$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n'
	cat r1.txt e1.txt
} >keys.zone
printf 'From: a@example.com\nTo: b@example.net\nSubject: s\n\nbody\n' >m.eml
"$emauth" dkim sign --domain example.com --selector r1 --key r1.private \
	--selector e1 --key e1.private m.eml >s.eml
check sign-exit test $? -eq 0
check sign-two-fields [ "$(grep -c '^DKIM-Signature:' s.eml)" = 2 ]
check sign-rsa-first-line grep -q '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;' s.eml
check sign-keeps-lf-endings sh -c '! grep -q "$(printf "\r")" s.eml'
check sign-body-unchanged sh -c 'tail -n 5 s.eml | cmp -s - m.eml'
"$emauth" dkim verify --dns zone:keys.zone s.eml >out 2>err
check verify-pass-exit test $? -eq 0
check verify-text grep -q 'dkim=pass d=example.com s=e1 a=ed25519-sha256 c=relaxed/relaxed (key in testing, t=y)' out
"$emauth" dkim verify --dns zone:keys.zone --json s.eml >out
check verify-json-fields test "$(jq_ out '[(s["domain"],s["selector"],s["algorithm"],s["result"],s["body_length"],s["testing"]) for s in o["signatures"]]')" = "[('example.com', 'r1', 'rsa-sha256', 'pass', None, False), ('example.com', 'e1', 'ed25519-sha256', 'pass', None, True)]"
check verify-json-file test "$(jq_ out 'o["file"]')" = "s.eml"
sed 's/^body$/bodY/' s.eml >t.eml
"$emauth" dkim verify --dns zone:keys.zone --json t.eml >out
check verify-tampered-exit test $? -eq 1
check verify-tampered-reason test "$(jq_ out 'o["signatures"][0]["reason"]')" = "body hash mismatch"
"$emauth" dkim verify --dns zone:keys.zone --json s.eml t.eml m.eml >out
check verify-several-exit test $? -eq 1
check verify-several-lines [ "$(wc -l <out)" = 3 ]
check verify-several-files test "$(jq_ out 'o["file"]' | tr '\n' ' ')" = "s.eml t.eml m.eml "
"$emauth" dkim sign --domain example.com --selector r1 --key r1.private --body-length --expire 3600 m.eml >l.eml
check sign-l-and-x grep -q 'l=6;' l.eml
check sign-x grep -q ' x=' l.eml
printf 'appended\n' >>l.eml
"$emauth" dkim verify --dns zone:keys.zone --json l.eml >out
check verify-l-policy test "$(jq_ out '(o["signatures"][0]["result"],o["signatures"][0]["body_length"],o["signatures"][0]["unsigned_bytes"])')" = "('policy', 6, 10)"
"$emauth" dkim verify --dns zone:keys.zone --allow-partial-body l.eml >/dev/null
check verify-l-allow test $? -eq 0
# A folder: each regular file in it, in name order.
mkdir -p box
cp s.eml box/1.eml
cp t.eml box/2.eml
"$emauth" dkim verify --dns zone:keys.zone --json box >out
check verify-folder-exit test $? -eq 1
check verify-folder-files test "$(jq_ out 'o["file"]' | tr '\n' ' ')" = "box/1.eml box/2.eml "
# Errors: exit 2 with a message that says what is wrong.
"$emauth" dkim verify --dns zone:keys.zone nonexistent.eml >out 2>err
check verify-missing-file test $? -eq 2
check verify-missing-file-msg grep -q 'nonexistent.eml: No such file' err
printf 'To: b@example.net\n\nx\n' >nofrom.eml
"$emauth" dkim sign --domain example.com --selector r1 --key r1.private nofrom.eml >out 2>err
check sign-no-from test $? -eq 2
check sign-no-from-msg grep -q 'no From header field' err
# 16 signatures (--selector/--key groups) are made; a 17th is refused.
groups=()
for i in $(seq 1 16); do groups+=(--selector e1 --key e1.private); done
"$emauth" dkim sign --domain example.com "${groups[@]}" m.eml >s16.eml 2>err
check sign-16-signatures-exit test $? -eq 0
check sign-16-signatures [ "$(grep -c '^DKIM-Signature:' s16.eml)" = 16 ]
"$emauth" dkim sign --domain example.com "${groups[@]}" --selector e1 --key e1.private m.eml >out 2>err
check sign-17-signatures-exit test $? -eq 2
check sign-17-signatures-msg grep -q 'at most 16 signatures' err
check sign-17-signatures-nothing-written test ! -s out
# A key file of 64 KiB (a PEM padded with line breaks) is read whole; one
# byte more is refused, never read in part, by "dkim sign" and "record
# dkim" alike (as by the milter).
/usr/bin/python3 -c 'import sys
d=open("r1.private","rb").read()
for n in (65536, 65537):
    open("k%d" % n,"wb").write(d+b"\n"*(n-len(d)))'
check key-file-65536-signs "$emauth" dkim sign --domain example.com --selector r1 --key k65536 m.eml
"$emauth" dkim sign --domain example.com --selector r1 --key k65537 m.eml >out 2>err
check key-file-65537-exit test $? -eq 2
check key-file-65537-msg grep -q 'k65537: the key file is longer than 65536 bytes (refused)' err
check key-file-65537-nothing-written test ! -s out
check key-file-65536-record "$emauth" record dkim --key k65536 --selector r1
"$emauth" record dkim --key k65537 --selector r1 >out 2>err
check key-file-65537-record-exit test $? -eq 2
check key-file-65537-record-msg grep -q 'k65537: the key file is longer than 65536 bytes' err
check key-file-65537-record-nothing test ! -s out
# keygen: a --directory that makes the key's path 4095 bytes writes both
# files; one byte more is refused before anything is written (the name
# was once cut, and the key written under the cut name).
deep=$tmp/d
while [ ${#deep} -lt 3880 ]; do deep=$deep/$(printf 'a%.0s' $(seq 1 190)); done
deep=$deep/$(printf 'b%.0s' $(seq 1 $((4085 - ${#deep} - 1))))
mkdir -p "$deep"
check keygen-path-4095 "$emauth" keygen --domain example.com --selector k --directory "$deep"
check keygen-path-4095-files test -f "$deep/k.private" -a -f "$deep/k.txt"
"$emauth" keygen --domain example.com --selector kk --directory "$deep" >out 2>err
check keygen-path-4096-exit test $? -eq 2
check keygen-path-4096-msg grep -q 'path would be longer than 4095 bytes' err
check keygen-path-4096-nothing-written test "$(ls "$deep" | wc -l)" = 2
printf 'not a key\n' >bad.key
"$emauth" dkim sign --domain example.com --selector r1 --key bad.key m.eml >out 2>err
check sign-bad-key test $? -eq 2
check sign-bad-key-msg grep -q 'bad.key: not a PEM private key' err
"$emauth" dkim sign --selector r1 --key r1.private m.eml >out 2>err
check sign-key-needs-domain grep -q 'needs a --domain and a --selector' err
"$emauth" dkim sign --domain example.com --selector r1 --key r1.private --canon fancy m.eml >out 2>err
check sign-bad-canon grep -q "'fancy' is not HEADER/BODY" err
"$emauth" dkim sign --domain example.com --selector r1 --key e1.private --algorithm rsa-sha256 m.eml >out 2>err
check sign-alg-mismatch grep -q 'does not fit the key' err
printf 'garbage line\n\nx\n' >bad.eml
"$emauth" dkim verify --dns zone:keys.zone bad.eml >out 2>err
check verify-malformed-message test $? -eq 2
check verify-malformed-msg grep -q 'message line 1' err
# A folder whose file path does not fit in 4,096 bytes (the folder's own
# path does): that file is reported as unreadable (exit 2), not skipped.
deep=.
for i in $(seq 10 25); do deep=$deep/d$i$(head -c 247 /dev/zero | tr '\0' x); done
mkdir -p "$deep"
cp s.eml "$deep/1.eml"
long=$(head -c 120 /dev/zero | tr '\0' m).eml
(cd "$deep" && cp 1.eml "$long")
"$emauth" dkim verify --dns zone:keys.zone "$deep" >out 2>err
check verify-long-path-exit test $? -eq 2
check verify-long-path-msg grep -q "$long: cannot read: the path is longer than 4095 bytes" err
check verify-long-path-others grep -q 'dkim=pass d=example.com s=r1' out

# dkim testkey: a private key against the record at S._domainkey.D.
# keys.zone serves r1 and e1 as keygen wrote them; tk.zone adds records
# that do not fit: s= and h= (svc), a revoked key (rev), a p= that is not
# a key (bad), t=s (st), and a delegation that is not loaded (sub: the
# lookup fails).
{
	cat keys.zone
	printf 'sub IN NS ns.elsewhere.example.\n'
	sed '1s/^r1\._domainkey/svc._domainkey/; 1s/"v=DKIM1; k=rsa; "/"v=DKIM1; k=rsa; s=tlsrpt; h=sha1; "/' r1.txt
	sed '1s/^r1\._domainkey/st._domainkey/; 1s/"v=DKIM1; k=rsa; "/"v=DKIM1; k=rsa; t=s; "/' r1.txt
	printf 'rev._domainkey IN TXT "v=DKIM1; k=rsa; p="\n'
	printf 'bad._domainkey IN TXT "v=DKIM1; k=rsa; p=AAAAAAAA"\n'
} >tk.zone
tk() { "$emauth" dkim testkey --dns zone:tk.zone --domain example.com "$@"; }
tk --selector r1 --key r1.private >out 2>err
check testkey-rsa-exit test $? -eq 0
check testkey-rsa-text grep -q '^r1._domainkey.example.com: match$' out
check testkey-rsa-detail grep -q "publishes this key's public half (k=rsa, 2048 bits)" out
check testkey-rsa-no-fix sh -c '! grep -q "^fix:" out'
tk --selector e1 --key e1.private --json >out 2>err
check testkey-ed25519-exit test $? -eq 0
check testkey-ed25519-json test "$(jq_ out '(o["status"],o["problems"],o["key_type"],o["record_type"],o["testing"])')" = "('match', [], 'ed25519', 'ed25519', True)"
# Another key: exit 1, what does not fit, and the record to publish, as
# "emauth record dkim" writes it.
tk --selector r1 --key r5.private >out 2>err
check testkey-other-key-exit test $? -eq 1
check testkey-other-key-text grep -q '^r1._domainkey.example.com: mismatch$' out
check testkey-other-key-detail grep -q 'p= holds another key (rsa, 2048 bits), not the public half of this private key' out
check testkey-other-key-fix grep -q '^fix: .*(emauth record dkim --key r5.private --selector r1 --domain example.com)' out
"$emauth" record dkim --key r5.private --selector r1 --domain example.com >want
check testkey-other-key-record sh -c 'tail -n "$(wc -l <want)" out | cmp -s - want'
tk --selector r1 --key e1.private --json >out 2>err
check testkey-key-type-exit test $? -eq 1
check testkey-key-type-json test "$(jq_ out '(o["status"],o["problems"])')" = "('mismatch', ['key-type'])"
tk --selector svc --key r1.private --json >out 2>err
check testkey-service-hash-exit test $? -eq 1
check testkey-service-hash-json test "$(jq_ out '(o["status"],o["problems"])')" = "('mismatch', ['service', 'hash'])"
tk --selector svc --key r1.private >out 2>err
check testkey-service-text grep -q 's=tlsrpt does not allow email' out
check testkey-service-fix grep -q '^fix: remove s= from the record, or make it s=email' out
check testkey-hash-text grep -q 'h=sha1 does not list sha256' out
tk --selector rev --key r1.private --json >out 2>err
check testkey-revoked-exit test $? -eq 1
check testkey-revoked-json test "$(jq_ out '(o["status"],o["problems"])')" = "('mismatch', ['revoked'])"
tk --selector st --key r1.private >out 2>err
check testkey-strict-exit test $? -eq 0
check testkey-strict-note grep -q 't=s: signatures whose i= is in a subdomain of example.com fail' out
tk --selector nope --key r1.private >out 2>err
check testkey-no-record-exit test $? -eq 1
check testkey-no-record-text grep -q '^nope._domainkey.example.com: no-record$' out
check testkey-no-record-fix grep -q '^nope._domainkey	IN	TXT	( "v=DKIM1; k=rsa; "' out
tk --selector bad --key r1.private --json >out 2>err
check testkey-record-error-exit test $? -eq 1
check testkey-record-error-json test "$(jq_ out '(o["status"],o["detail"])')" = "('record-error', 'p= is not an RSA key')"
"$emauth" dkim testkey --dns zone:tk.zone --domain sub.example.com --selector x --key r1.private >out 2>err
check testkey-dns-error-exit test $? -eq 2
check testkey-dns-error-text grep -q '^x._domainkey.sub.example.com: dns-error$' out
# Usage and unreadable keys: exit 2 with a message that says what is wrong.
tk --selector r1 >out 2>err
check testkey-no-key-exit test $? -eq 2
check testkey-no-key-msg grep -q -- '--domain, --selector and --key are required' err
tk --selector r1 --key nonexistent.private >out 2>err
check testkey-missing-key-exit test $? -eq 2
check testkey-missing-key-msg grep -q 'nonexistent.private: No such file' err
tk --selector r1 --key bad.key >out 2>err
check testkey-bad-key-exit test $? -eq 2
check testkey-bad-key-msg grep -q 'bad.key: not a PEM private key' err
tk --selector 'a b' --key r1.private >out 2>err
check testkey-bad-selector test $? -eq 2
tk --selector r1 --key r1.private extra >out 2>err
check testkey-extra-arg test $? -eq 2
"$emauth" dkim testkey --dns zone:nonexistent.zone --domain example.com --selector r1 --key r1.private >out 2>err
check testkey-bad-dns test $? -eq 2
"$emauth" dkim --help >out 2>err
check testkey-help grep -q 'usage: emauth dkim testkey' out
[ "$fails" -eq 0 ]
