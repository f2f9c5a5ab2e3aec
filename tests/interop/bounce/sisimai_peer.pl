#!/usr/bin/perl
# sisimai_peer.pl: Sisimai's side of the bounce comparison
# (tests/interop/bounce_sisimai_peer.sh). Reads each file named on the
# command line with Debian's Sisimai (libsisimai-perl; Sisimai->make, which
# reads an mbox file message by message) and prints one tab-separated line
# per recipient: file, status, reply code, reason, hard (1/0), recipient; a
# file without a bounce prints "-" in the other columns.
use strict;
use warnings;
use Sisimai;

for my $f (@ARGV) {
	my $b = $f;
	$b =~ s{.*/}{};
	my $v = Sisimai->make($f, 'delivered' => 1, 'vacation' => 1);
	if (!$v || !@$v) {
		print "$b\t-\t-\t-\t-\t-\n";
		next;
	}
	for my $e (@$v) {
		# Sisimai 4 has softbounce (1 soft, 0 hard, -1 neither).
		my $hard = ($e->softbounce // -1) == 0 ? 1 : 0;
		printf "%s\t%s\t%s\t%s\t%d\t%s\n", $b, $e->deliverystatus // '',
		    $e->replycode // '', $e->reason // '', $hard,
		    $e->recipient->address // '';
	}
}
