#!/usr/bin/python3
"""Generates the SPF interop scenarios: zone files for NSD and a list of
checks (name, ip, mail-from, helo, compare-explanation). Deterministic.
Usage: gen.py OUTDIR  -> OUTDIR/*.zone, OUTDIR/scenarios.tsv"""
import os
import sys

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
zones = {"example.org": [], "example.net": [],
         "2.0.192.in-addr.arpa": [], "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": []}
checks = []


def rr(zone, name, rtype, value):
    zones[zone].append("%s IN %s %s" % (name, rtype, value))


def txt(name, *strings, zone="example.org"):
    rr(zone, name, "TXT", " ".join('"%s"' % s for s in strings))


def check(name, ip, sender, helo="helo.example.org", exp=False):
    checks.append((name, ip, sender, helo, "1" if exp else "0"))


# Addresses used as the domain's hosts.
rr("example.org", "mx1", "A", "192.0.2.10")
rr("example.org", "mx2", "A", "192.0.2.11")
rr("example.org", "mx2", "AAAA", "2001:db8:1::11")
rr("example.org", "www", "A", "192.0.2.20")
rr("example.org", "www", "AAAA", "2001:db8:1::20")
rr("example.net", "out", "A", "198.51.100.7")

# 1. ip4 / ip6 and CIDR.
for i, (rec, ips) in enumerate([
        ("ip4:192.0.2.0/24", ["192.0.2.1", "192.0.3.1", "::ffff:192.0.2.9"]),
        ("ip4:192.0.2.128/25", ["192.0.2.200", "192.0.2.1"]),
        ("ip4:0.0.0.0/0", ["203.0.113.1"]),
        ("ip4:192.0.2.1", ["192.0.2.1", "192.0.2.2"]),
        ("ip6:2001:db8::/32", ["2001:db8:ff::1", "2001:db9::1", "192.0.2.1"]),
        ("ip6:2001:db8:1::/48 ip4:198.51.100.0/24", ["2001:db8:1::5", "198.51.100.99", "2001:db8:2::1"]),
        ("ip6:::ffff:192.0.2.1", ["192.0.2.1"]),
]):
    name = "ip%d" % i
    txt(name, "v=spf1 %s -all" % rec)
    for j, ip in enumerate(ips):
        check("ip/%s/%d" % (name, j), ip, "user@%s.example.org" % name)

# 2. a and mx with dual CIDR.
for i, (rec, ips) in enumerate([
        ("a:www.example.org", ["192.0.2.20", "192.0.2.21", "2001:db8:1::20"]),
        ("a:www.example.org/24", ["192.0.2.99", "192.0.3.1"]),
        ("a:www.example.org//64", ["2001:db8:1::ffff", "2001:db8:2::1"]),
        ("a", ["192.0.2.30", "192.0.2.31"]),
        ("mx", ["192.0.2.10", "192.0.2.11", "192.0.2.12", "2001:db8:1::11"]),
        ("mx/30", ["192.0.2.9", "192.0.2.15"]),
        ("mx//48", ["2001:db8:1::abcd", "2001:db8:9::1"]),
        ("mx:example.org", ["192.0.2.10"]),
]):
    name = "am%d" % i
    txt(name, "v=spf1 %s -all" % rec)
    rr("example.org", name, "A", "192.0.2.30")
    rr("example.org", name, "MX", "10 mx1.example.org.")
    rr("example.org", name, "MX", "20 mx2.example.org.")
    for j, ip in enumerate(ips):
        check("a-mx/%s/%d" % (name, j), ip, "user@%s.example.org" % name)
rr("example.org", "@", "MX", "10 mx1.example.org.")
# Null MX (RFC 7505).
txt("nullmx", "v=spf1 mx -all")
rr("example.org", "nullmx", "MX", "0 .")
check("a-mx/nullmx", "192.0.2.10", "user@nullmx.example.org")

