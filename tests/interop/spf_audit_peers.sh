#!/bin/bash
# The SPF lookup count of "emauth check" against pyspf (python3-spf) on
# platform-like include trees (examples/zones/deep.example.zone: several
# levels, a and mx inside includes, a redirect), served by a real NSD on
# 127.0.0.1 in a private network and mount namespace. emauth counts the
# tree with the system back end pointed at NSD; pyspf evaluates the same
# domain for an address no term matches, so it walks every branch, and
# reports its lookup count, or permerror when the count passes 10. Then
# the whole "emauth check" report through NSD must equal the offline one.
# usage: tests/interop/spf_audit_peers.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
if [ ! -x /usr/sbin/nsd ] || ! $py -c 'import spf' 2>/dev/null; then
	echo "not ok spf-audit-peers/setup (nsd or python3-spf missing)"
	exit 1
fi
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 120 "$here/$(basename "$0")" "$build"
bench_netns_resolver "$tmp" || exit 1
z=$top/examples/zones
# A root zone too: names outside the example zones get NXDOMAIN.
bench_root_zone "$tmp"
bench_nsd_start "$tmp/nsd" "$tmp/root.zone" "$z/deep.example.zone" \
	"$z/example.com.zone" "$z/mailplatform.example.zone" >nsd.log 2>&1 ||
	{ echo "not ok spf-audit-peers/nsd-start"; cat nsd.log; exit 1; }
trap 'bench_nsd_stop' EXIT
fails=0
for domain in deep.example tidy.deep.example example.com; do
	ours=$("$build/emauth" check "$domain" --dns server:127.0.0.1 --json |
		$py -c 'import json,sys
o=json.load(sys.stdin)
print(o["checks"][0]["lookup_tree"][0]["total_lookups"])')
	theirs=$($py -c 'import sys, spf
q = spf.query("192.0.2.254", "postmaster@" + sys.argv[1], "helo.example")
res, code, text = q.check()
print("over" if res == "permerror" and "Too many DNS lookups" in text
      else q.lookups)' "$domain" 2>&1)
	want=$ours
	[ "$ours" -gt 10 ] 2>/dev/null && want=over
	if [ "$theirs" = "$want" ]; then
		echo "ok spf-audit-peers/$domain ($ours lookups)"
	else
		echo "not ok spf-audit-peers/$domain"
		echo "  emauth: $ours; pyspf: $theirs"
		fails=$((fails + 1))
	fi
done
# The whole report through the system back end and a real server equals
# the one from the same zone files read offline.
zones="zone:$z/deep.example.zone,$z/example.com.zone,$z/mailplatform.example.zone"
for domain in deep.example example.com; do
	"$build/emauth" check "$domain" --selector demo2026 --ip 203.0.113.140 \
		--dns server:127.0.0.1 --json >live.json
	"$build/emauth" check "$domain" --selector demo2026 --ip 203.0.113.140 \
		--dns "$zones" --json >offline.json
	if cmp -s live.json offline.json; then
		echo "ok spf-audit-peers/same-report-$domain"
	else
		echo "not ok spf-audit-peers/same-report-$domain"
		python3 -c "import json,sys; a=json.load(open(\"offline.json\"))[\"checks\"]; b=json.load(open(\"live.json\"))[\"checks\"]; [print(\"  offline:\", x[\"message\"], \"| live:\", y[\"message\"]) for x,y in zip(a,b) if x!=y]"
		fails=$((fails + 1))
	fi
done
# --save-zone on the live run, then the saved file replayed offline: the
# same report.
"$build/emauth" check example.com --selector demo2026 --ip 203.0.113.140 \
	--dns server:127.0.0.1 --json --save-zone saved.zone >live.json
"$build/emauth" check example.com --selector demo2026 --ip 203.0.113.140 \
	--dns zone:saved.zone --json >replay.json
if cmp -s live.json replay.json; then
	echo "ok spf-audit-peers/save-zone-replay"
else
	echo "not ok spf-audit-peers/save-zone-replay"
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
