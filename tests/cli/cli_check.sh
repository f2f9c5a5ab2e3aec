#!/bin/bash
# CLI tests for "emauth check": the findings (area, status, text, fix) on
# the example zones of a good domain (example.com), a broken one
# (broken.example) and one whose SPF tree is too deep (deep.example),
# offline; the JSON document; exit status.
# Prints "ok cli/check/NAME" or "not ok cli/check/NAME".
# usage: tests/cli/cli_check.sh BUILD-DIR
AREA=check
. "$(dirname "$0")/../lib/cli.sh"
z=$top/examples/zones
dns="zone:$z/example.com.zone,$z/mailplatform.example.zone,$z/reverse.zone,$z/broken.example.zone,$z/deep.example.zone,$z/brokerage.example.zone,$z/clientfirm.example.zone,$z/lab.example.zone"
ex=$top/examples/expect

# has NAME AREA STATUS TEXT [FIX]: a check with that area and status whose
# message contains TEXT (and whose fix contains FIX).
has() {
	local name=$1
	shift
	if /usr/bin/python3 -c 'import json,sys
o=json.load(open(sys.argv[1]))
area,status,text=sys.argv[2:5]
fix=sys.argv[5] if len(sys.argv)>5 else None
ok=any(c["area"]==area and c["status"]==status and text in c["message"]
       and (fix is None or (c["fix"] or "").find(fix)>=0) for c in o["checks"])
sys.exit(0 if ok else 1)' "$tmp/out" "$@"; then
		echo "ok cli/check/$name"
	else
		echo "not ok cli/check/$name"
		echo "  no check: $*"
		fails=$((fails + 1))
	fi
}

jtrue() {
	local name=$1
	shift
	if /usr/bin/python3 -c "import json,sys
o=json.load(open(sys.argv[1]))
sys.exit(0 if ($1) else 1)" "$tmp/out"; then
		echo "ok cli/check/$name"
	else
		echo "not ok cli/check/$name"
		echo "  false: $1"
		fails=$((fails + 1))
	fi
}

# The good domain: nothing fails.
if run good 0 check example.com --dns "$dns" --selector demo2026 --selector demo2026e --ip 203.0.113.140 --json; then
	has good-spf spf pass 'v=spf1 ip4:198.51.100.0/26 mx include:_spf.mailplatform.example -all" (3 of 10 DNS lookups'
	jtrue good-tree 'len(o["checks"][0]["lookup_tree"])==3 and o["checks"][0]["lookup_tree"][1]["via"]=="include:_spf.mailplatform.example"'
	has good-dmarc dmarc pass 'DMARC policy p=reject for example.com'
	has good-dkim-rsa dkim pass 'demo2026._domainkey.example.com: rsa key, 2048 bits'
	has good-dkim-ed dkim pass 'demo2026e._domainkey.example.com: ed25519 key'
	has good-mx mx pass 'MX 10 mx1.example.com'
	has good-ptr ptr pass '203.0.113.140 is out7.mailplatform.example'
	has good-ptr-spf ptr pass 'SPF for example.com from 203.0.113.140: pass'
	jtrue good-summary 'o["summary"]["fail"]==0 and o["summary"]["verdict"] in ("pass","warn")'
	jtrue good-keys 'all(set(c)>={"area","status","message","fix"} for c in o["checks"])'
fi
# The broken domain: each mistake found, with the fix where there is one.
if run broken 1 check broken.example --dns "$dns" --selector s1 --selector old --selector nokey --ip 192.0.2.199 --json; then
	has spf-ptr spf warn 'ptr is deprecated'
	has spf-broad spf warn 'ip4:10.0.0.0/8 authorizes more than 65,536'
	has spf-neutral spf warn '?all says nothing'
	has spf-loop spf fail 'include:broken.example loops back to broken.example'
	has spf-void spf fail 'nospf.broken.example has no SPF record'
	has spf-type99 spf warn 'obsolete SPF record type (99)'
	has dmarc-typo dmarc fail 'did you mean p=reject?'
	has dmarc-emailto dmarc fail 'did you mean mailto:?'
	has dmarc-pct dmarc warn 'pct was removed by RFC 9989'
	has dmarc-fix dmarc fail 'sets no policy' '_dmarc.broken.example.	IN	TXT	"v=DMARC1; p=none; rua=mailto:dmarc-reports@broken.example"'
	has dkim-short dkim warn 'RSA 1024 bits'
	has dkim-testing dkim warn 't=y (testing)'
	has dkim-revoked dkim warn 'key revoked'
	has dkim-missing dkim fail 'nokey._domainkey.broken.example: no key record' 'emauth keygen --domain broken.example --selector nokey'
	has mx-cname mx fail 'alias.broken.example is a CNAME'
	has mx-literal mx fail '192.0.2.25 is an IP address'
	has mx-unresolved mx fail 'nowhere.broken.example does not resolve'
	has ptr-none ptr fail '192.0.2.199 has no PTR record'
	has ptr-spf ptr fail 'SPF for broken.example from 192.0.2.199' 'include:nospf.broken.example ip4:192.0.2.199 ?all"'
	jtrue broken-summary 'o["summary"]["verdict"]=="fail" and "550 5.7.26" in o["summary"]["mailbox_providers"]'
