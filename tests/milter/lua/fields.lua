-- HEADER_FIELDS_MAX (1000 fields kept for the signer): mail from the
-- internal relay with 1000 header fields is signed; with 1001 it is
-- accepted unsigned at the end of the header (never signed over part of
-- its header), and the log says why (tests/cli/milter.sh).
dofile(dir .. "/common.lua")
local function headers(n)
	local conn = open("127.0.0.1", "relay.internal.example",
		"<alice@internal.example>")
	check(mt.header(conn, "From", "Alice <alice@internal.example>") == nil,
		"From")
	check(mt.header(conn, "Subject", "fields " .. n) == nil, "Subject")
	for i = 3, n do
		check(mt.header(conn, "X-Filler", tostring(i)) == nil, "X-Filler")
	end
	check(mt.eoh(conn) == nil, "eoh")
	return conn
end
local conn = headers(1000)
check(mt.getreply(conn) == SMFIR_CONTINUE, "1000 fields: read on")
check(mt.bodystring(conn, "Hello.\r\n") == nil, "body")
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "1000 fields: accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "1000: signed")
mt.disconnect(conn)
conn = headers(1001)
-- Nothing left to do for it: accepted as it is, unsigned.
check(mt.getreply(conn) == SMFIR_ACCEPT, "1001 fields: accepted unsigned")
mt.disconnect(conn)
