#!/usr/bin/python3
"""report_gen.py: DMARC aggregate reports for bench/run-import.sh.

    report_gen.py big [--mb 100] [--seed S] OUT.xml
        one aggregate report of about MB megabytes (10^6 bytes), as a very
        large receiver sends it for a very large sender: one policy domain,
        one record per source IP, tens of thousands of them;
    report_gen.py batch [-n 2000] [--seed S] DIR
        N mail messages (DIR/00001.eml ...), each an aggregate report of
        1-3 KB of XML (2 to 9 records) attached as a reporter mails it:
        zip (Google's way) or gzip (Microsoft's, Yahoo's), base64, with
        the Subject and file name of RFC 7489 section 7.2.1.1. Each has a
        report id of its own; reporters, policy domains and days vary.

The XML is RFC 7489's (appendix C): no namespace, so that Mail::DMARC
1.20211209, which finds elements with unprefixed XPath, reads it as emauth
does. The records are shaped like real ones: the policy domain's own
servers, the sending platforms it uses (DKIM-signed by the domain or by
the platform, their own envelope domain), forwarders and mailing lists
(an override reason, a broken signature), and spoofers (fail, the
policy's disposition); one or two DKIM results, SPF with its scope;
IPv4 and IPv6. Within one report no two records share (source IP, count):
Mail::DMARC stores a record only when no record of the report has the
same source IP and count (its row_exists()), and the benchmark compares
the stored records of both.

Deterministic for a given seed. Prints one line:
    report_gen kind=big|batch files=N bytes=B records=R [xml_bytes=X]
"""
import argparse
import base64
import email.utils
import gzip
import io
import os
import random
import sys
import zipfile

# Reporters: org_name, email, extra_contact_info, how it mails reports
# ("zip" or "gzip"), report id style.
REPORTERS = [
    ("google.com", "noreply-dmarc-support@google.com",
     "https://support.google.com/a/answer/2466580", "zip", "num"),
    ("Enterprise Outlook", "dmarcreport@microsoft.com", None, "gzip", "hex"),
    ("Yahoo", "dmarchelp@yahooinc.com", None, "gzip", "num"),
    ("Mail.Ru", "dmarc_support@corp.mail.ru",
     "http://help.mail.ru/mail-help", "gzip", "num"),
    ("comcast.net", "dmarc_reports@comcast.net", None, "gzip", "hex"),
    ("Fastmail Pty Ltd", "dmarc-reports@fastmail.com", None, "gzip", "num"),
    ("AMAZON-SES", "postmaster@amazonses.com", None, "gzip", "uuid"),
    ("web.de", "noreply-dmarc@web.de", None, "zip", "hex"),
]

# Sending platforms: DKIM domain, selector, envelope domain, IPv4 /16.
PLATFORMS = [
    ("sendgrid.net", "s1", "sendgrid.net", (167, 89)),
    ("amazonses.com", "ug7nbtf4gccmlpwj322ax3p6ow6yfsug", "amazonses.com",
     (54, 240)),
    ("mcsv.net", "k2", "mcsv.net", (205, 201)),
    ("mktomail.com", "m1", "mktomail.com", (192, 28)),
    ("salesforce.com", "sf1", "salesforce.com", (136, 147)),
    ("zendesk.com", "zendesk1", "zendesk.com", (192, 161)),
    ("mailgun.org", "mx", "mailgun.org", (69, 72)),
    ("hubspotemail.net", "hs1", "hubspotemail.net", (143, 244)),
]

FORWARDERS = [
    ("lists.debian.org", (82, 195)),
    ("googlegroups.com", (209, 85)),
    ("alumni.example.edu", (128, 112)),
    ("forwarding.example.net", (198, 51)),
]

WORDS = ("acme brightline northwind contoso fabrikam tailspin wingtip "
         "litware adatum proseware fourthcoffee woodgrove alpine coho "
         "lucerne margie relecloud trey wideworld humongous").split()
TLDS = ("com", "net", "org", "de", "co.uk", "fr", "io", "nl")


def policy_domains(rng, n):
    doms = []
    while len(doms) < n:
        d = "%s%s.%s" % (rng.choice(WORDS), rng.choice(("", "-mail", "shop",
                         "group", "bank", "news")), rng.choice(TLDS))
        if d not in doms:
            doms.append(d)
    return doms


def report_id(rng, style):
    if style == "num":
        return str(rng.randrange(10**17, 10**19))
    if style == "hex":
        return "%032x" % rng.getrandbits(128)
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


