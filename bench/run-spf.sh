#!/bin/bash
# run-spf.sh: runs every SPF benchmark and prints one table.
#
#   bench/run-spf.sh [-t SECONDS] [-r REPEATS] [-o OUTDIR] [BUILD-DIR]
#
# 1. In process, zone data: emauth (spf_bench), libspf2 (spf_bench_libspf2,
#    its zone layer) and pyspf (spf_bench_pyspf.py, a fake DNSLookup), all
#    on bench/spf-scenarios.
# 2. Instruction counts per evaluation (valgrind --tool=callgrind) for
#    emauth and libspf2 in process: (Ir of 11 rounds - Ir of 1 round) / 10
#    rounds, so set-up and the check pass cancel out.
# 3. The same zone files served by one NSD on 127.0.0.1:53, inside a
#    private network and mount namespace (unshare -mn) whose
#    /etc/resolv.conf says "nameserver 127.0.0.1": emauth in process
#    (--dns server:127.0.0.1, one context, then a fresh context per
#    evaluation), libspf2 in process (resolver layer without and with its
#    cache), pyspf in process (pydns), and one process per evaluation for
#    the emauth CLI and libspf2's spfquery.
#
# Each timed figure runs whole rounds for at least SECONDS (default 5).
# With -r N the timed parts run N times and the table shows medians. Raw
# output goes to OUTDIR (default: a new directory under /tmp).
# Needs: a build with bench/ (meson; buildtype=release for figures worth
# recording), python3-spf, spfquery, nsd, valgrind, util-linux unshare.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
scen=$top/bench/spf-scenarios
py=/usr/bin/python3

