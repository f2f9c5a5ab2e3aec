#!/bin/bash
# The repository tests on its own (issue #16): no file refers to test data
# outside it (the folder beside the checkout that once held the conformance
# suites, or the variable that named it), and every suite under
# tests/data/suites/ carries its SOURCE.md and its license text, or is named
# in that folder's README.md as having none. The files checked are git's
# (tracked, and untracked ones not ignored), or every file outside build*/
# when the tree is not a git checkout; this script is the one exception
# (it looks for the patterns it puts together). Each check prints
# "ok cli/standalone/NAME" or "not ok cli/standalone/NAME".
# usage: tests/cli/standalone.sh BUILD-DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
self=tests/cli/standalone.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# result NAME STATUS DETAIL: one ok / not ok line for STATUS (0 = ok).
result() {
	if [ "$2" -eq 0 ]; then
		echo "ok cli/standalone/$1"
	else
		echo "not ok cli/standalone/$1"
		[ -n "$3" ] && echo "$3" | sed 's/^/  /'
		fails=$((fails + 1))
	fi
}

cd "$top" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard >"$tmp/files"
else
	find . \( -path './build*' -o -path ./.git \) -prune -o -type f -print0 |
		sed -z 's|^\./||' >"$tmp/files"
fi
# Only files that exist (a tracked file may be deleted in the work tree).
while IFS= read -r -d '' f; do
	[ "$f" != "$self" ] && [ -f "$f" ] && printf '%s\0' "$f"
done <"$tmp/files" >"$tmp/checked"

test -s "$tmp/checked"
result files-listed $? "no files found under $top"
# The patterns are put together here, so that this file does not hold
# them as written.
up=..
xargs -0 grep -InF -e "$up/shared" -e "EMAUTH_""SHARED" -e "shared""/testsuites" \
	-- <"$tmp/checked" >"$tmp/refs"
test ! -s "$tmp/refs"
result no-outside-test-data $? "$(head -n 20 "$tmp/refs")"

# Each suite: its SOURCE.md, and a license file or a note in README.md.
suites=tests/data/suites
test -f "$suites/README.md"
result suites-readme $? "no $suites/README.md"
n=0
for d in "$suites"/*/; do
	[ -d "$d" ] || continue
	s=$(basename "$d")
	n=$((n + 1))
	test -s "$d/SOURCE.md"
	result "suite-$s-source" $? "no ${d}SOURCE.md"
	compgen -G "$d*LICENSE*" >/dev/null ||
		compgen -G "$d*COPYING*" >/dev/null ||
		grep -q "^- \`$s/\` " "$suites/README.md" 2>/dev/null
	result "suite-$s-license" $? \
		"no license file in $d and no note in $suites/README.md"
done
test "$n" -gt 0
result suites-present $? "no suite in $suites"
[ "$fails" -eq 0 ]
