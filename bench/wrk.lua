-- wrk script of bench/run.py: one route, with ids drawn at random from a file, the caller's
-- API key, and a machine-readable summary.
--
--   wrk ... -s bench/wrk.lua URL -- <ids.tsv> <METHOD> <path template> <body template | @bodies file | -> <API key>
--
-- Templates name columns of the ids file in braces ({node_id}, {tag}, ...); {unique} is a
-- value no other request of this run uses. With @file, each request sends one line of the file.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_no", #threads)
end

local rows, bodies = {}, nil
local method, path_template, body_template
local counter, prefix = 0, ""

local function split(line)
    local fields = {}
    for field in (line .. "\t"):gmatch("(.-)\t") do
        fields[#fields + 1] = field
    end
    return fields
end

local function read_lines(path)
    local lines = {}
    for line in io.lines(path) do
        if line ~= "" then lines[#lines + 1] = line end
    end
    return lines
end

function init(args)
    local ids_file, key
    ids_file, method, path_template, body_template, key = args[1], args[2], args[3], args[4], args[5]
    local lines = read_lines(ids_file)
    local names = split(lines[1])
    for i = 2, #lines do
        local row, values = {}, split(lines[i])
        for j, name in ipairs(names) do row[name] = values[j] end
        rows[#rows + 1] = row
    end
    if body_template:sub(1, 1) == "@" then
        bodies = read_lines(body_template:sub(2))
    elseif body_template == "-" then
        body_template = nil
    end
    math.randomseed(os.time() * 1000 + (thread_no or 0))
    prefix = string.format("g%d%d%d", os.time(), thread_no or 0, math.random(1000, 9999))
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    local row = rows[math.random(#rows)]
    counter = counter + 1
    local function fill(template)
        return (template:gsub("{([%w_]+)}", function(name)
            if name == "unique" then return prefix .. "-" .. counter end
            return row[name]
        end))
    end
    local body = nil
    if bodies then
        body = bodies[math.random(#bodies)]
    elseif body_template then
        body = fill(body_template)
    end
    return wrk.format(method, fill(path_template), nil, body)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
        '"status_errors": %d, "timeouts": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d}\n',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
        e.status, e.timeout, e.connect, e.read, e.write))
end
