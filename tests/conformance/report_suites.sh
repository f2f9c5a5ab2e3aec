#!/bin/bash
# The DMARC report suites (issue #19), every sample a named test:
# tests/data/suites/dmarc-reports-parsedmarc/ and dmarc-reports-stalwart/.
# Each sample is imported alone into a fresh store with "emauth report
# import"; what the store holds is compared with an independent reading:
# Python's standard library (xml.etree, gzip, zipfile, email) for the
# parsedmarc samples, which have no expectation files, and the expected
# parse of each Stalwart sample (NNN.json, Stalwart's model). The broken
# samples must be rejected with a reason; importing a sample twice changes
# nothing. Prints "ok report-suites/NAME" or "not ok report-suites/NAME".
# usage: tests/conformance/report_suites.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
suites=$top/tests/data/suites
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec python3 - "$build/emauth" "$suites" "$tmp" <<'PY'
import email, glob, gzip, io, json, os, sqlite3, subprocess, sys, zipfile
import xml.etree.ElementTree as ET

emauth, suites, tmp = sys.argv[1:4]
fails = 0
n = 0

def result(name, ok, why=""):
    global fails
    if ok:
        print("ok report-suites/" + name)
    else:
        fails += 1
        print("not ok report-suites/" + name + (": " + why if why else ""))

def imp(path, store):
    p = subprocess.run([emauth, "report", "import", "--store", "sqlite:" + store, path],
                       capture_output=True, text=True)
    return p

def rows(store):
    db = sqlite3.connect(store)
    items = db.execute("select id, kind, status, reason, org, report_id, policy_domain,"
                       " begin_t, end_t, rows_n, messages, p from emauth_imports order by id").fetchall()
    recs = {}
    for it in items:
        recs[it[0]] = db.execute("select source_ip, count, disposition, dkim, spf, header_from,"
                                 " envelope_from, envelope_to, dkim_results, spf_results, reasons"
                                 " from emauth_agg_records where import_id = ? order by rowid",
                                 (it[0],)).fetchall()
    db.close()
    return items, recs

def local(tag):
    return tag.split("}", 1)[-1]

def find(el, path):
    """The text at path (local names, '/'-separated) under el, or ''."""
    cur = [el]
    for part in path.split("/"):
        nxt = []
        for c in cur:
            nxt += [x for x in c if local(x.tag) == part]
        cur = nxt
    return (cur[0].text or "").strip() if cur else ""

def xml_reports(data, name):
    """The aggregate reports in a file, by Python's own reading."""
    if data[:2] == b"\x1f\x8b":
        return xml_reports(gzip.decompress(data), name)
    if data[:4] == b"PK\x03\x04":
        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for i in z.infolist():
                out += xml_reports(z.read(i), i.filename)
        return out
    s = data.lstrip()
    if s.startswith(b"<"):
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            # A report wrapped in an unclosed element (ikea.com's
            # <xs:schema>): its <feedback> element alone.
            a, b = data.find(b"<feedback"), data.rfind(b"</feedback>")
            root = ET.fromstring(data[a:b + len(b"</feedback>")])
        fb = root if local(root.tag) == "feedback" else next(
            x for x in root.iter() if local(x.tag) == "feedback")
        return [fb]
    msg = email.message_from_bytes(data)
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        fn = part.get_filename() or ""
        ct = part.get_content_type()
        if any(k in ct for k in ("gzip", "zip", "xml")) or fn.endswith((".gz", ".zip", ".xml")):
            out += xml_reports(part.get_payload(decode=True), fn)
    return out

