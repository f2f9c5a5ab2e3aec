-- Without MultipleSignatures (OpenDKIM's default, no): one signature,
-- from the first SigningTable line that matches (internal.example's; the
-- platform's line after it matches too, and does not sign).
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
send(conn, {{"From", "Alice <alice@internal.example>"},
	{"To", "bob@receiver.test"}, {"Subject", "signed once"}},
	"Hello.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
local a = mt.getheader(conn, "DKIM-Signature", 0) or ""
check(string.find(a, "d=internal.example;", 1, true),
	"the first line's key signs: " .. a)
check(mt.getheader(conn, "DKIM-Signature", 1) == nil, "one signature only")
mt.disconnect(conn)
