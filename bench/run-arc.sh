#!/bin/bash
# run-arc.sh: ARC (RFC 8617) chain validations per second of one
# three-hop chain, emauth beside dkimpy and Mail::DKIM, in one run; prints
# one markdown table of medians with the ratios.
#
#   bench/run-arc.sh [-t SECONDS] [-r ROUNDS] [-o OUTDIR] [BUILD-DIR]
#
# The message, made fresh in OUTDIR (default: a new /tmp/arc-bench.*) with
# emauth's CLI: a 2 KB list post from origin.example, DKIM-signed there,
# then three hops as in tests/interop/arc_peers.sh. Each hop verifies the
# incoming message (`emauth dkim verify`, `emauth arc verify`), adds
# "Received:" and "Authentication-Results: mx.hopN.example;
# dkim=... header.d=origin.example; arc=..." on top, changes the message
# (hop 1 tags the subject "[list]", hop 2 appends a footer to the body,
# hop 3 adds "X-List: yes") and seals with `emauth arc seal` as
# hopN.example. Every key is RSA-2048 (`emauth keygen`). The chain passes;
# the footer breaks the first ARC-Message-Signature, so the answer is
# pass with oldest-pass 2, AMS 1:fail,2:pass,3:pass. The message that
# is verified is about 7 KB (message.eml in OUTDIR).
#
# Each round runs every program for SECONDS (default 3) on that file, in
# process, one core, without DNS (emauth: zone files through the zone back
# end; dkimpy: dnsfunc=; Mail::DKIM: a replaced Mail::DKIM::DNS::query),
# the order of the programs turned by one each round; the table shows the
# medians of ROUNDS rounds (default 1). Each program first checks its
# answer (cv=pass and the expected per-instance results; mismatches=1 in
# the table otherwise) and prints the SHA-256 of the bytes it verifies,
# which must be the file's for all of them.
#
# The three check the same signatures: the three ARC-Seals and the three
# ARC-Message-Signatures (emauth the older two for oldest-pass, its
# default; the peers always). That is five RSA-2048 verifications for
# emauth and dkimpy, which compare AMS 1's body hash first and stop, and
# six for Mail::DKIM, which checks AMS 1's signature before its body
# hash. emauth-fresh makes a new context per message (zones loaded, keys
# fetched and parsed), as the peers parse the keys for every message;
# emauth-no-oldest (-O) skips the older AMSs (four verifications) and is
# shown for information only.
#
# Needs: a build with bench/ (buildtype=release for figures worth
# recording), python3-dkim (for /usr/bin/python3), libmail-dkim-perl,
# libnet-dns-perl, openssl.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
secs=3
rounds=1
out=
cmdline="$0 $*"
while getopts t:o:r: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	o) out=$OPTARG ;;
	*)
		sed -n '6p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 2
emauth=$build/emauth
ab=$build/bench/arc_bench
for f in "$ab" "$emauth"; do
	[ -x "$f" ] || {
		echo "run-arc.sh: $f missing; build first (meson + ninja)" >&2
		exit 2
	}
done
"$py" -c 'import dkim; dkim.arc_verify' 2>/dev/null || {
	echo "run-arc.sh: python3-dkim missing for $py" >&2
	exit 2
}
perl -MNet::DNS -MDigest::SHA -MMail::DKIM::ARC::Verifier -e1 2>/dev/null || {
	echo "run-arc.sh: libmail-dkim-perl or libnet-dns-perl missing" >&2
	exit 2
}
[ -n "$out" ] || out=$(mktemp -d /tmp/arc-bench.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/raw.txt
: >"$log"
fail() {
	echo "run-arc.sh: $*" >&2
	exit 1
}

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo -)"
	echo "command: $cmdline"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$log"

# Keys and zones: origin.example signs DKIM, hopN.example seals.
zones=
: >"$out/keys.txt"
for d in origin hop1 hop2 hop3; do
	mkdir -p "$out/$d"
	"$emauth" keygen --domain "$d.example" --selector "s$d" \
	    --directory "$out/$d" --force >/dev/null ||
		fail "emauth keygen for $d.example failed"
	{
		# shellcheck disable=SC2016
		printf '$ORIGIN %s.example.\n$TTL 300\n' "$d"
		printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n'
		printf '@ IN NS ns\nns IN A 192.0.2.53\n'
		cat "$out/$d/s$d.txt"
	} >"$out/$d.zone"
	zones=${zones:+$zones,}$out/$d.zone
	# The TXT record's character-strings, joined, before the comment.
	printf 's%s._domainkey.%s.example %s\n' "$d" "$d" \
	    "$(tr -d '\n' <"$out/$d/s$d.txt" | sed 's/)[^)]*$//' |
		grep -o '"[^"]*"' | tr -d '"\n')" >>"$out/keys.txt"
done
dns=zone:$zones

