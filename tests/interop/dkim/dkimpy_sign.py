#!/usr/bin/python3
"""dkimpy signs: dkimpy_sign.py ALG(rsa|ed25519) KEYFILE SELECTOR DOMAIN
HCANON BCANON IN OUT. For ed25519 KEYFILE holds the base64 seed."""
import sys

import dkim

alg, keyfile, sel, dom, hc, bc, src, dst = sys.argv[1:9]
with open(src, "rb") as f:
    msg = f.read()
with open(keyfile, "rb") as f:
    key = f.read()
sig = dkim.sign(msg, sel.encode(), dom.encode(), key,
                canonicalize=(hc.encode(), bc.encode()),
                signature_algorithm=(b"ed25519-sha256" if alg == "ed25519"
                                     else b"rsa-sha256"),
                include_headers=[b"from", b"to", b"subject", b"date",
                                 b"message-id"])
with open(dst, "wb") as f:
    f.write(sig + msg)