def check_parsedmarc_aggregate(path, name):
    store = os.path.join(tmp, name.replace("/", "_") + ".db")
    p = imp(path, store)
    items, recs = rows(store)
    want = xml_reports(open(path, "rb").read(), path)
    got = [i for i in items if i[2] == "imported"]
    if len(got) != len(want):
        return result(name, False, "%d reports imported, %d in the file: %s" % (len(got), len(want), p.stdout + p.stderr))
    for it, fb in zip(got, want):
        org = find(fb, "report_metadata/org_name") or find(fb, "report_metadata/email").split("@")[-1]
        exp = {"org": org, "report_id": find(fb, "report_metadata/report_id"),
               "domain": find(fb, "policy_published/domain"),
               "begin": int(find(fb, "report_metadata/date_range/begin")),
               "end": int(find(fb, "report_metadata/date_range/end"))}
        have = {"org": it[4], "report_id": it[5], "domain": it[6], "begin": it[7], "end": it[8]}
        if exp != have:
            return result(name, False, "metadata %r != %r" % (have, exp))
        xrecs = [r for r in fb if local(r.tag) == "record"]
        srecs = recs[it[0]]
        if len(xrecs) != len(srecs) or it[9] != len(xrecs):
            return result(name, False, "%d records stored, %d in the report" % (len(srecs), len(xrecs)))
        total = 0
        for x, sr in zip(xrecs, srecs):
            e = (find(x, "row/source_ip"), int(find(x, "row/count")),
                 find(x, "row/policy_evaluated/disposition").lower(),
                 find(x, "row/policy_evaluated/dkim").lower(),
                 find(x, "row/policy_evaluated/spf").lower(),
                 (find(x, "identifiers/header_from") or find(x, "identities/header_from")).lower())
            total += e[1]
            if e != tuple(sr[:6]):
                return result(name, False, "record %r != %r" % (sr[:6], e))
        if it[10] != total:
            return result(name, False, "messages %d != %d" % (it[10], total))
    # Again: nothing new.
    before = rows(store)
    p2 = imp(path, store)
    after = rows(store)
    if [i for i in after[0] if i[2] == "imported"] != [i for i in before[0] if i[2] == "imported"] or \
            sum(1 for i in after[0] if i[2] == "duplicate") != len(want):
        return result(name, False, "a second import changed the store: " + p2.stdout)
    result(name, True)

def check_rejected(path, name):
    store = os.path.join(tmp, name.replace("/", "_") + ".db")
    p = imp(path, store)
    items, _ = rows(store)
    ok = p.returncode == 1 and len(items) == 1 and items[0][2] == "rejected" and items[0][3]
    result(name, ok, "exit %d, %r" % (p.returncode, items))

base = os.path.join(suites, "dmarc-reports-parsedmarc")
for path in sorted(glob.glob(os.path.join(base, "aggregate", "*")) +
                   glob.glob(os.path.join(base, "extract_report", "*")) +
                   glob.glob(os.path.join(base, "aggregate_invalid", "*"))):
    name = "parsedmarc/" + os.path.relpath(path, base)
    if os.path.basename(path) == "invalid_xml.xml":
        check_rejected(path, name)
    else:
        check_parsedmarc_aggregate(path, name)
check_rejected(os.path.join(base, "empty.xml"), "parsedmarc/empty.xml")

# Failure reports: one item each, with the reported domain and source IP
# the feedback part names.
for path in sorted(glob.glob(os.path.join(base, "failure", "*"))):
    name = "parsedmarc/" + os.path.relpath(path, base)
    store = os.path.join(tmp, "f%d.db" % len(name))
    p = imp(path, store)
    items, _ = rows(store)
    msg = email.message_from_bytes(open(path, "rb").read())
    fields = {}
    for part in msg.walk():
        if part.get_content_type() in ("message/feedback-report",):
            payload = part.get_payload()
            text = payload[0].as_string() if isinstance(payload, list) else payload
            for line in text.splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    fields.setdefault(k.strip().lower(), v.strip())
    ok = len(items) == 1 and items[0][1] == "failure" and items[0][2] == "imported"
    why = repr(items)
    if ok and fields.get("reported-domain"):
        ok = items[0][6] == fields["reported-domain"].lower()
        why = "reported domain %r != %r" % (items[0][6], fields.get("reported-domain"))
    result(name, ok, why)

