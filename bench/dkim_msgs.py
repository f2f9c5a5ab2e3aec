#!/usr/bin/python3
"""dkim_msgs.py OUTDIR: writes the DKIM benchmark messages msg-2k.eml,
msg-20k.eml and msg-200k.eml (CRLF line endings; the size is that of the
whole message). The text is pseudo-random words from a fixed seed, so every
run measures the same bytes."""
import random
import sys

WORDS = ("the of and to in is that for it as with was on be by this are "
         "from at or an have not which but all were when we there can "
         "been has more if will one would their about so what out up into "
         "delivery report invoice account newsletter platform domain "
         "message server receipt order shipping customer update").split()

HEADER = (
    "Received: from mta1.platform.example (mta1.platform.example "
    "[192.0.2.25])\r\n\tby mx.receiver.example with ESMTPS id 4Xk2Lq0z7Q;"
    "\r\n\tMon, 30 Nov 2026 09:12:44 +0000\r\n"
    "From: Example Newsletter <news@example.com>\r\n"
    "To: reader@receiver.example\r\n"
    "Subject: Your November update\r\n"
    "Date: Mon, 30 Nov 2026 09:12:40 +0000\r\n"
    "Message-ID: <20261130091240.4711@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "List-Unsubscribe: <https://example.com/u/4711>\r\n"
    "\r\n")


def body(size, rng):
    out, n = [], 0
    while n < size:
        line, words = "", []
        while len(line) < 60:
            words.append(rng.choice(WORDS))
            line = " ".join(words)
        line += "\r\n"
        out.append(line)
        n += len(line)
    return "".join(out)


def main():
    outdir = sys.argv[1]
    rng = random.Random(2026)
    for label, size in (("2k", 2048), ("20k", 20480), ("200k", 204800)):
        text = HEADER + body(size - len(HEADER), rng)
        with open("%s/msg-%s.eml" % (outdir, label), "wb") as f:
            f.write(text.encode())


if __name__ == "__main__":
    main()
