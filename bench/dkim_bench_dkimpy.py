#!/usr/bin/python3
"""dkim_bench_dkimpy.py: the same measure as dkim_bench, with dkimpy
(Debian's python3-dkim) in process. Keys come from a file of lines
"selector._domainkey.domain record" through dkimpy's dnsfunc hook, so no
DNS is involved; dkimpy parses the key for every message.

usage: dkim_bench_dkimpy.py -m sign -k KEYFILE [-a rsa|ed25519] [-s SEL]
           [-D DOMAIN] [-t SECONDS] [-l LABEL] FILE
       dkim_bench_dkimpy.py -m verify -q KEYS-FILE [-t SECONDS] [-l LABEL]
           FILE
Prints the line bench/run-dkim.sh collects:
bench=NAME evaluations=N seconds=S rate=R maxrss_kib=K mismatches=M"""
import argparse
import base64
import resource
import sys
import time

import dkim


def ed25519_seed(pem):
    """dkimpy wants the 32-byte seed in base64; a PKCS#8 Ed25519 key holds
    it in its last 32 bytes."""
    body = b"".join(l for l in pem.splitlines() if not l.startswith(b"-----"))
    return base64.b64encode(base64.b64decode(body)[-32:])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-m", required=True, choices=["sign", "verify"])
    p.add_argument("-k")
    p.add_argument("-a", default="rsa", choices=["rsa", "ed25519"])
    p.add_argument("-s", default="demo2026")
    p.add_argument("-D", default="example.com")
    p.add_argument("-q")
    p.add_argument("-t", type=float, default=3.0)
    p.add_argument("-l")
    p.add_argument("file")
    a = p.parse_args()
    with open(a.file, "rb") as f:
        msg = f.read()
    label = a.l or a.m
    if a.m == "sign":
        with open(a.k, "rb") as f:
            key = f.read()
        if a.a == "ed25519":
            key = ed25519_seed(key)
        alg = b"ed25519-sha256" if a.a == "ed25519" else b"rsa-sha256"

        def op():
            sig = dkim.sign(msg, a.s.encode(), a.D.encode(), key,
                            canonicalize=(b"relaxed", b"relaxed"),
                            signature_algorithm=alg)
            return len(sig) > 0
    else:
        records = {}
        with open(a.q, "rb") as f:
            for line in f:
                name, _, rec = line.strip().partition(b" ")
                records[name.lower().rstrip(b".") + b"."] = rec

        def dnsfunc(name, timeout=5):
            return records.get(name.lower().rstrip(b".") + b".")

        def op():
            return dkim.verify(msg, dnsfunc=dnsfunc)

    bad = 0 if op() else 1
    if bad:
        print("dkim_bench_dkimpy: %s: the first %s failed" % (label, a.m),
              file=sys.stderr)
    op()  # warm-up, as the C programs do
    n = 0
    t0 = time.monotonic()
    while True:
        op()
        n += 1
        t = time.monotonic() - t0
        if t >= a.t:
            break
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    name = "dkimpy-" + label
    print("%s: %d operations in %.3f s: %.0f/s" % (name, n, t, n / t))
    print("bench=%s evaluations=%d seconds=%.6f rate=%.1f maxrss_kib=%d "
          "mismatches=%d" % (name, n, t, n / t, rss, bad))
    return bad


if __name__ == "__main__":
    sys.exit(main())
