-- The milter asks for MAIL FROM only: every other step is switched off,
-- and it asks for its two macros with a macro list, so an MTA makes one
-- round trip per message to it. MAIL itself needs a reply (the verdict).
dofile(os.getenv("srcdir") .. "/common.lua")
local conn = milter_connect()
for _, opt in ipairs({ "SMFIP_NOCONNECT", "SMFIP_NOHELO", "SMFIP_NORCPT",
		       "SMFIP_NODATA", "SMFIP_NOHDRS", "SMFIP_NOEOH",
		       "SMFIP_NOBODY", "SMFIP_NOUNKNOWN" }) do
	if not mt.test_option(conn, _G[opt]) then fail(opt .. " not negotiated") end
end
if mt.test_option(conn, SMFIP_NOMAIL) then fail("SMFIP_NOMAIL negotiated") end
if mt.test_option(conn, SMFIP_NR_MAIL) then fail("SMFIP_NR_MAIL negotiated") end
if not mt.test_action(conn, SMFIF_SETSYMLIST) then fail("no macro list asked for") end
for _, act in ipairs({ "SMFIF_ADDHDRS", "SMFIF_CHGBODY", "SMFIF_ADDRCPT",
		       "SMFIF_DELRCPT", "SMFIF_CHGHDRS", "SMFIF_QUARANTINE",
		       "SMFIF_CHGFROM" }) do
	if mt.test_action(conn, _G[act]) then fail(act .. " requested") end
end
mt.disconnect(conn)
