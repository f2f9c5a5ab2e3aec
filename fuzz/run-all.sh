#!/bin/bash
# Runs libFuzzer targets for a time each, two at a time (one per core), and
# merges what they found into fuzz/corpus/<target> (minimised).
# usage: fuzz/run-all.sh SECONDS TARGET...     (after make fuzz)
# Logs and the final stats go to build-fuzz/fuzz-logs/<target>.log;
# FUZZ_BUILD names another build folder than build-fuzz. Inputs are up to
# 4096 bytes, or the max_len of fuzz/fuzz_<target>.options (as OSS-Fuzz
# reads it).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:?seconds}
shift
build=${FUZZ_BUILD:-$top/build-fuzz}
bin=$build/fuzz
logs=$build/fuzz-logs
mkdir -p "$logs"

# The input size limit of target $1.
max_len() {
	local n
	n=$(sed -n 's/^max_len *= *\([0-9]*\).*/\1/p' \
		"$top/fuzz/fuzz_$1.options" 2>/dev/null)
	echo "${n:-4096}"
}

run_one() {
	local t=$1 work len
	len=$(max_len "$t")
	work=$(mktemp -d)
	cp "$top/fuzz/corpus/$t"/* "$work"/ 2>/dev/null
	"$bin/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 \
		-max_len="$len" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$logs/$t-" "$work" >"$logs/$t.log" 2>&1
	echo "exit status $?" >>"$logs/$t.log"
	local merged
	merged=$(mktemp -d)
	"$bin/fuzz_$t" -merge=1 -max_len="$len" "$merged" "$work" \
		>>"$logs/$t.merge.log" 2>&1
	# Inputs that once found a bug (regress-*) stay, whatever the merge
	# thinks of their coverage.
	find "$top/fuzz/corpus/$t" -maxdepth 1 -type f ! -name 'regress-*' \
		-delete
	cp "$merged"/* "$top/fuzz/corpus/$t/"
	rm -rf "$work" "$merged"
}

while [ $# -gt 0 ]; do
	run_one "$1" &
	a=$!
	b=
	if [ $# -gt 1 ]; then
		run_one "$2" &
		b=$!
		shift
	fi
	shift
	wait $a ${b:+$b}
done
