#!/bin/bash
# run-report.sh: the DMARC verdict store (src/report) beside Mail::DMARC
# (Debian libmail-dmarc-perl) in one run: verdicts stored per second and
# the time to build a day's aggregate reports; prints one table.
#
#   bench/run-report.sh [-n N] [-m M] [-B SIZES] [-r ROUNDS] [-o OUTDIR]
#                       [-s STORE] [BUILD-DIR]
#
# Each round runs, one after the other:
#   report_bench -n N        emauth: one transaction per verdict (the first
#                            100,000), batches of 1,000, the recorder, and
#                            the build of the day's reports from N verdicts
#                            (default 1,000,000);
#   report_bench -n M        the same for M verdicts (default 20,000): the
#                            size Mail::DMARC is measured at;
#   report_bench_maildmarc.pl -n M
#                            Mail::DMARC storing the same M verdicts (the
#                            rows report_bench -n M makes, through --dump)
#                            as it ships (every statement its own
#                            transaction), then building the reports as
#                            dmarc_send_reports does before sending;
#   ... --batch 1000         Mail::DMARC with 1,000 verdicts per
#                            transaction (not something it does; its cost
#                            without the commits);
#   ... --mode object        a new Mail::DMARC object per verdict, as a
#                            plugin that makes one per message (2,000
#                            verdicts at most);
#   ... -n SIZE --batch 1000 for each of -B SIZES (comma-separated, e.g.
#                            5000,10000): how Mail::DMARC's build time
#                            grows with the number of verdicts.
# The table gives medians over the ROUNDS (default 3). Mail::DMARC is too
# slow to store N verdicts in a run: its time for N is extrapolated from its
# rate over M (the store's rate does not fall with the size; its build time
# grows faster than the size, see -B), and the table says so.
#
# -s STORE runs emauth against that store instead of SQLite files in a
# temporary directory (e.g. a PostgreSQL database of its own: its emauth
# tables are emptied before each phase). Raw output: OUTDIR (default: a new
# /tmp/report-bench.*).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
n=1000000
m=20000
sizes=
rounds=3
out=
store=
while getopts n:m:B:r:o:s: opt; do
	case $opt in
	n) n=$OPTARG ;;
	m) m=$OPTARG ;;
	B) sizes=$OPTARG ;;
	r) rounds=$OPTARG ;;
	o) out=$OPTARG ;;
	s) store=$OPTARG ;;
	*)
		sed -n '6,7p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 1
rb=$build/bench/report_bench
md=$top/bench/report_bench_maildmarc.pl
[ -x "$rb" ] || { echo "run-report: $rb missing (ninja -C $build)" >&2; exit 1; }
perl -MMail::DMARC -MDBD::SQLite -e1 2>/dev/null ||
	{ echo "run-report: Mail::DMARC missing (apt-get install libmail-dmarc-perl)" >&2; exit 1; }
if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/report-bench.XXXXXX) || exit 1
fi
mkdir -p "$out" || exit 1
raw=$out/raw.txt
: >"$raw"
mo=$((m < 2000 ? m : 2000))
storeopt=()
[ -n "$store" ] && storeopt=(--store "$store")

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null) $(git -C "$top" status --porcelain 2>/dev/null | grep -c .) files changed in the tree"
	echo "cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "sqlite: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); Mail::DMARC $(perl -MMail::DMARC -e 'print $Mail::DMARC::VERSION'); DBD::SQLite $(perl -MDBD::SQLite -e 'print $DBD::SQLite::VERSION') (SQLite $(perl -MDBI -e 'print DBI->connect("dbi:SQLite::memory:")->{sqlite_version}'))"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "fuzzers: $(pgrep -c fuzz_ || true)"
} | tee "$out/env.txt"

"$rb" -n "$m" --dump "$out/rows-$m.tsv" || exit 1