fi
# Too many lookups: the tree, and its total.
if run deep 1 check deep.example --dns "$dns" --json; then
	has deep-total spf fail '12 DNS-querying terms in the whole tree'
	jtrue deep-tree '[n["total_lookups"] for n in o["checks"][0]["lookup_tree"]]==[12,4,1,1,3,1,0]'
	has deep-nodmarc dmarc fail 'no DMARC record for deep.example' '_dmarc.deep.example.	IN	TXT	"v=DMARC1; p=none; rua=mailto:dmarc-reports@deep.example"'
	has dkim-probe dkim warn 'probed common selectors: none found'
fi
# No SPF at all: the fix names the addresses given.
if run nospf 1 check mailplatform.example --dns "$dns" --ip 203.0.113.140 --json; then
	has nospf spf fail 'publishes no SPF record' 'mailplatform.example.	IN	TXT	"v=spf1 mx ip4:203.0.113.140 -all"'
	has nomx mx warn 'no MX record'
fi
# The text report, without colour when not a terminal.
if run text 1 check broken.example --dns "$dns" --selector s1; then
	if grep -q $'\033' "$tmp/out"; then
		echo "not ok cli/check/text-no-color"; fails=$((fails + 1))
	else
		echo "ok cli/check/text-no-color"
	fi
	if grep -q '^SPF lookup tree' "$tmp/out" && grep -q 'fix: _dmarc.broken.example.' "$tmp/out"; then
		echo "ok cli/check/text-report"
	else
		echo "not ok cli/check/text-report"; fails=$((fails + 1))
	fi
fi
# The rest of the findings, on lab.example's domains.
if run lax 1 check lax.lab.example --dns "$dns" --selector svc --json; then
	has lax-plus-all spf fail '+all authorizes every address on the Internet'
	has lax-ip6 spf warn 'ip6:2001:db8::/32 is wider than /48'
	has lax-none dmarc warn 'p=none: monitoring only'
	has lax-sp dmarc info 'subdomains get sp=quarantine'
	has lax-consent dmarc warn 'reports go to thirdparty.example, which has not authorized them' 'lax.lab.example._report._dmarc.thirdparty.example.	IN	TXT	"v=DMARC1"'
	jtrue lax-own-rua 'not any("reports go to lax.lab.example" in c["message"] for c in o["checks"])'
	has lax-service dkim fail 'svc._domainkey.lax.lab.example: key record s= does not allow email'
	has lax-nullmx mx info 'null MX (RFC 7505)'
fi
run twospf 1 check twospf.lab.example --dns "$dns" --json && has twospf spf fail '2 SPF records: receivers return permerror'
run noall 1 check noall.lab.example --dns "$dns" --json && has noall spf warn 'no all and no redirect'

# Expectations of a platform: each holds or fails with its fix.
if run expect-client 1 check clientfirm.example --dns "$dns" --expect "$ex/brokerage.expect" --json; then
	has expect-include expect pass 'the SPF record includes _spf.brokerage.example'
	has expect-cname expect pass 'bk1._domainkey.clientfirm.example is delegated to bk1.dkim.brokerage.example'
	has expect-dmarc expect pass 'a DMARC policy applies (quarantine)'
	has expect-rua expect fail 'must send aggregate reports to mailto:dmarc@reports.brokerage.example'
fi
if run expect-other 1 check example.com --dns "$dns" --expect "$ex/brokerage.expect" --json; then
	has expect-include-fix expect fail 'must include _spf.brokerage.example' 'example.com.	IN	TXT	"v=spf1 ip4:198.51.100.0/26 mx include:_spf.mailplatform.example include:_spf.brokerage.example -all"'
	has expect-cname-fix expect fail 'must be a CNAME to bk1.dkim.brokerage.example' 'bk1._domainkey.example.com.	IN	CNAME	bk1.dkim.brokerage.example.'
