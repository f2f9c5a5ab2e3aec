#!/bin/bash
# CLI tests for "emauth record": each record exactly as printed, its round
# trip (published in a zone file, then evaluated by emauth spf / emauth
# dmarc / compared with what keygen wrote), the notes, and refusals.
# Prints "ok cli/record/NAME" or "not ok cli/record/NAME".
# usage: tests/cli/cli_record.sh BUILD-DIR
AREA=record
. "$(dirname "$0")/../lib/cli.sh"

nogrep() { ! grep -q "$@"; }
same() { [ "$(cat "$tmp/out")" = "$1" ]; }

zone_head() {
	printf '$ORIGIN record.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n@ IN NS ns\nns IN A 192.0.2.53\nmx IN A 192.0.2.25\n@ IN MX 10 mx\n'
}

# SPF: the record, then published and evaluated.
if run spf 0 record spf --no-dns --domain record.example --mx --ip4 198.51.100.0/24 --ip6 2001:db8:5::/48 --all fail; then
	check spf-text same $'record.example.\tIN\tTXT\t"v=spf1 mx ip4:198.51.100.0/24 ip6:2001:db8:5::/48 -all"'
	check spf-count grep -q '1 DNS-querying term at the top level' "$tmp/err"
	{ zone_head; cat "$tmp/out"; } >"$tmp/r.zone"
	run spf-roundtrip-pass 0 spf --ip 198.51.100.7 --mail-from a@record.example --dns "zone:$tmp/r.zone" --json &&
		check spf-roundtrip-pass grep -q '"result":"pass"' "$tmp/out"
	run spf-roundtrip-mx 0 spf --ip 192.0.2.25 --mail-from a@record.example --dns "zone:$tmp/r.zone" --json &&
		check spf-roundtrip-mx grep -q '"result":"pass"' "$tmp/out"
	run spf-roundtrip-fail 0 spf --ip 203.0.113.9 --mail-from a@record.example --dns "zone:$tmp/r.zone" --json &&
		check spf-roundtrip-fail grep -q '"result":"fail"' "$tmp/out"
fi
run spf-plus-all 2 record spf --all pass && check spf-plus-all grep -q 'never written' "$tmp/err"
run spf-bad-ip 2 record spf --ip4 300.1.1.1/24 && check spf-bad-ip grep -q 'not valid' "$tmp/err"
incs=()
for i in $(seq 1 11); do incs+=(--include "_spf$i.example.net"); done
run spf-too-many 2 record spf --no-dns "${incs[@]}" && check spf-too-many grep -q '11 DNS lookups in all' "$tmp/err"
# The includes' own records counted from DNS (here the example zones).
z=$top/examples/zones
run spf-include-cost 0 record spf --domain example.com --mx --include _spf.mailplatform.example --dns "zone:$z/mailplatform.example.zone" &&
	check spf-include-cost grep -q 'include:_spf.mailplatform.example costs 2 DNS lookups' "$tmp/err" &&
	check spf-total grep -q '3 of 10 DNS lookups in all' "$tmp/err"
run spf-deep 2 record spf --mx --a --include _spf.crm.deep.example --include _spf.news.deep.example --include _spf.help.deep.example --dns "zone:$z/deep.example.zone" &&
	check spf-deep grep -q '12 DNS lookups in all; receivers allow 10 (RFC 7208 4.6.4); the costliest include is _spf.crm.deep.example' "$tmp/err"
run spf-deep-force 0 record spf --force --mx --a --include _spf.crm.deep.example --include _spf.news.deep.example --include _spf.help.deep.example --dns "zone:$z/deep.example.zone" &&
	check spf-deep-force grep -q 'v=spf1 mx a include:_spf.crm.deep.example' "$tmp/out"
run spf-missing-include 2 record spf --include nospf.broken.example --dns "zone:$z/broken.example.zone" &&
	check spf-missing-include grep -q 'include:nospf.broken.example: no SPF record' "$tmp/err"
run spf-none 0 record spf && check spf-none grep -q 'sends no mail' "$tmp/err"
# Records built past their buffers are refused, never printed cut short.
ips=()
for i in $(seq 1 300); do ips+=(--ip4 "198.51.$((i / 256)).$((i % 256))"); done
run spf-too-long 2 record spf --no-dns "${ips[@]}" && check spf-too-long grep -q 'the record is too long (over 4095 bytes)' "$tmp/err"
run spf-long-domain 2 record spf --no-dns --domain "$(head -c 300 /dev/zero | tr '\0' a).example" &&
	check spf-long-domain grep -q 'is not a DNS name' "$tmp/err"
