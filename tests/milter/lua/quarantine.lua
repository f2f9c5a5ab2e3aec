-- At DMARCEnforce quarantine, a forged From of a p=reject domain is
-- marked and quarantined instead of refused.
dofile(dir .. "/common.lua")
local conn = open("127.0.0.2", "forger.test", "<x@forger.test>")
send(conn, {{"From", "alerts@bank.example"}}, "Pay.\r\n")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
check(mt.eom_check(conn, MT_QUARANTINE), "quarantined")
check(mt.eom_check(conn, MT_HDRADD, "X-Emauth-Quarantine"), "marked")
mt.disconnect(conn)
