-- Once the suspension is cleared (run.sh), the same sender goes through
-- again, without restarting the milter.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, "sam@example.org", "192.0.2.9", "<sam@example.org>"),
       "accept", "reactivated sender")
mt.disconnect(conn)
