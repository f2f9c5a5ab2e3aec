/*
 * test_config.c: emauth-milter's configuration reader on the files an
 * OpenDKIM operator already has: opendkim.conf keys, a KeyTable, a
 * SigningTable with refile: patterns and *@domain entries, TrustedHosts
 * with an internal relay, single-key mode; and the errors, each naming the
 * file and line. Hostile files: directories, FIFOs and devices named as
 * files, NUL bytes, over-long lines and files, tables one entry over the
 * cap; refile: patterns checked against the old recursive matcher and on
 * the pattern that made it take exponential time. Numbers out of their
 * range refused (never clamped); the default authserv-id; one
 * SigningTable match more than may sign a message is seen. Issue #17: a
 * refile: KeyTable, lines that are not "Key value", unknown keys (an error
 * with the closest key suggested) and OpenDKIM's keys (a notice),
 * MultipleSignatures, host lists covering every client and text after a
 * host entry.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* write_file() for text that may hold NUL bytes. */
static const char *
write_bytes(const char *name, const char *data, size_t len)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, 512, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fwrite(data, 1, len, f);
	fclose(f);
	return p;
}

/* Loads the configuration @text; returns the status, the error in @err. */
static int
load_text(const char *text, struct milter_config *c, char *err, size_t size)
{
	err[0] = '\0';
	return milter_config_load(
	    write_file("c.conf", text), c, err, size, NULL, 0);
}

/* Expects the configuration @text to be refused with @want in the error. */
#define T_REFUSED(text, want)                                                  \
	do {                                                                   \
		struct milter_config t_c;                                      \
		char t_err[1024];                                              \
		int t_rc = load_text((text), &t_c, t_err, sizeof(t_err));      \
		if (t_rc != -1 || strstr(t_err, (want)) == NULL)               \
			T_FAILF("rc %d, \"%s\", expected \"%s\"", t_rc, t_err, \
			    (want));                                           \
	} while (0)

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
	    "MultipleSignatures yes\n"
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
	T_TRUE(strstr(warn, "opendkim.conf:16: AutoRestart: an OpenDKIM key, "
	                    "not used here") != NULL);
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
	    {"InternalHosts bad!host\n", "is not a host name"},
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
	memcpy(big + MC_LINE_MAX + 50, "\n", 2);
	T_EQ_INT(milter_config_load(
	             write_file("c6.conf", big), &c, err, sizeof(err), NULL, 0),
	    -1);
	T_TRUE(strstr(err, "line longer than") != NULL);
	free(big);
	T_EQ_INT(milter_config_load(
	             "/nonexistent.conf", &c, err, sizeof(err), NULL, 0),
	    -1);
}

/*
 * The recursive matcher refile: patterns had before, kept as the
 * reference for their meaning: "*" matches any run of characters, every
 * other byte itself with case ignored (tolower), nothing else is special.
 */
static bool
ref_match(const char *p, const char *s)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*') {
		for (const char *t = s;; t++) {
			if (ref_match(p + 1, t))
				return true;
			if (*t == '\0')
				return false;
		}
	}
	return *s && tolower((unsigned char)*p) == tolower((unsigned char)*s) &&
	       ref_match(p + 1, s + 1);
}

/* A fixed xorshift sequence: the same pairs on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* Checks milter_glob_match() on one pair against the reference and its
 * step bound; counts the pair in @yes or @no. */
static void
glob_check(const char *p, const char *s, size_t *yes, size_t *no)
{
	size_t steps = 0;
	bool got = milter_glob_match(p, s, &steps), want = ref_match(p, s);
	size_t bound = (strlen(p) + 1) * (strlen(s) + 1);
	if (got != want || steps > bound) {
		T_FAILF("'%s' on '%s': %d, the reference %d; %zu steps, "
		        "bound %zu",
		    p, s, got, want, steps, bound);
		return;
	}
	(*(want ? yes : no))++;
}

/* Word number @i of length @len over @alpha, into @out. */
static void
word(char *out, unsigned long i, size_t len, const char *alpha)
{
	size_t k = strlen(alpha);
	for (size_t j = 0; j < len; j++, i /= k)
		out[j] = alpha[i % k];
	out[len] = '\0';
}

static void
test_glob_same_as_reference(void)
{
	size_t yes = 0, no = 0;
	char p[64], s[64];
	/* Every pattern of up to 4 bytes over "aB*?" against every subject
	 * of up to 5 over "aAb?*": "?" is a literal, case is ignored. */
	static const char pa[] = "aB*?", sa[] = "aAb?*";
	for (size_t pl = 0; pl <= 4; pl++)
		for (unsigned long pi = 0, pn = 1UL << (2 * pl); pi < pn;
		     pi++) {
			word(p, pi, pl, pa);
			for (size_t sl = 0; sl <= 5; sl++) {
				unsigned long sn = 1;
				for (size_t j = 0; j < sl; j++)
					sn *= 5;
				for (unsigned long si = 0; si < sn; si++) {
					word(s, si, sl, sa);
					glob_check(p, s, &yes, &no);
				}
			}
		}
	T_TRUE(yes > 10000 && no > 10000);
	/* Longer random patterns (addresses, bytes above 127) against
	 * subjects made from them: each "*" replaced by a random run, the
	 * case of letters flipped at random, and in one subject in three a
	 * byte changed. */
	static const char alpha[] = "ab*@.-A\xc9\xe9", fill[] = "abAB@.*\xe9-";
	size_t ryes = 0, rno = 0;
	for (int n = 0; n < 200000; n++) {
		size_t pl = rnd(13), sl = 0;
		for (size_t j = 0; j < pl; j++)
			p[j] = alpha[rnd(sizeof(alpha) - 1)];
		p[pl] = '\0';
		for (size_t j = 0; j < pl && sl < 40; j++) {
			if (p[j] == '*') {
				for (unsigned r = rnd(5); r && sl < 40; r--)
					s[sl++] = fill[rnd(sizeof(fill) - 1)];
			} else {
				s[sl++] =
				    rnd(2) ? p[j]
				           : (char)toupper((unsigned char)p[j]);
			}
		}
		s[sl] = '\0';
		if (sl && rnd(3) == 0)
			s[rnd((unsigned)sl)] = fill[rnd(sizeof(fill) - 1)];
		glob_check(p, s, &ryes, &rno);
	}
	T_TRUE(ryes > 20000 && rno > 20000);
}

