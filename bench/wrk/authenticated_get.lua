-- GET the URL given to wrk with "Authorization: Bearer $XOR_BENCH_TOKEN" (every thread),
-- and print one machine-readable line at the end for bench/api_load.py.
--
-- The token comes from the environment rather than the command line so that it does not
-- show in the process list. Latencies are wrk's exact histogram values, in microseconds
-- (wrk records every request's latency; the human --latency table rounds them).

local token = os.getenv("XOR_BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.headers["Accept"] = "application/json"

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
end