# tag LINE-PREFIX COMMAND...: runs COMMAND, keeps its result lines in the
# raw file with "tag=TAG round=R" in front.
tag() {
	local t=$1
	shift
	"$@" 2>>"$out/stderr.txt" | while IFS= read -r l; do
		case $l in
		"report_bench phase="* | "maildmarc phase="*)
			echo "tag=$t round=$round $l" | tee -a "$raw" ;;
		*) echo "$l" ;;
		esac
	done
}

for round in $(seq 1 "$rounds"); do
	echo "== round $round ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1 /proc/loadavg))"
	tag emauth-n "$rb" -n "$n" "${storeopt[@]}"
	tag emauth-m "$rb" -n "$m" "${storeopt[@]}"
	tag maildmarc "$md" -n "$m" "$out/rows-$m.tsv"
	tag maildmarc-batch "$md" -n "$m" --batch 1000 --no-build "$out/rows-$m.tsv"
	tag maildmarc-object "$md" -n "$mo" --mode object --no-build "$out/rows-$m.tsv"
	IFS=, read -r -a szs <<<"$sizes"
	for s in "${szs[@]}"; do
		[ "$s" -le "$m" ] || { echo "run-report: -B $s is over -m $m" >&2; continue; }
		tag "maildmarc-$s" "$md" -n "$s" --batch 1000 "$out/rows-$m.tsv"
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"
[ -s "$out/stderr.txt" ] && { echo "stderr:"; cat "$out/stderr.txt"; }

# get TAG PHASE FIELD: the median of FIELD over the rounds ("-" if none).
get() {
	awk -v t="tag=$1" -v p="phase=$2" -v f="$3" '
		$1 == t && $4 == p {
			for (i = 1; i <= NF; i++)
				if (index($i, f "=") == 1) v[n++] = substr($i, length(f) + 2)
		}
		END {
			if (n == 0) { print "-"; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
				if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
			print v[int((n - 1) / 2)]
		}' "$raw"
}
# all TAG PHASE FIELD: every round's value.
all() {
	awk -v t="tag=$1" -v p="phase=$2" -v f="$3" '
		$1 == t && $4 == p {
			for (i = 1; i <= NF; i++)
				if (index($i, f "=") == 1) printf "%s%s", (n++ ? ", " : ""), substr($i, length(f) + 2)
		}' "$raw"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf (a / b < 10 ? "%.1fx" : "%.0fx"), a / b }'
}
num() {
	awk -v a="$1" 'BEGIN {
		if (a == "-") { print "-"; exit }
		s = sprintf("%.0f", a); r = ""
		while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		print s r }'
}
mib() {
	awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.1f MiB", a / 1024 }'
}

echo
printf 'emauth at N = %s and M = %s verdicts, Mail::DMARC %s at M; median of %s rounds (raw: %s)\n' \
	"$(num "$n")" "$(num "$m")" \
	"$(perl -MMail::DMARC -e 'print $Mail::DMARC::VERSION')" "$rounds" "$raw"
echo
echo '| verdicts stored per second | emauth | Mail::DMARC | emauth / Mail::DMARC |'
echo '|---|---:|---:|---:|'
es=$(get emauth-n single rate) eb=$(get emauth-n batch rate)
ms=$(get maildmarc store rate) mb=$(get maildmarc-batch store rate)
printf '| one transaction per verdict (emauth: %s verdicts; Mail::DMARC: every statement, as it ships) | %s | %s | %s |\n' \
	"$(num "$(get emauth-n single rows)")" "$(num "$es")" "$(num "$ms")" "$(ratio "$es" "$ms")"
printf '| 1,000 verdicts per transaction (emauth: %s verdicts) | %s | %s | %s |\n' \
	"$(num "$n")" "$(num "$eb")" "$(num "$mb")" "$(ratio "$eb" "$mb")"
printf '| emauth recorder, all %s queued then written | %s | | |\n' \
	"$(num "$n")" "$(num "$(get emauth-n recorder rate)")"
