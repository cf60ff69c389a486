-- {auth_authen} values that are not account names: each is logged
-- (escaped, run.sh checks) and the mail goes on unrecorded.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
local bad = { "two words@example.org", "<bracket@example.org>", "@example.org",
	      "a@b@example.org", "tab\there@example.org", " ", string.rep("x", 400) }
for _, name in ipairs(bad) do
	expect(mail(conn, name, "192.0.2.11", "<x@example.org>"), "accept",
	       "bad {auth_authen} '" .. name .. "'")
end
mt.disconnect(conn)
