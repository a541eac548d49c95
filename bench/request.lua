-- wrk's request for the benchmark: method, body and headers from the
-- environment (BENCH_METHOD, BENCH_BODY, BENCH_TOKEN, BENCH_IF_MATCH). A
-- "{n}" in the body becomes a number unique to the request, so that every
-- POST creates its own record.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local if_match = os.getenv("BENCH_IF_MATCH")
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("thread_id", threads)
end

local counter = 0

function request()
    counter = counter + 1
    local headers = { ["Authorization"] = "Bearer " .. token }
    local b = nil
    if body ~= nil and body ~= "" then
        headers["Content-Type"] = "application/json"
        b = string.gsub(body, "{n}", tostring(thread_id) .. "-" .. tostring(counter) .. "-" .. tostring(os.time()))
    end
    if if_match ~= nil and if_match ~= "" then
        headers["If-Match"] = if_match
    end
    return wrk.format(method, nil, headers, b)
end