# The start: a list post of about 2 KB, DKIM-signed by origin.example.
{
	printf '%s\r\n' \
	    'Received: from [198.51.100.23] (client.origin.example [198.51.100.23])' \
	    '	by smtp.origin.example with ESMTPSA id 7Hq2Kx0b9N' \
	    '	for <list@hop1.example>; Thu, 03 Dec 2026 09:00:02 +0000' \
	    'From: Alice Example <alice@origin.example>' \
	    'To: Project list <list@hop1.example>' \
	    'Subject: Minutes of the release meeting' \
	    'Date: Thu, 03 Dec 2026 09:00:00 +0000' \
	    'Message-ID: <20261203090000.5521@origin.example>' \
	    'MIME-Version: 1.0' \
	    'Content-Type: text/plain; charset=utf-8; format=flowed' \
	    'Content-Transfer-Encoding: 8bit' \
	    '' 'Hello all,' '' \
	    'here are the minutes of this morning'"'"'s release meeting.'
	for i in $(seq 1 14); do
		printf '%s\r\n' "$i. Item $i: reviewed the open issues for this part," \
		    "   agreed on the owners and the dates; see the tracker."
	done
	printf '%s\r\n' '' 'Next meeting: Thursday, same time.' '' '-- ' 'Alice'
} >"$out/start.eml"
"$emauth" dkim sign --domain origin.example --selector sorigin \
    --key "$out/origin/sorigin.private" "$out/start.eml" \
    >"$out/hop0.eml" || fail "emauth dkim sign failed"

# The hops. Seal times a little in the past (dkimpy refuses t= in the
# future).
now=$(date +%s)
for n in 1 2 3; do
	in=$out/hop$((n - 1)).eml
	dres=$("$emauth" dkim verify --dns "$dns" --json "$in" |
	    "$py" -c 'import json,sys; s=json.load(sys.stdin)["signatures"]; print(s[0]["result"] if s else "none")')
	ares=$("$emauth" arc verify --dns "$dns" --json "$in" |
	    "$py" -c 'import json,sys; print(json.load(sys.stdin)["cv"])')
	echo "hop $n: the incoming message has dkim=$dres arc=$ares" >>"$log"
	"$py" - "$n" "$dres" "$ares" "$in" "$out/pre$n.eml" <<'EOF' ||
import sys
n, dres, ares, inp, outp = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
data = open(inp, "rb").read()
head, sep, body = data.partition(b"\r\n\r\n")
if not sep:
    sys.exit("no end of header (or not CRLF)")
fields = []
for line in head.split(b"\r\n"):
    if line[:1] in (b" ", b"\t") and fields:
        fields[-1] += b"\r\n" + line
    else:
        fields.append(line)
prev = b"smtp.origin.example" if n == 1 else b"mx.hop%d.example" % (n - 1)
top = [
    b"Authentication-Results: mx.hop%d.example;\r\n\tdkim=%s header.d=origin.example;\r\n\tarc=%s"
    % (n, dres.encode(), ares.encode()),
    b"Received: from %s (%s [192.0.2.%d])\r\n\tby mx.hop%d.example with ESMTPS id H%dq7Lm2Zx;\r\n\tThu, 03 Dec 2026 09:0%d:00 +0000"
    % (prev, prev, 10 + n, n, n, n),
]
if n == 1:
    idx = [i for i, f in enumerate(fields) if f.lower().startswith(b"subject:")]
    name, value = fields[idx[0]].split(b":", 1)
    fields[idx[0]] = name + b": [list] " + value.lstrip(b" \t")
elif n == 2:
    body += b"_______________________________________________\r\nlist mailing list\r\nlist@hop2.example\r\nhttps://lists.hop2.example/list\r\n"
else:
    top.insert(0, b"X-List: yes")
open(outp, "wb").write(b"\r\n".join(top + fields) + b"\r\n\r\n" + body)
EOF
		fail "hop $n: the edit failed"
	"$emauth" arc seal --domain "hop$n.example" --selector "shop$n" \
	    --key "$out/hop$n/shop$n.private" --authserv-id "mx.hop$n.example" \
	    --dns "$dns" --timestamp $((now - 400 + 100 * n)) "$out/pre$n.eml" \
	    >"$out/hop$n.eml" || fail "hop $n: emauth arc seal failed"
done
msg=$out/hop3.eml
cp "$msg" "$out/message.eml"
msg=$out/message.eml
# CRLF throughout: the peers get the bytes as they are.
"$py" -c 'import re,sys; d=open(sys.argv[1],"rb").read(); sys.exit(1 if re.search(rb"(?<!\r)\n|\r(?!\n)", d) else 0)' "$msg" ||
	fail "$msg: not CRLF throughout"
sum=$(sha256sum "$msg" | cut -d' ' -f1)
bytes=$(wc -c <"$msg")
echo "message: $msg, $bytes bytes, sha256 $sum" | tee -a "$log"
"$emauth" arc verify --dns "$dns" "$msg" >>"$log" 2>&1 ||
	fail "$msg: emauth arc verify does not say pass"

