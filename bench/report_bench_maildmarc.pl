#!/usr/bin/perl
# report_bench_maildmarc.pl: Mail::DMARC (Debian libmail-dmarc-perl)
# storing the same DMARC verdicts as bench/report_bench in its own SQLite
# store, and building the aggregate reports of the day from it, for
# bench/run-report.sh.
#
#   report_bench_maildmarc.pl [-n N] [--mode kept|object] [--batch K]
#                             [--no-build] ROWS.tsv
#
# ROWS.tsv is what "report_bench -n TOTAL --dump FILE" writes; the first N
# rows (default 20000) are stored. Per verdict, as Mail::DMARC's own
# save_aggregate() does it (lib Mail/DMARC.pm): the report of the policy
# domain's current window is looked up (or made, with its
# policy_published), then the record, its SPF and DKIM rows, and the domain
# names are inserted through Mail::DMARC::Report::Store::SQL, each statement
# committed on its own (DBI AutoCommit, SQLite's defaults: a rollback
# journal, synchronous=FULL), as the module ships. The clock is set to the
# verdict's time (Mail::DMARC's set_fake_time), so that every verdict of
# the day lands in the day's report of its domain.
#
#   --mode kept    (default) one Mail::DMARC::PurePerl object for the run,
#                  its per-message state reset but its report object kept,
#                  and with it the store's database connection (the best
#                  case: Mail::DMARC's own init() drops the report object,
#                  so that the next save_aggregate() connects again);
#   --mode object  a new Mail::DMARC::PurePerl object per verdict, as a
#                  plugin that makes one per message: the configuration file
#                  is read and the database opened again each time.
#   --batch K      K verdicts per transaction (BEGIN ... COMMIT around them):
#                  not something Mail::DMARC does; shows how much of its
#                  time is the per-statement commit.
#
# The build is what dmarc_send_reports does before it sends: for each
# report (Mail::DMARC::Report::Store::SQL::next_todo(), which reads the
# records back and aggregates them), the XML (as_xml()) and its gzip
# (Mail::DMARC::Report::compress()); nothing is sent or deleted.
#
# Prints lines that run-report.sh collects:
#   maildmarc phase=store rows=N seconds=S rate=R maxrss_kib=K ...
#   maildmarc phase=build rows=N seconds=S reports=R records=C messages=M ...
use strict;
use warnings;

use File::Temp qw(tempdir);
use Getopt::Long;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

my $n     = 20000;
my $mode  = 'kept';
my $batch = 0;
my $build = 1;
GetOptions(
	'n=i'     => \$n,
	'mode=s'  => \$mode,
	'batch=i' => \$batch,
	'build!'  => \$build,
) && @ARGV == 1 && $mode =~ /^(kept|object)$/
	or die "usage: $0 [-n N] [--mode kept|object] [--batch K] [--no-build] ROWS.tsv\n";
my $rows_file = $ARGV[0];