class IPs:
    """Distinct source addresses, each drawn once."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def v4(self, net16=None):
        while True:
            if net16:
                a, b = net16
            else:
                a = self.rng.choice((23, 31, 45, 62, 77, 91, 103, 185, 188,
                                     194, 212, 217))
                b = self.rng.randrange(256)
            ip = "%d.%d.%d.%d" % (a, b, self.rng.randrange(256),
                                  self.rng.randrange(1, 255))
            if ip not in self.used:
                self.used.add(ip)
                return ip

    def v6(self):
        while True:
            ip = "2001:%x:%x:%x::%x" % (
                self.rng.choice((0x4860, 0x41d0, 0x67c, 0x1890)),
                self.rng.randrange(1, 0xffff), self.rng.randrange(0xffff),
                self.rng.randrange(1, 0xffff))
            if ip not in self.used:
                self.used.add(ip)
                return ip


def record(rng, ips, dom, p, kind=None):
    """One <record> (as text, indented as Google's reports are)."""
    kind = kind or rng.choices(
        ("own", "platform", "forwarder", "spoof"), (40, 35, 10, 15))[0]
    count = rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 9, 14, 27, 58, 130, 1204))
    reason = None
    dkims = []
    hfrom = dom
    if kind == "own":
        ip = ips.v6() if rng.random() < 0.2 else ips.v4()
        dkims = [(dom, rng.choice(("s1", "google", "selector1")), "pass")]
        spf = (dom, "mfrom", "pass")
        disp, pdkim, pspf = "none", "pass", "pass"
        efrom = dom
    elif kind == "platform":
        pdom, sel, edom, net = rng.choice(PLATFORMS)
        ip = ips.v4(net)
        signed_by_dom = rng.random() < 0.7
        dkims = [(pdom, sel, "pass")]
        if signed_by_dom:
            dkims.insert(0, (dom, "pm", "pass"))
        spf = ("bounces." + edom if rng.random() < 0.5 else edom, "mfrom",
               "pass")
        efrom = spf[0]
        disp = "none" if signed_by_dom else p
        pdkim = "pass" if signed_by_dom else "fail"
        pspf = "fail"
    elif kind == "forwarder":
        fdom, net = rng.choice(FORWARDERS)
        ip = ips.v4(net)
        dkims = [(dom, "s1", rng.choice(("fail", "pass")))]
        spf = (fdom, "mfrom", "pass")
        efrom = fdom
        pdkim = dkims[0][2]
        pspf = "fail"
        if pdkim == "pass":
            disp = "none"
        else:
            disp = "none"
            reason = (rng.choice(("forwarded", "mailing_list",
                                  "local_policy")), None)
    else:
        ip = ips.v4()
        efrom = rng.choice((dom, "mail." + dom, "%s.%s" % (
            rng.choice(WORDS), rng.choice(TLDS))))
        if rng.random() < 0.3:
            dkims = [(efrom, "default", "fail")]
        spf = (efrom, "mfrom", rng.choice(("fail", "softfail", "none",
                                             "neutral")))
        disp = p if rng.random() < 0.9 else "none"
        if disp == "none" and p != "none":
            reason = ("sampled_out", None)
        pdkim, pspf = "fail", "fail"
        if rng.random() < 0.05:
            hfrom = "mail." + dom
    out = ["  <record>\n    <row>\n",
           "      <source_ip>%s</source_ip>\n" % ip,
           "      <count>%d</count>\n" % count,
           "      <policy_evaluated>\n",
           "        <disposition>%s</disposition>\n" % disp,
           "        <dkim>%s</dkim>\n" % pdkim,
           "        <spf>%s</spf>\n" % pspf]
    if reason:
        out.append("        <reason>\n          <type>%s</type>\n" % reason[0])
        out.append("        </reason>\n")
    out.append("      </policy_evaluated>\n    </row>\n")
    out.append("    <identifiers>\n      <header_from>%s</header_from>\n"
               % hfrom)
    if rng.random() < 0.5:
        out.append("      <envelope_from>%s</envelope_from>\n" % efrom)
    out.append("    </identifiers>\n    <auth_results>\n")
    for d, s, r in dkims:
        out.append("      <dkim>\n        <domain>%s</domain>\n"
                   "        <selector>%s</selector>\n"
                   "        <result>%s</result>\n      </dkim>\n" % (d, s, r))
    out.append("      <spf>\n        <domain>%s</domain>\n"
               "        <scope>%s</scope>\n"
               "        <result>%s</result>\n      </spf>\n" % spf)
    out.append("    </auth_results>\n  </record>\n")
    return "".join(out), count


def head(rep, rid, begin, end, dom, p, sp):
    org, mail, extra, _, _ = rep
    x = ['<?xml version="1.0" encoding="UTF-8" ?>\n<feedback>\n',
         "  <version>1.0</version>\n",
         "  <report_metadata>\n",
         "    <org_name>%s</org_name>\n" % org,
         "    <email>%s</email>\n" % mail]
    if extra:
        x.append("    <extra_contact_info>%s</extra_contact_info>\n" % extra)
    x += ["    <report_id>%s</report_id>\n" % rid,
          "    <date_range>\n      <begin>%d</begin>\n"
          "      <end>%d</end>\n    </date_range>\n" % (begin, end),
          "  </report_metadata>\n  <policy_published>\n",
          "    <domain>%s</domain>\n    <adkim>r</adkim>\n"
          "    <aspf>r</aspf>\n    <p>%s</p>\n    <sp>%s</sp>\n"
          "    <pct>100</pct>\n" % (dom, p, sp),
          "  </policy_published>\n"]
    return "".join(x)


