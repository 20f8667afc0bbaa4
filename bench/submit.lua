-- wrk script of bench/invocations.py: every request is a submit, POST of args[2] with
-- Authorization args[1].
function init(args)
  wrk.method = "POST"
  wrk.body = args[2]
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = args[1]
end
