-- wrk script for bench/run.py: `-- login '<json body>'` turns requests into login POSTs;
-- `-- tokens <file>` sends each request with the next access token from the file (one a line);
-- done() prints one JSON line the runner parses (rates and latencies in microseconds).

local tokens = nil
local next_token = 0

function init(args)
  if args[1] == "login" then
    wrk.method = "POST"
    wrk.body = args[2]
    wrk.headers["Content-Type"] = "application/json"
  elseif args[1] == "tokens" then
    tokens = {}
    for line in io.lines(args[2]) do
      tokens[#tokens + 1] = line
    end
  end
end

function request()
  if tokens == nil then
    return wrk.request()
  end
  next_token = next_token % #tokens + 1
  return wrk.format(nil, nil, {Cookie = "access_token=" .. tokens[next_token]})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
