#!/usr/bin/perl
# bounce_bench_sisimai.pl: bounces read per second by Sisimai (Debian
# libsisimai-perl), the other side of bench/run-bounce.sh. Every file named
# is read into memory first; then each is parsed with Sisimai->make(\$text)
# (Sisimai 4's name for what Sisimai 5 calls rise), all of them N times
# after one warm-up pass, timed with a monotonic clock. Prints
#   sisimai files=F passes=N parsed=P bounces=B rcpts=R seconds=S rate=M
#   cpu_seconds=C cpu_rate=K
# (rate: per second of wall-clock time, cpu_rate: of the process's CPU
# time, user and system; bounces: the messages that gave a result in one pass; rcpts: the
# results).
#
# usage: bounce_bench_sisimai.pl [-n PASSES] FILE...
use strict;
use warnings;
use Getopt::Std;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use Sisimai;

my %o;
getopts('n:', \%o) or die "usage: bounce_bench_sisimai.pl [-n PASSES] FILE...\n";
my $passes = $o{n} // 3;
die "usage: bounce_bench_sisimai.pl [-n PASSES] FILE...\n" unless @ARGV;
my @m;
for my $f (@ARGV) {
    open(my $fh, '<:raw', $f) or die "bounce_bench_sisimai: $f: $!\n";
    local $/;
    push @m, scalar <$fh>;
    close $fh;
}

sub pass {
    my ($b, $r) = (0, 0);
    for my $t (@m) {
        my $v = Sisimai->make(\$t);
        next unless $v;
        $b++;
        $r += scalar @$v;
    }
    return ($b, $r);
}

my ($b, $r) = pass();    # warm-up: loads the modules it needs
my $t0 = clock_gettime(CLOCK_MONOTONIC);
my @c0 = times;
($b, $r) = pass() for 1 .. $passes;
my $s = clock_gettime(CLOCK_MONOTONIC) - $t0;
my @c1 = times;
my $cs = ($c1[0] + $c1[1]) - ($c0[0] + $c0[1]);
$cs = 0.001 if $cs <= 0;
printf "sisimai files=%d passes=%d parsed=%d bounces=%d rcpts=%d seconds=%.4f rate=%.1f cpu_seconds=%.4f cpu_rate=%.1f\n",
    scalar @m, $passes, scalar(@m) * $passes, $b, $r, $s, @m * $passes / $s,
    $cs, @m * $passes / $cs;
