-- common.lua: helpers for the miltertest scripts (loaded with dofile).
-- Globals from miltertest -D: sock (the milter's socket), dir (this
-- directory).
function check(cond, what)
	if not cond then error("failed: " .. what) end
end

-- open(ip, helo, mailfrom [, auth]): a connection up to RCPT.
function open(ip, helo, mailfrom, auth)
	local conn = mt.connect(sock, 20, 0.1)
	check(conn ~= nil, "connect to " .. sock)
	check(mt.conninfo(conn, helo, ip) == nil, "conninfo")
	check(mt.helo(conn, helo) == nil, "helo")
	-- (A second mt.macro call for the same stage replaces the first.)
	if auth then
		mt.macro(conn, SMFIC_MAIL, "i", "TESTQID", "{auth_authen}", auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", "TESTQID")
	end
	check(mt.mailfrom(conn, mailfrom) == nil, "mailfrom")
	check(mt.rcptto(conn, "<bob@receiver.test>") == nil, "rcptto")
	return conn
end

-- send(conn, headers, body): headers is a list of {name, value}.
function send(conn, headers, body)
	for _, h in ipairs(headers) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	check(mt.bodystring(conn, body) == nil, "body")
	check(mt.eom(conn) == nil, "eom")
end
