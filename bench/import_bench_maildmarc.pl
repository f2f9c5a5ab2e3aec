#!/usr/bin/perl
# import_bench_maildmarc.pl: Mail::DMARC's report importer (Debian
# libmail-dmarc-perl, Mail::DMARC::Report::Receive) on the files
# bench/run-import.sh gives emauth, into its own SQLite store.
#
#   import_bench_maildmarc.pl [--txn|--no-store] --db FILE mail FILE...|DIR
#       each file a mail message with a report attached, read as its
#       dmarc_receive --file does: from_file(), that is Email::Simple and
#       Email::MIME, the zip or gzip attachment decompressed, the XML read
#       by handle_body() (XML::LibXML's DOM and XPath) and stored by
#       save_aggregate(); one Receive object for the run (dmarc_receive
#       makes one per process);
#   import_bench_maildmarc.pl [--txn|--no-store] --db FILE xml FILE.xml[.gz]
#       one report file: the XML (gunzipped first, with the
#       IO::Uncompress::Gunzip that from_email_simple() uses) handed to
#       handle_body(), with the submitter taken from the file name as
#       from_email_simple() does with an attachment's.
# The store is the one Mail::DMARC ships: mail-dmarc.ini (in a temporary
# directory, found through MAIL_DMARC_CONFIG_FILE) with backend SQL and
# dsn dbi:SQLite:dbname=FILE; its schema, every statement its own
# transaction (DBI AutoCommit). FILE is made when it does not exist.
# Mail::DMARC prints each report's Subject to standard output; that goes
# to /dev/null here.
#
#   --txn       each file's import in one transaction (BEGIN ... COMMIT
#               around it): not something Mail::DMARC does; its cost
#               without a commit (and its fsyncs) per statement;
#   --no-store  save_aggregate() does nothing: the reading alone (MIME,
#               decompression, the DOM and its XPath walk, the objects).
#   --progress K
#               every K records stored, a line on standard error:
#               "progress records=N seconds=S" (since the import began).
#
# Prints one line:
#   maildmarc_import mode=M store=shipped|txn|none files=N ok=K failed=F seconds=S rate=R
#     maxrss_kib=K reports=R records=C
# seconds is the import alone (not Perl's start-up and module loading);
# rate is files per second; reports and records are those in the store
# afterwards (all of the store's, counted with SQL).
use strict;
use warnings;

use File::Temp qw(tempdir);
use Getopt::Long;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

my ( $db, $txn, $nostore, $progress );
GetOptions( 'db=s' => \$db, 'txn' => \$txn, 'no-store' => \$nostore,
	'progress=i' => \$progress )
	&& $db && @ARGV >= 2 && $ARGV[0] =~ /^(mail|xml)$/
	or die "usage: $0 [--txn|--no-store] --db FILE mail FILE...|DIR\n"
	. "       $0 [--txn|--no-store] --db FILE xml FILE.xml[.gz]\n";
my ( $mode, @in ) = @ARGV;
my @files;
for my $p (@in) {
	if ( -d $p ) {
		opendir my $d, $p or die "$p: $!\n";
		push @files, map {"$p/$_"} sort grep { !/^\./ && -f "$p/$_" }
			readdir $d;
		closedir $d;
	}
	else {
		push @files, $p;
	}
}

my $tmp = tempdir( 'maildmarc-import.XXXXXX', TMPDIR => 1, CLEANUP => 1 );
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
$ENV{MAIL_DMARC_CONFIG_FILE} = "$tmp/mail-dmarc.ini";

require File::Basename;
require IO::Uncompress::Gunzip;
require Mail::DMARC::Report::Receive;

sub now { return clock_gettime(CLOCK_MONOTONIC) }

sub hwm {
	open my $f, '<', '/proc/self/status' or return -1;
	while (<$f>) { return $1 if /^VmHWM:\s+(\d+)/ }
	return -1;
}

sub slurp {
	my $f = shift;
	open my $h, '<:raw', $f or die "$f: $!\n";
	local $/;
	my $b = <$h>;
	close $h;
	return $b;
}

my $recv = Mail::DMARC::Report::Receive->new;
my $dbix = $recv->report->store->backend->db_connect;
if ($nostore) {
	no warnings qw(redefine once);
	*Mail::DMARC::Report::save_aggregate = sub { return 1 };
}
my ( $ok, $failed ) = ( 0, 0 );
open my $null, '>', '/dev/null' or die "/dev/null: $!\n";
my $t0 = now();
if ($progress) {
	no warnings 'redefine';
	my $orig   = \&Mail::DMARC::Report::Store::SQL::insert_agg_record;
	my $stored = 0;
	*Mail::DMARC::Report::Store::SQL::insert_agg_record = sub {
		my $r = $orig->(@_);
		printf STDERR "progress records=%d seconds=%.1f\n", $stored,
			now() - $t0
			if ++$stored % $progress == 0;
		return $r;
	};
}
for my $f (@files) {
	my $old = select $null;
	$dbix->begin_work if $txn;
	my $r = eval {
		if ( $mode eq 'mail' ) {
			$recv->from_file($f);
		}
		else {
			my $body = slurp($f);
			if ( $f =~ /\.gz$/ ) {
				my $xml;
				IO::Uncompress::Gunzip::gunzip( \$body => \$xml )
					or die "$f: gunzip failed\n";
				$body = $xml;
			}
			$recv->report->init;
			$recv->{_envelope_to} = undef;
			$recv->{_header_from} = undef;
			$recv->get_submitter_from_filename(
				File::Basename::basename($f) );
			$recv->handle_body($body);
		}
	};
	select $old;
	if ($txn) {
		if   ( $r && !$@ ) { $dbix->commit }
		else               { $dbix->rollback }
	}
	if ( $r && !$@ ) {
		$ok++;
	}
	else {
		$failed++;
		my $e = $@ || "nothing stored\n";
		$e =~ s/\s+\z//;
		warn "import_bench_maildmarc: $f: $e\n" if $failed <= 5;
	}
}
my $secs = now() - $t0;
my $hwm  = hwm();

my ($reports) = $dbix->query('SELECT COUNT(*) FROM report')->list;
my ($records) = $dbix->query('SELECT COUNT(*) FROM report_record')->list;
printf "maildmarc_import mode=%s store=%s files=%d ok=%d failed=%d seconds=%.3f "
	. "rate=%.1f maxrss_kib=%d reports=%d records=%d\n",
	$mode, $nostore ? 'none' : $txn ? 'txn' : 'shipped', scalar @files, $ok, $failed, $secs,
	$secs > 0 ? @files / $secs : 0, $hwm, $reports, $records;
