-- Unauthenticated mail from trusted_networks (a webmail host) is recorded
-- under its envelope sender, +detail stripped, only for local_domains;
-- run.sh checks web.user@example.org is recorded and x@elsewhere.net not.
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
expect(mail(conn, nil, "127.0.0.1", "<Web.User+lists@Example.ORG>"), "accept",
       "trusted local sender")
expect(mail(conn, nil, "127.0.0.1", "<x@elsewhere.net>"), "accept",
       "trusted foreign sender")
expect(mail(conn, nil, "127.0.0.1", "<>"), "accept", "trusted null sender")
mt.disconnect(conn)
