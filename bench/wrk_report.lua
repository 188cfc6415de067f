-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
-- wrk script of the bench: prints one JSON line with throughput, latency percentiles, errors.
done = function(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   local failed = errors.connect + errors.read + errors.write + errors.status + errors.timeout
   io.write(string.format(
      'WRK-JSON {"rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
      '"requests": %d, "errors": %d, "non_2xx": %d}\n',
      summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000,
      summary.requests, failed, errors.status))
end