# One reference: what openssl speed says RSA-2048 verification costs.
openssl speed -seconds 1 -mr rsa2048 2>/dev/null | grep '^+F2:' | tee -a "$log"

run() { "$@" 2>&1 | grep -E '^(bench|check|input)=' | tee -a "$log"; }
ams=1:fail,2:pass,3:pass
job() {
	case $1 in
	0) run "$ab" -d "$dns" -e 2 -t "$secs" -l arc3 "$msg" ;;
	1) run "$ab" -d "$dns" -e 2 -f -t "$secs" -l arc3-fresh "$msg" ;;
	2) run "$ab" -d "$dns" -O -t "$secs" -l arc3-no-oldest "$msg" ;;
	3) run "$py" "$top/bench/arc_bench_dkimpy.py" -q "$out/keys.txt" \
	    -e "$ams" -t "$secs" -l arc3 "$msg" ;;
	4) run perl "$top/bench/arc_bench_maildkim.pl" -q "$out/keys.txt" \
	    -e "$ams" -t "$secs" -l arc3 "$msg" ;;
	esac
}
njobs=5
for ((round = 1; round <= rounds; round++)); do
	echo "== round $round" | tee -a "$log"
	for ((j = 0; j < njobs; j++)); do
		job $(((j + round - 1) % njobs))
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"

"$py" - "$log" "$sum" "$bytes" <<'EOF'
import re, statistics, sys
log, want_sum, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
rates, bad, rss, sums, checks, rsa = {}, {}, {}, {}, {}, None
order = []
for line in open(log):
    m = re.match(r"bench=(\S+) evaluations=\d+ seconds=\S+ rate=(\S+) "
                 r"maxrss_kib=(\d+) mismatches=(\d+)", line)
    if m:
        if m[1] not in rates:
            order.append(m[1])
        rates.setdefault(m[1], []).append(float(m[2]))
        rss[m[1]] = max(rss.get(m[1], 0), int(m[3]))
        bad[m[1]] = bad.get(m[1], 0) + int(m[4])
        continue
    m = re.match(r"input=(\S+) bytes=(\d+) sha256=(\S+)", line)
    if m:
        sums.setdefault(m[1], set()).add((int(m[2]), m[3]))
        continue
    m = re.match(r"check=(\S+) (cv=\S+).*? (ams=\S+) (as=\S+)", line)
    if m:
        checks[m[1]] = "%s %s %s" % (m[2], m[3], m[4])
        continue
    if line.startswith("+F2:") and ":2048:" in line:
        rsa = float(line.strip().split(":")[4])
names = [n for n in ("emauth-arc3", "emauth-arc3-fresh", "dkimpy-arc3",
                     "maildkim-arc3", "emauth-arc3-no-oldest") if n in rates]
names += [n for n in order if n not in names]
med = {n: statistics.median(v) for n, v in rates.items()}
same = all(s == {(nbytes, want_sum)} for s in sums.values()) and \
    set(sums) >= set(rates)
e, ef = med.get("emauth-arc3"), med.get("emauth-arc3-fresh")
nr = max(len(v) for v in rates.values()) if rates else 0
print()
print("ARC chain validation, 3 hops (RSA-2048), %d-byte message; medians "
      "of %d round%s:" % (nbytes, nr, "" if nr == 1 else "s"))
print()
print("| verifier | validations/s | emauth / this | emauth fresh / this "
      "| per round | peak RSS KiB | checked answer |")
print("|---|---:|---:|---:|---|---:|---|")
for n in names:
    r = med[n]
    peer = not n.startswith("emauth-")
    ratio = "%.1fx" % (e / r) if peer and e and r else "-"
    ratiof = "%.1fx" % (ef / r) if peer and ef and r else "-"
    ans = checks.get(n, "?")
    if bad.get(n):
        ans += " MISMATCH"
    print("| %s | %.0f | %s | %s | %s | %d | %s |" % (
        n, r, ratio, ratiof, " ".join("%.0f" % x for x in rates[n]),
        rss[n], ans))
print()
for p in ("dkimpy-arc3", "maildkim-arc3"):
    if p in rates and "emauth-arc3" in rates:
        pr = [a / b for a, b in zip(rates["emauth-arc3"], rates[p]) if b]
        print("emauth / %s per round: %s" % (
            p.split("-")[0], " ".join("%.1fx" % x for x in pr)))
if rsa:
    print("openssl speed rsa2048 verify: %.0f/s; at five RSA "
          "verifications per chain (emauth, dkimpy; Mail::DKIM does six): "
          "at most %.0f chains/s" % (rsa, rsa / 5))
print("same bytes verified by all: %s (%d bytes, sha256 %s)" % (
    "yes" if same else "NO", nbytes, want_sum))
print("mismatches: %d" % sum(bad.values()))
print("raw output: " + log)
sys.exit(0 if same and not sum(bad.values()) else 1)
EOF
