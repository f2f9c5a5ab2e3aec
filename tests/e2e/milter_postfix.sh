#!/bin/bash
# emauth-milter end to end: a real Postfix (smtpd with the milter, relaying
# everything to an smtp-sink that keeps each message in a file), a real
# NSD serving tests/milter/zones, and emauth-milter configured the way an
# OpenDKIM operator's files are (KeyTable, SigningTable with refile: and
# *@domain patterns, TrustedHosts naming the internal relay), all on
# 127.0.0.0/8 in a private network and mount namespace.
# Prints "ok milter-e2e/NAME" or "not ok milter-e2e/NAME".
# usage: tests/e2e/milter_postfix.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in /usr/sbin/nsd /usr/sbin/postfix /usr/sbin/smtp-source \
	/usr/bin/swaks; do
	if [ ! -x "$p" ]; then
		echo "not ok milter-e2e/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 600 "$here/$(basename "$0")" "$build"
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
bench_netns_resolver "$tmp" || exit 1
bench_root_zone "$tmp"
zones=("$tmp/root.zone" "$top"/tests/milter/zones/*.zone)
bench_nsd_start "$tmp/nsd" "${zones[@]}" >nsd.log 2>&1 ||
	{ echo "not ok milter-e2e/nsd-start"; cat nsd.log; exit 1; }
milter_pid=
cleanup() {
	[ -n "$milter_pid" ] && kill "$milter_pid" 2>/dev/null
	e2e_stop_all
	bench_nsd_stop
}
trap cleanup EXIT
fails=0
ok() { echo "ok milter-e2e/$1"; }
bad() {
	echo "not ok milter-e2e/$1${2:+: $2}"
	fails=$((fails + 1))
}

# The operator's OpenDKIM files, as they are.
mkdir -p etc keys run
chown nobody run
cp "$top/examples/keys/demo2026.private" keys/internal.private
cp "$top/examples/keys/demo2026e.private" keys/platform.private
chown nobody keys/*.private
chmod 600 keys/*.private
cat >etc/KeyTable <<KT
# name       domain:selector:keyfile
internal     internal.example:demo2026:$tmp/keys/internal.private
platform     platform.example:demo2026e:$tmp/keys/platform.private
KT
cat >etc/SigningTable <<ST
# the customer's own signature, and the platform's beside it
*@internal.example    internal
*@internal.example    platform
ST
printf '# the internal relay\n127.0.0.1\nlocalhost\n' >etc/TrustedHosts
write_conf() {
	cat >etc/emauth-milter.conf <<CONF
# Copied from /etc/opendkim.conf; the last block is emauth-milter's own.
Syslog                  yes
SyslogSuccess           yes
LogWhy                  yes
UMask                   007
Mode                    sv
Socket                  inet:8891@127.0.0.1
PidFile                 $tmp/run/milter.pid
UserID                  nobody
Canonicalization        relaxed/simple
OversignHeaders         From
SignatureAlgorithm      rsa-sha256
KeyTable                $tmp/etc/KeyTable
SigningTable            refile:$tmp/etc/SigningTable
MultipleSignatures      yes
ExternalIgnoreList      refile:$tmp/etc/TrustedHosts
InternalHosts           refile:$tmp/etc/TrustedHosts
AutoRestart             yes
AutoRestartRate         10/1h

AuthservID              mx.receiver.test
DMARCEnforce            reject
TempFailOnDNSError      $1
Nameservers             127.0.0.1
DNSTimeout              1
DNSBudget               4
CONF
}
write_conf yes
: >milter.log
# Under AddressSanitizer, a small quarantine keeps the memory figure
# meaningful (freed blocks are otherwise held back by the hundred MB).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
"$build/emauth-milter" -f -c etc/emauth-milter.conf >>milter.log 2>&1 &
milter_pid=$!
for _ in $(seq 1 50); do
	grep -q 'started on' milter.log && break
	sleep 0.1
done
if grep -q 'started on' milter.log; then ok start; else
	bad start "$(cat milter.log)"
	exit 1
fi
# Privileges are dropped to UserID after the keys are read.
if [ "$(ps -o user= -p "$milter_pid")" = nobody ]; then
	ok userid-drop
else
	bad userid-drop "runs as $(ps -o user= -p "$milter_pid")"
fi
if [ "$(cat run/milter.pid 2>/dev/null)" = "$milter_pid" ]; then ok pidfile; else
	bad pidfile
fi

e2e_sink "$tmp/sink" 2526
e2e_postfix "$tmp/pf" 2525 "inet:127.0.0.1:8891" 2526 ||
	{ bad postfix-start; exit 1; }

# send NAME CLIENT-IP MAIL-FROM FROM-FIELD [EXTRA-HEADER]: one message
# through Postfix from CLIENT-IP; the SMTP dialogue goes to NAME.smtp.
send() {
	local name=$1 ip=$2 mfrom=$3 from=$4 extra=${5:-}
	local args=(--server 127.0.0.1:2525 --local-interface "$ip"
		--helo "client.test" --from "$mfrom" --to "bob@receiver.test"
		--h-From "$from" --h-Subject "test $name"
		--header "Message-ID: <$name@e2e.test>"
		--body "Hello from $name.")
	[ -n "$extra" ] && args+=(--add-header "$extra")
	swaks "${args[@]}" >"$name.smtp" 2>&1
}
# delivered NAME: the file smtp-sink kept for NAME's message.
delivered() {
	grep -l "^Message-ID: <$1@e2e.test>" "$tmp"/sink/* 2>/dev/null |
		head -1
}

# 1. Internal mail leaves with both signatures, which dkimpy and emauth
# verify on the delivered copy.
send internal 127.0.0.1 alice@internal.example "Alice <alice@internal.example>"
e2e_wait_files "$tmp/sink" 1 20
f=$(delivered internal)
if [ -n "$f" ] && [ "$(grep -c '^DKIM-Signature:' "$f")" = 2 ]; then
	ok sign-two-signatures
else
	bad sign-two-signatures "$(cat internal.smtp | tail -5)"
fi
if [ -n "$f" ]; then
	# dkimpy verifies every signature (its Ed25519 needs PyNaCl, which
	# python3-dkim depends on).
	if /usr/bin/python3 - "$f" <<'PY'
import sys, dkim, dns.resolver
res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
def txt(name, timeout=5):
    a = res.resolve(name.decode().rstrip("."), "TXT")
    return b"".join(b"".join(r.strings) for r in a)
msg = open(sys.argv[1], "rb").read()
d = dkim.DKIM(msg)
n = sum(1 for l in msg.split(b"\n") if l.lower().startswith(b"dkim-signature:"))
ok = all(d.verify(idx=i, dnsfunc=txt) for i in range(n))
sys.exit(0 if ok and n == 2 else 1)
PY
	then ok sign-verifies-dkimpy; else bad sign-verifies-dkimpy; fi
	out=$("$build/emauth" dkim verify --dns server:127.0.0.1 "$f" 2>&1)
	if [ "$(grep -c 'pass' <<<"$out")" -ge 2 ] && ! grep -q fail <<<"$out"; then
		ok sign-verifies-emauth
	else
		bad sign-verifies-emauth "$out"
	fi
else
	bad sign-verifies-dkimpy "not delivered"
	bad sign-verifies-emauth "not delivered"
fi

# 2. A forged From of a p=reject domain from outside: 550 5.7.26.
send forged 127.0.0.2 x@forger.test "Bank <alerts@bank.example>"
if grep -q '<\*\* *550 5.7.26 .*bank.example' forged.smtp; then
	ok forged-from-rejected
else
	bad forged-from-rejected "$(grep -E '^<' forged.smtp | tail -3)"
fi

# 3. The bank's real server: passes, gets our Authentication-Results; a
# forged one claiming our authserv-id is removed.
send legit 127.0.0.10 alerts@bank.example "Bank <alerts@bank.example>" \
	"Authentication-Results: mx.receiver.test; dkim=pass header.d=evil.example"
e2e_wait_files "$tmp/sink" 2 20
f=$(delivered legit)
if [ -n "$f" ] && grep -A6 '^Authentication-Results: mx.receiver.test' "$f" |
	grep -q 'dmarc=pass'; then
	ok legit-passes
else
	bad legit-passes "$(tail -3 legit.smtp)"
fi
if [ -n "$f" ] && ! grep -q 'evil.example' "$f" &&
	[ "$(grep -c '^Authentication-Results: mx.receiver.test' "$f")" = 1 ]; then
	ok forged-authres-removed
else
	bad forged-authres-removed
fi
if [ -n "$f" ] && grep -A6 '^Authentication-Results: mx.receiver.test' "$f" |
	tr -d '\n' | grep -q 'iprev=pass.*spf=pass.*dmarc=pass'; then
	ok legit-authres-results
else
	bad legit-authres-results "$(grep -A6 '^Authentication-Results' "$f")"
fi

# 3b. DKIM through Postfix: a message signed simple/simple (every byte of
# the signed fields counts) with a folded Subject and a long body passes.
{
	printf 'From: Bank <alerts@bank.example>\nTo: bob@receiver.test\n'
	printf 'Subject: Your statement for November,\n\twith a folded line\n'
	printf 'Date: Tue, 01 Dec 2026 10:00:00 +0000\n'
	printf 'Message-ID: <dkimsimple@e2e.test>\n\n'
	for i in $(seq 1 2000); do printf 'Line %d of the statement.\n' "$i"; done
} | "$build/emauth" dkim sign --domain bank.example --selector demo2026 \
	--key "$tmp/keys/internal.private" --canon simple/simple - >simple.eml
n_before=$(find "$tmp/sink" -type f | wc -l)
swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --helo client.test \
	--from x@forger.test --to bob@receiver.test --data simple.eml \
	>simple.smtp 2>&1
e2e_wait_files "$tmp/sink" $((n_before + 1)) 20
f=$(delivered dkimsimple)
if [ -n "$f" ] && grep -A8 '^Authentication-Results: mx.receiver.test' "$f" |
	tr -d '\n' | grep -q 'dkim=pass[^;]*header.d=bank.example.*dmarc=pass'; then
	ok dkim-simple-through-postfix
else
	bad dkim-simple-through-postfix "$(grep -E '^<' simple.smtp | tail -2)"
fi

# 4. Reload: a broken configuration is refused and the running one kept;
# a good one is taken.
cp etc/emauth-milter.conf etc/good.conf
echo 'Mode sx' >>etc/emauth-milter.conf
kill -HUP "$milter_pid"
sleep 0.5
if grep -q "reload: .*emauth-milter.conf:[0-9]*: Mode: 'sx'.*keeping" milter.log &&
	kill -0 "$milter_pid"; then
	ok reload-broken-kept
else
	bad reload-broken-kept "$(tail -3 milter.log)"
fi

# 5. DNS down (NSD stopped): TempFailOnDNSError yes answers 451 and the
# milter keeps running; after a reload with "no", mail is accepted.
# (A reload starts fresh resolvers, so nothing is answered from cache.)
write_conf yes
kill -HUP "$milter_pid"
sleep 0.5
bench_nsd_stop
send dnsdown 127.0.0.2 x@forger.test "Someone <someone@bank.example>"
if grep -q '<\*\* *451 4.7.26' dnsdown.smtp && kill -0 "$milter_pid"; then
	ok dns-down-tempfail
else
	bad dns-down-tempfail "$(grep -E '^<' dnsdown.smtp | tail -3)"
fi
write_conf no
kill -HUP "$milter_pid"
sleep 0.5
n_before=$(find "$tmp/sink" -type f | wc -l)
send dnsdown2 127.0.0.2 x@forger.test "Someone <someone@bank.example>"
e2e_wait_files "$tmp/sink" $((n_before + 1)) 20
f=$(delivered dnsdown2)
if [ -n "$f" ] && grep -A6 '^Authentication-Results: mx.receiver.test' "$f" |
	grep -q 'dmarc=temperror'; then
	ok dns-down-accept
else
	bad dns-down-accept "$(grep -E '^<' dnsdown2.smtp | tail -3)"
fi
bench_nsd_start "$tmp/nsd" "${zones[@]}" >nsd.log 2>&1 || bad nsd-restart

# 6. 1000 messages from 10 concurrent clients on the internal relay: every
# one delivered and signed; the milter's memory stays flat.
rm -f "$tmp"/sink/*
printf 'From: Alice <alice@internal.example>\nTo: bob@receiver.test\nSubject: load\n\nLoad test body line.\n' >load.msg
rss() { ps -o rss= -p "$milter_pid" | tr -d ' '; }
load() {
	smtp-source -s 10 -m "$1" -f alice@internal.example \
		-t bob@receiver.test -F load.msg 127.0.0.1:2525 >/dev/null 2>&1
	e2e_wait_files "$tmp/sink" "$2" 120
}
# Warm up (threads, resolvers and caches), then two equal rounds: the
# second may not need more memory than the first.
load 100 100
load 450 550
rss1=$(rss)
load 450 1000
rss2=$(rss)
n=$(find "$tmp/sink" -type f | wc -l)
signed=$(grep -l '^DKIM-Signature:.* d=internal.example;' "$tmp"/sink/* |
	wc -l)
if [ "$n" = 1000 ] && [ "$signed" = 1000 ]; then
	ok load-1000-signed
else
	bad load-1000-signed "$n delivered, $signed signed"
fi
# A sample of them verifies.
vfail=0
for f in $(find "$tmp/sink" -type f | head -20); do
	"$build/emauth" dkim verify --dns server:127.0.0.1 "$f" >/dev/null 2>&1 ||
		vfail=$((vfail + 1))
done
if [ "$vfail" = 0 ]; then ok load-sample-verifies; else
	bad load-sample-verifies "$vfail of 20 failed"
fi
# Flat: the last 450 messages may not grow it by more than 8 MB.
if [ -n "$rss1" ] && [ -n "$rss2" ] && [ $((rss2 - rss1)) -lt 8192 ]; then
	ok load-memory-flat
	echo "# milter RSS after 550 messages ${rss1} KB, after 1000 ${rss2} KB"
else
	bad load-memory-flat "RSS ${rss1} KB -> ${rss2} KB"
fi

# 7. SIGTERM: a clean stop, the pid file removed, nothing reported by the
# sanitizers when they are built in.
kill -TERM "$milter_pid"
wait "$milter_pid"
rc=$?
milter_pid=
if [ "$rc" = 0 ] && [ ! -e run/milter.pid ] && grep -q stopped milter.log; then
	ok sigterm-clean
else
	bad sigterm-clean "exit $rc"
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' milter.log; then
	bad sanitizers "$(grep -m3 -E 'Sanitizer|runtime error' milter.log)"
else
	ok sanitizers
fi
[ "$fails" = 0 ] || { echo "# milter log:"; sed 's/^/# /' milter.log | tail -30; }
exit $((fails > 0))
