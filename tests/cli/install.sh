#!/bin/bash
# What "make install" puts where (issue #16), checked on the build under
# test: "meson install --destdir" into a temporary root, then
# - every file the build says it installs is there, and the programs, the
#   shared library (soname libemauth.so.0), every public header, the
#   pkg-config file, every man page in docs/, the example configuration
#   and the systemd unit are among them;
# - the installed programs run from there and point nowhere into the build;
# - a small program compiles and links against the installed library with
#   nothing but "pkg-config --cflags --libs libemauth" and runs;
# - the installed libemauth.so.0 exports exactly the functions that the
#   public headers declare with EMAUTH_API, all named emauth_*.
# usage: tests/cli/install.sh BUILD-DIR
AREA=install
. "$(dirname "$0")/../lib/cli.sh"
build=$(cd "$build" && pwd)
root=$tmp/root

# The build's install directories (and its sanitizers, which a program
# linked against its library needs as well).
/usr/bin/python3 - "$build" >"$tmp/dirs" <<'PY' || { echo "not ok cli/install/introspect"; exit 1; }
import json, sys
opts = json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json"))
o = {x["name"]: x["value"] for x in opts}
p = o["prefix"]
def d(name):
    v = o[name]
    return v if v.startswith("/") else p + "/" + v
unit = o.get("systemdunitdir") or p + "/lib/systemd/system"
print("prefix=%s" % p)
for n in ("bindir", "sbindir", "libdir", "includedir", "mandir", "datadir"):
    print("%s=%s" % (n, d(n)))
print("unitdir=%s" % unit)
print("sanitize=%s" % o.get("b_sanitize", "none"))
PY
. "$tmp/dirs"

if meson install -C "$build" --no-rebuild --destdir "$root" \
	>"$tmp/out" 2>"$tmp/err"; then
	echo "ok cli/install/meson-install"
else
	echo "not ok cli/install/meson-install"
	tail -n 20 "$tmp/err" | sed 's/^/    /'
	exit 1
fi

# Every file the build lists as installed is there.
/usr/bin/python3 -c 'import json,sys
for dst in json.load(open(sys.argv[1])).values(): print(dst)' \
	"$build/meson-info/intro-installed.json" >"$tmp/installed"
missing=$(while read -r f; do
	[ -e "$root$f" ] || [ -L "$root$f" ] || echo "$f"
done <"$tmp/installed")
check all-listed-files-installed test -z "$missing"
[ -n "$missing" ] && echo "  missing: $missing"

exe() { [ -f "$1" ] && [ -x "$1" ]; }
check emauth-installed exe "$root$bindir/emauth"
check emauth-milter-installed exe "$root$sbindir/emauth-milter"
lib=$root$libdir/libemauth.so.0
check libemauth-so-0-installed test -f "$lib"
check libemauth-soname sh -c "readelf -d '$lib' | grep -q 'SONAME.*\[libemauth.so.0\]'"
check libemauth-so-dev-link test "$(readlink "$root$libdir/libemauth.so")" = libemauth.so.0
pc=$root$libdir/pkgconfig/libemauth.pc
check pkgconfig-file-installed test -f "$pc"

# The headers: exactly include/emauth/.
(cd "$top/include/emauth" && ls) >"$tmp/h-src"
(cd "$root$includedir/emauth" 2>/dev/null && ls) >"$tmp/h-inst"
check headers-installed diff "$tmp/h-src" "$tmp/h-inst"

# Every man page in docs/ (NAME.SECTION) is installed in its section.
pages=0
for m in "$top"/docs/*.[1-8]; do
	[ -f "$m" ] || continue
	pages=$((pages + 1))
	n=${m##*/}
	check "man-${n}" test -f "$root$mandir/man${n##*.}/$n"
done
check man-pages-found test "$pages" -ge 2

check example-config-installed cmp "$top/examples/emauth-milter.conf" \
	"$root$datadir/doc/emauth/examples/emauth-milter.conf"
unit=$root$unitdir/emauth-milter.service
check systemd-unit-installed test -f "$unit"
check systemd-unit-execstart grep -q \
	"^ExecStart=$sbindir/emauth-milter -f " "$unit"
check systemd-report-unit-installed grep -q \
	"^ExecStart=$bindir/emauth report send " "$root$unitdir/emauth-report.service"
check systemd-report-timer-installed test -f "$root$unitdir/emauth-report.timer"

# The installed programs run against the installed library, and neither
# they nor the library keep a run path into the build.
export_ld="LD_LIBRARY_PATH=$root$libdir"
ver=$("$build/emauth" --version)
check installed-emauth-runs sh -c \
	"env $export_ld '$root$bindir/emauth' --version | grep -qx '$ver'"
