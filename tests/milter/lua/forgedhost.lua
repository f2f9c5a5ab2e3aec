-- Without AuthservID the field added carries the host name (-D host=):
-- forged fields that claim it are removed too. They used to be removed
-- only when AuthservID was set, so a field forged with the host name
-- stayed next to ours.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
send(conn, {{"Authentication-Results",
	host .. "; dkim=pass header.d=bank.example; dmarc=pass"},
	{"From", "Bank <alerts@bank.example>"}, {"Subject", "statement"}},
	"Your statement.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
	"the field forged with the host name removed")
local ar = mt.getheader(conn, "Authentication-Results", 0) or ""
check(string.find(ar, host .. ";", 1, true), "ours carries " .. host)
mt.disconnect(conn)
