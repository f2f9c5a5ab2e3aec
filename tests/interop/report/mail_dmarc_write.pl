#!/usr/bin/perl
# Writes DMARC aggregate reports with Mail::DMARC (Debian libmail-dmarc-perl)
# as a receiver running it writes them, for tests/interop/report_maildmarc_in.sh:
# the verdicts below are stored in Mail::DMARC's own SQLite report store
# through save_aggregate() (what its receiving side does after validate()),
# then the reports due are built as dmarc_send_reports builds them
# (Mail::DMARC::Report::Store::SQL::next_todo(), as_xml(), compress()) and
# written, not sent:
#   DIR/files/NAME.xml.gz   the gzip attachment, its name from get_filename()
#   DIR/mail/N.eml          the whole report mail (assemble_message_object())
#   DIR/expect.txt          what Mail::DMARC put in each report:
#     report REPORT-ID ORG POLICY-DOMAIN BEGIN END RECORDS MESSAGES
#     record REPORT-ID IP COUNT DISPOSITION DKIM SPF HEADER-FROM
#   and, from the verdicts themselves (not from Mail::DMARC):
#     verdicts POLICY-DOMAIN MESSAGES
# No network: the verdicts are set as validate() would leave them.
# usage: mail_dmarc_write.pl DIR
use strict;
use warnings;

use File::Path qw(make_path);

my $dir = shift or die "usage: $0 DIR\n";
make_path( "$dir/files", "$dir/mail", "$dir/store" );
my $db = "$dir/store/dmarc_reports.sqlite";
open my $ini, '>', "$dir/store/mail-dmarc.ini" or die "$dir: $!\n";
print $ini <<"INI";
[organization]
domain             = mx.receiver.test
org_name           = Receiver Test
email              = dmarc-reports\@receiver.test
extra_contact_info =

[report_store]
backend = SQL
dsn     = dbi:SQLite:dbname=$db
user    =
pass    =

[report_sending]

[dmarc]
backend = perl

[dns]
timeout            = 5
public_suffix_list = /usr/share/publicsuffix/public_suffix_list.dat

[smtp]
hostname  = mx.receiver.test
cc        =
INI
close $ini or die "$dir: $!\n";
$ENV{MAIL_DMARC_CONFIG_FILE} = "$dir/store/mail-dmarc.ini";

require Mail::DMARC::PurePerl;
require Mail::DMARC::Policy;
require Mail::DMARC::Report;
require Mail::DMARC::Report::Send::SMTP;

# The verdicts of 2025-12-02 (UTC), at a receiver:
#   [minute, IP, header From, envelope From, DKIM "d:s:result,...",
#    SPF domain, SPF result, DMARC, DKIM aligned, SPF aligned,
#    disposition, times]
my $day = 1764633600;
my %policy = (
	'shop.example' => { p => 'reject', adkim => 'r', aspf => 'r' },
	'news.example' => { p => 'none', sp => 'quarantine', adkim => 's',
		aspf => 'r' },
);
my @verdicts = (
	[ 10, '192.0.2.10', 'shop.example', 'shop.example',
		'shop.example:s1:pass', 'shop.example', 'pass', 'pass', 'pass',
		'pass', 'none', 40 ],
	[ 20, '198.51.100.7', 'shop.example', 'bounce.mcsv.net',
		'mcsv.net:k2:pass', 'bounce.mcsv.net', 'pass', 'fail', 'fail',
		'fail', 'reject', 12 ],
	[ 30, '203.0.113.66', 'shop.example', 'shop.example', '',
		'shop.example', 'fail', 'fail', 'fail', 'fail', 'reject', 7 ],
	[ 40, '2001:db8::25', 'shop.example', 'shop.example',
		'shop.example:s1:pass,other.example:x:fail', 'shop.example',
		'softfail', 'pass', 'pass', 'fail', 'none', 3 ],
	# the same IP with another outcome: its own record
	[ 50, '192.0.2.10', 'shop.example', 'shop.example',
		'shop.example:s1:fail', 'shop.example', 'pass', 'pass', 'fail',
		'pass', 'none', 2 ],
	[ 60, '192.0.2.99', 'news.example', 'news.example',
		'news.example:n1:pass', 'news.example', 'pass', 'pass', 'pass',
		'pass', 'none', 25 ],
	[ 70, '203.0.113.9', 'news.example', 'mail.other.example', '',
		'mail.other.example', 'pass', 'fail', 'fail', 'fail', 'none', 5 ],
);