check installed-emauth-uses-installed-lib sh -c \
	"env $export_ld ldd '$root$bindir/emauth' | grep -q 'libemauth.so.0 => $root$libdir/libemauth.so.0'"
check installed-milter-runs sh -c \
	"env $export_ld '$root$sbindir/emauth-milter' -h | grep -q '^usage: emauth-milter'"
for f in "$root$bindir/emauth" "$root$sbindir/emauth-milter" "$lib"; do
	check "no-build-runpath-${f##*/}" sh -c \
		"! readelf -d '$f' | grep -E 'RPATH|RUNPATH' | grep -qF '$build'"
done

# A program built with pkg-config alone, against the installed copy.
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>

#include <emauth/emauth.h>
#include <emauth/spf.h>

int
main(int argc, char **argv)
{
	struct emauth_ctx *ctx = NULL;
	struct emauth_diag d;
	char buf[512];
	const char *good = "v=spf1 ip4:192.0.2.0/24 -all";
	const char *bad = "v=spf1 ip4:192.0.2.0/33 -all";

	(void)argc;
	if (emauth_global_init() != 0 || emauth_ctx_new(&ctx) != 0)
		return 1;
	if (strcmp(emauth_version(), argv[1]) != 0) {
		printf("version %s, expected %s\n", emauth_version(), argv[1]);
		return 1;
	}
	if (emauth_spf_record_check((struct emauth_span){
		(const unsigned char *)good, strlen(good)}, NULL) != 0)
		return 1;
	memset(&d, 0, sizeof(d));
	int rc = emauth_spf_record_check((struct emauth_span){
	    (const unsigned char *)bad, strlen(bad)}, &d);
	printf("%s %s\n", emauth_errname(rc), emauth_diag_format(&d, buf,
	    sizeof(buf)));
	emauth_ctx_free(ctx);
	return rc == EMAUTH_ESYNTAX ? 0 : 1;
}
C
pcflags=$(PKG_CONFIG_PATH="$root$libdir/pkgconfig" \
	PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --cflags --libs libemauth \
	2>"$tmp/err")
check pkg-config-finds-libemauth test -n "$pcflags"
check pkg-config-points-into-destdir sh -c \
	"echo '$pcflags' | grep -q -- '-I$root' && echo '$pcflags' | grep -q -- '-L$root'"
san=""
[ "$sanitize" != none ] && san="-fsanitize=$sanitize"
# shellcheck disable=SC2086
if cc -std=c11 -Wall -Wextra -Werror $san -o "$tmp/prog" "$tmp/prog.c" \
	$pcflags >"$tmp/out" 2>"$tmp/err"; then
	echo "ok cli/install/pkg-config-compile-link"
	vnum=${ver#emauth }
	check pkg-config-program-runs sh -c \
		"LD_LIBRARY_PATH='$root$libdir' '$tmp/prog' '$vnum' >'$tmp/out' 2>'$tmp/err' && grep -q '^EMAUTH_ESYNTAX ' '$tmp/out'"
else
	echo "not ok cli/install/pkg-config-compile-link"
	head -c 800 "$tmp/err" | sed 's/^/    /'
	fails=$((fails + 1))
fi

# The exported symbols, both ways against the EMAUTH_API declarations.
# Each declaration starts a line with EMAUTH_API; the name is the word
# before the first "(".
perl -0777 -ne 'while (/^EMAUTH_API\s+[^;(#]*?\b(\w+)\s*\(/mg) { print "$1\n" }' \
	"$top"/include/emauth/*.h | sort -u >"$tmp/declared"
ndecl=$(cat "$top"/include/emauth/*.h | grep -c '^EMAUTH_API ')
check api-declarations-parsed test "$(wc -l <"$tmp/declared")" -eq "$ndecl"
nm -D --defined-only "$lib" | awk '{ print $NF }' | sort -u >"$tmp/exported"
check exports-only-emauth-names sh -c "! grep -v '^emauth_' '$tmp/exported'"
comm -23 "$tmp/exported" "$tmp/declared" >"$tmp/extra"
comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/unexported"
check exports-nothing-undeclared test ! -s "$tmp/extra"
[ -s "$tmp/extra" ] && sed 's/^/  exported, not declared: /' "$tmp/extra"
check exports-every-declared-function test ! -s "$tmp/unexported"
[ -s "$tmp/unexported" ] && sed 's/^/  declared, not exported: /' "$tmp/unexported"
echo "# $(wc -l <"$tmp/exported") symbols exported, $ndecl declared"

[ "$fails" -eq 0 ]
