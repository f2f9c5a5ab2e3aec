#!/usr/bin/perl
# Reads one DMARC aggregate report (FILE.xml.gz) with Mail::DMARC's report
# receiver (Mail::DMARC::Report::Receive::handle_body, what its
# dmarc_receive program calls on each report) and prints what it made of
# it, one item a line:
#   namespace plain|dropped
#   org_name NAME / email ADDR / report_id ID / begin T / end T
#   domain D / p P / sp P / adkim A / aspf A
#   records N
#   record IP COUNT DISPOSITION DKIM SPF HEADER-FROM ENVELOPE-FROM ENVELOPE-TO
#   auth IP COUNT SPF-DOMAIN SPF-RESULT DKIM-DOMAIN DKIM-RESULT (the
#     auth_results of the record before: "-" when there is none)
# No store and no network: handle_body ends in save_aggregate, which writes
# to Mail::DMARC's SQL report store; here it keeps the aggregate instead.
#
# The namespace: Mail::DMARC (1.20211209) finds every element with
# unprefixed XPath ("/feedback/record", "./row/count"), which in XPath 1.0
# matches only elements in no namespace. An RFC 9990 report puts them all
# in urn:ietf:params:xml:ns:dmarc-2.0 (a default namespace declared on
# <feedback>), so handle_body finds no report_metadata in it and dies
# ("Can't call method "findnodes" on an undefined value at
# .../Mail/DMARC/Report/Receive.pm line 270"). It is tried as it is first
# ("namespace plain"); when it dies or reads no records, it is run again with XML::LibXML's load_xml wrapped to drop
# the default namespace declaration from the parsed tree
# (setNamespaceDeclURI('', undef): the elements keep their names and lose
# the namespace) before handle_body's XPath walks it ("namespace dropped").
# The XML text is not changed, and every value is still read by
# Mail::DMARC's own code.
# usage: mail_dmarc_read.pl FILE.xml.gz
use strict;
use warnings;
use File::Basename qw(basename);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use XML::LibXML;
use Mail::DMARC::Report::Receive;

my $file = shift or die "usage: $0 FILE.xml.gz\n";
gunzip( $file => \my $xml ) or die "$file: $GunzipError\n";

{
    no warnings 'redefine';
    *Mail::DMARC::Report::save_aggregate = sub { return 1 };
}

my $load_xml = \&XML::LibXML::load_xml;

sub read_report {
    my ($drop_ns) = @_;
    no warnings 'redefine';
    local *XML::LibXML::load_xml = sub {
        my $dom = $load_xml->(@_);
        $dom->documentElement->setNamespaceDeclURI( '', undef ) if $drop_ns;
        return $dom;
    };
    my $recv = Mail::DMARC::Report::Receive->new;
    # As from_email_simple does with the attachment's name: the fallback
    # for the envelope_to and header_from a report leaves out.
    $recv->get_submitter_from_filename( basename($file) );
    $recv->handle_body($xml);
    return $recv->report->aggregate;
}

my $ns  = 'plain';
my $agg = eval { read_report(0) };
if ( !$agg || !@{ $agg->record } ) {
    my $err = $@ || "no records\n";
    $err =~ s/\s+\z//;
    $ns  = 'dropped';
    $agg = read_report(1);
    print "namespace $ns (as it is: $err)\n";
}
else {
    print "namespace $ns\n";
}
my $meta = $agg->metadata;
print "$_ ", ( $meta->$_ // '' ), "\n" for qw(org_name email report_id begin end);
my $pol = $agg->policy_published;
print "$_ ", ( $pol->$_ // '' ), "\n" for qw(domain p sp adkim aspf);
my @recs = @{ $agg->record };
print 'records ', scalar(@recs), "\n";
for my $r (@recs) {
    my $row = $r->row;
    my $pe  = $row->policy_evaluated;
    my $id  = $r->identifiers;
    print join( ' ', 'record', $row->source_ip, $row->count,
        $pe->disposition, $pe->dkim, $pe->spf,
        map { $_ // '-' } $id->header_from, $id->envelope_from,
        $id->envelope_to ), "\n";
    my ($spf)  = @{ $r->auth_results->spf };
    my ($dkim) = @{ $r->auth_results->dkim };
    print join( ' ', 'auth', $row->source_ip, $row->count,
        map { defined $_ && length $_ ? $_ : '-' }
          $spf ? ( $spf->domain, $spf->result ) : ( undef, undef ),
          $dkim ? ( $dkim->domain, $dkim->result ) : ( undef, undef ) ), "\n";
}
