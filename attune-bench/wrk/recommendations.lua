-- GET /v1/users/{id}/recommendations?k=10 for a random user of ServiceBenchmark's data (u000000 ... u099999).
-- Each wrk thread draws from its own seeded generator, so a rerun asks for the same users in the same order.
-- Usage: wrk -t2 -c32 -d30s --latency -s recommendations.lua http://127.0.0.1:PORT -- [users] [extra query]
--   e.g. -- 100000 explain=true
local users = 100000
local extra = ""
-- a global, not a local: thread:set() below gives each thread its own value of the global
thread_number = 0

function setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  if args[1] then users = tonumber(args[1]) end
  if args[2] then extra = "&" .. args[2] end
  math.randomseed(6 + 1000 * thread_number)
end

function request()
  return wrk.format("GET", string.format("/v1/users/u%06d/recommendations?k=10%s", math.random(0, users - 1), extra))
end

-- One parseable line besides wrk's own report.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("summary: %.0f requests/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, "
    .. "%d requests, non-2xx %d, socket errors %d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
