#!/usr/bin/python3
"""spf_bench_pyspf.py: the SPF benchmark with pyspf (Debian's python3-spf).

The same scenarios as spf_bench.c, evaluated in process by pyspf's
spf.query(...).check(), a new query object each time (pyspf caches DNS
answers in the query object only). With --dns fake (the default), pyspf's
module-level DNSLookup function is replaced, as pyspf's own test suite does,
by one that answers from the zone files of the scenario directory, read by
the small RFC 1035 master-file reader below. With --dns system, pyspf asks
the servers of /etc/resolv.conf through its DNS library (pydns).

Prints the same "bench=..." line as the C programs.

usage: spf_bench_pyspf.py [-t SECONDS | -n ROUNDS] [--dns fake|system] [-v]
                          [DIR]
"""

import argparse
import glob
import ipaddress
import os
import resource
import sys
import time

import spf

RECEIVER = "mx.receiver.example"


def load_scenarios(directory):
    """Reads scenarios.txt: IP MAIL-FROM HELO EXPECTED [IMPL=RESULT ...]."""
    out = []
    path = os.path.join(directory, "scenarios.txt")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) < 4:
                sys.exit("%s:%d: want IP MAIL-FROM HELO EXPECTED" % (path, n))
            ip, sender, helo, expected = fields[:4]
            known = dict(k.split("=", 1) for k in fields[4:])
            out.append({
                "line": n, "ip": ip, "sender": "" if sender == "<>" else sender,
                "helo": helo, "expected": expected, "known": known,
            })
    return out


# A small reader for the zone files of the scenario set: $ORIGIN, $TTL,
# comments, quoted strings with \" and \DDD escapes, parentheses, blank
# owners, optional TTL and class. Enough for these files, not a general one.

def tokens(text):
    """Yields (tokens, starts_with_blank) for each logical line."""
    toks, depth, blank_owner, i, n = [], 0, False, 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start:
            blank_owner = c in " \t" if depth == 0 else blank_owner
            at_line_start = False
        if c == "\n":
            at_line_start = True
            if depth == 0 and toks:
                yield toks, blank_owner
                toks = []
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == '"':
            i += 1
            buf = bytearray()
            while i < n and text[i] != '"':
                if text[i] == "\\" and text[i + 1:i + 4].isdigit():
                    buf.append(int(text[i + 1:i + 4]))
                    i += 4
                elif text[i] == "\\":
                    buf += text[i + 1].encode()
                    i += 2
                else:
                    buf += text[i].encode()
                    i += 1
            i += 1
            toks.append(bytes(buf))
        else:
            j = i
            while j < n and text[j] not in " \t\r\n;()\"":
                j += 1
            toks.append(text[i:j])
            i = j
    if toks:
        yield toks, blank_owner


def absolute(name, origin):
    if name == "@":
        return origin
    if name.endswith("."):
        return name[:-1].lower()
    return (name + "." + origin).lower()


TYPES = {"A", "AAAA", "MX", "TXT", "PTR", "CNAME", "NS", "SOA", "SPF"}


def load_zone(path, records, names):
    """Adds the records of one master file to records[(name, TYPE)]."""
    origin = os.path.basename(path)[:-len(".zone")].lower()
    owner = origin
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for toks, blank in tokens(text):
        if toks[0] == "$ORIGIN":
            origin = absolute(toks[1], "")
            continue
        if toks[0] in ("$TTL", "$INCLUDE"):
            continue
        if not blank:
            owner = absolute(toks[0], origin)
            toks = toks[1:]
        while toks and toks[0] not in TYPES:
            toks = toks[1:]  # TTL, class
        rtype, rdata = toks[0], toks[1:]
        if rtype == "A":
            value = rdata[0]
        elif rtype == "AAAA":
            value = str(ipaddress.IPv6Address(rdata[0]))
        elif rtype == "MX":
            value = (int(rdata[0]), absolute(rdata[1], origin))
        elif rtype in ("PTR", "CNAME"):
            value = absolute(rdata[0], origin)
        elif rtype in ("TXT", "SPF"):
            value = list(rdata)  # character-strings, as bytes
        else:
            value = None
        # Every name and its ancestors inside the zone exist (NODATA).
        labels = owner.split(".")
        for k in range(len(labels)):
            names.add(".".join(labels[k:]))
        if value is not None:
            records.setdefault((owner, rtype), []).append(value)


def install_fake_dns(directory):
    records, names = {}, set()
    for path in sorted(glob.glob(os.path.join(directory, "*.zone"))):
        load_zone(path, records, names)

    def lookup(name, qtype, strict=True, timeout=None):
        name = name.lower().rstrip(".")
        return [((name, qtype), v) for v in records.get((name, qtype), ())]

    spf.DNSLookup = lookup


def evaluate(s):
    q = spf.query(i=s["ip"], s=s["sender"], h=s["helo"], receiver=RECEIVER)
    return q.check()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-t", type=float, default=3.0, metavar="SECONDS")
    ap.add_argument("-n", type=int, default=0, metavar="ROUNDS")
    ap.add_argument("--dns", choices=("fake", "system"), default="fake")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("dir", nargs="?",
                    default=os.path.join(os.path.dirname(__file__),
                                         "spf-scenarios"))
    args = ap.parse_args()
    scenarios = load_scenarios(args.dir)
    if args.dns == "fake":
        install_fake_dns(args.dir)

    bad = 0
    for s in scenarios:
        want = s["known"].get("pyspf", s["expected"])
        got, _code, why = evaluate(s)
        ok = got == want
        bad += not ok
        if args.v or not ok or "pyspf" in s["known"]:
            print("%s line %d: %s %s -> %s%s%s" % (
                ("KNOWN" if "pyspf" in s["known"] else "ok") if ok
                else "MISMATCH", s["line"], s["ip"], s["sender"] or "<>", got,
                "" if ok else " (expected %s)" % want,
                ": " + why if (args.v or not ok) and why else ""))

    for s in scenarios:  # warm-up, untimed
        evaluate(s)
    evals, rounds = 0, 0
    t0 = time.monotonic()
    while True:
        for s in scenarios:
            evaluate(s)
        evals += len(scenarios)
        rounds += 1
        if args.n:
            if rounds >= args.n:
                break
        elif time.monotonic() - t0 >= args.t:
            break
    secs = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    name = "pyspf-" + args.dns
    rate = evals / secs if secs > 0 else 0
    print("%s: %d evaluations in %.3f s: %.0f evaluations/s, %.2f us each; "
          "max RSS %d KiB" % (name, evals, secs, rate, secs * 1e6 / evals,
                              rss))
    print("bench=%s evaluations=%d seconds=%.6f rate=%.1f maxrss_kib=%d "
          "mismatches=%d" % (name, evals, secs, rate, rss, bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
