#!/bin/bash
# DMARC interop: emauth (RFC 7489 mode) and OpenDMARC (Debian's
# libopendmarc, through tests/interop/dmarc/opendmarc_peer.c) evaluate the
# same cases (tests/interop/dmarc/cases.txt: a From domain, an SPF domain
# and result, DKIM domains and results) against the DMARC test zones
# (tests/data/zones/dmarc/), served by a real NSD on 127.0.0.1 inside a
# private mount and network namespace whose resolv.conf names it. Both
# fetch the records themselves and find Organizational Domains with
# Debian's Public Suffix List. Compared: the verdict (pass, reject,
# quarantine, none, absent) and SPF and DKIM alignment. Every difference
# must be listed in tests/interop/dmarc/differ.tsv with the reason.
# usage: tests/interop/dmarc_peers.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
psl=/usr/share/publicsuffix/public_suffix_list.dat
peer=$build/tests/opendmarc_peer
if [ ! -x "$peer" ] || [ ! -x /usr/sbin/nsd ] || [ ! -f "$psl" ]; then
	echo "not ok dmarc-peers/setup (libopendmarc-dev, nsd or publicsuffix missing)"
	exit 1
fi
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 120 "$here/$(basename "$0")" "$build"
bench_netns_resolver "$tmp" || exit 1
bench_nsd_start "$tmp/nsd" "$top"/tests/data/zones/dmarc/*.zone >nsd.log 2>&1 ||
	{ echo "not ok dmarc-peers/nsd-start"; cat nsd.log; exit 1; }
trap 'bench_nsd_stop' EXIT
cases=$here/dmarc/cases.txt
"$peer" "$psl" <"$cases" >opendmarc.out 2>opendmarc.err
"$build/tests/emauth_dmarc_peer" rfc7489 server:127.0.0.1 <"$cases" \
	>emauth.out 2>emauth.err
fails=0
while read -r name _; do
	ours=$(awk -v n="$name" '$1==n {print $2, $3, $4}' emauth.out)
	theirs=$(awk -v n="$name" '$1==n {print $2, $3, $4}' opendmarc.out)
	if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
		echo "ok dmarc-peers/$name"
		continue
	fi
	known=$(awk -F'\t' -v n="$name" '$1==n {print $2 "\t" $3}' \
		"$here/dmarc/differ.tsv")
	if [ -n "$ours" ] && [ "$known" = "$ours	$theirs" ]; then
		echo "ok dmarc-peers/$name (a documented difference)"
		continue
	fi
	echo "not ok dmarc-peers/$name"
	echo "  emauth: $ours; OpenDMARC: $theirs"
	fails=$((fails + 1))
done <"$cases"
[ -s opendmarc.err ] && sed 's/^/  opendmarc: /' opendmarc.err | head -5
[ "$fails" -eq 0 ]
