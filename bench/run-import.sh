#!/bin/bash
# run-import.sh: "emauth report import" beside Mail::DMARC's report
# importer (Debian libmail-dmarc-perl, Mail::DMARC::Report::Receive) on the
# same files, in one run: reports imported per second from a batch of
# small report mails, and the time and peak memory for one very large
# aggregate report; prints one table of medians.
#
#   bench/run-import.sh [-n N] [-M MB] [-r ROUNDS] [-o OUTDIR] [-L LOAD]
#                       [-W SECONDS] [-F SECONDS] [BUILD-DIR]
#
# The files (bench/report_gen.py; RFC 7489's XML, no namespace, which
# both read):
#   batch/     N mail messages (default 2,000), each an aggregate report of
#              1-3 KB of XML attached as zip or gzip, report ids all
#              different;
#   big.xml    one aggregate report of MB megabytes (default 100), one
#              record per source IP; big.xml.gz its gzip (-6);
#   1mb.xml, 10mb.xml
#              the same report cut at 1 and 10 MB (its first records):
#              where Mail::DMARC's full import is measured.
# Each round, every import into a new store:
#   emauth report import --store sqlite:FILE batch/       one process;
#   emauth report import --store sqlite:FILE FILE         one process per
#                                   report, as a mail alias runs it;
#   emauth report import ... big.xml, big.xml.gz, 1mb.xml, 10mb.xml;
#   import_bench_maildmarc.pl mail batch/                 Mail::DMARC as
#                                   it ships (every statement committed);
#   import_bench_maildmarc.pl --txn mail batch/           one transaction
#                                   per report (not something it does);
#   import_bench_maildmarc.pl --no-store xml big.xml (and big.xml.gz)
#                                   reading the large report, not storing
#                                   it: its full import is hours;
#   import_bench_maildmarc.pl xml 1mb.xml (as it ships), --txn xml 1mb.xml
#                                   and --txn xml 10mb.xml.
# Mail::DMARC's full import of the large report takes the better part of
# an hour (its time per record grows with the records already in the
# report: each is looked for among them, without an index), so the rounds
# do not run it: the table extrapolates it from the 1 and 10 MB imports
# (t = a r + b r^2 in the records r, plus the reading, measured), and
# says so. -F SECONDS runs it too, once, after the rounds: in one
# transaction (its cost as shipped adds a commit per statement, estimated
# from the 1 MB imports), stopped after SECONDS, with its progress every
# 10,000 records.
#
# Times are wall-clock seconds of the whole process, and peak RSS its
# maximum resident set (/usr/bin/time's %e and %M), Perl's start-up
# included. Before each round the script waits (at most -W SECONDS,
# default 3600) until the 1-minute load average is under -L (default 1.5):
# the machine is shared. Raw output: OUTDIR (default: a new
# /tmp/import-bench.*).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
n=2000
mb=100
rounds=3
out=
maxload=1.5
maxwait=3600
full=0
while getopts n:M:r:o:L:W:F: opt; do
	case $opt in
	n) n=$OPTARG ;;
	M) mb=$OPTARG ;;
	r) rounds=$OPTARG ;;
	o) out=$OPTARG ;;
	L) maxload=$OPTARG ;;
	W) maxwait=$OPTARG ;;
	F) full=$OPTARG ;;
	*)
		sed -n '8,9p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 1
emauth=$build/emauth
md=$top/bench/import_bench_maildmarc.pl
gen=$top/bench/report_gen.py
py=/usr/bin/python3
[ -x "$py" ] || py=python3
[ -x "$emauth" ] || { echo "run-import: $emauth missing (ninja -C $build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run-import: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
perl -MMail::DMARC::Report::Receive -MDBD::SQLite -e1 2>/dev/null ||
	{ echo "run-import: Mail::DMARC missing (apt-get install libmail-dmarc-perl)" >&2; exit 1; }
if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/import-bench.XXXXXX) || exit 1
fi
mkdir -p "$out" || exit 1
raw=$out/raw.txt
: >"$raw"
: >"$out/stderr.txt"
data=$out/data
stores=$out/stores

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null) $(git -C "$top" status --porcelain 2>/dev/null | grep -c .) files changed in the tree"
	echo "build: $build, buildtype $("$py" -c 'import json,sys; print(" ".join(str(o["value"]) for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"))' "$build/meson-info/intro-buildoptions.json" 2>/dev/null)"
	echo "cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "sqlite: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); Mail::DMARC $(perl -MMail::DMARC -e 'print $Mail::DMARC::VERSION'); XML::LibXML $(perl -MXML::LibXML -e 'print $XML::LibXML::VERSION') (libxml2 $(perl -MXML::LibXML -e 'print XML::LibXML::LIBXML_DOTTED_VERSION')); DBD::SQLite $(perl -MDBD::SQLite -e 'print $DBD::SQLite::VERSION') (SQLite $(perl -MDBI -e 'print DBI->connect("dbi:SQLite::memory:")->{sqlite_version}')); perl $(perl -e 'print $^V')"
	echo "store filesystem: $(df -T "$out" | awk 'NR == 2 {print $2}')"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/env.txt"