if [ "${1:-}" = "--inside-netns" ]; then
	# Part 3, run by the outer script inside unshare -mn.
	shift
	build=$1 secs=$2 log=$3
	tmp=$(mktemp -d /tmp/spf-bench-ns.XXXXXX)
	. "$top/bench/nsd-local.sh"
	bench_netns_resolver "$tmp" || exit 1
	bench_nsd_start "$tmp/nsd" "$scen"/*.zone || exit 1
	b=$build/bench
	{
		"$b/spf_bench" -t "$secs" -d server:127.0.0.1
		"$b/spf_bench" -t "$secs" -d server:127.0.0.1 -f
		if [ -x "$b/spf_bench_libspf2" ]; then
			"$b/spf_bench_libspf2" -t "$secs" -d resolv
			"$b/spf_bench_libspf2" -t "$secs" -d cache
		fi
		"$py" "$top/bench/spf_bench_pyspf.py" -t "$secs" --dns system
		"$b/spf_bench_spawn" -t "$secs" -k emauth -p "$build/emauth" \
			-d server:127.0.0.1
		"$b/spf_bench_spawn" -t "$secs" -k spfquery -p spfquery
	} 2>&1 | tee -a "$log"
	bench_nsd_stop
	rm -rf "$tmp"
	exit 0
fi

secs=5
repeats=1
out=
while getopts t:r:o: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	r) repeats=$OPTARG ;;
	o) out=$OPTARG ;;
	*)
		sed -n '2,4p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 2
b=$build/bench
for f in "$b/spf_bench" "$b/spf_bench_spawn" "$build/emauth"; do
	[ -x "$f" ] || {
		echo "run-spf.sh: $f missing; build first (meson + ninja)" >&2
		exit 2
	}
done
[ -x "$b/spf_bench_libspf2" ] ||
	echo "run-spf.sh: no spf_bench_libspf2 (libspf2-dev missing at build)" >&2
[ -n "$out" ] || out=$(mktemp -d /tmp/spf-bench.XXXXXX)
mkdir -p "$out"
unshare=(unshare -mn)
[ "$(id -u)" -eq 0 ] || unshare=(unshare -rmn)

env_report() {
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
	local f
	f=$(pgrep -af 'fuzz_' | grep -v pgrep)
	echo "fuzzers running: ${f:-none}"
	echo "build: $build, buildtype $(meson introspect --buildoptions \
		"$build" 2>/dev/null | "$py" -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin)
    if o["name"] == "buildtype"))' 2>/dev/null)"
	echo "versions: libspf2 $(dpkg-query -W -f='${Version}' libspf2-2 2>/dev/null), python3-spf $(dpkg-query -W -f='${Version}' python3-spf 2>/dev/null), nsd $(dpkg-query -W -f='${Version}' nsd 2>/dev/null), libunbound $(dpkg-query -W -f='${Version}' libunbound8 2>/dev/null)"
}

env_report | tee "$out/env.txt"
echo "scenarios: $(grep -cv '^[[:space:]]*\(#\|$\)' "$scen/scenarios.txt") in $scen"
echo "raw output: $out"

for r in $(seq 1 "$repeats"); do
	log=$out/run-$r.log
	: >"$log"
	echo "== run $r of $repeats: in process, zone data"
	{
		"$b/spf_bench" -t "$secs"
		[ -x "$b/spf_bench_libspf2" ] && "$b/spf_bench_libspf2" -t "$secs"
		"$py" "$top/bench/spf_bench_pyspf.py" -t "$secs"
	} 2>&1 | tee -a "$log"
	echo "== run $r of $repeats: one NSD on 127.0.0.1 (unshare -mn)"
	"${unshare[@]}" "$0" --inside-netns "$build" "$secs" "$log" ||
		echo "run-spf.sh: the real-DNS part failed" >&2
	echo "load after run $r: $(cut -d' ' -f1-3 /proc/loadavg); fuzzers: $(pgrep -f 'fuzz_' | wc -l)" |
		tee -a "$out/env.txt"
done

echo "== instruction counts (callgrind)"
: >"$out/instructions.txt"
if command -v valgrind >/dev/null; then
	nscen=$(grep -cv '^[[:space:]]*\(#\|$\)' "$scen/scenarios.txt")
	for p in spf_bench spf_bench_libspf2; do
		[ -x "$b/$p" ] || continue
		for n in 1 11; do
			valgrind --tool=callgrind \
				--callgrind-out-file="$out/callgrind.$p.$n" \
				"$b/$p" -n "$n" >/dev/null 2>"$out/callgrind.$p.$n.err"
		done
		i1=$(sed -n 's/^totals: //p' "$out/callgrind.$p.1")
		i11=$(sed -n 's/^totals: //p' "$out/callgrind.$p.11")
		echo "instructions=$p per_eval=$(((i11 - i1) / (10 * nscen)))" |
			tee -a "$out/instructions.txt"
	done
	# Where emauth's instructions go, for the timed loop only.
	valgrind --tool=callgrind --toggle-collect=one_round \
		--callgrind-out-file="$out/callgrind.spf_bench.profile" \
		"$b/spf_bench" -n 10 >/dev/null 2>&1
	callgrind_annotate --inclusive=no \
		"$out/callgrind.spf_bench.profile" >"$out/profile-emauth.txt" 2>&1
else
	echo "valgrind not installed: no instruction counts" >&2
fi

echo "== summary (median of $repeats run(s), $secs s each)"
"$py" - "$out" "$repeats" <<'EOF'
import glob, os, re, statistics, sys

out, repeats = sys.argv[1], int(sys.argv[2])
runs = {}
for path in sorted(glob.glob(os.path.join(out, "run-*.log"))):
    for line in open(path):
        if line.startswith("bench="):
            kv = dict(f.split("=", 1) for f in line.split())
            runs.setdefault(kv["bench"], []).append(kv)
instr = {}
ipath = os.path.join(out, "instructions.txt")
if os.path.exists(ipath):
    for line in open(ipath):
        kv = dict(f.split("=", 1) for f in line.split())
        instr[kv["instructions"]] = int(kv["per_eval"])

def med(name, key="rate"):
    v = [float(r[key]) for r in runs.get(name, [])]
    return statistics.median(v) if v else None

def mism(name):
    return max((int(r["mismatches"]) for r in runs.get(name, [])), default=0)

rows = [
    ("In process, zone data", None),
    ("emauth (spf_bench)", "emauth-zone"),
    ("libspf2 (zone layer)", "libspf2-zone"),
    ("pyspf (fake DNSLookup)", "pyspf-fake"),
    ("NSD on 127.0.0.1, in process", None),
    ("emauth, one context (libunbound cache)", "emauth-server"),
    ("emauth, fresh context each (no cache)", "emauth-server-fresh"),
    ("libspf2, resolv layer (no cache)", "libspf2-resolv"),
    ("libspf2, resolv + cache layer", "libspf2-cache"),
    ("pyspf, pydns (no cache)", "pyspf-system"),
    ("NSD on 127.0.0.1, one process per evaluation", None),
    ("emauth spf CLI", "emauth-cli"),
    ("spfquery (libspf2)", "spfquery"),
]
print("%-44s %12s %10s %10s %4s" % ("", "evals/s", "us/eval", "maxRSS KiB",
                                      "miss"))
for label, name in rows:
    if name is None:
        print(label + ":")
        continue
    r = med(name)
    if r is None:
        print("  %-42s %12s" % (label, "(not run)"))
        continue
    rss = med(name, "maxrss_kib")
    print("  %-42s %12.0f %10.2f %10.0f %4d" % (label, r, 1e6 / r, rss,
                                               mism(name)))

def ratio(a, b):
    ra, rb = med(a), med(b)
    return "%.2fx" % (ra / rb) if ra and rb else "n/a"

print()
print("ratios (evaluations per second):")
for label, a, b in [
    ("in process, zone: emauth / libspf2", "emauth-zone", "libspf2-zone"),
    ("in process, zone: emauth / pyspf", "emauth-zone", "pyspf-fake"),
    ("NSD, cached: emauth / libspf2 (cache layer)", "emauth-server",
     "libspf2-cache"),
    ("NSD, uncached: emauth fresh / libspf2 resolv", "emauth-server-fresh",
     "libspf2-resolv"),
    ("NSD, uncached: emauth fresh / pyspf", "emauth-server-fresh",
     "pyspf-system"),
    ("NSD, cached emauth / uncached pyspf", "emauth-server", "pyspf-system"),
    ("NSD, per process: emauth CLI / spfquery", "emauth-cli", "spfquery"),
]:
    print("  %-50s %s" % (label, ratio(a, b)))
if instr:
    print()
    print("instructions per evaluation (callgrind, in process, zone):")
    for k, v in instr.items():
        print("  %-20s %10d" % (k, v))
    if "spf_bench" in instr and "spf_bench_libspf2" in instr:
        print("  libspf2 / emauth     %10.2fx" % (
            instr["spf_bench_libspf2"] / instr["spf_bench"]))
EOF
