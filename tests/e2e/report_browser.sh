#!/bin/bash
# The report dashboard in a real browser: Debian's Chromium, headless, on
# "emauth report serve" over a store filled by "emauth report import" with
# the repository's sample reports and two hostile ones (as
# tests/cli/report_serve.sh does).
#   1. --dump-dom of every page: the numbers the browser shows (messages,
#      DMARC pass rate, would-reject count of each domain; a domain's
#      tiles and sources; a source's messages) equal "emauth report
#      summary --json"; the hostile reporter and report id are text in the
#      DOM, never elements; no script, no image, no event handler.
#   2. The DevTools protocol (python3-websocket): each page loaded in a
#      tab, with no console message, exception, CSP violation ("Refused
#      to ..."), failed or 4xx/5xx request; a probe page first shows that
#      such errors are caught.
#   3. --screenshot at 1280x900 of /, a domain and a source: PNGs of that
#      size (UPDATE_SCREENSHOTS=1 also copies them to docs/screenshots/).
# Prints "ok report-browser/NAME" or "not ok report-browser/NAME". KEEP=1
# keeps the temporary directory (DOMs, screenshots, logs).
# usage: tests/e2e/report_browser.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
emauth=$build/emauth
py=/usr/bin/python3
chromium=/usr/bin/chromium
tmp=$(mktemp -d)
fails=0
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	[ -n "${cdp_pid:-}" ] && kill "$cdp_pid" 2>/dev/null
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
ok() { echo "ok report-browser/$1"; }
bad() {
	echo "not ok report-browser/$1${2:+: $2}"
	fails=$((fails + 1))
}
check() { # NAME COMMAND...: the command's output is shown on failure
	local name=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$name"
	else
		bad "$name"
		sed 's/^/  /' "$tmp/check.out" | head -n 30
	fi
}
for p in "$chromium" "$py" /usr/bin/curl "$emauth"; do
	if [ ! -x "$p" ]; then
		echo "not ok report-browser/setup ($p missing: scripts/install-deps test)"
		exit 1
	fi
done
if ! "$py" -c 'import websocket' 2>/dev/null; then
	echo "not ok report-browser/setup (python3-websocket missing: scripts/install-deps test)"
	exit 1
fi
. "$top/tests/lib/report_serve.sh"

store=sqlite:$tmp/s.db
senders=$top/data/senders.map
check fill-store fill_store "$store"
port=$(free_port)
base=http://127.0.0.1:$port
check start start_server "$tmp/serve.log" --store "$store" --no-lookup \
	--senders "$senders" --listen "127.0.0.1:$port"
"$emauth" report summary --json --store "$store" --no-lookup \
	--senders "$senders" >"$tmp/summary.json" 2>"$tmp/summary.err"
check summary-json "$py" -m json.tool "$tmp/summary.json" /dev/null

# The pages: the overview, every domain, the largest source of each
# domain and the hostile one, and the other pages.
"$py" - "$tmp/summary.json" >"$tmp/pages" <<'EOF'
import json, sys, urllib.parse as u
doms = json.load(open(sys.argv[1]))["domains"]
pages = ["/"]
pages += ["/domain?" + u.urlencode({"d": d["domain"]}) for d in doms]
pages += ["/source?" + u.urlencode({"d": d["domain"],
                                    "name": d["sources"][0]["name"]})
          for d in doms if d["sources"]]
pages += ["/source?d=hostile.example&name=203.0.113.66", "/reports",
          "/failures", "/tls", "/failures?d=example.com", "/tls?d=example.com"]
for p in dict.fromkeys(pages):
    print(p)
EOF
check pages-listed test "$(wc -l <"$tmp/pages")" -ge 20

# Headless Chromium as root: no sandbox, nothing fetched but our pages.
chrome_flags=(--headless --no-sandbox --disable-gpu --disable-quic
	--no-first-run --disable-background-networking
	--disable-component-update --disable-sync --disable-extensions
	--disable-default-apps --no-default-browser-check --hide-scrollbars
	--user-data-dir="$tmp/chrome")

# 1. The DOM of every page, as the browser built it.
n=0
while read -r p; do
	n=$((n + 1))
	timeout 60 "$chromium" "${chrome_flags[@]}" --dump-dom "$base$p" \
		>"$tmp/dom-$n.html" 2>>"$tmp/chrome-dump.log"
	printf '%s\t%s\n' "$n" "$p" >>"$tmp/doms"
done <"$tmp/pages"
check dom-dumped "$py" - "$tmp" <<'EOF'
import os, sys
t = sys.argv[1]
for line in open(os.path.join(t, "doms")):
    n, p = line.rstrip("\n").split("\t")
    body = open(os.path.join(t, "dom-%s.html" % n), encoding="utf-8").read()
    assert "</html>" in body and "emauth" in body, (p, len(body))