# 3. include, nested, with every result inside.
txt("inc-pass", "v=spf1 ip4:198.51.100.0/24 -all", zone="example.net")
txt("inc-soft", "v=spf1 ~all", zone="example.net")
txt("inc-neutral", "v=spf1 ?all", zone="example.net")
txt("inc-nested", "v=spf1 include:inc-pass.example.net -all", zone="example.net")
txt("inc-perm", "v=spf1 ip4:1.2.3.4/99", zone="example.net")
rr("example.net", "inc-none", "TXT", '"not an spf record"')
for i, target in enumerate(["inc-pass", "inc-soft", "inc-neutral", "inc-nested",
                            "inc-perm", "inc-none", "inc-missing"]):
    name = "include%d" % i
    txt(name, "v=spf1 include:%s.example.net -all" % target)
    check("include/%s/in" % target, "198.51.100.5", "user@%s.example.org" % name)
    check("include/%s/out" % target, "203.0.113.5", "user@%s.example.org" % name)
txt("include-after", "v=spf1 include:inc-soft.example.net include:inc-pass.example.net ~all")
check("include/after-soft", "198.51.100.5", "user@include-after.example.org")

# 4. redirect.
txt("redir", "v=spf1 redirect=inc-pass.example.net")
txt("redir-none", "v=spf1 redirect=inc-none.example.net")
txt("redir-missing", "v=spf1 redirect=nowhere.example.net")
txt("redir-all", "v=spf1 ?all redirect=inc-pass.example.net")
txt("redir-macro", "v=spf1 redirect=%{l}.users.example.org")
txt("alice.users", "v=spf1 ip4:192.0.2.77 -all")
for name in ("redir", "redir-none", "redir-missing", "redir-all"):
    check("redirect/%s/in" % name, "198.51.100.5", "user@%s.example.org" % name)
    check("redirect/%s/out" % name, "203.0.113.5", "user@%s.example.org" % name)
check("redirect/macro/in", "192.0.2.77", "alice@redir-macro.example.org")
check("redirect/macro/out", "192.0.2.78", "alice@redir-macro.example.org")
check("redirect/macro/nouser", "192.0.2.77", "bob@redir-macro.example.org")

# 5. exp= with macros (explanations compared).
txt("exp1", "v=spf1 -all exp=why.exp1.example.org")
txt("why.exp1", "%{i} may not send for %{d}: ask postmaster@%{o}")
txt("exp2", "v=spf1 -all exp=%{l}.why2.example.org")
txt("bob.why2", "user %{l} at %{o} (%{s}) via %{h}")
txt("exp3", "v=spf1 -all exp=missing.example.org")
txt("exp4", "v=spf1 -all exp=bad.why4.example.org")
txt("bad.why4", "broken %{x} macro")
txt("exp5", "v=spf1 redirect=exp1.example.org exp=why.exp5.example.org")
txt("why.exp5", "the original explanation")
txt("exp6", "v=spf1 -all exp=why.exp6.example.org")
txt("why.exp6", "%{ir}.%{v} %{d2} %{l-} %%%_%-")
for name, sender in (("exp1", "bob"), ("exp2", "bob"), ("exp3", "bob"),
                     ("exp4", "bob"), ("exp5", "bob"), ("exp6", "x-y-z")):
    check("exp/%s/v4" % name, "192.0.2.50", "%s@%s.example.org" % (sender, name), exp=True)
    check("exp/%s/v6" % name, "2001:db8::50", "%s@%s.example.org" % (sender, name), exp=True)

