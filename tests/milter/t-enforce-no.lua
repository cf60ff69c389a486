-- With enforce = no, a suspended account's mail goes through (run.sh
-- starts this milter with such a configuration and suspends sam).
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, "sam@example.org", "192.0.2.9", "<sam@example.org>"),
       "accept", "suspended sender with enforce = no")
mt.disconnect(conn)
