-- common.lua - helpers shared by the t-*.lua miltertest scripts.
-- run.sh sets MILTER_SOCKET (the milter under test) and srcdir.
-- miltertest swallows Lua error messages, so failures print and exit.

function fail(msg)
	io.stderr:write("FAIL: " .. msg .. "\n")
	os.exit(1)
end

function env(name)
	local v = os.getenv(name)
	if v == nil or v == "" then fail("environment variable " .. name .. " not set") end
	return v
end

-- Connect and negotiate with what the MTA offers by default (everything,
-- macro lists included), unless actions says otherwise. (miltertest takes
-- version, protocol steps, actions, whatever its manual page says.)
function milter_connect(actions)
	local sock = env("MILTER_SOCKET")
	local conn = mt.connect(sock, 50, 0.1)
	if conn == nil then fail("cannot connect to " .. sock) end
	local err = mt.negotiate(conn, nil, nil, actions)
	if err ~= nil then fail("negotiation: " .. err) end
	return conn
end

local function reply_name(r)
	if r == SMFIR_ACCEPT then return "accept" end
	if r == SMFIR_CONTINUE then return "continue" end
	if r == SMFIR_REJECT then return "reject" end
	if r == SMFIR_TEMPFAIL then return "tempfail" end
	if r == SMFIR_REPLYCODE then return "replycode" end
	return "reply " .. tostring(r)
end

-- One MAIL FROM with the macros an MTA sends there; authen nil means an
-- unauthenticated session. Returns the reply's name.
function mail(conn, authen, addr, from)
	local err
	if authen ~= nil then
		err = mt.macro(conn, SMFIC_MAIL, "{auth_authen}", authen, "{client_addr}", addr)
	else
		err = mt.macro(conn, SMFIC_MAIL, "{client_addr}", addr)
	end
	if err ~= nil then fail("macro: " .. err) end
	err = mt.mailfrom(conn, from)
	if err ~= nil then fail("MAIL: " .. err) end
	return reply_name(mt.getreply(conn))
end

function expect(got, want, what)
	if got ~= want then fail(what .. ": got " .. got .. ", expected " .. want) end
end