/* The SigningTable pattern that cost 19 seconds of CPU a message. */
static void
test_glob_pathological(void)
{
	static const char p[] = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
	static const char from[] =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@aaaaa.aaa";
	static const char fromb[] =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@aaaaa.aab";
	size_t steps = 0;
	T_EQ_INT(strlen(from), 44);
	/* At most (strlen(p) + 1) * (strlen(from) + 1) steps. */
	T_TRUE(!milter_glob_match(p, from, &steps));
	T_TRUE(steps <= sizeof(p) * sizeof(from));
	T_TRUE(milter_glob_match(p, fromb, &steps));
	T_TRUE(steps <= sizeof(p) * sizeof(from));
	T_TRUE(milter_glob_match("*A*a*B", fromb, NULL));

	/* Through the SigningTable, with the same pattern and with the
	 * longest one a SigningTable holds (319 bytes, 159 stars) against
	 * a From of 599 bytes, the most the milter passes. */
	char longp[320], longs[600];
	for (size_t i = 0; i < 159; i++)
		memcpy(longp + 2 * i, "*a", 2);
	memcpy(longp + 318, "b", 2);
	memset(longs, 'a', 599);
	longs[599] = '\0';
	T_TRUE(!milter_glob_match(longp, longs, &steps));
	T_TRUE(steps <= 320 * 600);
	char st[1024];
	snprintf(st, sizeof(st), "%s k\n%s k\n", p, longp);
	write_file("ST-glob", st);
	write_file("KT-glob", "k example.com:s:/k\n");
	char conf[1024];
	snprintf(conf, sizeof(conf),
	    "KeyTable %s/KT-glob\nSigningTable refile:%s/ST-glob\n"
	    "MultipleSignatures yes\n",
	    dir, dir);
	struct milter_config c;
	char err[512];
	T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.nsigning, 2);
	struct mc_key k[4];
	T_EQ_INT(milter_config_keys_for(&c, from, k, 4), 0);
	T_EQ_INT(milter_config_keys_for(&c, fromb, k, 4), 1);
	T_EQ_INT(milter_config_keys_for(&c, longs, k, 4), 0);
	longs[598] = 'B';
	T_EQ_INT(milter_config_keys_for(&c, longs, k, 4), 2);
	milter_config_free(&c);
}

/* Directories, FIFOs and devices named as files are refused at once,
 * naming the path and what it is: the main file, every table and host
 * list file. */
static void
test_not_regular_files(void)
{
	char adir[600], fifo[600], text[2048];
	snprintf(adir, sizeof(adir), "%s/adir", dir);
	snprintf(fifo, sizeof(fifo), "%s/afifo", dir);
	T_EQ_INT(mkdir(adir, 0700), 0);
	T_EQ_INT(mkfifo(fifo, 0600), 0);
	static const struct {
		const char *line, *what;
	} uses[] = {
	    {"KeyTable %s\n", "KeyTable"},
	    {"KeyTable file:%s\n", "KeyTable"},
	    {"SigningTable %s\n", "SigningTable"},
	    {"SigningTable refile:%s\n", "SigningTable"},
	    {"InternalHosts %s\n", "host list"},
	    {"TrustedHosts file:%s\n", "host list"},
	    {"ExternalIgnoreList refile:%s\n", "host list"},
	};
	const struct {
		const char *path, *is;
	} files[] = {
	    {adir, "is a directory"},
	    {fifo, "is not a regular file (a FIFO)"},
	    {"/dev/zero", "is not a regular file (a character device)"},
	    {"/dev/null", "is not a regular file (a character device)"},
	};
	for (size_t u = 0; u < sizeof(uses) / sizeof(uses[0]); u++)
		for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			char line[700], want[800];
			snprintf(
			    line, sizeof(line), uses[u].line, files[f].path);
			snprintf(text, sizeof(text), "Mode sv\n%s", line);
			snprintf(want, sizeof(want), "c.conf:2: %s %s: %s",
			    uses[u].what, files[f].path, files[f].is);
			T_REFUSED(text, want);
		}
	/* The main file itself. */
	struct milter_config c;
	char err[1024];
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char want[800];
		snprintf(
		    want, sizeof(want), "%s: %s", files[f].path, files[f].is);
		T_EQ_INT(milter_config_load(
		             files[f].path, &c, err, sizeof(err), NULL, 0),
		    -1);
		T_EQ_STR(err, want);
	}
	/* "file:" always names a file, even a relative path (it was taken
	 * for a host name). */
	T_REFUSED("InternalHosts file:no-such-hosts-file\n",
	    "c.conf:1: host list no-such-hosts-file: No such file");
	/* A regular file is opened, and left in blocking mode. */
	char why[128];
	struct stat sb;
	int fd = milter_file_open(
	    write_file("plain", "x\n"), 100, &sb, why, sizeof(why));
	T_TRUE(fd >= 0);
	if (fd >= 0) {
		T_EQ_INT(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
		T_EQ_INT(sb.st_size, 2);
		close(fd);
	}
	T_EQ_INT(milter_file_open(
	             write_file("plain", "x\n"), 1, NULL, why, sizeof(why)),
	    -1);
	T_EQ_STR(why, "is larger than 1 bytes");
	T_EQ_INT(milter_file_open(fifo, 100, NULL, why, sizeof(why)), -1);
	T_EQ_STR(why, "is not a regular file (a FIFO)");
	unlink(fifo);
	rmdir(adir);
}

/* A file over MC_FILE_MAX bytes is refused before it is read, and a
 * stream that turns out longer is refused where it passes the cap. */
