#!/bin/bash
# run-milter.sh: messages per second through a real Postfix with
# emauth-milter signing and verifying, beside OpenDKIM's milter (Debian
# opendkim) in the same setup and run, and beside Postfix with no milter
# (the ceiling); prints one table.
#
#   bench/run-milter.sh [-n MESSAGES] [-s SESSIONS] [-r ROUNDS]
#                       [-S SETUP,...] [BUILD-DIR]
#
# SETUPs: none, emauth-sign, opendkim-sign, emauth-verify, opendkim-verify
# (the default: these five), and emauth-verify-record: emauth-verify with
# "ReportStore sqlite:FILE" (every DMARC verdict recorded to a SQLite
# verdict store; checked after the run: one row per message). With both
# emauth-verify and emauth-verify-record, a last line gives recording on
# against off.
#
# Everything runs on loopback in a private network namespace: NSD serves
# tests/milter/zones, smtp-source sends MESSAGES messages over SESSIONS
# parallel SMTP sessions to Postfix (smtpd with the milter), which relays
# them to an smtp-sink; the time is from the first connection to the last
# message in the sink. Sign: a 2 KB message from alice@internal.example,
# one RSA-2048 signature, relaxed/relaxed. Verify: the same message signed
# by bank.example (d=bank.example, RSA-2048); emauth-milter does iprev,
# SPF, DKIM and DMARC and adds Authentication-Results, OpenDKIM does DKIM
# and adds its Authentication-Results. Both milters resolve through NSD
# with their caches on; each setup gets a fresh Postfix and milter. The
# setups take turns, ROUNDS times (default 3), and the table gives each
# one's median rate. The milter's CPU time (all its threads, from /proc) is
# read 1.2 s after the last message arrived, so that it includes what a
# recorder writes on its own thread once a second.
#
# Needs: postfix, nsd, opendkim (scripts/install-deps bench), sqlite3 for
# emauth-verify-record; root.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
n=2000
sessions=20
rounds=3
setups="none,emauth-sign,opendkim-sign,emauth-verify,opendkim-verify"
while getopts n:s:r:S: opt; do
	case $opt in
	n) n=$OPTARG ;;
	s) sessions=$OPTARG ;;
	r) rounds=$OPTARG ;;
	S) setups=$OPTARG ;;
	*)
		sed -n '6p' "$0" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "${1:-$top/build}" && pwd)
need="/usr/sbin/nsd /usr/sbin/postfix /usr/sbin/smtp-source"
case ",$setups," in *,opendkim-*) need="$need /usr/sbin/opendkim" ;; esac
for p in $need; do
	[ -x "$p" ] || { echo "run-milter: $p missing (scripts/install-deps bench)" >&2; exit 1; }
done
case ",$setups," in
*,emauth-verify-record,*) command -v sqlite3 >/dev/null ||
	{ echo "run-milter: sqlite3 missing (for emauth-verify-record)" >&2; exit 1; } ;;
esac
# shellcheck source=nsd-local.sh
. "$top/bench/nsd-local.sh"
bench_in_netns 7200 "$top/bench/$(basename "$0")" -n "$n" -s "$sessions" \
	-r "$rounds" -S "$setups" "$build"