# TLS reports: the organisation, report id, dates and session counts.
for path in sorted(glob.glob(os.path.join(base, "smtp_tls", "*"))):
    name = "parsedmarc/" + os.path.relpath(path, base)
    store = os.path.join(tmp, "t%d.db" % len(name))
    imp(path, store)
    items, _ = rows(store)
    j = json.load(open(path))
    sessions = sum(pp["summary"]["total-successful-session-count"] +
                   pp["summary"]["total-failure-session-count"] for pp in j["policies"])
    db = sqlite3.connect(store)
    pols = db.execute("select policy_domain, success, failure from emauth_tls_policies").fetchall()
    db.close()
    want_pols = [(pp["policy"]["policy-domain"], pp["summary"]["total-successful-session-count"],
                  pp["summary"]["total-failure-session-count"]) for pp in j["policies"]]
    ok = (len(items) == 1 and items[0][1] == "tls" and items[0][2] == "imported" and
          items[0][4] == j["organization-name"] and items[0][5] == j["report-id"] and
          items[0][10] == sessions and sorted(pols) == sorted(want_pols))
    result(name, ok, "%r %r vs %r" % (items, pols, want_pols))

# Stalwart: the expected parse of each aggregate sample.
WORD = {"None": "none", "Pass": "pass", "Fail": "fail", "Quarantine": "quarantine",
        "Reject": "reject", "Unspecified": "", "Neutral": "neutral", "SoftFail": "softfail",
        "TempError": "temperror", "PermError": "permerror", "Policy": "policy",
        "MailFrom": "mfrom", "Helo": "helo"}
sbase = os.path.join(suites, "dmarc-reports-stalwart", "aggregate")
for exp_path in sorted(glob.glob(os.path.join(sbase, "*.json"))):
    stem = exp_path[:-5]
    src = stem + ".xml" if os.path.exists(stem + ".xml") else stem + ".eml"
    name = "stalwart/aggregate/" + os.path.basename(src)
    exp = json.load(open(exp_path))
    store = os.path.join(tmp, "s" + os.path.basename(src) + ".db")
    p = imp(src, store)
    items, recs = rows(store)
    got = [i for i in items if i[2] == "imported"]
    if len(got) != 1:
        result(name, False, "imported %r: %s" % (items, p.stdout))
        continue
    it = got[0]
    md = exp["report_metadata"]
    pp = exp["policy_published"]
    problems = []
    for k, a, b in (("org_name", it[4], md["org_name"]), ("report_id", it[5], md["report_id"]),
                    ("begin", it[7], md["date_range"]["begin"]), ("end", it[8], md["date_range"]["end"]),
                    ("domain", it[6], pp["domain"]), ("p", it[11], WORD.get(pp["p"], pp["p"]))):
        if a != b:
            problems.append("%s %r != %r" % (k, a, b))
    srecs = recs[it[0]]
    if len(srecs) != len(exp["record"]):
        problems.append("%d records, %d expected" % (len(srecs), len(exp["record"])))
    for sr, er in zip(srecs, exp["record"]):
        row = er["row"]
        pe = row["policy_evaluated"]
        ids = er["identifiers"]
        want = (row["source_ip"], row["count"], WORD[pe["disposition"]], WORD[pe["dkim"]],
                WORD[pe["spf"]], ids["header_from"], ids.get("envelope_from") or "",
                ids.get("envelope_to") or "")
        if tuple(sr[:8]) != want:
            problems.append("record %r != %r" % (sr[:8], want))
        dk = [l.split("\t") for l in sr[8].splitlines()]
        wdk = [[d["domain"], d.get("selector") or "", WORD.get(d["result"], d["result"])]
               for d in er["auth_results"]["dkim"]]
        if dk != wdk:
            problems.append("dkim %r != %r" % (dk, wdk))
        sp = [l.split("\t") for l in sr[9].splitlines()]
        wsp = [[d["domain"], WORD.get(d.get("scope") or "Unspecified", ""), WORD.get(d["result"], d["result"])]
               for d in er["auth_results"]["spf"]]
        if sp != wsp:
            problems.append("spf %r != %r" % (sp, wsp))
    result(name, not problems, "; ".join(problems))

print("# %d failed" % fails)
sys.exit(1 if fails else 0)
PY
