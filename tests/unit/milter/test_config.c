/*
 * test_config.c: emauth-milter's configuration reader on the files an
 * OpenDKIM operator already has: opendkim.conf keys, a KeyTable, a
 * SigningTable with refile: patterns and *@domain entries, TrustedHosts
 * with an internal relay, single-key mode; and the errors, each naming the
 * file and line.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness/t.h"

static char dir[256];

static const char *
write_file(const char *name, const char *text)
{
	static char path[8][512];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void
test_opendkim_migration(void)
{
	write_file("KeyTable",
	    "# name  domain:selector:keyfile\n"
	    "customer  customer.example:s2026:/etc/dkimkeys/customer.private\n"
	    "platform  platform.example:pf:/etc/dkimkeys/pf.private\n"
	    "any       %:s1:/etc/dkimkeys/any.private\n");
	write_file("SigningTable",
	    "*@customer.example  customer\n"
	    "*@customer.example  platform   # both signatures\n"
	    "*@*.platform.example platform\n");
	write_file("TrustedHosts", "127.0.0.1\n::1\n10.0.0.0/8\n"
	                           "relay.internal.example\n.corp.example\n");
	char conf[2048];
	snprintf(conf, sizeof(conf),
	    "# opendkim.conf as operators write it\n"
	    "Syslog          yes\n"
	    "SyslogSuccess   yes\n"
	    "LogWhy          yes\n"
	    "UMask           007\n"
	    "Mode            sv\n"
	    "Canonicalization relaxed/simple\n"
	    "OversignHeaders From,To,Subject\n"
	    "KeyTable        %s/KeyTable\n"
	    "SigningTable    refile:%s/SigningTable\n"
	    "InternalHosts   %s/TrustedHosts\n"
	    "ExternalIgnoreList refile:%s/TrustedHosts\n"
	    "Socket          inet:8891@localhost\n"
	    "PidFile         /run/opendkim/opendkim.pid\n"
	    "UserID          opendkim\n"
	    "AutoRestart     yes\n"
	    "AuthservID      mx.receiver.example\n"
	    "DMARCEnforce    reject\n",
	    dir, dir, dir, dir);
	const char *path = write_file("opendkim.conf", conf);
	struct milter_config c;
	char err[512] = "", warn[1024];
	T_EQ_INT(
	    milter_config_load(path, &c, err, sizeof(err), warn, sizeof(warn)),
	    0);
	T_EQ_STR(err, "");
	T_TRUE(strstr(warn, "AutoRestart is accepted and ignored") != NULL);
	T_EQ_INT(c.mode, MC_SIGN | MC_VERIFY);
	T_EQ_INT(c.header_canon, 1);
	T_EQ_INT(c.body_canon, 0);
	T_EQ_STR(c.oversign, "From:To:Subject");
	T_EQ_INT(c.umask, 07);
	T_EQ_STR(c.socket, "inet:8891@localhost");
	T_EQ_INT(c.dmarc_enforce, 2);
	T_EQ_INT(c.nkeys, 3);
	T_TRUE(c.signing_refile);

	struct mc_key k[4];
	T_EQ_INT(milter_config_keys_for(&c, "news@customer.example", k, 4), 2);
	T_EQ_STR(k[0].domain, "customer.example");
	T_EQ_STR(k[0].selector, "s2026");
	T_EQ_STR(k[1].domain, "platform.example");
	T_EQ_INT(
	    milter_config_keys_for(&c, "a@mail.platform.example", k, 4), 1);
	T_EQ_INT(milter_config_keys_for(&c, "a@other.example", k, 4), 0);
	T_EQ_INT(milter_config_keys_for(&c, "NEWS@Customer.Example", k, 4), 2);

	T_TRUE(milter_config_internal(&c, "10.1.2.3", NULL));
	T_TRUE(milter_config_internal(&c, "::1", NULL));
	T_TRUE(!milter_config_internal(&c, "192.0.2.1", NULL));
	T_TRUE(
	    milter_config_internal(&c, "192.0.2.1", "relay.internal.example"));
	T_TRUE(milter_config_internal(&c, "192.0.2.2", "mx.corp.example"));
	/* ExternalIgnoreList, the same file read as a host list. */
	T_TRUE(milter_nets_match(&c.external_ignore, "10.9.9.9", NULL));
	T_TRUE(milter_nets_match(
	    &c.external_ignore, "192.0.2.3", "a.corp.example"));
	T_TRUE(!milter_nets_match(
	    &c.external_ignore, "192.0.2.3", "evil.example"));
	T_TRUE(!milter_config_internal(&c, "192.0.2.2", "corp.example.evil"));
	milter_config_free(&c);
}

