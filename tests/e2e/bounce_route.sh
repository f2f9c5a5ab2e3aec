#!/bin/bash
# Bounces end to end (issue #20): a real Postfix and a real NSD on
# 127.0.0.1 in a private network and mount namespace.
#
# A message from sender@shop.test to user@nowhere.test, a domain the test
# DNS says does not exist (NXDOMAIN): Postfix bounces it back to the return
# path, sender@shop.test, which its local(8) delivers through an alias to
# "emauth bounce route" (run as default_privs = nobody); the rules put
# shop.test in the eu region and send the region's bounces to
# bounces-eu@platform.test, which the same Postfix delivers (virtual(8))
# into a Maildir. The bounce arrives there unchanged, and the store holds
# it. Then the route target (a TCP forwarder to Postfix's smtpd, what
# ReportSubmit names) is down: the command exits 75, Postfix keeps the
# bounce in its queue; the target back and "postqueue -f": it arrives.
# Prints "ok bounce-e2e/NAME" or "not ok bounce-e2e/NAME".
# usage: tests/e2e/bounce_route.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in /usr/sbin/nsd /usr/sbin/postfix /usr/sbin/postalias /usr/bin/swaks \
	/usr/bin/sqlite3 /usr/sbin/runuser /usr/bin/python3; do
	if [ ! -x "$p" ]; then
		echo "not ok bounce-e2e/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 180 "$here/$(basename "$0")" "$build"
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
bench_netns_resolver "$tmp" || exit 1
bench_root_zone "$tmp"
# The test zone: shop.test and platform.test exist; nowhere.test does not.
printf '$ORIGIN test.\n$TTL 300\n@ IN SOA ns.test. h.test. 1 3600 600 86400 300\n@ IN NS ns.test.\nns IN A 127.0.0.1\nshop IN A 127.0.0.1\nshop IN MX 10 shop\nplatform IN A 127.0.0.1\nplatform IN MX 10 platform\n' \
	>"$tmp/test.zone"
bench_nsd_start "$tmp/nsd" "$tmp/root.zone" "$tmp/test.zone" >nsd.log 2>&1 ||
	{ echo "not ok bounce-e2e/nsd-start"; cat nsd.log; exit 1; }
fwd_pid=
cleanup() {
	[ -n "$fwd_pid" ] && kill "$fwd_pid" 2>/dev/null
	e2e_stop_all
	bench_nsd_stop
}
trap cleanup EXIT
fails=0
ok() { echo "ok bounce-e2e/$1"; }
bad() {
	echo "not ok bounce-e2e/$1${2:+: $2}"
	fails=$((fails + 1))
}
py=/usr/bin/python3

# The command runs as nobody: it must be able to run the build (else a
# copy of the program and its library).
emauth=$build/emauth
envset=
if ! runuser -u nobody -- "$emauth" --version >/dev/null 2>&1; then
	mkdir -p bin
	cp "$build/emauth" bin/
	cp -P "$build"/src/libemauth.so* bin/ 2>/dev/null
	chmod -R a+rX bin
	emauth=$tmp/bin/emauth
	envset="LD_LIBRARY_PATH=$tmp/bin "
	if ! runuser -u nobody -- env LD_LIBRARY_PATH="$tmp/bin" \
		"$emauth" --version >/dev/null 2>&1; then
		echo "not ok bounce-e2e/setup (nobody cannot run $build/emauth)"
		exit 1
	fi
fi
ok nobody-runs-emauth
chmod 755 "$tmp"
mkdir -p store copies
chown nobody store copies
db=$tmp/store/s.db
tport=2526 # the route target: a forwarder to Postfix's smtpd
printf 'ReportStore sqlite:%s\nReportSubmit smtp://127.0.0.1:%s\n' \
	"$db" "$tport" >bounce.conf
printf 'shop.test eu\nother.test us\n' >regions
cat >rules <<EOF
region-map $tmp/regions
region eu bounces-eu@platform.test
region us bounces-us@platform.test
default bounces-other@platform.test
EOF
chmod a+r bounce.conf regions rules
# What the command got, kept (tee) to compare with what arrives.
route="tee $tmp/copies/\$\$.eml | $envset$emauth bounce route -c $tmp/bounce.conf --rules $tmp/rules -"

