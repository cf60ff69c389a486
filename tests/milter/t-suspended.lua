-- A suspended account (run.sh suspends sam@example.org first) is refused
-- at MAIL FROM with a reply code (550 5.7.1, checked by run.sh's mclient
-- case), whatever the case of the login name.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, "SAM@example.org", "192.0.2.9", "<sam@example.org>"),
       "replycode", "suspended sender")
mt.disconnect(conn)