# The cost of each include is looked up: 64 includes of 2 lookups each
# make 128 in all (--force prints the record). 65 are refused.
iz="zone:$top/tests/data/zones/includes.example.zone"
incs=()
for i in $(seq 1 64); do incs+=(--include "h$i.includes.example"); done
if run spf-64-includes-counted 0 record spf --force "${incs[@]}" --dns "$iz"; then
	check spf-64-includes-counted grep -q '^emauth record spf: 128 of 10 DNS lookups in all$' "$tmp/err"
	check spf-64-includes-each [ "$(grep -c 'costs 2 DNS lookups' "$tmp/err")" = 64 ]
fi
# 65: refused whole, with --force too (the 65th's cost is never left out
# of the total).
run spf-65-includes-refused 2 record spf "${incs[@]}" --include h65.includes.example --dns "$iz" &&
	check spf-65-includes-refused grep -q 'at most 64 --include' "$tmp/err"
run spf-65-includes-force-refused 2 record spf --force "${incs[@]}" --include h65.includes.example --dns "$iz" &&
	check spf-65-includes-force-nothing [ ! -s "$tmp/out" ]
# --domain: 253 characters are taken, 254 refused (labels of 63 or less
# in both), never cut.
l63a=$(printf 'a%.0s' $(seq 1 63)) l63b=$(printf 'b%.0s' $(seq 1 63)) l63c=$(printf 'c%.0s' $(seq 1 63))
d253=$l63a.$l63b.$l63c.$(printf 'd%.0s' $(seq 1 61))
run spf-domain-253 0 record spf --no-dns --domain "$d253" --ip4 192.0.2.1 &&
	check spf-domain-253 same "$d253."$'\tIN\tTXT\t"v=spf1 ip4:192.0.2.1 -all"'
run spf-domain-254 2 record spf --no-dns --domain "${d253}d" --ip4 192.0.2.1 &&
	check spf-domain-254 grep -q "'${d253}d' is not a DNS name" "$tmp/err"
ruas=()
for i in $(seq 1 7); do ruas+=(--rua "mailto:aggregate-reports-$i@$(head -c 120 /dev/zero | tr '\0' r).example"); done
run dmarc-rua-too-long 2 record dmarc --policy reject "${ruas[@]}" &&
	check dmarc-rua-too-long grep -q -- '--rua: the list is longer than 1023 bytes' "$tmp/err"

# Flattening: the flattened record, published instead of the original,
# gives the same SPF result for addresses inside and outside every branch.
flat_zones="zone:$z/deep.example.zone,$z/example.com.zone,$z/mailplatform.example.zone"
for d in tidy.deep.example example.com deep.example; do
	if run "flatten-$d" 0 record spf --flatten "$d" --dns "$flat_zones"; then
		check "flatten-$d-lookups" grep -q '0 DNS lookups left' "$tmp/err"
		check "flatten-$d-snapshot" grep -q 'a flattened record is a snapshot' "$tmp/err"
		rec=$(sed -n 's/.*TXT\t"\(.*\)"$/\1/p' "$tmp/out")
		printf '$ORIGIN flat.test.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n@ IN NS ns\nns IN A 192.0.2.53\n@ IN TXT "%s"\n' "$rec" >"$tmp/flat.zone"
		same_all=1
		for ip in 203.0.113.140 203.0.113.31 2001:db8:1::9 198.51.100.9 198.51.100.200 192.0.2.25 192.0.2.61 192.0.2.130 2001:db8:f00::1 192.0.2.199 203.0.113.250 2001:db8:99::1; do
			a=$("$emauth" spf --ip "$ip" --mail-from "x@$d" --dns "$flat_zones" --json | sed 's/.*"result":"\([a-z]*\)".*/\1/')
			b=$("$emauth" spf --ip "$ip" --mail-from x@flat.test --dns "zone:$tmp/flat.zone" --json | sed 's/.*"result":"\([a-z]*\)".*/\1/')
			# A permerror of the original (too many lookups, or
			# void lookups for IPv6 clients) is what flattening
			# removes: nothing to compare.
			if [ "$a" != permerror ] && [ "$a" != "$b" ]; then
				echo "  $d $ip: original $a, flattened $b"
				same_all=0
			fi
		done
		# deep.example's original is a permerror (12 lookups): the
		# flattened one must authorize what each branch meant to.
		if [ "$d" = deep.example ]; then
			for ip in 203.0.113.31 2001:db8:1::9 198.51.100.200 192.0.2.130; do
				b=$("$emauth" spf --ip "$ip" --mail-from x@flat.test --dns "zone:$tmp/flat.zone" --json | sed 's/.*"result":"\([a-z]*\)".*/\1/')
				[ "$b" = pass ] || same_all=0
			done
		fi
		check "flatten-$d-same-results" [ "$same_all" = 1 ]
	fi