pf=$tmp/pf
mail=$tmp/mail
mkdir -p "$pf/conf" "$pf/queue" "$pf/data" "$mail"
chown postfix "$pf/data"
chown 65534:65534 "$mail"
cat >"$pf/conf/aliases" <<EOF
sender: "|$route"
postmaster: postmaster@platform.test
MAILER-DAEMON: postmaster@platform.test
EOF
cat >"$pf/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.shop.test
mydomain = shop.test
myorigin = shop.test
mydestination = shop.test
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit
alias_maps = hash:$pf/conf/aliases
alias_database = hash:$pf/conf/aliases
local_recipient_maps = \$alias_maps
allow_mail_to_commands = alias
default_privs = nobody
virtual_mailbox_domains = platform.test
virtual_mailbox_base = $mail
virtual_mailbox_maps = inline:{ bounces-eu@platform.test=eu/, bounces-us@platform.test=us/, bounces-other@platform.test=other/, postmaster@platform.test=postmaster/ }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = virtual
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
biff = no
smtputf8_enable = no
delay_warning_time = 0
minimal_backoff_time = 300s
maximal_backoff_time = 600s
queue_run_delay = 300s
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
EOF
cat >"$pf/conf/master.cf" <<EOF
127.0.0.1:2525 inet n - n - - smtpd
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
local     unix - n n - - local
virtual   unix - n n - - virtual
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if postalias "$pf/conf/aliases" >pf-alias.log 2>&1 &&
	postfix -c "$pf/conf" check >pf-check.log 2>&1 &&
	postfix -c "$pf/conf" start >pf-start.log 2>&1; then
	e2e_postfix_dirs+=("$pf")
	for _ in $(seq 1 100); do
		listening 2525 && break
		sleep 0.1
	done
fi
if listening 2525; then ok postfix-start; else
	bad postfix-start "$(cat pf-alias.log pf-check.log pf-start.log 2>/dev/null)"
	exit 1
fi

# The route target: a TCP forwarder from 127.0.0.1:$tport to the smtpd.
fwd_start() {
	"$py" -c '
import socket, sys, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
' "$tport" 2525 &
	fwd_pid=$!
	for _ in $(seq 1 50); do
		listening "$tport" && return 0
		sleep 0.1
	done
	return 1
}
fwd_stop() {
	kill "$fwd_pid" 2>/dev/null
	wait "$fwd_pid" 2>/dev/null
	fwd_pid=
}

