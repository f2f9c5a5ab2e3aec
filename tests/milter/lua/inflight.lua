-- A message in flight when SIGTERM comes (tests/cli/milter.sh sends it
-- during the pause) is still signed and accepted.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
check(mt.header(conn, "From", "alice@internal.example") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
mt.sleep(2)
check(mt.bodystring(conn, "Sent while stopping.\r\n") == nil, "body")
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "signed")
mt.disconnect(conn)
