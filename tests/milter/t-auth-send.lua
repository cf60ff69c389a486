-- An authenticated send is let through (accept: this milter is done with
-- the message) and recorded; run.sh checks the record and its client IP.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, "Alice@Example.ORG", "192.0.2.7", "<alice@example.org>"),
       "accept", "authenticated MAIL")
mt.disconnect(conn)