my %messages;
my $d = Mail::DMARC::PurePerl->new;
for my $v (@verdicts) {
	my ( $min, $ip, $hf, $ef, $dkim, $spfd, $spfr, $dmarc, $da, $sa,
		$disp, $times ) = @$v;
	$messages{$hf} += $times;
	for ( 1 .. $times ) {
		Mail::DMARC::Base->set_fake_time( $day + 60 * $min + $_ );
		$d->is_subdomain(0);
		$d->{$_} = undef for qw(header_from header_from_raw envelope_to
			envelope_from source_ip policy result spf dkim);
		$d->report->init;
		$d->source_ip($ip);
		# Set directly: the setters accept only names under a public
		# suffix, and these are RFC 2606 names.
		$d->{header_from}   = $hf;
		$d->{envelope_from} = $ef;
		$d->{envelope_to}   = 'receiver.test';
		$d->dkim( $dkim
			? [ map { my ( $dd, $s, $r ) = split /:/;
				{ domain => $dd, selector => $s, result => $r } }
				split /,/, $dkim ]
			: [ { domain => '', result => 'none' } ] );
		$d->spf( [ { domain => $spfd, scope => 'mfrom',
			result => $spfr } ] );
		my $pol = Mail::DMARC::Policy->new( v => 'DMARC1',
			%{ $policy{$hf} }, rua => "mailto:dmarc\@$hf", pct => 100 );
		$pol->domain($hf);
		my $res = $d->result;
		$res->published($pol);
		$res->result($dmarc);
		$res->disposition($disp);
		$res->dkim($da);
		$res->spf($sa);
		$d->save_aggregate;
	}
}

# The reports due the next day, as dmarc_send_reports builds them.
Mail::DMARC::Base->set_fake_time( $day + 3 * 86400 );
my $report = Mail::DMARC::Report->new;
my $smtp   = Mail::DMARC::Report::Send::SMTP->new;
open my $exp, '>', "$dir/expect.txt" or die "$dir/expect.txt: $!\n";
my $n = 0;
while ( my $agg = $report->store->next_todo ) {
	my $xml  = $agg->as_xml;
	my $gz   = $report->compress( \$xml );
	my $name = $smtp->get_filename( \$agg ) . '.gz';
	open my $f, '>:raw', "$dir/files/$name" or die "$name: $!\n";
	print {$f} $gz;
	close $f or die "$name: $!\n";
	my $mail = $smtp->assemble_message_object( \$agg,
		'dmarc@' . $agg->policy_published->domain, $gz );
	$n++;
	open my $m, '>:raw', "$dir/mail/$n.eml" or die "$n.eml: $!\n";
	print {$m} $mail->as_string;
	close $m or die "$n.eml: $!\n";

	my $md   = $agg->metadata;
	my $recs = $agg->record;
	my $sum  = 0;
	$sum += $_->row->count for @$recs;
	print {$exp} join( ' ', 'report', $md->report_id, $md->org_name,
		$agg->policy_published->domain, $md->begin, $md->end,
		scalar @$recs, $sum ), "\n";
	for my $r (@$recs) {
		my $pe = $r->row->policy_evaluated;
		print {$exp} join( ' ', 'record', $md->report_id,
			$r->row->source_ip, $r->row->count, $pe->{disposition},
			$pe->{dkim}, $pe->{spf}, $r->identifiers->{header_from} ),
			"\n";
	}
}
print {$exp} "verdicts $_ $messages{$_}\n" for sort keys %messages;
close $exp or die "$dir/expect.txt: $!\n";
print "$n reports\n";