static void
test_plain_signingtable_and_single_key(void)
{
	write_file("KeyTable2", "k1 example.com:sel:/k/1\n");
	write_file("SigningTable2", "example.com k1\n");
	char conf[1024];
	snprintf(conf, sizeof(conf),
	    "KeyTable %s/KeyTable2\nSigningTable %s/SigningTable2\n", dir, dir);
	struct milter_config c;
	char err[512];
	T_EQ_INT(milter_config_load(write_file("c2.conf", conf), &c, err,
	             sizeof(err), NULL, 0),
	    0);
	struct mc_key k[2];
	/* Without refile: the address, the domain, then parents. */
	T_EQ_INT(milter_config_keys_for(&c, "a@example.com", k, 2), 1);
	T_EQ_INT(milter_config_keys_for(&c, "a@sub.example.com", k, 2), 1);
	T_EQ_INT(milter_config_keys_for(&c, "a@example.net", k, 2), 0);
	/* No InternalHosts: the loopback only. */
	T_TRUE(milter_config_internal(&c, "127.0.0.1", NULL));
	T_TRUE(!milter_config_internal(&c, "10.0.0.1", NULL));
	milter_config_free(&c);

	T_EQ_INT(milter_config_load(write_file("c3.conf",
	                                "Domain example.com, example.org\n"
	                                "Selector s1\nKeyFile /k/s1.private\n"
	                                "SignatureAlgorithm ed25519-sha256\n"),
	             &c, err, sizeof(err), NULL, 0),
	    0);
	T_EQ_INT(c.algorithm, 1);
	T_EQ_INT(milter_config_keys_for(&c, "x@example.org", k, 2), 1);
	T_EQ_STR(k[0].domain, "example.org");
	T_EQ_STR(k[0].selector, "s1");
	T_EQ_INT(milter_config_keys_for(&c, "x@example.net", k, 2), 0);
	milter_config_free(&c);
}

/* Our verify-side keys, and their defaults. */
static void
test_verify_keys(void)
{
	struct milter_config c;
	char err[512];
	T_EQ_INT(milter_config_load(write_file("d.conf", "Mode v\n"), &c, err,
	             sizeof(err), NULL, 0),
	    0);
	T_TRUE(c.tempfail_dns && c.add_authres);
	T_EQ_STR(c.dns, "system");
	T_EQ_INT(c.dns_timeout, 5);
	T_EQ_INT(c.dns_budget, 20);
	T_EQ_INT(c.dmarc_mode, 0);
	milter_config_free(&c);
	T_EQ_INT(milter_config_load(
	             write_file("v.conf",
	                 "AuthservID mx.example.net\n"
	                 "DMARCEnforce quarantine\nDMARCMode rfc7489\n"
	                 "RejectMessage Not accepted from %d\n"
	                 "TempFailOnDNSError no\nAddAuthenticationResults no\n"
	                 "Nameservers 127.0.0.1@5353, 127.0.0.2\n"
	                 "DNSTimeout 2\nDNSBudget 9\n"),
	             &c, err, sizeof(err), NULL, 0),
	    0);
	T_EQ_STR(c.authserv_id, "mx.example.net");
	T_EQ_INT(c.dmarc_enforce, 1);
	T_EQ_INT(c.dmarc_mode, 1);
	T_EQ_STR(c.reject_message, "Not accepted from %d");
	T_TRUE(!c.tempfail_dns && !c.add_authres);
	T_EQ_STR(c.dns, "server:127.0.0.1@5353");
	T_EQ_INT(c.dns_timeout, 2);
	T_EQ_INT(c.dns_budget, 9);
	milter_config_free(&c);
}

