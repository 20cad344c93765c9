-- wrk script for bench/load.py: prints one JSON line with requests/s, p50/p95/p99 latency and errors
-- (wrk's own --latency has no p95).
--
--   wrk -t2 -c20 -d20s --timeout 30s -s bench/wrk_report.lua URL           warm: the same URL every time
--   WRK_COLD=1 wrk -t2 -c20 -d20s --timeout 30s -s bench/wrk_report.lua URL  cold: every request unique
--
-- Cold adds a query parameter the app ignores (_r=<thread>-<n>), so every request is a different URL:
-- it misses the page cache (keyed by the full path) and the page is rendered, as for a first visitor
-- after a data change. The cache write that follows is part of what it costs.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

if os.getenv("WRK_COLD") == "1" then
   local counter = 0
   function request()
      counter = counter + 1
      local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
      return wrk.format(nil, wrk.path .. sep .. "_r=" .. tid .. "-" .. counter)
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
         .. '"max_ms": %.2f, "mean_ms": %.2f, "bytes": %d, "errors": {"connect": %d, "read": %d, '
         .. '"write": %d, "status": %d, "timeout": %d}}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout))
end
