#!/bin/bash
# The zone back end (--dns zone:FILE,...) against NSD serving the same files
# on 127.0.0.1:53, inside a private mount and network namespace:
#  1. broken zone files: NSD and emauth both refuse them, and emauth frees
#     what it read (the helper runs under LeakSanitizer, with no
#     suppressions, in the sanitizer build);
#  2. every zone in examples/zones/, tests/milter/zones/, tests/data/zones/
#     and tests/data/zones/dmarc/ (one NSD per directory; those NSD refuses
#     are named, with its reason, and left out), and random zone sets from
#     a fixed seed (EMAUTH_ZONE_SEED to change it): tests/zone_nsd_peer asks
#     both about every owner name and type, empty non-terminals, names that
#     do not exist, names under wildcards and at and under delegations,
#     following CNAMEs, and compares the outcome and the records (one line
#     per zone and kind of question);
#  3. where NSD differs from the RFC (one tree of names for all its
#     zones): the difference, as docs/internals/dns.md describes it;
#  4. SPF through both (--dns zone: and --dns server:127.0.0.1) for names
#     under wildcards, in the tests/data/zones/ group.
# Files of one zone (the same SOA owner, or no SOA inside another file's
# zone) are given to NSD as one file, to emauth as they are.
# usage: tests/interop/zone_nsd.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
peer=$build/tests/zone_nsd_peer
seed=${EMAUTH_ZONE_SEED:-20261202}
nrandom=12

for need in /usr/sbin/nsd /usr/sbin/nsd-checkzone "$peer" "$build/emauth"; do
	if [ ! -x "$need" ]; then
		echo "not ok zone-nsd/setup ($need is missing)"
		exit 1
	fi
done
# shellcheck source=../../bench/nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 600 "$here/$(basename "$0")" "$build"
ip link set lo up || {
	echo "not ok zone-nsd/setup (no loopback in the namespace)"
	exit 1
}
echo "# random zone sets: seed $seed to $((seed + nrandom - 1)) (EMAUTH_ZONE_SEED=$seed)"
fails=0

# Part 1: files NSD refuses must be refused here too, without a leak.
mkdir -p broken
printf '$ORIGIN b.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n' >broken/head
{ cat broken/head; printf 'a IN TXT "x"\nb IN FOO 1\n'; } >broken/unknown-type.zone
{ cat broken/head; printf 'a IN TXT "x"\nc IN TXT "stray\nd IN TXT "v=spf1 -all"\n'; } >broken/open-quote.zone
{ cat broken/head; printf 'a IN TXT "x"\nb IN MX 10\n'; } >broken/short-rdata.zone
{ cat broken/head; printf 'a IN TXT "x"\n$INCLUDE other.zone\n'; } >broken/include.zone
{ cat broken/head; printf 'a IN TXT "x"\n@ IN SOA ns h 2 1 1 1 1\n'; } >broken/two-soa.zone
printf '$ORIGIN b.example.\n$TTL 300\n*.w IN TXT "v=spf1 -all"\n' >broken/wildcard-no-soa.zone
for f in "$top/tests/data/zones/bad.zone" broken/*.zone; do
	name=$(basename "$f" .zone)
	apex=b.example
	[ "$name" = bad ] && apex=bad.example
	nsd_says=$(nsd-checkzone "$apex" "$f" 2>&1)
	nsd_rc=$?
	ours=$(ASAN_OPTIONS=detect_leaks=1:exitcode=23 LSAN_OPTIONS='' \
		"$peer" load "$f" 2>load.err)
	rc=$?
	if [ "$nsd_rc" -ne 0 ] && [ "$rc" -eq 0 ] &&
		[ "${ours#refused: }" != "$ours" ] && [ ! -s load.err ]; then
		echo "ok zone-nsd/refused/$name (${ours#refused: })"
	else
		echo "not ok zone-nsd/refused/$name"
		echo "#   NSD (exit $nsd_rc): $(echo "$nsd_says" | tail -n 1)"
		echo "#   emauth (exit $rc): $ours"
		sed 's/^/#   /' load.err | head -n 20
		fails=$((fails + 1))
	fi
done

# Part 2 (and 4): the same questions to both.
# run_group NAME FILE...
run_group() {
	local name=$1 apex f dir=$PWD/$1 line err
	shift
	mkdir -p "$dir/nsd-in"
	"$peer" apex "$@" >"$dir/apex" || {
		echo "not ok zone-nsd/$name/apex"
		fails=$((fails + 1))
		return
	}
	local -a ours=() zones=()
	while read -r apex f; do
		if [ "$apex" = ! ]; then
			echo "# $name: $(basename "$f") does not load: $("$peer" load "$f" | sed 's/^refused: //')"
			continue
		fi
		if [ "$apex" = - ]; then
			echo "# $name: $(basename "$f") has no SOA and no zone holds it: NSD cannot serve it (left out)"
			continue
		fi
		apex=${apex%.}
		[ -z "$apex" ] && apex=root
		cat "$f" >>"$dir/nsd-in/$apex.zone"
	done <"$dir/apex"
	for f in "$dir"/nsd-in/*.zone; do
		apex=$(basename "$f" .zone)
		[ "$apex" = root ] && apex=.
		if ! err=$(nsd-checkzone "$apex" "$f" 2>&1); then
			line=$(echo "$err" | grep -m1 'error:' |
				sed 's/.*error: [^:]*:\([0-9]*\): /line \1: /')
			echo "# $name: NSD refuses zone $apex ($(awk -v a="${apex%.}." '$1==a {print $2}' "$dir/apex" | xargs -n1 basename | paste -sd, -)): $line (left out)"
			continue
		fi
		zones+=("$f")
		while read -r a g; do
			[ "${a%.}" = "${apex%.}" ] && ours+=("$g")
		done <"$dir/apex"
	done
	if [ ${#zones[@]} -eq 0 ]; then
		echo "not ok zone-nsd/$name (NSD accepts none of its zones)"
		fails=$((fails + 1))
		return
	fi
	if ! bench_nsd_start "$dir/nsd" "${zones[@]}" >"$dir/nsd-start.log" 2>&1; then
		echo "not ok zone-nsd/$name/nsd-start"
		sed 's/^/#   /' "$dir/nsd-start.log" | head -n 20
		fails=$((fails + 1))
		return
	fi
	"$peer" compare "$name" 53 "${ours[@]}" || fails=$((fails + 1))
	if [ "$name" = data ]; then
		spf_both "${ours[@]}"
	fi
	bench_nsd_stop
}

# Part 4: SPF through the zone back end and through NSD.
spf_both() {
	local spec d a b
	spec=zone:$(printf '%s,' "$@")
	spec=${spec%,}
	for d in x.sub.wild.example a.b.sub.wild.example host.sub.wild.example \
		ent.sub.wild.example loaded.wild.example y.any.loaded.wild.example \
		nothing.wild.example; do
		a=$("$build/emauth" spf --ip 192.0.2.1 --mail-from "p@$d" \
			--dns "$spec" --json 2>&1 | sed -n 's/.*"result":"\([a-z]*\)".*/\1/p')
		b=$("$build/emauth" spf --ip 192.0.2.1 --mail-from "p@$d" \
			--dns server:127.0.0.1 --json 2>&1 | sed -n 's/.*"result":"\([a-z]*\)".*/\1/p')
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			echo "ok zone-nsd/spf/$d ($a)"
		else
			echo "not ok zone-nsd/spf/$d (zone: $a, NSD: $b)"
			fails=$((fails + 1))
		fi
	done
}

