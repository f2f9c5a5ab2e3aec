#!/bin/bash
# ARC (RFC 8617) interop with the real peers from Debian: dkimpy
# (python3-dkim: dkim.arc_sign, dkim.arc_verify) and Mail::DKIM
# (libmail-dkim-perl: Mail::DKIM::ARC::Signer, Mail::DKIM::ARC::Verifier).
#
# Three-hop chains, in all 27 orders of sealers (each hop is emauth,
# dkimpy or Mail::DKIM; hop N seals as hopN.example with its own RSA key).
# Each hop does what a mailing list does:
#   1. verifies the incoming chain with its own implementation;
#   2. adds "Authentication-Results: mx.hopN.example; arc=RESULT" (emauth
#      and dkimpy take the new seal's cv from it; Mail::DKIM's signer is
#      given it as Chain => RESULT);
#   3. changes the message, after verifying and before sealing:
#      hop 1 tags the subject "[list]", hop 2 appends a footer to the
#      body, hop 3 adds a header field "X-List: yes";
#   4. seals.
# The start is a small message DKIM-signed by origin.example. Then all
# three verifiers verify every message of every length (1, 2 and 3 sets):
#   - intact chains: all say pass, and agree on which
#     ARC-Message-Signatures still verify (the footer breaks the first
#     one: emauth's oldest-pass is 2 from the second hop on);
#   - tampered after the last seal, for all 27 orders (a body line, the
#     signed Subject, ARC-Seal i=2 deleted, the first seal's cv=none made
#     pass, the first ARC-Authentication-Results edited): all say fail;
#   - broken in the middle: three 2-hop chains have their body changed
#     after the second seal; the third hop (each implementation) finds
#     fail and seals cv=fail; all say fail, except dkimpy (below);
#   - messages without ARC (signed and not): all say none.
#
# Known peer deviation, asserted so that a change shows: RFC 8617 5.2
# step 2 says that when the newest ARC-Seal has cv=fail "the Chain
# Validation Status is fail". dkimpy 1.1.4's ARC.verify returns None for
# such a chain ("ARC-Seal[3] reported failure, the chain is terminated")
# instead of fail. emauth and Mail::DKIM say fail; Mail::DKIM 1.20230212
# gets there another way: it checks every ARC-Seal over all the sets,
# while RFC 8617 5.1.2 has a cv=fail seal sign only its own set (as all
# three sealers do), so it calls that seal "message has been altered".
# Its verdict is right, its reason is not; only the verdict is asserted.
#
# The keys are made with "emauth keygen" (PKCS#8 PEM, which both peers
# read); emauth gets them from zone files (--dns zone:), dkimpy through
# its dnsfunc= hook and Mail::DKIM through a replaced
# Mail::DKIM::DNS::query (tests/interop/arc/*): no DNS, no network.
#
# Prints "ok interop/arc/NAME" or "not ok interop/arc/NAME" and a "#"
# detail line for each check; exits 0 only when every check passed. A
# missing peer is a failure.
# usage: tests/interop/arc_peers.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
emauth=$build/emauth
py=/usr/bin/python3
arc=$here/arc

setup_fail() {
	echo "not ok interop/arc/setup ($1)"
	exit 1
}
[ -x "$emauth" ] || setup_fail "$emauth is missing: build first"
[ -x "$py" ] || setup_fail "$py is missing"
$py -c 'import dkim, authres; dkim.arc_sign; dkim.arc_verify' 2>/dev/null ||
	setup_fail "python3-dkim (with python3-authres) missing for $py"
perl -MNet::DNS -MMail::DKIM::ARC::Signer -MMail::DKIM::ARC::Verifier -e1 2>/dev/null ||
	setup_fail "libmail-dkim-perl (Mail::DKIM::ARC) or libnet-dns-perl missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
mkdir m t n pre

total=0 fails=0
report() { # NAME OK? DETAIL
	total=$((total + 1))
	if [ "$2" = 1 ]; then
		echo "ok interop/arc/$1"
	else
		echo "not ok interop/arc/$1"
		echo "#   $3"
		fails=$((fails + 1))
	fi
}

