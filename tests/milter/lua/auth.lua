-- An SMTP-authenticated sender from an outside address is signed.
dofile(dir .. "/common.lua")
local conn = open("198.51.100.7", "laptop.example",
	"<alice@internal.example>", "alice")
send(conn, {{"From", "alice@internal.example"}, {"Subject", "from home"}},
	"Hi.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "signed")
mt.disconnect(conn)
