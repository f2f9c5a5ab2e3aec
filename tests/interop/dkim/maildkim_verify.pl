#!/usr/bin/perl
# Mail::DKIM verifies each signature of each file; prints
# "FILE IDX RESULT ALGORITHM".
# DNS comes from /etc/resolv.conf (the test's private namespace).
use strict;
use warnings;
use Mail::DKIM::Verifier;

for my $path (@ARGV) {
	open(my $fh, '<:raw', $path) or die "$path: $!";
	my $dkim = Mail::DKIM::Verifier->new();
	while (my $line = <$fh>) {
		$line =~ s/\015?\012\z/\015\012/;
		$dkim->PRINT($line);
	}
	$dkim->CLOSE();
	close($fh);
	my $i = 0;
	for my $sig ($dkim->signatures) {
		print "$path $i ", $sig->result, " ", ($sig->algorithm // "-"), "\n";
		$i++;
	}
}
