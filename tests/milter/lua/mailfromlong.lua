-- Issue A4: a reverse-path of 529 bytes whose first 511 end in
-- "@bank.example". The milter kept a 511-byte copy, so SPF checked
-- bank.example, which passes from its own server (127.0.0.10), and DMARC
-- passed for a From of bank.example. Kept whole, the domain is
-- attacker.example, which does not list 127.0.0.10: DMARC fails and
-- bank.example's p=reject refuses the message.
dofile(dir .. "/common.lua")
local path = '"' .. string.rep("x", 497) .. '@bank.example"@attacker.example'
check(#path == 529, "a 529-byte reverse-path")
local conn = open("127.0.0.10", "mail.bank.example", "<" .. path .. ">")
send(conn, {{"From", "Bank <alerts@bank.example>"}, {"Subject", "pay"}},
	"Pay now.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "refused, not accepted")
mt.disconnect(conn)