# send NAME: a message from sender@shop.test to user@nowhere.test.
send() {
	printf 'From: Sender <sender@shop.test>\nTo: user@nowhere.test\nSubject: %s\nDate: %s\nMessage-ID: <%s@shop.test>\n\nHello.\n' \
		"$1" "$(date -R)" "$1" >"$1.eml"
	swaks --server 127.0.0.1:2525 --helo client.shop.test \
		--from sender@shop.test --to user@nowhere.test \
		--data "$1.eml" >"$1.smtp" 2>&1
}
accepted() { grep -q '<- *250 .*queued as' "$1.smtp"; }
queue_id() { sed -n 's/.*<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$1.smtp"; }
# The bounce Postfix made of NAME's message: its queue id (the log line
# "ID: sender non-delivery notification: BID").
bounce_id() {
	local id
	id=$(queue_id "$1")
	[ -n "$id" ] || return 0
	sed -n "s/.* $id: sender non-delivery notification: \([0-9A-Za-z]*\).*/\1/p" \
		"$pf/maillog" | tail -1
}
# status ID RCPT: Postfix's last word on ID's delivery to RCPT.
status() {
	[ -n "$1" ] || return 0
	grep " $1: to=<$2>" "$pf/maillog" 2>/dev/null | tail -1 |
		sed -n 's/.* status=\([a-z]*\).*/\1/p'
}
wait_for() { # SECONDS COMMAND...: until COMMAND succeeds
	local n=$(($1 * 10))
	shift
	for _ in $(seq 1 $n); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
has_status() { [ -n "$(status "$1" "$2")" ]; }
has_bounce() { [ -n "$(bounce_id "$1")" ]; }
maildir_n() { find "$mail/eu/new" -type f 2>/dev/null | wc -l; }
maildir_ge() { [ "$(maildir_n)" -ge "$1" ]; }
# Read-only: never creates the store (as root) before the route does.
sq() { sqlite3 -readonly "$db" "$1" 2>/dev/null; }

# The message Maildir file $1 holds the bounce the command got ($2), byte
# for byte: the delivered file ends with it (local(8)'s "From " line and
# the trace fields aside; a trailing empty line noted).
unchanged() {
	"$py" - "$1" "$2" <<'PY'
import sys
got = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
sent = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
lines = sent.split(b"\n")
# What local(8) put before the bounce: the "From " line, Return-Path and
# Delivered-To (the receiving Postfix adds its own).
while lines and (lines[0].startswith(b"From ") or
                 lines[0].lower().startswith(b"return-path:") or
                 lines[0].lower().startswith(b"delivered-to:")):
    lines.pop(0)
# One line ending more at the end is allowed: libcurl's SMTP upload ends
# a message whose last line ends in a bare LF with CRLF . CRLF, which
# adds an empty line (a note, printed).
body = b"\n".join(lines)
if body and got.rstrip(b"\n").endswith(body.rstrip(b"\n")) and \
        not got.endswith(body):
    print("# note: the forwarded bounce got a trailing empty line")
    got = got.rstrip(b"\n") + b"\n" * (len(body) - len(body.rstrip(b"\n")))
if not (body and got.endswith(body)):
    import difflib
    sys.stderr.write("".join(difflib.unified_diff(
        body.decode("utf-8", "replace").splitlines(True),
        got.decode("utf-8", "replace").splitlines(True))))
    sys.exit(1)
PY
}

fwd_start || { bad fwd-start; exit 1; }
ok target-up

# 1. The bounce of a message to a domain that does not exist, routed to
# the eu region's mailbox.
send first
accepted first && ok first-accepted || bad first-accepted "$(tail -5 first.smtp)"
wait_for 30 has_bounce first
bid=$(bounce_id first)
st=$(status "$(queue_id first)" user@nowhere.test)
if [ "$st" = bounced ] && [ -n "$bid" ]; then ok first-bounced; else
	bad first-bounced "status=$st bounce=$bid"
fi
wait_for 30 has_status "$bid" sender@shop.test
st=$(status "$bid" sender@shop.test)
if [ "$st" = sent ]; then ok first-routed; else bad first-routed "status=$st"; fi
if wait_for 30 maildir_ge 1; then ok first-in-eu-maildir; else
	bad first-in-eu-maildir "$(maildir_n) messages"
fi
f=$(find "$mail/eu/new" -type f | head -1)
c=$(ls copies/*.eml 2>/dev/null | head -1)
if [ -n "$f" ] && [ -n "$c" ] && unchanged "$f" "$c" 2>unchanged.err; then
	ok first-unchanged
else
	bad first-unchanged "$(cat unchanged.err 2>/dev/null)"
fi
if [ -n "$f" ] && grep -q "^Final-Recipient: rfc822; user@nowhere.test" "$f"; then
	ok first-is-the-bounce
else
	bad first-is-the-bounce
fi
n=$(find "$mail/us/new" "$mail/other/new" -type f 2>/dev/null | wc -l)
if [ "$n" = 0 ]; then ok first-not-elsewhere; else bad first-not-elsewhere "$n"; fi
# The store holds it.
row=$(sq "SELECT recipient, rcpt_domain, status, reason, from_domain FROM emauth_bounces WHERE recipient = 'user@nowhere.test'")
echo "# stored: $row"
if [[ "$row" =~ ^user@nowhere\.test\|nowhere\.test\|5\.(1\.2|4\.4|1\.10)\|(hostunknown|notaccept|networkerror)\|shop\.test$ ]]; then
	ok first-stored
else
	bad first-stored "$row"
fi
k=$(sq "SELECT count(*) FROM emauth_imports WHERE kind = 'bounce' AND status = 'imported'")
if [ "$k" = 1 ]; then ok first-one-import; else bad first-one-import "$k"; fi

# 2. The route target down: the command exits 75, Postfix keeps the
# bounce in its queue.
fwd_stop
ok target-down
send second
accepted second && ok second-accepted || bad second-accepted
wait_for 30 has_bounce second
bid2=$(bounce_id second)
wait_for 30 has_status "$bid2" sender@shop.test
st=$(status "$bid2" sender@shop.test)
if [ "$st" = deferred ]; then ok second-deferred; else
	bad second-deferred "status=$st"
fi
if grep " $bid2: to=<sender@shop.test>" "$pf/maillog" | tail -1 |
	grep -q 'dsn=4\.3\.0, status=deferred (temporary failure'; then
	ok second-exit-75
else
	bad second-exit-75 "$(grep " $bid2: to=" "$pf/maillog" | tail -1)"
fi
q=$(postqueue -c "$pf/conf" -p 2>/dev/null)
if printf '%s\n' "$q" | grep -q "^$bid2"; then ok second-in-queue; else
	bad second-in-queue "$q"
fi
if [ "$(maildir_n)" = 1 ]; then ok second-not-delivered; else
	bad second-not-delivered "$(maildir_n)"
fi

# 3. The target back, the queue flushed: it arrives.
fwd_start || bad target-back
ok target-back
postqueue -c "$pf/conf" -f >/dev/null 2>&1
if wait_for 60 maildir_ge 2; then ok second-arrives; else
	bad second-arrives "$(maildir_n) messages; $(grep " $bid2: to=" "$pf/maillog" | tail -1)"
fi
st=$(status "$bid2" sender@shop.test)
if [ "$st" = sent ]; then ok second-sent; else bad second-sent "status=$st"; fi
f2=$(grep -l "second@shop.test" "$mail"/eu/new/* 2>/dev/null | head -1)
if [ -n "$f2" ] && grep -q "^Final-Recipient: rfc822; user@nowhere.test" "$f2"; then
	ok second-is-the-bounce
else
	bad second-is-the-bounce
fi
# Recorded at the first attempt, a duplicate at the second: two bounces.
k=$(sq "SELECT count(*) FROM emauth_bounces b JOIN emauth_imports i ON b.import_id = i.id WHERE i.status = 'imported'")
if [ "$k" = 2 ]; then ok second-stored-once; else bad second-stored-once "$k"; fi
q=$(postqueue -c "$pf/conf" -p 2>/dev/null)
if printf '%s\n' "$q" | grep -q "^$bid2"; then bad queue-empty "$q"; else
	ok queue-empty
fi

if [ "$fails" != 0 ]; then
	echo "# postfix log:"
	sed 's/^/# /' "$pf/maillog" | tail -40
fi
exit $((fails > 0))
