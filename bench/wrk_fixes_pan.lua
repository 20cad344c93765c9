-- wrk script for bench/fixes_map.py: every request asks for the map's clusters of another viewport of
-- the same size, panned at random (seeded per thread) inside a box – as visitors moving the map do.
--
--   PAN="south,west,north,east,height,width" wrk -t2 -c20 -d20s -s bench/wrk_fixes_pan.lua URL
--
-- Prints one JSON line as wrk_report.lua does.

local threads = {}
local box = {}
for v in string.gmatch(os.getenv("PAN") or "", "[^,]+") do table.insert(box, tonumber(v)) end

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function init(args)
   math.randomseed(1000 + tid)
end

function request()
   local south = box[1] + math.random() * (box[3] - box[1] - box[5])
   local west = box[2] + math.random() * (box[4] - box[2] - box[6])
   local path = string.format("%s?bbox=%.5f,%.5f,%.5f,%.5f", wrk.path, south, west, south + box[5], west + box[6])
   return wrk.format(nil, path)
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