static void
test_errors(void)
{
	struct milter_config c;
	char err[512];
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"Mode sx\n", "c.conf:1: Mode: 'sx' is not s, v or sv"},
	    {"Syslog\n", "c.conf:1: Syslog has no value"},
	    {"\nSyslog maybe\n", "c.conf:2: Syslog: 'maybe' is not yes or no"},
	    {"Canonicalization loose\n", "is not HEADER/BODY"},
	    {"SignatureAlgorithm rsa-sha1\n", "RFC 8301 forbids rsa-sha1"},
	    {"UMask 999\n", "not an octal mask"},
	    {"InternalHosts 10.0.0.0/33\n", "IPv4 prefix is at most /32"},
	    {"InternalHosts bad host!\n", "is not a host name"},
	    {"KeyTable /nonexistent/KeyTable\n", "KeyTable /nonexistent"},
	    {"DMARCEnforce always\n", "not none, quarantine or reject"},
	    {"DMARCMode 2015\n", "c.conf:1: DMARCMode: '2015' is not rfc9989"},
	    {"TempFailOnDNSError perhaps\n", "is not yes or no"},
	    {"DNSTimeout 0\n", "DNSTimeout: '0' is not a positive number"},
	    {"DNSBudget 5s\n", "DNSBudget: '5s' is not a positive number"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int rc = milter_config_load(write_file("c.conf", cases[i].text),
		    &c, err, sizeof(err), NULL, 0);
		if (rc != -1 || strstr(err, cases[i].want) == NULL)
			T_FAILF("'%s': rc %d, \"%s\"", cases[i].text, rc, err);
	}
	/* A SigningTable naming a key the KeyTable lacks. */
	write_file("KT", "a example.com:s:/k\n");
	write_file("ST", "# customers\n*@example.com a\n*@example.com b\n");
	char conf[1024];
	snprintf(conf, sizeof(conf),
	    "KeyTable %s/KT\nSigningTable refile:%s/ST\n", dir, dir);
	T_EQ_INT(milter_config_load(write_file("c4.conf", conf), &c, err,
	             sizeof(err), NULL, 0),
	    -1);
	T_TRUE(strstr(err, "/ST:3: the SigningTable names key 'b'") != NULL);
	/* A malformed KeyTable line names its own file and line. */
	write_file("KT2", "good example.com:s:/k\nbad example.com:s\n");
	snprintf(conf, sizeof(conf), "KeyTable %s/KT2\n", dir);
	T_EQ_INT(milter_config_load(write_file("c5.conf", conf), &c, err,
	             sizeof(err), NULL, 0),
	    -1);
	T_TRUE(strstr(err, "KT2:2: expected NAME DOMAIN:SELECTOR:KEYFILE") !=
	       NULL);
	/* A line too long. */
	char *big = malloc(MC_LINE_MAX + 100);
	memset(big, 'a', MC_LINE_MAX + 50);
	strcpy(big + MC_LINE_MAX + 50, "\n");
	T_EQ_INT(milter_config_load(
	             write_file("c6.conf", big), &c, err, sizeof(err), NULL, 0),
	    -1);
	T_TRUE(strstr(err, "line longer than") != NULL);
	free(big);
	T_EQ_INT(milter_config_load(
	             "/nonexistent.conf", &c, err, sizeof(err), NULL, 0),
	    -1);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/emauth-milter-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	T_RUN(test_opendkim_migration);
	T_RUN(test_plain_signingtable_and_single_key);
	T_RUN(test_verify_keys);
	T_RUN(test_errors);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	return t_summary();
}