# 6. macros in exists: and a:.
txt("mac1", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all")
rr("example.org", "50.2.0.192.someuser._spf.mac1", "A", "127.0.0.2")
txt("mac2", "v=spf1 exists:%{i}.list.example.org -all")
rr("example.org", "192.0.2.51.list", "A", "127.0.0.2")
txt("mac3", "v=spf1 a:%{d2} -all")
txt("mac4", "v=spf1 exists:%{v}.%{h}.chk.example.org -all")
rr("example.org", "in-addr.helo.example.org.chk", "A", "127.0.0.2")
txt("mac5", "v=spf1 exists:%{L}.%{O}.esc.example.org -all")
txt("mac6", "v=spf1 exists:%{d4}.%{d3}.%{dr}.deep.example.org -all")
for name, ip, sender in (("mac1", "192.0.2.50", "someuser"), ("mac1", "192.0.2.50", "other"),
                         ("mac2", "192.0.2.51", "u"), ("mac2", "192.0.2.52", "u"),
                         ("mac3", "192.0.2.20", "u"), ("mac3", "192.0.2.21", "u"),
                         ("mac4", "192.0.2.1", "u"), ("mac4", "2001:db8::1", "u"),
                         ("mac5", "192.0.2.1", "u.v"), ("mac6", "192.0.2.1", "u")):
    check("macro/%s/%s/%s" % (name, ip, sender), ip, "%s@%s.example.org" % (sender, name))

# 7. ptr.
rr("2.0.192.in-addr.arpa", "60", "PTR", "host60.example.org.")
rr("example.org", "host60", "A", "192.0.2.60")
rr("2.0.192.in-addr.arpa", "61", "PTR", "liar.example.net.")
rr("example.net", "liar", "A", "192.0.2.99")
rr("2.0.192.in-addr.arpa", "62", "PTR", "a.example.org.")
rr("2.0.192.in-addr.arpa", "62", "PTR", "host62.example.org.")
rr("example.org", "host62", "A", "192.0.2.62")
rr("1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "0.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0", "PTR", "host6.example.org.")
rr("example.org", "host6", "AAAA", "2001:db8:1::60")
txt("ptr1", "v=spf1 ptr -all")
txt("ptr2", "v=spf1 ptr:example.org -all")
txt("ptr3", "v=spf1 ptr:example.net -all")
for name, ip in (("ptr1", "192.0.2.60"), ("ptr2", "192.0.2.60"), ("ptr2", "192.0.2.61"),
                 ("ptr3", "192.0.2.61"), ("ptr2", "192.0.2.62"), ("ptr2", "192.0.2.63"),
                 ("ptr2", "2001:db8:1::60")):
    check("ptr/%s/%s" % (name, ip), ip, "user@%s.example.org" % name)
txt("pmac", "v=spf1 -all exp=why.pmac.example.org")
txt("why.pmac", "%{p} is not allowed")
check("ptr/p-macro", "192.0.2.60", "user@pmac.example.org", exp=True)

# 8. limits.
for n in (9, 10, 11):
    terms = " ".join("a:www.example.org" for _ in range(n - 1))
    txt("lim%d" % n, "v=spf1 %s include:inc-pass.example.net -all" % terms)
    check("limit/terms-%d" % n, "198.51.100.5", "user@lim%d.example.org" % n)
txt("void2", "v=spf1 a:n1.example.org a:n2.example.org ip4:192.0.2.1 -all")
txt("void3", "v=spf1 a:n1.example.org a:n2.example.org a:n3.example.org ip4:192.0.2.1 -all")
check("limit/void-2", "192.0.2.1", "user@void2.example.org")
check("limit/void-3", "192.0.2.1", "user@void3.example.org")
for k in range(11):
    rr("example.org", "mx11", "MX", "%d m%d.mx11.example.org." % (k, k))
    rr("example.org", "m%d.mx11" % k, "A", "192.0.2.%d" % (100 + k))
txt("mx11", "v=spf1 mx -all")
check("limit/mx-11-first-matches", "192.0.2.100", "user@mx11.example.org")
check("limit/mx-11-no-match", "203.0.113.1", "user@mx11.example.org")
txt("loop", "v=spf1 include:loop.example.org -all")
check("limit/include-loop", "192.0.2.1", "user@loop.example.org")

# 9. syntax errors.
for i, rec in enumerate(["v=spf1 ip4:192.0.2.0/33 -all", "v=spf1 ip4:192.0.2 -all",
                         "v=spf1 foo:bar -all", "v=spf1 -all ip:10.0.0.1",
                         "v=spf1 redirect=a.example.org redirect=b.example.org",
                         "v=spf1 exp=a.example.org exp=b.example.org -all",
                         "v=spf1 a:foo.123 -all", "v=spf1 include: -all",
                         "v=spf1 exists:%{x}.example.org -all", "v=spf1 a/24//129 -all",
                         "v=spf1 1bad=mod -all", "v=spf1 ip6:2001:db8::/129 -all",
                         "v=spf1 +all -all extra=%{d}", "v=spf1 all:x"]):
    name = "syn%d" % i
    txt(name, rec)
    check("syntax/%d" % i, "192.0.2.1", "user@%s.example.org" % name)

# 10. record selection, no record, strings.
txt("two", "v=spf1 -all")
txt("two", "v=spf1 +all")
txt("other", "v=spf10 +all")
txt("split", "v=spf1 ip4:192.0.2", ".1 -all")
rr("example.org", "nospf", "A", "192.0.2.1")
txt("upper", "V=SPF1 IP4:192.0.2.1 -ALL")
txt("spaces", "v=spf1   ip4:192.0.2.1    -all   ")
for name in ("two", "other", "split", "nospf", "missing", "upper", "spaces"):
    check("select/%s" % name, "192.0.2.1", "user@%s.example.org" % name)

# 11. null sender and HELO.
txt("helo1", "v=spf1 ip4:192.0.2.5 -all")
check("helo/null-pass", "192.0.2.5", "", "helo1.example.org")
check("helo/null-fail", "192.0.2.6", "", "helo1.example.org")
check("helo/null-none", "192.0.2.6", "", "nothing.example.org")
check("helo/no-localpart", "192.0.2.5", "@helo1.example.org")

# 12. DNS failure: a name in a zone NSD does not serve.
txt("tf", "v=spf1 include:elsewhere.example.com -all")
check("dnsfail/include-outside", "192.0.2.1", "user@tf.example.org")
check("dnsfail/domain-outside", "192.0.2.1", "user@elsewhere.example.com")

# 13. CIDR boundaries, both families.
for n in (8, 12, 16, 20, 24, 28, 30, 31, 32):
    txt("c4-%d" % n, "v=spf1 ip4:10.20.30.40/%d -all" % n)
    inside = "10.20.30.40"
    outside = {8: "11.0.0.1", 12: "10.36.0.1", 16: "10.21.0.1", 20: "10.20.48.1",
               24: "10.20.31.1", 28: "10.20.30.48", 30: "10.20.30.44",
               31: "10.20.30.42", 32: "10.20.30.41"}[n]
    check("cidr4/%d/in" % n, inside, "user@c4-%d.example.org" % n)
    check("cidr4/%d/out" % n, outside, "user@c4-%d.example.org" % n)
for n, outside in ((16, "2002::1"), (32, "2001:db9::1"), (48, "2001:db8:2::1"),
                   (64, "2001:db8:1:1::1"), (96, "2001:db8:1::1:0:1"),
                   (112, "2001:db8:1::1:1"), (127, "2001:db8:1::2"),
                   (128, "2001:db8:1::1")):
    txt("c6-%d" % n, "v=spf1 ip6:2001:db8:1::/%d -all" % n)
    check("cidr6/%d/in" % n, "2001:db8:1::", "user@c6-%d.example.org" % n)
    check("cidr6/%d/out" % n, outside, "user@c6-%d.example.org" % n)

for zone, records in zones.items():
    with open(os.path.join(OUT, zone + ".zone"), "w") as f:
        f.write("$ORIGIN %s.\n$TTL 300\n" % zone)
        f.write("@ IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300\n")
        f.write("@ IN NS ns.example.org.\n")
        if zone == "example.org":
            f.write("ns IN A 127.0.0.1\n")
        for r in records:
            f.write(r + "\n")
with open(os.path.join(OUT, "scenarios.tsv"), "w") as f:
    for c in checks:
        f.write("\t".join(c) + "\n")
print(len(checks))
