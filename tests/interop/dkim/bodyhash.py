#!/usr/bin/python3
"""Prints dkimpy's body hash (bh=) for FILE under canonicalization H/B:
bodyhash.py KEYFILE H B FILE. The key only lets dkimpy produce a header;
the bh= it writes is what is compared."""
import re
import sys

import dkim

keyfile, hc, bc, path = sys.argv[1:5]
with open(path, "rb") as f:
    msg = f.read()
# dkimpy reads messages with CRLF, as an MTA delivers them.
msg = re.sub(rb"(?<!\r)\n", b"\r\n", msg)
with open(keyfile, "rb") as f:
    key = f.read()
sig = dkim.sign(msg, b"s", b"example.com", key,
                canonicalize=(hc.encode(), bc.encode()),
                include_headers=[b"from"])
m = re.search(rb"bh=([A-Za-z0-9+/=\s]+);", sig)
print(re.sub(rb"\s", b"", m.group(1)).decode())