def big(args):
    rng = random.Random(args.seed)
    ips = IPs(rng)
    target = int(args.mb * 1000 * 1000)
    begin = 1764547200  # 2025-12-01
    rep = REPORTERS[0]
    dom = "brightline-mail.com"
    size = records = 0
    seen = set()
    with open(args.out, "w", encoding="ascii") as f:
        h = head(rep, report_id(rng, "num"), begin, begin + 86399, dom,
                 "reject", "reject")
        f.write(h)
        size += len(h)
        tail = "</feedback>\n"
        while size + len(tail) < target:
            r, count = record(rng, ips, dom, "reject")
            ip = r.split("<source_ip>", 1)[1].split("<", 1)[0]
            if (ip, count) in seen:  # never: each IP is drawn once
                continue
            seen.add((ip, count))
            f.write(r)
            size += len(r)
            records += 1
        f.write(tail)
        size += len(tail)
    print("report_gen kind=big files=1 bytes=%d records=%d" % (size, records))


def mail(rep, rid, begin, end, dom, xml, rng, n):
    org, addr, _, pack, _ = rep
    submitter = addr.split("@", 1)[1]
    base = "%s!%s!%d!%d" % (submitter, dom, begin, end)
    data = xml.encode("ascii")
    if pack == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            zi = zipfile.ZipInfo(base + ".xml", (2025, 12, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
        att, ctype, fname = buf.getvalue(), "application/zip", base + ".zip"
    else:
        att = gzip.compress(data, mtime=0)
        ctype, fname = "application/gzip", base + ".xml.gz"
    b64 = base64.encodebytes(att).decode("ascii")
    bnd = "----=_Part_%d_%d" % (n, rng.randrange(10**9))
    date = email.utils.formatdate(end + 3600 + n % 3600, usegmt=True)
    msgid = "<%s@%s>" % (rid, submitter)
    return ("Return-Path: <%s>\n"
            "From: %s <%s>\n"
            "To: dmarc@%s\n"
            "Subject: Report domain: %s Submitter: %s Report-ID: <%s>\n"
            "Date: %s\n"
            "Message-ID: %s\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\n"
            "\n"
            "--%s\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "\n"
            "This is an aggregate report from %s.\n"
            "\n"
            "--%s\n"
            "Content-Type: %s; name=\"%s\"\n"
            "Content-Disposition: attachment; filename=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
            "%s"
            "--%s--\n") % (
        addr, org, addr, dom, dom, submitter, rid, date, msgid, bnd, bnd,
        org, bnd, ctype, fname, fname, b64, bnd)


def batch(args):
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    doms = policy_domains(rng, 60)
    pols = {d: rng.choice(("none", "quarantine", "reject", "reject"))
            for d in doms}
    day0 = 1764547200
    total = records = xml_total = 0
    rids = set()
    for n in range(1, args.n + 1):
        rep = rng.choices(REPORTERS, (40, 20, 12, 5, 6, 4, 8, 5))[0]
        dom = rng.choice(doms)
        p = pols[dom]
        begin = day0 + 86400 * rng.randrange(30)
        end = begin + 86399
        while True:
            rid = report_id(rng, rep[4])
            if rid not in rids:
                rids.add(rid)
                break
        ips = IPs(rng)
        parts = [head(rep, rid, begin, end, dom, p, p)]
        want = rng.randint(1000, 3000)
        size = len(parts[0]) + 12
        k = 0
        while k < 2 or (k < 9 and size < want):
            r, count = record(rng, ips, dom, p)
            parts.append(r)
            size += len(r)
            k += 1
        parts.append("</feedback>\n")
        xml = "".join(parts)
        m = mail(rep, rid, begin, end, dom, xml, rng, n)
        with open(os.path.join(args.out, "%05d.eml" % n), "w",
                  encoding="ascii") as f:
            f.write(m)
        total += len(m)
        xml_total += len(xml)
        records += k
    print("report_gen kind=batch files=%d bytes=%d records=%d xml_bytes=%d"
          % (args.n, total, records, xml_total))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("big")
    b.add_argument("--mb", type=float, default=100)
    b.add_argument("--seed", type=int, default=7489)
    b.add_argument("out")
    s = sub.add_parser("batch")
    s.add_argument("-n", type=int, default=2000)
    s.add_argument("--seed", type=int, default=9990)
    s.add_argument("out")
    args = ap.parse_args()
    big(args) if args.cmd == "big" else batch(args)


if __name__ == "__main__":
    sys.exit(main())
