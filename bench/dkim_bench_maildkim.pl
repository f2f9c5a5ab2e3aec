#!/usr/bin/perl
# dkim_bench_maildkim.pl: the same measure as dkim_bench, with Mail::DKIM
# (Debian's libmail-dkim-perl) in process. Mail::DKIM::DNS::query is
# replaced by a lookup in a file of lines "selector._domainkey.domain
# record" (answers built once), so no DNS is involved; Mail::DKIM parses
# the key for every message. Debian 12's Mail::DKIM has no Ed25519.
#
# usage: dkim_bench_maildkim.pl -m sign -k KEYFILE [-s SEL] [-D DOMAIN]
#            [-t SECONDS] [-l LABEL] FILE
#        dkim_bench_maildkim.pl -m verify -q KEYS-FILE [-t SECONDS]
#            [-l LABEL] FILE
# The signer needs a PKCS#1 ("BEGIN RSA PRIVATE KEY") key.
use strict;
use warnings;
use Getopt::Std;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Net::DNS;

my %o = (s => 'demo2026', D => 'example.com', t => 3);
getopts('m:k:s:D:q:t:l:', \%o) && $o{m} && @ARGV == 1
  or die "usage: see the comment at the top of $0\n";
my $label = $o{l} // $o{m};

my $msg = do {
	open(my $fh, '<:raw', $ARGV[0]) or die "$ARGV[0]: $!\n";
	local $/;
	<$fh>;
};

my $op;
if ($o{m} eq 'sign') {
	$o{k} or die "sign needs -k\n";
	$op = sub {
		my $d = Mail::DKIM::Signer->new(
			Algorithm => 'rsa-sha256', Method => 'relaxed',
			Domain => $o{D}, Selector => $o{s}, KeyFile => $o{k});
		$d->PRINT($msg);
		$d->CLOSE;
		return length($d->signature->as_string) > 0;
	};
} elsif ($o{m} eq 'verify') {
	$o{q} or die "verify needs -q\n";
	my %rr;
	open(my $fh, '<', $o{q}) or die "$o{q}: $!\n";
	while (my $line = <$fh>) {
		chomp $line;
		my ($name, $rec) = split(/ /, $line, 2);
		my @strings = ($rec =~ /(.{1,255})/gs);
		$rr{lc $name} = Net::DNS::RR->new(
			name => $name, type => 'TXT', txtdata => \@strings);
	}
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($name, $type) = @_;
		my $r = $rr{lc $name};
		return $r && $type eq 'TXT' ? ($r) : ();
	};
	$op = sub {
		my $d = Mail::DKIM::Verifier->new();
		$d->PRINT($msg);
		$d->CLOSE;
		return $d->result eq 'pass';
	};
} else {
	die "-m sign or -m verify\n";
}

my $bad = $op->() ? 0 : 1;
warn "dkim_bench_maildkim: $label: the first $o{m} failed\n" if $bad;
$op->();
my ($n, $t) = (0, 0);
my $t0 = clock_gettime(CLOCK_MONOTONIC);
for (;;) {
	$op->();
	$n++;
	$t = clock_gettime(CLOCK_MONOTONIC) - $t0;
	last if $t >= $o{t};
}
my $rss = 0;
if (open(my $st, '<', '/proc/self/status')) {
	while (<$st>) { $rss = $1 if /^VmHWM:\s+(\d+)/ }
}
my $name = "maildkim-$label";
printf("%s: %d operations in %.3f s: %.0f/s\n", $name, $n, $t, $n / $t);
printf("bench=%s evaluations=%d seconds=%.6f rate=%.1f maxrss_kib=%d "
	. "mismatches=%d\n", $name, $n, $t, $n / $t, $rss, $bad);
exit $bad;