done
run flatten-keep 0 record spf --flatten example.com --keep _spf.mailplatform.example --dns "$flat_zones" &&
	check flatten-keep grep -q 'include:_spf.mailplatform.example -all' "$tmp/out" &&
	check flatten-keep-count grep -q '1 DNS lookup left' "$tmp/err"
# --keep: 32 are taken, a 33rd is refused.
keeps=()
for i in $(seq 1 32); do keeps+=(--keep "k$i.example"); done
run flatten-keep-32 0 record spf --flatten example.com "${keeps[@]}" --dns "$flat_zones" &&
	check flatten-keep-32 grep -q 'TXT.*"v=spf1 ' "$tmp/out"
run flatten-keep-33 2 record spf --flatten example.com "${keeps[@]}" --keep k33.example --dns "$flat_zones" &&
	check flatten-keep-33 grep -q 'at most 32 --keep' "$tmp/err"
run flatten-none 2 record spf --flatten nothing.example --dns "$flat_zones" &&
	check flatten-none grep -q 'no SPF record' "$tmp/err"
# Flattening never authorizes more than the published record
# (tests/data/zones/flatten.example.zone): 11 MX names keep mx as written,
# 10 are listed by preference, and an include that excludes an address is
# kept; each evaluated against the published record.
fz="$top/tests/data/zones/flatten.example.zone"
if run flatten-mx11 0 record spf --flatten mx11.flatten.example --dns "zone:$fz"; then
	check flatten-mx11 same $'mx11.flatten.example.\tIN\tTXT\t"v=spf1 mx -all"'
	check flatten-mx11-note grep -q 'mx kept as written: mx11.flatten.example has 11 MX records' "$tmp/err"
fi
run flatten-mx10 0 record spf --flatten mx10.flatten.example --dns "zone:$fz" &&
	check flatten-mx10 same $'mx10.flatten.example.\tIN\tTXT\t"v=spf1 ip4:192.0.2.10 ip4:192.0.2.9 ip4:192.0.2.8 ip4:192.0.2.7 ip4:192.0.2.6 ip4:192.0.2.5 ip4:192.0.2.4 ip4:192.0.2.3 ip4:192.0.2.2 ip4:192.0.2.1 -all"'
if run flatten-exclusion 0 record spf --flatten f2.flatten.example --dns "zone:$fz"; then
	check flatten-exclusion same $'f2.flatten.example.\tIN\tTXT\t"v=spf1 include:esp.flatten.example -all"'
	check flatten-exclusion-note grep -q 'include:esp.flatten.example kept as written: -ip4:192.0.2.5' "$tmp/err"
	printf '$ORIGIN copy.flatten.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n@ IN NS ns\nns IN A 192.0.2.53\n' >"$tmp/copy.zone"
	sed 's/^f2.flatten.example./copy.flatten.example./' "$tmp/out" >>"$tmp/copy.zone"
	for ip in 192.0.2.5 192.0.2.6; do
		a=$("$emauth" spf --ip "$ip" --mail-from x@f2.flatten.example --dns "zone:$fz" --json | sed 's/.*"result":"\([a-z]*\)".*/\1/')
		b=$("$emauth" spf --ip "$ip" --mail-from x@copy.flatten.example --dns "zone:$fz,$tmp/copy.zone" --json | sed 's/.*"result":"\([a-z]*\)".*/\1/')
		check "flatten-exclusion-$ip" [ "$a" = "$b" ]
	done
fi

