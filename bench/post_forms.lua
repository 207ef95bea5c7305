-- wrk script for bench/sign.py: POST the sign form with a unique email on every request.
--
-- Arguments (after `--`): path, the form's token, run tag, run number. The emails
-- are <tag>-<thread>-<n>@example.org, so no two requests of a run are the same person, and
-- each request comes from its own address as a proxy would say it (X-Forwarded-For, believed
-- with TRUSTED_PROXIES=1): 1<run>.<thread, n>, so no address signs twice in a minute, within
-- a run or across runs, and the per-address rate limit marks nothing.
-- done() prints one line, "result <json>", that sign.py reads.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   path, token, tag = args[1], args[2], args[3]
   run = tonumber(args[4] or "0")
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   prefix = "first_name=Maria&last_name=Garcia&postcode=94612&city=Oakland&comment="
      .. "&website=&csrf_token=" .. token .. "&email=" .. tag .. "-" .. id .. "-"
   sent, answered, redirected = 0, 0, 0
   statuses = {}
end

function request()
   sent = sent + 1
   -- 16 threads of 1,048,576 addresses each per run; LuaJIT has no integer shifts here.
   local n = (id - 1) * 1048576 + sent
   local address = string.format("%d.%d.%d.%d", 100 + run, math.floor(n / 65536) % 256,
      math.floor(n / 256) % 256, n % 256)
   -- A headers table given to wrk.format replaces wrk.headers (the content type): set
   -- the address on the shared one instead.
   wrk.headers["X-Forwarded-For"] = address
   return wrk.format(nil, path, nil, prefix .. sent .. "%40example.org")
end

function response(status, headers, body)
   answered = answered + 1
   if status == 302 then
      redirected = redirected + 1
   else
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local sent, answered, redirected, others = 0, 0, 0, {}
   for _, thread in ipairs(threads) do
      sent = sent + thread:get("sent")
      answered = answered + thread:get("answered")
      redirected = redirected + thread:get("redirected")
      for status, n in pairs(thread:get("statuses")) do
         local key = string.format('"%d"', status)
         others[key] = (others[key] or 0) + n
      end
   end
   local parts = {}
   for key, n in pairs(others) do
      table.insert(parts, key .. ": " .. n)
   end
   -- wrk calls request() once on the first thread to check the script, sending nothing.
   sent = sent - 1
   local errors = summary.errors
   io.write(string.format(
      'result {"duration_us": %d, "sent": %d, "answered": %d, "redirected": %d, '
         .. '"p50_us": %d, "p99_us": %d, "max_us": %d, "other_statuses": {%s}, '
         .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
      summary.duration, sent, answered, redirected,
      latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, ", "),
      errors.connect, errors.read, errors.write, errors.timeout
   ))
end