# Keys: one RSA 2048 key per hop and one for the origin's DKIM signature;
# a zone file per domain for emauth, "NAME TXT-VALUE" lines for the peers.
zones=
: >keys.txt
for d in hop1 hop2 hop3 origin; do
	mkdir "$d"
	(cd "$d" && "$emauth" keygen --domain "$d.example" --selector "s$d" >/dev/null) ||
		setup_fail "emauth keygen for $d.example failed"
	{
		# shellcheck disable=SC2016
		printf '$ORIGIN %s.example.\n$TTL 300\n' "$d"
		printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 192.0.2.53\n'
		cat "$d/s$d.txt"
	} >"$d.zone"
	zones=${zones:+$zones,}$tmp/$d.zone
	# The TXT record's character-strings, joined, before the comment.
	printf 's%s._domainkey.%s.example %s\n' "$d" "$d" \
		"$(tr -d '\n' <"$d/s$d.txt" | sed 's/)[^)]*$//' | grep -o '"[^"]*"' | tr -d '"\n')" >>keys.txt
done
dns=zone:$zones
# Seal timestamps: a little in the past (dkimpy refuses t= in the future).
now=$(date +%s)

impls="emauth dkimpy maildkim"

# verify_with IMPL OUT FILE...: "FILE <TAB> cv <TAB> ams <TAB> reason"
# lines; ams is "oldest=N" for emauth, per-instance results for the peers.
verify_with() {
	local impl=$1 out=$2
	shift 2
	case $impl in
	emauth)
		"$emauth" arc verify --dns "$dns" --json "$@" 2>emauth-verify.err |
			$py -c '
import json, sys
for line in sys.stdin:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    print("%s\t%s\toldest=%s\t%s" % (o["file"], o["cv"], o["oldest_pass"], o["reason"]))
' >"$out"
		;;
	dkimpy) $py "$arc/dkimpy_arc.py" verify keys.txt "$@" >"$out" 2>dkimpy-verify.err ;;
	maildkim) perl "$arc/maildkim_arc.pl" verify keys.txt "$@" >"$out" 2>maildkim-verify.err ;;
	esac
}

# seal_with IMPL HOP IN OUT CHAIN...: "OUT <TAB> ok|error <TAB> detail"
# lines on standard output.
seal_with() {
	local impl=$1 n=$2 ts=$((now - 400 + 100 * $2))
	local d=hop$n.example s=shop$n key=$tmp/hop$n/shop$n.private srv=mx.hop$n.example
	shift 2
	case $impl in
	emauth)
		while [ $# -ge 3 ]; do
			if "$emauth" arc seal --domain "$d" --selector "$s" --key "$key" \
				--authserv-id "$srv" --dns "$dns" --timestamp "$ts" "$1" >"$2" 2>seal.err; then
				printf '%s\tok\t-\n' "$2"
			else
				printf '%s\terror\t%s\n' "$2" "$(head -c 300 seal.err | tr '\n\t' '  ')"
			fi
			shift 3
		done
		;;
	dkimpy) $py "$arc/dkimpy_arc.py" seal keys.txt "$d" "$s" "$key" "$srv" "$ts" "$@" 2>&1 ;;
	maildkim) perl "$arc/maildkim_arc.pl" seal keys.txt "$d" "$s" "$key" "$srv" "$ts" "$@" 2>&1 ;;
	esac
}

# field FILE KEY COLUMN: column COLUMN of KEY's line in the tab-separated FILE.
field() {
	awk -F '\t' -v k="$2" -v c="$3" '$1 == k { print $c; exit }' "$1"
}

# The start: a small message, DKIM-signed by origin.example.
printf '%s\r\n' 'From: Alice <alice@origin.example>' 'To: list@hop1.example' \
	'Subject: arc interop' 'Date: Thu, 03 Dec 2026 09:00:00 +0000' \
	'Message-ID: <arc-interop@origin.example>' 'MIME-Version: 1.0' \
	'Content-Type: text/plain; charset=us-ascii' '' 'Hello list,' '' \
	'see you tomorrow.' '-- ' 'Alice' >n/plain.eml
"$emauth" dkim sign --domain origin.example --selector sorigin \
	--key origin/sorigin.private n/plain.eml >n/signed.eml 2>dkim-sign.err ||
	setup_fail "emauth dkim sign: $(head -c 300 dkim-sign.err)"
cp n/signed.eml m/start.eml

