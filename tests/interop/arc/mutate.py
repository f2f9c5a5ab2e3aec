#!/usr/bin/python3
"""Message edits for tests/interop/arc_peers.sh: what a list hop does
between verifying and sealing, the tampering after a seal, and a look at
the newest seal. Messages are read and written with CRLF line endings.

  mutate.py hop N SRVID IN OUT RESULT...
      for each message: an "Authentication-Results: SRVID; arc=RESULT"
      field on top (the hop's own verification), then hop N's change:
        1: a subject tag, "Subject: [list] ...";
        2: a footer appended to the body;
        3: an added header field on top, "X-List: yes".
  mutate.py tamper MODE IN OUT...
      one change after the last seal; MODE is
        body     a body line changed;
        subject  the Subject field (signed by every
                 ARC-Message-Signature) changed;
        delseal  the ARC-Seal with i=2 deleted;
        cv       the first seal's cv=none made cv=pass;
        aar      the first ARC-Authentication-Results' arc=none made
                 arc=pass.
      An edit that finds nothing to change writes nothing.
  A message that cannot be read or edited is named on standard error,
  the others are still done, and the exit status is 1.
  mutate.py topcv FILE...
      "FILE <TAB> i <TAB> cv" of the newest ARC-Seal ("0 -" when none).
"""
import re
import sys

INSTANCE = re.compile(rb"(?:^|[;\s])i\s*=\s*(\d+)")


def read(path):
    with open(path, "rb") as f:
        data = re.sub(rb"\r?\n", b"\r\n", f.read())
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of header")
    fields = []  # raw fields, each with its folded lines and final CRLF
    for line in (head + b"\r\n").split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line + b"\r\n"
        else:
            fields.append(line + b"\r\n")
    return fields, body


def write(path, fields, body):
    with open(path, "wb") as f:
        f.write(b"".join(fields) + b"\r\n" + body)


def name_of(field):
    return field.split(b":", 1)[0].strip().lower()


def instance_of(field):
    value = re.sub(rb"\r\n[ \t]", b" ", field.split(b":", 1)[1])
    m = INSTANCE.search(value)
    return int(m.group(1)) if m else None


FAILED = []


def each(items, func):
    """func(*item) for each item; a failure is noted and the rest done."""
    for item in items:
        try:
            func(*item)
        except (OSError, ValueError) as e:
            FAILED.append(item)
            print("mutate.py: %s: %s" % (" ".join(item), e), file=sys.stderr)


def hop(n, srvid, triplets):
    if n not in (1, 2, 3):
        sys.exit("hop: N is 1, 2 or 3")

    def one(inp, out, result):
        fields, body = read(inp)
        fields.insert(0, b"Authentication-Results: %s; arc=%s\r\n" % (srvid.encode(), result.encode()))
        if n == 1:
            idx = [i for i, f in enumerate(fields) if name_of(f) == b"subject"]
            if len(idx) != 1:
                raise ValueError("not one Subject field")
            name, value = fields[idx[0]].split(b":", 1)
            fields[idx[0]] = name + b": [list] " + value.lstrip(b" \t")
        elif n == 2:
            if body and not body.endswith(b"\r\n"):
                body += b"\r\n"
            body += b"-- \r\nlist@hop2.example: https://lists.hop2.example/list\r\n"
        else:
            fields.insert(0, b"X-List: yes\r\n")
        write(out, fields, body)

    each(triplets, one)


def edit_field(fields, name, instance, old, new):
    for i, f in enumerate(fields):
        if name_of(f) == name and instance_of(f) == instance and old in f:
            fields[i] = f.replace(old, new, 1)
            return True
    return False


def tamper(triplets):
    def one(mode, inp, out):
        fields, body = read(inp)
        if mode == "body":
            ok = b"see you tomorrow" in body
            body = body.replace(b"see you tomorrow", b"see you on Friday", 1)
        elif mode == "subject":
            idx = [i for i, f in enumerate(fields) if name_of(f) == b"subject"]
            ok = len(idx) == 1
            if ok:
                fields[idx[0]] = fields[idx[0]].rstrip(b"\r\n") + b" (edited)\r\n"
        elif mode == "delseal":
            keep = [f for f in fields if not (name_of(f) == b"arc-seal" and instance_of(f) == 2)]
            ok = len(keep) == len(fields) - 1
            fields = keep
        elif mode == "cv":
            ok = edit_field(fields, b"arc-seal", 1, b"cv=none", b"cv=pass")
        elif mode == "aar":
            ok = edit_field(fields, b"arc-authentication-results", 1, b"arc=none", b"arc=pass")
        else:
            raise ValueError("unknown mode")
        if not ok:
            raise ValueError("nothing to change")
        write(out, fields, body)

    each(triplets, one)


def topcv(files):
    def one(path):
        fields, _ = read(path)
        best = (0, "-")
        for f in fields:
            if name_of(f) == b"arc-seal":
                i = instance_of(f) or 0
                value = re.sub(rb"\r\n[ \t]", b" ", f)
                m = re.search(rb"[;\s]cv\s*=\s*([A-Za-z]+)", value)
                if i > best[0]:
                    best = (i, m.group(1).decode().lower() if m else "?")
        print("%s\t%d\t%s" % (path, best[0], best[1]))

    each([(f,) for f in files], one)


def groups(args, n):
    if len(args) % n:
        sys.exit(__doc__)
    return [tuple(args[i:i + n]) for i in range(0, len(args), n)]


def main(argv):
    if len(argv) >= 4 and argv[1] == "hop":
        hop(int(argv[2]), argv[3], groups(argv[4:], 3))
    elif len(argv) >= 2 and argv[1] == "tamper":
        tamper(groups(argv[2:], 3))
    elif len(argv) >= 2 and argv[1] == "topcv":
        topcv(argv[2:])
    else:
        sys.exit(__doc__)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main(sys.argv)