fi
if run expect-marketing 1 check example.com --dns "$dns" --expect "$ex/marketing.expect" --json; then
	has expect-mp1 expect pass 'mp1._domainkey.example.com is delegated to mp1.dkim.mailplatform.example'
	has expect-mp2 expect fail 'mp2._domainkey.example.com must be a CNAME' 'mp2._domainkey.example.com.	IN	CNAME	mp2.dkim.mailplatform.example.'
	has expect-return-path expect pass 'the return path bounces.example.com has an SPF record'
fi
printf 'spf-include\n' >"$tmp/bad.expect"
run expect-bad 2 check example.com --dns "$dns" --expect "$tmp/bad.expect" &&
	grep -q 'bad.expect:1: not an expectation' "$tmp/err" && echo "ok cli/check/expect-bad-message" ||
	{ echo "not ok cli/check/expect-bad-message"; fails=$((fails + 1)); }
# --save-zone: the answers used, replayed offline, give the same report;
# an unwritable path is an error that leaves nothing behind.
if run save-zone 0 check example.com --dns "$dns" --selector demo2026 --ip 203.0.113.140 --json --save-zone "$tmp/saved.zone"; then
	cp "$tmp/out" "$tmp/first.json"
	run save-zone-replay 0 check example.com --dns "zone:$tmp/saved.zone" --selector demo2026 --ip 203.0.113.140 --json &&
		cmp -s "$tmp/out" "$tmp/first.json" && echo "ok cli/check/save-zone-replay" ||
		{ echo "not ok cli/check/save-zone-replay"; fails=$((fails + 1)); }
fi
run save-zone-bad 2 check example.com --dns "$dns" --save-zone "$tmp/no/such/dir/x.zone" &&
	grep -q 'save-zone' "$tmp/err" && [ ! -e "$tmp/no/such/dir/x.zone.tmp" ] &&
	echo "ok cli/check/save-zone-unwritable" ||
	{ echo "not ok cli/check/save-zone-unwritable"; fails=$((fails + 1)); }
run usage 2 check && grep -q 'exactly one DOMAIN' "$tmp/err" && echo "ok cli/check/usage" ||
	{ echo "not ok cli/check/usage"; fails=$((fails + 1)); }

# Caps, each exceeded by one (tests/data/zones/caps.example.zone): the
# report fails or counts what is past the cap, never drops it silently.
caps="zone:$top/tests/data/zones/caps.example.zone"
# 33 SPF findings, 32 kept: the +all failure (the 33rd) is kept, a warning
# goes, and the truncated list is itself a failure.
if run cap-findings 1 check findings.caps.example --dns "$caps" --json; then
	has cap-findings-plus-all spf fail '+all authorizes every address on the Internet'
	has cap-findings-more spf fail '1 more finding not shown'
	jtrue cap-findings-verdict 'o["summary"]["verdict"]=="fail"'
fi
# 17 MX hosts, 16 kept: the most preferred (a CNAME) is among them, the
# count is shown; 5 addresses of a host (4 kept) and 3 with reverse DNS
# checked for 2 say so.
if run cap-mx 1 check mxs.caps.example --dns "$caps" --json; then
	has cap-mx-primary mx fail 'MX 10 primary.mxs.caps.example is a CNAME'
	has cap-mx-count mx info '17 MX hosts, more than 16: the 16 most preferred are listed'
	jtrue cap-mx-order '[c["message"].split()[1] for c in o["checks"] if c["area"]=="mx" and c["message"].startswith("MX ")]==[str(p) for p in [10]+list(range(21,36))]'
	has cap-mx-addrs mx pass 'MX 21 h1.mxs.caps.example (192.0.2.1, ... 5 addresses)'
	has cap-mx-ptr-first ptr info 'MX host h2.mxs.caps.example: reverse DNS checked for the first 2 of its 3 addresses'
fi
# 17 MX hosts: the one not kept is an IP literal, still a failure.
if run cap-mx-last 1 check mxlast.caps.example --dns "$caps" --json; then
	has cap-mx-last mx fail 'MX 99 192.0.2.99 is an IP address: an MX must name a host (not listed above: 1 of the MX hosts not listed'
