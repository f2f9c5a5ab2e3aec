-- Mode v: mail from the internal relay is verified, not signed.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
send(conn, {{"From", "alice@internal.example"}, {"Subject", "v only"}},
	"Hi.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "not signed")
local ar = mt.getheader(conn, "Authentication-Results", 0) or ""
check(string.find(ar, "spf=pass", 1, true), "verified: spf=pass")
mt.disconnect(conn)
