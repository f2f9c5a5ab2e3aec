-- Mode s: mail from outside passes untouched: accepted at the end of the
-- header block, not verified, not refused.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.2", "forger.test", "<x@forger.test>")
check(mt.header(conn, "From", "Bank <alerts@bank.example>") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
mt.disconnect(conn)
