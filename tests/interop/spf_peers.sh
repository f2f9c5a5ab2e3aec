#!/bin/bash
# SPF interop: emauth and pyspf (python3-spf) evaluate the same generated
# scenarios (tests/interop/spf/gen.py: ip4/ip6 and CIDR edges, a and mx with
# dual CIDR, null MX, include with every inner result, redirect, exp= with
# macros, exists and a with macros, ptr and %{p}, the processing limits,
# syntax errors, record selection, the null sender, DNS failure), served by
# a real NSD on 127.0.0.1 inside a private mount and network namespace whose
# resolv.conf names it. emauth uses the system back end (libunbound)
# pointed at it with --dns server:127.0.0.1. Every difference must be one
# listed in tests/interop/spf/differ.tsv, where RFC 7208 decides it.
# usage: tests/interop/spf_peers.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
if [ ! -x /usr/sbin/nsd ] || ! $py -c 'import spf' 2>/dev/null; then
	echo "not ok spf-peers/setup (nsd or python3-spf missing)"
	exit 1
fi
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 300 "$here/$(basename "$0")" "$build"
$py "$here/spf/gen.py" "$tmp/gen" >/dev/null || exit 1
bench_netns_resolver "$tmp" || exit 1
bench_nsd_start "$tmp/nsd" gen/*.zone >nsd.log 2>&1 ||
	{ echo "not ok spf-peers/nsd-start"; cat nsd.log; exit 1; }
trap 'bench_nsd_stop' EXIT
$py "$here/spf/pyspf_check.py" gen/scenarios.tsv >pyspf.out 2>pyspf.err
fails=0
while IFS=$'\t' read -r name ip from helo cmpexp; do
	out=$("$build/emauth" spf --ip "$ip" --mail-from "$from" --helo "$helo" \
		--dns server:127.0.0.1 --json 2>&1)
	ours=$(printf '%s' "$out" | $py -c 'import json,sys
o=json.loads(sys.stdin.read()); print(o["result"]); print(o["explanation"] or "")' 2>/dev/null)
	our_res=$(printf '%s\n' "$ours" | sed -n 1p)
	our_exp=$(printf '%s\n' "$ours" | sed -n 2p)
	line=$(awk -F'\t' -v n="$name" '$1==n' pyspf.out)
	their_res=$(printf '%s' "$line" | cut -f2)
	their_exp=$(printf '%s' "$line" | cut -f3)
	agree=1
	[ "$our_res" = "$their_res" ] || agree=0
	if [ "$agree" = 1 ] && [ "$cmpexp" = 1 ] && [ "$our_res" = fail ]; then
		# pyspf's default explanation stands where ours is none.
		[ -z "$our_exp" ] && [ "$their_exp" = "SPF fail - not authorized" ] && their_exp=
		[ "$our_exp" = "$their_exp" ] || agree=0
	fi
	if [ "$agree" = 1 ]; then
		echo "ok spf-peers/$name"
		continue
	fi
	# A listed difference: emauth must give the RFC's answer.
	want=$(awk -F'\t' -v n="$name" '$1==n {print $2}' "$here/spf/differ.tsv")
	if [ -n "$want" ] && [ "$our_res" = "$want" ]; then
		echo "ok spf-peers/$name (pyspf=$their_res; RFC 7208: $want, see differ.tsv)"
	else
		echo "not ok spf-peers/$name emauth=$our_res [$our_exp] pyspf=$their_res [$their_exp]"
		fails=$((fails + 1))
	fi
done <gen/scenarios.tsv
[ "$fails" -eq 0 ]
