-- RFC 5322 §4.5: the obsolete form "From :" (white space before the
-- colon) is a From field. libmilter passes its name as "From ". Outgoing,
-- the message is signed and From is among the signed fields; incoming,
-- DMARC is evaluated for its domain. Both used to see no From field ("no
-- single From address": unsigned; DMARC permerror: rejected).
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
send(conn, {{"From ", "Alice <alice@internal.example>"},
	{"To", "bob@receiver.test"}, {"Subject", "obsolete From"}},
	"Hello.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
local sig = (mt.getheader(conn, "DKIM-Signature", 0) or "") ..
	(mt.getheader(conn, "DKIM-Signature", 1) or "")
check(string.find(sig, "d=internal.example;", 1, true), "signed: " .. sig)
local h = string.lower(string.match(sig, "h=([^;]*)") or "")
check(string.find(h, "from", 1, true), "From is signed: h=" .. h)
mt.disconnect(conn)
-- Incoming from the bank's own server: DMARC passes for bank.example.
local v = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
send(v, {{"From ", "Bank <alerts@bank.example>"}, {"Subject", "statement"}},
	"Your statement.\r\n")
check(mt.getreply(v) == SMFIR_ACCEPT, "accepted")
local ar = mt.getheader(v, "Authentication-Results", 0) or ""
check(string.find(ar, "dmarc=pass", 1, true), "dmarc=pass: " .. ar)
check(string.find(ar, "header.from=bank.example", 1, true),
	"header.from=bank.example: " .. ar)
mt.disconnect(v)
