-- Unauthenticated mail (no {auth_authen}, or an empty one) from an
-- untrusted client is let through and not recorded (run.sh checks).
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, nil, "192.0.2.7", "<nobody@example.org>"), "accept",
       "unauthenticated MAIL")
expect(mail(conn, "", "192.0.2.7", "<nobody@example.org>"), "accept",
       "MAIL with an empty {auth_authen}")
mt.disconnect(conn)