# The hops. prev: the messages that the next hop receives, as paths
# ("start", then "emauth", "emauth-dkimpy", ...; "+tampered" marks a copy
# whose body was changed after its last seal).
prev=start chains=
midbreak="emauth-dkimpy dkimpy-maildkim maildkim-emauth"
for n in 1 2 3; do
	files=
	for p in $prev; do files="$files m/$p.eml"; done
	for impl in $impls; do
		# shellcheck disable=SC2086
		verify_with $impl "hop$n-$impl.verify" $files
	done
	next='' hopargs=''
	for impl in $impls; do
		eval "seal_$impl="
		for p in $prev; do
			q=$impl
			[ "$p" = start ] || q=$p-$impl
			got=$(field "hop$n-$impl.verify" "m/$p.eml" 2)
			case $got in pass | none) res=$got ;; *) res=fail ;; esac
			want=pass
			[ $n = 1 ] && want=none
			case $p in *+tampered) want=fail ;; esac
			printf '%s\t%s\t%s\t%s\n' "m/$q.eml" "$got" "$want" "$res" >>"hop$n.expect"
			hopargs="$hopargs m/$p.eml pre/$q.eml $res"
			eval "seal_$impl=\"\$seal_$impl pre/$q.eml m/$q.eml $res\""
			next="$next $q"
		done
	done
	# shellcheck disable=SC2086
	$py "$arc/mutate.py" hop $n mx.hop$n.example $hopargs 2>>mutate.err
	: >"hop$n.seal"
	for impl in $impls; do
		# shellcheck disable=SC2086
		eval "seal_with $impl $n \$seal_$impl" >>"hop$n.seal"
	done
	out=
	for q in $next; do out="$out m/$q.eml"; done
	# shellcheck disable=SC2086
	$py "$arc/mutate.py" topcv $out >"hop$n.topcv" 2>>mutate.err
	while IFS=$'\t' read -r f got want res; do
		q=${f#m/}
		q=${q%.eml}
		sealed=$(field "hop$n.seal" "$f" 2)
		sdetail=$(field "hop$n.seal" "$f" 3)
		inst=$(field "hop$n.topcv" "$f" 2)
		cv=$(field "hop$n.topcv" "$f" 3)
		report "hop$n/$q" \
			"$([ "$got" = "$want" ] && [ "$sealed" = ok ] && [ "$inst" = $n ] && [ "$cv" = "$res" ] && echo 1)" \
			"the hop's own verifier said ${got:-nothing} (want $want); seal: ${sealed:-nothing} $sdetail; newest seal i=${inst:-?} cv=${cv:-?} (want i=$n cv=$res)"
	done <"hop$n.expect"
	prev=$next
	chains="$chains $next"
	if [ $n = 2 ]; then
		# Broken in the middle: the body changed after the second seal.
		targs=
		for p in $midbreak; do targs="$targs body m/$p.eml m/$p+tampered.eml"; done
		# shellcheck disable=SC2086
		$py "$arc/mutate.py" tamper $targs 2>>mutate.err
		for p in $midbreak; do
			prev="$prev $p+tampered"
			chains="$chains $p+tampered"
		done
	fi
done

# Tampered after the last seal: every 3-hop order, five ways.
modes="body subject delseal cv aar"
targs='' all="n/plain.eml n/signed.eml"
for p in $chains; do all="$all m/$p.eml"; done
for p in $prev; do
	case $p in *+tampered*) continue ;; esac
	for mode in $modes; do
		targs="$targs $mode m/$p.eml t/$p.$mode.eml"
		all="$all t/$p.$mode.eml"
	done
done
# shellcheck disable=SC2086
$py "$arc/mutate.py" tamper $targs 2>>mutate.err
# A message the edits could not make fails its checks below ("said
# nothing"); say why here.
report mutate "$([ ! -s mutate.err ] && echo 1)" "$(head -c 600 mutate.err | tr '\n' ' ')"

# Every verifier verifies every message.
for impl in $impls; do
	# shellcheck disable=SC2086
	verify_with $impl "final-$impl.verify" $all
done
for f in $all; do
	b=${f#?/}
	b=${b%.eml}
	ams_want=- oldest_want=
	case $f in
	n/*) kind=none/$b want=none ;;
	t/*) kind=tampered/${b##*.}/${b%.*} want=fail ;;
	*+tampered*) kind=broken/$b want=fail ;;
	*)
		kind=chain/$b want=pass
		case $b in
		*-*-*) ams_want=1:fail,2:pass,3:pass oldest_want=2 ;;
		*-*) ams_want=1:fail,2:pass oldest_want=2 ;;
		*) ams_want=1:pass oldest_want=0 ;;
		esac
		;;
	esac
	for impl in $impls; do
		w=$want
		# dkimpy's deviation (see the top): None for a chain whose newest
		# seal says cv=fail, where RFC 8617 5.2 step 2 says fail.
		case $impl/$f in dkimpy/m/*+tampered-*) w=None ;; esac
		got=$(field "final-$impl.verify" "$f" 2)
		ams=$(field "final-$impl.verify" "$f" 3)
		why=$(field "final-$impl.verify" "$f" 4)
		ok=
		if [ "$got" = "$w" ]; then
			ok=1
			if [ "$want" = pass ]; then
				if [ "$impl" = emauth ]; then
					[ "$ams" = "oldest=$oldest_want" ] || ok=
				else
					[ "$ams" = "$ams_want" ] || ok=
				fi
			fi
		fi
		ams_w=$ams_want
		[ "$impl" = emauth ] && ams_w=oldest=$oldest_want
		report "$kind/$impl" "$ok" \
			"$impl said ${got:-nothing} (want $w), message signatures ${ams:--} (want $ams_w): $(printf %s "$why" | head -c 300)"
	done
done

echo "# interop/arc: $total checks, $fails failed"
[ "$fails" -eq 0 ]
