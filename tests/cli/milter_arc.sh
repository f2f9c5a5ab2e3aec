#!/bin/bash
# emauth-milter and ARC (issue #21), without an MTA: a message from
# bank.example (DMARC p=reject, DKIM-signed by the bank) passes through a
# mailing list at list.example, which verifies it, notes the result in its
# Authentication-Results, tags the subject (breaking the bank's signature)
# and seals it (emauth arc seal); the list then hands it to us from
# 127.0.0.20, which the bank's SPF does not list. DMARC fails.
#   - without ARCTrustedSealers: rejected, and Authentication-Results (as
#     the log says) carry arc=pass;
#   - with "ARCTrustedSealers list.example": accepted, the override logged
#     and recorded in the report store as trusted_forwarder with its
#     comment; Authentication-Results say arc=pass with smtp.remote-ip;
#   - the same chain sealed by a sealer not in the list: rejected;
#   - the trusted list's chain with the body changed after the seal
#     (a forged or broken set): arc=fail, rejected.
# The MTA side of the milter protocol is spoken by a small Python client
# (miltertest cannot send folded ARC fields of this size).
# usage: tests/cli/milter_arc.sh BUILD-DIR
AREA=milter-arc
. "$(dirname "$0")/../lib/cli.sh"
emauth=$(cd "$build" && pwd)/emauth
milter=$(cd "$build" && pwd)/emauth-milter
ex=$top/examples
cd "$tmp" || exit 1

for d in list other; do
	"$emauth" keygen --domain "$d.example" --selector arc >/dev/null 2>&1 &&
		mv arc.private "$d.private" &&
		{ printf '$ORIGIN %s.example.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 300\n' "$d"; cat arc.txt; } >"$d.zone" &&
		rm -f arc.txt
done
zones="zone:$(ls "$top"/tests/milter/zones/*.zone | paste -sd, -),$tmp/list.zone,$tmp/other.zone"

# The bank's message, signed with its key (tests/milter/zones/bank.example).
cat >"$tmp/orig.eml" <<'EOF'
From: Bank Alerts <alerts@bank.example>
To: members@list.example
Subject: Statement ready
Date: Tue, 02 Dec 2025 10:00:00 +0000
Message-ID: <stmt-1@bank.example>

Your statement is ready.
EOF
sed -i 's/$/\r/' "$tmp/orig.eml"
"$emauth" dkim sign --domain bank.example --selector demo2026 \
	--key "$ex/keys/demo2026.private" "$tmp/orig.eml" >"$tmp/signed.eml"
# seal SEALER OUT: the list's work, sealed by SEALER.
seal() {
	{ printf 'Authentication-Results: mx.%s.example; arc=none; dkim=pass header.d=bank.example\r\n' "$1"
		sed 's/^Subject: /Subject: [members] /' "$tmp/signed.eml"; } >"$tmp/pre-$1.eml"
	"$emauth" arc seal --domain "$1.example" --selector arc --key "$tmp/$1.private" \
		--authserv-id "mx.$1.example" --dns "$zones" --timestamp 1764669600 \
		"$tmp/pre-$1.eml" >"$2"
}
seal list "$tmp/list.eml" && seal other "$tmp/other.eml" &&
	sed 's/^Your statement is ready\./Your statement is ready. Click here./' "$tmp/list.eml" >"$tmp/broken.eml" &&
	echo "ok cli/$AREA/messages-made" || { echo "not ok cli/$AREA/messages-made"; exit 1; }
check list-chain-passes sh -c "\"\$1\" arc verify --dns \"\$2\" \"\$3\" >/dev/null" sh "$emauth" "$zones" "$tmp/list.eml"


# start EXTRA: the milter on a free port with EXTRA in its configuration.
start() {
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$tmp/m.conf" <<CONF
Mode v
Socket inet:$port@127.0.0.1
AuthservID mx.receiver.test
DMARCEnforce reject
Syslog no
DNS $zones
ReportStore sqlite:$tmp/store.db
$1
CONF
	"$milter" -f -c "$tmp/m.conf" >"$tmp/milter.log" 2>&1 &
	mpid=$!
	sock="$port@127.0.0.1"
	for _ in $(seq 1 50); do
		grep -q 'started on' "$tmp/milter.log" && return 0
		sleep 0.1
	done
	echo "not ok cli/$AREA/start"
	cat "$tmp/milter.log"
	return 1
}
stop() {
	kill -TERM "$mpid"
	wait "$mpid"
}
# send NAME FILE WANT: the reply must be WANT (y reject, a/c accept).
send() {
	if /usr/bin/python3 "$top/tests/milter/send.py" "$sock" "$2" 127.0.0.20 \
		"<bounce@list.example>" >"$tmp/$1.out" 2>"$tmp/$1.err" &&
		grep -qx "$3" <(head -1 "$tmp/$1.out"); then
		echo "ok cli/$AREA/$1"
	else
		echo "not ok cli/$AREA/$1"
		echo "  expected reply $3; got: $(head -c 300 "$tmp/$1.out") $(head -c 300 "$tmp/$1.err")"
		tail -n 3 "$tmp/milter.log" | sed 's/^/  log: /'
		fails=$((fails + 1))
	fi
}

if start ""; then
	send untrusted-rejected "$tmp/list.eml" y
	stop
	check untrusted-logged grep -q 'from=bank.example .*dmarc=fail action=reject' "$tmp/milter.log"
