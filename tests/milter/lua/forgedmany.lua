-- More forged Authentication-Results fields than the milter will track
-- (1,000): the message is refused rather than delivered with one left.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.10", "mail.bank.example", "<alerts@bank.example>")
for i = 1, 1001 do
	check(mt.header(conn, "Authentication-Results",
		"mx.receiver.test; dkim=pass header.d=evil.example") == nil,
		"header " .. i)
end
send(conn, {{"From", "alerts@bank.example"}}, "Statement.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "refused")
mt.disconnect(conn)
