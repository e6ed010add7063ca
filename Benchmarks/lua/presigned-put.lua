-- wrk script: each request PUTs 4 KiB to the next presigned path of the file named by PUT_PATHS
-- (one distinct key a line). The file is cut in PUT_THREADS parts (wrk's -t, 16 by default) and
-- thread N walks part N, so no key is written twice while a thread sends no more PUTs than its
-- part has lines; one that does would go on into another's keys (overwrites, a different
-- measure), and the run ends with a warning.
local paths = {}
for line in io.lines(os.getenv("PUT_PATHS")) do paths[#paths + 1] = line end
local body = string.rep("x", 4096)
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  part = math.floor(#paths / tonumber(os.getenv("PUT_THREADS") or "16"))
  first = thread_id * part
  sent = 0
end

function request()
  sent = sent + 1
  if sent > part then overrun = true end
  return wrk.format("PUT", paths[((first + sent - 1) % #paths) + 1], {["Content-Length"] = tostring(#body)}, body)
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    if thread:get("overrun") then
      print("warning: a wrk thread sent more PUTs than its part of PUT_PATHS has keys: some keys were written twice")
      return
    end
  end
end