fi
# A report of 162 checks (30 wide ranges, one also private): the last
# (a failed expectation) is kept and decides the verdict.
for i in $(seq 1 47); do echo "return-path report.caps.example"; done >"$tmp/report.expect"
echo "dmarc-rua mailto:x@elsewhere.example" >>"$tmp/report.expect"
sels=()
for i in $(seq 1 16); do sels+=(--selector "k$i"); done
if run cap-report 1 check report.caps.example --dns "$caps" "${sels[@]}" --expect "$tmp/report.expect" --json; then
	jtrue cap-report-all 'len(o["checks"])==162 and o["checks"][-1]["status"]=="fail"'
	has cap-report-last expect fail 'must send aggregate reports to mailto:x@elsewhere.example'
	jtrue cap-report-verdict 'o["summary"]["verdict"]=="fail" and o["summary"]["fail"]==1'
fi
# A record of 1,121 bytes: shown whole, and the fix holds all of it (in
# strings of at most 255 bytes) with the include before -all.
printf 'spf-include _spf.platform.example\n' >"$tmp/long.expect"
if run cap-long-record 1 check long.caps.example --dns "$caps" --expect "$tmp/long.expect" --json; then
	jtrue cap-long-shown '"ip4:198.51.0.69 -all\" (0 of 10" in o["checks"][0]["message"]'
	jtrue cap-long-fix '[c["fix"] for c in o["checks"] if c["area"]=="expect"][0].endswith("ip4:198.51.0.69 include:_spf.platform.example -all\" )")'
	jtrue cap-long-fix-strings 'all(len(s)<=255 for s in __import__("re").findall(r"\"([^\"]*)\"", [c["fix"] for c in o["checks"] if c["area"]=="expect"][0]))'
	jtrue cap-long-fix-whole '"".join(__import__("re").findall(r"\"([^\"]*)\"", [c["fix"] for c in o["checks"] if c["area"]=="expect"][0])).replace(" include:_spf.platform.example","")==o["checks"][0]["lookup_tree"][0]["record"]'
fi
# 65 records in the SPF tree, 64 examined: the count is a lower bound.
if run cap-nodes 1 check nodes.caps.example --dns "$caps" --json; then
	has cap-nodes-least spf fail '(at least 127 of 10 DNS lookups'
	has cap-nodes-more spf fail 'more than 64 records in the tree'
	has cap-nodes-total spf fail 'at least 127 DNS-querying terms'
fi
# A domain of 254 characters (253 is the most): refused, not cut.
long=$(printf 'a%.0s' $(seq 1 63)).$(printf 'b%.0s' $(seq 1 63)).$(printf 'c%.0s' $(seq 1 63)).$(printf 'd%.0s' $(seq 1 62))
run cap-domain 2 check "$long" --dns "$caps" && check cap-domain grep -q 'at most 253' "$tmp/err"
run cap-domain-253 1 check "${long%d}" --dns "$caps"
# Expectations match whole terms and URIs: "all" inside a name is not the
# all term, a rua that only starts with the address does not count, and a
# -include: authorizes nobody.
printf 'spf-include _spf.platform.example\ndmarc-rua mailto:a@b.caps.example\n' >"$tmp/exact.expect"
if run expect-exact 1 check smallmail.caps.example --dns "$caps" --expect "$tmp/exact.expect" --json; then
	has expect-all-term expect fail 'must include _spf.platform.example' 'smallmail.caps.example.	IN	TXT	"v=spf1 include:_spf.smallmail.caps.example include:_spf.platform.example -all"'
	has expect-rua-exact expect fail 'must send aggregate reports to mailto:a@b.caps.example'
fi
printf 'spf-include _spf.platform.caps.example\n' >"$tmp/neg.expect"
run expect-negative 1 check negative.caps.example --dns "$caps" --expect "$tmp/neg.expect" --json &&
	has expect-negative-include expect fail 'must include _spf.platform.caps.example'
# --ip and --selector: 16 of each are taken (cap-report gives 16
# selectors), each address checked; a 17th is refused, never dropped.
ips=()
for i in $(seq 1 16); do ips+=(--ip "192.0.2.$i"); done
run cap-ips-16 1 check findings.caps.example --dns "$caps" "${ips[@]}" --json &&
	jtrue cap-ips-16 'sum(1 for c in o["checks"] if c["area"]=="ptr" and c["message"].startswith("SPF for findings.caps.example from 192.0.2."))==16'
run cap-ips-17 2 check findings.caps.example --dns "$caps" "${ips[@]}" --ip 192.0.2.17 &&
	check cap-ips-17 grep -q 'at most 16 addresses' "$tmp/err"
run cap-selectors-17 2 check report.caps.example --dns "$caps" "${sels[@]}" --selector k17 &&
	check cap-selectors-17 grep -q 'at most 16 selectors' "$tmp/err"
