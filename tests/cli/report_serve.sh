#!/bin/bash
# CLI tests for "emauth report serve", the read-only dashboard: a store
# filled by "emauth report import" with the repository's sample reports
# (parsedmarc's aggregate, failure and SMTP TLS samples, Stalwart's
# aggregate ones) and two hostile reports (markup in the reporter and the
# report id, spreadsheet formulas); the server on a free port of
# 127.0.0.1; every page and every export fetched with curl: status,
# content type, security headers, the hostile strings escaped and never
# raw, CSV formulas neutralised, JSON that parses and says what the store
# holds, the numbers of "emauth report summary --json"; the bounces page
# and its exports against sqlite3 on the store; 400, 404 and 405;
# a non-loopback address refused without a token, and with one every
# request needing it. Prints "ok cli/report-serve/NAME" or "not ok ...".
# usage: tests/cli/report_serve.sh BUILD-DIR
AREA=report-serve
. "$(dirname "$0")/../lib/cli.sh"
. "$top/tests/lib/report_serve.sh"
store=sqlite:$tmp/s.db
senders=$top/data/senders.map
py=/usr/bin/python3
for p in /usr/bin/curl "$py"; do
	if [ ! -x "$p" ]; then
		echo "not ok cli/$AREA/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
trap 'kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

check fill-store fill_store "$store"
port=$(free_port)
base=http://127.0.0.1:$port
check start start_server "$tmp/serve.log" --store "$store" --no-lookup \
	--senders "$senders" --listen "127.0.0.1:$port"

# fetch PATH [CURL-ARGS...]: body in $tmp/body, headers in $tmp/hdr, the
# status in $code.
requests=0
fetch() {
	local path=$1
	shift
	requests=$((requests + 1))
	code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' \
		--max-time 20 "$@" "$base$path")
}
header() { # NAME: its value in $tmp/hdr (last one)
	grep -i "^$1:" "$tmp/hdr" | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}
touch "$tmp/out" "$tmp/err"
inert='import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        assert tag not in ("script", "img", "iframe", "object", "embed",
                           "base", "form", "meta") or (tag == "meta" and
            not any(k == "http-equiv" for k, v in attrs)), tag
        for k, v in attrs:
            assert not k.startswith("on"), (tag, k)
            if k in ("href", "src", "action", "xlink:href"):
                ok = v.startswith("/") and not v.startswith("//") or \
                    v == "data:,"
                assert ok, (tag, k, v)
P().feed(open(sys.argv[1], encoding="utf-8").read())'
csp="default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# Every page: 200, HTML, the security headers, no markup from a report.
pages=(/ "/domain?d=example.com" "/domain?d=hostile.example"
	"/domain?d=stalw.art" "/source?d=hostile.example&name=203.0.113.66"
	"/source?d=example.com&name=192.0.2.123" /reports /failures
	"/failures?d=example.com" /tls "/tls?d=example.com" /bounces
	"/bounces?d=hostile.example")
