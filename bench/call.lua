-- wrk script: the same POST (BODY) with the headers in HEADERS ("Name: value" lines), every
-- answer checked: status 200 and EXPECT somewhere in the body, or it counts as an error.
-- Prints one "RESULT key=value ..." line at the end.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
for line in string.gmatch(os.getenv("HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end
local expect = os.getenv("EXPECT")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, expect, 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d bad=%d socket_errors=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f\n",
    summary.requests, failed, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
