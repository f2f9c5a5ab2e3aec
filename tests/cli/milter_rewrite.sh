#!/bin/bash
# emauth-milter's From rewriting (issue #21), over the milter protocol
# (tests/milter/send.py), DNS from tests/milter/zones: a platform
# (platform.example, its key in the KeyTable) sends for customers it
# cannot sign for.
#   - RewriteFrom dmarc: mail from bank.example (p=reject) is sent as
#     "Alice Bank via Platform" <alice=bank.example@platform.example>,
#     Reply-To the author, X-Original-From the old From, DKIM-signed by
#     platform.example: DMARC passes for platform.example (emauth verify);
#   - a Reply-To already there stays the only one;
#   - attacker.example (p=none) is left alone (and unsigned) in dmarc
#     mode, rewritten with RewriteFrom always;
#   - internal.example, which has a key, is signed, never rewritten;
#   - RewriteFrom never: bank.example's mail goes as it came, unsigned;
#   - a configuration without RewriteFromDomain is refused.
# usage: tests/cli/milter_rewrite.sh BUILD-DIR
AREA=milter-rewrite
. "$(dirname "$0")/../lib/cli.sh"
emauth=$(cd "$build" && pwd)/emauth
milter=$(cd "$build" && pwd)/emauth-milter
send=$top/tests/milter/send.py
zones="zone:$(ls "$top"/tests/milter/zones/*.zone | paste -sd, -)"
cd "$tmp" || exit 1
mkdir -p keys
cp "$top/examples/keys/demo2026.private" keys/internal.private
cp "$top/examples/keys/demo2026e.private" keys/platform.private
chmod 600 keys/*
cat >KeyTable <<KT
internal  internal.example:demo2026:$tmp/keys/internal.private
platform  platform.example:demo2026e:$tmp/keys/platform.private
KT
printf '*@internal.example internal\n*@platform.example platform\n' >SigningTable

# msg FROM [EXTRA-FIELD]: a message from FROM.
msg() {
	printf 'From: %s\r\nTo: bob@receiver.test\r\nSubject: Your statement\r\n' "$1"
	printf 'Date: Tue, 02 Dec 2025 10:00:00 +0000\r\nMessage-ID: <m%s@platform.example>\r\n' "$RANDOM"
	[ -n "${2:-}" ] && printf '%s\r\n' "$2"
	printf '\r\nHello.\r\n'
}
msg '"Alice Bank" <alice@bank.example>' >bank.eml
msg 'Alice Bank <alice@bank.example>' 'Reply-To: support@bank.example' >bank-rt.eml
msg 'Mallory <m@attacker.example>' >attacker.eml
msg 'Ops <ops@internal.example>' >internal.eml

start() {
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >m.conf <<CONF
Mode s
Socket inet:$port@127.0.0.1
InternalHosts 127.0.0.1
KeyTable $tmp/KeyTable
SigningTable refile:$tmp/SigningTable
Syslog no
DNS $zones
RewriteFromDomain platform.example
RewriteFromOrganization Platform
$1
CONF
	"$milter" -f -c m.conf >milter.log 2>&1 &
	mpid=$!
	sock="$port@127.0.0.1"
	for _ in $(seq 1 50); do
		grep -q 'started on' milter.log && return 0
		sleep 0.1
	done
	echo "not ok cli/$AREA/start"
	cat milter.log
	fails=$((fails + 1))
	return 1
}
stop() {
	kill -TERM "$mpid"
	wait "$mpid"
}
# pass NAME IN OUT: through the milter (accepted), the result in OUT.
pass() {
	if /usr/bin/python3 "$send" "$sock" "$2" 127.0.0.1 "<bounce@platform.example>" "$3" \
		>"$1.out" 2>&1 && head -1 "$1.out" | grep -qx '[ac]' && [ -s "$3" ]; then
		echo "ok cli/$AREA/$1"
	else
		echo "not ok cli/$AREA/$1"
		head -c 400 "$1.out"
		tail -n 3 milter.log | sed 's/^/  log: /'
		fails=$((fails + 1))
	fi
}
# dmarc FILE: what emauth verify says of FILE as the receiver would see it
# (from 127.0.0.1, MAIL FROM the platform).
dmarc_of() {
	"$emauth" verify --dns "$zones" --ip 127.0.0.1 --helo mx.platform.example \
		--mail-from bounce@platform.example --authserv-id mx.receiver.test --json "$1" |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)["dmarc"]; print(d["result"], d["from_domain"])'
}

if start "RewriteFrom dmarc"; then
	pass dmarc-bank bank.eml bank.out.eml
	pass dmarc-bank-reply-to bank-rt.eml bank-rt.out.eml
	pass dmarc-attacker attacker.eml attacker.out.eml
	pass dmarc-internal internal.eml internal.out.eml
	stop
	check bank-from grep -qx 'From: "Alice Bank via Platform" <alice=bank.example@platform.example>.' bank.out.eml
	check bank-reply-to grep -qx 'Reply-To: alice@bank.example.' bank.out.eml
	check bank-original-from grep -qx 'X-Original-From: "Alice Bank" <alice@bank.example>.' bank.out.eml
	check bank-signed-platform grep -q '^DKIM-Signature: .*d=platform.example' bank.out.eml
	check bank-dmarc-pass test "$(dmarc_of bank.out.eml)" = "pass platform.example"
	check bank-logged grep -q 'RewriteFrom: alice@bank.example sent as "Alice Bank via Platform" <alice=bank.example@platform.example>' milter.log
	check reply-to-kept test "$(grep -c '^Reply-To:' bank-rt.out.eml)" = 1
	check reply-to-kept-theirs grep -q '^Reply-To: support@bank.example' bank-rt.out.eml
	check attacker-untouched grep -qx 'From: Mallory <m@attacker.example>.' attacker.out.eml
	check attacker-unsigned sh -c '! grep -q "^DKIM-Signature" attacker.out.eml'
	check internal-untouched grep -qx 'From: Ops <ops@internal.example>.' internal.out.eml
	check internal-signed grep -q '^DKIM-Signature: .*d=internal.example' internal.out.eml
fi
if start "RewriteFrom always"; then
	pass always-attacker attacker.eml attacker-always.out.eml
	stop
	check always-attacker-from grep -qx 'From: "Mallory via Platform" <m=attacker.example@platform.example>.' attacker-always.out.eml
	check always-attacker-dmarc-pass test "$(dmarc_of attacker-always.out.eml)" = "pass platform.example"
fi
if start "RewriteFrom never"; then
	pass never-bank bank.eml bank-never.out.eml
	stop
	check never-bank-as-it-came grep -qx 'From: "Alice Bank" <alice@bank.example>.' bank-never.out.eml
	check never-bank-dmarc-fail test "$(dmarc_of bank-never.out.eml)" = "fail bank.example"
fi
# A format of one's own; a missing RewriteFromDomain is an error.
if start 'RewriteFrom dmarc
RewriteFromFormat %n (%d) through %o'; then
	pass format-bank bank.eml bank-format.out.eml
	stop
	check format-from grep -qx 'From: "Alice Bank (bank.example) through Platform" <alice=bank.example@platform.example>.' bank-format.out.eml
fi
emauth=$milter
printf 'Mode s\nSocket inet:0@127.0.0.1\nRewriteFrom dmarc\n' >bad.conf
run no-rewrite-domain 1 -n -c "$tmp/bad.conf" &&
	check no-rewrite-domain-said grep -q 'RewriteFrom is on but RewriteFromDomain is not set' "$tmp/err"
[ "$fails" -eq 0 ]
