-- FROM_FIELDS_MAX (4 kept, all counted): a message with five From fields
-- is not judged on the four kept: "several From fields", DMARC
-- permerror, refused at DMARCEnforce reject (the log: tests/cli/milter.sh).
dofile(dir .. "/common.lua")
local conn = open("127.0.0.2", "forger.test", "<x@forger.test>")
local h = {}
for i = 1, 5 do
	h[#h + 1] = {"From", "x" .. i .. "@forger.test"}
end
h[#h + 1] = {"Subject", "five from fields"}
send(conn, h, "Body.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "a reply code")
mt.disconnect(conn)
