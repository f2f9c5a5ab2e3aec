#!/usr/bin/python3
"""Writes the DKIM interop corpus: messages with the cases verifiers and
signers have got wrong (LF-only files, folded headers with tabs, trailing
whitespace in headers and body, empty body, body without a final CRLF,
trailing blank lines, lines over 998 bytes, 8-bit header bytes, duplicate
headers). Usage: corpus.py DIR"""
import os
import sys

HEAD = (b"From: Alice Example <alice@example.com>\r\n"
        b"To: bob@example.net\r\n"
        b"Subject: interop test\r\n"
        b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <%s@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n")

CASES = {
    "plain": b"\r\nHello Bob,\r\n\r\nsee you tomorrow.\r\n",
    "empty-body": b"\r\n",
    "no-final-crlf": b"\r\nlast line without newline",
    "trailing-blank-lines": b"\r\ntext\r\n\r\n\r\n\r\n",
    "trailing-whitespace-body": b"\r\nspaces   \r\ntabs\t\t\r\n \t \r\nend\r\n",
    "long-line": b"\r\n" + b"x" * 1500 + b"\r\nshort\r\n",
    "whitespace-runs": b"\r\na  b\t\tc \t d\r\n",
}

EXTRA_HEADERS = {
    "folded-headers": b"X-Folded: first part\r\n\tsecond part\r\n  third  \r\n",
    "trailing-ws-header": b"X-Trailing: value   \t\r\n",
    "eight-bit-header": b"X-Eight-Bit: caf\xc3\xa9 \xe2\x82\xac 8-bit value\r\n",
    "duplicate-headers": b"Received: from a\r\nReceived: from b\r\n"
                         b"X-Dup: 1\r\nX-Dup: 2\r\n",
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, body in CASES.items():
        n += 1
        msg = HEAD % str(n).encode() + body
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(msg)
    for name, extra in EXTRA_HEADERS.items():
        n += 1
        msg = HEAD % str(n).encode() + extra + CASES["plain"]
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(msg)
    # LF-only files, as they are on disk.
    n += 1
    msg = (HEAD % str(n).encode() + EXTRA_HEADERS["folded-headers"] +
           CASES["trailing-whitespace-body"])
    with open(os.path.join(out, "lf-only.eml"), "wb") as f:
        f.write(msg.replace(b"\r\n", b"\n"))


if __name__ == "__main__":
    main()