EOF

cat >"$tmp/dom.py" <<'EOF'
# The cells and values a page marks with data-k, table by table.
import json, os, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = {}      # id -> rows of {key: text}
        self.values = {}      # data-k outside tables -> text
        self.table = None
        self.row = None
        self.key = None       # (key, depth) being read
        self.depth = 0
        self.text = []
        self.bad = []         # elements a report must never bring
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "object", "embed", "base",
                   "form"):
            self.bad.append(tag)
        for k in a:
            if k.startswith("on"):
                self.bad.append(tag + " " + k)
        if tag in ("br", "meta", "link", "input", "hr", "circle", "rect",
                   "line", "path"):
            return
        self.depth += 1
        if tag == "table":
            self.table = a.get("id", "")
            self.tables[self.table] = []
        elif tag == "tr" and self.table is not None:
            self.row = {}
        if "data-k" in a and self.key is None:
            self.key = (a["data-k"], self.depth)
            self.text = []
    def handle_endtag(self, tag):
        if tag in ("br", "meta", "link", "input", "hr", "circle", "rect",
                   "line", "path"):
            return
        if self.key and self.key[1] == self.depth:
            v = "".join(self.text).strip()
            if self.row is not None:
                self.row[self.key[0]] = v
            else:
                self.values.setdefault(self.key[0], v)
            self.key = None
        self.depth -= 1
        if tag == "tr" and self.row is not None:
            if self.row:
                self.tables[self.table].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
    def handle_data(self, data):
        if self.key:
            self.text.append(data)

