#!/usr/bin/perl
# arc_bench_maildkim.pl: the same measure as arc_bench, with Mail::DKIM's
# ARC verifier (Mail::DKIM::ARC::Verifier, Debian's libmail-dkim-perl) in
# process, on the message's bytes as they are in FILE (no line-ending
# conversion: the file must already have CRLF), given whole to PRINT.
# Mail::DKIM::DNS::query is replaced by a lookup in a file of lines
# "selector._domainkey.domain record" (answers built once), so no DNS is
# involved; Mail::DKIM parses every key for every message. It checks every
# ARC-Message-Signature and every ARC-Seal of the chain.
#
# The first validation is checked before the timing: it must say pass
# (and, with -e LIST, each instance's AMS result must be LIST, e.g.
# "1:fail,2:pass,3:pass"); otherwise mismatches=1.
#
# usage: arc_bench_maildkim.pl -q KEYS-FILE [-e LIST] [-t SECONDS]
#            [-l LABEL] FILE
# Prints the lines bench/run-arc.sh collects (input=, check=, bench=; see
# arc_bench_dkimpy.py).
use strict;
use warnings;
use Getopt::Std;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use Mail::DKIM::DNS;
use Mail::DKIM::ARC::Verifier;
use Net::DNS;

my %o = (t => 3, l => 'verify');
getopts('q:e:t:l:', \%o) && $o{q} && @ARGV == 1
  or die "usage: see the comment at the top of $0\n";
my $name = "maildkim-$o{l}";

my $msg = do {
	open(my $fh, '<:raw', $ARGV[0]) or die "$ARGV[0]: $!\n";
	local $/;
	<$fh>;
};
printf("input=%s bytes=%d sha256=%s\n", $name, length($msg), sha256_hex($msg));

my %rr;
open(my $fh, '<', $o{q}) or die "$o{q}: $!\n";
while (my $line = <$fh>) {
	chomp $line;
	my ($qname, $rec) = split(/ /, $line, 2);
	$qname = lc $qname;
	$qname =~ s/\.\z//;
	my @strings = unpack('(a255)*', $rec);
	$rr{$qname} = Net::DNS::RR->new(
		name => $qname, type => 'TXT', ttl => 300, txtdata => \@strings);
}
close($fh);
{
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($domain, $type) = @_;
		my $qname = lc $domain;
		$qname =~ s/\.\z//;
		my $r = $rr{$qname};
		if (!$r || uc($type) ne 'TXT') {
			$@ = 'NXDOMAIN';
			return;
		}
		$@ = 'NOERROR';
		return ($r);
	};
}

my $op = sub {
	my $arc = Mail::DKIM::ARC::Verifier->new();
	$arc->PRINT($msg);
	$arc->CLOSE;
	return $arc;
};

# The check, before any timing.
my $arc = $op->();
my $cv = $arc->result // 'undef';
my (@ams, @as);
for my $sig ($arc->signatures) {
	my $e = [$sig->instance, $sig->result // 'none'];
	if (ref($sig) eq 'Mail::DKIM::ARC::MessageSignature') {
		push @ams, $e;
	} elsif (ref($sig) eq 'Mail::DKIM::ARC::Seal') {
		push @as, $e;
	}
}
my $list = sub {
	join(',', map { "$_->[0]:$_->[1]" } sort { $a->[0] <=> $b->[0] } @_)
	  || '-';
};
my ($ams, $as) = ($list->(@ams), $list->(@as));
my $detail = $arc->result_detail // '';
$detail =~ s/["\r\n]+/ /g;
print "check=$name cv=$cv ams=$ams as=$as reason=\"$detail\"\n";
my $bad = ($cv eq 'pass' && (!defined $o{e} || $ams eq $o{e})) ? 0 : 1;
warn "arc_bench_maildkim: $o{l}: cv=$cv ams=$ams (want pass"
  . (defined $o{e} ? " and $o{e}" : '') . "): $detail\n"
  if $bad;

$op->();    # warm-up, as the C programs do
my ($n, $t, $last) = (0, 0);
my $t0 = clock_gettime(CLOCK_MONOTONIC);
for (;;) {
	$last = $op->();
	$n++;
	$t = clock_gettime(CLOCK_MONOTONIC) - $t0;
	last if $t >= $o{t};
}
$bad = 1 if ($last->result // '') ne 'pass';
my $rss = 0;
if (open(my $st, '<', '/proc/self/status')) {
	while (<$st>) { $rss = $1 if /^VmHWM:\s+(\d+)/ }
}
printf("%s: %d operations in %.3f s: %.0f/s\n", $name, $n, $t, $n / $t);
printf("bench=%s evaluations=%d seconds=%.6f rate=%.1f maxrss_kib=%d "
	. "mismatches=%d\n", $name, $n, $t, $n / $t, $rss, $bad);
exit $bad;
