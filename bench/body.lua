-- wrk: every request the same method, JSON body and path (e.g. Isso's POST /count).
-- Usage: wrk ... -s bench/body.lua http://127.0.0.1:PORT/path -- METHOD BODY
function init(args)
   wrk.method = args[1]
   wrk.body = args[2]
   wrk.headers["Content-Type"] = "application/json"
end
