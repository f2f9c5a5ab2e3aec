-- SIGTERM with a message in flight (tests/cli/milter.sh sends it during
-- the pause): the milter stops taking connections at once, so a new one
-- is refused; a session already open gets a temporary failure for a new
-- message; the message in flight is finished, signed and accepted.
dofile(dir .. "/common.lua")
local a = open("127.0.0.1", "relay.internal.example",
	"<alice@internal.example>")
check(mt.header(a, "From", "alice@internal.example") == nil, "header")
check(mt.eoh(a) == nil, "eoh")
-- A second session, open before the signal, between messages.
local b = mt.connect(sock, 20, 0.1)
check(b ~= nil, "connect b")
check(mt.conninfo(b, "relay.internal.example", "127.0.0.1") == nil,
	"conninfo b")
check(mt.helo(b, "relay.internal.example") == nil, "helo b")
mt.sleep(3)
local connected = pcall(mt.connect, sock, 1, 0)
check(not connected, "a new connection after SIGTERM is refused")
mt.macro(b, SMFIC_MAIL, "i", "TESTQID2")
check(mt.mailfrom(b, "<bob@internal.example>") == nil, "mailfrom b")
check(mt.getreply(b) == SMFIR_TEMPFAIL,
	"a new message after SIGTERM gets a temporary failure")
check(mt.bodystring(a, "Sent while stopping.\r\n") == nil, "body")
check(mt.eom(a) == nil, "eom")
check(mt.getreply(a) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(a, MT_HDRINSERT, "DKIM-Signature"), "signed")
mt.disconnect(a)
