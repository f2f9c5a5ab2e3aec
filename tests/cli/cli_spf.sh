#!/bin/bash
# CLI tests for "emauth spf": arguments, output, JSON fields and exit
# status, against the example zones (offline). Each case prints
# "ok cli/spf/NAME" or "not ok cli/spf/NAME".
# usage: tests/cli/cli_spf.sh BUILD-DIR
AREA=spf
. "$(dirname "$0")/../lib/cli.sh"
zones="zone:$top/examples/zones/example.com.zone,$top/examples/zones/mailplatform.example.zone"

if run pass-text 0 spf --ip 203.0.113.140 --mail-from a@example.com --dns "$zones"; then
	check pass-text grep -q '^spf: pass$' "$tmp/out"
	check pass-text-term grep -q 'decided by:  include:_spf.mailplatform.example (record of example.com)' "$tmp/out"
	check pass-text-lookups grep -q 'lookups:     3 of 10 DNS-querying terms, 0 of 2 void lookups' "$tmp/out"
fi
if run fail-json 0 spf --ip 192.0.2.199 --mail-from ceo@example.com --dns "$zones" --json; then
	check fail-json-result jfield result '"fail"'
	check fail-json-domain jfield domain '"example.com"'
	check fail-json-mechanism jfield mechanism '"-all"'
	check fail-json-explanation jfield explanation 'null'
	check fail-json-lookups jfield dns_lookups '3'
	check fail-json-void jfield void_lookups '0'
	check fail-json-problem jfield problem 'null'
fi
if run none-json 0 spf --ip 192.0.2.1 --mail-from a@unknown.example --dns "$zones" --json; then
	check none-json jfield result '"none"'
	check none-mechanism jfield mechanism 'null'
fi
if run null-sender 0 spf --ip 2001:db8:25::26 --mail-from '<>' --helo example.com --dns "$zones" --json; then
	check null-sender-result jfield result '"pass"'
	check null-sender-identity jfield identity '"helo"'
	check null-sender-sender jfield sender '"postmaster@example.com"'
fi
if run helo-also 0 spf --ip 192.0.2.25 --mail-from a@example.com --helo example.com --dns "$zones" --json; then
	check helo-also jfield helo.result '"pass"'
fi
printf '$ORIGIN broken.example.\n$TTL 60\n@ IN SOA ns h 1 1 1 1 1\n@ IN TXT "v=spf1 ip4:192.0.2.0/33 -all"\n' >"$tmp/broken.zone"
if run permerror-json 0 spf --ip 192.0.2.1 --mail-from a@broken.example --dns "zone:$tmp/broken.zone" --json; then
	check permerror-result jfield result '"permerror"'
	check permerror-problem grep -q '"problem":"syntax error in the SPF record of broken.example: term 1 (ip4):' "$tmp/out"
fi
# Usage errors: exit 2 with a message that says what is wrong.
run bad-ip 2 spf --ip 300.1.1.1 --mail-from a@example.com --dns "$zones" &&
	check bad-ip grep -q "not an IP address: '300.1.1.1'" "$tmp/err"
run no-ip 2 spf --mail-from a@example.com && check no-ip grep -q -- '--ip is required' "$tmp/err"
run no-from 2 spf --ip 192.0.2.1 && check no-from grep -q -- '--mail-from is required' "$tmp/err"
run null-no-helo 2 spf --ip 192.0.2.1 --mail-from '' && check null-no-helo grep -q 'needs --helo' "$tmp/err"
run bad-option 2 spf --frobnicate && check bad-option grep -q "unknown option '--frobnicate'" "$tmp/err"
run missing-value 2 spf --ip && check missing-value grep -q -- '--ip needs a value' "$tmp/err"
run bad-dns 2 spf --ip 192.0.2.1 --mail-from a@b.example --dns nonsense &&
	check bad-dns grep -q 'expected system, server:IP\[@PORT\] or zone:FILE' "$tmp/err"
run missing-zone 2 spf --ip 192.0.2.1 --mail-from a@b.example --dns zone:/nonexistent.zone &&
	check missing-zone grep -q '/nonexistent.zone' "$tmp/err"
printf '$ORIGIN x.example.\n@ IN SOA ns h 1 1 1 1 1\nwww IN A not-an-address\n' >"$tmp/bad.zone"
run bad-zone 2 spf --ip 192.0.2.1 --mail-from a@b.example --dns "zone:$tmp/bad.zone" &&
	check bad-zone grep -q 'bad.zone:3' "$tmp/err"
run bad-port 2 spf --ip 192.0.2.1 --mail-from a@b.example --dns server:127.0.0.1@70000 &&
	check bad-port grep -q 'not a port number' "$tmp/err"
run unknown-command 2 frobnicate && check unknown-command grep -q "unknown command 'frobnicate'" "$tmp/err"
run help 0 spf --help && check help grep -q 'Exit status: 0 whatever the SPF result' "$tmp/out"
# Hostile input never crashes: a long sender, odd bytes.
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
run long-sender 0 spf --ip 192.0.2.1 --mail-from "$long@example.com" --dns "$zones" --json &&
	check long-sender jfield result '"fail"'
run odd-bytes 0 spf --ip 192.0.2.1 --mail-from $'a\x01b@exa\tmple.com' --dns "$zones" --json &&
	check odd-bytes jfield result '"none"'
[ "$fails" -eq 0 ]
