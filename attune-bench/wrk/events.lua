-- POST /v1/events with batches of events built here, for the ingestion benchmark with an outside client
-- (service-bench.sh ingest-wrk): every event has an id unique to its run tag, thread, counter and position,
-- a user and an item drawn from 100,000 each, and the current time.
-- Usage: wrk -t2 -c4 -d30s -s events.lua http://127.0.0.1:PORT -- [batch size, default 500] [run tag]
local batch = 500
local tag = "r"
-- a global, not a local: thread:set() below gives each thread its own value of the global
thread_number = 0
local counter = 0

function setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  if args[1] then batch = tonumber(args[1]) end
  if args[2] then tag = args[2] end
  math.randomseed(7 + 1000 * thread_number)
end

function request()
  counter = counter + 1
  local now = os.time() * 1000
  local parts = {}
  for i = 1, batch do
    parts[i] = string.format('{"id":"%s%d-%d-%d","userId":"u%06d","itemId":"i%06d","type":"play","timestamp":%d}',
      tag, thread_number, counter, i, math.random(0, 99999), math.random(0, 99999), now)
  end
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"},
    '{"events":[' .. table.concat(parts, ",") .. ']}')
end

-- One parseable line besides wrk's own report: batches per second times the batch size.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("summary: %.0f events/s (%.0f batches/s of %d), batch p50 %.2f ms, p99 %.2f ms, "
    .. "%d batches, non-2xx %d, socket errors %d\n",
    summary.requests * batch / seconds, summary.requests / seconds, batch, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
