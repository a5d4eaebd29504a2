-- The noisy neighbour of bench/api_load.py: GET the URL given to wrk as fast as wrk can
-- with "Authorization: Bearer $XOR_BENCH_TOKEN", counting the answers by status, and
-- print two machine-readable lines at the end: XOR_WRK (the same fields as
-- authenticated_get.lua) and XOR_FLOOD (how many answers were 2xx, 429, or anything else).
--
-- wrk's own error counts only say "status > 399"; the response() hook tells a 429 (the
-- rate limiter doing its job) from any other failure. Each thread counts in its own Lua
-- state; done() sums the threads' counters (thread:get).

local token = os.getenv("XOR_BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.headers["Accept"] = "application/json"

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

ok_count, limited_count, other_count = 0, 0, 0

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    ok_count = ok_count + 1
  elseif status == 429 then
    limited_count = limited_count + 1
  else
    other_count = other_count + 1
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "XOR_WRK requests=%.0f duration_us=%.0f bytes=%.0f connect_errors=%.0f read_errors=%.0f "
      .. "write_errors=%.0f status_errors=%.0f timeouts=%.0f mean_us=%.1f p50_us=%.0f "
      .. "p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max
  ))
  local ok, limited, other = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok_count")
    limited = limited + thread:get("limited_count")
    other = other + thread:get("other_count")
  end
  io.write(string.format("XOR_FLOOD ok=%.0f limited=%.0f other=%.0f\n", ok, limited, other))
end