# shellcheck source=../tests/lib/e2e.sh
. "$top/tests/lib/e2e.sh"
bench_netns_resolver "$tmp" || exit 1
bench_root_zone "$tmp"
bench_nsd_start "$tmp/nsd" "$tmp/root.zone" "$top"/tests/milter/zones/*.zone \
	>nsd.log 2>&1 || { cat nsd.log; exit 1; }
trap 'e2e_stop_all; bench_nsd_stop' EXIT

mkdir -p keys
cp "$top/examples/keys/demo2026.private" keys/rsa.private
chmod 600 keys/rsa.private
printf 'k internal.example:demo2026:%s/keys/rsa.private\n' "$tmp" >KeyTable
printf '*@internal.example k\n' >SigningTable
body=$(/usr/bin/python3 -c 'print(("The quarterly figures are attached; " * 2 + "\n") * 28, end="")')
{
	printf 'From: Alice <alice@internal.example>\nTo: bob@receiver.test\n'
	printf 'Subject: Quarterly figures\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n'
	printf 'Message-ID: <bench@internal.example>\n\n%s\n' "$body"
} >sign.msg
sed 's/alice@internal.example/alerts@bank.example/' sign.msg |
	"$build/emauth" dkim sign --domain bank.example --selector demo2026 \
		--key keys/rsa.private - >verify.msg || exit 1

# milter_conf KIND MODE: the configuration file for emauth or opendkim.
milter_conf() {
	local kind=$1 mode=$2
	cat <<CONF
Mode $mode
Socket inet:8891@127.0.0.1
KeyTable $tmp/KeyTable
SigningTable refile:$tmp/SigningTable
InternalHosts 127.0.0.1
Canonicalization relaxed/relaxed
Syslog no
Nameservers 127.0.0.1
AuthservID mx.receiver.test
CONF
	# OpenDKIM refuses keys under a world-writable /tmp unless told.
	[ "$kind" = opendkim ] &&
		printf 'PidFile %s/opendkim.pid\nUserID root\nRequireSafeKeys no\n' "$tmp"
}

declare -A rate rates rss cpus cpu
# cputicks PID: the user and system CPU time of PID so far, in clock ticks.
cputicks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
declare -A stored
# run NAME MILTER-KIND MODE MESSAGE-FILE [record]
run() {
	local name=$1 kind=$2 mode=$3 msg=$4 record=${5:-} pid= milter=
	rm -rf sink pf
	rm -f "$tmp/$name.db" "$tmp/$name.db-wal" "$tmp/$name.db-shm"
	if [ "$kind" = emauth ]; then
		milter_conf emauth "$mode" >"$name.conf"
		[ -n "$record" ] &&
			printf 'ReportStore sqlite:%s/%s.db\n' "$tmp" "$name" >>"$name.conf"
		"$build/emauth-milter" -f -c "$name.conf" >"$name.log" 2>&1 &
		pid=$!
	elif [ "$kind" = opendkim ]; then
		milter_conf opendkim "$mode" >"$name.conf"
		opendkim -f -x "$name.conf" >"$name.log" 2>&1 &
		pid=$!
	fi
	if [ -n "$pid" ]; then
		milter=inet:127.0.0.1:8891
		local _
		for _ in $(seq 1 50); do
			(exec 3<>/dev/tcp/127.0.0.1/8891) 2>/dev/null && break
			sleep 0.1
		done
	fi
	e2e_sink "$tmp/sink" 2526
	e2e_postfix "$tmp/pf" 2525 "$milter" 2526 || exit 1
	# Warm up: connections, caches, the key.
	smtp-source -s 2 -m 20 -f sender@internal.example -t bob@receiver.test \
		-F "$msg" 127.0.0.1:2525 >/dev/null 2>&1
	e2e_wait_files "$tmp/sink" 20 60
	local t0 t1 c0=0 c1=0
	[ -n "$pid" ] && c0=$(cputicks "$pid")
	t0=$(date +%s.%N)
	smtp-source -s "$sessions" -m "$n" -f sender@internal.example \
		-t bob@receiver.test -F "$msg" 127.0.0.1:2525 >/dev/null 2>&1
	e2e_wait_files "$tmp/sink" $((n + 20)) 600 ||
		echo "run-milter: $name: not all $n messages arrived" >&2
	t1=$(date +%s.%N)
	# The CPU time a little later: a recorder writes what it queued
	# once a second, on a thread of its own.
	sleep 1.2
	[ -n "$pid" ] && c1=$(cputicks "$pid")
	[ -n "$pid" ] && cpus[$name]+="$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }') "
	rates[$name]+="$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }') "
	# Check what the milter did to the last message.
	local last
	last=$(find sink -type f | tail -1)
	case $name in
	*sign*) grep -q '^DKIM-Signature:' "$last" ||
		echo "run-milter: $name: the message was not signed" >&2 ;;
	*verify*) grep -q '^Authentication-Results: mx.receiver.test.*' "$last" &&
		grep -A8 '^Authentication-Results: mx.receiver.test' "$last" | grep -q 'dkim=pass' ||
		echo "run-milter: $name: no dkim=pass in Authentication-Results" >&2 ;;
	esac
	rss[$name]=-
	if [ -n "$pid" ]; then
		rss[$name]=$(ps -o rss= -p "$pid" | tr -d ' ')
		kill "$pid"
		wait "$pid" 2>/dev/null
	fi
	if [ -n "$record" ]; then
		# The milter writes what its recorder holds when it stops:
		# one row per message, the 20 warm-up messages included.
		local rows
		rows=$(sqlite3 "$tmp/$name.db" 'SELECT COUNT(*) FROM emauth_verdicts' 2>&1)
		stored[$name]+="$rows "
		[ "$rows" = $((n + 20)) ] ||
			echo "run-milter: $name: $rows rows in the store, not $((n + 20))" >&2
	fi
	e2e_stop_all
}

IFS=, read -r -a chosen <<<"$setups"
for _ in $(seq 1 "$rounds"); do
	for s in "${chosen[@]}"; do
		case $s in
		none) run none none - sign.msg ;;
		*-sign) run "$s" "${s%-sign}" s sign.msg ;;
		emauth-verify-record) run "$s" emauth v verify.msg record ;;
		*-verify) run "$s" "${s%-verify}" v verify.msg ;;
		*) echo "run-milter: unknown setup $s" >&2; exit 2 ;;
		esac
	done
done
for s in "${!rates[@]}"; do
	# shellcheck disable=SC2086
	rate[$s]=$(printf '%s\n' ${rates[$s]} | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	cpu[$s]=-
	# shellcheck disable=SC2086
	[ -n "${cpus[$s]:-}" ] && cpu[$s]=$(printf '%s\n' ${cpus[$s]} | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] " us" }')
done

printf '%d messages of %d bytes, %d SMTP sessions, Postfix %s; median of %d rounds\n' \
	"$n" "$(wc -c <sign.msg)" "$sessions" "$(postconf -h mail_version)" "$rounds"
for s in "${chosen[@]}"; do
	printf '  %s: %s messages/s; milter CPU us/message: %s\n' "$s" \
		"${rates[$s]}" "${cpus[$s]:--}"
done
echo
printf '| setup | messages/s | of the ceiling | emauth / OpenDKIM | milter CPU per message | milter RSS (KB) |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for s in "${chosen[@]}"; do
	ratio=-
	case $s in
	emauth-*) o=opendkim-${s#emauth-}
		[ -n "${rate[$o]:-}" ] && ratio=$(awk -v a="${rate[$s]}" -v b="${rate[$o]}" 'BEGIN { printf "%.2fx", a / b }') ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s |\n' "$s" "${rate[$s]}" \
		"$(awk -v a="${rate[$s]}" -v b="${rate[none]:-0}" 'BEGIN { if (b) printf "%.0f%%", 100 * a / b; else printf "-" }')" \
		"$ratio" "${cpu[$s]}" "${rss[$s]}"
done

# Recording on against off: the ratio of the medians, and each round's
# (the two setups ran one after the other in every round).
if [ -n "${rates[emauth-verify]:-}" ] && [ -n "${rates[emauth-verify-record]:-}" ]; then
	echo
	# shellcheck disable=SC2086
	printf 'recording on / off: rate %s (rounds: %s); milter CPU per message %s (rounds: %s); rows stored per run: %s\n' \
		"$(awk -v a="${rate[emauth-verify-record]}" -v b="${rate[emauth-verify]}" 'BEGIN { printf "%.3f", a / b }')" \
		"$(paste -d' ' <(printf '%s\n' ${rates[emauth-verify-record]}) <(printf '%s\n' ${rates[emauth-verify]}) |
			awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }')" \
		"$(awk -v a="${cpu[emauth-verify-record]% us}" -v b="${cpu[emauth-verify]% us}" 'BEGIN { printf "%.3f", a / b }')" \
		"$(paste -d' ' <(printf '%s\n' ${cpus[emauth-verify-record]}) <(printf '%s\n' ${cpus[emauth-verify]}) |
			awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }')" \
		"${stored[emauth-verify-record]:-}"
fi