static void
test_file_size_cap(void)
{
	char path[600], text[800], want[800];
	snprintf(path, sizeof(path), "%s/huge", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_TRUE(fd >= 0);
	T_EQ_INT(ftruncate(fd, (off_t)MC_FILE_MAX + 1), 0);
	close(fd);
	struct milter_config c;
	char err[1024];
	T_EQ_INT(milter_config_load(path, &c, err, sizeof(err), NULL, 0), -1);
	snprintf(want, sizeof(want), "%s: is larger than %d bytes", path,
	    MC_FILE_MAX);
	T_EQ_STR(err, want);
	snprintf(text, sizeof(text), "KeyTable %s\n", path);
	snprintf(want, sizeof(want),
	    "c.conf:1: KeyTable %s: is larger than %d bytes", path,
	    MC_FILE_MAX);
	T_REFUSED(text, want);
	/* Exactly MC_FILE_MAX bytes passes the size check (and stops at its
	 * first byte, a NUL). */
	fd = open(path, O_WRONLY | O_TRUNC);
	T_EQ_INT(ftruncate(fd, (off_t)MC_FILE_MAX), 0);
	close(fd);
	snprintf(want, sizeof(want), "%s:1: NUL byte", path);
	T_REFUSED(text, want);
	unlink(path);

	/* A stream: MC_FILE_MAX bytes of comment lines are read, one byte
	 * more is an error on the line that passes the cap. */
	size_t len = (size_t)MC_FILE_MAX + 1;
	char *big = malloc(len);
	T_TRUE(big != NULL);
	if (big == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		big[i] = (i % 4096 == 4095) ? '\n' : '#';
	FILE *f = fmemopen(big, len - 1, "r");
	T_EQ_INT(
	    milter_config_parse(f, "mem.conf", &c, err, sizeof(err), NULL, 0),
	    0);
	fclose(f);
	milter_config_free(&c);
	f = fmemopen(big, len, "r");
	T_EQ_INT(
	    milter_config_parse(f, "mem.conf", &c, err, sizeof(err), NULL, 0),
	    -1);
	fclose(f);
	snprintf(want, sizeof(want),
	    "mem.conf:%d: the file is longer than %d bytes",
	    MC_FILE_MAX / 4096 + 1, MC_FILE_MAX);
	T_EQ_STR(err, want);
	free(big);
}

/* A NUL byte anywhere (a value, a comment, a table, a host list) is an
 * error naming the file and line; it used to end the line silently. */
static void
test_nul_byte(void)
{
	struct milter_config c;
	char err[1024], conf[1024];
	static const char main_nul[] = "Mode v\nAuthservID mx\0 trailing\n";
	T_EQ_INT(milter_config_load(
	             write_bytes("nul.conf", main_nul, sizeof(main_nul) - 1),
	             &c, err, sizeof(err), NULL, 0),
	    -1);
	T_TRUE(strstr(err, "/nul.conf:2: NUL byte") != NULL);
	static const char kt[] = "a example.com:s:/k\n# b\n# c\0\n";
	write_bytes("KT-nul", kt, sizeof(kt) - 1);
	snprintf(conf, sizeof(conf), "KeyTable %s/KT-nul\n", dir);
	T_REFUSED(conf, "/KT-nul:3: NUL byte");
	static const char st[] = "*@example.com a\0b\n";
	write_bytes("ST-nul", st, sizeof(st) - 1);
	snprintf(conf, sizeof(conf), "SigningTable refile:%s/ST-nul\n", dir);
	T_REFUSED(conf, "/ST-nul:1: NUL byte");
	static const char hl[] = "10.0.0.1\n\n\0\n";
	write_bytes("HL-nul", hl, sizeof(hl) - 1);
	snprintf(conf, sizeof(conf), "Mode v\nInternalHosts %s/HL-nul\n", dir);
	T_REFUSED(conf, "/HL-nul:3: NUL byte");
}

/* A line of MC_LINE_MAX bytes is read; one byte more is an error naming
 * the line, with or without a final line feed, in any file. Values longer
 * than their fields are errors too, never cut. */
static void
test_line_and_value_caps(void)
{
	char *text = malloc(MC_LINE_MAX + 64);
	char conf[2048];
	struct milter_config c;
	char err[1024];
	size_t n = 7;
	memcpy(text, "Mode v\n", n);
	memset(text + n, '#', MC_LINE_MAX);
	n += MC_LINE_MAX;
	memcpy(text + n, "\nDNSTimeout 3\n", 15);
	T_EQ_INT(load_text(text, &c, err, sizeof(err)), 0);
	T_EQ_INT(c.dns_timeout, 3);
	milter_config_free(&c);
	memcpy(text + n, "#\nDNSTimeout 3\n", 16);
	T_REFUSED(text, "c.conf:2: line longer than 4096 bytes");
	text[n + 1] = '\0';
	T_REFUSED(text, "c.conf:2: line longer than 4096 bytes");
	/* In a table, on its third line. */
	memcpy(text, "a b\n\n", 5);
	memset(text + 5, 'x', MC_LINE_MAX + 1);
	memcpy(text + 5 + MC_LINE_MAX + 1, " a\n", 4);
	write_file("ST-long", text);
	write_file("KT-long", "a example.com:s:/k\n");
	snprintf(conf, sizeof(conf),
	    "KeyTable %s/KT-long\nSigningTable %s/ST-long\n", dir, dir);
	T_REFUSED(conf, "/ST-long:3: line longer than 4096 bytes");
	/* The SigningTable path was cut to 1023 bytes in messages. */
	memcpy(text, "SigningTable /", 14);
	memset(text + 14, 'p', 1100);
	memcpy(text + 1114, "\n", 2);
	T_REFUSED(text, "c.conf:1: SigningTable: value longer than 1023 bytes");
	free(text);
	/* A negative prefix length was taken for none (/32). */
	T_REFUSED("InternalHosts 10.0.0.0/-8\n",
	    "c.conf:1: '10.0.0.0/-8': bad prefix length");
	T_REFUSED("KeyTable /nonexistent\nSocket x\n",
	    "c.conf:1: KeyTable /nonexistent: No such file or directory");
}

/* A table of @n lines after a comment: line i (from 0) is @fmt with i
 * four times, or an address of 10/8 for a host list (@fmt NULL). Returns
 * its path. */
static const char *
write_table(const char *name, size_t n, const char *fmt)
{
	size_t size = 64 * (n + 1), len = 0;
	char *t = malloc(size);
	len += (size_t)snprintf(t, size, "# %zu entries\n", n);
	for (size_t i = 0; i < n; i++) {
		if (fmt)
			len += (size_t)snprintf(
			    t + len, size - len, fmt, i, i, i, i);
		else
			len += (size_t)snprintf(t + len, size - len,
			    "10.%zu.%zu.%zu\n", i >> 16, (i >> 8) & 255,
			    i & 255);
	}
	const char *p = write_bytes(name, t, len);
	free(t);
	return p;
}

/* MC_ENTRIES_MAX entries in every table load, whole and in order (arrays
 * grow by doubling, and the key-name check is sorted, so this is quick
 * even under the sanitizers); one more is an error naming the file and
 * the line of the entry over the cap. */
static void
test_entry_caps(void)
{
	T_EQ_INT(MC_ENTRIES_MAX, 10000);
	static const char kfmt[] = "k%zu d%zu.example:s%zu:/k/%zu\n";
	static const char sfmt[] = "*@d%zu.example k%zu # %zu %zu\n";
	char kt[600], st[600], hl[600], conf[4096];
	snprintf(kt, sizeof(kt), "%s", write_table("KT-max", 10000, kfmt));
	snprintf(st, sizeof(st), "%s", write_table("ST-max", 10000, sfmt));
	snprintf(hl, sizeof(hl), "%s", write_table("HL-max", 10000, NULL));
	snprintf(conf, sizeof(conf),
	    "KeyTable %s\nSigningTable refile:%s\nInternalHosts %s\n", kt, st,
	    hl);
	struct milter_config c;
	char err[1024];
	T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(c.nkeys, 10000);
	T_EQ_INT(c.nsigning, 10000);
	T_EQ_INT(c.internal.n, 10000);
	T_TRUE(c.keys_cap >= c.nkeys && c.keys_cap <= MC_ENTRIES_MAX);
	T_EQ_STR(c.keys[0].name, "k0");
	T_EQ_STR(c.keys[9999].name, "k9999");
	T_EQ_STR(c.keys[9999].domain, "d9999.example");
	T_EQ_STR(c.keys[9999].keyfile, "/k/9999");
	T_EQ_STR(c.signing[9999].pattern, "*@d9999.example");
	T_EQ_INT(c.signing[9999].line, 10001);
	struct mc_key k[2];
	T_EQ_INT(milter_config_keys_for(&c, "a@d9999.example", k, 2), 1);
	T_EQ_STR(k[0].selector, "s9999");
	T_EQ_INT(milter_config_keys_for(&c, "a@D5000.example", k, 2), 1);
	T_EQ_STR(k[0].keyfile, "/k/5000");
	T_EQ_INT(milter_config_keys_for(&c, "a@d10000.example", k, 2), 0);
	T_TRUE(milter_config_internal(&c, "10.0.0.0", NULL));
	T_TRUE(milter_config_internal(&c, "10.0.39.15", NULL)); /* 9999 */
	T_TRUE(!milter_config_internal(&c, "10.0.39.16", NULL));
	milter_config_free(&c);

	/* One more: the error names the table and its line 10,002 (the
	 * first is a comment). Each table alone: a second KeyTable line
	 * adds to the first. */
	static const struct {
		const char *key, *name, *fmt;
	} over[] = {
	    {"KeyTable ", "KT-over", kfmt},
	    {"SigningTable refile:", "ST-over", sfmt},
	    {"InternalHosts ", "HL-over", NULL},
	};
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		char want[700];
		const char *p = write_table(over[i].name, 10001, over[i].fmt);
		snprintf(conf, sizeof(conf), "%s%s\n", over[i].key, p);
		snprintf(
		    want, sizeof(want), "%s:10002: more than 10000 entries", p);
		T_REFUSED(conf, want);
	}
	/* InternalHosts and TrustedHosts fill one list, under one cap. */
	snprintf(conf, sizeof(conf),
	    "InternalHosts %s\nTrustedHosts 192.0.2.1\n", hl);
	T_REFUSED(conf, "c.conf:2: more than 10000 entries");
}

/*
 * DNSTimeout, DNSBudget and MaximumHeaderBytes outside their ranges are
 * errors naming the line; they used to be clamped silently (a
 * MaximumHeaderBytes under 1024 even gave a larger cap than written).
 */
static void
test_number_ranges_refused_not_clamped(void)
{
	struct milter_config c;
	char err[512], warn[512];
	T_REFUSED("DNSTimeout 3601\n",
	    "c.conf:1: DNSTimeout: 3601 is out of range (1 to 3600)");
	T_REFUSED("Mode v\nDNSBudget 86400\n",
	    "c.conf:2: DNSBudget: 86400 is out of range (1 to 3600)");
	T_REFUSED("DNSBudget 3601\n",
	    "c.conf:1: DNSBudget: 3601 is out of range (1 to 3600)");
	T_REFUSED("DNSBudget 99999999999999999999999\n",
	    "DNSBudget: 99999999999999999999999 is out of range");
	T_REFUSED(
	    "DNSTimeout -1\n", "DNSTimeout: '-1' is not a positive number");
	T_REFUSED(
	    "DNSTimeout +5\n", "DNSTimeout: '+5' is not a positive number");
	T_REFUSED("MaximumHeaderBytes 1023\n",
	    "c.conf:1: MaximumHeaderBytes: 1023 is out of range (1024 to "
	    "67108864)");
	T_REFUSED("MaximumHeaderBytes 67108865\n",
	    "MaximumHeaderBytes: 67108865 is out of range");
	T_REFUSED("MaximumHeaderBytes 0\n", "is not a positive number");
	/* The bounds themselves are taken as written. */
	T_EQ_INT(load_text("DNSTimeout 3600\nDNSBudget 1\n"
	                   "MaximumHeaderBytes 1024\n",
	             &c, err, sizeof(err)),
	    0);
	T_EQ_INT(c.dns_timeout, 3600);
	T_EQ_INT(c.dns_budget, 1);
	T_EQ_INT(c.max_header_kb, 1);
	milter_config_free(&c);
	T_EQ_INT(
	    load_text("MaximumHeaderBytes 67108864\n", &c, err, sizeof(err)),
	    0);
	T_EQ_INT(c.max_header_kb, 64 * 1024);
	milter_config_free(&c);
	/* Not a whole KiB: rounded down (a smaller cap), and said. */
	T_EQ_INT(milter_config_load(
	             write_file("r.conf", "MaximumHeaderBytes 1500\n"), &c, err,
	             sizeof(err), warn, sizeof(warn)),
	    0);
	T_EQ_INT(c.max_header_kb, 1);
	T_TRUE(strstr(warn, "r.conf:1: MaximumHeaderBytes 1500 is used as "
	                    "1024") != NULL);
	milter_config_free(&c);
}

/*
 * Without AuthservID the host name is the id, set once in the
 * configuration: the field added and the forged fields removed use the
 * same one (callbacks.c). An AuthservID the field cannot carry is refused
 * (the milter used to add no field at all).
 */
static void
test_authserv_id_default_and_syntax(void)
{
	struct milter_config c;
	char err[512], host[256];
	T_EQ_INT(load_text("Mode v\n", &c, err, sizeof(err)), 0);
	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	T_TRUE(c.authserv_id[0] != '\0');
	if (strcmp(c.authserv_id, "localhost") != 0)
		T_EQ_STR(c.authserv_id, host);
	milter_config_free(&c);
	T_EQ_INT(
	    load_text("AuthservID mx.example.net\n", &c, err, sizeof(err)), 0);
	T_EQ_STR(c.authserv_id, "mx.example.net");
	milter_config_free(&c);
	T_REFUSED("AuthservID mx;evil\n",
	    "c.conf:1: AuthservID: 'mx;evil' is not a host name");
	T_REFUSED("AuthservID \"mx\"\n", "is not a host name");
}

/*
 * MC_SIGS_PER_MESSAGE (8), with MultipleSignatures yes: the milter asks
 * for one key more than may sign
 * (callbacks.c, start_signer), so that nine matching SigningTable entries
 * are told from eight: the first eight sign, in file order, and the ninth
 * is logged, never dropped unseen. milter_config_keys_for() never writes
 * past @max.
 */
static void
test_signing_matches_cap(void)
{
	T_EQ_INT(MC_SIGS_PER_MESSAGE, 8);
	char kt[1024] = "", st[1024] = "", conf[1024];
	for (int i = 1; i <= 10; i++) {
		size_t l = strlen(kt);
		snprintf(kt + l, sizeof(kt) - l, "k%d example.com:s%d:/k/%d\n",
		    i, i, i);
		l = strlen(st);
		snprintf(st + l, sizeof(st) - l, "*@example.com k%d\n", i);
	}
	write_file("KT-sigs", kt);
	write_file("ST-sigs", st);
	snprintf(conf, sizeof(conf),
	    "KeyTable %s/KT-sigs\nSigningTable refile:%s/ST-sigs\n"
	    "MultipleSignatures yes\n",
	    dir, dir);
	struct milter_config c;
	char err[512];
	T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
	struct mc_key k[MC_SIGS_PER_MESSAGE + 2];
	memset(k, 0, sizeof(k));
	T_EQ_INT(milter_config_keys_for(
	             &c, "a@example.com", k, MC_SIGS_PER_MESSAGE + 1),
	    MC_SIGS_PER_MESSAGE + 1);
	T_EQ_STR(k[0].selector, "s1");
	T_EQ_STR(k[7].selector, "s8");
	T_EQ_STR(k[8].selector, "s9");
	T_EQ_STR(k[9].selector, ""); /* never written past @max */
	T_EQ_INT(
	    milter_config_keys_for(&c, "a@example.com", k, MC_SIGS_PER_MESSAGE),
	    MC_SIGS_PER_MESSAGE);
	T_EQ_STR(k[7].selector, "s8");
	milter_config_free(&c);
}

/* A key written in the SigningTable (DOMAIN:SELECTOR:KEYFILE) is read
 * whole: the entry's 127 bytes are taken, 128 refused at load with the
 * file and line, never cut (a cut key file name is another file); an
 * empty part is refused too. */
static void
test_inline_key_whole(void)
{
	static const char pre[] = "example.com:s1:";
	for (size_t len = 127; len <= 128; len++) {
		char path[200], st[300], conf[512];
		size_t pl = len - (sizeof(pre) - 1);
		memset(path, 'k', pl);
		path[0] = '/';
		path[pl] = '\0';
		snprintf(st, sizeof(st), "*@example.com %s%s\n", pre, path);
		write_file("ST-inline", st);
		snprintf(conf, sizeof(conf),
		    "SigningTable refile:%s/ST-inline\n", dir);
		struct milter_config c;
		char err[1024];
		int rc = load_text(conf, &c, err, sizeof(err));
		if (len == 127) {
			T_EQ_INT(rc, 0);
			struct mc_key k[2];
			T_EQ_INT(
			    milter_config_keys_for(&c, "a@example.com", k, 2),
			    1);
			T_EQ_STR(k[0].keyfile, path);
			T_EQ_STR(k[0].selector, "s1");
			milter_config_free(&c);
		} else {
			T_EQ_INT(rc, -1);
			T_TRUE(strstr(err, "ST-inline:1:") != NULL);
			T_TRUE(strstr(err, "longer than 127 bytes") != NULL);
		}
	}
	char conf[512];
	write_file("ST-inline", "*@example.com example.com::/k\n");
	snprintf(conf, sizeof(conf), "SigningTable refile:%s/ST-inline\n", dir);
	T_REFUSED(conf, "ST-inline:1: 'example.com::/k' is not "
	                "DOMAIN:SELECTOR:KEYFILE");
}

/* Issue #17: OpenDKIM reads a KeyTable given as refile: (its entries are
 * looked up by name); it is read as the same file, not refused as a file
 * named "refile:...". Each key knows its KeyTable file and line, for the
 * messages about its key file (main.c). Data sets other than files are
 * refused by name. */
static void
test_keytable_refile(void)
{
	char conf[1024];
	struct milter_config c;
	char err[1024];
	write_file("KT-re", "# keys\nk1 example.com:s1:/k/1\n\n"
	                    "k2 example.org:s2:/k/2\n");
	write_file("KT-re2", "k3 example.net:s3:/k/3\n");
	write_file("ST-re", "*@example.com k1\n*@example.net k3\n");
	snprintf(conf, sizeof(conf),
	    "KeyTable refile:%s/KT-re\nKeyTable file:%s/KT-re2\n"
	    "SigningTable refile:%s/ST-re\n",
	    dir, dir, dir);
	T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
	T_EQ_STR(err, "");
	T_EQ_INT(c.nkeys, 3);
	T_EQ_INT(c.nkeytables, 2);
	T_EQ_STR(c.keys[1].name, "k2");
	T_EQ_INT(c.keys[1].line, 4);
	T_TRUE(strstr(c.keytables[c.keys[1].table], "/KT-re") != NULL);
	T_EQ_INT(c.keys[2].line, 1);
	T_TRUE(strstr(c.keytables[c.keys[2].table], "/KT-re2") != NULL);
	struct mc_key k[2];
	T_EQ_INT(milter_config_keys_for(&c, "a@example.net", k, 2), 1);
	T_EQ_STR(k[0].keyfile, "/k/3");
	milter_config_free(&c);
	T_REFUSED("KeyTable refile:/nonexistent/KT\n",
	    "c.conf:1: KeyTable /nonexistent/KT: No such file");
	T_REFUSED("KeyTable db:/etc/opendkim/keys.db\n",
	    "c.conf:1: KeyTable: db: data sets are not supported");
	T_REFUSED("SigningTable ldap://ldap.example/dc=example\n",
	    "c.conf:1: SigningTable: ldap: data sets are not supported");
	T_REFUSED("InternalHosts dsn:mysql://u@h/db/table=hosts\n",
	    "c.conf:1: InternalHosts: dsn: data sets are not supported");
}

/* Issue #17: a line that is not one "Key value" is an error naming its
 * file and line, never a value that swallows the next key ("Socket
 * inet:8891@localhost Mode sv" was a socket of that name). */
static void
test_lines_not_key_value(void)
{
	T_REFUSED("Syslog yes\nMode sv Socket inet:8891@localhost KeyTable "
	          "/etc/KeyTable\n",
	    "c.conf:2: 'Mode sv Socket inet:8891@localhost KeyTable "
	    "/etc/KeyTable' is several keys on one line (Socket after the "
	    "value of Mode)");
	T_REFUSED("Socket inet:8891@localhost mode sv\n",
	    "c.conf:1: 'Socket inet:8891@localhost mode sv' is several keys "
	    "on one line (mode after the value of Socket)");
	/* An OpenDKIM key's value is never quoted (LDAPBindPassword). */
	T_REFUSED("AutoRestart yes Socket inet:1@h\n",
	    "c.conf:1: AutoRestart is followed by another key on its line "
	    "(Socket)");
	struct milter_config c;
	char err[1024];
	T_EQ_INT(
	    load_text("LDAPBindPassword two words\n", &c, err, sizeof(err)), 0);
	milter_config_free(&c);
	T_REFUSED("Socket inet:8891@localhost extra\n",
	    "c.conf:1: Socket: 'inet:8891@localhost extra' is more than one "
	    "value");
	T_REFUSED("\nDMARCEnforce reject please\n",
	    "c.conf:2: DMARCEnforce: 'reject please' is more than one value");
	T_REFUSED("Domain example.com example.org\n",
	    "c.conf:1: Domain: 'example.com example.org' is two entries "
	    "without a comma between them");
	T_REFUSED("InternalHosts 10.0.0.1, 10.0.0.2 junk\n",
	    "c.conf:1: InternalHosts: '10.0.0.2 junk' is two entries");
	T_REFUSED("Mode\n", "c.conf:1: Mode has no value");
	/* Lists take white space around their commas; free text any. */
	T_EQ_INT(load_text("Domain example.com , example.org\n"
	                   "InternalHosts 10.0.0.1, 10.0.0.2 ,::1\n"
	                   "RejectMessage Mode and Socket are words here\n",
	             &c, err, sizeof(err)),
	    0);
	T_EQ_STR(err, "");
	T_EQ_INT(c.internal.n, 3);
	T_EQ_STR(c.reject_message, "Mode and Socket are words here");
	milter_config_free(&c);
	/* A KeyTable line with more than NAME DOMAIN:SELECTOR:KEYFILE. */
	char conf[1024];
	write_file("KT-trail", "a example.com:s:/k/a\n"
	                       "b example.com:s:/k/b trailing\n");
	snprintf(conf, sizeof(conf), "KeyTable %s/KT-trail\n", dir);
	T_REFUSED(conf, "/KT-trail:2: 'example.com:s:/k/b trailing' is more "
	                "than DOMAIN:SELECTOR:KEYFILE");
}

/* OpenDKIM 2.11's keys (opendkim/opendkim-config.h, dkimf_config[], every
 * build option) that emauth-milter does not use. */
static const char *const opendkim_unused[] = {"AllowSHA1Only",
    "AlwaysAddARHeader", "ATPSDomains", "ATPSHashAlgorithm",
    "AuthservIDWithJobID", "AutoRestart", "AutoRestartCount", "AutoRestartRate",
    "Background", "BaseDirectory", "BodyLengthDB", "BogusKey",
    "CaptureUnknownErrors", "ChangeRootDirectory", "ClockDrift",
    "ConditionalSignatures", "DefaultSender", "Diagnostics",
    "DiagnosticDirectory", "DisableCryptoInit", "DNSConnect",
    "DomainKeysCompat", "DontSignMailTo", "EnableCoredumps", "ExemptDomains",
    "FinalPolicyScript", "FixCRLF", "FlowData", "FlowDataFactor", "FlowDataTTL",
    "IdentityHeader", "IdentityHeaderRemove", "IgnoreMalformedMail",
    "KeepAuthResults", "KeepTemporaryFiles", "LDAPAuthMechanism",
    "LDAPAuthName", "LDAPAuthRealm", "LDAPAuthUser", "LDAPBindPassword",
    "LDAPBindUser", "LDAPDisableCache", "LDAPKeepaliveIdle",
    "LDAPKeepaliveInterval", "LDAPKeepaliveProbes", "LDAPTimeout", "LDAPUseTLS",
    "LogResults", "LuaOnlySigning", "MaximumHeaders", "MaximumSignedBytes",
    "MaximumSignaturesToVerify", "MacroList", "MilterDebug", "Minimum",
    "MinimumKeyBits", "MTA", "MTACommand", "MustBeSigned", "NoHeaderB",
    "OmitHeaders", "On-BadSignature", "On-Default", "On-DNSError",
    "On-InternalError", "On-KeyNotFound", "On-NoSignature",
    "On-ReputationError", "On-Security", "On-SignatureError", "PeerList",
    "POPDBFile", "Quarantine", "QueryCache", "RateLimits", "RedirectFailuresTo",
    "RemoveARAll", "RemoveARFrom", "RemoveOldSignatures", "ReplaceRules",
    "ReportAddress", "ReportBccAddress", "ReputationCache",
    "ReputationCacheTTL", "ReputationDuplicates", "ReputationLimits",
    "ReputationLowTime", "ReputationMinimum", "ReputationLimitModifiers",
    "ReputationRatios", "ReputationRRDHashDepth", "ReputationRRDRoot",
    "ReputationTest", "ReputationVerbose", "ReputationSpamCheck",
    "ReputationTimeFactor", "ReputationTimeout", "RequestReports",
    "RequiredHeaders", "RequireSafeKeys", "ResignAll", "ResignMailTo",
    "ResolverConfiguration", "ResolverTracing", "ScreenPolicyScript",
    "SelectCanonicalizationHeader", "SenderHeaders", "SenderMacro",
    "SendReports", "SetupPolicyScript", "SignatureTTL", "SignHeaders",
    "SMTPURI", "SoftwareHeader", "SoftStart", "Statistics", "StatisticsName",
    "StatisticsPolicyScript", "StatisticsPrefix", "StrictHeaders",
    "StrictTestMode", "SubDomains", "SyslogFacility", "SyslogName",
    "TemporaryDirectory", "TestDNSData", "TestPublicKeys", "TrustAnchorFile",
    "TrustSignaturesFrom", "UnprotectedKey", "VBR-Certifiers",
    "VBR-PurgeFields", "VBR-TrustedCertifiers", "VBR-TrustedCertifiersOnly",
    "VBR-Type", "WeakSyntaxChecks", "X-Header", NULL};

/* Those it uses (OverSignHeaders is OpenDKIM's spelling of ours). */
static const char *const opendkim_used[] = {"AuthservID", "Canonicalization",
    "DNSTimeout", "Domain", "ExternalIgnoreList", "InternalHosts", "KeyFile",
    "KeyTable", "LogWhy", "Mode", "MultipleSignatures", "Nameservers",
    "OverSignHeaders", "PidFile", "Selector", "SignatureAlgorithm",
    "SigningTable", "Socket", "Syslog", "SyslogSuccess", "UMask", "UserID",
    NULL};

/*
 * Issue #17: an OpenDKIM key emauth-milter does not use gets a notice
 * naming its line; a key neither program knows is an error suggesting
 * the closest known key, because ignoring it can turn off what it meant
 * (DMARCEnforcment: no enforcement at all).
 */
static void
test_unknown_keys(void)
{
	struct milter_config c;
	char err[1024], warn[8192], text[512];
	for (size_t i = 0; opendkim_unused[i]; i++)
		if (milter_config_key_known(opendkim_unused[i], NULL) != 2)
			T_FAILF("%s is not taken as OpenDKIM's",
			    opendkim_unused[i]);
	for (size_t i = 0; opendkim_used[i]; i++)
		if (milter_config_key_known(opendkim_used[i], NULL) != 1)
			T_FAILF("%s is not taken as ours", opendkim_used[i]);
	T_EQ_INT(milter_config_key_known("dmarcenforce", NULL), 1);
	T_EQ_INT(milter_config_key_known("trustanchorfile", NULL), 2);
	/* Each OpenDKIM key alone: loaded, with its notice. */
	for (size_t i = 0; opendkim_unused[i]; i++) {
		snprintf(
		    text, sizeof(text), "Mode v\n%s yes\n", opendkim_unused[i]);
		char want[256];
		snprintf(want, sizeof(want),
		    "c.conf:2: %s: an OpenDKIM key, not used here",
		    opendkim_unused[i]);
		err[0] = '\0';
		int rc = milter_config_load(write_file("c.conf", text), &c, err,
		    sizeof(err), warn, sizeof(warn));
		if (rc != 0 || strstr(warn, want) == NULL)
			T_FAILF("%s: rc %d, \"%s\", warnings \"%s\"",
			    opendkim_unused[i], rc, err, warn);
		if (rc == 0)
			milter_config_free(&c);
	}
	T_EQ_INT(milter_config_load(
	             write_file("c.conf", "SubDomains yes\n"
	                                  "TrustAnchorFile /usr/share/dns/"
	                                  "root.key\nOn-BadSignature reject\n"),
	             &c, err, sizeof(err), warn, sizeof(warn)),
	    0);
	T_TRUE(strstr(warn, "c.conf:1: SubDomains: an OpenDKIM key, not used "
	                    "here") != NULL);
	T_TRUE(
	    strstr(warn, "c.conf:2: TrustAnchorFile: an OpenDKIM key") != NULL);
	T_TRUE(
	    strstr(warn, "c.conf:3: On-BadSignature: an OpenDKIM key") != NULL);
	milter_config_free(&c);
	/* Typing errors: the closest key is suggested. */
	T_REFUSED("Mode sv\nDMARCEnforcment reject\n",
	    "c.conf:2: DMARCEnforcment is not a key of emauth-milter or "
	    "OpenDKIM; did you mean DMARCEnforce?");
	T_REFUSED("DMARCEnforcement reject\n", "did you mean DMARCEnforce?");
	T_REFUSED("SigningTabel refile:/x\n", "did you mean SigningTable?");
	T_REFUSED("Sokcet inet:1@h\n", "did you mean Socket?");
	T_REFUSED("TrustAnchorFiles /x\n", "did you mean TrustAnchorFile?");
	T_REFUSED("InternalHost 10.0.0.0/8\n", "did you mean InternalHosts?");
	/* Without a value too: the key is what is wrong. */
	T_REFUSED("DMARCEnforcment\n", "did you mean DMARCEnforce?");
	/* A made-up name suggests nothing. */
	const char *near = "x";
	T_EQ_INT(milter_config_key_known("Frobnicate", &near), 0);
	T_TRUE(near == NULL);
	T_REFUSED("Frobnicate yes\n", "c.conf:1: Frobnicate is not a key of "
	                              "emauth-milter or OpenDKIM");
	/* Include would lose the settings of the file it names. */
	T_REFUSED("Include /etc/opendkim/more.conf\n",
	    "c.conf:1: Include: emauth-milter reads no other configuration "
	    "file; copy the lines of /etc/opendkim/more.conf here");
}

/*
 * Issue #17: MultipleSignatures as OpenDKIM has it. Without it (default
 * no) the first matching SigningTable line signs, alone; with yes every
 * match (up to the cap, test_signing_matches_cap). Without refile: the
 * most specific line is the first (the address, then the domain, then
 * each parent domain).
 */
static void
test_multiple_signatures(void)
{
	char conf[1024];
	struct milter_config c;
	char err[1024];
	struct mc_key k[4];
	write_file("KT-ms", "a a.example:sa:/k/a\nb b.example:sb:/k/b\n"
	                    "c c.example:sc:/k/c\n");
	write_file("ST-ms", "*@mail.example a\n*@*.example b\n*@mail.* c\n");
	for (int yes = 0; yes <= 1; yes++) {
		snprintf(conf, sizeof(conf),
		    "KeyTable %s/KT-ms\nSigningTable refile:%s/ST-ms\n%s", dir,
		    dir, yes ? "MultipleSignatures yes\n" : "");
		T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
		T_EQ_INT(c.multiple_sigs, yes);
		memset(k, 0, sizeof(k));
		T_EQ_INT(milter_config_keys_for(&c, "x@mail.example", k, 4),
		    yes ? 3 : 1);
		T_EQ_STR(k[0].selector, "sa");
		T_EQ_STR(k[1].selector, yes ? "sb" : "");
		/* The first line that matches, wherever it is. */
		T_EQ_INT(
		    milter_config_keys_for(&c, "x@mail.example.net", k, 4), 1);
		T_EQ_STR(k[0].selector, "sc");
		milter_config_free(&c);
	}
	T_REFUSED("MultipleSignatures perhaps\n",
	    "c.conf:1: MultipleSignatures: 'perhaps' is not yes or no");
	/* A plain SigningTable: the address before its domain, the domain
	 * before its parents, whatever the file order. */
	write_file("ST-ms2", "example a\nmail.example b\nx@mail.example c\n");
	for (int yes = 0; yes <= 1; yes++) {
		snprintf(conf, sizeof(conf),
		    "KeyTable %s/KT-ms\nSigningTable %s/ST-ms2\n%s", dir, dir,
		    yes ? "MultipleSignatures yes\n" : "");
		T_EQ_INT(load_text(conf, &c, err, sizeof(err)), 0);
		memset(k, 0, sizeof(k));
		T_EQ_INT(milter_config_keys_for(&c, "x@mail.example", k, 4),
		    yes ? 3 : 1);
		T_EQ_STR(k[0].selector, "sc");
		T_EQ_STR(k[1].selector, yes ? "sb" : "");
		T_EQ_STR(k[2].selector, yes ? "sa" : "");
		T_EQ_INT(milter_config_keys_for(&c, "y@mail.example", k, 4),
		    yes ? 2 : 1);
		T_EQ_STR(k[0].selector, "sb");
		T_EQ_INT(milter_config_keys_for(&c, "mail.example", k, 4),
		    yes ? 2 : 1);
		T_EQ_STR(k[0].selector, "sb");
		milter_config_free(&c);
	}
	/* Single-key mode: one signature without it, even for "*". */
	T_EQ_INT(load_text("Domain example.com, *\nSelector s\nKeyFile /k\n",
	             &c, err, sizeof(err)),
	    0);
	T_EQ_INT(milter_config_keys_for(&c, "x@example.com", k, 4), 1);
	milter_config_free(&c);
}

/*
 * Issue #17: a host list covering every client (0.0.0.0/0, ::/0) is a
 * warning naming the risk: for InternalHosts and TrustedHosts an open
 * signer, for ExternalIgnoreList no DMARC enforcement. Anything after an
 * entry on a host-list line is an error naming the line (it was dropped),
 * and so is an OpenDKIM exception ("!"), which is not supported.
 */
static void
test_hosts_open_and_trailing(void)
{
	struct milter_config c;
	char err[1024], warn[4096], conf[1024];
	T_EQ_INT(milter_config_load(
	             write_file("h.conf", "Mode sv\nInternalHosts 10.0.0.0/8, "
	                                  "0.0.0.0/0\nTrustedHosts ::/0\n"
	                                  "ExternalIgnoreList 0.0.0.0/0\n"),
	             &c, err, sizeof(err), warn, sizeof(warn)),
	    0);
	T_TRUE(strstr(warn, "h.conf:2: InternalHosts 0.0.0.0/0 covers every "
	                    "IPv4 client: their mail is signed with your "
	                    "keys, so anyone there can send mail signed as "
	                    "your domains (an open signer)") != NULL);
	T_TRUE(strstr(warn, "h.conf:3: TrustedHosts ::/0 covers every IPv6 "
	                    "client") != NULL);
	T_TRUE(strstr(warn, "h.conf:4: ExternalIgnoreList 0.0.0.0/0 covers "
	                    "every IPv4 client: their mail is never rejected "
	                    "or quarantined for failing DMARC") != NULL);
	T_TRUE(strstr(warn, "10.0.0.0/8") == NULL);
	T_TRUE(milter_config_internal(&c, "192.0.2.1", NULL));
	milter_config_free(&c);
	/* In a file: its own name and line; a /1 is half of everyone. */
	write_file("HL-open", "# hosts\n127.0.0.1\n128.0.0.0/1\n");
	snprintf(conf, sizeof(conf), "InternalHosts file:%s/HL-open\n", dir);
	T_EQ_INT(milter_config_load(write_file("h.conf", conf), &c, err,
	             sizeof(err), warn, sizeof(warn)),
	    0);
	T_TRUE(strstr(warn, "/HL-open:3: InternalHosts 128.0.0.0/1 covers 1/2 "
	                    "of all IPv4 clients") != NULL);
	milter_config_free(&c);
	/* Trailing text after an entry. */
	write_file("HL-trail", "10.0.0.1\n10.0.0.2 10.0.0.3\n");
	snprintf(
	    conf, sizeof(conf), "Mode sv\nInternalHosts %s/HL-trail\n", dir);
	T_REFUSED(conf, "/HL-trail:2: '10.0.0.3' follows the entry '10.0.0.2'");
	write_file("HL-trail", "10.0.0.1\nrelay.example   trusted relay\n");
	snprintf(
	    conf, sizeof(conf), "ExternalIgnoreList refile:%s/HL-trail\n", dir);
	T_REFUSED(conf, "/HL-trail:2: 'trusted relay' follows the entry "
	                "'relay.example'");
	T_REFUSED("InternalHosts 10.0.0.0/8,!10.1.0.0/16\n",
	    "c.conf:1: '!10.1.0.0/16': exceptions (\"!\") are not supported");
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
	T_RUN(test_glob_same_as_reference);
	T_RUN(test_glob_pathological);
	T_RUN(test_not_regular_files);
	T_RUN(test_file_size_cap);
	T_RUN(test_nul_byte);
	T_RUN(test_line_and_value_caps);
	T_RUN(test_entry_caps);
	T_RUN(test_number_ranges_refused_not_clamped);
	T_RUN(test_authserv_id_default_and_syntax);
	T_RUN(test_signing_matches_cap);
	T_RUN(test_inline_key_whole);
	T_RUN(test_keytable_refile);
	T_RUN(test_lines_not_key_value);
	T_RUN(test_unknown_keys);
	T_RUN(test_multiple_signatures);
	T_RUN(test_hosts_open_and_trailing);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	return t_summary();
}
