#!/usr/bin/python3
"""pyspf evaluates every scenario of scenarios.tsv; prints
NAME <TAB> RESULT <TAB> EXPLANATION. DNS from /etc/resolv.conf."""
import sys

import spf

for line in open(sys.argv[1]):
    name, ip, sender, helo, _ = line.rstrip("\n").split("\t")
    try:
        q = spf.query(i=ip, s=sender, h=helo, querytime=20, timeout=5)
        res, _code, exp = q.check()
    except Exception as e:  # pyspf raising is a failure to report
        res, exp = "exception", type(e).__name__
    print("%s\t%s\t%s" % (name, res, exp.replace("\n", " ")))