my $tmp = tempdir('maildmarc-bench.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db  = "$tmp/dmarc_reports.sqlite";
open my $ini, '>', "$tmp/mail-dmarc.ini" or die "$tmp/mail-dmarc.ini: $!\n";
print $ini <<"INI";
[organization]
domain             = receiver.test
org_name           = Receiver Example
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
close $ini or die "$tmp/mail-dmarc.ini: $!\n";
# How Mail::DMARC::Base::get_config() finds it.
$ENV{MAIL_DMARC_CONFIG_FILE} = "$tmp/mail-dmarc.ini";

require Mail::DMARC::PurePerl;
require Mail::DMARC::Policy;
require Mail::DMARC::Report;

sub now { return clock_gettime(CLOCK_MONOTONIC) }

# The high-water mark of the resident set (KiB), and its reset.
sub hwm {
	open my $f, '<', '/proc/self/status' or return -1;
	while (<$f>) { return $1 if /^VmHWM:\s+(\d+)/ }
	return -1;
}
my $hwm_phase = 0;
sub hwm_reset {
	my $ok = open my $f, '>', '/proc/self/clear_refs';
	$ok &&= print {$f} '5';
	$ok &&= close $f;
	$hwm_phase = $ok ? 1 : 0;
}

# The rows: the fields report_bench's dump_row() writes.
my @F = qw(t ip header_from envelope_from envelope_to spf_domain spf_scope
	spf_result dkim policy_domain p sp adkim aspf rua dmarc dkim_aligned
	spf_aligned disposition override_type override_comment);
my @rows;
open my $in, '<', $rows_file or die "$rows_file: $!\n";
while ( my $line = <$in> ) {
	last if @rows == $n;
	chomp $line;
	my %r;
	@r{@F} = split /\t/, $line, -1;
	$_ = '' for grep { $_ eq '-' } values %r;
	push @rows, \%r;
}
close $in;
die "$rows_file: only " . scalar(@rows) . " rows, $n asked\n" if @rows < $n;

# Our reason words in RFC 7489's list (Mail::DMARC's): t=y has no word
# there, so "other" with a comment.
sub reason_of {
	my $r = shift;
	return () if !$r->{override_type};
	return ( type => 'other', comment => 'policy_test_mode (t=y)' )
		if $r->{override_type} eq 'policy_test_mode';
	return ( type => $r->{override_type},
		comment => $r->{override_comment} );
}

# One verdict into @d, as a validate() would leave it.
sub fill {
	my ( $d, $r ) = @_;
	$d->source_ip( $r->{ip} );
	# Set directly: the setters accept only names under a public suffix,
	# and the rows use RFC 2606 names (.example, .test).
	$d->{envelope_to}   = $r->{envelope_to} if $r->{envelope_to};
	$d->{envelope_from} = $r->{envelope_from} if $r->{envelope_from};
	$d->{header_from}   = lc $r->{header_from};
	if ( $r->{dkim} ) {
		$d->dkim( [ map {
			my ( $dom, $sel, $res ) = split /:/;
			{ domain => $dom, selector => $sel, result => $res }
		} split /,/, $r->{dkim} ] );
	}
	else {
		$d->dkim( [ { domain => '', result => 'none' } ] );
	}
	$d->spf( [ { domain => $r->{spf_domain}, scope => $r->{spf_scope},
		result => $r->{spf_result} } ] );
	my $pol = Mail::DMARC::Policy->new( v => 'DMARC1', p => $r->{p},
		( $r->{sp} ? ( sp => $r->{sp} ) : () ), adkim => $r->{adkim},
		aspf => $r->{aspf}, rua => $r->{rua}, pct => 100 );
	$pol->domain( $r->{policy_domain} );
	my $res = $d->result;
	$res->published($pol);
	$res->result( $r->{dmarc} eq 'pass' ? 'pass' : 'fail' );
	$res->disposition( $r->{disposition} );
	$res->dkim( $r->{dkim_aligned} );
	$res->spf( $r->{spf_aligned} );
	my %reason = reason_of($r);
	$res->reason(%reason) if %reason;
	return;
}

my $kept;
my $done = 0;
hwm_reset();
my $t0 = now();
for my $r (@rows) {
	Mail::DMARC::Base->set_fake_time( $r->{t} );
	my $d;
	if ( $mode eq 'object' ) {
		$d = Mail::DMARC::PurePerl->new;
	}
	else {
		if ( !$kept ) {
			$kept = Mail::DMARC::PurePerl->new;
		}
		else {
			# What Mail::DMARC::PurePerl::init() resets, but
			# the report object: init() drops it, and with it the
			# store's database connection.
			$kept->is_subdomain(0);
			$kept->{$_} = undef for qw(header_from header_from_raw
				envelope_to envelope_from source_ip policy result
				spf dkim);
			$kept->report->init;
		}
		$d = $kept;
	}
	if ( $batch && $done % $batch == 0 ) {
		$d->report->store->backend->dbix->commit if $done;
		$d->report->store->backend->dbix->begin_work;
	}
	fill( $d, $r );
	$d->save_aggregate;
	$done++;
}
$kept->report->store->backend->dbix->commit if $batch && $kept;
my $secs = now() - $t0;

my $report = Mail::DMARC::Report->new;
my $store  = $report->store->backend;
my ($stored) = $store->dbix->query('SELECT COUNT(*) FROM report_record')->list;
printf "maildmarc phase=store rows=%d seconds=%.3f rate=%.1f maxrss_kib=%d "
	. "maxrss_scope=%s mode=%s batch=%d stored=%d db_bytes=%d\n",
	$n, $secs, $n / $secs, hwm(), $hwm_phase ? 'phase' : 'total', $mode,
	$batch, $stored, -s $db;
warn "report_bench_maildmarc: $stored records stored, not $n\n"
	if $stored != $n;
exit 0 if !$build;

# The day's reports, as dmarc_send_reports makes them (not sent).
my $day_end = 0;
$_->{t} > $day_end and $day_end = $_->{t} for @rows;
$day_end = $day_end - $day_end % 86400 + 86400;
Mail::DMARC::Base->set_fake_time( $day_end + 1 );
my ( $reports, $records, $messages, $xmlb, $gzb, $max_rec, $max_dom ) =
	( 0, 0, 0, 0, 0, 0, '' );
hwm_reset();
$t0 = now();
while ( my $agg = $report->store->next_todo ) {
	my $xml = $agg->as_xml;
	my $gz  = $report->compress( \$xml );
	$reports++;
	my $recs = $agg->record;
	$records += @$recs;
	$messages += $_->row->count for @$recs;
	$xmlb += length $xml;
	$gzb  += length $gz;
	if ( @$recs > $max_rec ) {
		$max_rec = @$recs;
		$max_dom = $agg->policy_published->domain;
	}
}
$secs = now() - $t0;
printf "maildmarc phase=build rows=%d seconds=%.3f rate=%.1f maxrss_kib=%d "
	. "maxrss_scope=%s reports=%d records=%d messages=%d xml_bytes=%d "
	. "gz_bytes=%d largest=%s largest_records=%d%s\n",
	$n, $secs, $n / $secs, hwm(), $hwm_phase ? 'phase' : 'total', $reports,
	$records, $messages, $xmlb, $gzb, $max_dom, $max_rec,
	$messages == $n ? '' : ' MISMATCH=messages';
