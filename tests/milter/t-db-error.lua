-- A database the milter cannot read never rejects or defers mail: run.sh
-- plants a state record and an activity record of a future version, which
-- the store refuses to decode; both senders are let through.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, "badstate@example.org", "192.0.2.10", "<badstate@example.org>"),
       "accept", "unreadable state")
expect(mail(conn, "badrecord@example.org", "192.0.2.10", "<badrecord@example.org>"),
       "accept", "unreadable activity record")
mt.disconnect(conn)