fi
if start "ARCTrustedSealers list.example, lists.partner.example"; then
	send trusted-accepted "$tmp/list.eml" '[ac]'
	check trusted-authres-arc grep -q 'arc=pass (1 ARC set verified) smtp.remote-ip=127.0.0.20' "$tmp/trusted-accepted.out"
	check trusted-authres-dmarc-fail grep -q 'dmarc=fail' "$tmp/trusted-accepted.out"
	# The field says what was done: the override's disposition.
	check trusted-authres-dis-none grep -q 'dmarc=fail (p=reject sp=reject dis=none) header.from=bank.example policy.dmarc=none' "$tmp/trusted-accepted.out"
	send other-sealer-rejected "$tmp/other.eml" y
	send broken-chain-rejected "$tmp/broken.eml" y
	check broken-authres-arc-fail grep -q 'arc=fail' "$tmp/broken-chain-rejected.out"
	stop
	check trusted-override-logged grep -q \
		'from=bank.example dmarc=fail overridden: arc=pass, sealed by list.example (i=1) (ARCTrustedSealers)' \
		"$tmp/milter.log"
	check trusted-recorded /usr/bin/python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select disposition, override_type, override_comment from emauth_verdicts where header_from = ? order by t", ("bank.example",)).fetchall()
assert ("none", "trusted_forwarder", "arc=pass, sealed by list.example (i=1)") in rows, rows
assert sum(1 for r in rows if r[1] == "trusted_forwarder") == 1, rows
' "$tmp/store.db"
fi
# ARCSign: the list's own emauth-milter (Mode s, its key in the KeyTable)
# seals what it relays: the message carries the list's
# Authentication-Results (arc=none), its subject tagged.
printf 'listkey list.example:arc:%s\n' "$tmp/list.private" >"$tmp/KeyTable"
chmod 600 "$tmp/list.private"
if start "Mode s
InternalHosts 127.0.0.1
KeyTable $tmp/KeyTable
AuthservID mx.list.example
ARCSign listkey
SyslogSuccess yes"; then
	if /usr/bin/python3 "$top/tests/milter/send.py" "$sock" "$tmp/pre-list.eml" 127.0.0.1 \
		"<bounce@list.example>" "$tmp/sealed.eml" >"$tmp/seal.out" 2>&1 &&
		head -1 "$tmp/seal.out" | grep -qx '[ac]'; then
		echo "ok cli/$AREA/arcsign-relayed"
	else
		echo "not ok cli/$AREA/arcsign-relayed"
		cat "$tmp/seal.out" | head -5
		fails=$((fails + 1))
	fi
	# Without our Authentication-Results: not sealed.
	grep -v '^Authentication-Results' "$tmp/pre-list.eml" >"$tmp/noar.eml"
	/usr/bin/python3 "$top/tests/milter/send.py" "$sock" "$tmp/noar.eml" 127.0.0.1 \
		"<bounce@list.example>" "$tmp/unsealed.eml" >/dev/null 2>&1
	stop
	unfold "$tmp/sealed.eml" >"$tmp/sealed-unfolded.eml"
	check arcsign-set-on-top sh -c "head -3 '$tmp/sealed-unfolded.eml' | cut -d: -f1 | tr '\r\n' '  ' | grep -q '^ARC-Seal ARC-Message-Signature ARC-Authentication-Results'"
	check arcsign-aar grep -q '^ARC-Authentication-Results: i=1; mx.list.example; arc=none; dkim=pass header.d=bank.example' "$tmp/sealed-unfolded.eml"
	# Folded as it goes into the message: a line of the seal within 78
	# octets.
	check arcsign-folded sh -c "awk '/^ARC-Seal:/ {s = 1} s && NR > 1 && !/^[ \t]/ {exit} s {n++; if (length(\$0) > 79) bad = 1} END {exit !(n > 1 && !bad)}' '$tmp/sealed.eml'"
	check arcsign-verifies sh -c "\"\$1\" arc verify --dns \"\$2\" \"\$3\" | grep -q 'arc=pass (1 ARC set verified)'" sh "$emauth" "$zones" "$tmp/sealed.eml"
	check arcsign-logged grep -q 'sealed (ARC i=1)' "$tmp/milter.log"
	check arcsign-not-without-ar sh -c "test -s '$tmp/unsealed.eml' && ! grep -q '^ARC-Seal' '$tmp/unsealed.eml'"
fi
# A bad ARCTrustedSealers line is named.
printf 'Mode v\nSocket inet:0@127.0.0.1\nARCTrustedSealers list.example, bad;name\n' >"$tmp/bad.conf"
emauth=$milter
run bad-trusted-sealers 1 -n -c "$tmp/bad.conf" &&
	check bad-trusted-sealers-named grep -q "bad.conf:3: ARCTrustedSealers: 'bad;name' is not a domain" "$tmp/err"
printf 'Mode s\nSocket inet:0@127.0.0.1\nKeyTable %s\nARCSign nokey\n' "$tmp/KeyTable" >"$tmp/bad2.conf"
run bad-arcsign-key 1 -n -c "$tmp/bad2.conf" &&
	check bad-arcsign-key-named grep -q "bad2.conf:4: ARCSign: the KeyTable has no key 'nokey'" "$tmp/err"
[ "$fails" -eq 0 ]
