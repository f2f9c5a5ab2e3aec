#!/usr/bin/python3
# send.py PORT@HOST FILE IP MAILFROM [OUT]: one message over the milter
# protocol; prints the reply letter, then each inserted
# Authentication-Results; with OUT, writes the message as the MTA would
# pass it on (fields inserted, added and changed). The MTA side of the
# milter protocol (version 6), for the tests of tests/cli/milter_*.sh.
import socket, struct, sys

def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)

port, host = sys.argv[1].split("@")
raw = open(sys.argv[2], "rb").read().decode()
head, body = raw.split("\r\n\r\n", 1)
fields = []
for line in head.split("\r\n"):
    if line[:1] in (" ", "\t") and fields:
        fields[-1] = (fields[-1][0], fields[-1][1] + "\n" + line)
    else:
        n, v = line.split(":", 1)
        fields.append((n, v[1:] if v.startswith(" ") else v))
s = socket.create_connection((host, int(port)), timeout=60)
f = s.makefile("rb")
def ask(cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)
    mods = []
    while True:
        n = struct.unpack(">I", f.read(4))[0]
        d = f.read(n)
        if d[:1] in (b"h", b"i", b"m"):
            mods.append(d)
            continue
        return d[:1], mods
ask(b"O", struct.pack(">III", 6, 0x1FF, 0))
ask(b"C", z("lists.list.example") + b"4" + struct.pack(">H", 25) + z(sys.argv[3]))
ask(b"H", z("lists.list.example"))
macro = b"M" + z("i", "ARCQID")
s.sendall(struct.pack(">I", len(macro) + 1) + b"D" + macro)
ask(b"M", z(sys.argv[4]))
ask(b"R", z("<bob@receiver.test>"))
# The milter may end the message early (accept or reject at any step).
reply, mods = b"c", []
for cmd, data in [(b"L", z(n, v)) for n, v in fields] + [(b"N", b""),
                                                        (b"B", body.encode()),
                                                        (b"E", b"")]:
    reply, m = ask(cmd, data)
    mods += m
    if cmd != b"E" and reply != b"c":
        break
s.sendall(struct.pack(">I", 1) + b"Q")
print(reply.decode())
if len(sys.argv) > 5:
    out = list(fields)
    for m in mods:
        if m[:1] == b"i":  # insert at an index
            idx = struct.unpack(">I", m[1:5])[0]
            n, v = m[5:].split(b"\0")[:2]
            out.insert(idx, (n.decode(), v.decode()))
        elif m[:1] == b"h":  # add at the end
            n, v = m[1:].split(b"\0")[:2]
            out.append((n.decode(), v.decode()))
        elif m[:1] == b"m":  # change the Nth field of a name
            idx = struct.unpack(">I", m[1:5])[0]
            n, v = (x.decode() for x in m[5:].split(b"\0")[:2])
            seen = 0
            for k, (fn, fv) in enumerate(out):
                if fn.lower() == n.lower():
                    seen += 1
                    if seen == idx:
                        if v:
                            out[k] = (fn, v)
                        else:
                            del out[k]
                        break
    with open(sys.argv[5], "wb") as w:
        for n, v in out:
            w.write((n + ": " + v.replace("\n", "\r\n") + "\r\n").encode())
        w.write(b"\r\n" + body.encode())
for m in mods:
    if m[:1] == b"i" and m[5:].split(b"\0")[0] == b"Authentication-Results":
        print(m[5:].split(b"\0")[1].decode().replace("\n", " "))
