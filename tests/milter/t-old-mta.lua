-- An MTA that cannot negotiate macro lists: the milter then keeps CONNECT,
-- without a reply, and takes the client address from it (per-connection
-- data, freed at close); run.sh checks the recorded address 198.51.100.9.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect(SMFIF_ADDHDRS)
if mt.test_option(conn, SMFIP_NOCONNECT) then fail("CONNECT switched off") end
if not mt.test_option(conn, SMFIP_NR_CONN) then fail("CONNECT wants a reply") end
local err = mt.conninfo(conn, "old.example", "198.51.100.9")
if err ~= nil then fail("conninfo: " .. err) end
err = mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "olga@example.org")
if err ~= nil then fail("macro: " .. err) end
err = mt.mailfrom(conn, "<olga@example.org>")
if err ~= nil then fail("MAIL: " .. err) end
if mt.getreply(conn) ~= SMFIR_ACCEPT then fail("MAIL not accepted") end
mt.disconnect(conn)
