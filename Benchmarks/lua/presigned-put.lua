-- wrk script: each request PUTs 4 KiB to the next presigned path of the file named by PUT_PATHS
-- (one distinct key a line). Thread N walks its own part of the file, so no key is written twice.
local paths = {}
for line in io.lines(os.getenv("PUT_PATHS")) do paths[#paths + 1] = line end
local body = string.rep("x", 4096)
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  -- wrk starts at most a few threads; 16 parts of the file leave each its own keys.
  counter = thread_id * math.floor(#paths / 16)
end

function request()
  counter = counter + 1
  return wrk.format("PUT", paths[(counter % #paths) + 1], {["Content-Length"] = tostring(#body)}, body)
end
