# tests/lib/report_serve.sh: what the dashboard tests share
# (tests/cli/report_serve.sh, tests/e2e/report_browser.sh). Sourced after
# $emauth, $top and $tmp are set. Defines
#   fill_store SPEC          imports the repository's sample reports and two
#                            hostile ones, and four bounces (one hostile),
#                            into the store SPEC
#   free_port                prints a free TCP port of 127.0.0.1
#   start_server LOG ARGS... starts "emauth report serve ARGS" (stderr to
#                            LOG), sets $server_pid, waits until it listens;
#                            fails when it does not within 10 seconds
#   stop_server              SIGTERM, and its exit status
# and the hostile strings: $evil_org, $evil_id, $evil_formula, $evil_diag.

evil_org='<script>alert(1)</script>'
evil_id='"><img src=x onerror=alert(2)>'
evil_formula='=HYPERLINK("http://evil.example/","click")'

# An aggregate report whose reporter and report id are markup and whose
# override comment is a spreadsheet formula; a second one whose reporter
# is a formula.
hostile_reports() { # DIR
	cat >"$1/hostile.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>&lt;script&gt;alert(1)&lt;/script&gt;</org_name>
    <email>reports@evil.example</email>
    <report_id>"&gt;&lt;img src=x onerror=alert(2)&gt;</report_id>
    <date_range><begin>1700006400</begin><end>1700092799</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>hostile.example</domain><adkim>r</adkim><aspf>r</aspf>
    <p>none</p><sp>none</sp><pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>203.0.113.66</source_ip>
      <count>7</count>
      <policy_evaluated>
        <disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>other</type><comment>=HYPERLINK("http://evil.example/","click")</comment></reason>
      </policy_evaluated>
    </row>
    <identifiers><header_from>hostile.example</header_from></identifiers>
    <auth_results>
      <spf><domain>hostile.example</domain><result>fail</result></spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>203.0.113.67</source_ip>
      <count>3</count>
      <policy_evaluated>
        <disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>
      </policy_evaluated>
    </row>
    <identifiers><header_from>hostile.example</header_from></identifiers>
    <auth_results>
      <dkim><domain>hostile.example</domain><selector>s1</selector><result>pass</result></dkim>
      <spf><domain>hostile.example</domain><result>pass</result></spf>
    </auth_results>
  </record>
</feedback>
EOF
	cat >"$1/formula.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>=HYPERLINK("http://evil.example/","click")</org_name>
    <email>reports@evil.example</email>
    <report_id>+formula-2</report_id>
    <date_range><begin>1700092800</begin><end>1700179199</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>hostile.example</domain><p>none</p>
  </policy_published>
  <record>
    <row>
      <source_ip>203.0.113.66</source_ip>
      <count>2</count>
      <policy_evaluated>
        <disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers><header_from>hostile.example</header_from></identifiers>
    <auth_results>
      <spf><domain>hostile.example</domain><result>fail</result></spf>
    </auth_results>
  </record>
</feedback>
EOF
}

# Bounces (issue #20): two of the corpus, and one whose diagnostic is
# markup and whose original sender (hostile.example) gets a DMARC bounce.
evil_diag='<script>alert(3)</script>'
bounce_files() { # DIR
	local m=$top/tests/data/suites/bounces-sisimai/maildir
	cp "$m/rfc3464-01.eml" "$m/lhost-postfix-01.eml" \
		"$m/lhost-postfix-73.eml" "$1/"
	sed -e "s|^Diagnostic-Code: .*|Diagnostic-Code: SMTP; 550 5.7.1 $evil_diag Unauthenticated email from hostile.example is not accepted due to domain's DMARC policy|" \
		-e 's|^Status: 5.1.1|Status: 5.7.1|' \
		-e 's|^From: "Kijitora Cat" <kijitora@example.org>|From: "=cmd" <sender@hostile.example>|' \
		-e 's|^Message-I[dD]: <|&hostile.|' \
		"$m/rfc3464-01.eml" >"$1/hostile-bounce.eml"
}

fill_store() { # SPEC
	local s=$top/tests/data/suites
	mkdir -p "$tmp/hostile"
	hostile_reports "$tmp/hostile"
	# Exit status 1: some samples are rejected on purpose (and listed).
	"$emauth" report import --store "$1" \
		"$s/dmarc-reports-parsedmarc/aggregate" \
		"$s/dmarc-reports-parsedmarc/failure" \
		"$s/dmarc-reports-parsedmarc/smtp_tls" \
		"$s/dmarc-reports-stalwart/aggregate" \
		"$tmp/hostile" >"$tmp/import.out" 2>&1
	[ $? -le 1 ] && grep -q ' imported, ' "$tmp/import.out" || return 1
	mkdir -p "$tmp/bounces"
	bounce_files "$tmp/bounces"
	"$emauth" report import --store "$1" "$tmp/bounces" \
		>"$tmp/import-bounces.out" 2>&1 &&
		grep -q '^4 imported, ' "$tmp/import-bounces.out"
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_server() { # LOG ARGS...
	local log=$1 i
	shift
	"$emauth" report serve "$@" 2>"$log" &
	server_pid=$!
	for i in $(seq 1 100); do
		grep -q 'listening on' "$log" 2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_server() {
	kill -TERM "$server_pid" 2>/dev/null
	wait "$server_pid"
}
