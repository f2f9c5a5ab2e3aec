#!/usr/bin/python3
"""arc_bench_dkimpy.py: the same measure as arc_bench, with dkimpy's ARC
verifier (dkim.arc_verify, Debian's python3-dkim) in process, on the
message's bytes as they are in FILE (no line-ending conversion: the file
must already have CRLF). Keys come from a file of lines
"selector._domainkey.domain record" through dkimpy's dnsfunc hook, so no
DNS is involved; dkimpy parses every key for every message. dkimpy checks
every ARC-Message-Signature and every ARC-Seal of the chain.

The first validation is checked before the timing: it must say pass (and,
with -e LIST, each instance's AMS result must be LIST, e.g.
"1:fail,2:pass,3:pass"); otherwise mismatches=1.

usage: arc_bench_dkimpy.py -q KEYS-FILE [-e LIST] [-t SECONDS] [-l LABEL]
           FILE
Prints the lines bench/run-arc.sh collects:
input=NAME bytes=N sha256=HEX
check=NAME cv=... ams=... as=... reason="..."
bench=NAME evaluations=N seconds=S rate=R maxrss_kib=K mismatches=M"""
import argparse
import hashlib
import resource
import sys
import time

import dkim


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-q", required=True)
    p.add_argument("-e")
    p.add_argument("-t", type=float, default=3.0)
    p.add_argument("-l", default="verify")
    p.add_argument("file")
    a = p.parse_args()
    with open(a.file, "rb") as f:
        msg = f.read()
    name = "dkimpy-" + a.l
    print("input=%s bytes=%d sha256=%s" % (
        name, len(msg), hashlib.sha256(msg).hexdigest()))

    records = {}
    with open(a.q, "rb") as f:
        for line in f:
            key, _, rec = line.strip().partition(b" ")
            records[key.lower().rstrip(b".") + b"."] = rec

    def dnsfunc(qname, timeout=5):
        if isinstance(qname, str):
            qname = qname.encode("ascii")
        return records.get(qname.lower().rstrip(b".") + b".")

    def op():
        return dkim.arc_verify(msg, dnsfunc=dnsfunc)

    cv, results, reason = op()
    cv = cv.decode("ascii") if isinstance(cv, bytes) else str(cv)
    by_i = sorted(results, key=lambda r: r["instance"])
    ams = ",".join("%d:%s" % (r["instance"],
                              "pass" if r.get("ams-valid") else "fail")
                   for r in by_i) or "-"
    seals = ",".join("%d:%s" % (r["instance"],
                                "pass" if r.get("as-valid") else "fail")
                     for r in by_i) or "-"
    print('check=%s cv=%s ams=%s as=%s reason="%s"' % (
        name, cv, ams, seals, reason))
    bad = 0 if cv == "pass" and (a.e is None or ams == a.e) else 1
    if bad:
        print("arc_bench_dkimpy: %s: cv=%s ams=%s (want pass%s): %s" % (
            a.l, cv, ams, " and " + a.e if a.e else "", reason),
            file=sys.stderr)
    op()  # warm-up, as the C programs do
    n = 0
    t0 = time.monotonic()
    while True:
        last = op()
        n += 1
        t = time.monotonic() - t0
        if t >= a.t:
            break
    if last[0] != b"pass":
        bad = 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("%s: %d operations in %.3f s: %.0f/s" % (name, n, t, n / t))
    print("bench=%s evaluations=%d seconds=%.6f rate=%.1f maxrss_kib=%d "
          "mismatches=%d" % (name, n, t, n / t, rss, bad))
    return bad


if __name__ == "__main__":
    sys.exit(main())