def page(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    return p

def pct(r):
    return "%.1f%%" % (100 * r) if r is not None else "-"
EOF

# The overview: each domain's messages, pass rate and would-reject count.
check dom-overview-numbers "$py" - "$tmp" <<'EOF'
import json, os, sys
t = sys.argv[1]
sys.path.insert(0, t)
from dom import page, pct
s = {d["domain"]: d for d in json.load(open(os.path.join(t, "summary.json")))["domains"]}
p = page(os.path.join(t, "dom-1.html"))
assert not p.bad, p.bad
rows = {r["domain"]: r for r in p.tables["t-domains"]}
assert set(rows) == set(s), (sorted(rows), sorted(s))
for k, d in s.items():
    r = rows[k]
    assert int(r["messages"]) == d["messages"], (k, r, d["messages"])
    want = pct(d["dmarc_pass_rate"] if d["messages"] else None)
    assert r["dmarc_pass_rate"] == want, (k, r["dmarc_pass_rate"], want)
    assert int(r["would_reject"]) == d["readiness"]["would_reject"], k
    assert r["next_step"] == d["readiness"]["next_step"], k
    print(k, r["messages"], r["dmarc_pass_rate"], r["would_reject"])
total = sum(d["messages"] for d in s.values())
assert int(p.values["total_messages"]) == total, p.values
EOF

# Each domain page: the tiles, the readiness and the sources table.
check dom-domain-numbers "$py" - "$tmp" <<'EOF'
import json, os, sys, urllib.parse as u
t = sys.argv[1]
sys.path.insert(0, t)
from dom import page, pct
s = {d["domain"]: d for d in json.load(open(os.path.join(t, "summary.json")))["domains"]}
seen = 0
for line in open(os.path.join(t, "doms")):
    n, path = line.rstrip("\n").split("\t")
    if not path.startswith("/domain?"):
        continue
    d = s[u.parse_qs(path.split("?", 1)[1])["d"][0]]
    p = page(os.path.join(t, "dom-%s.html" % n))
    assert not p.bad, (path, p.bad)
    v = p.values
    assert int(v["messages"]) == d["messages"], (path, v)
    assert v["dmarc_pass_rate"] == pct(d["dmarc_pass_rate"] if d["messages"] else None), (path, v)
    assert v["spf_aligned_rate"] == pct(d["spf_aligned_rate"] if d["messages"] else None), (path, v)
    assert v["dkim_aligned_rate"] == pct(d["dkim_aligned_rate"] if d["messages"] else None), (path, v)
    r = d["readiness"]
    assert int(v["would_reject"]) == r["would_reject"], (path, v)
    assert int(v["known_senders_to_fix"]) == r["known_senders_to_fix"], path
    assert int(v["unknown_sources"]) == r["unknown_sources"], path
    assert v["next_step"] == r["next_step"], path
    assert v["why"] == r["why"], (path, v["why"], r["why"])
    src = p.tables["t-sources"]
    want = d["sources"][:1000]
    assert len(src) == len(want), (path, len(src), len(want))
    for a, b in zip(src, want):
        assert a["name"] == b["name"], (path, a, b)
        assert int(a["messages"]) == b["messages"], (path, a, b)
        assert int(a["ips"]) == b["ips"], (path, a, b)
    disp = {x["disposition"]: int(x["messages"]) for x in p.tables["t-dispositions"]}
    assert disp == d["dispositions"], (path, disp, d["dispositions"])
    seen += 1
assert seen == len(s), seen
print(seen, "domain pages")
EOF

# Each source page: its messages, addresses and records.
check dom-source-numbers "$py" - "$tmp" <<'EOF'
import json, os, sys, urllib.parse as u
t = sys.argv[1]
sys.path.insert(0, t)
from dom import page, pct
s = {d["domain"]: d for d in json.load(open(os.path.join(t, "summary.json")))["domains"]}
seen = 0
for line in open(os.path.join(t, "doms")):
    n, path = line.rstrip("\n").split("\t")
    if not path.startswith("/source?"):
        continue
    q = u.parse_qs(path.split("?", 1)[1])
    d = s[q["d"][0]]
    x = [y for y in d["sources"] if y["name"] == q["name"][0]][0]
    p = page(os.path.join(t, "dom-%s.html" % n))
    assert not p.bad, (path, p.bad)
    assert int(p.values["messages"]) == x["messages"], (path, p.values)
    assert int(p.values["ips"]) == x["ips"], (path, p.values)
    assert p.values["dmarc_pass_rate"] == pct(x["dmarc_pass"] / x["messages"] if x["messages"] else None)
    assert len(p.tables["t-addresses"]) == x["ips"], path
    got = sum(int(r["messages"]) for r in p.tables["t-addresses"])
    assert got == x["messages"], (path, got, x["messages"])
    if len(p.tables["t-records"]) < 1000:
        got = sum(int(r["count"]) for r in p.tables["t-records"])
        assert got == x["messages"], (path, got, x["messages"])
    seen += 1
assert seen >= 5, seen
print(seen, "source pages")
EOF

# The hostile strings are text in the DOM, and no report brought markup.
check dom-hostile-text "$py" - "$tmp" "$evil_org" "$evil_id" <<'EOF'
import os, sys
from html.parser import HTMLParser
t, org, rid = sys.argv[1:4]
class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text = []
        self.tags = []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
    def handle_data(self, d):
        self.text.append(d)
found = 0
for line in open(os.path.join(t, "doms")):
    n, path = line.rstrip("\n").split("\t")
    body = open(os.path.join(t, "dom-%s.html" % n), encoding="utf-8").read()
    p = Text()
    p.feed(body)
    assert "script" not in p.tags and "img" not in p.tags, (path, p.tags)
    text = "".join(p.text)
    if path in ("/reports", "/source?d=hostile.example&name=203.0.113.66"):
        assert org in text and rid in text, path
        assert "&lt;script&gt;" in body, path
        found += 1
assert found == 2, found
EOF

# 2. Console, exceptions, CSP violations and failed requests, through the
# DevTools protocol of one browser.
cdp_port=$(free_port)
"$chromium" "${chrome_flags[@]}" --remote-debugging-address=127.0.0.1 \
	--remote-debugging-port="$cdp_port" \
	--remote-allow-origins="http://127.0.0.1:$cdp_port" about:blank \
	>"$tmp/chrome-cdp.log" 2>&1 &
cdp_pid=$!
cat >"$tmp/cdp.py" <<'EOF'
# Loads each URL in one tab and prints every problem the page had:
# console messages, exceptions, log entries (CSP violations are
# "Refused to ..." errors there), failed requests and HTTP errors.
import json, sys, time, urllib.request
import websocket

port, urls = sys.argv[1], sys.argv[2:]
deadline = time.time() + 20
while True:
    try:
        tabs = json.load(urllib.request.urlopen(
            "http://127.0.0.1:%s/json/list" % port, timeout=2))
        tab = [t for t in tabs if t.get("type") == "page"][0]
        break
    except Exception:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
ws = websocket.create_connection(tab["webSocketDebuggerUrl"], timeout=20,
                                 suppress_origin=True)
seq = 0
def send(method, **params):
    global seq
    seq += 1
    ws.send(json.dumps({"id": seq, "method": method, "params": params}))
    return seq
def pump(until_id=None, until_event=None, quiet=0.0, limit=20.0):
    """Reads messages; returns the events seen."""
    out, end = [], time.time() + limit
    done, idle_from = False, None
    while time.time() < end:
        ws.settimeout(0.1 if done else max(0.1, end - time.time()))
        try:
            m = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            if done:
                if idle_from is None:
                    idle_from = time.time()
                if time.time() - idle_from >= quiet:
                    break
            continue
        idle_from = None
        if "method" in m:
            out.append(m)
            if until_event and m["method"] == until_event:
                done = True
        elif until_id is not None and m.get("id") == until_id:
            if "error" in m:
                raise SystemExit("CDP error: %s" % m["error"])
            if not until_event:
                done = True
    if not done:
        raise SystemExit("timed out waiting for %s" % (until_event or until_id))
    return out
for m in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
    pump(until_id=send(m))
for n, url in enumerate(urls, 1):
    events = pump(until_id=send("Page.navigate", url=url),
                  until_event="Page.loadEventFired", quiet=0.5)
    said = []
    for e in events:
        m, p = e["method"], e["params"]
        if m == "Runtime.consoleAPICalled":
            said.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p["args"])))
        elif m == "Runtime.exceptionThrown":
            x = p["exceptionDetails"]
            said.append("exception: %s %s" % (x.get("text"),
                        x.get("exception", {}).get("description", "")))
        elif m == "Log.entryAdded":
            said.append("log %s/%s: %s" % (p["entry"]["source"],
                        p["entry"]["level"], p["entry"]["text"]))
        elif m == "Network.loadingFailed":
            said.append("failed: %s" % p.get("errorText"))
        elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
            said.append("HTTP %d: %s" % (p["response"]["status"],
                                         p["response"]["url"]))
        elif m == "Network.requestWillBeSent":
            r = p["request"]["url"]
            if not (r.startswith(url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + "/")
                    or r.startswith("data:")):
                said.append("off-site request: %s" % r)
    for s in said:
        print("page %d\t%s" % (n, s.replace("\n", " ")))
    print("# page %d %s: %d events, %d problems" % (n, url, len(events),
          len(said)), file=sys.stderr)
