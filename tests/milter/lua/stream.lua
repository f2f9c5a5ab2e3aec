-- A 4 MB body in 64 KB chunks with bare LF line ends from the relay is
-- signed; the milter holds the headers only.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
check(mt.header(conn, "From", "alice@internal.example") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
local chunk = string.rep("0123456789abcdef0123456789abcdef012345678901234\n", 1365)
for i = 1, 64 do
	check(mt.bodystring(conn, chunk) == nil, "chunk " .. i)
end
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "signed")
mt.disconnect(conn)
