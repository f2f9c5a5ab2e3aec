-- Issue A14: a client host name of 272 bytes whose first 255 end in
-- ".internal.example", an InternalHosts suffix here. The milter kept a
-- 255-byte copy, took the client for internal and signed its mail. Kept
-- whole, the name ends in attacker.example: the message from 127.0.0.3 is
-- verified, and its From of internal.example (p=reject, which 127.0.0.3
-- may not send for) is refused.
dofile(dir .. "/common.lua")
local h63 = string.rep("h", 63)
local prefix = h63 .. "." .. h63 .. "." .. h63 .. "." .. string.rep("h", 46) ..
	".internal.example"
check(#prefix == 255, "255 bytes to the internal suffix")
local name = prefix .. ".attacker.example"
local conn = open("127.0.0.3", name, "<alice@internal.example>")
send(conn, {{"From", "Alice <alice@internal.example>"},
	{"Subject", "signed?"}}, "Hello.\r\n")
check(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "not signed")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "verified and refused")
mt.disconnect(conn)
