#!/bin/bash
# Bounce interop: emauth (tests/interop/bounce/emauth_bounce_peer.c, the
# library's emauth_bounce_parse()) and Debian's Sisimai (libsisimai-perl,
# through tests/interop/bounce/sisimai_peer.pl) read the same bounces, the
# repository's copy of Sisimai's own set (tests/data/suites/bounces-sisimai:
# maildir/ and not/). Per recipient Sisimai reports (matched to ours by
# address, else by position in the file), the status code, the hard/soft
# flag and the reason are compared; the agreement is printed as comment
# lines and checked against thresholds set from the first measurement
# (emauth 0.1, libsisimai-perl 4.25.15-1: status 96.3%, hard 98.2%, reason
# 85.6% of 326 recipients both read) less a margin of two to four points:
STATUS_MIN=94
HARD_MIN=96
REASON_MIN=82
# Debian's Sisimai is an older release than the one whose expectations the
# set carries (docs/conformance.md says where they differ); a missing peer
# is a failure, not a skip.
# usage: tests/interop/bounce_sisimai_peer.sh BUILD-DIR
set -u
build=$(cd "${1:?build dir}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
suite=$top/tests/data/suites/bounces-sisimai
peer=$build/tests/emauth_bounce_peer
if ! perl -MSisimai -e 1 2>/dev/null; then
	echo "not ok interop/bounce/setup (libsisimai-perl missing)"
	exit 1
fi
if [ ! -x "$peer" ]; then
	echo "not ok interop/bounce/setup ($peer missing)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$suite"/maildir/*.eml "$suite"/not/*.eml)
if ! timeout 300 perl "$here/bounce/sisimai_peer.pl" "${files[@]}" \
	>"$tmp/sisimai.out" 2>"$tmp/sisimai.err"; then
	echo "not ok interop/bounce/sisimai-run"
	head -n 20 "$tmp/sisimai.err"
	exit 1
fi
echo "ok interop/bounce/sisimai-run"
if ! timeout 300 "$peer" "${files[@]}" >"$tmp/emauth.out" 2>"$tmp/emauth.err"
then
	echo "not ok interop/bounce/emauth-run"
	head -n 20 "$tmp/emauth.err"
	exit 1
fi
echo "ok interop/bounce/emauth-run"
STATUS_MIN=$STATUS_MIN HARD_MIN=$HARD_MIN REASON_MIN=$REASON_MIN \
	perl - "$tmp/sisimai.out" "$tmp/emauth.out" <<'PERL'
use strict;
use warnings;
# Reads "file<TAB>status<TAB>reply<TAB>reason<TAB>hard<TAB>recipient...".
sub load {
	my ($path) = @_;
	my %by;
	open(my $f, '<', $path) or die "$path: $!";
	while (my $l = <$f>) {
		chomp $l;
		my @c = split /\t/, $l, -1;
		$by{$c[0]} //= [];
		next if $c[1] eq '-';
		push @{$by{$c[0]}}, \@c;
	}
	return \%by;
}
my ($s, $o) = (load($ARGV[0]), load($ARGV[1]));
my ($n, $only_s, $only_o) = (0, 0, 0);
my %agree = (status => 0, hard => 0, reason => 0);
my %col = (status => 1, reason => 3, hard => 4);
my %files;
$files{$_} = 1 for (keys %$s, keys %$o);
for my $file (sort keys %files) {
	my @sr = @{$s->{$file} // []};
	my @or = @{$o->{$file} // []};
	my %used;
	for my $i (0 .. $#sr) {
		my $m;
		for my $j (0 .. $#or) {
			next if $used{$j};
			if (lc $or[$j][5] eq lc $sr[$i][5]) { $m = $j; last }
		}
		$m = $i if !defined $m && $i <= $#or && !$used{$i};
		if (!defined $m) { $only_s++; next }
		$used{$m} = 1;
		$n++;
		for my $a (keys %col) {
			$agree{$a}++ if $sr[$i][$col{$a}] eq $or[$m][$col{$a}];
		}
	}
	$only_o += @or - keys %used;
}
my $fail = 0;
printf "# %d recipients read by both; %d by Sisimai only, %d by emauth only\n",
    $n, $only_s, $only_o;
for my $a (qw(status hard reason)) {
	my $pct = $n ? 100 * $agree{$a} / $n : 0;
	my $min = $ENV{uc($a) . '_MIN'};
	printf "# agreement on %s: %d of %d, %.1f%% (at least %d%%)\n",
	    $a, $agree{$a}, $n, $pct, $min;
	if ($n > 0 && $pct >= $min) {
		print "ok interop/bounce/agreement-$a\n";
	} else {
		print "not ok interop/bounce/agreement-$a\n";
		$fail = 1;
	}
}
exit $fail;
PERL
