-- Issue #15: a DKIM key record over 16,384 bytes (it crashed the milter)
-- and a From field that names the attacker's own domains before the
-- victim's (its p=reject was never applied). Both messages are refused,
-- and the milter is still there for the next connection.
dofile(dir .. "/common.lua")
local sig = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=attacker.example;" ..
	" s=big; h=from:subject;" ..
	" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA"
local conn = open("127.0.0.3", "mail.attacker.example",
	"<x@attacker.example>")
send(conn, {{"DKIM-Signature", sig}, {"From", "alerts@bank.example"},
	{"Subject", "pay"}}, "Pay now.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "oversized key: a reply code")
mt.disconnect(conn)

conn = open("127.0.0.3", "mail.attacker.example", "<x@attacker.example>")
send(conn, {{"From", "x@attacker.example, x@a.attacker.example, " ..
	"x@b.attacker.example, x@c.attacker.example, alerts@bank.example"},
	{"Subject", "pay"}}, "Pay now.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "five domains: a reply code")
mt.disconnect(conn)

-- Still alive: the attacker's own mail alone is accepted (p=none).
conn = open("127.0.0.3", "mail.attacker.example", "<x@attacker.example>")
send(conn, {{"From", "x@attacker.example"}, {"Subject", "hi"}}, "Hi.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "own mail: accepted")
mt.disconnect(conn)
