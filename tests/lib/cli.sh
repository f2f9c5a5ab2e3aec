# tests/lib/cli.sh: what the CLI test scripts share. A script sets AREA
# (its name in "ok cli/AREA/NAME") and sources this with its arguments:
#   AREA=spf; . "$(dirname "$0")/../lib/cli.sh"
# It sets build, top, emauth, tmp (removed on exit) and fails, and defines
#   run NAME WANT-EXIT ARGS...   $emauth ARGS, output in $tmp/out, $tmp/err;
#                                fails (and says so) on another exit status
#                                (a script for another program sets emauth)
#   check NAME COMMAND...        ok when COMMAND succeeds
#   jfield PATH VALUE            $tmp/out's JSON at PATH (a.b.0.c) is VALUE
#   unfold FILE                  FILE with its header fields unfolded (a
#                                line break and the blank after it joined;
#                                CRLF or LF), one line a field
# A script ends with: [ "$fails" -eq 0 ]
set -u
build=${1:?build dir}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
emauth=$build/emauth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

run() {
	local name=$1 want=$2
	shift 2
	"$emauth" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok cli/$AREA/$name"
		echo "  exit $rc, expected $want; stderr: $(head -c 300 "$tmp/err")"
		fails=$((fails + 1))
		return 1
	fi
	return 0
}

unfold() {
	/usr/bin/python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
m = re.search(rb"\r?\n\r?\n", d)
h, b = (d[:m.start()], d[m.start():]) if m else (d, b"")
sys.stdout.buffer.write(re.sub(rb"\r?\n([ \t])", rb"\1", h) + b)' "$1"
}

check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok cli/$AREA/$name"
	else
		echo "not ok cli/$AREA/$name"
		echo "  failed: $*"
		echo "  stdout: $(head -c 600 "$tmp/out")"
		echo "  stderr: $(head -c 400 "$tmp/err")"
		fails=$((fails + 1))
	fi
}

jfield() {
	/usr/bin/python3 -c 'import json,sys
o=json.load(open(sys.argv[1]))
for k in filter(None, sys.argv[2].split(".")):
    o=o[int(k)] if isinstance(o,list) else o[k]
sys.exit(0 if json.dumps(o)==sys.argv[3] else 1)' "$tmp/out" "$1" "$2"
}
