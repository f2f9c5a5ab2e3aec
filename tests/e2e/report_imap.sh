#!/bin/bash
# Reports read from an IMAP mailbox, end to end, with a real Dovecot
# (Debian's dovecot-imapd): a throw-away instance with its own
# configuration in a temporary directory, listening on free ports of
# 127.0.0.1 (IMAP with STARTTLS required, and IMAPS), a self-signed
# certificate made here, one test user in a passwd-file, and its mail in a
# Maildir. Reports are delivered the way a delivery agent does (a file in
# tmp/, renamed into new/): the sample messages of
# tests/data/suites/dmarc-reports-{parsedmarc,stalwart}/aggregate/. Then
# "emauth report import --imap":
#   1. with --archive (IMAPS): every report imported (the same as importing
#      the files themselves), the INBOX empty, the archive folder holding
#      every message; a second run imports nothing. The same again from a
#      server without MOVE (RFC 6851), with and without UIDPLUS (RFC 4315):
#      COPY, \Deleted and EXPUNGE (Dovecot's imap_capability for the
#      connections to 127.0.0.2 and 127.0.0.3).
#   2. without (IMAP and STARTTLS): the same reports, the messages marked
#      \Seen (the S flag of their Maildir names); a second run fetches
#      nothing.
#   3. a wrong password: exit status 2, and no password in what is said.
#   4. a message over the size cap (64 MiB): refused, left unseen.
# Prints "ok report-imap/NAME" or "not ok report-imap/NAME". KEEP=1 keeps
# the temporary directory (the Dovecot log, the stores).
# usage: tests/e2e/report_imap.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
emauth=$build/emauth
fails=0
ok() { echo "ok report-imap/$1"; }
bad() {
	echo "not ok report-imap/$1${2:+: $2}"
	fails=$((fails + 1))
}
for p in /usr/sbin/dovecot /usr/lib/dovecot/imap /usr/bin/openssl \
	/usr/bin/python3 /usr/bin/sqlite3 "$emauth"; do
	if [ ! -x "$p" ]; then
		echo "not ok report-imap/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