# DMARC: the record, notes, refusals, and the round trip.
if run dmarc 0 record dmarc --no-dns --domain record.example --policy reject --subdomain-policy quarantine --rua mailto:dmarc@record.example --rua mailto:agg@reports.example.net; then
	check dmarc-text same $'_dmarc.record.example.\tIN\tTXT\t"v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@record.example,mailto:agg@reports.example.net"'
	check dmarc-consent grep -q 'record.example._report._dmarc.reports.example.net. IN TXT "v=DMARC1"' "$tmp/err"
	check dmarc-no-consent-own nogrep '_report._dmarc.record.example.' "$tmp/err"
	{ zone_head; cat "$tmp/out"; } >"$tmp/d.zone"
	run dmarc-roundtrip 0 dmarc record.example --dns "zone:$tmp/d.zone" --json &&
		check dmarc-roundtrip grep -q '"policy":"reject"' "$tmp/out"
fi
run dmarc-emailto 2 record dmarc --policy reject --rua emailto:x@record.example &&
	check dmarc-emailto grep -q 'did you mean mailto:?' "$tmp/err"
run dmarc-bad-policy 2 record dmarc --policy rejct &&
	check dmarc-bad-policy grep -q "not none, quarantine or reject" "$tmp/err"
run dmarc-none 0 record dmarc --policy none &&
	check dmarc-none-note grep -q 'only monitors' "$tmp/err" &&
	check dmarc-none-rua grep -q 'without rua= no aggregate reports' "$tmp/err"
run dmarc-pct 0 record dmarc --no-dns --policy quarantine --pct 50 --rua mailto:d@record.example --domain record.example &&
	check dmarc-pct grep -q 'pct was removed by RFC 9989' "$tmp/err"
# An enforcing policy for a domain without a DMARC record yet: warned that
# the usual path starts at p=none with rua=; not for one that has a record.
{ zone_head; printf '_dmarc.has.record.example. IN TXT "v=DMARC1; p=none; rua=mailto:d@record.example"\n'; } >"$tmp/first.zone"
run dmarc-first-reject 0 record dmarc --domain new.record.example --policy reject --dns "zone:$tmp/first.zone" &&
	check dmarc-first-reject grep -q 'new.record.example has no DMARC record yet: .*the usual path is p=none with rua= first' "$tmp/err"
run dmarc-next-reject 0 record dmarc --domain has.record.example --policy reject --rua mailto:d@record.example --dns "zone:$tmp/first.zone" &&
	check dmarc-next-reject nogrep 'no DMARC record yet' "$tmp/err"
run dmarc-first-none 0 record dmarc --domain new.record.example --policy none --dns "zone:$tmp/first.zone" &&
	check dmarc-first-none nogrep 'no DMARC record yet' "$tmp/err"
run dmarc-no-policy 2 record dmarc && check dmarc-no-policy grep -q -- '--policy is required' "$tmp/err"

# DKIM: the same text keygen wrote for the example keys.
for s in demo2026 demo2026e; do
	if run "dkim-$s" 0 record dkim --key "$top/examples/keys/$s.private" --selector "$s" --domain example.com; then
		check "dkim-$s-matches-keygen" cmp -s "$tmp/out" "$top/examples/keys/$s.txt"
	fi
done
run dkim-no-key 2 record dkim --key "$tmp/none.pem" --selector s && check dkim-no-key grep -q 'none.pem' "$tmp/err"
printf 'not a key\n' >"$tmp/bad.pem"
run dkim-bad-key 2 record dkim --key "$tmp/bad.pem" --selector s && check dkim-bad-key grep -q 'bad.pem' "$tmp/err"

# PTR.
run ptr4 0 record ptr --ip 192.0.2.25 --name mx.record.example. &&
	check ptr4 same $'25.2.0.192.in-addr.arpa.\tIN\tPTR\tmx.record.example.'
run ptr6 0 record ptr --ip 2001:db8::25 --name mx.record.example &&
	check ptr6 same $'5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\tIN\tPTR\tmx.record.example.'
run ptr-bad 2 record ptr --ip 192.0.2.300 --name mx.record.example && check ptr-bad grep -q 'not an IP address' "$tmp/err"
run unknown 2 record mx && check unknown grep -q "unknown record type 'mx'" "$tmp/err"
[ "$fails" -eq 0 ]
