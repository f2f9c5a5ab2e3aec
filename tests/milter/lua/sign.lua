-- Mail from the internal relay is signed twice (SigningTable refile:
-- with two *@internal.example lines), and accepted.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
send(conn, {{"From", "Alice <alice@internal.example>"},
	{"To", "bob@receiver.test"}, {"Subject", "signed"}},
	"Hello.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "signature inserted")
local a = mt.getheader(conn, "DKIM-Signature", 0) or ""
local b = mt.getheader(conn, "DKIM-Signature", 1) or ""
check(string.find(a .. b, "d=internal.example;", 1, true), "d=internal.example")
check(string.find(a .. b, "d=platform.example;", 1, true), "d=platform.example")
check(string.find(a .. b, "a=ed25519-sha256;", 1, true), "an Ed25519 signature")
check(string.find(a .. b, "a=rsa-sha256;", 1, true), "an RSA signature")
-- With -D want=N: exactly N signatures inserted (nine matching
-- SigningTable lines sign 8 times, MC_SIGS_PER_MESSAGE).
if want then
	local n = tonumber(want)
	check(mt.getheader(conn, "DKIM-Signature", n - 1) ~= nil,
		n .. " signatures inserted")
	check(mt.getheader(conn, "DKIM-Signature", n) == nil,
		"no more than " .. n .. " signatures")
end
check(not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
	"outgoing mail is not verified")
mt.disconnect(conn)
