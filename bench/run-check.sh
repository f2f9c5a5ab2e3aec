#!/bin/bash
# run-check.sh: what a full "emauth check" costs. With the zone back end
# (DNS excluded): the time of one run, as a process (what a user runs),
# averaged over N runs, and the DNS queries it makes. Against a real NSD on
# 127.0.0.1 (inside unshare -mn, as the interop tests do) with the system
# back end: the queries that go past emauth's answer cache, with the cache
# on and off, and the time.
#
#   bench/run-check.sh [-n RUNS] [BUILD-DIR]      (as root, for unshare)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runs=100
while getopts n: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd) || exit 2
z=$top/examples/zones
zones="$z/example.com.zone $z/mailplatform.example.zone $z/reverse.zone $z/broken.example.zone $z/deep.example.zone"
args_good=(example.com --selector demo2026 --selector demo2026e --ip 203.0.113.140)
args_broken=(broken.example --selector s1 --selector old --ip 192.0.2.199)

timed() { # LABEL SPEC ARGS...: N runs, mean ms, and the DNS counts of one
	local label=$1 spec=$2
	shift 2
	local t0 t1
	t0=$(date +%s%N)
	for _ in $(seq "$runs"); do
		"$build/emauth" check "$@" --dns "$spec" --json >/dev/null 2>&1
	done
	t1=$(date +%s%N)
	local q
	q=$("$build/emauth" check "$@" --dns "$spec" --json --dns-stats 2>&1 >/dev/null |
		sed -n 's/.*DNS: \([0-9]*\) queries asked, \([0-9]*\) past.*/\1 asked, \2 past the cache/p')
	printf '%-40s %8.2f ms/run  (%s)\n' "$label" \
		"$(awk -v a="$t0" -v b="$t1" -v n="$runs" 'BEGIN { print (b - a) / 1e6 / n }')" "$q"
}

if [ "${EMAUTH_IN_NS:-}" = 1 ]; then
	tmp=$EMAUTH_TMP
	cd "$tmp" || exit 1
	. "$top/bench/nsd-local.sh"
	bench_netns_resolver "$tmp" || exit 1
	bench_root_zone "$tmp"
	# shellcheck disable=SC2086
	bench_nsd_start "$tmp/nsd" root.zone $zones >nsd.log 2>&1 || exit 1
	timed "good domain, NSD, cache on" server:127.0.0.1 "${args_good[@]}"
	timed "good domain, NSD, cache off" server:127.0.0.1 "${args_good[@]}" --no-dns-cache
	timed "broken domain, NSD, cache on" server:127.0.0.1 "${args_broken[@]}"
	timed "broken domain, NSD, cache off" server:127.0.0.1 "${args_broken[@]}" --no-dns-cache
	bench_nsd_stop
	exit 0
fi
spec="zone:$(echo $zones | tr ' ' ',')"
echo "emauth check, $runs runs each, one process per run"
timed "good domain, zone back end" "$spec" "${args_good[@]}"
timed "broken domain, zone back end" "$spec" "${args_broken[@]}"
tmp=$(mktemp -d)
EMAUTH_IN_NS=1 EMAUTH_TMP=$tmp unshare -mn "$0" -n "$runs" "$build"
rm -rf "$tmp"
