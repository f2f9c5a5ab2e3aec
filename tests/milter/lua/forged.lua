-- A forged From of a p=reject domain from outside is refused with
-- 550 5.7.26, naming the domain.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.2", "forger.test", "<x@forger.test>")
send(conn, {{"From", "Bank <alerts@bank.example>"}, {"Subject", "pay"}},
	"Pay now.\r\n")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "a reply code")
-- (miltertest cannot see the reply text: tests/cli/milter.sh reads the
-- log, and tests/e2e/milter_postfix.sh the 550 5.7.26 Postfix gives.)
mt.disconnect(conn)
