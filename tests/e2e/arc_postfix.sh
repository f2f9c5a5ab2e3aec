#!/bin/bash
# ARC through a mailing list, and From rewriting, end to end (issue #21):
# real Postfix instances on their own loopback addresses, a real NSD
# serving tests/milter/zones and tests/e2e/arc, and emauth-milter in each
# role, in a private network and mount namespace.
#
# A. ARC through a list-like relay:
#   origin   127.0.0.10  mail.bank.example: emauth-milter (Mode s) signs
#                        alerts@bank.example's mail (DMARC p=reject; SPF
#                        lists only 127.0.0.10); the bank's user submits
#                        from 127.0.0.11.
#   list     127.0.0.20  mx.list.example: its smtpd on :25 runs
#                        emauth-milter (Mode sv) as a receiver (it adds
#                        Authentication-Results of mx.list.example); a pipe
#                        transport for members@list.example (the list
#                        software) adds a List-Id field and a footer and
#                        re-injects by SMTP into a second smtpd (:10026),
#                        whose cleanup tags the Subject (header_checks
#                        REPLACE) and whose emauth-milter (Mode s,
#                        ARCSign listkey, the same AuthservID) seals
#                        (ARC i=1); the list relays from 127.0.0.20 with
#                        the envelope sender list-bounces@list.example.
#   receiver 127.0.0.30  mx.receiver.test (bob@receiver.test): emauth-milter
#                        Mode v, DMARCEnforce reject, ARCTrustedSealers
#                        list.example, ReportStore: DMARC fails, ARC
#                        passes, the override is applied: delivered,
#                        logged, recorded as trusted_forwarder.
#            127.0.0.31  the same receiver without ARCTrustedSealers
#                        (carol@strict.test): 550 5.7.26.
# B. From rewriting: the platform's Postfix (127.0.0.40, mx.platform.example)
#   with emauth-milter Mode s, RewriteFrom dmarc, RewriteFromDomain
#   platform.example and a key for platform.example only: alice@bank.example's
#   mail (p=reject), submitted from the internal client 127.0.0.41, leaves
#   as "Alice Bank via platform.example" <alice=bank.example@platform.example>,
#   Reply-To alice@bank.example, signed d=platform.example: DMARC pass (at
#   the receiver above, and by emauth verify). On a second smtpd (:2525,
#   RewriteFrom never) the same message goes out unchanged and unsigned.
#   Replies come back through a recipient canonical map (below): mail to
#   alice=bank.example@platform.example is delivered to alice@bank.example.
#
# The platform's map for the replies (recipient_canonical_maps =
# regexp:/etc/postfix/reply_canonical), as this test installs it:
#
#   /^([^=@]+)=([^=@]+)@platform\.example$/ ${1}@${2}
#
# Prints "ok arc-e2e/NAME" or "not ok arc-e2e/NAME: detail".
# usage: tests/e2e/arc_postfix.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in /usr/sbin/nsd /usr/sbin/postfix /usr/sbin/smtp-sink /usr/bin/swaks \
	/usr/bin/sqlite3 /usr/bin/python3; do
	if [ ! -x "$p" ]; then
		echo "not ok arc-e2e/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 180 "$here/$(basename "$0")" "$build"
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
fails=0
ok() { echo "ok arc-e2e/$1"; }
bad() {
	echo "not ok arc-e2e/$1${2:+: $2}"
	fails=$((fails + 1))
}
milter_pids=()
cleanup() {
	local p
	for p in "${milter_pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	e2e_stop_all
	bench_nsd_stop
}
trap cleanup EXIT
py=/usr/bin/python3

# DNS: the milter tests' zones (bank.example, platform.example, ...) and
# list.example with an ARC key made now.
bench_netns_resolver "$tmp" || exit 1
# Postfix listens only on addresses an interface has: each host its own.
for a in 10 20 30 31 40; do
	ip addr add "127.0.0.$a/32" dev lo || { bad setup "ip addr add 127.0.0.$a"; exit 1; }
