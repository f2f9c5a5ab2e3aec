#!/usr/bin/python3
"""dkimpy verifies each signature of each file; prints "FILE IDX pass|fail".
DNS comes from /etc/resolv.conf (the test's private namespace)."""
import sys

import dkim

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = f.read()
    d = dkim.DKIM(msg)
    n = msg.count(b"\nDKIM-Signature:") + msg.startswith(b"DKIM-Signature:")
    for i in range(n):
        try:
            ok = d.verify(idx=i)
        except Exception as e:  # a refused signature is a fail
            print("%s %d fail %s" % (path, i, type(e).__name__))
            continue
        print("%s %d %s" % (path, i, "pass" if ok else "fail"))
