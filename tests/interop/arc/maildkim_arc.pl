#!/usr/bin/perl
# Mail::DKIM's ARC (Mail::DKIM::ARC::Verifier, Mail::DKIM::ARC::Signer)
# for tests/interop/arc_peers.sh.
#
# The keys come from KEYS, a file of "NAME TXT-VALUE" lines (NAME without
# the final dot): Mail::DKIM::DNS::query, which Mail::DKIM's key fetch
# (query_async) calls, is replaced by a look-up in that table that
# answers Net::DNS::RR TXT records, so no DNS is used at all.
#
#   maildkim_arc.pl verify KEYS FILE...
#       one line per file: FILE <TAB> result <TAB> ams <TAB> detail, where
#       result is $arc->result (pass, fail, invalid, none) and ams each
#       ARC-Message-Signature's result, "1:pass,2:fail" ("-" for none).
#   maildkim_arc.pl seal KEYS DOMAIN SELECTOR KEYFILE SRVID TIMESTAMP IN OUT CHAIN...
#       seals each IN into OUT with Chain => CHAIN (what the hop's own
#       verification found) and SrvId => SRVID; one line per file:
#       OUT <TAB> ok|error <TAB> detail.
use strict;
use warnings;
use Net::DNS;
use Mail::DKIM::DNS;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::ARC::Signer;
use Mail::DKIM::TextWrap;

my %keys;

sub load_keys {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	while (my $line = <$fh>) {
		chomp $line;
		my ($name, $value) = split / /, $line, 2;
		$name = lc $name;
		$name =~ s/\.\z//;
		$keys{$name} = $value;
	}
	close($fh);
}

{
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($domain, $type) = @_;
		my $name = lc $domain;
		$name =~ s/\.\z//;
		if (uc($type) ne 'TXT' || !exists $keys{$name}) {
			$@ = 'NXDOMAIN';
			return;
		}
		# TXT character-strings hold at most 255 octets each.
		my @chunks = unpack('(a255)*', $keys{$name});
		$@ = 'NOERROR';
		return Net::DNS::RR->new(
			name => $name, type => 'TXT', ttl => 300,
			txtdata => \@chunks);
	};
}

sub feed {    # OBJECT PATH: the message with CRLF line endings
	my ($obj, $path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	while (my $line = <$fh>) {
		$line =~ s/\015?\012\z/\015\012/;
		$obj->PRINT($line);
	}
	close($fh);
	$obj->CLOSE();
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	my $data = <$fh>;
	close($fh);
	$data =~ s/\015?\012/\015\012/g;
	return $data;
}

my $mode = shift @ARGV // '';
if ($mode eq 'verify' && @ARGV >= 1) {
	load_keys(shift @ARGV);
	for my $path (@ARGV) {
		my ($result, $ams, $detail) = ('crash', '-', '');
		eval {
			my $arc = Mail::DKIM::ARC::Verifier->new();
			feed($arc, $path);
			$result = $arc->result // 'undef';
			$detail = $arc->result_detail // '';
			my @ams;
			for my $sig ($arc->signatures) {
				next unless ref($sig) eq 'Mail::DKIM::ARC::MessageSignature';
				push @ams, [$sig->instance, $sig->result // 'none'];
			}
			$ams = join(',', map { "$_->[0]:$_->[1]" }
				sort { $a->[0] <=> $b->[0] } @ams) || '-';
			1;
		} or do {
			$detail = $@;
		};
		$detail =~ s/[\t\r\n]+/ /g;
		print "$path\t$result\t$ams\t$detail\n";
	}
} elsif ($mode eq 'seal' && @ARGV >= 6 && (@ARGV - 6) % 3 == 0) {
	load_keys(shift @ARGV);
	my ($domain, $selector, $keyfile, $srvid, $timestamp) = splice(@ARGV, 0, 5);
	while (my ($in, $out, $chain) = splice(@ARGV, 0, 3)) {
		my $res = eval {
			my $signer = Mail::DKIM::ARC::Signer->new(
				Algorithm => 'rsa-sha256',
				Chain     => $chain,
				Domain    => $domain,
				SrvId     => $srvid,
				Selector  => $selector,
				KeyFile   => $keyfile,
				Timestamp => $timestamp,
			);
			feed($signer, $in);
			if (($signer->result // '') ne 'sealed') {
				"error\t" . ($signer->result // 'undef') . ': ' .
				    ($signer->{details} // '');
			} else {
				my $set = $signer->as_string;
				$set =~ s/\015?\012/\015\012/g;
				$set .= "\015\012" unless $set =~ /\015\012\z/;
				open(my $fh, '>:raw', $out) or die "$out: $!";
				print $fh $set, slurp($in);
				close($fh) or die "$out: $!";
				my ($cv) = $set =~ /[;\s]cv=([a-z]+)/;
				"ok\tcv=" . ($cv // '?');
			}
		} // "error\t$@";
		$res =~ s/[\r\n]+/ /g;
		print "$out\t$res\n";
	}
} else {
	die "usage: maildkim_arc.pl verify KEYS FILE...\n" .
	    "       maildkim_arc.pl seal KEYS DOMAIN SELECTOR KEYFILE SRVID TIMESTAMP IN OUT CHAIN...\n";
}
