#!/bin/bash
# emauth-milter without an MTA: configuration checks (-n: every error
# names its file and line, unsafe key files are refused, no message quotes
# a key file, UserID must be able to read the keys) and miltertest
# (OpenDKIM's milter test harness, scripted in Lua: tests/milter/lua/)
# driving the daemon over the milter protocol, DNS from the offline zones
# in tests/milter/zones.
# usage: tests/cli/milter.sh BUILD-DIR
AREA=milter
. "$(dirname "$0")/../lib/cli.sh"
milter=$build/emauth-milter
lua=$top/tests/milter/lua
zones="zone:$(ls "$top"/tests/milter/zones/*.zone | paste -sd, -)"

# run (tests/lib/cli.sh) runs $emauth: here, the milter.
emauth=$milter

mkdir -p "$tmp/keys"
cp "$top/examples/keys/demo2026.private" "$tmp/keys/internal.private"
cp "$top/examples/keys/demo2026e.private" "$tmp/keys/platform.private"
chmod 600 "$tmp"/keys/*
cat >"$tmp/KeyTable" <<KT
internal  internal.example:demo2026:$tmp/keys/internal.private
platform  platform.example:demo2026e:$tmp/keys/platform.private
KT
printf '*@internal.example internal\n*@internal.example platform\n' \
	>"$tmp/SigningTable"
# conf PORT ENFORCE [EXTRA-LINE]. MultipleSignatures yes: both matching
# SigningTable lines sign (without it, OpenDKIM's default, only the first).
conf() {
	cat <<CONF
Mode sv
Socket inet:$1@127.0.0.1
KeyTable $tmp/KeyTable
SigningTable refile:$tmp/SigningTable
InternalHosts 127.0.0.1
AuthservID mx.receiver.test
DMARCEnforce $2
Syslog no
AutoRestart yes
DNS $zones
MultipleSignatures yes
${3:-}
CONF
}
conf 0 reject >"$tmp/good.conf"

# -n: the configuration and its keys.
if run check-good 0 -n -c "$tmp/good.conf"; then
	check check-good grep -q 'configuration and 2 keys good' "$tmp/out"
	check check-ignored-key-notice grep -q \
		'good.conf:9: AutoRestart: an OpenDKIM key, not used here' "$tmp/err"
fi
# -n tests each KeyTable key against its published record (emauth dkim
# testkey): the good keys match; a key that is not the published one is a
# warning naming the KeyTable line, and the configuration is still good.
run check-good-keys-tested 0 -n -c "$tmp/good.conf" &&
	check check-good-keys-match bash -c "! grep -q 'warning: .*_domainkey' '$tmp/err'"
cat >"$tmp/KeyTable-wrong" <<KT
internal  internal.example:demo2026:$tmp/keys/platform.private
KT
sed "s|^KeyTable .*|KeyTable $tmp/KeyTable-wrong|" "$tmp/good.conf" |
	sed "s|^SigningTable .*|SigningTable refile:$tmp/ST-wrong|" >"$tmp/wrong.conf"
printf '*@internal.example internal\n' >"$tmp/ST-wrong"
if run check-wrong-key 0 -n -c "$tmp/wrong.conf"; then
	check check-wrong-key-warned grep -q \
		"warning: $tmp/KeyTable-wrong:1: key internal: demo2026._domainkey.internal.example: " \
		"$tmp/err"
	check check-wrong-key-good grep -q 'configuration and 1 key good' "$tmp/out"
fi
# Issue #17: a key neither emauth-milter nor OpenDKIM knows is an error
# (a misspelt DMARCEnforce turned enforcement off), with the closest key
# suggested; OpenDKIM's keys that are not used here get a notice.
conf 0 reject "Frobnicate yes" >"$tmp/unknown.conf"
run unknown-key 1 -n -c "$tmp/unknown.conf" &&
	check unknown-key grep -q \
		"unknown.conf:12: Frobnicate is not a key of emauth-milter or OpenDKIM" \
		"$tmp/err"
conf 0 none "DMARCEnforcment reject" >"$tmp/typo.conf"
run unknown-key-typo 1 -n -c "$tmp/typo.conf" &&
	check unknown-key-typo grep -qF \
		"typo.conf:12: DMARCEnforcment is not a key of emauth-milter or OpenDKIM; did you mean DMARCEnforce?" \
		"$tmp/err"
conf 0 reject "TrustAnchorFile /usr/share/dns/root.key" >"$tmp/odk.conf"
printf 'SubDomains yes\nOn-BadSignature reject\n' >>"$tmp/odk.conf"
if run opendkim-keys-notice 0 -n -c "$tmp/odk.conf"; then
	check opendkim-keys-notice grep -qF \
		"odk.conf:12: TrustAnchorFile: an OpenDKIM key, not used here" \
		"$tmp/err"
	check opendkim-keys-notice-subdomains grep -qF \
		"odk.conf:13: SubDomains: an OpenDKIM key, not used here" "$tmp/err"
fi
# Issue #17: a line that is not "Key value" (every key on one line) is an
# error naming it; no Socket is an error for -n as for running; a
# directory or an empty file as the configuration is never "good".
printf 'Mode sv Socket inet:0@127.0.0.1 DMARCEnforce reject\n' \
	>"$tmp/oneline.conf"
run one-line-all-keys 1 -n -c "$tmp/oneline.conf" &&
	check one-line-all-keys grep -qF \
		"oneline.conf:1: 'Mode sv Socket inet:0@127.0.0.1 DMARCEnforce reject' is several keys on one line (Socket after the value of Mode)" \
		"$tmp/err"
printf 'Socket inet:0@127.0.0.1 x\n' >"$tmp/twowords.conf"
run value-two-words 1 -n -c "$tmp/twowords.conf" &&
	check value-two-words grep -qF \
		"twowords.conf:1: Socket: 'inet:0@127.0.0.1 x' is more than one value" \
		"$tmp/err"
sed '/^Socket /d' "$tmp/good.conf" >"$tmp/nosock.conf"
run no-socket-check 1 -n -c "$tmp/nosock.conf" &&
	check no-socket-check grep -qF \
		"nosock.conf: no Socket (inet:PORT@HOST or local:/path)" "$tmp/err"
emauth=timeout
run no-socket-run 1 20 "$milter" -f -c "$tmp/nosock.conf" &&
	check no-socket-run grep -qF "nosock.conf: no Socket" "$tmp/err"
emauth=$milter
run no-socket-given-with-p 0 -n -p inet:0@127.0.0.1 -c "$tmp/nosock.conf"
: >"$tmp/empty.conf"
run empty-config 1 -n -c "$tmp/empty.conf" &&
	check empty-config bash -c "grep -qF 'empty.conf: no Socket' '$tmp/err' &&
		! grep -q good '$tmp/out'"
# Issue #17: a refile: KeyTable (OpenDKIM takes one) is read as a file.
sed "s|^KeyTable .*|KeyTable refile:$tmp/KeyTable|" "$tmp/good.conf" \
	>"$tmp/ktre.conf"
run keytable-refile 0 -n -c "$tmp/ktre.conf" &&
	check keytable-refile grep -q 'configuration and 2 keys good' "$tmp/out"
# Issue #17: host lists covering every client warn, naming the risk; text
# after an entry on a host-list line is an error naming the line.
conf 0 reject "TrustedHosts ::/0" >"$tmp/open.conf"
printf 'ExternalIgnoreList 0.0.0.0/0\n' >>"$tmp/open.conf"
if run hosts-open-warning 0 -n -c "$tmp/open.conf"; then
	check hosts-open-signer-warning grep -qF \
		"open.conf:12: TrustedHosts ::/0 covers every IPv6 client: their mail is signed with your keys, so anyone there can send mail signed as your domains (an open signer)" \
		"$tmp/err"
	check hosts-open-ignore-warning grep -qF \
		"open.conf:13: ExternalIgnoreList 0.0.0.0/0 covers every IPv4 client: their mail is never rejected or quarantined for failing DMARC" \
		"$tmp/err"
fi
printf '127.0.0.1\n10.0.0.1 trusted relay\n' >"$tmp/hosts-trail"
conf 0 reject "ExternalIgnoreList file:$tmp/hosts-trail" >"$tmp/trail.conf"
run hosts-trailing-text 1 -n -c "$tmp/trail.conf" &&
	check hosts-trailing-text grep -qF \
		"hosts-trail:2: 'trusted relay' follows the entry '10.0.0.1'" \
		"$tmp/err"
conf 0 sometimes >"$tmp/bad.conf"
run malformed 1 -n -c "$tmp/bad.conf" &&
	check malformed grep -q \
		"bad.conf:7: DMARCEnforce: 'sometimes' is not none, quarantine or reject" \
		"$tmp/err"
chmod 644 "$tmp/keys/platform.private"
run key-readable-by-others 1 -n -c "$tmp/good.conf" &&
	check key-readable-by-others grep -q \
		"$tmp/KeyTable:2: key platform: key file $tmp/keys/platform.private: mode 644 lets others read" \
		"$tmp/err"
chmod 600 "$tmp/keys/platform.private"
mv "$tmp/keys/internal.private" "$tmp/keys/moved"
# Issue #17: the error names the KeyTable file and line naming the key.
run key-missing 1 -n -c "$tmp/good.conf" &&
	check key-missing grep -q \
		"$tmp/KeyTable:1: key internal: key file $tmp/keys/internal.private: No such file" \
		"$tmp/err"
mv "$tmp/keys/moved" "$tmp/keys/internal.private"
printf 'garbage\n' >"$tmp/keys/bad.private"
chmod 600 "$tmp/keys/bad.private"
printf 'x internal.example:s:%s\n' "$tmp/keys/bad.private" >"$tmp/KT2"
printf 'KeyTable %s\nSocket inet:0@127.0.0.1\n' "$tmp/KT2" >"$tmp/notkey.conf"
run key-not-a-key 1 -n -c "$tmp/notkey.conf" &&
	check key-not-a-key grep -q \
		"$tmp/KT2:1: key x: key file $tmp/keys/bad.private: " "$tmp/err"
printf '*@internal.example internal\n*@internal.example nosuch\n' \
	>"$tmp/ST2"
sed "s|refile:$tmp/SigningTable|refile:$tmp/ST2|" "$tmp/good.conf" \
	>"$tmp/st2.conf"
run signingtable-names-missing-key 1 -n -c "$tmp/st2.conf" &&
	check signingtable-names-missing-key grep -q \
		"$tmp/ST2:2: the SigningTable names key 'nosuch', which the KeyTable does not have" \
		"$tmp/err"
# The shipped example parses up to the files it names.
run example-conf 1 -n -c "$top/examples/emauth-milter.conf" &&
	check example-conf grep -q \
		"emauth-milter.conf:.*KeyTable /etc/emauth-milter/KeyTable" "$tmp/err"
run no-config-file 1 -c "$tmp/notkey.conf.none" &&
	check no-config-file grep -q 'notkey.conf.none: No such file' "$tmp/err"

# Issue #17: no message quotes a key file. Bad keys of every kind: each is
# refused by -n naming the KeyTable line, and nothing printed holds a run
# of more than 8 of the key file's bytes (a 512-bit key's error quoted the
# PEM text of the private key).
mkdir -p "$tmp/badkeys"
demo=$top/examples/keys/demo2026.private
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 \
	-out "$tmp/badkeys/rsa512" 2>/dev/null
head -c 900 "$demo" >"$tmp/badkeys/truncated"
head -c 1600 /dev/urandom >"$tmp/badkeys/garbage"
openssl pkey -in "$demo" -pubout -out "$tmp/badkeys/public" 2>/dev/null
: >"$tmp/badkeys/empty"
openssl pkey -in "$demo" -outform DER -out "$tmp/badkeys/der" 2>/dev/null
openssl pkey -in "$demo" -aes256 -passout pass:secret \
	-out "$tmp/badkeys/encrypted" 2>/dev/null
openssl rsa -in "$demo" -traditional -aes256 -passout pass:secret \
	-out "$tmp/badkeys/encrypted-pkcs1" 2>/dev/null
chmod 600 "$tmp"/badkeys/*
# no_key_bytes KEY FILE...: no run of 9 bytes of KEY is in the FILEs.
no_key_bytes() {
	/usr/bin/python3 - "$@" <<'PY'
import sys
key = open(sys.argv[1], "rb").read()
out = b"".join(open(f, "rb").read() for f in sys.argv[2:])
for i in range(len(key) - 8):
    if key[i:i + 9] in out:
        print("key bytes in the output: %r" % key[i:i + 9])
        sys.exit(1)
PY
}
# What each is told (the library's message, or emauth-milter's own).
declare -A why=([rsa512]="RSA key size outside 1024-8192 bits"
	[truncated]="not a PEM private key" [garbage]="not a PEM private key"
	[public]="holds a public key" [empty]="is empty"
	[der]="not a PEM private key"
	[encrypted]="is an encrypted private key"
	[encrypted-pkcs1]="is an encrypted private key")
for k in rsa512 truncated garbage public empty der encrypted \
	encrypted-pkcs1; do
	f=$tmp/badkeys/$k
	printf 'x internal.example:s:%s\n' "$f" >"$tmp/KT-bad-$k"
	printf 'Socket inet:0@127.0.0.1\nKeyTable %s\n' "$tmp/KT-bad-$k" \
		>"$tmp/bad-$k.conf"
	# setsid: no terminal for OpenSSL to ask a passphrase on.
	emauth=timeout
	if run "bad-key-$k-refused" 1 20 setsid -w "$milter" -n \
		-c "$tmp/bad-$k.conf" </dev/null; then
		check "bad-key-$k-names-keytable-line" grep -qF \
			"$tmp/KT-bad-$k:1: key x: key file $f: ${why[$k]}" \
			"$tmp/err"
		check "bad-key-$k-not-quoted" no_key_bytes "$f" "$tmp/out" \
			"$tmp/err"
	fi
	emauth=$milter
done
# Issue #17: RSA keys under 2048 bits warn (under 1024: refused above).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
	-out "$tmp/keys/rsa1024.private" 2>/dev/null
chmod 600 "$tmp/keys/rsa1024.private"
printf 'x internal.example:s:%s\n' "$tmp/keys/rsa1024.private" \
	>"$tmp/KT-1024"
printf 'Socket inet:0@127.0.0.1\nKeyTable %s\n' "$tmp/KT-1024" \
	>"$tmp/rsa1024.conf"
run rsa-1024-warns 0 -n -c "$tmp/rsa1024.conf" &&
	check rsa-1024-warns grep -qF \
		"$tmp/KT-1024:1: key x: key file $tmp/keys/rsa1024.private: an RSA key of 1024 bits; RFC 8301 asks for at least 2048" \
		"$tmp/err"

# Issue #17: keys must be readable by UserID (read again as that user on
# SIGHUP), checked at start-up and by -n, not at the next reload. As root
# only: a child takes the user's ids and opens each key.
if [ "$(id -u)" = 0 ]; then
	# Under this script's directory (mode 700): nobody cannot reach them.
	printf 'UserID nobody\n' | cat "$tmp/good.conf" - >"$tmp/user.conf"
	run userid-cannot-read-key 1 -n -c "$tmp/user.conf" &&
		check userid-cannot-read-key grep -qF \
			"$tmp/KeyTable:1: key internal: key file $tmp/keys/internal.private: UserID nobody cannot read it (Permission denied)" \
			"$tmp/err"
	check userid-cannot-read-config-warns grep -qF \
		"$tmp/user.conf: UserID nobody cannot read it (Permission denied): a reload (SIGHUP) will fail" \
		"$tmp/err"
	run userid-option-checked 1 -n -u nobody -c "$tmp/good.conf" &&
		check userid-option-checked grep -qF \
			"UserID nobody cannot read it" "$tmp/err"
	# Where nobody can reach them, owned by nobody.
	chmod 711 "$tmp"
	pub=$tmp/pub
	mkdir -p "$pub/keys"
	chmod 755 "$pub" "$pub/keys"
	cp "$tmp/keys/internal.private" "$tmp/keys/platform.private" "$pub/keys/"
	chown nobody "$pub"/keys/*
	chmod 600 "$pub"/keys/*
	sed "s|$tmp/keys/|$pub/keys/|" "$tmp/KeyTable" >"$pub/KeyTable"
	cp "$tmp/SigningTable" "$pub/SigningTable"
	sed -e "s|^KeyTable .*|KeyTable $pub/KeyTable|" \
		-e "s|^SigningTable .*|SigningTable refile:$pub/SigningTable|" \
		"$tmp/user.conf" >"$pub/user.conf"
	chmod 644 "$pub/KeyTable" "$pub/SigningTable" "$pub/user.conf"
	run userid-reads-keys 0 -n -c "$pub/user.conf" &&
		check userid-reads-keys bash -c \
			"! grep -q 'cannot read' '$tmp/err'"
	# The user's group may read them (mode 640).
	chown root:nogroup "$pub"/keys/*
	chmod 640 "$pub"/keys/*
	run userid-reads-keys-by-group 0 -n -c "$pub/user.conf"
	# Root's own, mode 600: refused, naming the KeyTable line.
	chown root:root "$pub/keys/platform.private"
	chmod 600 "$pub/keys/platform.private"
	run userid-key-owned-by-root 1 -n -c "$pub/user.conf" &&
		check userid-key-owned-by-root grep -qF \
			"$pub/KeyTable:2: key platform: key file $pub/keys/platform.private: UserID nobody cannot read it (Permission denied)" \
			"$tmp/err"
	chmod 700 "$tmp"
else
	echo "ok cli/$AREA/userid-reads-keys # SKIP not root"
fi

# miltertest against a running daemon.
if ! command -v miltertest >/dev/null; then
	echo "not ok cli/$AREA/miltertest (miltertest missing: scripts/install-deps test)"
	exit 1
fi
# start CONF: runs emauth-milter on a free port; sets mpid and sock.
start() {
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sed "s|^Socket inet:0@|Socket inet:$port@|" "$1" >"$1.run"
	"$milter" -f -c "$1.run" >"$tmp/milter.log" 2>&1 &
	mpid=$!
	sock="inet:$port@127.0.0.1"
	for _ in $(seq 1 50); do
		grep -q 'started on' "$tmp/milter.log" && return 0
		sleep 0.1
	done
	return 1
}
stop() {
	kill -TERM "$mpid"
	wait "$mpid"
}
# lt SCRIPT [LABEL [MILTERTEST-ARGS...]]: runs tests/milter/lua/SCRIPT.lua
# against $sock.
lt() {
	local name=$1 label=${2:-$1}
	shift
	[ $# -gt 0 ] && shift
	if miltertest -D sock="$sock" -D dir="$lua" "$@" -s "$lua/$name.lua" \
		>"$tmp/out" 2>"$tmp/err"; then
		echo "ok cli/$AREA/miltertest-$label"
	else
		echo "not ok cli/$AREA/miltertest-$label"
		echo "  $(tail -c 400 "$tmp/out") $(tail -c 400 "$tmp/err")"
		tail -n 4 "$tmp/milter.log" | sed 's/^/  log: /'
		fails=$((fails + 1))
	fi
}
# Issues B1 and B12: 16 DKIM signatures with 253-byte d= and s=, a
# 250-byte local part at a 253-byte domain, a 253-byte HELO and a From
# domain of 208 bytes make an Authentication-Results field over 8 KiB.
# The milter wrote it into 8,192 bytes and, when it did not fit, added no
# field at all; it is added whole. A second message (From bank.example,
# p=reject) is refused, so that its log line is written: its DKIM list
# says how many results it leaves out. miltertest overflows a stack buffer
# on a header modification over about 1 KiB, so this script speaks the
# MTA side of the milter protocol itself. usage: manysigs.py PORT@HOST
cat >"$tmp/manysigs.py" <<'PY'
import socket, struct, sys

def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)

def message(port, host, sigs, helo, mail_from, from_):
    s = socket.create_connection((host, port), timeout=60)
    f = s.makefile("rb")
    def ask(cmd, data=b""):
        s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)
        mods = []
        while True:
            n = struct.unpack(">I", f.read(4))[0]
            d = f.read(n)
            if d[:1] in (b"h", b"i", b"m"):
                mods.append(d)
                continue
            if cmd != b"E":
                assert d[:1] in (b"O", b"c"), (cmd, d[:1])
            return d[:1], mods
    # Version 6, every action; every step sent and answered.
    ask(b"O", struct.pack(">III", 6, 0x1FF, 0))
    ask(b"C", z(helo) + b"4" + struct.pack(">H", 25) + z("127.0.0.3"))
    ask(b"H", z(helo))
    macro = b"M" + z("i", "PYQID")  # the queue id, with MAIL (no reply)
    s.sendall(struct.pack(">I", len(macro) + 1) + b"D" + macro)
    ask(b"M", z(mail_from))
    ask(b"R", z("<bob@receiver.test>"))
    for v in sigs:
        ask(b"L", z("DKIM-Signature", v))
    ask(b"L", z("From", from_))
    ask(b"L", z("Subject", "many signatures"))
    ask(b"N")
    ask(b"B", b"Hello.\r\n")
    reply, mods = ask(b"E")
    s.sendall(struct.pack(">I", 1) + b"Q")
    s.close()
    ars = [m[5:].split(b"\0")[1].decode() for m in mods
           if m[:1] == b"i" and m[5:].split(b"\0")[0] == b"Authentication-Results"]
    return reply, ars

port, host = sys.argv[1].split("@")
l63 = "a" * 63
three = l63 + "." + l63 + "." + l63 + "."
sigs = []
for i in range(1, 17):
    d = "%sd%02d%s.example" % (three, i, "c" * 50)
    s = "%ss%02d%s" % (three, i, "e" * 58)
    assert len(d) == 253 and len(s) == 253
    sigs.append("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s; "
                "h=from:subject; "
                "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA"
                % (d, s))
long = three + "m" * 56 + ".test"
assert len(long) == 253
mf = "<" + "x" * 250 + "@" + long + ">"
# p=none (attacker.example's): accepted, with the whole field.
reply, ars = message(int(port), host, sigs, long, mf,
                     "x@" + three + "attacker.example")
assert reply == b"a", reply
assert len(ars) == 1, "no Authentication-Results added"
ar = ars[0]
assert len(ar) > 8192, len(ar)
assert ar.count("dkim=") == 16, ar.count("dkim=")
assert "dmarc=fail" in ar
# p=reject (bank.example's): refused, and logged.
reply, ars = message(int(port), host, sigs, long, mf, "alerts@bank.example")
assert reply == b"y", reply
# A From problem (nine addresses): refused, and the field added says
# dmarc=permerror with the reason, as emauth verify writes it.
nine = ", ".join("x%d@attacker.example" % i for i in range(9))
reply, ars = message(int(port), host, [], "mail.attacker.example",
                     "<x@attacker.example>", nine)
assert reply == b"y", reply
assert len(ars) == 1, "no Authentication-Results added"
assert "dmarc=permerror (the From field has too many addresses)" in ars[0], \
    ars[0]
assert "header.from" not in ars[0], ars[0]
PY
if start "$tmp/good.conf"; then
	# The start-up line names the version, the configuration and the
	# number of keys (issue #16).
	ver=$("$build/emauth" --version | cut -d' ' -f2)
	check startup-line grep -qF \
		"started on $sock (version $ver, configuration $tmp/good.conf.run, mode sv, 2 keys)" \
		"$tmp/milter.log"
	for t in sign auth forged authres nofrom stream forgedmany bypass \
		forgeddeep mailfromlong fields fivefrom fromspace; do
		lt "$t"
	done
	if /usr/bin/python3 "$tmp/manysigs.py" "${sock#inet:}" \
		>"$tmp/out" 2>"$tmp/err"; then
		echo "ok cli/$AREA/manysigs-authres-over-8k-added"
	else
		echo "not ok cli/$AREA/manysigs-authres-over-8k-added"
		echo "  $(tail -c 400 "$tmp/err")"
		fails=$((fails + 1))
	fi
	# A4: the whole reverse-path names attacker.example, which does not
	# list the bank's server.
	check mailfromlong-spf-fail-reject grep -q \
		'ip=127.0.0.10 from=bank.example iprev=pass spf=fail dkim=none dmarc=fail action=reject' \
		"$tmp/milter.log"
	# B12: the log's DKIM list says how many it leaves out.
	check manysigs-log-dkim-more grep -qE \
		'ip=127.0.0.3 from=bank.example .* dkim=permerror\([a-z0-9.]{253}\),permerror\([a-z0-9.]{253}\) \(\+14 more\) dmarc=fail action=reject' \
		"$tmp/milter.log"
	check bypass-oversized-key-reject grep -q \
		'ip=127.0.0.3 from=bank.example iprev=[a-z]* spf=pass dkim=permerror(attacker.example) dmarc=fail action=reject' \
		"$tmp/milter.log"
	check bypass-five-domains-reject grep -q \
		'ip=127.0.0.3 from=bank.example iprev=[a-z]* spf=pass dkim=none dmarc=fail action=reject' \
		"$tmp/milter.log"
	check forged-logged-reject grep -q \
		'ip=127.0.0.2 from=bank.example .*dmarc=fail action=reject' \
		"$tmp/milter.log"
	check fields-1001-logged grep -q \
		'header block over [0-9]* bytes or 1000 fields: not signed' \
		"$tmp/milter.log"
	check fivefrom-logged-reject grep -q \
		'ip=127.0.0.2 from=(none) .*dmarc=permerror action=reject' \
		"$tmp/milter.log"
	check nofrom-logged-reject grep -q \
		'from=(none) .*dmarc=permerror action=reject' "$tmp/milter.log"
	check forgedmany-logged-reject grep -q \
		'action=reject: over 1000 forged Authentication-Results' \
		"$tmp/milter.log"
	stop
	check sigterm-exit-0 [ $? -eq 0 ]
	check no-sanitizer-report \
		bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/milter.log'"
else
	check milter-start false
fi
# Without AuthservID: the host name is the id of the field added and of
# the forged fields removed. InternalHosts takes .internal.example names
# (A14), and nine SigningTable lines match internal.example (B17).
hn=$(hostname)
[[ $hn =~ ^[A-Za-z0-9._+-]+$ ]] || hn=localhost
for i in 1 2 3 4 5; do
	printf '*@internal.example internal\n*@internal.example platform\n'
done | head -9 >"$tmp/ST9"
sed -e '/^AuthservID /d' -e "s|refile:$tmp/SigningTable|refile:$tmp/ST9|" \
	"$tmp/good.conf" >"$tmp/noid.conf"
printf 'InternalHosts .internal.example\n' >>"$tmp/noid.conf"
if start "$tmp/noid.conf"; then
	lt forgedhost forgedhost -D host="$hn"
	lt longhost
	lt sign sign-nine-matches -D want=8
	check sign-nine-matches-logged grep -q \
		'more than 8 SigningTable entries match alice@internal.example: only the first 8 sign' \
		"$tmp/milter.log"
	stop
	check noid-no-sanitizer-report \
		bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/milter.log'"
else
	check milter-start-no-authserv-id false
fi
# Issue #17: without MultipleSignatures (OpenDKIM's default) only the
# first matching SigningTable line signs.
sed '/^MultipleSignatures /d' "$tmp/good.conf" >"$tmp/first.conf"
if start "$tmp/first.conf"; then
	lt signfirst
	stop
else
	check milter-start-first-only false
fi
# A key that goes bad before a reload: the log names the KeyTable line
# and quotes nothing of the key; the running configuration is kept.
mkdir -p "$tmp/rk"
cp "$tmp/keys/internal.private" "$tmp/keys/platform.private" "$tmp/rk/"
sed "s|$tmp/keys/|$tmp/rk/|" "$tmp/KeyTable" >"$tmp/KT-rk"
sed "s|^KeyTable .*|KeyTable $tmp/KT-rk|" "$tmp/good.conf" >"$tmp/rk.conf"
if start "$tmp/rk.conf"; then
	cat "$tmp/badkeys/rsa512" >"$tmp/rk/internal.private"
	kill -HUP "$mpid"
	for _ in $(seq 1 50); do
		grep -q 'reload: ' "$tmp/milter.log" && break
		sleep 0.1
	done
	check reload-bad-key-names-keytable-line grep -qF \
		"reload: $tmp/KT-rk:1: key internal: key file $tmp/rk/internal.private: RSA key size outside 1024-8192 bits; keeping the running configuration" \
		"$tmp/milter.log"
	check reload-bad-key-not-quoted no_key_bytes "$tmp/badkeys/rsa512" \
		"$tmp/milter.log"
	stop
else
	check milter-start-reload-key false
fi
conf 0 quarantine >"$tmp/q.conf"
if start "$tmp/q.conf"; then
	lt quarantine
	stop
else
	check milter-start-quarantine false
fi
sed 's/^Mode sv/Mode v/' "$tmp/good.conf" >"$tmp/v.conf"
if start "$tmp/v.conf"; then
	lt verifyonly
	stop
else
	check milter-start-verify-only false
fi
sed 's/^Mode sv/Mode s/' "$tmp/good.conf" >"$tmp/s.conf"
if start "$tmp/s.conf"; then
	lt signonly
	# SIGTERM while a message is in flight: it is finished, then the
	# milter exits.
	miltertest -D sock="$sock" -D dir="$lua" -s "$lua/inflight.lua" \
		>"$tmp/inflight.out" 2>&1 &
	mtpid=$!
	sleep 1
	kill -TERM "$mpid"
	wait "$mtpid"
	check sigterm-message-in-flight-finished [ $? -eq 0 ]
	wait "$mpid"
	check sigterm-after-message-exit-0 [ $? -eq 0 ]
else
	check milter-start-sign-only false
fi
# Issue #17: SIGTERM stops taking connections first, then finishes the
# messages in flight: a new connection is refused, a new message on an
# open session is told to try later, the message in flight is signed.
if start "$tmp/good.conf"; then
	miltertest -D sock="$sock" -D dir="$lua" -s "$lua/drain.lua" \
		>"$tmp/drain.out" 2>&1 &
	mtpid=$!
	sleep 1
	kill -TERM "$mpid"
	wait "$mtpid"
	rc=$?
	check sigterm-refuses-new-finishes-in-flight [ $rc -eq 0 ]
	[ $rc -eq 0 ] || sed 's/^/  /' "$tmp/drain.out"
	wait "$mpid"
	check sigterm-drain-exit-0 [ $? -eq 0 ]
	check sigterm-drain-logged grep -q \
		'stopping: no new connections or messages; 1 messages in flight' \
		"$tmp/milter.log"
	check sigterm-drain-no-sanitizer-report bash -c \
		"! grep -qE 'Sanitizer|runtime error' '$tmp/milter.log'"
else
	check milter-start-drain false
fi

# In the background (no -f) on a local socket: the pid file, the socket's
# mode from UMask, signing through it, and SIGTERM.
sed -e "s|^Socket .*|Socket local:$tmp/m.sock|" "$tmp/good.conf" >"$tmp/bg.conf"
printf 'PidFile %s/m.pid\nUMask 007\n' "$tmp" >>"$tmp/bg.conf"
"$milter" -c "$tmp/bg.conf" >"$tmp/bg.out" 2>&1
check background-start [ $? -eq 0 ]
for _ in $(seq 1 50); do
	[ -s "$tmp/m.pid" ] && [ -S "$tmp/m.sock" ] && break
	sleep 0.1
done
bgpid=$(cat "$tmp/m.pid" 2>/dev/null)
# A pid or nothing: "kill 0" would signal this script's own process group.
case $bgpid in '' | *[!0-9]* | 0) bgpid= ;; esac
check background-pidfile bash -c "[ -n '$bgpid' ] && kill -0 '$bgpid'"
check local-socket-umask [ "$(stat -c %a "$tmp/m.sock" 2>/dev/null)" = 770 ]
sock="local:$tmp/m.sock"
lt sign sign-local-socket
if [ -n "$bgpid" ]; then
	kill -TERM "$bgpid"
	for _ in $(seq 1 100); do
		kill -0 "$bgpid" 2>/dev/null || break
		sleep 0.1
	done
fi
check background-sigterm bash -c "[ -n '$bgpid' ] && ! kill -0 '$bgpid' 2>/dev/null && [ ! -e '$tmp/m.pid' ]"

# SIGUSR1 logs one statistics line, with the DNS answer cache that all of
# a configuration's library contexts share. DNS here comes from NSD on a
# free loopback port through libunbound (the zone back end has no answer
# cache). Two messages from the bank's own server on two connections open
# at once, so on two contexts: the second finds every answer the first
# left (hits >= misses; with a cache per context it would miss as often).
nsd_port=$(/usr/bin/python3 -c 'import socket
t=socket.socket(); t.bind(("127.0.0.1",0)); p=t.getsockname()[1]
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1",p))
print(p)')
mkdir -p "$tmp/nsd"
cat >"$tmp/nsd/nsd.conf" <<NSD
server:
	ip-address: 127.0.0.1@$nsd_port
	do-ip6: no
	username: ""
	database: ""
	zonesdir: "$tmp/nsd"
	pidfile: "$tmp/nsd/nsd.pid"
	logfile: "$tmp/nsd/nsd.log"
	zonelistfile: "$tmp/nsd/zone.list"
	xfrdfile: "$tmp/nsd/xfrd.state"
	xfrdir: "$tmp/nsd"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
NSD
# An empty root zone: NXDOMAIN, as from a recursive resolver, for names
# outside the others (the DMARC tree walk asks some).
printf '$ORIGIN .\n$TTL 300\n. IN SOA ns.root.test. h.root.test. 1 3600 600 86400 300\n. IN NS ns.root.test.\n' \
	>"$tmp/nsd/root.zone"
printf 'zone:\n\tname: "."\n\tzonefile: "%s"\n' "$tmp/nsd/root.zone" \
	>>"$tmp/nsd/nsd.conf"
for f in "$top"/tests/milter/zones/*.zone; do
	printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
		"$(basename "$f" .zone)" "$f" >>"$tmp/nsd/nsd.conf"
done
: >"$tmp/nsd/nsd.log"
nsd -d -c "$tmp/nsd/nsd.conf" >>"$tmp/nsd/nsd.log" 2>&1 &
nsdpid=$!
for _ in $(seq 1 100); do
	grep -q 'nsd started' "$tmp/nsd/nsd.log" && break
	sleep 0.1
done
check stats-nsd-started grep -q 'nsd started' "$tmp/nsd/nsd.log"
sed "s|^DNS .*|DNS server:127.0.0.1@$nsd_port|" "$tmp/good.conf" \
	>"$tmp/stats.conf"
cat >"$tmp/twoconn.lua" <<'LUA'
-- Two connections from the bank's server, both past MAIL FROM before
-- either message ends: each holds its own library context.
dofile(dir .. "/common.lua")
local hdrs = {{"From", "Bank <alerts@bank.example>"},
	{"Subject", "statement"}}
local a = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
local b = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
send(b, hdrs, "Your statement.\r\n")
check(mt.getreply(b) == SMFIR_ACCEPT, "b accepted")
send(a, hdrs, "Your statement.\r\n")
check(mt.getreply(a) == SMFIR_ACCEPT, "a accepted")
for _, conn in ipairs({a, b}) do
	local ar = mt.getheader(conn, "Authentication-Results", 0) or ""
	check(string.find(ar, "spf=pass", 1, true), "spf=pass: " .. ar)
	check(string.find(ar, "dmarc=pass", 1, true), "dmarc=pass: " .. ar)
end
mt.disconnect(a)
mt.disconnect(b)
LUA
# stat NAME: NAME=N from the last statistics line.
stat() {
	grep 'statistics:' "$tmp/milter.log" | tail -1 |
		sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}
if start "$tmp/stats.conf"; then
	if miltertest -D sock="$sock" -D dir="$lua" -s "$tmp/twoconn.lua" \
		>"$tmp/out" 2>"$tmp/err"; then
		echo "ok cli/$AREA/stats-two-messages-verified"
	else
		echo "not ok cli/$AREA/stats-two-messages-verified"
		echo "  $(tail -c 400 "$tmp/out") $(tail -c 400 "$tmp/err")"
		fails=$((fails + 1))
	fi
	kill -USR1 "$mpid"
	for _ in $(seq 1 50); do
		grep -q 'statistics:' "$tmp/milter.log" && break
		sleep 0.1
	done
	check stats-sigusr1-logged-and-running bash -c \
		"grep -q 'statistics: messages=2 signed=0 verified=2 rejected=0 tempfailed=0 dns-cache-bytes=' '$tmp/milter.log' && kill -0 $mpid"
	hits=$(stat dns-cache-hits) misses=$(stat dns-cache-misses)
	entries=$(stat dns-cache-entries) bytes=$(stat dns-cache-bytes)
	check stats-dns-cache-filled bash -c \
		"[ '${entries:-0}' -gt 0 ] && [ '${bytes:-0}' -gt 0 ]"
	check stats-dns-cache-shared-by-contexts bash -c \
		"[ '${misses:-0}' -gt 0 ] && [ '${hits:-0}' -ge '${misses:-0}' ]"
	# Every miss was cached, nothing evicted or failed.
	check stats-dns-cache-entries-per-miss [ "${entries:-0}" = "${misses:-}" ]
	stop
	check stats-sigterm-exit-0 [ $? -eq 0 ]
	check stats-logged-at-exit \
		[ "$(grep -c 'statistics: messages=2 ' "$tmp/milter.log")" -eq 2 ]
	check stats-no-sanitizer-report \
		bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/milter.log'"
else
	check milter-start-stats false
fi
kill "$nsdpid" 2>/dev/null
wait "$nsdpid" 2>/dev/null

# Files that are not regular files are refused at once (-n), naming the
# path and what it is: a FIFO or /dev/zero used to hang the milter, a
# directory to pass as an empty table. Under "timeout 20", so that a
# regression fails instead of hanging.
mkdir -p "$tmp/adir"
mkfifo "$tmp/afifo"
cp "$top/examples/keys/demo2026.private" "$tmp/keys/big.private"
truncate -s 65537 "$tmp/keys/big.private"
chmod 600 "$tmp/keys/big.private"
# refused NAME CONF-LINE WANT: -n on a configuration with CONF-LINE as
# its third line exits 1 with WANT in its error.
refused() {
	printf 'Mode sv\nSocket inet:0@127.0.0.1\n%s\n' "$2" >"$tmp/$1.conf"
	emauth=timeout
	run "$1" 1 20 "$milter" -n -c "$tmp/$1.conf" &&
		check "$1" grep -qF "$1.conf:3: $3" "$tmp/err"
	emauth=$milter
}
refused keytable-directory "KeyTable $tmp/adir" \
	"KeyTable $tmp/adir: is a directory"
refused signingtable-dev-zero "SigningTable refile:/dev/zero" \
	"SigningTable /dev/zero: is not a regular file (a character device)"
refused signingtable-fifo "SigningTable $tmp/afifo" \
	"SigningTable $tmp/afifo: is not a regular file (a FIFO)"
refused internalhosts-fifo "InternalHosts file:$tmp/afifo" \
	"host list $tmp/afifo: is not a regular file (a FIFO)"
printf 'Mode v\nAuthservID mx\0junk\n' >"$tmp/nul.conf"
emauth=timeout
run config-nul-byte 1 20 "$milter" -n -c "$tmp/nul.conf" &&
	check config-nul-byte grep -qF "nul.conf:2: NUL byte" "$tmp/err"
run config-fifo 1 20 "$milter" -n -c "$tmp/afifo" &&
	check config-fifo grep -qF \
		"$tmp/afifo: is not a regular file (a FIFO)" "$tmp/err"
run config-directory 1 20 "$milter" -n -c "$tmp/adir" &&
	check config-directory bash -c "grep -qF '$tmp/adir: is a directory' \
		'$tmp/err' && ! grep -q good '$tmp/out'"
# Key files: the same rules, and a cap of 64 KiB that is an error.
# key_refused NAME FILE WANT
key_refused() {
	printf 'x internal.example:s:%s\n' "$2" >"$tmp/KT-$1"
	printf 'KeyTable %s\nSocket inet:0@127.0.0.1\n' "$tmp/KT-$1" \
		>"$tmp/$1.conf"
	run "$1" 1 20 "$milter" -n -c "$tmp/$1.conf" &&
		check "$1" grep -qF \
			"$tmp/KT-$1:1: key x: key file $2: $3" "$tmp/err"
}
key_refused key-file-fifo "$tmp/afifo" "is not a regular file (a FIFO)"
key_refused key-file-directory "$tmp/adir" "is a directory"
key_refused key-file-over-64k "$tmp/keys/big.private" \
	"is larger than 65536 bytes"
emauth=$milter
[ "$fails" -eq 0 ]