done
bench_root_zone "$tmp"
mkdir -p zones etc keys store
chown nobody store
(cd keys && "$build/emauth" keygen --domain list.example --selector arc \
	>/dev/null 2>&1) || { bad setup "emauth keygen failed"; exit 1; }
{ cat "$here/arc/list.example.zone"; cat keys/arc.txt; } >zones/list.example.zone
mv keys/arc.private keys/list.private
cp "$top/examples/keys/demo2026.private" keys/bank.private
cp "$top/examples/keys/demo2026e.private" keys/platform.private
chown nobody keys/*.private
chmod 600 keys/*.private
nszones=("$tmp/root.zone" "$top"/tests/milter/zones/*.zone zones/list.example.zone)
bench_nsd_start "$tmp/nsd" "${nszones[@]}" >nsd.log 2>&1 ||
	{ bad nsd-start "$(cat nsd.log)"; exit 1; }

# ---------------------------------------------------------------------
# The milters: etc/NAME.conf, logging to NAME.log.
printf 'bank      bank.example:demo2026:%s/keys/bank.private\n' "$tmp" >etc/bank.keys
printf '*@bank.example  bank\n' >etc/bank.signing
printf 'listkey   list.example:arc:%s/keys/list.private\n' "$tmp" >etc/list.keys
printf 'platform  platform.example:demo2026e:%s/keys/platform.private\n' "$tmp" >etc/platform.keys
printf '*@platform.example  platform\n' >etc/platform.signing
# milter_conf NAME PORT AUTHSERV-ID: the common part, then standard input.
milter_conf() {
	{
		cat <<CONF
Socket                  inet:$2@127.0.0.1
UserID                  nobody
Syslog                  no
SyslogSuccess           yes
LogWhy                  yes
AuthservID              $3
Nameservers             127.0.0.1
DNSTimeout              2
CONF
		cat
	} >"etc/$1.conf"
}
milter_conf origin 8891 mail.bank.example <<CONF
Mode                    s
InternalHosts           127.0.0.11
Canonicalization        relaxed/relaxed
KeyTable                $tmp/etc/bank.keys
SigningTable            refile:$tmp/etc/bank.signing
CONF
# The list's two: the one that verifies what comes in, the one that seals
# what goes out; the seal is made only for mail that carries
# Authentication-Results of our AuthservID, so both say mx.list.example.
# (InternalHosts is set: its default, every loopback address, would take
# the bank's 127.0.0.10 for a host to sign for, not to verify.)
milter_conf list-in 8901 mx.list.example <<CONF
Mode                    sv
InternalHosts           127.0.0.20
CONF
milter_conf list-out 8902 mx.list.example <<CONF
Mode                    s
InternalHosts           127.0.0.20
KeyTable                $tmp/etc/list.keys
ARCSign                 listkey
CONF
milter_conf receiver 8911 mx.receiver.test <<CONF
Mode                    v
DMARCEnforce            reject
ARCTrustedSealers       list.example
ReportStore             sqlite:$tmp/store/verdicts.db
CONF
milter_conf strict 8912 mx.receiver.test <<CONF
Mode                    v
DMARCEnforce            reject
CONF
for rw in dmarc:8921 never:8922; do
	milter_conf "platform-${rw%:*}" "${rw#*:}" mx.platform.example <<CONF
Mode                    s
InternalHosts           127.0.0.41
KeyTable                $tmp/etc/platform.keys
SigningTable            refile:$tmp/etc/platform.signing
RewriteFrom             ${rw%:*}
RewriteFromDomain       platform.example
CONF
done
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
milters=(origin list-in list-out receiver strict platform-dmarc platform-never)
for m in "${milters[@]}"; do
	"$build/emauth-milter" -f -c "etc/$m.conf" >"$m.log" 2>&1 &
	milter_pids+=($!)
done
notstarted=
for m in "${milters[@]}"; do
	for _ in $(seq 1 50); do
		grep -q 'started on' "$m.log" && break
		sleep 0.1
	done
	grep -q 'started on' "$m.log" || notstarted="$notstarted $m: $(head -3 "$m.log")"
done
if [ -z "$notstarted" ]; then ok milters-start; else
	bad milters-start "$notstarted"
	exit 1
fi

# ---------------------------------------------------------------------
# Postfix instances: $tmp/NAME, one per host.
# pf_new NAME MYHOSTNAME ADDRESSES MYNETWORKS: the common main.cf and
# master.cf (the smtpd services are added by the caller), the smtp client
# sending from the first address, mail for other hosts routed by
# NAME/conf/transport.
pf_new() {
	local d=$tmp/$1
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix "$d/data"
	: >"$d/conf/transport"
	cat >"$d/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $2
mydomain = ${2#*.}
myorigin = \$mydomain
mydestination =
inet_interfaces = $3
inet_protocols = ipv4
mynetworks = $4
smtp_bind_address = ${3%%,*}
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit
transport_maps = texthash:$d/conf/transport
milter_default_action = tempfail
alias_maps =
alias_database =
maillog_file = $d/maillog
maillog_file_prefixes = $d
biff = no
smtputf8_enable = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
	cat >"$d/conf/master.cf" <<EOF
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# pf_start NAME ADDR:PORT...: checked, started, listening on each.
pf_start() {
	local d=$tmp/$1 a _
	shift
	postfix -c "$d/conf" check >"$d/check.log" 2>&1 &&
		postfix -c "$d/conf" start >"$d/start.log" 2>&1 || {
		cat "$d/check.log" "$d/start.log" 2>/dev/null
		return 1
	}
	e2e_postfix_dirs+=("$d")
	for a in "$@"; do
		for _ in $(seq 1 100); do
			listening "${a%:*}" "${a#*:}" && break
			sleep 0.1
		done
		listening "${a%:*}" "${a#*:}" || { echo "not listening on $a"; return 1; }
	done
}

# Sinks: what the receiver delivers (2601), "outside" mail of the platform
# (2602), and bank.example's MX for the replies (2603).
e2e_sink "$tmp/sink-rcv" 2601
e2e_sink "$tmp/sink-out" 2602
e2e_sink "$tmp/sink-bank" 2603

# The bank's server.
pf_new origin mail.bank.example 127.0.0.10 127.0.0.10/32,127.0.0.11/32
cat >>origin/conf/master.cf <<EOF
127.0.0.10:25 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8891
EOF
echo 'list.example  smtp:[127.0.0.20]:25' >origin/conf/transport

# The list host. The list software: a pipe transport (list/filter.py, as
# nobody) that sends each posting to the members, with a List-Id field and
# a footer, by SMTP to the second smtpd; its cleanup tags the Subject.
pf_new list mx.list.example 127.0.0.20 127.0.0.20/32
mkdir -p listsw
printf 'bob@receiver.test\ncarol@strict.test\n' >listsw/members
cat >listsw/filter.py <<'PY'
# filter.py SENDER RECIPIENT: a posting to the list on standard input.
import smtplib, sys
here = sys.argv[0].rsplit("/", 1)[0]
try:
    members = [l.strip() for l in open(here + "/members") if l.strip()]
    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n")
    head, body = msg.split(b"\n\n", 1)
    head = b"List-Id: Members <members.list.example>\n" + head
    body = body.rstrip(b"\n") + (b"\n\n-- \nmembers@list.example mailing list\n"
        b"To leave, write to members-leave@list.example\n")
    msg = (head + b"\n\n" + body).replace(b"\n", b"\r\n")
    s = smtplib.SMTP("127.0.0.20", 10026, local_hostname="mx.list.example",
                     source_address=("127.0.0.20", 0), timeout=30)
    s.sendmail("list-bounces@list.example", members, msg)
    s.quit()
except Exception as e:
    print("list filter: %s" % e)
    sys.exit(75)
PY
chmod a+rX listsw listsw/*
printf '/^Subject: *(\\[members\\] )?(.*)$/ REPLACE Subject: [members] ${2}\n' \
	>list/conf/list_header_checks
cat >>list/conf/main.cf <<EOF
relay_domains = list.example
listexp_destination_recipient_limit = 1
EOF
cat >>list/conf/master.cf <<EOF
127.0.0.20:25 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8901
127.0.0.20:10026 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8902
  -o cleanup_service_name=cleanup-list
cleanup-list unix n - n - 0 cleanup
  -o header_checks=regexp:$tmp/list/conf/list_header_checks
listexp   unix - n n - - pipe
  user=nobody argv=$py $tmp/listsw/filter.py \${sender} \${recipient}
EOF
cat >list/conf/transport <<EOF
members@list.example        listexp:
list-bounces@list.example   discard:
receiver.test               smtp:[127.0.0.30]:25
strict.test                 smtp:[127.0.0.31]:25
EOF

# The receiver: 127.0.0.30 trusts list.example's seal, 127.0.0.31 does not.
pf_new receiver mx.receiver.test 127.0.0.30,127.0.0.31 127.0.0.30/32
cat >>receiver/conf/main.cf <<EOF
relay_domains = receiver.test, strict.test
relayhost = [127.0.0.1]:2601
EOF
cat >>receiver/conf/master.cf <<EOF
127.0.0.30:25 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8911
127.0.0.31:25 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8912
EOF

# The platform: :25 with RewriteFrom dmarc, :2525 with RewriteFrom never;
# replies to local=domain@platform.example go back to local@domain.
pf_new platform mx.platform.example 127.0.0.40 127.0.0.40/32,127.0.0.41/32
cat >platform/conf/reply_canonical <<'EOF'
/^([^=@]+)=([^=@]+)@platform\.example$/ ${1}@${2}
EOF
cat >>platform/conf/main.cf <<EOF
relay_domains = platform.example
recipient_canonical_maps = regexp:$tmp/platform/conf/reply_canonical
EOF
cat >>platform/conf/master.cf <<EOF
127.0.0.40:25 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8921
127.0.0.40:2525 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8922
EOF
cat >platform/conf/transport <<EOF
receiver.test   smtp:[127.0.0.30]:25
outside.test    smtp:[127.0.0.1]:2602
bank.example    smtp:[127.0.0.1]:2603
EOF

pfbad=
pf_start origin 127.0.0.10:25 >pf.err 2>&1 || pfbad="$pfbad origin: $(cat pf.err)"
pf_start list 127.0.0.20:25 127.0.0.20:10026 >pf.err 2>&1 || pfbad="$pfbad list: $(cat pf.err)"
pf_start receiver 127.0.0.30:25 127.0.0.31:25 >pf.err 2>&1 || pfbad="$pfbad receiver: $(cat pf.err)"
pf_start platform 127.0.0.40:25 127.0.0.40:2525 >pf.err 2>&1 || pfbad="$pfbad platform: $(cat pf.err)"
if [ -z "$pfbad" ]; then ok postfix-start; else
	bad postfix-start "$pfbad"
	exit 1
fi

# ---------------------------------------------------------------------
# Helpers.
# field FILE NAME: each NAME field of FILE's header, unfolded, one a line.
field() {
	tr -d '\r' <"$1" | awk -v n="$2" '
		/^$/ { exit }
		/^[ \t]/ { if (on) cur = cur " " $0; next }
		{ if (on) print cur; on = 0 }
		tolower(substr($0, 1, length(n) + 1)) == tolower(n ":") { on = 1; cur = $0 }
		END { if (on) print cur }' | tr -s ' \t' '  '
}
# authres FILE ID: the Authentication-Results field of authserv-id ID.
authres() { field "$1" Authentication-Results | grep "^Authentication-Results: $2;"; }
# in_sink DIR MESSAGE-ID [RCPT]: the file of that message (to RCPT).
in_sink() {
	local f
	for f in $(grep -l -i "^Message-ID: <$2>" "$1"/* 2>/dev/null); do
		if [ -z "${3:-}" ] || grep -qi "^X-Rcpt-Args: <$3>" "$f"; then
			echo "$f"
			return
		fi
	done
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local n=$(($1 * 10)) _
	shift
	for _ in $(seq 1 $n); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
has() { [ -n "$(in_sink "$@")" ]; }
accepted() { grep -q '<- *250 .*queued as' "$1"; }
# dmarc_of FILE IP MAIL-FROM: "RESULT FROM-DOMAIN" from emauth verify, as
# a receiver would see FILE from IP.
dmarc_of() {
	"$build/emauth" verify --dns server:127.0.0.1 --ip "$2" \
		--mail-from "$3" --helo mx.platform.example \
		--authserv-id mx.check.test --json "$1" 2>/dev/null |
		"$py" -c 'import json,sys; d=json.load(sys.stdin)["dmarc"]; print(d["result"], d["from_domain"])' 2>/dev/null
}

# =====================================================================
# A. The bank's statement, posted to members@list.example.
cat >post.eml <<EOF
From: Bank Alerts <alerts@bank.example>
To: members@list.example
Subject: Statement ready
Date: $(date -R)
Message-ID: <arc-post@bank.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Your statement is ready.
Log in to read it.
EOF
swaks --server 127.0.0.10:25 --local-interface 127.0.0.11 \
	--helo pc.bank.example --from alerts@bank.example \
	--to members@list.example --data post.eml >post.smtp 2>&1
if accepted post.smtp; then ok list-posted; else
	bad list-posted "$(grep -E '^<' post.smtp | tail -2)"
fi

wait_for 30 has "$tmp/sink-rcv" arc-post@bank.example bob@receiver.test
f=$(in_sink "$tmp/sink-rcv" arc-post@bank.example bob@receiver.test)
if [ -n "$f" ]; then ok trusted-delivered; else
	bad trusted-delivered "nothing in the receiver's sink; list: $(grep -E 'status=' list/maillog | tail -3)"
fi
if [ -n "$f" ]; then
	# The bank signed it; the list verified it on the way in.
	if field "$f" DKIM-Signature | grep -q ' d=bank.example; s=demo2026;'; then
		ok origin-signed
	else
		bad origin-signed "$(field "$f" DKIM-Signature)"
	fi
	ar=$(authres "$f" mx.list.example)
	if grep -q 'dkim=pass[^;]*header.d=bank.example' <<<"$ar" &&
		grep -q 'spf=pass' <<<"$ar" &&
		grep -q 'dmarc=pass[^;]*header.from=bank.example' <<<"$ar"; then
		ok list-verified-on-entry
	else
		bad list-verified-on-entry "$ar"
	fi
	# The list's changes: tag, List-Id, footer; its envelope sender and
	# its own address.
	if [ "$(field "$f" Subject)" = "Subject: [members] Statement ready" ] &&
		field "$f" List-Id | grep -q 'members.list.example' &&
		grep -q '^members@list.example mailing list' "$f"; then
		ok list-changed-message
	else
		bad list-changed-message "$(field "$f" Subject)"
	fi
	if grep -q '^X-Mail-Args: <list-bounces@list.example>' "$f" &&
		grep -q 'from mx.list.example .*\[127.0.0.20\]' "$f"; then
		ok list-relays-as-itself
	else
		bad list-relays-as-itself "$(grep -E '^X-Mail-Args|^Received: from' "$f")"
	fi
	# The list's seal: one ARC set, i=1, d=list.example, its
	# ARC-Authentication-Results being mx.list.example's results.
	as=$(field "$f" ARC-Seal)
	aar=$(field "$f" ARC-Authentication-Results)
	ams=$(field "$f" ARC-Message-Signature)
	if [ "$(grep -c . <<<"$as")" = 1 ] && grep -q 'i=1;' <<<"$as" &&
		grep -q 'cv=none' <<<"$as" && grep -q 'd=list.example' <<<"$as" &&
		grep -q 'd=list.example' <<<"$ams" &&
		grep -q '^ARC-Authentication-Results: i=1; mx.list.example;.*dkim=pass[^;]*header.d=bank.example' <<<"$aar"; then
		ok list-sealed
	else
		bad list-sealed "$as / $aar"
	fi
	if grep -q 'sealed (ARC i=1)' list-out.log; then ok list-seal-logged; else
		bad list-seal-logged "$(tail -3 list-out.log)"
	fi
	# The chain verifies on its own (emauth arc verify, NSD's key).
	out=$("$build/emauth" arc verify --dns server:127.0.0.1 "$f" 2>&1)
	if grep -q 'arc=pass (1 ARC set verified)' <<<"$out"; then
		ok chain-verifies
	else
		bad chain-verifies "$out"
	fi
	# The receiver: the bank's signature broken, SPF for the list only:
	# DMARC fails; ARC passes; delivered all the same.
	ar=$(authres "$f" mx.receiver.test)
	if grep -q 'arc=pass' <<<"$ar" &&
		grep -q 'dmarc=fail[^;]*header.from=bank.example' <<<"$ar"; then
		ok trusted-authres-arc-pass-dmarc-fail
	else
		bad trusted-authres-arc-pass-dmarc-fail "$ar"
	fi
	if grep -q 'dkim=fail[^;]*header.d=bank.example' <<<"$ar" &&
		grep -q 'spf=pass[^;]*smtp.mailfrom=list-bounces@list.example' <<<"$ar"; then
		ok trusted-authres-why
	else
		bad trusted-authres-why "$ar"
	fi
	echo "# $ar"
else
	for t in origin-signed list-verified-on-entry list-changed-message \
		list-relays-as-itself list-sealed list-seal-logged chain-verifies \
		trusted-authres-arc-pass-dmarc-fail trusted-authres-why; do
		bad "$t" "not delivered"
	done
fi
if grep -qF 'from=bank.example dmarc=fail overridden: arc=pass, sealed by list.example (i=1) (ARCTrustedSealers)' receiver.log; then
	ok trusted-override-logged
else
	bad trusted-override-logged "$(grep bank.example receiver.log | tail -2)"
fi
# The report store (written about every second, read-only here).
db=$tmp/store/verdicts.db
q() { sqlite3 -readonly -batch -noheader "$db" "$1" 2>/dev/null; }
row_is() {
	[ "$(q "SELECT disposition, override_type, override_comment FROM emauth_verdicts WHERE header_from = 'bank.example'")" = "$1" ]
}
want='none|trusted_forwarder|arc=pass, sealed by list.example (i=1)'
if wait_for 10 row_is "$want"; then ok trusted-recorded; else
	bad trusted-recorded "$(q "SELECT header_from, disposition, override_type, override_comment FROM emauth_verdicts")"
fi

# The same posting at the receiver that does not trust list.example:
# refused, as the list's smtp client was told.
rejected() {
	grep -q 'to=<carol@strict.test>, relay=127.0.0.31\[127.0.0.31\]:25,.*status=bounced (host 127.0.0.31\[127.0.0.31\] said: 550 5.7.26 ' list/maillog
}
if wait_for 30 rejected; then ok untrusted-rejected-5.7.26; else
	bad untrusted-rejected-5.7.26 "$(grep 'carol@strict.test' list/maillog | tail -2)"
fi
if grep -q 'from=bank.example .*dmarc=fail action=reject' strict.log &&
	! grep -q 'overridden' strict.log; then
	ok untrusted-logged-reject
else
	bad untrusted-logged-reject "$(grep bank.example strict.log | tail -2)"
fi
if [ -z "$(in_sink "$tmp/sink-rcv" arc-post@bank.example carol@strict.test)" ] &&
	[ -n "$f" ]; then
	ok untrusted-not-delivered
else
	bad untrusted-not-delivered
fi

# =====================================================================
# B. From rewriting: alice@bank.example's mail through the platform.
cat >alice.eml <<EOF
From: "Alice Bank" <alice@bank.example>
To: bob@receiver.test, carol@outside.test
Subject: Your invoice
Date: $(date -R)
Message-ID: <rw-dmarc@platform.example>

Your invoice is attached.
EOF
sed 's/rw-dmarc@/rw-never@/' alice.eml >alice-never.eml
swaks --server 127.0.0.40:25 --local-interface 127.0.0.41 \
	--helo app.platform.example --from bounces@platform.example \
	--to bob@receiver.test,carol@outside.test --data alice.eml \
	>alice.smtp 2>&1
swaks --server 127.0.0.40:2525 --local-interface 127.0.0.41 \
	--helo app.platform.example --from bounces@platform.example \
	--to carol@outside.test --data alice-never.eml >alice-never.smtp 2>&1
if accepted alice.smtp && accepted alice-never.smtp; then ok platform-accepted; else
	bad platform-accepted "$(grep -E '^<' alice.smtp alice-never.smtp | tail -3)"
fi
wait_for 30 has "$tmp/sink-out" rw-dmarc@platform.example carol@outside.test
wait_for 30 has "$tmp/sink-out" rw-never@platform.example carol@outside.test
wait_for 30 has "$tmp/sink-rcv" rw-dmarc@platform.example bob@receiver.test
f=$(in_sink "$tmp/sink-out" rw-dmarc@platform.example carol@outside.test)
if [ -n "$f" ]; then
	from=$(field "$f" From)
	if [ "$from" = 'From: "Alice Bank via platform.example" <alice=bank.example@platform.example>' ]; then
		ok rewrite-from
	else
		bad rewrite-from "$from"
	fi
	if [ "$(field "$f" Reply-To)" = "Reply-To: alice@bank.example" ] &&
		[ "$(field "$f" X-Original-From)" = 'X-Original-From: "Alice Bank" <alice@bank.example>' ]; then
		ok rewrite-reply-to
	else
		bad rewrite-reply-to "$(field "$f" Reply-To) $(field "$f" X-Original-From)"
	fi
	sigs=$(field "$f" DKIM-Signature)
	if [ "$(grep -c . <<<"$sigs")" = 1 ] &&
		grep -q ' d=platform.example; s=demo2026e;' <<<"$sigs"; then
		ok rewrite-signed-platform
	else
		bad rewrite-signed-platform "$sigs"
	fi
	d=$(dmarc_of "$f" 127.0.0.40 bounces@platform.example)
	if [ "$d" = "pass platform.example" ]; then ok rewrite-dmarc-pass; else
		bad rewrite-dmarc-pass "emauth verify: $d"
	fi
	if grep -q 'RewriteFrom: alice@bank.example sent as "Alice Bank via platform.example" <alice=bank.example@platform.example>' platform-dmarc.log; then
		ok rewrite-logged
	else
		bad rewrite-logged "$(tail -3 platform-dmarc.log)"
	fi
else
	for t in rewrite-from rewrite-reply-to rewrite-signed-platform \
		rewrite-dmarc-pass rewrite-logged; do
		bad "$t" "not delivered"
	done
fi
# The receiver's milter agrees.
f=$(in_sink "$tmp/sink-rcv" rw-dmarc@platform.example bob@receiver.test)
ar=
[ -n "$f" ] && ar=$(authres "$f" mx.receiver.test)
if grep -q 'dkim=pass[^;]*header.d=platform.example' <<<"$ar" &&
	grep -q 'dmarc=pass[^;]*header.from=platform.example' <<<"$ar"; then
	ok rewrite-receiver-dmarc-pass
else
	bad rewrite-receiver-dmarc-pass "${f:+$ar}${f:-not delivered}"
fi
# RewriteFrom never: as it came, unsigned (no key for bank.example).
f=$(in_sink "$tmp/sink-out" rw-never@platform.example carol@outside.test)
if [ -n "$f" ] && [ "$(field "$f" From)" = 'From: "Alice Bank" <alice@bank.example>' ] &&
	[ -z "$(field "$f" Reply-To)" ] && [ -z "$(field "$f" X-Original-From)" ] &&
	[ -z "$(field "$f" DKIM-Signature)" ] &&
	grep -q 'not signed: no key for alice@bank.example' platform-never.log &&
	! grep -q 'RewriteFrom' platform-never.log; then
	ok never-unchanged
else
	bad never-unchanged "${f:+$(field "$f" From) $(field "$f" DKIM-Signature)}${f:-not delivered}"
fi
d=
[ -n "$f" ] && d=$(dmarc_of "$f" 127.0.0.40 bounces@platform.example)
if [ "$d" = "fail bank.example" ]; then ok never-dmarc-fail; else
	bad never-dmarc-fail "emauth verify: ${d:-nothing}"
fi

# Bob replies to the rewritten address, from the outside: the platform
# delivers it to alice@bank.example (the map above).
cat >reply.eml <<EOF
From: Bob <bob@receiver.test>
To: "Alice Bank via platform.example" <alice=bank.example@platform.example>
Subject: Re: Your invoice
Date: $(date -R)
Message-ID: <rw-reply@receiver.test>
In-Reply-To: <rw-dmarc@platform.example>

Thank you.
EOF
swaks --server 127.0.0.40:25 --local-interface 127.0.0.30 \
	--helo mx.receiver.test --from bob@receiver.test \
	--to alice=bank.example@platform.example --data reply.eml >reply.smtp 2>&1
wait_for 30 has "$tmp/sink-bank" rw-reply@receiver.test
f=$(in_sink "$tmp/sink-bank" rw-reply@receiver.test)
if accepted reply.smtp && [ -n "$f" ] &&
	[ "$(grep -ci '^X-Rcpt-Args:' "$f")" = 1 ] &&
	grep -q '^X-Rcpt-Args: <alice@bank.example>\( \|$\)' "$f" &&
	grep -q 'to=<alice@bank.example>, orig_to=<alice=bank.example@platform.example>, relay=127.0.0.1\[127.0.0.1\]:2603,.*status=sent' platform/maillog; then
	ok reply-routed-back
else
	bad reply-routed-back "${f:+$(grep -i '^X-Rcpt-Args' "$f")}${f:-not delivered: $(grep -E '^<' reply.smtp | tail -1)}"
fi

# =====================================================================
# The milters stop cleanly; nothing from the sanitizers.
stopbad=
for i in "${!milters[@]}"; do
	p=${milter_pids[$i]}
	kill -TERM "$p"
	wait "$p"
	rc=$?
	[ "$rc" = 0 ] && grep -q stopped "${milters[$i]}.log" ||
		stopbad="$stopbad ${milters[$i]}(exit $rc)"
done
milter_pids=()
if [ -z "$stopbad" ]; then ok milters-sigterm-clean; else
	bad milters-sigterm-clean "$stopbad"
fi
logs=()
for m in "${milters[@]}"; do logs+=("$m.log"); done
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "${logs[@]}"; then
	bad sanitizers "$(grep -h -m3 -E 'Sanitizer|runtime error' "${logs[@]}")"
else
	ok sanitizers
fi
if [ "$fails" != 0 ]; then
	for m in "${milters[@]}"; do
		echo "# $m.log:"
		sed 's/^/#   /' "$m.log" | tail -8
	done
	for p in origin list receiver platform; do
		echo "# $p/maillog:"
		sed 's/^/#   /' "$p/maillog" | tail -12
	done
fi
exit $((fails > 0))