samples=("$top"/tests/data/suites/dmarc-reports-parsedmarc/aggregate/*.eml
	"$top"/tests/data/suites/dmarc-reports-stalwart/aggregate/1*.eml)
for f in "${samples[@]}"; do
	if [ ! -f "$f" ]; then
		echo "not ok report-imap/setup (no sample messages: $f)"
		exit 1
	fi
done
nsamples=${#samples[@]}

tmp=$(mktemp -d)
chmod 755 "$tmp"
dovecot_pid=
cleanup() {
	if [ -n "$dovecot_pid" ] && kill "$dovecot_pid" 2>/dev/null; then
		# The master waits for its processes; give it ten seconds.
		for _ in $(seq 1 100); do
			kill -0 "$dovecot_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$dovecot_pid" 2>/dev/null
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free ports at once (both bound while asking).
read -r port_imap port_imaps < <(/usr/bin/python3 -c '
import socket
a = socket.socket(); a.bind(("127.0.0.1", 0))
b = socket.socket(); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

# As root, Dovecot runs its parts as Debian's dovecot and dovenull users
# and the mail as nobody; otherwise all of it as the user running this.
if [ "$(id -u)" -eq 0 ]; then
	internal=dovecot
	login=dovenull
	mail_user=nobody
	mail_group=$(id -gn nobody)
else
	internal=$(id -un)
	login=$internal
	mail_user=$internal
	mail_group=$(id -gn)
fi
for u in "$internal" "$login" "$mail_user"; do
	if ! id "$u" >/dev/null 2>&1; then
		echo "not ok report-imap/setup (no system user $u)"
		exit 1
	fi
done

user=reports
password="pw-$RANDOM$RANDOM-imap-secret"
printf '%s\n' "$password" >"$tmp/password"
mkdir -p "$tmp/run" "$tmp/state" "$tmp/mail" "$tmp/home"
# scheme=PLAIN: test users; the file is for Dovecot's auth processes.
for u in "$user" uidplus plain; do
	printf '%s:{PLAIN}%s::::::\n' "$u" "$password"
done >"$tmp/passwd"
chmod 644 "$tmp/passwd"

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	-subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1; then
	bad setup-certificate "$(tail -n 3 "$tmp/openssl.log")"
	exit 1
fi
chmod 644 "$tmp/key.pem"

conf=$tmp/dovecot.conf
cat >"$conf" <<EOF
base_dir = $tmp/run
state_dir = $tmp/state
instance_name = emauth-imap-test-$port_imaps
log_path = $tmp/dovecot.log
protocols = imap
listen = 127.0.0.1, 127.0.0.2, 127.0.0.3
ssl = required
ssl_cert = <$tmp/cert.pem
ssl_key = <$tmp/key.pem
auth_mechanisms = plain
auth_failure_delay = 0
default_internal_user = $internal
default_internal_group = $(id -gn "$internal")
default_login_user = $login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:$tmp/mail/%n
namespace inbox {
  inbox = yes
  separator = .
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $tmp/passwd
}
userdb {
  driver = static
  args = uid=$mail_user gid=$mail_group home=$tmp/home/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port_imap
  }
  inet_listener imaps {
    address = 127.0.0.1, 127.0.0.2, 127.0.0.3
    port = $port_imaps
    ssl = yes
  }
}
service anvil {
  chroot =
}
# Servers without MOVE: one with UIDPLUS, one without.
local 127.0.0.2 {
  protocol imap {
    imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS
  }
}
local 127.0.0.3 {
  protocol imap {
    imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE
  }
}
EOF

inbox=$tmp/mail/$user
for u in "$user" uidplus plain; do
	mkdir -p "$tmp/mail/$u/tmp" "$tmp/mail/$u/new" "$tmp/mail/$u/cur"
done
chown -R "$mail_user:$mail_group" "$tmp/mail" "$tmp/home"

if ! /usr/sbin/dovecot -c "$conf" >"$tmp/dovecot.start" 2>&1; then
	bad dovecot-started "$(cat "$tmp/dovecot.start" "$tmp/dovecot.log" 2>/dev/null | tail -n 5)"
	exit 1
fi
for _ in $(seq 1 100); do
	[ -s "$tmp/run/master.pid" ] && break
	sleep 0.1
done
dovecot_pid=$(cat "$tmp/run/master.pid" 2>/dev/null)
listening() {
	/usr/bin/python3 -c '
import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), timeout=1).close()' \
		"$port_imap" "$port_imaps" 2>/dev/null
}
for _ in $(seq 1 100); do
	listening && break
	sleep 0.1
done
if [ -n "$dovecot_pid" ] && listening; then
	ok dovecot-started
else
	bad dovecot-started "$(tail -n 5 "$tmp/dovecot.log" 2>/dev/null)"
	exit 1
fi

# Delivers file $1 into the INBOX (Maildir $3, or the test user's) as a
# delivery agent does, under a unique name holding $2.
seq_no=0
deliver() {
	seq_no=$((seq_no + 1))
	local name md=${3:-$inbox}
	name="$(date +%s).M${seq_no}P$$${2:+_$2}.emauth-test"
	cp "$1" "$md/tmp/$name" &&
		chown "$mail_user:$mail_group" "$md/tmp/$name" &&
		mv "$md/tmp/$name" "$md/new/$name"
}
deliver_samples() {
	for f in "${samples[@]}"; do
		deliver "$f" "" "${1:-}" || return 1
	done
}
# The imported reports of a store: kind, reporter and report id.
reports() {
	sqlite3 "$1" "SELECT kind || ' ' || org || ' ' || report_id FROM
emauth_imports WHERE status = 'imported' ORDER BY 1"
}
count() {
	sqlite3 "$1" "SELECT COUNT(*) FROM emauth_imports${2:+ WHERE $2}"
}
# Messages in a Maildir folder (new/ and cur/), and those flagged \Seen.
nmail() {
	find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l
}
nseen() {
	find "$1/cur" -type f -name '*:2,*S*' 2>/dev/null | wc -l
}
url_s="imaps://$user@127.0.0.1:$port_imaps/INBOX"
url_p="imap://$user@127.0.0.1:$port_imap/INBOX"

# What the samples hold, imported from the files themselves.
"$emauth" report import --store "sqlite:$tmp/ref.db" "${samples[@]}" \
	>"$tmp/ref.out" 2>&1
nref=$(count "$tmp/ref.db" "status = 'imported'")
if [ "$nref" -ge "$nsamples" ]; then
	ok reference
else
	bad reference "$nref reports in $nsamples messages: $(tail -n 3 "$tmp/ref.out")"
fi
reports "$tmp/ref.db" >"$tmp/ref.list"

# 1. Imported and archived (IMAPS).
deliver_samples || bad deliver
"$emauth" report import --store "sqlite:$tmp/a.db" --imap "$url_s" \
	--password-file "$tmp/password" --archive Reports \
	--ca-file "$tmp/cert.pem" >"$tmp/a1.out" 2>"$tmp/a1.err"
rc=$?
reports "$tmp/a.db" >"$tmp/a.list"
if [ "$rc" -eq 0 ] && cmp -s "$tmp/ref.list" "$tmp/a.list" &&
	[ "$(count "$tmp/a.db")" -eq "$nref" ]; then
	ok archive-imported
else
	bad archive-imported "exit $rc, $(wc -l <"$tmp/a.list") of $nref reports: $(head -c 300 "$tmp/a1.err")"
fi
# Each item names its message without user or password.
bad_src=$(sqlite3 "$tmp/a.db" "SELECT source FROM emauth_imports" |
	grep -v "^imaps://127\.0\.0\.1:$port_imaps/INBOX;UID=[0-9][0-9]*#")
if [ -z "$bad_src" ] && ! grep -q -e "$password" -e "$user@" "$tmp/a.db"; then
	ok archive-sources
else
	bad archive-sources "$(echo "$bad_src" | head -n 2)"
fi
if [ "$(nmail "$inbox")" -eq 0 ]; then
	ok archive-inbox-empty
else
	bad archive-inbox-empty "$(nmail "$inbox") messages left"
fi
if [ "$(nmail "$inbox/.Reports")" -eq "$nsamples" ] &&
	[ "$(find "$inbox/.Reports/cur" -type f | wc -l)" -eq "$nsamples" ]; then
	ok archive-folder
else
	bad archive-folder "$(nmail "$inbox/.Reports") of $nsamples in .Reports"
fi
"$emauth" report import --store "sqlite:$tmp/a.db" --imap "$url_s" \
	--password-file "$tmp/password" --archive Reports \
	--ca-file "$tmp/cert.pem" >"$tmp/a2.out" 2>"$tmp/a2.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^0 imported, 0 duplicates, 0 rejected$' \
	"$tmp/a2.out" && [ "$(count "$tmp/a.db")" -eq "$nref" ] &&
	[ "$(nmail "$inbox/.Reports")" -eq "$nsamples" ]; then
	ok archive-second-run
else
	bad archive-second-run "exit $rc: $(tail -n 1 "$tmp/a2.out") $(head -c 200 "$tmp/a2.err")"
fi

# The same from servers without MOVE. Dovecot counts what was marked
# \Deleted (a MOVE is not counted).
for v in uidplus:127.0.0.2 plain:127.0.0.3; do
	u=${v%%:*}
	md=$tmp/mail/$u
	deliver_samples "$md" || bad deliver
	"$emauth" report import --store "sqlite:$tmp/$u.db" \
		--imap "imaps://$u@${v#*:}:$port_imaps/INBOX" \
		--password-file "$tmp/password" --archive Reports \
		--ca-file "$tmp/cert.pem" >"$tmp/$u.out" 2>"$tmp/$u.err"
	rc=$?
	reports "$tmp/$u.db" >"$tmp/$u.list"
	# Dovecot logs the session when it ends.
	for _ in $(seq 1 50); do
		grep -q "imap($u).*Disconnected" "$tmp/dovecot.log" && break
		sleep 0.1
	done
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/ref.list" "$tmp/$u.list" &&
		[ "$(nmail "$md")" -eq 0 ] &&
		[ "$(nmail "$md/.Reports")" -eq "$nsamples" ] &&
		grep -q "imap($u).*deleted=$nsamples expunged=$nsamples" \
			"$tmp/dovecot.log"; then
		ok "archive-copy-$u"
	else
		bad "archive-copy-$u" "exit $rc, $(wc -l <"$tmp/$u.list") reports, $(nmail "$md") left, $(nmail "$md/.Reports") archived: $(head -c 300 "$tmp/$u.err")"
	fi
done

# 2. Marked seen (IMAP with STARTTLS; the password from the environment).
deliver_samples || bad deliver
EMAUTH_IMAP_PASSWORD=$password "$emauth" report import \
	--store "sqlite:$tmp/b.db" --imap "$url_p" --ca-file "$tmp/cert.pem" \
	>"$tmp/b1.out" 2>"$tmp/b1.err"
rc=$?
reports "$tmp/b.db" >"$tmp/b.list"
if [ "$rc" -eq 0 ] && cmp -s "$tmp/ref.list" "$tmp/b.list"; then
	ok seen-imported
else
	bad seen-imported "exit $rc, $(wc -l <"$tmp/b.list") of $nref reports: $(head -c 300 "$tmp/b1.err")"
fi
if [ "$(nmail "$inbox")" -eq "$nsamples" ] &&
	[ "$(nseen "$inbox")" -eq "$nsamples" ] &&
	[ "$(nmail "$inbox/.Reports")" -eq "$nsamples" ]; then
	ok seen-flags
else
	bad seen-flags "$(nseen "$inbox") of $(nmail "$inbox") seen"
fi
EMAUTH_IMAP_PASSWORD=$password "$emauth" report import \
	--store "sqlite:$tmp/b.db" --imap "$url_p" --ca-file "$tmp/cert.pem" \
	>"$tmp/b2.out" 2>"$tmp/b2.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^0 imported, 0 duplicates, 0 rejected$' \
	"$tmp/b2.out" && [ "$(count "$tmp/b.db")" -eq "$nref" ]; then
	ok seen-second-run
else
	bad seen-second-run "exit $rc: $(tail -n 1 "$tmp/b2.out") $(head -c 200 "$tmp/b2.err")"
fi

# 3. A wrong password.
wrong="wrong-$RANDOM$RANDOM-password"
printf '%s\n' "$wrong" >"$tmp/wrong"
"$emauth" report import --store "sqlite:$tmp/c.db" --imap "$url_s" \
	--password-file "$tmp/wrong" --ca-file "$tmp/cert.pem" \
	>"$tmp/c.out" 2>"$tmp/c.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qi 'denied\|authentication' "$tmp/c.err" &&
	! grep -q -e "$wrong" -e "$password" "$tmp/c.out" "$tmp/c.err"; then
	ok wrong-password
else
	bad wrong-password "exit $rc: $(head -c 300 "$tmp/c.err")"
fi
# No password in the URL: refused before anything is sent.
"$emauth" report import --store "sqlite:$tmp/c.db" \
	--imap "imaps://$user:$wrong@127.0.0.1:$port_imaps/INBOX" \
	--password-file "$tmp/password" --ca-file "$tmp/cert.pem" \
	>"$tmp/c2.out" 2>"$tmp/c2.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'holds a password' "$tmp/c2.err"; then
	ok password-in-url
else
	bad password-in-url "exit $rc: $(head -c 300 "$tmp/c2.err")"
fi
# The server's certificate is checked: not without the CA file.
"$emauth" report import --store "sqlite:$tmp/c.db" --imap "$url_s" \
	--password-file "$tmp/password" >"$tmp/c3.out" 2>"$tmp/c3.err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(count "$tmp/c.db")" -eq 0 ]; then
	ok certificate-checked
else
	bad certificate-checked "exit $rc: $(head -c 300 "$tmp/c3.err")"
fi

# 4. A message over the cap (64 MiB), delivered after the seen ones.
{
	printf 'From: big@example.net\nTo: %s@example.com\n' "$user"
	printf 'Subject: too big\nMessage-ID: <big@example.net>\n\n'
	yes 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' |
		head -c $((64 * 1024 * 1024 + 4096))
} >"$tmp/big.eml"
deliver "$tmp/big.eml" BIG || bad deliver
rm -f "$tmp/big.eml"
EMAUTH_IMAP_PASSWORD=$password "$emauth" report import \
	--store "sqlite:$tmp/b.db" --imap "$url_s" --ca-file "$tmp/cert.pem" \
	>"$tmp/d.out" 2>"$tmp/d.err"
rc=$?
big=$(find "$inbox/new" "$inbox/cur" -type f -name '*_BIG.*')
case "$big" in
*:2,*S*) big_seen=yes ;;
*) big_seen=no ;;
esac
if [ "$rc" -eq 2 ] && grep -q 'over' "$tmp/d.err" && [ -n "$big" ] &&
	[ "$big_seen" = no ] && [ "$(count "$tmp/b.db")" -eq "$nref" ]; then
	ok too-big
else
	bad too-big "exit $rc, seen $big_seen: $(head -c 300 "$tmp/d.err")"
fi

if grep -q -e "$password" "$tmp/dovecot.log"; then
	bad no-password-logged
else
	ok no-password-logged
fi
[ "$fails" -eq 0 ]
