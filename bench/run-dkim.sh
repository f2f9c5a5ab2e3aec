#!/bin/bash
# run-dkim.sh: DKIM sign and verify throughput, emauth beside OpenDKIM,
# dkimpy and Mail::DKIM and beside what `openssl speed` says the machine can
# do, in one run; prints one table.
#
#   bench/run-dkim.sh [-t SECONDS] [-r ROUNDS] [-o OUTDIR] [BUILD-DIR]
#
# With -r N, `openssl speed` and the emauth rows run N times, one round
# after the other, and the table shows the medians (a virtual CPU's speed
# drifts by 10% or more from one minute to the next; the peers run once,
# after the rounds).
#
# Messages of 2 KB, 20 KB and 200 KB (bench/dkim_msgs.py), keys RSA-2048
# and Ed25519 (examples/keys), relaxed/relaxed, one signature. Every
# program works in process on the message held in memory, one core, and
# takes its key record without DNS (emauth: the zone back end and its
# caches; the peers: a key file or a replaced DNS lookup), so the figures
# compare DKIM work, not resolvers. Verification inputs are the messages
# signed by emauth; every program first checks that its first operation
# succeeds (mismatches=1 in the table otherwise).
#
# The limit: 1 / (1 / signature operations per second + message bytes /
# SHA-256 bytes per second), from `openssl speed` (rsa2048, ed25519, and
# sha256 on 16 KB blocks) run in the same session. It counts the signature
# and one pass of SHA-256 over the message and nothing else (no parsing, no
# canonicalization, no second hash of the header block). The column
# "turns" is the same limit measured inside dkim_bench (-L), its operation
# and emauth's taking turns every 20 ms: emauth's rate over the limit's
# when both ran in the same seconds, which a drift of the CPU's speed
# cannot tilt.
#
# Needs: a build with bench/ (buildtype=release for figures worth
# recording), libopendkim-dev at build time for dkim_bench_opendkim,
# python3-dkim, libmail-dkim-perl, openssl.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
secs=3
rounds=1
out=
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
b=$build/bench
for f in "$b/dkim_bench" "$build/emauth"; do
	[ -x "$f" ] || {
		echo "run-dkim.sh: $f missing; build first (meson + ninja)" >&2
		exit 2
	}
done
[ -n "$out" ] || out=$(mktemp -d /tmp/dkim-bench.XXXXXX)
mkdir -p "$out"
log=$out/raw.txt
: >"$log"

keys=$top/examples/keys
zone=zone:$top/examples/zones/example.com.zone
rsa=$keys/demo2026.private
ed=$keys/demo2026e.private

# The messages, signed copies, the key file for the peers, a PKCS#1 key for
# Mail::DKIM's signer.
"$py" "$top/bench/dkim_msgs.py" "$out" || exit 1
for s in demo2026 demo2026e; do
	printf '%s._domainkey.example.com %s\n' "$s" \
	    "$(sed -n 's/.*"\(.*\)".*/\1/p' "$keys/$s.txt" | tr -d '\n')"
done >"$out/keys.txt"
openssl rsa -in "$rsa" -traditional -out "$out/rsa-pkcs1.pem" 2>/dev/null
sizes="2k 20k 200k"
for m in $sizes; do
	"$build/emauth" dkim sign --domain example.com --selector demo2026 \
	    --key "$rsa" "$out/msg-$m.eml" >"$out/msg-$m.rsa.eml" || exit 1
	"$build/emauth" dkim sign --domain example.com --selector demo2026e \
	    --key "$ed" "$out/msg-$m.eml" >"$out/msg-$m.ed.eml" || exit 1
done

# The machine's limit (openssl speed takes whole seconds).
osecs=${secs%.*}
[ "${osecs:-0}" -ge 1 ] || osecs=1
run() { "$@" 2>&1 | grep -E '^(bench|limit)=' | tee -a "$log"; }