for p in "${pages[@]}"; do
	n=page${p//[^a-z0-9]/-}
	fetch "$p"
	check "$n-200" test "$code" = 200
	check "$n-type" test "$(header Content-Type)" = "text/html; charset=utf-8"
	check "$n-csp" test "$(header Content-Security-Policy)" = "$csp"
	check "$n-nosniff" test "$(header X-Content-Type-Options)" = nosniff
	# No element a report could have brought in: the parsed page has no
	# script, img, iframe, object or embed element, no event handler
	# attribute, no link or source off the page.
	check "$n-no-active-content" "$py" -c "$inert" "$tmp/body"
	check "$n-html-end" grep -q '</html>' "$tmp/body"
	cp "$tmp/body" "$tmp/$n.html"
done

# The hostile strings, escaped, where reports show them.
esc_org='&lt;script&gt;alert(1)&lt;/script&gt;'
esc_id='&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'
check reports-org-escaped grep -qF "$esc_org" "$tmp/page-reports.html"
check reports-id-escaped grep -qF "$esc_id" "$tmp/page-reports.html"
check reports-formula-text grep -qF '=HYPERLINK(&quot;http://evil.example/&quot;,&quot;click&quot;)' "$tmp/page-reports.html"
check source-org-escaped grep -qF "$esc_org" "$tmp/page-source-d-hostile-example-name-203-0-113-66.html"
check source-id-escaped grep -qF "$esc_id" "$tmp/page-source-d-hostile-example-name-203-0-113-66.html"
check source-raw-absent bash -c "! grep -qF '$evil_org' '$tmp/page-source-d-hostile-example-name-203-0-113-66.html'"
check overview-links-domain grep -qF 'href="/domain?d=hostile.example"' "$tmp/page-.html"
check domain-links-source grep -qF 'href="/source?d=hostile.example&amp;name=203.0.113.66"' "$tmp/page-domain-d-hostile-example.html"
check domain-chart grep -q '<svg class="chart"' "$tmp/page-domain-d-hostile-example.html"
check overview-charts test "$(grep -o '<svg class="chart small"' "$tmp/page-.html" | wc -l)" -ge 8

# Exports: every table of every page, as CSV and as JSON.
exports=("/?table=domains" "/domain?d=hostile.example&table=sources"
	"/domain?d=hostile.example&table=days"
	"/domain?d=hostile.example&table=dispositions"
	"/source?d=hostile.example&name=203.0.113.66&table=records"
	"/source?d=hostile.example&name=203.0.113.66&table=addresses"
	"/reports?table=reports" "/failures?table=failures" "/tls?table=tls"
	"/tls?table=tls_failures" "/bounces?table=bounce_reasons"
	"/bounces?table=bounce_domains" "/bounces?table=bounce_days"
	"/bounces?table=bounces" "/domain?d=hostile.example&table=auth_bounces")
for e in "${exports[@]}"; do
	n=export${e//[^a-z0-9]/-}
	table=${e##*table=}
	fetch "$e&format=csv"
	check "$n-csv-200" test "$code" = 200
	check "$n-csv-type" test "$(header Content-Type)" = "text/csv; charset=utf-8"
	check "$n-csv-file" bash -c "[[ '$(header Content-Disposition)' == 'attachment; filename=\"emauth-$table'*'.csv\"' ]]"
	check "$n-csv-nosniff" test "$(header X-Content-Type-Options)" = nosniff
	cp "$tmp/body" "$tmp/$n.csv"
	# Every cell parses, and none starts as a formula would.
	check "$n-csv-cells" "$py" -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) >= 1, "no header"
w = len(rows[0])
for r in rows:
    assert len(r) == w, r
    for c in r:
        assert not c or c[0] not in "=+-@\t\r", c
' "$tmp/$n.csv"
	fetch "$e&format=json"
	check "$n-json-200" test "$code" = 200
	check "$n-json-type" test "$(header Content-Type)" = application/json
	check "$n-json-file" bash -c "[[ '$(header Content-Disposition)' == 'attachment; filename=\"emauth-$table'*'.json\"' ]]"
	check "$n-json-parses" "$py" -m json.tool "$tmp/body" /dev/null
	cp "$tmp/body" "$tmp/$n.json"
done
# The formulas became text; the JSON holds the strings as the reporters
# wrote them.
check csv-formula-quoted grep -qF "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\"" "$tmp/export-reports-table-reports.csv"
check csv-formula-reason grep -qF "'=HYPERLINK(" "$tmp/export-source-d-hostile-example-name-203-0-113-66-table-records.csv"
check csv-plus-quoted grep -qF "\"'+formula-2\"" "$tmp/export-reports-table-reports.csv"
check csv-markup-kept grep -qF "\"$evil_org\"" "$tmp/export-reports-table-reports.csv"
check json-strings "$py" -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
orgs = {r["org"] for r in rows}
ids = {r["report_id"] for r in rows}
assert sys.argv[2] in orgs and sys.argv[4] in orgs, orgs
assert sys.argv[3] in ids, ids
' "$tmp/export-reports-table-reports.json" "$evil_org" "$evil_id" "$evil_formula"
check json-no-raw-markup bash -c "! grep -qF '<script' '$tmp/export-reports-table-reports.json'"
check json-records "$py" -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert sum(r["count"] for r in rows) == 9, rows
assert {r["source_ip"] for r in rows} == {"203.0.113.66"}, rows
assert any(sys.argv[2] in l for r in rows for l in r["reasons"]), rows
' "$tmp/export-source-d-hostile-example-name-203-0-113-66-table-records.json" "$evil_formula"

# Bounces: the page and its exports say what the store holds; the
# diagnostic's markup escaped; the authentication bounces highlighted and
# on the sender domain's page.
bpage=$tmp/page-bounces.html
db=$tmp/s.db
sq() { sqlite3 "$db" "$1"; }
check bounces-nav grep -qF 'href="/bounces"' "$tmp/page-.html"
check bounces-diag-escaped grep -qF '&lt;script&gt;alert(3)&lt;/script&gt;' "$bpage"
check bounces-diag-raw-absent bash -c "! grep -qF '$evil_diag' '$bpage'"
check bounces-auth-highlighted grep -qF '<td data-k="auth" class="auth">dmarc</td>' "$bpage"
check bounces-total grep -qF "<span data-k=\"bounces_total\">$(sq 'SELECT count(*) FROM emauth_bounces')</span>" "$bpage"
check bounces-domain-auth grep -qF 'Authentication bounces for mail from hostile.example' "$tmp/page-domain-d-hostile-example.html"
check bounces-domain-auth-escaped grep -qF '&lt;script&gt;alert(3)' "$tmp/page-domain-d-hostile-example.html"
check bounces-domain-none bash -c "! grep -qF 'Authentication bounces' '$tmp/page-domain-d-example-com.html'"
check bounces-filtered bash -c "! grep -qF 'bouncehammer' '$tmp/page-bounces-d-hostile-example.html' || ! grep -qF 'zoho.example.com' '$tmp/page-bounces-d-hostile-example.html'"
sq "SELECT reason, count(*), sum(hard), count(*) - sum(hard) FROM emauth_bounces GROUP BY reason ORDER BY 1" >"$tmp/b-reasons.sql"
sq "SELECT rcpt_domain, count(*), sum(auth <> '') FROM emauth_bounces GROUP BY rcpt_domain ORDER BY 1" >"$tmp/b-domains.sql"
sq "SELECT arrival - arrival % 86400, count(*) FROM emauth_bounces GROUP BY 1 ORDER BY 1" >"$tmp/b-days.sql"
sq "SELECT recipient, status, reply_code, reason, auth, diagnostic, original_from, arrival FROM emauth_bounces ORDER BY arrival DESC, import_id DESC" >"$tmp/b-list.sql"
check bounces-count-4 test "$(wc -l <"$tmp/b-list.sql")" = 4
check bounces-reasons-equal-store "$py" -c 'import json, sys
w = json.load(open(sys.argv[1]))["rows"]
got = sorted("|".join(map(str, (r["reason"], r["bounces"], r["hard"], r["soft"]))) for r in w)
want = sorted(open(sys.argv[2]).read().split("\n")[:-1])
assert got == want, (got, want)
' "$tmp/export-bounces-table-bounce-reasons.json" "$tmp/b-reasons.sql"
check bounces-domains-equal-store "$py" -c 'import json, sys
w = json.load(open(sys.argv[1]))["rows"]
got = sorted("|".join(map(str, (r["rcpt_domain"], r["bounces"], r["auth_failures"]))) for r in w)
want = sorted(open(sys.argv[2]).read().split("\n")[:-1])
assert got == want, (got, want)
' "$tmp/export-bounces-table-bounce-domains.json" "$tmp/b-domains.sql"
check bounces-days-equal-store "$py" -c 'import json, sys, calendar, time
w = json.load(open(sys.argv[1]))["rows"]
got = [(r["day"], r["bounces"]) for r in w]
want = [tuple(map(int, l.split("|"))) for l in open(sys.argv[2]).read().split("\n")[:-1]]
assert len(got) == len(want) and [g[1] for g in got] == [x[1] for x in want], (got, want)
for g, x in zip(got, want):
    assert g[0] == x[0] or calendar.timegm(time.strptime(str(g[0])[:10], "%Y-%m-%d")) == x[0], (g, x)
' "$tmp/export-bounces-table-bounce-days.json" "$tmp/b-days.sql"
check bounces-list-equal-store "$py" -c 'import json, sys
w = json.load(open(sys.argv[1]))["rows"]
assert len(w) == 4, w
assert {r["recipient"] for r in w} == {l.split("|")[0] for l in open(sys.argv[2]).read().split("\n")[:-1]}
assert any(sys.argv[3] in r["diagnostic"] for r in w), w
auth = [r for r in w if r["auth"]]
assert len(auth) == 2 and {r["auth"] for r in auth} == {"dmarc"}, auth
' "$tmp/export-bounces-table-bounces.json" "$tmp/b-list.sql" "$evil_diag"
check bounces-json-no-raw-markup bash -c "! grep -qF '<script' '$tmp/export-bounces-table-bounces.json'"
check bounces-csv-markup-kept grep -qF "$evil_diag" "$tmp/export-bounces-table-bounces.csv"
check bounces-csv-quotes grep -qF '"""=cmd"" <sender@hostile.example>"' "$tmp/export-bounces-table-bounces.csv"
check bounces-domain-export "$py" -c 'import json, sys
w = json.load(open(sys.argv[1]))["rows"]
assert len(w) == 1 and w[0]["auth"] == "dmarc" and w[0]["recipient"] == "userunknown@bouncehammer.jp", w
' "$tmp/export-domain-d-hostile-example-table-auth-bounces.json"

# The numbers equal "emauth report summary --json".
"$emauth" report summary --json --store "$store" --no-lookup \
	--senders "$senders" >"$tmp/summary.json" 2>"$tmp/err"
check summary-json "$py" -m json.tool "$tmp/summary.json" /dev/null
check numbers-equal-summary "$py" -c 'import json, sys
s = {d["domain"]: d for d in json.load(open(sys.argv[1]))["domains"]}
w = {d["domain"]: d for d in json.load(open(sys.argv[2]))["rows"]}
assert set(s) == set(w) and len(s) >= 8, (sorted(s), sorted(w))
for k, d in s.items():
    e = w[k]
    assert e["messages"] == d["messages"], k
    assert e["dmarc_pass"] == d["dmarc_pass"], k
    assert e["would_reject"] == d["readiness"]["would_reject"], k
    assert e["next_step"] == d["readiness"]["next_step"], k
    assert e["policy"] == (d["policy"] or "?"), k
    assert abs(e["dmarc_pass_rate"] - d["dmarc_pass_rate"]) < 1e-4, k
' "$tmp/summary.json" "$tmp/export--table-domains.json"
check sources-equal-summary "$py" -c 'import json, sys
s = [d for d in json.load(open(sys.argv[1]))["domains"]
     if d["domain"] == "hostile.example"][0]
w = json.load(open(sys.argv[2]))["rows"]
assert [(x["name"], x["messages"], x["dmarc_pass"]) for x in s["sources"]] == \
    [(x["name"], x["messages"], x["dmarc_pass"]) for x in w], (s, w)
' "$tmp/summary.json" "$tmp/export-domain-d-hostile-example-table-sources.json"

# HEAD: the headers without a body.
code=$(curl -s -I -o "$tmp/hdr" -w '%{http_code}' "$base/")
requests=$((requests + 1))
check head-200 test "$code" = 200
check head-type test "$(header Content-Type)" = "text/html; charset=utf-8"

# What is refused.
long=$(printf 'x%.0s' $(seq 1 128))
bad=("/nope 404" "/domain/ 404" "/domain?d=nothere.example 404"
	"/source?d=example.com&name=nobody 404" "/domain 400"
	"/domain?d=%3Cx%3E 400" "/domain?d=a..b 400" "/?foo=1 400"
	"/?format=xml 400" "/?d=example.com 400"
	"/domain?d=example.com&d=stalw.art 400"
	"/source?d=example.com 400" "/source?d=example.com&name=$long 400"
	"/source?d=example.com&name=a%00b 400"
	"/source?d=example.com&name=%FF 400" "/?table=nope&format=csv 400"
	"/?table=NOPE 400" "/domain?d 400")
for b in "${bad[@]}"; do
	p=${b% *}
	want=${b##* }
	n=refuse${p//[^a-z0-9]/-}
	fetch "$p"
	check "${n:0:60}-$want" test "$code" = "$want"
	check "${n:0:60}-html" test "$(header Content-Type)" = "text/html; charset=utf-8"
done
fetch "/domain?d=%3Cscript%3E"
check bad-domain-not-echoed bash -c "! grep -qF '<script' '$tmp/body'"
# Without a token, only requests for loopback names are answered (DNS
# rebinding: a page of evil.example pointed at 127.0.0.1 gets nothing).
for h in "evil.example" "evil.example:$port" "127.0.0.1.evil.example" \
	"localhost.evil.example:$port" "[::2]:$port" "127.0.0.1:x"; do
	fetch / -H "Host: $h"
	check "host-${h//[^a-z0-9]/-}-403" test "$code" = 403
	check "host-${h//[^a-z0-9]/-}-no-data" bash -c "! grep -qF 'hostile.example' '$tmp/body'"
done
for h in "localhost:$port" "LOCALHOST" "127.0.0.2:$port" "[::1]:$port"; do
	fetch / -H "Host: $h"
	check "host-${h//[^a-z0-9]/-}-200" test "$code" = 200
done
for m in POST PUT DELETE PATCH; do
	fetch / -X "$m" --data x
	check "method-$m-405" test "$code" = 405
	check "method-$m-allow" test "$(header Allow)" = "GET, HEAD"
done

# One log line per request, the query shown escaped.
check log-lines test "$(grep -cE '^emauth report serve: 127\.0\.0\.1 [A-Z]+ /' "$tmp/serve.log")" -eq "$requests"
check log-404 grep -q 'GET /nope 404' "$tmp/serve.log"
check log-escaped grep -qF 'name=a\x00b' "$tmp/serve.log"

# SIGTERM stops it cleanly.
stop_server
check sigterm-exit test $? -eq 0
check sigterm-said grep -q 'stopped' "$tmp/serve.log"

# Listening elsewhere than loopback needs a token.
port2=$(free_port)
run no-token-any-v4 2 report serve --store "$store" --listen "0.0.0.0:$port2" &&
	check no-token-says grep -q 'not a loopback address' "$tmp/err"
run no-token-any-v6 2 report serve --store "$store" --listen "[::]:$port2"
run no-token-lan 2 report serve --store "$store" --listen "192.0.2.1:$port2"
run bad-listen 2 report serve --store "$store" --listen "localhost"
run bad-listen-port 2 report serve --store "$store" --listen "127.0.0.1:99999"
run bad-listen-name 2 report serve --store "$store" --listen "example.com:80"
printf 'short\n' >"$tmp/short.token"
run short-token 2 report serve --store "$store" --listen "0.0.0.0:$port2" \
	--token-file "$tmp/short.token"
run missing-token-file 2 report serve --store "$store" \
	--listen "0.0.0.0:$port2" --token-file "$tmp/nothere"
run no-store 2 report serve --listen "127.0.0.1:$port2"
run bad-senders 2 report serve --store "$store" --senders "$tmp/nothere"
run stray-argument 2 report serve --store "$store" extra
run help 0 report serve --help &&
	check help-says grep -q 'emauth report serve' "$tmp/out"

token=s3cret-Token-$RANDOM-0123456789
printf '%s\n' "$token" >"$tmp/good.token"
check start-token start_server "$tmp/serve2.log" --store "$store" \
	--no-lookup --senders "$senders" --listen "0.0.0.0:$port2" \
	--token-file "$tmp/good.token"
base=http://127.0.0.1:$port2
fetch /
check token-none-401 test "$code" = 401
check token-none-www-auth grep -qi '^WWW-Authenticate: Bearer' "$tmp/hdr"
check token-none-no-data bash -c "! grep -qF 'hostile.example' '$tmp/body'"
fetch /nope
check token-none-404-is-401 test "$code" = 401
fetch / -H "Authorization: Bearer wrong-$token"
check token-wrong-401 test "$code" = 401
fetch / -H "Authorization: Bearer ${token%?}"
check token-prefix-401 test "$code" = 401
fetch "/?token=nope"
check token-query-wrong-401 test "$code" = 401
fetch / -H "Authorization: Bearer $token"
check token-bearer-200 test "$code" = 200
check token-bearer-data grep -qF 'hostile.example' "$tmp/body"
check token-bearer-links-plain grep -qF 'href="/domain?d=hostile.example"' "$tmp/body"
fetch "/domain?d=hostile.example&token=$token"
check token-query-200 test "$code" = 200
check token-query-links grep -qF "href=\"/source?d=hostile.example&amp;name=203.0.113.66&amp;token=$token\"" "$tmp/body"
fetch "/?format=json" -H "Authorization: Bearer $token"
check token-export-200 test "$code" = 200
fetch / -H "Authorization: Bearer $token" -H "Host: dashboard.example"
check token-any-host-200 test "$code" = 200
fetch / -X POST -H "Authorization: Bearer $token"
check token-post-405 test "$code" = 405
check token-not-logged bash -c "! grep -qF '$token' '$tmp/serve2.log'"
stop_server
check token-sigterm-exit test $? -eq 0

# IPv6 loopback needs no token.
if [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6; then
	port3=$(free_port)
	check start-v6 start_server "$tmp/serve3.log" --store "$store" \
		--no-lookup --senders "$senders" --listen "[::1]:$port3"
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port3/")
	check v6-200 test "$code" = 200
	stop_server
fi

[ "$fails" -eq 0 ]
