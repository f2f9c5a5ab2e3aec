#!/bin/bash
# Reports written by another receiver's software: Mail::DMARC (Debian
# libmail-dmarc-perl) stores a day of verdicts in its own report store and
# builds that day's aggregate reports as its dmarc_send_reports does
# (tests/interop/report/mail_dmarc_write.pl: the .xml.gz files and the
# whole report mails, nothing sent). "emauth report import" reads them:
# each report's reporter, id, policy domain and period, and every record
# (IP, count, disposition, DKIM, SPF, header From) are what Mail::DMARC put
# in it; the messages per domain are those of the verdicts; the same
# reports again, as mail, are duplicates; into an empty store the mails
# give the same records as the files.
# Prints "ok interop/report-in/NAME" or "not ok interop/report-in/NAME".
# usage: tests/interop/report_maildmarc_in.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
emauth=$build/emauth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok interop/report-in/$1"; }
nok() {
	echo "not ok interop/report-in/$1"
	shift
	local l
	for l in "$@"; do echo "  $l"; done
	fails=$((fails + 1))
}
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1" "expected: $(printf '%s' "$2" | tr '\n' '|')" \
			"got:      $(printf '%s' "$3" | tr '\n' '|')"
	fi
}

if ! perl -MMail::DMARC::Report -e1 2>"$tmp/perl.err"; then
	nok mail-dmarc-present "Mail::DMARC does not load (Debian package libmail-dmarc-perl):" \
		"$(head -c 300 "$tmp/perl.err")"
	exit 1
fi
ok mail-dmarc-present
if [ ! -x "$emauth" ] || ! command -v sqlite3 >/dev/null; then
	nok setup "$emauth or sqlite3 missing"
	exit 1
fi
if perl "$here/report/mail_dmarc_write.pl" "$tmp/md" >"$tmp/w.out" 2>&1 &&
	grep -q '^2 reports$' "$tmp/w.out"; then
	ok mail-dmarc-writes
else
	nok mail-dmarc-writes "$(head -c 600 "$tmp/w.out")"
	exit 1
fi
exp=$tmp/md/expect.txt

# stored_reports DB: "report ID ORG DOMAIN BEGIN END RECORDS MESSAGES" per
# imported aggregate report, as the store holds it.
stored_reports() {
	sqlite3 -separator ' ' "$1" "select 'report', i.report_id, i.org,
		i.policy_domain, i.begin_t, i.end_t, count(r.import_id),
		sum(r.count) from emauth_imports i join emauth_agg_records r
		on r.import_id = i.id where i.status = 'imported' and
		i.kind = 'aggregate' group by i.id" | sort
}
stored_records() {
	sqlite3 -separator ' ' "$1" "select 'record', i.report_id,
		r.source_ip, r.count, r.disposition, r.dkim, r.spf,
		r.header_from from emauth_imports i join emauth_agg_records r
		on r.import_id = i.id where i.status = 'imported'" | sort
}

# The files.
s=$tmp/files.db
if "$emauth" report import --store "sqlite:$s" "$tmp/md/files" >"$tmp/out" 2>&1 &&
	grep -q '^2 imported, 0 duplicates, 0 rejected$' "$tmp/out"; then
	ok import-files
else
	nok import-files "$(head -c 600 "$tmp/out")"
fi
same files-reports "$(grep '^report ' "$exp" | sort)" "$(stored_reports "$s")"
same files-records "$(grep '^record ' "$exp" | sort)" "$(stored_records "$s")"
# The messages per policy domain: the verdicts Mail::DMARC was given.
same files-messages "$(sed -n 's/^verdicts //p' "$exp" | sort)" \
	"$(sqlite3 -separator ' ' "$s" "select i.policy_domain, sum(r.count)
		from emauth_imports i join emauth_agg_records r on
		r.import_id = i.id group by i.policy_domain" | sort)"
# The DKIM selector and the SPF scope of the auth results are kept.
same files-auth-results "1 1" "$(sqlite3 "$s" "select
	(select count(*) from emauth_agg_records where source_ip =
		'198.51.100.7' and dkim_results like '%mcsv.net%k2%pass%'),
	(select count(*) from emauth_agg_records where source_ip =
		'203.0.113.9' and spf_results like '%mail.other.example%mfrom%pass%')" |
	tr '|' ' ')"
same files-policy "reject none" "$(sqlite3 "$s" "select p from emauth_imports
	where status = 'imported' order by policy_domain desc" | tr '\n' ' ' |
	sed 's/ $//')"

# The same reports as mail (multipart/mixed, the gzip in base64): duplicates.
if "$emauth" report import --store "sqlite:$s" "$tmp/md/mail" >"$tmp/out" 2>&1 &&
	grep -q '^0 imported, 2 duplicates, 0 rejected$' "$tmp/out"; then
	ok mail-again-duplicates
else
	nok mail-again-duplicates "$(head -c 600 "$tmp/out")"
fi
# The mails into an empty store: the same as the files.
m=$tmp/mail.db
if "$emauth" report import --store "sqlite:$m" "$tmp/md/mail"/*.eml >"$tmp/out" 2>&1 &&
	grep -q '^2 imported, 0 duplicates, 0 rejected$' "$tmp/out"; then
	ok import-mail
else
	nok import-mail "$(head -c 600 "$tmp/out")"
fi
same mail-reports "$(grep '^report ' "$exp" | sort)" "$(stored_reports "$m")"
same mail-records "$(grep '^record ' "$exp" | sort)" "$(stored_records "$m")"
same mail-source "2" "$(sqlite3 "$m" "select count(*) from emauth_imports
	where status = 'imported' and source like '%.eml%'")"
[ "$fails" -eq 0 ]