# --expect: 64 expectations are each checked; a 65th is refused, naming
# the file. A line of 1,022 bytes (and its line feed) is read; one byte
# more is refused, naming the line, never cut.
for i in $(seq 1 64); do echo "dmarc reject"; done >"$tmp/e64.expect"
run cap-expect-64 1 check findings.caps.example --dns "$caps" --expect "$tmp/e64.expect" --json &&
	jtrue cap-expect-64 'sum(1 for c in o["checks"] if c["area"]=="expect" and c["status"]=="pass")==64'
{ cat "$tmp/e64.expect"; echo "dmarc reject"; } >"$tmp/e65.expect"
run cap-expect-65 2 check findings.caps.example --dns "$caps" --expect "$tmp/e65.expect" &&
	check cap-expect-65 grep -q 'e65.expect:65: more than 64 expectations' "$tmp/err"
line="dmarc reject #"
printf 'return-path findings.caps.example\n%s%s\n' "$line" "$(head -c $((1022 - ${#line})) /dev/zero | tr '\0' x)" >"$tmp/l1022.expect"
run cap-expect-line-1022 1 check findings.caps.example --dns "$caps" --expect "$tmp/l1022.expect" --json &&
	jtrue cap-expect-line-1022 'sum(1 for c in o["checks"] if c["area"]=="expect")==2'
printf 'return-path findings.caps.example\n%s%s\n' "$line" "$(head -c $((1023 - ${#line})) /dev/zero | tr '\0' x)" >"$tmp/l1023.expect"
run cap-expect-line-1023 2 check findings.caps.example --dns "$caps" --expect "$tmp/l1023.expect" &&
	check cap-expect-line-1023 grep -q 'l1023.expect:2: line too long' "$tmp/err"
# A word of 299 bytes is read whole; 300 bytes are refused, never split
# into two words (a 350-byte target was once read as selector + target).
w299=$(head -c 299 /dev/zero | tr '\0' s)
printf 'dkim-cname %s target.example\n' "$w299" >"$tmp/w299.expect"
run cap-expect-word-299 1 check findings.caps.example --dns "$caps" --expect "$tmp/w299.expect" --json &&
	jtrue cap-expect-word-299 'any(c["area"]=="expect" and "'"$w299"'" in json.dumps(c) for c in o["checks"])'
printf 'dkim-cname %ss\n' "$w299" >"$tmp/w300.expect"
run cap-expect-word-300 2 check findings.caps.example --dns "$caps" --expect "$tmp/w300.expect" &&
	check cap-expect-word-300 grep -q 'w300.expect:1: a word is longer than 299 bytes' "$tmp/err"
# Codes in --json, every one documented (docs/checks.md); the sending
# server's blocklists (--dnsbl ZONE served from a zone file) and HELO.
cat >"$tmp/bl.zone" <<'EOF'
$ORIGIN bl.test.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 300
@ IN NS ns
ns IN A 192.0.2.53
140.113.0.203 IN A 127.0.0.2
EOF
if run codes 1 check example.com --dns "$dns,$tmp/bl.zone" --ip 203.0.113.140 --dnsbl bl.test --helo '[203.0.113.140]' --json; then
	jtrue codes-present 'all(c.get("code") for c in o["checks"])'
	jtrue codes-documented 'all("`"+c["code"]+"`" in open("'"$top"'/docs/checks.md").read() for c in o["checks"])'
	jtrue dnsbl-listed 'any(c["code"]=="ptr.dnsbl-listed" and "bl.test" in c["message"] for c in o["checks"])'
	jtrue helo-literal 'any(c["code"]=="ptr.helo-ip-literal" for c in o["checks"])'
fi
run no-dnsbl 0 check example.com --dns "$dns,$tmp/bl.zone" --ip 203.0.113.140 --no-dnsbl --json &&
	jtrue no-dnsbl 'not any(c["code"].startswith("ptr.dnsbl") for c in o["checks"])'
bls=()
for i in $(seq 1 17); do bls+=(--dnsbl "bl$i.test"); done
run cap-dnsbl-17 2 check example.com --dns "$dns" --ip 203.0.113.140 "${bls[@]}" &&
	check cap-dnsbl-17 grep -q 'at most 16 --dnsbl zones' "$tmp/err"
run cap-dnsbl-16 0 check example.com --dns "$dns" --ip 203.0.113.140 "${bls[@]:0:32}" --json &&
	jtrue cap-dnsbl-16 'sum(c["code"]=="ptr.dnsbl-clean" for c in o["checks"])==16'
[ "$fails" -eq 0 ]