# Part 3. Where NSD differs from the RFC: NSD keeps one tree of names for all its
# zones, so a name that only the parent holds below a cut (occluded data)
# exists in the loaded child zone too (NODATA), and the parent's occluded
# wildcard answers there (NODATA). RFC 1034 §4.3.2 answers from the child
# zone alone: the name does not exist there (NXDOMAIN), as emauth says.
mkdir -p differ
printf '$ORIGIN p.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n@ IN NS ns\nns IN A 192.0.2.1\nc IN NS ns.c\nns.c IN A 192.0.2.2\nwww.c IN TXT "occluded"\n*.c IN TXT "occluded wildcard"\n' >differ/p.example.zone
printf '$ORIGIN c.p.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n@ IN NS ns\nns IN A 192.0.2.2\n' >differ/c.p.example.zone
if bench_nsd_start "$PWD/differ/nsd" differ/p.example.zone differ/c.p.example.zone >differ/nsd.log 2>&1; then
	for q in "www.c.p.example A" "other.c.p.example TXT"; do
		# shellcheck disable=SC2086
		got=$("$peer" ask 53 $q differ/p.example.zone differ/c.p.example.zone)
		if [ "$got" = "emauth=NXDOMAIN nsd=NODATA" ]; then
			echo "ok zone-nsd/nsd-differs/${q% *} ($got: NSD answers for the parent's occluded data in the child zone)"
		else
			echo "not ok zone-nsd/nsd-differs/${q% *} ($got; expected emauth=NXDOMAIN nsd=NODATA: if NSD now agrees, update docs/internals/dns.md)"
			fails=$((fails + 1))
		fi
	done
	bench_nsd_stop
else
	echo "not ok zone-nsd/nsd-differs/nsd-start"
	fails=$((fails + 1))
fi

run_group examples "$top"/examples/zones/*.zone
run_group milter "$top"/tests/milter/zones/*.zone
run_group data "$top"/tests/data/zones/*.zone
run_group dmarc "$top"/tests/data/zones/dmarc/*.zone
for i in $(seq 0 $((nrandom - 1))); do
	s=$((seed + i))
	mkdir -p "gen-$s"
	"$peer" gen "$s" "gen-$s" || {
		echo "not ok zone-nsd/random-$s/gen"
		fails=$((fails + 1))
		continue
	}
	run_group "random-$s" "gen-$s"/*.zone
done
[ "$fails" -eq 0 ]