printf '| Mail::DMARC, a new object per verdict (%s verdicts) | | %s | |\n' \
	"$(num "$mo")" "$(num "$(get maildmarc-object store rate)")"
printf '| same size (M): emauth one per transaction / 1,000 per transaction | %s / %s | | |\n' \
	"$(num "$(get emauth-m single rate)")" "$(num "$(get emauth-m batch rate)")"
echo
echo "| the day's aggregate reports | emauth | Mail::DMARC | emauth / Mail::DMARC |"
echo '|---|---:|---:|---:|'
eM=$(get emauth-m build seconds) mM=$(get maildmarc build seconds)
printf '| build from %s verdicts (seconds) | %s | %s | %s |\n' "$(num "$m")" "$eM" "$mM" \
	"$(awk -v a="$eM" -v b="$mM" 'BEGIN { if (a == "-" || b == "-" || a == 0) print "-"; else printf "%.0fx faster", b / a }')"
printf '| reports / records / messages from %s | %s / %s / %s | %s / %s / %s | |\n' "$(num "$m")" \
	"$(get emauth-m build reports)" "$(num "$(get emauth-m build records)")" "$(num "$(get emauth-m build messages)")" \
	"$(get maildmarc build reports)" "$(num "$(get maildmarc build records)")" "$(num "$(get maildmarc build messages)")"
printf '| peak RSS of the build from %s | %s | %s | |\n' "$(num "$m")" \
	"$(mib "$(get emauth-m build maxrss_kib)")" "$(mib "$(get maildmarc build maxrss_kib)")"
printf '| build from %s verdicts (seconds) | %s | not run | |\n' "$(num "$n")" "$(get emauth-n build seconds)"
printf '| reports / records / messages from %s | %s / %s / %s | | |\n' "$(num "$n")" \
	"$(get emauth-n build reports)" "$(num "$(get emauth-n build records)")" "$(num "$(get emauth-n build messages)")"
printf '| XML / gzip bytes from %s | %s / %s | | |\n' "$(num "$n")" \
	"$(num "$(get emauth-n build xml_bytes)")" "$(num "$(get emauth-n build gz_bytes)")"
printf '| peak RSS of the build from %s | %s | | |\n' "$(num "$n")" "$(mib "$(get emauth-n build maxrss_kib)")"
IFS=, read -r -a szs <<<"$sizes"
for s in "${szs[@]}"; do
	printf '| Mail::DMARC build from %s verdicts (seconds) | | %s | |\n' "$(num "$s")" "$(get "maildmarc-$s" build seconds)"
done
echo
printf 'Mail::DMARC extrapolated to %s verdicts: storing %.1f hours at its rate as it ships (%.1f hours at 1,000 per transaction); emauth stored them in %.0f s (batches) and %.0f s (recorder)\n' \
	"$(num "$n")" "$(awk -v n="$n" -v r="$ms" 'BEGIN { print n / r / 3600 }')" \
	"$(awk -v n="$n" -v r="$mb" 'BEGIN { print n / r / 3600 }')" \
	"$(get emauth-n batch seconds)" "$(get emauth-n recorder seconds)"
printf 'emauth recorder: %s us per emauth_recorder_add() on the caller'"'"'s thread (rounds: %s)\n' \
	"$(get emauth-n recorder add_us)" "$(all emauth-n recorder add_us)"
echo
echo 'every round:'
for k in "emauth-n single rate" "emauth-n batch rate" "emauth-n recorder rate" \
	"emauth-n build seconds" "emauth-m single rate" "emauth-m batch rate" \
	"emauth-m build seconds" "maildmarc store rate" "maildmarc-batch store rate" \
	"maildmarc-object store rate" "maildmarc build seconds"; do
	# shellcheck disable=SC2086
	printf '  %s: %s\n' "$k" "$(all $k)"
done
for s in "${szs[@]}"; do
	printf '  maildmarc-%s build seconds: %s\n' "$s" "$(all "maildmarc-$s" build seconds)"
done
