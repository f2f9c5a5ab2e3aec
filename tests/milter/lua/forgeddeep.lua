-- Issue A3: forged Authentication-Results fields whose authserv-id the
-- parser cannot read (comments nested 9 deep, one more than it follows;
-- an unterminated comment) are removed: a reader without its bounds may
-- still take them for ours. They used to be kept. Another receiver's
-- field, whatever follows its id, stays.
dofile(dir .. "/common.lua")
local forged = {
	"(((((((((x))))))))) mx.receiver.test; dmarc=pass header.from=bank.example",
	"(forged mx.receiver.test; dmarc=pass header.from=bank.example",
}
for _, v in ipairs(forged) do
	local conn = open("127.0.0.10", "mail.bank.example",
		"<alerts@bank.example>")
	send(conn, {{"Authentication-Results", v},
		{"From", "Bank <alerts@bank.example>"}, {"Subject", "statement"}},
		"Your statement.\r\n")
	check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
	check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
		"removed: " .. v)
	mt.disconnect(conn)
end
local conn = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
send(conn, {{"Authentication-Results",
	"other.example (((((((((x))))))))); spf=pass"},
	{"From", "Bank <alerts@bank.example>"}, {"Subject", "statement"}},
	"Your statement.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
	"another receiver's field kept")
mt.disconnect(conn)