odk=$b/dkim_bench_opendkim
pyb=$top/bench/dkim_bench_dkimpy.py
plb=$top/bench/dkim_bench_maildkim.pl
for ((round = 1; round <= rounds; round++)); do
	echo "== round $round: openssl speed" | tee -a "$log"
	openssl speed -seconds "$osecs" -mr rsa2048 ed25519 2>/dev/null |
	    grep '^+F' | tee -a "$log"
	openssl speed -seconds "$osecs" -mr -bytes 16384 sha256 2>/dev/null |
	    grep '^+F' | tee -a "$log"
	for m in $sizes; do
		msg=$out/msg-$m.eml
		echo "== round $round: emauth $m" | tee -a "$log"
		run "$b/dkim_bench" -m sign -k "$rsa" -t "$secs" -L "$rsa" \
		    -l "sign-rsa-$m" "$msg"
		run "$b/dkim_bench" -m sign -k "$ed" -s demo2026e -t "$secs" \
		    -L "$ed" -l "sign-ed25519-$m" "$msg"
		run "$b/dkim_bench" -m verify -d "$zone" -t "$secs" -L "$rsa" \
		    -l "verify-rsa-$m" "$out/msg-$m.rsa.eml"
		run "$b/dkim_bench" -m verify -d "$zone" -t "$secs" -L "$ed" \
		    -l "verify-ed25519-$m" "$out/msg-$m.ed.eml"
		run "$b/dkim_bench" -m verify -d "$zone" -f -t "$secs" \
		    -l "verify-rsa-fresh-$m" "$out/msg-$m.rsa.eml"
	done
done

for m in $sizes; do
	msg=$out/msg-$m.eml
	echo "== peers $m" | tee -a "$log"
	if [ -x "$odk" ]; then
		run "$odk" -m sign -k "$rsa" -t "$secs" -l "sign-rsa-$m" "$msg"
		run "$odk" -m sign -a ed25519 -k "$ed" -s demo2026e \
		    -t "$secs" -l "sign-ed25519-$m" "$msg"
		run "$odk" -m verify -q "$out/keys.txt" -t "$secs" \
		    -l "verify-rsa-$m" "$out/msg-$m.rsa.eml"
		run "$odk" -m verify -q "$out/keys.txt" -t "$secs" \
		    -l "verify-ed25519-$m" "$out/msg-$m.ed.eml"
	fi
	run "$py" "$pyb" -m sign -k "$rsa" -t "$secs" -l "sign-rsa-$m" "$msg"
	run "$py" "$pyb" -m sign -a ed25519 -k "$ed" -s demo2026e \
	    -t "$secs" -l "sign-ed25519-$m" "$msg"
	run "$py" "$pyb" -m verify -q "$out/keys.txt" -t "$secs" \
	    -l "verify-rsa-$m" "$out/msg-$m.rsa.eml"
	run "$py" "$pyb" -m verify -q "$out/keys.txt" -t "$secs" \
	    -l "verify-ed25519-$m" "$out/msg-$m.ed.eml"
	run perl "$plb" -m sign -k "$out/rsa-pkcs1.pem" -t "$secs" \
	    -l "sign-rsa-$m" "$msg"
	run perl "$plb" -m verify -q "$out/keys.txt" -t "$secs" \
	    -l "verify-rsa-$m" "$out/msg-$m.rsa.eml"
done

# The table: one row per (operation, algorithm, size).
"$py" - "$log" "$out" <<'EOF'
import os, re, statistics, sys
log, out = sys.argv[1], sys.argv[2]
rates, bad, rss, speeds, turns = {}, {}, {}, {}, {}
def add(d, k, v):
    d.setdefault(k, []).append(v)
