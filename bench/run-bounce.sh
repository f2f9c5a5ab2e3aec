#!/bin/bash
# run-bounce.sh: bounces read per second by emauth (emauth_bounce_parse(),
# bench/bounce_bench.c) beside Sisimai (Debian libsisimai-perl,
# Sisimai->make on each message, bench/bounce_bench_sisimai.pl) on the same
# corpus, tests/data/suites/bounces-sisimai/maildir/ (334 files, Sisimai's
# own test set). Each side reads every file into memory, parses them all
# once to warm up, then N times timed (emauth: -e passes, default 20;
# Sisimai: -s passes, default 3); start-up and reading are not timed.
# Rounds (-r, default 3) alternate the two; the table gives the medians of
# messages parsed per second, per second of wall-clock time and per second
# of the process's CPU time (the fairer figure on a shared machine), and
# the ratio emauth / Sisimai.
#
#   bench/run-bounce.sh [-r ROUNDS] [-e PASSES] [-s PASSES] [-o OUTDIR]
#                       [BUILD-DIR]
#
# Raw output: OUTDIR (default: a new /tmp/bounce-bench.*).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
epasses=20
spasses=3
out=
while getopts r:e:s:o: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	e) epasses=$OPTARG ;;
	s) spasses=$OPTARG ;;
	o) out=$OPTARG ;;
	*)
		sed -n '14,15p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 1
lib=$build/src
[ -e "$lib/libemauth.so" ] || { echo "run-bounce: $lib/libemauth.so missing (ninja -C $build)" >&2; exit 1; }
perl -MSisimai -e1 2>/dev/null ||
	{ echo "run-bounce: Sisimai missing (apt-get install libsisimai-perl)" >&2; exit 1; }
cc=${CC:-cc}
[ -n "$out" ] || out=$(mktemp -d /tmp/bounce-bench.XXXXXX)
mkdir -p "$out"
"$cc" -O2 -Wall -Wextra -I"$top/include" "$top/bench/bounce_bench.c" \
	-L"$lib" -lemauth -Wl,-rpath,"$lib" -o "$out/bounce_bench" ||
	{ echo "run-bounce: cannot build bounce_bench" >&2; exit 1; }
files=("$top"/tests/data/suites/bounces-sisimai/maildir/*)
echo "# $(date -u +%FT%TZ) $(git -C "$top" rev-parse --short HEAD 2>/dev/null) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" |
	tee "$out/meta"
echo "# Sisimai $(perl -MSisimai -e 'print Sisimai->version'), ${#files[@]} files" |
	tee -a "$out/meta"
: >"$out/raw"
for _ in $(seq 1 "$rounds"); do
	"$out/bounce_bench" -n "$epasses" "${files[@]}" | tee -a "$out/raw"
	perl "$top/bench/bounce_bench_sisimai.pl" -n "$spasses" "${files[@]}" |
		tee -a "$out/raw"
done
/usr/bin/python3 - "$out/raw" <<'PY'
import statistics, sys
v = {}
for l in open(sys.argv[1]):
    f = l.split()
    if not f:
        continue
    kv = dict(x.split("=", 1) for x in f[1:])
    v.setdefault(f[0], []).append(kv)
def med(k, key):
    return statistics.median(float(x[key]) for x in v[k])
e, s = "emauth_bounce", "sisimai"
print()
print("| reader | messages read as bounces (of %s) | recipients | bounces/s (wall) | bounces/s (CPU) |"
      % v[e][0]["files"])
print("|---|---:|---:|---:|---:|")
for k, name in ((e, "emauth (emauth_bounce_parse)"), (s, "Sisimai (Sisimai->make)")):
    print("| %s | %s | %s | %.0f | %.0f |" % (name, v[k][0]["bounces"],
          v[k][0]["rcpts"], med(k, "rate"), med(k, "cpu_rate")))
print()
print("emauth / Sisimai: %.1fx (wall), %.1fx (CPU); medians of %d rounds"
      % (med(e, "rate") / med(s, "rate"),
         med(e, "cpu_rate") / med(s, "cpu_rate"), len(v[e])))
PY
echo "# raw: $out"
