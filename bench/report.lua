-- wrk script: one JSON line with throughput, errors and latency percentiles (µs).
--
-- With a Cookie header, each connection keeps the session cookie the portal sends back, as a
-- browser does (the portal re-signs it when the session changes: the activity stamp moves in
-- steps of 15 s). A fixed cookie would make every request look like the first after a pause.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

if wrk.headers["Cookie"] then
  renewed = 0
  local prepared = nil

  request = function()
    if not prepared then
      prepared = wrk.format()
    end
    return prepared
  end

  response = function(status, headers, body)
    local set = headers["Set-Cookie"] or headers["set-cookie"]
    if set then
      local name, value = set:match("^%s*([^=;]+)=([^;]*)")
      if name then
        local parts, found = {}, false
        for part in wrk.headers["Cookie"]:gmatch("[^;]+") do
          part = part:match("^%s*(.-)%s*$")
          if part:sub(1, #name + 1) == name .. "=" then
            part, found = name .. "=" .. value, true
          end
          table.insert(parts, part)
        end
        if not found then
          table.insert(parts, name .. "=" .. value)
        end
        local replaced = table.concat(parts, "; ")
        wrk.headers["Cookie"] = replaced
        prepared = nil
        renewed = renewed + 1
      end
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local renewals = 0
  for _, thread in ipairs(threads) do
    renewals = renewals + (thread:get("renewed") or 0)
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx_3xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "cookies_renewed": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), renewals))
end