# The files.
mkdir -p "$data" "$stores"
if [ ! -f "$data/big.xml.gz" ] || [ "$(find "$data/batch" -name '*.eml' 2>/dev/null | wc -l)" != "$n" ]; then
	rm -rf "$data/batch"
	"$py" "$gen" batch -n "$n" "$data/batch" | tee "$data/gen.txt" || exit 1
	"$py" "$gen" big --mb "$mb" "$data/big.xml" | tee -a "$data/gen.txt" || exit 1
	"$py" "$gen" big --mb 1 "$data/1mb.xml" | tee -a "$data/gen.txt" || exit 1
	"$py" "$gen" big --mb 10 "$data/10mb.xml" | tee -a "$data/gen.txt" || exit 1
	gzip -6 -n -c "$data/big.xml" >"$data/big.xml.gz" || exit 1
fi
for f in "$data"/*.xml "$data"/*.xml.gz; do
	echo "file: $f $(stat -c %s "$f") bytes"
done | tee -a "$out/env.txt"
echo "batch: $(du -sb "$data/batch" | cut -f1) bytes in $n files" | tee -a "$out/env.txt"

# wait_quiet: until the 1-minute load average is under -L (at most -W s).
wait_quiet() {
	local waited=0
	while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$maxload" 'BEGIN { exit !(l >= m) }'; do
		if [ "$waited" -ge "$maxwait" ]; then
			echo "run-import: load still $(cut -d' ' -f1 /proc/loadavg) after ${maxwait} s: measuring anyway" |
				tee -a "$out/stderr.txt" >&2
			return
		fi
		[ $((waited % 300)) = 0 ] &&
			echo "waiting for the load ($(cut -d' ' -f1-3 /proc/loadavg)) to fall under $maxload"
		sleep 15
		waited=$((waited + 15))
	done
}

# timed TAG COMMAND...: runs COMMAND under /usr/bin/time, its output in
# OUTDIR/TAG.rR.out; appends "tag=TAG round=R wall=S rss_kib=K load=L" and
# the fields of a "maildmarc_import" line to the raw file.
timed() {
	local t=$1 o l
	shift
	o=$out/$t.r$round
	l=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f 'wall=%e rss_kib=%M' -o "$o.time" "$@" >"$o.out" 2>"$o.err"
	local rc=$?
	grep -v -e '^Command exited' -e '^Command terminated' -e '^progress ' "$o.err" >>"$out/stderr.txt"
	local extra
	extra=$(sed -n 's/^maildmarc_import //p' "$o.out" | tail -1)
	echo "tag=$t round=$round $(tail -1 "$o.time") load=$l rc=$rc $extra" | tee -a "$raw"
}
# emauth_rows FILE: the rows emauth stored for the reports in store FILE.
emauth_rows() {
	"$emauth" report list --store "sqlite:$1" --json |
		"$py" -c 'import json,sys; print(sum(json.loads(l)["rows"] for l in sys.stdin if l.startswith("{")))'
}
fresh() { rm -f "$stores/$1" "$stores/$1"-*; echo "$stores/$1"; }

for round in $(seq 1 "$rounds"); do
	wait_quiet
	echo "== round $round ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
	# emauth
	s=$(fresh e-batch.db)
	timed emauth-batch "$emauth" report import --store "sqlite:$s" "$data/batch"
	echo "tag=emauth-batch-check round=$round imported=$(tail -1 "$out/emauth-batch.r$round.out" | cut -d' ' -f1) rows=$(emauth_rows "$s")" | tee -a "$raw"
	s=$(fresh e-each.db)
	l=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	for f in "$data"/batch/*.eml; do
		"$emauth" report import --store "sqlite:$s" "$f" >/dev/null 2>>"$out/stderr.txt" ||
			echo "run-import: $f: exit $?" >>"$out/stderr.txt"
	done
	t1=$(date +%s.%N)
	echo "tag=emauth-each round=$round wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') load=$l imported=$("$emauth" report list --store "sqlite:$s" --json | grep -c '"status":"imported"')" | tee -a "$raw"
	for b in big.xml big.xml.gz 1mb.xml 10mb.xml; do
		s=$(fresh "e-$b.db")
		timed "emauth-$b" "$emauth" report import --store "sqlite:$s" "$data/$b"
		echo "tag=emauth-$b-check round=$round rows=$(emauth_rows "$s")" | tee -a "$raw"
	done
	# Mail::DMARC
	timed maildmarc-batch perl "$md" --db "$(fresh m-batch.db)" mail "$data/batch"
	timed maildmarc-batch-txn perl "$md" --txn --db "$(fresh m-batch-txn.db)" mail "$data/batch"
	timed maildmarc-big.xml-read perl "$md" --no-store --db "$(fresh m-big.db)" xml "$data/big.xml"
	timed maildmarc-big.xml.gz-read perl "$md" --no-store --db "$(fresh m-big.db)" xml "$data/big.xml.gz"
	timed maildmarc-1mb.xml perl "$md" --db "$(fresh m-1mb.db)" xml "$data/1mb.xml"
	timed maildmarc-1mb.xml-txn perl "$md" --txn --db "$(fresh m-1mb-txn.db)" xml "$data/1mb.xml"
	timed maildmarc-10mb.xml-txn perl "$md" --txn --db "$(fresh m-10mb-txn.db)" xml "$data/10mb.xml"
	rm -f "$stores"/*
done
if [ "$full" -gt 0 ]; then
	wait_quiet
	round=full
	s=$(fresh m-big-full.db)
	echo "== Mail::DMARC's full import of big.xml in one transaction, at most $full s ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
	timed maildmarc-big.xml-full timeout "$full" perl "$md" --txn --progress 10000 --db "$s" xml "$data/big.xml"
	sed -n 's/^progress /tag=maildmarc-big.xml-full-progress round=full /p' \
		"$out/maildmarc-big.xml-full.rfull.err" | tee -a "$raw"
	rm -f "$stores"/*
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"
[ -s "$out/stderr.txt" ] && { echo "stderr:"; head -20 "$out/stderr.txt"; }

# get TAG FIELD: the median of FIELD over the rounds ("-" if none).
get() {
	awk -v t="tag=$1" -v f="$2" '
		$1 == t {
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
# all TAG FIELD: every round's value.
all() {
	awk -v t="tag=$1" -v f="$2" '
		$1 == t {
			for (i = 1; i <= NF; i++)
				if (index($i, f "=") == 1) printf "%s%s", (n++ ? ", " : ""), substr($i, length(f) + 2)
		}' "$raw"
}
num() {
	awk -v a="$1" 'BEGIN {
		if (a == "-") { print "-"; exit }
		s = sprintf("%.0f", a); r = ""
		while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		print s r }'
}
mib() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.0f MiB", a / 1024 }'; }
# rate N SECONDS: N per second.
rate() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.1f", a / b }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else { r = a / b; printf (r < 10 ? "%.1fx" : "%.0fx"), r } }'; }

recs() { sed -n "s/^report_gen kind=big .*records=\([0-9]*\).*/\1/p" "$data/gen.txt" | sed -n "${1}p"; }
rbig=$(recs 1) r1=$(recs 2) r10=$(recs 3)
bigbytes=$(stat -c %s "$data/big.xml")
gzbytes=$(stat -c %s "$data/big.xml.gz")
eb=$(get emauth-batch wall) ee=$(get emauth-each wall)
mb_=$(get maildmarc-batch wall) mt=$(get maildmarc-batch-txn wall)
erate=$(rate "$n" "$eb") eerate=$(rate "$n" "$ee")
mrate=$(rate "$n" "$mb_") mtrate=$(rate "$n" "$mt")
ex=$(get emauth-big.xml wall) egz=$(get emauth-big.xml.gz wall)
mx=$(get maildmarc-big.xml-read wall) mgz=$(get maildmarc-big.xml.gz-read wall)
e1=$(get emauth-1mb.xml wall) e10=$(get emauth-10mb.xml wall)
m1=$(get maildmarc-1mb.xml wall) m1t=$(get maildmarc-1mb.xml-txn wall)
m10t=$(get maildmarc-10mb.xml-txn wall)
# Mail::DMARC's full import of big.xml, extrapolated: t(r) = a r + b r^2
# through the 1 and 10 MB imports in one transaction (after Perl's
# start-up and the reading, which are measured), plus the commits of the
# as-shipped 1 MB import, per record.
extra=$(awk -v r1="$r1" -v r10="$r10" -v R="$rbig" -v t1="$m1t" -v t10="$m10t" \
	-v s1="$m1" -v read="$mx" '
	BEGIN {
		if (t1 == "-" || t10 == "-" || s1 == "-") { print "- -"; exit }
		# the reading scales with the size: read/R per record
		rr = read / R
		u1 = t1 - rr * r1; u10 = t10 - rr * r10
		b = (u10 / r10 - u1 / r1) / (r10 - r1); a = u1 / r1 - b * r1
		if (b < 0) b = 0
		txn = read + a * R + b * R * R
		c = (s1 - t1) / r1
		printf "%.0f %.0f", txn, txn + c * R
	}')
xt=${extra% *} xs=${extra#* }

echo
printf 'emauth %s (%s), Mail::DMARC %s; median of %s rounds (raw: %s)\n' \
	"$("$emauth" --version | cut -d' ' -f2)" "$build" \
	"$(perl -MMail::DMARC -e 'print $Mail::DMARC::VERSION')" "$rounds" "$raw"
echo
echo "| $(num "$n") report mails (1-3 KB of XML each, zip or gzip) | emauth | Mail::DMARC | emauth / Mail::DMARC |"
echo '|---|---:|---:|---:|'
printf '| reports imported per second, one process (Mail::DMARC as it ships: every statement committed) | %s | %s | **%s** |\n' \
	"$(num "$erate")" "$mrate" "$(x "$erate" "$mrate")"
printf '| Mail::DMARC with one transaction per report | | %s | %s |\n' "$mtrate" "$(x "$erate" "$mtrate")"
printf '| emauth, one process per report (as a mail alias runs it) | %s | | %s |\n' "$(num "$eerate")" "$(x "$eerate" "$mrate")"
printf '| peak RSS of the one process | %s | %s | |\n' \
	"$(mib "$(get emauth-batch rss_kib)")" "$(mib "$(get maildmarc-batch rss_kib)")"
printf '| reports / records stored | %s / %s | %s / %s | |\n' \
	"$(get emauth-batch-check imported)" "$(num "$(get emauth-batch-check rows)")" \
	"$(get maildmarc-batch reports)" "$(num "$(get maildmarc-batch records)")"
echo
echo "| one report of $(num "$bigbytes") bytes ($(num "$rbig") records) | emauth | Mail::DMARC | Mail::DMARC / emauth |"
echo '|---|---:|---:|---:|'
printf '| XML: seconds (emauth: imported; Mail::DMARC: read, not stored) | %s | %s | **%s** |\n' "$ex" "$mx" "$(x "$mx" "$ex")"
printf '| gzip (%s bytes): seconds (the same) | %s | %s | %s |\n' "$(num "$gzbytes")" "$egz" "$mgz" "$(x "$mgz" "$egz")"
printf '| peak RSS, XML | %s | %s | **%s** |\n' "$(mib "$(get emauth-big.xml rss_kib)")" \
	"$(mib "$(get maildmarc-big.xml-read rss_kib)")" "$(x "$(get maildmarc-big.xml-read rss_kib)" "$(get emauth-big.xml rss_kib)")"
printf '| peak RSS, gzip | %s | %s | %s |\n' "$(mib "$(get emauth-big.xml.gz rss_kib)")" \
	"$(mib "$(get maildmarc-big.xml.gz-read rss_kib)")" "$(x "$(get maildmarc-big.xml.gz-read rss_kib)" "$(get emauth-big.xml.gz rss_kib)")"
printf '| records stored by emauth | %s | | |\n' "$(num "$(get emauth-big.xml-check rows)")"
printf '| full import, seconds (Mail::DMARC: extrapolated, one transaction / as it ships) | %s | ~%s / ~%s | ~%s / ~%s |\n' \
	"$ex" "$(num "$xt")" "$(num "$xs")" "$(x "$xt" "$ex")" "$(x "$xs" "$ex")"
if [ "$full" -gt 0 ]; then
	fw=$(get maildmarc-big.xml-full wall) frc=$(get maildmarc-big.xml-full rc)
	fr=$(get maildmarc-big.xml-full records)
	if [ "$frc" = 0 ]; then
		# as shipped: plus the commits, per record, of the 1 MB imports
		fs=$(awk -v t="$fw" -v s1="$m1" -v t1="$m1t" -v r1="$r1" -v R="$rbig" \
			'BEGIN { printf "%.0f", t + (s1 - t1) / r1 * R }')
		printf '| full import, seconds (Mail::DMARC: measured once in one transaction, %s records / as it ships, estimated) | %s | %s / ~%s | %s / ~%s |\n' \
			"$(num "$fr")" "$ex" "$(num "$fw")" "$(num "$fs")" "$(x "$fw" "$ex")" "$(x "$fs" "$ex")"
	else
		printf '| full import in one transaction (Mail::DMARC: stopped after %s s, exit %s; last progress: %s) | %s | > %s | > %s |\n' \
			"$full" "$frc" "$(grep '^tag=maildmarc-big.xml-full-progress' "$raw" | tail -1 | cut -d' ' -f3-)" \
			"$ex" "$(num "$fw")" "$(x "$fw" "$ex")"
	fi
	printf '| peak RSS, full import | %s | %s | %s |\n' "$(mib "$(get emauth-big.xml rss_kib)")" \
		"$(mib "$(get maildmarc-big.xml-full rss_kib)")" "$(x "$(get maildmarc-big.xml-full rss_kib)" "$(get emauth-big.xml rss_kib)")"
fi
echo
echo '| the same report cut short: full import, seconds | emauth | Mail::DMARC | Mail::DMARC / emauth |'
echo '|---|---:|---:|---:|'
printf '| 1 MB (%s records), Mail::DMARC as it ships | %s | %s | %s |\n' "$(num "$r1")" "$e1" "$m1" "$(x "$m1" "$e1")"
printf '| 1 MB, Mail::DMARC in one transaction | %s | %s | %s |\n' "$e1" "$m1t" "$(x "$m1t" "$e1")"
printf '| 10 MB (%s records), Mail::DMARC in one transaction | %s | %s | %s |\n' "$(num "$r10")" "$e10" "$m10t" "$(x "$m10t" "$e10")"
printf '| records stored, 1 MB / 10 MB | %s / %s | %s / %s | |\n' \
	"$(num "$(get emauth-1mb.xml-check rows)")" "$(num "$(get emauth-10mb.xml-check rows)")" \
	"$(num "$(get maildmarc-1mb.xml records)")" "$(num "$(get maildmarc-10mb.xml-txn records)")"
if [ "$full" -gt 0 ]; then
	echo
	echo "Mail::DMARC's full import of big.xml, in one transaction: records stored, seconds"
	grep '^tag=maildmarc-big.xml-full-progress' "$raw" |
		sed 's/^.* records=\([0-9]*\) seconds=\([0-9.]*\).*/  \1 \2/'
fi
echo
echo 'every round (wall seconds):'
for t in emauth-batch emauth-each emauth-big.xml emauth-big.xml.gz emauth-1mb.xml \
	emauth-10mb.xml maildmarc-batch maildmarc-batch-txn maildmarc-big.xml-read \
	maildmarc-big.xml.gz-read maildmarc-1mb.xml maildmarc-1mb.xml-txn \
	maildmarc-10mb.xml-txn; do
	printf '  %s: %s (load at start: %s)\n' "$t" "$(all "$t" wall)" "$(all "$t" load)"
done
