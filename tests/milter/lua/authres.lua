-- The bank's own server: DMARC passes; the Authentication-Results field
-- that claims our authserv-id is removed, another receiver's is kept, and
-- ours is added.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
send(conn, {{"Authentication-Results", "other.example; spf=pass"},
	{"Authentication-Results",
	 "mx.receiver.test; dkim=pass header.d=evil.example"},
	{"From", "Bank <alerts@bank.example>"}, {"Subject", "statement"}},
	"Your statement.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
	"the forged field deleted")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
	"ours inserted")
local ar = mt.getheader(conn, "Authentication-Results", 0) or ""
check(string.find(ar, "mx.receiver.test;", 1, true), "authserv-id")
check(string.find(ar, "spf=pass", 1, true), "spf=pass")
check(string.find(ar, "dmarc=pass", 1, true), "dmarc=pass")
mt.disconnect(conn)
