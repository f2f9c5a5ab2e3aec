#!/usr/bin/python3
"""dkimpy's ARC (dkim.arc_verify, dkim.arc_sign) for tests/interop/arc_peers.sh.

The keys come from KEYS, a file of "NAME TXT-VALUE" lines (NAME without
the final dot), through dkimpy's dnsfunc= hook: no DNS at all.

  dkimpy_arc.py verify KEYS FILE...
      one line per file: FILE <TAB> cv <TAB> ams <TAB> reason, where cv is
      what arc_verify returned (pass, fail, none, or None: dkimpy's value
      for a chain whose newest seal says cv=fail) and ams the validity of
      each ARC-Message-Signature, "1:pass,2:fail" ("-" when none was
      checked).
  dkimpy_arc.py seal KEYS DOMAIN SELECTOR KEYFILE SRVID TIMESTAMP IN OUT CHAIN...
      seals each IN into OUT with arc_sign: dkimpy takes the chain status
      from the arc= result of the Authentication-Results field whose
      authserv-id is SRVID, so CHAIN (what the hop found) is only checked
      against it. One line per file: OUT <TAB> ok|error <TAB> detail.
"""
import re
import sys

import dkim


def load_keys(path):
    keys = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition(" ")
            keys[name.lower().rstrip(".")] = value.encode("ascii")
    return keys


def dnsfunc_for(keys):
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        return keys.get(name.lower().rstrip("."))

    return dnsfunc


def read_crlf(path):
    with open(path, "rb") as f:
        data = f.read()
    return re.sub(rb"\r?\n", b"\r\n", data)


def verify(keys, files):
    dnsfunc = dnsfunc_for(keys)
    for path in files:
        try:
            cv, results, reason = dkim.arc_verify(read_crlf(path), dnsfunc=dnsfunc)
        except Exception as e:  # a crash is a result too
            print("%s\tcrash\t-\t%s: %s" % (path, type(e).__name__, e))
            continue
        cv = cv.decode("ascii") if isinstance(cv, bytes) else str(cv)
        ams = ",".join(
            "%d:%s" % (r["instance"], "pass" if r.get("ams-valid") else "fail")
            for r in sorted(results, key=lambda r: r["instance"])
        ) or "-"
        print("%s\t%s\t%s\t%s" % (path, cv, ams, reason))


def seal(keys, domain, selector, keyfile, srvid, timestamp, triplets):
    with open(keyfile, "rb") as f:
        privkey = f.read()
    for inp, out, chain in triplets:
        try:
            msg = read_crlf(inp)
            hdrs = dkim.arc_sign(
                msg,
                selector.encode(),
                domain.encode(),
                privkey,
                srvid.encode(),
                timestamp=timestamp,
            )
        except Exception as e:
            print("%s\terror\t%s: %s" % (out, type(e).__name__, e))
            continue
        if len(hdrs) != 3:
            print("%s\terror\tarc_sign added %d fields" % (out, len(hdrs)))
            continue
        m = re.search(rb"[;\s]cv=([a-z]+)", hdrs[0])
        got = m.group(1).decode() if m else "?"
        with open(out, "wb") as f:
            f.write(b"".join(hdrs) + msg)
        if got != chain:
            print("%s\terror\tsealed cv=%s, the hop found %s" % (out, got, chain))
        else:
            print("%s\tok\tcv=%s" % (out, got))


def main(argv):
    if len(argv) >= 3 and argv[1] == "verify":
        verify(load_keys(argv[2]), argv[3:])
    elif len(argv) >= 8 and argv[1] == "seal" and (len(argv) - 8) % 3 == 0:
        rest = argv[8:]
        seal(
            load_keys(argv[2]),
            argv[3],
            argv[4],
            argv[5],
            argv[6],
            int(argv[7]),
            [tuple(rest[i:i + 3]) for i in range(0, len(rest), 3)],
        )
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