for line in open(log):
    t = re.match(r"limit=(\S+) emauth_rate=\S+ limit_rate=\S+ ratio=(\S+)",
                 line)
    if t:
        add(turns, t[1], float(t[2]))
        continue
    m = re.match(r"bench=(\S+) evaluations=\d+ seconds=\S+ rate=(\S+) "
                 r"maxrss_kib=(\d+) mismatches=(\d+)", line)
    if m:
        add(rates, m[1], float(m[2]))
        rss[m[1]] = max(rss.get(m[1], 0), int(m[3]))
        bad[m[1]] = bad.get(m[1], 0) + int(m[4])
    elif line.startswith("+F2:") and ":2048:" in line:
        f = line.strip().split(":")
        add(speeds, "sign-rsa", float(f[3]))
        add(speeds, "verify-rsa", float(f[4]))
    elif line.startswith("+F6:") and "Ed25519" in line:
        f = line.strip().split(":")
        add(speeds, "sign-ed25519", float(f[4]))
        add(speeds, "verify-ed25519", float(f[5]))
    elif line.startswith("+F:") and "sha256" in line:
        add(speeds, "sha256", float(line.strip().split(":")[3]))
# Medians over the rounds (one value each without -r).
rate = {k: statistics.median(v) for k, v in rates.items()}
speed = {k: statistics.median(v) for k, v in speeds.items()}
nrounds = max([len(v) for v in speeds.values()] or [0])
if nrounds > 1:
    print("medians of %d rounds; emauth's rates per round:" % nrounds)
    for k in sorted(rates):
        if k.startswith("emauth-") and len(rates[k]) > 1:
            print("  %-32s %s" % (k[7:], " ".join(
                "%.0f" % r for r in rates[k])))
    print("the same rows' ratios to the limit measured in turns:")
    for k in sorted(turns):
        print("  %-32s %s" % (k, " ".join(
            "%.0f%%" % (100 * r) for r in turns[k])))
peers = ["opendkim", "dkimpy", "maildkim"]
print("openssl speed: RSA-2048 sign %.0f/s verify %.0f/s; Ed25519 sign "
      "%.0f/s verify %.0f/s; SHA-256 %.0f MB/s" % (
          speed.get("sign-rsa", 0), speed.get("verify-rsa", 0),
          speed.get("sign-ed25519", 0), speed.get("verify-ed25519", 0),
          speed.get("sha256", 0) / 1e6))
turn = {k: statistics.median(v) for k, v in turns.items()}
hdr = "%-22s %9s %9s %6s %6s" % ("operation", "limit/s", "emauth/s", "%lim",
                                 "turns")
for p in peers:
    hdr += " %10s %7s" % (p + "/s", "x")
print(hdr)
for op in ("sign", "verify"):
    for alg in ("rsa", "ed25519"):
        for size in ("2k", "20k", "200k"):
            key = "%s-%s-%s" % (op, alg, size)
            nbytes = os.path.getsize(os.path.join(out, "msg-%s.eml" % size))
            lim = 0.0
            if speed.get(op + "-" + alg) and speed.get("sha256"):
                lim = 1 / (1 / speed[op + "-" + alg] + nbytes / speed["sha256"])
            e = rate.get("emauth-" + key, 0)
            row = "%-22s %9.0f %9.0f %5.0f%% %5.0f%%" % (
                key, lim, e, 100 * e / lim if lim else 0,
                100 * turn.get(key, 0))
            if bad.get("emauth-" + key):
                row += " (FAILED CHECK)"
            for p in peers:
                r = rate.get(p + "-" + key)
                if r is None:
                    row += " %10s %7s" % ("-", "-")
                else:
                    row += " %10.0f %6.1fx" % (r, e / r if r else 0)
                    if bad.get(p + "-" + key):
                        row += "!"
            print(row)
for size in ("2k", "20k", "200k"):
    k = "emauth-verify-rsa-fresh-" + size
    if k in rate:
        print("verify-rsa-%s with a fresh context per message (zone load, "
              "key fetch and parse): %.0f/s" % (size, rate[k]))
print("max RSS, KiB: " + ", ".join(
    "%s %d" % (n, rss[n]) for n in sorted(rss) if n.endswith("-200k")))
print("raw output: " + log)
EOF
