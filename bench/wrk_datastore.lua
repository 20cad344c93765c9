-- wrk script for bench/lake_load.py: CKAN datastore_search with an equality filter on the station,
-- a different station each request (WRK_STATIONS of them, ST000 …), or always ST000 when
-- WRK_STATIONS=1. The report (one JSON line) is bench/wrk_report.lua's, loaded from WRK_REPORT.

dofile(os.getenv("WRK_REPORT"))

local stations = tonumber(os.getenv("WRK_STATIONS") or "50")
local counter = 0

function request()
   counter = counter + 1
   local station = string.format("ST%03d", (counter * 7 + (tid or 0)) % stations)
   -- filters={"station":"STnnn"}, URL-encoded
   local filters = "%7B%22station%22%3A%22" .. station .. "%22%7D"
   return wrk.format(nil, wrk.path .. "&filters=" .. filters)
end