ws.close()
EOF
# The probe: a page with a console error, an exception and a blocked
# image must give problems, or the check below proves nothing.
probe='data:text/html,<meta http-equiv="Content-Security-Policy" content="default-src '\''none'\''; script-src '\''unsafe-inline'\''"><script>console.error("probe-console");throw new Error("probe-exception")</script><img src="http://127.0.0.1:9/x.png">'
if timeout 60 "$py" "$tmp/cdp.py" "$cdp_port" "$probe" >"$tmp/probe.out" 2>"$tmp/probe.err"; then
	check cdp-probe-console grep -q 'probe-console' "$tmp/probe.out"
	check cdp-probe-exception grep -q 'probe-exception' "$tmp/probe.out"
	check cdp-probe-csp grep -q 'Content Security Policy' "$tmp/probe.out"
else
	bad cdp-probe "$(tail -n 3 "$tmp/probe.err")"
fi
urls=()
while read -r p; do
	urls+=("$base$p")
done <"$tmp/pages"
if timeout 300 "$py" "$tmp/cdp.py" "$cdp_port" "${urls[@]}" >"$tmp/cdp.out" 2>"$tmp/cdp.err"; then
	check cdp-pages-loaded test "$(grep -c ' problems$' "$tmp/cdp.err")" -eq "${#urls[@]}"
	check cdp-no-console-errors bash -c "test -f '$tmp/cdp.out' && ! grep . '$tmp/cdp.out' || { cat '$tmp/cdp.out'; false; }"
else
	bad cdp-run "$(tail -n 5 "$tmp/cdp.err")"
fi
kill "$cdp_pid" 2>/dev/null
wait "$cdp_pid" 2>/dev/null
cdp_pid=

# 3. Screenshots of the main pages at 1280x900: the overview, the domain
# with the most days, a known sender (the senders map's Google Workspace)
# with its fix.
shots=("dashboard-overview.png /" "dashboard-domain.png /domain?d=stalw.art"
	"dashboard-source.png /source?d=example.org&name=Google+Workspace")
for s in "${shots[@]}"; do
	f=${s%% *}
	p=${s#* }
	timeout 60 "$chromium" "${chrome_flags[@]}" --window-size=1280,900 \
		--screenshot="$tmp/$f" "$base$p" >>"$tmp/chrome-shot.log" 2>&1
	code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p")
	check "screenshot-${f%.png}-page" test "$code" = 200
	check "screenshot-${f%.png}" "$py" -c 'import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1280, 900), (w, h)
assert len(b) > 20000, len(b)' "$tmp/$f"
	if [ "${UPDATE_SCREENSHOTS:-0}" = 1 ] && [ -s "$tmp/$f" ]; then
		mkdir -p "$top/docs/screenshots"
		cp "$tmp/$f" "$top/docs/screenshots/$f"
	fi
done
for f in dashboard-overview.png dashboard-domain.png dashboard-source.png; do
	check "docs-has-$f" test -s "$top/docs/screenshots/$f"
done
check readme-shows-overview grep -qF '![The report dashboard](docs/screenshots/dashboard-overview.png)' "$top/README.md"

stop_server
check server-stopped test $? -eq 0
server_pid=
[ "$fails" -eq 0 ]
